//! EventSub WebSocket protocol types (twitch.md §1.2, §2, §6.1).
//!
//! Every text frame Twitch sends is `{"metadata": {...}, "payload": {...}}`. [`parse_frame`]
//! turns one into a [`Frame`]: the [`Metadata`] plus a [`Message`] for the five message types
//! (`session_welcome`, `session_keepalive`, `notification`, `session_reconnect`, `revocation`).
//!
//! The types are deliberately *open*, because Twitch adds things without notice (twitch.md §7.18):
//! - unknown fields are ignored everywhere (no `deny_unknown_fields`);
//! - an unknown subscription type (or an unknown version of a known one) becomes
//!   [`Event::Other`] with its raw event JSON;
//! - an unknown chat `notice_type` is kept as [`NoticeType::Unknown`] and the event keeps its
//!   `system_message`;
//! - fields Twitch documents as nullable are `Option`, and missing fields fall back to defaults;
//! - timestamps are RFC 3339 with up to nanosecond precision (twitch.md §1.1).
//!
//! A known subscription type whose event does not match our struct (Twitch changed a field's
//! type, say) is not dropped either: it is returned as [`Event::Other`] with the raw JSON, so the
//! feed can still show that *something* happened on the channel.
//!
//! [`parse_frame`] never panics; anything that is not a valid envelope is a [`ProtocolError`].

use chrono::{DateTime, Utc};
use serde::de::{self, DeserializeSeed, IgnoredAny, MapAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::Value;
use std::collections::BTreeMap;
use std::fmt;

/// Why a text frame could not be turned into a [`Frame`].
#[derive(Debug, thiserror::Error)]
pub enum ProtocolError {
    /// The frame is not JSON, or the envelope/metadata/payload does not have the documented shape.
    #[error("malformed EventSub frame: {0}")]
    Json(#[from] serde_json::Error),
    /// The envelope has no `metadata` object.
    #[error("EventSub frame without metadata")]
    MissingMetadata,
    /// The envelope has no `payload` object.
    #[error("EventSub frame without payload")]
    MissingPayload,
    /// `metadata.message_type` is not one of the five documented types (twitch.md §1.2).
    #[error("unknown EventSub message type {0:?}")]
    UnknownMessageType(String),
}

/// Parses one EventSub WebSocket text frame (twitch.md §1.2). Never panics.
pub fn parse_frame(text: &str) -> Result<Frame, ProtocolError> {
    match serde_json::from_str::<WireFrame>(text) {
        Ok(WireFrame(frame)) => frame,
        Err(fast) => {
            // The fast, single-pass parse failed. If only the event of a notification is at fault
            // (a known type whose shape changed), keep the notification as `Event::Other`.
            parse_lenient_notification(text).ok_or_else(|| ProtocolError::Json(fast).refine())
        }
    }
}

/// One parsed text frame.
#[derive(Debug, Clone, PartialEq)]
pub struct Frame {
    /// The envelope's metadata: id, type, timestamp (+ subscription type/version).
    pub metadata: Metadata,
    /// The payload, by message type.
    pub message: Message,
}

impl Frame {
    /// `metadata.message_id`: the key for dedupe (twitch.md §1.7).
    pub fn message_id(&self) -> &str {
        &self.metadata.message_id
    }
    /// `metadata.message_timestamp`.
    pub fn message_timestamp(&self) -> DateTime<Utc> {
        self.metadata.message_timestamp
    }
    /// `metadata.message_type`.
    pub fn message_type(&self) -> MessageType {
        self.metadata.message_type
    }
}

/// `metadata` of every frame (twitch.md §1.2).
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
pub struct Metadata {
    /// Unique per message; a resend carries the same id (twitch.md §1.7).
    pub message_id: String,
    /// Which of the five message types this frame is.
    pub message_type: MessageType,
    /// When Twitch sent the message (RFC 3339, nanoseconds).
    pub message_timestamp: DateTime<Utc>,
    /// Only on `notification` and `revocation`: the subscription type.
    #[serde(default)]
    pub subscription_type: Option<String>,
    /// Only on `notification` and `revocation`: the subscription version.
    #[serde(default)]
    pub subscription_version: Option<String>,
}

/// `metadata.message_type` (twitch.md §1.2; note it is `session_reconnect`, not `reconnect`,
/// twitch.md §7.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MessageType {
    /// `session_welcome`
    SessionWelcome,
    /// `session_keepalive`
    SessionKeepalive,
    /// `notification`
    Notification,
    /// `session_reconnect`
    SessionReconnect,
    /// `revocation`
    Revocation,
}

impl MessageType {
    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            MessageType::SessionWelcome => "session_welcome",
            MessageType::SessionKeepalive => "session_keepalive",
            MessageType::Notification => "notification",
            MessageType::SessionReconnect => "session_reconnect",
            MessageType::Revocation => "revocation",
        }
    }
    fn from_wire(s: &str) -> Option<Self> {
        Some(match s {
            "session_welcome" => MessageType::SessionWelcome,
            "session_keepalive" => MessageType::SessionKeepalive,
            "notification" => MessageType::Notification,
            "session_reconnect" => MessageType::SessionReconnect,
            "revocation" => MessageType::Revocation,
            _ => return None,
        })
    }
}

impl<'de> Deserialize<'de> for MessageType {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = std::borrow::Cow::<'de, str>::deserialize(d)?;
        MessageType::from_wire(&s).ok_or_else(|| de::Error::custom(UnknownType(s.into_owned())))
    }
}

/// Marker in a serde error message so `parse_frame` can report `UnknownMessageType`.
struct UnknownType(String);
impl fmt::Display for UnknownType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{UNKNOWN_TYPE_MARK}{}", self.0)
    }
}
const UNKNOWN_TYPE_MARK: &str = "unknown message_type: ";

/// The payload of a frame, by message type.
// A frame is built once and moved a couple of times; boxing every event would cost an
// allocation per frame for nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq)]
pub enum Message {
    /// `session_welcome`: the session to subscribe on.
    Welcome(Session),
    /// `session_keepalive`: nothing but proof of life.
    Keepalive,
    /// `notification`: an event of one subscription.
    Notification(Notification),
    /// `session_reconnect`: move to `session.reconnect_url` (twitch.md §1.3).
    Reconnect(Session),
    /// `revocation`: the subscription is gone; `status` says why (twitch.md §1.2, §1.7).
    Revocation(Subscription),
}

/// `payload.session` of welcome and reconnect frames (twitch.md §1.2).
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
pub struct Session {
    /// The session id to put in `transport.session_id` when subscribing.
    pub id: String,
    /// `connected` (welcome) or `reconnecting` (reconnect).
    #[serde(default)]
    pub status: String,
    /// When the socket was connected.
    #[serde(default)]
    pub connected_at: Option<DateTime<Utc>>,
    /// Welcome: the keepalive window and the subscribe deadline in seconds; null on reconnect.
    #[serde(default)]
    pub keepalive_timeout_seconds: Option<u64>,
    /// Reconnect: the URL to connect to, to be used exactly as given; null on welcome.
    #[serde(default)]
    pub reconnect_url: Option<String>,
}

/// A notification: the subscription it belongs to and its event.
#[derive(Debug, Clone, PartialEq)]
pub struct Notification {
    /// The subscription that produced this event.
    pub subscription: Subscription,
    /// The event, typed by `subscription.type`.
    pub event: Event,
}

/// An EventSub subscription as it appears in frames and in Helix responses (twitch.md §1.2, §1.8).
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
pub struct Subscription {
    /// The subscription id.
    pub id: String,
    /// `enabled`, or on revocation the reason (`authorization_revoked`, `user_removed`, …).
    #[serde(default)]
    pub status: String,
    /// The subscription type, e.g. `stream.online`.
    #[serde(rename = "type")]
    pub kind: String,
    /// The subscription version, e.g. `1`.
    #[serde(default)]
    pub version: String,
    /// What it counts against `max_total_cost` (twitch.md §1.6).
    #[serde(default)]
    pub cost: u64,
    /// The condition it was created with.
    #[serde(default)]
    pub condition: Condition,
    /// How it is delivered (`websocket` + session id here).
    #[serde(default)]
    pub transport: Transport,
    /// When it was created.
    #[serde(default)]
    pub created_at: Option<DateTime<Utc>>,
}

/// `transport` of a subscription (twitch.md §1.2, §1.4).
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
pub struct Transport {
    /// `websocket` for us (also `webhook`, `conduit`).
    #[serde(default)]
    pub method: String,
    /// The WebSocket session the subscription is bound to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session_id: Option<String>,
    /// When that session connected (Helix responses).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub connected_at: Option<DateTime<Utc>>,
    /// When that session disconnected (Helix list of a dead session, twitch.md §1.4).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub disconnected_at: Option<DateTime<Utc>>,
}

/// A subscription's `condition`: string keys to string values (e.g. `broadcaster_user_id`).
///
/// Null or non-string values are skipped on input, so an odd condition never fails a frame.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Condition(BTreeMap<String, String>);

