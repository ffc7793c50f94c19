//! The EventSub WebSocket session: sockets, welcome, keepalive watchdog, reconnect handover.
//!
//! What it does, with the facts it follows:
//! - connects to the base URL (`Endpoints::eventsub_ws`, optionally with
//!   `?keepalive_timeout_seconds=N`, twitch.md §1.1) and waits for `session_welcome` within a
//!   deadline;
//! - watches the keepalive: any notification or keepalive resets the timer; silence for
//!   longer than the welcome's `keepalive_timeout_seconds` plus a grace means the connection
//!   is dead (twitch.md §1.2). It also compares the wall clock, because a suspended machine's
//!   monotonic clock stands still while Twitch gives up on us (twitch.md §7 pitfall 9);
//! - on `session_reconnect` opens the successor at the given URL exactly as given, keeps
//!   reading the old socket until the successor's welcome, then closes the old one with 1000.
//!   Subscriptions carry over: the owner is told it was a handover and must not resubscribe
//!   (twitch.md §1.3, §7 pitfalls 1–3);
//! - on any other loss (close codes 4000–4007 as twitch.md §1.5, errors, timeouts) it goes
//!   back to the base URL — never a reconnect URL — after an exponential backoff with jitter
//!   (1 s → 2 min, twitch.md §8), and tells the owner that a fresh session needs subscriptions
//!   and that events may have been missed since the last frame (twitch.md §1.4);
//! - pongs are automatic (tungstenite answers pings while reading); the only thing it ever
//!   sends is the close frame of a handover or shutdown (twitch.md §1.1: anything else is 4001).
//!
//! Parsing is separate from effects: every socket has a reader task that forwards raw frames;
//! [`parse_control`] turns a text frame into a small [`Incoming`] enum; one method,
//! [`Session::next_event`], acts on it and returns [`SessionEvent`]s to the owner (the
//! `Watcher`). `next_event` is cancel-safe, so the owner can `select!` on it.

use crate::eventsub::protocol::EnvelopeHead;
use futures_util::StreamExt;
use rand::Rng;
use std::sync::Arc;
use std::time::{Duration, SystemTime};
use tokio::sync::{mpsc, oneshot};
use tokio::time::Instant;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use url::Url;

/// Errors of this module (only configuration can fail; losses are events, not errors).
#[derive(Debug, thiserror::Error)]
pub enum SessionError {
    /// `keepalive_timeout_seconds` must be 10–600 (twitch.md §1.1).
    #[error("keepalive_timeout_seconds must be between 10 and 600, got {0}")]
    BadKeepalive(u32),
    /// The base URL is not a ws:// or wss:// URL.
    #[error("the EventSub URL must be ws:// or wss://: {0}")]
    BadUrl(String),
}

/// Exponential backoff with jitter for reconnects after a loss (twitch.md §8: 1 s → 2 min).
#[derive(Debug, Clone)]
pub struct Backoff {
    /// The first delay.
    pub initial: Duration,
    /// The longest delay.
    pub max: Duration,
    /// Random jitter: each delay is drawn from [delay/2, delay].
    pub jitter: bool,
}

impl Default for Backoff {
    fn default() -> Self {
        Self { initial: Duration::from_secs(1), max: Duration::from_secs(120), jitter: true }
    }
}

impl Backoff {
    /// The delay before attempt `failures` (0 = first retry after a loss).
    pub fn delay(&self, failures: u32) -> Duration {
        let factor = 2u32.saturating_pow(failures.min(20));
        let d = self.initial.saturating_mul(factor).min(self.max);
        if self.jitter && !d.is_zero() {
            let ms = d.as_millis() as u64;
            Duration::from_millis(rand::rng().random_range(ms / 2..=ms))
        } else {
            d
        }
    }
}

/// A source of wall-clock time; tests inject jumps (a machine waking from sleep).
pub type WallClock = Arc<dyn Fn() -> SystemTime + Send + Sync>;

/// How the session behaves. Defaults are Twitch's production values.
#[derive(Clone)]
pub struct SessionConfig {
    /// The base URL (`Endpoints::eventsub_ws`).
    pub url: Url,
    /// `keepalive_timeout_seconds` to ask for (10–600), or Twitch's default (10).
    pub keepalive_request: Option<u32>,
    /// Slack on top of the keepalive window before declaring the connection dead
    /// (twitch.md §1.2: clients in the wild use up to 2× the window).
    pub keepalive_grace: Duration,
    /// How long to wait for `session_welcome` after connecting (also for a successor).
    pub welcome_timeout: Duration,
    /// How long a TCP/TLS/WebSocket handshake may take.
    pub connect_timeout: Duration,
    /// Delays between reconnect attempts.
    pub backoff: Backoff,
    /// How often the watchdog compares the wall clock while nothing else wakes it. `None` (the
    /// default on Linux): only when a frame arrives or a deadline passes, with the deadlines
    /// timed on `CLOCK_BOOTTIME`, which keeps counting while the machine is suspended (tokio's
    /// clock does not): a sleep that outlasts the keepalive window is noticed as soon as the
    /// machine wakes, with no wake-up a second while it is awake (issue 9, idle wake-ups).
    /// Elsewhere a look every second.
    pub wall_check_interval: Option<Duration>,
    /// The wall clock.
    pub wall_clock: WallClock,
}

