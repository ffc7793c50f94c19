//! The session, reconciler and watcher against twitch-sim (in-process, real sockets, driven
//! through its `/_sim/*` control API, issue 3): the handover test and the socket
//! pitfalls of twitch.md §7 that the simulator can reproduce.

mod session_fake;

use serde_json::{Value, json};
use session_fake::Collected;
use session_fake::sim::Sim;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tev_core::feed::EventKind;
use tev_core::watcher::{ConnectionState, WatcherHandle};

/// lumenforge in the simulator's default world (issue 3 pins its ids).
const LUMEN: &str = "141592653";

async fn connected(h: &WatcherHandle) {
    session_fake::connected(h).await;
}

fn states(h: &WatcherHandle) -> Arc<Mutex<Vec<ConnectionState>>> {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let mut st = h.state();
    let s2 = seen.clone();
    tokio::spawn(async move {
        while st.changed().await.is_ok() {
            let v = st.borrow_and_update().clone();
            s2.lock().expect("s").push(v);
        }
    });
    seen
}

async fn all_received(got: &Collected, sent: &[String]) {
    session_fake::wait_until(30, "every sent event received", || {
        let ids = got.message_ids();
        sent.iter().all(|s| ids.contains(s))
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sim_two_hundred_handovers_while_events_flow_deliver_each_event_once() {
    let sim = Arc::new(Sim::start().await);
    let (h, got) = sim.watcher().await;
    h.add_channel("lumenforge", None).await.expect("add");
    connected(&h).await;
    let seen = states(&h);
    let stop = Arc::new(AtomicBool::new(false));
    let pump = {
        let sim = sim.clone();
        let stop = stop.clone();
        tokio::spawn(async move {
            let mut sent = Vec::new();
            while !stop.load(Ordering::SeqCst) {
                sent.extend(sim.emit("channel.chat.notification", "lumenforge").await);
            }
            sent
        })
    };
    for n in 0..200 {
        let s = sim.wait_sessions("one session", |s| s.len() == 1).await;
        sim.post(&format!("/_sim/sessions/{}/reconnect", s[0]), json!({})).await;
        let old = s[0].clone();
        sim.wait_sessions(&format!("handover {n}"), |s| s.len() == 1 && s[0] != old).await;
    }
    stop.store(true, Ordering::SeqCst);
    let sent = pump.await.expect("pump");
    assert!(sent.len() > 200, "events flowed during the handovers: {}", sent.len());
    // The simulator wrote every frame it routed to an old connection before the successor's
    // welcome (twitch.md §1.3 step 3); a loss below is then the client's.
    let unsent = &sim.state().await["counters"]["frames_unsent"];
    assert_eq!(unsent, &json!(0), "the simulator cut frames off at a handover");
    all_received(&got, &sent).await;
    tokio::time::sleep(Duration::from_millis(100)).await;
    let ids = got.message_ids();
    let mut a = ids.clone();
    a.sort();
    a.dedup();
    assert_eq!(a.len(), ids.len(), "an event was shown twice");
    assert_eq!(ids.len(), sent.len(), "exactly once");
    // No 4007/4004 or any other loss: the watcher never left Connected, no gap.
    let st = seen.lock().expect("s").clone();
    assert!(st.iter().all(|s| *s == ConnectionState::Connected), "{st:?}");
    assert!(got.gaps().is_empty());
    eprintln!("sim handover: 200 reconnects, {} events", sent.len());
    h.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sim_pitfall_05_a_4005_close_resubscribes_the_new_session_and_marks_a_gap() {
    let sim = Sim::start().await;
    let (h, got) = sim.watcher().await;
    h.add_channel("lumenforge", None).await.expect("add");
    connected(&h).await;
    let s1 = sim.sessions().await[0].clone();
    sim.post(&format!("/_sim/sessions/{s1}/close"), json!({"code": 4005})).await;
    let s2 = sim.wait_sessions("a new session", |s| s.len() == 1 && s[0] != s1).await[0].clone();
    session_fake::wait_until(10, "gap and resubscribed", || !got.gaps().is_empty()).await;
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
    let sent = sim.emit("stream.online", "lumenforge").await;
    assert_eq!(sent.len(), 1);
    all_received(&got, &sent).await;
    assert_eq!(got.gaps()[0].0, LUMEN);
    // The feed got both: a `gap` row for the lost interval and the stream_online row whose id
    // is the frame's message_id (issue 4 "Precise rules").
    session_fake::wait_until(5, "feed rows", || got.rows().len() >= 2).await;
    let rows = got.rows();
    let gap = rows.iter().find(|e| e.kind == EventKind::Gap).expect("gap row");
    assert_eq!(gap.channel_id, LUMEN);
    let online = rows.iter().find(|e| e.kind == EventKind::StreamOnline).expect("online row");
    assert_eq!(online.id, sent[0]);
    assert_eq!(online.channel_login, "lumenforge");
    assert!(online.actor.is_none());
    h.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sim_pitfall_06_zombie_subscriptions_of_a_dirty_drop_are_cleaned_up() {
    let sim = Sim::start().await;
    let (h, got) = sim.watcher().await;
    h.add_channel("lumenforge", None).await.expect("add");
    connected(&h).await;
    let s1 = sim.sessions().await[0].clone();
    sim.post(&format!("/_sim/sessions/{s1}/drop"), json!({"zombie": true})).await;
    let s2 = sim.wait_sessions("a new session", |s| s.len() == 1 && s[0] != s1).await[0].clone();
    session_fake::wait_until(10, "gap", || !got.gaps().is_empty()).await;
    connected(&h).await;
    let st = sim.state().await;
    let subs = st["subscriptions"].as_array().expect("subs");
    assert!(
        subs.iter().all(|s| s["transport"]["session_id"] == s2.as_str()),
        "zombies of {s1} deleted: {subs:?}"
    );
    let sent = sim.emit("channel.chat.message", "lumenforge").await;
    assert_eq!(sent.len(), 1);
    all_received(&got, &sent).await;
    h.shutdown().await;
}

/// Issue 9 (growth): the session queues at most a few dozen frames (`FRAMES_IN_FLIGHT`); a
/// burst far larger than that waits in the socket, and none of it is lost, repeated or
/// reordered, and the connection is never taken for silent while it is worked through.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sim_a_burst_far_larger_than_the_frames_in_flight_arrives_whole_and_in_order() {
    let sim = Sim::start().await;
    let (h, got) = sim.watcher().await;
    h.add_channel("lumenforge", None).await.expect("add");
    connected(&h).await;
    let seen = states(&h);
    let sent = sim
        .emit_json(json!({"type": "channel.chat.notification", "broadcaster_login": "lumenforge",
                          "event": {"notice_type": "sub"}, "count": 5000}))
        .await;
    assert_eq!(sent.len(), 5000, "the simulator sent the burst");
    all_received(&got, &sent).await;
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert_eq!(got.message_ids(), sent, "every frame once, in the order sent");
    let st = seen.lock().expect("states").clone();
    assert!(st.iter().all(|s| *s == ConnectionState::Connected), "never left Connected: {st:?}");
    assert!(got.gaps().is_empty(), "no gap");
    h.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sim_duplicates_show_once() {
    let sim = Sim::start().await;
    let (h, got) = sim.watcher().await;
    h.add_channel("lumenforge", None).await.expect("add");
    connected(&h).await;
    let s1 = sim.sessions().await[0].clone();
    sim.post(&format!("/_sim/sessions/{s1}/duplicate-next"), json!({})).await;
    let sent = sim.emit("stream.online", "lumenforge").await;
    all_received(&got, &sent).await;
    tokio::time::sleep(Duration::from_millis(100)).await;
    // The simulator sent the same message id twice (twitch.md §1.7); it is shown once.
    assert_eq!(sent.len(), 2);
    assert_eq!(sent[0], sent[1]);
    assert_eq!(got.message_ids(), sent[..1]);
    h.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sim_authorization_revoked_fails_with_a_reason() {
    let sim = Sim::start().await;
    let (h, got) = sim.watcher().await;
    h.add_channel("lumenforge", None).await.expect("add");
    connected(&h).await;
    sim.post("/_sim/authorizations/revoke", json!({"login": "sim_viewer"})).await;
    // The revocation frames become open-ended `gap` rows in the feed.
    session_fake::wait_until(5, "revocation gap row", || {
        got.rows().iter().any(|e| e.kind == EventKind::Gap && e.channel_id == LUMEN)
    })
    .await;
    let mut st = h.state();
    tokio::time::timeout(
        Duration::from_secs(10),
        st.wait_for(|s| matches!(s, ConnectionState::Failed { .. })),
    )
    .await
    .expect("failed in time")
    .expect("alive");
    assert!(!got.gaps().is_empty() || !got.notices().is_empty());
    h.shutdown().await;
}
