//! Bits: `channel.cheer`, and the same cheer as chat shows it (a `channel.chat.message` with a
//! `cheer`); the two are shown once.

use super::{Outcome, actor, is_foreign, opt_actor, row};
use crate::eventsub::protocol::{ChatMessage, Cheer, Metadata};
use crate::feed::link::Source;
use crate::feed::text::{count, name};
use crate::feed::{Actor, Details, EventKind};

/// `channel.chat.message`: plain chat is not an event; a cheer is.
pub(super) fn chat_cheer(meta: &Metadata, e: &ChatMessage) -> Outcome {
    // Plain chat is not an event; a cheer is. Shared-chat messages from
    // another channel belong to that channel.
    let Some(cheer) = &e.cheer else {
        return Outcome::Nothing("a plain chat message: chat shows it, the feed does not");
    };
    if is_foreign(e.source_broadcaster_user_id.as_deref(), &e.broadcaster_user_id) {
        return Outcome::Nothing("a shared-chat cheer of another channel: that channel's event");
    }
    let a = actor(&e.chatter_user_id, &e.chatter_user_login, &e.chatter_user_name);
    let channel = (e.broadcaster_user_id.as_str(), e.broadcaster_user_login.as_str());
    cheered(meta, channel, a, cheer.bits, e.message.text.clone(), Source::Chat)
}

/// `channel.cheer`.
pub(super) fn cheer(meta: &Metadata, e: &Cheer) -> Outcome {
    let a = opt_actor(e.is_anonymous, &e.user_id, &e.user_login, &e.user_name);
    let channel = (e.broadcaster_user_id.as_str(), e.broadcaster_user_login.as_str());
    cheered(meta, channel, a, e.bits, e.message.clone(), Source::EventSub)
}

/// A cheer's row, the same whichever `source` told it, linked with the other source's copy.
fn cheered(
    meta: &Metadata,
    channel: (&str, &str),
    actor: Option<Actor>,
    bits: u64,
    message: String,
    source: Source,
) -> Outcome {
    let summary = format!(
        "{} cheered {}",
        name(actor.as_ref(), "An anonymous cheerer"),
        count(bits, "bit", "bits")
    );
    let r = row(
        meta,
        channel,
        EventKind::Cheer,
        None,
        actor,
        summary,
        Details::Cheer { bits, message },
    );
    Outcome::Linked { row: r, source, amount: bits }
}
