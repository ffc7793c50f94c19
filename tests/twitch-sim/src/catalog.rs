//! The EventSub subscription types the simulator accepts: version, condition, who may
//! subscribe and with which scope (docs/twitch.md §2 table, §1.8).

use serde_json::{Map, Value};

/// Who must own the token for a type (docs/twitch.md §2 "How it works").
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Auth {
    /// No authorization: any user token, cost 1.
    None,
    /// The token's user must be `broadcaster_user_id`.
    Broadcaster,
    /// The token's user must be `moderator_user_id`, a moderator of (or the) broadcaster.
    Moderator,
    /// The token's user must be `user_id` (chat types, whispers).
    SelfUser,
}

/// One subscription type+version.
#[derive(Debug)]
pub struct TypeSpec {
    /// Type, e.g. `stream.online`.
    pub kind: &'static str,
    /// Version.
    pub version: &'static str,
    /// Required condition fields.
    pub condition: &'static [&'static str],
    /// Optional condition fields.
    pub optional: &'static [&'static str],
    /// Who may subscribe.
    pub auth: Auth,
    /// Any one of these scopes is enough (empty = none needed).
    pub scopes: &'static [&'static str],
    /// Further groups of scopes the token must hold as well, each satisfied by any one of its
    /// scopes: `channel.moderate` needs read-or-manage for several areas at once
    /// (https://dev.twitch.tv/docs/eventsub/eventsub-subscription-types/#channelmoderate).
    pub also: &'static [&'static [&'static str]],
}

impl TypeSpec {
    /// Does a token holding the scopes `has` answers for satisfy this type: one of `scopes`
    /// (when any are listed) and one of every group of `also`?
    pub fn scopes_ok(&self, has: impl Fn(&str) -> bool) -> bool {
        let any = |g: &[&str]| g.is_empty() || g.iter().any(|s| has(s));
        any(self.scopes) && self.also.iter().all(|g| any(g))
    }
}

const B: &[&str] = &["broadcaster_user_id"];
const BU: &[&str] = &["broadcaster_user_id", "user_id"];
const BM: &[&str] = &["broadcaster_user_id", "moderator_user_id"];
const U: &[&str] = &["user_id"];
const CHAT: &[&str] = &["user:read:chat"];
const SUBS: &[&str] = &["channel:read:subscriptions"];

macro_rules! spec {
    ($k:expr, $v:expr, $c:expr, $a:ident, $s:expr) => {
        TypeSpec {
            kind: $k,
            version: $v,
            condition: $c,
            optional: &[],
            auth: Auth::$a,
            scopes: $s,
            also: &[],
        }
    };
    ($k:expr, $v:expr, $c:expr, $o:expr, $a:ident, $s:expr) => {
        TypeSpec {
            kind: $k,
            version: $v,
            condition: $c,
            optional: $o,
            auth: Auth::$a,
            scopes: $s,
            also: &[],
        }
    };
}

/// `channel.moderate` v1's scopes: all of these groups, each read or manage
/// (https://dev.twitch.tv/docs/eventsub/eventsub-subscription-types/#channelmoderate; the same
/// list in twitch_api's `ChannelModerateV1::SCOPE`,
/// https://github.com/twitch-rs/twitch_api/blob/main/src/eventsub/channel/moderate.rs).
const MODERATE_V1: &[&[&str]] = &[
    &["moderator:read:blocked_terms", "moderator:manage:blocked_terms"],
    &["moderator:read:chat_settings", "moderator:manage:chat_settings"],
    &["moderator:read:unban_requests", "moderator:manage:unban_requests"],
    &["moderator:read:banned_users", "moderator:manage:banned_users"],
    &["moderator:read:chat_messages", "moderator:manage:chat_messages"],
    &["moderator:read:moderators"],
    &["moderator:read:vips"],
];

/// `channel.moderate` v2's scopes: v1's groups and the warnings group (same sources; twitch4j's
/// `ChannelModerateType` lists the eight,
/// https://twitch4j.github.io/javadoc/com/github/twitch4j/eventsub/subscriptions/ChannelModerateType.html).
const MODERATE_V2: &[&[&str]] = &[
    &["moderator:read:blocked_terms", "moderator:manage:blocked_terms"],
    &["moderator:read:chat_settings", "moderator:manage:chat_settings"],
    &["moderator:read:unban_requests", "moderator:manage:unban_requests"],
    &["moderator:read:banned_users", "moderator:manage:banned_users"],
    &["moderator:read:chat_messages", "moderator:manage:chat_messages"],
    &["moderator:read:warnings", "moderator:manage:warnings"],
    &["moderator:read:moderators"],
    &["moderator:read:vips"],
];

/// The AutoMod queue types need `moderator:manage:automod`
/// (https://dev.twitch.tv/docs/eventsub/reference/automod).
const AUTOMOD: &[&str] = &["moderator:manage:automod"];

