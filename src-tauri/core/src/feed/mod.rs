//! The normalised feed: [`StreamEvent`] and the rules that turn EventSub frames into it.
//!
//! Data flow (docs/ARCHITECTURE.md "From Twitch's socket to a painted row"): frame →
//! [`crate::eventsub::protocol::parse_frame`] → [`crate::eventsub::dedupe::Dedupe`] →
//! [`Feed::push`] → [`FeedUpdate`]s → [`crate::recent::RecentEvents`] and a broadcast to the UI.
//!
//! [`Feed`] applies the feed's rules: one row per happening, with its own event
//! time, its actor, a summary in words, typed details; progress frames only update
//! [`ChannelState`]; the same sub/raid/cheer/gift seen through chat *and* its dedicated EventSub
//! type shows once; gift bombs fold their individual gifts; unknown types show as `other`;
//! revocations and new sessions that are not a handover add `gap` rows.
//!
//! # Layout
//!
//! - `mod.rs`: the row ([`StreamEvent`] and its parts), [`FeedUpdate`], [`ChannelState`];
//! - `normalise.rs`: [`Feed`] and [`FeedConfig`] — a frame in, its updates out: learns the
//!   channels, applies what a rule made of a notification, keeps each channel's state
//!   (live, title, hype train, poll, prediction; stale frames ignored) and bounds the memory;
//! - `rules/`: what each notification shows, one file per area (stream, raids, subs, bits,
//!   chat notices, hype trains/polls/predictions, the channel's other events, a moderator's
//!   view, unknown types),
//!   each row built whole; `rules/mod.rs` dispatches, one line per type;
//! - `link.rs`: the two-source link — one happening told by chat and by its own EventSub type
//!   (or by `channel.ban` and `channel.moderate`) is one row;
//! - `bombs.rs`: a gift bomb folds its individual gifts, whichever arrives first;
//! - `gaps.rs`: the only place a gap is decided (from frames, by the watcher's `GapTracker`,
//!   when the app was closed, when the app's reader fell behind) and the `gap` row, the one
//!   form a gap takes;
//! - `text.rs`: small helpers that put events into words.

mod bombs;
pub(crate) mod gaps;
mod link;
mod normalise;
mod rules;
mod text;

pub use normalise::{Feed, FeedConfig};

pub use crate::kind::EventKind;

use crate::eventsub::protocol::Amount;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// One row of the events panel.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct StreamEvent {
    /// `metadata.message_id` of the frame that produced it (the first copy); gap rows get a
    /// synthetic id starting with `gap:`.
    pub id: String,
    /// The channel the row belongs to (broadcaster user id).
    pub channel_id: String,
    /// That channel's login (may be empty if Twitch never told us).
    pub channel_login: String,
    /// What happened.
    pub kind: EventKind,
    /// When it happened: the event's own timestamp when it has one, else the frame's
    /// `message_timestamp`. The sort key of the recent list.
    pub occurred_at: DateTime<Utc>,
    /// Who did it; `None` for channel-level events and anonymous users.
    pub actor: Option<Actor>,
    /// What happened, in words, naming the actor by display name.
    pub summary: String,
    /// The typed details of the happening.
    pub details: Details,
}

impl StreamEvent {
    /// The actor's login, if there is an actor.
    pub fn actor_login(&self) -> Option<&str> {
        self.actor.as_ref().map(|a| a.login.as_str())
    }
}

impl Serialize for StreamEvent {
    /// The stored/IPC/`tev` shape: every field plus a flat `actor_login` (or null) for
    /// consumers that only want the login.
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        struct Wire<'a> {
            id: &'a str,
            channel_id: &'a str,
            channel_login: &'a str,
            kind: EventKind,
            occurred_at: &'a DateTime<Utc>,
            actor_login: Option<&'a str>,
            actor: &'a Option<Actor>,
            summary: &'a str,
            details: &'a Details,
        }
        Wire {
            id: &self.id,
            channel_id: &self.channel_id,
            channel_login: &self.channel_login,
            kind: self.kind,
            occurred_at: &self.occurred_at,
            actor_login: self.actor_login(),
            actor: &self.actor,
            summary: &self.summary,
            details: &self.details,
        }
        .serialize(s)
    }
}

/// A user or channel that did something.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Actor {
    /// Twitch user id.
    pub id: String,
    /// Login (lowercase).
    pub login: String,
    /// Display name, used in summaries.
    pub display_name: String,
}

