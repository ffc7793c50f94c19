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
    #[allow(dead_code)]
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
