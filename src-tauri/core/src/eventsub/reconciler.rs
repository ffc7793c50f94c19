//! The reconciler: makes Twitch's subscriptions match the plan for the current session.
//!
//! On a session that may already have subscriptions: list what Twitch has, delete the
//! provably dead WebSocket subscriptions — those of this watcher's ended sessions (orphans of a
//! dirty disconnect still count against the cost and cause 409s, docs/twitch.md §1.4, §7
//! pitfalls 6–7) and those with a `websocket_*` failure status — but never another live
//! session's, which may be another copy of the app on the same account (docs/twitch.md §9 "Up
//! to 3 transports"); adopt what already matches on the current session (under any id it had
//! before a handover), create the rest.
//!
//! Right after a fresh welcome ([`Start::FreshSession`]) the order is the other way round:
//! **create first, clean up after**. Twitch closes a session with 4003 when no subscription
//! is created within the welcome's window (docs/twitch.md §1.1), and events are lost until the
//! subscriptions exist (§1.4), so the first call after a welcome is a create, not a list and a
//! round of deletes. Nothing can be on a new session yet, so there is nothing to adopt. When a
//! create answers 409 or 429 (orphans of a dirty drop in the way, §7 pitfalls 6–7), the
//! cleanup runs then, once, and the create is retried; otherwise it runs after the last create.
//! Create errors (docs/twitch.md §1.8):
//! - 403: the token user may not have that type; dropped with Twitch's reason;
//! - 409: adopted only if the existing subscription is on the current session; a provably dead
//!   one is deleted and the create retried once; another copy's is left to it;
//! - 429 "websocket transports limit": a fourth connection, [`ReconcileError::TooManyConnections`];
//! - 429 (cost or same type+condition): clean up the provably dead subscriptions, retry once;
//! - 401: the Helix client already asked the token owner for a fresh token once;
//! - 400 "session does not exist / has already disconnected": the session is gone, the caller
//!   must reconnect rather than retry (docs/twitch.md §7 pitfall 9).
//!
//! The result replaces all local "already subscribed" state (docs/twitch.md §7 pitfall 5).

use crate::eventsub::planner::WantedSub;
use crate::helix::{CreateSubscription, Helix, HelixError, Subscription, SubscriptionFilter};
use crate::token::TokenError;
use futures_util::future::join_all;

/// Why a reconcile stopped before finishing.
#[derive(Debug, thiserror::Error)]
pub enum ReconcileError {
    /// No usable token (signed out, or the refresh after a 401 failed).
    #[error(transparent)]
    Token(#[from] TokenError),
    /// Twitch says the WebSocket session no longer exists: reconnect, don't retry.
    #[error("the EventSub session is gone: {0}")]
    SessionGone(String),
    /// Twitch refused a fourth WebSocket connection for this user and Client ID (429 "number
    /// of websocket transports limit exceeded", docs/twitch.md §1.6): another copy must close.
    #[error("{TOO_MANY_CONNECTIONS}")]
    TooManyConnections,
    /// Twitch could not be reached or answered something unexpected.
    #[error(transparent)]
    Helix(HelixError),
}

/// What the user is told when Twitch refuses a fourth connection (docs/twitch.md §1.6): the
/// limit, and what to do about it.
pub const TOO_MANY_CONNECTIONS: &str = "Twitch allows three connections per account and app: \
     close another copy of Twitch Event Viewer (or tev watch) signed in to this account";

/// Twitch's 429 for a fourth transport (docs/twitch.md §1.6; body seen in
/// https://github.com/twurple/twurple/issues/616).
fn is_transport_limit(e: &HelixError) -> bool {
    e.status() == Some(429) && e.message_lower().contains("websocket transports limit")
}

impl From<HelixError> for ReconcileError {
    fn from(e: HelixError) -> Self {
        match e {
            HelixError::Token(t) => ReconcileError::Token(t),
            e if is_session_gone(&e) => ReconcileError::SessionGone(e.to_string()),
            e => ReconcileError::Helix(e),
        }
    }
}

fn is_session_gone(e: &HelixError) -> bool {
    let m = e.message_lower();
    e.status() == Some(400)
        && m.contains("session")
        && (m.contains("not exist") || m.contains("disconnected"))
}

/// What a reconcile may assume about the session's subscriptions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Start {
    /// Right after a fresh welcome: nothing of ours is on it yet. Create first (the 4003
    /// deadline, docs/twitch.md §1.1), clean up after.
    FreshSession,
    /// The session may hold subscriptions already (a later reconcile, or one after a
    /// handover): list and clean up first, then create what is missing.
    Existing,
}

