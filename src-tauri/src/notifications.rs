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
use tev_core::alerts::{AlertSettings, Alerts, ChannelRules, Fired};
use tev_core::live::LiveUpdate;
use tev_core::notify::{Notifier, NotifyInput, NotifyPolicy, Suppressed};

/// Alerts that fire within this time of the first one are shown as one notification
/// (`tev_core::alerts::group`): a go-live with its title, or several channels going live at
/// once after the app starts.
const GROUP_WINDOW: std::time::Duration = std::time::Duration::from_millis(500);

/// The alert rules and what deciding them needs (`tev_core::alerts`).
#[derive(Default)]
struct AlertState {
    /// The rules per channel, as in the settings.
    settings: AlertSettings,
    /// Each channel's last title and category, to tell which changed.
    engine: Alerts,
    /// Alerts waiting out [`GROUP_WINDOW`] to be shown together; empty when none is waiting.
    pending: Vec<Fired>,
}

/// The app's desktop notifications, managed by the app (one for its lifetime).
#[derive(Default)]
pub struct DesktopNotifier {
    /// The one notifier of the app: its policy (which kinds notify) and its burst limiter,
    /// which spans every channel.
    notifier: Mutex<Notifier>,
    /// The per-channel alert rules, which decide instead of the notifier for their channels.
    alerts: Mutex<AlertState>,
}

impl DesktopNotifier {
    /// Uses `policy` from now on (at start and when the user changes it).
    pub fn set_policy(&self, policy: NotifyPolicy) {
        if let Ok(mut n) = self.notifier.lock() {
            n.set_policy(policy);
        }
    }

    /// Uses `alerts` from now on (at start and when the user changes a channel's rules).
    pub fn set_alerts(&self, alerts: AlertSettings) {
        if let Ok(mut a) = self.alerts.lock() {
            a.settings = alerts;
        }
    }

    /// The rules of `login`, if it has some.
    fn rules(&self, login: &str) -> Option<ChannelRules> {
        self.alerts.lock().ok().and_then(|a| a.settings.rules(login).cloned())
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

/// Sets (or with `None` removes) the alert rules of `login`, from now on and in the settings.
/// Every channel's rules, as the home page lists them.
pub fn set_rules<R: Runtime>(
    app: &AppHandle<R>,
    state: &AppState,
    login: &str,
    rules: Option<ChannelRules>,
) -> Result<AlertSettings, UiError> {
    if !tev_core::deeplink::is_valid_login(login) {
        return Err(UiError::new(ErrorCode::BadLogin, "That is not a Twitch channel name."));
    }
    let (s, _) = state.config.update(|s| s.alerts.set(login, rules))?;
    app.desktop_notifier().set_alerts(s.alerts.clone());
    Ok(s.alerts)
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
        app.desktop_notifier().set_alerts(s.alerts);
    }
    let mut rx = state.live.subscribe();
    let app = app.clone();
    tauri::async_runtime::spawn(async move {
        loop {
            match rx.recv().await {
                Ok(LiveUpdate::NewEvent(ev)) => on_new_event(&app, &state, &ev),
                // The title and category a window shows are what the next `channel.update` is
                // compared with (a title-change rule fires on a new title only).
                Ok(LiveUpdate::Header(h)) => {
                    if let Ok(mut a) = app.desktop_notifier().alerts.lock() {
                        let (t, c) = (h.title.as_deref(), h.category.as_deref());
                        if let (Some(t), Some(c)) = (t, c) {
                            a.engine.observe(&h.channel_id, t, c);
                        }
                    }
                }
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
    if let Some(rules) = app.desktop_notifier().rules(login) {
        on_alert(app, state, ev, &rules);
        return;
    }
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

/// A new row of a channel with alert rules: its rules decide (`tev_core::alerts`); what fires is
/// shown after [`GROUP_WINDOW`], together with whatever else fired meanwhile.
fn on_alert(
    app: &AppHandle,
    state: &AppState,
    ev: &tev_core::feed::StreamEvent,
    rules: &ChannelRules,
) {
    let login = ev.channel_login.as_str();
    let name = app.channels().display_name(login);
    let notifier = app.desktop_notifier();
    let Ok(mut alerts) = notifier.alerts.lock() else { return };
    let Some(fired) = alerts.engine.check(rules, ev, name.as_deref()) else { return };
    // The viewer is looking at the channel's window: as for every notification, none.
    let focused = app
        .get_window(&windows::window_label(login))
        .and_then(|w| w.is_focused().ok())
        .unwrap_or(false);
    // A kind muted in the channel's panel never notifies.
    let muted = state
        .config
        .load_or_default()
        .is_ok_and(|(s, _)| s.feed_muted(&ev.channel_id, ev.kind.as_str()));
    if focused || muted {
        tracing::debug!(%login, focused, muted, "an alert fired but shows no notification");
        return;
    }
    tracing::info!(%login, reasons = ?fired.reasons, "an alert fired");
    let first = alerts.pending.is_empty();
    alerts.pending.push(fired);
    if first {
        let app = app.clone();
        tauri::async_runtime::spawn(async move {
            tokio::time::sleep(GROUP_WINDOW).await;
            show_alerts(&app);
        });
    }
}

/// Shows the alerts waiting as one notification; a click opens the first one's channel.
fn show_alerts(app: &AppHandle) {
    let fired = match app.desktop_notifier().alerts.lock() {
        Ok(mut a) => std::mem::take(&mut a.pending),
        Err(_) => return,
    };
    let (Some(n), Some(first)) = (tev_core::alerts::group(&fired), fired.first()) else { return };
    tracing::info!(alerts = fired.len(), "showing an alert notification");
    let shown = app
        .notification()
        .builder()
        .title(&n.title)
        .body(&n.body)
        .extra(CHANNEL_KEY, &first.channel_login)
        .show();
    if let Err(e) = shown {
        tracing::warn!(error = %e, "could not show an alert notification");
    }
}
