//! The app's commands: thin adapters into `tev-core`. Every name here is also listed in
//! `build.rs` and granted in `capabilities/app-pages.json`.

use crate::error::UiError;
use crate::state::AppState;
use crate::{bridge, notifications, windows};
use serde::Serialize;
use std::sync::Arc;
use tauri::{AppHandle, State, Webview};
use tev_core::auth::LoginFlow;
use tev_core::config::Settings;
use tev_core::notify::NotifyPolicy;

type S<'a> = State<'a, Arc<AppState>>;

/// What the home page shows about the running app.
#[derive(Debug, Serialize, PartialEq, Eq)]
pub struct AppInfo {
    pub name: &'static str,
    pub version: &'static str,
    /// "Twitch" or "Simulated Twitch at …".
    pub twitch: String,
    pub simulated: bool,
    pub oauth: String,
    pub helix: String,
    pub eventsub: String,
    /// The redirect URL to register for the loopback flow.
    pub redirect_url: String,
}

pub fn app_info_of(state: &AppState) -> AppInfo {
    let e = &state.endpoints;
    let port = state
        .config
        .load_or_default()
        .map(|(s, _)| s.loopback_port)
        .unwrap_or(tev_core::config::DEFAULT_LOOPBACK_PORT);
    AppInfo {
        name: "Twitch Event Viewer",
        version: tev_core::VERSION,
        twitch: e.describe(),
        simulated: e.simulated,
        oauth: e.oauth.to_string(),
        helix: e.helix.to_string(),
        eventsub: e.eventsub_ws.to_string(),
        redirect_url: format!("http://localhost:{port}/callback"),
    }
}

#[tauri::command]
#[tracing::instrument(skip(state), err(Debug))]
pub fn app_info(state: S<'_>) -> Result<AppInfo, UiError> {
    Ok(app_info_of(&state))
}

/// The settings the home page needs (never a secret).
#[derive(Debug, Serialize)]
pub struct SettingsView {
    pub client_id: Option<String>,
    pub favourite: Option<String>,
    pub recent_streamers: Vec<String>,
    /// A problem with the settings file (corrupt file set aside), in words.
    pub warning: Option<String>,
}

fn settings_view(s: &Settings, warning: Option<String>) -> SettingsView {
    SettingsView {
        client_id: s.effective_client_id(),
        favourite: s.favourite.clone(),
        recent_streamers: s.recent_streamers.clone(),
        warning,
    }
}

#[tauri::command]
#[tracing::instrument(skip(state), err(Debug))]
pub fn settings_get(state: S<'_>) -> Result<SettingsView, UiError> {
    let (s, warning) = state.config.load_or_default()?;
    Ok(settings_view(&s, warning.map(|w| w.to_string())))
}

/// The result of the setup check.
#[derive(Debug, Serialize)]
pub struct SetupResult {
    pub message: String,
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
            "bad_client_id",
            "A Client ID is the string of letters and digits shown under your application at dev.twitch.tv.",
        ));
    }
    let oauth = tev_core::auth::OAuthClient::new(state.endpoints.clone(), client_id.clone(), None)
        .map_err(|e| UiError::new("setup_failed", e.to_string()))?;
    oauth.device_start(&["user:read:chat".to_string()]).await.map_err(|e| {
        UiError::new("client_rejected", format!("Twitch did not accept this Client ID: {e}"))
    })?;
    let secret = client_secret.map(|s| s.trim().to_string()).filter(|s| !s.is_empty());
    if let Some(secret) = secret {
        state.keychain.set_client_secret(&client_id, zeroize::Zeroizing::new(secret)).await?;
    }
    state.config.update(|s| s.client_id = Some(client_id.clone()))?;
    bridge::connect(&app, state.inner().clone()).await?;
    Ok(SetupResult { message: "Twitch knows this application. You can log in now.".into() })
}

