//! The kinds of rows of the events panel, listed once: each kind's name, the group the panel
//! filters and mutes it by, how the panel draws it and what a notification calls it.
//!
//! Everything else is derived from the one table in [`event_kinds!`]: the [`EventKind`] enum
//! (re-exported as `feed::EventKind`) and its [`EventKind::as_str`], [`KIND_TABLE`] (which the
//! streamer page gets with its snapshot, so the page has no list of its own), the groups'
//! kind lists in [`FEED_GROUPS`], and the notifier's list [`crate::notify::KINDS`]. A new kind
//! is one new line in the table (and its row rule in the feed).

use serde::{Deserialize, Serialize};

/// How one kind is named, grouped and drawn; one line of [`KIND_TABLE`], as the pages read it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct KindInfo {
    /// The snake_case name, as serialised in rows and settings (`"raid_incoming"`).
    pub name: &'static str,
    /// The words for it, in a notification and the notification choices ("Incoming raid").
    pub label: &'static str,
    /// The id of the [`FeedGroup`] the panel filters and mutes it with; `None` for gap rows,
    /// which no choice hides.
    pub group: Option<&'static str>,
    /// The character the panel shows in the row's icon.
    pub glyph: &'static str,
    /// The CSS class giving the row its colour (`ui/styles/streamer.css`, `.k-…`); empty for
    /// gap rows, which are drawn apart.
    pub family: &'static str,
}

/// Generates [`EventKind`], [`EventKind::as_str`], [`EventKind::ALL`] and [`KIND_TABLE`] from
/// one line per kind: `Variant(name, group, glyph, family, label)`, in the order the settings
/// page lists the notification choices.
macro_rules! event_kinds {
    ($( $(#[doc = $doc:literal])* $variant:ident(
        $name:literal, $group:expr, $glyph:literal, $family:literal, $label:literal
    ), )*) => {
        /// The kinds of rows of the events panel; serialised by their snake_case name.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        pub enum EventKind {
            $( $(#[doc = $doc])* #[serde(rename = $name)] $variant, )*
        }

        impl EventKind {
            /// Every kind, in the table's order.
            pub const ALL: &'static [EventKind] = &[$(EventKind::$variant),*];

            /// The snake_case name, as serialised.
            pub const fn as_str(self) -> &'static str {
                match self {
                    $(EventKind::$variant => $name,)*
                }
            }
        }

        /// Every kind's name, group, glyph and words, in [`EventKind::ALL`]'s order.
        pub const KIND_TABLE: &[KindInfo] = &[$(KindInfo {
            name: $name,
            label: $label,
            group: $group,
            glyph: $glyph,
            family: $family,
        }),*];
    };
}

