//! What the app keeps for the lifetime of the process.

use tev_core::Endpoints;

/// Shared, managed state reachable from every command.
pub struct AppState {
    /// Where Twitch (or the simulator) is; read once at start from `TEV_TWITCH_BASE_URL`.
    pub endpoints: Endpoints,
}

impl AppState {
    pub fn from_env() -> Result<Self, tev_core::endpoints::EndpointsError> {
        Ok(Self { endpoints: Endpoints::from_env()? })
    }
}