/// Why a gap row exists.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "cause", rename_all = "snake_case")]
pub enum GapReason {
    /// Nobody was listening: the app was closed.
    AppClosed,
    /// The socket was lost without a `session_reconnect` handover (docs/twitch.md §1.4).
    ConnectionLost,
    /// Twitch revoked a subscription of this channel (docs/twitch.md §1.2, §1.7).
    Revoked {
        /// The subscription type.
        subscription_type: String,
        /// The revocation status (`authorization_revoked`, `user_removed`, …).
        status: String,
    },
}

/// A poll choice or prediction outcome with its tally.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Choice {
    /// The choice's title.
    pub title: String,
    /// Votes (polls) or predictors (predictions), when known.
    pub votes: Option<u64>,
    /// Channel points on it (predictions), when known.
    pub channel_points: Option<u64>,
}

/// Typed details of a row; the variant follows the kind.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Details {
    /// `stream_online`
    StreamOnline {
        /// `live`, `rerun`, `premiere`, …
        stream_type: String,
    },
    /// `stream_offline`
    StreamOffline,
    /// `channel_update`
    ChannelUpdate {
        /// New title.
        title: String,
        /// New category.
        category_name: String,
        /// Broadcast language.
        language: String,
    },
    /// `raid_incoming` / `raid_outgoing`
    Raid {
        /// Viewers brought along.
        viewers: u64,
    },
    /// `sub`
    Sub {
        /// `1000`/`2000`/`3000`.
        tier: String,
        /// Prime sub.
        is_prime: bool,
        /// Months bought at once.
        duration_months: u64,
    },
    /// `resub`
    Resub {
        /// `1000`/`2000`/`3000`.
        tier: String,
        /// Total months.
        cumulative_months: u64,
        /// Consecutive months, if shared.
        streak_months: Option<u64>,
        /// A gifted resub.
        is_gift: bool,
        /// The user's message.
        message: String,
    },
    /// `sub_gift`
    SubGift {
        /// `1000`/`2000`/`3000`.
        tier: String,
        /// Who got it (unknown from `channel.subscription.gift`).
        recipient: Option<Actor>,
        /// The gift bomb it belongs to, if any.
        community_gift_id: Option<String>,
    },
    /// `community_sub_gift`
    CommunitySubGift {
        /// `1000`/`2000`/`3000`.
        tier: String,
        /// Subs gifted.
        total: u64,
        /// The bomb id (chat) when known.
        gift_id: Option<String>,
        /// Recipients of the individual gifts folded into this row so far.
        recipients: Vec<Actor>,
        /// The gifter's total gifts in the channel, if shared.
        cumulative_total: Option<u64>,
    },
    /// `gift_paid_upgrade`
    GiftPaidUpgrade {
        /// Who gave the original gift (None when anonymous).
        gifter: Option<Actor>,
    },
    /// `prime_paid_upgrade`
    PrimePaidUpgrade {
        /// The new tier.
        tier: String,
    },
    /// `pay_it_forward`
    PayItForward {
        /// Who gave the original gift.
        gifter: Option<Actor>,
        /// Who got the new gift (None: the community).
        recipient: Option<Actor>,
    },
    /// `announcement`
    Announcement {
        /// The announcement text.
        message: String,
        /// Its colour.
        color: String,
    },
    /// `bits_badge_tier`
    BitsBadgeTier {
        /// The tier reached.
        tier: u64,
    },
    /// `charity_donation`
    CharityDonation {
        /// The charity.
        charity_name: String,
        /// The amount.
        amount: Amount,
    },
    /// `watch_streak`
    WatchStreak {
        /// Consecutive streams.
        streak_count: u64,
        /// Channel points awarded.
        channel_points_awarded: u64,
    },
    /// `cheer`
    Cheer {
        /// Bits cheered.
        bits: u64,
        /// The chat message.
        message: String,
    },
    /// `follow`
    Follow,
    /// `hype_train_begin` / `hype_train_end`
    HypeTrain {
        /// The train id (same for begin and end).
        train_id: String,
        /// Level.
        level: u64,
        /// Total points.
        total: u64,
    },
    /// `poll_begin` / `poll_end`
    Poll {
        /// The poll id (same for begin and end).
        poll_id: String,
        /// The question.
        title: String,
        /// The choices.
        choices: Vec<Choice>,
        /// End: `completed`, `archived`, `terminated`.
        status: Option<String>,
    },
    /// `prediction_begin` / `prediction_end`
    Prediction {
        /// The prediction id (same for begin and end).
        prediction_id: String,
        /// The question.
        title: String,
        /// The outcomes.
        outcomes: Vec<Choice>,
        /// End: `resolved`, `canceled`.
        status: Option<String>,
        /// End: the winning outcome's title.
        winner: Option<String>,
    },
    /// `ad_break`
    AdBreak {
        /// Length in seconds.
        duration_seconds: u64,
        /// Scheduled automatically.
        is_automatic: bool,
    },
    /// `reward_redemption`
    RewardRedemption {
        /// The reward's title.
        reward_title: String,
        /// Its cost in channel points.
        cost: u64,
        /// What the user typed (or the message sent with an automatic reward).
        user_input: String,
        /// For Twitch's own rewards and Power-ups
        /// (`channel.channel_points_automatic_reward_redemption.add`): their type
        /// (`send_highlighted_message`, `gigantify_an_emote`, …); `None` for a custom reward.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reward_type: Option<String>,
    },
    /// `shoutout_received`
    Shoutout {
        /// The giving channel's viewers at the time.
        viewer_count: u64,
    },
    /// `mod_action`: what a moderator did (`channel.moderate`, or `channel.ban`/`.unban`).
    ModAction {
        /// Twitch's name of the action (`timeout`, `ban`, `delete`, `slow`, `shared_chat_ban`,
        /// …; `channel.ban` gives `ban` or `timeout`, `channel.unban` `unban`).
        action: String,
        /// Who or which channel it was done to, if anyone.
        #[serde(default)]
        target: Option<Actor>,
        /// The reason given (ban, timeout, warn), if any.
        #[serde(default)]
        reason: Option<String>,
        /// A length in seconds: the timeout's, slow mode's wait, followers-only mode's
        /// minimum follow age.
        #[serde(default)]
        duration_seconds: Option<u64>,
        /// A text: the deleted message, the terms added or removed, the moderator's message
        /// to an unban request.
        #[serde(default)]
        message: Option<String>,
        /// In a shared chat session, the login of the channel the action happened in.
        #[serde(default)]
        source_channel: Option<String>,
    },
    /// `automod_hold` / `automod_resolved`: a message AutoMod held, and what became of it.
    Automod {
        /// The held message's id (the same in its hold and its resolution).
        message_id: String,
        /// The held text.
        text: String,
        /// Why: `automod` (a category at a level) or `blocked_term`.
        reason: String,
        /// AutoMod's category (`swearing`, …), when it held it.
        #[serde(default)]
        category: Option<String>,
        /// AutoMod's level, when it held it.
        #[serde(default)]
        level: Option<u64>,
        /// The blocked terms found, as the text spells them.
        #[serde(default)]
        blocked_terms: Vec<String>,
        /// Resolved only: `approved`, `denied` or `expired`.
        #[serde(default)]
        status: Option<String>,
        /// Resolved only: the message's author (the row's actor is the moderator).
        #[serde(default)]
        author: Option<Actor>,
    },
    /// `suspicious_user_message` / `suspicious_user_update`.
    SuspiciousUser {
        /// The suspicious user (the actor of a message; a moderator acts on them in an update).
        user: Option<Actor>,
        /// `none`, `active_monitoring` or `restricted`.
        low_trust_status: String,
        /// Message only: why Twitch flags them (`ban_evader`, …).
        #[serde(default)]
        types: Vec<String>,
        /// Message only: `unknown`, `possible` or `likely`.
        #[serde(default)]
        ban_evasion_evaluation: Option<String>,
        /// Message only: the text.
        #[serde(default)]
        message: Option<String>,
    },
    /// `warning_sent` / `warning_acknowledged`.
    Warning {
        /// The warned user.
        user: Option<Actor>,
        /// Sent only: why.
        #[serde(default)]
        reason: Option<String>,
        /// Sent only: the chat rules cited.
        #[serde(default)]
        chat_rules_cited: Vec<String>,
    },
    /// `unban_request` / `unban_request_resolved`.
    UnbanRequest {
        /// The request's id (the same in its creation and resolution).
        request_id: String,
        /// The banned user who asked.
        user: Option<Actor>,
        /// Creation: the user's words; resolution: the moderator's.
        #[serde(default)]
        text: Option<String>,
        /// Resolution only: `approved`, `denied` or `canceled`.
        #[serde(default)]
        status: Option<String>,
    },
    /// `shield_mode`
    ShieldMode {
        /// Turned on (`true`) or off.
        active: bool,
    },
    /// `other`
    Other {
        /// The subscription type.
        subscription_type: String,
        /// The subscription version.
        subscription_version: String,
        /// For chat notifications: the `notice_type`.
        notice_type: Option<String>,
        /// For chat notifications: Twitch's `system_message`.
        system_message: Option<String>,
    },
    /// `gap`
    Gap {
        /// From when events may have been missed.
        from: DateTime<Utc>,
        /// Until when (None: still open, e.g. after a revocation).
        to: Option<DateTime<Utc>>,
        /// Why.
        reason: GapReason,
    },
}