impl std::fmt::Debug for SessionConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SessionConfig")
            .field("url", &self.url.as_str())
            .field("keepalive_request", &self.keepalive_request)
            .field("keepalive_grace", &self.keepalive_grace)
            .field("welcome_timeout", &self.welcome_timeout)
            .field("backoff", &self.backoff)
            .finish_non_exhaustive()
    }
}

impl SessionConfig {
    /// Production defaults for `url`.
    pub fn new(url: Url) -> Self {
        Self {
            url,
            keepalive_request: None,
            keepalive_grace: Duration::from_secs(10),
            welcome_timeout: Duration::from_secs(15),
            connect_timeout: Duration::from_secs(15),
            backoff: Backoff::default(),
            wall_check_interval: if cfg!(target_os = "linux") {
                None
            } else {
                Some(Duration::from_secs(1))
            },
            wall_clock: Arc::new(SystemTime::now),
        }
    }

    /// The URL of a fresh connection: the base plus `keepalive_timeout_seconds` if asked.
    pub fn connect_url(&self) -> Result<Url, SessionError> {
        if !matches!(self.url.scheme(), "ws" | "wss") {
            return Err(SessionError::BadUrl(self.url.to_string()));
        }
        let mut u = self.url.clone();
        if let Some(n) = self.keepalive_request {
            if !(10..=600).contains(&n) {
                return Err(SessionError::BadKeepalive(n));
            }
            u.query_pairs_mut().append_pair("keepalive_timeout_seconds", &n.to_string());
        }
        Ok(u)
    }
}

/// A text frame, reduced to what the session acts on. Notifications and revocations keep
/// their text for the feed's own parser.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Incoming {
    /// `session_welcome` (twitch.md §1.2).
    Welcome {
        /// `payload.session.id`.
        session_id: String,
        /// `payload.session.keepalive_timeout_seconds`.
        keepalive_secs: u64,
    },
    /// `session_keepalive`.
    Keepalive,
    /// `session_reconnect` with its `reconnect_url` (twitch.md §1.3).
    Reconnect {
        /// Where the successor lives; used exactly as given.
        url: String,
    },
    /// `notification`.
    Notification {
        /// `metadata.message_id`, the dedupe key (twitch.md §1.7).
        message_id: String,
        /// `metadata.subscription_type`.
        sub_type: String,
        /// `payload.subscription.id` (empty if absent).
        subscription_id: String,
    },
    /// `revocation`.
    Revocation {
        /// `metadata.message_id`.
        message_id: String,
        /// `payload.subscription.id`.
        subscription_id: String,
        /// `payload.subscription.status`: why (twitch.md §1.2, §1.7).
        status: String,
    },
    /// A valid envelope with a `message_type` we do not know.
    Other {
        /// The unknown `message_type`.
        message_type: String,
    },
    /// Not an envelope at all.
    Malformed {
        /// What was wrong.
        error: String,
    },
}

/// Reads the envelope of a text frame (twitch.md §1.2). Never panics.
pub fn parse_control(text: &str) -> Incoming {
    parse_envelope(text).0
}

/// Like [`parse_control`], plus `metadata.message_timestamp` (RFC 3339 with nanoseconds,
/// twitch.md §1.1) when present and valid.
pub fn parse_envelope(text: &str) -> (Incoming, Option<SystemTime>) {
    let env = match EnvelopeHead::parse(text) {
        Ok(e) => e,
        Err(e) => return (Incoming::Malformed { error: e.to_string() }, None),
    };
    let at = env
        .metadata
        .message_timestamp
        .as_deref()
        .and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok())
        .map(SystemTime::from);
    (incoming_of(env), at)
}

fn incoming_of(env: EnvelopeHead) -> Incoming {
    let m = env.metadata;
    let missing =
        |what: &str| Incoming::Malformed { error: format!("{} without {what}", m.message_type) };
    match m.message_type.as_str() {
        "session_welcome" => match env.payload.session {
            Some(s) => Incoming::Welcome {
                session_id: s.id,
                keepalive_secs: s.keepalive_timeout_seconds.unwrap_or(10),
            },
            None => missing("payload.session"),
        },
        "session_keepalive" => Incoming::Keepalive,
        // twitch.md §7 pitfall 3: the type is `session_reconnect`, not `reconnect`.
        "session_reconnect" => match env.payload.session.and_then(|s| s.reconnect_url) {
            Some(url) => Incoming::Reconnect { url },
            None => missing("payload.session.reconnect_url"),
        },
        "notification" => match m.subscription_type {
            Some(t) => Incoming::Notification {
                message_id: m.message_id,
                sub_type: t,
                subscription_id: env.payload.subscription.map(|s| s.id).unwrap_or_default(),
            },
            None => missing("metadata.subscription_type"),
        },
        "revocation" => match env.payload.subscription {
            Some(s) => Incoming::Revocation {
                message_id: m.message_id,
                subscription_id: s.id,
                status: s.status,
            },
            None => missing("payload.subscription"),
        },
        other => Incoming::Other { message_type: other.to_string() },
    }
}

/// Why a session ended without a handover.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LossReason {
    /// Twitch closed the socket with this code (twitch.md §1.5) and reason text.
    Closed { code: u16, reason: String },
    /// The socket ended without a close frame, or with a transport error.
    Dropped(String),
    /// The handshake failed.
    ConnectFailed(String),
    /// No `session_welcome` in time.
    WelcomeTimeout,
    /// No keepalive or notification within the window plus grace (twitch.md §1.2).
    KeepaliveTimeout,
    /// The wall clock jumped past the window: the machine slept (twitch.md §7 pitfall 9).
    WallClockJump,
    /// The `session_reconnect` successor failed before its welcome.
    HandoverFailed(String),
    /// The owner asked for a fresh session (e.g. Twitch said the session is gone).
    Requested(String),
}

