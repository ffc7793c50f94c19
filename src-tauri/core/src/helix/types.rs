//! The shapes Helix answers with (docs/twitch.md §4, §1.8), and the body of a subscription
//! create.

use serde::{Deserialize, Deserializer, Serialize};
use std::collections::BTreeMap;

/// Reads a field Twitch may answer as `null` as its empty value (`""`, `[]`, `{}`, 0, false).
/// Twitch has answered `null` where its reference promises an array (`tag_ids`,
/// https://github.com/twitch-rs/twitch_api/issues/184; twitch_api reads `Stream.tags` the same
/// way, docs/twitch.md §9), so every optional field of every answer read here goes through it:
/// one `null` must not fail a whole page.
fn null_as_default<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Default + Deserialize<'de>,
{
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}

/// A Helix user (`GET /users`).
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq, Eq)]
pub struct User {
    /// Twitch's id of the item (user, stream, channel or subscription).
    pub id: String,
    /// The login: lowercase, used in URLs and conditions' look-ups.
    pub login: String,
    /// The name as the user writes it, shown in lists.
    pub display_name: String,
    /// `staff`, `admin`, `global_mod` or empty; not used, kept for completeness.
    #[serde(default, deserialize_with = "null_as_default", rename = "type")]
    pub user_type: String,
    /// `partner`, `affiliate` or empty.
    #[serde(default, deserialize_with = "null_as_default")]
    pub broadcaster_type: String,
    /// The channel's "about" text.
    #[serde(default, deserialize_with = "null_as_default")]
    pub description: String,
    /// The avatar the home page shows.
    #[serde(default, deserialize_with = "null_as_default")]
    pub profile_image_url: String,
    /// The picture shown while offline.
    #[serde(default, deserialize_with = "null_as_default")]
    pub offline_image_url: String,
    /// When it was created (RFC 3339).
    #[serde(default)]
    pub created_at: Option<String>,
}

/// A live stream (`GET /streams`); offline channels are simply absent (docs/twitch.md §4).
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq, Eq)]
pub struct Stream {
    /// Twitch's id of the item (user, stream, channel or subscription).
    pub id: String,
    /// The broadcaster's id.
    pub user_id: String,
    /// The broadcaster's login.
    pub user_login: String,
    /// The broadcaster's display name.
    pub user_name: String,
    /// The category's id; empty when none is set.
    #[serde(default, deserialize_with = "null_as_default")]
    pub game_id: String,
    /// The category shown beside the title; empty when none is set.
    #[serde(default, deserialize_with = "null_as_default")]
    pub game_name: String,
    /// `live` (or empty after an error, says Twitch's reference).
    #[serde(default, deserialize_with = "null_as_default", rename = "type")]
    pub stream_type: String,
    /// The stream's or channel's title.
    #[serde(default, deserialize_with = "null_as_default")]
    pub title: String,
    /// Viewers now, shown in the streamer window's header.
    #[serde(default, deserialize_with = "null_as_default")]
    pub viewer_count: u64,
    /// When the stream went live (RFC 3339); for search hits empty when offline.
    #[serde(default)]
    pub started_at: Option<String>,
    /// The broadcast language (ISO 639-1).
    #[serde(default, deserialize_with = "null_as_default")]
    pub language: String,
    /// A preview picture (`{width}x{height}` placeholders for streams).
    #[serde(default, deserialize_with = "null_as_default")]
    pub thumbnail_url: String,
    /// The channel's tags; Twitch has sent `null` for none (docs/twitch.md §9).
    #[serde(default, deserialize_with = "null_as_default")]
    pub tags: Vec<String>,
}

