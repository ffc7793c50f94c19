//! [`Feed`]: parsed frames in, [`FeedUpdate`]s out, by the "Precise rules" of issue 4.

use super::text::{at, count, name, system_or, tier, words};
use super::{
    Activity, Actor, ChannelState, Choice, Details, EventKind, FeedUpdate, GapReason, Phase,
    StreamEvent,
};
use crate::eventsub::protocol::{
    ChatNotification, Condition, Event, Frame, Message, Metadata, NoticeType, Notification,
    Subscription,
};
use chrono::{DateTime, TimeDelta, Utc};
use std::collections::{HashMap, VecDeque};
use std::sync::Arc;

/// Tuning of the [`Feed`]'s windows and memory bounds.
#[derive(Debug, Clone)]
pub struct FeedConfig {
    /// How far apart (event time) two sources' copies of the same sub/raid/cheer/gift may be
    /// and still be shown once. Both copies are sent by Twitch for the same happening within
    /// seconds; two minutes leaves room for clock and queueing differences.
    pub link_window: TimeDelta,
    /// How long an individual gift of a gift bomb waits (event time) to be folded into a bomb
    /// row that has not arrived yet, and how long a bomb accepts its gifts.
    pub gift_window: TimeDelta,
    /// Hard cap on tracked link entries / bombs / loose gifts each, whatever the window.
    pub max_tracked: usize,
    /// Add `gap` rows (last frame .. welcome) when a welcome starts a session that is not a
    /// `session_reconnect` handover. `tev replay` relies on it; a caller that adds its own,
    /// more precise gap rows through [`Feed::gap_all`] (the Watcher knows when the
    /// subscriptions were re-created) turns it off so a loss is not marked twice.
    pub gap_on_new_session: bool,
}

impl Default for FeedConfig {
    fn default() -> Self {
        FeedConfig {
            link_window: TimeDelta::minutes(2),
            gift_window: TimeDelta::minutes(5),
            max_tracked: 4096,
            gap_on_new_session: true,
        }
    }
}

/// Which delivery path a row came through, for the two-source rule: only copies from
/// *different* sources are merged, so two real cheers in a row are never folded together.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Source {
    /// A dedicated EventSub type (`channel.subscribe`, `channel.raid`, `channel.cheer`, …).
    EventSub,
    /// `channel.chat.notification` / `channel.chat.message`.
    Chat,
}

/// What is compared to recognise the same happening from two sources.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct LinkKey {
    /// The channel.
    channel: String,
    /// The kind of happening (a gift bomb and a single gift are both `Gift`; `amount` tells
    /// them apart).
    class: EventKind,
    /// The actor's user id, or `anonymous`.
    actor: String,
    /// Bits for cheers, subs for gifts, minor units for donations; 0 otherwise.
    amount: u64,
}

#[derive(Debug)]
struct LinkEntry {
    /// The source of the row that was shown.
    source: Source,
    /// Its event time.
    at: DateTime<Utc>,
    /// Already matched by a copy from the other source.
    matched: bool,
    /// The row itself, kept for gifts from EventSub only (a gift bomb seen through chat must be
    /// able to fold its individual gifts into the row shown from `channel.subscription.gift`;
    /// a chat gift's row is never asked for). Boxed: most
    /// entries have none, and an inline row would make every entry ten times its size (issue 9,
    /// growth: 4,096 entries of a raid or sub train held ~6 MiB, now ~1 MiB).
    row: Option<Box<StreamEvent>>,
}

/// An individual gift of a bomb that was shown before its bomb.
#[derive(Debug)]
struct LooseGift {
    /// The row shown for it.
    row_id: String,
    /// Its recipient.
    recipient: Option<Actor>,
}

/// Turns parsed EventSub frames into feed rows. One per app (or per `tev replay` run).
///
/// Feed it every frame *after* message-id dedupe, in arrival order, with [`Feed::push`].
#[derive(Debug)]
pub struct Feed {
    /// Windows and bounds.
    config: FeedConfig,
    /// Channel id → login, learnt from events (and [`Feed::watch_channel`]), for gap rows.
    channels: HashMap<String, String>,
    /// Live state per channel.
    states: HashMap<String, ChannelState>,
    /// Rows that a copy from the other source may still match. The key is shared with
    /// `link_order`: one allocation per distinct happening, not one per entry (issue 9,
    /// growth: 4,096 entries, each with its own copy of the key's two strings, were most of
    /// what the feed kept after a burst).
    links: HashMap<Arc<LinkKey>, VecDeque<LinkEntry>>,
    /// Insertion order of `links` entries, for pruning.
    link_order: VecDeque<(Arc<LinkKey>, DateTime<Utc>)>,
    /// Gift bombs seen: (channel, bomb id) → the row that shows the bomb.
    bombs: HashMap<(String, String), StreamEvent>,
    /// Insertion order of `bombs`, for pruning.
    bomb_order: VecDeque<((String, String), DateTime<Utc>)>,
    /// Individual gifts shown before their bomb: (channel, bomb id) → rows.
    loose: HashMap<(String, String), Vec<LooseGift>>,
    /// Insertion order of `loose`, for pruning.
    loose_order: VecDeque<((String, String), DateTime<Utc>)>,
    /// The newest frame time seen; windows are measured back from it.
    watermark: Option<DateTime<Utc>>,
    /// The time of the last frame of the current session, the start of a gap if the session
    /// is lost.
    last_frame_at: Option<DateTime<Utc>>,
    /// A `session_reconnect` was seen: the next welcome is its successor, not a new session.
    handover_pending: bool,
}

impl Default for Feed {
    fn default() -> Self {
        Self::new(FeedConfig::default())
    }
}

impl Feed {
    /// An empty feed.
    pub fn new(config: FeedConfig) -> Self {
        Feed {
            config,
            channels: HashMap::new(),
            states: HashMap::new(),
            links: HashMap::new(),
            link_order: VecDeque::new(),
            bombs: HashMap::new(),
            bomb_order: VecDeque::new(),
            loose: HashMap::new(),
            loose_order: VecDeque::new(),
            watermark: None,
            last_frame_at: None,
            handover_pending: false,
        }
    }

    /// Tells the feed about a channel being watched, so gap rows can name it even before any
    /// event of it arrived.
    pub fn watch_channel(&mut self, channel_id: &str, channel_login: &str) {
        self.channels.insert(channel_id.to_owned(), channel_login.to_owned());
    }

    /// Stops tracking a channel (its gap rows stop); its state is dropped.
    pub fn unwatch_channel(&mut self, channel_id: &str) {
        self.channels.remove(channel_id);
        self.states.remove(channel_id);
    }