impl std::fmt::Display for LossReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            LossReason::Closed { code, reason } => {
                write!(f, "Twitch closed the connection ({code} {})", close_code_meaning(*code))?;
                if !reason.is_empty() {
                    write!(f, ": {reason}")?;
                }
                Ok(())
            }
            LossReason::Dropped(e) => write!(f, "connection lost: {e}"),
            LossReason::ConnectFailed(e) => write!(f, "could not connect: {e}"),
            LossReason::WelcomeTimeout => f.write_str("no welcome from Twitch in time"),
            LossReason::KeepaliveTimeout => f.write_str("no keepalive from Twitch in time"),
            LossReason::WallClockJump => f.write_str("the computer slept; reconnecting"),
            LossReason::HandoverFailed(e) => write!(f, "moving to Twitch's new server failed: {e}"),
            LossReason::Requested(e) => write!(f, "{e}"),
        }
    }
}

/// The meaning of an EventSub close code (twitch.md §1.5).
pub fn close_code_meaning(code: u16) -> &'static str {
    match code {
        4000 => "internal server error",
        4001 => "client sent inbound traffic",
        4002 => "client failed ping-pong",
        4003 => "connection unused",
        4004 => "reconnect grace time expired",
        4005 => "network timeout",
        4006 => "network error",
        4007 => "invalid reconnect",
        1000 => "normal closure",
        _ => "unknown close code",
    }
}

/// What the session tells its owner.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SessionEvent {
    /// A connection attempt to the base URL started.
    Connecting {
        /// Failures since the last healthy session (0 = first try).
        attempt: u32,
    },
    /// A session is ready. `handover == false` means a fresh session: it has no
    /// subscriptions and the owner must create them now, within the keepalive window
    /// (twitch.md §1.1). `handover == true`: subscriptions carried over; do nothing.
    Welcome {
        /// The new `session.id` (store it; twitch.md §1.3 step 8).
        session_id: String,
        /// True after `session_reconnect`.
        handover: bool,
        /// The welcome's keepalive window.
        keepalive: Duration,
    },
    /// A `notification` or `revocation` text frame, for the feed (dedupe is the owner's).
    Frame {
        /// The frame as received.
        text: Arc<str>,
        /// What the session read from it.
        incoming: Incoming,
        /// When it arrived (wall clock).
        received_at: SystemTime,
        /// Its `message_timestamp` (or arrival, if earlier or missing).
        sent_at: SystemTime,
    },
    /// A text frame that was not a valid envelope (counted, never fatal).
    Rejected {
        /// Why.
        error: String,
    },
    /// `session_reconnect` received; the successor is being opened.
    HandoverStarted,
    /// After a handover, the old socket ended without Twitch's close frame (dropped, reset,
    /// or silent), so frames Twitch sent on it before the successor's welcome may never have
    /// arrived (twitch.md §1.3 step 3: until that welcome Twitch sends on the old socket).
    /// The session itself is fine; events between `last_seen` and `switched_at` may have
    /// been missed.
    OldSocketLost {
        /// The last frame read from the old socket (its `message_timestamp`, or arrival).
        last_seen: SystemTime,
        /// When the successor's welcome was handled: Twitch sends on the new socket from then.
        switched_at: SystemTime,
        /// How the old socket ended.
        reason: LossReason,
    },
    /// The session ended without a handover. Its subscriptions are gone (twitch.md §1.4):
    /// events after `last_seen` may have been missed.
    Lost {
        /// Why.
        reason: LossReason,
        /// The last frame received on it (its `message_timestamp`, or arrival if earlier).
        last_seen: SystemTime,
        /// When the next connection attempt starts.
        retry_at: SystemTime,
    },
}

/// Messages from socket reader tasks.
#[derive(Debug)]
enum ConnMsg {
    /// The handshake succeeded.
    Open,
    /// A text frame, copied once out of the socket's read buffer (a frame kept as the
    /// socket's own bytes would keep that whole buffer) and shared from here on.
    Text(Arc<str>),
    /// The socket is gone.
    Closed(LossReason),
    /// A socket told to close has finished: `clean` when Twitch's close frame came back,
    /// so every frame it sent before that was read (TCP keeps their order).
    Drained {
        /// Twitch's close frame arrived.
        clean: bool,
    },
}

/// One socket, as the session sees it.
struct Conn {
    /// Identifies its reader's messages.
    id: u64,
    /// Tells the reader to close with 1000 (dropped = reader stops as well).
    close: Option<oneshot::Sender<()>>,
    /// From its welcome.
    session_id: Option<String>,
    /// The welcome's keepalive window.
    keepalive: Duration,
    /// Monotonic time of the last frame (or of opening, before the welcome).
    last_seen: Instant,
    /// Wall-clock time of the same moment.
    last_seen_wall: SystemTime,
    /// The earlier of that and the last frame's `message_timestamp`: events Twitch sent
    /// after this may be missing if the socket dies now (the start of a gap).
    last_frame_at: SystemTime,
}

/// A socket left behind by a handover, read until it closes (twitch.md §1.3 step 3).
struct Retired {
    /// Its reader's id.
    id: u64,
    /// Its last frame's `message_timestamp` (or arrival, if earlier).
    last_frame_at: SystemTime,
    /// When the successor's welcome was handled.
    switched_at: SystemTime,
}

