//! `tev replay`: recorded frames through exactly the app's parse → dedupe → normalise →
//! RecentEvents path (docs/ARCHITECTURE.md "From Twitch's socket to a painted row").
//!
//! Input: one EventSub text frame per line. Empty lines are skipped; a line that is not a valid
//! envelope is counted as rejected, never fatal. Replay starts from empty state and keeps
//! everything in memory: it never touches the user's stored events.

use crate::eventsub::dedupe::Dedupe;
use crate::eventsub::protocol::{MessageType, parse_frame};
use crate::feed::{Feed, FeedUpdate, StreamEvent};
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
}

impl Default for ReplayOptions {
    fn default() -> Self {
        ReplayOptions { all: false, last: RecentEvents::DEFAULT_CAPACITY }
    }
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

    let mut line = Vec::new();
    loop {
        line.clear();
        if input.read_until(b'\n', &mut line)? == 0 {
            break;
        }
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
            continue;
        }
        for update in feed.push(&frame) {
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
    Ok(ReplayOutput { events, counters })
}
