//! Declares the app's own commands to Tauri's ACL (an app manifest), so that a webview can
//! only call what a capability grants it. Twitch's pages (player, chat) get no capability.

/// Every command the app's own pages may call. Adding a command means adding it here,
/// in `src/commands.rs`, and granting `allow-<name>` in `capabilities/app-pages.json`.
const COMMANDS: &[&str] = &[
    "app_info",
    "settings_get",
    "setup_save",
    "auth_state",
    "login_start",
    "login_cancel",
    "login_open_activation",
    "logout",
    "search_channels",
    "followed_channels",
    "set_favourite",
    "open_streamer",
    "streamer_snapshot",
    "notifications_get",
    "notifications_set",
    // Feed controls (issue 7): granted to streamer panels only, by capabilities/streamer-panel.json.
    "feed_prefs_get",
    "feed_prefs_set",
    // The panel's rows after a `feed` signal (issue 9): streamer panels only.
    "streamer_events",
    // The panel's first paint is on screen; Twitch's pages may start (issue 9): panels only.
    "streamer_painted",
];

fn main() {
    let attributes = tauri_build::Attributes::new()
        .app_manifest(tauri_build::AppManifest::new().commands(COMMANDS));
    if let Err(e) = tauri_build::try_build(attributes) {
        // A build script has no one to return an error to: cargo shows this and stops.
        panic!("tauri-build failed: {e:#}");
    }
}
