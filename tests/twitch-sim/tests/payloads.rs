//! The event payload builders, field by field against docs/twitch.md §6.1 and the §2 table.

use serde_json::{Value, json};
use twitch_sim::catalog::TYPES;
use twitch_sim::payloads::build;
use twitch_sim::world::World;

fn world() -> World {
    World::seeded("http://127.0.0.1:1")
}

fn ev(kind: &str, version: &str, login: &str, o: Value) -> Value {
    let w = world();
    let u = w.user_by_login(login).unwrap().clone();
    build(&w, kind, version, &u, &o).unwrap().event
}

fn has_all(v: &Value, keys: &[&str]) {
    for k in keys {
        assert!(v.get(*k).is_some(), "missing {k} in {v}");
    }
}

#[test]
fn every_catalog_type_builds_an_event_naming_the_broadcaster() {
    let w = world();
    let u = w.user_by_login("lumenforge").unwrap().clone();
    for t in TYPES {
        let b = build(&w, t.kind, t.version, &u, &json!({})).unwrap();
        assert!(b.event.is_object(), "{}", t.kind);
        let s = b.event.to_string();
        assert!(s.contains("141592653"), "{} does not name the broadcaster: {s}", t.kind);
        assert!(!b.keys.is_empty(), "{}", t.kind);
    }
}

#[test]
fn twitch_md_6_1_stream_online_and_offline() {
    let e = ev("stream.online", "1", "quietfox", json!({}));
    has_all(
        &e,
        &[
            "id",
            "broadcaster_user_id",
            "broadcaster_user_login",
            "broadcaster_user_name",
            "type",
            "started_at",
        ],
    );
    assert_eq!(e["type"], "live");
    assert_eq!(e["broadcaster_user_name"], "QuietFox");
    assert!(e["id"].as_str().unwrap().chars().all(|c| c.is_ascii_digit()));
    let e = ev("stream.offline", "1", "quietfox", json!({}));
    has_all(&e, &["broadcaster_user_id", "broadcaster_user_login", "broadcaster_user_name", "id"]);
}

#[test]
fn twitch_md_2_channel_update_v2_fields() {
    let e = ev(
        "channel.update",
        "2",
        "lumenforge",
        json!({"title": "New title", "category_name": "Celeste"}),
    );
    has_all(
        &e,
        &[
            "broadcaster_user_id",
            "title",
            "language",
            "category_id",
            "category_name",
            "content_classification_labels",
        ],
    );
    assert_eq!(e["title"], "New title");
    assert_eq!(e["category_id"], "495961");
}

#[test]
fn twitch_md_6_1_channel_raid() {
    let w = world();
    let u = w.user_by_login("lumenforge").unwrap().clone();
    let b =
        build(&w, "channel.raid", "1", &u, &json!({"from_broadcaster_user_login": "pixelpaladin"}))
            .unwrap();
    let e = &b.event;
    for p in ["from_broadcaster_user", "to_broadcaster_user"] {
        for s in ["id", "login", "name"] {
            assert!(e.get(format!("{p}_{s}")).is_some(), "{p}_{s}");
        }
    }
    assert_eq!(e["from_broadcaster_user_login"], "pixelpaladin");
    assert_eq!(e["to_broadcaster_user_id"], "141592653");
    assert!(e["viewers"].as_u64().unwrap() > 0);
    assert!(e.get("broadcaster_user_id").is_none());
    assert_eq!(b.keys["to_broadcaster_user_id"], "141592653");
    assert_eq!(b.keys["from_broadcaster_user_id"], "314159265");
}

const CHAT_MESSAGE_FIELDS: &[&str] = &[
    "broadcaster_user_id",
    "broadcaster_user_login",
    "broadcaster_user_name",
    "chatter_user_id",
    "chatter_user_login",
    "chatter_user_name",
    "message_id",
    "message",
    "message_type",
    "color",
    "badges",
    "cheer",
    "reply",
    "channel_points_custom_reward_id",
    "channel_points_animation_id",
    "source_broadcaster_user_id",
    "source_broadcaster_user_login",
    "source_broadcaster_user_name",
    "source_message_id",
    "source_badges",
    "is_source_only",
];

#[test]
fn twitch_md_6_1_chat_message_fields_and_fragments() {
    let e = ev(
        "channel.chat.message",
        "1",
        "lumenforge",
        json!({"message": {"text": "hello chat"}, "chatter_user_login": "sim_viewer"}),
    );
    has_all(&e, CHAT_MESSAGE_FIELDS);
    assert_eq!(e["chatter_user_id"], "577215664");
    assert_eq!(e["message"]["text"], "hello chat");
    assert_eq!(e["message_type"], "text");
    assert_eq!(e["cheer"], Value::Null);
    let f = &e["message"]["fragments"][0];
    assert_eq!(f["type"], "text");
    assert_eq!(f["text"], "hello chat");
    has_all(f, &["cheermote", "emote", "mention"]);
    assert!(e["color"].as_str().unwrap().starts_with('#'));
}