#[tauri::command]
pub async fn auth_state(
    webview: Webview,
    state: S<'_>,
    listening: Option<bool>,
) -> Result<serde_json::Value, UiError> {
    tracing::debug!(webview = webview.label(), ?listening, "a page read the auth state");
    // The home page reads the login twice at start: once alongside adding its listeners
    // (`listening: false`: they may not be in place yet), then again once they are.
    if webview.label() == crate::home::LABEL && listening != Some(false) {
        // Its `notice` listener is in place by now (ui/js/home.js adds it first).
        crate::home::page_listens(tauri::Manager::app_handle(&webview));
    }
    match state.connected().await {
        Some(c) => Ok(bridge::auth_json(&c.owner.state())),
        None => Ok(serde_json::json!({"state": "signed_out", "reason": null})),
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
        bridge::connect(&app, state.inner().clone()).await?;
    }
    let c = state.connected().await.ok_or_else(no_client)?;
    // The login runs in the background; its progress reaches the page as "auth" events.
    tauri::async_runtime::spawn(async move {
        if let Err(e) = c.owner.login(LoginFlow::Auto).await {
            tracing::warn!(error = %e, "login failed");
            bridge::emit_login_error(&app, &e.to_string());
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
            .map_err(|_| UiError::new("browser", "Could not open the browser."))?
            .map_err(|e| UiError::new("browser", format!("Could not open the browser: {e}")))?;
    }
    Ok(())
}

#[tauri::command]
#[tracing::instrument(skip(state), err(Debug))]
pub async fn logout(state: S<'_>) -> Result<(), UiError> {
    let c = state.connected().await.ok_or_else(no_client)?;
    c.owner.logout().await?;
    Ok(())
}

/// A channel row for the picker.
#[derive(Debug, Serialize)]
pub struct ChannelRow {
    pub id: String,
    pub login: String,
    pub display_name: String,
    pub is_live: bool,
    pub game_name: String,
    pub title: String,
    pub profile_image_url: Option<String>,
}

#[tauri::command]
#[tracing::instrument(skip(state), err(Debug))]
pub async fn search_channels(state: S<'_>, query: String) -> Result<Vec<ChannelRow>, UiError> {
    let q = query.trim();
    if q.is_empty() || q.len() > 100 {
        return Ok(Vec::new());
    }
    let c = state.connected().await.ok_or_else(no_client)?;
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
    let c = state.connected().await.ok_or_else(no_client)?;
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
        Err(UiError::new("bad_login", "That is not a Twitch channel name."))
    }
}

#[tauri::command]
#[tracing::instrument(skip(state), err(Debug))]
pub async fn set_favourite(state: S<'_>, login: String) -> Result<SettingsView, UiError> {
    let login = checked_login(&login)?;
    let (s, warning) = state.config.update(|s| {
        s.favourite = Some(login.clone());
        s.push_recent(&login);
    })?;
    notifications::set_favourite(Some(&login));
    bridge::watch_favourite(&state, Some(&login)).await;
    Ok(settings_view(&s, warning.map(|w| w.to_string())))
}

/// One line of the notification choices.
#[derive(Debug, Serialize, PartialEq, Eq)]
pub struct NotifyKind {
    /// The feed's kind (`"raid_incoming"`).
    pub kind: &'static str,
    /// Words for it ("Incoming raid").
    pub label: &'static str,
    /// Notifies?
    pub on: bool,
}

fn notify_kinds(p: &NotifyPolicy) -> Vec<NotifyKind> {
    tev_core::notify::KINDS
        .iter()
        .map(|(kind, label)| NotifyKind { kind, label, on: p.wants(kind) })
        .collect()
}

/// The notification choices, every kind listed with words (go-live first).
#[tauri::command]
#[tracing::instrument(skip(state), err(Debug))]
pub fn notifications_get(state: S<'_>) -> Result<Vec<NotifyKind>, UiError> {
    let (s, _) = state.config.load_or_default()?;
    Ok(notify_kinds(&s.notifications))
}

/// Turns notifications for one kind on or off; unknown kinds are refused.
#[tauri::command]
#[tracing::instrument(skip(state), err(Debug))]
pub fn notifications_set(state: S<'_>, kind: String, on: bool) -> Result<Vec<NotifyKind>, UiError> {
    if !tev_core::notify::KINDS.iter().any(|(k, _)| *k == kind) {
        return Err(UiError::new("bad_kind", "That is not a kind of event."));
    }
    let (s, _) = state.config.update(|s| s.notifications.set_wanted(&kind, on))?;
    notifications::set_policy(s.notifications.clone());
    Ok(notify_kinds(&s.notifications))
}

#[tauri::command]
#[tracing::instrument(skip(app, state), err(Debug))]
pub async fn open_streamer(app: AppHandle, state: S<'_>, login: String) -> Result<(), UiError> {
    let login = checked_login(&login)?;
    bridge::open_channel(&app, state.inner().clone(), &login).await
}

/// Everything a streamer panel shows at once when it loads.
#[derive(Debug, Serialize)]
pub struct Snapshot {
    pub channel: tev_core::watcher::WatchedChannel,
    pub header: Option<tev_core::live::Header>,
    pub events: Vec<tev_core::feed::StreamEvent>,
    pub connection: tev_core::watcher::ConnectionState,
    pub auth: serde_json::Value,
    pub simulated: bool,
    pub listening_since: chrono::DateTime<chrono::Utc>,
    /// How each kind of row is named, grouped and drawn: the page keeps no list of its own.
    pub kinds: &'static [tev_core::kind::KindInfo],
}

/// The snapshot for the calling panel; the channel comes from the webview's label, so a page
/// can only ever read its own channel.
#[tauri::command]
#[tracing::instrument(skip(webview, state), err(Debug))]
pub async fn streamer_snapshot(webview: Webview, state: S<'_>) -> Result<Snapshot, UiError> {
    let login = windows::login_of_panel(webview.label())
        .ok_or_else(|| UiError::new("not_a_panel", "This page is not a streamer panel."))?
        .to_string();
    let c = state.connected().await.ok_or_else(no_client)?;
    let channel = bridge::channel_of(&login)
        .ok_or_else(|| UiError::new("not_open", "This channel's window is not open."))?;
    let snap = snapshot(&state, &c, channel);
    tracing::debug!(
        webview = webview.label(),
        rows = snap.events.len(),
        "a panel read its snapshot"
    );
    Ok(snap)
}

/// What a panel shows of `channel` right now.
pub fn snapshot(
    state: &AppState,
    c: &crate::state::Connected,
    channel: tev_core::watcher::WatchedChannel,
) -> Snapshot {
    Snapshot {
        header: state.live.header(&channel.id),
        events: state.live.events(&channel.id),
        connection: c.watcher.state().borrow().clone(),
        auth: bridge::auth_json(&c.owner.state()),
        simulated: state.endpoints.simulated,
        listening_since: bridge::opened_at(&channel.login).unwrap_or_else(chrono::Utc::now),
        kinds: tev_core::kind::KIND_TABLE,
        channel,
    }
}

/// The calling panel's rows, newest first: what it reads when the core signals `feed` (the
/// signal carries no data, see `bridge::forward_live`). The channel comes from the webview's
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
    let login = windows::login_of_panel(webview.label())
        .ok_or_else(|| UiError::new("not_a_panel", "This page is not a streamer panel."))?;
    windows::add_twitch_pages_now(&windows::window_label(login));
    // At a cold start with a link the home page waited for this (see `home`).
    crate::home::load_page(tauri::Manager::app_handle(&webview));
    Ok(())
}

