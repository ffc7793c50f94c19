//! The simulator's world: users and channels, registered applications, grants and tokens,
//! EventSub sessions and subscriptions, settings and counters.
//!
//! Everything lives behind one `std::sync::Mutex` (see [`Sim`]). Critical sections are short
//! and never await, so a blocking mutex is the simple, correct choice here.

mod accounts;
mod chat;
mod eventsub;
mod faults;
mod ids;
mod log;
mod params;
mod player;
mod seed;

pub use accounts::*;
pub use chat::*;
pub use eventsub::*;
pub use faults::*;
pub use ids::*;
pub use log::*;
pub use params::*;
pub use player::*;

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::{Value, json};
use tokio::sync::watch;

/// Access tokens last about four hours on Twitch (docs/twitch.md §3.2 step 3).
pub const DEFAULT_ACCESS_TOKEN_SECS: u64 = 14_400;

/// How many deleted subscriptions `/_sim/state` keeps (`World::deleted_subscriptions`).
pub const DELETED_KEPT: usize = 1_000;

/// Device codes expire after 1800 s (docs/twitch.md §3.2 step 1).
pub const DEFAULT_DEVICE_CODE_SECS: u64 = 1_800;
/// Refresh tokens expire after 30 days (docs/twitch.md §3.2 step 4).
pub const REFRESH_TOKEN_SECS: u64 = 30 * 24 * 3600;
/// Helix bucket: 800 points per minute (docs/twitch.md §4 "Rate limits").
pub const DEFAULT_BUCKET: u32 = 800;
/// Reconnect grace period (docs/twitch.md §1.3 step 5).
pub const DEFAULT_RECONNECT_GRACE_MS: u64 = 30_000;
/// `max_total_cost` for WebSocket subscriptions (docs/twitch.md §1.6).
pub const MAX_TOTAL_COST: u32 = 10;

/// The shared simulator: the world plus what every handler needs to reach it.
pub struct Sim {
    /// All mutable state, one lock.
    world: Mutex<World>,
    /// `http://127.0.0.1:PORT`, used to build URLs the sim hands out.
    pub base_url: String,
    /// Flips to `true` when the [`crate::SimHandle`] is dropped; long-running tasks watch it.
    pub shutdown: watch::Receiver<bool>,
}

/// Shared handle used as axum state.
pub type Shared = Arc<Sim>;

impl Sim {
    /// A simulator with the default world.
    pub fn new(base_url: String, shutdown: watch::Receiver<bool>) -> Self {
        Self { world: Mutex::new(World::seeded(&base_url)), base_url, shutdown }
    }

