//! The event store under `RecentEvents`: every row written in one transaction per save, the
//! panels' rows read back from it, retention, full-text search, the one-time import of a
//! `recent-events.json` of the format before it, and a store that cannot be written.

use chrono::{DateTime, Utc};
use std::path::Path;
use tev_core::feed::{Actor, Details, EventKind, FeedUpdate, GapReason};
use tev_core::recent::RecentEvents;
use tev_core::store::EventStore;

mod rows;
use rows::{ev, t};

/// A second connection, as another reader (a history, `tev`) would open the file.
fn reader(dir: &Path) -> rusqlite::Connection {
    rusqlite::Connection::open(dir.join(RecentEvents::FILE_NAME)).unwrap()
}

fn stored_ids(conn: &rusqlite::Connection, channel: &str) -> Vec<String> {
    let mut q = conn
        .prepare("SELECT id FROM events WHERE channel_id = ?1 ORDER BY occurred_at DESC, seq DESC")
        .unwrap();
    q.query_map([channel], |r| r.get(0)).unwrap().map(Result::unwrap).collect()
}

#[test]
fn the_store_is_a_wal_database_with_a_schema_version() {
    let dir = tempfile::tempdir().unwrap();
    let (_r, report) = RecentEvents::load(dir.path(), 10, t(0));
    assert_eq!(report.notice(), None);
    let conn = reader(dir.path());
    let mode: String = conn.query_row("PRAGMA journal_mode", [], |r| r.get(0)).unwrap();
    let version: u32 = conn.query_row("PRAGMA user_version", [], |r| r.get(0)).unwrap();
    assert_eq!((mode.as_str(), version), ("wal", 1));
}

#[test]
fn every_row_of_a_save_lands_in_one_transaction_with_rows_past_the_ten_and_gap_rows() {
    let dir = tempfile::tempdir().unwrap();
    let (mut r, _) = RecentEvents::load(dir.path(), 3, t(0));
    for i in 0..5 {
        r.apply(&FeedUpdate::Added(ev(&format!("e{i}"), "1", 10 + i)));
    }
    // Older than the three shown: not in the panel, but kept.
    assert!(!r.apply(&FeedUpdate::Added(ev("late", "1", 1))));
    let mut gap = ev("gap:lost:1", "1", 20);
    gap.kind = EventKind::Gap;
    gap.details = Details::Gap { from: t(20), to: Some(t(21)), reason: GapReason::ConnectionLost };
    r.apply(&FeedUpdate::Added(gap));
    let conn = reader(dir.path());
    assert!(stored_ids(&conn, "1").is_empty(), "nothing is written before the save");
    r.save(t(30)).unwrap();
    assert_eq!(stored_ids(&conn, "1"), ["gap:lost:1", "e4", "e3", "e2", "e1", "e0", "late"]);
    // Updates and removals reach the store at the next save.
    let mut e0 = ev("e0", "1", 10);
    e0.summary = "changed".into();
    r.apply(&FeedUpdate::Updated(e0));
    r.apply(&FeedUpdate::Removed { channel_id: "1".into(), ids: vec!["e1".into()] });
    r.save(t(31)).unwrap();
    assert_eq!(stored_ids(&conn, "1"), ["gap:lost:1", "e4", "e3", "e2", "e0", "late"]);
    let row: String =
        conn.query_row("SELECT row FROM events WHERE id = 'e0'", [], |r| r.get(0)).unwrap();
    assert!(row.contains("\"summary\":\"changed\""), "{row}");
}

#[test]
fn a_start_reads_each_panels_newest_rows_from_the_store() {
    let dir = tempfile::tempdir().unwrap();
    {
        let (mut r, _) = RecentEvents::load(dir.path(), 10, t(0));
        // Arrival order differs from event time; 25 rows, of which a panel shows ten.
        for i in (0..25).rev() {
            r.apply(&FeedUpdate::Added(ev(&format!("a{i:02}"), "1", i)));
        }
        r.apply(&FeedUpdate::Added(ev("b", "2", 3)));
        r.save(t(100)).unwrap();
    }
    let (r, report) = RecentEvents::load(dir.path(), 10, t(200));
    assert_eq!(report.gaps_added, 0, "no channel was watched");
    let shown: Vec<&str> = r.channel("1").iter().map(|e| e.id.as_str()).collect();
    let want: Vec<String> = (15..25).rev().map(|i| format!("a{i:02}")).collect();
    assert_eq!(shown, want);
    assert_eq!(r.channel("2").len(), 1);
    assert_eq!(stored_ids(&reader(dir.path()), "1").len(), 25, "the store keeps all");
}

