//! What a moderator acts on: `channel.moderate` and its scope groups
//! (https://dev.twitch.tv/docs/eventsub/eventsub-subscription-types/#channelmoderate), the
//! AutoMod queue (https://dev.twitch.tv/docs/eventsub/reference/automod), the other moderator
//! tools (https://dev.twitch.tv/docs/eventsub/reference/channel-moderation), their delivery to
//! a moderator's own subscriptions, and the demo's moderator evening.

mod common;

use std::collections::BTreeSet;
use std::time::Duration;

use common::*;
use serde_json::{Value, json};
use twitch_sim::payloads::{MODERATE_ACTIONS, build};
use twitch_sim::world::World;

/// `channel.moderate` v2's scope groups: every one is needed, any scope of a group will do
/// (https://dev.twitch.tv/docs/eventsub/eventsub-subscription-types/#channelmoderate).
const MODERATE_V2_GROUPS: &[&[&str]] = &[
    &["moderator:read:blocked_terms", "moderator:manage:blocked_terms"],
    &["moderator:read:chat_settings", "moderator:manage:chat_settings"],
    &["moderator:read:unban_requests", "moderator:manage:unban_requests"],
    &["moderator:read:banned_users", "moderator:manage:banned_users"],
    &["moderator:read:chat_messages", "moderator:manage:chat_messages"],
    &["moderator:read:warnings", "moderator:manage:warnings"],
    &["moderator:read:moderators"],
    &["moderator:read:vips"],
];

fn mod_condition() -> Value {
    json!({"broadcaster_user_id": LUMENFORGE, "moderator_user_id": SIM_MOD})
}

fn ev(kind: &str, version: &str, o: Value) -> Value {
    let w = World::seeded("http://127.0.0.1:1");
    let u = w.user_by_login("lumenforge").unwrap().clone();
    build(&w, kind, version, &u, &o).unwrap().event
}

#[tokio::test]
async fn channel_moderate_with_one_scope_group_missing_is_refused_with_403_like_twitch() {
    let t = start().await;
    let (_ws, sid, _) = t.connect("").await;
    for (skip, group) in MODERATE_V2_GROUPS.iter().enumerate() {
        // The last scope of every other group (read for some, manage for others).
        let scopes: Vec<&str> = MODERATE_V2_GROUPS
            .iter()
            .enumerate()
            .filter(|(i, _)| *i != skip)
            .map(|(_, g)| *g.last().unwrap())
            .collect();
        let (a, _) = t.token("sim_mod", &scopes).await;
        let (s, r) = t.subscribe(&a, "channel.moderate", "2", mod_condition(), &sid).await;
        assert_eq!(s, 403, "without {group:?}: {r}");
        assert_eq!(r["error"], "Forbidden");
        assert_eq!(r["message"], "subscription missing proper authorization");
    }
}

#[tokio::test]
async fn channel_moderate_with_every_scope_group_is_enabled_and_costs_nothing() {
    let t = start().await;
    let (_ws, sid, _) = t.connect("").await;
    let all: Vec<&str> = MODERATE_V2_GROUPS.iter().map(|g| g[0]).collect();
    let (a, _) = t.token("sim_mod", &all).await;
    let (s, r) = t.subscribe(&a, "channel.moderate", "2", mod_condition(), &sid).await;
    assert_eq!(s, 202, "{r}");
    assert_eq!(r["data"][0]["status"], "enabled");
    assert_eq!(r["data"][0]["cost"], 0);
    assert_eq!(r["data"][0]["condition"], mod_condition());
    // v1 has no warnings group: the same token without it is enough there.
    let v1: Vec<&str> =
        all.iter().copied().filter(|s| !s.starts_with("moderator:read:warnings")).collect();
    let (a1, _) = t.token("sim_mod", &v1).await;
    let (s, r) = t.subscribe(&a1, "channel.moderate", "1", mod_condition(), &sid).await;
    assert_eq!(s, 202, "{r}");
    // A viewer who holds every scope but moderates nothing is refused.
    let (v, _) = t.token("sim_viewer", &all).await;
    let c = json!({"broadcaster_user_id": LUMENFORGE, "moderator_user_id": SIM_VIEWER});
    assert_eq!(t.subscribe(&v, "channel.moderate", "2", c, &sid).await.0, 403);
}

