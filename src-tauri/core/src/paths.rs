//! Where the app and the `tev` CLI keep their files, so both agree: the directories of
//! `ProjectDirs::from("io.github", "tev-desktop", "twitch-event-viewer")` — the config dir
//! (`~/.config/twitch-event-viewer` on Linux, honouring `XDG_CONFIG_HOME`) for `settings.json`
//! ([`crate::settings`]) and the data dir for the recent events and other state.

use std::path::PathBuf;

use crate::settings::ConfigError;

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