/// A search result (`GET /search/channels`).
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq, Eq)]
pub struct SearchedChannel {
    /// Twitch's id of the item (user, stream, channel or subscription).
    pub id: String,
    /// The broadcaster's login.
    pub broadcaster_login: String,
    /// The name as the user writes it, shown in lists.
    pub display_name: String,
    /// The broadcast language (ISO 639-1).
    #[serde(default, deserialize_with = "null_as_default")]
    pub broadcaster_language: String,
    /// The category's id; empty when none is set.
    #[serde(default, deserialize_with = "null_as_default")]
    pub game_id: String,
    /// The category shown beside the title; empty when none is set.
    #[serde(default, deserialize_with = "null_as_default")]
    pub game_name: String,
    /// The stream's or channel's title.
    #[serde(default, deserialize_with = "null_as_default")]
    pub title: String,
    /// A preview picture (`{width}x{height}` placeholders for streams).
    #[serde(default, deserialize_with = "null_as_default")]
    pub thumbnail_url: String,
    /// Whether the channel is live now: the search's live badge.
    #[serde(default, deserialize_with = "null_as_default")]
    pub is_live: bool,
    /// When the stream went live (RFC 3339); for search hits empty when offline.
    #[serde(default)]
    pub started_at: Option<String>,
    /// The channel's tags; Twitch has sent `null` for none (docs/twitch.md §9).
    #[serde(default, deserialize_with = "null_as_default")]
    pub tags: Vec<String>,
}

/// Channel information (`GET /channels`).
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq, Eq)]
pub struct ChannelInfo {
    /// The broadcaster's id, what EventSub conditions use.
    pub broadcaster_id: String,
    /// The broadcaster's login.
    pub broadcaster_login: String,
    /// The broadcaster's display name.
    pub broadcaster_name: String,
    /// The broadcast language (ISO 639-1).
    #[serde(default, deserialize_with = "null_as_default")]
    pub broadcaster_language: String,
    /// The category's id; empty when none is set.
    #[serde(default, deserialize_with = "null_as_default")]
    pub game_id: String,
    /// The category shown beside the title; empty when none is set.
    #[serde(default, deserialize_with = "null_as_default")]
    pub game_name: String,
    /// The stream's or channel's title.
    #[serde(default, deserialize_with = "null_as_default")]
    pub title: String,
    /// The channel's tags; Twitch has sent `null` for none (docs/twitch.md §9).
    #[serde(default, deserialize_with = "null_as_default")]
    pub tags: Vec<String>,
}

/// A followed channel (`GET /channels/followed`).
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq, Eq)]
pub struct FollowedChannel {
    /// The broadcaster's id, what EventSub conditions use.
    pub broadcaster_id: String,
    /// The broadcaster's login.
    pub broadcaster_login: String,
    /// The broadcaster's display name.
    pub broadcaster_name: String,
    /// When the user followed the channel (RFC 3339).
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

/// A Helix call that needs a scope of the user's token (docs/twitch.md §4's table): the source
/// of the scopes the app asks for besides its subscriptions (`auth::scopes`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ScopedCall {
    /// The HTTP method.
    pub method: &'static str,
    /// The path under `helix/`.
    pub path: &'static str,
    /// The scope Twitch wants on the token for it.
    pub scope: &'static str,
}

/// `GET /channels/followed`: the channels the user follows, `user:read:follows`
/// (https://dev.twitch.tv/docs/api/reference/#get-followed-channels).
pub const FOLLOWED_CHANNELS: ScopedCall =
    ScopedCall { method: "GET", path: "channels/followed", scope: "user:read:follows" };

/// `GET /streams/followed`: the live streams of the channels the user follows,
/// `user:read:follows` (https://dev.twitch.tv/docs/api/reference/#get-followed-streams).
pub const FOLLOWED_STREAMS: ScopedCall =
    ScopedCall { method: "GET", path: "streams/followed", scope: "user:read:follows" };

/// `GET /moderation/channels`: the channels the user moderates.
pub const MODERATED_CHANNELS: ScopedCall =
    ScopedCall { method: "GET", path: "moderation/channels", scope: MODERATED_CHANNELS_SCOPE };

/// `POST /chat/messages`: Send Chat Message, as the token's user, `user:write:chat`
/// (https://dev.twitch.tv/docs/api/reference/#send-chat-message, docs/twitch.md §4).
pub const SEND_CHAT_MESSAGE: ScopedCall =
    ScopedCall { method: "POST", path: "chat/messages", scope: "user:write:chat" };

