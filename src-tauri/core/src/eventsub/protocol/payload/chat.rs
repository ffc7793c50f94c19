//! Chat events: messages and their parts, clears and deletions, chat settings, held
//! messages, shared chat sessions (docs/twitch.md §2, §6.1).

use serde::{Deserialize, Serialize};

/// A chat badge.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(default)]
pub struct Badge {
    /// Badge set, e.g. `subscriber`.
    pub set_id: String,
    /// Version within the set.
    pub id: String,
    /// Extra info, e.g. months subscribed.
    pub info: String,
}

/// A chat message body: text and fragments (docs/twitch.md §6.1).
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(default)]
pub struct MessageBody {
    /// The whole text.
    pub text: String,
    /// The text split into text/cheermote/emote/mention fragments.
    pub fragments: Vec<Fragment>,
}

/// One fragment of a chat message.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(default)]
pub struct Fragment {
    /// `text`, `cheermote`, `emote`, `mention`.
    #[serde(rename = "type")]
    pub kind: String,
    /// The fragment's text.
    pub text: String,
    /// Set for `cheermote` fragments.
    pub cheermote: Option<Cheermote>,
    /// Set for `emote` fragments.
    pub emote: Option<Emote>,
    /// Set for `mention` fragments.
    pub mention: Option<Mention>,
}

/// A cheermote fragment.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(default)]
pub struct Cheermote {
    /// e.g. `Cheer`.
    pub prefix: String,
    /// Bits in this cheermote.
    pub bits: u64,
    /// The cheermote tier.
    pub tier: u64,
}

/// An emote fragment.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(default)]
pub struct Emote {
    /// Emote id.
    pub id: String,
    /// Emote set id.
    pub emote_set_id: String,
    /// Owner's user id.
    pub owner_id: Option<String>,
    /// `static`, `animated`.
    pub format: Vec<String>,
}

/// A mention fragment.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(default)]
pub struct Mention {
    /// The mentioned user's id.
    pub user_id: String,
    /// Display name.
    pub user_name: String,
    /// Login.
    pub user_login: String,
}

/// `cheer` of a chat message.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(default)]
pub struct ChatCheer {
    /// Bits cheered in this message.
    pub bits: u64,
}

/// `reply` of a chat message.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(default)]
pub struct Reply {
    /// The message replied to.
    pub parent_message_id: String,
    /// Its text.
    pub parent_message_body: String,
    /// Its author's id.
    pub parent_user_id: String,
    /// Its author's display name.
    pub parent_user_name: String,
    /// Its author's login.
    pub parent_user_login: String,
    /// The thread's first message.
    pub thread_message_id: String,
    /// The thread starter's id.
    pub thread_user_id: String,
    /// The thread starter's display name.
    pub thread_user_name: String,
    /// The thread starter's login.
    pub thread_user_login: String,
}

/// `channel.chat.message` (docs/twitch.md §6.1).
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(default)]
pub struct ChatMessage {
    /// The channel's user id.
    pub broadcaster_user_id: String,
    /// The channel's login.
    pub broadcaster_user_login: String,
    /// The channel's display name.
    pub broadcaster_user_name: String,
    /// Who wrote it.
    pub chatter_user_id: String,
    /// Their login.
    pub chatter_user_login: String,
    /// Their display name.
    pub chatter_user_name: String,
    /// The chat message id.
    pub message_id: String,
    /// The message.
    pub message: MessageBody,
    /// `text`, `channel_points_highlighted`, `user_intro`, …
    pub message_type: String,
    /// `#RRGGBB` or empty.
    pub color: String,
    /// The chatter's badges.
    pub badges: Vec<Badge>,
    /// Set when the message is a cheer.
    pub cheer: Option<ChatCheer>,
    /// Set when the message is a reply.
    pub reply: Option<Reply>,
    /// Channel points reward that sent it, if any.
    pub channel_points_custom_reward_id: Option<String>,
    /// Shared chat: the channel where it was sent.
    pub source_broadcaster_user_id: Option<String>,
    /// Shared chat: that channel's login.
    pub source_broadcaster_user_login: Option<String>,
    /// Shared chat: that channel's display name.
    pub source_broadcaster_user_name: Option<String>,
    /// Shared chat: the message id in the source channel.
    pub source_message_id: Option<String>,
}

