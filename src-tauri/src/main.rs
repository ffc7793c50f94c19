//! The app's binary: everything is in the library (`lib.rs`), started at once.

// Prevents an extra console window on Windows in release builds.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

fn main() -> std::process::ExitCode {
    twitch_event_viewer_lib::run()
}
