//! Commands about channels: the home window's picker (search, followed channels and those live
//! now, the favourite) and opening a channel's window.

use super::S;
use crate::channels;
use crate::error::UiError;
use crate::views::{ChannelRow, LiveChannel, SettingsView};
use tauri::AppHandle;

#[tauri::command]
#[tracing::instrument(skip(state), err(Debug))]
pub async fn search_channels(state: S<'_>, query: String) -> Result<Vec<ChannelRow>, UiError> {
    let q = query.trim();
    if q.is_empty() || q.len() > 100 {
        return Ok(Vec::new());
    }
    let c = state.connected().await.ok_or_else(UiError::no_client)?;
    channels::search(&c, q).await
}

#[tauri::command]
#[tracing::instrument(skip(state), err(Debug))]
pub async fn followed_channels(state: S<'_>) -> Result<Vec<ChannelRow>, UiError> {
    let c = state.connected().await.ok_or_else(UiError::no_client)?;
    channels::followed(&c).await
}

/// The followed channels that are live now, most watched first: the first choice after a login.
#[tauri::command]
#[tracing::instrument(skip(state), err(Debug))]
pub async fn followed_live_channels(state: S<'_>) -> Result<Vec<LiveChannel>, UiError> {
    let c = state.connected().await.ok_or_else(UiError::no_client)?;
    channels::followed_live(&c).await
}

#[tauri::command]
#[tracing::instrument(skip(app, state), err(Debug))]
pub async fn set_favourite(
    app: AppHandle,
    state: S<'_>,
    login: String,
) -> Result<SettingsView, UiError> {
    let login = channels::checked_login(&login)?;
    channels::choose_favourite(&app, &state, &login).await
}

#[tauri::command]
#[tracing::instrument(skip(app, state), err(Debug))]
pub async fn open_streamer(app: AppHandle, state: S<'_>, login: String) -> Result<(), UiError> {
    let login = channels::checked_login(&login)?;
    channels::open_channel(&app, state.inner().clone(), &login).await
}