/// Twitch's limit on one chat message, in characters (the `message` field of Send Chat
/// Message: "The message is limited to a maximum of 500 characters",
/// https://dev.twitch.tv/docs/api/reference/#send-chat-message).
pub const MAX_CHAT_MESSAGE_CHARS: usize = 500;

/// Twitch's answer to Send Chat Message: `data[0]` of
/// `{"data":[{"message_id","is_sent","drop_reason"}]}`
/// (https://dev.twitch.tv/docs/api/reference/#send-chat-message; the same fields in
/// twurple's `HelixSentChatMessage` and twitch_api's `chat/send_chat_message.rs`). A message
/// Twitch's chat refuses (a duplicate, AutoMod, followers-only…) still answers 200, with
/// `is_sent: false` and a reason.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq, Eq)]
pub struct SentChatMessage {
    /// The message's id; empty when it was not sent.
    #[serde(default, deserialize_with = "null_as_default")]
    pub message_id: String,
    /// Whether the message passed Twitch's checks and went to the chat.
    pub is_sent: bool,
    /// Why it was dropped, when it was.
    #[serde(default)]
    pub drop_reason: Option<DropReason>,
}

/// Why Twitch dropped a chat message (`drop_reason` of [`SentChatMessage`]).
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq, Eq)]
pub struct DropReason {
    /// A code, e.g. `msg_duplicate`, for programs.
    #[serde(default, deserialize_with = "null_as_default")]
    pub code: String,
    /// Twitch's words for the user ("Your message was not sent because…").
    #[serde(default, deserialize_with = "null_as_default")]
    pub message: String,
}

/// The transport of an EventSub subscription as Helix lists it (docs/twitch.md §1.8).
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq, Eq, Default)]
pub struct SubscriptionTransport {
    /// `websocket` for every subscription this app makes.
    pub method: String,
    /// The WebSocket session the subscription delivers on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session_id: Option<String>,
    /// When that session connected.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub connected_at: Option<String>,
    /// When it disconnected, for a subscription whose socket is gone.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub disconnected_at: Option<String>,
}

/// An EventSub subscription as Helix returns it.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq, Eq)]
pub struct Subscription {
    /// Twitch's id of the item (user, stream, channel or subscription).
    pub id: String,
    /// `enabled`, or why it is not (docs/twitch.md §1.7).
    pub status: String,
    /// The subscription type, e.g. `stream.online`.
    #[serde(rename = "type")]
    pub sub_type: String,
    /// Its version, e.g. `2` for `channel.update`.
    pub version: String,
    /// The condition; all values Twitch uses are strings.
    #[serde(default, deserialize_with = "null_as_default")]
    pub condition: BTreeMap<String, String>,
    /// Where it delivers.
    #[serde(default, deserialize_with = "null_as_default")]
    pub transport: SubscriptionTransport,
    /// When it was created (RFC 3339).
    #[serde(default)]
    pub created_at: Option<String>,
    /// Its cost against `max_total_cost` (docs/twitch.md §1.6).
    #[serde(default, deserialize_with = "null_as_default")]
    pub cost: u32,
}

/// The body of `POST /eventsub/subscriptions` for the WebSocket transport.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct CreateSubscription {
    /// The subscription type, e.g. `stream.online`.
    #[serde(rename = "type")]
    pub sub_type: String,
    /// Its version, e.g. `2` for `channel.update`.
    pub version: String,
    /// The condition; all values Twitch uses are strings.
    pub condition: BTreeMap<String, String>,
    /// Where it delivers.
    pub transport: CreateTransport,
}

/// `{"method":"websocket","session_id":…}`.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct CreateTransport {
    /// `websocket` for every subscription this app makes.
    pub method: String,
    /// The WebSocket session the subscription delivers on.
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
    /// The subscriptions (`null` read as none).
    #[serde(default, deserialize_with = "null_as_default")]
    pub data: Vec<Subscription>,
    /// How many subscriptions the user has with this client, all transports.
    #[serde(default, deserialize_with = "null_as_default")]
    pub total: u32,
    /// Their summed cost.
    #[serde(default, deserialize_with = "null_as_default")]
    pub total_cost: u32,
    /// The cost budget (10 for WebSocket subscriptions, docs/twitch.md §1.6).
    #[serde(default, deserialize_with = "null_as_default")]
    pub max_total_cost: u32,
}

