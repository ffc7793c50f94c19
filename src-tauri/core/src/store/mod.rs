//! `EventStore`: every event the app keeps, in one SQLite database in the data directory
//! ([`EventStore::FILE_NAME`]); the durable record behind the panels' ten rows
//! ([`crate::recent::RecentEvents`]) and what a history reads.
//!
//! - One connection writes (the app's [`crate::live::LiveFeed`] owns it), in WAL mode so readers
//!   in other connections never wait for it; `synchronous = FULL`, so a committed flush
//!   survives a crash of the process and of the machine.
//! - Writes come in batches: [`EventStore::write`] applies every change since the last flush in
//!   one transaction, never one per event (the app flushes every two seconds while rows
//!   change, stamps once a minute and flushes at exit).
//! - The schema has a version (`PRAGMA user_version`) and ordered migrations
//!   ([`schema::MIGRATIONS`]); a database of a newer version is refused
//!   ([`StoreError::NewerSchema`]), so this version never writes rows it cannot read back.
//! - A row is stored as its JSON (the `StreamEvent` the panel shows) plus indexed columns a
//!   history needs: channel, event time, kind, arrival order; and an FTS5 index over its
//!   summary, actor and message, kept by triggers.

mod schema;

use crate::feed::StreamEvent;
use chrono::{DateTime, Utc};
use rusqlite::{Connection, OpenFlags, OptionalExtension, params};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Why the event store could not be opened, read or written.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// SQLite refused (a damaged file, a full disk, a read-only directory, …).
    #[error("{0}")]
    Sqlite(#[from] rusqlite::Error),
    /// A row could not be turned into JSON or read back from it.
    #[error("a stored row could not be encoded or decoded: {0}")]
    Json(#[from] serde_json::Error),
    /// The data directory could not be made.
    #[error("{path}: {source}")]
    Io {
        /// The directory.
        path: PathBuf,
        /// What went wrong.
        #[source]
        source: std::io::Error,
    },
    /// The database was written by a newer version of the app.
    #[error("it was written by a newer version of the app (schema version {found})")]
    NewerSchema {
        /// The database's `user_version`.
        found: u32,
    },
}

impl StoreError {
    /// Whether the file itself is unusable as our database (damaged, not a database, of a
    /// newer schema): it should be set aside and a new one started. Anything else (no
    /// permission, a read-only directory, a full disk) says nothing about the file.
    pub fn is_damaged_file(&self) -> bool {
        use rusqlite::ErrorCode::{DatabaseCorrupt, NotADatabase};
        match self {
            StoreError::NewerSchema { .. } => true,
            StoreError::Sqlite(e) => {
                matches!(e.sqlite_error_code(), Some(DatabaseCorrupt | NotADatabase))
            }
            StoreError::Json(_) | StoreError::Io { .. } => false,
        }
    }
}

/// One change to the stored rows, collected between flushes.
#[derive(Debug, Clone, PartialEq)]
pub enum Change {
    /// A new row; a row with the same channel and id already stored is kept as it was.
    Insert(StreamEvent),
    /// A row that replaces the stored one with its channel and id (or is added).
    Upsert(StreamEvent),
    /// Rows removed by the feed.
    Delete {
        /// Broadcaster id.
        channel_id: String,
        /// Event ids.
        ids: Vec<String>,
    },
}

/// What [`EventStore::last_stop`] recorded at the last flush.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Stamp {
    /// When the app last flushed: the start of the "app was closed" gap on the next start.
    pub saved_at: Option<DateTime<Utc>>,
    /// The channels (id → login) watched then.
    pub watched: BTreeMap<String, String>,
    /// When old rows were last deleted (retention runs once a day).
    pub pruned_at: Option<DateTime<Utc>>,
}

/// How long a writer waits for another connection's lock before giving up.
const BUSY_WAIT: Duration = Duration::from_secs(5);

/// The event database, open for writing.
#[derive(Debug)]
pub struct EventStore {
    /// The one writing connection.
    conn: Connection,
    /// The database file (for messages).
    path: PathBuf,
}

impl EventStore {
    /// The database's file name under the data directory.
    pub const FILE_NAME: &'static str = "events.sqlite3";

