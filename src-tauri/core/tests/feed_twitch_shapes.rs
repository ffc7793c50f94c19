//! The feed on the shapes Twitch's own examples use, beyond the field tables: the channel named
//! another way or not at all, one channel spelled several ways, a field of another JSON type,
//! automatic rewards, two resubs of one user, and what a frame became (`tev replay --explain`).
//! Fixtures are tests/fixtures/frames (docs/twitch.md §6.1) edited as each case says, or Twitch's
//! reference examples (<https://dev.twitch.tv/docs/eventsub/eventsub-subscription-types/>).

use proptest::prelude::*;
#[path = "support/frames.rs"]
mod frames;

use frames::{at, one, rows};
use serde_json::{Value, json};
use tev_core::eventsub::protocol::parse_frame;
use tev_core::feed::{Details, EventKind, Fate, Feed, FeedUpdate};
use tev_core::replay::{ReplayOptions, replay};

/// A notification frame of `kind` v`version` on channel `channel` with `event`.
fn frame(id: &str, kind: &str, version: &str, channel: &str, event: Value) -> Value {
    json!({
        "metadata": {"message_id": id, "message_type": "notification",
            "message_timestamp": "2026-11-27T20:05:00.000000000Z",
            "subscription_type": kind, "subscription_version": version},
        "payload": {
            "subscription": {"id": format!("sub-{id}"), "status": "enabled", "type": kind,
                "version": version, "cost": 0, "condition": {"broadcaster_user_id": channel},
                "transport": {"method": "websocket", "session_id": "s"},
                "created_at": "2026-11-27T19:59:58.102716918Z"},
            "event": event
        }
    })
}

// --- the channel --------------------------------------------------------------------------------

/// The docs' own example of `channel.charity_campaign.donate` names the channel
/// `broadcaster_id`/`broadcaster_login`/`broadcaster_name`
/// (<https://dev.twitch.tv/docs/eventsub/eventsub-subscription-types/#channelcharity_campaigndonate>).
#[test]
fn a_charity_donation_in_the_docs_own_shape_lands_on_its_channel() {
    let mut v = at("charity_donate", "m1", 10);
    let e = v["payload"]["event"].as_object_mut().unwrap();
    for k in ["id", "login", "name"] {
        let val = e.remove(&format!("broadcaster_user_{k}")).unwrap();
        e.insert(format!("broadcaster_{k}"), val);
    }
    let r = one(&mut Feed::default(), &v);
    assert_eq!(r.kind, EventKind::CharityDonation);
    assert_eq!((r.channel_id.as_str(), r.channel_login.as_str()), ("1337", "cool_user"));
}

#[test]
fn an_event_that_names_no_channel_belongs_to_its_subscriptions_condition() {
    let mut v = at("charity_donate", "m1", 10);
    let e = v["payload"]["event"].as_object_mut().unwrap();
    e.retain(|k, _| !k.starts_with("broadcaster"));
    let mut feed = Feed::default();
    feed.watch_channel("1337", "cool_user");
    let r = one(&mut feed, &v);
    assert_eq!((r.channel_id.as_str(), r.channel_login.as_str()), ("1337", "cool_user"));
}

/// Twitch's examples spell one channel id `cool_user`, `Cool_User` and `cooler_user`; rows of
/// one channel carry one login.
#[test]
fn every_row_of_a_channel_carries_its_one_login_whatever_each_event_spelled() {
    let mut feed = Feed::default();
    let mut follow = at("follow", "m1", 10);
    follow["payload"]["event"]["broadcaster_user_login"] = json!("Cool_User");
    let mut cheer = at("cheer", "m2", 20);
    cheer["payload"]["event"]["broadcaster_user_login"] = json!("cooler_user");
    let a = one(&mut feed, &follow);
    let b = one(&mut feed, &cheer);
    assert_eq!((a.channel_login.as_str(), b.channel_login.as_str()), ("cool_user", "cool_user"));
    // The watcher's login (from Helix) is the channel's login from then on.
    let mut feed = Feed::default();
    feed.watch_channel("1337", "the_real_login");
    assert_eq!(one(&mut feed, &at("follow", "m3", 30)).channel_login, "the_real_login");
}

// --- two resubs ----------------------------------------------------------------------------------

