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
//! - `moderation.rs`: a moderator's view: `channel.moderate` (and `channel.ban`/`.unban`, told
//!   once with it), AutoMod's held messages, suspicious users, warnings, unban requests, Shield
//!   Mode;
//! - `other.rs`: types this app does not know.

mod activities;
mod bits;
mod channel;
mod moderation;
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
    /// Not a row of the events panel (plain chat, a setting changed, another channel's shared
    /// chat…),
    /// and why, in words (`tev replay --explain` prints it).
    Nothing(&'static str),
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
            Outcome::Nothing(_) => None,
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

impl Outcome {
    /// The row the outcome shows or links, if any (an activity's begin/end row included).
    pub(super) fn row_mut(&mut self) -> Option<&mut StreamEvent> {
        match self {
            Outcome::Nothing(_) => None,
            Outcome::Row(row)
            | Outcome::Linked { row, .. }
            | Outcome::Bomb { row, .. }
            | Outcome::BombGift { row, .. }
            | Outcome::Live { row, .. }
            | Outcome::Update { row, .. } => Some(row),
            Outcome::Activity { row, .. } => row.as_mut(),
        }
    }

    /// Puts the row on `channel` (id, login), the activity's state too.
    pub(super) fn set_channel(&mut self, id: &str, login: &str) {
        if let Outcome::Activity { channel_id, channel_login, .. } = self {
            id.clone_into(channel_id);
            login.clone_into(channel_login);
        }
        if let Some(row) = self.row_mut() {
            id.clone_into(&mut row.channel_id);
            login.clone_into(&mut row.channel_login);
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
///
/// An event that names no channel (a shape Twitch's examples sometimes show with other field
/// names) belongs to the channel of its subscription's condition: Twitch only sends a
/// subscription the events of the channel it names
/// (<https://dev.twitch.tv/docs/eventsub/eventsub-reference/#conditions>).
/// The channel an event names as its own and the name it spells for it (`chan`: the display
/// name, else the login), for the rows whose summary names their channel: going live or
/// offline, a title change, a shoutout received. The feed puts the channel's one name in
/// their place (`normalise.rs`).
pub(super) fn channel_named(n: &Notification) -> Option<(&str, &str)> {
    let (id, name, login) = match &n.event {
        Event::StreamOnline(e) => {
            (&e.broadcaster_user_id, &e.broadcaster_user_name, &e.broadcaster_user_login)
        }
        Event::StreamOffline(e) => {
            (&e.broadcaster_user_id, &e.broadcaster_user_name, &e.broadcaster_user_login)
        }
        Event::ChannelUpdate(e) => {
            (&e.broadcaster_user_id, &e.broadcaster_user_name, &e.broadcaster_user_login)
        }
        Event::ShoutoutReceive(e) => {
            (&e.broadcaster_user_id, &e.broadcaster_user_name, &e.broadcaster_user_login)
        }
        _ => return None,
    };
    Some((id.as_str(), if name.is_empty() { login.as_str() } else { name.as_str() }))
}

pub(super) fn outcome(
    meta: &Metadata,
    n: &Notification,
    logins: &HashMap<String, String>,
) -> Outcome {
    let mut out = rule(meta, n, logins);
    if let Some((id, login)) = out.channel()
        && id.is_empty()
        && let Some(from_condition) = n.subscription.condition.channel()
    {
        let login = if login.is_empty() {
            logins.get(from_condition).map(String::as_str).unwrap_or_default()
        } else {
            login
        }
        .to_owned();
        out.set_channel(from_condition, &login);
    }
    out
}

/// The rule of the notification's type.
fn rule(meta: &Metadata, n: &Notification, logins: &HashMap<String, String>) -> Outcome {
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
        Event::AutomaticRedemptionAdd(e) => channel::automatic_redemption(meta, e),
        Event::Other { kind, version, event } => other::row(meta, n, kind, version, event, logins),
        // Known types that are not rows of the events panel, each with the reason.
        Event::ChatClear(_) | Event::ChatClearUserMessages(_) | Event::ChatMessageDelete(_) => {
            Outcome::Nothing("chat moderation: the chat itself shows it")
        }
        Event::ChatSettingsUpdate(_) => Outcome::Nothing("a chat setting changed: not a row"),
        Event::ChatUserMessageHold(_) | Event::ChatUserMessageUpdate(_) => {
            Outcome::Nothing("the reader's own held message: not a row")
        }
        Event::SharedChatBegin(_) | Event::SharedChatUpdate(_) | Event::SharedChatEnd(_) => {
            Outcome::Nothing("a shared-chat session's state: not a row")
        }
        Event::UserUpdate(_) => Outcome::Nothing("a user's own account changed: not a row"),
        Event::WhisperMessage(_) => Outcome::Nothing("a whisper: private, never a row"),
        Event::SubscriptionEnd(_) => Outcome::Nothing("a subscription ended: not a row"),
        Event::BitsUse(_) => {
            Outcome::Nothing("bits used: the cheer's own row (channel.cheer or chat) shows it")
        }
        Event::ShoutoutCreate(_) => Outcome::Nothing("a shoutout this channel gave: not a row"),
        Event::GoalBegin(_) | Event::GoalProgress(_) | Event::GoalEnd(_) => {
            Outcome::Nothing("a creator goal: not a row")
        }
        Event::CharityCampaign(_) => {
            Outcome::Nothing("a charity campaign's state: its donations are the rows")
        }
        Event::RedemptionUpdate(_) => {
            Outcome::Nothing("a redemption's status changed: its redemption is the row")
        }
        Event::ChannelModerate(e) => moderation::moderate(meta, e),
        Event::Ban(e) => moderation::ban(meta, e),
        Event::Unban(e) => moderation::unban(meta, e),
        Event::AutomodMessageHold(e) => moderation::automod_hold(meta, e),
        Event::AutomodMessageUpdate(e) => moderation::automod_update(meta, e),
        Event::SuspiciousUserMessage(e) => moderation::suspicious_message(meta, e),
        Event::SuspiciousUserUpdate(e) => moderation::suspicious_update(meta, e),
        Event::WarningSend(e) => moderation::warning_send(meta, e),
        Event::WarningAcknowledge(e) => moderation::warning_acknowledge(meta, e),
        Event::UnbanRequestCreate(e) => moderation::unban_request(meta, e),
        Event::UnbanRequestResolve(e) => moderation::unban_request_resolved(meta, e),
        Event::ShieldMode(e) => {
            let active = n.subscription.kind != "channel.shield_mode.end";
            moderation::shield_mode(meta, e, active)
        }
        Event::RoleChange(_) => Outcome::Nothing(
            "a moderator or VIP added or removed: channel.moderate's row tells it to a moderator",
        ),
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
