//! The two-source link: a sub, resub, raid, cheer, gift or donation that Twitch tells both
//! through chat (`channel.chat.notification` / `channel.chat.message`) and through its own
//! EventSub type is one happening, shown once; so is a ban, timeout or unban told both by
//! `channel.ban`/`channel.unban` and by `channel.moderate`. Copies are recognised by channel,
//! kind, actor, amount and what else tells two such happenings apart (a resub's months and tier,
//! a sub's or gift's tier, a moderator action's name and target) within
//! [`FeedConfig::link_window`](super::FeedConfig::link_window) of event time, and only across
//! *different* sources, so two real cheers in a row stay two rows.

use super::{Details, EventKind, StreamEvent};
use chrono::{DateTime, TimeDelta, Utc};
use std::collections::{HashMap, VecDeque};
use std::sync::Arc;

/// Which delivery path a row came through, for the two-source rule: only copies from
/// *different* sources are merged, so two real cheers in a row are never folded together.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(super) enum Source {
    /// A dedicated EventSub type (`channel.subscribe`, `channel.raid`, `channel.cheer`, …).
    EventSub,
    /// `channel.chat.notification` / `channel.chat.message`.
    Chat,
    /// `channel.moderate`, which tells again the bans, timeouts and unbans `channel.ban` and
    /// `channel.unban` tell, and the unban-request answers of `channel.unban_request.resolve`
    /// (the EventSub source of those).
    ChannelModerate,
}

/// What the link made of a row.
#[derive(Debug)]
pub(super) enum Link {
    /// The first copy of its happening: show it (it waits for the other source's copy).
    New,
    /// The other source's copy was shown already: don't show this one.
    Shown,
    /// The other source's copy was shown already, as this row (a gift from EventSub, kept so
    /// that a gift bomb told by chat can fold its individual gifts into it).
    ShownAs(Box<StreamEvent>),
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
    /// What both sources tell alike and tells two happenings of one actor apart: a resub's
    /// tier and months (two resubs of one user, 15 and 65 months, are two rows), a sub's or
    /// gift's tier; empty otherwise. Both sources send these for the same happening
    /// (<https://dev.twitch.tv/docs/eventsub/eventsub-reference/#chat-notification-resub>,
    /// <https://dev.twitch.tv/docs/eventsub/eventsub-subscription-types/#channelsubscriptionmessage>).
    detail: String,
}

/// [`LinkKey::class`] of a row: its kind, except where two kinds tell one happening — a gift and
/// a gift bomb are told apart by `amount`, and `channel.moderate`'s answers to unban requests
/// are the `unban_request_resolved` rows that `channel.unban_request.resolve` tells
/// (<https://dev.twitch.tv/docs/eventsub/eventsub-subscription-types/#channelmoderate-v2>).
fn class(row: &StreamEvent) -> EventKind {
    match (&row.kind, &row.details) {
        (EventKind::SubGift | EventKind::CommunitySubGift, _) => EventKind::CommunitySubGift,
        (EventKind::ModAction, Details::ModAction { action, .. }) => match action.as_str() {
            "approve_unban_request" | "deny_unban_request" => EventKind::UnbanRequestResolved,
            _ => EventKind::ModAction,
        },
        (k, _) => *k,
    }
}

/// [`LinkKey::detail`] of a row.
fn detail(details: &Details) -> String {
    match details {
        Details::Resub { tier, cumulative_months, .. } => format!("{tier}/{cumulative_months}"),
        Details::Sub { tier, .. }
        | Details::SubGift { tier, .. }
        | Details::CommunitySubGift { tier, .. } => tier.clone(),
        // A moderator's action on a user: what and whom. A lifted timeout is an unban to
        // `channel.unban`.
        Details::ModAction { action, target, .. } => {
            let action = match action.as_str() {
                "untimeout" => "unban",
                "approve_unban_request" => "approved",
                "deny_unban_request" => "denied",
                a => a,
            };
            format!("{action}/{}", target.as_ref().map_or("", |t| t.id.as_str()))
        }
        // The same answer, told by `channel.unban_request.resolve`.
        Details::UnbanRequest { user, status, .. } => format!(
            "{}/{}",
            status.as_deref().unwrap_or(""),
            user.as_ref().map_or("", |t| t.id.as_str())
        ),
        _ => String::new(),
    }
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
    /// able to fold its individual gifts into the row shown from `channel.subscription.gift`; a
    /// chat gift's row is never asked for). Boxed: most entries have none, and an inline row would
    /// make every entry ten times its size (docs/bench-log.md, session 12: 4,096 entries of a raid
    /// or sub train held ~6 MiB, now ~1 MiB).
    row: Option<Box<StreamEvent>>,
}

/// The rows that a copy from the other source may still match.
#[derive(Debug, Default)]
pub(super) struct Links {
    /// Entries by happening. The key is shared with `link_order`: one allocation per distinct
    /// happening, not one per entry (docs/bench-log.md, session 12: 4,096 entries, each with its
    /// own copy of the key's two strings, were most of what the feed kept after a burst).
    links: HashMap<Arc<LinkKey>, VecDeque<LinkEntry>>,
    /// Insertion order of `links` entries, for pruning.
    link_order: VecDeque<(Arc<LinkKey>, DateTime<Utc>)>,
}

impl Links {
    /// Looks for the other source's copy of `row` (same channel, kind, actor, `amount` and
    /// detail, within `window`); records `row` when there is none.
    pub(super) fn link(
        &mut self,
        row: &StreamEvent,
        source: Source,
        amount: u64,
        window: TimeDelta,
    ) -> Link {
        let class = class(row);
        let key = LinkKey {
            channel: row.channel_id.clone(),
            class,
            actor: row.actor.as_ref().map_or_else(|| "anonymous".to_owned(), |a| a.id.clone()),
            amount,
            detail: detail(&row.details),
        };
        if let Some(entries) = self.links.get_mut(&key)
            && let Some(e) = entries.iter_mut().find(|e| {
                !e.matched && e.source != source && (e.at - row.occurred_at).abs() <= window
            })
        {
            e.matched = true;
            return match &e.row {
                Some(shown) => Link::ShownAs(shown.clone()),
                None => Link::Shown,
            };
        }
        // Only a gift row from EventSub is ever handed back: to a chat bomb (`bombs.rs`, the
        // one caller that uses it), and a match needs the other source.
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
        Link::New
    }

    /// Forgets entries older than `cut` (event time), and the oldest beyond `max`.
    pub(super) fn prune(&mut self, cut: DateTime<Utc>, max: usize) {
        while let Some((_, at)) = self.link_order.front() {
            if *at >= cut && self.link_order.len() <= max {
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
    }
}
