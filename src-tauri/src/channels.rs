//! The channels the app watches: the channel of each open streamer window (opened here, with
//! its window), the favourite and the alert channels watched in the background for their go-live,
//! and the display names
//! learnt on the way. What is known of them is [`Channels`], managed by the app and reached
//! through the app handle ([`ChannelsExt`]). Also the picker's channels: found by a search,
//! followed by the user, or followed and live now.

use crate::error::{ErrorCode, UiError};
use crate::state::{AppState, Connected};
use crate::views::{ChannelRow, LiveChannel, SettingsView};
use crate::{panel, windows};
use chrono::{DateTime, Utc};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::{Arc, Mutex};
use tauri::{AppHandle, Manager, Runtime};
use tev_core::watcher::WatchedChannel;

/// The channel of an open streamer window.
#[derive(Debug, Clone)]
pub struct OpenChannel {
    /// The channel as the watcher resolved it (id, login, display name, role).
    pub channel: WatchedChannel,
    /// When its window opened: the panel's "listening since".
    pub opened_at: DateTime<Utc>,
}

/// What the app knows of the channels it watches, managed by the app (one for its lifetime).
#[derive(Default)]
pub struct Channels {
    /// The channel of each open streamer window, by login: a panel reads only its own, and a
    /// new watcher (new Client ID, new roles) watches them again.
    open: Mutex<HashMap<String, OpenChannel>>,
    /// The channels the watcher keeps without a window, for their go-live (and, when the value
    /// is true, their title and category): the favourite and the channels with alert rules,
    /// once added (the settings say which they are). Empty
    /// again whenever the watcher starts from nothing (new pieces, signed out).
    background: Mutex<BTreeMap<String, bool>>,
    /// The logins whose windows are being opened: with `open`, the windows counted against
    /// `max_streamer_windows`, so links arriving together cannot all pass the check before
    /// any of their windows exists.
    opening: Mutex<HashSet<String>>,
    /// Display names of the channels watched so far ("NightOwl" for `nightowl`), from Helix,
    /// for the notifications' titles.
    names: Mutex<HashMap<String, String>>,
    /// Broadcaster ids of the channels watched so far, by login, to find a channel in the
    /// watcher's subscription report (how an alert channel is watched, `alerts_get`).
    ids: Mutex<HashMap<String, String>>,
}

impl Channels {
    /// The open window's channel of `login`, if its window is open.
    pub fn open(&self, login: &str) -> Option<OpenChannel> {
        self.open.lock().ok()?.get(login).cloned()
    }

    /// The logins of every open streamer window.
    pub fn open_logins(&self) -> Vec<String> {
        self.open.lock().map(|g| g.keys().cloned().collect()).unwrap_or_default()
    }

    /// The display name of a watched channel, if known.
    pub fn display_name(&self, login: &str) -> Option<String> {
        self.names.lock().ok()?.get(login).cloned()
    }

    /// The watcher starts from nothing (new pieces, or signed out): no channel is watched in
    /// the background any more; the favourite is added again at sign-in.
    pub fn forget_background(&self) {
        if let Ok(mut b) = self.background.lock() {
            b.clear();
        }
    }

    /// `login` could not be watched in the background: the next change of the settings tries
    /// again.
    fn forget_one(&self, login: &str) {
        if let Ok(mut b) = self.background.lock() {
            b.remove(login);
        }
    }

    /// Remembers the display name of a channel just watched.
    fn remember_name(&self, c: &WatchedChannel) {
        if let Ok(mut g) = self.names.lock() {
            g.insert(c.login.clone(), c.display_name.clone());
        }
        if let Ok(mut g) = self.ids.lock() {
            g.insert(c.login.clone(), c.id.clone());
        }
    }

    /// The broadcaster id of a channel watched so far, if known.
    pub fn channel_id(&self, login: &str) -> Option<String> {
        self.ids.lock().ok()?.get(login).cloned()
    }

    /// Whether the watcher keeps `login` in the background (for its go-live).
    fn is_background(&self, login: &str) -> bool {
        self.background.lock().is_ok_and(|b| b.contains_key(login))
    }
}

/// A place among the streamer windows, held while one is being opened; given back when
/// dropped (the window is in `Channels::open` by then, or failed).
pub struct Reservation<'a> {
    /// Whose `opening` set holds the login.
    channels: &'a Channels,
    /// The window's login.
    login: String,
}

impl Drop for Reservation<'_> {
    fn drop(&mut self) {
        if let Ok(mut g) = self.channels.opening.lock() {
            g.remove(&self.login);
        }
    }
}

