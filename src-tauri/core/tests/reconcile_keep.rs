//! What a reconcile keeps (docs/twitch.md §9, §1.3, §1.4): subscriptions Twitch lists with every
//! condition key (unused optional ones as `""`) are the wanted ones, not re-created; a handover
//! followed by a reconcile touches nothing, whichever session id Twitch lists afterwards; and
//! another copy of the app on the same user and Client ID keeps its subscriptions. Creates and
//! deletes are counted per channel by the simulator (`counters.subscription_calls`).

mod support;

use serde_json::json;
use std::time::Duration;
use support::*;
use tev_core::watcher::{ConnectionState, SubscriptionReport, WatcherHandle};

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
    h.add_background_channel("quietfox", false).await.expect("a favourite");
    report(&h, "the favourite's go-live", |r| enabled_on(r, QUIETFOX) == 1).await;
    // Another favourite: the old one is no longer watched, the new one is.
    assert!(h.remove_channel("quietfox").await.expect("the old favourite"));
    h.add_background_channel("pixelpaladin", false).await.expect("the new favourite");
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

/// A handover (docs/twitch.md §1.3) and then a reconcile, with Twitch listing the carried-over
/// subscriptions under the new session id (`keeps_old_id` false) or the old one (true; Twitch
/// does not document which, docs/twitch.md §9): nothing is deleted or created for the channel,
/// and every event before, during and after arrives.
async fn a_handover_then_a_reconcile_touches_nothing(keeps_old_id: bool) {
    let sim = Sim::start().await;
    sim.config(json!({"reconnect_keeps_session_id": keeps_old_id})).await;
    let (h, got, _) = watching(&sim, &["lumenforge"]).await;
    report(&h, "subscribed", |r| enabled_on(r, LUMEN) == VIEWER_SUBS).await;
    let before = calls(&sim, LUMEN).await;
    let s1 = sim.sessions().await[0].clone();
    let mut sent = sim.emit("channel.chat.message", "lumenforge").await;
    sim.post(&format!("/_sim/sessions/{s1}/reconnect"), json!({})).await;
    sent.extend(sim.emit("channel.chat.message", "lumenforge").await);
    let s2 = moved_from(&sim, &s1).await;
    report(&h, "the successor's session", |r| r.session_id.as_deref() == Some(s2.as_str())).await;
    sent.extend(sim.emit("channel.raid", "lumenforge").await);
    // A reconcile on the successor: a favourite added.
    h.add_background_channel("quietfox", false).await.expect("a favourite");
    report(&h, "the favourite's go-live", |r| enabled_on(r, QUIETFOX) == 1).await;
    connected(&h).await;
    sent.extend(sim.emit("channel.raid", "lumenforge").await);
    sent.extend(sim.emit("stream.offline", "lumenforge").await);
    all_received(&got, &sent).await;
    assert_eq!(calls(&sim, LUMEN).await, before, "(POST, DELETE) of lumenforge");
    assert_eq!(enabled_on(&h.subscriptions().borrow(), LUMEN), VIEWER_SUBS);
    assert!(got.gaps().is_empty(), "no gap: {:?}", got.gaps());
    h.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_handover_then_a_reconcile_touches_nothing_when_twitch_lists_the_new_session_id() {
    a_handover_then_a_reconcile_touches_nothing(false).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_handover_then_a_reconcile_touches_nothing_when_twitch_lists_the_old_session_id() {
    a_handover_then_a_reconcile_touches_nothing(true).await;
}

/// Another copy of the app (docs/twitch.md §9 "Up to 3 transports"): two watchers signed in
/// as the same user with the same Client ID — two independent core sessions, as the app and
/// `tev watch` are — on the same channel for a minute, with reconciles (a favourite added and
/// removed on each) and a `session_reconnect` on each. Twitch lists both copies' subscriptions
/// to both; neither deletes the other's, and both receive every event. The simulator lets each
/// session hold the same type and condition (`same_condition_on_other_sessions`).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_copies_on_one_channel_keep_each_others_subscriptions_and_both_receive_everything() {
    let sim = Sim::start().await;
    sim.config(json!({"same_condition_on_other_sessions": true})).await;
    let (app, app_got, _) = watching(&sim, &["lumenforge"]).await;
    report(&app, "the app subscribed", |r| enabled_on(r, LUMEN) == VIEWER_SUBS).await;
    let (cli, cli_got, _) = watching(&sim, &["lumenforge"]).await;
    report(&cli, "tev watch subscribed", |r| enabled_on(r, LUMEN) == VIEWER_SUBS).await;
    let session_of = |h: &WatcherHandle| h.subscriptions().borrow().session_id.clone();
    let copies = [(&app, "quietfox"), (&cli, "pixelpaladin")];
    let types = ["channel.chat.message", "stream.online", "channel.raid", "channel.update"];
    // Each event is one notification per copy, each with its own message id.
    let mut sent: Vec<Vec<String>> = Vec::new();
    let start = tokio::time::Instant::now();
    let mut step = 0usize;
    while start.elapsed() < Duration::from_secs(60) {
        let (h, favourite) = copies[step % 2];
        match step % 8 {
            // A reconcile on one copy: a favourite comes (Twitch may refuse it over the shared
            // cost limit; docs/twitch.md §1.6) …
            0 | 1 => drop(h.add_background_channel(favourite, false).await.expect("favourite")),
            // … and goes.
            2 | 3 => assert!(h.remove_channel(favourite).await.expect("unfavourite")),
            // A handover on one copy (docs/twitch.md §1.3).
            4 | 5 => {
                let old = session_of(h).expect("a session");
                sim.post(&format!("/_sim/sessions/{old}/reconnect"), json!({})).await;
                report(h, "the successor", |r| r.session_id.as_deref().is_some_and(|s| s != old))
                    .await;
            }
            _ => {}
        }
        sent.push(sim.emit(types[step % types.len()], "lumenforge").await);
        step += 1;
        tokio::time::sleep(Duration::from_millis(1500)).await;
    }
    connected(&app).await;
    connected(&cli).await;
    sent.push(sim.emit("stream.offline", "lumenforge").await);
    let short: Vec<&Vec<String>> = sent.iter().filter(|ids| ids.len() != 2).collect();
    assert!(short.is_empty(), "events that did not go to both copies: {short:?} of {step}");
    for got in [&app_got, &cli_got] {
        wait_until(30, "every event at both copies", || {
            let ids = got.message_ids();
            sent.iter().all(|pair| pair.iter().filter(|id| ids.contains(id)).count() == 1)
        })
        .await;
    }
    assert_eq!(calls(&sim, LUMEN).await.1, 0, "no subscription of lumenforge was deleted");
    for h in [&app, &cli] {
        assert_eq!(enabled_on(&h.subscriptions().borrow(), LUMEN), VIEWER_SUBS);
    }
    app.shutdown().await;
    cli.shutdown().await;
}

/// A fourth copy (docs/twitch.md §1.6: three WebSocket transports per user and Client ID, a
/// fourth gets 429 "number of websocket transports limit exceeded"): it says plainly why it
/// cannot subscribe and keeps trying, and the three others keep their subscriptions.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fourth_copy_says_twitch_allows_three_connections_and_leaves_the_others_alone() {
    let sim = Sim::start().await;
    sim.config(json!({"same_condition_on_other_sessions": true})).await;
    // The user's own channel: free, so three copies fit in the cost limit.
    let mut copies = Vec::new();
    for _ in 0..3 {
        let (h, _, _) = watching(&sim, &["sim_viewer"]).await;
        report(&h, "subscribed", |r| enabled_on(r, SIM_VIEWER) == VIEWER_SUBS).await;
        copies.push(h);
    }
    let (fourth, _, _) = sim.watcher().await;
    let seen = states(&fourth);
    fourth.add_channel("sim_viewer", None).await.expect("add");
    wait_until(15, "the fourth copy's reason", || {
        seen.lock().expect("states").iter().any(|s| {
            matches!(s, ConnectionState::Reconnecting { reason, .. }
                if reason.contains("three connections") && reason.contains("another copy"))
        })
    })
    .await;
    assert_eq!(calls(&sim, SIM_VIEWER).await.1, 0, "nothing of the three deleted");
    for h in &copies {
        assert_eq!(enabled_on(&h.subscriptions().borrow(), SIM_VIEWER), VIEWER_SUBS);
    }
    fourth.shutdown().await;
    for h in copies {
        h.shutdown().await;
    }
}