    /// Opens (or creates) the database at `path`, in WAL mode, migrated to this version's
    /// schema. Reads the file's header, so a file that is not a database fails here.
    pub fn open(path: &Path) -> Result<Self, StoreError> {
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_CREATE
            | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let mut conn = Connection::open_with_flags(path, flags)?;
        conn.busy_timeout(BUSY_WAIT)?;
        // The version before anything else: a newer app's database is left exactly as it was
        // (switching it to WAL would already write to it).
        schema::refuse_newer(&conn)?;
        let mode: String = conn.query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))?;
        if !mode.eq_ignore_ascii_case("wal") {
            tracing::warn!(file = %path.display(), %mode, "the event store is not in WAL mode");
        }
        conn.pragma_update(None, "synchronous", "FULL")?;
        schema::migrate(&mut conn)?;
        Ok(EventStore { conn, path: path.to_owned() })
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The schema version of the open database.
    pub fn schema_version(&self) -> Result<u32, StoreError> {
        Ok(self.conn.query_row("PRAGMA user_version", [], |r| r.get(0))?)
    }

    /// Applies `changes` in order and records `stamp`, and deletes rows older than `prune_before`
    /// when given — all in one transaction: after a crash the database holds every flush
    /// before it whole and nothing of the one it interrupted. Returns the rows deleted by
    /// retention.
    pub fn write(
        &mut self,
        changes: &[Change],
        stamp: &Stamp,
        prune_before: Option<DateTime<Utc>>,
    ) -> Result<usize, StoreError> {
        let tx = self.conn.transaction()?;
        {
            let mut insert = tx.prepare_cached(
                "INSERT INTO events (channel_id, id, occurred_at, kind, row) \
                 VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (channel_id, id) DO NOTHING",
            )?;
            let mut upsert = tx.prepare_cached(
                "INSERT INTO events (channel_id, id, occurred_at, kind, row) \
                 VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (channel_id, id) DO UPDATE SET \
                 occurred_at = excluded.occurred_at, kind = excluded.kind, row = excluded.row",
            )?;
            let mut delete =
                tx.prepare_cached("DELETE FROM events WHERE channel_id = ?1 AND id = ?2")?;
            for change in changes {
                match change {
                    Change::Insert(e) | Change::Upsert(e) => {
                        let row = serde_json::to_string(e)?;
                        let kind = e.kind.as_str();
                        let at = e.occurred_at.timestamp_millis();
                        let statement = if matches!(change, Change::Insert(_)) {
                            &mut insert
                        } else {
                            &mut upsert
                        };
                        statement.execute(params![e.channel_id, e.id, at, kind, row])?;
                    }
                    Change::Delete { channel_id, ids } => {
                        for id in ids {
                            delete.execute(params![channel_id, id])?;
                        }
                    }
                }
            }
        }
        let pruned = match prune_before {
            Some(before) => tx.execute(
                "DELETE FROM events WHERE occurred_at < ?1",
                params![before.timestamp_millis()],
            )?,
            None => 0,
        };
        let mut meta = tx.prepare_cached(
            "INSERT INTO meta (key, value) VALUES (?1, ?2) \
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        )?;
        if let Some(at) = stamp.saved_at {
            meta.execute(params!["saved_at", at.to_rfc3339()])?;
        }
        meta.execute(params!["watched", serde_json::to_string(&stamp.watched)?])?;
        if let Some(at) = stamp.pruned_at {
            meta.execute(params!["pruned_at", at.to_rfc3339()])?;
        }
        drop(meta);
        tx.commit()?;
        Ok(pruned)
    }

    /// What the last flush recorded (nothing for a new database).
    pub fn last_stop(&self) -> Result<Stamp, StoreError> {
        let get = |key: &str| -> Result<Option<String>, StoreError> {
            Ok(self
                .conn
                .query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0))
                .optional()?)
        };
        let time = |v: Option<String>| {
            v.and_then(|v| DateTime::parse_from_rfc3339(&v).ok()).map(|t| t.with_timezone(&Utc))
        };
        let watched = match get("watched")? {
            Some(json) => serde_json::from_str(&json)?,
            None => BTreeMap::new(),
        };
        Ok(Stamp { saved_at: time(get("saved_at")?), watched, pruned_at: time(get("pruned_at")?) })
    }

    /// Every channel with stored rows, by id.
    pub fn channel_ids(&self) -> Result<Vec<String>, StoreError> {
        let mut q = self.conn.prepare_cached("SELECT channel_id FROM channels ORDER BY 1")?;
        let ids = q.query_map([], |r| r.get(0))?.collect::<Result<_, _>>()?;
        Ok(ids)
    }

    /// The newest `n` rows of a channel by event time (the later arrival first among equal
    /// times), newest first: a panel's rows.
    pub fn newest(&self, channel_id: &str, n: usize) -> Result<Vec<StreamEvent>, StoreError> {
        let mut q = self.conn.prepare_cached(
            "SELECT row FROM events WHERE channel_id = ?1 \
             ORDER BY occurred_at DESC, seq DESC LIMIT ?2",
        )?;
        let limit = i64::try_from(n).unwrap_or(i64::MAX);
        let rows = q.query_map(params![channel_id, limit], |r| r.get::<_, String>(0))?;
        let mut out = Vec::new();
        for json in rows {
            out.push(serde_json::from_str(&json?)?);
        }
        Ok(out)
    }

    /// Whether a row with this channel and id is stored.
    pub fn contains(&self, channel_id: &str, id: &str) -> Result<bool, StoreError> {
        let mut q =
            self.conn.prepare_cached("SELECT 1 FROM events WHERE channel_id = ?1 AND id = ?2")?;
        Ok(q.exists(params![channel_id, id])?)
    }

    /// How many rows are stored (of one channel, or of all).
    pub fn count(&self, channel_id: Option<&str>) -> Result<u64, StoreError> {
        let n: i64 = match channel_id {
            Some(c) => self.conn.query_row(
                "SELECT count(*) FROM events WHERE channel_id = ?1",
                [c],
                |r| r.get(0),
            )?,
            None => self.conn.query_row("SELECT count(*) FROM events", [], |r| r.get(0))?,
        };
        Ok(u64::try_from(n).unwrap_or(0))
    }

    /// The ids of the rows whose summary, actor or message match an FTS5 query, newest first
    /// (at most `limit`).
    pub fn search_ids(&self, query: &str, limit: usize) -> Result<Vec<String>, StoreError> {
        let mut q = self.conn.prepare_cached(
            "SELECT e.id FROM events_fts f JOIN events e ON e.seq = f.rowid \
             WHERE events_fts MATCH ?1 ORDER BY e.occurred_at DESC LIMIT ?2",
        )?;
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let ids = q.query_map(params![query, limit], |r| r.get(0))?.collect::<Result<_, _>>()?;
        Ok(ids)
    }
}
