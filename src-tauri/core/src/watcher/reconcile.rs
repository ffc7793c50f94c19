//! Reconciles: make Twitch's subscriptions match the plan after every fresh session (never
//! after a handover, docs/twitch.md §7 pitfall 2), and what their results change.

use super::task::Task;
use super::{ConnectionState, WatchUpdate};
use crate::eventsub::planner::{self, PlanInput, PlannedChannel, SkipReason};
use crate::eventsub::reconciler::{self, OwnSessions, ReconcileError, Reconciled, Start};
use std::sync::Arc;

impl Task {
    pub(super) fn start_reconcile(&mut self) {
        let Some(session_id) = self.session.session_id().map(str::to_string) else {
            return;
        };
        if self.reconcile.is_some() {
            self.dirty = true;
            return;
        }
        if self.handover {
            // docs/twitch.md §1.3: wait for the successor's welcome (see `handover`).
            self.reconcile_after_handover = true;
            return;
        }
        self.dirty = false;
        let session_id_for_task = session_id.clone();
        let own = OwnSessions {
            current: session_id,
            handed_over: self.handed_over.clone(),
            ended: self.ended_sessions.iter().cloned().collect(),
        };
        let helix = self.helix.clone();
        let channels = self.channels.clone();
        let denied = self.denied.clone();
        let start = if self.fresh_session { Start::FreshSession } else { Start::Existing };
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
                        updates: c.background_updates,
                        moderation: c.moderation,
                    })
                    .collect(),
                max_total_cost: planner::DEFAULT_MAX_TOTAL_COST,
                denied,
            };
            let plan = planner::plan(&input);
            let mut r =
                reconciler::reconcile_from(&helix, &own, &plan.subscriptions, start).await?;
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

    pub(super) fn on_reconciled(&mut self, r: Option<Result<Reconciled, ReconcileError>>) {
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
                self.fresh_session = false;
                self.token_unreachable = 0;
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
                let open = self.channels.iter().map(|c| c.id.as_str());
                for u in self.gaps.reconciled(open, now, &r.session_id, &self.feed) {
                    self.emit(WatchUpdate::Feed(Arc::new(u)));
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
            Err(ReconcileError::TooManyConnections) => {
                // Nothing can be subscribed on this socket. Reconnect with backoff, saying why:
                // once another copy closes, the next session subscribes.
                tracing::warn!("Twitch refused a fourth EventSub connection for this account");
                let why = reconciler::TOO_MANY_CONNECTIONS;
                if let Some(ev) = self.session.force_reconnect(why) {
                    self.on_session(ev);
                }
            }
            Err(ReconcileError::Token(e)) => {
                // docs/twitch.md §7 pitfall 11: a dead token does not kill a working socket; only a
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
}
