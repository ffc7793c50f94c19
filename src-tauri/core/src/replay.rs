//! `tev replay`: recorded frames through exactly the app's parse → dedupe → normalise →
//! RecentEvents path (docs/ARCHITECTURE.md "From Twitch's socket to a painted row").
//!
//! Input: one EventSub text frame per line. Empty lines are skipped; a line that is not a valid
//! envelope is counted as rejected, never fatal. Replay starts from empty state and keeps
//! everything in memory: it never touches the user's stored events.
//!
//! With `explain`, it also says for every non-empty input line what became of it (a row, a
//! change to a row, a state update, merged, ignored and why, a duplicate, rejected and why), so
//! a user filing a bug can say why an event did not show.

use crate::eventsub::dedupe::Dedupe;
use crate::eventsub::protocol::{MessageType, parse_frame};
use crate::feed::{Fate, Feed, FeedUpdate, StreamEvent};
use crate::recent::RecentEvents;
use std::collections::HashMap;
use std::fmt;
use std::io::BufRead;

/// Why a replay could not run (only reading the input can fail).
#[derive(Debug, thiserror::Error)]
pub enum ReplayError {
    /// Reading the frames failed.
    #[error("could not read the frames: {0}")]
    Read(#[from] std::io::Error),
}

/// What to print.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReplayOptions {
    /// Every shown event in arrival (file) order instead of the recent list per channel.
    pub all: bool,
    /// Rows kept per channel (N of `RecentEvents`).
    pub last: usize,
    /// Say for every input line what became of it ([`ReplayOutput::explained`]).
    pub explain: bool,
}

impl Default for ReplayOptions {
    fn default() -> Self {
        ReplayOptions { all: false, last: RecentEvents::DEFAULT_CAPACITY, explain: false }
    }
}

/// What became of one input line (`tev replay --explain`).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Explained {
    /// The line number in the input, from 1 (empty lines count, and are not explained).
    pub line: usize,
    /// The frame's `metadata.message_id`, when the line was an envelope.
    pub message_id: Option<String>,
    /// The frame's `metadata.message_type` (`notification`, `session_welcome`, …).
    pub message_type: Option<String>,
    /// Its `subscription_type`, for notifications and revocations.
    pub subscription_type: Option<String>,
    /// What the feed made of it; `None` for a rejected line or a duplicate, which never
    /// reached the feed.
    #[serde(flatten)]
    pub fate: Option<Fate>,
    /// The same in words: `row cheer on 1337 by cool_user`, `no row: a whisper: …`.
    pub what: String,
}

/// The counters printed on stderr.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counters {
    /// Non-empty lines.
    pub frames: u64,
    /// Notification frames, before dedupe.
    pub notifications: u64,
    /// Notification frames dropped as repeats of an earlier `message_id`.
    pub duplicates: u64,
    /// Non-empty lines that are not a valid envelope.
    pub rejected: u64,
}

impl fmt::Display for Counters {
    /// `frames=N notifications=N duplicates=N rejected=N`
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "frames={} notifications={} duplicates={} rejected={}",
            self.frames, self.notifications, self.duplicates, self.rejected
        )
    }
}

/// The result of a replay.
#[derive(Debug, Clone, PartialEq)]
pub struct ReplayOutput {
    /// The events to print, in print order: per channel (by channel id) newest first, or with
    /// `all` every shown event in arrival order (rows later folded into a gift bomb are gone,
    /// updated rows are in their final form).
    pub events: Vec<StreamEvent>,
    /// The counters.
    pub counters: Counters,
    /// With `explain`: every non-empty input line and what became of it, in input order.
    pub explained: Vec<Explained>,
}

/// Runs the frames of `input` through the app's pipeline.
pub fn replay<R: BufRead>(
    mut input: R,
    options: ReplayOptions,
) -> Result<ReplayOutput, ReplayError> {
    let mut counters = Counters::default();
    let mut dedupe = Dedupe::new();
    let mut feed = Feed::default();
    let mut recent = RecentEvents::new(options.last);
    // For `all`: every row shown, in arrival order, with its index by id for updates.
    let mut shown: Vec<Option<StreamEvent>> = Vec::new();
    let mut index: HashMap<String, usize> = HashMap::new();

    let mut explained = Vec::new();
    let mut explain = |line_no: usize,
                       frame: Option<&crate::eventsub::protocol::Frame>,
                       fate: Option<Fate>,
                       what: String| {
        if options.explain {
            let meta = frame.map(|f| &f.metadata);
            explained.push(Explained {
                line: line_no,
                message_id: meta.map(|m| m.message_id.clone()),
                message_type: frame.map(|f| f.message_type().as_str().to_owned()),
                subscription_type: meta.and_then(|m| m.subscription_type.clone()),
                fate,
                what,
            });
        }
    };
    let mut line = Vec::new();
    let mut line_no = 0;
    loop {
        line.clear();
        if input.read_until(b'\n', &mut line)? == 0 {
            break;
        }
        line_no += 1;
        // Lines are text frames; invalid UTF-8 is simply not a valid envelope.
        let text = String::from_utf8_lossy(&line);
        let text = text.trim();
        if text.is_empty() {
            continue;
        }
        counters.frames += 1;
        let frame = match parse_frame(text) {
            Ok(f) => f,
            Err(e) => {
                tracing::debug!(line = counters.frames, error = %e, "rejected frame");
                counters.rejected += 1;
                explain(line_no, None, None, format!("rejected: {e}"));
                continue;
            }
        };
        let is_notification = frame.message_type() == MessageType::Notification;
        if is_notification {
            counters.notifications += 1;
        }
        if !dedupe.first_time(frame.message_id()) {
            if is_notification {
                counters.duplicates += 1;
            }
            let what = "duplicate: a repeat of an earlier message_id, dropped".to_owned();
            explain(line_no, Some(&frame), None, what);
            continue;
        }
        let (updates, fate) = feed.push_explained(&frame);
        let what = fate.to_string();
        explain(line_no, Some(&frame), Some(fate), what);
        for update in updates {
            recent.apply(&update);
            if options.all {
                match update {
                    FeedUpdate::Added(e) => {
                        if !index.contains_key(&e.id) {
                            index.insert(e.id.clone(), shown.len());
                            shown.push(Some(e));
                        }
                    }
                    FeedUpdate::Updated(e) => {
                        if let Some(slot) = index.get(&e.id).and_then(|i| shown.get_mut(*i)) {
                            *slot = Some(e);
                        }
                    }
                    FeedUpdate::Removed { ids, .. } => {
                        for id in ids {
                            if let Some(slot) = index.get(&id).and_then(|i| shown.get_mut(*i)) {
                                *slot = None;
                            }
                        }
                    }
                    FeedUpdate::State(_) => {}
                }
            }
        }
    }

    let events = if options.all {
        shown.into_iter().flatten().collect()
    } else {
        recent.channels().flat_map(|(_, rows)| rows.iter().cloned()).collect()
    };
    Ok(ReplayOutput { events, counters, explained })
}
