//! Signing in and out: running a login flow (loopback or device) to the end and keeping its
//! result, cancelling it, and logging out with revocation (docs/twitch.md §3).

use super::*;

impl TokenOwner {
    /// Cancels the running login, if any.
    pub fn cancel_login(&self) {
        if let Some(c) = lock(&self.inner.login_cancel).take() {
            c.cancel();
        }
    }

    /// Runs a login flow to the end and keeps the result (keychain, state). Progress goes
    /// out as [`AuthState::SigningIn`]; [`TokenOwner::cancel_login`] stops it.
    pub async fn login(&self, flow: LoginFlow) -> Result<AuthState, AuthError> {
        let cancel = CancellationToken::new();
        {
            let mut current = lock(&self.inner.login_cancel);
            if current.as_ref().is_some_and(|c| !c.is_cancelled()) {
                return Err(AuthError::Busy);
            }
            *current = Some(cancel.clone());
        }
        // No usable keychain: say so before the user goes through the browser, so they can
        // choose "this run only" first (docs/platform.md "Keychain").
        if let Err(e) = self.keychain().check().await {
            lock(&self.inner.login_cancel).take();
            return Err(AuthError::Keychain(e));
        }
        let before = self.state();
        self.publish(AuthState::SigningIn { progress: SignInProgress::Starting });
        let result = self.run_flow(flow, cancel.clone()).await;
        lock(&self.inner.login_cancel).take();
        match result {
            Ok(state) => Ok(state),
            Err(e) => {
                // Back to what was there before (a failed account switch keeps the old login).
                let back = match before {
                    AuthState::SigningIn { .. } => AuthState::SignedOut { reason: None },
                    s @ AuthState::SignedIn { .. } => s,
                    _ => AuthState::SignedOut { reason: Some(e.to_string()) },
                };
                self.publish(back);
                Err(e)
            }
        }
    }

    async fn run_flow(
        &self,
        flow: LoginFlow,
        cancel: CancellationToken,
    ) -> Result<AuthState, AuthError> {
        let oauth = &self.inner.oauth;
        let opts = &self.inner.options;
        let state = &self.inner.state;
        let progress = move |p: SignInProgress| {
            state.send_replace(AuthState::SigningIn { progress: p });
        };
        let loopback = match flow {
            LoginFlow::Auto => oauth.has_secret(),
            LoginFlow::Loopback => true,
            LoginFlow::Device => false,
        };
        let opener = lock(&self.inner.opener).clone();
        let grant: TokenGrant = if loopback {
            loopback::login(oauth, &opts.scopes, &opts.loopback, opener, cancel, &progress).await?
        } else {
            device::login(oauth, &opts.scopes, &opts.device, opener, cancel, &progress).await?
        };
        progress(SignInProgress::Exchanging);
        let v = oauth.validate(&grant.access).await?;
        if v.client_id != oauth.client_id() {
            return Err(AuthError::WrongClient(v.client_id));
        }
        let expires_in = grant.expires_in.unwrap_or(Duration::from_secs(v.expires_in));
        let tokens = StoredTokens {
            client_id: oauth.client_id().to_string(),
            access: grant.access,
            refresh: grant.refresh,
            expires_at: unix_now().saturating_add(i64::try_from(expires_in.as_secs()).unwrap_or(0)),
            scopes: if grant.scopes.is_empty() { v.scopes } else { grant.scopes },
            user_id: v.user_id,
            login: v.login,
        };
        if tokens.refresh.is_none() {
            let _ = oauth.revoke(tokens.access.secret()).await;
            return Err(AuthError::NoRefreshToken);
        }
        let mut slot = self.inner.held.lock().await;
        if let Err(e) = self.keychain().store_tokens(&tokens).await {
            // Nothing is kept: the fresh token is revoked rather than left dangling.
            let _ = oauth.revoke(tokens.access.secret()).await;
            return Err(AuthError::Keychain(e));
        }
        // A previous login (account switch) is replaced; its tokens are revoked.
        if let Some(old) = slot.take()
            && old.tokens.access != tokens.access
        {
            let _ = oauth.revoke(old.tokens.access.secret()).await;
        }
        let state = self.signed_in_state(&tokens);
        *slot = Some(Held {
            refresh_due: self.due(expires_in),
            next_validate: Instant::now() + opts.validate_every,
            tokens,
        });
        drop(slot);
        self.inner.wake.notify_one();
        self.publish(state.clone());
        Ok(state)
    }

    /// Logs out: runs the logout hook (subscriptions), revokes the tokens at Twitch, deletes
    /// the keychain entry. Local state is cleared even when Twitch cannot be reached; that
    /// failure is returned so the UI can say the revocation did not happen.
    pub async fn logout(&self) -> Result<(), AuthError> {
        self.cancel_login();
        let hook = lock(&self.inner.logout_hook).clone();
        if let Some(hook) = hook {
            hook().await;
        }
        let mut slot = self.inner.held.lock().await;
        let held = slot.take();
        let mut revoke_err = None;
        if let Some(h) = &held {
            if let Err(e) = self.inner.oauth.revoke(h.tokens.access.secret()).await {
                tracing::warn!(error = %e, "revoking the access token failed");
                revoke_err = Some(e);
            }
            if let Some(rt) = &h.tokens.refresh
                && let Err(e) = self.inner.oauth.revoke(rt.secret()).await
            {
                tracing::debug!(error = %e, "revoking the refresh token failed");
            }
        }
        let deleted = self.keychain().delete_tokens().await;
        drop(slot);
        self.inner.wake.notify_one();
        self.publish(AuthState::SignedOut { reason: None });
        deleted?;
        match revoke_err {
            Some(e) => Err(AuthError::OAuth(e)),
            None => Ok(()),
        }
    }
}