/// The one filter `GET /eventsub/subscriptions` accepts per request (docs/twitch.md §1.8).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SubscriptionFilter {
    Status(String),
    Type(String),
    UserId(String),
}

/// One page of a Helix list: `{"data": [...], "pagination": {"cursor": ...}}`.
#[derive(Deserialize)]
pub(super) struct Data<T> {
    /// The items (`null` read as none).
    #[serde(
        default = "Vec::new",
        deserialize_with = "null_as_default",
        bound(deserialize = "T: Deserialize<'de>")
    )]
    pub(super) data: Vec<T>,
    /// Where the next page starts, if there is one.
    #[serde(default)]
    pub(super) pagination: Option<Pagination>,
}

/// Helix's `pagination` object.
#[derive(Deserialize)]
pub(super) struct Pagination {
    /// The `after` of the next page; absent or empty on the last page.
    #[serde(default)]
    pub(super) cursor: Option<String>,
}

/// One page of `GET /eventsub/subscriptions`: the subscriptions and the user's cost figures.
#[derive(Deserialize)]
pub(super) struct ListPage {
    /// The subscriptions (`null` read as none).
    #[serde(default, deserialize_with = "null_as_default")]
    pub(super) data: Vec<Subscription>,
    /// How many subscriptions the user has with this client, all transports.
    #[serde(default, deserialize_with = "null_as_default")]
    pub(super) total: u32,
    /// Their summed cost.
    #[serde(default, deserialize_with = "null_as_default")]
    pub(super) total_cost: u32,
    /// The cost budget (10 for WebSocket subscriptions, docs/twitch.md §1.6).
    #[serde(default, deserialize_with = "null_as_default")]
    pub(super) max_total_cost: u32,
    #[serde(default)]
    pub(super) pagination: Option<Pagination>,
}

#[cfg(test)]
mod tests {
    //! Every optional field of every Helix answer read here may come back `null` (docs/twitch.md
    //! §9: Twitch answered `null` for `tag_ids`, https://github.com/twitch-rs/twitch_api/issues/184).
    //! Each property starts from Twitch's documented example answer
    //! (https://dev.twitch.tv/docs/api/reference/), nulls any set of the fields that are not
    //! required, and checks that it parses exactly as if those fields had been left out.

    use super::*;
    use proptest::prelude::*;
    use serde::de::DeserializeOwned;
    use serde_json::{Value, json};

    /// `example` with the fields picked by `mask` (among those not in `required`) set to
    /// `null`, and the same with them removed; both parsed as `T`.
    fn nulled_and_absent<T: DeserializeOwned>(
        example: &Value,
        required: &[&str],
        mask: &[bool],
    ) -> (Result<T, String>, T) {
        let optional: Vec<&String> = example
            .as_object()
            .expect("an object")
            .keys()
            .filter(|k| !required.contains(&k.as_str()))
            .collect();
        let (mut nulled, mut absent) = (example.clone(), example.clone());
        for (k, _) in optional.iter().zip(mask).filter(|(_, on)| **on) {
            nulled[k.as_str()] = Value::Null;
            absent.as_object_mut().expect("object").remove(k.as_str());
        }
        let parsed = serde_json::from_value::<T>(nulled).map_err(|e| e.to_string());
        let reference = serde_json::from_value::<T>(absent).expect("left out parses");
        (parsed, reference)
    }