/// Two different resubs of one user in one channel (15 and 65 months), one from each source,
/// are two rows: the link matches months and tier too.
#[test]
fn two_resubs_of_one_user_with_different_months_are_two_rows() {
    let mut feed = Feed::default();
    let mut es = at("subscription_message", "es", 10);
    es["payload"]["event"]["cumulative_months"] = json!(15);
    let mut chat = at("chat_notification_resub", "chat", 20);
    let user = es["payload"]["event"]["user_id"].clone();
    chat["payload"]["event"]["chatter_user_id"] = user;
    chat["payload"]["event"]["resub"]["cumulative_months"] = json!(65);
    chat["payload"]["event"]["resub"]["sub_tier"] = es["payload"]["event"]["tier"].clone();
    assert_eq!(one(&mut feed, &es).kind, EventKind::Resub);
    assert_eq!(one(&mut feed, &chat).kind, EventKind::Resub);
    // The same resub told by both sources is still one row.
    let mut chat15 = chat.clone();
    chat15["metadata"]["message_id"] = json!("chat15");
    chat15["payload"]["event"]["resub"]["cumulative_months"] = json!(15);
    assert!(rows(&mut feed, &chat15).is_empty());
}

// --- field types ----------------------------------------------------------------------------------

/// The docs' older `channel.ad_break.begin` example sent `"duration_seconds": "60"` and
/// `"is_automatic": "false"`: still an ad break, at its own `started_at`.
#[test]
fn an_ad_break_with_numbers_and_booleans_sent_as_strings_is_still_an_ad_break() {
    let mut v = at("ad_break_begin", "m1", 10);
    v["payload"]["event"]["duration_seconds"] = json!("60");
    v["payload"]["event"]["is_automatic"] = json!("false");
    let r = one(&mut Feed::default(), &v);
    assert_eq!(r.kind, EventKind::AdBreak);
    assert_eq!(
        r.occurred_at.to_rfc3339(),
        "2026-11-27T20:07:00+00:00",
        "started_at, not message time"
    );
    assert_eq!(r.details, Details::AdBreak { duration_seconds: 60, is_automatic: false });
}

#[test]
fn an_event_that_cannot_be_read_even_leniently_is_still_other() {
    let mut v = at("ad_break_begin", "m1", 10);
    v["payload"]["event"]["duration_seconds"] = json!("a minute");
    assert_eq!(one(&mut Feed::default(), &v).kind, EventKind::Other);
}

/// A JSON value that says `n` as a number or a string.
fn num_as(n: u64, as_string: bool) -> Value {
    if as_string { json!(n.to_string()) } else { json!(n) }
}

proptest! {
    /// Any ad break, its number and boolean sent either as JSON types or as strings, reads the
    /// same: the kind, the time and the details do not depend on the field's JSON type.
    #[test]
    fn an_ad_breaks_fields_read_the_same_as_numbers_or_as_strings(
        secs in 0u64..100_000, auto in any::<bool>(), s1 in any::<bool>(), s2 in any::<bool>(),
    ) {
        let mut v = at("ad_break_begin", "m1", 10);
        v["payload"]["event"]["duration_seconds"] = num_as(secs, s1);
        v["payload"]["event"]["is_automatic"] =
            if s2 { json!(auto.to_string()) } else { json!(auto) };
        let r = one(&mut Feed::default(), &v);
        prop_assert_eq!(r.kind, EventKind::AdBreak);
        prop_assert_eq!(r.occurred_at.to_rfc3339(), "2026-11-27T20:07:00+00:00");
        prop_assert_eq!(r.details, Details::AdBreak { duration_seconds: secs, is_automatic: auto });
    }

    /// Any automatic reward redemption, v1 or v2, with any cost (as a number or a string) and
    /// message, is a `reward_redemption` with that type, cost and message.
    #[test]
    fn any_automatic_reward_redemption_is_a_reward_redemption_row(
        v2 in any::<bool>(), cost in 0u64..1_000_000, as_string in any::<bool>(),
        text in "[a-zA-Z !?]{0,40}", reward_type in "[a-z_]{1,30}",
    ) {
        let r = one(&mut Feed::default(), &automatic(v2, &reward_type, num_as(cost, as_string), &text));
        prop_assert_eq!(r.kind, EventKind::RewardRedemption);
        prop_assert_eq!(r.actor_login(), Some("twitchdev"));
        let Details::RewardRedemption { cost: c, user_input, reward_type: t, .. } = r.details
        else { panic!("{:?}", r.details) };
        prop_assert_eq!(c, cost);
        prop_assert_eq!(user_input, text.trim());
        prop_assert_eq!(t.as_deref(), Some(reward_type.as_str()));
    }
}

// --- automatic rewards -----------------------------------------------------------------------------