impl Condition {
    /// An empty condition.
    pub fn new() -> Self {
        Self::default()
    }
    /// Adds (or replaces) one key.
    pub fn with(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.0.insert(key.into(), value.into());
        self
    }
    /// The value of one key.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.0.get(key).map(String::as_str)
    }
    /// `broadcaster_user_id`, the channel most types are about.
    pub fn broadcaster_user_id(&self) -> Option<&str> {
        self.get("broadcaster_user_id")
    }
    /// All keys and values, sorted by key.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.0.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }
}

impl Serialize for Condition {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(s)
    }
}

impl<'de> Deserialize<'de> for Condition {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let raw = BTreeMap::<String, Value>::deserialize(d)?;
        Ok(Condition(
            raw.into_iter()
                .filter_map(|(k, v)| match v {
                    Value::String(s) => Some((k, s)),
                    Value::Number(n) => Some((k, n.to_string())),
                    _ => None,
                })
                .collect(),
        ))
    }
}

// ------------------------------------------------------------------------------------------------
// Events (twitch.md §2, §6.1)

/// The event of a notification, by subscription type (twitch.md §2).
///
/// Open: a type or version this crate does not model is [`Event::Other`].
#[allow(clippy::large_enum_variant)] // see `Message`
#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    /// `stream.online` v1
    StreamOnline(StreamOnline),
    /// `stream.offline` v1
    StreamOffline(StreamOffline),
    /// `channel.update` v1/v2
    ChannelUpdate(ChannelUpdate),
    /// `channel.raid` v1
    ChannelRaid(ChannelRaid),
    /// `channel.chat.message` v1
    ChatMessage(ChatMessage),
    /// `channel.chat.notification` v1
    ChatNotification(Box<ChatNotification>),
    /// `channel.chat.clear` v1
    ChatClear(BroadcasterOnly),
    /// `channel.chat.clear_user_messages` v1
    ChatClearUserMessages(ChatClearUserMessages),
    /// `channel.chat.message_delete` v1
    ChatMessageDelete(ChatMessageDelete),
    /// `channel.chat_settings.update` v1
    ChatSettingsUpdate(ChatSettingsUpdate),
    /// `channel.chat.user_message_hold` v1
    ChatUserMessageHold(ChatUserMessageHold),
    /// `channel.chat.user_message_update` v1
    ChatUserMessageUpdate(ChatUserMessageHold),
    /// `channel.shared_chat.begin` v1
    SharedChatBegin(SharedChat),
    /// `channel.shared_chat.update` v1
    SharedChatUpdate(SharedChat),
    /// `channel.shared_chat.end` v1
    SharedChatEnd(SharedChat),
    /// `user.update` v1
    UserUpdate(UserUpdate),
    /// `user.whisper.message` v1
    WhisperMessage(WhisperMessage),
    /// `channel.follow` v2
    Follow(Follow),
    /// `channel.subscribe` v1
    Subscribe(Subscribe),
    /// `channel.subscription.gift` v1
    SubscriptionGift(SubscriptionGift),
    /// `channel.subscription.message` v1
    SubscriptionMessage(SubscriptionMessage),
    /// `channel.subscription.end` v1
    SubscriptionEnd(Subscribe),
    /// `channel.cheer` v1
    Cheer(Cheer),
    /// `channel.bits.use` v1
    BitsUse(BitsUse),
    /// `channel.ad_break.begin` v1
    AdBreakBegin(AdBreakBegin),
    /// `channel.hype_train.begin` v1/v2
    HypeTrainBegin(HypeTrain),
    /// `channel.hype_train.progress` v1/v2
    HypeTrainProgress(HypeTrain),
    /// `channel.hype_train.end` v1/v2
    HypeTrainEnd(HypeTrain),
    /// `channel.poll.begin` v1
    PollBegin(Poll),
    /// `channel.poll.progress` v1
    PollProgress(Poll),
    /// `channel.poll.end` v1
    PollEnd(Poll),
    /// `channel.prediction.begin` v1
    PredictionBegin(Prediction),
    /// `channel.prediction.progress` v1
    PredictionProgress(Prediction),
    /// `channel.prediction.lock` v1
    PredictionLock(Prediction),
    /// `channel.prediction.end` v1
    PredictionEnd(Prediction),
    /// `channel.shoutout.create` v1
    ShoutoutCreate(ShoutoutCreate),
    /// `channel.shoutout.receive` v1
    ShoutoutReceive(ShoutoutReceive),
    /// `channel.goal.begin` v1
    GoalBegin(Goal),
    /// `channel.goal.progress` v1
    GoalProgress(Goal),
    /// `channel.goal.end` v1
    GoalEnd(Goal),
    /// `channel.charity_campaign.donate` v1
    CharityDonation(CharityDonation),
    /// `channel.charity_campaign.start` / `.progress` / `.stop` v1
    CharityCampaign(CharityCampaign),
    /// `channel.channel_points_custom_reward_redemption.add` v1
    RedemptionAdd(Redemption),
    /// `channel.channel_points_custom_reward_redemption.update` v1
    RedemptionUpdate(Redemption),
    /// `channel.ban` v1
    Ban(Ban),
    /// `channel.unban` v1
    Unban(UserModAction),
    /// `channel.moderator.add` / `channel.moderator.remove` / `channel.vip.add` /
    /// `channel.vip.remove` v1: who was added or removed.
    RoleChange(UserModAction),
    /// `channel.shield_mode.begin` / `.end` v1
    ShieldMode(ShieldMode),
    /// Any other type or version (moderation tooling such as `automod.*`, `channel.moderate`,
    /// types Twitch adds later), or a known type whose event did not have the expected shape.
    Other {
        /// `subscription.type`
        kind: String,
        /// `subscription.version`
        version: String,
        /// The event JSON as received.
        event: Value,
    },
}

/// The types this module models, with the versions it understands. Everything else is `Other`.
fn known(kind: &str, version: &str) -> bool {
    let v1 = version == "1";
    match kind {
        "channel.update"
        | "channel.hype_train.begin"
        | "channel.hype_train.progress"
        | "channel.hype_train.end" => v1 || version == "2",
        "channel.follow" => version == "2",
        "stream.online"
        | "stream.offline"
        | "channel.raid"
        | "channel.chat.message"
        | "channel.chat.notification"
        | "channel.chat.clear"
        | "channel.chat.clear_user_messages"
        | "channel.chat.message_delete"
        | "channel.chat_settings.update"
        | "channel.chat.user_message_hold"
        | "channel.chat.user_message_update"
        | "channel.shared_chat.begin"
        | "channel.shared_chat.update"
        | "channel.shared_chat.end"
        | "user.update"
        | "user.whisper.message"
        | "channel.subscribe"
        | "channel.subscription.gift"
        | "channel.subscription.message"
        | "channel.subscription.end"
        | "channel.cheer"
        | "channel.bits.use"
        | "channel.ad_break.begin"
        | "channel.poll.begin"
        | "channel.poll.progress"
        | "channel.poll.end"
        | "channel.prediction.begin"
        | "channel.prediction.progress"
        | "channel.prediction.lock"
        | "channel.prediction.end"
        | "channel.shoutout.create"
        | "channel.shoutout.receive"
        | "channel.goal.begin"
        | "channel.goal.progress"
        | "channel.goal.end"
        | "channel.charity_campaign.donate"
        | "channel.charity_campaign.start"
        | "channel.charity_campaign.progress"
        | "channel.charity_campaign.stop"
        | "channel.channel_points_custom_reward_redemption.add"
        | "channel.channel_points_custom_reward_redemption.update"
        | "channel.ban"
        | "channel.unban"
        | "channel.moderator.add"
        | "channel.moderator.remove"
        | "channel.vip.add"
        | "channel.vip.remove"
        | "channel.shield_mode.begin"
        | "channel.shield_mode.end" => v1,
        _ => false,
    }
}

/// Deserialises an event given its subscription type and version.
struct EventSeed<'a> {
    kind: &'a str,
    version: &'a str,
}

