//! The watcher's channels against the simulator: a channel connects, subscribes (conditions
//! naming the channel and the reader, docs/twitch.md §7 pitfall 15) and delivers each event
//! once; the last one removed closes the socket; an unknown login is a clear error; a refused
//! type is dropped with a reason; channels over the cost limit are polled (docs/twitch.md
//! §1.6); and the user's role per channel decides the plan (docs/twitch.md §2 "What logging
//! in as broadcaster or moderator adds": a moderator gets `channel.follow` v2 with
//! `moderator_user_id` = self and the shoutouts, the broadcaster-scope types stay off-limits).
//! The moderated channels come from Helix `GET /moderation/channels` (scope
//! `user:read:moderated_channels`, see `helix::ModeratedChannel`); the simulator's `sim_mod`
//! moderates lumenforge (tests/twitch-sim/README.md "The default world").

mod support;

use serde_json::json;
use std::time::Duration;
use support::*;
use tev_core::eventsub::planner::Role;
use tev_core::settings::RoleOptIn;
use tev_core::watcher::{self, ConnectionState, WatchUpdate};

const MOD_SCOPES: &[&str] = &[
    "user:read:chat",
    "user:read:moderated_channels",
    "moderator:read:followers",
    "moderator:read:shoutouts",
];

fn has(enabled: &[(String, String)], channel: &str, ty: &str) -> bool {
    enabled.iter().any(|(c, t)| c == channel && t == ty)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_channel_connects_subscribes_and_delivers_each_event_once() {
    let sim = Sim::start().await;
    let (ep, cfg) = sim.watcher_config();
    let tokens = sim.tokens("sim_viewer", VIEWER_SCOPES).await;
    let h = watcher::spawn(&ep, tokens, cfg).expect("spawn");
    assert_eq!(*h.state().borrow(), ConnectionState::Idle, "no channel, no socket");
    let got = Collected::start(&h);
    let ch = h.add_channel("lumenforge", None).await.expect("add");
    assert_eq!(ch.id, LUMEN);
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
    // A duplicate delivery (docs/twitch.md §1.7) shows once.
    let s = sim.sessions().await[0].clone();
    sim.post(&format!("/_sim/sessions/{s}/duplicate-next"), json!({})).await;
    let mut sent = sim.emit("stream.online", "lumenforge").await;
    sent.dedup();
    sent.extend(sim.emit("channel.chat.notification", "lumenforge").await);
    assert_eq!(sent.len(), 2);
    wait_until(5, "both events", || got.message_ids().len() >= 2).await;
    sim.post(&format!("/_sim/sessions/{s}/flush"), json!({})).await;
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert_eq!(got.message_ids(), sent);
    // Removing the last channel closes the socket: Idle, nothing open.
    assert!(h.remove_channel("lumenforge").await.expect("remove"));
    eventually(5, "socket closed", || async { sim.counters().await["ws_open"] == 0 }).await;
    assert_eq!(*h.state().borrow(), ConnectionState::Idle);
    let c = sim.counters().await;
    assert!(c["client_closes"]["1000"].as_u64() >= Some(1), "closed with 1000: {c}");
    assert_eq!(c["inbound_frames"], 0, "never sends anything but pongs/close");
    h.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unknown_login_is_a_clear_error() {
    let sim = Sim::start().await;
    let (h, _got, _) = sim.watcher().await;
    let err = h.add_channel("nobody_here", None).await.expect_err("unknown");
    assert!(err.to_string().contains("nobody_here"), "{err}");
    assert_eq!(*h.state().borrow(), ConnectionState::Idle);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_type_is_dropped_with_a_visible_reason_and_the_rest_works() {
    let sim = Sim::start().await;
    sim.fault(json!({"path": "/helix/eventsub/subscriptions", "method": "POST",
        "type": "channel.chat.notification", "status": 403,
        "message": "subscription missing proper authorization", "sticky": true}))
        .await;
    let (h, got, _) = sim.watcher().await;
    h.add_channel("lumenforge", None).await.expect("add");
    connected(&h).await;
    let report = h.subscriptions().borrow().clone();
    assert!(
        report.skipped.iter().any(|(c, t, why)| c == LUMEN
            && t == "channel.chat.notification"
            && why.contains("403")),
        "{report:?}"
    );
    assert!(report.enabled.iter().any(|(_, t)| t == "stream.online"));
    wait_until(5, "notice", || {
        got.notices().iter().any(|n| n.contains("channel.chat.notification"))
    })
    .await;
    // Adding another channel does not retry the refused type for lumenforge… but tries it for
    // nightowl.
    let creates_before = sim.creates().await;
    h.add_channel("nightowl", None).await.expect("add");
    wait_until(5, "nightowl subscribed", || {
        h.subscriptions().borrow().enabled.iter().any(|(c, _)| c == NIGHTOWL)
    })
    .await;
    let creates = sim.creates().await - creates_before;
    // nightowl's seven (its chat notification refused with 403 as well); lumenforge's refused
    // type is not asked for again.
    assert_eq!(creates, 7);
    h.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn channels_over_the_budget_get_live_status_by_polling() {
    let sim = Sim::start().await;
    sim.user("cindervale", false).await;
    let ember = sim.user("emberfall", false).await;
    let gale = sim.user("galewind", true).await;
    let (h, got, _) = sim.watcher().await;
    for l in [
        "lumenforge",
        "nightowl",
        "quietfox",
        "pixelpaladin",
        "cindervale",
        "emberfall",
        "galewind",
    ] {
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
    assert_eq!(r.poll_live, [ember.as_str(), gale.as_str()]);
    wait_until(5, "galewind polled live", || {
        got.0.lock().expect("c").iter().any(|u| matches!(u, WatchUpdate::Live { channel_id, stream: Some(_) } if *channel_id == gale))
    })
    .await;
    h.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pitfall_15_conditions_name_the_channel_and_the_token_user() {
    let sim = Sim::start().await;
    let (h, _got, _) = watching(&sim, &["lumenforge"]).await;
    let subs = sim.enabled_subs().await;
    let online = subs.iter().find(|s| s["type"] == "stream.online").expect("online");
    assert_eq!(online["condition"]["broadcaster_user_id"], LUMEN);
    assert_eq!(online["condition"].as_object().map(|c| c.len()), Some(1));
    let chat = subs.iter().find(|s| s["type"] == "channel.chat.message").expect("chat");
    assert_eq!(chat["condition"]["user_id"], SIM_VIEWER);
    assert_eq!(chat["condition"]["broadcaster_user_id"], LUMEN);
    let raid_to = subs
        .iter()
        .find(|s| s["condition"]["to_broadcaster_user_id"].as_str().is_some_and(|v| !v.is_empty()))
        .expect("raid to");
    assert_eq!(raid_to["condition"]["to_broadcaster_user_id"], LUMEN);
    h.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn twitch_md_2_a_moderator_gets_follows_and_shoutouts_on_the_channel_they_moderate() {
    let sim = Sim::start().await;
    let (h, got, _) = sim.watcher_as("sim_mod", MOD_SCOPES).await;
    let lumen = h.add_channel("lumenforge", None).await.expect("add lumenforge");
    assert_eq!(lumen.role, Role::Moderator, "sim_mod moderates lumenforge");
    let night = h.add_channel("nightowl", None).await.expect("add nightowl");
    assert_eq!(night.role, Role::Viewer, "sim_mod does not moderate nightowl");
    wait_until(10, "both channels subscribed", || {
        let r = h.subscriptions().borrow().clone();
        has(&r.enabled, LUMEN, "channel.follow") && has(&r.enabled, NIGHTOWL, "stream.online")
    })
    .await;
    let report = h.subscriptions().borrow().clone();
    for ty in ["channel.follow", "channel.shoutout.receive"] {
        assert!(has(&report.enabled, LUMEN, ty), "{ty} on the moderated channel: {report:?}");
        assert!(!has(&report.enabled, NIGHTOWL, ty), "{ty} where only a viewer: {report:?}");
    }
    // Broadcaster-only types stay off-limits for a moderator (docs/twitch.md §2).
    assert!(!has(&report.enabled, LUMEN, "channel.subscribe"), "{report:?}");
    // Twitch (the simulator) holds the follow subscription with the moderator's own id.
    let st = sim.state().await;
    let follow = st["subscriptions"]
        .as_array()
        .and_then(|a| a.iter().find(|s| s["type"] == "channel.follow" && s["status"] == "enabled"))
        .cloned()
        .unwrap_or_default();
    assert_eq!(follow["condition"]["broadcaster_user_id"], LUMEN, "{st}");
    assert_eq!(follow["condition"]["moderator_user_id"], SIM_MOD, "{st}");
    // And a follow on lumenforge reaches the moderator's feed.
    let ids = sim.emit("channel.follow", "lumenforge").await;
    assert_eq!(ids.len(), 1, "one enabled follow subscription");
    wait_until(10, "the follow arrives", || got.message_ids().contains(&ids[0])).await;
    h.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_moderator_view_subscribes_what_a_moderator_acts_on_and_a_timeout_becomes_a_row() {
    let sim = Sim::start().await;
    // What the app asks for with the moderator opt-in and the moderator view.
    let roles = RoleOptIn { moderator: true, moderation: true, ..RoleOptIn::default() };
    let asked = tev_core::auth::scopes::for_roles(roles);
    let scopes: Vec<&str> = asked.iter().map(String::as_str).collect();
    let (h, got, _) = sim.watcher_as("sim_mod", &scopes).await;
    h.add_channel("lumenforge", None).await.expect("add lumenforge");
    wait_until(10, "lumenforge subscribed", || {
        has(&h.subscriptions().borrow().enabled, LUMEN, "channel.follow")
    })
    .await;
    assert!(
        !has(&h.subscriptions().borrow().enabled, LUMEN, "channel.moderate"),
        "nothing of moderation before the view is on"
    );
    let ch = h.set_moderation("lumenforge", true).await.expect("set").expect("watched");
    assert!(ch.moderation);
    wait_until(10, "the moderation types subscribed", || {
        let r = h.subscriptions().borrow().clone();
        ["channel.moderate", "automod.message.hold", "automod.message.update"]
            .iter()
            .all(|t| has(&r.enabled, LUMEN, t))
    })
    .await;
    let ids = sim
        .emit_json(json!({"type": "channel.moderate", "broadcaster_login": "lumenforge",
            "event": {"action": "timeout", "user_login": "nightowl",
                      "moderator_user_login": "sim_mod", "timeout": {"reason": "spoilers"}}}))
        .await;
    assert_eq!(ids.len(), 1, "one enabled channel.moderate subscription");
    wait_until(10, "the timeout row", || {
        got.rows().iter().any(|r| r.kind.as_str() == "mod_action")
    })
    .await;
    let row = got.rows().into_iter().find(|r| r.kind.as_str() == "mod_action").expect("row");
    assert_eq!(row.actor_login(), Some("sim_mod"), "the moderator acted: {row:?}");
    assert!(row.summary.contains("timed out"), "{}", row.summary);
    // Off again: the moderation subscriptions go at the next reconcile.
    h.set_moderation("lumenforge", false).await.expect("set");
    wait_until(10, "the moderation types removed", || {
        !has(&h.subscriptions().borrow().enabled, LUMEN, "channel.moderate")
    })
    .await;
    h.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_the_moderated_channels_scope_a_moderator_counts_as_a_viewer() {
    let sim = Sim::start().await;
    let scopes: Vec<&str> =
        MOD_SCOPES.iter().copied().filter(|s| *s != "user:read:moderated_channels").collect();
    let (h, _got, _) = sim.watcher_as("sim_mod", &scopes).await;
    let lumen = h.add_channel("lumenforge", None).await.expect("add lumenforge");
    assert_eq!(lumen.role, Role::Viewer);
    // An explicit role from the app still wins over detection.
    let night = h.add_channel("nightowl", Some(Role::Moderator)).await.expect("add nightowl");
    assert_eq!(night.role, Role::Moderator);
    h.shutdown().await;
}
