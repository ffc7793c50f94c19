//! The one owner of the user's tokens.
//!
//! One struct behind one async mutex does restore, validate, refresh, login and logout
//! (docs/ARCHITECTURE.md "Threads, tasks and shutdown", docs/twitch.md §3.5):
//! - restore from the keychain and validate at start and every hour (docs/twitch.md §3.4, tokio
//!   time so tests use a paused clock);
//! - refresh shortly before expiry and on a Helix 401 for an invalid token
//!   ([`TokenSource::refresh_after_401`]); one refresh at a time, and concurrent callers
//!   holding the same rejected token share it;
//! - the refresh token is spent by sending it: the keychain entry is rewritten without it
//!   *before* the request, and the rotated one is written to the keychain *before* the new
//!   access token is handed out, so a spent refresh token is never sent again (reuse revokes
//!   the whole authorization, docs/twitch.md §3.2). Another process with the same stored login (the
//!   app beside `tev watch`) is seen through the same entry: before spending, the keychain is
//!   read, and a pair that process stored is taken instead;
//! - 400 "Invalid refresh token" or a rejected validation → signed out with the reason;
//! - logout runs the hook (the Watcher removes subscriptions), revokes at Twitch, deletes the
//!   keychain entry.
//!
//! State goes out through a `watch` channel of [`AuthState`], which never carries a token.
//!
//! # Layout
//!
//! - `mod.rs`: the owner, its state and options, start and restore, and what callers ask of
//!   it ([`TokenSource`]);
//! - `refresh.rs`: validation, refresh, and the maintenance task that runs them;
//! - `login.rs`: login flows, cancelling, logout.

mod login;
mod refresh;

use std::sync::{Arc, Mutex as StdMutex};
use std::time::Duration;

use tokio::sync::{Mutex, Notify, watch};
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use super::device::{self, DeviceOptions};
use super::loopback::{self, LoopbackOptions};
use super::twitch::{OAuthClient, OAuthError, TokenGrant};
use super::{AuthError, AuthState, BrowserOpener, SignInProgress, SystemBrowser};
use crate::keychain::{Keychain, StoredTokens};
use crate::token::{AccessToken, BoxFuture, Credentials, TokenError, TokenSource};

/// Which login flow to run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LoginFlow {
    /// Loopback when a Client Secret is configured, else device.
    #[default]
    Auto,
    /// The device code flow.
    Device,
    /// The loopback authorization-code flow (needs a secret).
    Loopback,
}

/// How long a refresh waits for another process that is renewing the same stored login.
const RENEWAL_WAIT: Duration = Duration::from_secs(10);
/// How often the keychain is read meanwhile.
const RENEWAL_POLL: Duration = Duration::from_millis(200);

/// What [`TokenOwner::renewed_elsewhere`] found in the keychain.
enum Renewal {
    /// Nobody else renewed: spend our refresh token.
    NotElsewhere,
    /// Another process renewed: its stored pair replaces ours.
    Adopt(Box<StoredTokens>),
    /// Another process spent the refresh token and stored nothing new.
    Spent,
}

/// Something to run on logout while the token still works (the Watcher deletes the
/// EventSub subscriptions).
pub type LogoutHook = Arc<dyn Fn() -> BoxFuture<'static, ()> + Send + Sync>;

/// Timing and flow options of the owner.
#[derive(Debug, Clone)]
pub struct OwnerOptions {
    /// Validate this often (Twitch requires hourly, docs/twitch.md §3.4).
    pub validate_every: Duration,
    /// Refresh when the access token has less than this left.
    pub refresh_margin: Duration,
    /// After a network failure, try again this much later.
    pub retry_after: Duration,
    /// Scopes to request at login.
    pub scopes: Vec<String>,
    /// Loopback flow options (port, timeout).
    pub loopback: LoopbackOptions,
    /// Device flow options.
    pub device: DeviceOptions,
}

impl Default for OwnerOptions {
    fn default() -> Self {
        Self {
            validate_every: Duration::from_secs(3600),
            refresh_margin: Duration::from_secs(300),
            retry_after: Duration::from_secs(60),
            scopes: super::scopes::for_roles(Default::default()),
            loopback: LoopbackOptions::default(),
            device: DeviceOptions::default(),
        }
    }
}

