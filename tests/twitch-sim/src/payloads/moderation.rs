//! The payloads a moderator acts on: `channel.moderate` v1/v2 with every action, the AutoMod
//! queue (`automod.message.hold` / `.update` v1/v2), AutoMod settings and terms, suspicious
//! users, warnings and unban requests.
//!
//! Fields and their types follow https://dev.twitch.tv/docs/eventsub/eventsub-reference/ and
//! https://dev.twitch.tv/docs/eventsub/reference/channel-moderation and
//! https://dev.twitch.tv/docs/eventsub/reference/automod, checked against the captured
//! notifications in twitch_api's tests (https://github.com/twitch-rs/twitch_api, files
//! `src/eventsub/channel/moderate.rs`, `src/eventsub/automod/message/{hold,update}.rs`,
//! `src/eventsub/channel/{suspicious_user,warning,unban_request}/*.rs`).

use chrono::{DateTime, Duration, Utc};
use serde_json::{Map, Value, json};

use super::people::{Who, partner, user_fields};
use super::{PayloadError, ostr};
use crate::world::{World, ts, uuid};

/// The action objects of `channel.moderate` v1, in Twitch's order; exactly the one named by
/// `action` is filled, every other is `null` (and actions with no details fill none).
const MODERATE_KEYS_V1: &[&str] = &[
    "followers",
    "slow",
    "vip",
    "unvip",
    "mod",
    "unmod",
    "ban",
    "unban",
    "timeout",
    "untimeout",
    "raid",
    "unraid",
    "delete",
    "automod_terms",
    "unban_request",
    "shared_chat_ban",
    "shared_chat_unban",
    "shared_chat_timeout",
    "shared_chat_untimeout",
    "shared_chat_delete",
];

/// Every `action` value of `channel.moderate` (v2 adds `warn`), as the docs list them.
pub const MODERATE_ACTIONS: &[&str] = &[
    "ban",
    "timeout",
    "unban",
    "untimeout",
    "clear",
    "emoteonly",
    "emoteonlyoff",
    "followers",
    "followersoff",
    "uniquechat",
    "uniquechatoff",
    "slow",
    "slowoff",
    "subscribers",
    "subscribersoff",
    "unraid",
    "delete",
    "unvip",
    "vip",
    "raid",
    "add_blocked_term",
    "add_permitted_term",
    "remove_blocked_term",
    "remove_permitted_term",
    "mod",
    "unmod",
    "approve_unban_request",
    "deny_unban_request",
    "warn",
    "shared_chat_ban",
    "shared_chat_timeout",
    "shared_chat_unban",
    "shared_chat_untimeout",
    "shared_chat_delete",
];

/// The people and time a moderation payload is built from.
pub(super) struct Ctx<'a> {
    /// The world (for the shared-chat partner and logins).
    pub w: &'a World,
    /// The channel.
    pub b: &'a Who,
    /// The target of the action: the chatter, the held message's author (`user_login`).
    pub user: &'a Who,
    /// The acting moderator (`moderator_user_login`, else `sim_mod`).
    pub moderator: &'a Who,
    /// The event's time.
    pub now: DateTime<Utc>,
}

fn who_obj(u: &Who) -> Map<String, Value> {
    let mut m = Map::new();
    user_fields(&mut m, u);
    m
}