/// Why a subscription was not created when Twitch answered 409 for one on another live
/// session of the same user and Client ID.
pub const ANOTHER_COPY: &str =
    "another copy of the app signed in to this account already receives it";

/// A subscription that is enabled on the current session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActiveSub {
    /// Twitch's subscription id.
    pub id: String,
    /// What it is for.
    pub wanted: WantedSub,
    /// Its cost as Twitch reported it.
    pub cost: u32,
}

/// The outcome of one reconcile.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Reconciled {
    /// The session this was done for.
    pub session_id: String,
    /// Everything that is now enabled on the session.
    pub active: Vec<ActiveSub>,
    /// Refused with 403: drop for this user, show the reason.
    pub denied: Vec<(WantedSub, String)>,
    /// Could not be created for another reason (budget, 410, …), with the reason.
    pub failed: Vec<(WantedSub, String)>,
    /// How many subscriptions were deleted (orphans and ones no longer wanted).
    pub deleted: usize,
    /// Twitch's `total_cost` after the last create (or the listing).
    pub total_cost: u32,
    /// Twitch's `max_total_cost`.
    pub max_total_cost: u32,
}

fn key_matches(w: &WantedSub, s: &Subscription) -> bool {
    w.matches(&s.sub_type, &s.version, &s.condition)
}

/// The statuses Twitch gives a WebSocket subscription whose connection failed or ended
/// (https://dev.twitch.tv/docs/api/reference/#get-eventsub-subscriptions; docs/twitch.md §1.7):
/// it never delivers again.
pub const WEBSOCKET_FAILURES: &[&str] = &[
    "websocket_disconnected",
    "websocket_failed_ping_pong",
    "websocket_received_inbound_traffic",
    "websocket_connection_unused",
    "websocket_internal_error",
    "websocket_network_timeout",
    "websocket_network_error",
    "websocket_failed_to_reconnect",
];

/// The sessions a listing is read against: which listed subscriptions are this watcher's.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OwnSessions {
    /// The session to subscribe on.
    pub current: String,
    /// Ids the current session had before `session_reconnect` handovers. Twitch's docs do not
    /// say whether carried-over subscriptions are listed under the old or the new id
    /// (docs/twitch.md §9 "The session id after `session_reconnect`"), so both count as current.
    pub handed_over: Vec<String>,
    /// Earlier sessions of this watcher that ended: whatever is still listed on them (enabled
    /// after a dirty disconnect, docs/twitch.md §1.4 "Practical caveat") is dead.
    pub ended: Vec<String>,
}

impl OwnSessions {
    /// Only `current`, nothing earlier.
    pub fn new(current: &str) -> Self {
        Self { current: current.to_string(), ..Self::default() }
    }

    /// Whether `s` is provably dead: on an ended session of this watcher, or disabled by a
    /// socket failure (a `websocket_*` status, docs/twitch.md §1.7). Anything else off the
    /// current session may be another copy's — the app on a second computer, or `tev watch`
    /// beside it: Twitch lists every session of the user and Client ID (docs/twitch.md §9 "Up
    /// to 3 transports"), and deleting those would have the copies delete each other's
    /// subscriptions in turn.
    fn is_dead(&self, s: &Subscription) -> bool {
        let ended =
            s.transport.session_id.as_deref().is_some_and(|id| self.ended.iter().any(|e| e == id));
        ended || WEBSOCKET_FAILURES.contains(&s.status.as_str())
    }

    /// Whether `s` is on the current session, under any of its ids.
    fn is_current(&self, s: &Subscription) -> bool {
        s.transport
            .session_id
            .as_deref()
            .is_some_and(|id| id == self.current || self.handed_over.iter().any(|h| h == id))
    }
}