    /// Locks the world. A poisoned lock (a panic in another handler) is recovered rather than
    /// propagated: the world is plain data and the sim should keep answering.
    pub fn world(&self) -> MutexGuard<'_, World> {
        self.world.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// Helix token bucket state (docs/twitch.md §4 "Rate limits").
#[derive(Clone, Debug)]
pub struct Bucket {
    /// Points left (fractional while refilling).
    pub points: f64,
    /// Last refill computation.
    pub last: Instant,
}

/// Settings changed through `POST /_sim/config`.
#[derive(Clone, Debug, Serialize)]
pub struct Config {
    /// Access token lifetime in seconds (0 = already expired, for tests).
    pub access_token_secs: u64,
    /// Device code lifetime in seconds.
    pub device_code_secs: u64,
    /// The `interval` the device endpoint asks clients to poll at (Twitch: 5 s).
    pub device_interval_secs: u64,
    /// Log device codes and consent pages in as this user without a page.
    pub auto_approve: Option<String>,
    /// Helix bucket size; it refills fully over one minute.
    pub rate_limit_bucket: u32,
    /// Grace after `session_reconnect` before 4004 (docs/twitch.md §1.3).
    pub reconnect_grace_ms: u64,
    /// Test override of the real keepalive period (the advertised seconds stay as clamped).
    pub keepalive_ms: Option<u64>,
    /// Test override of the 4003 subscribe deadline (default: the keepalive window).
    pub unused_timeout_ms: Option<u64>,
    /// WebSocket Ping interval; a client that has not ponged by the next ping gets 4002.
    pub ping_interval_ms: u64,
    /// `max_total_cost` of a user's WebSocket subscriptions (docs/twitch.md §1.6: 10). A test
    /// knob: a lower limit shows what a client does at the limit with few subscriptions.
    pub max_total_cost: u32,
    /// The `keepalive_timeout_seconds` a welcome advertises when the client asks for none
    /// (Twitch: 10, docs/twitch.md §1.1). A test knob: below 10, which Twitch never sends, a
    /// client notices a silent connection within seconds.
    pub welcome_keepalive_secs: u64,
    /// Each `POST /helix/eventsub/subscriptions` waits this long before it is handled: a slow
    /// Helix, so that a test can lose or hand over the socket while creates are on their way
    /// (docs/twitch.md §1.3 step 4, §1.4).
    pub subscribe_delay_ms: u64,
    /// A reconnect successor's welcome waits this long once the old connection has sent what
    /// was routed to it: until then events keep coming on the old one (docs/twitch.md §1.3
    /// step 3), so a late welcome is a long overlap.
    pub successor_welcome_delay_ms: u64,
    /// Most items on one page of any paged Helix list (Twitch: `first`, at most 100,
    /// docs/twitch.md §4). A test knob: paging with a handful of items.
    pub helix_page_size: Option<u64>,
    /// Answer `invalid device code` to the first this-many polls of each device code while it
    /// is still pending, as Twitch was seen doing (docs/twitch.md §9 "Device flow",
    /// https://github.com/twitchdev/issues/issues/971). 0 (the default): never.
    pub device_invalid_while_pending: u64,
    /// Answer `null` for every empty optional array and every empty optional string Helix
    /// serves, as Twitch has done for `tag_ids` (docs/twitch.md §9 "`null` where Helix promises
    /// an array", https://github.com/twitch-rs/twitch_api/issues/184). Off by default.
    pub helix_nulls: bool,
    /// From each fresh session's welcome, for this long, every Helix bucket stays empty:
    /// answers carry `Ratelimit-Remaining: 0` and each request gets 429 with `Ratelimit-Reset`
    /// the Unix second the bucket would be full again (docs/twitch.md §4 "Rate limits",
    /// https://dev.twitch.tv/docs/api/guide/#twitch-rate-limits). The bucket is per Client ID
    /// and user, so another copy of the app or a burst of the app's own calls can empty it just
    /// when a reconnect needs its subscribe calls inside the welcome's deadline (docs/twitch.md
    /// §1.1, §9). After the window the bucket refills at its normal rate from empty. 0 (the
    /// default): never.
    pub empty_bucket_after_welcome_ms: u64,
    /// List subscriptions carried over by a `session_reconnect` under the session id they were
    /// created on, not the successor's. Twitch's docs do not say which id a listed subscription
    /// carries after a handover (docs/twitch.md §9 "The session id after `session_reconnect`";
    /// https://dev.twitch.tv/docs/eventsub/handling-websocket-events/#reconnect-message only says
    /// they move), so a client must be right under both. Off by default: the successor's id, as
    /// twitch-cli's mock does (docs/twitch.md §1.3 step 8).
    pub reconnect_keeps_session_id: bool,
    /// Let a user create the type and condition of an enabled subscription again on another of
    /// their sessions (one per transport, three at most; a fourth answers 429 "maximum
    /// subscriptions with type and condition exceeded", the message of
    /// https://github.com/twitchdev/issues/issues/1094) instead of answering 409. Reports differ:
    /// https://github.com/Teekeks/pyTwitchAPI/issues/351 saw the creates on a new session succeed
    /// while the old session's subscriptions still counted; https://github.com/Battle-Cattle/BCUK-Bot-4/pull/569
    /// saw 409 (docs/twitch.md §9 "Up to 3 transports"). Off by default: 409 across sessions.
    pub same_condition_on_other_sessions: bool,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            access_token_secs: DEFAULT_ACCESS_TOKEN_SECS,
            device_code_secs: DEFAULT_DEVICE_CODE_SECS,
            device_interval_secs: 5,
            auto_approve: None,
            rate_limit_bucket: DEFAULT_BUCKET,
            reconnect_grace_ms: DEFAULT_RECONNECT_GRACE_MS,
            keepalive_ms: None,
            unused_timeout_ms: None,
            ping_interval_ms: 10_000,
            max_total_cost: MAX_TOTAL_COST,
            welcome_keepalive_secs: 10,
            subscribe_delay_ms: 0,
            successor_welcome_delay_ms: 0,
            helix_page_size: None,
            device_invalid_while_pending: 0,
            helix_nulls: false,
            empty_bucket_after_welcome_ms: 0,
            reconnect_keeps_session_id: false,
            same_condition_on_other_sessions: false,
        }
    }
}

