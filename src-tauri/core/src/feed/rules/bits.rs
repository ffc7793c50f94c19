//! Bits: `channel.cheer`, and the same cheer as chat shows it (a `channel.chat.message` with a
//! `cheer`); the two are shown once.

use super::{Outcome, actor, is_foreign, row};
use crate::eventsub::protocol::{ChatMessage, Cheer, Metadata};
use crate::feed::link::Source;
use crate::feed::text::{count, name};
use crate::feed::{Details, EventKind};

/// `channel.chat.message`: plain chat is not an event; a cheer is.
pub(super) fn chat_cheer(meta: &Metadata, e: &ChatMessage) -> Outcome {
    // Plain chat is not an event; a cheer is (issue 4). Shared-chat messages from
    // another channel belong to that channel.
    let Some(cheer) = &e.cheer else { return Outcome::Nothing };
    if is_foreign(e.source_broadcaster_user_id.as_deref(), &e.broadcaster_user_id) {
        return Outcome::Nothing;
    }
    let a = actor(&e.chatter_user_id, &e.chatter_user_login, &e.chatter_user_name);
    let summary = format!(
        "{} cheered {}",
        name(a.as_ref(), "An anonymous cheerer"),
        count(cheer.bits, "bit", "bits")
    );
    let r = row(
        meta,
        (&e.broadcaster_user_id, &e.broadcaster_user_login),
        EventKind::Cheer,
        None,
        a,
        summary,
        Details::Cheer { bits: cheer.bits, message: e.message.text.clone() },
    );
    Outcome::Linked { row: r, source: Source::Chat, amount: cheer.bits }
}

/// `channel.cheer`.
pub(super) fn cheer(meta: &Metadata, e: &Cheer) -> Outcome {
    let a = if e.is_anonymous {
        None
    } else {
        actor(
            e.user_id.as_deref().unwrap_or_default(),
            e.user_login.as_deref().unwrap_or_default(),
            e.user_name.as_deref().unwrap_or_default(),
        )
    };
    let summary = format!(
        "{} cheered {}",
        name(a.as_ref(), "An anonymous cheerer"),
        count(e.bits, "bit", "bits")
    );
    let r = row(
        meta,
        (&e.broadcaster_user_id, &e.broadcaster_user_login),
        EventKind::Cheer,
        None,
        a,
        summary,
        Details::Cheer { bits: e.bits, message: e.message.clone() },
    );
    Outcome::Linked { row: r, source: Source::EventSub, amount: e.bits }
}
