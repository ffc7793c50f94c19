//! `tev replay` end to end: the binary on a recorded session (tests/fixtures/replay/session.jsonl,
//! built from the docs/twitch.md §6.1 fixtures: duplicates, bad lines, two-source copies, a gift
//! bomb with early gifts, a reconnect handover, a lost session, a revocation, an unknown type).

use serde_json::Value;
use std::path::PathBuf;
use std::process::Command;
use tev_core::replay::{Counters, ReplayOptions, replay};

fn session() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/replay/session.jsonl")
}

/// Runs `tev replay` with a scratch HOME/XDG dirs; returns (stdout JSON lines, stderr, scratch).
fn run(args: &[&str]) -> (Vec<Value>, String, tempfile::TempDir) {
    let home = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_tev"))
        .arg("replay")
        .args(args)
        .env("HOME", home.path())
        .env("XDG_DATA_HOME", home.path().join("data"))
        .env("XDG_CONFIG_HOME", home.path().join("config"))
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let lines = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .collect();
    (lines, String::from_utf8(out.stderr).unwrap(), home)
}

fn ids(lines: &[Value]) -> Vec<&str> {
    lines.iter().map(|l| l["id"].as_str().unwrap()).collect()
}

const COUNTERS: &str = "frames=29 notifications=20 duplicates=2 rejected=3";

#[test]
fn recent_events_per_channel_newest_first_and_the_counters() {
    let path = session();
    let (lines, stderr, home) = run(&[path.to_str().unwrap()]);
    assert_eq!(stderr.trim_end().lines().last(), Some(COUNTERS));
    assert_eq!(
        ids(&lines),
        [
            // 1337: eleven rows by event time, the oldest (stream online) beyond the last 10.
            "off",
            "streak",
            "other",
            "gap:revoke:1337",
            "follow", // followed_at 20:01:00, though it arrived after the revocation
            "gap:w3:1337",
            "raid-es",
            "bomb",
            "cheer-chat",
            "sub-chat",
            // 42
            "gap:w3:42",
            "on42",
        ]
    );
    for l in &lines {
        for field in ["id", "channel_id", "channel_login", "kind", "occurred_at", "summary"] {
            assert!(l[field].is_string(), "{field} in {l}");
        }
        assert!(l["actor_login"].is_string() || l["actor_login"].is_null());
    }
    let by_id = |id: &str| lines.iter().find(|l| l["id"] == id).unwrap();
    assert_eq!(by_id("bomb")["details"]["recipients"].as_array().unwrap().len(), 3);
    assert_eq!(by_id("raid-es")["actor_login"], "cool_raider");
    assert_eq!(by_id("gap:w3:42")["kind"], "gap");
    assert_eq!(by_id("gap:w3:42")["channel_login"], "second_chan");
    assert_eq!(by_id("other")["kind"], "other");
    assert_eq!(by_id("off")["occurred_at"], "2026-11-27T20:02:30.123456939Z", "nanoseconds kept");
    // Replay never touches the user's stored events (nor creates any file).
    let created: Vec<_> = walk(home.path());
    assert!(created.is_empty(), "{created:?}");
}

fn walk(dir: &std::path::Path) -> Vec<PathBuf> {
    std::fs::read_dir(dir)
        .unwrap()
        .flat_map(|e| {
            let p = e.unwrap().path();
            if p.is_dir() { walk(&p) } else { vec![p] }
        })
        .collect()
}

#[test]
fn all_prints_every_shown_event_in_file_order() {
    let path = session();
    let (lines, stderr, _home) = run(&[path.to_str().unwrap(), "--all"]);
    assert!(stderr.contains(COUNTERS));
    assert_eq!(
        ids(&lines),
        [
            "on1",
            "sub-chat",
            "cheer-chat",
            "bomb", // g1 and g2 arrived first and were folded into it
            "raid-es",
            "on42",
            "gap:w3:1337",
            "gap:w3:42",
            "gap:revoke:1337",
            "other",
            "streak",
            "follow",
            "off",
        ]
    );
}

#[test]
fn last_n_limits_each_channel() {
    let path = session();
    let (lines, _, _home) = run(&[path.to_str().unwrap(), "--last", "2"]);
    assert_eq!(ids(&lines), ["off", "streak", "gap:w3:42", "on42"]);
}

#[test]
fn a_missing_file_is_a_clear_error() {
    let out = Command::new(env!("CARGO_BIN_EXE_tev"))
        .args(["replay", "/nonexistent/frames.jsonl"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot open"));
}

#[test]
fn the_library_counts_empty_bad_and_duplicate_lines() {
    let welcome = r#"{"metadata":{"message_id":"w","message_type":"session_welcome","message_timestamp":"2026-11-27T20:00:00Z"},"payload":{"session":{"id":"s","status":"connected","keepalive_timeout_seconds":10,"reconnect_url":null}}}"#;
    let input = format!("\n{welcome}\n  \n{{\"oops\"\n{welcome}\r\n");
    let out = replay(input.as_bytes(), ReplayOptions::default()).unwrap();
    // A repeated welcome is deduped but is not a notification, so not counted as a duplicate.
    assert_eq!(out.counters, Counters { frames: 3, notifications: 0, duplicates: 0, rejected: 1 });
    assert!(out.events.is_empty());
    assert_eq!(out.counters.to_string(), "frames=3 notifications=0 duplicates=0 rejected=1");
}
