//! `LiveFeed`: the glue between the [`Watcher`](crate::watcher) and whoever shows events.
//!
//! It consumes the watcher's updates (the feed's rows and gap rows — the watcher runs the
//! [`Feed`](crate::feed::Feed) normaliser on every deduplicated frame — and polled live status),
//! applies them to [`RecentEvents`] (persisted under the data dir), keeps a small header per channel (live, title, category, viewers, where the
//! live status comes from), and broadcasts a [`LiveUpdate`] for every change. The app forwards
//! those to the channel's window; `tev watch` could print them. Nothing here polls Twitch:
//! events arrive pushed over EventSub, and the only polling is the watcher's fallback for
//! channels over the cost budget.

use crate::feed::{ChannelState, FeedUpdate, StreamEvent, gaps};
use crate::helix::Stream;
use crate::recent::{LoadReport, RecentError, RecentEvents};
use crate::watcher::{WatchUpdate, WatcherHandle};
use chrono::Utc;
use serde::Serialize;
use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;
use tokio::sync::broadcast;

/// While the app listens, the recent events file is stamped at least this often, so after a
/// crash or a power cut the next start knows when the app stopped listening to within a
/// minute (the "app was closed" gap starts there).
pub const ALIVE_EVERY: Duration = Duration::from_secs(60);

/// Where a channel's live status comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum LiveSource {
    /// `stream.online`/`stream.offline` over EventSub (or Helix at open, then EventSub).
    #[default]
    Eventsub,
    /// Batched Helix `/streams` polling: the cost budget had no room (docs/twitch.md §1.6).
    Polling,
}

/// The header of a streamer window.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Default)]
pub struct Header {
    /// Broadcaster id.
    pub channel_id: String,
    /// Login.
    pub channel_login: String,
    /// Live now? `None` until known.
    pub live: Option<bool>,
    /// Stream or channel title.
    pub title: Option<String>,
    /// Category (game) name.
    pub category: Option<String>,
    /// Viewers (Helix only; EventSub does not carry it).
    pub viewers: Option<u64>,
    /// Where `live` comes from.
    pub live_source: LiveSource,
}

/// A change to show.
#[derive(Debug, Clone)]
pub enum LiveUpdate {
    /// The recent list of a channel changed; [`LiveFeed::events`] reads it. The rows are not
    /// in the update: in a burst the list changes with every event, and a copy of its ten rows
    /// per event, held in the broadcast until every receiver had it, was most of what a burst
    /// allocated (BENCHMARKS.md "Growth"); the one reader that shows rows reads them when it draws.
    Events {
        /// Broadcaster id.
        channel_id: String,
        /// Broadcaster login (the window's key).
        channel_login: String,
    },
    /// The header of a channel changed.
    Header(Header),
    /// A notice for the user (a refused subscription, a revocation).
    Notice { channel_id: Option<String>, message: String },
    /// A new row, for notifications (not sent for rows restored from disk or gaps).
    NewEvent(Box<StreamEvent>),
}

struct Inner {
    /// The last N rows per channel, over the event store.
    recent: RecentEvents,
    /// Headers by channel id.
    headers: HashMap<String, Header>,
    /// Rows changed since the last save.
    dirty: bool,
}

/// The shared live view. Cheap to clone.
#[derive(Clone)]
pub struct LiveFeed {
    inner: Arc<Mutex<Inner>>,
    updates: broadcast::Sender<LiveUpdate>,
}

