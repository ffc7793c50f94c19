//! Alert rules per channel: what about a channel is worth a desktop notification, decided without
//! Tauri, a clock or a display (the app shows what [`Alerts::check`] returns; docs/ui.md
//! "Alerts").
//!
//! - A channel with rules ([`ChannelRules`], stored in the settings under `alerts`, by login) is
//!   decided by its rules alone; a channel without rules keeps the per-kind choices of
//!   [`crate::notify::NotifyPolicy`].
//! - The rules: going live; a title change; a category change, optionally only when the new
//!   category is a given one; a raid of at least N viewers; a cheer of at least N bits; a gift
//!   bomb of at least N subs; a resub of at least N months. Each amount rule is off until a
//!   minimum is set.
//! - `channel.update` carries the whole state, not what changed (docs/twitch.md §1.8,
//!   <https://dev.twitch.tv/docs/eventsub/eventsub-subscription-types/#channelupdate>: "a
//!   broadcaster updates their channel properties"), so which of title and category changed is
//!   found against the last title and category seen for the channel ([`Alerts::observe`]: the
//!   stream header the app reads from Helix, and every `channel.update` since). With nothing
//!   seen before, both count as changed: better one alert too many than a missed one.
//! - Several alerts that fire together become one notification ([`group`]).

use std::collections::{BTreeMap, HashMap};

use serde::{Deserialize, Serialize};

use crate::feed::{Details, StreamEvent};
use crate::kind::EventKind;
use crate::notify::{Notification, clean};

/// The version of the `alerts` part of the settings; a file with a newer one is read as far as
/// its fields are known (serde ignores the rest), and written back with this version.
pub const ALERTS_VERSION: u32 = 1;

/// Longest title and body of a notification (as [`crate::notify`]'s).
const MAX_TITLE_CHARS: usize = 80;
const MAX_BODY_CHARS: usize = 200;

/// At most this many channels' last title and category are remembered; past it the map is
/// cleared (the next update of each then counts as a change), so memory stays bounded however
/// many channels pass by in a long session.
const MAX_OBSERVED: usize = 512;

/// An amount a row can carry, which a rule or a feed filter can ask a minimum of.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Amount {
    /// An incoming raid's viewers.
    RaidViewers,
    /// A cheer's bits.
    CheerBits,
    /// A gift bomb's subs (a single gift outside any bomb counts as one).
    GiftSubs,
    /// A resub's months in all.
    ResubMonths,
}

impl Amount {
    /// Every amount, in the order a menu lists them.
    pub const ALL: [Amount; 4] =
        [Amount::RaidViewers, Amount::CheerBits, Amount::GiftSubs, Amount::ResubMonths];

    /// The name a feed filter's minimum is stored under (`FeedPrefs::minimums`).
    pub const fn key(self) -> &'static str {
        match self {
            Amount::RaidViewers => "raid_viewers",
            Amount::CheerBits => "cheer_bits",
            Amount::GiftSubs => "gift_subs",
            Amount::ResubMonths => "resub_months",
        }
    }

    /// The amount named `key`, if it is one.
    pub fn from_key(key: &str) -> Option<Amount> {
        Amount::ALL.into_iter().find(|a| a.key() == key)
    }
}

/// The amount a row carries, if its kind has one: an incoming raid's viewers, a cheer's bits, a
/// gift bomb's subs (a gift outside a bomb: 1; a gift inside one is told by its bomb, so none),
/// a resub's months in all. The one place the rules and the feed filter read amounts from
/// (`ui/js/panel.js` mirrors it, tested against `tests/ui/feed-rules.json`).
pub fn amount_of(kind: EventKind, details: &Details) -> Option<(Amount, u64)> {
    match (kind, details) {
        (EventKind::RaidIncoming, Details::Raid { viewers }) => {
            Some((Amount::RaidViewers, *viewers))
        }
        (EventKind::Cheer, Details::Cheer { bits, .. }) => Some((Amount::CheerBits, *bits)),
        (EventKind::CommunitySubGift, Details::CommunitySubGift { total, .. }) => {
            Some((Amount::GiftSubs, *total))
        }
        (EventKind::SubGift, Details::SubGift { community_gift_id: None, .. }) => {
            Some((Amount::GiftSubs, 1))
        }
        (EventKind::Resub, Details::Resub { cumulative_months, .. }) => {
            Some((Amount::ResubMonths, *cumulative_months))
        }
        _ => None,
    }
}

/// One channel's rules. Missing fields take their defaults, so `{}` alerts on going live only.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ChannelRules {
    /// Alert when the channel goes live (`stream.online`). On by default: it is why most people
    /// add a channel.
    pub go_live: bool,
    /// Alert when the title changes.
    pub title_change: bool,
    /// Alert when the category changes.
    pub category_change: bool,
    /// With `category_change`: only when the new category is this one (compared without case
    /// and surrounding blanks); `None` or blank for any category.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub category_is: Option<String>,
    /// Alert for an incoming raid of at least this many viewers.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub raid_min_viewers: Option<u64>,
    /// Alert for a cheer of at least this many bits.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cheer_min_bits: Option<u64>,
    /// Alert for a gift bomb (or a single gift, counting one) of at least this many subs.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub gift_min_subs: Option<u64>,
    /// Alert for a resub of at least this many months in all.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resub_min_months: Option<u64>,
}