/// The AutoMod queue needs `moderator:manage:automod`; the settings `moderator:read:automod_settings`
/// (https://dev.twitch.tv/docs/eventsub/reference/automod).
#[tokio::test]
async fn automod_types_need_their_scope_and_a_moderator() {
    let t = start().await;
    let (_ws, sid, _) = t.connect("").await;
    let (none, _) = t.token("sim_mod", &["moderator:read:chat_messages"]).await;
    let (a, _) = t.token("sim_mod", &["moderator:manage:automod"]).await;
    for (kind, version) in [
        ("automod.message.hold", "1"),
        ("automod.message.hold", "2"),
        ("automod.message.update", "1"),
        ("automod.message.update", "2"),
        ("automod.terms.update", "1"),
    ] {
        assert_eq!(t.subscribe(&none, kind, version, mod_condition(), &sid).await.0, 403);
        let (s, r) = t.subscribe(&a, kind, version, mod_condition(), &sid).await;
        assert_eq!(s, 202, "{kind} v{version}: {r}");
    }
    assert_eq!(t.subscribe(&a, "automod.settings.update", "1", mod_condition(), &sid).await.0, 403);
    let (st, _) = t.token("sim_mod", &["moderator:read:automod_settings"]).await;
    assert_eq!(
        t.subscribe(&st, "automod.settings.update", "1", mod_condition(), &sid).await.0,
        202
    );
}

/// `{"action": "timeout"}` gives the `timeout` object (user, reason, expires_at) and `null` for
/// every other action object, with the acting moderator named, as Twitch's captured v2 timeout
/// (twitch_api `src/eventsub/channel/moderate.rs`, `parse_payload_v2_timeout`).
#[test]
fn a_channel_moderate_timeout_override_fills_the_timeout_object_and_nulls_every_other() {
    let e = ev(
        "channel.moderate",
        "2",
        json!({"action": "timeout", "user_login": "zote_fan", "moderator_user_login": "sim_mod",
            "timeout": {"reason": "spoilers for the ending"}}),
    );
    assert_eq!(e["action"], "timeout");
    assert_eq!(e["broadcaster_user_id"], LUMENFORGE);
    assert_eq!(e["moderator_user_id"], SIM_MOD);
    assert_eq!(e["moderator_user_login"], "sim_mod");
    assert!(e["moderator_user_name"].is_string());
    for k in [
        "source_broadcaster_user_id",
        "source_broadcaster_user_login",
        "source_broadcaster_user_name",
    ] {
        assert!(e[k].is_null(), "{k} is null outside shared chat: {e}");
    }
    let to = &e["timeout"];
    assert_eq!(to["user_login"], "zote_fan");
    assert_eq!(to["user_name"], "Zote_Fan");
    assert_eq!(to["user_id"], "733100215");
    assert_eq!(to["reason"], "spoilers for the ending");
    assert!(to["expires_at"].as_str().unwrap().ends_with('Z'));
    let objects = e.as_object().unwrap();
    let set: Vec<&String> = objects
        .iter()
        .filter(|(k, v)| v.is_object() && !k.ends_with("_user_id"))
        .map(|(k, _)| k)
        .collect();
    assert_eq!(set, vec!["timeout"], "only the action's object is set: {e}");
    for k in
        ["ban", "unban", "delete", "warn", "shared_chat_timeout", "unban_request", "automod_terms"]
    {
        assert!(objects.contains_key(k) && e[k].is_null(), "{k} present and null: {e}");
    }
    // Nothing the test only used to choose people leaks into the event.
    assert!(e.get("user_login").is_none(), "{e}");
}