/// Twitch's example of `channel.channel_points_automatic_reward_redemption.add`: v1 has
/// `reward.cost`, `message.emotes` and `user_input`; v2 `reward.channel_points`,
/// `message.fragments` and no `user_input`
/// (<https://dev.twitch.tv/docs/eventsub/eventsub-subscription-types/#channelchannel_points_automatic_reward_redemptionadd>).
fn automatic(v2: bool, reward_type: &str, cost: Value, text: &str) -> Value {
    let (version, reward, message) = if v2 {
        (
            "2",
            json!({"type": reward_type, "channel_points": cost, "emote": null}),
            json!({"text": text, "fragments": [{"type": "text", "text": text, "emote": null}]}),
        )
    } else {
        (
            "1",
            json!({"type": reward_type, "cost": cost, "unlocked_emote": null}),
            json!({"text": text, "emotes": []}),
        )
    };
    let mut event = json!({
        "broadcaster_user_id": "12826", "broadcaster_user_name": "Twitch",
        "broadcaster_user_login": "twitch", "user_id": "141981764", "user_name": "TwitchDev",
        "user_login": "twitchdev", "id": "f024099a-e0fe-4339-9a0a-a706fb59f353",
        "reward": reward, "message": message,
        "redeemed_at": "2024-08-12T21:14:34.260398045Z"
    });
    if !v2 {
        event["user_input"] = json!(format!("{text} "));
    }
    frame("auto", "channel.channel_points_automatic_reward_redemption.add", version, "12826", event)
}

#[test]
fn automatic_reward_redemptions_of_both_versions_are_reward_redemption_rows() {
    for v2 in [false, true] {
        let r = one(
            &mut Feed::default(),
            &automatic(v2, "send_highlighted_message", json!(100), "Hello world! VoHiYo"),
        );
        assert_eq!(r.kind, EventKind::RewardRedemption, "v2: {v2}");
        assert_eq!((r.channel_id.as_str(), r.actor_login()), ("12826", Some("twitchdev")));
        assert_eq!(r.occurred_at.to_rfc3339(), "2024-08-12T21:14:34.260398045+00:00");
        assert_eq!(
            r.details,
            Details::RewardRedemption {
                reward_title: "Highlight My Message".into(),
                cost: 100,
                user_input: "Hello world! VoHiYo".into(),
                reward_type: Some("send_highlighted_message".into()),
            }
        );
        assert_eq!(
            r.summary,
            "TwitchDev redeemed “Highlight My Message” (100 points): Hello world! VoHiYo"
        );
    }
}

// --- what is not a row ------------------------------------------------------------------------------

#[test]
fn configuration_and_guest_star_types_are_no_rows() {
    let mut feed = Feed::default();
    for kind in [
        "channel.channel_points_custom_reward.add",
        "automod.settings.update",
        "automod.terms.update",
        "channel.guest_star_session.begin",
    ] {
        let v = frame(kind, kind, "1", "1337", json!({"broadcaster_user_id": "1337"}));
        assert!(rows(&mut feed, &v).is_empty(), "{kind}");
    }
    // A type nobody documented yet is still `other`.
    let v = frame("new", "channel.brand_new", "1", "1337", json!({}));
    assert_eq!(one(&mut feed, &v).kind, EventKind::Other);
}

// --- what became of each frame -----------------------------------------------------------------------

#[test]
fn explain_says_for_every_line_what_became_of_it() {
    let lines = [
        at("envelope_session_welcome", "w", 0).to_string(),
        at("cheer", "cheer-es", 10).to_string(),
        String::new(),
        "not json".to_owned(),
        at("cheer", "cheer-es", 10).to_string(),
        at("chat_message", "plain", 12).to_string(),
        at("hype_train_progress", "progress", 13).to_string(),
        frame("g", "channel.guest_star_session.begin", "beta", "1337", json!({})).to_string(),
        at("subscription_message", "resub-es", 14).to_string(),
    ];
    let input = lines.join("\n");
    let out = replay(input.as_bytes(), ReplayOptions { explain: true, ..ReplayOptions::default() })
        .unwrap();
    let got: Vec<(usize, String)> =
        out.explained.iter().map(|l| (l.line, l.what.clone())).collect();
    let fate = |i: usize| &out.explained.iter().find(|l| l.line == i).unwrap().fate;
    assert_eq!(
        got.iter().map(|(l, _)| *l).collect::<Vec<_>>(),
        [1, 2, 4, 5, 6, 7, 8, 9],
        "empty lines are skipped"
    );
    assert!(matches!(fate(1), Some(Fate::NoRow { .. })), "{:?}", fate(1));
    assert!(matches!(fate(2), Some(Fate::Row { kind: EventKind::Cheer, .. })), "{:?}", fate(2));
    assert_eq!(fate(4), &None);
    assert!(got[2].1.starts_with("rejected:"), "{got:?}");
    assert!(got[3].1.starts_with("duplicate"), "{got:?}");
    assert!(matches!(fate(6), Some(Fate::NoRow { why }) if why.contains("plain chat")));
    assert_eq!(fate(7), &Some(Fate::State));
    assert!(matches!(fate(8), Some(Fate::NoRow { why }) if why.contains("Guest Star")));
    assert!(matches!(fate(9), Some(Fate::Row { kind: EventKind::Resub, .. })));
}

