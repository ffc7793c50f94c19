//! The bridge between the core's channels and the webviews: auth state, connection state and
//! the live feed are pushed as Tauri events (no polling from the pages), each channel's feed only
//! to that channel's panel.

use crate::error::UiError;
use crate::state::{AppState, Connected};
use crate::windows;
use chrono::{DateTime, Utc};
use serde_json::json;
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, OnceLock};
use tauri::{AppHandle, Emitter, EventTarget, Manager};
use tev_core::auth::{AuthState, SignInProgress, TokenOwner};
use tev_core::helix::Helix;
use tev_core::live::LiveUpdate;
use tev_core::token::TokenSource;
use tev_core::watcher::{self, WatchedChannel, WatcherConfig};

/// Open channels: login → (channel, when its window opened).
type OpenChannels = Mutex<HashMap<String, (WatchedChannel, DateTime<Utc>)>>;

fn open_channels() -> &'static OpenChannels {
    static OPEN: OnceLock<OpenChannels> = OnceLock::new();
    OPEN.get_or_init(Default::default)
}

/// The signed-in user's display name and avatar, from Helix (the owner only knows the login).
fn me() -> &'static Mutex<Option<(String, String, String)>> {
    static ME: OnceLock<Mutex<Option<(String, String, String)>>> = OnceLock::new();
    ME.get_or_init(Default::default)
}

/// The favourite watched without a window (for its go-live notification), if any.
fn background() -> &'static Mutex<Option<String>> {
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

/// Auth state for the pages, with words for each login step and the user's display name and
/// avatar when known. Never a token: [`AuthState`] has none.
pub fn auth_json(a: &AuthState) -> serde_json::Value {
    let mut v = serde_json::to_value(a).unwrap_or_else(|_| json!({"state": "signed_out"}));
    if let AuthState::SigningIn { progress } = a {
        let message = match progress {
            SignInProgress::Starting => "Starting…".to_string(),
            SignInProgress::OpeningBrowser { .. } => "Opening your browser…".to_string(),
            SignInProgress::WaitingForBrowser { .. } => {
                "Browser opened — approve in Twitch".to_string()
            }
            SignInProgress::DeviceCode { .. } => {
                "Enter this code on Twitch's activation page (opened in your browser)".to_string()
            }
            SignInProgress::Exchanging => "Finishing the login…".to_string(),
        };
        v["progress"]["message"] = json!(message);
    }
    if let AuthState::SignedIn { login, .. } = a
        && let Ok(g) = me().lock()
        && let Some((l, name, avatar)) = g.as_ref()
        && l == login
    {
        v["display_name"] = json!(name);
        v["profile_image_url"] = json!(avatar);
    }
    v
}

pub fn emit_login_error(app: &AppHandle, message: &str) {
    let _ = app.emit_to(
        EventTarget::webview("home"),
        "auth",
        json!({"state": "signed_out", "reason": message}),
    );
}