/// Events that carry only the channel (`channel.chat.clear`).
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(default)]
pub struct BroadcasterOnly {
    /// The channel's user id.
    pub broadcaster_user_id: String,
    /// The channel's login.
    pub broadcaster_user_login: String,
    /// The channel's display name.
    pub broadcaster_user_name: String,
}

/// `channel.chat.clear_user_messages`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(default)]
pub struct ChatClearUserMessages {
    /// The channel's user id.
    pub broadcaster_user_id: String,
    /// The channel's login.
    pub broadcaster_user_login: String,
    /// The channel's display name.
    pub broadcaster_user_name: String,
    /// Whose messages were removed.
    pub target_user_id: String,
    /// Their display name.
    pub target_user_name: String,
    /// Their login.
    pub target_user_login: String,
}

/// `channel.chat.message_delete`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(default)]
pub struct ChatMessageDelete {
    /// The channel's user id.
    pub broadcaster_user_id: String,
    /// The channel's login.
    pub broadcaster_user_login: String,
    /// The channel's display name.
    pub broadcaster_user_name: String,
    /// Author of the removed message.
    pub target_user_id: String,
    /// Their display name.
    pub target_user_name: String,
    /// Their login.
    pub target_user_login: String,
    /// The removed message.
    pub message_id: String,
}

/// `channel.chat_settings.update`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(default)]
pub struct ChatSettingsUpdate {
    /// The channel's user id.
    pub broadcaster_user_id: String,
    /// The channel's login.
    pub broadcaster_user_login: String,
    /// The channel's display name.
    pub broadcaster_user_name: String,
    /// Emote-only mode.
    pub emote_mode: bool,
    /// Followers-only mode.
    pub follower_mode: bool,
    /// Minimum follow age in minutes.
    pub follower_mode_duration_minutes: Option<u64>,
    /// Slow mode.
    pub slow_mode: bool,
    /// Slow mode delay.
    pub slow_mode_wait_time_seconds: Option<u64>,
    /// Subscribers-only mode.
    pub subscriber_mode: bool,
    /// Unique-chat mode.
    pub unique_chat_mode: bool,
}

/// `channel.chat.user_message_hold` / `_update` (the reader's own AutoMod-held messages).
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(default)]
pub struct ChatUserMessageHold {
    /// The channel's user id.
    pub broadcaster_user_id: String,
    /// The channel's login.
    pub broadcaster_user_login: String,
    /// The channel's display name.
    pub broadcaster_user_name: String,
    /// The author (the reader).
    pub user_id: String,
    /// Their login.
    pub user_login: String,
    /// Their display name.
    pub user_name: String,
    /// The held message id.
    pub message_id: String,
    /// Update only: `approved`, `denied`, `invalid`.
    pub status: Option<String>,
}

/// A participant of a shared chat session.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(default)]
pub struct SharedChatParticipant {
    /// The participant channel's id.
    pub broadcaster_user_id: String,
    /// Its login.
    pub broadcaster_user_login: String,
    /// Its display name.
    pub broadcaster_user_name: String,
}

/// `channel.shared_chat.begin` / `.update` / `.end`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(default)]
pub struct SharedChat {
    /// The shared chat session id.
    pub session_id: String,
    /// The channel's user id.
    pub broadcaster_user_id: String,
    /// The channel's login.
    pub broadcaster_user_login: String,
    /// The channel's display name.
    pub broadcaster_user_name: String,
    /// The host channel's id.
    pub host_broadcaster_user_id: String,
    /// Its login.
    pub host_broadcaster_user_login: String,
    /// Its display name.
    pub host_broadcaster_user_name: String,
    /// Participants (begin/update).
    pub participants: Vec<SharedChatParticipant>,
}
