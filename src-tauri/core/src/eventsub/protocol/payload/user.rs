//! User events: profile updates and whispers (docs/twitch.md §2).

use serde::{Deserialize, Serialize};

/// `user.update`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(default)]
pub struct UserUpdate {
    /// The user's id.
    pub user_id: String,
    /// Login.
    pub user_login: String,
    /// Display name.
    pub user_name: String,
    /// Profile description.
    pub description: String,
}

/// `user.whisper.message`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(default)]
pub struct WhisperMessage {
    /// Sender's id.
    pub from_user_id: String,
    /// Sender's login.
    pub from_user_login: String,
    /// Sender's display name.
    pub from_user_name: String,
    /// Recipient's id.
    pub to_user_id: String,
    /// Recipient's login.
    pub to_user_login: String,
    /// Recipient's display name.
    pub to_user_name: String,
    /// The whisper id.
    pub whisper_id: String,
    /// The text.
    pub whisper: WhisperBody,
}

/// The body of a whisper.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(default)]
pub struct WhisperBody {
    /// The text.
    pub text: String,
}
