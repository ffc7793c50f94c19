//! Commands about the login: its state, starting, cancelling and ending it.

use super::S;
use crate::error::UiError;
use crate::home;
use crate::session;
use crate::views::AuthView;
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