    /// `GET /users`, Twitch's example (https://dev.twitch.tv/docs/api/reference/#get-users).
    fn user() -> Value {
        json!({
            "id": "141981764", "login": "twitchdev", "display_name": "TwitchDev", "type": "",
            "broadcaster_type": "partner",
            "description": "Supporting third-party developers building Twitch integrations from chatbots to game integrations.",
            "profile_image_url": "https://static-cdn.jtvnw.net/jtv_user_pictures/8a6381c7-d0c0-4576-b179-38bd5ce1d6af-profile_image-300x300.png",
            "offline_image_url": "https://static-cdn.jtvnw.net/jtv_user_pictures/3f13ab61-ec78-4fe6-8481-8682cb3b0ac2-channel_offline_image-1920x1080.png",
            "view_count": 5980557, "email": "not-real@email.com", "created_at": "2016-12-14T20:32:28Z"
        })
    }

    /// `GET /streams` (https://dev.twitch.tv/docs/api/reference/#get-streams).
    fn stream() -> Value {
        json!({
            "id": "40952121085", "user_id": "101051819", "user_login": "afro", "user_name": "Afro",
            "game_id": "32982", "game_name": "Grand Theft Auto V", "type": "live",
            "title": "Jacob: Digital Den Laptops & Routers | NoPixel | !MAINGEAR !FCF",
            "tags": ["English"], "viewer_count": 1490, "started_at": "2021-03-10T03:18:11Z",
            "language": "en",
            "thumbnail_url": "https://static-cdn.jtvnw.net/previews-ttv/live_user_afro-{width}x{height}.jpg",
            "tag_ids": [], "is_mature": false
        })
    }

    /// `GET /search/channels` (https://dev.twitch.tv/docs/api/reference/#search-channels).
    fn searched() -> Value {
        json!({
            "broadcaster_language": "en", "broadcaster_login": "loserfruit",
            "display_name": "Loserfruit", "game_id": "498000", "game_name": "House Flipper",
            "id": "41245072", "is_live": false, "tag_ids": [], "tags": ["English"],
            "thumbnail_url": "https://static-cdn.jtvnw.net/jtv_user_pictures/fd17325a-7dc2-46c6-8617-e90ec259501c-profile_image-300x300.png",
            "title": "loserfruit", "started_at": ""
        })
    }

    /// `GET /channels` (https://dev.twitch.tv/docs/api/reference/#get-channel-information).
    fn channel() -> Value {
        json!({
            "broadcaster_id": "141981764", "broadcaster_login": "twitchdev",
            "broadcaster_name": "TwitchDev", "broadcaster_language": "en", "game_id": "509670",
            "game_name": "Science & Technology", "title": "TwitchDev Monthly Update // May 6, 2021",
            "delay": 0, "tags": ["DevsInTheKnow"],
            "content_classification_labels": ["Gambling", "DrugsIntoxication", "MatureGame"],
            "is_branded_content": false
        })
    }

    /// `GET /channels/followed` (https://dev.twitch.tv/docs/api/reference/#get-followed-channels).
    fn followed() -> Value {
        json!({
            "broadcaster_id": "11111", "broadcaster_login": "userloginname",
            "broadcaster_name": "UserDisplayName", "followed_at": "2022-05-24T22:22:08Z"
        })
    }

    /// A subscription of `POST`/`GET /eventsub/subscriptions`
    /// (https://dev.twitch.tv/docs/api/reference/#create-eventsub-subscription, WebSocket).
    fn subscription() -> Value {
        json!({
            "id": "26b1c993-bfcf-44d9-b876-379dacafe75a", "status": "enabled",
            "type": "stream.online", "version": "1",
            "condition": {"broadcaster_user_id": "1234"},
            "created_at": "2020-11-10T14:32:18.730260295Z",
            "transport": {"method": "websocket", "session_id": "AQoQexAWVYKSTIu4ec_2VAxyuhAB",
                          "connected_at": "2022-11-10T14:32:18.730260295Z"},
            "cost": 1
        })
    }

    /// The answer around the subscriptions, with a `pagination` as `GET` sends it.
    fn subscription_list() -> Value {
        json!({"data": [subscription()], "total": 1, "total_cost": 1, "max_total_cost": 10,
               "pagination": {}})
    }

    /// A page of a list (`GET /streams` here).
    fn page() -> Value {
        json!({"data": [stream()], "pagination": {"cursor": "eyJiIjpudWxsLCJhIjp7Ik9mZnNldCI6NX19"}})
    }