/// `channel.moderate` (https://dev.twitch.tv/docs/eventsub/eventsub-reference/#channel-moderate-event
/// and #channel-moderate-v2-event): the acting moderator, the `action`, and one object per
/// action of which only the matching one is set. `source_broadcaster_user_*` name the other
/// channel for the `shared_chat_*` actions and are `null` otherwise.
pub(super) fn channel_moderate(
    c: &Ctx,
    version: &str,
    o: &Value,
    m: &mut Map<String, Value>,
) -> Result<(), PayloadError> {
    let action = ostr(o, "action").unwrap_or("timeout");
    if !MODERATE_ACTIONS.contains(&action) {
        return Err(PayloadError::Invalid(format!("unknown channel.moderate action {action}")));
    }
    if action == "warn" && version == "1" {
        // v1 has no `warn` object; Twitch added warnings in v2.
        return Err(PayloadError::Invalid("warn is a channel.moderate v2 action".into()));
    }
    let shared = action.starts_with("shared_chat_");
    for k in ["id", "login", "name"] {
        let v = if shared {
            let p = partner(c.w, c.b);
            json!(match k {
                "id" => p.id,
                "login" => p.login,
                _ => p.name,
            })
        } else {
            Value::Null
        };
        m.insert(format!("source_broadcaster_user_{k}"), v);
    }
    c.moderator.put(m, "moderator_user");
    m.insert("action".into(), json!(action));
    for k in MODERATE_KEYS_V1 {
        m.insert((*k).to_string(), Value::Null);
    }
    if version != "1" {
        m.insert("warn".into(), Value::Null);
    }
    let base = action.strip_prefix("shared_chat_").unwrap_or(action);
    let mut u = who_obj(c.user);
    let (key, obj): (&str, Option<Value>) = match base {
        "ban" => {
            u.insert("reason".into(), json!("spamming links"));
            (action, Some(u.into()))
        }
        "timeout" => {
            u.insert("reason".into(), json!("spoilers"));
            u.insert("expires_at".into(), json!(ts(c.now + Duration::minutes(10))));
            (action, Some(u.into()))
        }
        "unban" | "untimeout" | "vip" | "unvip" | "mod" | "unmod" => (action, Some(u.into())),
        "raid" | "unraid" => {
            // The raided channel: `user_login` when given, else the other live channel.
            let mut r =
                if ostr(o, "user_login").is_some() { u } else { who_obj(&partner(c.w, c.b)) };
            if base == "raid" {
                r.insert("viewer_count".into(), json!(312));
            }
            (action, Some(r.into()))
        }
        "delete" => {
            u.insert("message_id".into(), json!(uuid()));
            u.insert("message_body".into(), json!("the ending: the knight wins"));
            (action, Some(u.into()))
        }
        "warn" => {
            u.insert("reason".into(), json!("no spoilers please"));
            u.insert("chat_rules_cited".into(), json!(["No spoilers"]));
            (action, Some(u.into()))
        }
        "followers" => (action, Some(json!({"follow_duration_minutes": 10}))),
        "slow" => (action, Some(json!({"wait_time_seconds": 30}))),
        "approve_unban_request" | "deny_unban_request" => {
            let approved = base == "approve_unban_request";
            u.insert("is_approved".into(), json!(approved));
            u.insert(
                "moderator_message".into(),
                json!(if approved { "welcome back, be kind" } else { "not this time" }),
            );
            ("unban_request", Some(u.into()))
        }
        "add_blocked_term"
        | "add_permitted_term"
        | "remove_blocked_term"
        | "remove_permitted_term" => {
            let (op, list) = base.split_once('_').unwrap_or(("add", "blocked_term"));
            let list = list.trim_end_matches("_term");
            (
                "automod_terms",
                Some(
                    json!({"action": op, "list": list, "terms": ["spoiler"], "from_automod": false}),
                ),
            )
        }
        // clear, emoteonly(off), followersoff, slowoff, subscribers(off), uniquechat(off):
        // no details, every object stays null.
        _ => (action, None),
    };
    if let Some(v) = obj {
        m.insert(key.to_string(), v);
    }
    Ok(())
}

/// A held message's text and the word AutoMod or a blocked term caught.
fn held_text(o: &Value, reason: &str) -> (String, String) {
    let text = o.get("message").and_then(|mm| mm.get("text")).and_then(Value::as_str);
    let (default_text, word) = if reason == "blocked_term" {
        ("psst the ending spoiler is wild", "spoiler")
    } else {
        ("this boss is damn unfair", "damn")
    };
    (text.unwrap_or(default_text).to_string(), word.to_string())
}

/// `message {text, fragments}` of the AutoMod and suspicious-user payloads: fragments carry
/// `type`, `text`, `cheermote`, `emote` (no `mention`, unlike chat messages).
pub(super) fn automod_message(text: &str) -> Value {
    json!({"text": text, "fragments": [
        {"type": "text", "text": text, "cheermote": null, "emote": null}
    ]})
}

/// Where `word` is in `text`, in characters, end inclusive, as Twitch's `boundaries` count
/// (twitch_api's captured hold of "😂 ass" marks `start_pos` 2, `end_pos` 4); the whole text
/// when the word is not in it.
fn boundary(text: &str, word: &str) -> Value {
    let chars = text.chars().count();
    match text.find(word) {
        Some(i) => {
            let start = text[..i].chars().count();
            json!({"start_pos": start, "end_pos": start + word.chars().count() - 1})
        }
        None => json!({"start_pos": 0, "end_pos": chars.saturating_sub(1)}),
    }
}

/// `automod.message.hold` and `.update` (https://dev.twitch.tv/docs/eventsub/reference/automod):
/// v1 names the `category` and `level`; v2 the `reason` (`automod` or `blocked_term`) with the
/// matching object set and the other `null`. The update adds the moderator and the `status`,
/// lowercase as production sends it (`approved`, `denied`, `expired`; the docs' table spells
/// them capitalised, twitch_api's captured updates carry `"status": "approved"`).
pub(super) fn automod_message_event(
    c: &Ctx,
    kind: &str,
    version: &str,
    o: &Value,
    m: &mut Map<String, Value>,
) {
    let update = kind.ends_with("update");
    user_fields(m, c.user);
    if update {
        c.moderator.put(m, "moderator_user");
    }
    let reason = ostr(o, "reason").unwrap_or("automod");
    let (text, word) = held_text(o, reason);
    m.insert("message_id".into(), json!(uuid()));
    m.insert("message".into(), automod_message(&text));
    if version == "1" {
        m.insert("category".into(), json!("swearing"));
        m.insert("level".into(), json!(4));
    } else {
        m.insert("reason".into(), json!(reason));
        let bound = boundary(&text, &word);
        if reason == "blocked_term" {
            m.insert("automod".into(), Value::Null);
            let mut t = Map::new();
            t.insert("term_id".into(), json!("e4d4f1ba-99bf-4b19-9875-cd4eda98ead9"));
            t.insert("boundary".into(), bound);
            c.b.put(&mut t, "owner_broadcaster_user");
            m.insert("blocked_term".into(), json!({"terms_found": [t]}));
        } else {
            m.insert(
                "automod".into(),
                json!({"category": "swearing", "level": 4, "boundaries": [bound]}),
            );
            m.insert("blocked_term".into(), Value::Null);
        }
    }
    if update {
        m.insert("status".into(), json!("approved"));
    }
    // The update tells what became of a message held a little earlier.
    let held = if update { c.now - Duration::seconds(10) } else { c.now };
    m.insert("held_at".into(), json!(ts(held)));
}

