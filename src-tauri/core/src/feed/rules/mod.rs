//! The rules: what each EventSub notification shows in the events panel (docs/ARCHITECTURE.md):
//! one row per happening, with its own event time, its actor, a summary in words and typed
//! details; progress frames only update the channel's state.
//!
//! One file per area, each a set of pure functions `(meta, payload) -> Outcome` that build
//! their rows whole. [`outcome`] dispatches a notification to its rule, one line per type; the
//! [`Feed`](super::Feed) applies the [`Outcome`] (learns the channel, links the two sources,
//! folds gift bombs, keeps the channel state).
//!
//! - `stream.rs`: `stream.online`, `stream.offline`, `channel.update`;
//! - `raids.rs`: `channel.raid` (incoming and outgoing);
//! - `subs.rs`: `channel.subscribe`, `channel.subscription.message`, `channel.subscription.gift`;
//! - `bits.rs`: `channel.cheer`, and cheers in `channel.chat.message`;
//! - `notices.rs`: `channel.chat.notification` (subs, gifts, raids, announcements, … as chat
//!   tells them);
//! - `activities.rs`: hype trains, polls and predictions;
//! - `channel.rs`: follows, charity donations, ad breaks, shoutouts, reward redemptions;
//! - `other.rs`: types this app does not know.

mod activities;
mod bits;
mod channel;
mod notices;
mod other;
mod raids;
mod stream;
mod subs;

pub(super) use activities::Slot;

use super::link::Source;
use super::{Actor, Details, EventKind, Phase, StreamEvent};
use crate::eventsub::protocol::{Event, Metadata, Notification};
use chrono::{DateTime, Utc};
use std::collections::HashMap;

/// What a rule made of one payload: its row, built whole, and what the row does to the feed.
/// Every variant with a channel makes the feed learn that channel's login.
#[derive(Debug)]
pub(super) enum Outcome {
    /// Not a row of the events panel (plain chat, moderation, another channel's shared chat…).
    Nothing,
    /// A row shown as it is.
    Row(StreamEvent),
    /// A row that the other source may report too; shown once (`link.rs`).
    Linked {
        /// The row.
        row: StreamEvent,
        /// The source it came through.
        source: Source,
        /// Bits, subs gifted or donated minor units; 0 when there is no amount.
        amount: u64,
    },
    /// A gift bomb told by chat: linked with `channel.subscription.gift`, then folds the
    /// individual gifts that arrived before it (`bombs.rs`).
    Bomb {
        /// The bomb's row.
        row: StreamEvent,
        /// The bomb id, when chat gave one.
        bomb: Option<String>,
        /// Subs gifted.
        total: u64,
    },
    /// An individual gift of a gift bomb told by chat (`bombs.rs`).
    BombGift {
        /// The gift's own row, shown if the bomb is not known yet.
        row: StreamEvent,
        /// The bomb it belongs to.
        bomb: String,
        /// Who got it.
        recipient: Option<Actor>,
    },
    /// The channel went live or offline: the row, and the live state if it is newer.
    Live {
        /// The row.
        row: StreamEvent,
        /// Live (`true`) or offline.
        live: bool,
    },
    /// Title and category changed: the row, and the channel state.
    Update {
        /// The row.
        row: StreamEvent,
        /// The new title.
        title: String,
        /// The new category.
        category_name: String,
    },
    /// A hype train, poll or prediction frame: the channel state always, a row at begin and
    /// end only.
    Activity {
        /// The channel's id.
        channel_id: String,
        /// The channel's login.
        channel_login: String,
        /// The begin/end row.
        row: Option<StreamEvent>,
        /// Which activity of the channel state.
        slot: Slot,
        /// Twitch's id of the train, poll or prediction.
        id: String,
        /// Its phase after this frame.
        phase: Phase,
        /// Its state in one line.
        line: String,
    },
}

impl Outcome {
    /// The channel (id, login) the outcome is about, if any.
    pub(super) fn channel(&self) -> Option<(&str, &str)> {
        match self {
            Outcome::Nothing => None,
            Outcome::Row(row)
            | Outcome::Linked { row, .. }
            | Outcome::Bomb { row, .. }
            | Outcome::BombGift { row, .. }
            | Outcome::Live { row, .. }
            | Outcome::Update { row, .. } => Some((&row.channel_id, &row.channel_login)),
            Outcome::Activity { channel_id, channel_login, .. } => {
                Some((channel_id, channel_login))
            }
        }
    }
}

/// The stage of a hype train, poll or prediction a frame reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Stage {
    /// `….begin`
    Begin,
    /// `….progress`
    Progress,
    /// `….lock` (predictions)
    Lock,
    /// `….end`
    End,
}

