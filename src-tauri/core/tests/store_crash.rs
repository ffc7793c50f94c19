//! A crash loses at most the rows of the flush it interrupted, never a committed one: a child
//! process takes events at about 1,000 a second through the app's path (`LiveFeed::apply`,
//! `LiveFeed::save` on a timer, as `LiveFeed::run` does) and says after each save which row
//! was the last committed; it is killed with SIGKILL in the middle of the burst, and every row
//! up to the last one it reported is in the database.

use chrono::Utc;
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tev_core::feed::{Details, EventKind, FeedUpdate, StreamEvent};
use tev_core::live::LiveFeed;
use tev_core::watcher::WatchUpdate;

/// Channels the burst spreads over.
const CHANNELS: u64 = 4;
/// The child's save period. The app saves every two seconds (`session.rs`); a shorter period
/// gives the test more flushes to interrupt in the same time, through the same code.
const SAVE_EVERY: Duration = Duration::from_millis(200);
/// The child's events per second.
const RATE: u64 = 1_000;

fn row(seq: u64) -> StreamEvent {
    let channel = (seq % CHANNELS).to_string();
    StreamEvent {
        id: format!("crash-{seq:08}"),
        channel_login: format!("login{channel}"),
        channel_id: channel,
        kind: EventKind::Follow,
        occurred_at: Utc::now(),
        actor: None,
        summary: format!("event {seq}"),
        details: Details::Follow,
    }
}

/// The child: runs only when the parent starts this binary with `TEV_CRASH_DIR`.
#[test]
fn child_writes_a_burst_until_killed() {
    let Some(dir) = std::env::var_os("TEV_CRASH_DIR") else { return };
    let (live, report) = LiveFeed::open(std::path::Path::new(&dir), 10);
    assert!(!report.memory_only, "{report:?}");
    let start = Instant::now();
    let mut next_save = start + SAVE_EVERY;
    let mut seq = 0u64;
    // Runs until killed (or a minute, if the parent went away).
    while start.elapsed() < Duration::from_secs(60) {
        // Keep to RATE per second, in steps of a millisecond.
        let due = start.elapsed().as_millis() as u64 * RATE / 1000;
        while seq < due {
            live.apply(WatchUpdate::Feed(Arc::new(FeedUpdate::Added(row(seq)))));
            seq += 1;
        }
        if Instant::now() >= next_save {
            live.save().unwrap_or_else(|e| panic!("save: {e}"));
            // Every row before `seq` is committed now.
            println!("committed {}", seq.saturating_sub(1));
            next_save += SAVE_EVERY;
        }
        std::thread::sleep(Duration::from_millis(1));
    }
}

#[test]
fn a_sigkill_mid_burst_loses_no_committed_row() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "child_writes_a_burst_until_killed", "--nocapture", "--test-threads=1"])
        .env("TEV_CRASH_DIR", dir.path())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut committed = None;
    let mut flushes = 0;
    // Wait for a few flushes, then kill at a moment that falls between two of them.
    while flushes < 5 {
        let line = lines.next().expect("the child reports its flushes").unwrap();
        if let Some(n) = line.strip_prefix("committed ") {
            committed = Some(n.parse::<u64>().unwrap());
            flushes += 1;
        }
    }
    std::thread::sleep(SAVE_EVERY * 7 / 10);
    child.kill().unwrap(); // SIGKILL on Unix
    let status = child.wait().unwrap();
    use std::os::unix::process::ExitStatusExt;
    assert_eq!(status.signal(), Some(9), "killed, not ended: {status:?}");
    // Lines the child printed before the kill still count: each was printed after its commit.
    for line in lines.map_while(Result::ok) {
        if let Some(n) = line.strip_prefix("committed ") {
            committed = Some(n.parse::<u64>().unwrap());
        }
    }
    let last = committed.expect("a committed row");
    assert!(last > 500, "a burst went by before the kill: {last}");

    let conn =
        rusqlite::Connection::open(dir.path().join(tev_core::recent::RecentEvents::FILE_NAME))
            .unwrap();
    let mut q = conn.prepare("SELECT id FROM events WHERE id <= ?1").unwrap();
    let ids: std::collections::BTreeSet<String> = q
        .query_map([format!("crash-{last:08}")], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    let missing: Vec<u64> =
        (0..=last).filter(|s| !ids.contains(&format!("crash-{s:08}"))).collect();
    assert!(
        missing.is_empty(),
        "{} committed rows lost, first {:?}",
        missing.len(),
        &missing[..missing.len().min(5)]
    );
    let integrity: String = conn.query_row("PRAGMA integrity_check", [], |r| r.get(0)).unwrap();
    assert_eq!(integrity, "ok");
    // And the next start reads it as usual.
    drop(q);
    drop(conn);
    let (live, report) = LiveFeed::open(dir.path(), 10);
    assert_eq!(report.notice(), None);
    assert_eq!(live.events("0").len(), 10);
}
