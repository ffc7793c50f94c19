//! Subscriptions through their EventSub types: `channel.subscribe`,
//! `channel.subscription.message` (resubs) and `channel.subscription.gift`. Chat tells each of
//! them too (`notices.rs`); the two are shown once.

use super::{Outcome, actor, opt_actor, row};
use crate::eventsub::protocol::{Metadata, Subscribe, SubscriptionGift, SubscriptionMessage};
use crate::feed::link::Source;
use crate::feed::text::{count, name, tier};
use crate::feed::{Details, EventKind};

/// `channel.subscribe`.
pub(super) fn subscribe(meta: &Metadata, e: &Subscribe) -> Outcome {
    // A gifted sub also arrives as `channel.subscribe` with is_gift for the
    // recipient; the gift's own row (gifter as actor) already shows it.
    if e.is_gift {
        return Outcome::Nothing("a gifted sub's recipient: the gift's own row shows it");
    }
    let a = actor(&e.user_id, &e.user_login, &e.user_name);
    let summary = format!("{} subscribed at {}", name(a.as_ref(), "Someone"), tier(&e.tier));
    let r = row(
        meta,
        (&e.broadcaster_user_id, &e.broadcaster_user_login),
        EventKind::Sub,
        None,
        a,
        summary,
        Details::Sub { tier: e.tier.clone(), is_prime: false, duration_months: 1 },
    );
    Outcome::Linked { row: r, source: Source::EventSub, amount: 0 }
}

/// `channel.subscription.message`: a resub shared in chat.
pub(super) fn resub(meta: &Metadata, e: &SubscriptionMessage) -> Outcome {
    let a = actor(&e.user_id, &e.user_login, &e.user_name);
    let summary =
        resub_summary(name(a.as_ref(), "Someone"), &e.tier, e.cumulative_months, e.streak_months);
    let r = row(
        meta,
        (&e.broadcaster_user_id, &e.broadcaster_user_login),
        EventKind::Resub,
        None,
        a,
        summary,
        Details::Resub {
            tier: e.tier.clone(),
            cumulative_months: e.cumulative_months,
            streak_months: e.streak_months,
            is_gift: false,
            message: e.message.text.clone(),
        },
    );
    Outcome::Linked { row: r, source: Source::EventSub, amount: 0 }
}

/// `channel.subscription.gift`: one gift, or a gift bomb when `total` is more than one.
pub(super) fn gift(meta: &Metadata, e: &SubscriptionGift) -> Outcome {
    let a = opt_actor(e.is_anonymous, &e.user_id, &e.user_login, &e.user_name);
    let total = e.total.max(1);
    let kind = if total == 1 { EventKind::SubGift } else { EventKind::CommunitySubGift };
    let summary = gift_summary(name(a.as_ref(), "An anonymous gifter"), total, &e.tier, None);
    let details = if total == 1 {
        Details::SubGift { tier: e.tier.clone(), recipient: None, community_gift_id: None }
    } else {
        Details::CommunitySubGift {
            tier: e.tier.clone(),
            total,
            gift_id: None,
            recipients: Vec::new(),
            cumulative_total: e.cumulative_total,
        }
    };
    let r = row(
        meta,
        (&e.broadcaster_user_id, &e.broadcaster_user_login),
        kind,
        None,
        a,
        summary,
        details,
    );
    Outcome::Linked { row: r, source: Source::EventSub, amount: total }
}

/// "X resubscribed at Tier 1 for 5 months (3-month streak)".
pub(super) fn resub_summary(who: &str, t: &str, months: u64, streak: Option<u64>) -> String {
    let mut s =
        format!("{who} resubscribed at {} for {}", tier(t), count(months, "month", "months"));
    if let Some(k) = streak.filter(|k| *k > 1) {
        s.push_str(&format!(" ({k}-month streak)"));
    }
    s
}

/// "X gifted a Tier 1 sub to Y", "X gifted 5 Tier 1 subs to the community".
pub(super) fn gift_summary(who: &str, total: u64, t: &str, recipient: Option<&str>) -> String {
    match (total, recipient) {
        (1, Some(r)) => format!("{who} gifted a {} sub to {r}", tier(t)),
        (1, None) => format!("{who} gifted a {} sub", tier(t)),
        (n, _) => format!("{who} gifted {n} {} subs to the community", tier(t)),
    }
}