impl<'de> DeserializeSeed<'de> for EventSeed<'_> {
    type Value = Event;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Event, D::Error> {
        if !known(self.kind, self.version) {
            return Ok(Event::Other {
                kind: self.kind.to_owned(),
                version: self.version.to_owned(),
                event: Value::deserialize(d)?,
            });
        }
        macro_rules! t {
            ($variant:ident) => {
                Event::$variant(Deserialize::deserialize(d)?)
            };
        }
        Ok(match self.kind {
            "stream.online" => t!(StreamOnline),
            "stream.offline" => t!(StreamOffline),
            "channel.update" => t!(ChannelUpdate),
            "channel.raid" => t!(ChannelRaid),
            "channel.chat.message" => t!(ChatMessage),
            "channel.chat.notification" => {
                Event::ChatNotification(Box::new(ChatNotification::deserialize(d)?))
            }
            "channel.chat.clear" => t!(ChatClear),
            "channel.chat.clear_user_messages" => t!(ChatClearUserMessages),
            "channel.chat.message_delete" => t!(ChatMessageDelete),
            "channel.chat_settings.update" => t!(ChatSettingsUpdate),
            "channel.chat.user_message_hold" => t!(ChatUserMessageHold),
            "channel.chat.user_message_update" => t!(ChatUserMessageUpdate),
            "channel.shared_chat.begin" => t!(SharedChatBegin),
            "channel.shared_chat.update" => t!(SharedChatUpdate),
            "channel.shared_chat.end" => t!(SharedChatEnd),
            "user.update" => t!(UserUpdate),
            "user.whisper.message" => t!(WhisperMessage),
            "channel.follow" => t!(Follow),
            "channel.subscribe" => t!(Subscribe),
            "channel.subscription.gift" => t!(SubscriptionGift),
            "channel.subscription.message" => t!(SubscriptionMessage),
            "channel.subscription.end" => t!(SubscriptionEnd),
            "channel.cheer" => t!(Cheer),
            "channel.bits.use" => t!(BitsUse),
            "channel.ad_break.begin" => t!(AdBreakBegin),
            "channel.hype_train.begin" => t!(HypeTrainBegin),
            "channel.hype_train.progress" => t!(HypeTrainProgress),
            "channel.hype_train.end" => t!(HypeTrainEnd),
            "channel.poll.begin" => t!(PollBegin),
            "channel.poll.progress" => t!(PollProgress),
            "channel.poll.end" => t!(PollEnd),
            "channel.prediction.begin" => t!(PredictionBegin),
            "channel.prediction.progress" => t!(PredictionProgress),
            "channel.prediction.lock" => t!(PredictionLock),
            "channel.prediction.end" => t!(PredictionEnd),
            "channel.shoutout.create" => t!(ShoutoutCreate),
            "channel.shoutout.receive" => t!(ShoutoutReceive),
            "channel.goal.begin" => t!(GoalBegin),
            "channel.goal.progress" => t!(GoalProgress),
            "channel.goal.end" => t!(GoalEnd),
            "channel.charity_campaign.donate" => t!(CharityDonation),
            "channel.charity_campaign.start"
            | "channel.charity_campaign.progress"
            | "channel.charity_campaign.stop" => t!(CharityCampaign),
            "channel.channel_points_custom_reward_redemption.add" => t!(RedemptionAdd),
            "channel.channel_points_custom_reward_redemption.update" => t!(RedemptionUpdate),
            "channel.ban" => t!(Ban),
            "channel.unban" => t!(Unban),
            "channel.moderator.add"
            | "channel.moderator.remove"
            | "channel.vip.add"
            | "channel.vip.remove" => t!(RoleChange),
            "channel.shield_mode.begin" | "channel.shield_mode.end" => t!(ShieldMode),
            // `known` and this match list the same types; anything else is kept raw.
            _ => Event::Other {
                kind: self.kind.to_owned(),
                version: self.version.to_owned(),
                event: Value::deserialize(d)?,
            },
        })
    }
}

/// `stream.online` (twitch.md §6.1).
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(default)]
pub struct StreamOnline {
    /// The stream id.
    pub id: String,
    /// The channel's user id.
    pub broadcaster_user_id: String,
    /// The channel's login.
    pub broadcaster_user_login: String,
    /// The channel's display name.
    pub broadcaster_user_name: String,
    /// `live`, `playlist`, `watch_party`, `premiere`, `rerun`.
    #[serde(rename = "type")]
    pub stream_type: String,
    /// When the stream went live.
    pub started_at: Option<DateTime<Utc>>,
}

/// `stream.offline` (twitch.md §2).
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(default)]
pub struct StreamOffline {
    /// The stream id (since 2026-06; absent before).
    pub id: Option<String>,
    /// The channel's user id.
    pub broadcaster_user_id: String,
    /// The channel's login.
    pub broadcaster_user_login: String,
    /// The channel's display name.
    pub broadcaster_user_name: String,
}

/// `channel.update` v2 (v1 parses too; twitch.md §2).
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(default)]
pub struct ChannelUpdate {
    /// The channel's user id.
    pub broadcaster_user_id: String,
    /// The channel's login.
    pub broadcaster_user_login: String,
    /// The channel's display name.
    pub broadcaster_user_name: String,
    /// The stream title.
    pub title: String,
    /// The broadcast language (ISO 639-1).
    pub language: String,
    /// The category (game) id.
    pub category_id: String,
    /// The category (game) name.
    pub category_name: String,
    /// Content classification labels (v2).
    pub content_classification_labels: Vec<String>,
}

/// `channel.raid` (twitch.md §6.1).
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(default)]
pub struct ChannelRaid {
    /// The raiding channel's id.
    pub from_broadcaster_user_id: String,
    /// The raiding channel's login.
    pub from_broadcaster_user_login: String,
    /// The raiding channel's display name.
    pub from_broadcaster_user_name: String,
    /// The raided channel's id.
    pub to_broadcaster_user_id: String,
    /// The raided channel's login.
    pub to_broadcaster_user_login: String,
    /// The raided channel's display name.
    pub to_broadcaster_user_name: String,
    /// How many viewers came along.
    pub viewers: u64,
}

/// A chat badge.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(default)]
pub struct Badge {
    /// Badge set, e.g. `subscriber`.
    pub set_id: String,
    /// Version within the set.
    pub id: String,
    /// Extra info, e.g. months subscribed.
    pub info: String,
}

/// A chat message body: text and fragments (twitch.md §6.1).
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(default)]
pub struct MessageBody {
    /// The whole text.
    pub text: String,
    /// The text split into text/cheermote/emote/mention fragments.
    pub fragments: Vec<Fragment>,
}

/// One fragment of a chat message.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(default)]
pub struct Fragment {
    /// `text`, `cheermote`, `emote`, `mention`.
    #[serde(rename = "type")]
    pub kind: String,
    /// The fragment's text.
    pub text: String,
    /// Set for `cheermote` fragments.
    pub cheermote: Option<Cheermote>,
    /// Set for `emote` fragments.
    pub emote: Option<Emote>,
    /// Set for `mention` fragments.
    pub mention: Option<Mention>,
}

/// A cheermote fragment.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(default)]
pub struct Cheermote {
    /// e.g. `Cheer`.
    pub prefix: String,
    /// Bits in this cheermote.
    pub bits: u64,
    /// The cheermote tier.
    pub tier: u64,
}

/// An emote fragment.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(default)]
pub struct Emote {
    /// Emote id.
    pub id: String,
    /// Emote set id.
    pub emote_set_id: String,
    /// Owner's user id.
    pub owner_id: Option<String>,
    /// `static`, `animated`.
    pub format: Vec<String>,
}

/// A mention fragment.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(default)]
pub struct Mention {
    /// The mentioned user's id.
    pub user_id: String,
    /// Display name.
    pub user_name: String,
    /// Login.
    pub user_login: String,
}

/// `cheer` of a chat message.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(default)]
pub struct ChatCheer {
    /// Bits cheered in this message.
    pub bits: u64,
}

/// `reply` of a chat message.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(default)]
pub struct Reply {
    /// The message replied to.
    pub parent_message_id: String,
    /// Its text.
    pub parent_message_body: String,
    /// Its author's id.
    pub parent_user_id: String,
    /// Its author's display name.
    pub parent_user_name: String,
    /// Its author's login.
    pub parent_user_login: String,
    /// The thread's first message.
    pub thread_message_id: String,
    /// The thread starter's id.
    pub thread_user_id: String,
    /// The thread starter's display name.
    pub thread_user_name: String,
    /// The thread starter's login.
    pub thread_user_login: String,
}

/// `channel.chat.message` (twitch.md §6.1).
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(default)]
pub struct ChatMessage {
    /// The channel's user id.
    pub broadcaster_user_id: String,
    /// The channel's login.
    pub broadcaster_user_login: String,
    /// The channel's display name.
    pub broadcaster_user_name: String,
    /// Who wrote it.
    pub chatter_user_id: String,
    /// Their login.
    pub chatter_user_login: String,
    /// Their display name.
    pub chatter_user_name: String,
    /// The chat message id.
    pub message_id: String,
    /// The message.
    pub message: MessageBody,
    /// `text`, `channel_points_highlighted`, `user_intro`, …
    pub message_type: String,
    /// `#RRGGBB` or empty.
    pub color: String,
    /// The chatter's badges.
    pub badges: Vec<Badge>,
    /// Set when the message is a cheer.
    pub cheer: Option<ChatCheer>,
    /// Set when the message is a reply.
    pub reply: Option<Reply>,
    /// Channel points reward that sent it, if any.
    pub channel_points_custom_reward_id: Option<String>,
    /// Shared chat: the channel where it was sent.
    pub source_broadcaster_user_id: Option<String>,
    /// Shared chat: that channel's login.
    pub source_broadcaster_user_login: Option<String>,
    /// Shared chat: that channel's display name.
    pub source_broadcaster_user_name: Option<String>,
    /// Shared chat: the message id in the source channel.
    pub source_message_id: Option<String>,
}

