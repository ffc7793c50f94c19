//! The one error shape that reaches the app's pages: `{ code, message }`.
//!
//! `code` is an [`ErrorCode`], a stable snake_case identifier the UI can branch on; `message` is
//! written for a viewer, never Rust debug output, and never carries a token.

use serde::{Serialize, Serializer};

/// What went wrong, as the pages see it (`code`). Serialised as its snake_case name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorCode {
    /// `settings.json` could not be read or written, or a choice could not be saved.
    Settings,
    /// No Twitch application (Client ID) is configured yet, so nothing can reach Twitch.
    NotConfigured,
    /// No usable OS keychain (no Secret Service, locked keyring).
    KeychainUnavailable,
    /// The OS keychain failed otherwise (timeout, unreadable entry).
    Keychain,
    /// A login failed (Twitch refused, the flow broke, another login runs).
    LoginFailed,
    /// Helix did not answer as expected.
    Twitch,
    /// No Twitch channel has the login asked for.
    UnknownChannel,
    /// The EventSub watcher failed (stopped, misconfigured).
    Watcher,
    /// What was entered is not a Client ID.
    BadClientId,
    /// The OAuth client could not be made from the Client ID.
    SetupFailed,
    /// Twitch does not accept the Client ID.
    ClientRejected,
    /// The browser could not be opened.
    Browser,
    /// What was given is not a Twitch login.
    BadLogin,
    /// What was given is not a kind of event.
    BadKind,
    /// The calling page is not a streamer panel.
    NotAPanel,
    /// The calling panel's channel window is not open (any more).
    NotOpen,
    /// The streamer window could not be built.
    Window,
}

impl ErrorCode {
    /// The code as the pages see it.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Settings => "settings",
            Self::NotConfigured => "not_configured",
            Self::KeychainUnavailable => "keychain_unavailable",
            Self::Keychain => "keychain",
            Self::LoginFailed => "login_failed",
            Self::Twitch => "twitch",
            Self::UnknownChannel => "unknown_channel",
            Self::Watcher => "watcher",
            Self::BadClientId => "bad_client_id",
            Self::SetupFailed => "setup_failed",
            Self::ClientRejected => "client_rejected",
            Self::Browser => "browser",
            Self::BadLogin => "bad_login",
            Self::BadKind => "bad_kind",
            Self::NotAPanel => "not_a_panel",
            Self::NotOpen => "not_open",
            Self::Window => "window",
        }
    }
}

impl Serialize for ErrorCode {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl std::fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An error as a page receives it from a command.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct UiError {
    /// What went wrong, for the page to branch on.
    pub code: ErrorCode,
    /// What went wrong, in words for a viewer.
    pub message: String,
}

impl UiError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self { code, message: message.into() }
    }

    /// No Twitch application is configured yet, so there is no session with Twitch.
    pub fn no_client() -> Self {
        Self::new(
            ErrorCode::NotConfigured,
            "No Twitch application is configured yet: enter its Client ID on the home window.",
        )
    }

    /// The calling page is not a streamer panel.
    pub fn not_a_panel() -> Self {
        Self::new(ErrorCode::NotAPanel, "This page is not a streamer panel.")
    }

    /// The calling panel's window is not open.
    pub fn not_open() -> Self {
        Self::new(ErrorCode::NotOpen, "This channel's window is not open.")
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
        Self::new(ErrorCode::Settings, e.to_string())
    }
}

impl From<tev_core::auth::AuthError> for UiError {
    fn from(e: tev_core::auth::AuthError) -> Self {
        use tev_core::auth::AuthError as A;
        let code = match &e {
            A::NoClientId => ErrorCode::NotConfigured,
            A::Keychain(k) => keychain_code(k),
            _ => ErrorCode::LoginFailed,
        };
        Self::new(code, e.to_string())
    }
}

impl From<tev_core::keychain::KeychainError> for UiError {
    fn from(e: tev_core::keychain::KeychainError) -> Self {
        Self::new(keychain_code(&e), e.to_string())
    }
}

/// The code of a keychain failure: whether there is no keychain at all, or it failed.
fn keychain_code(e: &tev_core::keychain::KeychainError) -> ErrorCode {
    match e {
        tev_core::keychain::KeychainError::Unavailable(_) => ErrorCode::KeychainUnavailable,
        _ => ErrorCode::Keychain,
    }
}

impl From<tev_core::helix::HelixError> for UiError {
    fn from(e: tev_core::helix::HelixError) -> Self {
        Self::new(ErrorCode::Twitch, format!("Twitch did not answer as expected: {e}"))
    }
}

impl From<tev_core::watcher::WatcherError> for UiError {
    fn from(e: tev_core::watcher::WatcherError) -> Self {
        let code = match &e {
            tev_core::watcher::WatcherError::UnknownChannel(_) => ErrorCode::UnknownChannel,
            _ => ErrorCode::Watcher,
        };
        Self::new(code, e.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serializes_as_code_and_message() {
        let e = UiError::new(ErrorCode::KeychainUnavailable, "No keychain is available.");
        let v = serde_json::to_value(&e).expect("serializes");
        assert_eq!(
            v,
            serde_json::json!({"code": "keychain_unavailable", "message": "No keychain is available."})
        );
    }
}