impl Default for ChannelRules {
    fn default() -> Self {
        ChannelRules {
            go_live: true,
            title_change: false,
            category_change: false,
            category_is: None,
            raid_min_viewers: None,
            cheer_min_bits: None,
            gift_min_subs: None,
            resub_min_months: None,
        }
    }
}

impl ChannelRules {
    /// The minimum this channel's rules ask of `amount`, if any.
    pub fn minimum(&self, amount: Amount) -> Option<u64> {
        match amount {
            Amount::RaidViewers => self.raid_min_viewers,
            Amount::CheerBits => self.cheer_min_bits,
            Amount::GiftSubs => self.gift_min_subs,
            Amount::ResubMonths => self.resub_min_months,
        }
    }

    /// Whether a rule needs the channel's `channel.update` (title or category).
    pub fn wants_updates(&self) -> bool {
        self.title_change || self.category_change
    }

    /// The category condition, trimmed, if there is one.
    fn category_condition(&self) -> Option<&str> {
        self.category_is.as_deref().map(str::trim).filter(|c| !c.is_empty())
    }
}

/// The `alerts` part of the settings: the rules of each channel the user set some for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct AlertSettings {
    /// [`ALERTS_VERSION`] when written by this version.
    pub version: u32,
    /// Rules by channel login (lowercase).
    pub channels: BTreeMap<String, ChannelRules>,
}

impl Default for AlertSettings {
    fn default() -> Self {
        AlertSettings { version: ALERTS_VERSION, channels: BTreeMap::new() }
    }
}

impl AlertSettings {
    /// No channel has rules (the settings file then leaves the part out).
    pub fn is_empty(&self) -> bool {
        self.channels.is_empty()
    }

    /// The rules of `login`, if it has some.
    pub fn rules(&self, login: &str) -> Option<&ChannelRules> {
        self.channels.get(&login.to_ascii_lowercase())
    }

    /// Sets (or with `None` removes) the rules of `login`.
    pub fn set(&mut self, login: &str, rules: Option<ChannelRules>) {
        let login = login.trim().to_ascii_lowercase();
        match rules {
            Some(r) => {
                self.channels.insert(login, r);
            }
            None => {
                self.channels.remove(&login);
            }
        }
        self.version = ALERTS_VERSION;
    }
}

/// How a channel with alert rules is watched right now, as the home window says it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Watch {
    /// Its `stream.online` is subscribed: its go-live is pushed the moment it happens.
    Pushed,
    /// It did not fit in the connection's budget (docs/twitch.md §1.6): its live status is
    /// polled from Helix instead, which does not alert.
    Polled,
    /// Not (yet) watched: signed out, being added, or Helix did not know the channel.
    Pending,
}

/// How the channel `channel_id` is watched according to the watcher's latest report.
pub fn watch_of(report: &crate::watcher::SubscriptionReport, channel_id: Option<&str>) -> Watch {
    let Some(id) = channel_id else { return Watch::Pending };
    if report.enabled.iter().any(|(c, t)| c == id && t == "stream.online") {
        Watch::Pushed
    } else if report.poll_live.iter().any(|c| c == id) {
        Watch::Polled
    } else {
        Watch::Pending
    }
}

/// Which rule fired, with the figure that made it fire.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "rule", rename_all = "snake_case")]
pub enum Reason {
    /// The channel went live.
    GoLive,
    /// The title changed to this.
    TitleChange {
        /// The new title.
        title: String,
    },
    /// The category changed to this.
    CategoryChange {
        /// The new category.
        category: String,
    },
    /// A raid of this many viewers.
    Raid {
        /// Viewers brought along.
        viewers: u64,
    },
    /// A cheer of this many bits.
    Cheer {
        /// Bits cheered.
        bits: u64,
    },
    /// A gift bomb of this many subs.
    Gifts {
        /// Subs gifted.
        subs: u64,
    },
    /// A resub of this many months in all.
    Resub {
        /// Months in all.
        months: u64,
    },
}

impl Reason {
    /// The words for the rule, for a notification's title.
    pub fn label(&self) -> String {
        match self {
            Reason::GoLive => "is live".to_owned(),
            Reason::TitleChange { .. } => "new title".to_owned(),
            Reason::CategoryChange { category } => format!("now in {category}"),
            Reason::Raid { viewers } => format!("raid of {viewers}"),
            Reason::Cheer { bits } => format!("{bits} bits"),
            Reason::Gifts { subs } => format!("{subs} gifted subs"),
            Reason::Resub { months } => format!("{months}-month resub"),
        }
    }
}