/// `notice_type` of `channel.chat.notification`: an open enum (twitch.md §2, §7.18).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum NoticeType {
    /// `sub`
    Sub,
    /// `resub`
    Resub,
    /// `sub_gift`
    SubGift,
    /// `community_sub_gift`
    CommunitySubGift,
    /// `gift_paid_upgrade`
    GiftPaidUpgrade,
    /// `prime_paid_upgrade`
    PrimePaidUpgrade,
    /// `raid`
    Raid,
    /// `unraid`
    Unraid,
    /// `pay_it_forward`
    PayItForward,
    /// `announcement`
    Announcement,
    /// `bits_badge_tier`
    BitsBadgeTier,
    /// `charity_donation`
    CharityDonation,
    /// `watch_streak` (2026-04)
    WatchStreak,
    /// `shared_chat_<x>`: a notice of another channel in a shared chat session; the inner
    /// value is `<x>` (e.g. `sub`).
    SharedChat(String),
    /// Anything else (`modiversary`, `sponsored_shopping_purchase`, …): show `system_message`.
    Unknown(String),
}

impl NoticeType {
    /// Parses the wire value; never fails.
    pub fn from_wire(s: &str) -> Self {
        match s {
            "sub" => NoticeType::Sub,
            "resub" => NoticeType::Resub,
            "sub_gift" => NoticeType::SubGift,
            "community_sub_gift" => NoticeType::CommunitySubGift,
            "gift_paid_upgrade" => NoticeType::GiftPaidUpgrade,
            "prime_paid_upgrade" => NoticeType::PrimePaidUpgrade,
            "raid" => NoticeType::Raid,
            "unraid" => NoticeType::Unraid,
            "pay_it_forward" => NoticeType::PayItForward,
            "announcement" => NoticeType::Announcement,
            "bits_badge_tier" => NoticeType::BitsBadgeTier,
            "charity_donation" => NoticeType::CharityDonation,
            "watch_streak" => NoticeType::WatchStreak,
            other => match other.strip_prefix("shared_chat_") {
                Some(inner) => NoticeType::SharedChat(inner.to_owned()),
                None => NoticeType::Unknown(other.to_owned()),
            },
        }
    }
    /// The wire value.
    pub fn as_wire(&self) -> std::borrow::Cow<'_, str> {
        use std::borrow::Cow::Borrowed;
        match self {
            NoticeType::Sub => Borrowed("sub"),
            NoticeType::Resub => Borrowed("resub"),
            NoticeType::SubGift => Borrowed("sub_gift"),
            NoticeType::CommunitySubGift => Borrowed("community_sub_gift"),
            NoticeType::GiftPaidUpgrade => Borrowed("gift_paid_upgrade"),
            NoticeType::PrimePaidUpgrade => Borrowed("prime_paid_upgrade"),
            NoticeType::Raid => Borrowed("raid"),
            NoticeType::Unraid => Borrowed("unraid"),
            NoticeType::PayItForward => Borrowed("pay_it_forward"),
            NoticeType::Announcement => Borrowed("announcement"),
            NoticeType::BitsBadgeTier => Borrowed("bits_badge_tier"),
            NoticeType::CharityDonation => Borrowed("charity_donation"),
            NoticeType::WatchStreak => Borrowed("watch_streak"),
            NoticeType::SharedChat(inner) => format!("shared_chat_{inner}").into(),
            NoticeType::Unknown(s) => Borrowed(s.as_str()),
        }
    }
}

impl Default for NoticeType {
    fn default() -> Self {
        NoticeType::Unknown(String::new())
    }
}

impl<'de> Deserialize<'de> for NoticeType {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = std::borrow::Cow::<'de, str>::deserialize(d)?;
        Ok(NoticeType::from_wire(&s))
    }
}

impl Serialize for NoticeType {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.as_wire())
    }
}

/// `channel.chat.notification` (twitch.md §6.1). Only the object named by `notice_type` is set.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(default)]
pub struct ChatNotification {
    /// The channel's user id.
    pub broadcaster_user_id: String,
    /// The channel's login.
    pub broadcaster_user_login: String,
    /// The channel's display name.
    pub broadcaster_user_name: String,
    /// Who caused the notice (may be the anonymous gifter account).
    pub chatter_user_id: Option<String>,
    /// Their login.
    pub chatter_user_login: Option<String>,
    /// Their display name.
    pub chatter_user_name: Option<String>,
    /// True for anonymous gifts.
    pub chatter_is_anonymous: bool,
    /// `#RRGGBB` or empty.
    pub color: String,
    /// The chatter's badges.
    pub badges: Vec<Badge>,
    /// Twitch's own text for the notice; may be empty.
    pub system_message: String,
    /// The chat message id.
    pub message_id: String,
    /// The user's own message with the notice (e.g. a resub message).
    pub message: MessageBody,
    /// Which kind of notice; open enum.
    pub notice_type: NoticeType,
    /// `sub`
    pub sub: Option<SubNotice>,
    /// `resub`
    pub resub: Option<ResubNotice>,
    /// `sub_gift`
    pub sub_gift: Option<SubGiftNotice>,
    /// `community_sub_gift`
    pub community_sub_gift: Option<CommunitySubGiftNotice>,
    /// `gift_paid_upgrade`
    pub gift_paid_upgrade: Option<GiftPaidUpgradeNotice>,
    /// `prime_paid_upgrade`
    pub prime_paid_upgrade: Option<PrimePaidUpgradeNotice>,
    /// `raid`
    pub raid: Option<RaidNotice>,
    /// `pay_it_forward`
    pub pay_it_forward: Option<PayItForwardNotice>,
    /// `announcement`
    pub announcement: Option<AnnouncementNotice>,
    /// `bits_badge_tier`
    pub bits_badge_tier: Option<BitsBadgeTierNotice>,
    /// `charity_donation`
    pub charity_donation: Option<CharityDonationNotice>,
    /// `watch_streak`
    pub watch_streak: Option<WatchStreakNotice>,
    /// Shared chat: the channel the notice came from.
    pub source_broadcaster_user_id: Option<String>,
    /// Shared chat: its login.
    pub source_broadcaster_user_login: Option<String>,
    /// Shared chat: its display name.
    pub source_broadcaster_user_name: Option<String>,
}

/// Raw shape shared by `sub` and `resub` objects: Twitch's docs show `sub_plan` where the schema
/// says `sub_tier` (twitch.md §2, twitchdev/issues#1039), so both are read.
struct RawTier {
    sub_tier: Option<String>,
    sub_plan: Option<String>,
}
impl RawTier {
    fn tier(self) -> String {
        self.sub_tier.or(self.sub_plan).unwrap_or_default()
    }
}

/// `sub` notice.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct SubNotice {
    /// `1000`, `2000`, `3000` (`sub_plan` accepted as an alias).
    pub sub_tier: String,
    /// Prime sub.
    pub is_prime: bool,
    /// Months bought at once.
    pub duration_months: u64,
}

impl<'de> Deserialize<'de> for SubNotice {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize, Default)]
        #[serde(default)]
        struct Raw {
            sub_tier: Option<String>,
            sub_plan: Option<String>,
            is_prime: bool,
            duration_months: u64,
        }
        let r = Raw::deserialize(d)?;
        Ok(SubNotice {
            sub_tier: RawTier { sub_tier: r.sub_tier, sub_plan: r.sub_plan }.tier(),
            is_prime: r.is_prime,
            duration_months: r.duration_months,
        })
    }
}

/// `resub` notice.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ResubNotice {
    /// Total months subscribed.
    pub cumulative_months: u64,
    /// Months bought at once.
    pub duration_months: u64,
    /// Consecutive months, if shared.
    pub streak_months: Option<u64>,
    /// `1000`, `2000`, `3000` (`sub_plan` accepted as an alias).
    pub sub_tier: String,
    /// Prime sub.
    pub is_prime: Option<bool>,
    /// A gifted resub.
    pub is_gift: bool,
    /// The gifter is anonymous.
    pub gifter_is_anonymous: Option<bool>,
    /// The gifter's id.
    pub gifter_user_id: Option<String>,
    /// The gifter's display name.
    pub gifter_user_name: Option<String>,
    /// The gifter's login.
    pub gifter_user_login: Option<String>,
}

impl<'de> Deserialize<'de> for ResubNotice {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize, Default)]
        #[serde(default)]
        struct Raw {
            cumulative_months: u64,
            duration_months: u64,
            streak_months: Option<u64>,
            sub_tier: Option<String>,
            sub_plan: Option<String>,
            is_prime: Option<bool>,
            is_gift: bool,
            gifter_is_anonymous: Option<bool>,
            gifter_user_id: Option<String>,
            gifter_user_name: Option<String>,
            gifter_user_login: Option<String>,
        }
        let r = Raw::deserialize(d)?;
        Ok(ResubNotice {
            cumulative_months: r.cumulative_months,
            duration_months: r.duration_months,
            streak_months: r.streak_months,
            sub_tier: RawTier { sub_tier: r.sub_tier, sub_plan: r.sub_plan }.tier(),
            is_prime: r.is_prime,
            is_gift: r.is_gift,
            gifter_is_anonymous: r.gifter_is_anonymous,
            gifter_user_id: r.gifter_user_id,
            gifter_user_name: r.gifter_user_name,
            gifter_user_login: r.gifter_user_login,
        })
    }
}