/// What a frame did to the feed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "update", rename_all = "snake_case")]
pub enum FeedUpdate {
    /// A new row.
    Added(StreamEvent),
    /// An existing row (same `id`) changed: a gift bomb absorbed an individual gift.
    Updated(StreamEvent),
    /// Rows removed: individual gifts folded into a gift bomb that arrived after them.
    Removed {
        /// The channel of the rows.
        channel_id: String,
        /// Their ids.
        ids: Vec<String>,
    },
    /// The channel's live state changed without a row (progress frames, or with a row).
    State(ChannelState),
}

/// What became of one frame in the feed ([`Feed::push_explained`], `tev replay --explain`), so a
/// user can tell why an event did or did not show.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "fate", rename_all = "snake_case")]
pub enum Fate {
    /// It is a row (or, for a welcome or revocation, it added gap rows).
    Row {
        /// The kind of its row (the first, for a frame that gapped several channels).
        kind: EventKind,
        /// The row's channel.
        channel_id: String,
        /// Its actor's login, if any.
        actor_login: Option<String>,
    },
    /// It changed a row already shown (an individual gift folded into its gift bomb, a bomb
    /// told twice).
    Updated {
        /// The row it changed.
        row_id: String,
    },
    /// It changed only a channel's state (live, title, hype train, poll, prediction).
    State,
    /// It is no row: merged into another source's row, or not an event of the feed.
    NoRow {
        /// Why, in words.
        why: &'static str,
    },
}