    fn mask() -> impl Strategy<Value = Vec<bool>> {
        proptest::collection::vec(any::<bool>(), 16)
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        #[test]
        fn a_user_with_any_optional_field_null_parses(m in mask()) {
            let (p, r) = nulled_and_absent::<User>(&user(), &["id", "login", "display_name"], &m);
            prop_assert_eq!(p, Ok(r));
        }

        #[test]
        fn a_stream_with_any_optional_field_null_parses(m in mask()) {
            let req = ["id", "user_id", "user_login", "user_name"];
            let (p, r) = nulled_and_absent::<Stream>(&stream(), &req, &m);
            prop_assert_eq!(p, Ok(r));
        }

        #[test]
        fn a_search_hit_with_any_optional_field_null_parses(m in mask()) {
            let req = ["id", "broadcaster_login", "display_name"];
            let (p, r) = nulled_and_absent::<SearchedChannel>(&searched(), &req, &m);
            prop_assert_eq!(p, Ok(r));
        }

        #[test]
        fn channel_information_with_any_optional_field_null_parses(m in mask()) {
            let req = ["broadcaster_id", "broadcaster_login", "broadcaster_name"];
            let (p, r) = nulled_and_absent::<ChannelInfo>(&channel(), &req, &m);
            prop_assert_eq!(p, Ok(r));
        }

        #[test]
        fn a_followed_channel_with_any_optional_field_null_parses(m in mask()) {
            let req = ["broadcaster_id", "broadcaster_login", "broadcaster_name"];
            let (p, r) = nulled_and_absent::<FollowedChannel>(&followed(), &req, &m);
            prop_assert_eq!(p, Ok(r));
        }

        #[test]
        fn a_subscription_with_any_optional_field_null_parses(m in mask()) {
            let req = ["id", "status", "type", "version"];
            let (p, r) = nulled_and_absent::<Subscription>(&subscription(), &req, &m);
            prop_assert_eq!(p, Ok(r));
            let transport = subscription()["transport"].clone();
            let (p, r) = nulled_and_absent::<SubscriptionTransport>(&transport, &["method"], &m);
            prop_assert_eq!(p, Ok(r));
        }

        #[test]
        fn a_subscription_list_with_any_optional_field_null_parses(m in mask()) {
            let (p, r) = nulled_and_absent::<SubscriptionList>(&subscription_list(), &[], &m);
            prop_assert_eq!(p, Ok(r));
            let (p, r) = nulled_and_absent::<ListPage>(&subscription_list(), &[], &m);
            prop_assert_eq!(p.map(|l| l.data), Ok(r.data));
        }

        #[test]
        fn a_page_with_a_null_list_or_pagination_parses(m in mask()) {
            let (p, r) = nulled_and_absent::<Data<Stream>>(&page(), &[], &m);
            prop_assert_eq!(p.map(|d| d.data), Ok(r.data));
        }
    }

    /// The moderated channels' three fields are all required (docs/twitch.md §4): nothing to
    /// null, but an item with extra or null-valued unknown fields still parses.
    #[test]
    fn a_moderated_channel_ignores_unknown_null_fields() {
        let v = json!({"broadcaster_id": "12345", "broadcaster_login": "grateful_broadcaster",
                       "broadcaster_name": "Grateful_Broadcaster", "extra": null});
        let m: ModeratedChannel = serde_json::from_value(v).expect("parses");
        assert_eq!(m.broadcaster_login, "grateful_broadcaster");
    }

    /// The case Twitch was seen sending, spelled out: a live stream whose `tags` and `tag_ids`
    /// are `null` reads as a live stream without tags.
    #[test]
    fn a_stream_with_null_tags_is_live_without_tags() {
        let mut v = stream();
        v["tags"] = Value::Null;
        v["tag_ids"] = Value::Null;
        let s: Stream = serde_json::from_value(v).expect("parses");
        assert!(s.tags.is_empty());
        assert_eq!(s.user_login, "afro");
    }
}