/// The signed-in tokens and their schedule.
struct Held {
    /// The tokens as stored in the keychain.
    tokens: StoredTokens,
    /// When to refresh proactively (expiry minus margin).
    refresh_due: Instant,
    /// When to validate next.
    next_validate: Instant,
}

struct Inner {
    /// Twitch's OAuth endpoints and our client identity.
    oauth: OAuthClient,
    /// Where the tokens are kept; switchable to memory-only by the user's choice
    /// ([`TokenOwner::use_session_only`]) without replacing the owner others hold.
    keychain: StdMutex<Keychain>,
    /// Timing.
    options: OwnerOptions,
    /// The one lock: every read, refresh, validation, login result and logout goes through it.
    held: Mutex<Option<Held>>,
    /// The published state.
    state: watch::Sender<AuthState>,
    /// True once [`TokenOwner::start`] has restored (or failed to restore) the stored login:
    /// before that, "signed out" only means "not known yet".
    restored: watch::Sender<bool>,
    /// Cancels the running login, if any.
    login_cancel: StdMutex<Option<CancellationToken>>,
    /// Run on logout before revoking.
    logout_hook: StdMutex<Option<LogoutHook>>,
    /// Opens the browser for the flows (replaceable: the CLI's `--no-browser`, tests).
    opener: StdMutex<Arc<dyn BrowserOpener>>,
    /// Tells the maintenance task that the schedule changed.
    wake: Arc<Notify>,
    /// Stops the maintenance task.
    shutdown: CancellationToken,
    /// How many refresh requests were sent (for tests and diagnostics).
    refreshes: std::sync::atomic::AtomicU64,
    /// How many validations were sent.
    validations: std::sync::atomic::AtomicU64,
}

/// The token owner. Cheap to clone; all clones share one owner.
#[derive(Clone)]
pub struct TokenOwner {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for TokenOwner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenOwner")
            .field("oauth", &self.inner.oauth)
            .field("state", &*self.inner.state.borrow())
            .finish()
    }
}

