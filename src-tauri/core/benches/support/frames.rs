//! Frame corpora for the feed benchmarks, built from the fixture frames (docs/twitch.md §6.1).

// Each bench uses part of this module.
#![allow(dead_code)]

use serde_json::{Value, json};
use std::path::PathBuf;

fn fixture(name: &str) -> Value {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join(format!("tests/fixtures/frames/{name}.json"));
    serde_json::from_str(&std::fs::read_to_string(p).expect("fixture")).expect("fixture json")
}

fn all_notifications() -> Vec<Value> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/frames");
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .expect("fixtures dir")
        .map(|e| e.expect("entry").path().file_stem().expect("stem").to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
        .into_iter()
        .map(|n| fixture(&n))
        .filter(|v| v["metadata"]["message_type"] == "notification")
        .collect()
}

/// `2026-11-27T20:00:00.000000000Z` + `i` × 10 ms, with 9 fractional digits.
fn ts(i: usize) -> String {
    let ms = i * 10;
    let (s, ms) = (ms / 1000, ms % 1000);
    format!("2026-11-27T{:02}:{:02}:{:02}.{:03}123456Z", 20 + s / 3600, s / 60 % 60, s % 60, ms)
}

fn stamp(mut v: Value, i: usize) -> String {
    v["metadata"]["message_id"] = json!(format!("bench-{i:08}"));
    v["metadata"]["message_timestamp"] = json!(ts(i));
    serde_json::to_string(&v).expect("encode")
}

/// `n` notification frames cycling through every notification fixture (all event types, every
/// notice type), unique message ids, 10 ms apart.
pub fn mixed(n: usize) -> Vec<String> {
    mixed_from(0, n)
}

/// Frames `start..start + n` of the endless [`mixed`] sequence.
pub fn mixed_from(start: usize, n: usize) -> Vec<String> {
    let all = all_notifications();
    (start..start + n).map(|i| stamp(all[i % all.len()].clone(), i)).collect()
}

/// `n` `channel.chat.message` frames, 1 % of them cheers
/// (BENCHMARKS.md "The feed pipeline benchmark": the chat firehose).
pub fn chat_firehose(n: usize) -> Vec<String> {
    let plain = fixture("chat_message");
    let cheer = fixture("chat_message_cheer");
    (0..n)
        .map(|i| {
            let mut v = if i % 100 == 99 { cheer.clone() } else { plain.clone() };
            // Different chatters, so cheers are distinct happenings.
            v["payload"]["event"]["chatter_user_id"] = json!(format!("{}", 1000 + i % 5000));
            stamp(v, i)
        })
        .collect()
}
