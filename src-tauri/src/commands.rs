//! The app's commands: thin adapters into `tev-core`. Every name here is also listed in
//! `build.rs` and granted in `capabilities/app-pages.json`.

use crate::channels::{self, ChannelsExt};
use crate::error::{ErrorCode, UiError};
use crate::notifications::DesktopNotifierExt;
use crate::state::AppState;
use crate::views::{
    AppInfo, AuthView, ChannelRow, FeedPrefsView, NotifyKind, SettingsView, SetupResult, Snapshot,
};
use crate::{home, panel, session, windows};
use std::sync::Arc;
use tauri::{AppHandle, State, Webview};
use tev_core::auth::LoginFlow;

type S<'a> = State<'a, Arc<AppState>>;

#[tauri::command]
#[tracing::instrument(skip(state), err(Debug))]
pub fn app_info(state: S<'_>) -> Result<AppInfo, UiError> {
    let port = state
        .config
        .load_or_default()
        .map(|(s, _)| s.loopback_port)
        .unwrap_or(tev_core::config::DEFAULT_LOOPBACK_PORT);
    Ok(AppInfo::new(&state.endpoints, port))
}

#[tauri::command]
#[tracing::instrument(skip(state), err(Debug))]
pub fn settings_get(state: S<'_>) -> Result<SettingsView, UiError> {
    let (s, warning) = state.config.load_or_default()?;
    Ok(SettingsView::new(&s, warning.map(|w| w.to_string())))
}

/// Saves the Client ID (and the secret, to the keychain) after checking with Twitch that the
/// client exists: starting a device flow is the cheapest call that names the client.
#[tauri::command]
#[tracing::instrument(skip(app, state, client_secret), err(Debug))]
pub async fn setup_save(
    app: AppHandle,
    state: S<'_>,
    client_id: String,
    client_secret: Option<String>,
) -> Result<SetupResult, UiError> {
    let client_id = client_id.trim().to_string();
    if client_id.is_empty()
        || client_id.len() > 64
        || !client_id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        return Err(UiError::new(
            ErrorCode::BadClientId,
            "A Client ID is the string of letters and digits shown under your application at dev.twitch.tv.",
        ));
    }
    let oauth = tev_core::auth::OAuthClient::new(state.endpoints.clone(), client_id.clone(), None)
        .map_err(|e| UiError::new(ErrorCode::SetupFailed, e.to_string()))?;
    oauth.device_start(&["user:read:chat".to_string()]).await.map_err(|e| {
        UiError::new(
            ErrorCode::ClientRejected,
            format!("Twitch did not accept this Client ID: {e}"),
        )
    })?;
    let secret = client_secret.map(|s| s.trim().to_string()).filter(|s| !s.is_empty());
    if let Some(secret) = secret {
        state.keychain.set_client_secret(&client_id, zeroize::Zeroizing::new(secret)).await?;
    }
    state.config.update(|s| s.client_id = Some(client_id.clone()))?;
    session::connect(&app, state.inner().clone()).await?;
    Ok(SetupResult { message: "Twitch knows this application. You can log in now.".into() })
}

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
    if privileged {
        state.config.update(|s| {
            s.roles.broadcaster = true;
            s.roles.moderator = true;
        })?;
        session::connect(&app, state.inner().clone()).await?;
    }
    let c = state.connected().await.ok_or_else(UiError::no_client)?;
    // The login runs in the background; its progress reaches the page as "auth" events.
    tauri::async_runtime::spawn(async move {
        if let Err(e) = c.owner.login(LoginFlow::Auto).await {
            tracing::warn!(error = %e, "login failed");
            session::emit_login_error(&app, &e.to_string());
        }
    });
    Ok(())
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
    let url = state.activation_url.lock().ok().and_then(|u| u.clone());
    if let Some(url) = url {
        tauri::async_runtime::spawn_blocking(move || webbrowser::open(&url))
            .await
            .map_err(|_| UiError::new(ErrorCode::Browser, "Could not open the browser."))?
            .map_err(|e| {
                UiError::new(ErrorCode::Browser, format!("Could not open the browser: {e}"))
            })?;
    }
    Ok(())
}

