//! The `Watcher`: one task that owns the EventSub socket and the subscription state.
//!
//! The app (and `tev watch`) talk to it through a [`WatcherHandle`]:
//! - [`WatcherHandle::add_channel`] / [`WatcherHandle::remove_channel`] (an mpsc to the task);
//! - [`WatcherHandle::state`]: a `watch` of [`ConnectionState`] (connecting, connected,
//!   reconnecting with the next try's time, failed with a reason);
//! - [`WatcherHandle::subscriptions`]: a `watch` of [`SubscriptionReport`] (what is enabled,
//!   what was left out and why, which channels' live status is polled);
//! - [`WatcherHandle::updates`]: a `broadcast` of [`WatchUpdate`]s — deduplicated
//!   notifications, gap markers, live status from polling, notices.
//!
//! One socket for the whole app (DESIGN.md "Data flow"); the planner decides the wanted set,
//! the reconciler makes Twitch match it after every fresh session, never after a handover
//! (twitch.md §7 pitfall 2). A fresh session that is not a handover, and a revocation, produce
//! a [`WatchUpdate::Gap`] for each affected channel: events between the last frame and the
//! new subscriptions may have been missed, because Twitch never replays (twitch.md §1.4).

use crate::Endpoints;
use crate::eventsub::dedupe::Dedupe;
use crate::eventsub::planner::{self, PlanInput, PlannedChannel, Role, SkipReason};
use crate::eventsub::protocol::{EnvelopeHead, parse_frame};
use crate::eventsub::reconciler::{self, ActiveSub, ReconcileError, Reconciled};
use crate::eventsub::session::{Incoming, LossReason, Session, SessionConfig, SessionEvent};
use crate::feed::{Feed, FeedConfig, FeedUpdate, GapReason};
use crate::helix::{Helix, HelixError, HelixOptions, Stream};
use crate::token::{TokenError, TokenSource};
use chrono::{DateTime, Utc};
use serde::Serialize;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;
use std::time::{Duration, SystemTime};
use tokio::sync::{broadcast, mpsc, oneshot, watch};
use tokio::task::JoinHandle;

/// Errors a handle call can return.
#[derive(Debug, thiserror::Error)]
pub enum WatcherError {
    /// The watcher task has stopped.
    #[error("the event watcher has stopped")]
    Stopped,
    /// No Twitch user has this login.
    #[error("no Twitch channel named {0}")]
    UnknownChannel(String),
    /// Helix failed while resolving the channel.
    #[error(transparent)]
    Helix(#[from] HelixError),
    /// Bad configuration.
    #[error("invalid watcher configuration: {0}")]
    Config(String),
}

/// The connection as the UI shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum ConnectionState {
    /// No channel open: no socket (an unused socket would be closed with 4003).
    Idle,
    /// Connecting and subscribing.
    Connecting,
    /// Subscribed and receiving.
    Connected,
    /// Lost; the next attempt starts at `next_try_at`.
    Reconnecting {
        /// When the next attempt starts.
        next_try_at: DateTime<Utc>,
        /// Why the connection was lost.
        reason: String,
    },
    /// Stopped trying until something changes (signed out, authorization revoked).
    Failed {
        /// What the user must do or know.
        reason: String,
    },
}

/// What is subscribed, for the UI and the tests.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct SubscriptionReport {
    /// The session the subscriptions live on.
    pub session_id: Option<String>,
    /// `(channel id, type)` of every enabled subscription.
    pub enabled: Vec<(String, String)>,
    /// `(channel id, type, reason)` of everything left out.
    pub skipped: Vec<(String, String, String)>,
    /// Channels whose live status comes from Helix `/streams` polling.
    pub poll_live: Vec<String>,
    /// Twitch's `total_cost` / `max_total_cost` after the last reconcile.
    pub total_cost: u32,
    pub max_total_cost: u32,
}

/// A channel the watcher serves.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WatchedChannel {
    /// Broadcaster id.
    pub id: String,
    /// Login.
    pub login: String,
    /// Display name.
    pub display_name: String,
    /// The token user's role there.
    pub role: Role,
    /// Watched without a window (only its go-live, at the lowest priority); see
    /// [`WatcherHandle::add_background_channel`].
    pub background: bool,
}