impl Conn {
    fn close(&mut self) {
        if let Some(tx) = self.close.take() {
            let _ = tx.send(());
        }
    }
}

/// Frames read from the sockets and not yet handled, at most. When the owner is busy (a
/// burst), a reader waits and the rest stays in the kernel's socket buffer, where it costs the
/// app nothing; a larger queue only raised the memory a burst leaves behind (issue 9, growth).
/// The keepalive deadline counts from frames handled, and frames keep being handled, so
/// waiting here never looks like a silent connection.
const FRAMES_IN_FLIGHT: usize = 64;

/// The session state machine. Owned by one task (the `Watcher`).
pub struct Session {
    /// Behaviour.
    config: SessionConfig,
    /// Reader tasks send here.
    tx: mpsc::Sender<(u64, ConnMsg)>,
    /// … and the session reads here.
    rx: mpsc::Receiver<(u64, ConnMsg)>,
    /// The next connection id.
    next_id: u64,
    /// The socket events come from (welcomed or still waiting for its welcome).
    active: Option<Conn>,
    /// The `session_reconnect` successor, until its welcome.
    successor: Option<Conn>,
    /// Old sockets of handovers, still being read until they close.
    retired: Vec<Retired>,
    /// When to start a fresh connection (None = not scheduled).
    reconnect_at: Option<Instant>,
    /// Failures since the last healthy session, for the backoff.
    failures: u32,
    /// False after `stop()`: no connections at all.
    running: bool,
    /// Wall-clock time of the last frame of the last lost session (start of a possible gap).
    last_seen_wall: SystemTime,
    /// The suspend-aware timer of the deadlines (Linux, no `wall_check_interval`).
    boot_timer: Option<boot_timer::BootTimer>,
}

impl Session {
    /// A stopped session; call [`Session::start`] to connect.
    pub fn new(config: SessionConfig) -> Result<Self, SessionError> {
        config.connect_url()?;
        let (tx, rx) = mpsc::channel(FRAMES_IN_FLIGHT);
        let now = (config.wall_clock)();
        let boot_timer = match config.wall_check_interval {
            Some(_) => None,
            None => boot_timer::BootTimer::new()
                .inspect_err(|e| {
                    tracing::warn!(error = %e, "no suspend-aware timer; a sleep is noticed at the keepalive deadline");
                })
                .ok(),
        };
        Ok(Self {
            config,
            tx,
            rx,
            next_id: 1,
            active: None,
            successor: None,
            retired: Vec::new(),
            reconnect_at: None,
            failures: 0,
            running: false,
            last_seen_wall: now,
            boot_timer,
        })
    }

    /// Starts connecting now (no-op when running).
    pub fn start(&mut self) {
        if !self.running {
            self.running = true;
            self.failures = 0;
            self.reconnect_at = Some(Instant::now());
        }
    }

    /// Closes every socket (1000) and stays disconnected until [`Session::start`]; no zombie
    /// socket survives (twitch.md §7 pitfall 14).
    pub fn stop(&mut self) {
        self.running = false;
        self.reconnect_at = None;
        self.retired.clear();
        if let Some(mut c) = self.active.take() {
            c.close();
        }
        if let Some(mut c) = self.successor.take() {
            c.close();
        }
    }

    /// True while connecting or connected.
    pub fn is_running(&self) -> bool {
        self.running
    }

    /// The current session id, once welcomed.
    pub fn session_id(&self) -> Option<&str> {
        self.active.as_ref().and_then(|c| c.session_id.as_deref())
    }

    /// The owner created subscriptions on this session: it is healthy, reset the backoff.
    pub fn mark_healthy(&mut self) {
        self.failures = 0;
    }

    /// Drops the current session and starts a fresh one after the backoff (e.g. Twitch said
    /// "websocket transport session does not exist", twitch.md §7 pitfall 9).
    pub fn force_reconnect(&mut self, why: &str) -> Option<SessionEvent> {
        if !self.running {
            return None;
        }
        Some(self.lose(LossReason::Requested(why.to_string())))
    }

    fn open(&mut self, url: Url) -> Conn {
        let id = self.next_id;
        self.next_id += 1;
        let (close_tx, close_rx) = oneshot::channel();
        let tx = self.tx.clone();
        let timeout = self.config.connect_timeout;
        tokio::spawn(run_socket(id, url, tx, close_rx, timeout));
        Conn {
            id,
            close: Some(close_tx),
            session_id: None,
            keepalive: Duration::from_secs(10),
            last_seen: Instant::now(),
            last_seen_wall: (self.config.wall_clock)(),
            last_frame_at: (self.config.wall_clock)(),
        }
    }

    /// Ends the active session without a handover and schedules a fresh one.
    fn lose(&mut self, reason: LossReason) -> SessionEvent {
        let mut last_seen = match &self.active {
            Some(c) if c.session_id.is_some() => c.last_frame_at,
            _ => self.last_seen_wall,
        };
        // A handover's old socket that has not closed cleanly yet may still lose frames
        // sent before the switch (twitch.md §1.3 step 3): the gap starts at its last frame.
        for r in &self.retired {
            last_seen = last_seen.min(r.last_frame_at);
        }
        self.last_seen_wall = last_seen;
        if let Some(mut c) = self.active.take() {
            c.close();
        }
        if let Some(mut c) = self.successor.take() {
            c.close();
        }
        let delay = self.config.backoff.delay(self.failures);
        self.failures = self.failures.saturating_add(1);
        self.reconnect_at = Some(Instant::now() + delay);
        match &reason {
            LossReason::Closed { code: 4001, .. } => {
                tracing::error!(
                    "EventSub closed 4001: this client sent something other than a pong"
                )
            }
            LossReason::Closed { code: 4003, .. } => {
                tracing::warn!("EventSub closed 4003: no subscription was created in time")
            }
            _ => tracing::warn!(%reason, ?delay, "EventSub session lost; reconnecting"),
        }
        SessionEvent::Lost { reason, last_seen, retry_at: (self.config.wall_clock)() + delay }
    }

