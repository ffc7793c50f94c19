//! The simulator's world: users and channels, registered applications, grants and tokens,
//! EventSub sessions and subscriptions, settings and counters.
//!
//! Everything lives behind one `std::sync::Mutex` (see [`Sim`]). Critical sections are short
//! and never await, so a blocking mutex is the simple, correct choice here.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use chrono::{DateTime, SecondsFormat, Utc};
use rand::Rng;
use rand::distr::Alphanumeric;
use serde::Serialize;
use serde_json::{Value, json};
use tokio::sync::{mpsc, watch};

/// Access tokens last about four hours on Twitch (twitch.md §3.2 step 3).
pub const DEFAULT_ACCESS_TOKEN_SECS: u64 = 14_400;
/// Device codes expire after 1800 s (twitch.md §3.2 step 1).
pub const DEFAULT_DEVICE_CODE_SECS: u64 = 1_800;
/// Refresh tokens expire after 30 days (twitch.md §3.2 step 4).
pub const REFRESH_TOKEN_SECS: u64 = 30 * 24 * 3600;
/// Helix bucket: 800 points per minute (twitch.md §4 "Rate limits").
pub const DEFAULT_BUCKET: u32 = 800;
/// Reconnect grace period (twitch.md §1.3 step 5).
pub const DEFAULT_RECONNECT_GRACE_MS: u64 = 30_000;
/// `max_total_cost` for WebSocket subscriptions (twitch.md §1.6).
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

/// Public or confidential application (twitch.md §3.1).
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
    /// Registered redirect URIs, matched exactly (twitch.md §3.3).
    pub redirect_uris: Vec<String>,
}

/// A user's grant to a client: the "connection" that revoking ends (twitch.md §3.2, pitfall 12).
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
    /// Public clients' refresh tokens are single-use (twitch.md §3.2 step 4).
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

/// A device code (twitch.md §3.2).
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
}

/// Commands to a WebSocket session task.
#[derive(Debug)]
pub enum SessionCmd {
    /// Send this text frame (already serialised); it resets the keepalive timer.
    Frame(String),
    /// Close with this code; the subscriptions get the code's status (twitch.md §1.7).
    Close {
        /// Close code (twitch.md §1.5); the reason text follows from it.
        code: u16,
    },
    /// A `session_reconnect` went out: close with 4004 after this grace period.
    StartGrace(Duration),
    /// The successor took the subscriptions over: nothing is routed here any more. Answered
    /// once every frame queued before it is on the wire, so the successor's welcome follows
    /// them (twitch.md §1.3 step 3: events keep coming on the old connection until the
    /// welcome arrives on the new one, so following the flow loses nothing).
    HandedOver(tokio::sync::oneshot::Sender<()>),
    /// Drop the TCP connection without a close frame. With `zombie`, Twitch has not noticed:
    /// the subscriptions stay enabled (twitch.md §1.4 "Practical caveat", §7 pitfall 6).
    Drop {
        /// Keep the subscriptions enabled.
        zombie: bool,
    },
}

/// A connected WebSocket session.
pub struct Session {
    /// Session id from the welcome.
    pub id: String,
    /// "connected" or "reconnecting".
    pub status: &'static str,
    /// Welcome time.
    pub connected_at: DateTime<Utc>,
    /// Advertised keepalive window (clamped 10–600, twitch.md §1.1).
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
    /// Status, `enabled` or a disabled reason (twitch.md §1.7).
    pub status: String,
    /// Type, e.g. `stream.online`.
    pub kind: String,
    /// Version.
    pub version: String,
    /// Condition object.
    pub condition: Value,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// Session the transport points at.
    pub session_id: String,
    /// When that session connected.
    pub connected_at: DateTime<Utc>,
    /// When it disconnected, once disabled by a socket loss.
    pub disconnected_at: Option<DateTime<Utc>>,
    /// Cost (0 or 1, twitch.md §1.6).
    pub cost: u32,
    /// Owner: client id.
    pub client_id: String,
    /// Owner: user id.
    pub user_id: String,
}

impl Subscription {
    /// Enabled subscriptions are the only ones that deliver or count (twitch.md §1.6).
    pub fn enabled(&self) -> bool {
        self.status == "enabled"
    }

    /// The subscription object as Helix and the WebSocket show it.
    pub fn to_json(&self) -> Value {
        let mut transport = json!({
            "method": "websocket",
            "session_id": self.session_id,
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
            "transport": {"method": "websocket", "session_id": self.session_id},
            "created_at": ts(self.created_at),
        })
    }
}

