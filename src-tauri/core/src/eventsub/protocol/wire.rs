//! The wire parser: one text frame to a [`Frame`] in a single pass, with a lenient second
//! chance for a notification whose event does not fit its type (docs/twitch.md §1.2, §7.18).

use super::envelope::{
    Frame, Message, MessageType, Metadata, Notification, Session, Subscription, UNKNOWN_TYPE_MARK,
};
use super::event::{Event, EventSeed};
use super::lenient::Lenient;
use serde::de::{self, DeserializeSeed, IgnoredAny, MapAccess, Visitor};
use serde::{Deserialize, Deserializer};
use serde_json::Value;
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
    /// `metadata.message_type` is not one of the five documented types (docs/twitch.md §1.2).
    #[error("unknown EventSub message type {0:?}")]
    UnknownMessageType(String),
}

/// Parses one EventSub WebSocket text frame (docs/twitch.md §1.2). Never panics.
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

/// Second chance for a notification whose event did not fit its type: read the event leniently
/// (`lenient.rs`), and keep it as `Event::Other` only when even that fails, when the envelope
/// and subscription are fine.
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
    let Subscription { kind, version, .. } = l.payload.subscription.clone();
    let seed = EventSeed { kind: &kind, version: &version };
    if let Ok(event) = seed.deserialize(Lenient(l.payload.event.clone())) {
        tracing::info!(
            subscription_type = %kind,
            "EventSub event had a field of another JSON type than documented; read leniently"
        );
        return Some(Frame {
            metadata: l.metadata,
            message: Message::Notification(Notification {
                subscription: l.payload.subscription,
                event,
            }),
        });
    }
    tracing::warn!(
        subscription_type = %kind,
        "EventSub event did not match its documented shape; kept as `other`"
    );
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
        // docs/twitch.md §1.2 example welcome.
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
}