    /// When the watchdog must look next.
    fn deadline(&self) -> Option<Instant> {
        let check = self.config.wall_check_interval.map(|i| Instant::now() + i);
        let mut d: Option<Instant> = None;
        let mut consider = |t: Instant| d = Some(d.map_or(t, |x| x.min(t)));
        if let Some(c) = &self.active {
            let window = match c.session_id {
                Some(_) => c.keepalive + self.config.keepalive_grace,
                None => self.config.welcome_timeout,
            };
            let due = c.last_seen + window;
            consider(check.map_or(due, |check| due.min(check)));
        }
        if let Some(c) = &self.successor {
            consider(c.last_seen + self.config.welcome_timeout);
        }
        if let Some(t) = self.reconnect_at {
            consider(t);
        }
        d
    }

    /// Checks timeouts; returns an event if one fired.
    fn on_timer(&mut self) -> Option<SessionEvent> {
        // Frames waiting in the queue have arrived: a deadline only counts once they are
        // handled (a busy consumer must not turn into a keepalive or welcome timeout).
        if !self.rx.is_empty() {
            return None;
        }
        let now = Instant::now();
        if let Some(c) = &self.successor
            && now >= c.last_seen + self.config.welcome_timeout
        {
            return Some(self.lose(LossReason::HandoverFailed("no welcome in time".into())));
        }
        if let Some(c) = &self.active {
            match c.session_id {
                None if now >= c.last_seen + self.config.welcome_timeout => {
                    return Some(self.lose(LossReason::WelcomeTimeout));
                }
                Some(_) => {
                    let window = c.keepalive + self.config.keepalive_grace;
                    if now >= c.last_seen + window {
                        return Some(self.lose(LossReason::KeepaliveTimeout));
                    }
                    let wall = (self.config.wall_clock)();
                    let elapsed = wall.duration_since(c.last_seen_wall).unwrap_or_default();
                    if elapsed > window {
                        return Some(self.lose(LossReason::WallClockJump));
                    }
                }
                None => {}
            }
        }
        if let Some(t) = self.reconnect_at
            && now >= t
            && self.running
            && self.active.is_none()
        {
            self.reconnect_at = None;
            let url = match self.config.connect_url() {
                Ok(u) => u,
                Err(e) => return Some(self.lose(LossReason::ConnectFailed(e.to_string()))),
            };
            self.active = Some(self.open(url));
            return Some(SessionEvent::Connecting { attempt: self.failures });
        }
        None
    }

    fn on_message(&mut self, id: u64, msg: ConnMsg) -> Option<SessionEvent> {
        let is_active = self.active.as_ref().is_some_and(|c| c.id == id);
        let is_successor = self.successor.as_ref().is_some_and(|c| c.id == id);
        let wall = (self.config.wall_clock)();
        if let Some(pos) = self.retired.iter().position(|r| r.id == id) {
            return self.on_retired(pos, msg, wall);
        }
        match msg {
            ConnMsg::Open | ConnMsg::Drained { .. } => None,
            ConnMsg::Closed(reason) => {
                if is_successor {
                    // The reconnect URL failed: the old socket will be closed with 4004 anyway
                    // (twitch.md §1.3 step 5); start over at the base URL now.
                    Some(self.lose(LossReason::HandoverFailed(reason.to_string())))
                } else if is_active {
                    // Also during a handover: the old socket died before the successor's
                    // welcome, so whether the subscriptions moved is unknown. Start over at
                    // the base URL and reconcile; the gap starts at the old socket's last frame.
                    Some(self.lose(reason))
                } else {
                    None
                }
            }
            ConnMsg::Text(text) => {
                let (incoming, sent_at) = parse_envelope(&text);
                for c in [self.active.as_mut(), self.successor.as_mut()].into_iter().flatten() {
                    if c.id == id {
                        c.last_seen = Instant::now();
                        c.last_seen_wall = wall;
                        // Only a frame Twitch stamped moves the gap start; a frame is handled
                        // a little after it arrived, so the stamp is the earlier, safer time.
                        if let Some(t) = sent_at {
                            c.last_frame_at = t.min(wall);
                        }
                    }
                }
                match incoming {
                    Incoming::Welcome { session_id, keepalive_secs } => {
                        let keepalive = Duration::from_secs(keepalive_secs.clamp(1, 600));
                        if is_successor {
                            // twitch.md §1.3 step 3: switch over, then close the old one. It is
                            // still read until Twitch's close frame: frames sent on it before
                            // this welcome may still be on their way.
                            if let Some(mut old) = self.active.take() {
                                old.close();
                                self.retired.push(Retired {
                                    id: old.id,
                                    last_frame_at: old.last_frame_at,
                                    switched_at: wall,
                                });
                            }
                            let mut c = self.successor.take()?;
                            c.session_id = Some(session_id.clone());
                            c.keepalive = keepalive;
                            self.active = Some(c);
                            Some(SessionEvent::Welcome { session_id, handover: true, keepalive })
                        } else if is_active {
                            let c = self.active.as_mut()?;
                            if c.session_id.is_some() {
                                tracing::warn!("second welcome on one socket; ignored");
                                return None;
                            }
                            c.session_id = Some(session_id.clone());
                            c.keepalive = keepalive;
                            Some(SessionEvent::Welcome { session_id, handover: false, keepalive })
                        } else {
                            None
                        }
                    }
                    Incoming::Keepalive => None,
                    Incoming::Reconnect { url } => {
                        if !is_active || self.successor.is_some() {
                            return None;
                        }
                        match Url::parse(&url) {
                            Ok(u) => {
                                // twitch.md §1.3 step 2: use it exactly as given.
                                let c = self.open(u);
                                self.successor = Some(c);
                                Some(SessionEvent::HandoverStarted)
                            }
                            Err(e) => Some(self.lose(LossReason::HandoverFailed(format!(
                                "bad reconnect_url: {e}"
                            )))),
                        }
                    }
                    Incoming::Notification { .. } | Incoming::Revocation { .. } => {
                        // From any socket of ours, including one being closed: it was delivered.
                        Some(SessionEvent::Frame {
                            text,
                            incoming,
                            received_at: wall,
                            sent_at: sent_at.map_or(wall, |t| t.min(wall)),
                        })
                    }
                    Incoming::Other { message_type } => {
                        tracing::info!(message_type, "unknown EventSub message type; ignored");
                        None
                    }
                    Incoming::Malformed { error } => {
                        tracing::warn!(%error, "malformed EventSub frame; ignored");
                        Some(SessionEvent::Rejected { error })
                    }
                }
            }
        }
    }

