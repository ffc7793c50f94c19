//! `session_reconnect` handovers against the simulator (docs/twitch.md §1.3; §7 pitfalls 1–3
//! and 8): hundreds of consecutive handovers while events flow deliver every event exactly
//! once, without 4004/4007, a resubscribe or a gap; the old socket is read until the
//! successor's welcome and closed after it; a cut-off old socket, or a reconcile caught by a
//! handover, is handled.

mod support;

use serde_json::json;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;
use support::*;
use tev_core::watcher::ConnectionState;

/// Sends chat notifications, alternating between `logins`, until stopped; answers the ids sent.
fn pump(
    sim: &Arc<Sim>,
    logins: &'static [&'static str],
) -> (Arc<AtomicBool>, tokio::task::JoinHandle<Vec<String>>) {
    let stop = Arc::new(AtomicBool::new(false));
    let (s, flag) = (sim.clone(), stop.clone());
    let task = tokio::spawn(async move {
        let mut sent = Vec::new();
        let mut i = 0;
        while !flag.load(Ordering::SeqCst) {
            sent.extend(s.emit("channel.chat.notification", logins[i % logins.len()]).await);
            i += 1;
        }
        sent
    });
    (stop, task)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_hundred_handovers_while_events_flow_lose_and_repeat_nothing() {
    let sim = Arc::new(Sim::start().await);
    let (h, got, _) = watching(&sim, &["lumenforge", "nightowl"]).await;
    // Both channels fully subscribed before the handovers start.
    wait_until(10, "both channels subscribed", || {
        h.subscriptions().borrow().enabled.len() == 2 * VIEWER_SUBS
    })
    .await;
    let seen = states(&h);
    let creates = sim.creates().await;
    let (stop, pumping) = pump(&sim, &["lumenforge", "nightowl"]);
    let started = std::time::Instant::now();
    for n in 0..200 {
        let s = sim.sessions().await;
        assert_eq!(s.len(), 1, "round {n}: one socket between handovers");
        sim.post(&format!("/_sim/sessions/{}/reconnect", s[0]), json!({})).await;
        moved_from(&sim, &s[0]).await;
    }
    stop.store(true, Ordering::SeqCst);
    let sent = pumping.await.expect("pump");
    assert!(sent.len() > 200, "events flowed during the handovers: {}", sent.len());
    // The simulator wrote every frame it routed to an old connection before the successor's
    // welcome (docs/twitch.md §1.3 step 3); a loss below is then the client's.
    let c = sim.counters().await;
    assert_eq!(c["frames_unsent"], 0, "the simulator cut frames off at a handover");
    all_received(&got, &sent).await;
    // Anything repeated would arrive behind the last frame, on the one socket left.
    let last = sim.sessions().await[0].clone();
    sim.post(&format!("/_sim/sessions/{last}/flush"), json!({})).await;
    tokio::time::sleep(Duration::from_millis(100)).await;
    let ids = got.message_ids();
    let (mut a, mut b) = (ids.clone(), sent.clone());
    a.sort();
    a.dedup();
    assert_eq!(a.len(), ids.len(), "an event was shown twice");
    b.sort();
    assert_eq!(a.len(), b.len(), "exactly once: received {} of {} sent", ids.len(), sent.len());
    assert_eq!(a, b);
    assert!(c["server_closes"].get("4007").is_none(), "no 4007: {c}");
    assert!(c["server_closes"].get("4004").is_none(), "no 4004 (grace expired): {c}");
    assert_eq!(c["early_closes"], 0, "an old socket closed before its successor's welcome");
    assert_eq!(sim.creates().await, creates, "never resubscribed");
    assert!(c["ws_open_max"].as_u64() <= Some(2), "{c}");
    // Nothing lost, so the watcher never left Connected and marked no gap.
    let st = seen.lock().expect("states").clone();
    assert!(st.iter().all(|s| *s == ConnectionState::Connected), "{st:?}");
    assert!(got.gaps().is_empty());
    eprintln!("handover: 200 reconnects, {} events, {:?}", sent.len(), started.elapsed());
    h.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pitfall_01_the_old_socket_is_closed_only_after_the_successors_welcome() {
    let sim = Arc::new(Sim::start().await);
    let (h, got, _) = watching(&sim, &["lumenforge"]).await;
    let s1 = sim.sessions().await[0].clone();
    let (stop, pumping) = pump(&sim, &["lumenforge"]);
    tokio::time::sleep(Duration::from_millis(30)).await;
    sim.post(&format!("/_sim/sessions/{s1}/reconnect"), json!({})).await;
    let s2 = moved_from(&sim, &s1).await;
    tokio::time::sleep(Duration::from_millis(30)).await;
    stop.store(true, Ordering::SeqCst);
    let sent = pumping.await.expect("pump");
    assert!(!sent.is_empty());
    all_received(&got, &sent).await;
    let c = sim.counters().await;
    assert_eq!(c["early_closes"], 0, "closed before the successor's welcome (4007 at Twitch)");
    assert!(c["server_closes"].get("4004").is_none(), "old socket left open (4004 at Twitch)");
    assert!(c["client_closes"]["1000"].as_u64() >= Some(1), "old socket closed with 1000: {c}");
    assert!(c["server_closes"].get("4007").is_none());
    assert_ne!(s1, s2);
    assert!(got.gaps().is_empty(), "a handover loses nothing: no gap");
    h.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pitfall_02_a_handover_never_resubscribes() {
    let sim = Sim::start().await;
    let (h, _got, _) = watching(&sim, &["lumenforge"]).await;
    let s1 = sim.sessions().await[0].clone();
    let creates = sim.creates().await;
    sim.post(&format!("/_sim/sessions/{s1}/reconnect"), json!({})).await;
    let s2 = moved_from(&sim, &s1).await;
    wait_until(5, "report shows the new session", || {
        h.subscriptions().borrow().session_id.as_deref() == Some(s2.as_str())
    })
    .await;
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert_eq!(sim.creates().await, creates, "no POST after a handover");
    assert_eq!(sim.helix_status(409).await, 0);
    subscribed_on(&sim, &s2, VIEWER_SUBS).await;
    assert_eq!(*h.state().borrow(), ConnectionState::Connected);
    h.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pitfall_03_only_session_reconnect_starts_a_handover() {
    let sim = Sim::start().await;
    let (h, got, _) = watching(&sim, &["lumenforge"]).await;
    let s1 = sim.sessions().await[0].clone();
    // A frame typed `reconnect` (the wrong name) is not a reconnect: nothing happens.
    let wrong = json!({"metadata": {"message_id": "x1", "message_type": "reconnect",
            "message_timestamp": "2026-11-28T03:00:00.123456789Z"},
        "payload": {"session": {"id": s1, "status": "reconnecting",
            "reconnect_url": "ws://127.0.0.1:1/ws"}}});
    sim.post(&format!("/_sim/sessions/{s1}/send"), json!({"text": wrong.to_string()})).await;
    let sent = sim.emit("stream.online", "lumenforge").await;
    all_received(&got, &sent).await;
    assert_eq!(sim.sessions().await, std::slice::from_ref(&s1));
    assert_eq!(sim.counters().await["ws_connections"], 1);
    // The real one is followed.
    sim.post(&format!("/_sim/sessions/{s1}/reconnect"), json!({})).await;
    moved_from(&sim, &s1).await;
    h.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pitfall_08_reconnect_churn_never_opens_more_than_two_sockets() {
    let sim = Sim::start().await;
    let (h, _got, _) = watching(&sim, &["lumenforge"]).await;
    for i in 0..12 {
        let s = sim.sessions().await[0].clone();
        if i % 3 == 0 {
            sim.post(&format!("/_sim/sessions/{s}/close"), json!({"code": 4006})).await;
        } else {
            sim.post(&format!("/_sim/sessions/{s}/reconnect"), json!({})).await;
        }
        let s2 = moved_from(&sim, &s).await;
        subscribed_on(&sim, &s2, VIEWER_SUBS).await;
    }
    connected(&h).await;
    let c = sim.counters().await;
    assert!(c["ws_open_max"].as_u64() <= Some(2), "at most the old and the successor at once: {c}");
    assert_eq!(c["ws_open"], 1);
    h.shutdown().await;
}

/// docs/twitch.md §1.3 step 3: until the successor's welcome Twitch sends on the old socket,
/// so frames can still be on their way when the welcome arrives. The old socket is read until
/// Twitch answers the close; if it is cut off instead, frames sent before the welcome may be
/// gone, and the channels get a gap from the old socket's last frame to the switch. (The chaos
/// soak lost events this way: a dirty drop of the old socket during a handover.)
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn twitch_md_1_3_step_3_an_old_socket_cut_off_before_its_close_leaves_a_gap() {
    let sim = Sim::start().await;
    let (h, got, _) = watching(&sim, &["lumenforge", "nightowl"]).await;
    wait_until(10, "both channels subscribed", || {
        h.subscriptions().borrow().enabled.len() == 2 * VIEWER_SUBS
    })
    .await;
    let old = sim.sessions().await[0].clone();
    // No keepalive can arrive after the moment below; the close is never answered.
    sim.post(&format!("/_sim/sessions/{old}/keepalive"), json!({"enabled": false})).await;
    sim.post(&format!("/_sim/sessions/{old}/cut-off-on-close"), json!({})).await;
    sim.post(&format!("/_sim/sessions/{old}/reconnect"), json!({})).await;
    // A frame Twitch sent on the old socket when it sent `session_reconnect` would still
    // belong to it (before the successor's welcome) and is what a cut-off socket may lose.
    // The simulator logs that moment; the test's own clock may read it only after the
    // whole handover.
    let told = format!("{old} told to reconnect");
    let at: chrono::DateTime<chrono::Utc> = sim
        .log(Some("ws"))
        .await
        .iter()
        .find(|e| e["text"] == told.as_str())
        .and_then(|e| e["at"].as_str()?.parse().ok())
        .expect("the reconnect in the simulator's log");
    moved_from(&sim, &old).await;
    wait_until(10, "a gap on both channels", || {
        let gaps = got.gaps();
        [LUMEN, NIGHTOWL]
            .iter()
            .all(|ch| gaps.iter().any(|(c, from, to)| c == ch && *from <= at && at <= *to))
    })
    .await;
    // The session itself moved fine: no resubscribe, still connected, events flow.
    assert_eq!(*h.state().borrow(), ConnectionState::Connected);
    let ids = sim.emit("channel.chat.notification", "lumenforge").await;
    assert_eq!(ids.len(), 1);
    wait_until(10, "an event on the successor", || got.message_ids().contains(&ids[0])).await;
    h.shutdown().await;
}

/// docs/twitch.md §1.3 step 4: the subscriptions move to the successor by themselves. A
/// reconcile still working on the old session id when `session_reconnect` comes would create
/// subscriptions left behind on the old socket (or delete the moved ones as orphans); it is
/// stopped, and one runs on the successor after its welcome. (The chaos soak showed events
/// lost, and subscriptions missing, after such a race.)
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn twitch_md_1_3_step_4_no_reconcile_runs_on_the_old_session_during_a_handover() {
    let sim = Sim::start().await;
    let (h, got, _) = watching(&sim, &["lumenforge"]).await;
    wait_until(10, "lumenforge subscribed", || {
        h.subscriptions().borrow().enabled.len() == VIEWER_SUBS
    })
    .await;
    let old = sim.sessions().await[0].clone();
    // The creates for a new channel land after the subscriptions moved, while the old socket
    // is still open (the successor's welcome is late).
    sim.config(json!({"subscribe_delay_ms": 100, "successor_welcome_delay_ms": 2000})).await;
    h.add_channel("nightowl", None).await.expect("add nightowl");
    sim.post(&format!("/_sim/sessions/{old}/reconnect"), json!({})).await;
    let new = moved_from(&sim, &old).await;
    sim.config(json!({"subscribe_delay_ms": 0})).await;
    eventually(10, "both channels subscribed on the successor", || async {
        let subs = sim.enabled_subs().await;
        let r = h.subscriptions().borrow().clone();
        r.session_id.as_deref() == Some(new.as_str())
            && r.enabled.len() == 2 * VIEWER_SUBS
            && subs.len() == 2 * VIEWER_SUBS
            && subs.iter().all(|s| s["transport"]["session_id"] == new.as_str())
    })
    .await;
    for login in ["lumenforge", "nightowl"] {
        let ids = sim.emit("stream.online", login).await;
        assert_eq!(ids.len(), 1, "{login} has its subscription on the live session");
        wait_until(10, "the event arrives", || got.message_ids().contains(&ids[0])).await;
    }
    h.shutdown().await;
}

/// A `session_reconnect` URL is followed only to Twitch: `wss` on a `twitch.tv` host
/// (https://dev.twitch.tv/docs/eventsub/handling-websocket-events/#reconnect-message shows
/// `wss://eventsub.wss.twitch.tv/ws?...`), or, against the simulator, the simulator's own
/// origin. A URL on another host is a failed handover: no connection is made there, the
/// session starts fresh at the base URL, and the channel gets a gap for the switch.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reconnect_url_on_another_host_is_never_connected_and_starts_a_fresh_session() {
    let sim = Sim::start().await;
    let (h, got, _) = watching(&sim, &["lumenforge"]).await;
    let s1 = sim.sessions().await[0].clone();
    // "Another host": a listener on a second loopback address, counting who connects.
    let stranger = tokio::net::TcpListener::bind("127.0.0.2:0").await.expect("bind 127.0.0.2");
    let addr = stranger.local_addr().expect("addr");
    let reached = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counter = reached.clone();
    let listener = tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((s, _)) = stranger.accept().await {
            counter.fetch_add(1, Ordering::SeqCst);
            held.push(s);
        }
    });
    let frame = json!({"metadata": {"message_id": "r1", "message_type": "session_reconnect",
            "message_timestamp": "2026-11-28T03:00:00.123456789Z"},
        "payload": {"session": {"id": s1, "status": "reconnecting",
            "keepalive_timeout_seconds": null, "connected_at": "2026-11-28T02:00:00.123456789Z",
            "reconnect_url": format!("ws://{addr}/ws?challenge=x&id={s1}")}}});
    sim.post(&format!("/_sim/sessions/{s1}/send"), json!({"text": frame.to_string()})).await;
    let s2 = moved_from(&sim, &s1).await;
    subscribed_on(&sim, &s2, VIEWER_SUBS).await;
    wait_until(10, "a gap row on lumenforge", || got.gaps().iter().any(|(c, ..)| c == LUMEN)).await;
    connected(&h).await;
    assert_eq!(reached.load(Ordering::SeqCst), 0, "a connection reached the other host");
    let sent = sim.emit("stream.online", "lumenforge").await;
    all_received(&got, &sent).await;
    listener.abort();
    h.shutdown().await;
}
