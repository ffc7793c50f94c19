//! The subscribe deadline after a welcome (docs/twitch.md §1.1, §9): Twitch closes a session
//! with 4003 "connection unused" when no subscription is created within the welcome's
//! `keepalive_timeout_seconds` (https://dev.twitch.tv/docs/eventsub/handling-websocket-events/,
//! "Welcome message" and "Close message"). An empty Helix rate-limit bucket at that moment
//! (https://dev.twitch.tv/docs/api/guide/#twitch-rate-limits) must not turn into a 4003 and a
//! reconnect loop. The test runs on Twitch's own timings, so it takes real seconds.

mod support;

use serde_json::json;
use std::time::Duration;
use support::*;
use tev_core::watcher::{self, ConnectionState, WatcherConfig};

/// The Helix bucket is empty (`Ratelimit-Remaining: 0`, 429 to every call) for 12 s from the
/// welcome, longer than Twitch's default 10 s window: the watcher still ends subscribed on that
/// first session, and Twitch never closes it with 4003.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_empty_rate_limit_bucket_at_the_welcome_still_ends_subscribed_without_a_4003() {
    let sim = Sim::with_twitch_timings().await;
    sim.config(json!({"empty_bucket_after_welcome_ms": 12_000})).await;
    let tokens = sim.tokens("sim_viewer", VIEWER_SCOPES).await;
    let (ep, mut cfg) = sim.watcher_config();
    // What the app asks Twitch for, not the test-speed window of the other session tests.
    cfg.session.keepalive_request = WatcherConfig::new(&ep).session.keepalive_request;
    let h = watcher::spawn(&ep, tokens, cfg).expect("spawn");
    let got = Collected::start(&h);
    h.add_channel("lumenforge", None).await.expect("add channel");
    let first = sim.wait_sessions("the first session", |s| s.len() == 1).await[0].clone();

    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    loop {
        let subs = sim.enabled_subs().await;
        let closes = sim.counters().await["server_closes"].clone();
        assert_eq!(closes.get("4003"), None, "Twitch closed an unused session: {closes}");
        if subs.len() == VIEWER_SUBS {
            assert!(
                subs.iter().all(|s| s["transport"]["session_id"] == first.as_str()),
                "subscribed on the first session: {subs:?}"
            );
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "not subscribed in 60 s: {} of {VIEWER_SUBS} enabled, sessions {:?}, state {:?}",
            subs.len(),
            sim.sessions().await,
            *h.state().borrow()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let mut st = h.state();
    tokio::time::timeout(
        Duration::from_secs(30),
        st.wait_for(|s| *s == ConnectionState::Connected),
    )
    .await
    .expect("connected in time")
    .expect("watcher alive");
    assert_eq!(sim.count("server_closes", "4003").await, 0, "no 4003 at any point");
    assert_eq!(sim.sessions().await, [first], "still the first session");
    let sent = sim.emit("stream.online", "lumenforge").await;
    all_received(&got, &sent).await;
    h.shutdown().await;
}
