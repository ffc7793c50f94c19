//! `RecentEvents`: the last N events per channel, newest first by event time — the fast view
//! the panels read — over the durable record, the event store ([`crate::store`]).
//!
//! - N defaults to 10 ([`RecentEvents::DEFAULT_CAPACITY`]); a `gap` row counts as one of N.
//! - Order is by [`StreamEvent::occurred_at`], newest first, not by arrival (docs/twitch.md §1.7:
//!   no ordering guarantee). An event older than every kept row of a full list is not kept
//!   here, but it is stored.
//! - Every row the feed gives is written to the store ([`RecentEvents::FILE_NAME`] in the data
//!   directory the app passes), gap rows included, rows updated or removed by the feed too; the
//!   changes collect in memory and [`RecentEvents::save`] writes them in one transaction (the
//!   app saves every two seconds while rows change, stamps at least once a minute while it
//!   listens, and saves on exit). At start the ten rows of each channel come from the store.
//! - Retention: a save deletes rows older than the retention (default 180 days, the setting
//!   `event_retention_days`) once a day.
//! - A `recent-events.json` of the format before the store (version 1) is imported on the first
//!   start and renamed `recent-events.json.imported` beside it.
//! - A database that cannot be read as ours (damaged, not a database, a newer schema) is
//!   reported ([`LoadReport::set_aside`]) and renamed to `events.sqlite3.corrupt-<UTC
//!   timestamp>` (with its `-wal`/`-shm` files) — never deleted — and a new one is started; a
//!   `recent-events.json` that cannot be imported is set aside the same way.
//! - A database that cannot be opened or written at all (no permission, a read-only directory,
//!   a full disk, a directory in its place) never stops the app: the list is kept in memory
//!   only for this run ([`LoadReport::memory_only`], or [`RecentError::Store`] from a save),
//!   and the file stays as it was. The app shows [`LoadReport::notice`] on its home window
//!   (docs/ARCHITECTURE.md, "Damaged files").
//! - On load, the channels that were watched when the app stopped listening get a `gap` row
//!   for the time nobody was listening: from the last save to now. A channel not watched then
//!   gets none, so a channel opened once keeps its events however often the app starts; two
//!   gap rows next to each other become one (`feed::gaps`).

use crate::feed::{FeedUpdate, StreamEvent, gaps};
use crate::store::{Change, EventStore, Stamp, StoreError};
use chrono::{DateTime, Utc};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Why the recent events could not be stored or read.
#[derive(Debug, thiserror::Error)]
pub enum RecentError {
    /// The event store could not be written: this run keeps its events in memory only.
    #[error(
        "Your events could not be written to {path} ({source}). From now on they are kept in \
         memory only until the app is closed."
    )]
    Store {
        /// The database file.
        path: PathBuf,
        /// What went wrong.
        #[source]
        source: StoreError,
    },
}

/// What [`RecentEvents::load`] found.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct LoadReport {
    /// The file was unreadable as stored events and was moved here (show this to the user).
    pub set_aside: Option<PathBuf>,
    /// Why it was set aside, or why the store could not be used.
    pub problem: Option<String>,
    /// Channels that got an "app was closed" gap row.
    pub gaps_added: usize,
    /// The store could not be opened: this run keeps its events in memory only and never
    /// writes over the file, which stays as it was for the user to look at.
    pub memory_only: bool,
    /// The file concerned (shown with the notice).
    pub path: Option<PathBuf>,
    /// A `recent-events.json` of the older format was imported and renamed to this.
    pub imported: Option<PathBuf>,
}

impl LoadReport {
    /// What to tell the user when the stored events could not be used, in one sentence or
    /// two; `None` when they loaded (or there were none yet).
    pub fn notice(&self) -> Option<String> {
        let problem = self.problem.as_deref()?;
        let file = self.path.as_ref().map(|p| p.display().to_string()).unwrap_or_default();
        Some(match (&self.set_aside, self.memory_only) {
            (Some(aside), false) => format!(
                "Your stored events could not be used: {problem}. The file was moved to {} \
                 and the app started with a new, empty one.",
                aside.display()
            ),
            (Some(aside), true) => format!(
                "Your stored events could not be used: {problem}. The file was moved to {}; \
                 a new one could not be made either, so the app keeps events in memory only \
                 until it is closed.",
                aside.display()
            ),
            (None, _) => format!(
                "Your stored events at {file} could not be used ({problem}). The app started \
                 with an empty list, kept in memory only until it is closed, and left the file \
                 untouched."
            ),
        })
    }
}