// --- a moderator's view ------------------------------------------------------------------------------

/// A `channel.moderate` v2 frame: `action` with its object (`object`), the moderator `mod`,
/// sent at `20:05:sec`
/// (<https://dev.twitch.tv/docs/eventsub/eventsub-subscription-types/#channelmoderate-v2>).
fn moderate(id: &str, sec: u32, action: &str, object: Value) -> Value {
    let mut event = json!({
        "broadcaster_user_id": "1337", "broadcaster_user_login": "cool_user",
        "broadcaster_user_name": "Cool_User",
        "source_broadcaster_user_id": null, "source_broadcaster_user_login": null,
        "source_broadcaster_user_name": null,
        "moderator_user_id": "1339", "moderator_user_login": "mod_user",
        "moderator_user_name": "Mod_User",
        "action": action,
        "followers": null, "slow": null, "vip": null, "unvip": null, "mod": null, "unmod": null,
        "ban": null, "unban": null, "timeout": null, "untimeout": null, "raid": null,
        "unraid": null, "delete": null, "automod_terms": null, "unban_request": null,
        "warn": null, "shared_chat_ban": null, "shared_chat_unban": null,
        "shared_chat_timeout": null, "shared_chat_untimeout": null, "shared_chat_delete": null
    });
    if !object.is_null() {
        // The object named like the action, but the term and unban-request actions share one.
        let key = match action {
            "add_blocked_term"
            | "add_permitted_term"
            | "remove_blocked_term"
            | "remove_permitted_term" => "automod_terms",
            "approve_unban_request" | "deny_unban_request" => "unban_request",
            a => a,
        };
        event[key] = object;
    }
    let mut v = frame(id, "channel.moderate", "2", "1337", event);
    v["metadata"]["message_timestamp"] = json!(format!("2026-11-27T20:05:{sec:02}.000000000Z"));
    v["payload"]["subscription"]["condition"]["moderator_user_id"] = json!("1339");
    v
}

/// `channel.ban` of `user` by Mod_User at `20:05:sec`, a timeout of `minutes` (0: a ban)
/// (<https://dev.twitch.tv/docs/eventsub/eventsub-subscription-types/#channelban>).
fn ban(id: &str, sec: u32, user: (&str, &str), minutes: u32) -> Value {
    let at = format!("2026-11-27T20:05:{sec:02}.000000000Z");
    let ends =
        (minutes > 0).then(|| format!("2026-11-27T20:{:02}:{sec:02}.000000000Z", 5 + minutes));
    frame(
        id,
        "channel.ban",
        "1",
        "1337",
        json!({
            "user_id": user.0, "user_login": user.1.to_lowercase(), "user_name": user.1,
            "broadcaster_user_id": "1337", "broadcaster_user_login": "cool_user",
            "broadcaster_user_name": "Cool_User",
            "moderator_user_id": "1339", "moderator_user_login": "mod_user",
            "moderator_user_name": "Mod_User",
            "reason": "Offensive language", "banned_at": at, "ends_at": ends,
            "is_permanent": minutes == 0
        }),
    )
}

fn timeout_object(user: (&str, &str), sec: u32, minutes: u32) -> Value {
    json!({"user_id": user.0, "user_login": user.1.to_lowercase(), "user_name": user.1,
        "reason": "Offensive language",
        "expires_at": format!("2026-11-27T20:{:02}:{sec:02}.000000000Z", 5 + minutes)})
}

#[test]
fn a_timeout_names_the_moderator_the_user_and_how_long() {
    let v = moderate("t1", 0, "timeout", timeout_object(("1234", "UserX"), 0, 10));
    let r = one(&mut Feed::default(), &v);
    assert_eq!(r.kind, EventKind::ModAction);
    assert_eq!(r.actor_login(), Some("mod_user"), "the actor is the moderator");
    assert_eq!(r.summary, "Mod_User timed out UserX for 10 minutes: Offensive language");
    let Details::ModAction { action, target, duration_seconds, reason, .. } = &r.details else {
        panic!("{:?}", r.details)
    };
    assert_eq!(action, "timeout");
    assert_eq!(target.as_ref().map(|t| t.login.as_str()), Some("userx"));
    assert_eq!((*duration_seconds, reason.as_deref()), (Some(600), Some("Offensive language")));
}

