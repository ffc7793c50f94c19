//! Sending a chat message as the signed-in user through Helix Send Chat Message
//! (https://dev.twitch.tv/docs/api/reference/#send-chat-message, docs/twitch.md §4), against the
//! simulator: a sent message reaches the channel's chat, a message Twitch drops comes back as
//! `is_sent: false` with Twitch's reason, and Twitch's errors — a missing scope, a refusal, a
//! rate limit — come back at once, with Twitch's words, without spending the refresh token.

mod support;

use serde_json::json;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use support::*;
use tev_core::auth::OwnerOptions;
use tev_core::helix::{Helix, HelixError, SEND_CHAT_MESSAGE};
use tev_core::token::TokenSource;

/// A Helix client holding a token of `sim_viewer` with `scopes`, and its token source.
async fn viewer_helix(sim: &Sim, scopes: &[&str]) -> (Helix, Arc<TestTokens>) {
    let tokens = sim.tokens("sim_viewer", scopes).await;
    let helix = Helix::new(sim.endpoints().helix, tokens.clone()).expect("helix");
    (helix, tokens)
}

/// The texts the simulated chat page of `login` shows as sent (`/embed/chat/lines`).
async fn chat_lines(sim: &Sim, login: &str) -> Vec<String> {
    let lines = sim.get(&format!("/embed/chat/lines?channel={login}&after=0")).await;
    lines
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|l| l["text"].as_str().map(str::to_string))
        .collect()
}

/// docs/twitch.md §4: the message goes to the channel's chat as the token's user and Twitch
/// answers `is_sent: true` with the message's id; the same text again within 30 s answers 200
/// with `is_sent: false` and Twitch's `drop_reason` (the `msg_duplicate` rule), and nothing new
/// reaches the chat.
#[tokio::test]
async fn a_message_reaches_the_chat_and_a_repeat_comes_back_unsent_with_twitchs_reason() {
    let sim = Sim::start().await;
    let (helix, _) = viewer_helix(&sim, &[SEND_CHAT_MESSAGE.scope]).await;
    let sent =
        helix.send_chat_message(LUMEN, SIM_VIEWER, "hello from the app").await.expect("sent");
    assert!(sent.is_sent, "{sent:?}");
    assert!(!sent.message_id.is_empty() && sent.drop_reason.is_none(), "{sent:?}");
    assert_eq!(chat_lines(&sim, "lumenforge").await, ["hello from the app"]);

    let again = helix.send_chat_message(LUMEN, SIM_VIEWER, "hello from the app").await;
    let again = again.expect("a dropped message is still a 200");
    assert!(!again.is_sent, "{again:?}");
    assert!(again.message_id.is_empty(), "{again:?}");
    let reason = again.drop_reason.expect("Twitch's reason");
    assert_eq!(reason.code, "msg_duplicate");
    assert!(reason.message.contains("identical to the previous one"), "{}", reason.message);
    assert_eq!(chat_lines(&sim, "lumenforge").await.len(), 1, "the repeat never reached chat");
}

/// docs/twitch.md §4 and §9: without `user:write:chat` Helix answers 401 "Missing scope",
/// which no refresh cures: the signed-in owner's refresh token is not spent on it, and the
/// login stays as it was.
#[tokio::test]
async fn a_missing_scope_is_twitchs_401_and_spends_no_refresh_token() {
    let sim = Sim::with_twitch_timings().await;
    let (owner, _keychain, minted) = signed_in_owner(&sim, OwnerOptions::default()).await;
    let tokens: Arc<dyn TokenSource> = Arc::new(owner.clone());
    let helix = Helix::new(sim.endpoints().helix, tokens).expect("helix");
    let before = refresh_requests(&sim).await;
    let err = helix.send_chat_message(LUMEN, SIM_VIEWER, "hi").await.expect_err("no scope");
    assert_eq!(err.status(), Some(401), "{err}");
    assert!(err.message_lower().contains("missing scope"), "{err}");
    assert!(!err.is_invalid_token(), "{err}");
    assert_eq!(refresh_requests(&sim).await, before, "a refresh was spent on a missing scope");
    let still = owner.current().await.expect("still signed in");
    assert_eq!(still.token.secret(), minted.access, "the same token");
    assert!(chat_lines(&sim, "lumenforge").await.is_empty());
    owner.shutdown();
}

/// https://dev.twitch.tv/docs/api/reference/#send-chat-message lists 403 (the user may not
/// send to that chat) and 429 (too many requests) among the answers. Both go back to the caller
/// at once with Twitch's words: a typed message is answered now, not sent again a minute
/// later, even when the rate-limit bucket is empty.
#[tokio::test]
async fn a_refusal_and_a_rate_limit_come_back_at_once_with_twitchs_words() {
    let sim = Sim::start().await;
    let (helix, tokens) = viewer_helix(&sim, &[SEND_CHAT_MESSAGE.scope]).await;
    let refused =
        "The sender is not permitted to send chat messages to the broadcaster's chat room.";
    sim.fault(json!({"path": "/helix/chat/messages", "status": 403, "message": refused})).await;
    let err = helix.send_chat_message(LUMEN, SIM_VIEWER, "one").await.expect_err("403");
    assert!(matches!(&err, HelixError::Api { status: 403, message, .. } if message == refused));

    sim.fault(json!({
        "path": "/helix/chat/messages",
        "status": 429,
        "message": "Too Many Requests",
        "ratelimit_remaining": 0,
    }))
    .await;
    let t0 = std::time::Instant::now();
    let err = helix.send_chat_message(LUMEN, SIM_VIEWER, "two").await.expect_err("429");
    assert_eq!(err.status(), Some(429), "{err}");
    assert!(t0.elapsed() < std::time::Duration::from_secs(5), "answered at once");
    assert_eq!(
        sim.count("helix_calls", "POST /helix/chat/messages").await,
        2,
        "neither was sent again"
    );
    assert_eq!(tokens.refreshes.load(Ordering::SeqCst), 0);
    assert!(chat_lines(&sim, "lumenforge").await.is_empty());
    // The next message, with the bucket full again, goes through.
    let sent = helix.send_chat_message(LUMEN, SIM_VIEWER, "three").await.expect("sent");
    assert!(sent.is_sent);
}