/// The on-disk shape of `recent-events.json`, the format before the store: read once, to
/// import it.
#[derive(Deserialize)]
struct Legacy {
    /// When the app last saved: the start of the "app was closed" gap on the next start.
    saved_at: DateTime<Utc>,
    /// Rows per channel id, newest first.
    channels: BTreeMap<String, Vec<StreamEvent>>,
    /// The channels (id → login) watched at `saved_at`; absent in the oldest files: then
    /// every stored channel.
    #[serde(default)]
    watched: Option<BTreeMap<String, String>>,
}

/// The only format version `recent-events.json` ever had.
const LEGACY_VERSION: u32 = 1;

/// Just the format version of a `recent-events.json`, read before the rest.
#[derive(Deserialize)]
struct Versioned {
    /// [`Legacy`]'s version field, if the file has one.
    version: Option<u32>,
}

/// A channel whose window closed this shortly before a save still counts as watched then:
/// quitting the app closes its windows a moment before the exit's save.
const WATCHED_GRACE: Duration = Duration::from_secs(5);

/// How often retention deletes old rows.
const PRUNE_EVERY: chrono::TimeDelta = chrono::TimeDelta::days(1);

/// Room for changes kept between saves once a save emptied the list: a burst's larger list is
/// given back (no cache grows with the busiest moment of the evening).
const CHANGES_KEPT: usize = 64;

/// Days of events kept unless the settings say otherwise.
pub const DEFAULT_RETENTION_DAYS: u32 = 180;

/// Where a row goes in its channel's list.
enum Place {
    /// A row with its id is there already.
    Duplicate,
    /// Older than the N newest: stored, not shown.
    Beyond,
    /// At this index.
    At(usize),
}

/// The last N rows per channel, over the event store.
#[derive(Debug)]
pub struct RecentEvents {
    /// N: rows kept per channel.
    capacity: usize,
    /// Rows per channel id, newest first by event time.
    channels: BTreeMap<String, Vec<StreamEvent>>,
    /// The store written to (`None`: memory only, as in `tev replay` or when the store
    /// cannot be used).
    store: Option<EventStore>,
    /// Changes not yet written to the store (always empty without one): bounded by what
    /// arrives between two saves.
    changes: Vec<Change>,
    /// Channels shown now (`None`) or until a moment (`Some`), id → (login, until): what a
    /// save records as watched.
    watched: BTreeMap<String, (String, Option<DateTime<Utc>>)>,
    /// Rows older than this are deleted (`None`: kept for ever).
    retention: Option<chrono::TimeDelta>,
    /// When retention last ran (it runs once a day).
    pruned_at: Option<DateTime<Utc>>,
}

impl RecentEvents {
    /// Rows kept per channel by default.
    pub const DEFAULT_CAPACITY: usize = 10;
    /// The store's file name under the data directory.
    pub const FILE_NAME: &'static str = EventStore::FILE_NAME;
    /// The file of the format before the store, imported once.
    pub const LEGACY_FILE_NAME: &'static str = "recent-events.json";

    /// An empty, memory-only list keeping `capacity` rows per channel (at least 1).
    pub fn new(capacity: usize) -> Self {
        RecentEvents {
            capacity: capacity.max(1),
            channels: BTreeMap::new(),
            store: None,
            changes: Vec::new(),
            watched: BTreeMap::new(),
            retention: Some(chrono::TimeDelta::days(DEFAULT_RETENTION_DAYS.into())),
            pruned_at: None,
        }
    }