#[test]
fn each_moderator_action_reads_as_a_moderator_says_it() {
    let user = json!({"user_id": "1234", "user_login": "userx", "user_name": "UserX"});
    let cases = [
        (
            "ban",
            json!({"user_id": "1234", "user_login": "userx", "user_name": "UserX",
            "reason": "spam"}),
            "Mod_User banned UserX: spam",
        ),
        ("unban", user.clone(), "Mod_User unbanned UserX"),
        (
            "delete",
            json!({"user_id": "1234", "user_login": "userx", "user_name": "UserX",
            "message_id": "m", "message_body": "buy followers"}),
            "Mod_User deleted a message by UserX: “buy followers”",
        ),
        ("slow", json!({"wait_time_seconds": 30}), "Mod_User turned on slow mode (30 seconds)"),
        ("slowoff", Value::Null, "Mod_User turned off slow mode"),
        (
            "followers",
            json!({"follow_duration_minutes": 10}),
            "Mod_User turned on followers-only mode (10 minutes)",
        ),
        ("emoteonly", Value::Null, "Mod_User turned on emote-only mode"),
        ("clear", Value::Null, "Mod_User cleared the chat"),
        ("vip", user.clone(), "Mod_User made UserX a VIP"),
        ("unmod", user.clone(), "Mod_User removed UserX as a moderator"),
        (
            "raid",
            json!({"user_id": "9", "user_login": "friend", "user_name": "Friend",
            "viewer_count": 12}),
            "Mod_User started a raid on Friend (12 viewers)",
        ),
        (
            "add_blocked_term",
            json!({"action": "add", "list": "blocked",
            "terms": ["foo", "bar"], "from_automod": false}),
            "Mod_User blocked the terms “foo”, “bar”",
        ),
        (
            "warn",
            json!({"user_id": "1234", "user_login": "userx", "user_name": "UserX",
            "reason": "cut it out", "chat_rules_cited": null}),
            "Mod_User warned UserX: cut it out",
        ),
        ("a_new_action", Value::Null, "Mod_User: a new action"),
    ];
    let mut feed = Feed::default();
    for (i, (action, object, want)) in cases.into_iter().enumerate() {
        let r = one(&mut feed, &moderate(&format!("a{i}"), i as u32, action, object));
        assert_eq!((r.kind, r.summary.as_str()), (EventKind::ModAction, want), "{action}");
        assert!(matches!(&r.details, Details::ModAction { action: a, .. } if a == action));
    }
    // A shared chat's action happened in the other channel, and says so.
    let mut v = moderate("sc", 30, "shared_chat_timeout", timeout_object(("1234", "UserX"), 30, 1));
    v["payload"]["event"]["source_broadcaster_user_id"] = json!("41292030");
    v["payload"]["event"]["source_broadcaster_user_login"] = json!("adflynn404");
    let r = one(&mut feed, &v);
    assert_eq!(
        r.summary,
        "Mod_User timed out UserX for 1 minute in adflynn404's chat (shared chat): \
         Offensive language"
    );
}

/// `channel.ban` and `channel.moderate` both tell a ban or timeout to a moderator who has both;
/// whichever arrives first is the row, the other none
/// (<https://dev.twitch.tv/docs/eventsub/eventsub-subscription-types/#channelmoderate>).
#[test]
fn a_ban_told_by_channel_ban_and_channel_moderate_is_one_row_in_either_order() {
    let user = ("1234", "UserX");
    for ban_first in [true, false] {
        let mut feed = Feed::default();
        let b = ban("ban", 0, user, 10);
        let m = moderate("mod", 1, "timeout", timeout_object(user, 0, 10));
        let (first, second) = if ban_first { (&b, &m) } else { (&m, &b) };
        let r = one(&mut feed, first);
        assert_eq!(r.kind, EventKind::ModAction);
        assert_eq!(r.actor_login(), Some("mod_user"));
        assert!(r.summary.starts_with("Mod_User timed out UserX for 10 minutes"), "{}", r.summary);
        assert!(rows(&mut feed, second).is_empty(), "ban first: {ban_first}");
    }
    // Different users, or two timeouts both told by channel.moderate, stay two rows.
    let mut feed = Feed::default();
    one(&mut feed, &ban("b1", 0, user, 10));
    one(&mut feed, &moderate("m1", 1, "timeout", timeout_object(("77", "Other"), 0, 10)));
    let mut feed = Feed::default();
    one(&mut feed, &moderate("m2", 2, "timeout", timeout_object(user, 2, 10)));
    one(&mut feed, &moderate("m3", 3, "timeout", timeout_object(user, 3, 10)));
    // An unban, the same: one row.
    let mut feed = Feed::default();
    let unban = frame(
        "ub",
        "channel.unban",
        "1",
        "1337",
        json!({"user_id": "1234", "user_login": "userx", "user_name": "UserX",
            "broadcaster_user_id": "1337", "broadcaster_user_login": "cool_user",
            "broadcaster_user_name": "Cool_User", "moderator_user_id": "1339",
            "moderator_user_login": "mod_user", "moderator_user_name": "Mod_User"}),
    );
    let user_obj = json!({"user_id": "1234", "user_login": "userx", "user_name": "UserX"});
    one(&mut feed, &moderate("mu", 0, "unban", user_obj));
    assert!(rows(&mut feed, &unban).is_empty());
}

