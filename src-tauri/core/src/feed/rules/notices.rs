//! Chat notifications (`channel.chat.notification`): subs, resubs, gifts, gift bombs, raids,
//! upgrades, pay-it-forwards, announcements, bits badges, donations and watch streaks, as chat
//! tells them. Those that also have their own EventSub type are linked with it (one row for
//! both); an unknown notice is `other`, in Twitch's words.

use super::subs::{gift_summary, resub_summary};
use super::{Outcome, actor, is_foreign, opt_actor};
use crate::eventsub::protocol::{ChatNotification, Metadata, NoticeType};
use crate::feed::link::Source;
use crate::feed::text::{count, name, system_or, tier, words};
use crate::feed::{Actor, Details, EventKind, StreamEvent};

/// `channel.chat.notification`: the rule of its `notice_type`.
pub(super) fn row(meta: &Metadata, c: &ChatNotification) -> Outcome {
    // Shared chat: a notice of another channel of the session belongs to that channel.
    if matches!(c.notice_type, NoticeType::SharedChat(_))
        || is_foreign(c.source_broadcaster_user_id.as_deref(), &c.broadcaster_user_id)
    {
        return Outcome::Nothing(SHARED_ELSEWHERE);
    }
    let chatter = opt_actor(
        c.chatter_is_anonymous,
        &c.chatter_user_id,
        &c.chatter_user_login,
        &c.chatter_user_name,
    );
    let n = Notice { meta, c, who: name(chatter.as_ref(), "An anonymous user").to_owned() };
    match &c.notice_type {
        NoticeType::Sub => sub(n, chatter),
        NoticeType::Resub => resub(n, chatter),
        NoticeType::SubGift => sub_gift(n, chatter),
        NoticeType::CommunitySubGift => community_sub_gift(n, chatter),
        NoticeType::GiftPaidUpgrade => gift_paid_upgrade(n, chatter),
        NoticeType::PrimePaidUpgrade => prime_paid_upgrade(n, chatter),
        NoticeType::Raid => raid(n, chatter),
        NoticeType::PayItForward => pay_it_forward(n, chatter),
        NoticeType::Announcement => announcement(n, chatter),
        NoticeType::BitsBadgeTier => bits_badge_tier(n, chatter),
        NoticeType::CharityDonation => charity_donation(n, chatter),
        NoticeType::WatchStreak => watch_streak(n, chatter),
        NoticeType::SharedChat(_) => Outcome::Nothing(SHARED_ELSEWHERE),
        NoticeType::Unraid | NoticeType::Unknown(_) => unknown(n, chatter),
    }
}

/// Why a shared-chat notice is not this channel's row.
const SHARED_ELSEWHERE: &str = "a shared-chat notice of another channel: that channel's event";

/// A notice and what every notice's row shares.
struct Notice<'a> {
    /// The frame's metadata.
    meta: &'a Metadata,
    /// The notice.
    c: &'a ChatNotification,
    /// The chatter's name, or "An anonymous user".
    who: String,
}

impl Notice<'_> {
    /// The notice's row: on its channel, at the frame's time.
    fn row(
        &self,
        kind: EventKind,
        actor: Option<Actor>,
        summary: String,
        details: Details,
    ) -> StreamEvent {
        let c = self.c;
        super::row(
            self.meta,
            (&c.broadcaster_user_id, &c.broadcaster_user_login),
            kind,
            None,
            actor,
            summary,
            details,
        )
    }
}

/// `sub`
fn sub(n: Notice<'_>, chatter: Option<Actor>) -> Outcome {
    let Notice { c, who, .. } = &n;
    let s = c.sub.clone().unwrap_or_default();
    let months = if s.duration_months > 1 {
        format!(" for {}", count(s.duration_months, "month", "months"))
    } else {
        String::new()
    };
    let summary = if s.is_prime {
        format!("{who} subscribed with Prime{months}")
    } else {
        format!("{who} subscribed at {}{months}", tier(&s.sub_tier))
    };
    let details = Details::Sub {
        tier: s.sub_tier,
        is_prime: s.is_prime,
        duration_months: s.duration_months.max(1),
    };
    let r = n.row(EventKind::Sub, chatter, summary, details);
    Outcome::Linked { row: r, source: Source::Chat, amount: 0 }
}