/// Counters for `/_sim/state`.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Counters {
    /// Helix requests answered.
    pub helix_requests: u64,
    /// Helix requests refused with 429 by the bucket.
    pub rate_limited: u64,
    /// Notifications routed to a session's connection (duplicates included).
    pub notifications_sent: u64,
    /// Frames (notifications, revocations, `session_reconnect`) routed to a connection that
    /// ended before writing them: a drop or a close cut them off, as it would at Twitch. A
    /// handover the client follows never leaves any (docs/twitch.md §1.3 step 3).
    pub frames_unsent: u64,
    /// Keepalives written.
    pub keepalives_sent: u64,
    /// Revocation frames written.
    pub revocations_sent: u64,
    /// Tokens issued (access tokens).
    pub tokens_issued: u64,
    /// Refreshes done.
    pub refreshes: u64,
    /// Authorizations revoked because a spent refresh token came back.
    pub reuse_revocations: u64,
    /// WebSocket connections accepted.
    pub ws_connections: u64,
    /// WebSocket connections open right now (accepted and not yet ended).
    pub ws_open: u64,
    /// The most WebSocket connections open at once (docs/twitch.md §1.6 allows three per user).
    pub ws_open_max: u64,
    /// Close codes the clients sent, with how often (docs/twitch.md §1.5).
    pub client_closes: BTreeMap<u16, u64>,
    /// Close codes the simulator sent, with how often; 4004 is a reconnect grace that expired
    /// (docs/twitch.md §1.3 step 5).
    pub server_closes: BTreeMap<u16, u64>,
    /// Frames a client sent other than a Pong, each answered with 4001 (docs/twitch.md §1.1).
    pub inbound_frames: u64,
    /// Connections the client closed after `session_reconnect` before the successor's welcome
    /// went out: docs/twitch.md §1.3 step 3 says to keep reading until it, step 7 that
    /// clients closing earlier were refused.
    pub early_closes: u64,
    /// Helix requests by `METHOD /path`, injected faults included.
    pub helix_calls: BTreeMap<String, u64>,
    /// Subscription creates and deletes by `METHOD channel id` (`POST 141592653`), the channel
    /// being the condition's (`catalog::channel_of`): a create whose condition is valid, whatever
    /// Twitch answers, and a delete that found its subscription. A test sees which channels' subscriptions
    /// a client touched, e.g. that a reconcile left an unchanged channel alone.
    pub subscription_calls: BTreeMap<String, u64>,
    /// EventSub subscription requests (`GET`, `POST`, `DELETE /helix/eventsub/subscriptions`)
    /// by `METHOD token-id`, the internal id of the access token that made them, whatever the
    /// answer: a test sees that each of several client processes signed in as one user and
    /// Client ID listed, created or deleted (e.g. that each one's reconcile ran).
    pub eventsub_calls_by_token: BTreeMap<String, u64>,
    /// Helix answers by status code, injected faults included.
    pub helix_statuses: BTreeMap<u16, u64>,
    /// OAuth requests by `METHOD /path`, `/oauth2/token` with its grant type.
    pub oauth_calls: BTreeMap<String, u64>,
    /// Requests answered by an injected fault (`/_sim/faults`).
    pub faults_answered: u64,
    /// Embedded pages served, by `page login` (`player lumenforge`, `chat lumenforge`): a test
    /// sees which channels' panes loaded without switching WebDriver into each webview (a
    /// switch waits for the page's load, and many loading at once can stall it).
    pub embed_pages: BTreeMap<String, u64>,
}

