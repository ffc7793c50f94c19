//! `RecentEvents`: order, bound, gaps, persistence in the event store, damaged stores set aside.

use chrono::Utc;
use tev_core::feed::{Details, EventKind, FeedUpdate, GapReason, StreamEvent};
use tev_core::recent::RecentEvents;

mod rows;
use rows::{ev, t};

fn ids(r: &RecentEvents, channel: &str) -> Vec<String> {
    r.channel(channel).iter().map(|e| e.id.clone()).collect()
}

#[test]
fn newest_first_by_event_time_not_arrival() {
    let mut r = RecentEvents::new(10);
    for (id, sec) in [("b", 20), ("a", 10), ("c", 30), ("late-old", 5)] {
        assert!(r.insert(ev(id, "1", sec)));
    }
    assert_eq!(ids(&r, "1"), ["c", "b", "a", "late-old"]);
}

#[test]
fn keeps_n_per_channel_and_a_gap_counts_as_one() {
    let mut r = RecentEvents::new(3);
    for i in 0..5 {
        r.insert(ev(&format!("e{i}"), "1", i));
    }
    r.insert(ev("other", "2", 0));
    assert_eq!(ids(&r, "1"), ["e4", "e3", "e2"]);
    assert_eq!(ids(&r, "2"), ["other"], "channels are independent");
    // An event older than every kept row of a full list is not kept.
    assert!(!r.insert(ev("ancient", "1", -100)));
    // A gap row takes one of the N slots.
    let mut gap = ev("gap:x:1", "1", 10);
    gap.kind = EventKind::Gap;
    gap.details = Details::Gap { from: t(10), to: Some(t(20)), reason: GapReason::ConnectionLost };
    assert!(r.insert(gap));
    assert_eq!(ids(&r, "1"), ["gap:x:1", "e4", "e3"]);
}

#[test]
fn duplicate_ids_are_ignored_and_updates_and_removals_apply() {
    let mut r = RecentEvents::new(10);
    assert!(r.apply(&FeedUpdate::Added(ev("a", "1", 1))));
    assert!(!r.apply(&FeedUpdate::Added(ev("a", "1", 1))));
    r.apply(&FeedUpdate::Added(ev("b", "1", 2)));
    let mut a2 = ev("a", "1", 1);
    a2.summary = "changed".into();
    assert!(r.apply(&FeedUpdate::Updated(a2)));
    assert_eq!(r.channel("1")[1].summary, "changed");
    assert!(r.apply(&FeedUpdate::Removed { channel_id: "1".into(), ids: vec!["b".into()] }));
    assert_eq!(ids(&r, "1"), ["a"]);
    assert!(!r.apply(&FeedUpdate::Updated(ev("zzz", "1", 1))), "unknown id");
}

#[test]
fn saved_events_come_back_with_a_gap_for_the_time_the_app_was_closed_on_the_channels_watched_then()
{
    let dir = tempfile::tempdir().unwrap();
    let (mut r, report) = RecentEvents::load(dir.path(), 10, t(0));
    assert_eq!(report.set_aside, None);
    assert_eq!(report.gaps_added, 0, "nothing stored yet");
    r.insert(ev("a", "1", 1));
    r.insert(ev("b", "1", 2));
    r.insert(ev("c", "2", 3));
    r.insert(ev("d", "3", 4));
    // Channels 1 and 2 are shown when the app stops; 3 was closed long before.
    r.watch("1", "login1");
    r.watch("2", "login2");
    r.watch("3", "login3");
    r.unwatch("3", t(50));
    r.save(t(100)).unwrap();
    drop(r);
    // Only the database (and its write-ahead log while it was open): nothing else written.
    let names: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| !n.ends_with("-wal") && !n.ends_with("-shm"))
        .collect();
    assert_eq!(names, [RecentEvents::FILE_NAME]);

    let (r2, report) = RecentEvents::load(dir.path(), 10, t(5000));
    assert_eq!(report.gaps_added, 2);
    let rows = r2.channel("1");
    assert_eq!(rows.len(), 3);
    // The gap (from the last save to now) is the newest row, and keeps the channel's login.
    let gap = &rows[0];
    assert_eq!((gap.kind, gap.channel_login.as_str()), (EventKind::Gap, "login1"));
    assert_eq!(
        gap.details,
        Details::Gap { from: t(100), to: Some(t(5000)), reason: GapReason::AppClosed }
    );
    assert!(gap.summary.contains("The app was closed"), "{}", gap.summary);
    assert_eq!(rows[1..].iter().map(|e| e.id.as_str()).collect::<Vec<_>>(), ["b", "a"]);
    assert_eq!(r2.channel("2")[1].id, "c");
    assert_eq!(ids(&r2, "3"), ["d"], "a channel not watched then gets no gap row");
}

