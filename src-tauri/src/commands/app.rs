//! Commands about the app itself: what it runs against, its settings, the Twitch application it
//! uses (the built-in one, or the user's own from the setup form) and the first streamer window's
//! explanation.

use super::S;
use crate::error::UiError;
use crate::session;
use crate::views::{AppInfo, SettingsView, SetupResult};
use tauri::AppHandle;

#[tauri::command]
#[tracing::instrument(skip(state), err(Debug))]
pub fn app_info(state: S<'_>) -> Result<AppInfo, UiError> {
    let port = state
        .config
        .load_or_default()
        .map(|(s, _)| s.loopback_port)
        .unwrap_or(tev_core::settings::DEFAULT_LOOPBACK_PORT);
    Ok(AppInfo::new(&state.endpoints, port))
}

#[tauri::command]
#[tracing::instrument(skip(state), err(Debug))]
pub fn settings_get(state: S<'_>) -> Result<SettingsView, UiError> {
    let (s, warning) = state.config.load_or_default()?;
    Ok(SettingsView::new(&s, warning.map(|w| w.to_string())))
}

/// Saves the user's own application (the secret to the keychain) once Twitch knows it; a change
/// of application signs the user out first.
#[tauri::command]
#[tracing::instrument(skip(app, state, client_secret), err(Debug))]
pub async fn setup_save(
    app: AppHandle,
    state: S<'_>,
    client_id: String,
    client_secret: Option<String>,
) -> Result<SetupResult, UiError> {
    session::setup(&app, state.inner().clone(), &client_id, client_secret).await
}

/// Goes back to the Twitch application built into the app (signing the user out first).
#[tauri::command]
#[tracing::instrument(skip(app, state), err(Debug))]
pub async fn use_built_in_client(app: AppHandle, state: S<'_>) -> Result<SettingsView, UiError> {
    session::use_built_in(&app, state.inner().clone()).await?;
    settings_get(state)
}

/// The user dismissed the streamer window's explanation of its panes and gap rows: for good.
#[tauri::command]
#[tracing::instrument(skip(state), err(Debug))]
pub fn intro_dismiss(state: S<'_>) -> Result<(), UiError> {
    state.config.update(|s| s.intro_dismissed = true)?;
    Ok(())
}
