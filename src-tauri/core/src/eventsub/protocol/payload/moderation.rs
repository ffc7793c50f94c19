//! Moderation events: bans, unbans, moderator and VIP changes, shield mode (docs/twitch.md §2).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// `channel.ban`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(default)]
pub struct Ban {
    /// The banned user's id.
    pub user_id: String,
    /// Their login.
    pub user_login: String,
    /// Their display name.
    pub user_name: String,
    /// The channel's user id.
    pub broadcaster_user_id: String,
    /// The channel's login.
    pub broadcaster_user_login: String,
    /// The channel's display name.
    pub broadcaster_user_name: String,
    /// The moderator's id.
    pub moderator_user_id: String,
    /// Their login.
    pub moderator_user_login: String,
    /// Their display name.
    pub moderator_user_name: String,
    /// The reason given.
    pub reason: String,
    /// When.
    pub banned_at: Option<DateTime<Utc>>,
    /// Timeout end (null when permanent).
    pub ends_at: Option<DateTime<Utc>>,
    /// Permanent ban.
    pub is_permanent: bool,
}

/// `channel.unban`, `channel.moderator.add/remove`, `channel.vip.add/remove`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(default)]
pub struct UserModAction {
    /// The affected user's id.
    pub user_id: String,
    /// Their login.
    pub user_login: String,
    /// Their display name.
    pub user_name: String,
    /// The channel's user id.
    pub broadcaster_user_id: String,
    /// The channel's login.
    pub broadcaster_user_login: String,
    /// The channel's display name.
    pub broadcaster_user_name: String,
    /// The moderator (unban only).
    pub moderator_user_id: Option<String>,
    /// Their login.
    pub moderator_user_login: Option<String>,
    /// Their display name.
    pub moderator_user_name: Option<String>,
}

/// `channel.shield_mode.begin` / `.end`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(default)]
pub struct ShieldMode {
    /// The channel's user id.
    pub broadcaster_user_id: String,
    /// The channel's login.
    pub broadcaster_user_login: String,
    /// The channel's display name.
    pub broadcaster_user_name: String,
    /// The moderator's id.
    pub moderator_user_id: String,
    /// Their login.
    pub moderator_user_login: String,
    /// Their display name.
    pub moderator_user_name: String,
    /// Begin only.
    pub started_at: Option<DateTime<Utc>>,
    /// End only.
    pub ended_at: Option<DateTime<Utc>>,
}