/// The rule for one notification. `logins` (channel id → login, what the feed learnt) names
/// the channel of a type this app does not know.
pub(super) fn outcome(
    meta: &Metadata,
    n: &Notification,
    logins: &HashMap<String, String>,
) -> Outcome {
    match &n.event {
        Event::ChatMessage(e) => bits::chat_cheer(meta, e),
        Event::ChatNotification(c) => notices::row(meta, c),
        Event::StreamOnline(e) => stream::online(meta, e),
        Event::StreamOffline(e) => stream::offline(meta, e),
        Event::ChannelUpdate(e) => stream::update(meta, e),
        Event::ChannelRaid(e) => raids::row(meta, e, &n.subscription.condition),
        Event::Follow(e) => channel::follow(meta, e),
        Event::Subscribe(e) => subs::subscribe(meta, e),
        Event::SubscriptionMessage(e) => subs::resub(meta, e),
        Event::SubscriptionGift(e) => subs::gift(meta, e),
        Event::Cheer(e) => bits::cheer(meta, e),
        Event::CharityDonation(e) => channel::charity_donation(meta, e),
        Event::AdBreakBegin(e) => channel::ad_break(meta, e),
        Event::HypeTrainBegin(e) => activities::hype_train(meta, e, Stage::Begin),
        Event::HypeTrainProgress(e) => activities::hype_train(meta, e, Stage::Progress),
        Event::HypeTrainEnd(e) => activities::hype_train(meta, e, Stage::End),
        Event::PollBegin(e) => activities::poll(meta, e, Stage::Begin),
        Event::PollProgress(e) => activities::poll(meta, e, Stage::Progress),
        Event::PollEnd(e) => activities::poll(meta, e, Stage::End),
        Event::PredictionBegin(e) => activities::prediction(meta, e, Stage::Begin),
        Event::PredictionProgress(e) => activities::prediction(meta, e, Stage::Progress),
        Event::PredictionLock(e) => activities::prediction(meta, e, Stage::Lock),
        Event::PredictionEnd(e) => activities::prediction(meta, e, Stage::End),
        Event::ShoutoutReceive(e) => channel::shoutout(meta, e),
        Event::RedemptionAdd(e) => channel::redemption(meta, e),
        Event::Other { kind, version, event } => other::row(meta, n, kind, version, event, logins),
        // Known types that are not rows of the events panel: chat moderation and settings,
        // the reader's own held messages, whispers, user updates, shared-chat sessions,
        // sub ends, bits.use (a cheer also arrives as `channel.cheer`/chat), shoutouts this
        // channel gave, goals, charity campaign progress, redemption status updates, bans,
        // role changes, shield mode.
        Event::ChatClear(_)
        | Event::ChatClearUserMessages(_)
        | Event::ChatMessageDelete(_)
        | Event::ChatSettingsUpdate(_)
        | Event::ChatUserMessageHold(_)
        | Event::ChatUserMessageUpdate(_)
        | Event::SharedChatBegin(_)
        | Event::SharedChatUpdate(_)
        | Event::SharedChatEnd(_)
        | Event::UserUpdate(_)
        | Event::WhisperMessage(_)
        | Event::SubscriptionEnd(_)
        | Event::BitsUse(_)
        | Event::ShoutoutCreate(_)
        | Event::GoalBegin(_)
        | Event::GoalProgress(_)
        | Event::GoalEnd(_)
        | Event::CharityCampaign(_)
        | Event::RedemptionUpdate(_)
        | Event::Ban(_)
        | Event::Unban(_)
        | Event::RoleChange(_)
        | Event::ShieldMode(_) => Outcome::Nothing,
    }
}

/// A row of `meta`'s frame, built whole: its id is the frame's `message_id`, and it happened
/// at `occurred` (the event's own time) when the payload has one, else when Twitch sent the
/// frame.
fn row(
    meta: &Metadata,
    (channel_id, channel_login): (&str, &str),
    kind: EventKind,
    occurred: Option<DateTime<Utc>>,
    actor: Option<Actor>,
    summary: String,
    details: Details,
) -> StreamEvent {
    StreamEvent {
        id: meta.message_id.clone(),
        channel_id: channel_id.to_owned(),
        channel_login: channel_login.to_owned(),
        kind,
        occurred_at: occurred.unwrap_or(meta.message_timestamp),
        actor,
        summary,
        details,
    }
}

/// `None` when there is no id (anonymous or missing user).
fn actor(id: &str, login: &str, display: &str) -> Option<Actor> {
    if id.is_empty() && login.is_empty() {
        return None;
    }
    Some(Actor { id: id.to_owned(), login: login.to_owned(), display_name: display.to_owned() })
}

/// [`actor`] from optional user fields; `None` when `anonymous`.
fn opt_actor(
    anonymous: bool,
    id: &Option<String>,
    login: &Option<String>,
    display: &Option<String>,
) -> Option<Actor> {
    if anonymous {
        return None;
    }
    actor(
        id.as_deref().unwrap_or_default(),
        login.as_deref().unwrap_or_default(),
        display.as_deref().unwrap_or_default(),
    )
}

/// The channel's display name, or its login when Twitch gave none.
fn chan(nm: &str, login: &str) -> String {
    if nm.is_empty() { login.to_owned() } else { nm.to_owned() }
}

/// A shared-chat message or notice that originated in another channel.
fn is_foreign(source: Option<&str>, channel: &str) -> bool {
    source.is_some_and(|s| !s.is_empty() && s != channel)
}
