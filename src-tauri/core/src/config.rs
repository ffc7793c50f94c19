//! The user's settings (Client ID, favourite streamer, …) under the `directories` config dir.
//!
//! One JSON file, `settings.json`, in `ProjectDirs::from("io.github", "tev-desktop",
//! "twitch-event-viewer")`'s config dir (`~/.config/twitch-event-viewer` on Linux, honouring
//! `XDG_CONFIG_HOME`). The app and the `tev` CLI both use [`ConfigStore::from_env`] and
//! [`data_dir`], so they agree on where things are.
//!
//! Rules (DESIGN.md "Rules of the core"): writes are atomic (temp file + rename); a corrupt
//! file is reported and set aside as `settings.json.corrupt-<unix seconds>`, never silently
//! dropped; every field has a serde default so files written by older versions still load;
//! secrets never live here (the Client Secret and the tokens go to the keychain).

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

/// `TWITCH_CLIENT_ID`: overrides the Client ID from the settings file.
pub const CLIENT_ID_VAR: &str = "TWITCH_CLIENT_ID";
/// `TWITCH_CLIENT_SECRET`: overrides the Client Secret from the keychain.
pub const CLIENT_SECRET_VAR: &str = "TWITCH_CLIENT_SECRET";
/// The name of the settings file inside the config dir.
pub const SETTINGS_FILE: &str = "settings.json";
/// The loopback port registered by default (`http://localhost:17563/callback`, twitch.md §3.3:
/// the port must match the registered redirect URL exactly).
pub const DEFAULT_LOOPBACK_PORT: u16 = 17563;
/// How many recently watched streamers are remembered.
pub const MAX_RECENT: usize = 10;

/// Errors of the settings file and the app's directories.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// No home directory, so no config/data dir can be derived.
    #[error("cannot find the user's config directory (is HOME set?)")]
    NoHome,
    /// Reading or writing the settings file failed.
    #[error("cannot {action} {path}: {source}")]
    Io {
        /// What was being done ("read", "write", "create", …).
        action: &'static str,
        /// The file or directory involved.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// The settings file is not valid JSON of the expected shape. It was moved aside so
    /// nothing is lost; defaults are used until the user saves again.
    #[error(
        "the settings file {path} is corrupt ({reason}); it was moved to {set_aside} and \
         default settings are used"
    )]
    Corrupt {
        /// Where the settings file was.
        path: PathBuf,
        /// Where the corrupt file now is.
        set_aside: PathBuf,
        /// What the JSON parser said.
        reason: String,
    },
    /// A value given by the user is not acceptable.
    #[error("invalid setting: {0}")]
    Invalid(String),
}

/// Which extra roles the user opted in to; each adds scopes to the consent screen
/// (twitch.md §2 "What logging in as broadcaster or moderator adds", §3.5).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct RoleOptIn {
    /// "I'm the broadcaster": request the broadcaster scopes.
    pub broadcaster: bool,
    /// "I'm a moderator": request the moderator scopes.
    pub moderator: bool,
}

/// A window's position and size, remembered per window label.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct WindowGeometry {
    /// Left edge in logical pixels.
    pub x: f64,
    /// Top edge in logical pixels.
    pub y: f64,
    /// Width in logical pixels.
    pub width: f64,
    /// Height in logical pixels.
    pub height: f64,
    /// Whether the window was maximized.
    pub maximized: bool,
}

/// Everything in `settings.json`. Every field has a default so that old or partial files
/// load; unknown fields written by a newer version are kept and written back.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Settings {
    /// The Twitch application's Client ID (not secret). `TWITCH_CLIENT_ID` overrides it.
    pub client_id: Option<String>,
    /// Login of the favourite streamer.
    pub favourite: Option<String>,
    /// Recently watched streamer logins, most recent first, at most [`MAX_RECENT`].
    pub recent_streamers: Vec<String>,
    /// Broadcaster/moderator opt-in, which widens the requested scopes.
    pub roles: RoleOptIn,
    /// The port of the loopback redirect (`http://localhost:<port>/callback`); must match
    /// the redirect URL registered with Twitch.
    pub loopback_port: u16,
    /// Remembered window geometry, by window label.
    pub windows: BTreeMap<String, WindowGeometry>,
    /// Which events show a desktop notification (go-live on by default, the rest opt-in).
    pub notifications: crate::notify::NotifyPolicy,
    /// The events panel's choices per channel (filter, mute, seen mark, pause), by
    /// broadcaster id; see [`FeedPrefs`]. Read leniently: a bad entry is dropped, not fatal.
    #[serde(deserialize_with = "lenient_feeds", skip_serializing_if = "BTreeMap::is_empty")]
    pub feeds: BTreeMap<String, FeedPrefs>,
    /// Fields this version does not know; kept so a downgrade does not erase them.
    #[serde(flatten)]
    pub extra: BTreeMap<String, serde_json::Value>,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            client_id: None,
            favourite: None,
            recent_streamers: Vec::new(),
            roles: RoleOptIn::default(),
            loopback_port: DEFAULT_LOOPBACK_PORT,
            windows: BTreeMap::new(),
            notifications: crate::notify::NotifyPolicy::default(),
            feeds: BTreeMap::new(),
            extra: BTreeMap::new(),
        }
    }
}