#[tauri::command]
#[tracing::instrument(skip(state), err(Debug))]
pub async fn logout(state: S<'_>) -> Result<(), UiError> {
    let c = state.connected().await.ok_or_else(UiError::no_client)?;
    c.owner.logout().await?;
    Ok(())
}

#[tauri::command]
#[tracing::instrument(skip(state), err(Debug))]
pub async fn search_channels(state: S<'_>, query: String) -> Result<Vec<ChannelRow>, UiError> {
    let q = query.trim();
    if q.is_empty() || q.len() > 100 {
        return Ok(Vec::new());
    }
    let c = state.connected().await.ok_or_else(UiError::no_client)?;
    let found = c.helix.search_channels(q, false, 10).await?;
    let ids: Vec<String> = found.iter().map(|f| f.id.clone()).collect();
    let users = c.helix.users(&[], &ids).await.unwrap_or_default();
    Ok(found
        .into_iter()
        .map(|f| ChannelRow {
            profile_image_url: users
                .iter()
                .find(|u| u.id == f.id)
                .map(|u| u.profile_image_url.clone())
                .or(Some(f.thumbnail_url.clone()).filter(|t| !t.is_empty())),
            id: f.id,
            login: f.broadcaster_login,
            display_name: f.display_name,
            is_live: f.is_live,
            game_name: f.game_name,
            title: f.title,
        })
        .collect())
}

#[tauri::command]
#[tracing::instrument(skip(state), err(Debug))]
pub async fn followed_channels(state: S<'_>) -> Result<Vec<ChannelRow>, UiError> {
    let c = state.connected().await.ok_or_else(UiError::no_client)?;
    let me = c.helix.credentials().await?;
    let followed = c.helix.followed_channels(&me.user_id).await?;
    let ids: Vec<String> = followed.iter().map(|f| f.broadcaster_id.clone()).collect();
    let logins: Vec<String> = followed.iter().map(|f| f.broadcaster_login.clone()).collect();
    let users = c.helix.users(&[], &ids).await.unwrap_or_default();
    let live = c.helix.streams_by_login(&logins).await.unwrap_or_default();
    Ok(followed
        .into_iter()
        .map(|f| {
            let stream = live.iter().find(|s| s.user_id == f.broadcaster_id);
            ChannelRow {
                profile_image_url: users
                    .iter()
                    .find(|u| u.id == f.broadcaster_id)
                    .map(|u| u.profile_image_url.clone()),
                is_live: stream.is_some(),
                game_name: stream.map(|s| s.game_name.clone()).unwrap_or_default(),
                title: stream.map(|s| s.title.clone()).unwrap_or_default(),
                id: f.broadcaster_id,
                login: f.broadcaster_login,
                display_name: f.broadcaster_name,
            }
        })
        .collect())
}

/// Checks a login typed or clicked in the UI (the same rule as deep links,
/// `^[A-Za-z0-9_]{1,25}$`), lowercased.
pub fn checked_login(login: &str) -> Result<String, UiError> {
    if tev_core::deeplink::is_valid_login(login) {
        Ok(login.to_ascii_lowercase())
    } else {
        Err(UiError::new(ErrorCode::BadLogin, "That is not a Twitch channel name."))
    }
}