    /// A message from the old socket of a handover: its frames are delivered as usual; its
    /// end is checked, because an end without Twitch's close frame may have cut off frames
    /// sent before the successor's welcome.
    fn on_retired(&mut self, pos: usize, msg: ConnMsg, wall: SystemTime) -> Option<SessionEvent> {
        let lost = match msg {
            ConnMsg::Open => return None,
            ConnMsg::Text(text) => {
                let (incoming, sent_at) = parse_envelope(&text);
                if let Some(t) = sent_at {
                    self.retired[pos].last_frame_at = t.min(wall);
                }
                return match incoming {
                    Incoming::Notification { .. } | Incoming::Revocation { .. } => {
                        Some(SessionEvent::Frame {
                            text,
                            incoming,
                            received_at: wall,
                            sent_at: sent_at.map_or(wall, |t| t.min(wall)),
                        })
                    }
                    Incoming::Malformed { error } => Some(SessionEvent::Rejected { error }),
                    _ => None,
                };
            }
            // Twitch closed it (with a code): everything before its close frame was read.
            ConnMsg::Closed(LossReason::Closed { .. }) | ConnMsg::Drained { clean: true } => None,
            ConnMsg::Closed(reason) => Some(reason),
            ConnMsg::Drained { clean: false } => {
                Some(LossReason::Dropped("no close frame from Twitch after a handover".into()))
            }
        };
        let r = self.retired.swap_remove(pos);
        lost.map(|reason| {
            tracing::warn!(%reason, "the old socket of a handover ended uncleanly");
            SessionEvent::OldSocketLost {
                last_seen: r.last_frame_at,
                switched_at: r.switched_at,
                reason,
            }
        })
    }

    /// Waits for the next thing the owner must know. Cancel-safe.
    pub async fn next_event(&mut self) -> SessionEvent {
        loop {
            if let Some(ev) = self.on_timer() {
                return ev;
            }
            let deadline = self.deadline();
            tokio::select! {
                biased;
                m = self.rx.recv() => {
                    // The session holds a sender itself, so `None` cannot happen.
                    if let Some((id, msg)) = m
                        && let Some(ev) = self.on_message(id, msg)
                    {
                        return ev;
                    }
                }
                _ = sleep_until(self.boot_timer.as_mut(), deadline) => {}
            }
        }
    }
}

/// Waits for `deadline` (none: forever), on the suspend-aware timer when there is one.
/// Cancel-safe: an armed timer stays armed for the next call.
async fn sleep_until(timer: Option<&mut boot_timer::BootTimer>, deadline: Option<Instant>) {
    let Some(d) = deadline else { return std::future::pending().await };
    if let Some(t) = timer {
        match t.sleep_until(d).await {
            Ok(()) => return,
            Err(e) => tracing::warn!(error = %e, "suspend-aware timer failed; using tokio's"),
        }
    }
    tokio::time::sleep_until(d).await
}

#[cfg(target_os = "linux")]
mod boot_timer {
    //! A one-shot timer on `CLOCK_BOOTTIME`: "like CLOCK_MONOTONIC, except that it also includes
    //! any time that the system is suspended" (clock_gettime(2)); tokio's timers run on
    //! `CLOCK_MONOTONIC`, which stands still while suspended, so a keepalive deadline timed by
    //! tokio would come only `window` after the machine wakes. A timerfd on this clock fires as
    //! soon as it wakes if the deadline passed while it slept (timerfd_create(2)).
    use rustix::time::{
        Itimerspec, TimerfdClockId, TimerfdFlags, TimerfdTimerFlags, Timespec, timerfd_create,
        timerfd_settime,
    };
    use std::os::fd::OwnedFd;
    use tokio::io::unix::AsyncFd;
    use tokio::time::Instant;