    /// The channel's live state, if anything is known.
    pub fn state(&self, channel_id: &str) -> Option<&ChannelState> {
        self.states.get(channel_id)
    }

    /// The session gave up on a `session_reconnect` handover (the successor never welcomed):
    /// the next welcome starts a new session and gets gap rows.
    pub fn handover_failed(&mut self) {
        self.handover_pending = false;
    }

    /// A gap row for every watched channel (`from`..`to`), e.g. from the session when it
    /// knows better than the frames (subscriptions re-created later than the welcome).
    pub fn gap_all(
        &mut self,
        from: DateTime<Utc>,
        to: Option<DateTime<Utc>>,
        reason: GapReason,
        id_seed: &str,
    ) -> Vec<FeedUpdate> {
        let mut ids: Vec<(String, String)> =
            self.channels.iter().map(|(id, login)| (id.clone(), login.clone())).collect();
        ids.sort();
        ids.into_iter()
            .map(|(id, login)| {
                FeedUpdate::Added(gap_row(&id, &login, from, to, reason.clone(), id_seed))
            })
            .collect()
    }

    /// Applies one frame (already deduped by message id). Returns what changed.
    pub fn push(&mut self, frame: &Frame) -> Vec<FeedUpdate> {
        let meta = &frame.metadata;
        let ts = meta.message_timestamp;
        self.watermark = Some(self.watermark.map_or(ts, |w| w.max(ts)));
        let out = match &frame.message {
            Message::Keepalive => Vec::new(),
            Message::Reconnect(_) => {
                // twitch.md §1.3: the successor's welcome follows; subscriptions carry over.
                self.handover_pending = true;
                Vec::new()
            }
            Message::Welcome(_) => {
                let out = match (
                    self.handover_pending || !self.config.gap_on_new_session,
                    self.last_frame_at,
                ) {
                    // A new session that is not a handover: everything between the last frame
                    // of the old one and this welcome may be lost (twitch.md §1.4).
                    (false, Some(from)) => {
                        self.gap_all(from, Some(ts), GapReason::ConnectionLost, &meta.message_id)
                    }
                    _ => Vec::new(),
                };
                self.handover_pending = false;
                out
            }
            Message::Revocation(sub) => self.revocation(meta, sub),
            Message::Notification(n) => self.notification(meta, n),
        };
        self.last_frame_at = Some(self.last_frame_at.map_or(ts, |l| l.max(ts)));
        self.prune();
        out
    }

    fn revocation(&mut self, meta: &Metadata, sub: &Subscription) -> Vec<FeedUpdate> {
        let Some(channel) = condition_channel(&sub.condition) else {
            return Vec::new();
        };
        let login = self.channels.get(channel).cloned().unwrap_or_default();
        let reason =
            GapReason::Revoked { subscription_type: sub.kind.clone(), status: sub.status.clone() };
        vec![FeedUpdate::Added(gap_row(
            channel,
            &login,
            meta.message_timestamp,
            None,
            reason,
            &meta.message_id,
        ))]
    }

    fn learn(&mut self, channel_id: &str, login: &str) {
        if channel_id.is_empty() {
            return;
        }
        match self.channels.get_mut(channel_id) {
            Some(l) if l.is_empty() && !login.is_empty() => *l = login.to_owned(),
            Some(_) => {}
            None => {
                self.channels.insert(channel_id.to_owned(), login.to_owned());
            }
        }
    }