/// Every action Twitch lists builds, fills at most its own object, and v1 has no `warn`
/// (https://dev.twitch.tv/docs/eventsub/eventsub-reference/#channel-moderate-event).
#[test]
fn every_channel_moderate_action_fills_at_most_its_own_object() {
    for action in MODERATE_ACTIONS {
        let e = ev("channel.moderate", "2", json!({"action": action}));
        let filled: Vec<&str> = e
            .as_object()
            .unwrap()
            .iter()
            .filter(|(_, v)| v.is_object())
            .map(|(k, _)| k.as_str())
            .collect();
        let expect = match *action {
            "approve_unban_request" | "deny_unban_request" => vec!["unban_request"],
            a if a.ends_with("_term") => vec!["automod_terms"],
            "clear" | "emoteonly" | "emoteonlyoff" | "followersoff" | "slowoff" | "subscribers"
            | "subscribersoff" | "uniquechat" | "uniquechatoff" => vec![],
            a => vec![a],
        };
        assert_eq!(filled, expect, "{action}: {e}");
        assert_eq!(e["source_broadcaster_user_id"].is_string(), action.starts_with("shared_chat_"));
    }
    let v1 = ev("channel.moderate", "1", json!({"action": "ban"}));
    assert!(v1.get("warn").is_none(), "{v1}");
    assert!(v1["ban"]["reason"].is_string());
    let w = World::seeded("http://127.0.0.1:1");
    let u = w.user_by_login("lumenforge").unwrap().clone();
    assert!(build(&w, "channel.moderate", "1", &u, &json!({"action": "warn"})).is_err());
    assert!(build(&w, "channel.moderate", "2", &u, &json!({"action": "dance"})).is_err());
}

/// AutoMod hold v2 carries `reason` and the matching object, v1 `category` and `level`; the
/// update adds the moderator and `status` (https://dev.twitch.tv/docs/eventsub/reference/automod;
/// shapes as twitch_api's captured `automod.message.*` notifications).
#[test]
fn automod_hold_and_update_carry_the_documented_fields_per_version() {
    let h = ev("automod.message.hold", "2", json!({"message": {"text": "you are damn slow"}}));
    for k in ["user_id", "user_login", "user_name", "message_id", "held_at", "blocked_term"] {
        assert!(h.get(k).is_some(), "{k}: {h}");
    }
    assert_eq!(h["reason"], "automod");
    assert_eq!(h["message"]["text"], "you are damn slow");
    assert_eq!(h["message"]["fragments"][0]["type"], "text");
    assert_eq!(h["automod"]["boundaries"][0], json!({"start_pos": 8, "end_pos": 11}));
    assert!(h["blocked_term"].is_null());
    assert!(h.get("moderator_user_id").is_none(), "a hold has no moderator yet");
    let b = ev("automod.message.hold", "2", json!({"reason": "blocked_term"}));
    assert!(b["automod"].is_null());
    assert_eq!(b["blocked_term"]["terms_found"][0]["owner_broadcaster_user_id"], LUMENFORGE);
    let v1 = ev("automod.message.hold", "1", json!({}));
    assert!(v1["category"].is_string() && v1["level"].is_u64() && v1.get("reason").is_none());
    let u = ev("automod.message.update", "2", json!({"status": "denied"}));
    assert_eq!(u["status"], "denied");
    assert_eq!(u["moderator_user_login"], "sim_mod");
    assert_eq!(ev("automod.message.update", "2", json!({}))["status"], "approved");
}

#[test]
fn the_other_moderator_tools_carry_their_documented_fields() {
    let cases: &[(&str, &[&str])] = &[
        (
            "channel.suspicious_user.message",
            &[
                "user_id",
                "low_trust_status",
                "shared_ban_channel_ids",
                "types",
                "ban_evasion_evaluation",
                "message",
            ],
        ),
        ("channel.suspicious_user.update", &["moderator_user_id", "user_id", "low_trust_status"]),
        ("channel.warning.send", &["moderator_user_id", "user_id", "reason", "chat_rules_cited"]),
        ("channel.warning.acknowledge", &["user_id", "user_login", "user_name"]),
        ("channel.unban_request.create", &["id", "user_id", "text", "created_at"]),
        (
            "channel.unban_request.resolve",
            &["id", "moderator_user_id", "user_id", "resolution_text", "status"],
        ),
        (
            "automod.settings.update",
            &["moderator_user_id", "overall_level", "swearing", "bullying"],
        ),
        ("automod.terms.update", &["moderator_user_id", "action", "from_automod", "terms"]),
    ];
    for (kind, fields) in cases {
        let e = ev(kind, "1", json!({"user_login": "hornet_main"}));
        for f in *fields {
            assert!(e.get(*f).is_some(), "{kind} lacks {f}: {e}");
        }
    }
    let m = ev("channel.suspicious_user.message", "1", json!({}));
    assert!(m["message"]["message_id"].is_string() && m["message"]["fragments"].is_array());
    assert!(ev("channel.warning.acknowledge", "1", json!({})).get("moderator_user_id").is_none());
    // A request and its resolution name the same request.
    let c = ev("channel.unban_request.create", "1", json!({"user_login": "hornet_main"}));
    let r = ev("channel.unban_request.resolve", "1", json!({"user_login": "hornet_main"}));
    assert_eq!(c["id"], r["id"]);
}

