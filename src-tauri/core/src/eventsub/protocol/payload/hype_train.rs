//! `channel.hype_train.*` (docs/twitch.md §2).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// A hype train contributor.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(default)]
pub struct Contribution {
    /// Contributor's id.
    pub user_id: String,
    /// Login.
    pub user_login: String,
    /// Display name.
    pub user_name: String,
    /// `bits`, `subscription`, `other`.
    #[serde(rename = "type")]
    pub kind: String,
    /// Amount contributed.
    pub total: u64,
}

/// `channel.hype_train.begin` / `.progress` / `.end` (v2; v1 parses too).
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(default)]
pub struct HypeTrain {
    /// The hype train id (shared by begin, progress, end).
    pub id: String,
    /// The channel's user id.
    pub broadcaster_user_id: String,
    /// The channel's login.
    pub broadcaster_user_login: String,
    /// The channel's display name.
    pub broadcaster_user_name: String,
    /// Current level.
    pub level: u64,
    /// Total points.
    pub total: u64,
    /// Points in the current level (begin/progress).
    pub progress: Option<u64>,
    /// Points needed for the next level (begin/progress).
    pub goal: Option<u64>,
    /// Top contributors.
    pub top_contributions: Vec<Contribution>,
    /// `regular`, `golden_kappa`, `shared` (v2).
    #[serde(rename = "type")]
    pub kind: Option<String>,
    /// When it started.
    pub started_at: Option<DateTime<Utc>>,
    /// When it expires (begin/progress).
    pub expires_at: Option<DateTime<Utc>>,
    /// When it ended (end).
    pub ended_at: Option<DateTime<Utc>>,
    /// When the next one may start (end).
    pub cooldown_ends_at: Option<DateTime<Utc>>,
}
