//! Feed controls: what the events panel of each channel shows, remembered per channel.
//!
//! - *Filter* (`hidden`): a view choice, "show only these kinds" — hidden rows are counted in the
//!   panel ("3 hidden by filter") and come back with one click.
//! - *Mute* (`muted`): "never this kind for this channel" — hidden from the panel and never a
//!   desktop notification (the notifier reads [`Settings::feed_muted`]).
//! - *Seen mark* (`seen`): the newest event the viewer marked seen; newer rows stand out.
//! - *Pause* (`paused`): the panel's auto-scroll is paused.
//! - *Minimums* (`minimums`): raids, cheers, gift bombs and resubs below an amount count as
//!   hidden by the filter (the amounts an alert rule can ask a minimum of, `crate::alerts`).
//! - *Moderator view* (`moderator_view`): a moderator's (or the broadcaster's) view of the
//!   channel: the app subscribes to what a moderator acts on (bans, timeouts, AutoMod, warnings,
//!   unban requests; docs/twitch.md §2) and the [`MODERATION_GROUP`]'s rows show. In the
//!   viewer view they never show: they count as hidden by the filter.
//!
//! Gap rows are never filtered or muted: they tell the truth about missed events. Choices are
//! made by kind group ([`crate::kind::FEED_GROUPS`]). The streamer page applies the same rule
//! to its rows (`ui/js/panel.js`); `tests/ui/feed-rules.json` holds the cases both sides are
//! tested against.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

use super::{ConfigError, Settings};
use crate::alerts::{Amount, amount_of};
use crate::feed::{Details, EventKind};
use crate::kind::{FEED_GROUPS, feed_group_of, is_feed_group};

/// How many channels' feed choices are remembered; past this, the least recently changed
/// channel's are forgotten, so the settings file stays small however many channels are visited.
pub const MAX_FEED_CHANNELS: usize = 200;
/// Longest event id accepted as a seen mark (EventSub message ids are UUIDs; gap rows `gap:…`).
const MAX_SEEN_ID_LEN: usize = 200;
/// Most group names read from a file for one set (a hand-edited list cannot grow the app).
const MAX_GROUP_NAMES: usize = 32;

/// The group of the moderation kinds (`crate::kind`): shown only in a moderator view.
pub const MODERATION_GROUP: &str = "moderation";

/// The newest event the viewer marked as seen in a channel's panel.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SeenMark {
    /// The event's id (`StreamEvent::id`).
    pub id: String,
    /// Its time (`StreamEvent::occurred_at`); every row at or before it counts as seen.
    pub at: chrono::DateTime<chrono::Utc>,
}

/// One channel's choices in the events panel. Every field is read leniently: a value of the
/// wrong type falls back to its default (with a warning) instead of making the whole settings
/// file corrupt; unknown group names (a newer version's) are kept and ignored.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct FeedPrefs {
    /// Groups the view filter hides ("show only" the others); counted in the panel.
    #[serde(deserialize_with = "lenient_groups")]
    pub hidden: std::collections::BTreeSet<String>,
    /// Groups muted for this channel: never shown, never notified.
    #[serde(deserialize_with = "lenient_groups")]
    pub muted: std::collections::BTreeSet<String>,
    /// The newest event marked seen; `None` until the viewer first marks (or the panel first
    /// loads with events, which counts as having seen them).
    #[serde(deserialize_with = "lenient")]
    pub seen: Option<SeenMark>,
    /// Auto-scroll paused: new rows do not move the list.
    #[serde(deserialize_with = "lenient")]
    pub paused: bool,
    /// The moderator view is on: moderation events are subscribed to and their rows show.
    #[serde(deserialize_with = "lenient")]
    pub moderator_view: bool,
    /// Minimum amounts by [`Amount::key`] (`raid_viewers`, `cheer_bits`, `gift_subs`,
    /// `resub_months`): a row whose amount ([`amount_of`]) is below it counts as hidden by the
    /// filter. Read entry by entry: a zero, a non-number or an unknown amount is dropped.
    #[serde(deserialize_with = "lenient_minimums", skip_serializing_if = "BTreeMap::is_empty")]
    pub minimums: BTreeMap<String, u64>,
    /// When these choices last changed; the oldest channel is forgotten first.
    #[serde(deserialize_with = "lenient", skip_serializing_if = "Option::is_none")]
    pub updated_at: Option<chrono::DateTime<chrono::Utc>>,
    /// Fields this version does not know (a newer version's, or the notifier's); kept.
    #[serde(flatten)]
    pub extra: BTreeMap<String, serde_json::Value>,
}

