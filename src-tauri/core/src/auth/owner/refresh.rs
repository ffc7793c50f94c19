//! Keeping the login fresh: validation at start and every hour, the refresh before expiry or
//! after a 401 for an invalid token, spending the single-use refresh token safely, and the
//! maintenance task that runs them (docs/twitch.md §3.2, §3.4, §3.5).

use super::*;

impl TokenOwner {
    /// Validates the held token (docs/twitch.md §3.4); a rejection tries one refresh (the token
    /// may simply have expired while the machine slept) and signs out if that fails too.
    pub(super) async fn validate_locked(&self, slot: &mut Option<Held>) {
        let Some(held) = slot.as_mut() else { return };
        self.inner.validations.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        match self.inner.oauth.validate(&held.tokens.access).await {
            Ok(v) => {
                held.next_validate = Instant::now() + self.inner.options.validate_every;
                held.refresh_due = self.due(Duration::from_secs(v.expires_in));
                held.tokens.expires_at =
                    unix_now().saturating_add(i64::try_from(v.expires_in).unwrap_or(0));
                held.tokens.login = v.login;
                held.tokens.user_id = v.user_id;
                if !v.scopes.is_empty() {
                    held.tokens.scopes = v.scopes;
                }
                let state = self.signed_in_state(&held.tokens);
                self.publish(state);
            }
            Err(OAuthError::Rejected { status: 401, message }) => {
                tracing::info!(%message, "validation rejected the token; trying a refresh");
                if let Err(e) = self.refresh_locked(slot).await {
                    tracing::info!(error = %e, "refresh after a failed validation failed");
                    if let Some(h) = slot.as_mut() {
                        h.next_validate = Instant::now() + self.inner.options.retry_after;
                    }
                } else if let Some(h) = slot.as_mut() {
                    h.next_validate = Instant::now() + self.inner.options.validate_every;
                }
            }
            Err(e) => {
                tracing::warn!(error = %e, "cannot validate the token now; retrying later");
                held.next_validate = Instant::now() + self.inner.options.retry_after;
                let state = if held.tokens.expires_at > unix_now() {
                    self.signed_in_state(&held.tokens)
                } else {
                    AuthState::Expired { reason: e.to_string() }
                };
                self.publish(state);
            }
        }
    }

    /// Signs out locally: forget the tokens, delete the keychain entry, publish `reason`.
    pub(super) async fn sign_out_locked(&self, slot: &mut Option<Held>, reason: Option<String>) {
        *slot = None;
        if let Err(e) = self.keychain().delete_tokens().await {
            tracing::warn!(error = %e, "cannot delete the stored login");
        }
        self.publish(AuthState::SignedOut { reason });
    }

    /// Before the held refresh token is spent: has another process that restored the same
    /// stored login (the app and `tev watch`, two windows of the CLI) renewed it already? Its
    /// rotated pair is in the keychain, and our copy of the refresh token is spent: sending it
    /// would revoke the whole authorization (docs/twitch.md §3.2 "Danger"). A keychain entry
    /// whose refresh token is gone while the access token is still ours means that process is
    /// renewing right now; its pair is waited for.
    pub(super) async fn renewed_elsewhere(&self, held: &Held) -> Renewal {
        let keychain = self.keychain();
        if keychain.is_session_only() || held.tokens.refresh.is_none() {
            return Renewal::NotElsewhere;
        }
        let deadline = Instant::now() + RENEWAL_WAIT;
        loop {
            let stored = match keychain.load_tokens().await {
                Ok(Some(t)) => t,
                // Nothing (or nothing readable) stored: nobody else holds this login.
                _ => return Renewal::NotElsewhere,
            };
            let same_login =
                stored.client_id == held.tokens.client_id && stored.user_id == held.tokens.user_id;
            if !same_login {
                return Renewal::NotElsewhere;
            }
            if stored.access != held.tokens.access && stored.refresh.is_some() {
                return Renewal::Adopt(Box::new(stored));
            }
            if stored.refresh.is_some() {
                return Renewal::NotElsewhere;
            }
            if Instant::now() >= deadline {
                return Renewal::Spent;
            }
            tokio::time::sleep(RENEWAL_POLL).await;
        }
    }

