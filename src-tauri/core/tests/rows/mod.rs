//! Rows for the tests of the recent list and the event store: a follow at a given second.
#![allow(dead_code)]

use chrono::{DateTime, TimeZone, Utc};
use tev_core::feed::{Details, EventKind, StreamEvent};

/// A fixed moment plus `sec` seconds.
pub fn t(sec: i64) -> DateTime<Utc> {
    Utc.timestamp_opt(1_795_000_000 + sec, 0).unwrap()
}

/// A follow of channel `channel` (login `login<channel>`) at [`t`]`(sec)`.
pub fn ev(id: &str, channel: &str, sec: i64) -> StreamEvent {
    StreamEvent {
        id: id.into(),
        channel_id: channel.into(),
        channel_login: format!("login{channel}"),
        kind: EventKind::Follow,
        occurred_at: t(sec),
        actor: None,
        summary: format!("event {id}"),
        details: Details::Follow,
    }
}
