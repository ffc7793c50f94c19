//! `RecentEvents`: the last N events per channel, newest first by event time, on disk.
//!
//! - N defaults to 10 ([`RecentEvents::DEFAULT_CAPACITY`]); a `gap` row counts as one of N.
//! - Order is by [`StreamEvent::occurred_at`], newest first, not by arrival (docs/twitch.md §1.7:
//!   no ordering guarantee). An event older than every kept row of a full list is not kept.
//! - Persisted as one JSON file, [`RecentEvents::FILE_NAME`], in the data directory the app
//!   passes (its `directories` data dir). Writes are atomic: a temp file in the same directory,
//!   flushed, then renamed over the old file.
//! - A file that cannot be read as ours (truncated, not JSON, a newer format version) is
//!   reported ([`LoadReport::set_aside`]) and renamed to `recent-events.json.corrupt-<UTC
//!   timestamp>` — never deleted — and the list starts empty.
//! - A file that cannot be read at all (no permission, a directory in its place) or cannot be
//!   set aside never stops the start either: the list starts empty and is kept in memory only
//!   for this run ([`LoadReport::memory_only`]), so the file stays exactly as it was. The app
//!   shows [`LoadReport::notice`] on its home window (docs/ARCHITECTURE.md, "Damaged files").
//! - On load, the channels that were watched when the app stopped listening get a `gap` row
//!   for the time nobody was listening: from the last save ([`RecentEvents::save`] — the app
//!   saves on exit and stamps the file at least once a minute while it listens) to now. A
//!   channel not watched then gets none, so a channel opened once keeps its events however
//!   often the app starts; two gap rows next to each other become one (`feed::gaps`).

use crate::feed::{FeedUpdate, StreamEvent, gaps};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Why the recent events could not be stored or read.
#[derive(Debug, thiserror::Error)]
pub enum RecentError {
    /// A file operation failed.
    #[error("recent events file {path}: {source}")]
    Io {
        /// The file or directory concerned.
        path: PathBuf,
        /// What went wrong.
        #[source]
        source: std::io::Error,
    },
    /// The events could not be turned into JSON (not expected to happen).
    #[error("recent events could not be encoded: {0}")]
    Encode(#[from] serde_json::Error),
}

/// What [`RecentEvents::load`] found.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct LoadReport {
    /// The file was unreadable as recent events and was moved here (show this to the user).
    pub set_aside: Option<PathBuf>,
    /// Why it was set aside.
    pub problem: Option<String>,
    /// Channels that got an "app was closed" gap row.
    pub gaps_added: usize,
    /// The file could not be read or set aside: this run keeps its events in memory only and
    /// never writes over the file, which stays as it was for the user to look at.
    pub memory_only: bool,
    /// The file concerned (shown with the notice).
    pub path: Option<PathBuf>,
}

impl LoadReport {
    /// What to tell the user when the stored events could not be used, in one sentence or
    /// two; `None` when they loaded (or there were none yet).
    pub fn notice(&self) -> Option<String> {
        let problem = self.problem.as_deref()?;
        let file = self.path.as_ref().map(|p| p.display().to_string()).unwrap_or_default();
        Some(match &self.set_aside {
            Some(aside) => format!(
                "Your stored events could not be used: {problem}. The file was moved to {} \
                 and the app started with an empty list.",
                aside.display()
            ),
            None => format!(
                "Your stored events at {file} could not be read ({problem}). The app started \
                 with an empty list, kept in memory only until it is closed, and left the file \
                 untouched."
            ),
        })
    }
}

/// The on-disk shape.
#[derive(Serialize, Deserialize)]
struct Stored {
    /// Format version, for future migrations.
    version: u32,
    /// When the app last saved: the start of the "app was closed" gap on the next start.
    saved_at: DateTime<Utc>,
    /// Rows per channel id, newest first.
    channels: BTreeMap<String, Vec<StreamEvent>>,
    /// The channels (id → login) watched at `saved_at`: only they get an "app was closed" gap
    /// row on the next start. Absent in files of older versions: then every stored channel.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    watched: Option<BTreeMap<String, String>>,
}

const FORMAT_VERSION: u32 = 1;

/// Just the format version of a stored file, read before the rest.
#[derive(Deserialize)]
struct Versioned {
    /// [`Stored::version`], if the file has one.
    version: Option<u32>,
}

