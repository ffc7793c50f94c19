//! Commands about desktop notifications: which kinds of event notify.

use super::S;
use crate::error::UiError;
use crate::notifications;
use crate::views::NotifyKind;
use tauri::AppHandle;

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
