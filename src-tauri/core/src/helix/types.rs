//! The shapes Helix answers with (twitch.md §4, §1.8), and the body of a subscription create.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A Helix user (`GET /users`).
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq, Eq)]
pub struct User {
    pub id: String,
    pub login: String,
    pub display_name: String,
    #[serde(default, rename = "type")]
    pub user_type: String,
    #[serde(default)]
    pub broadcaster_type: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub profile_image_url: String,
    #[serde(default)]
    pub offline_image_url: String,
    #[serde(default)]
    pub created_at: Option<String>,
}

/// A live stream (`GET /streams`); offline channels are simply absent (twitch.md §4).
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq, Eq)]
pub struct Stream {
    pub id: String,
    pub user_id: String,
    pub user_login: String,
    pub user_name: String,
    #[serde(default)]
    pub game_id: String,
    #[serde(default)]
    pub game_name: String,
    #[serde(default, rename = "type")]
    pub stream_type: String,
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub viewer_count: u64,
    #[serde(default)]
    pub started_at: Option<String>,
    #[serde(default)]
    pub language: String,
    #[serde(default)]
    pub thumbnail_url: String,
    #[serde(default)]
    pub tags: Vec<String>,
}

/// A search result (`GET /search/channels`).
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq, Eq)]
pub struct SearchedChannel {
    pub id: String,
    pub broadcaster_login: String,
    pub display_name: String,
    #[serde(default)]
    pub broadcaster_language: String,
    #[serde(default)]
    pub game_id: String,
    #[serde(default)]
    pub game_name: String,
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub thumbnail_url: String,
    #[serde(default)]
    pub is_live: bool,
    #[serde(default)]
    pub started_at: Option<String>,
    #[serde(default)]
    pub tags: Vec<String>,
}

/// Channel information (`GET /channels`).
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq, Eq)]
pub struct ChannelInfo {
    pub broadcaster_id: String,
    pub broadcaster_login: String,
    pub broadcaster_name: String,
    #[serde(default)]
    pub broadcaster_language: String,
    #[serde(default)]
    pub game_id: String,
    #[serde(default)]
    pub game_name: String,
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub tags: Vec<String>,
}

/// A followed channel (`GET /channels/followed`).
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq, Eq)]
pub struct FollowedChannel {
    pub broadcaster_id: String,
    pub broadcaster_login: String,
    pub broadcaster_name: String,
    #[serde(default)]
    pub followed_at: Option<String>,
}

/// A channel the token user moderates (`GET /moderation/channels`: `broadcaster_id`,
/// `broadcaster_login`, `broadcaster_name`; twitch_api
/// `src/helix/endpoints/moderation/get_moderated_channels.rs`, from Twitch's reference
/// https://dev.twitch.tv/docs/api/reference#get-moderated-channels).
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq, Eq)]
pub struct ModeratedChannel {
    /// The channel's (broadcaster's) id.
    pub broadcaster_id: String,
    /// Its login.
    pub broadcaster_login: String,
    /// Its display name.
    pub broadcaster_name: String,
}

/// The scope `GET /moderation/channels` needs (same source as [`ModeratedChannel`]).
pub const MODERATED_CHANNELS_SCOPE: &str = "user:read:moderated_channels";

/// The transport of an EventSub subscription as Helix lists it (twitch.md §1.8).
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq, Eq, Default)]
pub struct SubscriptionTransport {
    pub method: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub connected_at: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub disconnected_at: Option<String>,
}

/// An EventSub subscription as Helix returns it.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq, Eq)]
pub struct Subscription {
    pub id: String,
    /// `enabled`, or why it is not (twitch.md §1.7).
    pub status: String,
    #[serde(rename = "type")]
    pub sub_type: String,
    pub version: String,
    /// The condition; all values Twitch uses are strings.
    #[serde(default)]
    pub condition: BTreeMap<String, String>,
    #[serde(default)]
    pub transport: SubscriptionTransport,
    #[serde(default)]
    pub created_at: Option<String>,
    #[serde(default)]
    pub cost: u32,
}

/// The body of `POST /eventsub/subscriptions` for the WebSocket transport.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct CreateSubscription {
    #[serde(rename = "type")]
    pub sub_type: String,
    pub version: String,
    pub condition: BTreeMap<String, String>,
    pub transport: CreateTransport,
}

/// `{"method":"websocket","session_id":…}`.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct CreateTransport {
    pub method: String,
    pub session_id: String,
}

impl CreateSubscription {
    /// A WebSocket subscription on `session_id`.
    pub fn websocket(
        sub_type: impl Into<String>,
        version: impl Into<String>,
        condition: BTreeMap<String, String>,
        session_id: impl Into<String>,
    ) -> Self {
        Self {
            sub_type: sub_type.into(),
            version: version.into(),
            condition,
            transport: CreateTransport {
                method: "websocket".into(),
                session_id: session_id.into(),
            },
        }
    }
}

/// The answer to create or list: the subscriptions plus the user's cost figures.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq, Eq, Default)]
pub struct SubscriptionList {
    pub data: Vec<Subscription>,
    #[serde(default)]
    pub total: u32,
    #[serde(default)]
    pub total_cost: u32,
    #[serde(default)]
    pub max_total_cost: u32,
}

/// The one filter `GET /eventsub/subscriptions` accepts per request (twitch.md §1.8).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SubscriptionFilter {
    Status(String),
    Type(String),
    UserId(String),
}

#[derive(Deserialize)]
pub(super) struct Data<T> {
    pub(super) data: Vec<T>,
    #[serde(default)]
    pub(super) pagination: Option<Pagination>,
}

#[derive(Deserialize)]
pub(super) struct Pagination {
    #[serde(default)]
    pub(super) cursor: Option<String>,
}

#[derive(Deserialize)]
pub(super) struct ListPage {
    pub(super) data: Vec<Subscription>,
    #[serde(default)]
    pub(super) total: u32,
    #[serde(default)]
    pub(super) total_cost: u32,
    #[serde(default)]
    pub(super) max_total_cost: u32,
    #[serde(default)]
    pub(super) pagination: Option<Pagination>,
}