/// A channel whose window closed this shortly before a save still counts as watched then:
/// quitting the app closes its windows a moment before the exit's save.
const WATCHED_GRACE: Duration = Duration::from_secs(5);

/// The last N rows per channel.
#[derive(Debug, Clone)]
pub struct RecentEvents {
    /// N: rows kept per channel.
    capacity: usize,
    /// Rows per channel id, newest first by event time.
    channels: BTreeMap<String, Vec<StreamEvent>>,
    /// The file to persist to (`None`: memory only, as in `tev replay`).
    path: Option<PathBuf>,
    /// Channels shown now (`None`) or until a moment (`Some`), id → (login, until): what a
    /// save records as watched.
    watched: BTreeMap<String, (String, Option<DateTime<Utc>>)>,
}

impl RecentEvents {
    /// Rows kept per channel by default.
    pub const DEFAULT_CAPACITY: usize = 10;
    /// The file name under the data directory.
    pub const FILE_NAME: &'static str = "recent-events.json";

    /// An empty, memory-only list keeping `capacity` rows per channel (at least 1).
    pub fn new(capacity: usize) -> Self {
        RecentEvents {
            capacity: capacity.max(1),
            channels: BTreeMap::new(),
            path: None,
            watched: BTreeMap::new(),
        }
    }

