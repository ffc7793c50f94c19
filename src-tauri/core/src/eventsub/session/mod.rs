//! The EventSub WebSocket session: sockets, welcome, keepalive watchdog, reconnect handover.
//!
//! What it does, with the facts it follows:
//! - connects to the base URL (`Endpoints::eventsub_ws`, optionally with
//!   `?keepalive_timeout_seconds=N`, docs/twitch.md §1.1) and waits for `session_welcome` within a
//!   deadline;
//! - watches the keepalive: any notification or keepalive resets the timer; silence for
//!   longer than the welcome's `keepalive_timeout_seconds` plus a grace means the connection
//!   is dead (docs/twitch.md §1.2). It also compares the wall clock, because a suspended machine's
//!   monotonic clock stands still while Twitch gives up on us (docs/twitch.md §7 pitfall 9);
//! - on `session_reconnect` opens the successor at the given URL exactly as given, keeps
//!   reading the old socket until the successor's welcome, then closes the old one with 1000.
//!   Subscriptions carry over: the owner is told it was a handover and must not resubscribe
//!   (docs/twitch.md §1.3, §7 pitfalls 1–3). The URL is followed only to Twitch — `wss` on a
//!   `twitch.tv` host — or to the origin of the base URL (the simulator's, with
//!   `TEV_TWITCH_BASE_URL`); any other is a failed handover ([`reconnect_url_allowed`]);
//! - a WebSocket message or frame over [`MAX_MESSAGE_BYTES`] ends the socket (a loss, as
//!   below): EventSub messages are kilobytes, and nothing bigger is buffered;
//! - on any other loss (close codes 4000–4007 as docs/twitch.md §1.5, errors, timeouts) it goes
//!   back to the base URL — never a reconnect URL — after an exponential backoff with jitter
//!   (1 s → 2 min, docs/twitch.md §8), and tells the owner that a fresh session needs subscriptions
//!   and that events may have been missed since the last frame (docs/twitch.md §1.4);
//! - pongs are automatic (tungstenite answers pings while reading); the only thing it ever
//!   sends is the close frame of a handover or shutdown (docs/twitch.md §1.1: anything else
//!   is 4001).
//!
//! Parsing is separate from effects: every socket has a reader task that forwards raw frames;
//! [`parse_control`] turns a text frame into a small [`Incoming`] enum; one method,
//! [`Session::next_event`], acts on it and returns [`SessionEvent`]s to the owner (the
//! `Watcher`). `next_event` is cancel-safe, so the owner can `select!` on it.
//!
//! # Layout
//! - this file: the configuration, what the session tells its owner, the state of its sockets
//!   and [`Session::next_event`];
//! - `incoming.rs`: a text frame's envelope read into [`Incoming`];
//! - `handover.rs`: what a socket's message changes: welcomes, the `session_reconnect` handover
//!   to a successor, the old socket it retires;
//! - `watchdog.rs`: the deadlines (welcome, keepalive, wall clock, reconnect) and the
//!   suspend-aware timer;
//! - `socket.rs`: the connection loop of one socket.

mod arrivals;
mod handover;
mod incoming;
mod socket;
mod watchdog;

pub use incoming::{Incoming, parse_control, parse_envelope};

use rand::Rng;
use socket::{ConnMsg, run_socket};
use std::sync::Arc;
use std::time::{Duration, SystemTime};
use tokio::sync::{mpsc, oneshot};
use tokio::time::Instant;
use url::Url;
use watchdog::{boot_timer, sleep_until};

