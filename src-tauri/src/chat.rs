//! The message box under a streamer window's chat: writing in the channel's chat as the
//! signed-in user through Helix Send Chat Message
//! (https://dev.twitch.tv/docs/api/reference/#send-chat-message, docs/twitch.md §4), because
//! Twitch's own login refuses many embedded browsers and the chat pane is then read-only
//! (docs/twitch.md §9 "Embedded login pages").
//!
//! The box is the app's own page (`ui/compose.html`, webview `streamer-<login>-compose`); the
//! channel always comes from its label, never from the page. The message is checked here as
//! Twitch checks it (not empty, at most [`MAX_CHAT_MESSAGE_CHARS`] characters), and Twitch's
//! answer reaches the page in words: sent, dropped with Twitch's reason (`is_sent: false`), or
//! refused — a missing scope, a 403, a 429 — without a refresh of the login (a 401 for a scope
//! is no expired token: `HelixError::is_invalid_token`).

use crate::channels::ChannelsExt;
use crate::error::{ErrorCode, UiError};
use crate::state::AppState;
use crate::views::{AuthView, ChatBox, ChatSent};
use crate::windows;
use tauri::Webview;
use tev_core::helix::{HelixError, MAX_CHAT_MESSAGE_CHARS, SEND_CHAT_MESSAGE, SentChatMessage};

/// The login of the message box labelled `label` (`streamer-<login>-compose`); an error for
/// any other page.
pub fn login_of(label: &str) -> Result<&str, UiError> {
    windows::login_of_compose(label).ok_or_else(|| {
        UiError::new(ErrorCode::NotAPanel, "This page is not a streamer window's message box.")
    })
}

/// What the box shows now: the login (with its scopes, so the page knows whether chatting is
/// on) and the limits it keeps.
pub async fn state_of(state: &AppState) -> ChatBox {
    let auth = match state.connected().await {
        Some(c) => AuthView::new(&c.owner.state(), state.signed_in_user().as_ref()),
        None => AuthView::SignedOut { reason: None },
    };
    ChatBox { auth, scope: SEND_CHAT_MESSAGE.scope, max_chars: MAX_CHAT_MESSAGE_CHARS }
}

/// The message as Twitch takes it, or why not: Twitch refuses an empty one (400) and one over
/// [`MAX_CHAT_MESSAGE_CHARS`] characters (422), so neither is sent.
pub fn checked(message: &str) -> Result<&str, UiError> {
    let text = message.trim();
    if text.is_empty() {
        return Err(UiError::new(ErrorCode::ChatInvalid, "Type a message first."));
    }
    let n = text.chars().count();
    if n > MAX_CHAT_MESSAGE_CHARS {
        return Err(UiError::new(
            ErrorCode::ChatInvalid,
            format!("Twitch takes at most {MAX_CHAT_MESSAGE_CHARS} characters; this is {n}."),
        ));
    }
    Ok(text)
}

/// Sends `message` to the chat of the box `webview`'s channel as the signed-in user.
pub async fn send(webview: &Webview, state: &AppState, message: &str) -> Result<ChatSent, UiError> {
    let login = login_of(webview.label())?;
    let text = checked(message)?;
    let channel = webview.channels().open(login).ok_or_else(UiError::not_open)?.channel;
    let c = state.connected().await.ok_or_else(UiError::no_client)?;
    let me = c.helix.credentials().await.map_err(|e| {
        UiError::new(ErrorCode::ChatRefused, format!("Not signed in to Twitch: {e}"))
    })?;
    let answer = c.helix.send_chat_message(&channel.id, &me.user_id, text).await;
    tracing::info!(
        channel = %channel.login,
        chars = text.chars().count(),
        outcome = match &answer {
            Ok(a) if a.is_sent => "sent",
            Ok(_) => "dropped",
            Err(_) => "refused",
        },
        "a chat message from the box"
    );
    answer.map(sent_view).map_err(refusal)
}