    /// Refreshes with the held refresh token. The caller holds the lock.
    pub(super) async fn refresh_locked(
        &self,
        slot: &mut Option<Held>,
    ) -> Result<Credentials, TokenError> {
        let Some(held) = slot.as_mut() else { return Err(TokenError::SignedOut) };
        match self.renewed_elsewhere(held).await {
            Renewal::NotElsewhere => {}
            Renewal::Adopt(stored) => {
                tracing::info!("the login was renewed by another process; using its tokens");
                let left = u64::try_from(stored.expires_at.saturating_sub(unix_now())).unwrap_or(0);
                held.refresh_due = self.due(Duration::from_secs(left));
                held.tokens = *stored;
                let state = self.signed_in_state(&held.tokens);
                let creds = self.creds(&held.tokens);
                self.publish(state);
                return Ok(creds);
            }
            Renewal::Spent => {
                // Another process sent it and never stored a new pair: it is spent either way.
                held.tokens.refresh = None;
                let reason = "another copy of the app was renewing the login and did not finish";
                tracing::warn!("{reason}; the refresh token is treated as spent");
            }
        }
        let Some(rt) = held.tokens.refresh.take() else {
            let reason = "the login cannot be renewed (no refresh token); sign in again";
            self.sign_out_locked(slot, Some(reason.into())).await;
            return Err(TokenError::Expired(reason.into()));
        };
        // The refresh token is spent once sent: record that first, so a crash during the
        // request never leaves a spent token in the keychain to be sent again.
        if let Err(e) = self.keychain().store_tokens(&held.tokens).await {
            tracing::warn!(error = %e, "cannot mark the refresh token spent in the keychain");
        }
        self.inner.refreshes.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        match self.inner.oauth.refresh(&rt).await {
            Ok(grant) => {
                drop(rt);
                let expires_in = grant.expires_in.unwrap_or(Duration::from_secs(3600));
                held.tokens.access = grant.access;
                held.tokens.refresh = grant.refresh;
                held.tokens.expires_at =
                    unix_now().saturating_add(i64::try_from(expires_in.as_secs()).unwrap_or(0));
                if !grant.scopes.is_empty() {
                    held.tokens.scopes = grant.scopes;
                }
                held.refresh_due = self.due(expires_in);
                // The rotated refresh token goes to the keychain before the new access
                // token is handed to anyone.
                if let Err(e) = self.keychain().store_tokens(&held.tokens).await {
                    // Keep the session in memory: dropping it would sign the user out for
                    // sure, keeping it at worst loses the login at the next restart.
                    tracing::error!(error = %e, "cannot store the renewed login in the keychain");
                }
                let state = self.signed_in_state(&held.tokens);
                let creds = self.creds(&held.tokens);
                self.publish(state);
                Ok(creds)
            }
            Err(
                e @ (OAuthError::Network { not_sent: true, .. }
                | OAuthError::Rejected { status: 429, .. }),
            ) => {
                // Twitch never saw it (no connection), or its rate limiter turned it away
                // before the token endpoint ran: the token is still unspent.
                let reason = e.to_string();
                held.tokens.refresh = Some(rt);
                if let Err(e) = self.keychain().store_tokens(&held.tokens).await {
                    tracing::warn!(error = %e, "cannot restore the refresh token in the keychain");
                }
                if held.tokens.expires_at <= unix_now() {
                    self.publish(AuthState::Expired { reason: reason.clone() });
                }
                Err(TokenError::Unreachable(reason))
            }
            Err(OAuthError::Rejected { status: status @ (400 | 401 | 403), message }) => {
                tracing::info!(status, "refresh refused");
                let reason =
                    format!("Twitch no longer accepts this login ({message}); sign in again");
                self.sign_out_locked(slot, Some(reason.clone())).await;
                Err(TokenError::Expired(reason))
            }
            Err(e) => {
                // It may have reached Twitch: the token counts as spent and is never resent.
                let reason = e.to_string();
                tracing::warn!(error = %reason, "refresh failed after sending; token treated as spent");
                // Without a refresh token, the access token is used until it runs out.
                let left =
                    u64::try_from(held.tokens.expires_at.saturating_sub(unix_now())).unwrap_or(0);
                held.refresh_due = Instant::now() + Duration::from_secs(left.min(30 * 86_400));
                if held.tokens.expires_at <= unix_now() {
                    let why = format!("the login could not be renewed ({reason}); sign in again");
                    self.sign_out_locked(slot, Some(why)).await;
                }
                Err(TokenError::Unreachable(reason))
            }
        }
    }

    /// The maintenance loop: sleeps until the next validation or refresh is due. It holds
    /// the owner only weakly while sleeping, so dropping every `TokenOwner` ends it too.
    pub(super) async fn maintain(
        owner: std::sync::Weak<Inner>,
        wake: Arc<Notify>,
        shutdown: CancellationToken,
    ) {
        loop {
            let Some(inner) = owner.upgrade() else { return };
            let me = TokenOwner { inner };
            let wake_at = {
                let slot = me.inner.held.lock().await;
                slot.as_ref().map(|h| h.refresh_due.min(h.next_validate))
            };
            drop(me);
            let sleep = async {
                match wake_at {
                    Some(t) => tokio::time::sleep_until(t).await,
                    None => std::future::pending().await,
                }
            };
            tokio::select! {
                biased;
                _ = shutdown.cancelled() => return,
                _ = wake.notified() => continue,
                _ = sleep => {}
            }
            let Some(inner) = owner.upgrade() else { return };
            let me = TokenOwner { inner };
            let mut slot = me.inner.held.lock().await;
            let now = Instant::now();
            if slot.as_ref().is_some_and(|h| h.next_validate <= now) {
                me.validate_locked(&mut slot).await;
            }
            if slot.as_ref().is_some_and(|h| h.refresh_due <= Instant::now())
                && let Err(e) = me.refresh_locked(&mut slot).await
            {
                tracing::warn!(error = %e, "scheduled refresh failed");
                // Retry soon only while there is an unspent refresh token to retry with.
                if let Some(h) = slot.as_mut()
                    && h.tokens.refresh.is_some()
                {
                    h.refresh_due = Instant::now() + me.inner.options.retry_after;
                }
            }
        }
    }
}
