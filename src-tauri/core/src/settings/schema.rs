//! What `settings.json` holds: [`Settings`] and its parts, with the defaults that let files of
//! older versions load and the catch-all that keeps a newer version's fields; and the
//! environment variables that override a setting.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

use super::feed_prefs::{FeedPrefs, lenient_feeds};

/// `TWITCH_CLIENT_ID`: overrides the Client ID from the settings file.
pub const CLIENT_ID_VAR: &str = "TWITCH_CLIENT_ID";
/// `TEV_BUNDLED_CLIENT_ID`, read **at build time**: the public Client ID built into the binary
/// (the release workflow sets it from a repository variable; `.dev/env` sets the simulator's
/// public client). A public client needs nothing else for the device code flow, and its Client
/// ID is no secret (docs/twitch.md §3.1, §3.5).
pub const BUNDLED_CLIENT_ID_VAR: &str = "TEV_BUNDLED_CLIENT_ID";
/// `TEV_HIDE_BUNDLED_CLIENT_ID`, read at run time by **debug builds only**: any value hides the
/// built-in Client ID, so the tests of one build also cover a build made without one (the setup
/// screen). Release builds ignore it.
pub const HIDE_BUNDLED_CLIENT_ID_VAR: &str = "TEV_HIDE_BUNDLED_CLIENT_ID";
/// The Client ID given at build time, as the compiler saw it (cargo rebuilds the crate when the
/// variable changes: `option_env!` records it in the crate's dep-info).
const BUILT_IN_CLIENT_ID: Option<&str> = option_env!("TEV_BUNDLED_CLIENT_ID");
/// `TWITCH_CLIENT_SECRET`: overrides the Client Secret from the keychain.
pub const CLIENT_SECRET_VAR: &str = "TWITCH_CLIENT_SECRET";
/// The loopback port registered by default (`http://localhost:17563/callback`, docs/twitch.md §3.3:
/// the port must match the registered redirect URL exactly).
pub const DEFAULT_LOOPBACK_PORT: u16 = 17563;
/// How many recently watched streamers are remembered.
pub const MAX_RECENT: usize = 10;
/// The most streamer windows open at once unless the settings say otherwise: links from a
/// browser or a chat cannot flood the desktop (a link over it shows a notice instead).
pub const DEFAULT_MAX_STREAMER_WINDOWS: u32 = 8;

/// Which extra roles and features the user opted in to; each adds scopes to the consent screen
/// (docs/twitch.md §2 "What logging in as broadcaster or moderator adds", §3.5).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct RoleOptIn {
    /// "I'm the broadcaster": request the broadcaster scopes.
    pub broadcaster: bool,
    /// "I'm a moderator": request the moderator scopes.
    pub moderator: bool,
    /// "Chat from the app": request `user:write:chat`, which the message box under a streamer
    /// window's chat sends with (Helix Send Chat Message, docs/twitch.md §4). Off until the
    /// user turns chatting on: Twitch's consent page shows every scope (docs/twitch.md §3.5).
    pub chat: bool,
    /// "Moderator view": request the scopes of what a moderator acts on (`channel.moderate`,
    /// AutoMod, suspicious users, warnings, unban requests, shield mode; docs/twitch.md §2).
    /// Off until the user turns a channel's moderator view on, for the same reason as `chat`.
    pub moderation: bool,
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
    /// Width of the chat column right of the vertical divider (logical pixels), as the user
    /// left it, so the divider comes back where it was; `None` in files written before dividers
    /// were remembered, or when the window closed too narrow for a chat column.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub chat_width: Option<f64>,
    /// Height of the events strip under the player (logical pixels), below the horizontal
    /// divider, as the user left it; `None` in older files.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub panel_height: Option<f64>,
}

/// How the app lives beside its windows: in the tray, and started with the desktop session.
/// Both off by default, so the app behaves as before until the user opts in.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct TrayPrefs {
    /// Closing the last window keeps the app running in the tray (only where the desktop shows
    /// a tray; elsewhere closing quits, or the app could not be reached again).
    pub close_to_tray: bool,
    /// Start with the desktop session, minimised to the tray (`tauri-plugin-autostart`'s entry
    /// exists exactly while this is on).
    pub start_with_session: bool,
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
    /// The user dismissed the first streamer window's explanation of its panes and gap rows:
    /// it is not shown again.
    pub intro_dismissed: bool,
    /// The most streamer windows open at once ([`DEFAULT_MAX_STREAMER_WINDOWS`]); one more is
    /// refused with a notice on the home window. 0 counts as 1.
    pub max_streamer_windows: u32,
    /// The tray options ([`TrayPrefs`]); absent in files written before the tray existed.
    pub tray: TrayPrefs,
    /// Days the event store keeps a row (by its event time); older rows are deleted once a day.
    /// 0 keeps every row. Default [`crate::recent::DEFAULT_RETENTION_DAYS`].
    pub event_retention_days: u32,
    /// Alert rules per channel (docs/ui.md "Alerts"): a channel listed here notifies by its
    /// rules instead of `notifications`' per-kind choices. Versioned on its own
    /// ([`crate::alerts::ALERTS_VERSION`]).
    #[serde(skip_serializing_if = "crate::alerts::AlertSettings::is_empty")]
    pub alerts: crate::alerts::AlertSettings,
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
            intro_dismissed: false,
            max_streamer_windows: DEFAULT_MAX_STREAMER_WINDOWS,
            tray: TrayPrefs::default(),
            event_retention_days: crate::recent::DEFAULT_RETENTION_DAYS,
            alerts: crate::alerts::AlertSettings::default(),
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

    /// The Client ID to use: `TWITCH_CLIENT_ID` if set and non-empty, else the user's own
    /// application's (the file's), else the one built in.
    pub fn effective_client_id(&self) -> Option<String> {
        self.client_choice().map(|c| c.id)
    }

    /// The Client ID to use and where it comes from (see [`choose_client_id`]).
    pub fn client_choice(&self) -> Option<ClientChoice> {
        choose_client_id(
            env_nonempty(CLIENT_ID_VAR).as_deref(),
            self.client_id.as_deref(),
            bundled_client_id(),
        )
    }
}

