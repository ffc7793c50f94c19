//! What happened, in order, for `GET /_sim/log`: connections opened, welcomed, told to
//! reconnect, closed or dropped; subscriptions created, moved, disabled, revoked and deleted;
//! every Helix and OAuth request with its answer. A failing test reads it to see what the
//! simulator did around a moment. Notifications are not logged (they are counted), so a burst
//! costs nothing here.

use std::collections::VecDeque;

use chrono::Utc;
use serde_json::{Map, Value, json};

use super::{World, ts};

/// Entries kept; older ones are dropped first.
const CAPACITY: usize = 20_000;

/// The log itself.
#[derive(Debug)]
pub struct Log {
    /// The newest [`CAPACITY`] entries, oldest first.
    entries: VecDeque<Value>,
    /// Sequence number of the next entry (1 for the first), so a reader can ask for what is new.
    next_seq: u64,
    /// The simulator's start on tokio's clock: `t_ms` counts from it, so a test on a paused
    /// clock reads the same time its own timers see.
    started: tokio::time::Instant,
}

impl Default for Log {
    fn default() -> Self {
        Self { entries: VecDeque::new(), next_seq: 1, started: tokio::time::Instant::now() }
    }
}

impl Log {
    /// Appends an entry: `seq`, `at` (wall clock), `t_ms` (tokio's clock since the start),
    /// `kind`, `text` and the fields of `fields` (an object, or null).
    pub fn push(&mut self, kind: &str, text: String, fields: Value) {
        let mut entry = Map::new();
        entry.insert("seq".into(), json!(self.next_seq));
        entry.insert("at".into(), json!(ts(Utc::now())));
        entry.insert("t_ms".into(), json!(self.started.elapsed().as_millis() as u64));
        entry.insert("kind".into(), json!(kind));
        entry.insert("text".into(), json!(text));
        if let Value::Object(f) = fields {
            entry.extend(f);
        }
        self.next_seq += 1;
        if self.entries.len() == CAPACITY {
            self.entries.pop_front();
        }
        self.entries.push_back(Value::Object(entry));
    }

    /// Entries after sequence number `since`, of one kind or all.
    pub fn entries(&self, since: u64, kind: Option<&str>) -> Vec<Value> {
        self.entries
            .iter()
            .filter(|e| e["seq"].as_u64().is_some_and(|s| s > since))
            .filter(|e| kind.is_none_or(|k| e["kind"] == k))
            .cloned()
            .collect()
    }
}

impl World {
    /// Logs what happened to a connection or a subscription.
    pub fn note(&mut self, kind: &str, text: impl Into<String>) {
        self.log.push(kind, text.into(), Value::Null);
    }
}
