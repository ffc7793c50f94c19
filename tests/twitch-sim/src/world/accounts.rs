//! Users (who are also channels), registered applications, grants, tokens, authorization
//! codes and device codes.

use std::collections::BTreeSet;
use std::time::Instant;

use chrono::{DateTime, Utc};
use serde::Serialize;

/// A user, who is also a channel (every Twitch user has a channel).
#[derive(Clone, Debug)]
pub struct User {
    /// Numeric string id, stable across runs for the default world.
    pub id: String,
    /// Lowercase login.
    pub login: String,
    /// Display name, e.g. "Lumenforge".
    pub display_name: String,
    /// "partner", "affiliate" or "".
    pub broadcaster_type: String,
    /// Channel description.
    pub description: String,
    /// Account creation time (RFC 3339, seconds precision as Helix shows it).
    pub created_at: String,
    /// Is the channel streaming right now?
    pub live: bool,
    /// Channel title (kept when offline, as on Twitch).
    pub title: String,
    /// Category (game) name.
    pub category: String,
    /// Category (game) id.
    pub category_id: String,
    /// Broadcast language.
    pub language: String,
    /// Channel tags.
    pub tags: Vec<String>,
    /// Viewer count while live.
    pub viewer_count: u64,
    /// Stream id of the current (or last) stream.
    pub stream_id: String,
    /// When the current stream started.
    pub started_at: DateTime<Utc>,
    /// Ids of channels this user moderates.
    pub moderates: BTreeSet<String>,
    /// Channels this user follows: (broadcaster id, followed_at).
    pub follows: Vec<(String, DateTime<Utc>)>,
    /// Chat colour, "#RRGGBB".
    pub color: String,
}

/// Public or confidential application (docs/twitch.md §3.1).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ClientType {
    /// No secret; device code flow; rotating refresh tokens.
    Public,
    /// Has a secret; authorization code and client credentials too.
    Confidential,
}

/// A registered application.
#[derive(Clone)]
pub struct Client {
    /// The client id.
    pub client_id: String,
    /// The secret (confidential clients only). Never serialised or logged.
    pub secret: Option<String>,
    /// Public or confidential.
    pub kind: ClientType,
    /// Registered redirect URIs, matched exactly (docs/twitch.md §3.3).
    pub redirect_uris: Vec<String>,
}

/// A user's grant to a client: the "connection" that revoking ends (docs/twitch.md §3.2,
/// pitfall 12).
#[derive(Clone, Debug)]
pub struct Authorization {
    /// Internal id.
    pub id: u64,
    /// The client.
    pub client_id: String,
    /// The user.
    pub user_id: String,
    /// Granted scopes.
    pub scopes: Vec<String>,
    /// Set when revoked (spent refresh token reused, or revoked by the control API).
    pub revoked: bool,
}

/// An access token. Deliberately no `Debug`: tokens never reach logs.
#[derive(Clone)]
pub struct AccessToken {
    /// Internal id, the only thing `/_sim/state` shows.
    pub id: u64,
    /// The client that obtained it.
    pub client_id: String,
    /// The user, or `None` for an app token (client credentials).
    pub user_id: Option<String>,
    /// Scopes.
    pub scopes: Vec<String>,
    /// When it stops working.
    pub expires_at: Instant,
    /// The grant it belongs to (user tokens only).
    pub auth_id: Option<u64>,
}

/// A refresh token. No `Debug`, as above.
#[derive(Clone)]
pub struct RefreshToken {
    /// The grant it belongs to.
    pub auth_id: u64,
    /// Public clients' refresh tokens are single-use (docs/twitch.md §3.2 step 4).
    pub spent: bool,
    /// 30 days after issue.
    pub expires_at: Instant,
}

/// An authorization code from the consent page.
#[derive(Clone)]
pub struct AuthCode {
    /// The client.
    pub client_id: String,
    /// The approving user.
    pub user_id: String,
    /// The scopes asked for.
    pub scopes: Vec<String>,
    /// The redirect URI it was issued for (the exchange must repeat it).
    pub redirect_uri: String,
    /// Ten minutes.
    pub expires_at: Instant,
}

/// Where a device code stands.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DeviceState {
    /// Waiting for the user.
    Pending,
    /// Approved by this user id.
    Approved(String),
    /// The user said no.
    Denied,
}

/// A device code (docs/twitch.md §3.2).
#[derive(Clone)]
pub struct DeviceCode {
    /// The code the user types / sees.
    pub user_code: String,
    /// The client.
    pub client_id: String,
    /// Requested scopes.
    pub scopes: Vec<String>,
    /// State.
    pub state: DeviceState,
    /// Expiry.
    pub expires_at: Instant,
    /// How often the token endpoint was polled with this code (for the
    /// `device_invalid_while_pending` switch).
    pub polls: u64,
}