/// `automod.settings.update` (https://dev.twitch.tv/docs/eventsub/reference/automod): the
/// moderator and every category level (0–4); `overall_level` is `null` when levels were set
/// one by one.
pub(super) fn automod_settings(c: &Ctx, m: &mut Map<String, Value>) {
    c.moderator.put(m, "moderator_user");
    for (k, v) in [
        ("overall_level", json!(null)),
        ("bullying", json!(1)),
        ("disability", json!(2)),
        ("race_ethnicity_or_religion", json!(3)),
        ("misogyny", json!(2)),
        ("sexuality_sex_or_gender", json!(2)),
        ("aggression", json!(2)),
        ("sex_based_terms", json!(1)),
        ("swearing", json!(0)),
    ] {
        m.insert(k.into(), v);
    }
}

/// `automod.terms.update` (https://dev.twitch.tv/docs/eventsub/reference/automod): `action` is
/// `add_permitted`, `remove_permitted`, `add_blocked` or `remove_blocked`.
pub(super) fn automod_terms(c: &Ctx, m: &mut Map<String, Value>) {
    c.moderator.put(m, "moderator_user");
    m.insert("action".into(), json!("add_blocked"));
    m.insert("from_automod".into(), json!(false));
    m.insert("terms".into(), json!(["spoiler"]));
}

/// The suspicious-user, warning and unban-request types
/// (https://dev.twitch.tv/docs/eventsub/reference/channel-moderation).
pub(super) fn moderation_tool(c: &Ctx, kind: &str, o: &Value, m: &mut Map<String, Value>) {
    match kind {
        "channel.suspicious_user.message" => {
            user_fields(m, c.user);
            m.insert("low_trust_status".into(), json!("active_monitoring"));
            m.insert("shared_ban_channel_ids".into(), json!([]));
            // `types`: `manually_added`, `ban_evader`, `banned_in_shared_channel`;
            // `ban_evasion_evaluation`: `unknown`, `possible`, `likely` (twitch_api's
            // `SuspiciousUserType`, src/eventsub/channel/suspicious_user/mod.rs, and twurple's
            // `EventSubChannelSuspiciousUserType`).
            m.insert("types".into(), json!(["ban_evader"]));
            m.insert("ban_evasion_evaluation".into(), json!("likely"));
            let text = o
                .get("message")
                .and_then(|mm| mm.get("text"))
                .and_then(Value::as_str)
                .unwrap_or("hey remember me");
            let mut msg = automod_message(text);
            msg["message_id"] = json!(uuid());
            m.insert("message".into(), msg);
        }
        "channel.suspicious_user.update" => {
            c.moderator.put(m, "moderator_user");
            user_fields(m, c.user);
            m.insert("low_trust_status".into(), json!("restricted"));
        }
        "channel.warning.send" => {
            c.moderator.put(m, "moderator_user");
            user_fields(m, c.user);
            m.insert("reason".into(), json!("no spoilers please"));
            m.insert("chat_rules_cited".into(), json!(["No spoilers"]));
        }
        "channel.warning.acknowledge" => {
            // Only the warned user acts here: no moderator fields.
            user_fields(m, c.user);
        }
        "channel.unban_request.create" => {
            m.insert("id".into(), json!(unban_request_id(c.user)));
            user_fields(m, c.user);
            m.insert("text".into(), json!("sorry about the spoilers, it won't happen again"));
            m.insert("created_at".into(), json!(ts(c.now)));
        }
        "channel.unban_request.resolve" => {
            m.insert("id".into(), json!(unban_request_id(c.user)));
            c.moderator.put(m, "moderator_user");
            user_fields(m, c.user);
            m.insert("resolution_text".into(), json!("welcome back, be kind"));
            m.insert("status".into(), json!("approved"));
        }
        _ => {
            c.moderator.put(m, "moderator_user");
            user_fields(m, c.user);
        }
    }
}

/// A user's unban request id: numeric like Twitch's, stable per user so that a request and
/// its resolution name the same one without the test pinning it.
fn unban_request_id(u: &Who) -> String {
    let n: u64 = u.id.parse().unwrap_or(0);
    (n % 1_000_000 + 50).to_string()
}