/// Everything the simulator knows.
pub struct World {
    /// Base URL for generated links.
    pub base_url: String,
    /// Users in creation order.
    pub users: Vec<User>,
    /// Applications by client id.
    pub clients: BTreeMap<String, Client>,
    /// Grants by id.
    pub authorizations: HashMap<u64, Authorization>,
    /// Access tokens by value.
    pub access_tokens: HashMap<String, AccessToken>,
    /// Refresh tokens by value.
    pub refresh_tokens: HashMap<String, RefreshToken>,
    /// Authorization codes by value.
    pub auth_codes: HashMap<String, AuthCode>,
    /// Device codes by `device_code`.
    pub device_codes: HashMap<String, DeviceCode>,
    /// Live sessions by id.
    pub sessions: HashMap<String, Session>,
    /// Subscriptions in creation order.
    pub subscriptions: Vec<Subscription>,
    /// The last [`DELETED_KEPT`] subscriptions deleted through Helix, oldest first
    /// (`/_sim/state`).
    pub deleted_subscriptions: VecDeque<DeletedSubscription>,
    /// Reconnect ids not yet used.
    pub reconnects: HashMap<String, PendingReconnect>,
    /// Helix buckets by (client id, user id or "app").
    pub buckets: HashMap<String, Bucket>,
    /// Until when every bucket is held empty (`Config::empty_bucket_after_welcome_ms`).
    pub buckets_empty_until: Option<Instant>,
    /// Settings.
    pub config: Config,
    /// Counters.
    pub counters: Counters,
    /// Test clock: added to real time for every expiry check.
    pub clock_offset: Duration,
    /// Faults waiting for a matching request (`/_sim/faults`), oldest first.
    pub faults: Vec<Fault>,
    /// What happened to sockets, subscriptions and requests (`/_sim/log`).
    pub log: Log,
    /// Chat messages sent through Helix, for the chat page and the duplicate rule.
    pub chat: ChatLog,
    /// The last playback report of each channel's player page, by login (known logins only).
    pub players: BTreeMap<String, PlayerReport>,
    /// Next id for users created through the control API.
    next_user_id: u64,
    /// Next internal id (tokens, grants).
    next_seq: u64,
}

impl World {
    /// Current instant as the sim sees it (real time plus the test clock offset).
    pub fn now(&self) -> Instant {
        Instant::now() + self.clock_offset
    }

    /// Current wall-clock time as the sim sees it.
    pub fn utc_now(&self) -> DateTime<Utc> {
        Utc::now() + chrono::Duration::from_std(self.clock_offset).unwrap_or_default()
    }

    /// Next internal sequence number.
    pub fn seq(&mut self) -> u64 {
        let s = self.next_seq;
        self.next_seq += 1;
        s
    }

    /// Looks a user up by login (case-insensitive).
    pub fn user_by_login(&self, login: &str) -> Option<&User> {
        self.users.iter().find(|u| u.login.eq_ignore_ascii_case(login))
    }

    /// Mutable lookup by login.
    pub fn user_mut_by_login(&mut self, login: &str) -> Option<&mut User> {
        self.users.iter_mut().find(|u| u.login.eq_ignore_ascii_case(login))
    }

    /// Looks a user up by id.
    pub fn user_by_id(&self, id: &str) -> Option<&User> {
        self.users.iter().find(|u| u.id == id)
    }

    /// Mutable lookup by id.
    pub fn user_mut_by_id(&mut self, id: &str) -> Option<&mut User> {
        self.users.iter_mut().find(|u| u.id == id)
    }

    /// Allocates an id for a new user.
    pub fn new_user_id(&mut self) -> String {
        let id = self.next_user_id;
        self.next_user_id += 1;
        id.to_string()
    }

    /// Avatar URL served by [`crate::embed`].
    pub fn avatar_url(&self, login: &str) -> String {
        format!("{}/_sim/avatar/{}.svg", self.base_url, login)
    }

    /// The Helix user object (docs/twitch.md §4 `GET /users`).
    pub fn user_json(&self, u: &User) -> Value {
        json!({
            "id": u.id,
            "login": u.login,
            "display_name": u.display_name,
            "type": "",
            "broadcaster_type": u.broadcaster_type,
            "description": u.description,
            "profile_image_url": self.avatar_url(&u.login),
            "offline_image_url": "",
            "view_count": 0,
            "created_at": u.created_at,
        })
    }