/// `sub_gift` notice: one gifted sub.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(default)]
pub struct SubGiftNotice {
    /// Months gifted.
    pub duration_months: u64,
    /// The gifter's total gifts in the channel, if shared.
    pub cumulative_total: Option<u64>,
    /// Recipient's id.
    pub recipient_user_id: String,
    /// Recipient's display name.
    pub recipient_user_name: String,
    /// Recipient's login.
    pub recipient_user_login: String,
    /// `1000`, `2000`, `3000`.
    pub sub_tier: String,
    /// Set when this gift is part of a gift bomb (`community_sub_gift.id`).
    pub community_gift_id: Option<String>,
}

/// `community_sub_gift` notice: a gift bomb.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(default)]
pub struct CommunitySubGiftNotice {
    /// The bomb's id; the individual `sub_gift`s carry it as `community_gift_id`.
    pub id: String,
    /// Number of subs gifted.
    pub total: u64,
    /// `1000`, `2000`, `3000`.
    pub sub_tier: String,
    /// The gifter's total gifts in the channel, if shared.
    pub cumulative_total: Option<u64>,
}

/// `gift_paid_upgrade` notice.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(default)]
pub struct GiftPaidUpgradeNotice {
    /// The original gifter is anonymous.
    pub gifter_is_anonymous: bool,
    /// Original gifter's id.
    pub gifter_user_id: Option<String>,
    /// Original gifter's display name.
    pub gifter_user_name: Option<String>,
    /// Original gifter's login.
    pub gifter_user_login: Option<String>,
}

/// `prime_paid_upgrade` notice.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(default)]
pub struct PrimePaidUpgradeNotice {
    /// The new tier.
    pub sub_tier: String,
}

/// `raid` notice (incoming raid, seen in the raided channel's chat).
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(default)]
pub struct RaidNotice {
    /// The raider's id.
    pub user_id: String,
    /// The raider's display name.
    pub user_name: String,
    /// The raider's login.
    pub user_login: String,
    /// Viewers brought along.
    pub viewer_count: u64,
    /// The raider's avatar.
    pub profile_image_url: String,
}

/// `pay_it_forward` notice.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(default)]
pub struct PayItForwardNotice {
    /// The original gifter is anonymous.
    pub gifter_is_anonymous: bool,
    /// Original gifter's id.
    pub gifter_user_id: Option<String>,
    /// Original gifter's display name.
    pub gifter_user_name: Option<String>,
    /// Original gifter's login.
    pub gifter_user_login: Option<String>,
    /// Recipient's id (null when paid forward to the community).
    pub recipient_user_id: Option<String>,
    /// Recipient's display name.
    pub recipient_user_name: Option<String>,
    /// Recipient's login.
    pub recipient_user_login: Option<String>,
}

/// `announcement` notice.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(default)]
pub struct AnnouncementNotice {
    /// `BLUE`, `GREEN`, `ORANGE`, `PURPLE`, `PRIMARY`.
    pub color: String,
}

/// `bits_badge_tier` notice.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(default)]
pub struct BitsBadgeTierNotice {
    /// The bits badge tier reached.
    pub tier: u64,
}

/// An amount of money (`value` in minor units with `decimal_places`).
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(default)]
pub struct Amount {
    /// Value in the smallest unit, e.g. 550 for 5.50.
    pub value: i64,
    /// Decimal places of `value`.
    pub decimal_places: u32,
    /// ISO 4217 currency code.
    pub currency: String,
}

impl Amount {
    /// `5.50 USD`.
    pub fn display(&self) -> String {
        let places = self.decimal_places.min(9);
        let div = 10i64.pow(places);
        if places == 0 || div == 0 {
            return format!("{} {}", self.value, self.currency);
        }
        let sign = if self.value < 0 { "-" } else { "" };
        let abs = self.value.unsigned_abs();
        let div = div.unsigned_abs();
        format!(
            "{sign}{}.{:0width$} {}",
            abs / div,
            abs % div,
            self.currency,
            width = places as usize
        )
    }
}

/// `charity_donation` notice.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(default)]
pub struct CharityDonationNotice {
    /// The charity.
    pub charity_name: String,
    /// The amount given.
    pub amount: Amount,
}

/// `watch_streak` notice (twitch.md §2, twurple#667).
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(default)]
pub struct WatchStreakNotice {
    /// Consecutive streams watched.
    pub streak_count: u64,
    /// Channel points awarded for it.
    pub channel_points_awarded: u64,
}

/// Events that carry only the channel (`channel.chat.clear`).
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(default)]
pub struct BroadcasterOnly {
    /// The channel's user id.
    pub broadcaster_user_id: String,
    /// The channel's login.
    pub broadcaster_user_login: String,
    /// The channel's display name.
    pub broadcaster_user_name: String,
}

/// `channel.chat.clear_user_messages`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(default)]
pub struct ChatClearUserMessages {
    /// The channel's user id.
    pub broadcaster_user_id: String,
    /// The channel's login.
    pub broadcaster_user_login: String,
    /// The channel's display name.
    pub broadcaster_user_name: String,
    /// Whose messages were removed.
    pub target_user_id: String,
    /// Their display name.
    pub target_user_name: String,
    /// Their login.
    pub target_user_login: String,
}

/// `channel.chat.message_delete`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(default)]
pub struct ChatMessageDelete {
    /// The channel's user id.
    pub broadcaster_user_id: String,
    /// The channel's login.
    pub broadcaster_user_login: String,
    /// The channel's display name.
    pub broadcaster_user_name: String,
    /// Author of the removed message.
    pub target_user_id: String,
    /// Their display name.
    pub target_user_name: String,
    /// Their login.
    pub target_user_login: String,
    /// The removed message.
    pub message_id: String,
}

/// `channel.chat_settings.update`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(default)]
pub struct ChatSettingsUpdate {
    /// The channel's user id.
    pub broadcaster_user_id: String,
    /// The channel's login.
    pub broadcaster_user_login: String,
    /// The channel's display name.
    pub broadcaster_user_name: String,
    /// Emote-only mode.
    pub emote_mode: bool,
    /// Followers-only mode.
    pub follower_mode: bool,
    /// Minimum follow age in minutes.
    pub follower_mode_duration_minutes: Option<u64>,
    /// Slow mode.
    pub slow_mode: bool,
    /// Slow mode delay.
    pub slow_mode_wait_time_seconds: Option<u64>,
    /// Subscribers-only mode.
    pub subscriber_mode: bool,
    /// Unique-chat mode.
    pub unique_chat_mode: bool,
}

/// `channel.chat.user_message_hold` / `_update` (the reader's own AutoMod-held messages).
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(default)]
pub struct ChatUserMessageHold {
    /// The channel's user id.
    pub broadcaster_user_id: String,
    /// The channel's login.
    pub broadcaster_user_login: String,
    /// The channel's display name.
    pub broadcaster_user_name: String,
    /// The author (the reader).
    pub user_id: String,
    /// Their login.
    pub user_login: String,
    /// Their display name.
    pub user_name: String,
    /// The held message id.
    pub message_id: String,
    /// Update only: `approved`, `denied`, `invalid`.
    pub status: Option<String>,
}

/// A participant of a shared chat session.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(default)]
pub struct SharedChatParticipant {
    /// The participant channel's id.
    pub broadcaster_user_id: String,
    /// Its login.
    pub broadcaster_user_login: String,
    /// Its display name.
    pub broadcaster_user_name: String,
}

/// `channel.shared_chat.begin` / `.update` / `.end`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(default)]
pub struct SharedChat {
    /// The shared chat session id.
    pub session_id: String,
    /// The channel's user id.
    pub broadcaster_user_id: String,
    /// The channel's login.
    pub broadcaster_user_login: String,
    /// The channel's display name.
    pub broadcaster_user_name: String,
    /// The host channel's id.
    pub host_broadcaster_user_id: String,
    /// Its login.
    pub host_broadcaster_user_login: String,
    /// Its display name.
    pub host_broadcaster_user_name: String,
    /// Participants (begin/update).
    pub participants: Vec<SharedChatParticipant>,
}

/// `user.update`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(default)]
pub struct UserUpdate {
    /// The user's id.
    pub user_id: String,
    /// Login.
    pub user_login: String,
    /// Display name.
    pub user_name: String,
    /// Profile description.
    pub description: String,
}