#[test]
fn twitch_md_6_1_chat_message_with_cheer() {
    let e = ev(
        "channel.chat.message",
        "1",
        "lumenforge",
        json!({"cheer": {"bits": 500}, "message": {"text": "PB or bust"}}),
    );
    assert_eq!(e["cheer"], json!({"bits": 500}));
    assert_eq!(e["message"]["text"], "Cheer500 PB or bust");
    let c = &e["message"]["fragments"][0];
    assert_eq!(c["type"], "cheermote");
    assert_eq!(c["cheermote"], json!({"prefix": "cheer", "bits": 500, "tier": 100}));
    let w = world();
    let u = w.user_by_login("lumenforge").unwrap().clone();
    assert!(
        build(&w, "channel.chat.message", "1", &u, &json!({"cheer": {"bits": "many"}})).is_err()
    );
}

const NOTICE_OBJECTS: &[&str] = &[
    "sub",
    "resub",
    "sub_gift",
    "community_sub_gift",
    "gift_paid_upgrade",
    "prime_paid_upgrade",
    "raid",
    "unraid",
    "pay_it_forward",
    "announcement",
    "bits_badge_tier",
    "charity_donation",
    "shared_chat_sub",
    "shared_chat_resub",
    "shared_chat_sub_gift",
    "shared_chat_community_sub_gift",
    "shared_chat_gift_paid_upgrade",
    "shared_chat_prime_paid_upgrade",
    "shared_chat_raid",
    "shared_chat_pay_it_forward",
    "shared_chat_announcement",
];

#[test]
fn twitch_md_6_1_chat_notification_every_notice_type_has_exactly_its_object() {
    for notice in NOTICE_OBJECTS.iter().chain(&["watch_streak"]) {
        let e = ev("channel.chat.notification", "1", "lumenforge", json!({"notice_type": notice}));
        has_all(
            &e,
            &[
                "broadcaster_user_id",
                "broadcaster_user_login",
                "broadcaster_user_name",
                "chatter_user_id",
                "chatter_user_login",
                "chatter_user_name",
                "chatter_is_anonymous",
                "color",
                "badges",
                "system_message",
                "message_id",
                "message",
                "notice_type",
                "source_broadcaster_user_id",
                "source_broadcaster_user_login",
                "source_broadcaster_user_name",
                "source_message_id",
                "source_badges",
            ],
        );
        has_all(&e, NOTICE_OBJECTS);
        assert_eq!(e["notice_type"], *notice);
        for k in NOTICE_OBJECTS {
            if k == notice {
                assert!(e[*k].is_object(), "{notice}: its object is set");
            } else {
                assert!(e[*k].is_null(), "{notice}: {k} must be null");
            }
        }
        let shared = notice.starts_with("shared_chat_");
        assert_eq!(e["source_broadcaster_user_id"].is_string(), shared, "{notice}");
        if *notice != "announcement" && *notice != "shared_chat_announcement" {
            assert!(!e["system_message"].as_str().unwrap().is_empty(), "{notice}");
        }
    }
}

#[test]
fn twitch_md_6_1_notice_object_fields() {
    let pick = |n: &str| {
        ev("channel.chat.notification", "1", "lumenforge", json!({"notice_type": n}))[n].clone()
    };
    has_all(&pick("sub"), &["sub_tier", "is_prime", "duration_months"]);
    has_all(
        &pick("resub"),
        &[
            "cumulative_months",
            "duration_months",
            "streak_months",
            "sub_tier",
            "is_prime",
            "is_gift",
            "gifter_is_anonymous",
            "gifter_user_id",
            "gifter_user_name",
            "gifter_user_login",
        ],
    );
    has_all(
        &pick("sub_gift"),
        &[
            "duration_months",
            "cumulative_total",
            "recipient_user_id",
            "recipient_user_name",
            "recipient_user_login",
            "sub_tier",
            "community_gift_id",
        ],
    );
    has_all(&pick("community_sub_gift"), &["id", "total", "sub_tier", "cumulative_total"]);
    has_all(
        &pick("gift_paid_upgrade"),
        &["gifter_is_anonymous", "gifter_user_id", "gifter_user_name", "gifter_user_login"],
    );
    has_all(&pick("prime_paid_upgrade"), &["sub_tier"]);
    has_all(
        &pick("raid"),
        &["user_id", "user_name", "user_login", "viewer_count", "profile_image_url"],
    );
    has_all(
        &pick("pay_it_forward"),
        &["gifter_is_anonymous", "gifter_user_id", "gifter_user_name", "gifter_user_login"],
    );
    has_all(&pick("announcement"), &["color"]);
    has_all(&pick("bits_badge_tier"), &["tier"]);
    let c = pick("charity_donation");
    has_all(&c, &["charity_name", "amount"]);
    has_all(&c["amount"], &["value", "decimal_places", "currency"]);
    has_all(&pick("watch_streak"), &["streak_count", "channel_points_awarded"]);
    assert!(pick("sub")["sub_tier"].as_str().is_some(), "sub_tier is a string like \"1000\"");
}