/// Creates the token owner, Helix and the watcher from the settings (again, after the Client
/// ID or the roles changed) and starts forwarding their state to the pages.
pub async fn connect(app: &AppHandle, state: Arc<AppState>) -> Result<(), UiError> {
    let (settings, _) = state.config.load_or_default()?;
    if settings.effective_client_id().is_none() {
        return Ok(());
    }
    let owner =
        TokenOwner::from_settings(&settings, state.endpoints.clone(), state.keychain.clone())
            .await?;
    tracing::debug!("token owner made");
    let tokens: Arc<dyn TokenSource> = Arc::new(owner.clone());
    let helix = Helix::new(state.endpoints.helix.clone(), tokens.clone())?;
    let watcher = watcher::spawn(&state.endpoints, tokens, WatcherConfig::new(&state.endpoints))?;
    tracing::debug!("helix and watcher made");
    {
        let w = watcher.clone();
        owner.set_logout_hook(Arc::new(move || {
            let w = w.clone();
            Box::pin(async move { w.shutdown().await })
        }));
    }
    let previous = state.connected.write().await.replace(Connected {
        owner: owner.clone(),
        helix: helix.clone(),
        watcher: watcher.clone(),
    });
    state.connected_changed.send_replace(());
    if let Ok(mut b) = background().lock() {
        // A new watcher watches nothing yet; the favourite is added again at sign-in.
        *b = None;
    }
    if let Some(p) = previous {
        p.watcher.shutdown().await;
        p.owner.shutdown();
    }

    // Auth state → every page; on sign-in, learn the user's display name and avatar.
    let mut auth_rx = owner.subscribe();
    let app2 = app.clone();
    let state2 = state.clone();
    tauri::async_runtime::spawn(async move {
        loop {
            let a = auth_rx.borrow_and_update().clone();
            if let AuthState::SigningIn {
                progress: SignInProgress::DeviceCode { verification_uri, .. },
            } = &a
                && let Ok(mut u) = state2.activation_url.lock()
            {
                *u = Some(verification_uri.clone());
            }
            if matches!(a, AuthState::SignedOut { .. })
                && let Ok(mut b) = background().lock()
            {
                // Logging out stops the watcher; the favourite is added again at sign-in.
                *b = None;
            }
            if let AuthState::SignedIn { login, .. } = &a {
                if let Ok((s, _)) = state2.config.load_or_default() {
                    watch_favourite(&state2, s.favourite.as_deref()).await;
                }
                let known = me().lock().ok().and_then(|g| g.as_ref().map(|m| m.0 == *login));
                if known != Some(true)
                    && let Ok(u) = helix.me().await
                    && let Ok(mut g) = me().lock()
                {
                    *g = Some((u.login, u.display_name, u.profile_image_url));
                }
            }
            let _ = app2.emit("auth", auth_json(&a));
            if auth_rx.changed().await.is_err() {
                break;
            }
        }
    });

    // Connection state → every page.
    let mut conn_rx = watcher.state();
    let app3 = app.clone();
    tauri::async_runtime::spawn(async move {
        loop {
            let s = conn_rx.borrow_and_update().clone();
            let _ = app3.emit("connection", &s);
            if conn_rx.changed().await.is_err() {
                break;
            }
        }
    });

    // The live feed: watcher updates → RecentEvents on disk → each channel's panel.
    tauri::async_runtime::spawn(
        state.live.clone().run(watcher.clone(), std::time::Duration::from_secs(2)),
    );

    // Restore the login (validate, hourly validation) in the background.
    tauri::async_runtime::spawn(async move {
        owner.start().await;
    });

    // Re-add the channels of windows that are open (after a reconnect of the pieces).
    let open: Vec<String> =
        open_channels().lock().map(|g| g.keys().cloned().collect()).unwrap_or_default();
    for login in open {
        if let Err(e) = watcher.add_channel(&login, None).await {
            tracing::warn!(%login, error = %e, "could not watch the channel again");
        }
    }
    Ok(())
}

/// At most one `feed` signal per panel in this time: the panel then reads the whole list, so
/// later changes are picked up by the same read and nothing is lost. At 500 events/s this is
/// ≤ 10 reads a second per panel instead of 500.
const FEED_EMIT_GAP: std::time::Duration = std::time::Duration::from_millis(100);

