//! Fixture frames (tests/fixtures/frames, written from docs/twitch.md §6.1) as the feed tests
//! use them: read, given a fresh message id and timestamp, edited, and pushed through a
//! [`Feed`]. Included with `#[path = "support/frames.rs"] mod frames;` by the tests that need
//! only frames (the rest of `support` starts the simulator).
#![allow(dead_code)]

use serde_json::{Value, json};
use std::path::PathBuf;
use tev_core::eventsub::protocol::parse_frame;
use tev_core::feed::{Feed, FeedUpdate, StreamEvent};

/// The fixture frame `name` as it is on disk.
pub fn fixture(name: &str) -> Value {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join(format!("tests/fixtures/frames/{name}.json"));
    serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap()
}

/// The fixture with a fresh message id and the given message timestamp (seconds after 20:00).
pub fn at(name: &str, id: &str, sec: u32) -> Value {
    let mut v = fixture(name);
    v["metadata"]["message_id"] = json!(id);
    v["metadata"]["message_timestamp"] = json!(ts(sec));
    v
}

/// 2026-11-27, `sec` seconds after 20:00, as Twitch writes a timestamp.
pub fn ts(sec: u32) -> String {
    format!("2026-11-27T{:02}:{:02}:{:02}.000000000Z", 20 + sec / 3600, sec / 60 % 60, sec % 60)
}

/// Pushes one frame through the feed.
pub fn push(feed: &mut Feed, v: &Value) -> Vec<FeedUpdate> {
    let f = parse_frame(&v.to_string()).unwrap();
    feed.push(&f)
}

/// The rows an update list adds.
pub fn added(ups: &[FeedUpdate]) -> Vec<&StreamEvent> {
    ups.iter()
        .filter_map(|u| match u {
            FeedUpdate::Added(e) => Some(e),
            _ => None,
        })
        .collect()
}

/// The rows a frame adds.
pub fn rows(feed: &mut Feed, v: &Value) -> Vec<StreamEvent> {
    added(&push(feed, v)).into_iter().cloned().collect()
}

/// The one row a frame adds (fails the test otherwise).
pub fn one(feed: &mut Feed, v: &Value) -> StreamEvent {
    let ups = push(feed, v);
    let a = added(&ups);
    assert_eq!(a.len(), 1, "expected one row, got {ups:?}");
    a[0].clone()
}