#[test]
fn a_gap_row_that_merges_with_the_one_before_is_merged_in_the_store_too() {
    let dir = tempfile::tempdir().unwrap();
    let gap = |id: &str, from: i64, to: i64| {
        let mut g = ev(id, "1", from);
        g.kind = EventKind::Gap;
        g.details =
            Details::Gap { from: t(from), to: Some(t(to)), reason: GapReason::ConnectionLost };
        g
    };
    let (mut r, _) = RecentEvents::load(dir.path(), 10, t(0));
    r.apply(&FeedUpdate::Added(ev("a", "1", 1)));
    r.apply(&FeedUpdate::Added(gap("gap:x:1", 10, 20)));
    r.apply(&FeedUpdate::Added(gap("gap:y:1", 20, 30)));
    assert_eq!(r.channel("1").len(), 2, "one gap row in the panel");
    r.save(t(40)).unwrap();
    let stored = stored_ids(&reader(dir.path()), "1");
    assert_eq!(stored.len(), 2, "one gap row in the store: {stored:?}");
    assert_eq!(stored[0], r.channel("1")[0].id);
}

#[test]
fn retention_deletes_rows_older_than_the_setting_once_a_day() {
    let dir = tempfile::tempdir().unwrap();
    let day = 86_400;
    let (mut r, _) = RecentEvents::load(dir.path(), 10, t(0));
    r.set_retention_days(2);
    for i in 0..5 {
        r.apply(&FeedUpdate::Added(ev(&format!("d{i}"), "1", i * day)));
    }
    // Day 4: rows before day 2 go (d0, d1).
    r.save(t(4 * day)).unwrap();
    let conn = reader(dir.path());
    assert_eq!(stored_ids(&conn, "1"), ["d4", "d3", "d2"]);
    // Within a day of that, retention does not run again.
    r.save(t(5 * day - 60)).unwrap();
    assert_eq!(stored_ids(&conn, "1"), ["d4", "d3", "d2"]);
    // A day later it does, also after a restart (when it last ran is stored).
    drop(r);
    let (mut r, _) = RecentEvents::load(dir.path(), 10, t(5 * day));
    r.set_retention_days(2);
    r.save(t(5 * day)).unwrap();
    assert_eq!(stored_ids(&conn, "1"), ["d4", "d3"]);
}

#[test]
fn the_default_retention_is_a_hundred_and_eighty_days_and_a_setting() {
    assert_eq!(tev_core::recent::DEFAULT_RETENTION_DAYS, 180);
    let s: tev_core::settings::Settings = serde_json::from_str("{}").unwrap();
    assert_eq!(s.event_retention_days, 180, "files of older versions get the default");
    let dir = tempfile::tempdir().unwrap();
    let (mut r, _) = RecentEvents::load(dir.path(), 10, t(0));
    r.apply(&FeedUpdate::Added(ev("old", "1", -181 * 86_400)));
    r.apply(&FeedUpdate::Added(ev("kept", "1", -179 * 86_400)));
    r.save(t(0)).unwrap();
    assert_eq!(stored_ids(&reader(dir.path()), "1"), ["kept"]);
}

#[test]
fn the_full_text_index_finds_a_row_by_a_word_of_its_message_or_actor() {
    let dir = tempfile::tempdir().unwrap();
    let (mut r, _) = RecentEvents::load(dir.path(), 10, t(0));
    let mut cheer = ev("c1", "1", 1);
    cheer.kind = EventKind::Cheer;
    cheer.actor =
        Some(Actor { id: "9".into(), login: "quietfox".into(), display_name: "QuietFox".into() });
    cheer.summary = "QuietFox cheered 100 bits".into();
    cheer.details = serde_json::from_value(serde_json::json!({
        "type": "cheer", "bits": 100, "message": "Cheer100 lighthouse keepers unite",
        "anonymous": false
    }))
    .unwrap_or_else(|e| panic!("a cheer's details: {e}"));
    r.apply(&FeedUpdate::Added(cheer));
    r.apply(&FeedUpdate::Added(ev("f1", "1", 2)));
    r.save(t(3)).unwrap();
    drop(r);
    let store = EventStore::open(&dir.path().join(RecentEvents::FILE_NAME)).unwrap();
    assert_eq!(store.search_ids("lighthouse", 10).unwrap(), ["c1"]);
    assert_eq!(store.search_ids("quietfox", 10).unwrap(), ["c1"]);
    assert!(store.search_ids("nothinglikethis", 10).unwrap().is_empty());
}

