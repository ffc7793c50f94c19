//! Logging in with Twitch: the loopback and device flows, and the one owner of the tokens.
//!
//! Twitch has no PKCE and refuses the authorization-code exchange without a client secret;
//! public clients get the device flow only, with single-use rotating refresh tokens whose
//! reuse revokes everything (docs/twitch.md §3). So: two flows ([`loopback`], [`device`]) and one
//! token owner ([`owner::TokenOwner`]) that the app, the `tev` CLI, Helix and EventSub share.
//!
//! What the UI sees is [`AuthState`] (serializable, never a token).

pub mod device;
pub mod loopback;
pub mod owner;
pub mod scopes;
pub mod twitch;

use std::sync::Arc;

use chrono::{DateTime, Utc};
use serde::Serialize;

pub use crate::keychain::RefreshToken;
pub use owner::{LoginFlow, OwnerOptions, TokenOwner};
pub use twitch::{OAuthClient, OAuthError};

/// Opens a URL in the user's browser. The default ([`SystemBrowser`]) uses the platform
/// opener (`webbrowser`, which honours `$BROWSER`); tests plug in an HTTP client.
pub trait BrowserOpener: Send + Sync {
    /// Opens `url`; an error is reported but does not stop the login (the URL is also
    /// shown through [`SignInProgress`]).
    fn open(&self, url: &str) -> Result<(), String>;
}

/// The platform opener.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemBrowser;

impl BrowserOpener for SystemBrowser {
    fn open(&self, url: &str) -> Result<(), String> {
        webbrowser::open(url).map_err(|e| e.to_string())
    }
}

impl<F> BrowserOpener for F
where
    F: Fn(&str) -> Result<(), String> + Send + Sync,
{
    fn open(&self, url: &str) -> Result<(), String> {
        self(url)
    }
}

/// Opens the browser off the async threads (some openers wait for the browser).
pub(crate) async fn open_browser(opener: Arc<dyn BrowserOpener>, url: &str) {
    let url_owned = url.to_string();
    match tokio::task::spawn_blocking(move || opener.open(&url_owned)).await {
        Ok(Ok(())) => {}
        Ok(Err(e)) => {
            tracing::warn!(error = %e, "could not open the browser; open the URL by hand")
        }
        Err(e) => tracing::warn!(error = %e, "browser opener failed"),
    }
}

/// Where a login is, for the UI and the CLI.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "step", rename_all = "snake_case")]
pub enum SignInProgress {
    /// Starting.
    Starting,
    /// The consent page is being opened in the browser (loopback).
    OpeningBrowser {
        /// The consent page (no secrets in it: client id, scopes, state).
        url: String,
    },
    /// Waiting for the browser to come back to the loopback listener.
    WaitingForBrowser {
        /// The consent page, to open by hand if the browser did not start.
        url: String,
    },
    /// The device flow's code: the user confirms it at `verification_uri`.
    DeviceCode {
        /// The code the user sees.
        user_code: String,
        /// Where to confirm it (pre-filled).
        verification_uri: String,
        /// When the code stops working.
        expires_at: DateTime<Utc>,
    },
    /// Exchanging the code / reading the user.
    Exchanging,
}

/// The auth state the UI shows. Never contains a token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum AuthState {
    /// Nobody is signed in; `reason` says why when it was not the user's choice (revoked,
    /// refresh token rejected, failed validation, keychain trouble…).
    SignedOut {
        /// Why, for the UI.
        reason: Option<String>,
    },
    /// A login is in progress.
    SigningIn {
        /// Its step.
        progress: SignInProgress,
    },
    /// Signed in.
    SignedIn {
        /// Twitch user id.
        user_id: String,
        /// Twitch login.
        login: String,
        /// Display name, once known (Helix `users`; the owner itself only knows the login).
        display_name: Option<String>,
        /// Granted scopes.
        scopes: Vec<String>,
        /// When the current access token expires (it is refreshed before).
        expires_at: DateTime<Utc>,
        /// True when the login lives in memory only (no keychain, user's choice).
        session_only: bool,
    },
    /// The stored login could not be renewed for now (Twitch unreachable while the access
    /// token ran out); it is retried, and kept in the keychain.
    Expired {
        /// Why, for the UI.
        reason: String,
    },
}

impl AuthState {
    /// The signed-in login, if any.
    pub fn login(&self) -> Option<&str> {
        match self {
            AuthState::SignedIn { login, .. } => Some(login),
            _ => None,
        }
    }
}

/// Errors of logging in and out.
#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
pub enum AuthError {
    /// No Client ID configured.
    #[error(
        "no Twitch Client ID is configured and none is built into this build: register an \
         application at dev.twitch.tv and enter its Client ID in the app's setup screen, \
         `tev config --client-id <ID>` or TWITCH_CLIENT_ID"
    )]
    NoClientId,
    /// The loopback flow failed.
    #[error(transparent)]
    Loopback(#[from] loopback::LoopbackError),
    /// The device flow failed.
    #[error(transparent)]
    Device(#[from] device::DeviceError),
    /// Twitch refused or could not be reached.
    #[error(transparent)]
    OAuth(#[from] OAuthError),
    /// The keychain failed.
    #[error(transparent)]
    Keychain(#[from] crate::keychain::KeychainError),
    /// The token Twitch gave belongs to another client (misconfiguration).
    #[error("Twitch issued the token to client {0}, not to the configured client")]
    WrongClient(String),
    /// Twitch gave no refresh token (the owner cannot keep the session alive).
    #[error("Twitch gave no refresh token; the login cannot be kept")]
    NoRefreshToken,
    /// Another login is already running.
    #[error("a login is already in progress")]
    Busy,
}