/// `resub`
fn resub(n: Notice<'_>, chatter: Option<Actor>) -> Outcome {
    let Notice { c, who, .. } = &n;
    let s = c.resub.clone().unwrap_or_default();
    let mut summary = resub_summary(who, &s.sub_tier, s.cumulative_months, s.streak_months);
    if s.is_gift {
        let gifter = if s.gifter_is_anonymous == Some(true) {
            None
        } else {
            s.gifter_user_name.clone().filter(|n| !n.is_empty())
        };
        summary.push_str(&format!(
            " (gifted by {})",
            gifter.as_deref().unwrap_or("an anonymous gifter")
        ));
    }
    let details = Details::Resub {
        tier: s.sub_tier,
        cumulative_months: s.cumulative_months,
        streak_months: s.streak_months,
        is_gift: s.is_gift,
        message: c.message.text.clone(),
    };
    let r = n.row(EventKind::Resub, chatter, summary, details);
    Outcome::Linked { row: r, source: Source::Chat, amount: 0 }
}

/// `sub_gift`: one gift, maybe part of a gift bomb.
fn sub_gift(n: Notice<'_>, chatter: Option<Actor>) -> Outcome {
    let g = n.c.sub_gift.clone().unwrap_or_default();
    let recipient = actor(&g.recipient_user_id, &g.recipient_user_login, &g.recipient_user_name);
    let summary = gift_summary(
        name(chatter.as_ref(), "An anonymous gifter"),
        1,
        &g.sub_tier,
        Some(name(recipient.as_ref(), "someone")),
    );
    let bomb = g.community_gift_id.clone().filter(|b| !b.is_empty());
    let details = Details::SubGift {
        tier: g.sub_tier,
        recipient: recipient.clone(),
        community_gift_id: bomb.clone(),
    };
    let r = n.row(EventKind::SubGift, chatter, summary, details);
    match bomb {
        Some(bomb) => Outcome::BombGift { row: r, bomb, recipient },
        None => Outcome::Linked { row: r, source: Source::Chat, amount: 1 },
    }
}

/// `community_sub_gift`: a gift bomb.
fn community_sub_gift(n: Notice<'_>, chatter: Option<Actor>) -> Outcome {
    let g = n.c.community_sub_gift.clone().unwrap_or_default();
    let total = g.total.max(1);
    let summary =
        gift_summary(name(chatter.as_ref(), "An anonymous gifter"), total, &g.sub_tier, None);
    let bomb = Some(g.id.clone()).filter(|b| !b.is_empty());
    let details = Details::CommunitySubGift {
        tier: g.sub_tier,
        total,
        gift_id: bomb.clone(),
        recipients: Vec::new(),
        cumulative_total: g.cumulative_total,
    };
    let r = n.row(EventKind::CommunitySubGift, chatter, summary, details);
    Outcome::Bomb { row: r, bomb, total }
}

/// `gift_paid_upgrade`
fn gift_paid_upgrade(n: Notice<'_>, chatter: Option<Actor>) -> Outcome {
    let g = n.c.gift_paid_upgrade.clone().unwrap_or_default();
    let gifter = opt_actor(
        g.gifter_is_anonymous,
        &g.gifter_user_id,
        &g.gifter_user_login,
        &g.gifter_user_name,
    );
    let summary = format!(
        "{} is continuing the gift sub from {}",
        n.who,
        name(gifter.as_ref(), "an anonymous gifter")
    );
    let details = Details::GiftPaidUpgrade { gifter };
    Outcome::Row(n.row(EventKind::GiftPaidUpgrade, chatter, summary, details))
}

/// `prime_paid_upgrade`
fn prime_paid_upgrade(n: Notice<'_>, chatter: Option<Actor>) -> Outcome {
    let p = n.c.prime_paid_upgrade.clone().unwrap_or_default();
    let summary = format!("{} upgraded their Prime sub to {}", n.who, tier(&p.sub_tier));
    let details = Details::PrimePaidUpgrade { tier: p.sub_tier };
    Outcome::Row(n.row(EventKind::PrimePaidUpgrade, chatter, summary, details))
}

/// `raid`: the raiding channel is the actor (the chatter when chat does not name it).
fn raid(n: Notice<'_>, chatter: Option<Actor>) -> Outcome {
    let g = n.c.raid.clone().unwrap_or_default();
    let a = actor(&g.user_id, &g.user_login, &g.user_name).or(chatter);
    let summary = format!(
        "{} raided with {}",
        name(a.as_ref(), "A channel"),
        count(g.viewer_count, "viewer", "viewers")
    );
    let details = Details::Raid { viewers: g.viewer_count };
    let r = n.row(EventKind::RaidIncoming, a, summary, details);
    Outcome::Linked { row: r, source: Source::Chat, amount: 0 }
}