    /// Opens the store under `data_dir` (creating it), sets a damaged database aside and starts
    /// a new one, imports a `recent-events.json` of the older format, reads each channel's N
    /// newest rows, and adds an "app was closed" gap row for `saved_at..now` to each channel
    /// watched at the last save. Never fails: a store that cannot be opened gives a memory-only
    /// list and a report saying so.
    pub fn load(data_dir: &Path, capacity: usize, now: DateTime<Utc>) -> (Self, LoadReport) {
        let path = data_dir.join(Self::FILE_NAME);
        let mut me = Self::new(capacity);
        let mut report = LoadReport { path: Some(path.clone()), ..LoadReport::default() };
        let mut stamp = Stamp::default();
        match open_and_read(data_dir, &path, capacity) {
            Ok((store, read, rows)) => {
                me.fill(rows);
                me.store = Some(store);
                stamp = read;
            }
            Err(e) if e.is_damaged_file() => {
                let problem = describe(&e);
                report.problem = Some(problem.clone());
                match set_aside_database(&path, now) {
                    Ok(aside) => {
                        tracing::warn!(file = %path.display(), moved_to = %aside.display(),
                            %problem, "event store set aside; starting a new one");
                        report.set_aside = Some(aside);
                        match open_and_read(data_dir, &path, capacity) {
                            Ok((store, _, _)) => me.store = Some(store),
                            Err(e) => {
                                tracing::warn!(file = %path.display(), error = %e,
                                    "a new event store cannot be made; keeping events in memory");
                                report.memory_only = true;
                            }
                        }
                    }
                    Err(e) => {
                        tracing::warn!(file = %path.display(), %problem, error = %e,
                            "event store cannot be set aside; keeping events in memory");
                        report.memory_only = true;
                    }
                }
            }
            Err(e) => {
                tracing::warn!(file = %path.display(), error = %e,
                    "event store cannot be opened; keeping events in memory only");
                report.problem = Some(describe(&e));
                report.memory_only = true;
            }
        }
        me.pruned_at = stamp.pruned_at;
        let mut watched = stamp.watched;
        let mut saved_at = stamp.saved_at;
        if let Some(legacy) = me.import_legacy(data_dir, now, &mut report)
            && saved_at.is_none()
        {
            saved_at = Some(legacy.0);
            watched = legacy.1;
        }
        if let Some(saved_at) = saved_at {
            for (channel, login) in watched {
                if let Some(gap) = gaps::app_closed(&channel, &login, saved_at, now) {
                    me.insert(gap);
                    report.gaps_added += 1;
                }
            }
        }
        (me, report)
    }

    /// Puts rows read from the store into the list, recording nothing.
    fn fill(&mut self, rows: Vec<StreamEvent>) {
        debug_assert!(self.store.is_none(), "rows read back are not written again");
        for row in rows {
            self.insert(row);
        }
    }