/// Every accepted type (docs/twitch.md §2).
pub const TYPES: &[TypeSpec] = &[
    spec!("stream.online", "1", B, None, &[]),
    spec!("stream.offline", "1", B, None, &[]),
    spec!("channel.update", "2", B, None, &[]),
    spec!("channel.update", "1", B, None, &[]),
    // channel.raid: exactly one of the two, checked in `check_condition`.
    spec!(
        "channel.raid",
        "1",
        &[],
        &["to_broadcaster_user_id", "from_broadcaster_user_id"],
        None,
        &[]
    ),
    spec!("channel.chat.message", "1", BU, SelfUser, CHAT),
    spec!("channel.chat.notification", "1", BU, SelfUser, CHAT),
    spec!("channel.chat.clear", "1", BU, SelfUser, CHAT),
    spec!("channel.chat.clear_user_messages", "1", BU, SelfUser, CHAT),
    spec!("channel.chat.message_delete", "1", BU, SelfUser, CHAT),
    spec!("channel.chat_settings.update", "1", BU, SelfUser, CHAT),
    spec!("channel.chat.user_message_hold", "1", BU, SelfUser, CHAT),
    spec!("channel.chat.user_message_update", "1", BU, SelfUser, CHAT),
    spec!("channel.shared_chat.begin", "1", B, None, &[]),
    spec!("channel.shared_chat.update", "1", B, None, &[]),
    spec!("channel.shared_chat.end", "1", B, None, &[]),
    spec!("user.update", "1", U, None, &[]),
    spec!(
        "user.whisper.message",
        "1",
        U,
        SelfUser,
        &["user:read:whispers", "user:manage:whispers"]
    ),
    spec!("channel.follow", "2", BM, Moderator, &["moderator:read:followers"]),
    spec!("channel.subscribe", "1", B, Broadcaster, SUBS),
    spec!("channel.subscription.gift", "1", B, Broadcaster, SUBS),
    spec!("channel.subscription.message", "1", B, Broadcaster, SUBS),
    spec!("channel.subscription.end", "1", B, Broadcaster, SUBS),
    spec!("channel.cheer", "1", B, Broadcaster, &["bits:read"]),
    spec!("channel.bits.use", "1", B, Broadcaster, &["bits:read"]),
    spec!(
        "channel.ad_break.begin",
        "1",
        B,
        Broadcaster,
        &["channel:read:ads", "channel:manage:ads"]
    ),
    spec!("channel.hype_train.begin", "2", B, Broadcaster, &["channel:read:hype_train"]),
    spec!("channel.hype_train.progress", "2", B, Broadcaster, &["channel:read:hype_train"]),
    spec!("channel.hype_train.end", "2", B, Broadcaster, &["channel:read:hype_train"]),
    spec!(
        "channel.poll.begin",
        "1",
        B,
        Broadcaster,
        &["channel:read:polls", "channel:manage:polls"]
    ),
    spec!(
        "channel.poll.progress",
        "1",
        B,
        Broadcaster,
        &["channel:read:polls", "channel:manage:polls"]
    ),
    spec!("channel.poll.end", "1", B, Broadcaster, &["channel:read:polls", "channel:manage:polls"]),
    spec!(
        "channel.prediction.begin",
        "1",
        B,
        Broadcaster,
        &["channel:read:predictions", "channel:manage:predictions"]
    ),
    spec!(
        "channel.prediction.progress",
        "1",
        B,
        Broadcaster,
        &["channel:read:predictions", "channel:manage:predictions"]
    ),
    spec!(
        "channel.prediction.lock",
        "1",
        B,
        Broadcaster,
        &["channel:read:predictions", "channel:manage:predictions"]
    ),
    spec!(
        "channel.prediction.end",
        "1",
        B,
        Broadcaster,
        &["channel:read:predictions", "channel:manage:predictions"]
    ),
    spec!(
        "channel.shoutout.create",
        "1",
        BM,
        Moderator,
        &["moderator:read:shoutouts", "moderator:manage:shoutouts"]
    ),
    spec!(
        "channel.shoutout.receive",
        "1",
        BM,
        Moderator,
        &["moderator:read:shoutouts", "moderator:manage:shoutouts"]
    ),
    spec!("channel.goal.begin", "1", B, Broadcaster, &["channel:read:goals"]),
    spec!("channel.goal.progress", "1", B, Broadcaster, &["channel:read:goals"]),
    spec!("channel.goal.end", "1", B, Broadcaster, &["channel:read:goals"]),
    spec!("channel.charity_campaign.donate", "1", B, Broadcaster, &["channel:read:charity"]),
    spec!("channel.charity_campaign.start", "1", B, Broadcaster, &["channel:read:charity"]),
    spec!("channel.charity_campaign.progress", "1", B, Broadcaster, &["channel:read:charity"]),
    spec!("channel.charity_campaign.stop", "1", B, Broadcaster, &["channel:read:charity"]),
    spec!(
        "channel.channel_points_custom_reward_redemption.add",
        "1",
        B,
        &["reward_id"],
        Broadcaster,
        &["channel:read:redemptions", "channel:manage:redemptions"]
    ),
    spec!(
        "channel.channel_points_custom_reward_redemption.update",
        "1",
        B,
        &["reward_id"],
        Broadcaster,
        &["channel:read:redemptions", "channel:manage:redemptions"]
    ),
    // Twitch's own rewards (highlight a message, unlock an emote, Power-ups), v1 and v2
    // (https://dev.twitch.tv/docs/eventsub/eventsub-subscription-types/#channelchannel_points_automatic_reward_redemptionadd).
    spec!(
        "channel.channel_points_automatic_reward_redemption.add",
        "1",
        B,
        Broadcaster,
        &["channel:read:redemptions", "channel:manage:redemptions"]
    ),
    spec!(
        "channel.channel_points_automatic_reward_redemption.add",
        "2",
        B,
        Broadcaster,
        &["channel:read:redemptions", "channel:manage:redemptions"]
    ),
    spec!("channel.ban", "1", B, Broadcaster, &["channel:moderate"]),
    spec!("channel.unban", "1", B, Broadcaster, &["channel:moderate"]),
    spec!("channel.moderator.add", "1", B, Broadcaster, &["moderation:read"]),
    spec!("channel.moderator.remove", "1", B, Broadcaster, &["moderation:read"]),
    spec!("channel.vip.add", "1", B, Broadcaster, &["channel:read:vips", "channel:manage:vips"]),
    spec!("channel.vip.remove", "1", B, Broadcaster, &["channel:read:vips", "channel:manage:vips"]),
    spec!(
        "channel.shield_mode.begin",
        "1",
        BM,
        Moderator,
        &["moderator:read:shield_mode", "moderator:manage:shield_mode"]
    ),
    spec!(
        "channel.shield_mode.end",
        "1",
        BM,
        Moderator,
        &["moderator:read:shield_mode", "moderator:manage:shield_mode"]
    ),
    spec!(
        "channel.unban_request.create",
        "1",
        BM,
        Moderator,
        &["moderator:read:unban_requests", "moderator:manage:unban_requests"]
    ),
    spec!(
        "channel.unban_request.resolve",
        "1",
        BM,
        Moderator,
        &["moderator:read:unban_requests", "moderator:manage:unban_requests"]
    ),
    spec!(
        "channel.suspicious_user.message",
        "1",
        BM,
        Moderator,
        &["moderator:read:suspicious_users"]
    ),
    spec!(
        "channel.suspicious_user.update",
        "1",
        BM,
        Moderator,
        &["moderator:read:suspicious_users"]
    ),
    spec!(
        "channel.warning.send",
        "1",
        BM,
        Moderator,
        &["moderator:read:warnings", "moderator:manage:warnings"]
    ),
    // Moderator tools (https://dev.twitch.tv/docs/eventsub/reference/channel-moderation and
    // https://dev.twitch.tv/docs/eventsub/reference/automod): the condition names the channel and
    // the moderator (or the broadcaster) whose token subscribes.
    TypeSpec {
        kind: "channel.moderate",
        version: "1",
        condition: BM,
        optional: &[],
        auth: Auth::Moderator,
        scopes: &[],
        also: MODERATE_V1,
    },
    TypeSpec {
        kind: "channel.moderate",
        version: "2",
        condition: BM,
        optional: &[],
        auth: Auth::Moderator,
        scopes: &[],
        also: MODERATE_V2,
    },
    spec!("automod.message.hold", "1", BM, Moderator, AUTOMOD),
    spec!("automod.message.hold", "2", BM, Moderator, AUTOMOD),
    spec!("automod.message.update", "1", BM, Moderator, AUTOMOD),
    spec!("automod.message.update", "2", BM, Moderator, AUTOMOD),
    spec!("automod.settings.update", "1", BM, Moderator, &["moderator:read:automod_settings"]),
    spec!("automod.terms.update", "1", BM, Moderator, AUTOMOD),
    spec!(
        "channel.warning.acknowledge",
        "1",
        BM,
        Moderator,
        &["moderator:read:warnings", "moderator:manage:warnings"]
    ),
];

