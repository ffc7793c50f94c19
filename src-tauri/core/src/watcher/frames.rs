//! Frames from the session: notifications and revocations, deduplicated by message id, then
//! through the feed.

use super::WatchUpdate;
use super::task::{Task, utc};
use crate::eventsub::protocol::{EnvelopeHead, parse_frame};
use crate::eventsub::session::Incoming;
use crate::token::TokenError;
use std::sync::Arc;
use std::time::SystemTime;

impl Task {
    pub(super) fn on_frame(
        &mut self,
        text: Arc<str>,
        incoming: Incoming,
        received_at: SystemTime,
        sent_at: SystemTime,
    ) {
        match incoming {
            Incoming::Notification { message_id, sub_type, subscription_id } => {
                if !self.seen.first_time(&message_id) {
                    return;
                }
                let channel_id = self
                    .active
                    .get(&subscription_id)
                    .map(|a| a.wanted.channel_id.clone())
                    .or_else(|| channel_of_frame(&text));
                self.emit(WatchUpdate::Notification {
                    channel_id,
                    message_id,
                    sub_type,
                    received_at: utc(received_at),
                });
                self.through_feed(&text);
            }
            Incoming::Revocation { message_id, subscription_id, status } => {
                if !self.seen.first_time(&message_id) {
                    return;
                }
                // The feed adds the revocation's `gap` row (open-ended, docs/twitch.md §1.2).
                self.through_feed(&text);
                let Some(sub) = self.active.remove(&subscription_id) else {
                    return;
                };
                let channel = sub.wanted.channel_id.clone();
                self.emit(WatchUpdate::Notice {
                    channel_id: Some(channel.clone()),
                    message: format!(
                        "Twitch ended the {} subscription: {status}",
                        sub.wanted.sub_type
                    ),
                });
                self.gaps.revoked(sent_at, channel.clone());
                match status.as_str() {
                    // docs/twitch.md §8: authorization_revoked means sign out / sign in again.
                    "authorization_revoked" => {
                        self.fail(
                            TokenError::Expired("Twitch revoked the app's authorization".into()),
                            false,
                        );
                        return;
                    }
                    // The user or the type is gone for good: don't recreate it.
                    "user_removed" | "version_removed" | "moderator_removed"
                    | "chat_user_banned" => {
                        self.denied.insert((sub.wanted.sub_type.clone(), channel), status.clone());
                    }
                    _ => {}
                }
                self.start_reconcile();
            }
            _ => {}
        }
    }

    /// A deduplicated frame through the feed (parse → normalise), its updates broadcast.
    fn through_feed(&mut self, text: &str) {
        match parse_frame(text) {
            Ok(frame) => {
                for u in self.feed.push(&frame) {
                    self.emit(WatchUpdate::Feed(Arc::new(u)));
                }
            }
            Err(e) => {
                self.rejected += 1;
                tracing::warn!(error = %e, rejected = self.rejected, "frame not understood by the feed");
            }
        }
    }
}

/// The channel a frame is about, from its subscription condition (for notifications whose
/// subscription is unknown locally, e.g. right after a handover).
fn channel_of_frame(text: &str) -> Option<String> {
    EnvelopeHead::parse(text).ok()?.channel().map(str::to_owned)
}
