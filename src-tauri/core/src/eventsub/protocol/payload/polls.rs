//! Polls and predictions (docs/twitch.md §2).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// A poll choice.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(default)]
pub struct PollChoice {
    /// Choice id.
    pub id: String,
    /// Its title.
    pub title: String,
    /// Votes with bits.
    pub bits_votes: Option<u64>,
    /// Votes with channel points.
    pub channel_points_votes: Option<u64>,
    /// All votes.
    pub votes: Option<u64>,
}

/// `channel.poll.begin` / `.progress` / `.end`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(default)]
pub struct Poll {
    /// Poll id (shared by begin, progress, end).
    pub id: String,
    /// The channel's user id.
    pub broadcaster_user_id: String,
    /// The channel's login.
    pub broadcaster_user_login: String,
    /// The channel's display name.
    pub broadcaster_user_name: String,
    /// The question.
    pub title: String,
    /// The choices.
    pub choices: Vec<PollChoice>,
    /// End only: `completed`, `archived`, `terminated`.
    pub status: Option<String>,
    /// When it started.
    pub started_at: Option<DateTime<Utc>>,
    /// When it will end (begin/progress).
    pub ends_at: Option<DateTime<Utc>>,
    /// When it ended (end).
    pub ended_at: Option<DateTime<Utc>>,
}

/// A prediction outcome.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(default)]
pub struct Outcome {
    /// Outcome id.
    pub id: String,
    /// Its title.
    pub title: String,
    /// `blue`, `pink`.
    pub color: String,
    /// Number of users who predicted it.
    pub users: Option<u64>,
    /// Channel points on it.
    pub channel_points: Option<u64>,
}

/// `channel.prediction.begin` / `.progress` / `.lock` / `.end`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(default)]
pub struct Prediction {
    /// Prediction id (shared by all its frames).
    pub id: String,
    /// The channel's user id.
    pub broadcaster_user_id: String,
    /// The channel's login.
    pub broadcaster_user_login: String,
    /// The channel's display name.
    pub broadcaster_user_name: String,
    /// The question.
    pub title: String,
    /// The outcomes.
    pub outcomes: Vec<Outcome>,
    /// End only: the winning outcome (null when canceled).
    pub winning_outcome_id: Option<String>,
    /// End only: `resolved`, `canceled`.
    pub status: Option<String>,
    /// When it started.
    pub started_at: Option<DateTime<Utc>>,
    /// When it locks (begin/progress).
    pub locks_at: Option<DateTime<Utc>>,
    /// When it locked (lock).
    pub locked_at: Option<DateTime<Utc>>,
    /// When it ended (end).
    pub ended_at: Option<DateTime<Utc>>,
}
