//! Twitch Event Viewer, the desktop app: Tauri glue only.
//!
//! Windows, commands, deep links and capabilities live here; everything else is in
//! `tev-core`. Keep this file small: it wires modules together and nothing more.

mod commands;
mod error;
mod state;

use std::process::ExitCode;

/// Builds and runs the app. Returns a failure exit code (after logging why) instead of
/// panicking when the app cannot start.
pub fn run() -> ExitCode {
    init_tracing();
    // rustls needs exactly one process-wide crypto provider before any wss:// connect
    // (stack.md: tokio-tungstenite panics otherwise).
    let _ = rustls::crypto::ring::default_provider().install_default();

    let state = match state::AppState::from_env() {
        Ok(s) => s,
        Err(e) => {
            tracing::error!("cannot start: {e}");
            eprintln!("Twitch Event Viewer cannot start: {e}");
            return ExitCode::FAILURE;
        }
    };
    tracing::info!(endpoints = %state.endpoints.describe(), "starting");

    let result = tauri::Builder::default()
        .manage(state)
        .invoke_handler(tauri::generate_handler![commands::app_info])
        .run(tauri::generate_context!());
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!("the app stopped with an error: {e}");
            ExitCode::FAILURE
        }
    }
}

fn init_tracing() {
    let filter = tracing_subscriber::EnvFilter::try_from_env("TEV_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let _ =
        tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).try_init();
}