/// What the watcher broadcasts.
#[derive(Debug, Clone)]
pub enum WatchUpdate {
    /// What the feed made of a frame (rows added/updated/removed, channel state), including
    /// `gap` rows for lost connections and revocations. Apply these to `RecentEvents`.
    /// Shared, not copied: every receiver of the broadcast gets the same update.
    Feed(Arc<FeedUpdate>),
    /// A notification, first copy only (deduplicated by `message_id`, twitch.md §1.7),
    /// before the feed; sent just before the [`WatchUpdate::Feed`] updates it produced. (The
    /// frame itself is not in it: the watcher runs the feed, and a frame held in the broadcast
    /// until the slowest receiver had it only made a burst cost more memory; issue 9.)
    Notification {
        /// The channel it belongs to (by its subscription), if known.
        channel_id: Option<String>,
        /// `metadata.message_id`.
        message_id: String,
        /// `metadata.subscription_type`.
        sub_type: String,
        /// Arrival time.
        received_at: DateTime<Utc>,
    },
    /// Events of `channel_id` between `from` and `to` may have been missed (the watcher's own
    /// signal; the feed's `gap` rows come as [`WatchUpdate::Feed`]).
    Gap {
        channel_id: String,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        /// Why (connection lost, revoked …).
        reason: String,
    },
    /// Live status from Helix polling, for channels without stream.online/offline.
    Live {
        channel_id: String,
        /// The stream when live, `None` when offline.
        stream: Option<Box<Stream>>,
    },
    /// Something the user should see (a refused subscription, a revocation).
    Notice { channel_id: Option<String>, message: String },
}

/// Tuning of the watcher.
#[derive(Debug, Clone)]
pub struct WatcherConfig {
    /// The socket.
    pub session: SessionConfig,
    /// Helix timeouts.
    pub helix: HelixOptions,
    /// How often live status is polled for channels over the budget.
    pub poll_interval: Duration,
    /// Delay before retrying a reconcile that failed on the network.
    pub reconcile_retry: Duration,
    /// How many message ids the dedupe remembers (bounded memory).
    pub dedupe_capacity: usize,
    /// Capacity of the update broadcast.
    pub broadcast_capacity: usize,
}

impl WatcherConfig {
    /// Production defaults for these endpoints.
    pub fn new(endpoints: &Endpoints) -> Self {
        Self {
            session: SessionConfig::new(endpoints.eventsub_ws.clone()),
            helix: HelixOptions::default(),
            poll_interval: Duration::from_secs(60),
            reconcile_retry: Duration::from_secs(2),
            dedupe_capacity: Dedupe::DEFAULT_CAPACITY,
            broadcast_capacity: 4096,
        }
    }
}

enum Command {
    Add {
        login: String,
        role: Option<Role>,
        /// Only its go-live, for a notification (no window).
        background: bool,
        reply: oneshot::Sender<Result<WatchedChannel, WatcherError>>,
    },
    Remove {
        login: String,
        reply: oneshot::Sender<bool>,
    },
    Demote {
        login: String,
        reply: oneshot::Sender<bool>,
    },
    Retry,
    Shutdown {
        reply: oneshot::Sender<()>,
    },
}

/// The app's handle to the watcher task. Cheap to clone.
#[derive(Clone)]
pub struct WatcherHandle {
    /// Commands to the task.
    cmd: mpsc::Sender<Command>,
    /// Connection state.
    state: watch::Receiver<ConnectionState>,
    /// Subscription report.
    subs: watch::Receiver<SubscriptionReport>,
    /// Updates (new receivers via `subscribe`).
    updates: broadcast::Sender<WatchUpdate>,
}

impl WatcherHandle {
    /// Starts watching `login` (resolved through Helix). `role`: the user's role there if the
    /// app knows it; otherwise it is detected: broadcaster when the channel is the token
    /// user's own, moderator when Helix lists it among the user's moderated channels (with
    /// the `user:read:moderated_channels` scope), else viewer.
    pub async fn add_channel(
        &self,
        login: &str,
        role: Option<Role>,
    ) -> Result<WatchedChannel, WatcherError> {
        self.ask(|reply| Command::Add { login: login.to_string(), role, background: false, reply })
            .await?
    }

    /// Watches `login` in the background: only `stream.online` (for a go-live notification),
    /// planned after the live status of every channel with a window. A later
    /// [`add_channel`](Self::add_channel) of the same login makes it a full channel; a full
    /// channel stays full.
    pub async fn add_background_channel(
        &self,
        login: &str,
    ) -> Result<WatchedChannel, WatcherError> {
        self.ask(|reply| Command::Add {
            login: login.to_string(),
            role: None,
            background: true,
            reply,
        })
        .await?
    }

