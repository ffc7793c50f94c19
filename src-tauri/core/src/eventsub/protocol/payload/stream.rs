//! `stream.*` events: a stream went live or offline (docs/twitch.md §2, §6.1).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// `stream.online` (docs/twitch.md §6.1).
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(default)]
pub struct StreamOnline {
    /// The stream id.
    pub id: String,
    /// The channel's user id.
    pub broadcaster_user_id: String,
    /// The channel's login.
    pub broadcaster_user_login: String,
    /// The channel's display name.
    pub broadcaster_user_name: String,
    /// `live`, `playlist`, `watch_party`, `premiere`, `rerun`.
    #[serde(rename = "type")]
    pub stream_type: String,
    /// When the stream went live.
    pub started_at: Option<DateTime<Utc>>,
}

/// `stream.offline` (docs/twitch.md §2).
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(default)]
pub struct StreamOffline {
    /// The stream id (since 2026-06; absent before).
    pub id: Option<String>,
    /// The channel's user id.
    pub broadcaster_user_id: String,
    /// The channel's login.
    pub broadcaster_user_login: String,
    /// The channel's display name.
    pub broadcaster_user_name: String,
}