/// `user.whisper.message`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(default)]
pub struct WhisperMessage {
    /// Sender's id.
    pub from_user_id: String,
    /// Sender's login.
    pub from_user_login: String,
    /// Sender's display name.
    pub from_user_name: String,
    /// Recipient's id.
    pub to_user_id: String,
    /// Recipient's login.
    pub to_user_login: String,
    /// Recipient's display name.
    pub to_user_name: String,
    /// The whisper id.
    pub whisper_id: String,
    /// The text.
    pub whisper: WhisperBody,
}

/// The body of a whisper.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(default)]
pub struct WhisperBody {
    /// The text.
    pub text: String,
}

/// `channel.follow` v2.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(default)]
pub struct Follow {
    /// The follower's id.
    pub user_id: String,
    /// Their login.
    pub user_login: String,
    /// Their display name.
    pub user_name: String,
    /// The channel's user id.
    pub broadcaster_user_id: String,
    /// The channel's login.
    pub broadcaster_user_login: String,
    /// The channel's display name.
    pub broadcaster_user_name: String,
    /// When they followed.
    pub followed_at: Option<DateTime<Utc>>,
}

/// `channel.subscribe` and `channel.subscription.end`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(default)]
pub struct Subscribe {
    /// The subscriber's id.
    pub user_id: String,
    /// Their login.
    pub user_login: String,
    /// Their display name.
    pub user_name: String,
    /// The channel's user id.
    pub broadcaster_user_id: String,
    /// The channel's login.
    pub broadcaster_user_login: String,
    /// The channel's display name.
    pub broadcaster_user_name: String,
    /// `1000`, `2000`, `3000`.
    pub tier: String,
    /// A gifted sub.
    pub is_gift: bool,
}

/// `channel.subscription.gift`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(default)]
pub struct SubscriptionGift {
    /// The gifter's id (null when anonymous).
    pub user_id: Option<String>,
    /// Their login.
    pub user_login: Option<String>,
    /// Their display name.
    pub user_name: Option<String>,
    /// The channel's user id.
    pub broadcaster_user_id: String,
    /// The channel's login.
    pub broadcaster_user_login: String,
    /// The channel's display name.
    pub broadcaster_user_name: String,
    /// Subs gifted at once.
    pub total: u64,
    /// `1000`, `2000`, `3000`.
    pub tier: String,
    /// The gifter's total, if shared (null when anonymous).
    pub cumulative_total: Option<u64>,
    /// Anonymous gift.
    pub is_anonymous: bool,
}

/// A message with emote positions (`channel.subscription.message`, `channel.cheer` has text only).
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(default)]
pub struct SubMessageBody {
    /// The text.
    pub text: String,
}

/// `channel.subscription.message` (a resub shared in chat).
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(default)]
pub struct SubscriptionMessage {
    /// The subscriber's id.
    pub user_id: String,
    /// Their login.
    pub user_login: String,
    /// Their display name.
    pub user_name: String,
    /// The channel's user id.
    pub broadcaster_user_id: String,
    /// The channel's login.
    pub broadcaster_user_login: String,
    /// The channel's display name.
    pub broadcaster_user_name: String,
    /// `1000`, `2000`, `3000`.
    pub tier: String,
    /// Their message.
    pub message: SubMessageBody,
    /// Total months.
    pub cumulative_months: u64,
    /// Consecutive months, if shared.
    pub streak_months: Option<u64>,
    /// Months bought at once.
    pub duration_months: u64,
}

/// `channel.cheer`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(default)]
pub struct Cheer {
    /// Anonymous cheer.
    pub is_anonymous: bool,
    /// The cheerer's id (null when anonymous).
    pub user_id: Option<String>,
    /// Their login.
    pub user_login: Option<String>,
    /// Their display name.
    pub user_name: Option<String>,
    /// The channel's user id.
    pub broadcaster_user_id: String,
    /// The channel's login.
    pub broadcaster_user_login: String,
    /// The channel's display name.
    pub broadcaster_user_name: String,
    /// The chat message.
    pub message: String,
    /// Bits cheered.
    pub bits: u64,
}

/// `channel.bits.use`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(default)]
pub struct BitsUse {
    /// The channel's user id.
    pub broadcaster_user_id: String,
    /// The channel's login.
    pub broadcaster_user_login: String,
    /// The channel's display name.
    pub broadcaster_user_name: String,
    /// Who used bits.
    pub user_id: String,
    /// Their login.
    pub user_login: String,
    /// Their display name.
    pub user_name: String,
    /// Bits used.
    pub bits: u64,
    /// `cheer`, `power_up`, `combo`.
    #[serde(rename = "type")]
    pub kind: String,
    /// The chat message, if any.
    pub message: Option<MessageBody>,
}

/// `channel.ad_break.begin`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(default)]
pub struct AdBreakBegin {
    /// Length of the break.
    pub duration_seconds: u64,
    /// When it started.
    pub started_at: Option<DateTime<Utc>>,
    /// Scheduled automatically.
    pub is_automatic: bool,
    /// The channel's user id.
    pub broadcaster_user_id: String,
    /// The channel's login.
    pub broadcaster_user_login: String,
    /// The channel's display name.
    pub broadcaster_user_name: String,
    /// Who started it.
    pub requester_user_id: String,
    /// Their login.
    pub requester_user_login: String,
    /// Their display name.
    pub requester_user_name: String,
}

/// A hype train contributor.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(default)]
pub struct Contribution {
    /// Contributor's id.
    pub user_id: String,
    /// Login.
    pub user_login: String,
    /// Display name.
    pub user_name: String,
    /// `bits`, `subscription`, `other`.
    #[serde(rename = "type")]
    pub kind: String,
    /// Amount contributed.
    pub total: u64,
}

/// `channel.hype_train.begin` / `.progress` / `.end` (v2; v1 parses too).
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(default)]
pub struct HypeTrain {
    /// The hype train id (shared by begin, progress, end).
    pub id: String,
    /// The channel's user id.
    pub broadcaster_user_id: String,
    /// The channel's login.
    pub broadcaster_user_login: String,
    /// The channel's display name.
    pub broadcaster_user_name: String,
    /// Current level.
    pub level: u64,
    /// Total points.
    pub total: u64,
    /// Points in the current level (begin/progress).
    pub progress: Option<u64>,
    /// Points needed for the next level (begin/progress).
    pub goal: Option<u64>,
    /// Top contributors.
    pub top_contributions: Vec<Contribution>,
    /// `regular`, `golden_kappa`, `shared` (v2).
    #[serde(rename = "type")]
    pub kind: Option<String>,
    /// When it started.
    pub started_at: Option<DateTime<Utc>>,
    /// When it expires (begin/progress).
    pub expires_at: Option<DateTime<Utc>>,
    /// When it ended (end).
    pub ended_at: Option<DateTime<Utc>>,
    /// When the next one may start (end).
    pub cooldown_ends_at: Option<DateTime<Utc>>,
}

/// A poll choice.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(default)]
pub struct PollChoice {
    /// Choice id.
    pub id: String,
    /// Its title.
    pub title: String,
    /// Votes with bits.
    pub bits_votes: Option<u64>,
    /// Votes with channel points.
    pub channel_points_votes: Option<u64>,
    /// All votes.
    pub votes: Option<u64>,
}

/// `channel.poll.begin` / `.progress` / `.end`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(default)]
pub struct Poll {
    /// Poll id (shared by begin, progress, end).
    pub id: String,
    /// The channel's user id.
    pub broadcaster_user_id: String,
    /// The channel's login.
    pub broadcaster_user_login: String,
    /// The channel's display name.
    pub broadcaster_user_name: String,
    /// The question.
    pub title: String,
    /// The choices.
    pub choices: Vec<PollChoice>,
    /// End only: `completed`, `archived`, `terminated`.
    pub status: Option<String>,
    /// When it started.
    pub started_at: Option<DateTime<Utc>>,
    /// When it will end (begin/progress).
    pub ends_at: Option<DateTime<Utc>>,
    /// When it ended (end).
    pub ended_at: Option<DateTime<Utc>>,
}

/// A prediction outcome.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(default)]
pub struct Outcome {
    /// Outcome id.
    pub id: String,
    /// Its title.
    pub title: String,
    /// `blue`, `pink`.
    pub color: String,
    /// Number of users who predicted it.
    pub users: Option<u64>,
    /// Channel points on it.
    pub channel_points: Option<u64>,
}

/// `channel.prediction.begin` / `.progress` / `.lock` / `.end`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(default)]
pub struct Prediction {
    /// Prediction id (shared by all its frames).
    pub id: String,
    /// The channel's user id.
    pub broadcaster_user_id: String,
    /// The channel's login.
    pub broadcaster_user_login: String,
    /// The channel's display name.
    pub broadcaster_user_name: String,
    /// The question.
    pub title: String,
    /// The outcomes.
    pub outcomes: Vec<Outcome>,
    /// End only: the winning outcome (null when canceled).
    pub winning_outcome_id: Option<String>,
    /// End only: `resolved`, `canceled`.
    pub status: Option<String>,
    /// When it started.
    pub started_at: Option<DateTime<Utc>>,
    /// When it locks (begin/progress).
    pub locks_at: Option<DateTime<Utc>>,
    /// When it locked (lock).
    pub locked_at: Option<DateTime<Utc>>,
    /// When it ended (end).
    pub ended_at: Option<DateTime<Utc>>,
}

