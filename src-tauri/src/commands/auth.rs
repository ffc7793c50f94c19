//! Commands about the login: its state, where it would be kept, starting (kept in the keychain,
//! or in memory for this run only), cancelling and ending it. No command hands a token to a page.

use super::S;
use crate::error::UiError;
use crate::home;
use crate::session;
use crate::views::{AuthView, KeychainView};
use tauri::{AppHandle, Webview};

#[tauri::command]
pub async fn auth_state(
    webview: Webview,
    state: S<'_>,
    listening: Option<bool>,
) -> Result<AuthView, UiError> {
    tracing::debug!(webview = webview.label(), ?listening, "a page read the auth state");
    // The home page reads the login twice at start: once alongside adding its listeners
    // (`listening: false`: they may not be in place yet), then again once they are.
    if webview.label() == home::LABEL && listening != Some(false) {
        // Its `notice` listener is in place by now (ui/js/home.js adds it first).
        home::page_listens(tauri::Manager::app_handle(&webview));
    }
    match state.connected().await {
        Some(c) => Ok(AuthView::new(&c.owner.state(), state.signed_in_user().as_ref())),
        None => Ok(AuthView::SignedOut { reason: None }),
    }
}

#[tauri::command]
#[tracing::instrument(skip(app, state), err(Debug))]
pub async fn login_start(app: AppHandle, state: S<'_>, privileged: bool) -> Result<(), UiError> {
    session::login(&app, state.inner().clone(), privileged).await
}

/// Where a login would be kept: the keychain, none usable, or memory for this run (chosen).
#[tauri::command]
pub async fn keychain_status(state: S<'_>) -> Result<KeychainView, UiError> {
    Ok(session::keychain_status(&state).await)
}

/// "Stay signed in for this run only": the login is kept in memory, then it starts.
#[tauri::command]
#[tracing::instrument(skip(app, state), err(Debug))]
pub async fn login_for_this_run(
    app: AppHandle,
    state: S<'_>,
    privileged: bool,
) -> Result<(), UiError> {
    session::login_for_this_run(&app, state.inner().clone(), privileged).await
}

#[tauri::command]
pub async fn login_cancel(state: S<'_>) -> Result<(), UiError> {
    if let Some(c) = state.connected().await {
        c.owner.cancel_login();
    }
    Ok(())
}

#[tauri::command]
pub async fn login_open_activation(state: S<'_>) -> Result<(), UiError> {
    session::open_activation_page(&state).await
}

#[tauri::command]
#[tracing::instrument(skip(state), err(Debug))]
pub async fn logout(state: S<'_>) -> Result<(), UiError> {
    let c = state.connected().await.ok_or_else(UiError::no_client)?;
    c.owner.logout().await?;
    Ok(())
}