impl Fate {
    /// The fate of the frame `id` that made `updates`; `why` says why when it made no row.
    pub(crate) fn of(id: &str, updates: &[FeedUpdate], why: &'static str) -> Fate {
        let added = updates.iter().find_map(|u| match u {
            FeedUpdate::Added(e) if e.id == id || e.kind == EventKind::Gap => Some(e),
            _ => None,
        });
        if let Some(e) = added {
            return Fate::Row {
                kind: e.kind,
                channel_id: e.channel_id.clone(),
                actor_login: e.actor_login().map(str::to_owned),
            };
        }
        if let Some(row_id) = updates.iter().find_map(|u| match u {
            FeedUpdate::Updated(e) | FeedUpdate::Added(e) => Some(e.id.clone()),
            _ => None,
        }) {
            return Fate::Updated { row_id };
        }
        if updates.iter().any(|u| matches!(u, FeedUpdate::State(_))) {
            return Fate::State;
        }
        Fate::NoRow { why }
    }
}

impl std::fmt::Display for Fate {
    /// `row cheer on 1337 by cool_user`, `changed row m-bomb`, `state update, no row`,
    /// `no row: a whisper: private, never a row`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Fate::Row { kind, channel_id, actor_login } => {
                write!(f, "row {} on {channel_id}", kind.as_str())?;
                match actor_login {
                    Some(a) => write!(f, " by {a}"),
                    None => Ok(()),
                }
            }
            Fate::Updated { row_id } => write!(f, "changed row {row_id}"),
            Fate::State => f.write_str("state update, no row"),
            Fate::NoRow { why } => write!(f, "no row: {why}"),
        }
    }
}

/// The live state of one channel, updated by rows and by progress frames alike.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ChannelState {
    /// The channel.
    pub channel_id: String,
    /// Live (`Some(true)`), offline (`Some(false)`) or not known yet.
    pub live: Option<bool>,
    /// When `live` was last decided (event time), to ignore stale online/offline frames.
    pub live_as_of: Option<DateTime<Utc>>,
    /// Last known title.
    pub title: Option<String>,
    /// Last known category.
    pub category_name: Option<String>,
    /// The current or last hype train.
    pub hype_train: Option<Activity>,
    /// The current or last poll.
    pub poll: Option<Activity>,
    /// The current or last prediction.
    pub prediction: Option<Activity>,
}

/// A hype train, poll or prediction as last seen.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Activity {
    /// Twitch's id of the train/poll/prediction.
    pub id: String,
    /// `active`, `locked` (predictions) or `ended`.
    pub phase: Phase,
    /// One line in words ("Level 3, 700 points", "“Yeah!” 12 · “No!” 40").
    pub summary: String,
    /// The frame time this state is from, so older frames arriving later are ignored
    /// (EventSub does not guarantee order, docs/twitch.md §1.7).
    pub as_of: DateTime<Utc>,
}

/// Phase of an [`Activity`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    /// Running.
    Active,
    /// A prediction no longer taking predictions.
    Locked,
    /// Over.
    Ended,
}