    /// Imports `recent-events.json` when there is one: its rows go to the list and the store
    /// (written at once, in one transaction), then it is renamed `….imported`. A file that is
    /// not of the older format is set aside. Returns the file's save time and watched channels.
    /// Without a store the rows are shown for this run and the file stays as it was.
    fn import_legacy(
        &mut self,
        data_dir: &Path,
        now: DateTime<Utc>,
        report: &mut LoadReport,
    ) -> Option<(DateTime<Utc>, BTreeMap<String, String>)> {
        let path = data_dir.join(Self::LEGACY_FILE_NAME);
        let bytes = match std::fs::read(&path) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return None,
            Err(e) => {
                tracing::warn!(file = %path.display(), error = %e,
                    "the older recent events file cannot be read; not imported");
                return None;
            }
        };
        // The version first: a newer app's file may differ in any other field.
        let parsed = match serde_json::from_slice::<Versioned>(&bytes) {
            Ok(Versioned { version: Some(v) }) if v != LEGACY_VERSION => {
                Err(format!("it was written by another version of the app (format version {v})"))
            }
            _ => {
                serde_json::from_slice::<Legacy>(&bytes).map_err(|e| format!("it is damaged ({e})"))
            }
        };
        let legacy = match parsed {
            Ok(legacy) => legacy,
            Err(problem) => {
                if self.store.is_some() {
                    match set_aside(&path, now) {
                        Ok(aside) => {
                            tracing::warn!(file = %path.display(), moved_to = %aside.display(),
                                %problem, "older recent events file set aside");
                            report.set_aside = Some(aside);
                            report.path = Some(path);
                            report.problem = Some(problem);
                        }
                        Err(e) => tracing::warn!(file = %path.display(), %problem, error = %e,
                            "older recent events file cannot be set aside"),
                    }
                }
                return None;
            }
        };
        let watched = legacy.watched.unwrap_or_else(|| {
            let login = |rows: &[StreamEvent]| rows.first().map(|r| r.channel_login.clone());
            legacy
                .channels
                .iter()
                .map(|(id, rows)| (id.clone(), login(rows).unwrap_or_default()))
                .collect()
        });
        for row in legacy.channels.into_values().flatten() {
            self.insert(row);
        }
        if let Some(store) = self.store.as_mut() {
            let stamp = Stamp {
                saved_at: Some(legacy.saved_at),
                watched: watched.clone(),
                pruned_at: self.pruned_at,
            };
            match store.write(&self.changes, &stamp, None) {
                Ok(_) => {
                    self.changes.clear();
                    let mut imported = path.as_os_str().to_owned();
                    imported.push(".imported");
                    let imported = PathBuf::from(imported);
                    match std::fs::rename(&path, &imported) {
                        Ok(()) => {
                            tracing::info!(file = %path.display(), "older recent events imported");
                            report.imported = Some(imported);
                        }
                        // Imported again at the next start: a row already stored is kept.
                        Err(e) => tracing::warn!(file = %path.display(), error = %e,
                            "older recent events imported but the file cannot be renamed"),
                    }
                }
                Err(e) => tracing::warn!(file = %path.display(), error = %e,
                    "older recent events cannot be imported now; shown for this run"),
            }
        }
        Some((legacy.saved_at, watched))
    }

    /// Rows older than `days` days are deleted from the store, once a day (0: kept for ever).
    pub fn set_retention_days(&mut self, days: u32) {
        self.retention = (days > 0).then(|| chrono::TimeDelta::days(days.into()));
    }

    /// Whether the list keeps nothing on disk (no store, or the store failed).
    pub fn is_memory_only(&self) -> bool {
        self.store.is_none()
    }

    /// Whether changes wait for the next [`RecentEvents::save`].
    pub fn has_unsaved(&self) -> bool {
        !self.changes.is_empty()
    }

    /// Records a change for the store (nothing without one).
    fn record(&mut self, change: impl FnOnce() -> Change) {
        if self.store.is_some() {
            self.changes.push(change());
        }
    }

    /// The channel is shown from now on: watched at every save until [`RecentEvents::unwatch`].
    pub fn watch(&mut self, channel_id: &str, login: &str) {
        self.watched.insert(channel_id.to_owned(), (login.to_owned(), None));
    }

    /// The channel is no longer shown (at `now`).
    pub fn unwatch(&mut self, channel_id: &str, now: DateTime<Utc>) {
        if let Some((_, until)) = self.watched.get_mut(channel_id) {
            *until = Some(now);
        }
        self.watched.retain(|_, (_, until)| until.is_none_or(|t| t + watched_grace() >= now));
    }

    /// Rows kept per channel.
    pub fn capacity(&self) -> usize {
        self.capacity
    }

    /// The rows of one channel, newest first (empty if none).
    pub fn channel(&self, channel_id: &str) -> &[StreamEvent] {
        self.channels.get(channel_id).map_or(&[], Vec::as_slice)
    }

    /// All channels with rows, by channel id.
    pub fn channels(&self) -> impl Iterator<Item = (&str, &[StreamEvent])> {
        self.channels.iter().map(|(k, v)| (k.as_str(), v.as_slice()))
    }

    /// Applies one feed update. Returns whether the list changed (the store may get a row the
    /// list does not show: an event older than its N newest).
    pub fn apply(&mut self, update: &FeedUpdate) -> bool {
        match update {
            FeedUpdate::Added(e) => self.insert_ref(e),
            FeedUpdate::Updated(e) => self.replace(e),
            FeedUpdate::Removed { channel_id, ids } => self.remove(channel_id, ids),
            FeedUpdate::State(_) => false,
        }
    }

    /// Inserts a row in event-time order (a later arrival goes first among equal times) and
    /// trims the channel to N; the row is stored either way. Returns whether the row is kept
    /// in the list; an id already present is ignored.
    pub fn insert(&mut self, event: StreamEvent) -> bool {
        match self.place(&event) {
            Place::At(at) => {
                self.record(|| Change::Insert(event.clone()));
                self.put(at, event)
            }
            Place::Beyond => {
                self.record(|| Change::Insert(event));
                false
            }
            Place::Duplicate => false,
        }
    }

    /// [`RecentEvents::insert`] of a borrowed row: copied only when it is kept or stored.
    fn insert_ref(&mut self, event: &StreamEvent) -> bool {
        match self.place(event) {
            Place::At(at) => {
                self.record(|| Change::Insert(event.clone()));
                self.put(at, event.clone())
            }
            Place::Beyond => {
                self.record(|| Change::Insert(event.clone()));
                false
            }
            Place::Duplicate => false,
        }
    }

    /// Where `event` goes in its channel's list. The channel's id is copied only for a new
    /// channel.
    fn place(&mut self, event: &StreamEvent) -> Place {
        if !self.channels.contains_key(&event.channel_id) {
            self.channels.insert(event.channel_id.clone(), Vec::new());
        }
        let Some(rows) = self.channels.get(&event.channel_id) else { return Place::Duplicate };
        if rows.iter().any(|r| r.id == event.id) {
            return Place::Duplicate;
        }
        let at = rows.partition_point(|r| r.occurred_at > event.occurred_at);
        if at < self.capacity { Place::At(at) } else { Place::Beyond }
    }

    fn put(&mut self, at: usize, event: StreamEvent) -> bool {
        let mut merged = Vec::new();
        {
            let Some(rows) = self.channels.get_mut(&event.channel_id) else { return false };
            rows.insert(at, event);
            // A gap row next to another becomes one row with it (`gaps::merge`), in the store
            // too: the merged row keeps the newer one's id, the older one goes.
            let mut i = at;
            if i > 0
                && let Some(m) = gaps::merge(&rows[i - 1], &rows[i])
            {
                merged.push((m.clone(), rows[i].id.clone()));
                rows[i - 1] = m;
                rows.remove(i);
                i -= 1;
            }
            if i + 1 < rows.len()
                && let Some(m) = gaps::merge(&rows[i], &rows[i + 1])
            {
                merged.push((m.clone(), rows[i + 1].id.clone()));
                rows[i] = m;
                rows.remove(i + 1);
            }
            // Rows past N leave the list only: the store keeps them.
            rows.truncate(self.capacity);
        }
        for (row, gone) in merged {
            let channel_id = row.channel_id.clone();
            self.record(|| Change::Upsert(row));
            self.record(|| Change::Delete { channel_id, ids: vec![gone] });
        }
        true
    }

    /// Replaces the row with the same id (a gift bomb that absorbed a gift), in the store
    /// whether or not the list shows it. Returns whether the list had it.
    pub fn replace(&mut self, event: &StreamEvent) -> bool {
        self.record(|| Change::Upsert(event.clone()));
        let Some(rows) = self.channels.get_mut(&event.channel_id) else { return false };
        let Some(i) = rows.iter().position(|r| r.id == event.id) else { return false };
        if rows[i].occurred_at == event.occurred_at {
            rows[i] = event.clone();
        } else {
            rows.remove(i);
            let at = rows.partition_point(|r| r.occurred_at > event.occurred_at);
            rows.insert(at, event.clone());
        }
        true
    }

    /// Removes rows by id, from the store too. Returns whether the list had any.
    pub fn remove(&mut self, channel_id: &str, ids: &[String]) -> bool {
        self.record(|| Change::Delete { channel_id: channel_id.to_owned(), ids: ids.to_vec() });
        let Some(rows) = self.channels.get_mut(channel_id) else { return false };
        let before = rows.len();
        rows.retain(|r| !ids.contains(&r.id));
        rows.len() != before
    }

    /// Writes every change since the last save to the store in one transaction, with `now` as
    /// the save time and the channels watched then, and deletes rows past the retention when a
    /// day has passed since it last ran. A no-op for a memory-only list. A store that cannot be
    /// written (a full disk, a read-only directory) is given up for this run: the list goes on
    /// in memory only and the error says so.
    pub fn save(&mut self, now: DateTime<Utc>) -> Result<(), RecentError> {
        let Some(store) = self.store.as_mut() else {
            self.changes.clear();
            return Ok(());
        };
        let watched = self
            .watched
            .iter()
            .filter(|(_, (_, until))| until.is_none_or(|t| t + watched_grace() >= now))
            .map(|(id, (login, _))| (id.clone(), login.clone()))
            .collect();
        let prune_before = self
            .retention
            .filter(|_| self.pruned_at.is_none_or(|t| now - t >= PRUNE_EVERY))
            .map(|keep| now - keep);
        let pruned_at = if prune_before.is_some() { Some(now) } else { self.pruned_at };
        let stamp = Stamp { saved_at: Some(now), watched, pruned_at };
        match store.write(&self.changes, &stamp, prune_before) {
            Ok(pruned) => {
                self.changes.clear();
                // A burst's worth of changes is not kept allocated until the next one.
                self.changes.shrink_to(CHANGES_KEPT);
                self.pruned_at = pruned_at;
                if pruned > 0 {
                    tracing::info!(rows = pruned, "events past the retention deleted");
                }
                Ok(())
            }
            Err(source) => {
                let path = store.path().to_owned();
                tracing::warn!(file = %path.display(), error = %source,
                    "the event store cannot be written; keeping events in memory only");
                self.store = None;
                self.changes = Vec::new();
                Err(RecentError::Store { path, source })
            }
        }
    }
}

