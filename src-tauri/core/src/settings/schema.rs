//! What `settings.json` holds: [`Settings`] and its parts, with the defaults that let files of
//! older versions load and the catch-all that keeps a newer version's fields; and the
//! environment variables that override a setting.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

use super::feed_prefs::{FeedPrefs, lenient_feeds};

/// `TWITCH_CLIENT_ID`: overrides the Client ID from the settings file.
pub const CLIENT_ID_VAR: &str = "TWITCH_CLIENT_ID";
/// `TWITCH_CLIENT_SECRET`: overrides the Client Secret from the keychain.
pub const CLIENT_SECRET_VAR: &str = "TWITCH_CLIENT_SECRET";
/// The loopback port registered by default (`http://localhost:17563/callback`, docs/twitch.md §3.3:
/// the port must match the registered redirect URL exactly).
pub const DEFAULT_LOOPBACK_PORT: u16 = 17563;
/// How many recently watched streamers are remembered.
pub const MAX_RECENT: usize = 10;

/// Which extra roles the user opted in to; each adds scopes to the consent screen
/// (docs/twitch.md §2 "What logging in as broadcaster or moderator adds", §3.5).
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