async fn delete_all(helix: &Helix, ids: Vec<String>) -> Result<usize, ReconcileError> {
    let n = ids.len();
    let results = join_all(ids.iter().map(|id| helix.delete_subscription(id))).await;
    for r in results {
        if let Err(e) = r {
            match ReconcileError::from(e) {
                e @ ReconcileError::Token(_) => return Err(e),
                e => tracing::warn!(error = %e, "could not delete a stale subscription"),
            }
        }
    }
    Ok(n)
}

/// Deletes every provably dead WebSocket subscription off the current session (orphans).
async fn delete_orphans(helix: &Helix, own: &OwnSessions) -> Result<usize, ReconcileError> {
    let list = helix.list_subscriptions(None).await?;
    let ids = list
        .data
        .iter()
        .filter(|s| s.transport.method == "websocket" && !own.is_current(s) && own.is_dead(s))
        .map(|s| s.id.clone())
        .collect();
    delete_all(helix, ids).await
}

/// Lists the subscriptions and deletes the provably dead WebSocket ones off the current session
/// (see [`OwnSessions::is_dead`]), and those on it that are not wanted; adopts the enabled ones
/// on it that match a wanted one not yet `satisfied`. Subscriptions this reconcile created
/// itself (already in `out.active`) are left alone.
async fn clean_up(
    helix: &Helix,
    own: &OwnSessions,
    wanted: &[WantedSub],
    satisfied: &mut [bool],
    out: &mut Reconciled,
) -> Result<(), ReconcileError> {
    let listed = helix.list_subscriptions(None).await?;
    out.max_total_cost = listed.max_total_cost;
    let mut to_delete: Vec<&Subscription> = Vec::new();
    for s in listed.data.iter().filter(|s| s.transport.method == "websocket") {
        if out.active.iter().any(|a| a.id == s.id) {
            continue;
        }
        if !own.is_current(s) {
            if own.is_dead(s) {
                to_delete.push(s);
            }
            continue;
        }
        match wanted.iter().enumerate().position(|(i, w)| !satisfied[i] && key_matches(w, s)) {
            Some(i) if s.status == "enabled" => {
                satisfied[i] = true;
                out.active.push(ActiveSub {
                    id: s.id.clone(),
                    wanted: wanted[i].clone(),
                    cost: s.cost,
                });
            }
            _ => to_delete.push(s),
        }
    }
    // The cost the deleted enabled ones held, no longer counted once they are gone.
    let freed: u32 = to_delete.iter().filter(|s| s.status == "enabled").map(|s| s.cost).sum();
    out.total_cost = listed.total_cost.saturating_sub(freed);
    out.deleted += delete_all(helix, to_delete.iter().map(|s| s.id.clone()).collect()).await?;
    Ok(())
}

/// Makes Twitch's WebSocket subscriptions equal `wanted` on `session_id`, a session with no
/// history that may hold subscriptions already: list and clean up first, then create what is
/// missing (see [`reconcile_from`]).
pub async fn reconcile(
    helix: &Helix,
    session_id: &str,
    wanted: &[WantedSub],
) -> Result<Reconciled, ReconcileError> {
    reconcile_from(helix, &OwnSessions::new(session_id), wanted, Start::Existing).await
}

/// [`reconcile`] for a session with a history: its ids before handovers, and this watcher's
/// ended sessions.
pub async fn reconcile_sessions(
    helix: &Helix,
    own: &OwnSessions,
    wanted: &[WantedSub],
) -> Result<Reconciled, ReconcileError> {
    reconcile_from(helix, own, wanted, Start::Existing).await
}