/// `pay_it_forward`
fn pay_it_forward(n: Notice<'_>, chatter: Option<Actor>) -> Outcome {
    let p = n.c.pay_it_forward.clone().unwrap_or_default();
    let gifter = opt_actor(
        p.gifter_is_anonymous,
        &p.gifter_user_id,
        &p.gifter_user_login,
        &p.gifter_user_name,
    );
    let recipient =
        opt_actor(false, &p.recipient_user_id, &p.recipient_user_login, &p.recipient_user_name);
    let summary = format!(
        "{} is paying forward the gift from {} to {}",
        n.who,
        name(gifter.as_ref(), "an anonymous gifter"),
        name(recipient.as_ref(), "the community")
    );
    let details = Details::PayItForward { gifter, recipient };
    Outcome::Row(n.row(EventKind::PayItForward, chatter, summary, details))
}

/// `announcement`
fn announcement(n: Notice<'_>, chatter: Option<Actor>) -> Outcome {
    let Notice { c, who, .. } = &n;
    let a = c.announcement.clone().unwrap_or_default();
    let summary = if c.message.text.is_empty() {
        format!("{who} made an announcement")
    } else {
        format!("{who} announced: {}", c.message.text)
    };
    let details = Details::Announcement { message: c.message.text.clone(), color: a.color };
    Outcome::Row(n.row(EventKind::Announcement, chatter, summary, details))
}

/// `bits_badge_tier`
fn bits_badge_tier(n: Notice<'_>, chatter: Option<Actor>) -> Outcome {
    let b = n.c.bits_badge_tier.clone().unwrap_or_default();
    let summary = format!("{} unlocked the {} bits badge", n.who, b.tier);
    let details = Details::BitsBadgeTier { tier: b.tier };
    Outcome::Row(n.row(EventKind::BitsBadgeTier, chatter, summary, details))
}

/// `charity_donation`
fn charity_donation(n: Notice<'_>, chatter: Option<Actor>) -> Outcome {
    let d = n.c.charity_donation.clone().unwrap_or_default();
    let summary = format!("{} donated {} to {}", n.who, d.amount.display(), d.charity_name);
    let amount = d.amount.value.unsigned_abs();
    let details = Details::CharityDonation { charity_name: d.charity_name, amount: d.amount };
    let r = n.row(EventKind::CharityDonation, chatter, summary, details);
    Outcome::Linked { row: r, source: Source::Chat, amount }
}

/// `watch_streak`
fn watch_streak(n: Notice<'_>, chatter: Option<Actor>) -> Outcome {
    let w = n.c.watch_streak.clone().unwrap_or_default();
    let mut summary =
        format!("{} is on a watch streak of {}", n.who, count(w.streak_count, "stream", "streams"));
    if w.channel_points_awarded > 0 {
        summary.push_str(&format!(" (+{} channel points)", w.channel_points_awarded));
    }
    let details = Details::WatchStreak {
        streak_count: w.streak_count,
        channel_points_awarded: w.channel_points_awarded,
    };
    Outcome::Row(n.row(EventKind::WatchStreak, chatter, summary, details))
}

/// `unraid` and notices this app does not know: kept as `other`, in Twitch's words when it
/// gave some, else in ours.
fn unknown(n: Notice<'_>, chatter: Option<Actor>) -> Outcome {
    let Notice { c, who, .. } = &n;
    let wire = c.notice_type.as_wire().into_owned();
    let fallback = match (&c.notice_type, chatter.is_some()) {
        (NoticeType::Unraid, _) => format!("{who} cancelled a raid"),
        (_, true) => format!("{who}: {} (a chat notice this app does not know)", words(&wire)),
        (_, false) => format!("Chat notice: {}", words(&wire)),
    };
    let mut summary = system_or(&c.system_message, &wire, fallback);
    // The summary always names the actor, even when Twitch's text does not.
    if let Some(a) = &chatter
        && !summary.contains(name(Some(a), ""))
    {
        summary = format!("{}: {}", name(Some(a), ""), summary);
    }
    let details = Details::Other {
        subscription_type: "channel.chat.notification".into(),
        subscription_version: "1".into(),
        notice_type: Some(wire),
        system_message: Some(c.system_message.clone()),
    };
    Outcome::Row(n.row(EventKind::Other, chatter, summary, details))
}
