//! The app's commands: one-line adapters into `tev-core`. Every name here is also listed in
//! `build.rs` and granted in `capabilities/app-pages.json`.

use crate::error::UiError;
use crate::state::AppState;
use serde::Serialize;

/// What the home page shows about the running app.
#[derive(Debug, Serialize, PartialEq, Eq)]
pub struct AppInfo {
    pub name: &'static str,
    pub version: &'static str,
    /// "Twitch" or "Simulated Twitch at …".
    pub twitch: String,
    pub simulated: bool,
    pub oauth: String,
    pub helix: String,
    pub eventsub: String,
}

pub fn app_info_of(state: &AppState) -> AppInfo {
    let e = &state.endpoints;
    AppInfo {
        name: "Twitch Event Viewer",
        version: tev_core::VERSION,
        twitch: e.describe(),
        simulated: e.simulated,
        oauth: e.oauth.to_string(),
        helix: e.helix.to_string(),
        eventsub: e.eventsub_ws.to_string(),
    }
}

#[tauri::command]
#[tracing::instrument(skip(state), err(Debug))]
pub fn app_info(state: tauri::State<'_, AppState>) -> Result<AppInfo, UiError> {
    Ok(app_info_of(&state))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn app_info_reports_the_configured_endpoints() {
        let state = AppState {
            endpoints: tev_core::Endpoints::with_base("http://127.0.0.1:9").expect("base"),
        };
        let info = app_info_of(&state);
        assert!(info.simulated);
        assert_eq!(info.eventsub, "ws://127.0.0.1:9/ws");
        assert_eq!(info.version, tev_core::VERSION);
        assert!(info.twitch.starts_with("Simulated Twitch"));
    }
}
