//! Gaps: the one place that decides when events may have been missed, and the one form a gap
//! takes — a `gap` row ([`StreamEvent`] of kind `gap` with [`Details::Gap`]: from, to, why)
//! for each channel concerned. Twitch never replays what nobody received (docs/twitch.md
//! §1.4), so every such time is shown, never silently skipped.
//!
//! | When | From → to | Reason | Decided by |
//! |---|---|---|---|
//! | The app was closed (on loading the stored rows), for the channels watched when it stopped listening | that moment → start | `app_closed` | [`app_closed`] |
//! | A subscription was revoked | the revocation → open | `revoked` | [`revocation`] (the feed) |
//! | A new session that is not a `session_reconnect` handover, from frames alone (`tev replay`) | last frame → welcome | `connection_lost` | [`FrameGaps`] (the feed) |
//! | The watcher's socket was lost | last frame → subscriptions back | `connection_lost` | [`GapTracker::lost`] |
//! | A handover came while subscriptions were being changed | then → subscriptions back | `connection_lost` | [`GapTracker::reconcile_cut_short`] |
//! | A handover's old socket was cut off before its close | its last frame → the switch | `connection_lost` | [`GapTracker::old_socket_lost`] |
//! | The app's reader of the watcher fell behind | now → now | `connection_lost` | [`lagged`] |
//!
//! Two gap rows that end up next to each other in a channel's list (a channel opened every
//! day with nothing happening in between) become one, from the earlier start to the later end
//! ([`merge`]), so gap rows never crowd out the channel's real events.
//!
//! "Subscriptions back" is the end of the next successful reconcile
//! ([`GapTracker::reconciled`]): the watcher knows better than the frames when a gap ends, so
//! its feed leaves new-session gaps to it (`FeedConfig::gap_on_new_session`).

use super::text::{at, words};
use super::{Details, EventKind, Feed, FeedUpdate, GapReason, StreamEvent};
use crate::eventsub::protocol::{Condition, Metadata, Subscription};
use chrono::{DateTime, Utc};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::time::SystemTime;

/// A gap row for every channel of `channels` (id → login), by channel id.
pub(super) fn all(
    channels: &HashMap<String, String>,
    from: DateTime<Utc>,
    to: Option<DateTime<Utc>>,
    reason: GapReason,
    id_seed: &str,
) -> Vec<FeedUpdate> {
    let mut ids: Vec<(String, String)> =
        channels.iter().map(|(id, login)| (id.clone(), login.clone())).collect();
    ids.sort();
    ids.into_iter()
        .map(|(id, login)| {
            FeedUpdate::Added(gap_row(&id, &login, from, to, reason.clone(), id_seed))
        })
        .collect()
}

/// What the frames alone tell about gaps: the feed's, for a feed that runs without the
/// watcher (`tev replay`).
#[derive(Debug, Default)]
pub(super) struct FrameGaps {
    /// The time of the last frame of the current session, the start of a gap if the session
    /// is lost.
    last_frame_at: Option<DateTime<Utc>>,
    /// A `session_reconnect` was seen: the next welcome is its successor, not a new session.
    handover_pending: bool,
}

impl FrameGaps {
    /// A `session_reconnect`.
    pub(super) fn reconnect(&mut self) {
        // docs/twitch.md §1.3: the successor's welcome follows; subscriptions carry over.
        self.handover_pending = true;
    }

    /// The session gave up on a `session_reconnect` handover: the next welcome starts a new
    /// session.
    pub(super) fn handover_failed(&mut self) {
        self.handover_pending = false;
    }

    /// A `session_welcome`: when it starts a new session that is not a handover (and
    /// `on_new_session`), a gap row for every channel of `channels`.
    pub(super) fn welcome(
        &mut self,
        meta: &Metadata,
        on_new_session: bool,
        channels: &HashMap<String, String>,
    ) -> Vec<FeedUpdate> {
        let ts = meta.message_timestamp;
        let out = match (self.handover_pending || !on_new_session, self.last_frame_at) {
            // A new session that is not a handover: everything between the last frame
            // of the old one and this welcome may be lost (docs/twitch.md §1.4).
            (false, Some(from)) => {
                all(channels, from, Some(ts), GapReason::ConnectionLost, &meta.message_id)
            }
            _ => Vec::new(),
        };
        self.handover_pending = false;
        out
    }