    /// Puts a full channel back into the background (its window closed, but it is still the
    /// favourite); true if it was watched.
    pub async fn demote_channel(&self, login: &str) -> Result<bool, WatcherError> {
        self.ask(|reply| Command::Demote { login: login.to_string(), reply }).await
    }

    /// Stops watching `login`; true if it was watched.
    pub async fn remove_channel(&self, login: &str) -> Result<bool, WatcherError> {
        self.ask(|reply| Command::Remove { login: login.to_string(), reply }).await
    }

    /// Sends the command `make` builds around a reply channel and waits for the task's answer.
    async fn ask<T>(
        &self,
        make: impl FnOnce(oneshot::Sender<T>) -> Command,
    ) -> Result<T, WatcherError> {
        let (reply, rx) = oneshot::channel();
        self.cmd.send(make(reply)).await.map_err(|_| WatcherError::Stopped)?;
        rx.await.map_err(|_| WatcherError::Stopped)
    }

    /// Tries again after `Failed` (e.g. after signing in again).
    pub async fn retry(&self) -> Result<(), WatcherError> {
        self.cmd.send(Command::Retry).await.map_err(|_| WatcherError::Stopped)
    }

    /// The connection state channel.
    pub fn state(&self) -> watch::Receiver<ConnectionState> {
        self.state.clone()
    }

    /// The subscription report channel.
    pub fn subscriptions(&self) -> watch::Receiver<SubscriptionReport> {
        self.subs.clone()
    }

    /// A new receiver of updates (from now on).
    pub fn updates(&self) -> broadcast::Receiver<WatchUpdate> {
        self.updates.subscribe()
    }

    /// Closes the socket and ends the task.
    pub async fn shutdown(&self) {
        let (reply, rx) = oneshot::channel();
        if self.cmd.send(Command::Shutdown { reply }).await.is_ok() {
            let _ = rx.await;
        }
    }
}

/// The task's state.
struct Task {
    config: WatcherConfig,
    helix: Helix,
    session: Session,
    channels: Vec<WatchedChannel>,
    /// Enabled subscriptions by Twitch id.
    active: HashMap<String, ActiveSub>,
    /// `(type, channel)` Twitch refused (403), with the reason.
    denied: BTreeMap<(String, String), String>,
    /// Last planner skips, for the report.
    skipped: Vec<(String, String, String)>,
    poll_live: Vec<String>,
    /// The running reconcile and the session it is for.
    reconcile: Option<JoinHandle<Result<Reconciled, ReconcileError>>>,
    /// The session id that reconcile works on.
    reconcile_session: Option<String>,
    /// The channels that reconcile plans for (a channel added meanwhile waits for the next
    /// one rather than being polled as if it were over the budget).
    reconcile_channels: HashSet<String>,
    /// The plan changed while a reconcile ran: run another.
    dirty: bool,
    /// Between `session_reconnect` and the successor's welcome. Twitch moves the
    /// subscriptions to the successor meanwhile (twitch.md §1.3 steps 3–4), so no reconcile
    /// may run then: working on the old session id it would delete the moved subscriptions
    /// as orphans, or create ones that stay behind on a socket about to close.
    handover: bool,
    /// A reconcile was wanted (or cut short) during the handover: run it on the successor.
    reconcile_after_handover: bool,
    /// Channels that may have a working subscription on the current session: those of every
    /// reconcile started on it, finished or not (a reconcile cut short may still have created
    /// some). A lost connection gives all of them a gap, not only those known to be enabled.
    maybe_subscribed: HashSet<String>,
    /// When to retry a reconcile that failed on the network.
    reconcile_retry_at: Option<tokio::time::Instant>,
    /// Channels that may have missed events since the time given, closed by the next
    /// successful reconcile.
    pending_gaps: BTreeMap<String, (SystemTime, String, bool)>,
    /// Message ids already shown (twitch.md §1.7), bounded memory.
    seen: Dedupe,
    /// Frames → rows (the same normaliser `tev replay` uses).
    feed: Feed,
    /// Frames the feed's parser rejected.
    rejected: u64,
    state: watch::Sender<ConnectionState>,
    subs: watch::Sender<SubscriptionReport>,
    updates: broadcast::Sender<WatchUpdate>,
    /// The live-status poll in flight.
    poll: Option<JoinHandle<Result<Vec<Stream>, HelixError>>>,
    /// When to poll next.
    next_poll: tokio::time::Instant,
    /// Last polled live status per channel.
    live: HashMap<String, bool>,
    /// Total cost figures from the last reconcile.
    cost: (u32, u32),
    /// The channel ids the token user moderates, for whom, and when they were listed.
    moderated: Option<(tokio::time::Instant, String, HashSet<String>)>,
}