/// `channel.moderate` v2 tells an answered unban request (`approve_unban_request`,
/// `deny_unban_request`) that `channel.unban_request.resolve` tells too
/// (<https://dev.twitch.tv/docs/eventsub/eventsub-subscription-types/#channelmoderate-v2>): the
/// moderator view subscribes to both, and one answer is one row, in either order. (A warning
/// is not linked: the planner subscribes to `channel.warning.send` only without v2.)
#[test]
fn an_unban_answer_told_by_two_types_is_one_row_in_either_order() {
    let who = json!({"broadcaster_user_id": "1337", "broadcaster_user_login": "cool_user",
        "broadcaster_user_name": "Cool_User", "moderator_user_id": "1339",
        "moderator_user_login": "mod_user", "moderator_user_name": "Mod_User",
        "user_id": "1234", "user_login": "userx", "user_name": "UserX"});
    let with = |extra: Value| {
        let mut v = who.clone();
        for (k, x) in extra.as_object().into_iter().flatten() {
            v[k] = x.clone();
        }
        v
    };
    let answer = frame(
        "ur",
        "channel.unban_request.resolve",
        "1",
        "1337",
        with(json!({"id": "req-1", "resolution_text": "ok", "status": "approved"})),
    );
    let approve = moderate(
        "ma",
        2,
        "approve_unban_request",
        json!({"is_approved": true, "user_id": "1234", "user_login": "userx",
            "user_name": "UserX", "moderator_message": "ok"}),
    );
    for (a, b) in [(&answer, &approve)] {
        for first_a in [true, false] {
            let mut feed = Feed::default();
            let (first, second) = if first_a { (a, b) } else { (b, a) };
            let r = one(&mut feed, first);
            assert_eq!(r.actor_login(), Some("mod_user"), "{}", r.summary);
            let again = rows(&mut feed, second);
            assert!(again.is_empty(), "two rows for one action: {r:?} and {again:?}");
        }
    }
    // A denial is not the approval's copy.
    let mut feed = Feed::default();
    one(&mut feed, &answer);
    let deny = moderate(
        "md",
        3,
        "deny_unban_request",
        json!({"is_approved": false, "user_id": "1234", "user_login": "userx",
            "user_name": "UserX", "moderator_message": "no"}),
    );
    one(&mut feed, &deny);
}

#[test]
fn a_ban_without_channel_moderate_is_a_moderator_action_row() {
    let r = one(&mut Feed::default(), &ban("b", 0, ("1234", "UserX"), 0));
    assert_eq!((r.kind, r.actor_login()), (EventKind::ModAction, Some("mod_user")));
    assert_eq!(r.summary, "Mod_User banned UserX: Offensive language");
}

/// v2 names the blocked terms only by their place in the text
/// (<https://dev.twitch.tv/docs/eventsub/eventsub-subscription-types/#automodmessagehold-v2>).
#[test]
fn a_held_message_names_its_author_and_why_and_its_resolution_the_moderator() {
    let event = json!({
        "broadcaster_user_id": "1337", "broadcaster_user_login": "cool_user",
        "broadcaster_user_name": "Cool_User", "user_id": "1234", "user_login": "userx",
        "user_name": "UserX", "message_id": "held-1",
        "message": {"text": "😂 foo and bar", "fragments": []},
        "reason": "blocked_term", "automod": null,
        "blocked_term": {"terms_found": [
            {"term_id": "t1", "owner_broadcaster_user_id": "1337",
             "owner_broadcaster_user_login": "cool_user", "owner_broadcaster_user_name": "Cool_User",
             "boundary": {"start_pos": 2, "end_pos": 4}},
            {"term_id": "t2", "owner_broadcaster_user_id": "1337",
             "owner_broadcaster_user_login": "cool_user", "owner_broadcaster_user_name": "Cool_User",
             "boundary": {"start_pos": 10, "end_pos": 12}}]},
        "held_at": "2026-11-27T20:04:59.5Z"
    });
    let mut feed = Feed::default();
    let r = one(&mut feed, &frame("h", "automod.message.hold", "2", "1337", event.clone()));
    assert_eq!((r.kind, r.actor_login()), (EventKind::AutomodHold, Some("userx")));
    assert_eq!(
        r.summary,
        "AutoMod held a message by UserX (blocked terms “foo”, “bar”): “😂 foo and bar”"
    );
    let Details::Automod { blocked_terms, reason, .. } = &r.details else { panic!() };
    assert_eq!(
        (blocked_terms.as_slice(), reason.as_str()),
        (&["foo".to_owned(), "bar".to_owned()][..], "blocked_term")
    );

    let mut update = event;
    update["moderator_user_id"] = json!("1339");
    update["moderator_user_login"] = json!("mod_user");
    update["moderator_user_name"] = json!("Mod_User");
    update["status"] = json!("approved");
    let r = one(&mut feed, &frame("u", "automod.message.update", "2", "1337", update));
    assert_eq!((r.kind, r.actor_login()), (EventKind::AutomodResolved, Some("mod_user")));
    assert_eq!(r.summary, "Mod_User approved UserX's held message: “😂 foo and bar”");
    let Details::Automod { status, author, .. } = &r.details else { panic!() };
    assert_eq!(status.as_deref(), Some("approved"));
    assert_eq!(author.as_ref().map(|a| a.login.as_str()), Some("userx"));
}