fn no_client() -> UiError {
    UiError::new(
        "not_configured",
        "No Twitch application is configured yet: enter its Client ID on the home window.",
    )
}

// ---- Feed controls (issue 7): the events panel's filter, mute, seen mark and pause, remembered
// per channel in `settings.json` (`tev_core::config::FeedPrefs`). Only a streamer panel may call
// these (capability `streamer-panel`), and only for its own channel: the channel comes from the
// webview's label, never from the page.

/// One channel's feed choices and the groups they are made of, for the panel.
#[derive(Debug, Serialize)]
pub struct FeedPrefsView {
    /// The channel (broadcaster id) the choices belong to.
    pub channel_id: String,
    /// The kind groups, in the order the filter menu lists them.
    pub groups: &'static [tev_core::config::FeedGroup],
    /// The choices.
    pub prefs: tev_core::config::FeedPrefs,
    /// A problem with the settings file (corrupt file set aside), in words.
    pub warning: Option<String>,
}

/// The broadcaster id of the calling panel's channel.
fn panel_channel_id(webview: &Webview) -> Result<String, UiError> {
    let login = windows::login_of_panel(webview.label())
        .ok_or_else(|| UiError::new("not_a_panel", "This page is not a streamer panel."))?;
    bridge::channel_of(login)
        .map(|c| c.id)
        .ok_or_else(|| UiError::new("not_open", "This channel's window is not open."))
}

#[tauri::command]
#[tracing::instrument(skip(webview, state), err(Debug))]
pub async fn feed_prefs_get(webview: Webview, state: S<'_>) -> Result<FeedPrefsView, UiError> {
    feed_prefs(&state, panel_channel_id(&webview)?)
}

/// The feed choices for `channel_id`, as the panel reads them.
pub fn feed_prefs(state: &AppState, channel_id: String) -> Result<FeedPrefsView, UiError> {
    let (s, warning) = state.config.load_or_default()?;
    Ok(FeedPrefsView {
        prefs: s.feed_prefs(&channel_id),
        channel_id,
        groups: tev_core::config::FEED_GROUPS,
        warning: warning.map(|w| w.to_string()),
    })
}

#[tauri::command]
#[tracing::instrument(skip(webview, state), err(Debug))]
pub async fn feed_prefs_set(
    webview: Webview,
    state: S<'_>,
    change: tev_core::config::FeedPrefsChange,
) -> Result<FeedPrefsView, UiError> {
    let channel_id = panel_channel_id(&webview)?;
    // Checked before anything is written, so a refused change leaves the file as it was.
    change.check(&channel_id)?;
    let mut prefs = None;
    // `update` is one read-modify-write at a time, so two panels saving at once lose nothing.
    let (_, warning) = state.config.update(|s| {
        prefs = change.apply(s, &channel_id, chrono::Utc::now()).ok();
    })?;
    Ok(FeedPrefsView {
        prefs: prefs.ok_or_else(|| UiError::new("settings", "The choice could not be saved."))?,
        channel_id,
        groups: tev_core::config::FEED_GROUPS,
        warning: warning.map(|w| w.to_string()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn logins_are_checked_and_lowercased() {
        assert_eq!(checked_login("LumenForge_1").ok().as_deref(), Some("lumenforge_1"));
        for bad in ["", "a b", "../x", "x/y", "é", &"a".repeat(26)] {
            assert_eq!(checked_login(bad).map_err(|e| e.code), Err("bad_login"), "{bad}");
        }
    }
}