    fn notification(&mut self, meta: &Metadata, n: &Notification) -> Vec<FeedUpdate> {
        let ts = meta.message_timestamp;
        let id = meta.message_id.as_str();
        // A row with the fields every arm fills the same way.
        let row = |channel: &str, login: &str, kind, occurred: Option<DateTime<Utc>>| StreamEvent {
            id: id.to_owned(),
            channel_id: channel.to_owned(),
            channel_login: login.to_owned(),
            kind,
            occurred_at: occurred.unwrap_or(ts),
            actor: None,
            summary: String::new(),
            details: Details::StreamOffline,
        };
        let chan =
            |nm: &str, login: &str| if nm.is_empty() { login.to_owned() } else { nm.to_owned() };

        match &n.event {
            Event::ChatMessage(e) => {
                // Plain chat is not an event; a cheer is (issue 4). Shared-chat messages from
                // another channel belong to that channel.
                let Some(cheer) = &e.cheer else { return Vec::new() };
                if is_foreign(e.source_broadcaster_user_id.as_deref(), &e.broadcaster_user_id) {
                    return Vec::new();
                }
                self.learn(&e.broadcaster_user_id, &e.broadcaster_user_login);
                let actor = actor(&e.chatter_user_id, &e.chatter_user_login, &e.chatter_user_name);
                let mut r =
                    row(&e.broadcaster_user_id, &e.broadcaster_user_login, EventKind::Cheer, None);
                r.summary = format!(
                    "{} cheered {}",
                    name(actor.as_ref(), "An anonymous cheerer"),
                    count(cheer.bits, "bit", "bits")
                );
                r.details = Details::Cheer { bits: cheer.bits, message: e.message.text.clone() };
                r.actor = actor;
                self.linked(r, Source::Chat, cheer.bits)
            }
            Event::ChatNotification(c) => self.chat_notification(meta, c),
            Event::StreamOnline(e) => {
                self.learn(&e.broadcaster_user_id, &e.broadcaster_user_login);
                let mut r = row(
                    &e.broadcaster_user_id,
                    &e.broadcaster_user_login,
                    EventKind::StreamOnline,
                    e.started_at,
                );
                let who = chan(&e.broadcaster_user_name, &e.broadcaster_user_login);
                r.summary = match e.stream_type.as_str() {
                    "live" | "" => format!("{who} went live"),
                    other => format!("{who} went live ({})", words(other)),
                };
                r.details = Details::StreamOnline { stream_type: e.stream_type.clone() };
                let st = self.set_live(&r.channel_id, true, r.occurred_at);
                added_with_state(r, st)
            }
            Event::StreamOffline(e) => {
                self.learn(&e.broadcaster_user_id, &e.broadcaster_user_login);
                let mut r = row(
                    &e.broadcaster_user_id,
                    &e.broadcaster_user_login,
                    EventKind::StreamOffline,
                    None,
                );
                r.summary = format!(
                    "{} went offline",
                    chan(&e.broadcaster_user_name, &e.broadcaster_user_login)
                );
                r.details = Details::StreamOffline;
                let st = self.set_live(&r.channel_id, false, r.occurred_at);
                added_with_state(r, st)
            }
            Event::ChannelUpdate(e) => {
                self.learn(&e.broadcaster_user_id, &e.broadcaster_user_login);
                let mut r = row(
                    &e.broadcaster_user_id,
                    &e.broadcaster_user_login,
                    EventKind::ChannelUpdate,
                    None,
                );
                let who = chan(&e.broadcaster_user_name, &e.broadcaster_user_login);
                r.summary = if e.category_name.is_empty() {
                    format!("{who} changed the title to “{}”", e.title)
                } else {
                    format!("{who} changed the title to “{}” ({})", e.title, e.category_name)
                };
                r.details = Details::ChannelUpdate {
                    title: e.title.clone(),
                    category_name: e.category_name.clone(),
                    language: e.language.clone(),
                };
                let st = self.state_mut(&r.channel_id);
                st.title = Some(e.title.clone());
                st.category_name = Some(e.category_name.clone());
                let st = st.clone();
                vec![FeedUpdate::Added(r), FeedUpdate::State(st)]
            }
            Event::ChannelRaid(e) => {
                let cond = &n.subscription.condition;
                let outgoing = cond.get("from_broadcaster_user_id").is_some_and(|s| !s.is_empty())
                    && cond.get("to_broadcaster_user_id").is_none_or(|s| s.is_empty());
                let viewers = count(e.viewers, "viewer", "viewers");
                if outgoing {
                    // Our channel raided another one: the actor is the other channel.
                    self.learn(&e.from_broadcaster_user_id, &e.from_broadcaster_user_login);
                    let mut r = row(
                        &e.from_broadcaster_user_id,
                        &e.from_broadcaster_user_login,
                        EventKind::RaidOutgoing,
                        None,
                    );
                    r.actor = actor(
                        &e.to_broadcaster_user_id,
                        &e.to_broadcaster_user_login,
                        &e.to_broadcaster_user_name,
                    );
                    r.summary = format!(
                        "{} raided {} with {viewers}",
                        chan(&e.from_broadcaster_user_name, &e.from_broadcaster_user_login),
                        name(r.actor.as_ref(), "another channel")
                    );
                    r.details = Details::Raid { viewers: e.viewers };
                    vec![FeedUpdate::Added(r)]
                } else {
                    self.learn(&e.to_broadcaster_user_id, &e.to_broadcaster_user_login);
                    let mut r = row(
                        &e.to_broadcaster_user_id,
                        &e.to_broadcaster_user_login,
                        EventKind::RaidIncoming,
                        None,
                    );
                    r.actor = actor(
                        &e.from_broadcaster_user_id,
                        &e.from_broadcaster_user_login,
                        &e.from_broadcaster_user_name,
                    );
                    r.summary =
                        format!("{} raided with {viewers}", name(r.actor.as_ref(), "A channel"));
                    r.details = Details::Raid { viewers: e.viewers };
                    self.linked(r, Source::EventSub, 0)
                }
            }
            Event::Follow(e) => {
                self.learn(&e.broadcaster_user_id, &e.broadcaster_user_login);
                let mut r = row(
                    &e.broadcaster_user_id,
                    &e.broadcaster_user_login,
                    EventKind::Follow,
                    e.followed_at,
                );
                r.actor = actor(&e.user_id, &e.user_login, &e.user_name);
                r.summary = format!("{} followed", name(r.actor.as_ref(), "Someone"));
                r.details = Details::Follow;
                vec![FeedUpdate::Added(r)]
            }
            Event::Subscribe(e) => {
                // A gifted sub also arrives as `channel.subscribe` with is_gift for the
                // recipient; the gift's own row (gifter as actor) already shows it.
                if e.is_gift {
                    return Vec::new();
                }
                self.learn(&e.broadcaster_user_id, &e.broadcaster_user_login);
                let mut r =
                    row(&e.broadcaster_user_id, &e.broadcaster_user_login, EventKind::Sub, None);
                r.actor = actor(&e.user_id, &e.user_login, &e.user_name);
                r.summary = format!(
                    "{} subscribed at {}",
                    name(r.actor.as_ref(), "Someone"),
                    tier(&e.tier)
                );
                r.details =
                    Details::Sub { tier: e.tier.clone(), is_prime: false, duration_months: 1 };
                self.linked(r, Source::EventSub, 0)
            }
            Event::SubscriptionMessage(e) => {
                self.learn(&e.broadcaster_user_id, &e.broadcaster_user_login);
                let mut r =
                    row(&e.broadcaster_user_id, &e.broadcaster_user_login, EventKind::Resub, None);
                r.actor = actor(&e.user_id, &e.user_login, &e.user_name);
                r.summary = resub_summary(
                    name(r.actor.as_ref(), "Someone"),
                    &e.tier,
                    e.cumulative_months,
                    e.streak_months,
                );
                r.details = Details::Resub {
                    tier: e.tier.clone(),
                    cumulative_months: e.cumulative_months,
                    streak_months: e.streak_months,
                    is_gift: false,
                    message: e.message.text.clone(),
                };
                self.linked(r, Source::EventSub, 0)
            }
            Event::SubscriptionGift(e) => {
                self.learn(&e.broadcaster_user_id, &e.broadcaster_user_login);
                let a = if e.is_anonymous {
                    None
                } else {
                    actor(
                        e.user_id.as_deref().unwrap_or_default(),
                        e.user_login.as_deref().unwrap_or_default(),
                        e.user_name.as_deref().unwrap_or_default(),
                    )
                };
                let total = e.total.max(1);
                let kind =
                    if total == 1 { EventKind::SubGift } else { EventKind::CommunitySubGift };
                let mut r = row(&e.broadcaster_user_id, &e.broadcaster_user_login, kind, None);
                r.summary =
                    gift_summary(name(a.as_ref(), "An anonymous gifter"), total, &e.tier, None);
                r.details = if total == 1 {
                    Details::SubGift {
                        tier: e.tier.clone(),
                        recipient: None,
                        community_gift_id: None,
                    }
                } else {
                    Details::CommunitySubGift {
                        tier: e.tier.clone(),
                        total,
                        gift_id: None,
                        recipients: Vec::new(),
                        cumulative_total: e.cumulative_total,
                    }
                };
                r.actor = a;
                self.linked(r, Source::EventSub, total)
            }
            Event::Cheer(e) => {
                self.learn(&e.broadcaster_user_id, &e.broadcaster_user_login);
                let mut r =
                    row(&e.broadcaster_user_id, &e.broadcaster_user_login, EventKind::Cheer, None);
                if !e.is_anonymous {
                    r.actor = actor(
                        e.user_id.as_deref().unwrap_or_default(),
                        e.user_login.as_deref().unwrap_or_default(),
                        e.user_name.as_deref().unwrap_or_default(),
                    );
                }
                r.summary = format!(
                    "{} cheered {}",
                    name(r.actor.as_ref(), "An anonymous cheerer"),
                    count(e.bits, "bit", "bits")
                );
                r.details = Details::Cheer { bits: e.bits, message: e.message.clone() };
                self.linked(r, Source::EventSub, e.bits)
            }
            Event::CharityDonation(e) => {
                self.learn(&e.broadcaster_user_id, &e.broadcaster_user_login);
                let mut r = row(
                    &e.broadcaster_user_id,
                    &e.broadcaster_user_login,
                    EventKind::CharityDonation,
                    None,
                );
                r.actor = actor(&e.user_id, &e.user_login, &e.user_name);
                r.summary = format!(
                    "{} donated {} to {}",
                    name(r.actor.as_ref(), "Someone"),
                    e.amount.display(),
                    e.charity_name
                );
                r.details = Details::CharityDonation {
                    charity_name: e.charity_name.clone(),
                    amount: e.amount.clone(),
                };
                let amount = e.amount.value.unsigned_abs();
                self.linked(r, Source::EventSub, amount)
            }
            Event::AdBreakBegin(e) => {
                self.learn(&e.broadcaster_user_id, &e.broadcaster_user_login);
                let mut r = row(
                    &e.broadcaster_user_id,
                    &e.broadcaster_user_login,
                    EventKind::AdBreak,
                    e.started_at,
                );
                r.summary = format!(
                    "A {}-second ad break started{}",
                    e.duration_seconds,
                    if e.is_automatic { " (scheduled)" } else { "" }
                );
                r.details = Details::AdBreak {
                    duration_seconds: e.duration_seconds,
                    is_automatic: e.is_automatic,
                };
                vec![FeedUpdate::Added(r)]
            }
            Event::HypeTrainBegin(e) | Event::HypeTrainProgress(e) | Event::HypeTrainEnd(e) => {
                self.learn(&e.broadcaster_user_id, &e.broadcaster_user_login);
                let (phase, kind, occurred) = match &n.event {
                    Event::HypeTrainBegin(_) => {
                        (Phase::Active, Some(EventKind::HypeTrainBegin), e.started_at)
                    }
                    Event::HypeTrainEnd(_) => {
                        (Phase::Ended, Some(EventKind::HypeTrainEnd), e.ended_at)
                    }
                    _ => (Phase::Active, None, None),
                };
                let line = match (e.progress, e.goal) {
                    (Some(p), Some(g)) if phase != Phase::Ended => {
                        format!("Level {}, {} points ({p}/{g} to the next level)", e.level, e.total)
                    }
                    _ => format!("Level {}, {} points", e.level, e.total),
                };
                let st =
                    self.activity(&e.broadcaster_user_id, Slot::HypeTrain, &e.id, phase, line, ts);
                let mut out = Vec::new();
                if let Some(kind) = kind {
                    let mut r =
                        row(&e.broadcaster_user_id, &e.broadcaster_user_login, kind, occurred);
                    r.summary = if phase == Phase::Ended {
                        format!("The hype train ended at level {} with {} points", e.level, e.total)
                    } else {
                        format!("A hype train started (level {})", e.level.max(1))
                    };
                    r.details = Details::HypeTrain {
                        train_id: e.id.clone(),
                        level: e.level,
                        total: e.total,
                    };
                    out.push(FeedUpdate::Added(r));
                }
                out.extend(st.map(FeedUpdate::State));
                out
            }
            Event::PollBegin(e) | Event::PollProgress(e) | Event::PollEnd(e) => {
                self.learn(&e.broadcaster_user_id, &e.broadcaster_user_login);
                let (phase, kind, occurred) = match &n.event {
                    Event::PollBegin(_) => {
                        (Phase::Active, Some(EventKind::PollBegin), e.started_at)
                    }
                    Event::PollEnd(_) => (Phase::Ended, Some(EventKind::PollEnd), e.ended_at),
                    _ => (Phase::Active, None, None),
                };
                let choices: Vec<Choice> = e
                    .choices
                    .iter()
                    .map(|c| Choice {
                        title: c.title.clone(),
                        votes: c.votes,
                        channel_points: None,
                    })
                    .collect();
                let line = tally(&choices, "votes");
                let st = self.activity(&e.broadcaster_user_id, Slot::Poll, &e.id, phase, line, ts);
                let mut out = Vec::new();
                if let Some(kind) = kind {
                    let mut r =
                        row(&e.broadcaster_user_id, &e.broadcaster_user_login, kind, occurred);
                    r.summary = if phase == Phase::Ended {
                        poll_end_summary(&e.title, e.status.as_deref(), &choices)
                    } else {
                        format!("Poll started: “{}”", e.title)
                    };
                    r.details = Details::Poll {
                        poll_id: e.id.clone(),
                        title: e.title.clone(),
                        choices,
                        status: e.status.clone(),
                    };
                    out.push(FeedUpdate::Added(r));
                }
                out.extend(st.map(FeedUpdate::State));
                out
            }
            Event::PredictionBegin(e)
            | Event::PredictionProgress(e)
            | Event::PredictionLock(e)
            | Event::PredictionEnd(e) => {
                self.learn(&e.broadcaster_user_id, &e.broadcaster_user_login);
                let (phase, kind, occurred) = match &n.event {
                    Event::PredictionBegin(_) => {
                        (Phase::Active, Some(EventKind::PredictionBegin), e.started_at)
                    }
                    Event::PredictionLock(_) => (Phase::Locked, None, None),
                    Event::PredictionEnd(_) => {
                        (Phase::Ended, Some(EventKind::PredictionEnd), e.ended_at)
                    }
                    _ => (Phase::Active, None, None),
                };
                let outcomes: Vec<Choice> = e
                    .outcomes
                    .iter()
                    .map(|o| Choice {
                        title: o.title.clone(),
                        votes: o.users,
                        channel_points: o.channel_points,
                    })
                    .collect();
                let line = tally(&outcomes, "predictors");
                let st =
                    self.activity(&e.broadcaster_user_id, Slot::Prediction, &e.id, phase, line, ts);
                let mut out = Vec::new();
                if let Some(kind) = kind {
                    let winner = e
                        .winning_outcome_id
                        .as_deref()
                        .and_then(|w| e.outcomes.iter().find(|o| o.id == w))
                        .map(|o| o.title.clone());
                    let mut r =
                        row(&e.broadcaster_user_id, &e.broadcaster_user_login, kind, occurred);
                    r.summary = match (phase, e.status.as_deref(), &winner) {
                        (Phase::Ended, Some("canceled"), _) => {
                            format!("Prediction canceled: “{}”", e.title)
                        }
                        (Phase::Ended, _, Some(w)) => {
                            format!("Prediction ended: “{}” — “{w}” won", e.title)
                        }
                        (Phase::Ended, _, None) => format!("Prediction ended: “{}”", e.title),
                        _ => format!("Prediction started: “{}”", e.title),
                    };
                    r.details = Details::Prediction {
                        prediction_id: e.id.clone(),
                        title: e.title.clone(),
                        outcomes,
                        status: e.status.clone(),
                        winner,
                    };
                    out.push(FeedUpdate::Added(r));
                }
                out.extend(st.map(FeedUpdate::State));
                out
            }
            Event::ShoutoutReceive(e) => {
                self.learn(&e.broadcaster_user_id, &e.broadcaster_user_login);
                let mut r = row(
                    &e.broadcaster_user_id,
                    &e.broadcaster_user_login,
                    EventKind::ShoutoutReceived,
                    e.started_at,
                );
                r.actor = actor(
                    &e.from_broadcaster_user_id,
                    &e.from_broadcaster_user_login,
                    &e.from_broadcaster_user_name,
                );
                r.summary = format!(
                    "{} gave {} a shoutout",
                    name(r.actor.as_ref(), "Another channel"),
                    chan(&e.broadcaster_user_name, &e.broadcaster_user_login)
                );
                r.details = Details::Shoutout { viewer_count: e.viewer_count };
                vec![FeedUpdate::Added(r)]
            }
            Event::RedemptionAdd(e) => {
                self.learn(&e.broadcaster_user_id, &e.broadcaster_user_login);
                let mut r = row(
                    &e.broadcaster_user_id,
                    &e.broadcaster_user_login,
                    EventKind::RewardRedemption,
                    e.redeemed_at,
                );
                r.actor = actor(&e.user_id, &e.user_login, &e.user_name);
                let input = if e.user_input.is_empty() {
                    String::new()
                } else {
                    format!(": {}", e.user_input)
                };
                r.summary = format!(
                    "{} redeemed “{}” ({}){input}",
                    name(r.actor.as_ref(), "Someone"),
                    e.reward.title,
                    count(e.reward.cost, "point", "points")
                );
                r.details = Details::RewardRedemption {
                    reward_title: e.reward.title.clone(),
                    cost: e.reward.cost,
                    user_input: e.user_input.clone(),
                };
                vec![FeedUpdate::Added(r)]
            }
            Event::Other { kind, version, event } => {
                // An unknown type shows as `other` on the condition's broadcaster (issue 4).
                let Some(channel) =
                    n.subscription.condition.broadcaster_user_id().filter(|c| !c.is_empty())
                else {
                    return Vec::new();
                };
                let str_field = |k: &str| event.get(k).and_then(|v| v.as_str()).unwrap_or_default();
                let login = match str_field("broadcaster_user_login") {
                    "" => self.channels.get(channel).cloned().unwrap_or_default(),
                    l => l.to_owned(),
                };
                self.learn(channel, &login);
                let mut r = row(channel, &login, EventKind::Other, None);
                r.actor =
                    actor(str_field("user_id"), str_field("user_login"), str_field("user_name"));
                r.summary = match &r.actor {
                    Some(a) => format!(
                        "{}: {} (a Twitch event this app does not know)",
                        name(Some(a), ""),
                        words(kind)
                    ),
                    None => format!("Twitch event “{kind}” (one this app does not know)"),
                };
                r.details = Details::Other {
                    subscription_type: kind.clone(),
                    subscription_version: version.clone(),
                    notice_type: None,
                    system_message: None,
                };
                vec![FeedUpdate::Added(r)]
            }
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
            | Event::ShieldMode(_) => Vec::new(),
        }
    }

