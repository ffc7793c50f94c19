//! EventSub WebSocket protocol types (docs/twitch.md §1.2, §2, §6.1).
//!
//! Every text frame Twitch sends is `{"metadata": {...}, "payload": {...}}`. [`parse_frame`]
//! turns one into a [`Frame`]: the [`Metadata`] plus a [`Message`] for the five message types
//! (`session_welcome`, `session_keepalive`, `notification`, `session_reconnect`, `revocation`).
//!
//! The types are deliberately *open*, because Twitch adds things without notice
//! (docs/twitch.md §7.18):
//! - unknown fields are ignored everywhere (no `deny_unknown_fields`);
//! - an unknown subscription type (or an unknown version of a known one) becomes
//!   [`Event::Other`] with its raw event JSON;
//! - an unknown chat `notice_type` is kept as [`NoticeType::Unknown`] and the event keeps its
//!   `system_message`;
//! - fields Twitch documents as nullable are `Option`, and missing fields fall back to defaults;
//! - timestamps are RFC 3339 with up to nanosecond precision (docs/twitch.md §1.1).
//!
//! A known subscription type whose event does not match our struct is read a second time,
//! leniently (`lenient.rs`: a number sent as a string, a boolean as `"false"`, …), and keeps its
//! type; only one that cannot be read even so is returned as [`Event::Other`] with the raw
//! JSON, so the feed can still show that *something* happened on the channel.
//!
//! [`parse_frame`] never panics; anything that is not a valid envelope is a [`ProtocolError`].
//!
//! # Layout
//! - `envelope.rs`: the envelope (metadata, session, subscription, condition), the typed
//!   [`Frame`], the session's lenient view of it, and the one rule for the channel a condition
//!   names ([`Condition::channel`]);
//! - `table.rs`: every subscription type listed once, with its version, who may subscribe
//!   (the cost class), scopes and condition keys ([`SUBSCRIPTION_TYPES`]);
//! - `event.rs`: the [`Event`] enum and the dispatch from a type to its payload, generated from
//!   the table;
//! - `wire.rs`: the single-pass parser, [`parse_frame`];
//! - `lenient.rs`: the second, lenient reading of an event whose field types changed;
//! - `payload/`: the events' payload structs, a file per area (stream, channel, chat, chat
//!   notifications, subs, bits, hype train, polls and predictions, moderation, rewards, charity,
//!   goals, user).

mod envelope;
mod event;
mod lenient;
mod payload;
mod table;
mod wire;

pub(crate) use envelope::EnvelopeHead;
pub use envelope::{
    CHANNEL_KEYS, Condition, Frame, Message, MessageType, Metadata, Notification, Session,
    Subscription, Transport,
};
pub use event::{Event, SUBSCRIPTION_TYPES};
pub use payload::*;
pub(crate) use table::table_row;
pub use table::{ConditionKeys, SubscriptionType, Who, subscription_type};
pub use wire::{ProtocolError, parse_frame};
