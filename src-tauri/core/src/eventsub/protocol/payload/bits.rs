//! Bits: cheers and other uses of bits (docs/twitch.md §2).

use super::chat::MessageBody;
use serde::{Deserialize, Serialize};

/// `channel.cheer`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(default)]
pub struct Cheer {
    /// Anonymous cheer.
    pub is_anonymous: bool,
    /// The cheerer's id (null when anonymous).
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
    /// The chat message.
    pub message: String,
    /// Bits cheered.
    pub bits: u64,
}

/// `channel.bits.use`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(default)]
pub struct BitsUse {
    /// The channel's user id.
    pub broadcaster_user_id: String,
    /// The channel's login.
    pub broadcaster_user_login: String,
    /// The channel's display name.
    pub broadcaster_user_name: String,
    /// Who used bits.
    pub user_id: String,
    /// Their login.
    pub user_login: String,
    /// Their display name.
    pub user_name: String,
    /// Bits used.
    pub bits: u64,
    /// `cheer`, `power_up`, `combo`.
    #[serde(rename = "type")]
    pub kind: String,
    /// The chat message, if any.
    pub message: Option<MessageBody>,
}