impl FeedPrefs {
    /// Whether rows of `kind` are muted (never shown, never notified). Gaps never are.
    pub fn is_muted(&self, kind: &str) -> bool {
        feed_group_of(kind).is_some_and(|g| self.muted.contains(g))
    }

    /// Whether rows of `kind` show in the panel (neither muted nor hidden by the filter; a
    /// moderation row only in the moderator view).
    pub fn is_shown(&self, kind: &str) -> bool {
        feed_group_of(kind).is_none_or(|g| {
            !self.muted.contains(g)
                && !self.hidden.contains(g)
                && (g != MODERATION_GROUP || self.moderator_view)
        })
    }

    /// Whether a row's amount is below this channel's minimum for it.
    pub fn is_below_minimum(&self, kind: EventKind, details: &Details) -> bool {
        amount_of(kind, details)
            .and_then(|(a, n)| self.minimums.get(a.key()).map(|min| n < *min))
            .unwrap_or(false)
    }

    /// Whether a row shows in the panel: its kind is shown ([`FeedPrefs::is_shown`]) and its
    /// amount is not below a minimum.
    pub fn is_row_shown(&self, kind: EventKind, details: &Details) -> bool {
        self.is_shown(kind.as_str()) && !self.is_below_minimum(kind, details)
    }

    /// Whether a row that occurred at `at` counts as seen.
    pub fn is_seen(&self, at: chrono::DateTime<chrono::Utc>) -> bool {
        self.seen.as_ref().is_some_and(|s| at <= s.at)
    }
}

impl Settings {
    /// A channel's feed choices (the defaults for a channel never configured).
    pub fn feed_prefs(&self, channel_id: &str) -> FeedPrefs {
        self.feeds.get(channel_id).cloned().unwrap_or_default()
    }

    /// Whether events of `kind` are muted for the channel: the notifier skips them.
    pub fn feed_muted(&self, channel_id: &str, kind: &str) -> bool {
        self.feeds.get(channel_id).is_some_and(|p| p.is_muted(kind))
    }
}

/// A change to one channel's feed choices, from the panel. Absent fields stay as they are, so
/// two quick clicks (or the notifier's own fields) never overwrite each other.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FeedPrefsChange {
    /// The new filter: the groups to hide.
    pub hidden: Option<Vec<String>>,
    /// The new muted groups.
    pub muted: Option<Vec<String>>,
    /// Pause or resume auto-scroll.
    pub paused: Option<bool>,
    /// Turn the moderator view on or off.
    pub moderator_view: Option<bool>,
    /// The new minimum amounts, all of them (an amount left out has none).
    pub minimums: Option<BTreeMap<String, u64>>,
    /// Mark seen up to this event; a mark older than the stored one is ignored (marking seen
    /// never makes a row new again).
    pub seen: Option<SeenMark>,
}

impl FeedPrefsChange {
    /// Checks every value: a real channel id, only known groups, a bounded event id.
    pub fn check(&self, channel_id: &str) -> Result<(), ConfigError> {
        if !valid_channel_id(channel_id) {
            return Err(ConfigError::Invalid("not a Twitch channel id".into()));
        }
        for names in [&self.hidden, &self.muted].into_iter().flatten() {
            if names.len() > FEED_GROUPS.len() {
                return Err(ConfigError::Invalid("too many kinds of events".into()));
            }
            if let Some(bad) = names.iter().find(|n| !is_feed_group(n)) {
                return Err(ConfigError::Invalid(format!(
                    "unknown kind of events {:?}",
                    bad.chars().take(40).collect::<String>()
                )));
            }
        }
        if let Some(minimums) = &self.minimums
            && let Some(bad) = minimums.keys().find(|k| Amount::from_key(k).is_none())
        {
            return Err(ConfigError::Invalid(format!(
                "unknown amount {:?}",
                bad.chars().take(40).collect::<String>()
            )));
        }
        if let Some(seen) = &self.seen
            && (seen.id.is_empty()
                || seen.id.len() > MAX_SEEN_ID_LEN
                || seen.id.chars().any(char::is_control))
        {
            return Err(ConfigError::Invalid("not an event id".into()));
        }
        Ok(())
    }