/// `recent-events.json` as the app wrote it before the store (format version 1), from the
/// app's own saved shape: pretty-printed, rows newest first per channel, `watched`.
fn todays_file(saved_at: DateTime<Utc>) -> String {
    let rows1 = [ev("b", "1", 2), ev("a", "1", 1)];
    let rows2 = [ev("c", "2", 3)];
    serde_json::to_string_pretty(&serde_json::json!({
        "version": 1,
        "saved_at": saved_at,
        "channels": { "1": rows1, "2": rows2 },
        "watched": { "1": "login1" },
    }))
    .unwrap()
}

#[test]
fn a_recent_events_file_of_todays_format_is_imported_once_and_kept_as_imported() {
    let dir = tempfile::tempdir().unwrap();
    let json = dir.path().join("recent-events.json");
    let text = todays_file(t(100));
    std::fs::write(&json, &text).unwrap();
    let (r, report) = RecentEvents::load(dir.path(), 10, t(5000));
    assert_eq!(report.notice(), None, "{report:?}");
    let imported = dir.path().join("recent-events.json.imported");
    assert_eq!(report.imported.as_deref(), Some(imported.as_path()));
    assert!(!json.exists());
    assert_eq!(std::fs::read_to_string(&imported).unwrap(), text, "kept as it was");
    // The rows, and the "app was closed" gap from the file's save time on the channel it says
    // was watched.
    let shown: Vec<(&str, EventKind)> =
        r.channel("1").iter().map(|e| (e.id.as_str(), e.kind)).collect();
    assert_eq!(shown[1..], [("b", EventKind::Follow), ("a", EventKind::Follow)]);
    assert_eq!(
        r.channel("1")[0].details,
        Details::Gap { from: t(100), to: Some(t(5000)), reason: GapReason::AppClosed }
    );
    assert_eq!(r.channel("2").len(), 1, "channel 2 was not watched: no gap");
    assert_eq!(report.gaps_added, 1);
    let conn = reader(dir.path());
    assert_eq!(stored_ids(&conn, "1"), ["b", "a"], "written to the store at once");
    assert_eq!(stored_ids(&conn, "2"), ["c"]);
    // A second start imports nothing again.
    drop((r, conn));
    let (r, report) = RecentEvents::load(dir.path(), 10, t(6000));
    assert_eq!(report.imported, None);
    assert_eq!(r.channel("2").len(), 1);
}

#[test]
fn a_recent_events_file_written_by_the_app_before_the_store_is_imported() {
    // tests/fixtures/recent-events-v1.json was saved by the app before the store (its exit
    // save, in an E2E run against the simulator): today's format byte for byte.
    let dir = tempfile::tempdir().unwrap();
    let fixture =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/recent-events-v1.json");
    std::fs::copy(&fixture, dir.path().join("recent-events.json")).unwrap();
    let (r, report) = RecentEvents::load(dir.path(), 10, Utc::now());
    assert!(report.imported.is_some(), "{report:?}");
    let rows: Vec<String> = r
        .channels()
        .flat_map(|(_, rows)| rows.iter())
        .filter(|e| e.kind != EventKind::Gap)
        .map(|e| e.id.clone())
        .collect();
    assert!(rows.len() >= 3, "{rows:?}");
    drop(r);
    let total: u32 = reader(dir.path())
        .query_row("SELECT count(*) FROM events WHERE kind <> 'gap'", [], |r| r.get(0))
        .unwrap();
    assert_eq!(total as usize, rows.len());
    // Its rows are searchable like any other: a word of a resub's message.
    let store = EventStore::open(&dir.path().join(RecentEvents::FILE_NAME)).unwrap();
    assert_eq!(store.search_ids("grubbing", 10).unwrap(), ["3d48faf5-3118-40ef-8f2d-bb1d8fb89e98"]);
}

#[test]
fn a_damaged_recent_events_file_is_set_aside_not_imported() {
    let dir = tempfile::tempdir().unwrap();
    let json = dir.path().join("recent-events.json");
    let garbage = br#"{"version":1,"saved_at":"2026-11-27T20:00:00Z","channels":{"1":[{"id":"#;
    std::fs::write(&json, garbage).unwrap();
    let (r, report) = RecentEvents::load(dir.path(), 10, t(0));
    assert_eq!(r.channels().count(), 0);
    let aside = report.set_aside.clone().expect("set aside");
    assert!(aside.to_string_lossy().contains("recent-events.json.corrupt-"), "{aside:?}");
    assert_eq!(std::fs::read(&aside).unwrap(), garbage);
    assert!(report.notice().is_some());
    assert!(!report.memory_only);
}