impl Settings {
    /// Puts `login` at the front of the recent list (deduplicated, capped).
    pub fn push_recent(&mut self, login: &str) {
        let login = login.trim().to_ascii_lowercase();
        if login.is_empty() {
            return;
        }
        self.recent_streamers.retain(|l| l != &login);
        self.recent_streamers.insert(0, login);
        self.recent_streamers.truncate(MAX_RECENT);
    }

    /// The Client ID to use: `TWITCH_CLIENT_ID` if set and non-empty, else the file's.
    pub fn effective_client_id(&self) -> Option<String> {
        env_nonempty(CLIENT_ID_VAR).or_else(|| {
            self.client_id.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(String::from)
        })
    }
}

/// The value of an environment variable, if set to something other than blanks.
pub fn env_nonempty(var: &str) -> Option<String> {
    std::env::var(var).ok().map(|v| v.trim().to_string()).filter(|v| !v.is_empty())
}

/// The Client Secret from `TWITCH_CLIENT_SECRET`, if set. (The keychain is the other source;
/// see `keychain::Keychain::client_secret`.)
pub fn env_client_secret() -> Option<zeroize::Zeroizing<String>> {
    env_nonempty(CLIENT_SECRET_VAR).map(zeroize::Zeroizing::new)
}

fn project_dirs() -> Result<directories::ProjectDirs, ConfigError> {
    directories::ProjectDirs::from("io.github", "tev-desktop", "twitch-event-viewer")
        .ok_or(ConfigError::NoHome)
}

/// The config dir shared by the app and the CLI (`~/.config/twitch-event-viewer`).
pub fn config_dir() -> Result<PathBuf, ConfigError> {
    Ok(project_dirs()?.config_dir().to_path_buf())
}

/// The data dir shared by the app and the CLI (`~/.local/share/twitch-event-viewer`):
/// recent events and other state that is not a setting.
pub fn data_dir() -> Result<PathBuf, ConfigError> {
    Ok(project_dirs()?.data_dir().to_path_buf())
}

/// Reads and writes `settings.json` in one directory.
#[derive(Debug, Clone)]
pub struct ConfigStore {
    /// The directory holding `settings.json`.
    dir: PathBuf,
    /// Serialises [`ConfigStore::update`] across every clone of this store, so two changes
    /// made at once (a panel's feed choice and the favourite, say) both survive.
    updating: std::sync::Arc<std::sync::Mutex<()>>,
}

impl ConfigStore {
    /// The store in the standard config dir.
    pub fn from_env() -> Result<Self, ConfigError> {
        Ok(Self::at(config_dir()?))
    }

    /// A store in `dir` (tests, portable setups).
    pub fn at(dir: impl Into<PathBuf>) -> Self {
        Self { dir: dir.into(), updating: Default::default() }
    }

    /// The path of the settings file.
    pub fn path(&self) -> PathBuf {
        self.dir.join(SETTINGS_FILE)
    }