/// The keepalive window asked for in the connect URL (`keepalive_timeout_seconds`,
/// docs/twitch.md §1.1; Twitch allows 10–600 and uses 10 when asked for nothing).
///
/// One number sets two things that pull apart:
/// - **the subscribe deadline**: Twitch closes a session with 4003 when no subscription is
///   created within the window after the welcome, and a 4003 costs a reconnect and the events
///   sent meanwhile. The first create needs the token (a refresh when it expired), Helix, and
///   a point in the rate-limit bucket, which another copy of the app or a burst of our own
///   calls can have emptied;
/// - **how long a dead connection goes unnoticed**: a silent ("zombie") connection is only
///   known dead after the window plus [`SessionConfig::keepalive_grace`] without a frame, and
///   Twitch never replays what it sent meanwhile (docs/twitch.md §1.4).
///
/// Measured with `cargo bench -p tev-core --bench keepalive_window` (BENCHMARKS.md
/// "Keepalive window", 2026-12-07): the first subscription lands 0.01 s after a plain welcome,
/// 2 s after it with a slow Helix, and 5.8 / 13.8 / 31.9 s after it when the rate-limit bucket
/// is empty for 5 / 12 / 30 s; a silent connection leaves the watcher deaf for the window
/// plus ~10.6 s (20.6 s at 10, 30.5 s at 20, 40.7 s at 30), every event of that time lost.
/// Twitch's default 10 s is a 4003 for a bucket empty 12 s; 15 s leaves that case ~1 s of
/// margin; 20 s covers it with 6 s to spare at 10 s more deafness per dead connection (+50%),
/// where 30 s would cost +100% and still not cover a 30 s empty bucket (only 60 s does, at
/// three times the deafness). A 4003 is rare and heals itself (the next session finds the bucket
/// refilled); a dead connection is every network change or sleep. Hence 20.
pub const KEEPALIVE_WINDOW_SECS: u32 = 20;

/// Errors of this module (only configuration can fail; losses are events, not errors).
#[derive(Debug, thiserror::Error)]
pub enum SessionError {
    /// `keepalive_timeout_seconds` must be 10–600 (docs/twitch.md §1.1).
    #[error("keepalive_timeout_seconds must be between 10 and 600, got {0}")]
    BadKeepalive(u32),
    /// The base URL is not a ws:// or wss:// URL.
    #[error("the EventSub URL must be ws:// or wss://: {0}")]
    BadUrl(String),
}

/// The largest WebSocket message (and frame) read. EventSub messages are kilobytes: the
/// largest, a notification, carries one event
/// (https://dev.twitch.tv/docs/eventsub/handling-websocket-events/); tungstenite's own default
/// would buffer 64 MiB.
pub const MAX_MESSAGE_BYTES: usize = 1024 * 1024;

/// Whether a `session_reconnect` URL may be followed: `wss` on `twitch.tv` or one of its
/// subdomains (Twitch sends `wss://eventsub.wss.twitch.tv/ws?...`, docs/twitch.md §1.3), or the
/// same scheme, host and port as `base`, the URL the session was configured with (the
/// simulator's own, when `TEV_TWITCH_BASE_URL` points there; Twitch's in production).
pub fn reconnect_url_allowed(url: &Url, base: &Url) -> bool {
    let twitch = url.scheme() == "wss"
        && url.domain().is_some_and(|d| d == "twitch.tv" || d.ends_with(".twitch.tv"));
    twitch || url.origin() == base.origin()
}

/// Exponential backoff with jitter for reconnects after a loss (docs/twitch.md §8: 1 s → 2 min).
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
    /// `keepalive_timeout_seconds` to ask for (10–600), or none for Twitch's default (10).
    /// [`KEEPALIVE_WINDOW_SECS`] by default.
    pub keepalive_request: Option<u32>,
    /// Slack on top of the keepalive window before declaring the connection dead
    /// (docs/twitch.md §1.2: clients in the wild use up to 2× the window).
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
    /// machine wakes, with no wake-up a second while it is awake (BENCHMARKS.md "Idle").
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
            keepalive_request: Some(KEEPALIVE_WINDOW_SECS),
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

