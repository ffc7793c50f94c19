//! The Rust core of Twitch Event Viewer.
//!
//! Everything here compiles and tests without Tauri or a display: configuration, the
//! endpoints of Twitch (or of the local simulator), OAuth and the keychain, Helix, the
//! EventSub WebSocket session and the normalised feed of recent events. The desktop app in
//! `src-tauri` and the `tev` command-line tool are thin front ends over this crate.

pub mod alerts;
pub mod auth;
pub mod deeplink;
pub mod endpoints;
pub mod eventsub;
pub mod feed;
pub mod helix;
pub mod keychain;
pub mod kind;
pub mod live;
pub mod memory;
pub mod notify;
pub mod paths;
pub mod recent;
pub mod replay;
pub mod settings;
pub mod store;
pub mod tls;
pub mod token;
pub mod watcher;

pub use endpoints::Endpoints;

/// The version of the core, shown in the app's about line and by `tev --version`.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
