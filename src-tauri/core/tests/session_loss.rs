//! A lost socket against the simulator (docs/twitch.md §1.4, §1.5; §7 pitfalls 4–7, 9, 14 and
//! 16): every way a session ends — a close code, a dirty drop with zombie subscriptions,
//! silence, a machine that slept, a session Twitch no longer knows — gives a fresh socket,
//! a resubscribe within the cost limit and a gap for what was missed.

mod support;

use serde_json::{Value, json};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime};
use support::*;
use tev_core::eventsub::session::Backoff;
use tev_core::feed::EventKind;
use tev_core::watcher::{self, ConnectionState};

/// docs/twitch.md §1.4: a lost socket disables every subscription of its session, and events
/// in between are not replayed. A reconcile still running when the socket is lost may already
/// have enabled some of its subscriptions (their answers never reach the watcher), so every
/// channel it was subscribing gets a gap, not only those known to be enabled. (The chaos soak
/// lost events this way after handovers had cut reconciles short.)
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn twitch_md_1_4_a_loss_during_a_reconcile_gives_its_channels_a_gap() {
    let sim = Sim::start().await;
    let (h, got, _) = watching(&sim, &["lumenforge"]).await;
    wait_until(10, "lumenforge subscribed", || {
        h.subscriptions().borrow().enabled.len() == VIEWER_SUBS
    })
    .await;
    let old = sim.sessions().await[0].clone();
    sim.config(json!({"subscribe_delay_ms": 300})).await;
    h.add_channel("nightowl", None).await.expect("add nightowl");
    // nightowl's creates are on their way when the socket goes.
    tokio::time::sleep(Duration::from_millis(50)).await;
    sim.post(&format!("/_sim/sessions/{old}/close"), json!({"code": 4006})).await;
    let at: chrono::DateTime<chrono::Utc> = SystemTime::now().into();
    sim.config(json!({"subscribe_delay_ms": 0})).await;
    wait_until(10, "gaps on both channels", || {
        let gaps = got.gaps();
        [LUMEN, NIGHTOWL].iter().all(|ch| gaps.iter().any(|(c, _, to)| c == ch && *to >= at))
    })
    .await;
    wait_until(10, "both channels subscribed again", || {
        h.subscriptions().borrow().enabled.len() == 2 * VIEWER_SUBS
    })
    .await;
    h.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pitfall_04_a_failed_resubscribe_is_retried_not_forgotten() {
    let sim = Sim::start().await;
    let (h, got, _) = watching(&sim, &["lumenforge"]).await;
    let s1 = sim.sessions().await[0].clone();
    // Twitch errors on the first creates after the reconnect.
    sim.fault(json!({"path": "/helix/eventsub/subscriptions", "method": "POST", "status": 503,
                     "message": "Service Unavailable", "times": 2}))
        .await;
    sim.post(&format!("/_sim/sessions/{s1}/close"), json!({"code": 4000})).await;
    let s2 = moved_from(&sim, &s1).await;
    subscribed_on(&sim, &s2, VIEWER_SUBS).await;
    connected(&h).await;
    let c = sim.counters().await;
    assert!(c["server_closes"].get("4003").is_none(), "no 4003 loop: {c}");
    assert_eq!(c["helix_statuses"]["503"], 2, "both failures were answered: {c}");
    let sent = sim.emit("stream.online", "lumenforge").await;
    all_received(&got, &sent).await;
    h.shutdown().await;
}

/// A 4005 (docs/twitch.md §1.5): a new session, subscribed again, a gap from before the close
/// to after it, and the feed shows both the `gap` row and the next event.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pitfall_05_after_an_unexpected_close_the_new_session_is_subscribed_again_with_a_gap() {
    let sim = Sim::start().await;
    let (h, got, _) = watching(&sim, &["lumenforge"]).await;
    let s1 = sim.sessions().await[0].clone();
    // No keepalive may move the last frame past `before`.
    sim.post(&format!("/_sim/sessions/{s1}/keepalive"), json!({"enabled": false})).await;
    sim.post(&format!("/_sim/sessions/{s1}/flush"), json!({})).await;
    let before = SystemTime::now();
    sim.post(&format!("/_sim/sessions/{s1}/close"), json!({"code": 4005})).await;
    let s2 = moved_from(&sim, &s1).await;
    subscribed_on(&sim, &s2, VIEWER_SUBS).await;
    connected(&h).await;
    let st = sim.state().await;
    let subs: Vec<&Value> = st["subscriptions"]
        .as_array()
        .expect("subs")
        .iter()
        .filter(|s| s["status"] == "enabled")
        .collect();
    assert!(subs.len() >= 6, "{subs:?}");
    assert!(subs.iter().all(|s| s["transport"]["session_id"] == s2.as_str()));
    let mut sent = sim.emit("channel.chat.message", "lumenforge").await;
    assert_eq!(sent.len(), 1);
    let online = sim.emit("stream.online", "lumenforge").await;
    assert_eq!(online.len(), 1);
    sent.extend(online.iter().cloned());
    all_received(&got, &sent).await;
    // The unsubscribed interval is marked.
    wait_until(5, "gap marker", || !got.gaps().is_empty()).await;
    let (ch, from, to) = got.gaps()[0].clone();
    assert_eq!(ch, LUMEN);
    assert!(from <= chrono::DateTime::<chrono::Utc>::from(before) && to > from, "{from} {to}");
    // The feed got both: a `gap` row for the lost interval and the stream_online row whose id
    // is the frame's message_id.
    wait_until(5, "feed rows", || got.rows().len() >= 2).await;
    let rows = got.rows();
    let gap = rows.iter().find(|e| e.kind == EventKind::Gap).expect("gap row");
    assert_eq!(gap.channel_id, LUMEN);
    let row = rows.iter().find(|e| e.kind == EventKind::StreamOnline).expect("online row");
    assert_eq!(row.id, online[0]);
    assert_eq!(row.channel_login, "lumenforge");
    assert!(row.actor.is_none());
    h.shutdown().await;
}

