//! The chat payloads: `channel.chat.message` (with cheers) and `channel.chat.notification`
//! with every notice type.

use rand::Rng;
use rand::seq::IndexedRandom;
use serde_json::{Value, json};

use super::people::{Who, partner, pool_who, random_chatter, who_by_login};
use super::{PayloadError, base, ostr};
use crate::world::{World, uuid};

const CHAT_LINES: &[&str] = &[
    "that skip was clean",
    "PB pace? 👀",
    "hi chat!",
    "lets gooo",
    "the pogo on that spike was insane",
    "how many attempts today?",
    "first time catching the stream live, hello!",
    "GG",
    "chat is so cozy tonight",
    "that boss never stood a chance",
];

fn text_fragment(text: &str) -> Value {
    json!({"type": "text", "text": text, "cheermote": null, "emote": null, "mention": null})
}

/// Cheermote tier from bits (1, 100, 1000, 5000, 10000).
fn cheer_tier(bits: u64) -> u64 {
    match bits {
        0..=99 => 1,
        100..=999 => 100,
        1000..=4999 => 1000,
        5000..=9999 => 5000,
        _ => 10000,
    }
}

/// `message{text, fragments}`; with `bits`, a leading cheermote fragment (docs/twitch.md §6.1).
pub(super) fn chat_message(text: &str, bits: Option<u64>) -> Value {
    match bits {
        Some(b) => {
            let cheer = format!("Cheer{b}");
            json!({
                "text": format!("{cheer} {text}"),
                "fragments": [
                    {"type": "cheermote", "text": cheer, "cheermote": {"prefix": "cheer", "bits": b, "tier": cheer_tier(b)}, "emote": null, "mention": null},
                    text_fragment(&format!(" {text}")),
                ],
            })
        }
        None => json!({"text": text, "fragments": [text_fragment(text)]}),
    }
}

fn badges_for(kind: &str) -> Value {
    match kind {
        "mod" => {
            json!([{"set_id": "moderator", "id": "1", "info": ""}, {"set_id": "subscriber", "id": "24", "info": "26"}])
        }
        "sub" => json!([{"set_id": "subscriber", "id": "12", "info": "14"}]),
        _ => json!([]),
    }
}

