//! `POST /helix/chat/messages`: Send Chat Message
//! (https://dev.twitch.tv/docs/api/reference/#send-chat-message; docs/twitch.md §4).
//!
//! Rules, from that reference: a user token with `user:write:chat` (else 401 "Missing scope",
//! docs/twitch.md §4 for the wording); `sender_id` must be the token's user (401) and
//! `broadcaster_id` an existing channel (400); `message` is required (400) and at most 500
//! characters (422 "The message is too large"). A message that passes answers 200 with
//! `{"data":[{"message_id","is_sent":true,"drop_reason":null}]}`; one that Twitch's chat
//! refuses still answers 200, with `is_sent: false`, an empty `message_id` and a
//! `drop_reason {code, message}`.
//!
//! The one chat rule simulated is the duplicate rule: a message identical to the sender's
//! previous one in that channel, sent less than 30 s ago, is dropped. Twitch documents it for
//! chat as the NOTICE `msg-id` `msg_duplicate` ("Your message was not sent because it is
//! identical to the previous one you sent, less than 30 seconds ago."; the msg-id list of
//! https://dev.twitch.tv/docs/chat/irc/, also in twitch-irc-rs's and tmi.js's NOTICE tables).
//! Which code Helix puts in `drop_reason` for it is not documented: the simulator uses the same
//! `msg_duplicate` (README, "Where the simulator had to choose").

use axum::body::Bytes;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::{HelixError, authenticate, bad};
use crate::world::{ChatLine, DUPLICATE_WINDOW, Shared, uuid};

/// Twitch's limit on a chat message, in characters (the reference's `message` field).
pub const MAX_MESSAGE_CHARS: usize = 500;

/// The scope the endpoint needs with a user token.
pub const SCOPE: &str = "user:write:chat";

/// The `drop_reason` of a message that repeats the sender's previous one within 30 s.
fn duplicate_reason() -> Value {
    json!({
        "code": "msg_duplicate",
        "message": "Your message was not sent because it is identical to the previous one you sent, less than 30 seconds ago.",
    })
}

/// `POST /helix/chat/messages`.
pub(super) async fn send_message(
    State(sim): State<Shared>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, HelixError> {
    let mut w = sim.world();
    let caller = authenticate(&w, &headers)?;
    let uid = caller
        .user_id
        .clone()
        .ok_or_else(|| HelixError::Unauthorized("Missing scope: user:bot".into()))?;
    if !caller.scopes.iter().any(|s| s == SCOPE) {
        return Err(HelixError::Unauthorized(format!("Missing scope: {SCOPE}")));
    }
    let body: Value = serde_json::from_slice(&body).map_err(|_| bad("Invalid JSON body"))?;
    let field = |k: &str| body.get(k).and_then(Value::as_str).unwrap_or("").to_string();
    let (broadcaster_id, sender_id, message) =
        (field("broadcaster_id"), field("sender_id"), field("message"));
    if broadcaster_id.is_empty() {
        return Err(bad("The broadcaster_id field is required."));
    }
    if sender_id.is_empty() {
        return Err(bad("The sender_id field is required."));
    }
    if sender_id != uid {
        return Err(HelixError::Unauthorized(
            "The ID in sender_id must match the user ID in the access token.".into(),
        ));
    }
    if w.user_by_id(&broadcaster_id).is_none() {
        return Err(bad("The ID in broadcaster_id is not valid."));
    }
    let Some(sender) = w.user_by_id(&sender_id).cloned() else {
        return Err(bad("The ID in sender_id is not valid."));
    };
    if message.trim().is_empty() {
        return Err(bad("The message field is required."));
    }
    if message.chars().count() > MAX_MESSAGE_CHARS {
        return Err(HelixError::Unprocessable("The message is too large.".into()));
    }
    let now = w.now();
    let repeated = w.chat.last_from(&broadcaster_id, &sender_id).is_some_and(|last| {
        last.text == message && now.saturating_duration_since(last.at) < DUPLICATE_WINDOW
    });
    if repeated {
        w.note("chat", format!("dropped a duplicate from {} in {broadcaster_id}", sender.login));
        return Ok(axum::Json(json!({"data": [{
            "message_id": "",
            "is_sent": false,
            "drop_reason": duplicate_reason(),
        }]}))
        .into_response());
    }
    let message_id = uuid();
    w.chat.push(ChatLine {
        seq: 0,
        message_id: message_id.clone(),
        broadcaster_id: broadcaster_id.clone(),
        sender_id,
        sender_name: sender.display_name.clone(),
        color: sender.color.clone(),
        text: message,
        at: now,
    });
    w.note("chat", format!("{} sent a message to {broadcaster_id}", sender.login));
    Ok(axum::Json(json!({"data": [{
        "message_id": message_id,
        "is_sent": true,
        "drop_reason": null,
    }]}))
    .into_response())
}
