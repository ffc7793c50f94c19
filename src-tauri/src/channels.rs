//! The channels the app watches: the channel of each open streamer window (opened here, with
//! its window), the favourite watched in the background for its go-live, and the display names
//! learnt on the way.

use crate::error::UiError;
use crate::state::AppState;
use crate::windows;
use chrono::{DateTime, Utc};
use serde_json::json;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};
use tauri::{AppHandle, Manager};
use tev_core::watcher::WatchedChannel;

/// Open channels: login → (channel, when its window opened).
type OpenChannels = Mutex<HashMap<String, (WatchedChannel, DateTime<Utc>)>>;

pub(crate) fn open_channels() -> &'static OpenChannels {
    static OPEN: OnceLock<OpenChannels> = OnceLock::new();
    OPEN.get_or_init(Default::default)
}

/// The favourite watched without a window (for its go-live notification), if any.
pub(crate) fn background() -> &'static Mutex<Option<String>> {
    static BG: OnceLock<Mutex<Option<String>>> = OnceLock::new();
    BG.get_or_init(Default::default)
}

/// Display names of the channels watched so far ("NightOwl" for `nightowl`), from Helix.
fn display_names() -> &'static Mutex<HashMap<String, String>> {
    static NAMES: OnceLock<Mutex<HashMap<String, String>>> = OnceLock::new();
    NAMES.get_or_init(Default::default)
}

fn remember_name(c: &WatchedChannel) {
    if let Ok(mut g) = display_names().lock() {
        g.insert(c.login.clone(), c.display_name.clone());
    }
}

/// The display name of a watched channel, if known.
pub fn display_name(login: &str) -> Option<String> {
    display_names().lock().ok()?.get(login).cloned()
}

fn is_background(login: &str) -> bool {
    background().lock().is_ok_and(|b| b.as_deref() == Some(login))
}

/// Watches the favourite channel even with no window open, so its go-live can notify
/// (issue: "on go-live of any open or favourite channel"); stops watching the previous
/// favourite unless its window is open. Needs a signed-in user (the watcher asks Helix).
pub async fn watch_favourite(state: &AppState, favourite: Option<&str>) {
    let Some(c) = state.connected().await else { return };
    let wanted = favourite.map(str::to_ascii_lowercase);
    let previous = match background().lock() {
        Ok(mut b) if *b != wanted => std::mem::replace(&mut *b, wanted.clone()),
        _ => return,
    };
    if let Some(old) = previous
        && channel_of(&old).is_none()
        && let Err(e) = c.watcher.remove_channel(&old).await
    {
        tracing::warn!(login = %old, error = %e, "could not stop watching the old favourite");
    }
    if let Some(login) = wanted {
        // Only its go-live, after every open window's live status (the planner's rule); an
        // open window for it keeps it a full channel.
        match c.watcher.add_background_channel(&login).await {
            Ok(channel) => remember_name(&channel),
            Err(e) => {
                tracing::warn!(%login, error = %e, "could not watch the favourite for go-live");
                if let Ok(mut b) = background().lock() {
                    *b = None;
                }
            }
        }
    }
}

pub fn channel_of(login: &str) -> Option<WatchedChannel> {
    open_channels().lock().ok()?.get(login).map(|(c, _)| c.clone())
}

pub fn opened_at(login: &str) -> Option<DateTime<Utc>> {
    open_channels().lock().ok()?.get(login).map(|(_, t)| *t)
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
    let c = state.connected().await.ok_or_else(|| {
        UiError::new("not_configured", "Configure a Twitch application and log in first.")
    })?;
    tracing::debug!(%login, "opening a streamer window");
    // Two independent Helix round trips (the user lookup inside `add_channel`, the stream's
    // status): side by side, so the window waits for one network delay, not two.
    let logins = [login.to_string()];
    let (channel, stream) =
        tokio::join!(c.watcher.add_channel(login, None), c.helix.streams_by_login(&logins));
    let channel = channel?;
    let stream = stream.ok().and_then(|mut v| v.pop());
    remember_name(&channel);
    tracing::debug!(%login, "channel watched, stream status read");
    state.live.watch_channel(&channel.id, &channel.login, stream.as_ref());
    if let Ok(mut g) = open_channels().lock() {
        g.insert(login.to_string(), (channel.clone(), Utc::now()));
    }
    state.config.update(|s| s.push_recent(login))?;
    let geometry = state
        .config
        .load_or_default()
        .ok()
        .and_then(|(s, _)| s.windows.get(&windows::window_label(login)).cloned());
    let config = state.config.clone();
    let label = windows::window_label(login);
    let pages = windows::StreamerPages {
        title: channel.display_name.clone(),
        boot: boot_script(&state, &c, &channel),
        player_url: state.endpoints.player_url(login),
        chat_url: state.endpoints.chat_url(login),
    };
    windows::open_streamer_on_main(app, login.to_string(), pages, geometry, move |g| {
        if let Err(e) = config.update(|s| {
            s.windows.insert(label.clone(), g);
        }) {
            tracing::warn!(error = %e, "could not remember the window's place");
        }
    })
    .await
    .map_err(|e| UiError::new("window", format!("Could not open the streamer window: {e}")))?;
    tracing::debug!(%login, "streamer window built");

    // Closing the window stops watching the channel (its subscriptions are removed).
    if let Some(w) = app.get_window(&windows::window_label(login)) {
        let login = login.to_string();
        let channel_id = channel.id.clone();
        let state = state.clone();
        w.on_window_event(move |e| {
            if matches!(e, tauri::WindowEvent::Destroyed) {
                if let Ok(mut g) = open_channels().lock() {
                    g.remove(&login);
                }
                state.live.unwatch_channel(&channel_id);
                let state = state.clone();
                let login = login.clone();
                tauri::async_runtime::spawn(async move {
                    let Some(c) = state.connected().await else { return };
                    // The favourite stays watched for its go-live notification, in the
                    // background again; any other channel is no longer watched at all.
                    if is_background(&login) {
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
        });
    }
    Ok(())
}

/// The panel's first data, given with its window as an initialisation script (run before the
/// page's own scripts): the snapshot and the feed choices the page would otherwise ask for in
/// two round trips after its first paint, while the main thread is busy creating Twitch's
/// webviews (issue 9, start-up). The page still asks once its listeners are in place, for
/// anything that changed in between. `None` (the page asks as before) if it cannot be built.
fn boot_script(
    state: &AppState,
    c: &crate::state::Connected,
    channel: &WatchedChannel,
) -> Option<String> {
    let prefs = crate::commands::feed_prefs(state, channel.id.clone()).ok()?;
    let snapshot = crate::commands::snapshot(state, c, channel.clone());
    let json = serde_json::to_string(&json!({"snapshot": snapshot, "prefs": prefs})).ok()?;
    // The data as a JSON string literal parsed by the page: no part of it is ever JavaScript.
    let literal = serde_json::to_string(&json).ok()?;
    Some(format!("window.__TEV_BOOT__ = JSON.parse({literal});"))
}