/// `channel.shoutout.create` (this channel gave a shoutout).
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(default)]
pub struct ShoutoutCreate {
    /// The channel's user id.
    pub broadcaster_user_id: String,
    /// The channel's login.
    pub broadcaster_user_login: String,
    /// The channel's display name.
    pub broadcaster_user_name: String,
    /// The channel shouted out.
    pub to_broadcaster_user_id: String,
    /// Its login.
    pub to_broadcaster_user_login: String,
    /// Its display name.
    pub to_broadcaster_user_name: String,
    /// The moderator who sent it.
    pub moderator_user_id: String,
    /// Their login.
    pub moderator_user_login: String,
    /// Their display name.
    pub moderator_user_name: String,
    /// Viewers at the time.
    pub viewer_count: u64,
    /// When it was sent.
    pub started_at: Option<DateTime<Utc>>,
}

/// `channel.shoutout.receive` (this channel got a shoutout).
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(default)]
pub struct ShoutoutReceive {
    /// The channel's user id.
    pub broadcaster_user_id: String,
    /// The channel's login.
    pub broadcaster_user_login: String,
    /// The channel's display name.
    pub broadcaster_user_name: String,
    /// The channel that gave it.
    pub from_broadcaster_user_id: String,
    /// Its login.
    pub from_broadcaster_user_login: String,
    /// Its display name.
    pub from_broadcaster_user_name: String,
    /// Their viewers at the time.
    pub viewer_count: u64,
    /// When it was sent.
    pub started_at: Option<DateTime<Utc>>,
}

/// `channel.goal.begin` / `.progress` / `.end`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(default)]
pub struct Goal {
    /// Goal id.
    pub id: String,
    /// The channel's user id.
    pub broadcaster_user_id: String,
    /// The channel's login.
    pub broadcaster_user_login: String,
    /// The channel's display name.
    pub broadcaster_user_name: String,
    /// `follow`, `subscription`, …
    #[serde(rename = "type")]
    pub kind: String,
    /// The goal's description.
    pub description: String,
    /// Progress.
    pub current_amount: i64,
    /// Target.
    pub target_amount: i64,
    /// End only.
    pub is_achieved: Option<bool>,
    /// When it started.
    pub started_at: Option<DateTime<Utc>>,
    /// When it ended.
    pub ended_at: Option<DateTime<Utc>>,
}

/// `channel.charity_campaign.donate`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(default)]
pub struct CharityDonation {
    /// Donation id.
    pub id: String,
    /// Campaign id.
    pub campaign_id: String,
    /// The channel's user id.
    pub broadcaster_user_id: String,
    /// The channel's login.
    pub broadcaster_user_login: String,
    /// The channel's display name.
    pub broadcaster_user_name: String,
    /// The donor's id.
    pub user_id: String,
    /// Their login.
    pub user_login: String,
    /// Their display name.
    pub user_name: String,
    /// The charity.
    pub charity_name: String,
    /// The amount.
    pub amount: Amount,
}

/// `channel.charity_campaign.start` / `.progress` / `.stop`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(default)]
pub struct CharityCampaign {
    /// Campaign id.
    pub id: String,
    /// The channel's user id.
    pub broadcaster_user_id: String,
    /// The channel's login.
    pub broadcaster_user_login: String,
    /// The channel's display name.
    pub broadcaster_user_name: String,
    /// The charity.
    pub charity_name: String,
    /// Raised so far.
    pub current_amount: Amount,
    /// Target.
    pub target_amount: Amount,
}

/// The reward of a channel-points redemption.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(default)]
pub struct Reward {
    /// Reward id.
    pub id: String,
    /// Its title.
    pub title: String,
    /// Its cost in channel points.
    pub cost: u64,
    /// Its prompt.
    pub prompt: String,
}

/// `channel.channel_points_custom_reward_redemption.add` / `.update`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(default)]
pub struct Redemption {
    /// Redemption id.
    pub id: String,
    /// The channel's user id.
    pub broadcaster_user_id: String,
    /// The channel's login.
    pub broadcaster_user_login: String,
    /// The channel's display name.
    pub broadcaster_user_name: String,
    /// The redeemer's id.
    pub user_id: String,
    /// Their login.
    pub user_login: String,
    /// Their display name.
    pub user_name: String,
    /// What they typed, if the reward asks.
    pub user_input: String,
    /// `unfulfilled`, `fulfilled`, `canceled`, `unknown`.
    pub status: String,
    /// The reward.
    pub reward: Reward,
    /// When it was redeemed.
    pub redeemed_at: Option<DateTime<Utc>>,
}

/// `channel.ban`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(default)]
pub struct Ban {
    /// The banned user's id.
    pub user_id: String,
    /// Their login.
    pub user_login: String,
    /// Their display name.
    pub user_name: String,
    /// The channel's user id.
    pub broadcaster_user_id: String,
    /// The channel's login.
    pub broadcaster_user_login: String,
    /// The channel's display name.
    pub broadcaster_user_name: String,
    /// The moderator's id.
    pub moderator_user_id: String,
    /// Their login.
    pub moderator_user_login: String,
    /// Their display name.
    pub moderator_user_name: String,
    /// The reason given.
    pub reason: String,
    /// When.
    pub banned_at: Option<DateTime<Utc>>,
    /// Timeout end (null when permanent).
    pub ends_at: Option<DateTime<Utc>>,
    /// Permanent ban.
    pub is_permanent: bool,
}

/// `channel.unban`, `channel.moderator.add/remove`, `channel.vip.add/remove`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(default)]
pub struct UserModAction {
    /// The affected user's id.
    pub user_id: String,
    /// Their login.
    pub user_login: String,
    /// Their display name.
    pub user_name: String,
    /// The channel's user id.
    pub broadcaster_user_id: String,
    /// The channel's login.
    pub broadcaster_user_login: String,
    /// The channel's display name.
    pub broadcaster_user_name: String,
    /// The moderator (unban only).
    pub moderator_user_id: Option<String>,
    /// Their login.
    pub moderator_user_login: Option<String>,
    /// Their display name.
    pub moderator_user_name: Option<String>,
}

/// `channel.shield_mode.begin` / `.end`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(default)]
pub struct ShieldMode {
    /// The channel's user id.
    pub broadcaster_user_id: String,
    /// The channel's login.
    pub broadcaster_user_login: String,
    /// The channel's display name.
    pub broadcaster_user_name: String,
    /// The moderator's id.
    pub moderator_user_id: String,
    /// Their login.
    pub moderator_user_login: String,
    /// Their display name.
    pub moderator_user_name: String,
    /// Begin only.
    pub started_at: Option<DateTime<Utc>>,
    /// End only.
    pub ended_at: Option<DateTime<Utc>>,
}

// ------------------------------------------------------------------------------------------------
// The envelope, parsed in one pass.
//
// `metadata` comes first in every frame Twitch sends, so its `message_type` and
// `subscription_type` pick the payload's shape while streaming (no intermediate `Value`). If a
// sender ever puts `payload` first, it is buffered as a `Value` and parsed after `metadata`.

struct WireFrame(Result<Frame, ProtocolError>);

#[derive(Deserialize)]
#[serde(field_identifier, rename_all = "snake_case")]
enum EnvelopeField {
    Metadata,
    Payload,
    #[serde(other)]
    Other,
}

impl<'de> Deserialize<'de> for WireFrame {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_map(EnvelopeVisitor)
    }
}

struct EnvelopeVisitor;

impl<'de> Visitor<'de> for EnvelopeVisitor {
    type Value = WireFrame;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an EventSub envelope object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<WireFrame, A::Error> {
        let mut metadata: Option<Metadata> = None;
        let mut message: Option<Message> = None;
        let mut buffered: Option<Value> = None;
        while let Some(field) = map.next_key::<EnvelopeField>()? {
            match field {
                EnvelopeField::Metadata => {
                    if metadata.is_some() {
                        return Err(de::Error::duplicate_field("metadata"));
                    }
                    metadata = Some(map.next_value()?);
                }
                EnvelopeField::Payload => {
                    if message.is_some() || buffered.is_some() {
                        return Err(de::Error::duplicate_field("payload"));
                    }
                    match &metadata {
                        Some(m) => message = Some(map.next_value_seed(PayloadSeed(m))?),
                        None => buffered = Some(map.next_value()?),
                    }
                }
                EnvelopeField::Other => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        let Some(metadata) = metadata else {
            return Ok(WireFrame(Err(ProtocolError::MissingMetadata)));
        };
        let message = match (message, buffered) {
            (Some(m), _) => m,
            (None, Some(v)) => PayloadSeed(&metadata).deserialize(v).map_err(de::Error::custom)?,
            (None, None) => return Ok(WireFrame(Err(ProtocolError::MissingPayload))),
        };
        Ok(WireFrame(Ok(Frame { metadata, message })))
    }
}

/// Deserialises `payload` given the metadata.
struct PayloadSeed<'a>(&'a Metadata);

#[derive(Deserialize)]
struct SessionPayload {
    session: Session,
}

#[derive(Deserialize)]
struct SubscriptionPayload {
    subscription: Subscription,
}

impl<'de> DeserializeSeed<'de> for PayloadSeed<'_> {
    type Value = Message;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Message, D::Error> {
        Ok(match self.0.message_type {
            MessageType::SessionWelcome => {
                Message::Welcome(SessionPayload::deserialize(d)?.session)
            }
            MessageType::SessionReconnect => {
                Message::Reconnect(SessionPayload::deserialize(d)?.session)
            }
            MessageType::SessionKeepalive => {
                IgnoredAny::deserialize(d)?;
                Message::Keepalive
            }
            MessageType::Revocation => {
                Message::Revocation(SubscriptionPayload::deserialize(d)?.subscription)
            }
            MessageType::Notification => {
                Message::Notification(d.deserialize_map(NotificationVisitor(self.0))?)
            }
        })
    }
}

