//! The watcher kept in step with the login ([`follow_login`]): a desktop app lives through many
//! logins — the user logs out and in, switches accounts, disconnects the app on Twitch — and the
//! one watcher with its channels outlives each of them (docs/ARCHITECTURE.md "Threads, tasks and
//! shutdown").

use super::{ConnectionState, SIGNED_OUT, STOPPED, WatcherHandle};
use crate::auth::{AuthState, TokenOwner};
use crate::eventsub::session::Backoff;
use std::time::Duration;

/// The first wait before a watcher that failed with a login Twitch still accepts is tried
/// again; it doubles with each failure in a row, up to [`RETRY_MAX`].
const RETRY_FIRST: Duration = Duration::from_secs(5);
/// The longest such wait.
const RETRY_MAX: Duration = Duration::from_secs(300);

/// Keeps `watcher` in step with `owner`'s login, until the watcher's task ends:
///
/// - every sign-in (after signed out, expired, or a login in progress) brings a `Failed`
///   watcher back ([`WatcherHandle::retry`]) with the channels it kept;
/// - a watcher that failed on its own while the owner still counts the user signed in — Twitch
///   sent `authorization_revoked` (docs/twitch.md §1.7, §8), or refused a token — makes the
///   owner validate the login now (docs/twitch.md §3.4): a revoked login becomes "signed out"
///   with its reason, so the app asks for a new sign-in (which then brings the watcher back); a
///   login that is still good is tried again after a wait that grows with each failure in a row.
///
/// The logout itself is [`WatcherHandle::signed_out`], run by the owner's logout hook while the
/// token still works.
pub async fn follow_login(watcher: WatcherHandle, owner: TokenOwner) {
    let mut auth_rx = owner.subscribe();
    let mut state_rx = watcher.state();
    let mut signed_in = matches!(*auth_rx.borrow_and_update(), AuthState::SignedIn { .. });
    let backoff = Backoff { initial: RETRY_FIRST, max: RETRY_MAX, jitter: true };
    let mut failures = 0u32;
    loop {
        tokio::select! {
            changed = state_rx.changed() => {
                if changed.is_err() {
                    return; // the task ended
                }
                let state = state_rx.borrow_and_update().clone();
                match state {
                    ConnectionState::Connected => failures = 0,
                    ConnectionState::Failed { reason }
                        if reason != SIGNED_OUT && reason != STOPPED =>
                    {
                        if !matches!(owner.state(), AuthState::SignedIn { .. }) {
                            continue; // the next sign-in brings it back
                        }
                        tracing::info!(%reason, "the event watcher failed; validating the login");
                        if !matches!(owner.validate_now().await, AuthState::SignedIn { .. }) {
                            continue;
                        }
                        let delay = backoff.delay(failures);
                        failures = failures.saturating_add(1);
                        tokio::time::sleep(delay).await;
                        let still_failed =
                            matches!(*watcher.state().borrow(), ConnectionState::Failed { .. });
                        if still_failed
                            && matches!(owner.state(), AuthState::SignedIn { .. })
                            && watcher.retry().await.is_err()
                        {
                            return;
                        }
                    }
                    _ => {}
                }
            }
            changed = auth_rx.changed() => {
                if changed.is_err() {
                    return;
                }
                let now = matches!(*auth_rx.borrow_and_update(), AuthState::SignedIn { .. });
                if now && !signed_in {
                    tracing::info!("signed in; the event watcher comes back");
                    if watcher.retry().await.is_err() {
                        return;
                    }
                }
                signed_in = now;
            }
        }
    }
}