/// A moderator's subscription (condition `moderator_user_id` = the moderator) receives the
/// events of the channel it moderates, each with that subscription's own condition in the
/// envelope (https://dev.twitch.tv/docs/eventsub/reference/automod).
#[tokio::test]
async fn an_automod_hold_and_its_approval_reach_sim_mods_subscription_on_lumenforge() {
    let t = start().await;
    let (mut ws, sid, _) = t.connect("").await;
    let (a, _) = t.token("sim_mod", &["moderator:manage:automod"]).await;
    for kind in ["automod.message.hold", "automod.message.update"] {
        assert_eq!(t.subscribe(&a, kind, "2", mod_condition(), &sid).await.0, 202);
    }
    let held = "0b1f3c2a-7d7e-4c55-9a43-1c3a6c1e9f10";
    let ids = t
        .event(json!({"type": "automod.message.hold", "broadcaster_login": "lumenforge",
            "event": {"user_login": "pogfrog", "message_id": held,
                "message": {"text": "this boss is damn unfair"}}}))
        .await;
    assert_eq!(ids.len(), 1);
    let f = next_non_keepalive(&mut ws).await;
    assert_eq!(f["metadata"]["subscription_type"], "automod.message.hold");
    assert_eq!(f["metadata"]["subscription_version"], "2");
    assert_eq!(f["payload"]["subscription"]["condition"], mod_condition());
    let e = &f["payload"]["event"];
    assert_eq!((e["message_id"].as_str(), e["user_login"].as_str()), (Some(held), Some("pogfrog")));
    assert_eq!(e["message"]["text"], "this boss is damn unfair");

    t.event(json!({"type": "automod.message.update", "broadcaster_login": "lumenforge",
        "event": {"user_login": "pogfrog", "moderator_user_login": "sim_mod", "message_id": held,
            "message": {"text": "this boss is damn unfair"}, "status": "approved"}}))
        .await;
    let f = next_non_keepalive(&mut ws).await;
    assert_eq!(f["metadata"]["subscription_type"], "automod.message.update");
    assert_eq!(f["payload"]["subscription"]["condition"], mod_condition());
    let e = &f["payload"]["event"];
    assert_eq!(e["message_id"], held);
    assert_eq!(e["status"], "approved");
    assert_eq!(e["moderator_user_id"], SIM_MOD);
    assert_eq!(e["moderator_user_login"], "sim_mod");

    // Another channel's hold does not reach a subscription on lumenforge.
    t.event(json!({"type": "automod.message.hold", "broadcaster_login": "nightowl"})).await;
    assert!(quiet_for(&mut ws, 300).await.is_none());
}

/// One happening reaches a `channel.moderate` v1 and a v2 subscriber alike, each in its
/// version's shape (https://dev.twitch.tv/docs/eventsub/eventsub-subscription-types/#channelmoderate):
/// a post without `version` goes to both, naming the same target; a `warn`, which v1 cannot
/// tell, only to v2; a post with a `version` only to that version.
#[tokio::test]
async fn a_moderation_posted_without_a_version_reaches_v1_and_v2_subscribers_in_their_shapes() {
    let t = start().await;
    let (mut ws1, sid1, _) = t.connect("").await;
    let (mut ws2, sid2, _) = t.connect("").await;
    let all: Vec<&str> = MODERATE_V2_GROUPS.iter().map(|g| g[0]).collect();
    let (a, _) = t.token("sim_mod", &all).await;
    assert_eq!(t.subscribe(&a, "channel.moderate", "1", mod_condition(), &sid1).await.0, 202);
    assert_eq!(t.subscribe(&a, "channel.moderate", "2", mod_condition(), &sid2).await.0, 202);
    let ids = t
        .event(json!({"type": "channel.moderate", "broadcaster_login": "lumenforge",
            "event": {"action": "timeout", "timeout": {"reason": "spoilers"}}}))
        .await;
    assert_eq!(ids.len(), 2);
    let f1 = next_non_keepalive(&mut ws1).await;
    let f2 = next_non_keepalive(&mut ws2).await;
    assert_eq!(f1["metadata"]["subscription_version"], "1");
    assert_eq!(f2["metadata"]["subscription_version"], "2");
    let (e1, e2) = (&f1["payload"]["event"], &f2["payload"]["event"]);
    assert!(e1.get("warn").is_none() && e2["warn"].is_null());
    assert_eq!(e1["timeout"], e2["timeout"], "one happening, one target");
    assert_eq!(e1["timeout"]["reason"], "spoilers");

    let ids = t
        .event(json!({"type": "channel.moderate", "broadcaster_login": "lumenforge",
            "event": {"action": "warn"}}))
        .await;
    assert_eq!(ids.len(), 1);
    assert_eq!(next_non_keepalive(&mut ws2).await["payload"]["event"]["action"], "warn");
    let ids = t
        .event(
            json!({"type": "channel.moderate", "version": "2", "broadcaster_login": "lumenforge",
            "event": {"action": "clear"}}),
        )
        .await;
    assert_eq!(ids.len(), 1);
    assert_eq!(next_non_keepalive(&mut ws2).await["payload"]["event"]["action"], "clear");
    assert!(quiet_for(&mut ws1, 300).await.is_none(), "v1 got nothing more");
}

