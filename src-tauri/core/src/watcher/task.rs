//! The watcher task: its state, its loop, the channels it is asked to watch, and what the
//! session tells it (connected, welcomed, handed over, lost). Reconciles are in
//! `reconcile.rs`, frames in `frames.rs`, the live-status poll in `poll.rs`.

use super::handle::Command;
use super::{
    ConnectionState, SIGNED_OUT, STOPPED, SubscriptionReport, WatchUpdate, WatchedChannel,
    WatcherConfig, WatcherError, WatcherHandle,
};
use crate::Endpoints;
use crate::eventsub::dedupe::Dedupe;
use crate::eventsub::planner::Role;
use crate::eventsub::reconciler::{ActiveSub, ReconcileError, Reconciled};
use crate::eventsub::session::{Backoff, Session, SessionEvent};
use crate::feed::gaps::GapTracker;
use crate::feed::{Feed, FeedConfig};
use crate::helix::{Helix, HelixError, Stream};
use crate::token::{TokenError, TokenSource};
use chrono::{DateTime, Utc};
use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};
use std::sync::Arc;
use std::time::{Duration, SystemTime};
use tokio::sync::{broadcast, mpsc, watch};
use tokio::task::JoinHandle;

/// The task's state.
pub(super) struct Task {
    pub(super) config: WatcherConfig,
    pub(super) helix: Helix,
    pub(super) session: Session,
    pub(super) channels: Vec<WatchedChannel>,
    /// Enabled subscriptions by Twitch id.
    pub(super) active: HashMap<String, ActiveSub>,
    /// `(type, channel)` Twitch refused (403), with the reason.
    pub(super) denied: BTreeMap<(String, String), String>,
    /// Last planner skips, for the report.
    pub(super) skipped: Vec<(String, String, String)>,
    pub(super) poll_live: Vec<String>,
    /// The running reconcile and the session it is for.
    pub(super) reconcile: Option<JoinHandle<Result<Reconciled, ReconcileError>>>,
    /// The session id that reconcile works on.
    pub(super) reconcile_session: Option<String>,
    /// The channels that reconcile plans for (a channel added meanwhile waits for the next
    /// one rather than being polled as if it were over the budget).
    pub(super) reconcile_channels: HashSet<String>,
    /// The plan changed while a reconcile ran: run another.
    pub(super) dirty: bool,
    /// Between `session_reconnect` and the successor's welcome. Twitch moves the
    /// subscriptions to the successor meanwhile (docs/twitch.md §1.3 steps 3–4), so no reconcile
    /// may run then: working on the old session id it would delete the moved subscriptions
    /// as orphans, or create ones that stay behind on a socket about to close.
    pub(super) handover: bool,
    /// A reconcile was wanted (or cut short) during the handover: run it on the successor.
    pub(super) reconcile_after_handover: bool,
    /// The session was welcomed fresh and no reconcile has finished on it yet: nothing of ours
    /// is on it, so the reconcile creates first and cleans up after (`reconciler::Start`), to
    /// beat the 4003 deadline (docs/twitch.md §1.1).
    pub(super) fresh_session: bool,
    /// The id of the session's last welcome: the current session once welcomed.
    pub(super) welcomed: Option<String>,
    /// Ids the current session had before handovers: Twitch may list the carried-over
    /// subscriptions under any of them (docs/twitch.md §9 "The session id after
    /// `session_reconnect`"), so a reconcile must not take them for another session's.
    pub(super) handed_over: Vec<String>,
    /// This watcher's earlier sessions that ended, newest last (at most
    /// [`ENDED_SESSIONS_KEPT`]): what is still listed on them is dead and may be deleted.
    pub(super) ended_sessions: VecDeque<String>,
    /// Channels that may have a working subscription on the current session: those of every
    /// reconcile started on it, finished or not (a reconcile cut short may still have created
    /// some). A lost connection gives all of them a gap, not only those known to be enabled.
    pub(super) maybe_subscribed: HashSet<String>,
    /// When to retry a reconcile that failed on the network.
    pub(super) reconcile_retry_at: Option<tokio::time::Instant>,
    /// When events may have been missed, until the next successful reconcile (the only
    /// place a gap is decided: `feed/gaps.rs`).
    pub(super) gaps: GapTracker,
    /// Message ids already shown (docs/twitch.md §1.7), bounded memory.
    pub(super) seen: Dedupe,
    /// Frames → rows (the same normaliser `tev replay` uses).
    pub(super) feed: Feed,
    /// Frames the feed's parser rejected.
    pub(super) rejected: u64,
    pub(super) state: watch::Sender<ConnectionState>,
    pub(super) subs: watch::Sender<SubscriptionReport>,
    pub(super) updates: broadcast::Sender<WatchUpdate>,
    /// The live-status poll in flight.
    pub(super) poll: Option<JoinHandle<Result<Vec<Stream>, HelixError>>>,
    /// When to poll next.
    pub(super) next_poll: tokio::time::Instant,
    /// Last polled live status per channel.
    pub(super) live: HashMap<String, bool>,
    /// Total cost figures from the last reconcile.
    pub(super) cost: (u32, u32),
    /// The channel ids the token user moderates, for whom, and when they were listed.
    pub(super) moderated: Option<(tokio::time::Instant, String, HashSet<String>)>,
    /// Reconciles in a row that could not get a token because Twitch's token endpoint was out
    /// of reach: the next try waits longer (a network error, never a reason to give up).
    pub(super) token_unreachable: u32,
}