/// Helix token bucket state (twitch.md §4 "Rate limits").
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
    /// Grace after `session_reconnect` before 4004 (twitch.md §1.3).
    pub reconnect_grace_ms: u64,
    /// Test override of the real keepalive period (the advertised seconds stay as clamped).
    pub keepalive_ms: Option<u64>,
    /// Test override of the 4003 subscribe deadline (default: the keepalive window).
    pub unused_timeout_ms: Option<u64>,
    /// WebSocket Ping interval; a client that has not ponged by the next ping gets 4002.
    pub ping_interval_ms: u64,
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
    /// handover the client follows never leaves any (twitch.md §1.3 step 3).
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
    /// Reconnect ids not yet used.
    pub reconnects: HashMap<String, PendingReconnect>,
    /// Helix buckets by (client id, user id or "app").
    pub buckets: HashMap<String, Bucket>,
    /// Settings.
    pub config: Config,
    /// Counters.
    pub counters: Counters,
    /// Test clock: added to real time for every expiry check.
    pub clock_offset: Duration,
    /// Next id for users created through the control API.
    next_user_id: u64,
    /// Next internal id (tokens, grants).
    next_seq: u64,
}

/// RFC 3339 with 9 fractional digits and `Z`, as Twitch sends (twitch.md §1.1).
pub fn ts(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Nanos, true)
}

/// Random lowercase alphanumeric string (token-like).
pub fn random_token(len: usize) -> String {
    rand::rng()
        .sample_iter(&Alphanumeric)
        .take(len)
        .map(|b| (b as char).to_ascii_lowercase())
        .collect()
}

/// Random string of mixed-case letters and digits (session-id-like).
pub fn random_mixed(len: usize) -> String {
    rand::rng().sample_iter(&Alphanumeric).take(len).map(char::from).collect()
}

/// Random UUID v4 text (subscription and message ids).
pub fn uuid() -> String {
    let mut b: [u8; 16] = rand::rng().random();
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let h: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!("{}-{}-{}-{}-{}", &h[0..8], &h[8..12], &h[12..16], &h[16..20], &h[20..32])
}

/// Seed data for one default user.
struct Seed {
    id: &'static str,
    login: &'static str,
    display: &'static str,
    btype: &'static str,
    live: bool,
    title: &'static str,
    category: &'static str,
    category_id: &'static str,
    viewers: u64,
    color: &'static str,
    tags: &'static [&'static str],
    description: &'static str,
}

const SEEDS: &[Seed] = &[
    Seed {
        id: "141592653",
        login: "lumenforge",
        display: "Lumenforge",
        btype: "partner",
        live: true,
        title: "Speedrunning Hollow Knight — any% PB attempts",
        category: "Hollow Knight",
        category_id: "490147",
        viewers: 1234,
        color: "#9146FF",
        tags: &["Speedrun", "English", "NoBackseating"],
        description: "Bug-sized knight, big-sized dreams. PB attempts every evening.",
    },
    Seed {
        id: "271828182",
        login: "nightowl",
        display: "NightOwl",
        btype: "affiliate",
        live: true,
        title: "Late-night chill & chat — !schedule",
        category: "Just Chatting",
        category_id: "509658",
        viewers: 387,
        color: "#1E90FF",
        tags: &["English", "Chill"],
        description: "Chatting until the sun comes up.",
    },
    Seed {
        id: "161803398",
        login: "quietfox",
        display: "QuietFox",
        btype: "affiliate",
        live: false,
        title: "Cozy Stardew farm day",
        category: "Stardew Valley",
        category_id: "490744",
        viewers: 0,
        color: "#FF7F50",
        tags: &["Cozy", "English"],
        description: "Slow games, soft music.",
    },
    Seed {
        id: "314159265",
        login: "pixelpaladin",
        display: "PixelPaladin",
        btype: "partner",
        live: false,
        title: "Elden Ring blind — first playthrough",
        category: "Elden Ring",
        category_id: "512953",
        viewers: 0,
        color: "#DAA520",
        tags: &["Blind", "English"],
        description: "Swords, shields and bad decisions.",
    },
    Seed {
        id: "577215664",
        login: "sim_viewer",
        display: "SimViewer",
        btype: "",
        live: false,
        title: "",
        category: "",
        category_id: "",
        viewers: 0,
        color: "#2E8B57",
        tags: &[],
        description: "",
    },
    Seed {
        id: "662607015",
        login: "sim_mod",
        display: "SimMod",
        btype: "",
        live: false,
        title: "",
        category: "",
        category_id: "",
        viewers: 0,
        color: "#00FF7F",
        tags: &[],
        description: "",
    },
];

fn fixed_time(rfc3339: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(rfc3339).map(|t| t.with_timezone(&Utc)).unwrap_or_default()
}