    /// Any frame, once applied.
    pub(super) fn frame(&mut self, ts: DateTime<Utc>) {
        self.last_frame_at = Some(self.last_frame_at.map_or(ts, |l| l.max(ts)));
    }
}

/// A `revocation`: an open-ended gap row on the subscription's channel (docs/twitch.md
/// §1.2, §1.7), named from `channels` (id → login).
pub(super) fn revocation(
    meta: &Metadata,
    sub: &Subscription,
    channels: &HashMap<String, String>,
) -> Vec<FeedUpdate> {
    let Some(channel) = condition_channel(&sub.condition) else {
        return Vec::new();
    };
    let login = channels.get(channel).cloned().unwrap_or_default();
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

/// The channel a subscription is about: its condition's broadcaster, else the raid's side.
fn condition_channel(c: &Condition) -> Option<&str> {
    ["broadcaster_user_id", "to_broadcaster_user_id", "from_broadcaster_user_id", "user_id"]
        .into_iter()
        .find_map(|k| c.get(k).filter(|v| !v.is_empty()))
}

/// The watcher's gaps. It knows what the frames do not: which channels may have been
/// subscribed when the socket went, and when their subscriptions exist again (the end of the
/// next successful reconcile), so a loss is marked from its last frame to that moment.
#[derive(Debug, Default)]
pub(crate) struct GapTracker {
    /// Channels that may have missed events since the time given, closed by the next
    /// successful reconcile; `true` once a lost connection concerns the channel (only that
    /// gives rows then: a revocation got its row from the feed at once).
    pending: BTreeMap<String, (SystemTime, bool)>,
}

impl GapTracker {
    /// The socket was lost (docs/twitch.md §1.4): the `watched` channels that may have been
    /// subscribed (`subscribed`) may miss events from `last_seen` until they are subscribed
    /// again.
    pub(crate) fn lost<'a>(
        &mut self,
        last_seen: SystemTime,
        watched: impl IntoIterator<Item = &'a str>,
        subscribed: &HashSet<String>,
    ) {
        // Only channels that may have been subscribed can have missed anything.
        let affected: Vec<String> =
            watched.into_iter().filter(|c| subscribed.contains(*c)).map(str::to_owned).collect();
        self.note(last_seen, true, affected);
    }

    /// A `session_reconnect` stopped a reconcile at `now`: what it already did to the
    /// subscriptions is unknown, so the `open` channels may miss events until the reconcile
    /// on the successor has made them whole again (subscriptions were being changed while
    /// Twitch moved the connection).
    pub(crate) fn reconcile_cut_short(
        &mut self,
        now: SystemTime,
        open: impl IntoIterator<Item = String>,
    ) {
        self.note(now, true, open);
    }

    /// A subscription of `channel` was revoked at `sent_at`. Its row comes from the feed;
    /// noted here so that a loss before the next reconcile starts no later.
    pub(crate) fn revoked(&mut self, sent_at: SystemTime, channel: String) {
        self.note(sent_at, false, [channel]);
    }

    /// No channel is watched any more: nothing is pending.
    pub(crate) fn clear(&mut self) {
        self.pending.clear();
    }

    /// A reconcile on session `session_id` succeeded at `now`: the pending gaps of the `open`
    /// channels end. When a lost connection concerned any of them, every channel of `feed`
    /// gets a `connection_lost` row from the earliest start to `now`.
    pub(crate) fn reconciled<'a>(
        &mut self,
        open: impl IntoIterator<Item = &'a str>,
        now: SystemTime,
        session_id: &str,
        feed: &Feed,
    ) -> Vec<FeedUpdate> {
        let open: HashSet<&str> = open.into_iter().collect();
        let mut lost_from: Option<SystemTime> = None;
        for (channel_id, (from, lost)) in std::mem::take(&mut self.pending) {
            if open.contains(channel_id.as_str()) && lost {
                lost_from = Some(lost_from.map_or(from, |f| f.min(from)));
            }
        }
        // The feed's `gap` rows for a lost connection (a revocation got its row from
        // the feed when the revocation frame went through it).
        let Some(from) = lost_from else { return Vec::new() };
        let seed = format!("lost-{session_id}");
        feed.gap_all(
            DateTime::<Utc>::from(from),
            Some(DateTime::<Utc>::from(now)),
            GapReason::ConnectionLost,
            &seed,
        )
    }

    /// A handover's old socket was cut off before Twitch answered its close: the session and
    /// its subscriptions are fine, only frames still on the old socket may be gone, a gap with
    /// known ends (docs/twitch.md §1.3 step 3) for every channel of `feed` when any channel may
    /// have been subscribed.
    pub(crate) fn old_socket_lost(
        &self,
        last_seen: SystemTime,
        switched_at: SystemTime,
        subscribed: &HashSet<String>,
        feed: &Feed,
    ) -> Vec<FeedUpdate> {
        if subscribed.is_empty() {
            return Vec::new();
        }
        let switched_at = DateTime::<Utc>::from(switched_at);
        let seed = format!("handover-{}", switched_at.timestamp_nanos_opt().unwrap_or(0));
        feed.gap_all(
            DateTime::<Utc>::from(last_seen),
            Some(switched_at),
            GapReason::ConnectionLost,
            &seed,
        )
    }

    /// `channels` may miss events from `from` on; `lost`: because the connection was lost.
    fn note(&mut self, from: SystemTime, lost: bool, channels: impl IntoIterator<Item = String>) {
        for c in channels {
            let e = self.pending.entry(c).or_insert((from, lost));
            if from < e.0 {
                *e = (from, e.1 || lost);
            } else {
                e.1 |= lost;
            }
        }
    }
}

