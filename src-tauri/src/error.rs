//! The one error shape that reaches the app's pages: `{ code, message }`.
//!
//! `code` is a stable snake_case identifier the UI can branch on; `message` is written for
//! a viewer, never Rust debug output, and never carries a token.

use serde::Serialize;

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct UiError {
    pub code: &'static str,
    pub message: String,
}

impl UiError {
    pub fn new(code: &'static str, message: impl Into<String>) -> Self {
        Self { code, message: message.into() }
    }
}

impl std::fmt::Display for UiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.code, self.message)
    }
}

impl std::error::Error for UiError {}

// The core's errors are written for people and never carry a token; each maps to a stable code.

impl From<tev_core::config::ConfigError> for UiError {
    fn from(e: tev_core::config::ConfigError) -> Self {
        Self::new("settings", e.to_string())
    }
}

impl From<tev_core::auth::AuthError> for UiError {
    fn from(e: tev_core::auth::AuthError) -> Self {
        use tev_core::auth::AuthError as A;
        let code = match &e {
            A::NoClientId => "not_configured",
            A::Keychain(tev_core::keychain::KeychainError::Unavailable(_)) => {
                "keychain_unavailable"
            }
            A::Keychain(_) => "keychain",
            _ => "login_failed",
        };
        Self::new(code, e.to_string())
    }
}

impl From<tev_core::keychain::KeychainError> for UiError {
    fn from(e: tev_core::keychain::KeychainError) -> Self {
        let code = match &e {
            tev_core::keychain::KeychainError::Unavailable(_) => "keychain_unavailable",
            _ => "keychain",
        };
        Self::new(code, e.to_string())
    }
}

impl From<tev_core::helix::HelixError> for UiError {
    fn from(e: tev_core::helix::HelixError) -> Self {
        Self::new("twitch", format!("Twitch did not answer as expected: {e}"))
    }
}

impl From<tev_core::watcher::WatcherError> for UiError {
    fn from(e: tev_core::watcher::WatcherError) -> Self {
        let code = match &e {
            tev_core::watcher::WatcherError::UnknownChannel(_) => "unknown_channel",
            _ => "watcher",
        };
        Self::new(code, e.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serializes_as_code_and_message() {
        let e = UiError::new("keychain_unavailable", "No keychain is available.");
        let v = serde_json::to_value(&e).expect("serializes");
        assert_eq!(
            v,
            serde_json::json!({"code": "keychain_unavailable", "message": "No keychain is available."})
        );
    }
}