/// The demo evening includes a moderator's evening on lumenforge, delivered to a moderator's
/// subscriptions: a timeout with a reason, an AutoMod hold and its approval by a moderator, a
/// deletion, a warning and its acknowledgement, an unban request and its resolution, shield mode.
#[tokio::test]
async fn the_demo_evening_includes_a_moderators_evening_on_lumenforge() {
    let t = demo_at_400x().await;
    let (mut ws, sid, _) = t.connect("").await;
    let mut scopes: Vec<&str> = MODERATE_V2_GROUPS.iter().map(|g| g[0]).collect();
    scopes.extend(["moderator:manage:automod", "moderator:read:shield_mode"]);
    let (a, _) = t.token("sim_mod", &scopes).await;
    let kinds = [
        ("channel.moderate", "2"),
        ("automod.message.hold", "2"),
        ("automod.message.update", "2"),
        ("channel.warning.send", "1"),
        ("channel.warning.acknowledge", "1"),
        ("channel.unban_request.create", "1"),
        ("channel.unban_request.resolve", "1"),
        ("channel.shield_mode.begin", "1"),
        ("channel.shield_mode.end", "1"),
    ];
    for (k, v) in kinds {
        let (s, r) = t.subscribe(&a, k, v, mod_condition(), &sid).await;
        assert_eq!(s, 202, "{k}: {r}");
    }
    let mut seen = BTreeSet::new();
    let mut held_id = None;
    let mut approved = None;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    while (seen.len() < kinds.len() + 3 || approved.is_none())
        && tokio::time::Instant::now() < deadline
    {
        let f = next_non_keepalive(&mut ws).await;
        let k = f["metadata"]["subscription_type"].as_str().unwrap_or("").to_string();
        let e = &f["payload"]["event"];
        assert_eq!(e["broadcaster_user_login"], "lumenforge", "{f}");
        match k.as_str() {
            "channel.moderate" => {
                let action = e["action"].as_str().unwrap();
                if action == "timeout" {
                    assert!(e["timeout"]["reason"].as_str().is_some_and(|r| !r.is_empty()));
                }
                assert_eq!(e["moderator_user_login"], "sim_mod");
                seen.insert(format!("channel.moderate {action}"));
            }
            "automod.message.hold" => {
                held_id = e["message_id"].as_str().map(str::to_string);
                seen.insert(k);
            }
            "automod.message.update" => {
                if held_id.is_some() {
                    approved =
                        Some((e["message_id"].as_str().map(str::to_string), e["status"].clone()));
                }
                seen.insert(k);
            }
            _ => {
                seen.insert(k);
            }
        }
    }
    for want in [
        "channel.moderate timeout",
        "channel.moderate delete",
        "channel.moderate warn",
        "channel.moderate approve_unban_request",
        "automod.message.hold",
        "automod.message.update",
        "channel.warning.send",
        "channel.warning.acknowledge",
        "channel.unban_request.create",
        "channel.unban_request.resolve",
        "channel.shield_mode.begin",
        "channel.shield_mode.end",
    ] {
        assert!(seen.contains(want), "the demo sent no {want}: {seen:?}");
    }
    let (id, status) = approved.expect("the hold was resolved");
    assert_eq!(id, held_id, "the approval names the held message");
    assert_eq!(status, "approved");
}