/// Subscription statuses Helix knows (docs/twitch.md §1.7).
pub const STATUSES: &[&str] = &[
    "enabled",
    "webhook_callback_verification_pending",
    "webhook_callback_verification_failed",
    "notification_failures_exceeded",
    "authorization_revoked",
    "moderator_removed",
    "user_removed",
    "chat_user_banned",
    "version_removed",
    "beta_maintenance",
    "websocket_disconnected",
    "websocket_failed_ping_pong",
    "websocket_received_inbound_traffic",
    "websocket_connection_unused",
    "websocket_internal_error",
    "websocket_network_timeout",
    "websocket_network_error",
    "websocket_failed_to_reconnect",
];

/// Looks a type+version up.
pub fn find(kind: &str, version: &str) -> Option<&'static TypeSpec> {
    TYPES.iter().find(|t| t.kind == kind && t.version == version)
}

/// Is this type known in any version?
pub fn known_type(kind: &str) -> bool {
    TYPES.iter().any(|t| t.kind == kind) || kind == "channel.follow"
}

/// The newest version of a type.
pub fn latest(kind: &str) -> Option<&'static TypeSpec> {
    TYPES.iter().filter(|t| t.kind == kind).max_by_key(|t| t.version)
}

/// Removed versions answer 410 (docs/twitch.md §1.8: `channel.follow` v1).
pub fn removed(kind: &str, version: &str) -> bool {
    kind == "channel.follow" && version == "1"
}

