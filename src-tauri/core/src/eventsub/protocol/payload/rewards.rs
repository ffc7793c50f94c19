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

/// The reward of an automatic redemption: one of Twitch's own rewards or a Power-up
/// (<https://dev.twitch.tv/docs/eventsub/eventsub-reference/#automatic-reward>).
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(default)]
pub struct AutomaticReward {
    /// What it does: `send_highlighted_message`, `single_message_bypass_sub_mode`,
    /// `random_sub_emote_unlock`, `chosen_sub_emote_unlock`, `message_effect`,
    /// `gigantify_an_emote`, `celebration`, … (the summary names it in words).
    #[serde(rename = "type")]
    pub reward_type: String,
    /// Its cost in channel points, as v2 names it.
    pub channel_points: Option<u64>,
    /// Its cost in channel points, as v1 names it.
    pub cost: Option<u64>,
}

impl AutomaticReward {
    /// The cost, whichever version told it.
    pub fn points(&self) -> u64 {
        self.channel_points.or(self.cost).unwrap_or_default()
    }
}

/// The message sent with an automatic redemption (the text is all the feed shows).
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(default)]
pub struct RedemptionMessage {
    /// The whole text.
    pub text: String,
}

/// `channel.channel_points_automatic_reward_redemption.add` v1 and v2
/// (<https://dev.twitch.tv/docs/eventsub/eventsub-subscription-types/#channelchannel_points_automatic_reward_redemptionadd>).
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(default)]
pub struct AutomaticRedemption {
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
    /// The reward.
    pub reward: AutomaticReward,
    /// The message sent with it, if the reward takes one (v1 and v2).
    pub message: Option<RedemptionMessage>,
    /// v1 only: the text the user typed (the message's text, as v1 also sends it).
    pub user_input: Option<String>,
    /// When it was redeemed.
    pub redeemed_at: Option<DateTime<Utc>>,
}

impl AutomaticRedemption {
    /// The user's message: the message's text, else v1's `user_input`; trimmed.
    pub fn text(&self) -> &str {
        self.message
            .as_ref()
            .map(|m| m.text.as_str())
            .filter(|t| !t.trim().is_empty())
            .or(self.user_input.as_deref())
            .unwrap_or_default()
            .trim()
    }
}
