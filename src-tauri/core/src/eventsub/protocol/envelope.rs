//! The envelope of every frame: metadata, session, subscription and its condition, and the
//! typed [`Frame`] the wire parser builds from them (docs/twitch.md §1.2).
//!
//! Two views of the same JSON live here: the typed one ([`Frame`], for the feed) and the
//! lenient one ([`EnvelopeHead`], for the session, which must act on any frame that has the
//! envelope's shape). Both name a subscription's channel by one rule, [`Condition::channel`].

use super::event::Event;
use chrono::{DateTime, Utc};
use serde::de;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::Value;
use std::collections::BTreeMap;
use std::fmt;

/// One parsed text frame.
#[derive(Debug, Clone, PartialEq)]
pub struct Frame {
    /// The envelope's metadata: id, type, timestamp (+ subscription type/version).
    pub metadata: Metadata,
    /// The payload, by message type.
    pub message: Message,
}

impl Frame {
    /// `metadata.message_id`: the key for dedupe (docs/twitch.md §1.7).
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

/// `metadata` of every frame (docs/twitch.md §1.2).
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
pub struct Metadata {
    /// Unique per message; a resend carries the same id (docs/twitch.md §1.7).
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

/// `metadata.message_type` (docs/twitch.md §1.2; note it is `session_reconnect`, not `reconnect`,
/// docs/twitch.md §7.3).
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

pub(super) const UNKNOWN_TYPE_MARK: &str = "unknown message_type: ";

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
    /// `session_reconnect`: move to `session.reconnect_url` (docs/twitch.md §1.3).
    Reconnect(Session),
    /// `revocation`: the subscription is gone; `status` says why (docs/twitch.md §1.2, §1.7).
    Revocation(Subscription),
}

/// `payload.session` of welcome and reconnect frames (docs/twitch.md §1.2).
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

/// An EventSub subscription as it appears in frames and in Helix responses (docs/twitch.md §1.2,
/// §1.8).
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
    /// What it counts against `max_total_cost` (docs/twitch.md §1.6).
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

/// `transport` of a subscription (docs/twitch.md §1.2, §1.4).
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
    /// When that session disconnected (Helix list of a dead session, docs/twitch.md §1.4).
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
// The one condition rule.

/// The condition keys that name the channel a subscription is about, in the order they are
/// looked at: most types name it `broadcaster_user_id`; `channel.raid` names one side,
/// `to_broadcaster_user_id` (raids in) or `from_broadcaster_user_id` (raids out)
/// (docs/twitch.md §2).
pub const CHANNEL_KEYS: [&str; 3] =
    ["broadcaster_user_id", "to_broadcaster_user_id", "from_broadcaster_user_id"];

impl Condition {
    /// The channel this condition is about: the value of the first of [`CHANNEL_KEYS`] that is
    /// there and not empty.
    pub fn channel(&self) -> Option<&str> {
        CHANNEL_KEYS.iter().find_map(|k| self.get(k).filter(|v| !v.is_empty()))
    }
}

// ------------------------------------------------------------------------------------------------
// The envelope as the session reads it.
//
// The session acts on every frame that has the envelope's shape, including one [`Frame`] cannot
// type (an unknown `message_type`, a timestamp it cannot read, an event of a changed shape): it
// reads only the few strings it needs and leaves the rest to `parse_frame`.

/// A text frame's envelope, read leniently: the session's view of it (docs/twitch.md §1.2).
#[derive(Deserialize)]
pub(crate) struct EnvelopeHead {
    /// `metadata`; a frame without it is malformed.
    pub(crate) metadata: MetadataHead,
    /// `payload`: the parts of it a message type needs.
    #[serde(default)]
    pub(crate) payload: PayloadHead,
}

/// `metadata` as plain strings, so an unknown `message_type` is still read.
#[derive(Deserialize)]
pub(crate) struct MetadataHead {
    /// The dedupe key (docs/twitch.md §1.7).
    pub(crate) message_id: String,
    /// Any string; the session ignores the types it does not know.
    pub(crate) message_type: String,
    /// RFC 3339 with nanoseconds, read by the session when valid.
    #[serde(default)]
    pub(crate) message_timestamp: Option<String>,
    /// Set on notifications and revocations.
    #[serde(default)]
    pub(crate) subscription_type: Option<String>,
}

/// `payload`: the session of welcome and reconnect frames, the subscription of the others.
#[derive(Deserialize, Default)]
pub(crate) struct PayloadHead {
    /// `payload.session` (welcome, reconnect).
    #[serde(default)]
    pub(crate) session: Option<SessionHead>,
    /// `payload.subscription` (notification, revocation).
    #[serde(default)]
    pub(crate) subscription: Option<SubscriptionHead>,
}

/// What the session needs of `payload.session`.
#[derive(Deserialize)]
pub(crate) struct SessionHead {
    /// The session id.
    pub(crate) id: String,
    /// The welcome's keepalive window in seconds.
    #[serde(default)]
    pub(crate) keepalive_timeout_seconds: Option<u64>,
    /// Where a reconnect's successor lives.
    #[serde(default)]
    pub(crate) reconnect_url: Option<String>,
}

/// What the session and the watcher need of `payload.subscription`.
#[derive(Deserialize)]
pub(crate) struct SubscriptionHead {
    /// The subscription id.
    pub(crate) id: String,
    /// On a revocation, why (docs/twitch.md §1.2).
    #[serde(default)]
    pub(crate) status: String,
    /// The condition, for [`EnvelopeHead::channel`]. Anything but an object reads as empty, so
    /// an odd condition never costs the session a frame.
    #[serde(default, deserialize_with = "lenient_condition")]
    pub(crate) condition: Condition,
}

impl EnvelopeHead {
    /// Reads the envelope of a text frame.
    pub(crate) fn parse(text: &str) -> Result<Self, serde_json::Error> {
        serde_json::from_str(text)
    }