/// The app was closed from `from` (the last save) to `to` (this start): the gap row of a
/// channel with stored rows, if any time passed.
pub(crate) fn app_closed(
    channel_id: &str,
    login: &str,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Option<StreamEvent> {
    (from < to).then(|| {
        let seed = format!("closed-{}", from.timestamp_millis());
        gap_row(channel_id, login, from, Some(to), GapReason::AppClosed, &seed)
    })
}

/// Two gap rows of one channel that are next to each other in its list, as one row from the
/// earlier start to the later end, with the newer row's id and reason. `None` when either is
/// not a gap row with both ends known (an open-ended revocation row stays on its own).
pub(crate) fn merge(newer: &StreamEvent, older: &StreamEvent) -> Option<StreamEvent> {
    let gap_of = |e: &StreamEvent| match &e.details {
        Details::Gap { from, to: Some(to), reason } if e.kind == EventKind::Gap => {
            Some((*from, *to, reason.clone()))
        }
        _ => None,
    };
    let (from_n, to_n, reason) = gap_of(newer)?;
    let (from_o, to_o, _) = gap_of(older)?;
    if newer.channel_id != older.channel_id {
        return None;
    }
    let login =
        if newer.channel_login.is_empty() { &older.channel_login } else { &newer.channel_login };
    let mut row =
        gap_row(&newer.channel_id, login, from_n.min(from_o), Some(to_n.max(to_o)), reason, "");
    row.id = newer.id.clone();
    Some(row)
}

/// The app's reader of the watcher's updates fell behind and some were dropped, when is not
/// known: a gap at `now` for every shown channel of `channels` (id, login). Never silently.
pub(crate) fn lagged(
    channels: impl IntoIterator<Item = (String, String)>,
    now: DateTime<Utc>,
) -> Vec<StreamEvent> {
    let seed = format!("lagged-{}", now.timestamp_millis());
    channels
        .into_iter()
        .map(|(channel_id, login)| {
            gap_row(&channel_id, &login, now, Some(now), GapReason::ConnectionLost, &seed)
        })
        .collect()
}

/// The `gap` row of one channel; its id is `gap:<id_seed>:<channel id>`.
fn gap_row(
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

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn t(secs: u64) -> SystemTime {
        SystemTime::UNIX_EPOCH + Duration::from_secs(1_800_000_000 + secs)
    }

    fn feed() -> Feed {
        let mut feed = Feed::default();
        feed.watch_channel("2", "second");
        feed.watch_channel("1", "first");
        feed
    }

    fn gap(u: &FeedUpdate) -> (&str, &str, DateTime<Utc>, Option<DateTime<Utc>>, &GapReason) {
        let FeedUpdate::Added(e) = u else { panic!("not a row: {u:?}") };
        let Details::Gap { from, to, reason } = &e.details else { panic!("not a gap: {e:?}") };
        (&e.id, &e.channel_id, *from, *to, reason)
    }

    #[test]
    fn a_loss_gives_every_channel_one_row_from_the_earliest_start_to_the_reconcile() {
        let mut gaps = GapTracker::default();
        let subscribed: HashSet<String> = ["1".to_owned()].into();
        // A revocation of channel 1 before the loss: the lost interval starts there.
        gaps.revoked(t(5), "1".into());
        gaps.lost(t(10), ["1", "2"], &subscribed);
        let rows = gaps.reconciled(["1", "2"], t(30), "s2", &feed());
        let got: Vec<_> = rows.iter().map(gap).collect();
        let (from, to) = (DateTime::<Utc>::from(t(5)), Some(DateTime::<Utc>::from(t(30))));
        assert_eq!(
            got,
            [
                ("gap:lost-s2:1", "1", from, to, &GapReason::ConnectionLost),
                ("gap:lost-s2:2", "2", from, to, &GapReason::ConnectionLost),
            ]
        );
        assert!(gaps.reconciled(["1", "2"], t(40), "s2", &feed()).is_empty(), "closed once");
    }

    #[test]
    fn a_revocation_alone_or_a_loss_of_unsubscribed_channels_adds_no_row_at_the_reconcile() {
        let mut gaps = GapTracker::default();
        gaps.revoked(t(5), "1".into());
        gaps.lost(t(10), ["2"], &HashSet::new());
        assert!(gaps.reconciled(["1", "2"], t(30), "s2", &feed()).is_empty());
    }

    #[test]
    fn an_old_socket_cut_off_gives_a_row_from_its_last_frame_to_the_switch() {
        let gaps = GapTracker::default();
        assert!(gaps.old_socket_lost(t(1), t(2), &HashSet::new(), &feed()).is_empty());
        let rows = gaps.old_socket_lost(t(1), t(2), &["1".to_owned()].into(), &feed());
        assert_eq!(rows.len(), 2, "every channel of the feed");
        let (id, _, from, to, _) = gap(&rows[0]);
        assert!(id.starts_with("gap:handover-") && id.ends_with(":1"), "{id}");
        assert_eq!((from, to), (t(1).into(), Some(t(2).into())));
    }

    #[test]
    fn two_neighbouring_gap_rows_become_one_from_the_earlier_start_to_the_later_end() {
        let d = |s| DateTime::<Utc>::from(t(s));
        let older = app_closed("1", "first", d(0), d(60)).expect("a gap");
        let newer = app_closed("1", "first", d(100), d(200)).expect("a gap");
        let m = merge(&newer, &older).expect("merged");
        assert_eq!(m.id, newer.id);
        assert_eq!(m.occurred_at, d(0));
        assert_eq!(
            m.details,
            Details::Gap { from: d(0), to: Some(d(200)), reason: GapReason::AppClosed }
        );
        let other = app_closed("2", "second", d(100), d(200)).expect("a gap");
        assert!(merge(&other, &older).is_none(), "another channel's row");
        let open = gap_row("1", "first", d(100), None, GapReason::ConnectionLost, "x");
        assert!(merge(&open, &older).is_none(), "an open-ended row stays on its own");
    }

    #[test]
    fn the_app_closed_gap_needs_time_to_have_passed() {
        let (from, to) = (DateTime::<Utc>::from(t(0)), DateTime::<Utc>::from(t(60)));
        assert!(app_closed("1", "first", to, to).is_none());
        let row = app_closed("1", "first", from, to).expect("a gap");
        assert_eq!(row.id, format!("gap:closed-{}:1", from.timestamp_millis()));
        assert_eq!(row.details, Details::Gap { from, to: Some(to), reason: GapReason::AppClosed });
    }
}