/// An alert that fired for one event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Fired {
    /// The channel's login.
    pub channel_login: String,
    /// The channel's display name, if known (the login otherwise).
    pub channel_name: Option<String>,
    /// The rules that fired, in the order above (a `channel.update` can change both title and
    /// category).
    pub reasons: Vec<Reason>,
    /// The feed's summary of the event, the notification's body.
    pub summary: String,
}

impl Fired {
    /// The name shown for the channel.
    fn name(&self) -> String {
        let name = self.channel_name.as_deref().map(|n| clean(n, MAX_TITLE_CHARS));
        name.filter(|n| !n.is_empty())
            .unwrap_or_else(|| clean(&self.channel_login, MAX_TITLE_CHARS))
    }

    /// The notification of this alert alone.
    pub fn notification(&self) -> Notification {
        let labels: Vec<String> = self.reasons.iter().map(Reason::label).collect();
        let title = format!("{}: {}", self.name(), labels.join(", "));
        let title = if self.reasons == [Reason::GoLive] {
            format!("{} is live", self.name())
        } else {
            title
        };
        Notification {
            title: clean(&title, MAX_TITLE_CHARS),
            body: clean(&self.summary, MAX_BODY_CHARS),
        }
    }
}

/// Decides the alerts; remembers each channel's last title and category (bounded).
#[derive(Debug, Clone, Default)]
pub struct Alerts {
    /// Last (title, category) seen per channel id.
    seen: HashMap<String, (String, String)>,
}

impl Alerts {
    /// Remembers `channel_id`'s current title and category (the stream header from Helix, or a
    /// `channel.update`), so the next update is compared against it.
    pub fn observe(&mut self, channel_id: &str, title: &str, category: &str) {
        if self.seen.len() >= MAX_OBSERVED && !self.seen.contains_key(channel_id) {
            self.seen.clear();
        }
        self.seen.insert(channel_id.to_owned(), (title.to_owned(), category.to_owned()));
    }

    /// How many channels' title and category are remembered.
    pub fn observed(&self) -> usize {
        self.seen.len()
    }

    /// The alert `rules` give for `ev`, a new row of the feed, if any. Every `channel.update` is
    /// observed, whether or not a rule fires.
    pub fn check(
        &mut self,
        rules: &ChannelRules,
        ev: &StreamEvent,
        channel_name: Option<&str>,
    ) -> Option<Fired> {
        let reasons = self.reasons(rules, ev);
        if reasons.is_empty() {
            return None;
        }
        Some(Fired {
            channel_login: ev.channel_login.clone(),
            channel_name: channel_name.map(str::to_owned),
            reasons,
            summary: ev.summary.clone(),
        })
    }

    fn reasons(&mut self, rules: &ChannelRules, ev: &StreamEvent) -> Vec<Reason> {
        let at_least = |min: Option<u64>, n: u64| min.is_some_and(|m| n >= m);
        let one = |r: Reason| vec![r];
        match (&ev.kind, &ev.details) {
            (EventKind::StreamOnline, _) if rules.go_live => one(Reason::GoLive),
            (EventKind::ChannelUpdate, Details::ChannelUpdate { title, category_name, .. }) => {
                let before = self.seen.get(&ev.channel_id).cloned();
                self.observe(&ev.channel_id, title, category_name);
                let (title_changed, category_changed) = match &before {
                    Some((t, c)) => (t != title, c != category_name),
                    None => (true, true),
                };
                let mut out = Vec::new();
                if rules.title_change && title_changed {
                    out.push(Reason::TitleChange { title: title.clone() });
                }
                let category_ok = rules
                    .category_condition()
                    .is_none_or(|want| want.to_lowercase() == category_name.trim().to_lowercase());
                if rules.category_change && category_changed && category_ok {
                    out.push(Reason::CategoryChange { category: category_name.clone() });
                }
                out
            }
            _ => match amount_of(ev.kind, &ev.details) {
                Some((a, n)) if at_least(rules.minimum(a), n) => one(match a {
                    Amount::RaidViewers => Reason::Raid { viewers: n },
                    Amount::CheerBits => Reason::Cheer { bits: n },
                    Amount::GiftSubs => Reason::Gifts { subs: n },
                    Amount::ResubMonths => Reason::Resub { months: n },
                }),
                _ => Vec::new(),
            },
        }
    }
}

/// One notification for alerts that fired together: the alert's own for one; for several, how
/// many and on which channels, with each one's words in the body.
pub fn group(fired: &[Fired]) -> Option<Notification> {
    match fired {
        [] => None,
        [one] => Some(one.notification()),
        many => {
            let mut names: Vec<String> = Vec::new();
            for f in many {
                let n = f.name();
                if !names.contains(&n) {
                    names.push(n);
                }
            }
            let title = match names.as_slice() {
                [one] => format!("{one}: {} alerts", many.len()),
                _ => format!("{} alerts: {}", many.len(), names.join(", ")),
            };
            let body = many.iter().map(|f| f.notification().title).collect::<Vec<_>>().join(" · ");
            Some(Notification {
                title: clean(&title, MAX_TITLE_CHARS),
                body: clean(&body, MAX_BODY_CHARS),
            })
        }
    }
}
