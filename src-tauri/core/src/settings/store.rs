//! [`ConfigStore`]: reads `settings.json` (a corrupt file is set aside and reported) and writes
//! it atomically (temp file + rename), one change at a time.

use std::io::Write;
use std::path::{Path, PathBuf};

use super::{ConfigError, Settings};
use crate::paths::config_dir;

/// The name of the settings file inside the config dir.
pub const SETTINGS_FILE: &str = "settings.json";

/// Reads and writes `settings.json` in one directory.
#[derive(Debug, Clone)]
pub struct ConfigStore {
    /// The directory holding `settings.json`.
    dir: PathBuf,
    /// Serialises [`ConfigStore::update`] across every clone of this store, so two changes
    /// made at once (a panel's feed choice and the favourite, say) both survive.
    updating: std::sync::Arc<std::sync::Mutex<()>>,
    /// Set when the file could not be read at start (no permission, a directory in its place):
    /// this run's settings live here, shared by every clone, and the file is never touched.
    memory: Option<std::sync::Arc<std::sync::Mutex<Settings>>>,
}

impl ConfigStore {
    /// The store in the standard config dir.
    pub fn from_env() -> Result<Self, ConfigError> {
        Ok(Self::at(config_dir()?))
    }

    /// A store in `dir` (tests, portable setups).
    pub fn at(dir: impl Into<PathBuf>) -> Self {
        Self { dir: dir.into(), updating: Default::default(), memory: None }
    }

    /// Checks the settings file once, at start, and returns the store for this run with what
    /// to tell the user (on the home window) when the file could not be used:
    /// - readable: this store, nothing to say;
    /// - corrupt: set aside as [`ConfigStore::load`] does, the defaults from now on, and the
    ///   [`ConfigError::Corrupt`] text;
    /// - unreadable, or corrupt and impossible to set aside: a store that keeps this run's
    ///   settings in memory only, starting from the defaults, and leaves the file as it is
    ///   (docs/ARCHITECTURE.md, "Damaged files").
    pub fn checked_at_start(self) -> (Self, Option<String>) {
        match self.load() {
            Ok(_) => (self, None),
            Err(e @ ConfigError::Corrupt { .. }) => {
                (self, Some(format!("Your settings could not be used: {e}.")))
            }
            Err(e) => {
                tracing::warn!(error = %e, "settings file unusable; settings kept in memory");
                let why = match &e {
                    ConfigError::Io { source, .. } => source.to_string(),
                    other => other.to_string(),
                };
                let notice = format!(
                    "Your settings at {} could not be read ({why}). The app uses default \
                     settings, kept in memory only until it is closed, and left the file \
                     untouched.",
                    self.path().display()
                );
                let memory = Some(std::sync::Arc::new(std::sync::Mutex::new(Settings::default())));
                (Self { memory, ..self }, Some(notice))
            }
        }
    }

    /// Whether this run's settings are kept in memory only (see
    /// [`ConfigStore::checked_at_start`]).
    pub fn is_memory_only(&self) -> bool {
        self.memory.is_some()
    }

    /// The path of the settings file.
    pub fn path(&self) -> PathBuf {
        self.dir.join(SETTINGS_FILE)
    }

    /// Loads the settings. A missing file gives the defaults; a corrupt one is moved aside
    /// and reported as [`ConfigError::Corrupt`] (the caller shows it and goes on with
    /// defaults, see [`ConfigStore::load_or_default`]).
    pub fn load(&self) -> Result<Settings, ConfigError> {
        if let Some(memory) = &self.memory {
            return Ok(memory.lock().unwrap_or_else(std::sync::PoisonError::into_inner).clone());
        }
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
            && !super::is_valid_client_id(id)
        {
            return Err(ConfigError::Invalid(
                "a Client ID has only letters and digits (copy it from the Twitch developer \
                 console)"
                    .into(),
            ));
        }
        if let Some(memory) = &self.memory {
            *memory.lock().unwrap_or_else(std::sync::PoisonError::into_inner) = settings.clone();
            return Ok(());
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
