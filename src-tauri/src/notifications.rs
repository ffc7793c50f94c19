//! Desktop notifications: every new row of the live feed goes through `tev_core::notify` (which
//! decides, unit-tested there) and what it lets through is shown with
//! tauri-plugin-notification. Only Rust calls the plugin: no page holds a notification
//! permission. The app's one [`DesktopNotifier`] is managed by the app and reached through the
//! app handle ([`DesktopNotifierExt`]).

use crate::channels::{self, ChannelsExt};
use crate::error::{ErrorCode, UiError};
use crate::state::AppState;
use crate::views::NotifyKind;
use crate::windows;
use std::sync::{Arc, Mutex};
use std::time::Instant;
use tauri::{AppHandle, Manager, Runtime};
use tauri_plugin_notification::{ActionPerformed, NotificationExt};
use tev_core::live::LiveUpdate;
use tev_core::notify::{Notifier, NotifyInput, NotifyPolicy, Suppressed};

/// The app's desktop notifications, managed by the app (one for its lifetime).
#[derive(Default)]
pub struct DesktopNotifier {
    /// The one notifier of the app: its policy (which kinds notify) and its burst limiter,
    /// which spans every channel.
    notifier: Mutex<Notifier>,
}

impl DesktopNotifier {
    /// Uses `policy` from now on (at start and when the user changes it).
    pub fn set_policy(&self, policy: NotifyPolicy) {
        if let Ok(mut n) = self.notifier.lock() {
            n.set_policy(policy);
        }
    }
}

/// Reaches the app's [`DesktopNotifier`] from anything that reaches the app (the pattern of
/// Tauri's own plugins, e.g. `NotificationExt`).
pub trait DesktopNotifierExt<R: Runtime> {
    /// The app's desktop notifier.
    fn desktop_notifier(&self) -> &DesktopNotifier;
}

impl<R: Runtime, T: Manager<R>> DesktopNotifierExt<R> for T {
    fn desktop_notifier(&self) -> &DesktopNotifier {
        self.state::<DesktopNotifier>().inner()
    }
}

/// Turns notifications for one `kind` on or off, from now on and in the settings; unknown kinds
/// are refused. Every kind's choice, as the home page lists them.
pub fn set_wanted<R: Runtime>(
    app: &AppHandle<R>,
    state: &AppState,
    kind: &str,
    on: bool,
) -> Result<Vec<NotifyKind>, UiError> {
    if !tev_core::notify::KINDS.iter().any(|(k, _)| *k == kind) {
        return Err(UiError::new(ErrorCode::BadKind, "That is not a kind of event."));
    }
    let (s, _) = state.config.update(|s| s.notifications.set_wanted(kind, on))?;
    app.desktop_notifier().set_policy(s.notifications.clone());
    Ok(NotifyKind::all(&s.notifications))
}

/// The notification's extra field naming its channel.
const CHANNEL_KEY: &str = "channel_login";

/// A click on a notification opens (or brings forward) that channel's window. The login is
/// the app's own (set in `on_new_event`), checked again like any other input.
fn on_click(app: &AppHandle, state: &Arc<AppState>, action: &ActionPerformed) {
    if action.action_id() != "tap" {
        return;
    }
    let Some(login) = action
        .notification()
        .and_then(|n| n.extra().get(CHANNEL_KEY))
        .and_then(|v| v.as_str())
        .filter(|l| tev_core::deeplink::is_valid_login(l))
        .map(str::to_owned)
    else {
        return;
    };
    let app = app.clone();
    let state = state.clone();
    tauri::async_runtime::spawn(async move {
        if let Err(e) = channels::open_channel(&app, state, &login).await {
            tracing::warn!(%login, error = %e.message, "could not open the window of a notification");
        }
    });
}

/// Watches the live feed for new rows for the app's lifetime.
pub fn spawn(app: &AppHandle, state: Arc<AppState>) {
    {
        let app2 = app.clone();
        let state2 = state.clone();
        let _ = app.notification().on_action(move |a| on_click(&app2, &state2, a));
    }
    if let Ok((s, _)) = state.config.load_or_default() {
        app.desktop_notifier().set_policy(s.notifications);
    }
    let mut rx = state.live.subscribe();
    let app = app.clone();
    tauri::async_runtime::spawn(async move {
        loop {
            match rx.recv().await {
                Ok(LiveUpdate::NewEvent(ev)) => on_new_event(&app, &state, &ev),
                Ok(_) => {}
                Err(tokio::sync::broadcast::error::RecvError::Lagged(n)) => {
                    tracing::warn!(missed = n, "notifications fell behind the feed");
                }
                Err(tokio::sync::broadcast::error::RecvError::Closed) => break,
            }
        }
    });
}

fn on_new_event(app: &AppHandle, state: &AppState, ev: &tev_core::feed::StreamEvent) {
    let kind = ev.kind.as_str();
    let login = ev.channel_login.as_str();
    let notifier = &app.desktop_notifier().notifier;
    let wanted = notifier.lock().is_ok_and(|n| n.policy().wants(kind));
    if !wanted {
        return;
    }
    // Read only for kinds that would notify.
    let settings = state.config.load_or_default().ok().map(|(s, _)| s);
    // A kind muted in the channel's panel never notifies.
    if settings.as_ref().is_some_and(|s| s.feed_muted(&ev.channel_id, kind)) {
        tracing::debug!(%login, %kind, "no desktop notification: muted for this channel");
        return;
    }
    // The favourite's go-live notifies even with no window open.
    let favourite = settings
        .as_ref()
        .and_then(|s| s.favourite.as_deref())
        .is_some_and(|f| f.eq_ignore_ascii_case(login));
    let open = app.channels().open(login).is_some();
    let focused = app
        .get_window(&windows::window_label(login))
        .and_then(|w| w.is_focused().ok())
        .unwrap_or(false);
    let name = app.channels().display_name(login);
    let input = NotifyInput {
        kind,
        channel_login: login,
        channel_name: name.as_deref(),
        summary: Some(ev.summary.as_str()),
        watched: open || favourite,
        window_focused: focused,
        // LiveFeed sends NewEvent only for rows that are new (not restored, not gaps).
        is_new: true,
    };
    let decision = match notifier.lock() {
        Ok(mut n) => n.evaluate(&input, Instant::now()),
        Err(_) => return,
    };
    match decision {
        Ok(n) => {
            tracing::info!(%login, %kind, "showing a desktop notification");
            let shown = app
                .notification()
                .builder()
                .title(&n.title)
                .body(&n.body)
                // A click opens the channel's window (see `on_click`).
                .extra(CHANNEL_KEY, login)
                .show();
            if let Err(e) = shown {
                tracing::warn!(error = %e, "could not show a desktop notification");
            }
        }
        Err(Suppressed::KindOff | Suppressed::NotWatched) => {}
        Err(why) => tracing::debug!(%login, %kind, ?why, "no desktop notification"),
    }
}
