//! Commands about the tray: how the app lives beside its windows (closing the last window to
//! the tray, starting with the session) and whether this desktop shows a tray at all.

use super::S;
use crate::error::UiError;
use crate::tray;
use crate::views::TrayView;
use tauri::AppHandle;

/// The tray's options, and whether a tray shows here (and why not).
#[tauri::command]
#[tracing::instrument(skip(state), err(Debug))]
pub fn tray_get(state: S<'_>) -> Result<TrayView, UiError> {
    tray::view(&state)
}

/// Turns one tray option (`close_to_tray`, `start_with_session`) on or off.
#[tauri::command]
#[tracing::instrument(skip(app, state), err(Debug))]
pub fn tray_set(
    app: AppHandle,
    state: S<'_>,
    option: String,
    on: bool,
) -> Result<TrayView, UiError> {
    tray::set(&app, &state, &option, on)
}
