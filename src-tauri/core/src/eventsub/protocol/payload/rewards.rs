//! Channel-points reward redemptions (docs/twitch.md §2).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// The reward of a channel-points redemption.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(default)]
pub struct Reward {
    /// Reward id.
    pub id: String,
    /// Its title.
    pub title: String,
    /// Its cost in channel points.
    pub cost: u64,
    /// Its prompt.
    pub prompt: String,
}

/// `channel.channel_points_custom_reward_redemption.add` / `.update`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(default)]
pub struct Redemption {
    /// Redemption id.
    pub id: String,
    /// The channel's user id.
    pub broadcaster_user_id: String,
    /// The channel's login.
    pub broadcaster_user_login: String,
    /// The channel's display name.
    pub broadcaster_user_name: String,
    /// The redeemer's id.
    pub user_id: String,
    /// Their login.
    pub user_login: String,
    /// Their display name.
    pub user_name: String,
    /// What they typed, if the reward asks.
    pub user_input: String,
    /// `unfulfilled`, `fulfilled`, `canceled`, `unknown`.
    pub status: String,
    /// The reward.
    pub reward: Reward,
    /// When it was redeemed.
    pub redeemed_at: Option<DateTime<Utc>>,
}
