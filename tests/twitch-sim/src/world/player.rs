//! What each channel's player page last said of its playback (`POST /_sim/player`, see
//! `embed.rs`): a test that cannot reach into the app's webviews (the installed package's, run
//! without WebDriver) reads whether the stream really plays from the simulator.

use serde::Serialize;

/// One player's last report.
#[derive(Clone, Debug, Default, Serialize)]
pub struct PlayerReport {
    /// `loading`, `playing`, `offline` or `error`, as the page's `#player[data-state]`.
    pub state: String,
    /// The video element's `currentTime` in seconds: past 1 the stream really plays.
    pub current_time: f64,
    /// The video's `videoWidth`: non-zero once a frame was decoded.
    pub video_width: u64,
    /// The video's `videoHeight`.
    pub video_height: u64,
    /// The playback error the page shows, if any (a missing decoder says so here).
    pub error: String,
    /// How many reports came from players of this channel, so a poller sees it move.
    pub reports: u64,
}