/// Runs the test `name` of this binary again in a child process, with `shell` run before it
/// (a limit), as the user `nobody` when `as_nobody`, and asserts that it passed there; the child
/// sees `TEV_STORE_CHILD`.
fn passes_in_child(name: &str, shell: &str, as_nobody: bool) {
    use std::os::unix::process::CommandExt;
    let exe = std::env::current_exe().unwrap();
    let mut cmd = std::process::Command::new("sh");
    cmd.arg("-c")
        .arg(format!("{shell}; exec \"$0\" --exact {name} --nocapture --test-threads=1"))
        .arg(exe)
        .env("TEV_STORE_CHILD", "1");
    if as_nobody {
        cmd.uid(65534).gid(65534);
    }
    let out = cmd.output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success() && text.contains("1 passed"), "{text}\n{out:?}");
}

/// Whether this run is the child [`passes_in_child`] started.
fn is_child() -> bool {
    std::env::var_os("TEV_STORE_CHILD").is_some()
}

fn is_root() -> bool {
    // Who owns a file we just made.
    use std::os::unix::fs::MetadataExt;
    let f = tempfile::NamedTempFile::new().unwrap();
    f.as_file().metadata().unwrap().uid() == 0
}

#[test]
fn a_read_only_data_directory_keeps_the_app_running_in_memory_with_a_notice() {
    if !is_child() && is_root() {
        // Root writes into a read-only directory anyway: run as an ordinary user.
        let name = "a_read_only_data_directory_keeps_the_app_running_in_memory_with_a_notice";
        return passes_in_child(name, "true", true);
    }
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    std::fs::create_dir(&data).unwrap();
    std::fs::set_permissions(&data, std::fs::Permissions::from_mode(0o555)).unwrap();
    let (mut r, report) = RecentEvents::load(&data, 10, t(0));
    assert!(report.memory_only, "{report:?}");
    assert!(r.is_memory_only());
    let notice = report.notice().expect("a notice for the home window");
    assert!(notice.contains("memory only"), "{notice}");
    assert!(r.insert(ev("a", "1", 1)), "events still work this run");
    r.save(t(2)).unwrap();
    assert_eq!(r.channel("1").len(), 1);
    assert_eq!(std::fs::read_dir(&data).unwrap().count(), 0, "nothing written");
}

#[test]
fn a_full_disk_switches_to_memory_with_a_notice_and_keeps_the_rows_shown() {
    if !is_child() {
        // The disk fills up: the child may write files of at most 200 KiB (`ulimit -f`, in
        // 512-byte blocks for sh; a write past it fails as on a full disk, SIGXFSZ ignored).
        let name = "a_full_disk_switches_to_memory_with_a_notice_and_keeps_the_rows_shown";
        return passes_in_child(name, "trap '' XFSZ; ulimit -f 400", false);
    }
    let dir = tempfile::tempdir().unwrap();
    let (live, report) = tev_core::live::LiveFeed::open(dir.path(), 10);
    assert!(!report.memory_only, "{report:?}");
    let mut notices = live.subscribe();
    live.watch_channel("1", "login1", None);
    let mut failed = None;
    for batch in 0..40 {
        for i in 0..50 {
            let mut e = ev(&format!("r{batch}-{i}"), "1", batch * 100 + i);
            e.summary = "x".repeat(1000);
            live.apply(tev_core::watcher::WatchUpdate::Feed(std::sync::Arc::new(
                FeedUpdate::Added(e),
            )));
        }
        if let Err(e) = live.save() {
            failed = Some((batch, e.to_string()));
            break;
        }
    }
    let (batch, message) = failed.expect("the store filled up");
    assert!(batch > 0, "some saves went through first");
    assert!(message.contains("memory only"), "{message}");
    // The user is told, and the panel keeps its rows and takes new ones.
    let mut told = false;
    while let Ok(u) = notices.try_recv() {
        if let tev_core::live::LiveUpdate::Notice { channel_id: None, message } = u {
            told |= message.contains("memory only");
        }
    }
    assert!(told, "a notice for the home window");
    assert_eq!(live.events("1").len(), 10);
    live.apply(tev_core::watcher::WatchUpdate::Feed(std::sync::Arc::new(FeedUpdate::Added(ev(
        "after", "1", 999_999,
    )))));
    assert_eq!(live.events("1")[0].id, "after");
    live.save().unwrap();
    live.stopped_listening().unwrap();
}
