//! The device code flow (public client, nothing secret shipped; docs/twitch.md §3.2).
//!
//! `POST /oauth2/device` with `scopes` (plural), show the user code and open the
//! verification URI, then poll `/oauth2/token` no faster than `interval`:
//! 400 `authorization_pending` → keep waiting; 429 → slow down (+5 s); 400 `invalid device
//! code` → keep waiting too (Twitch has answered it for pending codes, docs/twitch.md §9);
//! any other 400 → fatal; stop at `expires_in`. Cancellable.

use std::sync::Arc;
use std::time::Duration;

use tokio_util::sync::CancellationToken;

use super::twitch::{OAuthClient, OAuthError, TokenGrant};
use super::{BrowserOpener, SignInProgress, open_browser};

/// How much a 429 slows the polling down (RFC 8628's slow_down step).
pub const SLOW_DOWN_STEP: Duration = Duration::from_secs(5);

/// Options of one device login.
#[derive(Debug, Clone, Default)]
pub struct DeviceOptions {
    /// Poll at this interval instead of Twitch's `interval`. Only for the simulator in
    /// tests; against Twitch leave it `None` (polling faster than `interval` is not allowed).
    pub poll_interval: Option<Duration>,
}

/// Why a device login did not produce tokens.
#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
pub enum DeviceError {
    /// Twitch refused to start the flow (unknown client id, bad scope, …).
    #[error("Twitch refused to start the device login: {0}")]
    Start(OAuthError),
    /// The user declined (or Twitch refused the code for another reason).
    #[error("the Twitch login was not approved: {0}")]
    Denied(String),
    /// The code expired before the user confirmed it.
    #[error("the login code expired before it was confirmed; start the login again")]
    Expired,
    /// The user cancelled.
    #[error("the login was cancelled")]
    Cancelled,
}

/// Runs one device login: start, report the code, open the browser, poll until approved,
/// denied, expired or cancelled.
pub async fn login(
    oauth: &OAuthClient,
    scopes: &[String],
    options: &DeviceOptions,
    opener: Arc<dyn BrowserOpener>,
    cancel: CancellationToken,
    progress: &(dyn Fn(SignInProgress) + Send + Sync),
) -> Result<TokenGrant, DeviceError> {
    let start = tokio::select! {
        biased;
        _ = cancel.cancelled() => return Err(DeviceError::Cancelled),
        r = oauth.device_start(scopes) => r.map_err(DeviceError::Start)?,
    };
    // Clamped so that a nonsense answer cannot overflow the clock arithmetic below.
    let expires_in = Duration::from_secs(start.expires_in.clamp(1, 86_400));
    let now = chrono::Utc::now();
    let expires_at = chrono::TimeDelta::from_std(expires_in)
        .ok()
        .and_then(|d| now.checked_add_signed(d))
        .unwrap_or(now);
    progress(SignInProgress::DeviceCode {
        user_code: start.user_code.clone(),
        verification_uri: start.verification_uri.clone(),
        expires_at,
    });
    open_browser(opener, &start.verification_uri).await;

    let deadline = tokio::time::Instant::now() + expires_in;
    let mut interval =
        options.poll_interval.unwrap_or_else(|| Duration::from_secs(start.interval.clamp(1, 60)));
    loop {
        let next = tokio::time::Instant::now() + interval;
        if next > deadline {
            // One last wait up to expiry is pointless: Twitch would answer "invalid device code".
            tokio::select! {
                biased;
                _ = cancel.cancelled() => return Err(DeviceError::Cancelled),
                _ = tokio::time::sleep_until(deadline) => return Err(DeviceError::Expired),
            }
        }
        tokio::select! {
            biased;
            _ = cancel.cancelled() => return Err(DeviceError::Cancelled),
            _ = tokio::time::sleep_until(next) => {}
        }
        let polled = tokio::select! {
            biased;
            _ = cancel.cancelled() => return Err(DeviceError::Cancelled),
            r = oauth.device_poll(&start.device_code, scopes) => r,
        };
        match polled {
            Ok(grant) => return Ok(grant),
            Err(OAuthError::Rejected { status: 400, message })
                if message.eq_ignore_ascii_case("authorization_pending") => {}
            Err(OAuthError::Rejected { status: 429, .. }) => {
                interval += SLOW_DOWN_STEP;
                tracing::debug!(?interval, "device poll rate-limited; slowing down");
            }
            // Twitch was seen answering this while the code was still pending
            // (https://github.com/twitchdev/issues/issues/971, docs/twitch.md §9): keep polling.
            // A code that really is used or expired answers the same, so the login still ends
            // at `expires_in` above, with `Expired`.
            Err(OAuthError::Rejected { status: 400, message })
                if message.eq_ignore_ascii_case("invalid device code") =>
            {
                tracing::debug!("device poll: invalid device code; polling on until it expires");
            }
            Err(OAuthError::Rejected { status, message }) if (400..500).contains(&status) => {
                return Err(DeviceError::Denied(message));
            }
            // 5xx, network trouble: transient, poll again at the next interval.
            Err(e) => tracing::warn!(error = %e, "device poll failed; retrying"),
        }
    }
}