/// Spawns the watcher task. Needs a tokio runtime; a rustls crypto provider must be installed
/// by the caller when the endpoints are `wss://`.
pub fn spawn(
    endpoints: &Endpoints,
    tokens: Arc<dyn TokenSource>,
    config: WatcherConfig,
) -> Result<WatcherHandle, WatcherError> {
    let helix = Helix::with_options(endpoints.helix.clone(), tokens, config.helix.clone())?;
    let session =
        Session::new(config.session.clone()).map_err(|e| WatcherError::Config(e.to_string()))?;
    let (cmd_tx, cmd_rx) = mpsc::channel(64);
    let (state_tx, state_rx) = watch::channel(ConnectionState::Idle);
    let (subs_tx, subs_rx) = watch::channel(SubscriptionReport::default());
    let (upd_tx, _) = broadcast::channel(config.broadcast_capacity.max(16));
    let task = Task {
        seen: Dedupe::with_capacity(config.dedupe_capacity),
        // The watcher knows better than the frames when a gap ends (when the subscriptions
        // exist again) and adds those gap rows itself (`gap_all`); the feed's own
        // new-session gap would show every lost connection twice.
        feed: Feed::new(FeedConfig { gap_on_new_session: false, ..FeedConfig::default() }),
        rejected: 0,
        config,
        helix,
        session,
        channels: Vec::new(),
        active: HashMap::new(),
        denied: BTreeMap::new(),
        skipped: Vec::new(),
        poll_live: Vec::new(),
        reconcile: None,
        reconcile_session: None,
        reconcile_channels: HashSet::new(),
        dirty: false,
        handover: false,
        reconcile_after_handover: false,
        maybe_subscribed: HashSet::new(),
        reconcile_retry_at: None,
        pending_gaps: BTreeMap::new(),
        state: state_tx,
        subs: subs_tx,
        updates: upd_tx.clone(),
        poll: None,
        next_poll: tokio::time::Instant::now(),
        live: HashMap::new(),
        cost: (0, 0),
        moderated: None,
    };
    tokio::spawn(task.run(cmd_rx));
    Ok(WatcherHandle { cmd: cmd_tx, state: state_rx, subs: subs_rx, updates: upd_tx })
}

fn utc(t: SystemTime) -> DateTime<Utc> {
    DateTime::<Utc>::from(t)
}

async fn join<T>(h: &mut Option<JoinHandle<T>>) -> Option<T> {
    match h {
        Some(j) => {
            let r = j.await.ok();
            *h = None;
            r
        }
        None => std::future::pending().await,
    }
}

async fn sleep_opt(t: Option<tokio::time::Instant>) {
    match t {
        Some(t) => tokio::time::sleep_until(t).await,
        None => std::future::pending().await,
    }
}

impl Task {
    async fn run(mut self, mut cmd_rx: mpsc::Receiver<Command>) {
        loop {
            let poll_at =
                (!self.poll_live.is_empty() && self.poll.is_none()).then_some(self.next_poll);
            tokio::select! {
                biased;
                cmd = cmd_rx.recv() => match cmd {
                    None => break,
                    Some(Command::Shutdown { reply }) => {
                        self.session.stop();
                        let _ = reply.send(());
                        break;
                    }
                    Some(c) => self.on_command(c).await,
                },
                ev = self.session.next_event() => self.on_session(ev),
                r = join(&mut self.reconcile) => self.on_reconciled(r),
                r = join(&mut self.poll) => self.on_polled(r),
                _ = sleep_opt(self.reconcile_retry_at) => {
                    self.reconcile_retry_at = None;
                    self.start_reconcile();
                }
                _ = sleep_opt(poll_at) => self.start_poll(),
            }
        }
        if let Some(r) = self.reconcile.take() {
            r.abort();
        }
        if let Some(p) = self.poll.take() {
            p.abort();
        }
        self.session.stop();
    }

    fn set_state(&self, s: ConnectionState) {
        self.state.send_if_modified(|cur| {
            if *cur != s {
                *cur = s;
                true
            } else {
                false
            }
        });
    }

    fn emit(&self, u: WatchUpdate) {
        // No receiver is fine (nobody listening yet).
        let _ = self.updates.send(u);
    }