#[tauri::command]
#[tracing::instrument(skip(app, state), err(Debug))]
pub async fn set_favourite(
    app: AppHandle,
    state: S<'_>,
    login: String,
) -> Result<SettingsView, UiError> {
    let login = checked_login(&login)?;
    let (s, warning) = state.config.update(|s| {
        s.favourite = Some(login.clone());
        s.push_recent(&login);
    })?;
    channels::watch_favourite(&app, &state, Some(&login)).await;
    Ok(SettingsView::new(&s, warning.map(|w| w.to_string())))
}

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
    if !tev_core::notify::KINDS.iter().any(|(k, _)| *k == kind) {
        return Err(UiError::new(ErrorCode::BadKind, "That is not a kind of event."));
    }
    let (s, _) = state.config.update(|s| s.notifications.set_wanted(&kind, on))?;
    app.desktop_notifier().set_policy(s.notifications.clone());
    Ok(NotifyKind::all(&s.notifications))
}

#[tauri::command]
#[tracing::instrument(skip(app, state), err(Debug))]
pub async fn open_streamer(app: AppHandle, state: S<'_>, login: String) -> Result<(), UiError> {
    let login = checked_login(&login)?;
    channels::open_channel(&app, state.inner().clone(), &login).await
}

/// The snapshot for the calling panel; the channel comes from the webview's label, so a page
/// can only ever read its own channel.
#[tauri::command]
#[tracing::instrument(skip(webview, state), err(Debug))]
pub async fn streamer_snapshot(webview: Webview, state: S<'_>) -> Result<Snapshot, UiError> {
    let login = panel::login_of(webview.label())?;
    let c = state.connected().await.ok_or_else(UiError::no_client)?;
    let open = webview.channels().open(login).ok_or_else(UiError::not_open)?;
    let snap = panel::snapshot(&state, &c, open.channel, open.opened_at);
    tracing::debug!(
        webview = webview.label(),
        rows = snap.events.len(),
        "a panel read its snapshot"
    );
    Ok(snap)
}

/// The calling panel's rows, newest first: what it reads when the core signals `feed` (the
/// signal carries no data, see `forwarding::forward_live`). The channel comes from the webview's
/// label, as for the snapshot. Async, so the reply does not wait for the main thread.
#[tauri::command]
#[tracing::instrument(skip(webview, state), err(Debug))]
pub async fn streamer_events(
    webview: Webview,
    state: S<'_>,
) -> Result<Vec<tev_core::feed::StreamEvent>, UiError> {
    let rows = state.live.events(&panel_channel_id(&webview)?);
    tracing::debug!(webview = webview.label(), rows = rows.len(), "a panel read its rows");
    Ok(rows)
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

// ---- Feed controls (issue 7): the events panel's filter, mute, seen mark and pause, remembered
// per channel in `settings.json` (`tev_core::config::FeedPrefs`). Only a streamer panel may call
// these (capability `streamer-panel`), and only for its own channel: the channel comes from the
// webview's label, never from the page.

/// The broadcaster id of the calling panel's channel.
fn panel_channel_id(webview: &Webview) -> Result<String, UiError> {
    let login = panel::login_of(webview.label())?;
    webview.channels().open(login).map(|open| open.channel.id).ok_or_else(UiError::not_open)
}

#[tauri::command]
#[tracing::instrument(skip(webview, state), err(Debug))]
pub async fn feed_prefs_get(webview: Webview, state: S<'_>) -> Result<FeedPrefsView, UiError> {
    panel::feed_prefs(&state, panel_channel_id(&webview)?)
}

#[tauri::command]
#[tracing::instrument(skip(webview, state), err(Debug))]
pub async fn feed_prefs_set(
    webview: Webview,
    state: S<'_>,
    change: tev_core::config::FeedPrefsChange,
) -> Result<FeedPrefsView, UiError> {
    panel::save_feed_prefs(&state, panel_channel_id(&webview)?, change)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn logins_are_checked_and_lowercased() {
        assert_eq!(checked_login("LumenForge_1").ok().as_deref(), Some("lumenforge_1"));
        for bad in ["", "a b", "../x", "x/y", "é", &"a".repeat(26)] {
            assert_eq!(checked_login(bad).map_err(|e| e.code), Err(ErrorCode::BadLogin), "{bad}");
        }
    }
}