#[derive(Deserialize)]
#[serde(field_identifier, rename_all = "snake_case")]
enum NotificationField {
    Subscription,
    Event,
    #[serde(other)]
    Other,
}

struct NotificationVisitor<'a>(&'a Metadata);

impl<'de> Visitor<'de> for NotificationVisitor<'_> {
    type Value = Notification;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a notification payload")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Notification, A::Error> {
        let mut subscription: Option<Subscription> = None;
        let mut event: Option<Event> = None;
        let mut buffered: Option<Value> = None;
        while let Some(field) = map.next_key::<NotificationField>()? {
            match field {
                NotificationField::Subscription => {
                    if subscription.is_some() {
                        return Err(de::Error::duplicate_field("subscription"));
                    }
                    subscription = Some(map.next_value()?);
                }
                NotificationField::Event => {
                    if event.is_some() || buffered.is_some() {
                        return Err(de::Error::duplicate_field("event"));
                    }
                    // The type is known from metadata (always there on notifications) or from a
                    // subscription seen earlier; otherwise buffer until the subscription arrives.
                    let seed = match (&self.0.subscription_type, &subscription) {
                        (_, Some(s)) => Some((s.kind.as_str(), s.version.as_str())),
                        (Some(t), None) => {
                            Some((t.as_str(), self.0.subscription_version.as_deref().unwrap_or("")))
                        }
                        (None, None) => None,
                    };
                    match seed {
                        Some((kind, version)) => {
                            event = Some(map.next_value_seed(EventSeed { kind, version })?)
                        }
                        None => buffered = Some(map.next_value()?),
                    }
                }
                NotificationField::Other => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        let subscription = subscription.ok_or_else(|| de::Error::missing_field("subscription"))?;
        let event = match (event, buffered) {
            (Some(e), _) => e,
            (None, Some(v)) => {
                EventSeed { kind: &subscription.kind, version: &subscription.version }
                    .deserialize(v)
                    .map_err(de::Error::custom)?
            }
            (None, None) => return Err(de::Error::missing_field("event")),
        };
        Ok(Notification { subscription, event })
    }
}

/// Second chance for a notification whose event did not fit its type: keep it as
/// `Event::Other` when the envelope and subscription are fine.
fn parse_lenient_notification(text: &str) -> Option<Frame> {
    #[derive(Deserialize)]
    struct Lenient {
        metadata: Metadata,
        payload: LenientPayload,
    }
    #[derive(Deserialize)]
    struct LenientPayload {
        subscription: Subscription,
        event: Value,
    }
    let l: Lenient = serde_json::from_str(text).ok()?;
    if l.metadata.message_type != MessageType::Notification {
        return None;
    }
    tracing::warn!(
        subscription_type = %l.payload.subscription.kind,
        "EventSub event did not match its documented shape; kept as `other`"
    );
    let Subscription { kind, version, .. } = l.payload.subscription.clone();
    Some(Frame {
        metadata: l.metadata,
        message: Message::Notification(Notification {
            subscription: l.payload.subscription,
            event: Event::Other { kind, version, event: l.payload.event },
        }),
    })
}

/// Maps serde's message for an unknown `message_type` to [`ProtocolError::UnknownMessageType`].
impl ProtocolError {
    fn refine(self) -> Self {
        if let ProtocolError::Json(e) = &self {
            let msg = e.to_string();
            if let Some(rest) = msg.split(UNKNOWN_TYPE_MARK).nth(1) {
                let name = rest.split(" at line ").next().unwrap_or(rest);
                return ProtocolError::UnknownMessageType(name.to_owned());
            }
        }
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const WELCOME: &str = r#"{"metadata":{"message_id":"96a3f3b5-5dec-4eed-908e-e11ee657416c","message_type":"session_welcome","message_timestamp":"2023-07-19T14:56:51.634234626Z"},"payload":{"session":{"id":"AQoQILE98gtqShGmLD7AM6yJThAB","status":"connected","connected_at":"2023-07-19T14:56:51.616329898Z","keepalive_timeout_seconds":10,"reconnect_url":null}}}"#;

    #[test]
    fn welcome_from_the_docs_parses_with_nanoseconds() {
        // twitch.md §1.2 example welcome.
        let f = parse_frame(WELCOME).unwrap();
        assert_eq!(f.message_type(), MessageType::SessionWelcome);
        assert_eq!(f.message_timestamp().timestamp_subsec_nanos(), 634_234_626);
        let Message::Welcome(s) = f.message else { panic!("not a welcome") };
        assert_eq!(s.id, "AQoQILE98gtqShGmLD7AM6yJThAB");
        assert_eq!(s.keepalive_timeout_seconds, Some(10));
        assert_eq!(s.reconnect_url, None);
    }

    #[test]
    fn payload_before_metadata_still_parses() {
        let text = r#"{"payload":{"session":{"id":"s1","status":"connected","keepalive_timeout_seconds":10,"reconnect_url":null}},"metadata":{"message_id":"m","message_type":"session_welcome","message_timestamp":"2023-07-19T14:56:51.634234626Z"}}"#;
        let f = parse_frame(text).unwrap();
        assert!(matches!(f.message, Message::Welcome(ref s) if s.id == "s1"));
    }

    #[test]
    fn unknown_message_type_is_reported_by_name() {
        let text = r#"{"metadata":{"message_id":"m","message_type":"reconnect","message_timestamp":"2023-07-19T14:56:51Z"},"payload":{}}"#;
        match parse_frame(text) {
            Err(ProtocolError::UnknownMessageType(t)) => assert_eq!(t, "reconnect"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn unknown_subscription_type_is_other_with_raw_event() {
        let text = r#"{"metadata":{"message_id":"m","message_type":"notification","message_timestamp":"2023-07-19T14:56:51Z","subscription_type":"channel.brand_new","subscription_version":"7"},"payload":{"subscription":{"id":"x","status":"enabled","type":"channel.brand_new","version":"7","cost":0,"condition":{"broadcaster_user_id":"1"},"transport":{"method":"websocket","session_id":"s"},"created_at":"2023-07-19T14:56:51Z"},"event":{"a":[1,2]}}}"#;
        let f = parse_frame(text).unwrap();
        let Message::Notification(n) = f.message else { panic!() };
        assert_eq!(n.subscription.condition.broadcaster_user_id(), Some("1"));
        match n.event {
            Event::Other { kind, version, event } => {
                assert_eq!(kind, "channel.brand_new");
                assert_eq!(version, "7");
                assert_eq!(event["a"][1], 2);
            }
            e => panic!("{e:?}"),
        }
    }

    #[test]
    fn known_type_with_a_changed_field_is_kept_as_other() {
        let text = r#"{"metadata":{"message_id":"m","message_type":"notification","message_timestamp":"2023-07-19T14:56:51Z","subscription_type":"channel.raid","subscription_version":"1"},"payload":{"subscription":{"id":"x","type":"channel.raid","version":"1"},"event":{"viewers":"lots"}}}"#;
        let f = parse_frame(text).unwrap();
        let Message::Notification(n) = f.message else { panic!() };
        assert!(matches!(n.event, Event::Other { ref kind, .. } if kind == "channel.raid"));
    }

    #[test]
    fn garbage_is_an_error_not_a_panic() {
        for t in ["", "{", "[]", "null", r#"{"metadata":{}}"#, r#"{"payload":{}}"#] {
            assert!(parse_frame(t).is_err(), "{t}");
        }
    }

    #[test]
    fn amount_display() {
        let a = Amount { value: 550, decimal_places: 2, currency: "USD".into() };
        assert_eq!(a.display(), "5.50 USD");
        let a = Amount { value: 7, decimal_places: 0, currency: "EUR".into() };
        assert_eq!(a.display(), "7 EUR");
    }
}