    /// The timer and the deadline it is armed for.
    pub struct BootTimer {
        /// The timerfd, registered with tokio's reactor.
        fd: AsyncFd<OwnedFd>,
        /// The (monotonic) deadline the timer was last armed for; `None` after it fired.
        armed: Option<Instant>,
    }

    impl BootTimer {
        pub fn new() -> std::io::Result<Self> {
            let fd = timerfd_create(
                TimerfdClockId::Boottime,
                TimerfdFlags::NONBLOCK | TimerfdFlags::CLOEXEC,
            )?;
            // SAFETY: the `OwnedFd` is a valid timerfd that nothing replaces or closes while
            // the `AsyncFd` owns it (tokio's requirement for `register`).
            let fd = unsafe { AsyncFd::register(fd)? };
            Ok(Self { fd, armed: None })
        }

        /// Waits until `deadline` has passed, counting suspended time. Re-arms only when the
        /// deadline changed (setting a timerfd clears its expirations, timerfd_create(2)).
        pub async fn sleep_until(&mut self, deadline: Instant) -> std::io::Result<()> {
            if self.armed != Some(deadline) {
                let left = deadline.saturating_duration_since(Instant::now());
                if left.is_zero() {
                    return Ok(());
                }
                let zero = Timespec { tv_sec: 0, tv_nsec: 0 };
                let value = Timespec {
                    tv_sec: i64::try_from(left.as_secs()).unwrap_or(i64::MAX),
                    tv_nsec: i64::from(left.subsec_nanos()),
                };
                timerfd_settime(
                    self.fd.get_ref(),
                    TimerfdTimerFlags::empty(),
                    &Itimerspec { it_interval: zero, it_value: value },
                )?;
                self.armed = Some(deadline);
            }
            loop {
                let mut ready = self.fd.readable().await?;
                let mut expirations = [0u8; 8];
                match rustix::io::read(ready.get_inner(), &mut expirations) {
                    Ok(_) => {
                        self.armed = None;
                        return Ok(());
                    }
                    Err(rustix::io::Errno::AGAIN) => ready.clear_ready(),
                    Err(e) => return Err(e.into()),
                }
            }
        }
    }

    #[cfg(test)]
    mod tests {
        use super::*;
        use std::time::Duration;

        #[tokio::test]
        async fn fires_at_its_deadline_and_follows_a_moved_one() {
            let mut t = BootTimer::new().expect("timerfd");
            let start = Instant::now();
            t.sleep_until(start + Duration::from_millis(30)).await.expect("sleep");
            assert!(start.elapsed() >= Duration::from_millis(30), "{:?}", start.elapsed());
            // Armed for a far deadline, then moved closer (a frame moved the keepalive window):
            // the new deadline counts, not the old one.
            let far = Instant::now() + Duration::from_secs(3600);
            let cancelled = tokio::time::timeout(Duration::from_millis(10), t.sleep_until(far));
            assert!(cancelled.await.is_err(), "a deadline an hour away must not fire");
            let near = Instant::now() + Duration::from_millis(20);
            tokio::time::timeout(Duration::from_secs(5), t.sleep_until(near))
                .await
                .expect("the moved deadline fires")
                .expect("sleep");
            assert!(Instant::now() >= near);
            // A deadline already past returns at once.
            t.sleep_until(Instant::now()).await.expect("past deadline");
        }
    }
}

/// No suspend-aware clock on this platform: the wall clock is looked at periodically instead
/// (`SessionConfig::wall_check_interval`).
#[cfg(not(target_os = "linux"))]
mod boot_timer {
    use tokio::time::Instant;

    pub struct BootTimer;

    impl BootTimer {
        pub fn new() -> std::io::Result<Self> {
            Err(std::io::Error::new(std::io::ErrorKind::Unsupported, "no CLOCK_BOOTTIME here"))
        }

        pub async fn sleep_until(&mut self, _deadline: Instant) -> std::io::Result<()> {
            Ok(())
        }
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        self.stop();
    }
}

/// How long a closing socket may stay silent before its closing handshake is given up.
const DRAIN_IDLE: Duration = Duration::from_secs(2);