fn lock(m: &Mutex<Inner>) -> MutexGuard<'_, Inner> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl LiveFeed {
    /// Loads the stored recent events from `data_dir` (adding an "app was closed" gap for the
    /// time nobody listened); a corrupt file is set aside, an unreadable one left alone (the
    /// list is then memory-only), and either is reported in the [`LoadReport`].
    pub fn open(data_dir: &Path, capacity: usize) -> (Self, LoadReport) {
        let (recent, report) = RecentEvents::load(data_dir, capacity, Utc::now());
        (Self::with_recent(recent), report)
    }

    /// A live feed over an in-memory recent list (tests, tools).
    pub fn with_recent(recent: RecentEvents) -> Self {
        let (updates, _) = broadcast::channel(1024);
        let inner = Inner { recent, headers: HashMap::new(), dirty: false };
        Self { inner: Arc::new(Mutex::new(inner)), updates }
    }

    /// Receives every change from now on.
    pub fn subscribe(&self) -> broadcast::Receiver<LiveUpdate> {
        self.updates.subscribe()
    }

    /// The channel's rows, newest first.
    pub fn events(&self, channel_id: &str) -> Vec<StreamEvent> {
        lock(&self.inner).recent.channel(channel_id).to_vec()
    }

    /// The channel's header, if known.
    pub fn header(&self, channel_id: &str) -> Option<Header> {
        lock(&self.inner).headers.get(channel_id).cloned()
    }

    /// A channel is shown: remember its login and its Helix stream state.
    pub fn watch_channel(&self, channel_id: &str, login: &str, stream: Option<&Stream>) {
        let header = {
            let mut g = lock(&self.inner);
            g.recent.watch(channel_id, login);
            let h = g.headers.entry(channel_id.to_string()).or_default();
            h.channel_id = channel_id.to_string();
            h.channel_login = login.to_string();
            apply_stream(h, stream);
            h.clone()
        };
        let _ = self.updates.send(LiveUpdate::Header(header));
    }

    /// The channel is no longer shown.
    pub fn unwatch_channel(&self, channel_id: &str) {
        let mut g = lock(&self.inner);
        g.headers.remove(channel_id);
        g.recent.unwatch(channel_id, Utc::now());
    }

    /// The sparing Helix refresh of open windows (viewers are not in EventSub): takes the
    /// viewer count, title and category of a live stream. Live/offline stays with EventSub,
    /// which is ahead of Helix (Helix `/streams` lags a fresh `stream.online` by minutes); only
    /// an unknown state is set from Helix. Channels whose live status is polled are updated by
    /// the watcher's poll instead. Sends a header update only when something changed.
    pub fn refresh_stream(&self, channel_id: &str, stream: Option<&Stream>) {
        let header = {
            let mut g = lock(&self.inner);
            let Some(h) = g.headers.get_mut(channel_id) else { return };
            if h.live_source == LiveSource::Polling {
                return;
            }
            let before = h.clone();
            match (h.live, stream) {
                (None, s) => apply_stream(h, s),
                (Some(true), Some(s)) => {
                    h.viewers = Some(s.viewer_count);
                    h.title = Some(s.title.clone());
                    h.category = Some(s.game_name.clone()).filter(|g| !g.is_empty());
                }
                // Helix says offline while EventSub said live (or the other way round): keep
                // EventSub's word; no viewer count until Helix catches up.
                (Some(true), None) => h.viewers = None,
                (Some(false), _) => {}
            }
            if *h == before {
                return;
            }
            h.clone()
        };
        let _ = self.updates.send(LiveUpdate::Header(header));
    }

    /// Logins and ids of the channels with a header (open windows), for the refresh.
    pub fn watched(&self) -> Vec<(String, String)> {
        lock(&self.inner)
            .headers
            .values()
            .map(|h| (h.channel_id.clone(), h.channel_login.clone()))
            .collect()
    }

    /// Marks a channel's live status as polled (or not).
    pub fn set_live_source(&self, channel_id: &str, source: LiveSource) {
        let header = {
            let mut g = lock(&self.inner);
            let Some(h) = g.headers.get_mut(channel_id) else { return };
            if h.live_source == source {
                return;
            }
            h.live_source = source;
            h.clone()
        };
        let _ = self.updates.send(LiveUpdate::Header(header));
    }

    /// Writes the changed rows to the event store, in one transaction, if there are any.
    pub fn save(&self) -> Result<(), RecentError> {
        let result = {
            let mut g = lock(&self.inner);
            if !(g.dirty || g.recent.has_unsaved()) {
                return Ok(());
            }
            g.dirty = false;
            g.recent.save(Utc::now())
        };
        self.tell_failure(result)
    }

    /// Rows older than `days` days leave the event store, once a day (0: kept for ever; the
    /// setting `event_retention_days`).
    pub fn set_retention_days(&self, days: u32) {
        lock(&self.inner).recent.set_retention_days(days);
    }

    /// A store that could not be written is given up for this run: the user is told once,
    /// on the home window (a notice without a channel).
    fn tell_failure(&self, result: Result<(), RecentError>) -> Result<(), RecentError> {
        if let Err(e) = &result {
            let _ =
                self.updates.send(LiveUpdate::Notice { channel_id: None, message: e.to_string() });
        }
        result
    }

    /// The app stops listening now (it exits, or its watcher ended): writes the rows, this
    /// moment and the channels watched now, whether or not rows changed. The next start gives
    /// those channels, and only those, an "app was closed" gap row from this moment.
    pub fn stopped_listening(&self) -> Result<(), RecentError> {
        let result = {
            let mut g = lock(&self.inner);
            g.dirty = false;
            g.recent.save(Utc::now())
        };
        self.tell_failure(result)
    }

    /// Applies one watcher update.
    pub fn apply(&self, update: WatchUpdate) {
        let mut out = Vec::new();
        {
            let mut g = lock(&self.inner);
            let g = &mut *g;
            let feed_updates = match update {
                WatchUpdate::Feed(u) => vec![u],
                // The raw frame: the feed's rows for it arrive as `WatchUpdate::Feed`.
                WatchUpdate::Notification { .. } => Vec::new(),
                WatchUpdate::Live { channel_id, stream } => {
                    if let Some(h) = g.headers.get_mut(&channel_id) {
                        apply_stream(h, stream.as_deref());
                        h.live_source = LiveSource::Polling;
                        out.push(LiveUpdate::Header(h.clone()));
                    }
                    Vec::new()
                }
                WatchUpdate::Notice { channel_id, message } => {
                    out.push(LiveUpdate::Notice { channel_id, message });
                    Vec::new()
                }
            };
            let mut changed: Vec<String> = Vec::new();
            for u in &feed_updates {
                let u: &FeedUpdate = u;
                match u {
                    FeedUpdate::State(state) => {
                        if let Some(h) = g.headers.get_mut(&state.channel_id)
                            && apply_state(h, state)
                        {
                            out.push(LiveUpdate::Header(h.clone()));
                        }
                    }
                    FeedUpdate::Added(ev) if ev.kind != crate::feed::EventKind::Gap => {
                        out.push(LiveUpdate::NewEvent(Box::new(ev.clone())));
                    }
                    _ => {}
                }
                if g.recent.apply(u) {
                    let id = match u {
                        FeedUpdate::Added(e) | FeedUpdate::Updated(e) => e.channel_id.clone(),
                        FeedUpdate::Removed { channel_id, .. } => channel_id.clone(),
                        FeedUpdate::State(s) => s.channel_id.clone(),
                    };
                    if !changed.contains(&id) {
                        changed.push(id);
                    }
                }
            }
            for id in changed {
                g.dirty = true;
                let login = g
                    .headers
                    .get(&id)
                    .map(|h| h.channel_login.clone())
                    .or_else(|| g.recent.channel(&id).first().map(|e| e.channel_login.clone()))
                    .unwrap_or_default();
                out.push(LiveUpdate::Events { channel_id: id, channel_login: login });
            }
        }
        for u in out {
            let _ = self.updates.send(u);
        }
    }

    /// Runs until the watcher stops: applies its updates, saves to disk at most every
    /// `save_every`, stamps the file every [`ALIVE_EVERY`] (the app is still listening), and
    /// records the end as the moment the app stopped listening.
    pub async fn run(self, watcher: WatcherHandle, save_every: Duration) {
        let mut rx = watcher.updates();
        // A save is due `save_every` after the first unsaved change; with nothing to save no
        // timer runs, so an idle evening costs no wake-ups here (BENCHMARKS.md "Idle").
        let mut save_at: Option<tokio::time::Instant> = None;
        // After a burst, the memory it used goes back to the system at the next save (the
        // first quiet moment this task has anyway; no timer of its own).
        let mut burst = crate::memory::AfterBurst::default();
        let mut alive_at = tokio::time::Instant::now() + ALIVE_EVERY;
        loop {
            let due = save_at.unwrap_or_else(tokio::time::Instant::now);
            tokio::select! {
                u = rx.recv() => match u {
                    Ok(u) => {
                        self.apply(u);
                        burst.note(1);
                    }
                    Err(broadcast::error::RecvError::Lagged(n)) => {
                        // Never silently: the user sees a gap for every channel shown.
                        tracing::warn!(missed = n, "the feed fell behind the watcher");
                        for row in gaps::lagged(self.watched(), Utc::now()) {
                            self.apply(WatchUpdate::Feed(Arc::new(FeedUpdate::Added(row))));
                        }
                    }
                    Err(broadcast::error::RecvError::Closed) => break,
                },
                _ = tokio::time::sleep_until(due), if save_at.is_some() => {
                    save_at = None;
                    if let Err(e) = self.stopped_listening() {
                        tracing::warn!(error = %e, "could not save the recent events");
                    }
                    alive_at = tokio::time::Instant::now() + ALIVE_EVERY;
                    burst.release_if_due();
                }
                _ = tokio::time::sleep_until(alive_at) => {
                    // Still listening: the stamp moves on (a save is one too).
                    if let Err(e) = self.stopped_listening() {
                        tracing::warn!(error = %e, "could not stamp the recent events");
                    }
                    alive_at = tokio::time::Instant::now() + ALIVE_EVERY;
                }
            }
            if save_at.is_none() && {
                let g = lock(&self.inner);
                g.dirty || g.recent.has_unsaved()
            } {
                save_at = Some(tokio::time::Instant::now() + save_every);
            }
        }
        if let Err(e) = self.stopped_listening() {
            tracing::warn!(error = %e, "could not save the recent events");
        }
    }
}

