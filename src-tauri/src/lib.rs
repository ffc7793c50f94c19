//! Twitch Event Viewer, the desktop app: Tauri glue only.
//!
//! Windows, commands, deep links and capabilities live here; everything else is in
//! `tev-core`. Keep this file small: it wires modules together and nothing more.
//!
//! # Layout
//!
//! Each module imports only modules listed before it (`layering.rs` checks it):
//!
//! - `error`, `state`: the `{ code, message }` error the pages receive; the app's managed state.
//! - `views`: everything the pages see (each command's reply, each event's payload and name).
//! - `windows`: the streamer windows (Twitch's player and chat, the app's panel) and their layout.
//! - `home`: the home window, its notices, and what a cold start with a link does with it.
//! - `panel`: what a streamer window's panel reads and saves.
//! - `channels`: the open channels and their windows, the favourite watched in the background,
//!   the picker's searches.
//! - `session`, `forwarding`, `notifications`, `deeplinks`, `chat`: the session with Twitch
//!   (setup, login, the core's pieces), the live feed pushed to the panels, desktop
//!   notifications, links, the message box under a streamer window's chat.
//! - `tray`: the tray icon and its menu, closing to the tray, starting with the session.
//! - `commands`: the commands by domain, each a few lines; listed once in `commands/list.rs`.
//!
//! Beside them: `inline_pages` (the pages served with their scripts and styles inlined),
//! `webkit_env` (WebKit's environment, set before any thread starts), `panes` (what keeps
//! Twitch's player and chat on Twitch) and `video` (the command a system without an H.264
//! decoder is told to run).

mod channels;
mod chat;
mod commands;
mod deeplinks;
mod error;
mod forwarding;
mod home;
mod inline_pages;
#[cfg(test)]
mod layering;
mod notifications;
mod panel;
mod panes;
mod session;
mod state;
mod tray;
mod video;
mod views;
mod webkit_env;
mod windows;

use std::process::ExitCode;
use std::sync::Arc;

/// The handlers of the commands `app_commands!` lists (see `commands/list.rs`).
macro_rules! handlers {
    ($($module:ident::$command:ident => $capability:literal),* $(,)?) => {
        tauri::generate_handler![$(commands::$module::$command),*]
    };
}

/// Builds and runs the app. Returns a failure exit code (after logging why) instead of
/// panicking when the app cannot start. Call it first thing in `main`, before any thread is
/// started: it sets WebKit's environment (see `webkit_env`).
pub fn run() -> ExitCode {
    // One arena for the app (BENCHMARKS.md "Growth"), set before any thread exists, as it must be.
    let tuned = tev_core::memory::tune_allocator();
    // SAFETY: the first thing the app does (main calls run at once): no other thread exists.
    unsafe { webkit_env::apply() };
    init_tracing();
    tracing::debug!(tuned, "allocator set up");
    // One process-wide rustls provider before any HTTP client or wss:// connect is made
    // (docs/platform.md "WebSocket and TLS").
    tev_core::tls::install();

    let (state, storage_notice) = match startup_state() {
        Ok(s) => s,
        Err(e) => {
            tracing::error!("cannot start: {e}");
            eprintln!("Twitch Event Viewer cannot start: {e}");
            return ExitCode::FAILURE;
        }
    };
    tracing::info!(endpoints = %state.endpoints.describe(), "starting");
    let live = state.live.clone();

    let result = tauri::Builder::default()
        // Registered first (docs/platform.md "Deep links and single instance"): a second launch
        // hands its arguments — a link — to this instance and exits. With the `deep-link` feature
        // the link reaches `on_open_url`.
        .plugin(tauri_plugin_single_instance::init(|app, args, _cwd| {
            // A second start in the tray (the session's autostart) leaves this one as it is.
            if tev_core::deeplink::find_in_args(&args).is_none()
                && !args.iter().any(|a| a == tray::MINIMIZED_ARG)
            {
                home::show(app);
            }
        }))
        .plugin(tauri_plugin_deep_link::init())
        // Shown from Rust only (`notifications.rs`); no page is granted the plugin's commands.
        .plugin(tauri_plugin_notification::init())
        // "Start with the session" (off until chosen, `tray::set`): the entry starts the app in
        // the tray.
        .plugin(tauri_plugin_autostart::init(
            tauri_plugin_autostart::MacosLauncher::LaunchAgent,
            Some(vec![tray::MINIMIZED_ARG]),
        ))
        .manage(state.clone())
        .manage(home::Home::default())
        .manage(channels::Channels::default())
        .manage(notifications::DesktopNotifier::default())
        .manage(windows::TwitchPagesToCome::default())
        .on_window_event(|window, event| {
            let app = tauri::Manager::app_handle(window);
            let in_tray =
                || tray::keeps_running(&tauri::Manager::state::<Arc<state::AppState>>(app));
            match event {
                // The home window closed to the tray: hidden, the app keeps running.
                tauri::WindowEvent::CloseRequested { api, .. }
                    if window.label() == home::LABEL && in_tray() =>
                {
                    api.prevent_close();
                    let _ = window.hide();
                    tracing::info!("the home window closed to the tray");
                }
                // The last streamer window closed: with the app in the tray nothing comes up.
                tauri::WindowEvent::Destroyed
                    if windows::is_streamer_window(window.label()) && !in_tray() =>
                {
                    home::streamer_window_closed(app, window.label());
                }
                _ => {}
            }
        })
        .setup(move |app| {
            tracing::debug!("setting up");
            let handle = app.handle().clone();
            // The core first: its listeners before anything can be heard, then the login
            // restored (keychain, validation with Twitch) on the runtime's threads while this
            // thread builds the windows, instead of after them. A link's window waits for the
            // login: against Twitch its round trip now overlaps the ~100 ms the home window
            // takes to build (the simulator answers at once: no change in the benchmark).
            forwarding::forward_live(&handle, &state);
            exit_on_signal(&handle);
            notifications::spawn(&handle, state.clone());
            forwarding::refresh_viewers(state.clone());
            {
                let (handle, state) = (handle.clone(), state.clone());
                tauri::async_runtime::spawn(async move {
                    if let Err(e) = session::connect(&handle, state.clone()).await {
                        tracing::warn!("could not connect to Twitch at start: {e}");
                    }
                    state.started.send_replace(true);
                });
            }
            // A cold start with a link builds the home window hidden (see `home`).
            let links = deeplinks::at_start(&handle);
            let for_link = deeplinks::asks_for_a_window(&links);
            let args: Vec<String> = std::env::args().collect();
            let minimized = !for_link && tray::start_minimized(&args);
            let home = home::build(app, for_link, minimized)?;
            tracing::debug!(for_link, minimized, "home window built");
            if let Err(e) = tray::build(&handle, state.clone()) {
                tracing::warn!(error = %e, "no tray icon");
            }
            // Kept by `home` until the page listens for notices.
            if let Some(message) = &storage_notice {
                home::notice(&handle, "storage", message);
            }
            #[cfg(target_os = "linux")]
            if let Some(home) = tauri::Manager::get_webview(app, home.label()) {
                windows::draw_in_software(&home);
                windows::reload_after_crash(&home);
            }
            #[cfg(not(target_os = "linux"))]
            let _ = home;
            deeplinks::listen(&handle, links);
            tracing::debug!("set up");
            Ok(())
        })
        .invoke_handler(commands::app_commands!(handlers))
        .build(context())
        .map(|app| {
            app.run(move |_, event| {
                // The app stops listening: the rows and this moment go to disk, so the next
                // start's "app was closed" gap starts here, on the channels shown now.
                if let tauri::RunEvent::Exit = event
                    && let Err(e) = live.stopped_listening()
                {
                    tracing::warn!(error = %e, "could not save the recent events at exit");
                }
            })
        });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!("the app stopped with an error: {e}");
            ExitCode::FAILURE
        }
    }
}

