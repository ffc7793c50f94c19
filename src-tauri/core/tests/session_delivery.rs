//! What arrives on a healthy socket, against the simulator (docs/twitch.md §1.2, §1.7; §7
//! pitfalls 17 and 18): a burst far larger than the session's queue arrives whole and in
//! order; a duplicate delivery shows once; one type on two channels is two subscriptions;
//! junk frames and unknown types do not break the session.

mod support;

use serde_json::json;
use std::time::Duration;
use support::*;
use tev_core::watcher::{ConnectionState, WatchUpdate};

/// The session queues at most a few dozen frames (`FRAMES_IN_FLIGHT`); a burst far larger
/// than that waits in the socket, and none of it is lost, repeated or reordered, and the
/// connection is never taken for silent while it is worked through.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_burst_far_larger_than_the_frames_in_flight_arrives_whole_and_in_order() {
    let sim = Sim::start().await;
    let (h, got, _) = watching(&sim, &["lumenforge"]).await;
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

/// docs/twitch.md §1.7: the same `message_id` twice is one event.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_duplicate_delivery_shows_once() {
    let sim = Sim::start().await;
    let (h, got, _) = watching(&sim, &["lumenforge"]).await;
    let s1 = sim.sessions().await[0].clone();
    sim.post(&format!("/_sim/sessions/{s1}/duplicate-next"), json!({})).await;
    let sent = sim.emit("stream.online", "lumenforge").await;
    all_received(&got, &sent).await;
    sim.post(&format!("/_sim/sessions/{s1}/flush"), json!({})).await;
    tokio::time::sleep(Duration::from_millis(100)).await;
    // The simulator sent the same message id twice; it is shown once.
    assert_eq!(sent.len(), 2);
    assert_eq!(sent[0], sent[1]);
    assert_eq!(got.message_ids(), sent[..1]);
    h.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pitfall_17_the_same_type_for_two_channels_is_not_a_duplicate() {
    let sim = Sim::start().await;
    let (h, got, _) = watching(&sim, &["lumenforge", "nightowl"]).await;
    eventually(5, "both channels", || async {
        sim.enabled_subs().await.iter().filter(|s| s["type"] == "stream.online").count() == 2
    })
    .await;
    assert_eq!(sim.helix_status(409).await, 0);
    let mut sent = sim.emit("stream.online", "lumenforge").await;
    sent.extend(sim.emit("stream.online", "nightowl").await);
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
    assert_eq!(channels, [Some(LUMEN.into()), Some(NIGHTOWL.into())]);
    h.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pitfall_18_unknown_notice_types_and_junk_frames_do_not_break_the_session() {
    let sim = Sim::start().await;
    let (h, got, _) = watching(&sim, &["lumenforge"]).await;
    let s1 = sim.sessions().await[0].clone();
    let mut sent = sim
        .emit_json(json!({"type": "channel.chat.notification", "broadcaster_login": "lumenforge",
            "event": {"notice_type": "gift_sub_bonus_match",
                      "system_message": "Twitch matched 5 gifts"}}))
        .await;
    for junk in [
        "{not json",
        r#"{"metadata":{"message_id":"u1","message_type":"brand_new_type","message_timestamp":"2026-11-28T03:00:00.123456789Z"},"payload":{}}"#,
    ] {
        sim.post(&format!("/_sim/sessions/{s1}/send"), json!({"text": junk})).await;
    }
    sent.extend(sim.emit("stream.online", "lumenforge").await);
    all_received(&got, &sent).await;
    assert_eq!(sim.sessions().await, [s1]);
    assert_eq!(sim.counters().await["inbound_frames"], 0);
    h.shutdown().await;
}

/// EventSub messages are kilobytes (https://dev.twitch.tv/docs/eventsub/handling-websocket-events/
/// lists every message; the largest, a notification, carries one event). A frame of 2 MiB is
/// not Twitch: the socket refuses it (messages and frames are capped at 1 MiB) instead of
/// buffering it, and the session starts fresh with a gap, as after any lost socket.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_two_mib_frame_is_refused_and_the_session_starts_fresh_with_a_gap() {
    let sim = Sim::start().await;
    let (h, got, _) = watching(&sim, &["lumenforge"]).await;
    let s1 = sim.sessions().await[0].clone();
    let huge = json!({"metadata": {"message_id": "k1", "message_type": "session_keepalive",
            "message_timestamp": "2026-11-28T03:00:00.123456789Z"},
        "payload": {}, "padding": "x".repeat(2 * 1024 * 1024)});
    sim.post(&format!("/_sim/sessions/{s1}/send"), json!({"text": huge.to_string()})).await;
    let s2 = moved_from(&sim, &s1).await;
    subscribed_on(&sim, &s2, VIEWER_SUBS).await;
    wait_until(10, "a gap row on lumenforge", || got.gaps().iter().any(|(c, ..)| c == LUMEN)).await;
    connected(&h).await;
    let sent = sim.emit("stream.online", "lumenforge").await;
    all_received(&got, &sent).await;
    h.shutdown().await;
}
