//! How much memory the feed keeps for a train of events (BENCHMARKS.md "Growth"): a raid or sub
//! train of distinct viewers fills the two-source link table up to its bound (`max_tracked`, 4,096
//! entries), and that table is part of what the app keeps all evening. Counted exactly with a
//! counting allocator (bytes live), so the figure does not depend on the machine.

#[path = "support/frames.rs"]
mod frames;

use frames::fixture;
use serde_json::{Value, json};
use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicIsize, Ordering};
use tev_core::eventsub::protocol::parse_frame;
use tev_core::feed::Feed;

/// Bytes allocated and not yet freed, by everything in this test binary.
static LIVE: AtomicIsize = AtomicIsize::new(0);

struct Counting;

// SAFETY: forwards to the system allocator unchanged; only counts.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, l: Layout) -> *mut u8 {
        LIVE.fetch_add(l.size() as isize, Ordering::Relaxed);
        unsafe { System.alloc(l) }
    }
    unsafe fn dealloc(&self, p: *mut u8, l: Layout) {
        LIVE.fetch_sub(l.size() as isize, Ordering::Relaxed);
        unsafe { System.dealloc(p, l) }
    }
    unsafe fn realloc(&self, p: *mut u8, l: Layout, new: usize) -> *mut u8 {
        LIVE.fetch_add(new as isize - l.size() as isize, Ordering::Relaxed);
        unsafe { System.realloc(p, l, new) }
    }
}

#[global_allocator]
static A: Counting = Counting;

/// Event `i` of a train: a sub, a resub, a raid or a gift (docs/twitch.md §6.1 chat notification
/// shapes), each from a viewer of its own, 100 ms apart.
fn train_frame(templates: &[Value], i: usize) -> String {
    let mut v = templates[i % templates.len()].clone();
    v["metadata"]["message_id"] = json!(format!("train-{i:08}"));
    let ms = i * 100;
    v["metadata"]["message_timestamp"] = json!(format!(
        "2026-11-27T20:{:02}:{:02}.{:03}000000Z",
        ms / 60_000,
        ms / 1000 % 60,
        ms % 1000
    ));
    let e = &mut v["payload"]["event"];
    e["chatter_user_id"] = json!(format!("{}", 900_000_000 + i));
    e["chatter_user_login"] = json!(format!("viewer{i}"));
    e["chatter_user_name"] = json!(format!("Viewer{i}"));
    if e["raid"].is_object() {
        e["raid"]["user_id"] = json!(format!("{}", 900_000_000 + i));
    }
    serde_json::to_string(&v).expect("encode")
}

#[test]
fn a_full_link_table_is_bounded_and_keeps_a_few_hundred_bytes_an_entry() {
    let templates: Vec<Value> = [
        "chat_notification_sub",
        "chat_notification_resub",
        "chat_notification_raid",
        "chat_notification_sub_gift",
    ]
    .into_iter()
    .map(fixture)
    .collect();
    // Three times the table's bound, within its two-minute window (100 ms apart: 13.6 min would
    // be needed to leave it by time), so the cap is what holds it.
    let frames: Vec<String> = (0..3 * 4096).map(|i| train_frame(&templates, i)).collect();
    let mut feed = Feed::default();
    let before = LIVE.load(Ordering::Relaxed);
    let mut rows = 0;
    let mut live_at = Vec::new();
    for chunk in frames.chunks(4096) {
        for f in chunk {
            rows += feed.push(&parse_frame(f).expect("frame")).len();
        }
        live_at.push(LIVE.load(Ordering::Relaxed) - before);
    }
    assert!(rows >= 3 * 4096, "every event made a row ({rows})");
    // Bounded: once full (its tables sized for the bound), more of the train replaces what is
    // kept instead of adding to it.
    let (full, after) = (live_at[1], live_at[2]);
    assert!(
        after <= full + full / 20,
        "the table grew past its bound: {live_at:?} bytes after each 4,096 events"
    );
    // Small: an entry is its key (channel, actor), shared by the table and its order, and one
    // slot, not a whole row. With a row kept inline in every entry and room for four, this was
    // 558 bytes an entry (2.3 MB for the full table); with the key copied into the order and
    // the row of every gift kept (chat gifts too, which nothing ever reads back), 185; now 87.
    let per_entry = full / 4096;
    assert!(per_entry < 120, "{per_entry} bytes kept per link entry ({live_at:?})");
    drop(frames);
}
