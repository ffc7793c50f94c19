//! `twitch-event-viewer://` links: parsed by `tev_core::deeplink` (an enum, login checked
//! against `^[A-Za-z0-9_]{1,25}$`), then acted on here. A link only ever opens or focuses a
//! window: it never logs in or out and never changes a setting. A bad link shows a message on
//! the home window and does nothing else. The links come from the deep-link plugin (one the app
//! was started with, or one a second launch hands over) and are read and listened for here.

use crate::state::{AppState, AppStateExt};
use crate::{channels, home};
use std::time::Duration;
use tauri::AppHandle;
use tauri_plugin_deep_link::DeepLinkExt;
use tev_core::auth::AuthState;
use tev_core::deeplink::{DeepLink, DeepLinkError};

/// The links the app was started with, read: at a cold start with a link, the deep-link
/// plugin's `on_open_url` does not fire for it (docs/platform.md "Deep links and single instance").
pub fn at_start(app: &AppHandle) -> Vec<Result<DeepLink, DeepLinkError>> {
    match app.deep_link().get_current() {
        Ok(Some(urls)) => urls.iter().map(DeepLink::try_from).collect(),
        _ => Vec::new(),
    }
}

/// Whether one of `links` asks for a streamer window.
pub fn asks_for_a_window(links: &[Result<DeepLink, DeepLinkError>]) -> bool {
    links.iter().any(|l| matches!(l, Ok(DeepLink::Watch { .. })))
}

/// Acts on the links the app was started with and on every link from now on, and registers the
/// app as the handler of its scheme when no package did.
pub fn listen(app: &AppHandle, started_with: Vec<Result<DeepLink, DeepLinkError>>) {
    // Registers the scheme handler for this user (a .desktop file on Linux) so
    // `gio open twitch-event-viewer://…` reaches the app outside a package too
    // (a build, an AppImage). An installed package's own desktop entry already
    // handles the scheme; registering over it would leave a handler pointing at a
    // removed binary after an uninstall.
    // Off this thread: on Linux it writes the file and runs two programs
    // (`update-desktop-database`, `xdg-mime`), ~20 ms that a start by a link
    // waited for before building its window (BENCHMARKS.md "Start-up").
    #[cfg(any(target_os = "linux", all(debug_assertions, windows)))]
    if !installed_by_a_package() {
        let h = app.clone();
        tauri::async_runtime::spawn_blocking(move || match h.deep_link().register_all() {
            Ok(()) => tracing::debug!("link handler registered"),
            Err(e) => tracing::info!("could not register the link handler: {e}"),
        });
    }
    let h = app.clone();
    app.deep_link().on_open_url(move |event| {
        for url in event.urls() {
            handle(&h, DeepLink::try_from(&url));
        }
    });
    for link in started_with {
        handle(app, link);
    }
}

/// Whether this binary came from a system package (.deb/.rpm put it under `/usr`), whose
/// desktop entry registers the link scheme for everyone.
#[cfg(any(target_os = "linux", all(debug_assertions, windows)))]
fn installed_by_a_package() -> bool {
    cfg!(target_os = "linux") && std::env::current_exe().is_ok_and(|exe| exe.starts_with("/usr/"))
}

/// Acts on a link (from the deep-link plugin, a second instance's arguments or a cold start).
pub fn handle(app: &AppHandle, link: Result<DeepLink, DeepLinkError>) {
    match link {
        Ok(DeepLink::Home) => home::show(app),
        Ok(DeepLink::Watch { login }) => {
            let app = app.clone();
            tauri::async_runtime::spawn(async move {
                let state = app.app_state().clone();
                // At a cold start the login is still being restored: wait for it a little.
                tracing::debug!(%login, "link to a channel; waiting for the login");
                if !wait_signed_in(&state, Duration::from_secs(20)).await {
                    home::show(&app);
                    home::notice(
                        &app,
                        "not_signed_in",
                        &format!("Log in with Twitch first, then the link to {login} will work."),
                    );
                    return;
                }
                if let Err(e) = channels::open_channel(&app, state, &login).await {
                    home::show(&app);
                    home::notice(&app, e.code.as_str(), &e.message);
                }
            });
        }
        Err(e) => {
            tracing::info!(code = e.code(), "refused a deep link");
            home::show(app);
            home::notice(app, e.code(), &e.to_string());
        }
    }
}

/// Waits (up to `within`) until a user is signed in; false at the deadline or as soon as it
/// is known that nobody is (no Client ID, or the stored login came back signed out or
/// expired). Woken by the state's changes, no polling: at a cold start the link's window opens
/// the moment the login from the keychain is confirmed (BENCHMARKS.md "Start-up"), and a link while
/// signed out says so at once instead of after the whole wait. A login in progress is waited for.
async fn wait_signed_in(state: &AppState, within: Duration) -> bool {
    let mut pieces = state.connected_changed.subscribe();
    let mut started = state.started.subscribe();
    let decided = async {
        loop {
            pieces.mark_unchanged();
            // Read before the pieces: `started` is set after the start-up's pieces are in place.
            let start_over = *started.borrow_and_update();
            let Some(c) = state.connected().await else {
                if start_over {
                    // Start-up is over and there is no owner: no Client ID, nobody signed in.
                    return false;
                }
                tokio::select! {
                    r = pieces.changed() => if r.is_err() { return false },
                    r = started.changed() => if r.is_err() { return false },
                }
                continue;
            };
            let (mut auth, mut restored) = (c.owner.subscribe(), c.owner.restored());
            let renewed = loop {
                // Read before the state: the restored state is published before `restored`.
                let known = *restored.borrow_and_update();
                match *auth.borrow_and_update() {
                    AuthState::SignedIn { .. } => return true,
                    AuthState::SigningIn { .. } => {}
                    _ if known => return false,
                    _ => {}
                }
                tokio::select! {
                    r = auth.changed() => if r.is_err() { break false },
                    r = restored.changed() => if r.is_err() { break false },
                    // New pieces (the Client ID changed): look at the new owner.
                    r = pieces.changed() => if r.is_err() { return false } else { break true },
                }
            };
            // An owner that went away without new pieces: only new pieces can change it now.
            if !renewed && pieces.changed().await.is_err() {
                return false;
            }
        }
    };
    tokio::time::timeout(within, decided).await.unwrap_or(false)
}