    fn chat_notification(&mut self, meta: &Metadata, c: &ChatNotification) -> Vec<FeedUpdate> {
        // Shared chat: a notice of another channel of the session belongs to that channel.
        if matches!(c.notice_type, NoticeType::SharedChat(_))
            || is_foreign(c.source_broadcaster_user_id.as_deref(), &c.broadcaster_user_id)
        {
            return Vec::new();
        }
        self.learn(&c.broadcaster_user_id, &c.broadcaster_user_login);
        let chatter = if c.chatter_is_anonymous {
            None
        } else {
            actor(
                c.chatter_user_id.as_deref().unwrap_or_default(),
                c.chatter_user_login.as_deref().unwrap_or_default(),
                c.chatter_user_name.as_deref().unwrap_or_default(),
            )
        };
        let who = name(chatter.as_ref(), "An anonymous user").to_owned();
        let mut r = StreamEvent {
            id: meta.message_id.clone(),
            channel_id: c.broadcaster_user_id.clone(),
            channel_login: c.broadcaster_user_login.clone(),
            kind: EventKind::Other,
            occurred_at: meta.message_timestamp,
            actor: chatter,
            summary: String::new(),
            details: Details::StreamOffline,
        };
        match &c.notice_type {
            NoticeType::Sub => {
                let s = c.sub.clone().unwrap_or_default();
                r.kind = EventKind::Sub;
                let months = if s.duration_months > 1 {
                    format!(" for {}", count(s.duration_months, "month", "months"))
                } else {
                    String::new()
                };
                r.summary = if s.is_prime {
                    format!("{who} subscribed with Prime{months}")
                } else {
                    format!("{who} subscribed at {}{months}", tier(&s.sub_tier))
                };
                r.details = Details::Sub {
                    tier: s.sub_tier,
                    is_prime: s.is_prime,
                    duration_months: s.duration_months.max(1),
                };
                self.linked(r, Source::Chat, 0)
            }
            NoticeType::Resub => {
                let s = c.resub.clone().unwrap_or_default();
                r.kind = EventKind::Resub;
                r.summary = resub_summary(&who, &s.sub_tier, s.cumulative_months, s.streak_months);
                if s.is_gift {
                    let gifter = if s.gifter_is_anonymous == Some(true) {
                        None
                    } else {
                        s.gifter_user_name.clone().filter(|n| !n.is_empty())
                    };
                    r.summary.push_str(&format!(
                        " (gifted by {})",
                        gifter.as_deref().unwrap_or("an anonymous gifter")
                    ));
                }
                r.details = Details::Resub {
                    tier: s.sub_tier,
                    cumulative_months: s.cumulative_months,
                    streak_months: s.streak_months,
                    is_gift: s.is_gift,
                    message: c.message.text.clone(),
                };
                self.linked(r, Source::Chat, 0)
            }
            NoticeType::SubGift => {
                let g = c.sub_gift.clone().unwrap_or_default();
                let recipient =
                    actor(&g.recipient_user_id, &g.recipient_user_login, &g.recipient_user_name);
                r.kind = EventKind::SubGift;
                r.summary = gift_summary(
                    name(r.actor.as_ref(), "An anonymous gifter"),
                    1,
                    &g.sub_tier,
                    Some(name(recipient.as_ref(), "someone")),
                );
                let bomb = g.community_gift_id.clone().filter(|b| !b.is_empty());
                r.details = Details::SubGift {
                    tier: g.sub_tier,
                    recipient: recipient.clone(),
                    community_gift_id: bomb.clone(),
                };
                match bomb {
                    Some(bomb) => self.bomb_gift(r, bomb, recipient),
                    None => self.linked(r, Source::Chat, 1),
                }
            }
            NoticeType::CommunitySubGift => {
                let g = c.community_sub_gift.clone().unwrap_or_default();
                let total = g.total.max(1);
                r.kind = EventKind::CommunitySubGift;
                r.summary = gift_summary(
                    name(r.actor.as_ref(), "An anonymous gifter"),
                    total,
                    &g.sub_tier,
                    None,
                );
                let bomb = Some(g.id.clone()).filter(|b| !b.is_empty());
                r.details = Details::CommunitySubGift {
                    tier: g.sub_tier,
                    total,
                    gift_id: bomb.clone(),
                    recipients: Vec::new(),
                    cumulative_total: g.cumulative_total,
                };
                self.bomb(r, bomb, total)
            }
            NoticeType::GiftPaidUpgrade => {
                let g = c.gift_paid_upgrade.clone().unwrap_or_default();
                let gifter = if g.gifter_is_anonymous {
                    None
                } else {
                    actor(
                        g.gifter_user_id.as_deref().unwrap_or_default(),
                        g.gifter_user_login.as_deref().unwrap_or_default(),
                        g.gifter_user_name.as_deref().unwrap_or_default(),
                    )
                };
                r.kind = EventKind::GiftPaidUpgrade;
                r.summary = format!(
                    "{who} is continuing the gift sub from {}",
                    name(gifter.as_ref(), "an anonymous gifter")
                );
                r.details = Details::GiftPaidUpgrade { gifter };
                vec![FeedUpdate::Added(r)]
            }
            NoticeType::PrimePaidUpgrade => {
                let p = c.prime_paid_upgrade.clone().unwrap_or_default();
                r.kind = EventKind::PrimePaidUpgrade;
                r.summary = format!("{who} upgraded their Prime sub to {}", tier(&p.sub_tier));
                r.details = Details::PrimePaidUpgrade { tier: p.sub_tier };
                vec![FeedUpdate::Added(r)]
            }
            NoticeType::Raid => {
                let g = c.raid.clone().unwrap_or_default();
                r.kind = EventKind::RaidIncoming;
                r.actor = actor(&g.user_id, &g.user_login, &g.user_name).or(r.actor);
                r.summary = format!(
                    "{} raided with {}",
                    name(r.actor.as_ref(), "A channel"),
                    count(g.viewer_count, "viewer", "viewers")
                );
                r.details = Details::Raid { viewers: g.viewer_count };
                self.linked(r, Source::Chat, 0)
            }
            NoticeType::PayItForward => {
                let p = c.pay_it_forward.clone().unwrap_or_default();
                let gifter = if p.gifter_is_anonymous {
                    None
                } else {
                    actor(
                        p.gifter_user_id.as_deref().unwrap_or_default(),
                        p.gifter_user_login.as_deref().unwrap_or_default(),
                        p.gifter_user_name.as_deref().unwrap_or_default(),
                    )
                };
                let recipient = actor(
                    p.recipient_user_id.as_deref().unwrap_or_default(),
                    p.recipient_user_login.as_deref().unwrap_or_default(),
                    p.recipient_user_name.as_deref().unwrap_or_default(),
                );
                r.kind = EventKind::PayItForward;
                r.summary = format!(
                    "{who} is paying forward the gift from {} to {}",
                    name(gifter.as_ref(), "an anonymous gifter"),
                    name(recipient.as_ref(), "the community")
                );
                r.details = Details::PayItForward { gifter, recipient };
                vec![FeedUpdate::Added(r)]
            }
            NoticeType::Announcement => {
                let a = c.announcement.clone().unwrap_or_default();
                r.kind = EventKind::Announcement;
                r.summary = if c.message.text.is_empty() {
                    format!("{who} made an announcement")
                } else {
                    format!("{who} announced: {}", c.message.text)
                };
                r.details =
                    Details::Announcement { message: c.message.text.clone(), color: a.color };
                vec![FeedUpdate::Added(r)]
            }
            NoticeType::BitsBadgeTier => {
                let b = c.bits_badge_tier.clone().unwrap_or_default();
                r.kind = EventKind::BitsBadgeTier;
                r.summary = format!("{who} unlocked the {} bits badge", b.tier);
                r.details = Details::BitsBadgeTier { tier: b.tier };
                vec![FeedUpdate::Added(r)]
            }
            NoticeType::CharityDonation => {
                let d = c.charity_donation.clone().unwrap_or_default();
                r.kind = EventKind::CharityDonation;
                r.summary = format!("{who} donated {} to {}", d.amount.display(), d.charity_name);
                let amount = d.amount.value.unsigned_abs();
                r.details =
                    Details::CharityDonation { charity_name: d.charity_name, amount: d.amount };
                self.linked(r, Source::Chat, amount)
            }
            NoticeType::WatchStreak => {
                let w = c.watch_streak.clone().unwrap_or_default();
                r.kind = EventKind::WatchStreak;
                r.summary = format!(
                    "{who} is on a watch streak of {}",
                    count(w.streak_count, "stream", "streams")
                );
                if w.channel_points_awarded > 0 {
                    r.summary.push_str(&format!(" (+{} channel points)", w.channel_points_awarded));
                }
                r.details = Details::WatchStreak {
                    streak_count: w.streak_count,
                    channel_points_awarded: w.channel_points_awarded,
                };
                vec![FeedUpdate::Added(r)]
            }
            NoticeType::SharedChat(_) => Vec::new(),
            NoticeType::Unraid | NoticeType::Unknown(_) => {
                // Kept as `other`, in Twitch's words when it gave some, else in ours.
                let wire = c.notice_type.as_wire().into_owned();
                let fallback = match (&c.notice_type, r.actor.is_some()) {
                    (NoticeType::Unraid, _) => format!("{who} cancelled a raid"),
                    (_, true) => {
                        format!("{who}: {} (a chat notice this app does not know)", words(&wire))
                    }
                    (_, false) => format!("Chat notice: {}", words(&wire)),
                };
                r.kind = EventKind::Other;
                r.summary = system_or(&c.system_message, &wire, fallback);
                // The summary always names the actor, even when Twitch's text does not.
                if let Some(a) = &r.actor
                    && !r.summary.contains(name(Some(a), ""))
                {
                    r.summary = format!("{}: {}", name(Some(a), ""), r.summary);
                }
                r.details = Details::Other {
                    subscription_type: "channel.chat.notification".into(),
                    subscription_version: "1".into(),
                    notice_type: Some(wire),
                    system_message: Some(c.system_message.clone()),
                };
                vec![FeedUpdate::Added(r)]
            }
        }
    }