#[test]
fn each_save_stamps_the_store_and_the_newest_stamp_starts_the_gap() {
    let dir = tempfile::tempdir().unwrap();
    let (mut r, _) = RecentEvents::load(dir.path(), 10, t(0));
    r.watch("1", "login1");
    for i in 0..10 {
        r.insert(ev(&format!("e{i}"), "1", i));
        r.save(t(10 + i)).unwrap();
    }
    drop(r);
    let (r2, _) = RecentEvents::load(dir.path(), 10, t(30));
    let rows = r2.channel("1");
    assert_eq!(rows.len(), 10, "gap + the 9 newest of the 10 saved");
    assert_eq!(
        rows[0].details,
        Details::Gap { from: t(19), to: Some(t(30)), reason: GapReason::AppClosed }
    );
    assert_eq!((rows[1].id.as_str(), rows[9].id.as_str()), ("e9", "e1"));
}

#[test]
fn a_damaged_database_is_reported_and_set_aside_not_lost_and_a_new_one_started() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(RecentEvents::FILE_NAME);
    // What a half-copied file looks like to SQLite: not a database.
    let garbage = b"SQLite format 3\0\x10\0\x01\x01 damaged beyond the header";
    std::fs::write(&path, garbage).unwrap();
    let (mut r, report) = RecentEvents::load(dir.path(), 10, t(0));
    assert_eq!(r.channels().count(), 0);
    let aside = report.set_aside.clone().expect("set aside");
    assert!(report.problem.is_some());
    assert!(!report.memory_only, "a new store replaces it: {report:?}");
    let aside_name = aside.file_name().unwrap().to_string_lossy().into_owned();
    assert!(aside_name.starts_with("events.sqlite3.corrupt-"), "{aside_name}");
    assert_eq!(std::fs::read(&aside).unwrap(), garbage, "the bad file is kept as it was");
    let notice = report.notice().expect("a notice for the home window");
    assert!(notice.contains(&aside.display().to_string()) && notice.contains("new"), "{notice}");
    // The new store keeps what this run gets.
    r.insert(ev("a", "1", 1));
    r.save(t(1)).unwrap();
    drop(r);
    let (r, report) = RecentEvents::load(dir.path(), 10, t(2));
    assert_eq!(report.set_aside, None);
    assert_eq!(ids(&r, "1"), ["a"]);
}

#[test]
fn a_store_of_a_newer_schema_is_set_aside_too() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(RecentEvents::FILE_NAME);
    {
        let (mut r, _) = RecentEvents::load(dir.path(), 10, t(0));
        r.insert(ev("a", "1", 1));
        r.save(t(1)).unwrap();
    }
    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.pragma_update(None, "user_version", 99).unwrap();
    drop(conn);
    let (r, report) = RecentEvents::load(dir.path(), 10, t(2));
    assert_eq!(r.channels().count(), 0);
    assert!(report.problem.as_deref().unwrap_or_default().contains("schema version 99"));
    let aside = report.set_aside.expect("set aside");
    let kept = rusqlite::Connection::open(&aside).unwrap();
    let v: u32 = kept.query_row("PRAGMA user_version", [], |r| r.get(0)).unwrap();
    let rows: u32 = kept.query_row("SELECT count(*) FROM events", [], |r| r.get(0)).unwrap();
    assert_eq!((v, rows), (99, 1), "the newer store is kept whole, its rows included");
}

#[test]
fn a_missing_data_dir_is_created() {
    let dir = tempfile::tempdir().unwrap();
    let nested = dir.path().join("a/b");
    let (mut r, report) = RecentEvents::load(&nested, 10, t(0));
    assert!(!report.memory_only, "{report:?}");
    r.insert(ev("a", "1", 1));
    r.save(t(1)).unwrap();
    assert!(nested.join(RecentEvents::FILE_NAME).exists());
}

/// A row of channel `channel` happening now (the daily test runs on the real clock, as the
/// app's start and exit do).
fn ev_now(id: &str, channel: &str) -> StreamEvent {
    StreamEvent { occurred_at: Utc::now(), ..ev(id, channel, 0) }
}

fn add(live: &tev_core::live::LiveFeed, row: StreamEvent) {
    use tev_core::watcher::WatchUpdate;
    live.apply(WatchUpdate::Feed(std::sync::Arc::new(FeedUpdate::Added(row))));
}