#[test]
fn explain_still_says_why_settings_changes_are_no_rows() {
    let lines = [
        frame("s1", "automod.settings.update", "1", "1337", json!({})).to_string(),
        frame("s2", "automod.terms.update", "1", "1337", json!({})).to_string(),
        at("chat_settings_update", "s3", 3).to_string(),
    ];
    let out = replay(
        lines.join("\n").as_bytes(),
        ReplayOptions { explain: true, ..ReplayOptions::default() },
    )
    .unwrap();
    assert_eq!(out.explained.len(), 3);
    for l in &out.explained {
        assert!(matches!(&l.fate, Some(Fate::NoRow { .. })), "{}: {}", l.line, l.what);
        assert!(l.what.contains("not a row") || l.what.contains("setting"), "{}", l.what);
    }
}

/// Every action Twitch documents, with an object of arbitrary values (or none, or another
/// action's), through the feed: never a panic, always one row
/// (<https://dev.twitch.tv/docs/eventsub/eventsub-reference/#channel-moderate-event> objects).
/// (The actions are the simulator's list, `MODERATE_ACTIONS`, as the docs list them.)
const ACTIONS: &[&str] = twitch_sim::payloads::MODERATE_ACTIONS;

fn moderate_value() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        "\\PC{0,12}".prop_map(Value::from),
        Just(json!("2026-11-27T20:15:00Z")),
        Just(json!("1999-01-01T00:00:00Z")),
        Just(json!(["a", "b"])),
        Just(json!({"start_pos": 3})),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn channel_moderate_frames_never_panic(
        action in prop::sample::select(ACTIONS),
        object_of in prop::sample::select(ACTIONS),
        fields in prop::collection::btree_map(
            prop::sample::select(&[
                "user_id", "user_login", "user_name", "reason", "expires_at", "viewer_count",
                "message_id", "message_body", "follow_duration_minutes", "wait_time_seconds",
                "action", "list", "terms", "from_automod", "is_approved", "moderator_message",
                "chat_rules_cited",
            ][..]),
            moderate_value(),
            0..8,
        ),
        top in moderate_value(),
        top_key in prop::sample::select(&["action", "moderator_user_name", "source_broadcaster_user_login", "broadcaster_user_id"][..]),
    ) {
        let object: Value = fields.into_iter().map(|(k, v)| (k.to_owned(), v)).collect::<serde_json::Map<_, _>>().into();
        let mut v = moderate("p", 0, action, Value::Null);
        v["payload"]["event"][object_of] = object;
        let text = v.to_string();
        let mut feed = Feed::default();
        let frame = parse_frame(&text).expect("a valid envelope");
        let got: Vec<_> = feed.push(&frame).into_iter().filter_map(|u| match u {
            FeedUpdate::Added(e) => Some(e),
            _ => None,
        }).collect();
        // A moderator's action; or, for a value no reading can take (a date that is a number),
        // the frame's `other` row on its channel.
        prop_assert_eq!(got.len(), 1);
        prop_assert!(matches!(got[0].kind, EventKind::ModAction | EventKind::Other), "{:?}", got[0]);
        prop_assert_eq!(got[0].channel_id.as_str(), "1337");
        // A top-level field of another type: the frame still parses, to a row or an `other`.
        v["payload"]["event"][top_key] = top;
        if let Ok(f) = parse_frame(&v.to_string()) {
            let _ = Feed::default().push(&f);
        }
    }
}