/// One socket: connect, forward text frames, close with 1000 when told. Pongs are sent by
/// tungstenite while reading; nothing else is ever sent (twitch.md §1.1).
async fn run_socket(
    id: u64,
    url: Url,
    tx: mpsc::Sender<(u64, ConnMsg)>,
    mut close_rx: oneshot::Receiver<()>,
    connect_timeout: Duration,
) {
    let connect =
        tokio::time::timeout(connect_timeout, tokio_tungstenite::connect_async(url.as_str()));
    let mut ws = tokio::select! {
        _ = &mut close_rx => return,
        r = connect => match r {
            Ok(Ok((ws, _))) => ws,
            Ok(Err(e)) => {
                let _ = tx.send((id, ConnMsg::Closed(LossReason::ConnectFailed(e.to_string())))).await;
                return;
            }
            Err(_) => {
                let _ = tx
                    .send((id, ConnMsg::Closed(LossReason::ConnectFailed("timed out".into()))))
                    .await;
                return;
            }
        }
    };
    if tx.send((id, ConnMsg::Open)).await.is_err() {
        return;
    }
    let reason = loop {
        tokio::select! {
            biased;
            r = &mut close_rx => {
                if r.is_ok() {
                    let frame = CloseFrame { code: CloseCode::Normal, reason: "".into() };
                    let _ = tokio::time::timeout(DRAIN_IDLE, ws.close(Some(frame))).await;
                    // Read until Twitch's close frame so the close completes. Frames already
                    // on the wire were sent before the successor's welcome (twitch.md §1.3
                    // step 3): pass every one on. Only silence from the server ends this
                    // early, never a consumer that is slow to take them. No close frame means
                    // frames may have been cut off: the owner is told.
                    let mut clean = false;
                    while let Ok(Some(Ok(m))) = tokio::time::timeout(DRAIN_IDLE, ws.next()).await {
                        let sent = match m {
                            Message::Text(t) => tx.send((id, ConnMsg::Text(Arc::from(t.as_str())))).await.is_ok(),
                            Message::Close(_) => {
                                clean = true;
                                true
                            }
                            _ => true,
                        };
                        if !sent {
                            return;
                        }
                    }
                    let _ = tx.send((id, ConnMsg::Drained { clean })).await;
                }
                return;
            }
            m = ws.next() => match m {
                Some(Ok(Message::Text(t))) => {
                    if tx.send((id, ConnMsg::Text(Arc::from(t.as_str())))).await.is_err() {
                        return;
                    }
                }
                Some(Ok(Message::Close(frame))) => {
                    break match frame {
                        Some(f) => LossReason::Closed { code: u16::from(f.code), reason: f.reason.as_str().to_owned() },
                        None => LossReason::Dropped("closed without a code".into()),
                    };
                }
                // Pings are answered by tungstenite itself; binary frames are not EventSub.
                Some(Ok(_)) => {}
                Some(Err(e)) => break LossReason::Dropped(e.to_string()),
                None => break LossReason::Dropped("connection ended".into()),
            }
        }
    };
    let _ = tx.send((id, ConnMsg::Closed(reason))).await;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn welcome_from_the_docs_is_read() {
        let t = r#"{"metadata":{"message_id":"96a3f3b5-5dec-4eed-908e-e11ee657416c","message_type":"session_welcome","message_timestamp":"2023-07-19T14:56:51.634234626Z"},"payload":{"session":{"id":"AQoQILE98gtqShGmLD7AM6yJThAB","status":"connected","connected_at":"2023-07-19T14:56:51.616329898Z","keepalive_timeout_seconds":10,"reconnect_url":null}}}"#;
        assert_eq!(
            parse_control(t),
            Incoming::Welcome {
                session_id: "AQoQILE98gtqShGmLD7AM6yJThAB".into(),
                keepalive_secs: 10
            }
        );
    }

    #[test]
    fn pitfall_03_session_reconnect_is_the_message_type_not_reconnect() {
        let t = r#"{"metadata":{"message_id":"m","message_type":"session_reconnect","message_timestamp":"2023-07-19T14:56:51.634234626Z"},"payload":{"session":{"id":"S","status":"reconnecting","keepalive_timeout_seconds":null,"reconnect_url":"wss://cell-a.eventsub.wss.twitch.tv/ws?challenge=x&id=y","connected_at":"2023-07-19T14:56:51.616329898Z"}}}"#;
        assert_eq!(
            parse_control(t),
            Incoming::Reconnect {
                url: "wss://cell-a.eventsub.wss.twitch.tv/ws?challenge=x&id=y".into()
            }
        );
        let wrong = t.replace("session_reconnect", "reconnect");
        assert_eq!(parse_control(&wrong), Incoming::Other { message_type: "reconnect".into() });
    }

    #[test]
    fn garbage_is_malformed_never_a_panic() {
        for t in [
            "",
            "{",
            "[]",
            "null",
            r#"{"metadata":{}}"#,
            r#"{"metadata":{"message_id":"a","message_type":"notification"}}"#,
        ] {
            assert!(matches!(parse_control(t), Incoming::Malformed { .. }), "{t}");
        }
    }

    #[test]
    fn backoff_doubles_to_two_minutes_with_jitter() {
        let b = Backoff::default();
        for n in 0..12 {
            let d = b.delay(n);
            let full =
                Duration::from_secs(1).saturating_mul(2u32.pow(n)).min(Duration::from_secs(120));
            assert!(d <= full && d >= full / 2, "{n}: {d:?}");
        }
        let fixed = Backoff { jitter: false, ..Backoff::default() };
        assert_eq!(fixed.delay(0), Duration::from_secs(1));
        assert_eq!(fixed.delay(3), Duration::from_secs(8));
        assert_eq!(fixed.delay(30), Duration::from_secs(120));
    }

    #[test]
    fn the_keepalive_request_must_be_in_twitchs_range() {
        let mut c = SessionConfig::new(Url::parse("ws://127.0.0.1:1/ws").expect("url"));
        c.keepalive_request = Some(30);
        assert_eq!(
            c.connect_url().expect("ok").as_str(),
            "ws://127.0.0.1:1/ws?keepalive_timeout_seconds=30"
        );
        c.keepalive_request = Some(5);
        assert!(c.connect_url().is_err());
        c.keepalive_request = None;
        c.url = Url::parse("http://x/ws").expect("url");
        assert!(c.connect_url().is_err());
    }

    #[test]
    fn every_close_code_has_a_meaning() {
        for code in 4000..=4007 {
            assert_ne!(close_code_meaning(code), "unknown close code", "{code}");
        }
        let r = LossReason::Closed { code: 4007, reason: "invalid reconnect attempt".into() };
        assert!(r.to_string().contains("invalid reconnect"));
    }
}