event_kinds! {
    // Variant(name, group, glyph, family, label)
    /// The channel went live.
    StreamOnline("stream_online", Some("stream"), "●", "k-stream", "Live now"),
    /// The channel went offline.
    StreamOffline("stream_offline", Some("stream"), "○", "k-stream", "Stream ended"),
    /// Title/category/language changed.
    ChannelUpdate("channel_update", Some("stream"), "✎", "k-info", "Channel updated"),
    /// Another channel raided this one.
    RaidIncoming("raid_incoming", Some("raids"), "➜", "k-raid", "Incoming raid"),
    /// This channel raided another one.
    RaidOutgoing("raid_outgoing", Some("raids"), "➜", "k-raid", "Outgoing raid"),
    /// A new subscription.
    Sub("sub", Some("subs"), "★", "k-sub", "New subscriber"),
    /// A resubscription shared in chat.
    Resub("resub", Some("subs"), "★", "k-sub", "Resubscription"),
    /// One gifted sub.
    SubGift("sub_gift", Some("subs"), "♦", "k-gift", "Gifted sub"),
    /// A gift bomb (several subs gifted to the community).
    CommunitySubGift("community_sub_gift", Some("subs"), "♦", "k-gift", "Gifted subs"),
    /// A gifted sub continued as a paid one.
    GiftPaidUpgrade("gift_paid_upgrade", Some("subs"), "★", "k-sub", "Gift sub upgraded"),
    /// A Prime sub upgraded to a paid tier.
    PrimePaidUpgrade("prime_paid_upgrade", Some("subs"), "★", "k-sub", "Prime sub upgraded"),
    /// A gift recipient paid it forward.
    PayItForward("pay_it_forward", Some("subs"), "♦", "k-gift", "Paid it forward"),
    /// A chat announcement.
    Announcement("announcement", Some("announcements"), "!", "k-info", "Announcement"),
    /// A user reached a new bits badge tier.
    BitsBadgeTier("bits_badge_tier", Some("cheers"), "◆", "k-cheer", "New Bits badge"),
    /// A charity donation.
    CharityDonation("charity_donation", Some("other"), "♥", "k-gift", "Charity donation"),
    /// A viewer's watch streak.
    WatchStreak("watch_streak", Some("other"), "✓", "k-info", "Watch streak"),
    /// Bits cheered.
    Cheer("cheer", Some("cheers"), "◆", "k-cheer", "Cheer"),
    /// A new follower.
    Follow("follow", Some("follows"), "+", "k-follow", "New follower"),
    /// A hype train started.
    HypeTrainBegin("hype_train_begin", Some("hype"), "▲", "k-hype", "Hype train started"),
    /// A hype train ended.
    HypeTrainEnd("hype_train_end", Some("hype"), "▲", "k-hype", "Hype train ended"),
    /// A poll started.
    PollBegin("poll_begin", Some("polls"), "?", "k-info", "Poll started"),
    /// A poll ended.
    PollEnd("poll_end", Some("polls"), "?", "k-info", "Poll ended"),
    /// A prediction started.
    PredictionBegin("prediction_begin", Some("polls"), "%", "k-info", "Prediction started"),
    /// A prediction ended.
    PredictionEnd("prediction_end", Some("polls"), "%", "k-info", "Prediction ended"),
    /// An ad break started.
    AdBreak("ad_break", Some("other"), "▮", "k-info", "Ad break"),
    /// A channel-points reward was redeemed.
    RewardRedemption("reward_redemption", Some("other"), "✦", "k-follow", "Reward redeemed"),
    /// Another channel gave this one a shoutout.
    ShoutoutReceived("shoutout_received", Some("raids"), "✉", "k-raid", "Shoutout received"),
    /// A moderator's action (`channel.moderate`; `channel.ban`/`.unban` where that is not
    /// subscribed): a ban, a timeout, a deleted message, a chat mode, a role, ….
    ModAction("mod_action", Some("moderation"), "⚑", "k-mod", "Moderator action"),
    /// AutoMod held a message for review.
    AutomodHold("automod_hold", Some("moderation"), "☐", "k-mod", "Message held by AutoMod"),
    /// A held message was approved, denied or expired.
    AutomodResolved("automod_resolved", Some("moderation"), "☑", "k-mod", "Held message resolved"),
    /// A user Twitch flags as suspicious sent a message.
    SuspiciousUserMessage(
        "suspicious_user_message",
        Some("moderation"),
        "⚠",
        "k-mod",
        "Suspicious user's message"
    ),
    /// A moderator changed a user's suspicious status.
    SuspiciousUserUpdate(
        "suspicious_user_update",
        Some("moderation"),
        "⚠",
        "k-mod",
        "Suspicious user updated"
    ),
    /// A moderator warned a user.
    WarningSent("warning_sent", Some("moderation"), "⚠", "k-mod", "Warning sent"),
    /// A user acknowledged a warning.
    WarningAcknowledged(
        "warning_acknowledged",
        Some("moderation"),
        "✓",
        "k-mod",
        "Warning acknowledged"
    ),
    /// A banned user asked to be unbanned.
    UnbanRequest("unban_request", Some("moderation"), "✉", "k-mod", "Unban request"),
    /// An unban request was approved, denied or canceled.
    UnbanRequestResolved(
        "unban_request_resolved",
        Some("moderation"),
        "✉",
        "k-mod",
        "Unban request resolved"
    ),
    /// Shield Mode was turned on or off.
    ShieldMode("shield_mode", Some("moderation"), "◈", "k-mod", "Shield Mode"),
    /// Something this app has no kind for (unknown type or notice).
    Other("other", Some("other"), "•", "k-info", "Other event"),
    /// Events may have been missed in this interval.
    Gap("gap", None, "┄", "", "Events may have been missed"),
}