/// Where the Client ID in use comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ClientIdSource {
    /// `TWITCH_CLIENT_ID`, for this run: the settings cannot change it.
    Environment,
    /// The user's own application, entered in the settings (`settings.json`).
    Own,
    /// The public Client ID built into the app.
    BuiltIn,
}

/// The Client ID in use and its source.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ClientChoice {
    /// The Client ID (not a secret).
    pub id: String,
    /// Where it comes from, which decides what the settings can change.
    pub source: ClientIdSource,
}

/// Which Client ID wins: the environment's, then the user's own application's, then the built-in
/// one — a build-time value is the weakest, so a user or developer can always replace it. Blank
/// values count as none; an own Client ID equal to the built-in one is the built-in one.
pub fn choose_client_id(
    env: Option<&str>,
    own: Option<&str>,
    built_in: Option<&str>,
) -> Option<ClientChoice> {
    let given = |v: Option<&str>| v.map(str::trim).filter(|v| !v.is_empty()).map(String::from);
    let built_in = given(built_in);
    if let Some(id) = given(env) {
        return Some(ClientChoice { id, source: ClientIdSource::Environment });
    }
    match given(own) {
        Some(id) if Some(&id) != built_in.as_ref() => {
            Some(ClientChoice { id, source: ClientIdSource::Own })
        }
        _ => built_in.map(|id| ClientChoice { id, source: ClientIdSource::BuiltIn }),
    }
}

/// The Client ID built into this binary (`TEV_BUNDLED_CLIENT_ID` at build time), if any and
/// well-formed, unless a debug build runs with `TEV_HIDE_BUNDLED_CLIENT_ID`.
pub fn bundled_client_id() -> Option<&'static str> {
    let id = BUILT_IN_CLIENT_ID.map(str::trim).filter(|id| is_valid_client_id(id))?;
    if cfg!(debug_assertions) && std::env::var_os(HIDE_BUNDLED_CLIENT_ID_VAR).is_some() {
        return None;
    }
    Some(id)
}

/// Whether `id` looks like a Client ID: Twitch's are alphanumeric (30 characters today); '-' and
/// '_' admit the simulator's clients.
pub fn is_valid_client_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 100
        && id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
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
    fn the_environment_beats_the_users_own_application_which_beats_the_built_in_one() {
        let choose = |env, own, built_in| {
            choose_client_id(env, own, built_in).map(|c| (c.id, c.source)).ok_or("none")
        };
        let built_in = Some("builtinid");
        assert_eq!(choose(None, None, built_in), Ok(("builtinid".into(), ClientIdSource::BuiltIn)));
        assert_eq!(
            choose(None, Some("ownid"), built_in),
            Ok(("ownid".into(), ClientIdSource::Own))
        );
        assert_eq!(
            choose(Some("envid"), Some("ownid"), built_in),
            Ok(("envid".into(), ClientIdSource::Environment))
        );
        assert_eq!(
            choose(None, Some(" builtinid "), built_in),
            Ok(("builtinid".into(), ClientIdSource::BuiltIn)),
            "an own Client ID equal to the built-in one is the built-in one"
        );
        assert_eq!(choose(Some(" "), Some(""), Some("  ")), Err("none"), "blanks are no value");
        assert_eq!(choose(None, Some("ownid"), None), Ok(("ownid".into(), ClientIdSource::Own)));
    }

    #[test]
    fn a_build_without_a_client_id_has_none_built_in_and_a_build_with_one_uses_it() {
        let s = Settings::default();
        match BUILT_IN_CLIENT_ID.map(str::trim).filter(|id| !id.is_empty()) {
            // `TEV_HIDE_BUNDLED_CLIENT_ID` is never set for the core's unit tests.
            Some(id) => assert_eq!(s.client_choice().map(|c| (c.id, c.source)), {
                let env = env_nonempty(CLIENT_ID_VAR);
                Some(match env {
                    Some(e) => (e, ClientIdSource::Environment),
                    None => (id.to_string(), ClientIdSource::BuiltIn),
                })
            }),
            None => assert_eq!(bundled_client_id(), None),
        }
    }

    #[test]
    fn client_ids_are_letters_digits_dashes_and_underscores() {
        for good in ["abcdefghijklmnopqrstuvwxyz0123", "sim-public-client", "a_b"] {
            assert!(is_valid_client_id(good), "{good}");
        }
        for bad in ["", "a b", "a/b", "é", &"a".repeat(101)] {
            assert!(!is_valid_client_id(bad), "{bad}");
        }
    }

    #[test]
    fn a_file_from_before_the_tray_loads_with_both_tray_options_off_and_keeps_them_when_set() {
        let old: Settings =
            serde_json::from_str(r#"{"client_id":"abc","favourite":"lumenforge"}"#).expect("old");
        assert_eq!(old.tray, TrayPrefs { close_to_tray: false, start_with_session: false });
        let mut s = old.clone();
        s.tray.close_to_tray = true;
        let back: Settings =
            serde_json::from_str(&serde_json::to_string(&s).expect("json")).expect("read back");
        assert!(back.tray.close_to_tray && !back.tray.start_with_session);
        assert!(!back.extra.contains_key("tray"), "a known field, not kept as unknown");
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