impl Channels {
    /// Takes a place for the window of `login` if fewer than `cap` streamer windows are open
    /// or being opened; `Ok(None)` when its window is already on its way (a second link to
    /// it), an error when the windows are at the cap.
    fn reserve(&self, login: &str, cap: usize) -> Result<Option<Reservation<'_>>, UiError> {
        let open: HashSet<String> =
            self.open.lock().map(|g| g.keys().cloned().collect()).unwrap_or_default();
        let mut opening = self
            .opening
            .lock()
            .map_err(|_| UiError::new(ErrorCode::Window, "Could not open the streamer window."))?;
        if opening.contains(login) {
            return Ok(None);
        }
        let taken: HashSet<&String> = open.iter().chain(opening.iter()).collect();
        if taken.len() >= cap && !open.contains(login) {
            return Err(UiError::new(
                ErrorCode::TooManyWindows,
                format!(
                    "{cap} streamer windows are open, as many as the settings allow: \
                     close one to open {login}."
                ),
            ));
        }
        opening.insert(login.to_string());
        Ok(Some(Reservation { channels: self, login: login.to_string() }))
    }
}

/// Reaches the app's [`Channels`] from anything that reaches the app (the pattern of Tauri's
/// own plugins, e.g. `NotificationExt`).
pub trait ChannelsExt<R: Runtime> {
    /// The app's channels.
    fn channels(&self) -> &Channels;
}