impl EventKind {
    /// This kind's line of [`KIND_TABLE`].
    pub const fn info(self) -> &'static KindInfo {
        &KIND_TABLE[self as usize]
    }
}

/// A family of event kinds the events panel filters and mutes as one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct FeedGroup {
    /// Stable name, stored in `settings.json` (`"subs"`).
    pub id: &'static str,
    /// What the panel calls it ("Subs & gifts").
    pub label: &'static str,
    /// The feed's snake_case kinds in it, from [`KIND_TABLE`] (in its order).
    pub kinds: &'static [&'static str],
}

/// The group of every kind no other group lists (new kinds of a newer Twitch included).
pub const OTHER_GROUP: &str = "other";

/// Generates [`FEED_GROUPS`] from one line per group, `id => label`, in menu order; each
/// group's kinds are the kinds of [`KIND_TABLE`] that name it.
macro_rules! feed_groups {
    ($($id:expr => $label:literal,)*) => {
        /// The groups, in the order the panel lists them. Every kind but the gap is in exactly
        /// one (checked when the crate builds); unknown kinds fall into [`OTHER_GROUP`].
        pub const FEED_GROUPS: &[FeedGroup] = &[$(FeedGroup {
            id: $id,
            label: $label,
            kinds: &kinds_in::<{ count_in($id) }>($id),
        }),*];
    };
}

feed_groups! {
    "stream" => "Stream state",
    "raids" => "Raids & shoutouts",
    "subs" => "Subs & gifts",
    "cheers" => "Cheers & bits",
    "announcements" => "Announcements",
    "follows" => "Follows",
    "hype" => "Hype trains",
    "polls" => "Polls & predictions",
    "moderation" => "Moderation",
    OTHER_GROUP => "Other",
}

/// The group a feed kind belongs to, by name; `None` for gap rows, which no choice hides.
pub fn feed_group_of(kind: &str) -> Option<&'static str> {
    match KIND_TABLE.iter().find(|k| k.name == kind) {
        Some(info) => info.group,
        None => Some(OTHER_GROUP),
    }
}

/// Whether `name` is one of [`FEED_GROUPS`].
pub fn is_feed_group(name: &str) -> bool {
    FEED_GROUPS.iter().any(|g| g.id == name)
}

/// The kinds a notification can be chosen for, with their words, in table order: every kind
/// but the gap marker, which never notifies. The notifier's [`crate::notify::KINDS`].
pub const NOTIFY_KINDS: &[(&str, &str)] = &notify_kinds::<{ KIND_TABLE.len() - 1 }>();

// The derivations above, as `const fn`s so the lists are constants checked at build time.

/// `a == b`, in a constant.
const fn same(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}

/// Whether `info` belongs to the group `group`.
const fn in_group(info: &KindInfo, group: &str) -> bool {
    match info.group {
        Some(g) => same(g, group),
        None => false,
    }
}

/// How many kinds of [`KIND_TABLE`] are in `group`.
const fn count_in(group: &str) -> usize {
    let (mut n, mut i) = (0, 0);
    while i < KIND_TABLE.len() {
        if in_group(&KIND_TABLE[i], group) {
            n += 1;
        }
        i += 1;
    }
    n
}

/// The names of the `N` kinds in `group`, in table order.
const fn kinds_in<const N: usize>(group: &str) -> [&'static str; N] {
    let mut out = [""; N];
    let (mut n, mut i) = (0, 0);
    while i < KIND_TABLE.len() {
        if in_group(&KIND_TABLE[i], group) {
            out[n] = KIND_TABLE[i].name;
            n += 1;
        }
        i += 1;
    }
    out
}