/// Tells the panels that their rows changed. Runs once for the app's lifetime.
///
/// The signal carries no data: the panel reads its rows with `streamer_events` (an IPC reply,
/// parsed as JSON). An event with the rows in it would be a new script for the page to evaluate
/// on every change, and WebKit keeps each evaluated script's source and bytecode in its code
/// cache: issue 9 measured ~15 KiB kept in the web process per update (+30 MiB after 2,000),
/// against ~2 KiB when the same data arrives as JSON. The signal's script is the same every
/// time, so it is compiled once.
pub fn forward_live(app: &AppHandle, state: &AppState) {
    let mut rx = state.live.subscribe();
    let app = app.clone();
    tauri::async_runtime::spawn(async move {
        use tokio::time::Instant;
        let signal = |login: &str| {
            let target = EventTarget::webview(windows::panel_label(login));
            let _ = app.emit_to(target, "feed", ());
        };
        // Per panel: when its last signal went out; the panels with a change held back since.
        let mut last_sent: HashMap<String, Instant> = HashMap::new();
        let mut held: HashSet<String> = HashSet::new();
        // Whether a signal for `login` may go out at `now`.
        let free = |last_sent: &HashMap<String, Instant>, login: &str, now: Instant| {
            last_sent.get(login).is_none_or(|t| now.duration_since(*t) >= FEED_EMIT_GAP)
        };
        loop {
            // The earliest moment a held signal may go; no timer at all when nothing is held.
            let next = held
                .iter()
                .filter_map(|login| last_sent.get(login))
                .min()
                .map(|t| *t + FEED_EMIT_GAP);
            tokio::select! {
                u = rx.recv() => match u {
                    Ok(LiveUpdate::Events { channel_login: login, .. }) => {
                        let now = Instant::now();
                        if free(&last_sent, &login, now) {
                            signal(&login);
                            held.remove(&login);
                            last_sent.insert(login, now);
                        } else {
                            held.insert(login);
                        }
                    }
                    Ok(LiveUpdate::Header(h)) => {
                        let target = EventTarget::webview(windows::panel_label(&h.channel_login));
                        let _ = app.emit_to(target, "stream_info", &h);
                    }
                    Ok(LiveUpdate::Notice { channel_id, message }) => {
                        tracing::info!(?channel_id, %message, "notice");
                    }
                    Ok(LiveUpdate::NewEvent(_)) => {}
                    Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => {
                        // Some changes went by unseen: every open panel reads its rows again.
                        let open = open_channels().lock().map(|g| g.keys().cloned().collect());
                        held.extend(open.unwrap_or_else(|_| Vec::new()));
                        if next.is_none() {
                            for login in std::mem::take(&mut held) {
                                signal(&login);
                                last_sent.insert(login, Instant::now());
                            }
                        }
                    }
                    Err(tokio::sync::broadcast::error::RecvError::Closed) => break,
                },
                _ = tokio::time::sleep_until(next.unwrap_or_else(Instant::now)),
                    if next.is_some() =>
                {
                    let now = Instant::now();
                    let due: Vec<String> =
                        held.iter().filter(|l| free(&last_sent, l, now)).cloned().collect();
                    for login in due {
                        held.remove(&login);
                        signal(&login);
                        last_sent.insert(login, now);
                    }
                }
            }
        }
    });
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

/// How often the open windows' viewer counts are read from Helix: viewers are not in EventSub,
/// and one batched `/streams` call per two minutes for every open window together is sparing.
/// `TEV_VIEWERS_REFRESH_SECS` changes it (tests, or a user who wants fresher figures).
fn viewers_refresh_every() -> std::time::Duration {
    let secs = std::env::var("TEV_VIEWERS_REFRESH_SECS")
        .ok()
        .and_then(|v| v.trim().parse::<u64>().ok())
        .filter(|s| *s > 0)
        .unwrap_or(120);
    std::time::Duration::from_secs(secs)
}

/// Refreshes viewers, title and category of the open windows from Helix, sparingly (one
/// request for all of them). Runs for the app's lifetime.
pub fn refresh_viewers(state: Arc<AppState>) {
    let every = viewers_refresh_every();
    tauri::async_runtime::spawn(async move {
        let mut tick = tokio::time::interval_at(tokio::time::Instant::now() + every, every);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            let watched = state.live.watched();
            if watched.is_empty() {
                continue;
            }
            let Some(c) = state.connected().await else { continue };
            let logins: Vec<String> = watched.iter().map(|(_, l)| l.clone()).collect();
            match c.helix.streams_by_login(&logins).await {
                Ok(streams) => {
                    for (id, _) in &watched {
                        let s = streams.iter().find(|s| &s.user_id == id);
                        state.live.refresh_stream(id, s);
                    }
                }
                Err(e) => tracing::info!(error = %e, "could not refresh the viewer counts"),
            }
        }
    });
}
