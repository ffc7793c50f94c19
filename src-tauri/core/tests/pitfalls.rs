//! twitch.md §7: each pitfall that concerns the socket or the reconciler, reproduced against a
//! fake Twitch over real sockets and shown handled. (12 and 13 belong to the auth module.)

mod session_fake;

use session_fake::*;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, SystemTime};
use tev_core::watcher::{self, ConnectionState, WatchUpdate};

/// One channel (lumen = 100) with the viewer set: 7 subscriptions.
const LUMEN_SUBS: usize = 7;

/// Emits stream.online for lumen every millisecond until stopped; returns the ids sent.
fn pump(fake: &Fake) -> (Arc<AtomicBool>, tokio::task::JoinHandle<Vec<String>>) {
    let stop = Arc::new(AtomicBool::new(false));
    let f = fake.clone();
    let s = stop.clone();
    let h = tokio::spawn(async move {
        let mut sent = Vec::new();
        while !s.load(Ordering::SeqCst) {
            sent.extend(f.emit("channel.chat.notification", "100"));
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
        sent
    });
    (stop, h)
}

async fn all_received(got: &Collected, sent: &[String]) {
    wait_until(10, "every sent event received", || {
        let ids = got.message_ids();
        sent.iter().all(|s| ids.contains(s))
    })
    .await;
    let ids = got.message_ids();
    let mut sorted = ids.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(sorted.len(), ids.len(), "an event was shown twice");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pitfall_01_the_old_socket_is_closed_only_after_the_successors_welcome() {
    let fake = Fake::start().await;
    let (h, got, _) = watching(&fake, &["lumen"]).await;
    let s1 = fake.sessions()[0].clone();
    let (stop, pumping) = pump(&fake);
    tokio::time::sleep(Duration::from_millis(30)).await;
    fake.reconnect(&s1);
    let s2 = moved_from(&fake, &s1).await;
    tokio::time::sleep(Duration::from_millis(30)).await;
    stop.store(true, Ordering::SeqCst);
    let sent = pumping.await.expect("pump");
    assert!(!sent.is_empty());
    all_received(&got, &sent).await;
    fake.with(|w| {
        assert_eq!(
            w.counters.early_closes, 0,
            "closed before the successor's welcome (4007 at Twitch)"
        );
        assert_eq!(w.counters.grace_expired, 0, "old socket left open (4004 at Twitch)");
        assert!(w.counters.client_closes.contains(&1000), "old socket closed with 1000");
        assert!(!w.counters.server_closes.contains(&4007));
    });
    assert_ne!(s1, s2);
    assert!(got.gaps().is_empty(), "a handover loses nothing: no gap");
    h.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pitfall_02_a_handover_never_resubscribes() {
    let fake = Fake::start().await;
    let (h, _got, _) = watching(&fake, &["lumen"]).await;
    let s1 = fake.sessions()[0].clone();
    let posts = fake.with(|w| w.counters.posts);
    fake.reconnect(&s1);
    let s2 = moved_from(&fake, &s1).await;
    wait_until(5, "report shows the new session", || {
        h.subscriptions().borrow().session_id.as_deref() == Some(s2.as_str())
    })
    .await;
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert_eq!(fake.with(|w| w.counters.posts), posts, "no POST after a handover");
    assert_eq!(fake.with(|w| w.counters.helix_409), 0);
    subscribed_on(&fake, &s2, LUMEN_SUBS).await;
    assert_eq!(*h.state().borrow(), ConnectionState::Connected);
    h.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pitfall_03_only_session_reconnect_starts_a_handover() {
    let fake = Fake::start().await;
    let (h, got, _) = watching(&fake, &["lumen"]).await;
    let s1 = fake.sessions()[0].clone();
    // A frame typed `reconnect` (the wrong name) is not a reconnect: nothing happens.
    let wrong = serde_json::json!({"metadata": {"message_id": "x1", "message_type": "reconnect", "message_timestamp": now_rfc3339()},
        "payload": {"session": {"id": s1, "status": "reconnecting", "reconnect_url": "ws://127.0.0.1:1/ws"}}});
    fake.send(&s1, Out::Text(wrong.to_string()));
    let sent = fake.emit("stream.online", "100");
    all_received(&got, &sent).await;
    assert_eq!(fake.sessions(), std::slice::from_ref(&s1));
    assert_eq!(fake.with(|w| w.counters.connections), 1);
    // The real one is followed.
    fake.reconnect(&s1);
    moved_from(&fake, &s1).await;
    h.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pitfall_04_a_failed_resubscribe_is_retried_not_forgotten() {
    let fake = Fake::start().await;
    let (h, got, _) = watching(&fake, &["lumen"]).await;
    let s1 = fake.sessions()[0].clone();
    // Twitch errors on the first creates after the reconnect.
    fake.with(|w| {
        for _ in 0..2 {
            w.fail_next.push_back((
                "POST eventsub".into(),
                503,
                "Service Unavailable".into(),
                None,
            ));
        }
    });
    fake.close(&s1, 4000);
    let s2 = moved_from(&fake, &s1).await;
    subscribed_on(&fake, &s2, LUMEN_SUBS).await;
    connected(&h).await;
    assert!(!fake.with(|w| w.counters.server_closes.contains(&4003)), "no 4003 loop");
    let sent = fake.emit("stream.online", "100");
    all_received(&got, &sent).await;
    h.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pitfall_05_after_an_unexpected_close_the_new_session_is_subscribed_again() {
    let fake = Fake::start().await;
    let (h, got, _) = watching(&fake, &["lumen"]).await;
    let s1 = fake.sessions()[0].clone();
    let before = SystemTime::now();
    fake.close(&s1, 4005);
    let s2 = moved_from(&fake, &s1).await;
    subscribed_on(&fake, &s2, LUMEN_SUBS).await;
    connected(&h).await;
    let sent = fake.emit("channel.chat.message", "100");
    assert_eq!(sent.len(), 1);
    all_received(&got, &sent).await;
    // The unsubscribed interval is marked.
    wait_until(5, "gap marker", || !got.gaps().is_empty()).await;
    let (ch, from, to) = got.gaps()[0].clone();
    assert_eq!(ch, "100");
    assert!(from <= chrono::DateTime::<chrono::Utc>::from(before) && to > from, "{from} {to}");
    h.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pitfall_06_orphans_of_a_dirty_disconnect_are_deleted_before_creating() {
    let fake = Fake::start().await;
    let (h, got, _) = watching(&fake, &["lumen"]).await;
    let s1 = fake.sessions()[0].clone();
    fake.drop_dirty(&s1);
    let s2 = moved_from(&fake, &s1).await;
    subscribed_on(&fake, &s2, LUMEN_SUBS).await;
    assert_eq!(fake.with(|w| w.counters.helix_409), 0, "orphans deleted first, no 409");
    assert!(fake.with(|w| w.subs.iter().all(|s| s.session_id == s2)), "no orphan left");
    let sent = fake.emit("stream.online", "100");
    all_received(&got, &sent).await;
    h.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pitfall_07_resubscribing_five_channels_stays_within_max_total_cost() {
    let fake = Fake::start().await;
    let (h, _got, _) = watching(&fake, &["lumen", "aria", "brook", "cinder", "dune"]).await;
    wait_until(10, "10 cost-1 subscriptions", || {
        fake.enabled_subs().iter().map(|s| s.cost).sum::<u32>() == 10
    })
    .await;
    let s1 = fake.sessions()[0].clone();
    // Dirty: the old 10 still count at Twitch.
    fake.drop_dirty(&s1);
    let s2 = moved_from(&fake, &s1).await;
    wait_until(10, "cost back at 10 on the new session", || {
        let subs = fake.enabled_subs();
        subs.iter().all(|s| s.session_id == s2) && subs.iter().map(|s| s.cost).sum::<u32>() == 10
    })
    .await;
    assert_eq!(fake.with(|w| w.counters.helix_429), 0, "never over the budget");
    h.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pitfall_08_reconnect_churn_never_opens_more_than_two_sockets() {
    let fake = Fake::start().await;
    let (h, _got, _) = watching(&fake, &["lumen"]).await;
    for i in 0..12 {
        let s = fake.sessions()[0].clone();
        if i % 3 == 0 {
            fake.close(&s, 4006);
        } else {
            fake.reconnect(&s);
        }
        let s2 = moved_from(&fake, &s).await;
        subscribed_on(&fake, &s2, LUMEN_SUBS).await;
    }
    connected(&h).await;
    let max = fake.with(|w| w.counters.max_open);
    assert!(max <= 2, "at most the old and the successor at once: {max}");
    assert_eq!(fake.with(|w| w.counters.open_now), 1);
    h.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pitfall_09_missing_keepalives_mean_a_fresh_socket_not_the_old_session() {
    let fake = Fake::start().await;
    let (h, got, _) = watching(&fake, &["lumen"]).await;
    let s1 = fake.sessions()[0].clone();
    fake.with(|w| w.conns.get_mut(&s1).map(|c| c.keepalive = false));
    let s2 = moved_from(&fake, &s1).await;
    subscribed_on(&fake, &s2, LUMEN_SUBS).await;
    assert!(
        fake.with(|w| w.subs.iter().all(|s| s.session_id != s1)),
        "nothing created on the dead session"
    );
    let sent = fake.emit("stream.online", "100");
    all_received(&got, &sent).await;
    h.shutdown().await;
}

/// The same with the production watchdog on Linux: no look at the wall clock every second, the
/// deadlines timed on `CLOCK_BOOTTIME` (issue 9: no idle wake-ups beyond the keepalives).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pitfall_09_missing_keepalives_are_noticed_without_a_periodic_wall_check() {
    install_crypto();
    let fake = Fake::start().await;
    let (ep, mut cfg) = fake.watcher_config();
    cfg.session.wall_check_interval = None;
    let h = watcher::spawn(&ep, TestTokens::new("tok-1"), cfg).expect("spawn");
    h.add_channel("lumen", None).await.expect("add");
    connected(&h).await;
    let s1 = fake.sessions()[0].clone();
    fake.with(|w| w.conns.get_mut(&s1).map(|c| c.keepalive = false));
    let s2 = moved_from(&fake, &s1).await;
    subscribed_on(&fake, &s2, LUMEN_SUBS).await;
    h.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pitfall_09_a_wall_clock_jump_after_sleep_is_a_lost_connection() {
    install_crypto();
    let fake = Fake::start().await;
    fake.with(|w| w.keepalive_secs = 30);
    let (ep, mut cfg) = fake.watcher_config();
    let offset = Arc::new(AtomicU64::new(0));
    let o = offset.clone();
    cfg.session.wall_clock =
        Arc::new(move || SystemTime::now() + Duration::from_secs(o.load(Ordering::SeqCst)));
    let h = watcher::spawn(&ep, TestTokens::new("tok-1"), cfg).expect("spawn");
    h.add_channel("lumen", None).await.expect("add");
    connected(&h).await;
    let s1 = fake.sessions()[0].clone();
    // The machine "slept" for an hour: the monotonic clock did not move, the wall clock did.
    offset.store(3600, Ordering::SeqCst);
    let s2 = moved_from(&fake, &s1).await;
    subscribed_on(&fake, &s2, LUMEN_SUBS).await;
    h.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pitfall_09_session_does_not_exist_means_reconnect_not_retry() {
    let fake = Fake::start().await;
    let (h, _got, _) = watching(&fake, &["lumen"]).await;
    let s1 = fake.sessions()[0].clone();
    fake.with(|w| {
        w.fail_next.push_back((
            "POST eventsub".into(),
            400,
            "websocket transport session does not exist or has already disconnected".into(),
            None,
        ))
    });
    // Adding a channel makes the watcher create subscriptions on s1; Twitch says it is gone.
    h.add_channel("aria", None).await.expect("add");
    let s2 = moved_from(&fake, &s1).await;
    subscribed_on(&fake, &s2, 2 * LUMEN_SUBS).await;
    h.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pitfall_10_the_resubscribe_reads_the_current_token() {
    let fake = Fake::start().await;
    let (h, got, tokens) = watching(&fake, &["lumen"]).await;
    // The owner refreshed in the background: only tok-2 works now.
    fake.with(|w| w.valid_tokens = vec!["tok-2".into()]);
    *tokens.current.lock().expect("t") = "tok-2".into();
    let s1 = fake.sessions()[0].clone();
    fake.close(&s1, 4006);
    let s2 = moved_from(&fake, &s1).await;
    subscribed_on(&fake, &s2, LUMEN_SUBS).await;
    assert_eq!(tokens.refreshes.load(Ordering::SeqCst), 0, "the current token was used, no 401");
    // And when the token rotates without the watcher knowing: one 401, one refresh, success.
    fake.with(|w| w.valid_tokens = vec!["tok-3".into()]);
    *tokens.next.lock().expect("n") = Some("tok-3".into());
    fake.close(&s2, 4005);
    let s3 = moved_from(&fake, &s2).await;
    subscribed_on(&fake, &s3, LUMEN_SUBS).await;
    assert_eq!(tokens.refreshes.load(Ordering::SeqCst), 1);
    let sent = fake.emit("stream.online", "100");
    all_received(&got, &sent).await;
    h.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pitfall_11_an_expired_token_does_not_touch_the_socket() {
    let fake = Fake::start().await;
    let (h, got, _) = watching(&fake, &["lumen"]).await;
    let s1 = fake.sessions()[0].clone();
    fake.with(|w| w.valid_tokens.clear());
    // A Helix call now fails (401, refresh refused) …
    let err = h.add_channel("aria", None).await.expect_err("no valid token");
    assert!(err.to_string().contains("refresh refused"), "{err}");
    // … but the socket and its subscriptions keep delivering.
    let sent = fake.emit("stream.online", "100");
    all_received(&got, &sent).await;
    assert_eq!(fake.sessions(), [s1]);
    assert_eq!(*h.state().borrow(), ConnectionState::Connected);
    h.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pitfall_14_stop_then_start_leaves_no_zombie_socket() {
    let fake = Fake::start().await;
    let (h, got, _) = watching(&fake, &["lumen"]).await;
    for _ in 0..3 {
        assert!(h.remove_channel("lumen").await.expect("remove"));
        wait_until(5, "no socket", || fake.with(|w| w.counters.open_now) == 0).await;
        h.add_channel("lumen", None).await.expect("add");
        connected(&h).await;
        wait_until(5, "one socket", || fake.sessions().len() == 1).await;
    }
    assert_eq!(fake.with(|w| w.counters.open_now), 1);
    let s = fake.sessions()[0].clone();
    subscribed_on(&fake, &s, LUMEN_SUBS).await;
    let sent = fake.emit("stream.online", "100");
    all_received(&got, &sent).await;
    assert_eq!(got.message_ids().len(), 1, "one socket, one copy");
    h.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pitfall_15_conditions_name_the_channel_and_the_token_user() {
    let fake = Fake::start().await;
    let (h, _got, _) = watching(&fake, &["lumen"]).await;
    let subs = fake.enabled_subs();
    let online = subs.iter().find(|s| s.sub_type == "stream.online").expect("online");
    assert_eq!(online.condition.get("broadcaster_user_id").map(String::as_str), Some("100"));
    assert_eq!(online.condition.len(), 1);
    let chat = subs.iter().find(|s| s.sub_type == "channel.chat.message").expect("chat");
    assert_eq!(chat.condition.get("user_id").map(String::as_str), Some(ME));
    assert_eq!(chat.condition.get("broadcaster_user_id").map(String::as_str), Some("100"));
    let raid_to =
        subs.iter().find(|s| s.condition.contains_key("to_broadcaster_user_id")).expect("raid to");
    assert_eq!(raid_to.condition.get("to_broadcaster_user_id").map(String::as_str), Some("100"));
    h.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pitfall_16_repeated_losses_are_restored_with_a_visible_state() {
    let fake = Fake::start().await;
    let (h, got, _) = watching(&fake, &["lumen"]).await;
    let seen = Arc::new(std::sync::Mutex::new(Vec::new()));
    let mut st = h.state();
    let s2 = seen.clone();
    tokio::spawn(async move {
        while st.changed().await.is_ok() {
            let v = st.borrow_and_update().clone();
            s2.lock().expect("s").push(v);
        }
    });
    for code in [4000, 4001, 4002, 4003, 4004, 4005, 4006, 4007] {
        let s = fake.sessions()[0].clone();
        fake.close(&s, code);
        let next = moved_from(&fake, &s).await;
        subscribed_on(&fake, &next, LUMEN_SUBS).await;
        connected(&h).await;
        let sent = fake.emit("stream.online", "100");
        all_received(&got, &sent).await;
    }
    let states = seen.lock().expect("s").clone();
    let reconnecting =
        states.iter().filter(|s| matches!(s, ConnectionState::Reconnecting { .. })).count();
    assert!(reconnecting >= 8, "{states:?}");
    assert!(states.iter().any(
        |s| matches!(s, ConnectionState::Reconnecting { reason, .. } if reason.contains("4007"))
    ));
    assert_eq!(got.gaps().len(), 8, "one gap per loss");
    h.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pitfall_17_the_same_type_for_two_channels_is_not_a_duplicate() {
    let fake = Fake::start().await;
    let (h, got, _) = watching(&fake, &["lumen", "aria"]).await;
    wait_until(5, "both channels", || {
        fake.enabled_subs().iter().filter(|s| s.sub_type == "stream.online").count() == 2
    })
    .await;
    assert_eq!(fake.with(|w| w.counters.helix_409), 0);
    let mut sent = fake.emit("stream.online", "100");
    sent.extend(fake.emit("stream.online", "101"));
    assert_eq!(sent.len(), 2);
    all_received(&got, &sent).await;
    let channels: Vec<Option<String>> = got
        .0
        .lock()
        .expect("c")
        .iter()
        .filter_map(|u| match u {
            WatchUpdate::Notification { channel_id, .. } => Some(channel_id.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(channels, [Some("100".into()), Some("101".into())]);
    h.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pitfall_18_unknown_notice_types_and_junk_frames_do_not_break_the_session() {
    let fake = Fake::start().await;
    let (h, got, _) = watching(&fake, &["lumen"]).await;
    let s1 = fake.sessions()[0].clone();
    let mut sent = fake.emit_with(
        "channel.chat.notification",
        "100",
        serde_json::json!({"notice_type": "gift_sub_bonus_match", "system_message": "Twitch matched 5 gifts"}),
    );
    fake.send(&s1, Out::Text("{not json".into()));
    fake.send(&s1, Out::Text(r#"{"metadata":{"message_id":"u1","message_type":"brand_new_type","message_timestamp":"2026-11-28T03:00:00.123456789Z"},"payload":{}}"#.into()));
    sent.extend(fake.emit("stream.online", "100"));
    all_received(&got, &sent).await;
    assert_eq!(fake.sessions(), [s1]);
    assert_eq!(fake.with(|w| w.counters.inbound), 0);
    h.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_revocation_drops_the_subscription_marks_a_gap_and_recreates_when_allowed() {
    let fake = Fake::start().await;
    let (h, got, _) = watching(&fake, &["lumen"]).await;
    let s1 = fake.sessions()[0].clone();
    let online =
        fake.enabled_subs().into_iter().find(|s| s.sub_type == "stream.online").expect("online");
    fake.revoke(&online.id, "websocket_internal_error");
    wait_until(5, "recreated", || {
        fake.enabled_subs().iter().any(|s| s.sub_type == "stream.online" && s.id != online.id)
    })
    .await;
    wait_until(5, "gap", || got.gaps().len() == 1).await;
    // user_removed: gone for good, not recreated; the user is told.
    let update =
        fake.enabled_subs().into_iter().find(|s| s.sub_type == "channel.update").expect("update");
    fake.revoke(&update.id, "user_removed");
    wait_until(5, "notice", || got.notices().iter().any(|n| n.contains("user_removed"))).await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(!fake.enabled_subs().iter().any(|s| s.sub_type == "channel.update"));
    assert_eq!(fake.sessions(), [s1], "a revocation does not touch the socket");
    h.shutdown().await;
}
