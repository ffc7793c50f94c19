//! The seam between the token owner (`auth`) and everything that calls Twitch with a user
//! token (Helix, the EventSub reconciler).
//!
//! Callers never keep a token: they ask [`TokenSource::current`] at the moment of each call
//! (docs/twitch.md §7 pitfall 10: a token captured at start-up fails after a refresh), and on a
//! Helix 401 they call [`TokenSource::refresh_after_401`] once, which refreshes at most once
//! however many callers report the same rejected token at the same time.

use std::future::Future;
use std::pin::Pin;
use zeroize::Zeroizing;

/// A boxed future, so the trait stays object-safe (`Arc<dyn TokenSource>`).
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// An OAuth access token. Deliberately has no `Debug`, `Display` or `Serialize`, and is
/// zeroized on drop: the only way to the text is [`AccessToken::secret`], used to build an
/// `Authorization` header.
#[derive(Clone, PartialEq, Eq)]
pub struct AccessToken(Zeroizing<String>);

impl AccessToken {
    pub fn new(s: impl Into<String>) -> Self {
        Self(Zeroizing::new(s.into()))
    }
    /// The token's text, for an `Authorization` header and nothing else.
    pub fn secret(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for AccessToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("AccessToken(<redacted>)")
    }
}

/// What a Helix call needs: the client id that issued the token, the token, and who it is for.
#[derive(Clone, Debug)]
pub struct Credentials {
    pub client_id: String,
    pub token: AccessToken,
    /// The token's user (Twitch user id), from `/oauth2/validate`.
    pub user_id: String,
    pub login: String,
    /// Scopes granted on this token.
    pub scopes: Vec<String>,
}

/// Why no usable token could be had.
#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
pub enum TokenError {
    #[error("not signed in")]
    SignedOut,
    #[error("the Twitch login expired or was revoked: {0}")]
    Expired(String),
    #[error("could not reach Twitch to refresh the login: {0}")]
    Unreachable(String),
}

/// Who owns the user's token. Implemented by the auth module's token owner, and by
/// [`StaticTokens`] in tests.
pub trait TokenSource: Send + Sync + 'static {
    /// The current credentials, read now.
    fn current(&self) -> BoxFuture<'_, Result<Credentials, TokenError>>;
    /// A call with `rejected` got HTTP 401. Refresh (once, however many callers ask with the
    /// same rejected token) and return the fresh credentials.
    fn refresh_after_401<'a>(
        &'a self,
        rejected: &'a AccessToken,
    ) -> BoxFuture<'a, Result<Credentials, TokenError>>;
}

/// A fixed token that never refreshes; for tests and tools.
pub struct StaticTokens(pub Credentials);

impl TokenSource for StaticTokens {
    fn current(&self) -> BoxFuture<'_, Result<Credentials, TokenError>> {
        let c = self.0.clone();
        Box::pin(async move { Ok(c) })
    }
    fn refresh_after_401<'a>(
        &'a self,
        _rejected: &'a AccessToken,
    ) -> BoxFuture<'a, Result<Credentials, TokenError>> {
        Box::pin(async { Err(TokenError::Expired("static token rejected".into())) })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_the_token() {
        let c = Credentials {
            client_id: "cid".into(),
            token: AccessToken::new("supersecrettokenvalue"),
            user_id: "1".into(),
            login: "a".into(),
            scopes: vec![],
        };
        let dbg = format!("{c:?}");
        assert!(!dbg.contains("supersecrettokenvalue"), "{dbg}");
        assert!(dbg.contains("redacted"));
    }
}