/// Another copy where Twitch answers 409 for the same type and condition on a second session
/// (the simulator's default; docs/twitch.md §9 "Up to 3 transports" has reports both ways):
/// the second copy reports those subscriptions as held by another copy and deletes nothing;
/// the first keeps receiving.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_copy_refused_with_409_leaves_the_first_copys_subscriptions_alone() {
    let sim = Sim::start().await;
    let (first, first_got, _) = watching(&sim, &["lumenforge"]).await;
    report(&first, "the first copy subscribed", |r| enabled_on(r, LUMEN) == VIEWER_SUBS).await;
    let (second, _, _) = watching(&sim, &["lumenforge"]).await;
    let another = tev_core::eventsub::reconciler::ANOTHER_COPY;
    report(&second, "held by another copy", |r| {
        r.skipped.iter().filter(|(c, _, why)| c == LUMEN && why == another).count() == VIEWER_SUBS
    })
    .await;
    assert_eq!(calls(&sim, LUMEN).await.1, 0, "nothing of lumenforge deleted");
    assert_eq!(enabled_on(&first.subscriptions().borrow(), LUMEN), VIEWER_SUBS);
    let sent = sim.emit("channel.chat.message", "lumenforge").await;
    assert_eq!(sent.len(), 1);
    all_received(&first_got, &sent).await;
    second.shutdown().await;
    first.shutdown().await;
}
