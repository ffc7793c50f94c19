//! `twitch-event-viewer://` links: parsed by `tev_core::deeplink` (an enum, login checked
//! against `^[A-Za-z0-9_]{1,25}$`), then acted on here. A link only ever opens or focuses a
//! window: it never logs in or out and never changes a setting. A bad link shows a message on
//! the home window and does nothing else.

use crate::state::{AppState, AppStateExt};
use crate::{channels, home};
use std::time::Duration;
use tauri::AppHandle;
use tev_core::auth::AuthState;
use tev_core::deeplink::{DeepLink, DeepLinkError};

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
/// the moment the login from the keychain is confirmed (issue 9, start-up), and a link while
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
