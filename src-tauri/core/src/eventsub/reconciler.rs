//! The reconciler: makes Twitch's subscriptions match the plan for the current session.
//!
//! On a session that may already have subscriptions: list what Twitch has, delete every
//! WebSocket subscription of another session (orphans of a dirty disconnect still count
//! against the cost and cause 409s, docs/twitch.md §1.4, §7 pitfalls 6–7), adopt what already
//! matches on the current session, create the rest.
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
//! - 409: adopted only if the existing subscription is on the current session, otherwise the
//!   stale one is deleted and the create retried once;
//! - 429 (cost or same type+condition): clean up other sessions' subscriptions, retry once;
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
    /// Twitch could not be reached or answered something unexpected.
    #[error(transparent)]
    Helix(HelixError),
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

fn on_session(s: &Subscription, session_id: &str) -> bool {
    s.transport.session_id.as_deref() == Some(session_id)
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

/// Deletes every WebSocket subscription that is not on `session_id` (orphans).
async fn delete_orphans(helix: &Helix, session_id: &str) -> Result<usize, ReconcileError> {
    let list = helix.list_subscriptions(None).await?;
    let ids = list
        .data
        .iter()
        .filter(|s| s.transport.method == "websocket" && !on_session(s, session_id))
        .map(|s| s.id.clone())
        .collect();
    delete_all(helix, ids).await
}

/// Lists the subscriptions and deletes every WebSocket one not on `session_id` (orphans), and
/// those on it that are not wanted; adopts the enabled ones on it that match a wanted one not
/// yet `satisfied`. Subscriptions this reconcile created itself (already in `out.active`) are
/// left alone.
async fn clean_up(
    helix: &Helix,
    session_id: &str,
    wanted: &[WantedSub],
    satisfied: &mut [bool],
    out: &mut Reconciled,
) -> Result<(), ReconcileError> {
    let listed = helix.list_subscriptions(None).await?;
    out.max_total_cost = listed.max_total_cost;
    let mut to_delete = Vec::new();
    // The cost the deleted enabled ones held, no longer counted once they are gone.
    let mut freed = 0;
    for s in listed.data.iter().filter(|s| s.transport.method == "websocket") {
        if out.active.iter().any(|a| a.id == s.id) {
            continue;
        }
        if !on_session(s, session_id) {
            freed += if s.status == "enabled" { s.cost } else { 0 };
            to_delete.push(s.id.clone());
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
            _ => {
                freed += if s.status == "enabled" { s.cost } else { 0 };
                to_delete.push(s.id.clone());
            }
        }
    }
    out.total_cost = listed.total_cost.saturating_sub(freed);
    out.deleted += delete_all(helix, to_delete).await?;
    Ok(())
}

/// Makes Twitch's WebSocket subscriptions equal `wanted` on `session_id`, a session that may
/// hold subscriptions already: list and clean up first, then create what is missing.
pub async fn reconcile(
    helix: &Helix,
    session_id: &str,
    wanted: &[WantedSub],
) -> Result<Reconciled, ReconcileError> {
    reconcile_from(helix, session_id, wanted, Start::Existing).await
}

/// Makes Twitch's WebSocket subscriptions equal `wanted` on `session_id`, in the order `start`
/// allows (see the module docs).
pub async fn reconcile_from(
    helix: &Helix,
    session_id: &str,
    wanted: &[WantedSub],
    start: Start,
) -> Result<Reconciled, ReconcileError> {
    let mut out = Reconciled { session_id: session_id.to_string(), ..Default::default() };
    let mut satisfied = vec![false; wanted.len()];
    // Whether the list-and-delete pass still has to run (after the creates, or when a create
    // finds something in the way).
    let mut cleanup_due = start == Start::FreshSession;
    if start == Start::Existing {
        clean_up(helix, session_id, wanted, &mut satisfied, &mut out).await?;
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
                    (Some(409 | 429), _) if cleanup_due => {
                        // A fresh session: orphans of a dirty drop in the way (docs/twitch.md
                        // §1.4, §7 pitfalls 6–7). Clean up now, once, then create again.
                        cleanup_due = false;
                        clean_up(helix, session_id, wanted, &mut satisfied, &mut out).await?;
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
                        if let Some(s) = existing
                            .iter()
                            .find(|s| on_session(s, session_id) && s.status == "enabled")
                        {
                            satisfied[i] = true;
                            out.active.push(ActiveSub {
                                id: s.id.clone(),
                                wanted: w.clone(),
                                cost: s.cost,
                            });
                            break;
                        }
                        let stale = existing.iter().map(|s| s.id.clone()).collect();
                        out.deleted += delete_all(helix, stale).await?;
                    }
                    (Some(429), false) => {
                        // docs/twitch.md §7 pitfalls 6–8: orphans still count; clean up, retry
                        // once.
                        retried = true;
                        out.deleted += delete_orphans(helix, session_id).await?;
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
        clean_up(helix, session_id, wanted, &mut satisfied, &mut out).await?;
    }
    Ok(out)
}