impl World {
    /// The default world (issue 3 "World state"; ids pinned for other tests).
    pub fn seeded(base_url: &str) -> Self {
        let now = Utc::now();
        let mut users = Vec::new();
        for (i, s) in SEEDS.iter().enumerate() {
            users.push(User {
                id: s.id.into(),
                login: s.login.into(),
                display_name: s.display.into(),
                broadcaster_type: s.btype.into(),
                description: s.description.into(),
                created_at: format!("201{}-0{}-1{}T12:00:00Z", 5 + i % 4, 1 + i % 9, i % 9),
                live: s.live,
                title: s.title.into(),
                category: s.category.into(),
                category_id: s.category_id.into(),
                language: "en".into(),
                tags: s.tags.iter().map(|t| t.to_string()).collect(),
                viewer_count: s.viewers,
                stream_id: format!("4095212{:04}", 1085 + i * 7),
                started_at: now - chrono::Duration::minutes(83 - 20 * i as i64),
                moderates: BTreeSet::new(),
                follows: Vec::new(),
                color: s.color.into(),
            });
        }
        let mut w = World {
            base_url: base_url.to_string(),
            users,
            clients: BTreeMap::new(),
            authorizations: HashMap::new(),
            access_tokens: HashMap::new(),
            refresh_tokens: HashMap::new(),
            auth_codes: HashMap::new(),
            device_codes: HashMap::new(),
            sessions: HashMap::new(),
            subscriptions: Vec::new(),
            reconnects: HashMap::new(),
            buckets: HashMap::new(),
            config: Config::default(),
            counters: Counters::default(),
            clock_offset: Duration::ZERO,
            next_user_id: 900_000_001,
            next_seq: 1,
        };
        let follows = [
            ("sim_viewer", "lumenforge", "2024-03-14T19:26:53Z"),
            ("sim_viewer", "nightowl", "2025-01-02T22:10:05Z"),
            ("sim_viewer", "pixelpaladin", "2025-06-21T17:45:12Z"),
        ];
        for (who, whom, at) in follows {
            if let (Some(b), Some(u)) =
                (w.user_by_login(whom).map(|u| u.id.clone()), w.user_mut_by_login(who))
            {
                u.follows.push((b, fixed_time(at)));
            }
        }
        if let Some(b) = w.user_by_login("lumenforge").map(|u| u.id.clone())
            && let Some(m) = w.user_mut_by_login("sim_mod")
        {
            m.moderates.insert(b);
        }
        w.clients.insert(
            "sim-public-client".into(),
            Client {
                client_id: "sim-public-client".into(),
                secret: None,
                kind: ClientType::Public,
                redirect_uris: vec!["http://localhost".into()],
            },
        );
        w.clients.insert(
            "sim-confidential-client".into(),
            Client {
                client_id: "sim-confidential-client".into(),
                secret: Some("sim-secret".into()),
                kind: ClientType::Confidential,
                redirect_uris: vec!["http://localhost:17563/callback".into()],
            },
        );
        w
    }

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

    /// The Helix user object (twitch.md §4 `GET /users`).
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
    /// subscriptions of that user on that client (twitch.md §3.2 "Danger", pitfall 12).
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

    /// Marks a subscription revoked and sends the revocation frame once (twitch.md §1.2).
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
        if let Some(sess) = self.sessions.get(&session_id)
            && sess.tx.send(SessionCmd::Frame(frame)).is_ok()
        {
            self.counters.revocations_sent += 1;
        }
        true
    }

    /// Disables the subscriptions of a lost session (twitch.md §1.4, §1.7).
    pub fn disable_session_subscriptions(&mut self, session_id: &str, status: &str) {
        let now = self.utc_now();
        for s in self.subscriptions.iter_mut().filter(|s| s.session_id == session_id && s.enabled())
        {
            s.status = status.to_string();
            s.disconnected_at = Some(now);
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

/// A random 8-letter user code like Twitch's `ABCDEFGH` (twitch.md §3.2).
pub fn user_code() -> String {
    const LETTERS: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ";
    let mut r = rand::rng();
    (0..8).map(|_| LETTERS[r.random_range(0..LETTERS.len())] as char).collect()
}

/// Parses `a=b&c=d` (query or form) into pairs, keeping repeats in order.
pub fn parse_pairs(s: &str) -> Vec<(String, String)> {
    url::form_urlencoded::parse(s.as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

/// The first value of `key` among `pairs`.
pub fn first<'a>(pairs: &'a [(String, String)], key: &str) -> Option<&'a str> {
    pairs.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
}

/// Splits a space-separated (or `+`-joined, already decoded) scope list.
pub fn split_scopes(s: &str) -> Vec<String> {
    s.split_whitespace().map(str::to_string).collect()
}
