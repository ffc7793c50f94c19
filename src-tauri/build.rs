//! Declares the app's own commands to Tauri's ACL (an app manifest), so that a webview can
//! only call what a capability grants it. Twitch's pages (player, chat) get no capability.

// `app_commands!`: every command of the app, with the capability that grants it.
include!("src/commands/list.rs");

/// The names of the commands `app_commands!` lists.
macro_rules! command_names {
    ($($module:ident::$command:ident => $capability:literal),* $(,)?) => {
        &[$(stringify!($command)),*]
    };
}

/// Every command the app's own pages may call (see `src/commands/list.rs`).
const COMMANDS: &[&str] = app_commands!(command_names);

fn main() {
    let attributes = tauri_build::Attributes::new()
        .app_manifest(tauri_build::AppManifest::new().commands(COMMANDS));
    if let Err(e) = tauri_build::try_build(attributes) {
        // A build script has no one to return an error to: cargo shows this and stops.
        panic!("tauri-build failed: {e:#}");
    }
}
