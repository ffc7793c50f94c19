//! The event store's schema: ordered migrations, the database's `PRAGMA user_version` saying
//! how many of them it has had. A migration is never edited once released: a change is a new
//! one appended to [`MIGRATIONS`].

use super::StoreError;
use rusqlite::Connection;

/// The statement that puts the row `new` into the full-text index (in two triggers).
macro_rules! index_new_row {
    () => {
        r#"
    INSERT INTO events_fts (rowid, summary, actor, message) VALUES (
        new.seq,
        json_extract(new.row, '$.summary'),
        coalesce(json_extract(new.row, '$.actor.display_name') || ' '
            || json_extract(new.row, '$.actor.login'), ''),
        coalesce(json_extract(new.row, '$.details.message'),
            json_extract(new.row, '$.details.text'), '')
    );
"#
    };
}

/// Version 1: the rows, their channels, the stamp of the last flush, the full-text index.
///
/// - `events.seq`: arrival order (a later arrival first among equal event times, as the panel
///   orders them) and the FTS5 rowid.
/// - `events.occurred_at`: milliseconds since the Unix epoch, UTC (`StreamEvent::occurred_at`).
/// - `events.kind`: the snake_case kind name, for a history's kind filter.
/// - `events.row`: the `StreamEvent` as JSON, exactly what the panel and the IPC get.
/// - `channels`: one row per channel with rows (kept by a trigger), so a start reads each
///   channel's ten rows without scanning every row.
/// - `events_fts`: contentless FTS5 over summary, actor (display name and login) and message
///   (`details.message` or `details.text`), kept by triggers; contentless-delete lets a row
///   leave the index by rowid.
const V1: &str = concat!(
    r#"
CREATE TABLE events (
    seq INTEGER PRIMARY KEY,
    channel_id TEXT NOT NULL,
    id TEXT NOT NULL,
    occurred_at INTEGER NOT NULL,
    kind TEXT NOT NULL,
    row TEXT NOT NULL,
    UNIQUE (channel_id, id)
);
CREATE INDEX events_by_channel_time ON events (channel_id, occurred_at DESC, seq DESC);
CREATE INDEX events_by_time ON events (occurred_at);
CREATE TABLE channels (
    channel_id TEXT PRIMARY KEY,
    login TEXT NOT NULL
) WITHOUT ROWID;
CREATE TABLE meta (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
) WITHOUT ROWID;
CREATE VIRTUAL TABLE events_fts USING fts5(
    summary, actor, message,
    content = '', contentless_delete = 1, tokenize = 'unicode61 remove_diacritics 2'
);
CREATE TRIGGER events_added AFTER INSERT ON events BEGIN
"#,
    index_new_row!(),
    r#"    INSERT INTO channels (channel_id, login)
        VALUES (new.channel_id, coalesce(json_extract(new.row, '$.channel_login'), ''))
        ON CONFLICT (channel_id) DO UPDATE SET login = excluded.login
        WHERE excluded.login <> '';
END;
CREATE TRIGGER events_changed AFTER UPDATE OF row ON events BEGIN
    DELETE FROM events_fts WHERE rowid = old.seq;
"#,
    index_new_row!(),
    r#"END;
CREATE TRIGGER events_removed AFTER DELETE ON events BEGIN
    DELETE FROM events_fts WHERE rowid = old.seq;
END;
"#
);

/// Every migration, in order; the database's `user_version` is how many it has had.
pub(super) const MIGRATIONS: &[&str] = &[V1];

/// Fails with [`StoreError::NewerSchema`] for a database of a newer version than this app knows
/// (reading the version also fails for a file that is not a database).
pub(super) fn refuse_newer(conn: &Connection) -> Result<u32, StoreError> {
    let found: u32 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    let known = u32::try_from(MIGRATIONS.len()).unwrap_or(u32::MAX);
    if found > known {
        return Err(StoreError::NewerSchema { found });
    }
    Ok(found)
}

/// Brings the database to the newest version, one migration per transaction. A database of a
/// newer version than this app knows is refused untouched.
pub(super) fn migrate(conn: &mut Connection) -> Result<(), StoreError> {
    let found = refuse_newer(conn)?;
    for (done, sql) in (found..).zip(MIGRATIONS.iter().skip(found as usize)) {
        let tx = conn.transaction()?;
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", done + 1)?;
        tx.commit()?;
    }
    Ok(())
}