fn apply_stream(h: &mut Header, stream: Option<&Stream>) {
    match stream {
        Some(s) => {
            h.live = Some(true);
            h.title = Some(s.title.clone());
            h.category = Some(s.game_name.clone()).filter(|g| !g.is_empty());
            h.viewers = Some(s.viewer_count);
        }
        None => {
            h.live = Some(false);
            h.viewers = None;
        }
    }
}

/// Folds the feed's channel state into the header; true if anything changed.
fn apply_state(h: &mut Header, s: &ChannelState) -> bool {
    let before = h.clone();
    if let Some(live) = s.live {
        h.live = Some(live);
        if !live {
            h.viewers = None;
        }
    }
    if let Some(t) = &s.title {
        h.title = Some(t.clone());
    }
    if let Some(c) = &s.category_name {
        h.category = Some(c.clone());
    }
    *h != before
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(id: &str, kind: crate::feed::EventKind, secs: i64) -> StreamEvent {
        let t = chrono::DateTime::from_timestamp(1_800_000_000 + secs, 0).unwrap_or_default();
        let raw = serde_json::json!({
            "id": id, "channel_id": "1", "channel_login": "lumenforge", "kind": kind,
            "occurred_at": t, "actor": null, "summary": format!("row {id}"),
            "details": {"type": "other", "subscription_type": "x", "subscription_version": "1", "notice_type": null, "system_message": null}
        });
        serde_json::from_value(raw).unwrap_or_else(|e| panic!("row: {e}"))
    }

    #[test]
    fn feed_rows_become_view_updates_newest_first_and_mark_the_store_dirty() {
        let live = LiveFeed::with_recent(RecentEvents::new(10));
        let mut rx = live.subscribe();
        live.watch_channel("1", "lumenforge", None);
        for (i, secs) in [(1, 10), (2, 30), (3, 20)] {
            let r = row(&format!("m{i}"), crate::feed::EventKind::Other, secs);
            live.apply(WatchUpdate::Feed(Arc::new(FeedUpdate::Added(r))));
        }
        let ids: Vec<String> = live.events("1").into_iter().map(|e| e.id).collect();
        assert_eq!(ids, ["m2", "m3", "m1"], "newest first by event time");
        let mut views = 0;
        let mut new_rows = 0;
        while let Ok(u) = rx.try_recv() {
            match u {
                LiveUpdate::Events { channel_id, channel_login } => {
                    assert_eq!((channel_id.as_str(), channel_login.as_str()), ("1", "lumenforge"));
                    views += 1;
                }
                LiveUpdate::NewEvent(_) => new_rows += 1,
                _ => {}
            }
        }
        assert_eq!((views, new_rows), (3, 3));
        assert!(lock(&live.inner).dirty);
    }

    fn stream(viewers: u64, title: &str) -> Stream {
        serde_json::from_value(serde_json::json!({
            "id": "s1", "user_id": "1", "user_login": "lumenforge", "user_name": "Lumenforge",
            "game_id": "1", "game_name": "Hollow Knight", "type": "live", "title": title,
            "viewer_count": viewers, "started_at": "2026-11-28T06:00:00Z", "language": "en",
            "thumbnail_url": "", "tags": [], "is_mature": false
        }))
        .unwrap_or_else(|e| panic!("stream: {e}"))
    }

    #[test]
    fn the_viewer_refresh_updates_viewers_but_eventsub_keeps_live_and_offline() {
        let live = LiveFeed::with_recent(RecentEvents::new(10));
        live.watch_channel("1", "lumenforge", Some(&stream(100, "a")));
        let mut rx = live.subscribe();
        live.refresh_stream("1", Some(&stream(250, "b")));
        let h = live.header("1").unwrap_or_default();
        assert_eq!((h.live, h.viewers, h.title.as_deref()), (Some(true), Some(250), Some("b")));
        assert!(matches!(rx.try_recv(), Ok(LiveUpdate::Header(_))));
        // Same figures again: no update sent.
        live.refresh_stream("1", Some(&stream(250, "b")));
        assert!(rx.try_recv().is_err(), "an unchanged refresh sends nothing");
        // Helix lags a fresh stream.online: it says offline, the header stays live.
        live.refresh_stream("1", None);
        let h = live.header("1").unwrap_or_default();
        assert_eq!((h.live, h.viewers), (Some(true), None));
        // Offline stays offline even if Helix still lists the ended stream.
        live.watch_channel("3", "quietfox", None);
        live.refresh_stream("3", Some(&stream(9, "c")));
        assert_eq!(live.header("3").and_then(|h| h.live), Some(false));
        // Polled channels are the watcher's to update.
        live.apply(WatchUpdate::Live { channel_id: "1".into(), stream: None });
        live.refresh_stream("1", Some(&stream(9, "c")));
        assert_eq!(live.header("1").unwrap_or_default().viewers, None);
        // Unknown channels are ignored.
        live.refresh_stream("2", Some(&stream(1, "x")));
        assert!(live.header("2").is_none());
    }

    #[test]
    fn polled_live_status_marks_the_header() {
        let live = LiveFeed::with_recent(RecentEvents::new(10));
        live.watch_channel("1", "lumenforge", None);
        assert_eq!(live.header("1").and_then(|h| h.live), Some(false));
        live.apply(WatchUpdate::Live { channel_id: "1".into(), stream: None });
        assert_eq!(live.header("1").map(|h| h.live_source), Some(LiveSource::Polling));
    }
}