    async fn on_command(&mut self, c: Command) {
        match c {
            Command::Add { login, role, background, reply } => {
                let r = self.add(&login, role, background).await;
                let _ = reply.send(r);
            }
            Command::Demote { login, reply } => {
                let login = login.trim().to_lowercase();
                let mut found = false;
                let mut changed = false;
                for c in self.channels.iter_mut().filter(|c| c.login == login) {
                    found = true;
                    changed |= !c.background;
                    c.background = true;
                }
                if changed {
                    self.replan();
                }
                let _ = reply.send(found);
            }
            Command::Remove { login, reply } => {
                let login = login.trim().to_lowercase();
                let before = self.channels.len();
                for c in self.channels.iter().filter(|c| c.login == login) {
                    self.feed.unwatch_channel(&c.id);
                }
                self.channels.retain(|c| c.login != login);
                let removed = self.channels.len() != before;
                if removed {
                    self.replan();
                }
                let _ = reply.send(removed);
            }
            Command::Retry => {
                if matches!(*self.state.borrow(), ConnectionState::Failed { .. }) {
                    self.set_state(ConnectionState::Connecting);
                    self.replan();
                }
            }
            Command::Shutdown { .. } => {}
        }
    }

    async fn add(
        &mut self,
        login: &str,
        role: Option<Role>,
        background: bool,
    ) -> Result<WatchedChannel, WatcherError> {
        let login = login.trim().to_lowercase();
        if let Some(c) = self.channels.iter_mut().find(|c| c.login == login) {
            // A window for a channel watched in the background: it becomes a full channel.
            if c.background && !background {
                c.background = false;
                let c = c.clone();
                self.replan();
                return Ok(c);
            }
            return Ok(c.clone());
        }
        let users = self.helix.users(std::slice::from_ref(&login), &[]).await?;
        let user = users
            .into_iter()
            .find(|u| u.login.eq_ignore_ascii_case(&login))
            .ok_or_else(|| WatcherError::UnknownChannel(login.clone()))?;
        let creds = self.helix.credentials().await.ok();
        let me = creds.as_ref().map(|c| c.user_id.clone()).unwrap_or_default();
        let role = if user.id == me {
            Role::Broadcaster
        } else if let Some(r) = role {
            r
        } else if self.moderates(creds.as_ref(), &user.id).await {
            Role::Moderator
        } else {
            Role::Viewer
        };
        let ch = WatchedChannel {
            id: user.id,
            login: user.login,
            display_name: user.display_name,
            role,
            background,
        };
        self.feed.watch_channel(&ch.id, &ch.login);
        self.channels.push(ch.clone());
        self.replan();
        Ok(ch)
    }

    /// Whether the token user moderates `channel_id`, from Helix `GET /moderation/channels`
    /// (needs `user:read:moderated_channels`, asked for with the moderator opt-in; without
    /// it, or when Helix fails, the user counts as a viewer there). The list is kept for a
    /// minute so opening several channels costs one request.
    async fn moderates(
        &mut self,
        creds: Option<&crate::token::Credentials>,
        channel_id: &str,
    ) -> bool {
        let Some(creds) = creds else { return false };
        if !creds.scopes.iter().any(|s| s == crate::helix::MODERATED_CHANNELS_SCOPE) {
            return false;
        }
        let fresh = self.moderated.as_ref().is_some_and(|(at, user, _)| {
            *user == creds.user_id && at.elapsed() < Duration::from_secs(60)
        });
        if !fresh {
            match self.helix.moderated_channels(&creds.user_id).await {
                Ok(list) => {
                    let ids = list.into_iter().map(|c| c.broadcaster_id).collect();
                    self.moderated =
                        Some((tokio::time::Instant::now(), creds.user_id.clone(), ids));
                }
                Err(e) => {
                    tracing::warn!(error = %e, "could not list the channels the user moderates");
                    return false;
                }
            }
        }
        self.moderated.as_ref().is_some_and(|(_, _, ids)| ids.contains(channel_id))
    }

    /// The channels changed (or a retry): connect, disconnect, or reconcile.
    fn replan(&mut self) {
        if matches!(*self.state.borrow(), ConnectionState::Failed { .. }) {
            return;
        }
        if self.channels.is_empty() {
            self.session.stop();
            if let Some(r) = self.reconcile.take() {
                r.abort();
            }
            self.active.clear();
            self.pending_gaps.clear();
            self.poll_live.clear();
            self.set_state(ConnectionState::Idle);
            self.publish_report();
            return;
        }
        if !self.session.is_running() {
            self.session.start();
            self.set_state(ConnectionState::Connecting);
            return;
        }
        if self.session.session_id().is_some() {
            self.start_reconcile();
        }
    }

