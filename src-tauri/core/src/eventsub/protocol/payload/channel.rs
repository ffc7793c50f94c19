//! Channel events: title and category, raids, follows, shoutouts, ad breaks (docs/twitch.md §2).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// `channel.update` v2 (v1 parses too; docs/twitch.md §2).
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(default)]
pub struct ChannelUpdate {
    /// The channel's user id.
    pub broadcaster_user_id: String,
    /// The channel's login.
    pub broadcaster_user_login: String,
    /// The channel's display name.
    pub broadcaster_user_name: String,
    /// The stream title.
    pub title: String,
    /// The broadcast language (ISO 639-1).
    pub language: String,
    /// The category (game) id.
    pub category_id: String,
    /// The category (game) name.
    pub category_name: String,
    /// Content classification labels (v2).
    pub content_classification_labels: Vec<String>,
}

/// `channel.raid` (docs/twitch.md §6.1).
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(default)]
pub struct ChannelRaid {
    /// The raiding channel's id.
    pub from_broadcaster_user_id: String,
    /// The raiding channel's login.
    pub from_broadcaster_user_login: String,
    /// The raiding channel's display name.
    pub from_broadcaster_user_name: String,
    /// The raided channel's id.
    pub to_broadcaster_user_id: String,
    /// The raided channel's login.
    pub to_broadcaster_user_login: String,
    /// The raided channel's display name.
    pub to_broadcaster_user_name: String,
    /// How many viewers came along.
    pub viewers: u64,
}

/// `channel.follow` v2.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(default)]
pub struct Follow {
    /// The follower's id.
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
    /// When they followed.
    pub followed_at: Option<DateTime<Utc>>,
}

/// `channel.ad_break.begin`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(default)]
pub struct AdBreakBegin {
    /// Length of the break.
    pub duration_seconds: u64,
    /// When it started.
    pub started_at: Option<DateTime<Utc>>,
    /// Scheduled automatically.
    pub is_automatic: bool,
    /// The channel's user id.
    pub broadcaster_user_id: String,
    /// The channel's login.
    pub broadcaster_user_login: String,
    /// The channel's display name.
    pub broadcaster_user_name: String,
    /// Who started it.
    pub requester_user_id: String,
    /// Their login.
    pub requester_user_login: String,
    /// Their display name.
    pub requester_user_name: String,
}

/// `channel.shoutout.create` (this channel gave a shoutout).
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(default)]
pub struct ShoutoutCreate {
    /// The channel's user id.
    pub broadcaster_user_id: String,
    /// The channel's login.
    pub broadcaster_user_login: String,
    /// The channel's display name.
    pub broadcaster_user_name: String,
    /// The channel shouted out.
    pub to_broadcaster_user_id: String,
    /// Its login.
    pub to_broadcaster_user_login: String,
    /// Its display name.
    pub to_broadcaster_user_name: String,
    /// The moderator who sent it.
    pub moderator_user_id: String,
    /// Their login.
    pub moderator_user_login: String,
    /// Their display name.
    pub moderator_user_name: String,
    /// Viewers at the time.
    pub viewer_count: u64,
    /// When it was sent.
    pub started_at: Option<DateTime<Utc>>,
}

/// `channel.shoutout.receive` (this channel got a shoutout).
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(default)]
pub struct ShoutoutReceive {
    /// The channel's user id.
    pub broadcaster_user_id: String,
    /// The channel's login.
    pub broadcaster_user_login: String,
    /// The channel's display name.
    pub broadcaster_user_name: String,
    /// The channel that gave it.
    pub from_broadcaster_user_id: String,
    /// Its login.
    pub from_broadcaster_user_login: String,
    /// Its display name.
    pub from_broadcaster_user_name: String,
    /// Their viewers at the time.
    pub viewer_count: u64,
    /// When it was sent.
    pub started_at: Option<DateTime<Utc>>,
}