/// Checks a condition and returns it normalised to the known fields (so equal conditions
/// compare equal for the 409 check). Errors are the 400 message.
///
/// Twitch answers every condition key of the type, the unused optional ones as `""`, in every
/// subscription object it shows (the create answer, the list, notifications, revocations):
/// `channel.raid` comes back as `{"from_broadcaster_user_id": "", "to_broadcaster_user_id":
/// "222"}`. The condition fields are listed per type at
/// https://dev.twitch.tv/docs/eventsub/eventsub-reference/#conditions; the empty strings were
/// seen in public clients' recorded answers (docs/twitch.md §9 "Condition keys come back
/// complete"), and twitch_api reads such fields with `deserialize_none_from_empty_string`
/// (https://github.com/twitch-rs/twitch_api, `src/helix/mod.rs`).
pub fn check_condition(
    spec: &TypeSpec,
    cond: &Map<String, Value>,
    user_exists: impl Fn(&str) -> bool,
) -> Result<Map<String, Value>, String> {
    let mut out = Map::new();
    for key in spec.condition {
        match cond.get(*key).and_then(Value::as_str).filter(|s| !s.is_empty()) {
            Some(v) => {
                out.insert((*key).to_string(), Value::String(v.to_string()));
            }
            None => return Err(format!("missing or invalid condition field: {key}")),
        }
    }
    for key in spec.optional {
        let v = cond.get(*key).and_then(Value::as_str).unwrap_or("");
        out.insert((*key).to_string(), Value::String(v.to_string()));
    }
    let given = out.values().filter(|v| v.as_str().is_some_and(|s| !s.is_empty())).count();
    if spec.kind == "channel.raid" && given != 1 {
        // docs/twitch.md §2: exactly one of to_/from_broadcaster_user_id.
        return Err(
            "channel.raid needs exactly one of to_broadcaster_user_id or from_broadcaster_user_id"
                .into(),
        );
    }
    for (k, v) in &out {
        let unused = spec.optional.contains(&k.as_str()) && v.as_str() == Some("");
        if !unused && k.ends_with("user_id") && !v.as_str().is_some_and(&user_exists) {
            return Err(format!("the user in condition field {k} does not exist"));
        }
    }
    Ok(out)
}

/// Does an event (described by its ids) match a subscription's condition? `keys` are the
/// event's broadcaster-side ids: `broadcaster_user_id`, and for raids the to/from ids.
pub fn matches(condition: &Value, keys: &Map<String, Value>) -> bool {
    let Some(c) = condition.as_object() else { return false };
    let mut any = false;
    for k in ["broadcaster_user_id", "to_broadcaster_user_id", "from_broadcaster_user_id"] {
        // An unused optional key is `""` (see `check_condition`): not a condition.
        if let Some(v) = c.get(k).filter(|v| v.as_str() != Some("")) {
            any = true;
            if keys.get(k) != Some(v) {
                return false;
            }
        }
    }
    if !any && let Some(v) = c.get("user_id") {
        // user.update / user.whisper.message are keyed by the user.
        return keys.get("user_id") == Some(v);
    }
    any
}

/// The channel a condition is about: the first non-empty of `broadcaster_user_id`,
/// `to_broadcaster_user_id`, `from_broadcaster_user_id`, `user_id` ("" when none), the key of
/// `counters.subscription_calls`.
pub fn channel_of(condition: &Value) -> String {
    ["broadcaster_user_id", "to_broadcaster_user_id", "from_broadcaster_user_id", "user_id"]
        .iter()
        .find_map(|k| condition.get(*k).and_then(Value::as_str).filter(|v| !v.is_empty()))
        .unwrap_or("")
        .to_string()
}