    /// The two-source rule: show `row` unless the other source already showed the same
    /// happening (same channel, kind, actor and amount, within `link_window`).
    fn linked(&mut self, row: StreamEvent, source: Source, amount: u64) -> Vec<FeedUpdate> {
        match self.link(&row, source, amount) {
            Some(_) => Vec::new(),
            None => vec![FeedUpdate::Added(row)],
        }
    }

    /// Looks for the other source's copy; records `row` when there is none. Returns the
    /// matched entry's row (gifts) or an empty placeholder when matched.
    fn link(
        &mut self,
        row: &StreamEvent,
        source: Source,
        amount: u64,
    ) -> Option<Option<StreamEvent>> {
        let class = match row.kind {
            EventKind::SubGift | EventKind::CommunitySubGift => EventKind::CommunitySubGift,
            k => k,
        };
        let key = LinkKey {
            channel: row.channel_id.clone(),
            class,
            actor: row.actor.as_ref().map_or_else(|| "anonymous".to_owned(), |a| a.id.clone()),
            amount,
        };
        let window = self.config.link_window;
        if let Some(entries) = self.links.get_mut(&key)
            && let Some(e) = entries.iter_mut().find(|e| {
                !e.matched && e.source != source && (e.at - row.occurred_at).abs() <= window
            })
        {
            e.matched = true;
            return Some(e.row.as_deref().cloned());
        }
        // Only a gift row from EventSub is ever handed back: to a chat bomb (`bomb`, the one
        // caller that uses it), and a match needs the other source.
        let keep_row = class == EventKind::CommunitySubGift && source == Source::EventSub;
        let entry = LinkEntry {
            source,
            at: row.occurred_at,
            matched: false,
            row: keep_row.then(|| Box::new(row.clone())),
        };
        let key = match self.links.get_key_value(&key) {
            Some((shared, _)) => Arc::clone(shared),
            None => Arc::new(key),
        };
        // Nearly every key has one entry (one actor, one amount): room for one, not the default
        // four.
        self.links
            .entry(Arc::clone(&key))
            .or_insert_with(|| VecDeque::with_capacity(1))
            .push_back(entry);
        self.link_order.push_back((key, row.occurred_at));
        None
    }