/// A dirty drop (docs/twitch.md §1.4 "Practical caveat"): the dead session's subscriptions
/// stay enabled at Twitch. The fresh session creates first (the 4003 deadline, §1.1); the first
/// create meets a zombie (409), they are all deleted then, and no orphan is left.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pitfall_06_zombie_subscriptions_of_a_dirty_drop_are_deleted_at_the_first_409() {
    let sim = Sim::start().await;
    let (h, got, _) = watching(&sim, &["lumenforge"]).await;
    let s1 = sim.sessions().await[0].clone();
    sim.post(&format!("/_sim/sessions/{s1}/drop"), json!({"zombie": true})).await;
    let s2 = moved_from(&sim, &s1).await;
    subscribed_on(&sim, &s2, VIEWER_SUBS).await;
    wait_until(10, "gap", || !got.gaps().is_empty()).await;
    connected(&h).await;
    assert_eq!(sim.helix_status(409).await, 1, "one 409, then the zombies are deleted at once");
    let st = sim.state().await;
    let subs = st["subscriptions"].as_array().expect("subs");
    assert!(
        subs.iter().all(|s| s["transport"]["session_id"] == s2.as_str()),
        "zombies of {s1} deleted: {subs:?}"
    );
    let mut sent = sim.emit("channel.chat.message", "lumenforge").await;
    assert_eq!(sent.len(), 1);
    sent.extend(sim.emit("stream.online", "lumenforge").await);
    all_received(&got, &sent).await;
    h.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pitfall_07_resubscribing_five_channels_stays_within_max_total_cost() {
    let sim = Sim::start().await;
    sim.user("cindervale", false).await;
    let (h, _got, _) =
        watching(&sim, &["lumenforge", "nightowl", "quietfox", "pixelpaladin", "cindervale"]).await;
    let cost = |subs: &[Value]| subs.iter().filter_map(|s| s["cost"].as_u64()).sum::<u64>();
    eventually(10, "10 cost-1 subscriptions", || async { cost(&sim.enabled_subs().await) == 10 })
        .await;
    let s1 = sim.sessions().await[0].clone();
    // Dirty: the old 10 still count at Twitch.
    sim.post(&format!("/_sim/sessions/{s1}/drop"), json!({"zombie": true})).await;
    let s2 = moved_from(&sim, &s1).await;
    eventually(10, "cost back at 10 on the new session", || async {
        let subs = sim.enabled_subs().await;
        subs.iter().all(|s| s["transport"]["session_id"] == s2.as_str()) && cost(&subs) == 10
    })
    .await;
    assert_eq!(sim.helix_status(429).await, 0, "never over the budget");
    h.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pitfall_09_missing_keepalives_mean_a_fresh_socket_not_the_old_session() {
    let sim = Sim::start().await;
    let (h, got, _) = watching(&sim, &["lumenforge"]).await;
    let s1 = sim.sessions().await[0].clone();
    sim.post(&format!("/_sim/sessions/{s1}/keepalive"), json!({"enabled": false})).await;
    let s2 = moved_from(&sim, &s1).await;
    subscribed_on(&sim, &s2, VIEWER_SUBS).await;
    let st = sim.state().await;
    assert!(
        st["subscriptions"]
            .as_array()
            .expect("subs")
            .iter()
            .all(|s| s["transport"]["session_id"] != s1.as_str() || s["status"] != "enabled"),
        // Its old subscriptions stay listed with a `websocket_*` status until the cleanup
        // that follows the creates deletes them (docs/twitch.md §1.7).
        "nothing enabled on the dead session: {st}"
    );
    let sent = sim.emit("stream.online", "lumenforge").await;
    all_received(&got, &sent).await;
    h.shutdown().await;
}

/// The same with the production watchdog on Linux: no look at the wall clock every second,
/// the deadlines timed on `CLOCK_BOOTTIME` (no idle wake-ups beyond the keepalives).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pitfall_09_missing_keepalives_are_noticed_without_a_periodic_wall_check() {
    let sim = Sim::start().await;
    let (ep, mut cfg) = sim.watcher_config();
    cfg.session.wall_check_interval = None;
    let tokens = sim.tokens("sim_viewer", VIEWER_SCOPES).await;
    let h = watcher::spawn(&ep, tokens, cfg).expect("spawn");
    h.add_channel("lumenforge", None).await.expect("add");
    connected(&h).await;
    let s1 = sim.sessions().await[0].clone();
    sim.post(&format!("/_sim/sessions/{s1}/keepalive"), json!({"enabled": false})).await;
    let s2 = moved_from(&sim, &s1).await;
    subscribed_on(&sim, &s2, VIEWER_SUBS).await;
    h.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pitfall_09_a_wall_clock_jump_after_sleep_is_a_lost_connection() {
    let sim = Sim::start().await;
    // A long keepalive window: only the clock jump can end the session.
    sim.config(json!({"welcome_keepalive_secs": 30})).await;
    let (ep, mut cfg) = sim.watcher_config();
    let offset = Arc::new(AtomicU64::new(0));
    let o = offset.clone();
    cfg.session.wall_clock =
        Arc::new(move || SystemTime::now() + Duration::from_secs(o.load(Ordering::SeqCst)));
    let tokens = sim.tokens("sim_viewer", VIEWER_SCOPES).await;
    let h = watcher::spawn(&ep, tokens, cfg).expect("spawn");
    h.add_channel("lumenforge", None).await.expect("add");
    connected(&h).await;
    let s1 = sim.sessions().await[0].clone();
    // The machine "slept" for an hour: the monotonic clock did not move, the wall clock did.
    offset.store(3600, Ordering::SeqCst);
    let s2 = moved_from(&sim, &s1).await;
    subscribed_on(&sim, &s2, VIEWER_SUBS).await;
    h.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pitfall_09_session_does_not_exist_means_reconnect_not_retry() {
    let sim = Sim::start().await;
    let (h, _got, _) = watching(&sim, &["lumenforge"]).await;
    let s1 = sim.sessions().await[0].clone();
    sim.fault(json!({"path": "/helix/eventsub/subscriptions", "method": "POST", "status": 400,
        "message": "websocket transport session does not exist or has already disconnected"}))
        .await;
    // Adding a channel makes the watcher create subscriptions on s1; Twitch says it is gone.
    h.add_channel("nightowl", None).await.expect("add");
    let s2 = moved_from(&sim, &s1).await;
    subscribed_on(&sim, &s2, 2 * VIEWER_SUBS).await;
    h.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pitfall_14_stop_then_start_leaves_no_zombie_socket() {
    let sim = Sim::start().await;
    let (h, got, _) = watching(&sim, &["lumenforge"]).await;
    for _ in 0..3 {
        assert!(h.remove_channel("lumenforge").await.expect("remove"));
        eventually(5, "no socket", || async { sim.counters().await["ws_open"] == 0 }).await;
        h.add_channel("lumenforge", None).await.expect("add");
        connected(&h).await;
        sim.wait_sessions("one socket", |s| s.len() == 1).await;
    }
    assert_eq!(sim.counters().await["ws_open"], 1);
    let s = sim.sessions().await[0].clone();
    subscribed_on(&sim, &s, VIEWER_SUBS).await;
    let sent = sim.emit("stream.online", "lumenforge").await;
    all_received(&got, &sent).await;
    assert_eq!(got.message_ids().len(), 1, "one socket, one copy");
    h.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pitfall_16_repeated_losses_are_restored_with_a_visible_state() {
    let sim = Sim::start().await;
    let (ep, mut cfg) = sim.watcher_config();
    // Each retry comes 250 ms after its loss, so the observer sees every Reconnecting state
    // (a watch channel keeps only the latest value; a 10 ms retry could overwrite it first).
    cfg.session.backoff = Backoff {
        initial: Duration::from_millis(250),
        max: Duration::from_millis(250),
        jitter: false,
    };
    let h = watcher::spawn(&ep, sim.tokens("sim_viewer", VIEWER_SCOPES).await, cfg).expect("spawn");
    let got = Collected::start(&h);
    h.add_channel("lumenforge", None).await.expect("add");
    connected(&h).await;
    let seen = states(&h);
    for code in [4000, 4001, 4002, 4003, 4004, 4005, 4006, 4007] {
        let s = sim.sessions().await[0].clone();
        sim.post(&format!("/_sim/sessions/{s}/close"), json!({"code": code})).await;
        let next = moved_from(&sim, &s).await;
        subscribed_on(&sim, &next, VIEWER_SUBS).await;
        connected(&h).await;
        let sent = sim.emit("stream.online", "lumenforge").await;
        all_received(&got, &sent).await;
    }
    let states = seen.lock().expect("states").clone();
    let reconnecting =
        states.iter().filter(|s| matches!(s, ConnectionState::Reconnecting { .. })).count();
    assert!(reconnecting >= 8, "{states:?}");
    assert!(states.iter().any(
        |s| matches!(s, ConnectionState::Reconnecting { reason, .. } if reason.contains("4007"))
    ));
    assert_eq!(got.gaps().len(), 8, "one gap per loss");
    h.shutdown().await;
}
