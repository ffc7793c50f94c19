//! `channel.goal.*` (docs/twitch.md §2).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// `channel.goal.begin` / `.progress` / `.end`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(default)]
pub struct Goal {
    /// Goal id.
    pub id: String,
    /// The channel's user id.
    pub broadcaster_user_id: String,
    /// The channel's login.
    pub broadcaster_user_login: String,
    /// The channel's display name.
    pub broadcaster_user_name: String,
    /// `follow`, `subscription`, …
    #[serde(rename = "type")]
    pub kind: String,
    /// The goal's description.
    pub description: String,
    /// Progress.
    pub current_amount: i64,
    /// Target.
    pub target_amount: i64,
    /// End only.
    pub is_achieved: Option<bool>,
    /// When it started.
    pub started_at: Option<DateTime<Utc>>,
    /// When it ended.
    pub ended_at: Option<DateTime<Utc>>,
}
