//! Commands of a streamer window's panel: its snapshot, its rows, its first paint and its feed
//! controls (filter, mutes, seen mark, pause). Only a panel may call most of these (capability
//! `streamer-panel`), and only for its own channel: the channel comes from the webview's label,
//! never from the page.

use super::S;
use crate::channels::ChannelsExt;
use crate::error::{ErrorCode, UiError};
use crate::forwarding::FeedSignals;
use crate::views::{FeedPrefsView, Snapshot};
use crate::{home, panel, windows};
use tauri::{Manager, Webview};
use tev_core::feed::StreamEvent;
use tev_core::settings::FeedPrefsChange;

/// The snapshot for the calling panel.
#[tauri::command]
#[tracing::instrument(skip(webview, state), err(Debug))]
pub async fn streamer_snapshot(webview: Webview, state: S<'_>) -> Result<Snapshot, UiError> {
    let login = panel::login_of(webview.label())?;
    let c = state.connected().await.ok_or_else(UiError::no_client)?;
    let open = webview.channels().open(login).ok_or_else(UiError::not_open)?;
    reading(&webview, login);
    let snap = panel::snapshot(&state, &c, open.channel, open.opened_at);
    tracing::debug!(
        webview = webview.label(),
        rows = snap.events.len(),
        "a panel read its snapshot"
    );
    Ok(snap)
}

/// The calling panel's rows, newest first: what it reads when the core signals `feed` (the
/// signal carries no data, see `forwarding::forward_live`). Async, so the reply does not wait
/// for the main thread.
#[tauri::command]
#[tracing::instrument(skip(webview, state), err(Debug))]
pub async fn streamer_events(webview: Webview, state: S<'_>) -> Result<Vec<StreamEvent>, UiError> {
    reading(&webview, panel::login_of(webview.label())?);
    let rows = state.live.events(&channel_id(&webview)?);
    tracing::debug!(webview = webview.label(), rows = rows.len(), "a panel read its rows");
    Ok(rows)
}

/// The panel of `login` is reading its rows: its next change is signalled again (before the
/// rows are taken, so every change is either in this read or signalled after it).
fn reading(webview: &Webview, login: &str) {
    if let Some(signals) = webview.try_state::<FeedSignals>() {
        signals.read(login);
    }
}

/// The calling panel's first paint with its rows is on screen: its window's Twitch player and
/// chat start now (see `windows::open_streamer`). Async, so the reply does not wait for the
/// main thread.
#[tauri::command]
#[tracing::instrument(skip(webview), err(Debug))]
pub async fn streamer_painted(webview: Webview) -> Result<(), UiError> {
    let login = panel::login_of(webview.label())?;
    let app = tauri::Manager::app_handle(&webview);
    windows::add_twitch_pages_now(app, &windows::window_label(login));
    // At a cold start with a link the home page waited for this (see `home`).
    home::load_page(app);
    Ok(())
}

/// The panel's Chat toggle, in a window too narrow for a chat column beside Twitch's smallest
/// player: shows the chat over the panel (under its header), or hides it again (see
/// `windows::chat_place`). Returns whether the chat is now asked for over the panel.
#[tauri::command]
#[tracing::instrument(skip(webview), err(Debug))]
pub async fn streamer_chat_toggle(webview: Webview) -> Result<bool, UiError> {
    let login = panel::login_of(webview.label())?;
    let app = tauri::Manager::app_handle(&webview);
    Ok(windows::toggle_chat(app, &windows::window_label(login)))
}

#[tauri::command]
#[tracing::instrument(skip(webview, state), err(Debug))]
pub async fn feed_prefs_get(webview: Webview, state: S<'_>) -> Result<FeedPrefsView, UiError> {
    panel::feed_prefs(&state, channel_id(&webview)?)
}

#[tauri::command]
#[tracing::instrument(skip(webview, state), err(Debug))]
pub async fn feed_prefs_set(
    webview: Webview,
    state: S<'_>,
    change: FeedPrefsChange,
) -> Result<FeedPrefsView, UiError> {
    if change.moderator_view.is_some() {
        // The view also changes what is subscribed to: only through `feed_moderator_view`.
        return Err(UiError::new(ErrorCode::Settings, "The moderator view has its own switch."));
    }
    panel::save_feed_prefs(&state, channel_id(&webview)?, change)
}

/// Turns the calling panel's moderator view on or off (see `session::set_moderator_view`); turning
/// it on may start a new login that asks for the moderation scopes, and answers when it ended.
#[tauri::command]
#[tracing::instrument(skip(app, webview, state), err(Debug))]
pub async fn feed_moderator_view(
    app: tauri::AppHandle,
    webview: Webview,
    state: S<'_>,
    on: bool,
) -> Result<FeedPrefsView, UiError> {
    let login = panel::login_of(webview.label())?.to_string();
    let id = channel_id(&webview)?;
    crate::session::set_moderator_view(&app, state.inner().clone(), id, &login, on).await
}

/// The broadcaster id of the calling panel's channel.
fn channel_id(webview: &Webview) -> Result<String, UiError> {
    let login = panel::login_of(webview.label())?;
    webview.channels().open(login).map(|open| open.channel.id).ok_or_else(UiError::not_open)
}