    /// Loads the settings. A missing file gives the defaults; a corrupt one is moved aside
    /// and reported as [`ConfigError::Corrupt`] (the caller shows it and goes on with
    /// defaults, see [`ConfigStore::load_or_default`]).
    pub fn load(&self) -> Result<Settings, ConfigError> {
        let path = self.path();
        let bytes = match std::fs::read(&path) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Settings::default()),
            Err(source) => return Err(ConfigError::Io { action: "read", path, source }),
        };
        match serde_json::from_slice::<Settings>(&bytes) {
            Ok(s) => Ok(s),
            Err(e) => {
                let reason = e.to_string();
                let set_aside = self.set_aside(&path)?;
                tracing::warn!(path = %path.display(), set_aside = %set_aside.display(), %reason,
                    "settings file is corrupt; moved aside");
                Err(ConfigError::Corrupt { path, set_aside, reason })
            }
        }
    }

    /// Like [`ConfigStore::load`], but a corrupt file gives the defaults together with the
    /// error to show. I/O errors are still errors.
    pub fn load_or_default(&self) -> Result<(Settings, Option<ConfigError>), ConfigError> {
        match self.load() {
            Ok(s) => Ok((s, None)),
            Err(e @ ConfigError::Corrupt { .. }) => Ok((Settings::default(), Some(e))),
            Err(e) => Err(e),
        }
    }

    fn set_aside(&self, path: &Path) -> Result<PathBuf, ConfigError> {
        let ts = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0);
        let mut target = self.dir.join(format!("{SETTINGS_FILE}.corrupt-{ts}"));
        let mut n = 1;
        while target.exists() {
            target = self.dir.join(format!("{SETTINGS_FILE}.corrupt-{ts}-{n}"));
            n += 1;
        }
        std::fs::rename(path, &target).map_err(|source| ConfigError::Io {
            action: "move aside",
            path: path.to_path_buf(),
            source,
        })?;
        Ok(target)
    }

    /// Writes the settings atomically: a temp file in the same directory, synced, then
    /// renamed over `settings.json`, so a crash leaves either the old or the new file.
    pub fn save(&self, settings: &Settings) -> Result<(), ConfigError> {
        if let Some(id) = &settings.client_id
            && (id.is_empty()
                || id.len() > 100
                // Twitch's ids are alphanumeric; '-' and '_' admit the simulator's clients.
                || id.chars().any(|c| !(c.is_ascii_alphanumeric() || c == '-' || c == '_')))
        {
            return Err(ConfigError::Invalid(
                "a Client ID has only letters and digits (copy it from the Twitch developer \
                 console)"
                    .into(),
            ));
        }
        std::fs::create_dir_all(&self.dir).map_err(|source| ConfigError::Io {
            action: "create",
            path: self.dir.clone(),
            source,
        })?;
        let json = serde_json::to_vec_pretty(settings)
            .map_err(|e| ConfigError::Invalid(format!("cannot serialize the settings: {e}")))?;
        let tmp = self.dir.join(format!(
            ".{SETTINGS_FILE}.tmp-{}-{}",
            std::process::id(),
            rand::random::<u32>()
        ));
        let io = |action, source| ConfigError::Io { action, path: tmp.clone(), source };
        let write = || -> std::io::Result<()> {
            let mut f = std::fs::File::create(&tmp)?;
            f.write_all(&json)?;
            f.write_all(b"\n")?;
            f.sync_all()
        };
        if let Err(e) = write() {
            let _ = std::fs::remove_file(&tmp);
            return Err(io("write", e));
        }
        if let Err(e) = std::fs::rename(&tmp, self.path()) {
            let _ = std::fs::remove_file(&tmp);
            return Err(io("rename", e));
        }
        Ok(())
    }

    /// Loads, applies `f`, saves. A corrupt file is set aside and reported, and the change
    /// is then applied to the defaults (so the user's edit is not lost either).
    pub fn update(
        &self,
        f: impl FnOnce(&mut Settings),
    ) -> Result<(Settings, Option<ConfigError>), ConfigError> {
        let _one_at_a_time =
            self.updating.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let (mut s, warning) = self.load_or_default()?;
        f(&mut s);
        self.save(&s)?;
        Ok((s, warning))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_have_the_registered_port() {
        let s = Settings::default();
        assert_eq!(s.loopback_port, 17563);
        assert!(s.client_id.is_none());
    }

    #[test]
    fn recent_list_is_deduplicated_and_capped() {
        let mut s = Settings::default();
        for i in 0..15 {
            s.push_recent(&format!("s{i}"));
        }
        s.push_recent("S3");
        assert_eq!(s.recent_streamers.len(), MAX_RECENT);
        assert_eq!(s.recent_streamers[0], "s3");
        assert_eq!(s.recent_streamers.iter().filter(|l| *l == "s3").count(), 1);
    }
}

// ---------------------------------------------------------------------------------------------
// Feed controls (issue 7): what the events panel of each channel shows, remembered per channel.
//
// - *Filter* (`hidden`): a view choice, "show only these kinds" — hidden rows are counted in the
//   panel ("3 hidden by filter") and come back with one click.
// - *Mute* (`muted`): "never this kind for this channel" — hidden from the panel and never a
//   desktop notification (the notifier reads [`Settings::feed_muted`]).
// - *Seen mark* (`seen`): the newest event the viewer marked seen; newer rows stand out.
// - *Pause* (`paused`): the panel's auto-scroll is paused.
// Gap rows are never filtered or muted: they tell the truth about missed events.
// ---------------------------------------------------------------------------------------------

/// How many channels' feed choices are remembered; past this, the least recently changed
/// channel's are forgotten, so the settings file stays small however many channels are visited.
pub const MAX_FEED_CHANNELS: usize = 200;
/// Longest event id accepted as a seen mark (EventSub message ids are UUIDs; gap rows `gap:…`).
const MAX_SEEN_ID_LEN: usize = 200;
/// Most group names read from a file for one set (a hand-edited list cannot grow the app).
const MAX_GROUP_NAMES: usize = 32;
/// The feed's kind for gap rows, which are always shown.
const GAP_KIND: &str = "gap";
/// The group of every kind no other group lists (new kinds of a newer Twitch included).
pub const OTHER_GROUP: &str = "other";