impl<R: Runtime, T: Manager<R>> ChannelsExt<R> for T {
    fn channels(&self) -> &Channels {
        self.state::<Channels>().inner()
    }
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

/// Makes `login` the favourite (and a recent channel), and watches it for its go-live.
pub async fn choose_favourite(
    app: &AppHandle,
    state: &AppState,
    login: &str,
) -> Result<SettingsView, UiError> {
    let (s, warning) = state.config.update(|s| {
        s.favourite = Some(login.to_string());
        s.push_recent(login);
    })?;
    watch_background(app, state).await;
    Ok(SettingsView::new(&s, warning.map(|w| w.to_string())))
}

/// Watches the channels that notify without a window — the favourite and every channel with
/// alert rules (docs/ui.md "Alerts") — for their go-live, and their title and category where a
/// rule asks; stops watching those that no longer notify unless their window is open. Needs a signed-in user (the watcher asks Helix).
pub async fn watch_background(app: &AppHandle, state: &AppState) {
    let Some(c) = state.connected().await else { return };
    let Ok((s, _)) = state.config.load_or_default() else { return };
    // Each channel with whether it needs its `channel.update` too (a title or category alert).
    let mut wanted: BTreeMap<String, bool> = BTreeMap::new();
    if let Some(f) = &s.favourite {
        wanted.insert(f.to_ascii_lowercase(), false);
    }
    for (login, rules) in &s.alerts.channels {
        wanted.insert(login.to_ascii_lowercase(), rules.wants_updates());
    }
    let channels = app.channels();
    let (gone, changed) = match channels.background.lock() {
        Ok(mut b) => {
            let gone: Vec<String> =
                b.keys().filter(|l| !wanted.contains_key(*l)).cloned().collect();
            let changed: Vec<(String, bool)> = wanted
                .iter()
                .filter(|(l, u)| b.get(*l) != Some(u))
                .map(|(l, u)| (l.clone(), *u))
                .collect();
            *b = wanted;
            (gone, changed)
        }
        Err(_) => return,
    };
    for old in gone {
        if channels.open(&old).is_none()
            && let Err(e) = c.watcher.remove_channel(&old).await
        {
            tracing::warn!(login = %old, error = %e, "could not stop watching in the background");
        }
    }
    for (login, updates) in changed {
        // Its go-live (and title and category if asked), after every open window's (the
        // planner's rule); an open window for it keeps it a full channel.
        match c.watcher.add_background_channel(&login, updates).await {
            Ok(channel) => channels.remember_name(&channel),
            Err(e) => {
                tracing::warn!(%login, error = %e, "could not watch a channel in the background");
                channels.forget_one(&login);
            }
        }
    }
}

/// Opens (or focuses) the window of `login` and starts watching the channel.
pub async fn open_channel(
    app: &AppHandle,
    state: Arc<AppState>,
    login: &str,
) -> Result<(), UiError> {
    if app.get_window(&windows::window_label(login)).is_some() {
        windows::focus(app, login);
        return Ok(());
    }
    let cap = state
        .config
        .load_or_default()
        .map(|(s, _)| s.max_streamer_windows)
        .unwrap_or(tev_core::settings::DEFAULT_MAX_STREAMER_WINDOWS)
        .max(1);
    let Some(_place) = app.channels().reserve(login, cap as usize)? else {
        return Ok(()); // its window is on its way already
    };
    let c = state.connected().await.ok_or_else(|| {
        UiError::new(ErrorCode::NotConfigured, "Configure a Twitch application and log in first.")
    })?;
    tracing::debug!(%login, "opening a streamer window");
    // Two independent Helix round trips (the user lookup inside `add_channel`, the stream's
    // status): side by side, so the window waits for one network delay, not two.
    let logins = [login.to_string()];
    let (channel, stream) = tokio::join!(
        watch_for_window(&state, &c.watcher, login),
        c.helix.streams_by_login(&logins)
    );
    let channel = channel?;
    let stream = stream.ok().and_then(|mut v| v.pop());
    let channels = app.channels();
    channels.remember_name(&channel);
    tracing::debug!(%login, "channel watched, stream status read");
    state.live.watch_channel(&channel.id, &channel.login, stream.as_ref());
    let opened_at = Utc::now();
    if let Ok(mut g) = channels.open.lock() {
        g.insert(login.to_string(), OpenChannel { channel: channel.clone(), opened_at });
    }
    // Best-effort: a config directory that cannot be written (full, read-only, another
    // owner's) must not keep the window from opening.
    if let Err(e) = state.config.update(|s| s.push_recent(login)) {
        tracing::warn!(%login, error = %e, "could not remember the channel as recent");
    }
    let geometry = state
        .config
        .load_or_default()
        .ok()
        .and_then(|(s, _)| s.windows.get(&windows::window_label(login)).cloned());
    let config = state.config.clone();
    let label = windows::window_label(login);
    let pages = windows::StreamerPages {
        title: channel.display_name.clone(),
        boot: panel::boot_script(&state, &c, &channel, opened_at),
        player_url: state.endpoints.player_url(login),
        chat_url: state.endpoints.chat_url(login),
        pane_rule: crate::panes::PaneRule::new(state.endpoints.base()),
    };
    let built = windows::open_streamer_on_main(app, login.to_string(), pages, geometry, move |g| {
        if let Err(e) = config.update(|s| {
            s.windows.insert(label.clone(), g);
        }) {
            tracing::warn!(error = %e, "could not remember the window's place");
        }
    })
    .await;
    let w = match built.map(|()| app.get_window(&windows::window_label(login))) {
        Ok(Some(w)) => w,
        other => {
            // All or nothing: without its window the channel is neither open, shown nor
            // subscribed (no notification keeps coming for a window that does not exist).
            stop_watching(app, &state, login, &channel.id);
            let why = match other {
                Err(e) => e.to_string(),
                Ok(_) => "it closed as it opened".to_string(),
            };
            return Err(UiError::new(
                ErrorCode::Window,
                format!("Could not open the streamer window: {why}"),
            ));
        }
    };
    tracing::debug!(%login, "streamer window built");

    // Closing the window stops watching the channel (its subscriptions are removed).
    let login = login.to_string();
    let channel_id = channel.id.clone();
    let app = app.clone();
    w.on_window_event(move |e| {
        if matches!(e, tauri::WindowEvent::Destroyed) {
            stop_watching(&app, &state, &login, &channel_id);
        }
    });
    Ok(())
}

/// The channel of `login` has no window any more (closed, or never built): it is no longer
/// open nor shown, and the watcher drops its subscriptions — except the favourite's go-live,
/// kept in the background for its notification.
fn stop_watching(app: &AppHandle, state: &Arc<AppState>, login: &str, channel_id: &str) {
    if let Ok(mut g) = app.channels().open.lock() {
        g.remove(login);
    }
    state.live.unwatch_channel(channel_id);
    let state = state.clone();
    let login = login.to_string();
    let app = app.clone();
    tauri::async_runtime::spawn(async move {
        let Some(c) = state.connected().await else { return };
        if app.channels().is_background(&login) {
            if let Err(e) = c.watcher.demote_channel(&login).await {
                tracing::warn!(%login, error = %e, "could not keep only its go-live");
            }
            return;
        }
        if let Err(e) = c.watcher.remove_channel(&login).await {
            tracing::warn!(%login, error = %e, "could not stop watching");
        }
    });
}

/// Up to ten channels whose name matches `query` (trimmed, not empty), live or not, with their
/// avatars.
pub async fn search(c: &Connected, query: &str) -> Result<Vec<ChannelRow>, UiError> {
    let found = c.helix.search_channels(query, false, 10).await?;
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

/// The channels the signed-in user follows, with their avatars and whether each is live.
pub async fn followed(c: &Connected) -> Result<Vec<ChannelRow>, UiError> {
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

/// The channels the signed-in user follows that are live now, most watched first (one Helix call,
/// `GET /streams/followed`).
pub async fn followed_live(c: &Connected) -> Result<Vec<LiveChannel>, UiError> {
    let me = c.helix.credentials().await?;
    let live = c.helix.followed_streams(&me.user_id).await?;
    Ok(live.into_iter().map(LiveChannel::new).collect())
}

/// Watches `login` for its window, with the channel's moderator view as its feed choices say.
pub async fn watch_for_window(
    state: &AppState,
    watcher: &tev_core::watcher::WatcherHandle,
    login: &str,
) -> Result<tev_core::watcher::WatchedChannel, tev_core::watcher::WatcherError> {
    let channel = watcher.add_channel(login, None).await?;
    let view =
        state.config.load_or_default().is_ok_and(|(s, _)| s.feed_prefs(&channel.id).moderator_view);
    if view && let Some(c) = watcher.set_moderation(login, true).await? {
        return Ok(c);
    }
    Ok(channel)
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