/// All notice objects of `channel.chat.notification`; exactly one is non-null
/// (docs/twitch.md §6.1).
const NOTICE_KEYS: &[&str] = &[
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
    "watch_streak",
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

/// `channel.chat.notification` (docs/twitch.md §2 notice types, §6.1 fields).
pub(super) fn chat_notification(w: &World, b: &Who, o: &Value) -> Value {
    let notice = ostr(o, "notice_type").unwrap_or("sub").to_string();
    let base_kind = notice.strip_prefix("shared_chat_").unwrap_or(&notice).to_string();
    let shared = notice.starts_with("shared_chat_");
    let chatter =
        ostr(o, "chatter_user_login").map(|l| who_by_login(w, l)).unwrap_or_else(random_chatter);
    let gifter =
        ostr(o, "gifter_user_login").map(|l| who_by_login(w, l)).unwrap_or_else(|| pool_who(2));
    let recipient =
        ostr(o, "recipient_user_login").map(|l| who_by_login(w, l)).unwrap_or_else(|| pool_who(5));
    let (c, g, r) = (&chatter.name, &gifter.name, &recipient.name);
    let mut text = String::new();
    let (object, system): (Value, String) = match base_kind.as_str() {
        "sub" => (
            json!({"sub_tier": "1000", "is_prime": false, "duration_months": 1}),
            format!("{c} subscribed at Tier 1."),
        ),
        "resub" => {
            text = "still here, still grubbing".into();
            (
                json!({
                    "cumulative_months": 14, "duration_months": 0, "streak_months": 8, "sub_tier": "1000",
                    "is_prime": false, "is_gift": false, "gifter_is_anonymous": null,
                    "gifter_user_id": null, "gifter_user_name": null, "gifter_user_login": null,
                }),
                format!(
                    "{c} subscribed at Tier 1. They've subscribed for 14 months, currently on a 8 month streak!"
                ),
            )
        }
        "sub_gift" => (
            json!({
                "duration_months": 1, "cumulative_total": 12, "recipient_user_id": recipient.id,
                "recipient_user_name": recipient.name, "recipient_user_login": recipient.login,
                "sub_tier": "1000", "community_gift_id": null,
            }),
            format!("{c} gifted a Tier 1 sub to {r}! They have given 12 Gift Subs in the channel!"),
        ),
        "community_sub_gift" => (
            json!({"id": rand::rng().random_range(1_000_000_000u64..9_999_999_999).to_string(), "total": 5, "sub_tier": "1000", "cumulative_total": 25}),
            format!(
                "{c} is gifting 5 Tier 1 Subs to {}'s community! They've gifted a total of 25 in the channel!",
                b.name
            ),
        ),
        "gift_paid_upgrade" => (
            json!({"gifter_is_anonymous": false, "gifter_user_id": gifter.id, "gifter_user_name": gifter.name, "gifter_user_login": gifter.login}),
            format!("{c} is continuing the Gift Sub they got from {g}!"),
        ),
        "prime_paid_upgrade" => (
            json!({"sub_tier": "1000"}),
            format!("{c} converted from a Prime sub to a Tier 1 sub!"),
        ),
        "raid" => (
            json!({
                "user_id": chatter.id, "user_name": chatter.name, "user_login": chatter.login,
                "viewer_count": 87, "profile_image_url": w.avatar_url(&chatter.login),
            }),
            format!("87 raiders from {c} have joined!"),
        ),
        "unraid" => (json!({}), format!("{c} canceled the raid.")),
        "pay_it_forward" => (
            json!({
                "gifter_is_anonymous": false, "gifter_user_id": gifter.id, "gifter_user_name": gifter.name,
                "gifter_user_login": gifter.login, "recipient_user_id": recipient.id,
                "recipient_user_name": recipient.name, "recipient_user_login": recipient.login,
            }),
            format!("{c} is paying forward the Gift they got from {g} to {r}!"),
        ),
        "announcement" => {
            text = "Giveaway at 1,500 viewers — type !join in chat!".into();
            (json!({"color": "PRIMARY"}), String::new())
        }
        "bits_badge_tier" => (
            json!({"tier": 1000}),
            format!("bits badge tier notification: {c} just earned a new 1K Bits badge!"),
        ),
        "charity_donation" => (
            json!({"charity_name": "Direct Relief", "amount": {"value": 500, "decimal_places": 2, "currency": "USD"}}),
            format!("{c}: Donated USD 5 to support Direct Relief."),
        ),
        "watch_streak" => (
            json!({"streak_count": 7, "channel_points_awarded": 450}),
            format!("{c} watched 7 consecutive streams this month and sparked a watch streak!"),
        ),
        // Unknown/undocumented notice types (docs/twitch.md §2): no object, only system_message.
        other => (Value::Null, format!("{c} did something new ({other}).")),
    };
    let mut m = base(b);
    chatter.put(&mut m, "chatter_user");
    m.insert("chatter_is_anonymous".into(), json!(false));
    m.insert("color".into(), json!(chatter.color));
    m.insert("badges".into(), badges_for("sub"));
    m.insert("system_message".into(), json!(system));
    m.insert("message_id".into(), json!(uuid()));
    m.insert(
        "message".into(),
        if text.is_empty() {
            json!({"text": "", "fragments": []})
        } else {
            chat_message(&text, None)
        },
    );
    m.insert("notice_type".into(), json!(notice));
    for k in NOTICE_KEYS {
        m.insert((*k).to_string(), Value::Null);
    }
    if NOTICE_KEYS.contains(&notice.as_str()) {
        m.insert(notice.clone(), object);
    }
    if shared {
        let p = partner(w, b);
        p.put(&mut m, "source_broadcaster_user");
        m.insert("source_message_id".into(), json!(uuid()));
        m.insert("source_badges".into(), badges_for("sub"));
    } else {
        for k in [
            "source_broadcaster_user_id",
            "source_broadcaster_user_login",
            "source_broadcaster_user_name",
            "source_message_id",
            "source_badges",
        ] {
            m.insert(k.into(), Value::Null);
        }
    }
    Value::Object(m)
}

/// `channel.chat.message` (docs/twitch.md §6.1); `cheer: {"bits": N}` in overrides makes a cheer.
pub(super) fn chat_message_event(w: &World, b: &Who, o: &Value) -> Result<Value, PayloadError> {
    let chatter =
        ostr(o, "chatter_user_login").map(|l| who_by_login(w, l)).unwrap_or_else(random_chatter);
    let bits = match o.get("cheer") {
        None | Some(Value::Null) => None,
        Some(c) => Some(
            c.get("bits")
                .and_then(Value::as_u64)
                .ok_or_else(|| PayloadError::Invalid("cheer.bits must be a number".into()))?,
        ),
    };
    let text = o
        .get("message")
        .and_then(|m| m.get("text"))
        .and_then(Value::as_str)
        .map(str::to_string)
        .unwrap_or_else(|| {
            CHAT_LINES.choose(&mut rand::rng()).copied().unwrap_or("hi").to_string()
        });
    let mut m = base(b);
    chatter.put(&mut m, "chatter_user");
    m.insert("message_id".into(), json!(uuid()));
    m.insert("message".into(), chat_message(&text, bits));
    m.insert("message_type".into(), json!("text"));
    m.insert("badges".into(), badges_for(if bits.is_some() { "sub" } else { "" }));
    m.insert("cheer".into(), bits.map(|b| json!({"bits": b})).unwrap_or(Value::Null));
    m.insert("color".into(), json!(chatter.color));
    m.insert("reply".into(), Value::Null);
    m.insert("channel_points_custom_reward_id".into(), Value::Null);
    m.insert("channel_points_animation_id".into(), Value::Null);
    for k in [
        "source_broadcaster_user_id",
        "source_broadcaster_user_login",
        "source_broadcaster_user_name",
        "source_message_id",
        "source_badges",
        "is_source_only",
    ] {
        m.insert(k.into(), Value::Null);
    }
    Ok(Value::Object(m))
}
