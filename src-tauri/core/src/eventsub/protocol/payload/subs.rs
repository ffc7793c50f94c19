//! Broadcaster subscription events: new subs, gifts, resub messages, ends (docs/twitch.md §2).

use serde::{Deserialize, Serialize};

/// `channel.subscribe` and `channel.subscription.end`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(default)]
pub struct Subscribe {
    /// The subscriber's id.
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
    /// `1000`, `2000`, `3000`.
    pub tier: String,
    /// A gifted sub.
    pub is_gift: bool,
}

/// `channel.subscription.gift`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(default)]
pub struct SubscriptionGift {
    /// The gifter's id (null when anonymous).
    pub user_id: Option<String>,
    /// Their login.
    pub user_login: Option<String>,
    /// Their display name.
    pub user_name: Option<String>,
    /// The channel's user id.
    pub broadcaster_user_id: String,
    /// The channel's login.
    pub broadcaster_user_login: String,
    /// The channel's display name.
    pub broadcaster_user_name: String,
    /// Subs gifted at once.
    pub total: u64,
    /// `1000`, `2000`, `3000`.
    pub tier: String,
    /// The gifter's total, if shared (null when anonymous).
    pub cumulative_total: Option<u64>,
    /// Anonymous gift.
    pub is_anonymous: bool,
}

/// A message with emote positions (`channel.subscription.message`, `channel.cheer` has text only).
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(default)]
pub struct SubMessageBody {
    /// The text.
    pub text: String,
}

/// `channel.subscription.message` (a resub shared in chat).
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(default)]
pub struct SubscriptionMessage {
    /// The subscriber's id.
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
    /// `1000`, `2000`, `3000`.
    pub tier: String,
    /// Their message.
    pub message: SubMessageBody,
    /// Total months.
    pub cumulative_months: u64,
    /// Consecutive months, if shared.
    pub streak_months: Option<u64>,
    /// Months bought at once.
    pub duration_months: u64,
}