/// What the page shows of Twitch's 200 answer: sent, or dropped with Twitch's reason.
pub fn sent_view(answer: SentChatMessage) -> ChatSent {
    let reason = answer
        .drop_reason
        .filter(|_| !answer.is_sent)
        .map(|r| if r.message.is_empty() { r.code } else { r.message });
    ChatSent { sent: answer.is_sent, reason }
}

/// What the page shows of Twitch's refusal, in words with Twitch's own message.
pub fn refusal(e: HelixError) -> UiError {
    let twitch = match &e {
        HelixError::Api { message, .. } if !message.is_empty() => message.clone(),
        _ => e.to_string(),
    };
    match e.status() {
        Some(429) => UiError::new(
            ErrorCode::ChatRateLimited,
            format!(
                "Twitch says too many messages for now (429: {twitch}). Wait a moment, then send again."
            ),
        ),
        Some(401) if e.message_lower().contains("missing scope") => UiError::new(
            ErrorCode::ChatNotAllowed,
            format!("Twitch refused: this login may not chat ({twitch}). Turn chatting on again."),
        ),
        Some(status @ (401 | 403)) => UiError::new(
            ErrorCode::ChatRefused,
            format!("Twitch refused the message ({status}: {twitch})."),
        ),
        Some(status) => UiError::new(
            ErrorCode::Twitch,
            format!("Twitch did not take the message ({status}: {twitch})."),
        ),
        None => UiError::new(ErrorCode::Twitch, format!("The message was not sent: {e}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tev_core::helix::DropReason;

    fn api(status: u16, message: &str) -> HelixError {
        HelixError::Api { status, error: "x".into(), message: message.into() }
    }

    #[test]
    fn an_empty_or_too_long_message_is_not_sent_and_500_characters_are() {
        assert_eq!(checked("  \n ").map_err(|e| e.code), Err(ErrorCode::ChatInvalid));
        let longest = "é".repeat(MAX_CHAT_MESSAGE_CHARS);
        assert_eq!(checked(&longest), Ok(longest.as_str()), "characters, not bytes");
        let over = checked(&"y".repeat(501)).expect_err("501");
        assert!(over.message.contains("500") && over.message.contains("501"), "{over:?}");
        assert_eq!(checked("  gg  "), Ok("gg"));
    }

    #[test]
    fn a_dropped_message_shows_twitchs_reason_and_a_sent_one_none() {
        let dropped = SentChatMessage {
            message_id: String::new(),
            is_sent: false,
            drop_reason: Some(DropReason {
                code: "msg_duplicate".into(),
                message: "Your message was not sent because it is identical to the previous one you sent, less than 30 seconds ago.".into(),
            }),
        };
        let v = sent_view(dropped);
        assert!(!v.sent);
        assert!(v.reason.as_deref().is_some_and(|r| r.contains("identical")), "{v:?}");
        let no_words = SentChatMessage {
            message_id: String::new(),
            is_sent: false,
            drop_reason: Some(DropReason { code: "msg_rejected".into(), message: String::new() }),
        };
        assert_eq!(sent_view(no_words).reason.as_deref(), Some("msg_rejected"));
        let ok = SentChatMessage { message_id: "abc".into(), is_sent: true, drop_reason: None };
        assert_eq!(sent_view(ok), ChatSent { sent: true, reason: None });
    }

    #[test]
    fn twitchs_refusals_each_get_their_code_and_keep_twitchs_words() {
        let e = refusal(api(401, "Missing scope: user:write:chat"));
        assert_eq!(e.code, ErrorCode::ChatNotAllowed);
        assert!(e.message.contains("Missing scope: user:write:chat"), "{e:?}");
        let e = refusal(api(403, "The sender is not permitted to send chat messages."));
        assert_eq!(e.code, ErrorCode::ChatRefused);
        assert!(e.message.contains("403") && e.message.contains("not permitted"), "{e:?}");
        let e = refusal(api(429, "Too Many Requests"));
        assert_eq!(e.code, ErrorCode::ChatRateLimited);
        assert!(e.message.contains("429"), "{e:?}");
        assert_eq!(refusal(api(500, "")).code, ErrorCode::Twitch);
        assert_eq!(refusal(HelixError::Network("refused".into())).code, ErrorCode::Twitch);
    }
}
