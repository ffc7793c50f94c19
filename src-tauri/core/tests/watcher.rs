//! The `Watcher` against a fake Twitch over real sockets: channels, state, dedupe, budget.

mod session_fake;

use session_fake::*;
use std::sync::Arc;
use tev_core::watcher::{self, ConnectionState};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_channel_connects_subscribes_and_delivers_each_event_once() {
    install_crypto();
    let fake = Fake::start().await;
    let (ep, cfg) = fake.watcher_config();
    let tokens = TestTokens::new("tok-1");
    let h = watcher::spawn(&ep, tokens, cfg).expect("spawn");
    assert_eq!(*h.state().borrow(), ConnectionState::Idle, "no channel, no socket");
    let got = Collected::start(&h);
    let ch = h.add_channel("lumen", None).await.expect("add");
    assert_eq!(ch.id, "100");
    connected(&h).await;
    let report = h.subscriptions().borrow().clone();
    let types: Vec<&str> = report.enabled.iter().map(|(_, t)| t.as_str()).collect();
    for t in [
        "stream.online",
        "stream.offline",
        "channel.update",
        "channel.raid",
        "channel.chat.message",
        "channel.chat.notification",
    ] {
        assert!(types.contains(&t), "{t} in {types:?}");
    }
    assert_eq!(report.total_cost, 5);
    // A duplicate delivery (twitch.md §1.7) shows once.
    let s = fake.sessions()[0].clone();
    fake.with(|w| w.conns.get_mut(&s).map(|c| c.duplicate_next = true));
    let mut sent = fake.emit("stream.online", "100");
    sent.extend(fake.emit("channel.chat.notification", "100"));
    assert_eq!(sent.len(), 2);
    wait_until(5, "both events", || got.message_ids().len() >= 2).await;
    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    assert_eq!(got.message_ids(), sent);
    // Removing the last channel closes the socket: Idle, nothing open.
    assert!(h.remove_channel("lumen").await.expect("remove"));
    wait_until(5, "socket closed", || fake.with(|w| w.counters.open_now) == 0).await;
    assert_eq!(*h.state().borrow(), ConnectionState::Idle);
    assert!(fake.with(|w| w.counters.client_closes.contains(&1000)));
    assert_eq!(fake.with(|w| w.counters.inbound), 0, "never sends anything but pongs/close");
    h.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unknown_login_is_a_clear_error() {
    let fake = Fake::start().await;
    let (ep, cfg) = fake.watcher_config();
    let h = watcher::spawn(&ep, TestTokens::new("tok-1"), cfg).expect("spawn");
    let err = h.add_channel("nobody_here", None).await.expect_err("unknown");
    assert!(err.to_string().contains("nobody_here"), "{err}");
    assert_eq!(*h.state().borrow(), ConnectionState::Idle);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_type_is_dropped_with_a_visible_reason_and_the_rest_works() {
    let fake = Fake::start().await;
    fake.with(|w| w.forbidden.push("channel.chat.notification".into()));
    let (ep, cfg) = fake.watcher_config();
    let h = watcher::spawn(&ep, TestTokens::new("tok-1"), cfg).expect("spawn");
    let got = Collected::start(&h);
    h.add_channel("lumen", None).await.expect("add");
    connected(&h).await;
    let report = h.subscriptions().borrow().clone();
    assert!(
        report.skipped.iter().any(|(c, t, why)| c == "100"
            && t == "channel.chat.notification"
            && why.contains("403")),
        "{report:?}"
    );
    assert!(report.enabled.iter().any(|(_, t)| t == "stream.online"));
    wait_until(5, "notice", || {
        got.notices().iter().any(|n| n.contains("channel.chat.notification"))
    })
    .await;
    // Adding another channel does not retry the refused type for lumen… but tries it for aria.
    let posts_before = fake.with(|w| w.counters.posts);
    h.add_channel("aria", None).await.expect("add");
    wait_until(5, "aria subscribed", || {
        h.subscriptions().borrow().enabled.iter().any(|(c, _)| c == "101")
    })
    .await;
    let posts = fake.with(|w| w.counters.posts) - posts_before;
    // aria's seven (its chat notification refused with 403 as well); lumen's refused type
    // is not asked for again.
    assert_eq!(posts, 7);
    h.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn channels_over_the_budget_get_live_status_by_polling() {
    let fake = Fake::start().await;
    fake.with(|w| w.live.push("gale".into()));
    let (ep, cfg) = fake.watcher_config();
    let h = watcher::spawn(&ep, TestTokens::new("tok-1"), cfg).expect("spawn");
    let got = Collected::start(&h);
    for l in ["lumen", "aria", "brook", "cinder", "dune", "ember", "gale"] {
        h.add_channel(l, None).await.expect("add");
    }
    wait_until(10, "all seven planned", || {
        let r = h.subscriptions().borrow().clone();
        r.poll_live.len() == 2
            && r.enabled.iter().filter(|(_, t)| t == "stream.online").count() == 5
    })
    .await;
    let r = h.subscriptions().borrow().clone();
    assert!(r.total_cost <= 10, "{r:?}");
    assert_eq!(r.poll_live, ["105", "107"]);
    wait_until(5, "gale polled live", || {
        got.0.lock().expect("c").iter().any(|u| matches!(u, tev_core::watcher::WatchUpdate::Live { channel_id, stream: Some(_) } if channel_id == "107"))
    })
    .await;
    let _ = Arc::clone(&got.0);
    h.shutdown().await;
}
