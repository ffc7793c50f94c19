//! Desktop notifications: every new row of the live feed goes through `tev_core::notify` (which
//! decides, unit-tested there) and what it lets through is shown with
//! tauri-plugin-notification. Only Rust calls the plugin: no page holds a notification
//! permission.

use crate::state::AppState;
use crate::{channels, windows};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Instant;
use tauri::{AppHandle, Manager};
use tauri_plugin_notification::{ActionPerformed, NotificationExt};
use tev_core::live::LiveUpdate;
use tev_core::notify::{Notifier, NotifyInput, NotifyPolicy, Suppressed};

/// The one notifier of the app (its burst limiter spans every channel).
fn notifier() -> &'static Mutex<Notifier> {
    static N: OnceLock<Mutex<Notifier>> = OnceLock::new();
    N.get_or_init(Default::default)
}

/// The favourite streamer's login: its go-live notifies even with no window open.
fn favourite() -> &'static Mutex<Option<String>> {
    static F: OnceLock<Mutex<Option<String>>> = OnceLock::new();
    F.get_or_init(Default::default)
}

/// Uses `policy` from now on (at start and when the user changes it).
pub fn set_policy(policy: NotifyPolicy) {
    if let Ok(mut n) = notifier().lock() {
        n.set_policy(policy);
    }
}

/// Remembers the favourite (at start and when the user picks another).
pub fn set_favourite(login: Option<&str>) {
    if let Ok(mut f) = favourite().lock() {
        *f = login.map(str::to_ascii_lowercase);
    }
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
        set_favourite(s.favourite.as_deref());
        set_policy(s.notifications);
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
    let wanted = notifier().lock().is_ok_and(|n| n.policy().wants(kind));
    if !wanted {
        return;
    }
    // A kind muted in the channel's panel never notifies (read only for kinds that would).
    if state.config.load_or_default().is_ok_and(|(s, _)| s.feed_muted(&ev.channel_id, kind)) {
        tracing::debug!(%login, %kind, "no desktop notification: muted for this channel");
        return;
    }
    let favourite = favourite()
        .lock()
        .is_ok_and(|f| f.as_deref().is_some_and(|f| f.eq_ignore_ascii_case(login)));
    let open = channels::channel_of(login).is_some();
    let focused = app
        .get_window(&windows::window_label(login))
        .and_then(|w| w.is_focused().ok())
        .unwrap_or(false);
    let name = channels::display_name(login);
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
    let decision = match notifier().lock() {
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
