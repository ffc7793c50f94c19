//! Commands of a streamer window's message box (capability `streamer-compose`): the login it
//! sends as, turning chatting on, and sending to its own channel (from the box's label, never
//! from the page). See `chat`.

use super::S;
use crate::chat;
use crate::error::UiError;
use crate::session;
use crate::views::{ChatBox, ChatSent};
use tauri::{AppHandle, Webview};

/// The login the calling box sends as, and the limits it keeps.
#[tauri::command]
#[tracing::instrument(skip(webview, state), err(Debug))]
pub async fn chat_box(webview: Webview, state: S<'_>) -> Result<ChatBox, UiError> {
    chat::login_of(webview.label())?;
    Ok(chat::state_of(&state).await)
}

/// Turns chatting on: a new login that asks Twitch for `user:write:chat`; its steps reach the
/// pages as `auth` events.
#[tauri::command]
#[tracing::instrument(skip(app, webview, state), err(Debug))]
pub async fn chat_enable(app: AppHandle, webview: Webview, state: S<'_>) -> Result<(), UiError> {
    chat::login_of(webview.label())?;
    session::enable_chat(&app, state.inner().clone()).await
}

/// Cancels the login that turning chatting on started.
#[tauri::command]
#[tracing::instrument(skip(webview, state), err(Debug))]
pub async fn chat_cancel(webview: Webview, state: S<'_>) -> Result<(), UiError> {
    chat::login_of(webview.label())?;
    if let Some(c) = state.connected().await {
        c.owner.cancel_login();
    }
    Ok(())
}

/// Sends `message` to the calling box's channel as the signed-in user; Twitch's answer.
#[tauri::command]
#[tracing::instrument(skip(webview, state, message), err(Debug))]
pub async fn chat_send(
    webview: Webview,
    state: S<'_>,
    message: String,
) -> Result<ChatSent, UiError> {
    chat::send(&webview, &state, &message).await
}
