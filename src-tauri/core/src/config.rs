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
}

impl ConfigStore {
    /// The store in the standard config dir.
    pub fn from_env() -> Result<Self, ConfigError> {
        Ok(Self { dir: config_dir()? })
    }

    /// A store in `dir` (tests, portable setups).
    pub fn at(dir: impl Into<PathBuf>) -> Self {
        Self { dir: dir.into() }
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