    fn start_reconcile(&mut self) {
        let Some(session_id) = self.session.session_id().map(str::to_string) else {
            return;
        };
        if self.reconcile.is_some() {
            self.dirty = true;
            return;
        }
        if self.handover {
            // twitch.md §1.3: wait for the successor's welcome (see `handover`).
            self.reconcile_after_handover = true;
            return;
        }
        self.dirty = false;
        let session_id_for_task = session_id.clone();
        let helix = self.helix.clone();
        let channels = self.channels.clone();
        let denied = self.denied.clone();
        let handle = tokio::spawn(async move {
            let creds = helix.credentials().await?;
            let input = PlanInput {
                user_id: creds.user_id.clone(),
                scopes: creds.scopes.clone(),
                channels: channels
                    .iter()
                    .map(|c| PlannedChannel {
                        broadcaster_id: c.id.clone(),
                        login: c.login.clone(),
                        role: c.role,
                        live_only: c.background,
                    })
                    .collect(),
                max_total_cost: planner::DEFAULT_MAX_TOTAL_COST,
                denied,
            };
            let plan = planner::plan(&input);
            let mut r = reconciler::reconcile(&helix, &session_id, &plan.subscriptions).await?;
            for s in plan.skipped {
                let why = match s.reason {
                    SkipReason::OverBudget => "over budget".to_string(),
                    other => other.to_string(),
                };
                r.failed.push((s.sub, why));
            }
            Ok(r)
        });
        tracing::debug!(session_id = session_id_for_task, "reconcile started");
        self.reconcile = Some(handle);
        self.reconcile_session = Some(session_id_for_task);
        self.reconcile_channels = self.channels.iter().map(|c| c.id.clone()).collect();
        self.maybe_subscribed.extend(self.reconcile_channels.iter().cloned());
    }

    fn on_reconciled(&mut self, r: Option<Result<Reconciled, ReconcileError>>) {
        let Some(r) = r else {
            return; // aborted or panicked: the next fresh session starts another
        };
        match r {
            Ok(r) => {
                if Some(r.session_id.as_str()) != self.session.session_id() {
                    // The session changed meanwhile: reconcile for the current one.
                    self.start_reconcile();
                    return;
                }
                tracing::debug!(session_id = r.session_id, active = r.active.len(), "reconciled");
                self.active = r.active.iter().map(|a| (a.id.clone(), a.clone())).collect();
                for (w, why) in &r.denied {
                    self.denied.insert((w.sub_type.clone(), w.channel_id.clone()), why.clone());
                    self.emit(WatchUpdate::Notice {
                        channel_id: Some(w.channel_id.clone()),
                        message: format!("{} is not available: {why}", w.sub_type),
                    });
                }
                self.skipped = r
                    .denied
                    .iter()
                    .chain(&r.failed)
                    .map(|(w, why)| (w.channel_id.clone(), w.sub_type.clone(), why.clone()))
                    .collect();
                self.poll_live = self.live_fallback();
                self.cost = (r.total_cost, r.max_total_cost);
                let now = (self.config.session.wall_clock)();
                let open: HashSet<&str> = self.channels.iter().map(|c| c.id.as_str()).collect();
                let mut lost_from: Option<SystemTime> = None;
                for (channel_id, (from, reason, lost)) in std::mem::take(&mut self.pending_gaps) {
                    if open.contains(channel_id.as_str()) {
                        if lost {
                            lost_from = Some(lost_from.map_or(from, |f| f.min(from)));
                        }
                        self.emit(WatchUpdate::Gap {
                            channel_id,
                            from: utc(from),
                            to: utc(now),
                            reason,
                        });
                    }
                }
                // The feed's `gap` rows for a lost connection (a revocation got its row from
                // the feed when the revocation frame went through it).
                if let Some(from) = lost_from {
                    let seed = format!("lost-{}", r.session_id);
                    let rows = self.feed.gap_all(
                        utc(from),
                        Some(utc(now)),
                        GapReason::ConnectionLost,
                        &seed,
                    );
                    for u in rows {
                        self.emit(WatchUpdate::Feed(Arc::new(u)));
                    }
                }
                if !r.active.is_empty() {
                    self.session.mark_healthy();
                }
                // Report first: whoever wakes on `Connected` sees what is subscribed.
                self.publish_report();
                self.set_state(ConnectionState::Connected);
                if self.dirty {
                    self.start_reconcile();
                }
            }
            Err(ReconcileError::SessionGone(why)) => {
                if self.reconcile_session.as_deref() != self.session.session_id() {
                    // It worked on a session that a handover replaced meanwhile: the current
                    // one is fine, reconcile it instead.
                    self.start_reconcile();
                } else if let Some(ev) = self.session.force_reconnect(&why) {
                    self.on_session(ev);
                }
            }
            Err(ReconcileError::Token(e)) => {
                // twitch.md §7 pitfall 11: a dead token does not kill a working socket; only a
                // fresh session that cannot be subscribed is given up.
                let keep_socket = !self.active.is_empty();
                self.fail(e, keep_socket)
            }
            Err(ReconcileError::Helix(e)) => {
                tracing::warn!(error = %e, "reconcile failed; retrying");
                self.reconcile_retry_at =
                    Some(tokio::time::Instant::now() + self.config.reconcile_retry);
            }
        }
    }

