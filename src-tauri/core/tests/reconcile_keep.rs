//! What a reconcile keeps (docs/twitch.md §9, §1.3, §1.4): subscriptions Twitch lists with every
//! condition key (unused optional ones as `""`) are the wanted ones, not re-created; a handover
//! followed by a reconcile touches nothing, whichever session id Twitch lists afterwards; and
//! another copy of the app on the same user and Client ID keeps its subscriptions. Creates and
//! deletes are counted per channel by the simulator (`counters.subscription_calls`).

mod support;

use std::time::Duration;
use support::*;
use tev_core::watcher::{SubscriptionReport, WatcherHandle};

/// `(creates, deletes)` the simulator received for subscriptions on `channel`.
async fn calls(sim: &Sim, channel: &str) -> (u64, u64) {
    let c = sim.counters().await;
    let n = |m: &str| c["subscription_calls"][format!("{m} {channel}")].as_u64().unwrap_or(0);
    (n("POST"), n("DELETE"))
}

/// Waits (15 s at most) until the watcher's report satisfies `f`.
async fn report(h: &WatcherHandle, what: &str, f: impl Fn(&SubscriptionReport) -> bool) {
    let mut rx = h.subscriptions();
    let r = tokio::time::timeout(Duration::from_secs(15), rx.wait_for(|r| f(r))).await;
    assert!(r.is_ok(), "timed out waiting for {what}: {:?}", *h.subscriptions().borrow());
}

/// How many subscriptions of `channel` the report has enabled.
fn enabled_on(r: &SubscriptionReport, channel: &str) -> usize {
    r.enabled.iter().filter(|(c, _)| c == channel).count()
}

/// docs/twitch.md §9 "Condition keys come back complete": with two channels open, opening a
/// third window, closing it and changing the favourite leaves the two channels' subscriptions
/// alone — both raid directions included, which Twitch lists with the other key `""`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn windows_and_favourites_coming_and_going_leave_the_open_channels_subscriptions_alone() {
    let sim = Sim::start().await;
    // The user's own channel (free) and lumenforge (cost 5): a third channel's 5 still fit
    // within the cost limit, so no planned subscription of the two has to make room.
    let (h, _got, _) = watching(&sim, &["sim_viewer", "lumenforge"]).await;
    report(&h, "both channels subscribed", |r| {
        enabled_on(r, SIM_VIEWER) == VIEWER_SUBS && enabled_on(r, LUMEN) == VIEWER_SUBS
    })
    .await;
    let before = (calls(&sim, SIM_VIEWER).await, calls(&sim, LUMEN).await);

    h.add_channel("nightowl", None).await.expect("open a third window");
    report(&h, "nightowl subscribed", |r| enabled_on(r, NIGHTOWL) == VIEWER_SUBS).await;
    assert!(h.remove_channel("nightowl").await.expect("close it"));
    report(&h, "nightowl gone", |r| enabled_on(r, NIGHTOWL) == 0).await;
    h.add_background_channel("quietfox").await.expect("a favourite");
    report(&h, "the favourite's go-live", |r| enabled_on(r, QUIETFOX) == 1).await;
    // Another favourite: the old one is no longer watched, the new one is.
    assert!(h.remove_channel("quietfox").await.expect("the old favourite"));
    h.add_background_channel("pixelpaladin").await.expect("the new favourite");
    report(&h, "the new favourite only", |r| {
        enabled_on(r, QUIETFOX) == 0 && enabled_on(r, PIXELPALADIN) == 1
    })
    .await;
    connected(&h).await;

    let after = (calls(&sim, SIM_VIEWER).await, calls(&sim, LUMEN).await);
    assert_eq!(after, before, "(POST, DELETE) of the user's channel and lumenforge");
    let (_, nightowl_deletes) = calls(&sim, NIGHTOWL).await;
    assert_eq!(nightowl_deletes, VIEWER_SUBS as u64, "the closed window's subscriptions went");
    let r = h.subscriptions().borrow().clone();
    assert_eq!((enabled_on(&r, SIM_VIEWER), enabled_on(&r, LUMEN)), (VIEWER_SUBS, VIEWER_SUBS));
    h.shutdown().await;
}