    /// Loads the list stored under `data_dir` (creating nothing yet), sets a corrupt file
    /// aside, and adds an "app was closed" gap row for `saved_at..now` to each channel watched
    /// at `saved_at` (every stored channel, for a file that does not say). Never fails: a file
    /// that cannot be read or set aside gives an empty, memory-only list and a report saying so.
    pub fn load(data_dir: &Path, capacity: usize, now: DateTime<Utc>) -> (Self, LoadReport) {
        let path = data_dir.join(Self::FILE_NAME);
        let mut me = Self::new(capacity);
        let mut report = LoadReport { path: Some(path.clone()), ..LoadReport::default() };
        let bytes = match std::fs::read(&path) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                me.path = Some(path);
                return (me, report);
            }
            Err(e) => {
                tracing::warn!(file = %path.display(), error = %e,
                    "recent events file cannot be read; keeping events in memory only");
                report.problem = Some(e.to_string());
                report.memory_only = true;
                return (me, report);
            }
        };
        // The version first: a newer app's file may differ in any other field.
        let problem = match serde_json::from_slice::<Versioned>(&bytes) {
            Ok(Versioned { version: Some(v) }) if v != FORMAT_VERSION => {
                Err(format!("it was written by another version of the app (format version {v})"))
            }
            _ => {
                serde_json::from_slice::<Stored>(&bytes).map_err(|e| format!("it is damaged ({e})"))
            }
        };
        let stored = match problem {
            Ok(stored) => stored,
            Err(problem) => {
                match set_aside(&path, now) {
                    Ok(aside) => {
                        tracing::warn!(file = %path.display(), moved_to = %aside.display(),
                            %problem, "recent events file set aside");
                        me.path = Some(path);
                        report.set_aside = Some(aside);
                    }
                    Err(e) => {
                        tracing::warn!(file = %path.display(), %problem, error = %e,
                            "recent events file cannot be set aside; keeping events in memory");
                        report.memory_only = true;
                    }
                }
                report.problem = Some(problem);
                return (me, report);
            }
        };
        me.path = Some(path);
        let watched = stored.watched.unwrap_or_else(|| {
            let login = |rows: &[StreamEvent]| rows.first().map(|r| r.channel_login.clone());
            stored
                .channels
                .iter()
                .map(|(id, rows)| (id.clone(), login(rows).unwrap_or_default()))
                .collect()
        });
        for rows in stored.channels.into_values() {
            for row in rows {
                me.insert(row);
            }
        }
        for (channel, login) in watched {
            if let Some(gap) = gaps::app_closed(&channel, &login, stored.saved_at, now) {
                me.insert(gap);
                report.gaps_added += 1;
            }
        }
        (me, report)
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

    /// Applies one feed update. Returns whether the list changed.
    pub fn apply(&mut self, update: &FeedUpdate) -> bool {
        match update {
            FeedUpdate::Added(e) => self.insert_ref(e),
            FeedUpdate::Updated(e) => self.replace(e),
            FeedUpdate::Removed { channel_id, ids } => self.remove(channel_id, ids),
            FeedUpdate::State(_) => false,
        }
    }

    /// Inserts a row in event-time order (a later arrival goes first among equal times) and
    /// trims the channel to N. Returns whether the row is kept; an id already present is
    /// ignored.
    pub fn insert(&mut self, event: StreamEvent) -> bool {
        match self.slot_for(&event) {
            Some(at) => self.put(at, event),
            None => false,
        }
    }

    /// [`RecentEvents::insert`] of a borrowed row: copied only when it is kept.
    fn insert_ref(&mut self, event: &StreamEvent) -> bool {
        match self.slot_for(event) {
            Some(at) => self.put(at, event.clone()),
            None => false,
        }
    }

    /// Where `event` goes in its channel's list, or `None` when it is not kept (already there,
    /// or older than the N newest). The channel's id is copied only for a new channel.
    fn slot_for(&mut self, event: &StreamEvent) -> Option<usize> {
        if !self.channels.contains_key(&event.channel_id) {
            self.channels.insert(event.channel_id.clone(), Vec::new());
        }
        let rows = self.channels.get(&event.channel_id)?;
        if rows.iter().any(|r| r.id == event.id) {
            return None;
        }
        let at = rows.partition_point(|r| r.occurred_at > event.occurred_at);
        (at < self.capacity).then_some(at)
    }

    fn put(&mut self, at: usize, event: StreamEvent) -> bool {
        let Some(rows) = self.channels.get_mut(&event.channel_id) else { return false };
        rows.insert(at, event);
        // A gap row next to another becomes one row with it (`gaps::merge`).
        let mut i = at;
        if i > 0
            && let Some(m) = gaps::merge(&rows[i - 1], &rows[i])
        {
            rows[i - 1] = m;
            rows.remove(i);
            i -= 1;
        }
        if i + 1 < rows.len()
            && let Some(m) = gaps::merge(&rows[i], &rows[i + 1])
        {
            rows[i] = m;
            rows.remove(i + 1);
        }
        rows.truncate(self.capacity);
        true
    }

    /// Replaces the row with the same id (a gift bomb that absorbed a gift). Returns whether
    /// it was there.
    pub fn replace(&mut self, event: &StreamEvent) -> bool {
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

    /// Removes rows by id. Returns whether any was there.
    pub fn remove(&mut self, channel_id: &str, ids: &[String]) -> bool {
        let Some(rows) = self.channels.get_mut(channel_id) else { return false };
        let before = rows.len();
        rows.retain(|r| !ids.contains(&r.id));
        rows.len() != before
    }

    /// Writes the list atomically (temp file + rename) with `now` as the save time, and the
    /// channels watched then. A no-op for a memory-only list.
    pub fn save(&self, now: DateTime<Utc>) -> Result<(), RecentError> {
        let Some(path) = &self.path else { return Ok(()) };
        let watched = self
            .watched
            .iter()
            .filter(|(_, (_, until))| until.is_none_or(|t| t + watched_grace() >= now))
            .map(|(id, (login, _))| (id.clone(), login.clone()))
            .collect();
        let stored = Stored {
            version: FORMAT_VERSION,
            saved_at: now,
            channels: self.channels.clone(),
            watched: Some(watched),
        };
        let bytes = serde_json::to_vec_pretty(&stored)?;
        write_atomically(path, &bytes)
    }
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

/// Temp file in the same directory (so the rename stays on one file system), written and
/// flushed to disk, then renamed over `path`: a crash leaves the old or the new file, never half.
fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), RecentError> {
    let io = |p: &Path| {
        let p = p.to_owned();
        move |source| RecentError::Io { path: p, source }
    };
    let dir = path.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).map_err(io(dir))?;
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let tmp = dir.join(format!(".{name}.tmp-{}", std::process::id()));
    let result = (|| {
        let mut f = std::fs::File::create(&tmp).map_err(io(&tmp))?;
        f.write_all(bytes).map_err(io(&tmp))?;
        f.sync_all().map_err(io(&tmp))?;
        drop(f);
        std::fs::rename(&tmp, path).map_err(io(path))
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}