    /// A gift bomb row (chat `community_sub_gift`): linked with `channel.subscription.gift`,
    /// then folds the bomb's individual gifts that arrived before it.
    fn bomb(&mut self, row: StreamEvent, bomb: Option<String>, total: u64) -> Vec<FeedUpdate> {
        let matched = self.link(&row, Source::Chat, total);
        let Some(bomb) = bomb else {
            return match matched {
                Some(_) => Vec::new(),
                None => vec![FeedUpdate::Added(row)],
            };
        };
        let key = (row.channel_id.clone(), bomb);
        let (mut shown, is_new) = match matched {
            // Shown already from EventSub: that row absorbs this bomb's gifts.
            Some(Some(existing)) => (existing, false),
            Some(None) => return Vec::new(),
            None => (row, true),
        };
        let mut out = Vec::new();
        if let Some(loose) = self.loose.remove(&key) {
            let ids = loose.iter().map(|g| g.row_id.clone()).collect();
            for g in loose {
                add_recipient(&mut shown, g.recipient);
            }
            out.push(FeedUpdate::Removed { channel_id: shown.channel_id.clone(), ids });
            if !is_new {
                out.push(FeedUpdate::Updated(shown.clone()));
            }
        }
        if is_new {
            out.push(FeedUpdate::Added(shown.clone()));
        }
        self.bomb_order.push_back((key.clone(), shown.occurred_at));
        self.bombs.insert(key, shown);
        out
    }