/// Opens the store at `path` (creating `data_dir`) and reads what a start needs: the stamp of
/// the last save and each channel's `capacity` newest rows. Any failure here is the store's.
fn open_and_read(
    data_dir: &Path,
    path: &Path,
    capacity: usize,
) -> Result<(EventStore, Stamp, Vec<StreamEvent>), StoreError> {
    if let Err(source) = std::fs::create_dir_all(data_dir) {
        return Err(StoreError::Io { path: data_dir.to_owned(), source });
    }
    let store = EventStore::open(path)?;
    let stamp = store.last_stop()?;
    let mut rows = Vec::new();
    for channel in store.channel_ids()? {
        rows.extend(store.newest(&channel, capacity)?);
    }
    Ok((store, stamp, rows))
}

/// The problem in words for the notice.
fn describe(e: &StoreError) -> String {
    match e {
        StoreError::NewerSchema { .. } => e.to_string(),
        _ if e.is_damaged_file() => format!("it is damaged ({e})"),
        _ => e.to_string(),
    }
}

/// Sets a damaged database aside with its `-wal` and `-shm` files (they belong to it), under
/// the same new name plus their suffix, so the set-aside copy still opens as it was.
fn set_aside_database(path: &Path, now: DateTime<Utc>) -> std::io::Result<PathBuf> {
    let aside = set_aside(path, now)?;
    for suffix in ["-wal", "-shm"] {
        let mut from = path.as_os_str().to_owned();
        from.push(suffix);
        let mut to = aside.as_os_str().to_owned();
        to.push(suffix);
        match std::fs::rename(&from, &to) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(e),
            _ => {}
        }
    }
    Ok(aside)
}

/// [`WATCHED_GRACE`] for `chrono` arithmetic.
fn watched_grace() -> chrono::Duration {
    chrono::Duration::from_std(WATCHED_GRACE).unwrap_or_default()
}

/// Renames a bad file to `<name>.corrupt-<timestamp>` next to it and returns the new path.
fn set_aside(path: &Path, now: DateTime<Utc>) -> std::io::Result<PathBuf> {
    let stamp = now.format("%Y%m%dT%H%M%S%.3fZ");
    let mut aside = path.as_os_str().to_owned();
    aside.push(format!(".corrupt-{stamp}"));
    let aside = PathBuf::from(aside);
    std::fs::rename(path, &aside)?;
    Ok(aside)
}
