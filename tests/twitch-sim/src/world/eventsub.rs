//! EventSub WebSocket sessions, the commands their socket tasks obey, pending reconnects and
//! subscriptions.

use std::time::Duration;

use chrono::{DateTime, Utc};
use serde_json::{Value, json};
use tokio::sync::mpsc;

use super::ts;

/// Commands to a WebSocket session task.
#[derive(Debug)]
pub enum SessionCmd {
    /// Send this text frame (already serialised); it resets the keepalive timer.
    Frame(String),
    /// Close with this code; the subscriptions get the code's status (docs/twitch.md §1.7).
    Close {
        /// Close code (docs/twitch.md §1.5); the reason text follows from it.
        code: u16,
    },
    /// A `session_reconnect` went out: close with 4004 after this grace period.
    StartGrace(Duration),
    /// The successor took the subscriptions over: nothing is routed here any more. Answered
    /// once every frame queued before it is on the wire, so the successor's welcome follows
    /// them (docs/twitch.md §1.3 step 3: events keep coming on the old connection until the
    /// welcome arrives on the new one, so following the flow loses nothing).
    HandedOver(tokio::sync::oneshot::Sender<()>),
    /// Drop the TCP connection without a close frame. With `zombie`, Twitch has not noticed:
    /// the subscriptions stay enabled (docs/twitch.md §1.4 "Practical caveat", §7 pitfall 6).
    Drop {
        /// Keep the subscriptions enabled.
        zombie: bool,
    },
    /// Answered once every frame queued before it is on the wire (`/_sim/sessions/{id}/flush`):
    /// a test knows what the client can have read, as [`SessionCmd::HandedOver`] tells the
    /// successor.
    Flush(tokio::sync::oneshot::Sender<()>),
}

/// A connected WebSocket session.
pub struct Session {
    /// Session id from the welcome.
    pub id: String,
    /// "connected" or "reconnecting".
    pub status: &'static str,
    /// Welcome time.
    pub connected_at: DateTime<Utc>,
    /// Advertised keepalive window (clamped 10–600, docs/twitch.md §1.1).
    pub keepalive_timeout_seconds: u64,
    /// Control API switch for keepalives.
    pub keepalive_enabled: bool,
    /// Control API: send the next notification twice.
    pub duplicate_next: bool,
    /// Has any subscription ever been created on it (disarms 4003)?
    pub ever_subscribed: bool,
    /// The pending reconnect id, if a `session_reconnect` was sent.
    pub reconnect_id: Option<String>,
    /// Channel to the socket task.
    pub tx: mpsc::UnboundedSender<SessionCmd>,
    /// Counts for `/_sim/state`.
    pub notifications_sent: u64,
    /// Counts for `/_sim/state`.
    pub keepalives_sent: u64,
    /// Told to reconnect and the successor's welcome has not gone out yet: a client close now
    /// is early (`counters.early_closes`, docs/twitch.md §1.3 steps 3 and 7).
    pub awaiting_successor: bool,
    /// Control API: when the client closes, end the TCP connection without answering its
    /// close, as a network that cut it off would; frames on their way are lost
    /// (docs/twitch.md §1.3 step 3, §1.4).
    pub cut_off_on_close: bool,
}

/// A reconnect URL handed out and not yet used.
pub struct PendingReconnect {
    /// The session that got `session_reconnect`.
    pub old_session: String,
    /// Keepalive seconds to carry over.
    pub keepalive_timeout_seconds: u64,
}

/// An EventSub subscription (WebSocket transport).
#[derive(Clone, Debug)]
pub struct Subscription {
    /// UUID.
    pub id: String,
    /// Status, `enabled` or a disabled reason (docs/twitch.md §1.7).
    pub status: String,
    /// Type, e.g. `stream.online`.
    pub kind: String,
    /// Version.
    pub version: String,
    /// Condition object.
    pub condition: Value,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// Session the transport points at: where notifications go.
    pub session_id: String,
    /// The session id Twitch shows in `transport.session_id`: `session_id`, or with
    /// `reconnect_keeps_session_id` the one it was created on, kept through handovers.
    pub listed_session_id: String,
    /// When that session connected.
    pub connected_at: DateTime<Utc>,
    /// When it disconnected, once disabled by a socket loss.
    pub disconnected_at: Option<DateTime<Utc>>,
    /// Cost (0 or 1, docs/twitch.md §1.6).
    pub cost: u32,
    /// Owner: client id.
    pub client_id: String,
    /// Owner: user id.
    pub user_id: String,
    /// The internal id of the access token that created it (`/_sim/state` only; Twitch shows
    /// no such thing): which client process made it, when several share a user and Client ID.
    pub token_id: u64,
}

/// A subscription deleted through `DELETE /helix/eventsub/subscriptions`, as it was then, for
/// `/_sim/state` (`deleted_subscriptions`): a test sees whether a client deleted another
/// process's live subscription or only dead ones (docs/twitch.md §9 "Up to 3 transports").
#[derive(Clone, Debug, serde::Serialize)]
pub struct DeletedSubscription {
    /// Its id.
    pub id: String,
    /// Its type.
    #[serde(rename = "type")]
    pub kind: String,
    /// The condition's channel (`catalog::channel_of`).
    pub channel: String,
    /// The session its transport pointed at (where notifications went).
    pub session_id: String,
    /// Its status when deleted: `enabled` or a disabled reason (docs/twitch.md §1.7).
    pub status: String,
    /// Whether that session was still connected when it was deleted.
    pub session_live: bool,
    /// The access token (internal id) that created it.
    pub token_id: u64,
    /// The access token (internal id) that deleted it.
    pub deleted_by_token_id: u64,
}

impl Subscription {
    /// Enabled subscriptions are the only ones that deliver or count (docs/twitch.md §1.6).
    pub fn enabled(&self) -> bool {
        self.status == "enabled"
    }

    /// The subscription object as Helix and the WebSocket show it.
    pub fn to_json(&self) -> Value {
        let mut transport = json!({
            "method": "websocket",
            "session_id": self.listed_session_id,
            "connected_at": ts(self.connected_at),
        });
        if let Some(d) = self.disconnected_at {
            transport["disconnected_at"] = Value::String(ts(d));
        }
        json!({
            "id": self.id,
            "status": self.status,
            "type": self.kind,
            "version": self.version,
            "condition": self.condition,
            "created_at": ts(self.created_at),
            "transport": transport,
            "cost": self.cost,
        })
    }

    /// The shorter form inside WebSocket notifications (no connected_at in transport).
    pub fn to_ws_json(&self) -> Value {
        json!({
            "id": self.id,
            "status": self.status,
            "type": self.kind,
            "version": self.version,
            "cost": self.cost,
            "condition": self.condition,
            "transport": {"method": "websocket", "session_id": self.listed_session_id},
            "created_at": ts(self.created_at),
        })
    }
}