fn lock<T>(m: &StdMutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

fn unix_now() -> i64 {
    chrono::Utc::now().timestamp()
}

impl TokenOwner {
    /// An owner, signed out until [`TokenOwner::start`] restores a login or
    /// [`TokenOwner::login`] makes one. Opens the browser with the platform opener.
    pub fn new(oauth: OAuthClient, keychain: Keychain, options: OwnerOptions) -> Self {
        Self::with_opener(oauth, keychain, options, Arc::new(SystemBrowser))
    }

    /// The owner the app and the CLI use: Client ID from `TWITCH_CLIENT_ID` or the
    /// settings, Client Secret from `TWITCH_CLIENT_SECRET` or the keychain (none → device
    /// flow), loopback port and scopes (role opt-in) from the settings.
    pub async fn from_settings(
        settings: &crate::settings::Settings,
        endpoints: crate::Endpoints,
        keychain: Keychain,
    ) -> Result<Self, AuthError> {
        let client_id = settings.effective_client_id().ok_or(AuthError::NoClientId)?;
        let secret = match crate::settings::env_client_secret() {
            Some(s) => Some(s),
            // An unusable keychain only means no secret from there; the device flow needs none.
            // Only a secret stored for this Client ID: after a change of application the old
            // one would pick the loopback flow for a client without a secret.
            None => keychain.client_secret(&client_id).await.unwrap_or_else(|e| {
                tracing::debug!(error = %e, "no client secret from the keychain");
                None
            }),
        };
        let oauth = OAuthClient::new(endpoints, client_id, secret)?;
        let mut options = OwnerOptions {
            scopes: super::scopes::for_roles(settings.roles),
            ..OwnerOptions::default()
        };
        options.loopback.port = settings.loopback_port;
        Ok(Self::new(oauth, keychain, options))
    }

    /// Like [`TokenOwner::new`] with another browser opener (tests, the CLI's `--no-browser`).
    pub fn with_opener(
        oauth: OAuthClient,
        keychain: Keychain,
        options: OwnerOptions,
        opener: Arc<dyn BrowserOpener>,
    ) -> Self {
        let (state, _) = watch::channel(AuthState::SignedOut { reason: None });
        Self {
            inner: Arc::new(Inner {
                oauth,
                keychain: StdMutex::new(keychain),
                options,
                held: Mutex::new(None),
                state,
                restored: watch::Sender::new(false),
                login_cancel: StdMutex::new(None),
                logout_hook: StdMutex::new(None),
                opener: StdMutex::new(opener),
                wake: Arc::new(Notify::new()),
                shutdown: CancellationToken::new(),
                refreshes: Default::default(),
                validations: Default::default(),
            }),
        }
    }

    /// The auth state, live.
    pub fn subscribe(&self) -> watch::Receiver<AuthState> {
        self.inner.state.subscribe()
    }

    /// Whether the stored login has been restored yet (true once [`TokenOwner::start`] has
    /// validated it, or found none, or failed); live. A link at a cold start waits on it to
    /// tell "still restoring" from "nobody is signed in".
    pub fn restored(&self) -> watch::Receiver<bool> {
        self.inner.restored.subscribe()
    }

    /// The auth state now.
    pub fn state(&self) -> AuthState {
        self.inner.state.borrow().clone()
    }

    /// The OAuth client (client id, endpoints).
    pub fn oauth(&self) -> &OAuthClient {
        &self.inner.oauth
    }

    /// How many refresh requests this owner has sent.
    pub fn refresh_count(&self) -> u64 {
        self.inner.refreshes.load(std::sync::atomic::Ordering::SeqCst)
    }

    /// How many validations this owner has sent.
    pub fn validation_count(&self) -> u64 {
        self.inner.validations.load(std::sync::atomic::Ordering::SeqCst)
    }

    fn keychain(&self) -> Keychain {
        lock(&self.inner.keychain).clone()
    }

    /// The user chose "stay signed in for this run only" (no usable keychain): from now on
    /// the login lives in memory and is gone when the app quits. Never done implicitly.
    pub async fn use_session_only(&self) {
        self.keep_login_in(Keychain::session_only()).await;
    }

    /// As [`TokenOwner::use_session_only`], in the given memory store: the app keeps one for the
    /// run, so an owner made again later (other roles, chatting turned on) finds the login there.
    /// Any other store is refused (logged): the user chose memory, nothing else.
    pub async fn keep_login_in(&self, session: Keychain) {
        if !session.is_session_only() {
            tracing::warn!("a login for this run only is kept in memory only; not switched");
            return;
        }
        let slot = self.inner.held.lock().await;
        if let Some(h) = slot.as_ref()
            && let Err(e) = session.store_tokens(&h.tokens).await
        {
            tracing::warn!(error = %e, "cannot move the login to the session store");
        }
        *lock(&self.inner.keychain) = session;
        if let Some(h) = slot.as_ref() {
            let state = self.signed_in_state(&h.tokens);
            self.publish(state);
        }
    }

    /// Replaces the browser opener used by the next login.
    pub fn set_opener(&self, opener: Arc<dyn BrowserOpener>) {
        *lock(&self.inner.opener) = opener;
    }

    /// Sets what runs on logout before the token is revoked (removing subscriptions).
    pub fn set_logout_hook(&self, hook: LogoutHook) {
        *lock(&self.inner.logout_hook) = Some(hook);
    }

    fn publish(&self, state: AuthState) {
        tracing::info!(state = ?state, "auth state");
        self.inner.state.send_replace(state);
    }

    fn signed_in_state(&self, t: &StoredTokens) -> AuthState {
        AuthState::SignedIn {
            user_id: t.user_id.clone(),
            login: t.login.clone(),
            display_name: None,
            scopes: t.scopes.clone(),
            expires_at: chrono::DateTime::from_timestamp(t.expires_at, 0).unwrap_or_default(),
            session_only: self.keychain().is_session_only(),
        }
    }

    fn creds(&self, t: &StoredTokens) -> Credentials {
        Credentials {
            client_id: t.client_id.clone(),
            token: t.access.clone(),
            user_id: t.user_id.clone(),
            login: t.login.clone(),
            scopes: t.scopes.clone(),
        }
    }

    fn due(&self, expires_in: Duration) -> Instant {
        // Capped: a nonsense lifetime must not overflow `Instant` (and Twitch's are ~4 h).
        let expires_in = expires_in.min(Duration::from_secs(30 * 86_400));
        Instant::now() + expires_in.saturating_sub(self.inner.options.refresh_margin)
    }

    /// Restores the stored login (if any), validates it, and starts the maintenance task
    /// (hourly validation, refresh before expiry). Call once, inside a tokio runtime.
    pub async fn start(&self) -> AuthState {
        self.restore().await;
        self.inner.restored.send_replace(true);
        let weak = Arc::downgrade(&self.inner);
        let (wake, shutdown) = (self.inner.wake.clone(), self.inner.shutdown.clone());
        tokio::spawn(Self::maintain(weak, wake, shutdown));
        self.state()
    }

    /// Stops the maintenance task and any running login.
    pub fn shutdown(&self) {
        self.cancel_login();
        self.inner.shutdown.cancel();
    }

    async fn restore(&self) {
        let mut slot = self.inner.held.lock().await;
        let stored = match self.keychain().load_tokens().await {
            Ok(Some(t)) => t,
            Ok(None) => return self.publish(AuthState::SignedOut { reason: None }),
            Err(e) => {
                tracing::warn!(error = %e, "cannot restore the login");
                return self.publish(AuthState::SignedOut { reason: Some(e.to_string()) });
            }
        };
        tracing::debug!("stored login read from the keychain");
        if stored.client_id != self.inner.oauth.client_id() {
            return self.publish(AuthState::SignedOut {
                reason: Some(
                    "the stored login belongs to another Client ID; sign in again".to_string(),
                ),
            });
        }
        let remaining = Duration::from_secs(
            u64::try_from(stored.expires_at.saturating_sub(unix_now())).unwrap_or(0),
        );
        *slot = Some(Held {
            refresh_due: self.due(remaining),
            next_validate: Instant::now(),
            tokens: stored,
        });
        self.validate_locked(&mut slot).await;
        self.inner.wake.notify_one();
    }

    /// Validates now (as the hourly timer would).
    pub async fn validate_now(&self) -> AuthState {
        let mut slot = self.inner.held.lock().await;
        self.validate_locked(&mut slot).await;
        drop(slot);
        self.inner.wake.notify_one();
        self.state()
    }

    async fn current_impl(&self) -> Result<Credentials, TokenError> {
        let mut slot = self.inner.held.lock().await;
        match slot.as_ref() {
            None => Err(self.no_token_error()),
            Some(h) if h.refresh_due <= Instant::now() => self.refresh_locked(&mut slot).await,
            Some(h) => Ok(self.creds(&h.tokens)),
        }
    }

    fn no_token_error(&self) -> TokenError {
        match &*self.inner.state.borrow() {
            AuthState::SignedOut { reason: Some(r) } => TokenError::Expired(r.clone()),
            AuthState::Expired { reason } => TokenError::Expired(reason.clone()),
            _ => TokenError::SignedOut,
        }
    }

    async fn refresh_after_401_impl(
        &self,
        rejected: &AccessToken,
    ) -> Result<Credentials, TokenError> {
        let mut slot = self.inner.held.lock().await;
        match slot.as_ref() {
            None => Err(self.no_token_error()),
            // Someone else already refreshed past the rejected token: share that result.
            Some(h) if h.tokens.access != *rejected => Ok(self.creds(&h.tokens)),
            Some(_) => {
                let r = self.refresh_locked(&mut slot).await;
                drop(slot);
                self.inner.wake.notify_one();
                r
            }
        }
    }
}

impl TokenSource for TokenOwner {
    fn current(&self) -> BoxFuture<'_, Result<Credentials, TokenError>> {
        Box::pin(self.current_impl())
    }

    fn refresh_after_401<'a>(
        &'a self,
        rejected: &'a AccessToken,
    ) -> BoxFuture<'a, Result<Credentials, TokenError>> {
        Box::pin(self.refresh_after_401_impl(rejected))
    }
}
