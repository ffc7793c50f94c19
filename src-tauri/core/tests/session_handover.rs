//! Issue 4 "Handover" against the fake (100 rounds; `session_sim.rs` runs the 200
//! against twitch-sim): consecutive `session_reconnect`s while events flow → every event
//! delivered exactly once, no close 4007 or 4004 (twitch.md §1.3, §7 pitfalls 1–2).

mod session_fake;

use session_fake::*;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hundred_handovers_while_events_flow_lose_and_repeat_nothing() {
    let fake = Fake::start().await;
    let (h, got, _) = watching(&fake, &["lumen", "aria"]).await;
    // Both channels fully subscribed (7 each) before the handovers start.
    wait_until(10, "both channels subscribed", || h.subscriptions().borrow().enabled.len() == 14)
        .await;
    let posts = fake.with(|w| w.counters.posts);
    let stop = Arc::new(AtomicBool::new(false));
    let pump = {
        let f = fake.clone();
        let s = stop.clone();
        tokio::spawn(async move {
            let mut sent = Vec::new();
            let mut i = 0u64;
            while !s.load(Ordering::SeqCst) {
                let ch = if i.is_multiple_of(2) { "100" } else { "101" };
                sent.extend(f.emit("channel.chat.notification", ch));
                i += 1;
                if i.is_multiple_of(2) {
                    tokio::time::sleep(Duration::from_millis(1)).await;
                }
            }
            sent
        })
    };
    let started = std::time::Instant::now();
    for n in 0..100 {
        let s = fake.sessions();
        assert_eq!(s.len(), 1, "round {n}: one socket between handovers");
        fake.reconnect(&s[0]);
        moved_from(&fake, &s[0]).await;
    }
    stop.store(true, Ordering::SeqCst);
    let sent = pump.await.expect("pump");
    wait_until(10, "all events", || {
        let ids = got.message_ids();
        ids.len() >= sent.len()
    })
    .await;
    tokio::time::sleep(Duration::from_millis(100)).await;
    let ids = got.message_ids();
    let mut a = ids.clone();
    a.sort();
    let mut b = sent.clone();
    b.sort();
    assert_eq!(a.len(), b.len(), "exactly once: received {} of {} sent", ids.len(), sent.len());
    assert_eq!(a, b);
    fake.with(|w| {
        assert!(!w.counters.server_closes.contains(&4007), "no 4007");
        assert!(!w.counters.server_closes.contains(&4004), "no 4004");
        assert_eq!(w.counters.grace_expired, 0);
        assert_eq!(w.counters.early_closes, 0);
        assert_eq!(w.counters.posts, posts, "never resubscribed");
        assert!(w.counters.max_open <= 2);
    });
    assert!(got.gaps().is_empty());
    eprintln!("handover: 100 reconnects, {} events, {:?}", sent.len(), started.elapsed());
    h.shutdown().await;
}