    /// The channel the frame's subscription condition names ([`Condition::channel`]).
    pub(crate) fn channel(&self) -> Option<&str> {
        self.payload.subscription.as_ref()?.condition.channel()
    }
}

/// A condition object as [`Condition`] reads it; any other JSON value as an empty condition.
fn lenient_condition<'de, D: Deserializer<'de>>(d: D) -> Result<Condition, D::Error> {
    Ok(match Value::deserialize(d)? {
        object @ Value::Object(_) => Condition::deserialize(object).unwrap_or_default(),
        _ => Condition::default(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn condition(pairs: &[(&str, &str)]) -> Condition {
        pairs.iter().fold(Condition::new(), |c, (k, v)| c.with(*k, *v))
    }

    #[test]
    fn the_channel_is_the_broadcaster_then_the_raided_then_the_raiding_side() {
        let all = [
            ("from_broadcaster_user_id", "3"),
            ("to_broadcaster_user_id", "2"),
            ("broadcaster_user_id", "1"),
            ("user_id", "9"),
        ];
        assert_eq!(condition(&all).channel(), Some("1"));
        assert_eq!(condition(&all[..2]).channel(), Some("2"));
        assert_eq!(condition(&all[..1]).channel(), Some("3"));
        assert_eq!(condition(&[("user_id", "9")]).channel(), None, "a user is not a channel");
    }

    #[test]
    fn an_empty_value_names_no_channel() {
        let c = condition(&[("broadcaster_user_id", ""), ("from_broadcaster_user_id", "3")]);
        assert_eq!(c.channel(), Some("3"));
        assert_eq!(condition(&[("to_broadcaster_user_id", "")]).channel(), None);
    }

    #[test]
    fn the_head_reads_the_channel_and_survives_an_odd_condition() {
        let frame = |condition: &str| {
            format!(
                r#"{{"metadata":{{"message_id":"m","message_type":"notification","subscription_type":"channel.raid"}},"payload":{{"subscription":{{"id":"s","condition":{condition}}},"event":{{}}}}}}"#
            )
        };
        let head = EnvelopeHead::parse(&frame(r#"{"to_broadcaster_user_id":"7"}"#)).unwrap();
        assert_eq!(head.channel(), Some("7"));
        for odd in ["null", "[1]", r#""x""#, r#"{"broadcaster_user_id":null}"#] {
            let head = EnvelopeHead::parse(&frame(odd)).expect(odd);
            assert_eq!(head.channel(), None, "{odd}");
        }
    }
}