/// A family of event kinds the events panel filters and mutes as one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct FeedGroup {
    /// Stable name, stored in `settings.json` (`"subs"`).
    pub id: &'static str,
    /// What the panel calls it ("Subs & gifts").
    pub label: &'static str,
    /// The feed's snake_case kinds in it (`tev_core::feed::EventKind::as_str`).
    pub kinds: &'static [&'static str],
}

/// The groups, in the order the panel lists them. Every kind of the feed is in exactly one
/// (unit-tested against [`crate::notify::KINDS`]); unknown kinds fall into [`OTHER_GROUP`].
pub const FEED_GROUPS: &[FeedGroup] = &[
    FeedGroup {
        id: "stream",
        label: "Stream state",
        kinds: &["stream_online", "stream_offline", "channel_update"],
    },
    FeedGroup {
        id: "raids",
        label: "Raids & shoutouts",
        kinds: &["raid_incoming", "raid_outgoing", "shoutout_received"],
    },
    FeedGroup {
        id: "subs",
        label: "Subs & gifts",
        kinds: &[
            "sub",
            "resub",
            "sub_gift",
            "community_sub_gift",
            "gift_paid_upgrade",
            "prime_paid_upgrade",
            "pay_it_forward",
        ],
    },
    FeedGroup { id: "cheers", label: "Cheers & bits", kinds: &["cheer", "bits_badge_tier"] },
    FeedGroup { id: "announcements", label: "Announcements", kinds: &["announcement"] },
    FeedGroup { id: "follows", label: "Follows", kinds: &["follow"] },
    FeedGroup { id: "hype", label: "Hype trains", kinds: &["hype_train_begin", "hype_train_end"] },
    FeedGroup {
        id: "polls",
        label: "Polls & predictions",
        kinds: &["poll_begin", "poll_end", "prediction_begin", "prediction_end"],
    },
    FeedGroup {
        id: OTHER_GROUP,
        label: "Other",
        kinds: &["charity_donation", "watch_streak", "ad_break", "reward_redemption", "other"],
    },
];

/// The group a feed kind belongs to; `None` for gap rows, which no choice hides.
pub fn feed_group_of(kind: &str) -> Option<&'static str> {
    if kind == GAP_KIND {
        return None;
    }
    Some(FEED_GROUPS.iter().find(|g| g.kinds.contains(&kind)).map_or(OTHER_GROUP, |g| g.id))
}

/// Whether `name` is one of [`FEED_GROUPS`].
pub fn is_feed_group(name: &str) -> bool {
    FEED_GROUPS.iter().any(|g| g.id == name)
}

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

    /// Whether rows of `kind` show in the panel (neither muted nor hidden by the filter).
    pub fn is_shown(&self, kind: &str) -> bool {
        feed_group_of(kind).is_none_or(|g| !self.muted.contains(g) && !self.hidden.contains(g))
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
fn lenient_feeds<'de, D>(d: D) -> Result<BTreeMap<String, FeedPrefs>, D::Error>
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
mod feed_tests {
    use super::*;
    use chrono::{TimeZone, Utc};

    fn at(secs: i64) -> chrono::DateTime<Utc> {
        Utc.timestamp_opt(1_700_000_000 + secs, 0).single().expect("a valid time")
    }

    fn names(v: &[&str]) -> Option<Vec<String>> {
        Some(v.iter().map(|s| s.to_string()).collect())
    }

    #[test]
    fn every_feed_kind_is_in_exactly_one_group_and_gaps_in_none() {
        for (kind, _) in crate::notify::KINDS {
            let n = FEED_GROUPS.iter().filter(|g| g.kinds.contains(kind)).count();
            assert_eq!(n, 1, "{kind} is listed in {n} groups");
        }
        assert_eq!(feed_group_of("gap"), None);
        assert_eq!(feed_group_of("raid_incoming"), Some("raids"));
        assert_eq!(feed_group_of("a_kind_of_tomorrow"), Some(OTHER_GROUP));
        let ids: std::collections::BTreeSet<_> = FEED_GROUPS.iter().map(|g| g.id).collect();
        assert_eq!(ids.len(), FEED_GROUPS.len(), "group ids are unique");
        assert!(ids.iter().all(|id| is_feed_group(id)) && !is_feed_group("gap"));
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
            FeedPrefsChange { hidden: names(&["subs"; 10]), ..Default::default() },
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