    /// An individual gift of bomb `bomb`: folded into the bomb's row when it is known, else
    /// shown on its own and remembered so a later bomb can fold it.
    fn bomb_gift(
        &mut self,
        row: StreamEvent,
        bomb: String,
        recipient: Option<Actor>,
    ) -> Vec<FeedUpdate> {
        let key = (row.channel_id.clone(), bomb);
        if let Some(shown) = self.bombs.get_mut(&key) {
            add_recipient(shown, recipient);
            return vec![FeedUpdate::Updated(shown.clone())];
        }
        let entry = self.loose.entry(key.clone()).or_default();
        if entry.is_empty() {
            self.loose_order.push_back((key, row.occurred_at));
        }
        entry.push(LooseGift { row_id: row.id.clone(), recipient });
        vec![FeedUpdate::Added(row)]
    }

    fn state_mut(&mut self, channel_id: &str) -> &mut ChannelState {
        self.states.entry(channel_id.to_owned()).or_insert_with(|| ChannelState {
            channel_id: channel_id.to_owned(),
            ..ChannelState::default()
        })
    }

    /// Online/offline: the newer event time wins (frames may arrive out of order).
    fn set_live(
        &mut self,
        channel_id: &str,
        live: bool,
        at: DateTime<Utc>,
    ) -> Option<ChannelState> {
        let st = self.state_mut(channel_id);
        if st.live_as_of.is_some_and(|prev| prev > at) {
            return None;
        }
        st.live = Some(live);
        st.live_as_of = Some(at);
        Some(st.clone())
    }

    /// Hype train / poll / prediction state, guarded against stale frames (twitch.md §1.7: a
    /// progress can arrive before its begin, or after its end). Returns the new state if
    /// anything changed.
    fn activity(
        &mut self,
        channel_id: &str,
        slot: Slot,
        id: &str,
        phase: Phase,
        summary: String,
        at: DateTime<Utc>,
    ) -> Option<ChannelState> {
        let st = self.state_mut(channel_id);
        let cur = match slot {
            Slot::HypeTrain => &mut st.hype_train,
            Slot::Poll => &mut st.poll,
            Slot::Prediction => &mut st.prediction,
        };
        if let Some(c) = cur.as_ref() {
            let stale = if c.id == id {
                let rank = |p: Phase| match p {
                    Phase::Active => 0,
                    Phase::Locked => 1,
                    Phase::Ended => 2,
                };
                // Never go back a phase; within a phase, never go back in time.
                rank(phase) < rank(c.phase) || (rank(phase) == rank(c.phase) && at < c.as_of)
            } else {
                at < c.as_of
            };
            if stale {
                return None;
            }
        }
        *cur = Some(Activity { id: id.to_owned(), phase, summary, as_of: at });
        Some(st.clone())
    }

