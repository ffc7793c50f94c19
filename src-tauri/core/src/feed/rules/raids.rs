//! Raids through `channel.raid`: this channel raided (outgoing) or was raided (incoming). An
//! incoming raid is also told by chat (`notices.rs`); the two are shown once.

use super::{Outcome, actor, chan};
use crate::eventsub::protocol::{ChannelRaid, Condition, Metadata};
use crate::feed::link::Source;
use crate::feed::text::{count, name};
use crate::feed::{Details, EventKind};

/// `channel.raid`; `cond` (the subscription's condition) tells which side this channel is.
pub(super) fn row(meta: &Metadata, e: &ChannelRaid, cond: &Condition) -> Outcome {
    let outgoing = cond.get("from_broadcaster_user_id").is_some_and(|s| !s.is_empty())
        && cond.get("to_broadcaster_user_id").is_none_or(|s| s.is_empty());
    let viewers = count(e.viewers, "viewer", "viewers");
    if outgoing {
        // Our channel raided another one: the actor is the other channel.
        let a = actor(
            &e.to_broadcaster_user_id,
            &e.to_broadcaster_user_login,
            &e.to_broadcaster_user_name,
        );
        let summary = format!(
            "{} raided {} with {viewers}",
            chan(&e.from_broadcaster_user_name, &e.from_broadcaster_user_login),
            name(a.as_ref(), "another channel")
        );
        Outcome::Row(super::row(
            meta,
            (&e.from_broadcaster_user_id, &e.from_broadcaster_user_login),
            EventKind::RaidOutgoing,
            None,
            a,
            summary,
            Details::Raid { viewers: e.viewers },
        ))
    } else {
        let a = actor(
            &e.from_broadcaster_user_id,
            &e.from_broadcaster_user_login,
            &e.from_broadcaster_user_name,
        );
        let summary = format!("{} raided with {viewers}", name(a.as_ref(), "A channel"));
        let r = super::row(
            meta,
            (&e.to_broadcaster_user_id, &e.to_broadcaster_user_login),
            EventKind::RaidIncoming,
            None,
            a,
            summary,
            Details::Raid { viewers: e.viewers },
        );
        Outcome::Linked { row: r, source: Source::EventSub, amount: 0 }
    }
}
