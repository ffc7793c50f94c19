//! The user's settings (their own application's Client ID, favourite streamer, …): one JSON
//! file, `settings.json`, in the config dir of [`crate::paths`]. The app and the `tev` CLI both
//! use [`ConfigStore::from_env`], so they read and write the same file. Also which Client ID the
//! app uses: the environment's, the user's own, or the one built in ([`choose_client_id`]).
//!
//! Rules (docs/ARCHITECTURE.md "Where each rule lives"): writes are atomic (temp file + rename); a
//! corrupt file is reported and set aside as `settings.json.corrupt-<unix seconds>`, never silently
//! dropped; every field has a serde default so files written by older versions still load;
//! secrets never live here (the Client Secret and the tokens go to the keychain).
//!
//! # Layout
//!
//! - [`schema`]: [`Settings`], what the file holds, its defaults and how files of older and
//!   newer versions load; the environment variables that override it.
//! - [`store`]: [`ConfigStore`], reading the file, writing it atomically, setting a corrupt
//!   one aside.
//! - [`placement`]: where a remembered window may open on the monitors there are now (moved
//!   onto the nearest one when its own is gone).
//! - [`feed_prefs`]: each channel's choices in the events panel (filter, mute, seen mark,
//!   pause) and the rule of which rows they hide.

pub mod feed_prefs;
pub mod placement;
pub mod schema;
pub mod store;

pub use feed_prefs::{FeedPrefs, FeedPrefsChange, MAX_FEED_CHANNELS, MODERATION_GROUP, SeenMark};
pub use schema::{
    BUNDLED_CLIENT_ID_VAR, CLIENT_ID_VAR, CLIENT_SECRET_VAR, ClientChoice, ClientIdSource,
    DEFAULT_LOOPBACK_PORT, DEFAULT_MAX_STREAMER_WINDOWS, HIDE_BUNDLED_CLIENT_ID_VAR, MAX_RECENT,
    RoleOptIn, Settings, TrayPrefs, WindowGeometry, bundled_client_id, choose_client_id,
    env_client_secret, env_nonempty, is_valid_client_id,
};
pub use store::{ConfigStore, SETTINGS_FILE};

use std::path::PathBuf;

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