/// How many ended sessions a watcher remembers. Twitch lists a disconnected session's
/// subscriptions for about an hour (docs/twitch.md §1.4), and a fresh session comes at most
/// every few seconds after backoff; the oldest ones are cleaned up by the first reconciles
/// after they end.
const ENDED_SESSIONS_KEPT: usize = 32;

/// The longest wait between two tries when Twitch's token endpoint cannot be reached.
const TOKEN_RETRY_MAX: Duration = Duration::from_secs(30);

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
        // exist again) and adds those gap rows itself (`gaps`); the feed's own
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
        fresh_session: false,
        welcomed: None,
        handed_over: Vec::new(),
        ended_sessions: VecDeque::new(),
        maybe_subscribed: HashSet::new(),
        reconcile_retry_at: None,
        gaps: GapTracker::default(),
        state: state_tx,
        subs: subs_tx,
        updates: upd_tx.clone(),
        poll: None,
        next_poll: tokio::time::Instant::now(),
        live: HashMap::new(),
        cost: (0, 0),
        moderated: None,
        token_unreachable: 0,
    };
    tokio::spawn(task.run(cmd_rx));
    Ok(WatcherHandle { cmd: cmd_tx, state: state_rx, subs: subs_rx, updates: upd_tx })
}

pub(super) fn utc(t: SystemTime) -> DateTime<Utc> {
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
                        self.set_state(ConnectionState::Failed { reason: STOPPED.into() });
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
        // The last word before the channel closes: whoever shows this state (a panel) must
        // not keep saying "connected" for a socket that is gone.
        self.set_state(ConnectionState::Failed { reason: STOPPED.into() });
    }

    pub(super) fn set_state(&self, s: ConnectionState) {
        self.state.send_if_modified(|cur| {
            if *cur != s {
                *cur = s;
                true
            } else {
                false
            }
        });
    }

    pub(super) fn emit(&self, u: WatchUpdate) {
        // No receiver is fine (nobody listening yet).
        let _ = self.updates.send(u);
    }

    async fn on_command(&mut self, c: Command) {
        match c {
            Command::Add { login, role, background, updates, reply } => {
                let r = self.add(&login, role, background, updates).await;
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
            Command::SetModeration { login, on, reply } => {
                let login = login.trim().to_lowercase();
                let mut changed = false;
                let mut found = None;
                for c in self.channels.iter_mut().filter(|c| c.login == login) {
                    changed |= c.moderation != on;
                    c.moderation = on;
                    found = Some(c.clone());
                }
                // Turning it on plans again even when the flag was on already: after the new
                // login that brought its scopes, the plan (made with the old token's scopes)
                // left the moderation types out.
                if changed || (on && found.is_some()) {
                    self.replan();
                }
                let _ = reply.send(found);
            }
            Command::Retry => {
                if matches!(*self.state.borrow(), ConnectionState::Failed { .. }) {
                    self.set_state(ConnectionState::Connecting);
                    self.replan();
                }
            }
            Command::SignedOut { reply } => {
                self.signed_out();
                let _ = reply.send(());
            }
            Command::Shutdown { .. } => {}
        }
    }

    async fn add(
        &mut self,
        login: &str,
        role: Option<Role>,
        background: bool,
        updates: bool,
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
            // Kept whatever it is now: a background channel's alerts changed what it needs, or
            // a full channel (whose `channel.update` is planned anyway) remembers it for when
            // its window closes.
            if background && c.background_updates != updates {
                c.background_updates = updates;
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
            background_updates: background && updates,
            moderation: false,
        };
        self.feed.watch_channel(&ch.id, &ch.login);
        self.feed.name_channel(&ch.id, &ch.display_name);
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
            self.gaps.clear();
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

    /// The user signed out: the socket closes (its subscriptions end with it) and nothing is
    /// tried until [`WatcherHandle::retry`] after the next sign-in; the channels stay, and
    /// from now until their subscriptions are back they may miss events (a gap row then).
    fn signed_out(&mut self) {
        tracing::info!(channels = self.channels.len(), "signed out; the event watcher waits");
        self.stop_socket_with_gap();
        // What Twitch refused was refused to this login; the next one may be allowed more.
        self.denied.clear();
        self.token_unreachable = 0;
        self.reconcile_retry_at = None;
        self.set_state(ConnectionState::Failed { reason: SIGNED_OUT.into() });
        self.publish_report();
    }

    /// Closes the socket; every open channel that may have been subscribed may miss events
    /// from now until its subscriptions are back (the gap row comes with the next reconcile).
    fn stop_socket_with_gap(&mut self) {
        if let Some(r) = self.reconcile.take() {
            r.abort();
        }
        if self.session.is_running() {
            let now = (self.config.session.wall_clock)();
            let subscribed = self.possibly_subscribed();
            self.gaps.lost(now, self.channels.iter().map(|c| c.id.as_str()), &subscribed);
        }
        self.maybe_subscribed.clear();
        self.handover = false;
        self.reconcile_after_handover = false;
        self.session.stop();
        self.active.clear();
    }

    pub(super) fn fail(&mut self, e: TokenError, keep_socket: bool) {
        if let TokenError::Unreachable(why) = &e {
            // Twitch's token endpoint out of reach is a network error like any other: try
            // again later, longer each time, never give up (docs/twitch.md §8 backoff).
            let backoff = Backoff {
                initial: self.config.reconcile_retry,
                max: self.config.reconcile_retry.max(TOKEN_RETRY_MAX),
                jitter: true,
            };
            let delay = backoff.delay(self.token_unreachable);
            self.token_unreachable = self.token_unreachable.saturating_add(1);
            tracing::warn!(error = %why, retry_in = ?delay, "no token for the subscriptions; retrying");
            if let Some(r) = self.reconcile.take() {
                r.abort();
            }
            self.reconcile_retry_at = Some(tokio::time::Instant::now() + delay);
            if self.active.is_empty() {
                // Nothing is subscribed on this socket: say so rather than "connecting".
                self.set_state(ConnectionState::Reconnecting {
                    next_try_at: utc((self.config.session.wall_clock)() + delay),
                    reason: e.to_string(),
                });
            }
            return;
        }
        tracing::warn!(error = %e, keep_socket, "event watcher needs a new sign-in");
        if let Some(r) = self.reconcile.take() {
            r.abort();
        }
        if !keep_socket {
            self.stop_socket_with_gap();
        }
        self.set_state(ConnectionState::Failed { reason: e.to_string() });
        self.publish_report();
    }

    pub(super) fn publish_report(&self) {
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

    pub(super) fn on_session(&mut self, ev: SessionEvent) {
        match ev {
            SessionEvent::Connecting { attempt } => {
                tracing::info!(attempt, "connecting to EventSub");
                self.set_state(ConnectionState::Connecting);
            }
            SessionEvent::Welcome { session_id, handover, .. } => {
                self.handover = false;
                self.fresh_session = !handover;
                if handover {
                    if let Some(before) = self.welcomed.replace(session_id.clone()) {
                        self.handed_over.push(before);
                    }
                } else {
                    self.session_ended();
                    self.welcomed = Some(session_id.clone());
                }
                if handover {
                    // docs/twitch.md §1.3: subscriptions carried over; never resubscribe
                    // (pitfall 2).
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
                    self.gaps.reconcile_cut_short(now, open);
                }
            }
            SessionEvent::OldSocketLost { last_seen, switched_at, .. } => {
                // The session and its subscriptions are fine; only frames still on the old
                // socket may be gone, a gap with known ends (docs/twitch.md §1.3 step 3).
                let subscribed = self.possibly_subscribed();
                for u in self.gaps.old_socket_lost(last_seen, switched_at, &subscribed, &self.feed)
                {
                    self.emit(WatchUpdate::Feed(Arc::new(u)));
                }
            }
            SessionEvent::Lost { reason, last_seen, retry_at } => {
                self.handover = false;
                self.session_ended();
                self.reconcile_after_handover = false;
                let subscribed = self.possibly_subscribed();
                self.maybe_subscribed.clear();
                self.gaps.lost(last_seen, self.channels.iter().map(|c| c.id.as_str()), &subscribed);
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

    /// The current session (under every id it had) has ended: remember its ids as dead.
    fn session_ended(&mut self) {
        let ids = self.welcomed.take().into_iter().chain(self.handed_over.drain(..));
        self.ended_sessions.extend(ids);
        while self.ended_sessions.len() > ENDED_SESSIONS_KEPT {
            self.ended_sessions.pop_front();
        }
    }

    /// Channels with a subscription that is, or may be, enabled on the current session.
    fn possibly_subscribed(&self) -> HashSet<String> {
        let mut s = self.maybe_subscribed.clone();
        s.extend(self.active.values().map(|a| a.wanted.channel_id.clone()));
        s
    }
}
