//! The stream: `stream.online`, `stream.offline` and `channel.update` (title, category).

use super::{Outcome, chan, row};
use crate::eventsub::protocol::{ChannelUpdate, Metadata, StreamOffline, StreamOnline};
use crate::feed::text::words;
use crate::feed::{Details, EventKind};

/// `stream.online`: a row, and the channel is live.
pub(super) fn online(meta: &Metadata, e: &StreamOnline) -> Outcome {
    let who = chan(&e.broadcaster_user_name, &e.broadcaster_user_login);
    let summary = match e.stream_type.as_str() {
        "live" | "" => format!("{who} went live"),
        other => format!("{who} went live ({})", words(other)),
    };
    let r = row(
        meta,
        (&e.broadcaster_user_id, &e.broadcaster_user_login),
        EventKind::StreamOnline,
        e.started_at,
        None,
        summary,
        Details::StreamOnline { stream_type: e.stream_type.clone() },
    );
    Outcome::Live { row: r, live: true }
}

/// `stream.offline`: a row, and the channel is offline.
pub(super) fn offline(meta: &Metadata, e: &StreamOffline) -> Outcome {
    let r = row(
        meta,
        (&e.broadcaster_user_id, &e.broadcaster_user_login),
        EventKind::StreamOffline,
        None,
        None,
        format!("{} went offline", chan(&e.broadcaster_user_name, &e.broadcaster_user_login)),
        Details::StreamOffline,
    );
    Outcome::Live { row: r, live: false }
}

/// `channel.update`: a row, and the channel's title and category.
pub(super) fn update(meta: &Metadata, e: &ChannelUpdate) -> Outcome {
    let who = chan(&e.broadcaster_user_name, &e.broadcaster_user_login);
    let summary = if e.category_name.is_empty() {
        format!("{who} changed the title to “{}”", e.title)
    } else {
        format!("{who} changed the title to “{}” ({})", e.title, e.category_name)
    };
    let r = row(
        meta,
        (&e.broadcaster_user_id, &e.broadcaster_user_login),
        EventKind::ChannelUpdate,
        None,
        None,
        summary,
        Details::ChannelUpdate {
            title: e.title.clone(),
            category_name: e.category_name.clone(),
            language: e.language.clone(),
        },
    );
    Outcome::Update { row: r, title: e.title.clone(), category_name: e.category_name.clone() }
}