    /// Channels without both live types enabled.
    fn live_fallback(&self) -> Vec<String> {
        self.channels
            .iter()
            .filter(|c| self.reconcile_channels.contains(&c.id))
            .filter(|c| {
                let has = |t: &str| {
                    self.active
                        .values()
                        .any(|a| a.wanted.channel_id == c.id && a.wanted.sub_type == t)
                };
                !(has("stream.online") && has("stream.offline"))
            })
            .map(|c| c.id.clone())
            .collect()
    }

    fn fail(&mut self, e: TokenError, keep_socket: bool) {
        tracing::warn!(error = %e, keep_socket, "event watcher needs a new sign-in");
        if let Some(r) = self.reconcile.take() {
            r.abort();
        }
        if !keep_socket {
            self.session.stop();
            self.active.clear();
        }
        self.set_state(ConnectionState::Failed { reason: e.to_string() });
        self.publish_report();
    }

    fn publish_report(&self) {
        let mut enabled: Vec<(String, String)> = self
            .active
            .values()
            .map(|a| (a.wanted.channel_id.clone(), a.wanted.sub_type.clone()))
            .collect();
        enabled.sort();
        let report = SubscriptionReport {
            session_id: self.session.session_id().map(str::to_string),
            enabled,
            skipped: self.skipped.clone(),
            poll_live: self.poll_live.clone(),
            total_cost: self.cost.0,
            max_total_cost: self.cost.1,
        };
        self.subs.send_replace(report);
    }

    fn note_gap_start(
        &mut self,
        from: SystemTime,
        reason: &str,
        lost: bool,
        channels: impl IntoIterator<Item = String>,
    ) {
        for c in channels {
            let e = self.pending_gaps.entry(c).or_insert((from, reason.to_string(), lost));
            if from < e.0 {
                *e = (from, reason.to_string(), e.2 || lost);
            } else {
                e.2 |= lost;
            }
        }
    }