/// Makes Twitch's WebSocket subscriptions equal `wanted` on `own.current`, in the order `start`
/// allows (see the module docs); subscriptions listed under an id the current session had
/// before a handover are its own.
pub async fn reconcile_from(
    helix: &Helix,
    own: &OwnSessions,
    wanted: &[WantedSub],
    start: Start,
) -> Result<Reconciled, ReconcileError> {
    let session_id = own.current.as_str();
    let mut out = Reconciled { session_id: session_id.to_string(), ..Default::default() };
    let mut satisfied = vec![false; wanted.len()];
    // Whether the list-and-delete pass still has to run (after the creates, or when a create
    // finds something in the way).
    let mut cleanup_due = start == Start::FreshSession;
    if start == Start::Existing {
        clean_up(helix, own, wanted, &mut satisfied, &mut out).await?;
    }

    for (i, w) in wanted.iter().enumerate() {
        if satisfied[i] {
            continue;
        }
        let req =
            CreateSubscription::websocket(&w.sub_type, &w.version, w.condition.clone(), session_id);
        let mut retried = false;
        loop {
            match helix.create_subscription(&req).await {
                Ok(r) => {
                    out.total_cost = r.total_cost;
                    if r.max_total_cost > 0 {
                        out.max_total_cost = r.max_total_cost;
                    }
                    match r.data.into_iter().next() {
                        Some(s) => {
                            satisfied[i] = true;
                            out.active.push(ActiveSub { id: s.id, wanted: w.clone(), cost: s.cost })
                        }
                        None => {
                            out.failed.push((w.clone(), "Twitch returned no subscription".into()))
                        }
                    }
                    break;
                }
                Err(e) => match (e.status(), retried) {
                    (Some(403), _) => {
                        tracing::info!(sub_type = w.sub_type, error = %e, "subscription refused (403)");
                        out.denied.push((w.clone(), e.to_string()));
                        break;
                    }
                    (Some(429), _) if is_transport_limit(&e) => {
                        return Err(ReconcileError::TooManyConnections);
                    }
                    (Some(409 | 429), _) if cleanup_due => {
                        // A fresh session: orphans of a dirty drop in the way (docs/twitch.md
                        // §1.4, §7 pitfalls 6–7). Clean up now, once, then create again.
                        cleanup_due = false;
                        clean_up(helix, own, wanted, &mut satisfied, &mut out).await?;
                        if satisfied[i] {
                            break;
                        }
                    }
                    (Some(409), false) => {
                        // docs/twitch.md §1.6: it exists. Adopt only if it is ours on this session.
                        retried = true;
                        let same = helix
                            .list_subscriptions(Some(&SubscriptionFilter::Type(w.sub_type.clone())))
                            .await?;
                        let existing: Vec<&Subscription> =
                            same.data.iter().filter(|s| key_matches(w, s)).collect();
                        if let Some(s) =
                            existing.iter().find(|s| own.is_current(s) && s.status == "enabled")
                        {
                            satisfied[i] = true;
                            out.active.push(ActiveSub {
                                id: s.id.clone(),
                                wanted: w.clone(),
                                cost: s.cost,
                            });
                            break;
                        }
                        let stale: Vec<String> = existing
                            .iter()
                            .filter(|s| own.is_dead(s))
                            .map(|s| s.id.clone())
                            .collect();
                        if stale.is_empty() && !existing.is_empty() {
                            // Enabled on a session that is not provably dead: another copy's.
                            out.failed.push((w.clone(), ANOTHER_COPY.to_string()));
                            break;
                        }
                        out.deleted += delete_all(helix, stale).await?;
                    }
                    (Some(429), false) => {
                        // docs/twitch.md §7 pitfalls 6–8: orphans still count; clean up, retry
                        // once.
                        retried = true;
                        out.deleted += delete_orphans(helix, own).await?;
                    }
                    (Some(401), _) => return Err(ReconcileError::from(e)),
                    // A server error: retry the whole reconcile later rather than give up on
                    // the subscription (docs/twitch.md §7 pitfall 4).
                    (Some(s), _) if s >= 500 => return Err(ReconcileError::Helix(e)),
                    _ => match ReconcileError::from(e) {
                        e @ (ReconcileError::Token(_) | ReconcileError::SessionGone(_)) => {
                            return Err(e);
                        }
                        ReconcileError::Helix(e @ HelixError::Network(_)) => {
                            return Err(ReconcileError::Helix(e));
                        }
                        e => {
                            tracing::warn!(sub_type = w.sub_type, error = %e, "subscription not created");
                            out.failed.push((w.clone(), e.to_string()));
                            break;
                        }
                    },
                },
            }
        }
    }
    if cleanup_due {
        clean_up(helix, own, wanted, &mut satisfied, &mut out).await?;
    }
    Ok(out)
}
