//! A text frame's envelope, reduced to what the session acts on (docs/twitch.md §1.2). The
//! envelope itself is read by the protocol's lenient [`EnvelopeHead`].

use crate::eventsub::protocol::EnvelopeHead;
use std::time::SystemTime;

/// A text frame, reduced to what the session acts on. Notifications and revocations keep
/// their text for the feed's own parser.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Incoming {
    /// `session_welcome` (docs/twitch.md §1.2).
    Welcome {
        /// `payload.session.id`.
        session_id: String,
        /// `payload.session.keepalive_timeout_seconds`.
        keepalive_secs: u64,
    },
    /// `session_keepalive`.
    Keepalive,
    /// `session_reconnect` with its `reconnect_url` (docs/twitch.md §1.3).
    Reconnect {
        /// Where the successor lives; used exactly as given.
        url: String,
    },
    /// `notification`.
    Notification {
        /// `metadata.message_id`, the dedupe key (docs/twitch.md §1.7).
        message_id: String,
        /// `metadata.subscription_type`.
        sub_type: String,
        /// `payload.subscription.id` (empty if absent).
        subscription_id: String,
    },
    /// `revocation`.
    Revocation {
        /// `metadata.message_id`.
        message_id: String,
        /// `payload.subscription.id`.
        subscription_id: String,
        /// `payload.subscription.status`: why (docs/twitch.md §1.2, §1.7).
        status: String,
    },
    /// A valid envelope with a `message_type` we do not know.
    Other {
        /// The unknown `message_type`.
        message_type: String,
    },
    /// Not an envelope at all.
    Malformed {
        /// What was wrong.
        error: String,
    },
}

/// Reads the envelope of a text frame (docs/twitch.md §1.2). Never panics.
pub fn parse_control(text: &str) -> Incoming {
    parse_envelope(text).0
}

/// Like [`parse_control`], plus `metadata.message_timestamp` (RFC 3339 with nanoseconds,
/// docs/twitch.md §1.1) when present and valid.
pub fn parse_envelope(text: &str) -> (Incoming, Option<SystemTime>) {
    let env = match EnvelopeHead::parse(text) {
        Ok(e) => e,
        Err(e) => return (Incoming::Malformed { error: e.to_string() }, None),
    };
    let at = env
        .metadata
        .message_timestamp
        .as_deref()
        .and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok())
        .map(SystemTime::from);
    (incoming_of(env), at)
}

fn incoming_of(env: EnvelopeHead) -> Incoming {
    let m = env.metadata;
    let missing =
        |what: &str| Incoming::Malformed { error: format!("{} without {what}", m.message_type) };
    match m.message_type.as_str() {
        "session_welcome" => match env.payload.session {
            Some(s) => Incoming::Welcome {
                session_id: s.id,
                keepalive_secs: s.keepalive_timeout_seconds.unwrap_or(10),
            },
            None => missing("payload.session"),
        },
        "session_keepalive" => Incoming::Keepalive,
        // docs/twitch.md §7 pitfall 3: the type is `session_reconnect`, not `reconnect`.
        "session_reconnect" => match env.payload.session.and_then(|s| s.reconnect_url) {
            Some(url) => Incoming::Reconnect { url },
            None => missing("payload.session.reconnect_url"),
        },
        "notification" => match m.subscription_type {
            Some(t) => Incoming::Notification {
                message_id: m.message_id,
                sub_type: t,
                subscription_id: env.payload.subscription.map(|s| s.id).unwrap_or_default(),
            },
            None => missing("metadata.subscription_type"),
        },
        "revocation" => match env.payload.subscription {
            Some(s) => Incoming::Revocation {
                message_id: m.message_id,
                subscription_id: s.id,
                status: s.status,
            },
            None => missing("payload.subscription"),
        },
        other => Incoming::Other { message_type: other.to_string() },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn welcome_from_the_docs_is_read() {
        let t = r#"{"metadata":{"message_id":"96a3f3b5-5dec-4eed-908e-e11ee657416c","message_type":"session_welcome","message_timestamp":"2023-07-19T14:56:51.634234626Z"},"payload":{"session":{"id":"AQoQILE98gtqShGmLD7AM6yJThAB","status":"connected","connected_at":"2023-07-19T14:56:51.616329898Z","keepalive_timeout_seconds":10,"reconnect_url":null}}}"#;
        assert_eq!(
            parse_control(t),
            Incoming::Welcome {
                session_id: "AQoQILE98gtqShGmLD7AM6yJThAB".into(),
                keepalive_secs: 10
            }
        );
    }

    #[test]
    fn pitfall_03_session_reconnect_is_the_message_type_not_reconnect() {
        let t = r#"{"metadata":{"message_id":"m","message_type":"session_reconnect","message_timestamp":"2023-07-19T14:56:51.634234626Z"},"payload":{"session":{"id":"S","status":"reconnecting","keepalive_timeout_seconds":null,"reconnect_url":"wss://cell-a.eventsub.wss.twitch.tv/ws?challenge=x&id=y","connected_at":"2023-07-19T14:56:51.616329898Z"}}}"#;
        assert_eq!(
            parse_control(t),
            Incoming::Reconnect {
                url: "wss://cell-a.eventsub.wss.twitch.tv/ws?challenge=x&id=y".into()
            }
        );
        let wrong = t.replace("session_reconnect", "reconnect");
        assert_eq!(parse_control(&wrong), Incoming::Other { message_type: "reconnect".into() });
    }

    #[test]
    fn garbage_is_malformed_never_a_panic() {
        for t in [
            "",
            "{",
            "[]",
            "null",
            r#"{"metadata":{}}"#,
            r#"{"metadata":{"message_id":"a","message_type":"notification"}}"#,
        ] {
            assert!(matches!(parse_control(t), Incoming::Malformed { .. }), "{t}");
        }
    }
}