/// SIGTERM or SIGINT (a logout of the desktop session, `kill`, Ctrl+C) ends the app the way
/// closing it does, so the exit hook in `run` saves the recent events and the moment the app
/// stopped listening.
fn exit_on_signal(handle: &tauri::AppHandle) {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let handle = handle.clone();
        tauri::async_runtime::spawn(async move {
            let (Ok(mut term), Ok(mut int)) =
                (signal(SignalKind::terminate()), signal(SignalKind::interrupt()))
            else {
                tracing::warn!("cannot listen for SIGTERM/SIGINT; a signal ends the app unsaved");
                return;
            };
            tokio::select! {
                _ = term.recv() => {}
                _ = int.recv() => {}
            }
            tracing::info!("asked to stop by a signal; exiting");
            handle.exit(0);
        });
    }
    #[cfg(not(unix))]
    let _ = handle;
}

/// The app's context, its pages served with their style sheets and scripts inlined
/// (`inline_pages`: one request a page).
fn context() -> tauri::Context {
    let mut context = tauri::generate_context!();
    let embedded = context.set_assets(Box::new(inline_pages::NoAssets));
    context.set_assets(Box::new(inline_pages::InlinedPages::new(embedded)));
    context
}

/// Endpoints, settings store and the stored recent events, before any window opens, with what
/// the home window must say about files that could not be used. A damaged or unreadable
/// settings or events file never stops the start (docs/ARCHITECTURE.md, "Damaged files").
fn startup_state() -> Result<(std::sync::Arc<state::AppState>, Option<String>), String> {
    let endpoints = tev_core::Endpoints::from_env().map_err(|e| e.to_string())?;
    let config = tev_core::settings::ConfigStore::from_env().map_err(|e| e.to_string())?;
    let (config, settings_notice) = config.checked_at_start();
    let data_dir = tev_core::paths::data_dir().map_err(|e| e.to_string())?;
    let (live, report) = tev_core::live::LiveFeed::open(&data_dir, 10);
    if let Ok(settings) = config.load() {
        live.set_retention_days(settings.event_retention_days);
    }
    let notices: Vec<String> = settings_notice.into_iter().chain(report.notice()).collect();
    let notice = (!notices.is_empty()).then(|| notices.join(" "));
    Ok((state::AppState::new(endpoints, config, live), notice))
}

fn init_tracing() {
    let filter = tracing_subscriber::EnvFilter::try_from_env("TEV_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let _ =
        tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).try_init();
}