    /// Issues an access token (and, for user grants, a refresh token).
    /// Returns (access token, refresh token, expires_in).
    pub fn issue_tokens(
        &mut self,
        client_id: &str,
        auth_id: Option<u64>,
        user_id: Option<String>,
        scopes: Vec<String>,
    ) -> (String, Option<String>, u64) {
        let access = random_token(30);
        let lifetime = self.config.access_token_secs;
        let now = self.now();
        let id = self.seq();
        self.access_tokens.insert(
            access.clone(),
            AccessToken {
                id,
                client_id: client_id.to_string(),
                user_id,
                scopes,
                expires_at: now + Duration::from_secs(lifetime),
                auth_id,
            },
        );
        self.counters.tokens_issued += 1;
        let refresh = auth_id.map(|a| {
            let r = random_token(50);
            self.refresh_tokens.insert(
                r.clone(),
                RefreshToken {
                    auth_id: a,
                    spent: false,
                    expires_at: now + Duration::from_secs(REFRESH_TOKEN_SECS),
                },
            );
            r
        });
        (access, refresh, lifetime)
    }

    /// Finds or creates the grant of `user_id` to `client_id`, merging scopes.
    pub fn grant(&mut self, client_id: &str, user_id: &str, scopes: &[String]) -> u64 {
        if let Some(a) = self
            .authorizations
            .values_mut()
            .find(|a| !a.revoked && a.client_id == client_id && a.user_id == user_id)
        {
            // A new consent replaces the scope set, as a fresh login on Twitch does.
            a.scopes = scopes.to_vec();
            return a.id;
        }
        let id = self.seq();
        self.authorizations.insert(
            id,
            Authorization {
                id,
                client_id: client_id.into(),
                user_id: user_id.into(),
                scopes: scopes.to_vec(),
                revoked: false,
            },
        );
        id
    }

    /// Revokes a whole grant: every token, every refresh token and the EventSub
    /// subscriptions of that user on that client (docs/twitch.md §3.2 "Danger", pitfall 12).
    pub fn revoke_authorization(&mut self, auth_id: u64) {
        let Some(a) = self.authorizations.get_mut(&auth_id) else { return };
        a.revoked = true;
        let (client_id, user_id) = (a.client_id.clone(), a.user_id.clone());
        self.access_tokens.retain(|_, t| t.auth_id != Some(auth_id));
        self.refresh_tokens.retain(|_, t| t.auth_id != auth_id);
        let ids: Vec<String> = self
            .subscriptions
            .iter()
            .filter(|s| s.enabled() && s.client_id == client_id && s.user_id == user_id)
            .map(|s| s.id.clone())
            .collect();
        for id in ids {
            self.revoke_subscription(&id, "authorization_revoked");
        }
    }

    /// Marks a subscription revoked and sends the revocation frame once (docs/twitch.md §1.2).
    /// Returns false when no such subscription exists.
    pub fn revoke_subscription(&mut self, id: &str, reason: &str) -> bool {
        let now = self.utc_now();
        let Some(s) = self.subscriptions.iter_mut().find(|s| s.id == id) else { return false };
        let was_enabled = s.enabled();
        s.status = reason.to_string();
        if !was_enabled {
            return true;
        }
        let frame = json!({
            "metadata": {
                "message_id": uuid(),
                "message_type": "revocation",
                "message_timestamp": ts(now),
                "subscription_type": s.kind,
                "subscription_version": s.version,
            },
            "payload": {"subscription": s.to_ws_json()},
        })
        .to_string();
        let session_id = s.session_id.clone();
        self.note("subscription", format!("{id} revoked: {reason}"));
        if let Some(sess) = self.sessions.get(&session_id)
            && sess.tx.send(SessionCmd::Frame(frame)).is_ok()
        {
            self.counters.revocations_sent += 1;
        }
        true
    }

    /// Disables the subscriptions of a lost session (docs/twitch.md §1.4, §1.7).
    pub fn disable_session_subscriptions(&mut self, session_id: &str, status: &str) {
        let now = self.utc_now();
        let mut n = 0;
        for s in self.subscriptions.iter_mut().filter(|s| s.session_id == session_id && s.enabled())
        {
            s.status = status.to_string();
            s.disconnected_at = Some(now);
            n += 1;
        }
        if n > 0 {
            self.note("subscription", format!("{n} subscriptions of {session_id} now {status}"));
        }
    }

    /// Enabled subscriptions of one user on one client.
    pub fn user_enabled_subs<'a>(
        &'a self,
        client_id: &'a str,
        user_id: &'a str,
    ) -> impl Iterator<Item = &'a Subscription> + 'a {
        self.subscriptions
            .iter()
            .filter(move |s| s.enabled() && s.client_id == client_id && s.user_id == user_id)
    }
}
