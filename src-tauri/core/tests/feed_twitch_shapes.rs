//! The feed on the shapes Twitch's own examples use, beyond the field tables: the channel named
//! another way or not at all, one channel spelled several ways, a field of another JSON type,
//! automatic rewards, two resubs of one user, and what a frame became (`tev replay --explain`).
//! Fixtures are tests/fixtures/frames (docs/twitch.md §6.1) edited as each case says, or Twitch's
//! reference examples (<https://dev.twitch.tv/docs/eventsub/eventsub-subscription-types/>).

use proptest::prelude::*;
use serde_json::{Value, json};
use std::path::PathBuf;
use tev_core::eventsub::protocol::parse_frame;
use tev_core::feed::{Details, EventKind, Fate, Feed, FeedUpdate, StreamEvent};
use tev_core::replay::{ReplayOptions, replay};

fn fixture(name: &str) -> Value {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join(format!("tests/fixtures/frames/{name}.json"));
    serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap()
}

fn at(name: &str, id: &str, sec: u32) -> Value {
    let mut v = fixture(name);
    v["metadata"]["message_id"] = json!(id);
    v["metadata"]["message_timestamp"] =
        json!(format!("2026-11-27T20:{:02}:{:02}.000000000Z", sec / 60, sec % 60));
    v
}

fn rows(feed: &mut Feed, v: &Value) -> Vec<StreamEvent> {
    let f = parse_frame(&v.to_string()).unwrap();
    feed.push(&f)
        .into_iter()
        .filter_map(|u| match u {
            FeedUpdate::Added(e) => Some(e),
            _ => None,
        })
        .collect()
}

fn one(feed: &mut Feed, v: &Value) -> StreamEvent {
    let r = rows(feed, v);
    assert_eq!(r.len(), 1, "expected one row, got {r:?}");
    r.into_iter().next().unwrap()
}

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