/// (name, label) of every kind but [`EventKind::Gap`].
const fn notify_kinds<const N: usize>() -> [(&'static str, &'static str); N] {
    let mut out = [("", ""); N];
    let (mut n, mut i) = (0, 0);
    while i < KIND_TABLE.len() {
        if i != EventKind::Gap as usize {
            out[n] = (KIND_TABLE[i].name, KIND_TABLE[i].label);
            n += 1;
        }
        i += 1;
    }
    out
}

/// Whether the table holds together: each kind names a group that exists (the gap alone names
/// none) and no two kinds share a name. Asserted below, so a mistake fails the build.
const fn table_is_consistent() -> bool {
    let mut i = 0;
    while i < KIND_TABLE.len() {
        let info = &KIND_TABLE[i];
        let grouped = match info.group {
            Some(g) => {
                let mut found = false;
                let mut j = 0;
                while j < FEED_GROUPS.len() {
                    found |= same(FEED_GROUPS[j].id, g);
                    j += 1;
                }
                found
            }
            None => i == EventKind::Gap as usize,
        };
        if !grouped {
            return false;
        }
        let mut j = i + 1;
        while j < KIND_TABLE.len() {
            if same(KIND_TABLE[j].name, info.name) {
                return false;
            }
            j += 1;
        }
        i += 1;
    }
    true
}

const _: () = assert!(table_is_consistent(), "a kind names an unknown group, or a name twice");

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_is_named_in_the_table_as_serde_names_it() {
        assert_eq!(EventKind::ALL.len(), KIND_TABLE.len());
        for (&kind, info) in EventKind::ALL.iter().zip(KIND_TABLE) {
            assert_eq!(kind.as_str(), info.name);
            assert_eq!(kind.info(), info);
            let json = serde_json::to_value(kind).expect("serializes");
            assert_eq!(json, info.name);
            let back: EventKind = serde_json::from_value(json).expect("deserializes");
            assert_eq!(back, kind);
        }
        assert!(serde_json::from_str::<EventKind>("\"a_kind_of_tomorrow\"").is_err());
    }

    #[test]
    fn every_feed_kind_is_in_exactly_one_group_and_gaps_in_none() {
        for info in KIND_TABLE {
            let n = FEED_GROUPS.iter().filter(|g| g.kinds.contains(&info.name)).count();
            let want = usize::from(info.name != "gap");
            assert_eq!(n, want, "{} is listed in {n} groups", info.name);
        }
        assert_eq!(feed_group_of("gap"), None);
        assert_eq!(feed_group_of("raid_incoming"), Some("raids"));
        assert_eq!(feed_group_of("a_kind_of_tomorrow"), Some(OTHER_GROUP));
        let ids: std::collections::BTreeSet<_> = FEED_GROUPS.iter().map(|g| g.id).collect();
        assert_eq!(ids.len(), FEED_GROUPS.len(), "group ids are unique");
        assert!(FEED_GROUPS.iter().all(|g| !g.kinds.is_empty()), "no empty group");
        assert!(ids.iter().all(|id| is_feed_group(id)) && !is_feed_group("gap"));
    }

    #[test]
    fn notifications_can_be_chosen_for_every_kind_but_the_gap() {
        let names: Vec<_> = NOTIFY_KINDS.iter().map(|(name, _)| *name).collect();
        let want: Vec<_> =
            KIND_TABLE.iter().map(|k| k.name).filter(|name| *name != "gap").collect();
        assert_eq!(names, want);
        assert_eq!(NOTIFY_KINDS[0], ("stream_online", "Live now"));
        assert!(NOTIFY_KINDS.iter().all(|(_, label)| !label.is_empty()));
    }

    #[test]
    fn every_row_but_the_gap_has_a_glyph_and_a_colour() {
        for info in KIND_TABLE {
            assert!(!info.glyph.is_empty(), "{} has no glyph", info.name);
            assert_eq!(info.family.is_empty(), info.name == "gap", "{}", info.name);
        }
    }
}
