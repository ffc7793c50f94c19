//! [`Feed`]: parsed frames in, [`FeedUpdate`]s out, by the feed's rules (docs/ARCHITECTURE.md
//! "Where each rule lives").

use super::bombs::Bombs;
use super::gaps::{self, FrameGaps};
use super::link::{Link, Links, Source};
use super::rules::{self, Outcome, Slot};
use super::{Activity, ChannelState, Fate, FeedUpdate, GapReason, Phase, StreamEvent};
use crate::eventsub::protocol::{Frame, Message, Metadata, Notification};
use chrono::{DateTime, TimeDelta, Utc};
use std::collections::HashMap;

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

/// Turns parsed EventSub frames into feed rows. One per app (or per `tev replay` run).
///
/// Feed it every frame *after* message-id dedupe, in arrival order, with [`Feed::push`].
#[derive(Debug)]
pub struct Feed {
    /// Windows and bounds.
    config: FeedConfig,
    /// Channel id → its one login: the watcher's (from Helix, [`Feed::watch_channel`]), else
    /// the first an event spelled, lowercased (Twitch's logins are lowercase; its examples
    /// spell one channel `cool_user`, `Cool_User` and others). Every row of the channel carries
    /// it, and gap rows name the channel by it.
    channels: HashMap<String, String>,
    /// Channel id → its one display name: Helix's ([`Feed::name_channel`]), else the first an
    /// event spelled. The rows that name their own channel name it so (Twitch's examples spell
    /// one channel `Cool_User`, `glowillig`, …).
    names: HashMap<String, String>,
    /// Live state per channel.
    states: HashMap<String, ChannelState>,
    /// Rows that a copy from the other source may still match (`link.rs`).
    links: Links,
    /// Gift bombs and their individual gifts waiting for each other (`bombs.rs`).
    bombs: Bombs,
    /// The newest frame time seen; windows are measured back from it.
    watermark: Option<DateTime<Utc>>,
    /// What the frames tell about gaps (`gaps.rs`).
    gaps: FrameGaps,
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
            names: HashMap::new(),
            states: HashMap::new(),
            links: Links::default(),
            bombs: Bombs::default(),
            watermark: None,
            gaps: FrameGaps::default(),
        }
    }

    /// Tells the feed about a channel being watched, so gap rows can name it even before any
    /// event of it arrived.
    pub fn watch_channel(&mut self, channel_id: &str, channel_login: &str) {
        self.channels.insert(channel_id.to_owned(), channel_login.to_lowercase());
    }

    /// The channel's display name from an authority (Helix, for a watched channel): the name
    /// its rows call it from now on, whatever an event spells.
    pub fn name_channel(&mut self, channel_id: &str, display_name: &str) {
        if !channel_id.is_empty() && !display_name.is_empty() {
            self.names.insert(channel_id.to_owned(), display_name.to_owned());
        }
    }

    /// Stops tracking a channel (its gap rows stop); its state is dropped.
    pub fn unwatch_channel(&mut self, channel_id: &str) {
        self.channels.remove(channel_id);
        self.names.remove(channel_id);
        self.states.remove(channel_id);
    }

    /// The channel's live state, if anything is known.
    pub fn state(&self, channel_id: &str) -> Option<&ChannelState> {
        self.states.get(channel_id)
    }

    /// The session gave up on a `session_reconnect` handover (the successor never welcomed):
    /// the next welcome starts a new session and gets gap rows.
    pub fn handover_failed(&mut self) {
        self.gaps.handover_failed();
    }

    /// A gap row for every watched channel (`from`..`to`), e.g. from the session when it
    /// knows better than the frames (subscriptions re-created later than the welcome).
    pub fn gap_all(
        &self,
        from: DateTime<Utc>,
        to: Option<DateTime<Utc>>,
        reason: GapReason,
        id_seed: &str,
    ) -> Vec<FeedUpdate> {
        gaps::all(&self.channels, from, to, reason, id_seed)
    }

    /// Applies one frame (already deduped by message id). Returns what changed.
    pub fn push(&mut self, frame: &Frame) -> Vec<FeedUpdate> {
        self.push_explained(frame).0
    }

    /// [`Feed::push`], and what became of the frame, in words a user filing a bug can quote
    /// (`tev replay --explain`).
    pub fn push_explained(&mut self, frame: &Frame) -> (Vec<FeedUpdate>, Fate) {
        let meta = &frame.metadata;
        let ts = meta.message_timestamp;
        self.watermark = Some(self.watermark.map_or(ts, |w| w.max(ts)));
        let (out, why) = match &frame.message {
            Message::Keepalive => (Vec::new(), "a keepalive: the session is alive"),
            Message::Reconnect(_) => {
                self.gaps.reconnect();
                (Vec::new(), "a session_reconnect: the session moves to a new socket")
            }
            Message::Welcome(_) => (
                self.gaps.welcome(meta, self.config.gap_on_new_session, &self.channels),
                "a session_welcome: a session starts",
            ),
            Message::Revocation(sub) => (
                gaps::revocation(meta, sub, &self.channels),
                "a revocation: Twitch ended a subscription",
            ),
            Message::Notification(n) => self.notification(meta, n),
        };
        self.gaps.frame(ts);
        self.prune();
        let fate = Fate::of(&meta.message_id, &out, why);
        (out, fate)
    }

    /// Makes `login` the channel's login unless it has one; returns the one it has.
    fn learn(&mut self, channel_id: &str, login: &str) -> String {
        if channel_id.is_empty() {
            return login.to_owned();
        }
        let l = self.channels.entry(channel_id.to_owned()).or_default();
        if l.is_empty() {
            *l = login.to_lowercase();
        }
        l.clone()
    }

    /// A notification through its rule (`rules/`), then what its outcome does to the feed;
    /// with why it shows no row of its own when it does not.
    fn notification(
        &mut self,
        meta: &Metadata,
        n: &Notification,
    ) -> (Vec<FeedUpdate>, &'static str) {
        let spelled = rules::channel_named(n);
        if let Some((id, name)) = spelled
            && !id.is_empty()
            && !name.is_empty()
        {
            self.names.entry(id.to_owned()).or_insert_with(|| name.to_owned());
        }
        let mut outcome = rules::outcome(meta, n, &self.channels);
        if let Some((id, name)) = spelled
            && let Some(canonical) = self.names.get(id)
            && canonical != name
            && let Some(row) = outcome.row_mut().filter(|r| r.channel_id == id)
        {
            row.summary = row.summary.replacen(name, canonical, 1);
        }
        if let Some((channel_id, login)) = outcome.channel() {
            let (channel_id, login) = (channel_id.to_owned(), login.to_owned());
            let canonical = self.learn(&channel_id, &login);
            if canonical != login {
                outcome.set_channel(&channel_id, &canonical);
            }
        }
        let merged = "merged: the same happening from the other source (chat or its own \
                      EventSub type; channel.ban or channel.moderate) is already a row";
        let why = match &outcome {
            Outcome::Nothing(why) => why,
            Outcome::Linked { .. } | Outcome::Bomb { .. } => merged,
            Outcome::BombGift { .. } => "folded into its gift bomb's row",
            Outcome::Activity { .. } => {
                "a state update: the channel's hype train, poll or prediction"
            }
            _ => "no row",
        };
        let out = match outcome {
            Outcome::Nothing(_) => Vec::new(),
            Outcome::Row(row) => vec![FeedUpdate::Added(row)],
            Outcome::Linked { row, source, amount } => self.linked(row, source, amount),
            Outcome::Bomb { row, bomb, total } => {
                let link = self.links.link(&row, Source::Chat, total, self.config.link_window);
                self.bombs.bomb(row, bomb, link)
            }
            Outcome::BombGift { row, bomb, recipient } => self.bombs.gift(row, bomb, recipient),
            Outcome::Live { row, live } => {
                let st = self.set_live(&row.channel_id, live, row.occurred_at);
                added_with_state(row, st)
            }
            Outcome::Update { row, title, category_name } => {
                let st = self.state_mut(&row.channel_id);
                st.title = Some(title);
                st.category_name = Some(category_name);
                let st = st.clone();
                vec![FeedUpdate::Added(row), FeedUpdate::State(st)]
            }
            Outcome::Activity { channel_id, row, slot, id, phase, line, .. } => {
                let ts = meta.message_timestamp;
                let st = self.activity(&channel_id, slot, &id, phase, line, ts);
                let mut out: Vec<FeedUpdate> = row.map(FeedUpdate::Added).into_iter().collect();
                out.extend(st.map(FeedUpdate::State));
                out
            }
        };
        (out, why)
    }

    /// The two-source rule: show `row` unless the other source already showed the same
    /// happening (same channel, kind, actor and amount, within `link_window`).
    fn linked(&mut self, row: StreamEvent, source: Source, amount: u64) -> Vec<FeedUpdate> {
        match self.links.link(&row, source, amount, self.config.link_window) {
            Link::New => vec![FeedUpdate::Added(row)],
            Link::Shown | Link::ShownAs(_) => Vec::new(),
        }
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

    /// Hype train / poll / prediction state, guarded against stale frames (docs/twitch.md §1.7: a
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
        let max = self.config.max_tracked.max(1);
        self.links.prune(now - self.config.link_window, max);
        self.bombs.prune(now - self.config.gift_window, max);
    }
}

fn added_with_state(r: StreamEvent, st: Option<ChannelState>) -> Vec<FeedUpdate> {
    let mut out = vec![FeedUpdate::Added(r)];
    out.extend(st.map(FeedUpdate::State));
    out
}
