//! Revocations against the simulator (docs/twitch.md §1.2 "Revocation", §1.7 statuses, §3.4):
//! a revoked subscription is dropped with a gap and created again when the reason allows it;
//! a user who disconnects the app fails the watcher with a reason.

mod support;

use serde_json::json;
use std::time::Duration;
use support::*;
use tev_core::feed::EventKind;
use tev_core::watcher::ConnectionState;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_revocation_drops_the_subscription_marks_a_gap_and_recreates_when_allowed() {
    let sim = Sim::start().await;
    let (h, got, _) = watching(&sim, &["lumenforge"]).await;
    let s1 = sim.sessions().await[0].clone();
    let of_type = |subs: &[serde_json::Value], t: &str| {
        subs.iter().find(|s| s["type"] == t).and_then(|s| s["id"].as_str()).map(str::to_string)
    };
    let online = of_type(&sim.enabled_subs().await, "stream.online").expect("online");
    sim.post(
        &format!("/_sim/subscriptions/{online}/revoke"),
        json!({"reason": "websocket_internal_error"}),
    )
    .await;
    eventually(5, "recreated", || async {
        sim.enabled_subs()
            .await
            .iter()
            .any(|s| s["type"] == "stream.online" && s["id"] != online.as_str())
    })
    .await;
    wait_until(5, "gap", || got.gaps().len() == 1).await;
    // user_removed: gone for good, not recreated; the user is told.
    let update = of_type(&sim.enabled_subs().await, "channel.update").expect("update");
    sim.post(&format!("/_sim/subscriptions/{update}/revoke"), json!({"reason": "user_removed"}))
        .await;
    wait_until(5, "notice", || got.notices().iter().any(|n| n.contains("user_removed"))).await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(!sim.enabled_subs().await.iter().any(|s| s["type"] == "channel.update"));
    assert_eq!(sim.sessions().await, [s1], "a revocation does not touch the socket");
    h.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn authorization_revoked_fails_with_a_reason() {
    let sim = Sim::start().await;
    let (h, got, _) = watching(&sim, &["lumenforge"]).await;
    sim.post("/_sim/authorizations/revoke", json!({"login": "sim_viewer"})).await;
    // The revocation frames become open-ended `gap` rows in the feed.
    wait_until(5, "revocation gap row", || {
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
