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
    /// A chat message Twitch would refuse as it is (empty, over 500 characters): not sent.
    ChatInvalid,
    /// Twitch refused a chat message for a missing scope: chatting is to be turned on again.
    ChatNotAllowed,
    /// Twitch refused a chat message otherwise (401, 403): its words say why.
    ChatRefused,
    /// Twitch's rate limit (429) refused a chat message: send it again later.
    ChatRateLimited,
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
            Self::ChatInvalid => "chat_invalid",
            Self::ChatNotAllowed => "chat_not_allowed",
            Self::ChatRefused => "chat_refused",
            Self::ChatRateLimited => "chat_rate_limited",
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
    /// An error with `code`, saying `message` to the viewer.
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

impl From<tev_core::settings::ConfigError> for UiError {
    fn from(e: tev_core::settings::ConfigError) -> Self {
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
    //! One test per code: what the page receives, and the failures that give it.

    use super::*;
    use serde_json::json;
    use tev_core::auth::AuthError;
    use tev_core::helix::HelixError;
    use tev_core::keychain::KeychainError;
    use tev_core::settings::ConfigError;
    use tev_core::watcher::WatcherError;

    /// What a page receives for `e`.
    fn wire(e: &UiError) -> serde_json::Value {
        serde_json::to_value(e).expect("serialises")
    }

    /// Asserts that `e` reaches the page as `{code, message}` with `code`.
    fn reads(e: UiError, code: &str) {
        assert_eq!(wire(&e), json!({"code": code, "message": e.message}), "{e:?}");
        assert_eq!(e.code.as_str(), code);
        assert_eq!(e.to_string(), format!("{code}: {}", e.message));
    }

    #[test]
    fn a_settings_file_that_cannot_be_used_reads_settings() {
        reads(ConfigError::Invalid("port 0".into()).into(), "settings");
        reads(UiError::new(ErrorCode::Settings, "The choice could not be saved."), "settings");
    }

    #[test]
    fn no_client_id_reads_not_configured() {
        reads(AuthError::NoClientId.into(), "not_configured");
        let e = UiError::no_client();
        assert!(e.message.contains("Client ID"), "says what to do: {}", e.message);
        reads(e, "not_configured");
    }

    #[test]
    fn no_keychain_at_all_reads_keychain_unavailable() {
        reads(
            KeychainError::Unavailable("no Secret Service".into()).into(),
            "keychain_unavailable",
        );
        let via_login = AuthError::Keychain(KeychainError::Unavailable("locked".into()));
        reads(via_login.into(), "keychain_unavailable");
    }

    #[test]
    fn a_keychain_that_fails_reads_keychain() {
        reads(KeychainError::Corrupt.into(), "keychain");
        reads(AuthError::Keychain(KeychainError::Other("D-Bus".into())).into(), "keychain");
    }

    #[test]
    fn a_login_that_fails_reads_login_failed() {
        reads(AuthError::Busy.into(), "login_failed");
        reads(AuthError::NoRefreshToken.into(), "login_failed");
    }

    #[test]
    fn helix_answering_wrong_reads_twitch() {
        let e: UiError = HelixError::Network("connection refused".into()).into();
        assert!(e.message.starts_with("Twitch did not answer as expected"), "{}", e.message);
        reads(e, "twitch");
    }

    #[test]
    fn a_login_nobody_has_reads_unknown_channel() {
        reads(WatcherError::UnknownChannel("nosuchchannel".into()).into(), "unknown_channel");
    }

    #[test]
    fn a_watcher_that_stopped_reads_watcher() {
        reads(WatcherError::Stopped.into(), "watcher");
        reads(WatcherError::Helix(HelixError::Decode("{".into())).into(), "watcher");
    }

    #[test]
    fn a_malformed_client_id_reads_bad_client_id() {
        reads(UiError::new(ErrorCode::BadClientId, "Not a Client ID."), "bad_client_id");
    }

    #[test]
    fn an_oauth_client_that_cannot_be_made_reads_setup_failed() {
        reads(UiError::new(ErrorCode::SetupFailed, "Bad endpoint."), "setup_failed");
    }

    #[test]
    fn a_client_id_twitch_refuses_reads_client_rejected() {
        reads(UiError::new(ErrorCode::ClientRejected, "Unknown client."), "client_rejected");
    }

    #[test]
    fn a_browser_that_does_not_open_reads_browser() {
        reads(UiError::new(ErrorCode::Browser, "Could not open the browser."), "browser");
    }

    #[test]
    fn a_bad_channel_name_reads_bad_login() {
        reads(UiError::new(ErrorCode::BadLogin, "That is not a Twitch channel name."), "bad_login");
    }

    #[test]
    fn an_unknown_kind_of_event_reads_bad_kind() {
        reads(UiError::new(ErrorCode::BadKind, "That is not a kind of event."), "bad_kind");
    }

    #[test]
    fn a_page_that_is_no_panel_reads_not_a_panel() {
        reads(UiError::not_a_panel(), "not_a_panel");
    }

    #[test]
    fn a_panel_whose_window_closed_reads_not_open() {
        reads(UiError::not_open(), "not_open");
    }

    #[test]
    fn a_window_that_cannot_be_built_reads_window() {
        reads(UiError::new(ErrorCode::Window, "Could not open the streamer window."), "window");
    }
}
