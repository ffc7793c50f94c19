//! Commands about desktop notifications: which kinds of event notify, and the alert rules per
//! channel.

use super::S;
use crate::channels::ChannelsExt;
use crate::error::UiError;
use crate::notifications;
use crate::state::AppState;
use crate::views::AlertsView;
use crate::views::NotifyKind;
use tauri::AppHandle;
use tev_core::alerts::{AlertSettings, ChannelRules};
use tev_core::watcher::SubscriptionReport;

/// The notification choices, every kind listed with words (go-live first).
#[tauri::command]
#[tracing::instrument(skip(state), err(Debug))]
pub fn notifications_get(state: S<'_>) -> Result<Vec<NotifyKind>, UiError> {
    let (s, _) = state.config.load_or_default()?;
    Ok(NotifyKind::all(&s.notifications))
}

/// Turns notifications for one kind on or off; unknown kinds are refused.
#[tauri::command]
#[tracing::instrument(skip(app, state), err(Debug))]
pub fn notifications_set(
    app: AppHandle,
    state: S<'_>,
    kind: String,
    on: bool,
) -> Result<Vec<NotifyKind>, UiError> {
    notifications::set_wanted(&app, &state, &kind, on)
}

/// The alert rules of every channel that has some, with how each is watched now (docs/ui.md
/// "Alerts").
#[tauri::command]
#[tracing::instrument(skip(app, state), err(Debug))]
pub async fn alerts_get(app: AppHandle, state: S<'_>) -> Result<AlertsView, UiError> {
    let (s, _) = state.config.load_or_default()?;
    Ok(alerts_view(&app, &state, s.alerts).await)
}

/// The rules with how each channel is watched, from the watcher's latest subscription report.
async fn alerts_view(app: &AppHandle, state: &AppState, alerts: AlertSettings) -> AlertsView {
    let report = match state.connected().await {
        Some(c) => c.watcher.subscriptions().borrow().clone(),
        None => SubscriptionReport::default(),
    };
    let watch = alerts
        .channels
        .keys()
        .map(|login| {
            let id = app.channels().channel_id(login);
            (login.clone(), tev_core::alerts::watch_of(&report, id.as_deref()))
        })
        .collect();
    AlertsView { alerts, watch }
}

/// Sets the alert rules of one channel, or with `rules` null removes them (the channel then
/// notifies by the per-kind choices again); the channels watched in the background follow.
#[tauri::command]
#[tracing::instrument(skip(app, state), err(Debug))]
pub async fn alerts_set(
    app: AppHandle,
    state: S<'_>,
    login: String,
    rules: Option<ChannelRules>,
) -> Result<AlertsView, UiError> {
    let login = login.trim().to_ascii_lowercase();
    let alerts = notifications::set_rules(&app, &state, &login, rules)?;
    crate::channels::watch_background(&app, &state).await;
    Ok(alerts_view(&app, &state, alerts).await)
}
