//! The live feed pushed to the pages: each channel's `feed` signal and stream header only to
//! that channel's panel, and the open windows' viewer counts refreshed from Helix.

use crate::channels::ChannelsExt;
use crate::state::AppState;
use crate::views::event;
use crate::windows;
use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use tauri::{AppHandle, Emitter, EventTarget};
use tev_core::live::LiveUpdate;

/// At most one `feed` signal per panel in this time: the panel then reads the whole list, so
/// later changes are picked up by the same read and nothing is lost. At 500 events/s this is
/// ≤ 10 reads a second per panel instead of 500.
const FEED_EMIT_GAP: std::time::Duration = std::time::Duration::from_millis(100);

/// Tells the panels that their rows changed. Runs once for the app's lifetime.
///
/// The signal carries no data: the panel reads its rows with `streamer_events` (an IPC reply,
/// parsed as JSON). An event with the rows in it would be a new script for the page to evaluate
/// on every change, and WebKit keeps each evaluated script's source and bytecode in its code
/// cache: measured (docs/bench-log.md, session 4), ~15 KiB kept in the web process per update
/// (+30 MiB after 2,000), against ~2 KiB when the same data arrives as JSON. The signal's script is
/// the same every time, so it is compiled once.
pub fn forward_live(app: &AppHandle, state: &AppState) {
    let mut rx = state.live.subscribe();
    let app = app.clone();
    tauri::async_runtime::spawn(async move {
        use tokio::time::Instant;
        let signal = |login: &str| {
            let target = EventTarget::webview(windows::panel_label(login));
            let _ = app.emit_to(target, event::FEED, ());
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
                        let _ = app.emit_to(target, event::STREAM_INFO, &h);
                    }
                    Ok(LiveUpdate::Notice { channel_id, message }) => {
                        tracing::info!(?channel_id, %message, "notice");
                        // A notice of no channel is the app's own (the event store could not
                        // be written): the home window says it.
                        if channel_id.is_none() {
                            crate::home::notice(&app, "storage", &message);
                        }
                    }
                    Ok(LiveUpdate::NewEvent(_)) => {}
                    Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => {
                        // Some changes went by unseen: every open panel reads its rows again.
                        held.extend(app.channels().open_logins());
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
