//! Chat messages sent through Helix `POST /chat/messages` (see `helix/chat.rs`), kept so that
//! the simulated chat page shows them and the duplicate rule can look at a sender's last one.

use std::time::{Duration, Instant};

use serde::Serialize;

/// How many sent messages the simulator keeps (all channels together); older ones go.
pub const CHAT_KEPT: usize = 500;

/// Twitch drops a message identical to the sender's previous one in that channel sent less
/// than this long ago (docs/twitch.md §4, "Send Chat Message": the `msg_duplicate` rule).
pub const DUPLICATE_WINDOW: Duration = Duration::from_secs(30);

/// One message that was sent (`is_sent: true`).
#[derive(Clone, Debug, Serialize)]
pub struct ChatLine {
    /// Increasing number, so the chat page asks only for what is new (`after`).
    pub seq: u64,
    /// Twitch's `message_id` (a UUID-shaped string).
    pub message_id: String,
    /// The channel it was sent to.
    pub broadcaster_id: String,
    /// Who sent it.
    pub sender_id: String,
    /// The sender's display name, as the chat page shows it.
    pub sender_name: String,
    /// The sender's chat colour.
    pub color: String,
    /// The text as sent.
    pub text: String,
    /// When, for the duplicate rule.
    #[serde(skip)]
    pub at: Instant,
}

/// The messages sent so far, oldest first.
#[derive(Debug, Default)]
pub struct ChatLog {
    /// At most [`CHAT_KEPT`] of them.
    pub lines: Vec<ChatLine>,
    /// The next `seq`.
    next_seq: u64,
}

impl ChatLog {
    /// The sender's last message in the channel, if any is kept.
    pub fn last_from(&self, broadcaster_id: &str, sender_id: &str) -> Option<&ChatLine> {
        self.lines
            .iter()
            .rev()
            .find(|l| l.broadcaster_id == broadcaster_id && l.sender_id == sender_id)
    }

    /// Keeps a sent message; answers its `seq`.
    pub fn push(&mut self, mut line: ChatLine) -> u64 {
        self.next_seq += 1;
        line.seq = self.next_seq;
        self.lines.push(line);
        if self.lines.len() > CHAT_KEPT {
            let extra = self.lines.len() - CHAT_KEPT;
            self.lines.drain(..extra);
        }
        self.next_seq
    }

    /// The channel's messages with a `seq` above `after`.
    pub fn since(&self, broadcaster_id: &str, after: u64) -> Vec<ChatLine> {
        self.lines
            .iter()
            .filter(|l| l.broadcaster_id == broadcaster_id && l.seq > after)
            .cloned()
            .collect()
    }
}