    /// Checks the change ([`FeedPrefsChange::check`]) and applies it to the channel's entry;
    /// all or nothing. Returns the channel's choices after the change.
    pub fn apply(
        self,
        settings: &mut Settings,
        channel_id: &str,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<FeedPrefs, ConfigError> {
        self.check(channel_id)?;
        if !settings.feeds.contains_key(channel_id) && settings.feeds.len() >= MAX_FEED_CHANNELS {
            // Forget the channel whose choices changed longest ago (never-dated ones first).
            let oldest =
                settings.feeds.iter().min_by_key(|(_, p)| p.updated_at).map(|(id, _)| id.clone());
            if let Some(oldest) = oldest {
                settings.feeds.remove(&oldest);
            }
        }
        let prefs = settings.feeds.entry(channel_id.to_string()).or_default();
        if let Some(hidden) = self.hidden {
            prefs.hidden = hidden.into_iter().collect();
        }
        if let Some(muted) = self.muted {
            prefs.muted = muted.into_iter().collect();
        }
        if let Some(paused) = self.paused {
            prefs.paused = paused;
        }
        if let Some(on) = self.moderator_view {
            prefs.moderator_view = on;
        }
        if let Some(minimums) = self.minimums {
            prefs.minimums = minimums.into_iter().filter(|(_, n)| *n > 0).collect();
        }
        if let Some(seen) = self.seen
            && prefs.seen.as_ref().is_none_or(|old| seen.at > old.at)
        {
            prefs.seen = Some(seen);
        }
        prefs.updated_at = Some(now);
        Ok(prefs.clone())
    }
}

/// Broadcaster ids are Twitch user ids: short and alphanumeric.
fn valid_channel_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 64
        && id.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

/// Reads any JSON value into `T`, falling back to `T::default()` when it does not fit.
fn lenient<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: serde::Deserializer<'de>,
    T: serde::de::DeserializeOwned + Default,
{
    let v = serde_json::Value::deserialize(d)?;
    Ok(serde_json::from_value(v).unwrap_or_else(|e| {
        tracing::warn!(reason = %e, "settings: a feed choice has the wrong type; using its default");
        T::default()
    }))
}

/// Reads the minimum amounts: keeps the entries of a known amount with a positive whole number,
/// drops anything else (a hand-edited file cannot make the panel hide everything by mistake).
fn lenient_minimums<'de, D>(d: D) -> Result<BTreeMap<String, u64>, D::Error>
where
    D: serde::Deserializer<'de>,
{
    let v = serde_json::Value::deserialize(d)?;
    let Some(items) = v.as_object() else {
        tracing::warn!("settings: the feed minimums are not a map; ignored");
        return Ok(BTreeMap::new());
    };
    Ok(items
        .iter()
        .filter(|(k, _)| Amount::from_key(k).is_some())
        .filter_map(|(k, v)| v.as_u64().filter(|n| *n > 0).map(|n| (k.clone(), n)))
        .collect())
}

/// Reads a list of group names: keeps the strings that look like names (known or a newer
/// version's), drops anything else, at most [`MAX_GROUP_NAMES`].
fn lenient_groups<'de, D>(d: D) -> Result<std::collections::BTreeSet<String>, D::Error>
where
    D: serde::Deserializer<'de>,
{
    let v = serde_json::Value::deserialize(d)?;
    let Some(items) = v.as_array() else {
        tracing::warn!("settings: a feed group list is not a list; ignored");
        return Ok(Default::default());
    };
    Ok(items
        .iter()
        .filter_map(|i| i.as_str())
        .filter(|n| {
            !n.is_empty() && n.len() <= 40 && n.chars().all(|c| c.is_ascii_lowercase() || c == '_')
        })
        .take(MAX_GROUP_NAMES)
        .map(String::from)
        .collect())
}

/// Reads the `feeds` map: entries with a bad channel id or a non-object value are dropped with
/// a warning (the rest of the settings still load), at most [`MAX_FEED_CHANNELS`].
pub(super) fn lenient_feeds<'de, D>(d: D) -> Result<BTreeMap<String, FeedPrefs>, D::Error>
where
    D: serde::Deserializer<'de>,
{
    let v = serde_json::Value::deserialize(d)?;
    let serde_json::Value::Object(map) = v else {
        tracing::warn!("settings: `feeds` is not an object; feed choices reset");
        return Ok(BTreeMap::new());
    };
    let mut out = BTreeMap::new();
    for (id, prefs) in map {
        if out.len() >= MAX_FEED_CHANNELS {
            tracing::warn!("settings: too many channels in `feeds`; the rest ignored");
            break;
        }
        if !valid_channel_id(&id) {
            tracing::warn!("settings: a `feeds` entry has a bad channel id; ignored");
            continue;
        }
        match serde_json::from_value::<FeedPrefs>(prefs) {
            Ok(p) => {
                out.insert(id, p);
            }
            Err(e) => {
                tracing::warn!(reason = %e, "settings: a `feeds` entry is unreadable; ignored")
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::settings::ConfigStore;
    use chrono::{TimeZone, Utc};

    fn at(secs: i64) -> chrono::DateTime<Utc> {
        Utc.timestamp_opt(1_700_000_000 + secs, 0).single().expect("a valid time")
    }

    fn names(v: &[&str]) -> Option<Vec<String>> {
        Some(v.iter().map(|s| s.to_string()).collect())
    }

    #[test]
    fn old_settings_files_load_without_feeds_and_save_without_them() {
        let s: Settings = serde_json::from_str(r#"{"client_id":"abc","favourite":"lumenforge"}"#)
            .expect("an old file loads");
        assert!(s.feeds.is_empty());
        let out = serde_json::to_value(&s).expect("serializes");
        assert!(out.get("feeds").is_none(), "no empty `feeds` written: {out}");
    }

    #[test]
    fn muted_kinds_are_hidden_and_muted_filtered_ones_only_hidden_gaps_never() {
        let mut s = Settings::default();
        FeedPrefsChange {
            muted: names(&["follows"]),
            hidden: names(&["cheers"]),
            ..Default::default()
        }
        .apply(&mut s, "1001", at(0))
        .expect("valid change");
        let p = s.feed_prefs("1001");
        assert!(s.feed_muted("1001", "follow"));
        assert!(!s.feed_muted("1001", "cheer"), "a filter is a view choice, not a mute");
        assert!(!s.feed_muted("2002", "follow"), "choices are per channel");
        assert!(!p.is_shown("follow") && !p.is_shown("cheer") && !p.is_shown("bits_badge_tier"));
        assert!(p.is_shown("raid_incoming") && p.is_shown("gap"));
        assert!(!p.is_muted("gap"));
    }

    #[test]
    fn a_change_touches_only_its_fields_and_unknown_fields_survive() {
        let mut s: Settings = serde_json::from_str(
            r#"{"feeds":{"1001":{"muted":["follows"],"notify":{"raids":true}}}}"#,
        )
        .expect("loads");
        FeedPrefsChange { paused: Some(true), ..Default::default() }
            .apply(&mut s, "1001", at(0))
            .expect("valid");
        let p = s.feed_prefs("1001");
        assert!(p.paused);
        assert!(p.muted.contains("follows"), "the mute was kept");
        let round: Settings =
            serde_json::from_value(serde_json::to_value(&s).expect("ser")).expect("de");
        assert_eq!(round.feeds["1001"].extra["notify"], serde_json::json!({"raids": true}));
        assert_eq!(round, s);
    }

    #[test]
    fn input_is_checked_all_or_nothing() {
        let mut s = Settings::default();
        let bad = [
            FeedPrefsChange { muted: names(&["follows", "everything"]), ..Default::default() },
            FeedPrefsChange {
                hidden: names(&vec!["subs"; FEED_GROUPS.len() + 1]),
                ..Default::default()
            },
            FeedPrefsChange {
                paused: Some(true),
                seen: Some(SeenMark { id: String::new(), at: at(0) }),
                ..Default::default()
            },
            FeedPrefsChange {
                seen: Some(SeenMark { id: "x".repeat(201), at: at(0) }),
                ..Default::default()
            },
        ];
        for change in bad {
            let r = change.clone().apply(&mut s, "1001", at(0));
            assert!(matches!(r, Err(ConfigError::Invalid(_))), "{change:?} was accepted");
        }
        assert!(s.feeds.is_empty(), "a refused change leaves nothing behind");
        let r = FeedPrefsChange::default().apply(&mut s, "../1", at(0));
        assert!(matches!(r, Err(ConfigError::Invalid(_))));
        let json = r#"{"muted":["follows"],"evil":1}"#;
        assert!(serde_json::from_str::<FeedPrefsChange>(json).is_err(), "unknown input field");
    }

    #[test]
    fn the_seen_mark_only_moves_forward() {
        let mut s = Settings::default();
        let mark = |id: &str, t| FeedPrefsChange {
            seen: Some(SeenMark { id: id.into(), at: at(t) }),
            ..Default::default()
        };
        mark("b", 20).apply(&mut s, "1001", at(0)).expect("valid");
        mark("a", 10).apply(&mut s, "1001", at(1)).expect("valid");
        let p = s.feed_prefs("1001");
        assert_eq!(p.seen.as_ref().map(|m| m.id.as_str()), Some("b"));
        assert!(p.is_seen(at(20)) && p.is_seen(at(5)) && !p.is_seen(at(21)));
        assert!(!FeedPrefs::default().is_seen(at(0)), "no mark: nothing seen yet");
    }

    #[test]
    fn bad_values_in_the_file_fall_back_without_losing_the_rest() {
        let json = r#"{
            "favourite": "lumenforge",
            "feeds": {
                "1001": {"muted": "follows", "hidden": ["cheers", 7, "Bad Name", "newer_group"],
                         "paused": "yes", "seen": {"id": 3}},
                "2002": 42,
                "../etc": {"muted": ["subs"]},
                "3003": {"muted": ["subs"], "seen": {"id": "e1", "at": "2026-11-28T06:00:00Z"}}
            }
        }"#;
        let s: Settings = serde_json::from_str(json).expect("still loads");
        assert_eq!(s.favourite.as_deref(), Some("lumenforge"));
        let p = &s.feeds["1001"];
        assert!(p.muted.is_empty() && !p.paused && p.seen.is_none());
        assert_eq!(
            p.hidden.iter().map(String::as_str).collect::<Vec<_>>(),
            ["cheers", "newer_group"]
        );
        assert!(!p.is_shown("cheer") && p.is_shown("sub"));
        assert!(!s.feeds.contains_key("2002") && !s.feeds.contains_key("../etc"));
        assert!(s.feed_muted("3003", "resub"));
        assert_eq!(s.feeds["3003"].seen.as_ref().map(|m| m.id.as_str()), Some("e1"));
        let s: Settings = serde_json::from_str(r#"{"feeds":[1,2]}"#).expect("loads");
        assert!(s.feeds.is_empty());
    }

    #[test]
    fn the_least_recently_changed_channel_is_forgotten_past_the_cap() {
        let mut s = Settings::default();
        for i in 0..MAX_FEED_CHANNELS {
            FeedPrefsChange { paused: Some(true), ..Default::default() }
                .apply(&mut s, &format!("{}", 1000 + i), at(i as i64))
                .expect("valid");
        }
        // Touch the oldest so the second oldest goes.
        FeedPrefsChange::default().apply(&mut s, "1000", at(10_000)).expect("valid");
        FeedPrefsChange::default().apply(&mut s, "9999", at(10_001)).expect("valid");
        assert_eq!(s.feeds.len(), MAX_FEED_CHANNELS);
        assert!(s.feeds.contains_key("1000") && s.feeds.contains_key("9999"));
        assert!(!s.feeds.contains_key("1001"));
    }

    #[test]
    fn feed_choices_survive_a_save_and_load() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = ConfigStore::at(dir.path());
        store
            .update(|s| {
                let change = FeedPrefsChange {
                    muted: names(&["follows"]),
                    seen: Some(SeenMark { id: "e9".into(), at: at(9) }),
                    ..Default::default()
                };
                change.apply(s, "1001", at(0)).expect("valid");
            })
            .expect("saved");
        let s = store.load().expect("loads");
        assert!(s.feed_muted("1001", "follow"));
        assert!(s.feed_prefs("1001").is_seen(at(9)));
    }
}