fn assert_no_two_gaps_in_a_row(rows: &[StreamEvent], when: &str) {
    for pair in rows.windows(2) {
        assert!(
            !(pair[0].kind == EventKind::Gap && pair[1].kind == EventKind::Gap),
            "{when}: two gap rows in a row: {:?}",
            rows.iter().map(|e| (e.id.as_str(), e.kind)).collect::<Vec<_>>()
        );
    }
}

/// A desktop app started every day for twelve days. Channel A is opened on the first day
/// only; channel B every day, with an event only now and then. The app records when it stopped
/// listening (its exit hook), so a start adds an "app was closed" row only to the channels
/// watched then, from that moment: A keeps every real row, and B's daily gaps merge instead of
/// piling up.
#[test]
fn twelve_daily_starts_keep_a_channel_opened_once_whole_and_never_stack_gap_rows() {
    use tev_core::live::LiveFeed;
    let dir = tempfile::tempdir().unwrap();
    let a_rows: Vec<String> = (0..6).map(|i| format!("a{i}")).collect();
    let mut b_rows = Vec::new();
    for day in 0..12 {
        let (live, _) = LiveFeed::open(dir.path(), 10);
        assert_no_two_gaps_in_a_row(&live.events("2"), &format!("start of day {day}"));
        live.watch_channel("2", "loginb", None);
        if day == 0 {
            live.watch_channel("1", "logina", None);
            for id in &a_rows {
                add(&live, ev_now(id, "1"));
            }
        }
        if day % 4 == 1 {
            let id = format!("b{day}");
            add(&live, ev_now(&id, "2"));
            b_rows.push(id);
        }
        if day == 0 {
            live.unwatch_channel("1");
        }
        std::thread::sleep(std::time::Duration::from_millis(2));
        live.stopped_listening().unwrap();
        std::thread::sleep(std::time::Duration::from_millis(2));
    }
    let (live, _) = tev_core::live::LiveFeed::open(dir.path(), 10);
    let a = live.events("1");
    let kept: Vec<&str> = a.iter().filter(|e| e.kind != EventKind::Gap).map(|e| &*e.id).collect();
    let mut want: Vec<&str> = a_rows.iter().map(String::as_str).collect();
    want.reverse();
    assert_eq!(kept, want, "channel A keeps every real row: {a:?}");
    assert_no_two_gaps_in_a_row(&a, "channel A at the end");
    let b = live.events("2");
    assert_no_two_gaps_in_a_row(&b, "channel B at the end");
    let b_kept: Vec<&str> = b.iter().filter(|e| e.kind != EventKind::Gap).map(|e| &*e.id).collect();
    b_rows.reverse();
    assert_eq!(b_kept, b_rows, "channel B keeps its real rows");
    // The newest gap starts when the app stopped listening the last time: after B's last row.
    let Details::Gap { from, reason, .. } = &b[0].details else { panic!("{:?}", b[0]) };
    assert_eq!(*reason, GapReason::AppClosed);
    assert!(b.iter().skip(1).all(|e| e.occurred_at <= *from), "{b:?}");
}

#[test]
fn a_directory_in_place_of_the_file_gives_a_memory_only_list_and_is_left_alone() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(RecentEvents::FILE_NAME);
    std::fs::create_dir(&path).unwrap();
    std::fs::write(path.join("keep.txt"), b"mine").unwrap();
    let (mut r, report) = RecentEvents::load(dir.path(), 10, t(0));
    assert!(report.memory_only, "{report:?}");
    assert_eq!(report.set_aside, None);
    let notice = report.notice().expect("a notice for the home window");
    assert!(notice.contains("memory only"), "{notice}");
    assert!(notice.contains(&path.display().to_string()), "{notice}");
    // Events still work this run, and saving them touches nothing on disk.
    assert!(r.is_memory_only());
    assert!(r.insert(ev("a", "1", 1)));
    assert_eq!(r.channel("1").len(), 1);
    r.save(t(2)).unwrap();
    assert!(path.is_dir());
    assert_eq!(std::fs::read(path.join("keep.txt")).unwrap(), b"mine");
    let names: Vec<_> =
        std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert_eq!(names.len(), 1, "nothing written beside it: {names:?}");
}

#[test]
fn a_readable_file_gives_no_notice() {
    let dir = tempfile::tempdir().unwrap();
    let (mut r, report) = RecentEvents::load(dir.path(), 10, t(0));
    assert_eq!(report.notice(), None);
    r.insert(ev("a", "1", 1));
    r.save(t(1)).unwrap();
    drop(r);
    let (_, report) = RecentEvents::load(dir.path(), 10, t(2));
    assert_eq!(report.notice(), None);
    assert!(!report.memory_only);
}