    /// Forgets link entries, bombs and loose gifts that are out of their windows, and keeps
    /// each table under `max_tracked`: the feed's memory is bounded whatever the input.
    fn prune(&mut self) {
        let Some(now) = self.watermark else { return };
        let link_cut = now - self.config.link_window;
        let gift_cut = now - self.config.gift_window;
        let max = self.config.max_tracked.max(1);
        while let Some((_, at)) = self.link_order.front() {
            if *at >= link_cut && self.link_order.len() <= max {
                break;
            }
            let Some((key, _)) = self.link_order.pop_front() else { break };
            if let Some(entries) = self.links.get_mut(&key) {
                entries.pop_front();
                if entries.is_empty() {
                    self.links.remove(&key);
                }
            }
        }
        while let Some((_, at)) = self.bomb_order.front() {
            if *at >= gift_cut && self.bomb_order.len() <= max {
                break;
            }
            if let Some((key, _)) = self.bomb_order.pop_front() {
                self.bombs.remove(&key);
            }
        }
        // Loose gifts whose bomb never came stay individual rows; stop tracking them.
        while let Some((_, at)) = self.loose_order.front() {
            if *at >= gift_cut && self.loose_order.len() <= max {
                break;
            }
            if let Some((key, _)) = self.loose_order.pop_front() {
                self.loose.remove(&key);
            }
        }
    }
}

#[derive(Clone, Copy)]
enum Slot {
    HypeTrain,
    Poll,
    Prediction,
}

/// `None` when there is no id (anonymous or missing user).
fn actor(id: &str, login: &str, display: &str) -> Option<Actor> {
    if id.is_empty() && login.is_empty() {
        return None;
    }
    Some(Actor { id: id.to_owned(), login: login.to_owned(), display_name: display.to_owned() })
}

/// A shared-chat message or notice that originated in another channel.
fn is_foreign(source: Option<&str>, channel: &str) -> bool {
    source.is_some_and(|s| !s.is_empty() && s != channel)
}

/// The channel a subscription is about: its condition's broadcaster, else the raid's side.
fn condition_channel(c: &Condition) -> Option<&str> {
    ["broadcaster_user_id", "to_broadcaster_user_id", "from_broadcaster_user_id", "user_id"]
        .into_iter()
        .find_map(|k| c.get(k).filter(|v| !v.is_empty()))
}

fn added_with_state(r: StreamEvent, st: Option<ChannelState>) -> Vec<FeedUpdate> {
    let mut out = vec![FeedUpdate::Added(r)];
    out.extend(st.map(FeedUpdate::State));
    out
}

fn add_recipient(row: &mut StreamEvent, recipient: Option<Actor>) {
    if let (Details::CommunitySubGift { recipients, .. }, Some(r)) = (&mut row.details, recipient)
        && !recipients.contains(&r)
    {
        recipients.push(r);
    }
}

pub(crate) fn gap_row(
    channel_id: &str,
    login: &str,
    from: DateTime<Utc>,
    to: Option<DateTime<Utc>>,
    reason: GapReason,
    id_seed: &str,
) -> StreamEvent {
    let summary = match (&reason, to) {
        (GapReason::AppClosed, Some(to)) => format!(
            "The app was closed: events from {} to {} were not received",
            at(&from),
            at(&to)
        ),
        (GapReason::AppClosed, None) => {
            format!("The app was closed: events since {} were not received", at(&from))
        }
        (GapReason::ConnectionLost, Some(to)) => format!(
            "Connection lost: events from {} to {} may have been missed",
            at(&from),
            at(&to)
        ),
        (GapReason::ConnectionLost, None) => {
            format!("Connection lost: events since {} may have been missed", at(&from))
        }
        (GapReason::Revoked { subscription_type, status }, _) => format!(
            "Twitch stopped sending “{subscription_type}” events ({}): events since {} may be missing",
            words(status),
            at(&from)
        ),
    };
    StreamEvent {
        id: format!("gap:{id_seed}:{channel_id}"),
        channel_id: channel_id.to_owned(),
        channel_login: login.to_owned(),
        kind: EventKind::Gap,
        occurred_at: from,
        actor: None,
        summary,
        details: Details::Gap { from, to, reason },
    }
}

/// Builds a gap row for one channel (used by `RecentEvents` for the time the app was closed).
pub(crate) fn app_closed_gap(
    channel_id: &str,
    login: &str,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> StreamEvent {
    gap_row(
        channel_id,
        login,
        from,
        Some(to),
        GapReason::AppClosed,
        &format!("closed-{}", from.timestamp_millis()),
    )
}

fn resub_summary(who: &str, t: &str, months: u64, streak: Option<u64>) -> String {
    let mut s =
        format!("{who} resubscribed at {} for {}", tier(t), count(months, "month", "months"));
    if let Some(k) = streak.filter(|k| *k > 1) {
        s.push_str(&format!(" ({k}-month streak)"));
    }
    s
}

fn gift_summary(who: &str, total: u64, t: &str, recipient: Option<&str>) -> String {
    match (total, recipient) {
        (1, Some(r)) => format!("{who} gifted a {} sub to {r}", tier(t)),
        (1, None) => format!("{who} gifted a {} sub", tier(t)),
        (n, _) => format!("{who} gifted {n} {} subs to the community", tier(t)),
    }
}

fn tally(choices: &[Choice], unit: &str) -> String {
    choices
        .iter()
        .map(|c| match c.votes {
            Some(v) => format!("“{}” {v} {unit}", c.title),
            None => format!("“{}”", c.title),
        })
        .collect::<Vec<_>>()
        .join(" · ")
}

fn poll_end_summary(title: &str, status: Option<&str>, choices: &[Choice]) -> String {
    match status {
        Some("terminated") => format!("Poll ended early: “{title}”"),
        Some("archived") => format!("Poll archived: “{title}”"),
        _ => {
            let best = choices.iter().filter(|c| c.votes.is_some()).max_by_key(|c| c.votes);
            match best {
                Some(c) => format!(
                    "Poll ended: “{title}” — “{}” won with {}",
                    c.title,
                    count(c.votes.unwrap_or_default(), "vote", "votes")
                ),
                None => format!("Poll ended: “{title}”"),
            }
        }
    }
}
