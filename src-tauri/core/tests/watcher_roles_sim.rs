//! The user's role per channel, detected against twitch-sim, and what the planner makes of
//! it (issue 4 "Planner": subscriptions per channel by role). twitch.md §2 "What logging in
//! as broadcaster or moderator adds": a moderator gets `channel.follow` v2 with
//! `moderator_user_id` = self and the shoutouts; the broadcaster-scope types stay off-limits.
//! The moderated channels come from Helix `GET /moderation/channels` (scope
//! `user:read:moderated_channels`; not in twitch.md, see `helix::ModeratedChannel`); the
//! simulator's `sim_mod` moderates lumenforge (tests/twitch-sim/README.md "The default world").

mod session_fake;

use session_fake::sim::Sim;
use tev_core::eventsub::planner::Role;

/// lumenforge and nightowl in the simulator's default world (issue 3 pins the ids).
const LUMEN: &str = "141592653";
const NIGHTOWL: &str = "271828182";
const SIM_MOD: &str = "662607015";

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
async fn twitch_md_2_a_moderator_gets_follows_and_shoutouts_on_the_channel_they_moderate() {
    let sim = Sim::start().await;
    let (h, got) = sim.watcher_as("sim_mod", MOD_SCOPES).await;
    let lumen = h.add_channel("lumenforge", None).await.expect("add lumenforge");
    assert_eq!(lumen.role, Role::Moderator, "sim_mod moderates lumenforge");
    let night = h.add_channel("nightowl", None).await.expect("add nightowl");
    assert_eq!(night.role, Role::Viewer, "sim_mod does not moderate nightowl");
    session_fake::wait_until(10, "both channels subscribed", || {
        let r = h.subscriptions().borrow().clone();
        has(&r.enabled, LUMEN, "channel.follow") && has(&r.enabled, NIGHTOWL, "stream.online")
    })
    .await;
    let report = h.subscriptions().borrow().clone();
    for ty in ["channel.follow", "channel.shoutout.receive"] {
        assert!(has(&report.enabled, LUMEN, ty), "{ty} on the moderated channel: {report:?}");
        assert!(!has(&report.enabled, NIGHTOWL, ty), "{ty} where only a viewer: {report:?}");
    }
    // Broadcaster-only types stay off-limits for a moderator (twitch.md §2).
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
    session_fake::wait_until(10, "the follow arrives", || got.message_ids().contains(&ids[0]))
        .await;
    h.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_the_moderated_channels_scope_a_moderator_counts_as_a_viewer() {
    let sim = Sim::start().await;
    let scopes: Vec<&str> =
        MOD_SCOPES.iter().copied().filter(|s| *s != "user:read:moderated_channels").collect();
    let (h, _got) = sim.watcher_as("sim_mod", &scopes).await;
    let lumen = h.add_channel("lumenforge", None).await.expect("add lumenforge");
    assert_eq!(lumen.role, Role::Viewer);
    // An explicit role from the app still wins over detection.
    let night = h.add_channel("nightowl", Some(Role::Moderator)).await.expect("add nightowl");
    assert_eq!(night.role, Role::Moderator);
    h.shutdown().await;
}