/// Why a session ended without a handover.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LossReason {
    /// Twitch closed the socket with this code (docs/twitch.md §1.5) and reason text.
    Closed { code: u16, reason: String },
    /// The socket ended without a close frame, or with a transport error.
    Dropped(String),
    /// The handshake failed.
    ConnectFailed(String),
    /// No `session_welcome` in time.
    WelcomeTimeout,
    /// No keepalive or notification within the window plus grace (docs/twitch.md §1.2).
    KeepaliveTimeout,
    /// The wall clock jumped past the window: the machine slept (docs/twitch.md §7 pitfall 9).
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
                let meaning = close_code_meaning(*code);
                write!(f, "Twitch closed the connection ({code} {meaning})")?;
                // A reason that only repeats the code's meaning (the simulator's, and Twitch's
                // own close reasons, docs/twitch.md §1.5) is said once.
                let reason = reason.trim();
                if !reason.is_empty() && !reason.eq_ignore_ascii_case(meaning) {
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

/// The meaning of an EventSub close code (docs/twitch.md §1.5).
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
    /// (docs/twitch.md §1.1). `handover == true`: subscriptions carried over; do nothing.
    Welcome {
        /// The new `session.id` (store it; docs/twitch.md §1.3 step 8).
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
    /// arrived (docs/twitch.md §1.3 step 3: until that welcome Twitch sends on the old socket).
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
    /// The session ended without a handover. Its subscriptions are gone (docs/twitch.md §1.4):
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

/// A socket left behind by a handover, read until it closes (docs/twitch.md §1.3 step 3).
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
/// app nothing; a larger queue only raised the memory a burst leaves behind
/// (BENCHMARKS.md "Growth"). The keepalive deadline counts from frames handled, and frames keep
/// being handled, so waiting here never looks like a silent connection.
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
    /// socket survives (docs/twitch.md §7 pitfall 14).
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
    /// "websocket transport session does not exist", docs/twitch.md §7 pitfall 9).
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
        // sent before the switch (docs/twitch.md §1.3 step 3): the gap starts at its last frame.
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

impl Drop for Session {
    fn drop(&mut self) {
        self.stop();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
    fn a_reconnect_url_is_followed_only_to_twitch_or_the_base_urls_origin() {
        let twitch = Url::parse("wss://eventsub.wss.twitch.tv/ws").expect("url");
        let sim = Url::parse("ws://127.0.0.1:4567/ws").expect("url");
        for ok in [
            "wss://eventsub.wss.twitch.tv/ws?challenge=x&id=y",
            "wss://cell-a.eventsub.wss.twitch.tv/ws",
            "wss://twitch.tv/ws",
            "wss://EventSub.WSS.Twitch.TV:443/ws",
        ] {
            assert!(reconnect_url_allowed(&Url::parse(ok).expect(ok), &twitch), "{ok}");
        }
        for bad in [
            "ws://eventsub.wss.twitch.tv/ws",
            "https://eventsub.wss.twitch.tv/ws",
            "wss://twitch.tv.example.com/ws",
            "wss://eviltwitch.tv/ws",
            "wss://eventsub.wss.twitch.tv@example.com/ws",
            "wss://127.0.0.1/ws",
            "ws://127.0.0.1:4567/ws",
        ] {
            assert!(!reconnect_url_allowed(&Url::parse(bad).expect(bad), &twitch), "{bad}");
        }
        let own = Url::parse("ws://127.0.0.1:4567/ws?challenge=x&id=y").expect("url");
        assert!(reconnect_url_allowed(&own, &sim), "the simulator's own origin");
        for bad in ["ws://127.0.0.2:4567/ws", "ws://127.0.0.1:4568/ws", "wss://127.0.0.1:4567/ws"] {
            assert!(!reconnect_url_allowed(&Url::parse(bad).expect(bad), &sim), "{bad}");
        }
    }

    #[test]
    fn every_close_code_has_a_meaning() {
        for code in 4000..=4007 {
            assert_ne!(close_code_meaning(code), "unknown close code", "{code}");
        }
        let r = LossReason::Closed { code: 4007, reason: "invalid reconnect attempt".into() };
        assert!(r.to_string().contains("invalid reconnect"));
    }

    /// The simulator (and Twitch, docs/twitch.md §1.5) may send the code's meaning as the close
    /// reason: the user reads it once, not "(4005 network timeout): network timeout".
    #[test]
    fn a_close_reason_that_repeats_the_codes_meaning_is_said_once() {
        let same = LossReason::Closed { code: 4005, reason: "Network Timeout ".into() };
        assert_eq!(same.to_string(), "Twitch closed the connection (4005 network timeout)");
        let other = LossReason::Closed { code: 4005, reason: "idle for 10 s".into() };
        assert_eq!(
            other.to_string(),
            "Twitch closed the connection (4005 network timeout): idle for 10 s"
        );
        let none = LossReason::Closed { code: 4006, reason: String::new() };
        assert_eq!(none.to_string(), "Twitch closed the connection (4006 network error)");
    }
}