    fn on_session(&mut self, ev: SessionEvent) {
        match ev {
            SessionEvent::Connecting { attempt } => {
                tracing::info!(attempt, "connecting to EventSub");
                self.set_state(ConnectionState::Connecting);
            }
            SessionEvent::Welcome { session_id, handover, .. } => {
                self.handover = false;
                if handover {
                    // twitch.md §1.3: subscriptions carried over; never resubscribe (pitfall 2).
                    tracing::info!(session_id, "EventSub session moved (reconnect handover)");
                    self.publish_report();
                    if std::mem::take(&mut self.reconcile_after_handover) {
                        // A reconcile was due or cut short: list, delete orphans and create
                        // what is missing, now on the session that owns the subscriptions.
                        self.start_reconcile();
                    }
                } else {
                    self.reconcile_after_handover = false;
                    tracing::info!(session_id, "EventSub session welcomed; subscribing");
                    // Forget local subscription state (pitfall 5): the reconciler rebuilds it.
                    self.active.clear();
                    if let Some(r) = self.reconcile.take() {
                        r.abort();
                    }
                    self.start_reconcile();
                }
            }
            SessionEvent::Frame { text, incoming, received_at, sent_at } => {
                self.on_frame(text, incoming, received_at, sent_at)
            }
            SessionEvent::Rejected { .. } => {}
            SessionEvent::HandoverStarted => {
                tracing::info!(reconciling = self.reconcile.is_some(), "EventSub handover started");
                self.handover = true;
                if let Some(r) = self.reconcile.take() {
                    // A reconcile on the old session id must not overlap the move of the
                    // subscriptions (see `handover`). What it already did to them is unknown,
                    // so the open channels may miss events until the reconcile on the
                    // successor has made them whole again: a gap from now until then.
                    r.abort();
                    self.reconcile_after_handover = true;
                    let now = (self.config.session.wall_clock)();
                    let open: Vec<String> = self.channels.iter().map(|c| c.id.clone()).collect();
                    self.note_gap_start(
                        now,
                        "subscriptions were being changed while Twitch moved the connection",
                        true,
                        open,
                    );
                }
            }
            SessionEvent::OldSocketLost { last_seen, switched_at, reason } => {
                // The session and its subscriptions are fine; only frames still on the old
                // socket may be gone, a gap with known ends (twitch.md §1.3 step 3).
                let subscribed = self.possibly_subscribed();
                let why = gap_reason(&reason);
                for c in self.channels.iter().filter(|c| subscribed.contains(&c.id)) {
                    self.emit(WatchUpdate::Gap {
                        channel_id: c.id.clone(),
                        from: utc(last_seen),
                        to: utc(switched_at),
                        reason: why.clone(),
                    });
                }
                if !subscribed.is_empty() {
                    let seed =
                        format!("handover-{}", utc(switched_at).timestamp_nanos_opt().unwrap_or(0));
                    for u in self.feed.gap_all(
                        utc(last_seen),
                        Some(utc(switched_at)),
                        GapReason::ConnectionLost,
                        &seed,
                    ) {
                        self.emit(WatchUpdate::Feed(Arc::new(u)));
                    }
                }
            }
            SessionEvent::Lost { reason, last_seen, retry_at } => {
                self.handover = false;
                self.reconcile_after_handover = false;
                let had = self.channels.iter().map(|c| c.id.clone()).collect::<Vec<_>>();
                // Only channels that may have been subscribed can have missed anything.
                let subscribed = self.possibly_subscribed();
                self.maybe_subscribed.clear();
                let affected: Vec<String> =
                    had.into_iter().filter(|c| subscribed.contains(c)).collect();
                self.note_gap_start(last_seen, &gap_reason(&reason), true, affected);
                self.active.clear();
                if let Some(r) = self.reconcile.take() {
                    r.abort();
                }
                self.set_state(ConnectionState::Reconnecting {
                    next_try_at: utc(retry_at),
                    reason: reason.to_string(),
                });
                self.publish_report();
            }
        }
    }

    /// Channels with a subscription that is, or may be, enabled on the current session.
    fn possibly_subscribed(&self) -> HashSet<String> {
        let mut s = self.maybe_subscribed.clone();
        s.extend(self.active.values().map(|a| a.wanted.channel_id.clone()));
        s
    }

    fn on_frame(
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
                // The feed adds the revocation's `gap` row (open-ended, twitch.md §1.2).
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
                self.note_gap_start(
                    sent_at,
                    &format!("subscription revoked: {status}"),
                    false,
                    [channel.clone()],
                );
                match status.as_str() {
                    // twitch.md §8: authorization_revoked means sign out / sign in again.
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

    fn start_poll(&mut self) {
        let logins: Vec<String> = self
            .channels
            .iter()
            .filter(|c| self.poll_live.contains(&c.id))
            .map(|c| c.login.clone())
            .collect();
        self.next_poll = tokio::time::Instant::now() + self.config.poll_interval;
        if logins.is_empty() {
            return;
        }
        let helix = self.helix.clone();
        self.poll = Some(tokio::spawn(async move { helix.streams_by_login(&logins).await }));
    }

    fn on_polled(&mut self, r: Option<Result<Vec<Stream>, HelixError>>) {
        let streams = match r {
            Some(Ok(s)) => s,
            Some(Err(e)) => {
                tracing::warn!(error = %e, "live status poll failed");
                return;
            }
            None => return,
        };
        for id in self.poll_live.clone() {
            let stream = streams.iter().find(|s| s.user_id == id).cloned();
            let live = stream.is_some();
            if self.live.insert(id.clone(), live) != Some(live) {
                self.emit(WatchUpdate::Live { channel_id: id, stream: stream.map(Box::new) });
            }
        }
    }
}

fn gap_reason(r: &LossReason) -> String {
    format!("connection to Twitch lost ({r})")
}

/// The channel a frame is about, from its subscription condition (for notifications whose
/// subscription is unknown locally, e.g. right after a handover).
fn channel_of_frame(text: &str) -> Option<String> {
    EnvelopeHead::parse(text).ok()?.channel().map(str::to_owned)
}