#[test]
fn twitch_md_2_unknown_notice_type_falls_back_to_system_message() {
    let e = ev(
        "channel.chat.notification",
        "1",
        "lumenforge",
        json!({"notice_type": "sponsored_shopping_purchase"}),
    );
    assert_eq!(e["notice_type"], "sponsored_shopping_purchase");
    for k in NOTICE_OBJECTS {
        assert!(e[*k].is_null());
    }
    assert!(!e["system_message"].as_str().unwrap().is_empty());
}

#[test]
fn overrides_deep_merge_and_pick_people() {
    let e = ev(
        "channel.chat.notification",
        "1",
        "lumenforge",
        json!({"notice_type": "resub", "resub": {"cumulative_months": 40}, "chatter_user_login": "sim_mod"}),
    );
    assert_eq!(e["resub"]["cumulative_months"], 40);
    assert_eq!(e["resub"]["sub_tier"], "1000", "other fields kept");
    assert_eq!(e["chatter_user_name"], "SimMod");
    let e = ev("channel.follow", "2", "lumenforge", json!({"user_login": "sim_viewer"}));
    assert_eq!(e["user_id"], "577215664");
    has_all(&e, &["user_login", "user_name", "followed_at", "broadcaster_user_id"]);
    assert!(e.get("user_login").is_some());
}

#[test]
fn twitch_md_2_broadcaster_type_payloads() {
    has_all(
        &ev("channel.subscribe", "1", "lumenforge", json!({})),
        &["user_id", "user_login", "user_name", "tier", "is_gift"],
    );
    has_all(
        &ev("channel.subscription.gift", "1", "lumenforge", json!({})),
        &["user_id", "total", "tier", "cumulative_total", "is_anonymous"],
    );
    has_all(
        &ev("channel.subscription.message", "1", "lumenforge", json!({})),
        &["user_id", "tier", "message", "cumulative_months", "streak_months", "duration_months"],
    );
    has_all(
        &ev("channel.cheer", "1", "lumenforge", json!({})),
        &["is_anonymous", "user_id", "message", "bits"],
    );
    has_all(
        &ev("channel.hype_train.begin", "2", "lumenforge", json!({})),
        &[
            "id",
            "total",
            "progress",
            "goal",
            "top_contributions",
            "level",
            "started_at",
            "expires_at",
            "type",
            "is_shared_train",
        ],
    );
    has_all(
        &ev("channel.hype_train.end", "2", "lumenforge", json!({})),
        &[
            "id",
            "total",
            "level",
            "top_contributions",
            "started_at",
            "ended_at",
            "cooldown_ends_at",
        ],
    );
    has_all(
        &ev("channel.poll.end", "1", "lumenforge", json!({})),
        &["id", "title", "choices", "status", "ended_at"],
    );
    has_all(
        &ev("channel.prediction.end", "1", "lumenforge", json!({})),
        &["id", "title", "outcomes", "winning_outcome_id", "status", "ended_at"],
    );
    has_all(
        &ev("channel.ad_break.begin", "1", "lumenforge", json!({})),
        &["duration_seconds", "started_at", "is_automatic", "requester_user_id"],
    );
    let c = ev("channel.charity_campaign.start", "1", "lumenforge", json!({}));
    has_all(
        &c,
        &[
            "broadcaster_id",
            "broadcaster_login",
            "broadcaster_name",
            "charity_name",
            "current_amount",
            "target_amount",
            "started_at",
        ],
    );
}

/// https://dev.twitch.tv/docs/eventsub/eventsub-reference/#automatic-reward-redemption-event:
/// v2 names the cost `channel_points` and carries the message's fragments; v1 `cost`,
/// `unlocked_emote`, the message's emotes and `user_input`.
#[test]
fn automatic_reward_redemptions_have_each_versions_fields() {
    let v2 =
        ev("channel.channel_points_automatic_reward_redemption.add", "2", "lumenforge", json!({}));
    has_all(&v2, &["id", "user_id", "user_login", "user_name", "reward", "message", "redeemed_at"]);
    has_all(&v2["reward"], &["type", "channel_points", "emote"]);
    assert!(v2["message"]["fragments"].is_array(), "{v2}");
    assert!(v2.get("user_input").is_none(), "v2 has no user_input: {v2}");
    let v1 =
        ev("channel.channel_points_automatic_reward_redemption.add", "1", "lumenforge", json!({}));
    has_all(&v1, &["id", "user_id", "reward", "message", "user_input", "redeemed_at"]);
    has_all(&v1["reward"], &["type", "cost", "unlocked_emote"]);
    assert!(v1["message"]["emotes"].is_array(), "{v1}");
}