/// The simulator's own reading of Twitch's docs (an independent one: it does not use this
/// crate) gives every moderation type and every `channel.moderate` action in each version; the
/// core reads each into its kind, with the moderator (or the author, the suspicious user, the
/// warned or banned user) as the actor, never `other`.
#[test]
fn every_moderation_payload_the_simulator_sends_becomes_its_kind() {
    let w = twitch_sim::world::World::seeded("http://127.0.0.1:1");
    let bu = w.user_by_login("lumenforge").expect("the seeded channel").clone();
    let build = |kind: &str, version: &str, over: Value| {
        twitch_sim::payloads::build(&w, kind, version, &bu, &over)
            .unwrap_or_else(|e| panic!("{kind} v{version}: {e:?}"))
            .event
    };
    let mut checked = 0;
    for version in ["1", "2"] {
        for &action in twitch_sim::payloads::MODERATE_ACTIONS {
            if action == "warn" && version == "1" {
                continue;
            }
            let event = build("channel.moderate", version, json!({"action": action}));
            let v =
                frame(&format!("{action}{version}"), "channel.moderate", version, &bu.id, event);
            let r = one(&mut Feed::default(), &v);
            assert_eq!(r.kind, EventKind::ModAction, "{action} v{version}: {r:?}");
            assert_eq!(r.actor_login(), Some("sim_mod"), "{action} v{version}");
            let who = r.actor.as_ref().map(|a| a.display_name.as_str()).unwrap_or("?");
            assert!(r.summary.starts_with(who), "{action} v{version}: {}", r.summary);
            assert!(!r.summary.contains("someone"), "{action} v{version}: {}", r.summary);
            let Details::ModAction { action: a, .. } = &r.details else { panic!() };
            assert_eq!(a, action);
            checked += 1;
        }
    }
    let cases: [(&str, &[&str], EventKind, Option<&str>); 9] = [
        ("automod.message.hold", &["1", "2"], EventKind::AutomodHold, None),
        ("automod.message.update", &["1", "2"], EventKind::AutomodResolved, Some("sim_mod")),
        ("channel.suspicious_user.message", &["1"], EventKind::SuspiciousUserMessage, None),
        (
            "channel.suspicious_user.update",
            &["1"],
            EventKind::SuspiciousUserUpdate,
            Some("sim_mod"),
        ),
        ("channel.warning.send", &["1"], EventKind::WarningSent, Some("sim_mod")),
        ("channel.warning.acknowledge", &["1"], EventKind::WarningAcknowledged, None),
        ("channel.unban_request.create", &["1"], EventKind::UnbanRequest, None),
        ("channel.unban_request.resolve", &["1"], EventKind::UnbanRequestResolved, Some("sim_mod")),
        ("channel.shield_mode.begin", &["1"], EventKind::ShieldMode, Some("sim_mod")),
    ];
    for (kind, versions, want, moderator) in cases {
        for &version in versions {
            let event = build(kind, version, json!({}));
            let user = event["user_login"].as_str().map(str::to_owned);
            let v = frame(&format!("{kind}{version}"), kind, version, &bu.id, event);
            let r = one(&mut Feed::default(), &v);
            assert_eq!(r.kind, want, "{kind} v{version}: {r:?}");
            let actor = moderator.map(str::to_owned).or(user);
            assert_eq!(r.actor_login().map(str::to_owned), actor, "{kind} v{version}");
            checked += 1;
        }
    }
    assert!(checked > 60, "{checked}");
}

/// Twitch's own examples spell one channel id several ways (`Cool_User`, `cool_user`, and other
/// names for id 1337): each row names the channel by one display name — Helix's when the app
/// watches it, else the first an event spelled.
#[test]
fn a_channel_is_named_one_way_on_every_row() {
    let online = |id: &str, name: &str| {
        frame(
            id,
            "stream.online",
            "1",
            "1337",
            json!({"id": "9001", "broadcaster_user_id": "1337",
                "broadcaster_user_login": name.to_lowercase(), "broadcaster_user_name": name,
                "type": "live", "started_at": "2026-11-27T20:05:00Z"}),
        )
    };
    let offline = |id: &str, name: &str| {
        frame(
            id,
            "stream.offline",
            "1",
            "1337",
            json!({"broadcaster_user_id": "1337", "broadcaster_user_login": name.to_lowercase(),
                "broadcaster_user_name": name}),
        )
    };
    let mut feed = Feed::default();
    assert_eq!(one(&mut feed, &online("a", "Cool_User")).summary, "Cool_User went live");
    assert_eq!(one(&mut feed, &offline("b", "glowillig")).summary, "Cool_User went offline");
    // Helix's name wins over what any event spells.
    let mut feed = Feed::default();
    feed.watch_channel("1337", "cool_user");
    feed.name_channel("1337", "CoolUser");
    let r = one(&mut feed, &online("c", "cool_user"));
    assert_eq!((r.summary.as_str(), r.channel_login.as_str()), ("CoolUser went live", "cool_user"));
}
