//! `twitch-event-viewer://` links: parsed by `tev_core::deeplink` (an enum, login checked
//! against `^[A-Za-z0-9_]{1,25}$`), then acted on here. A link only ever opens or focuses a
//! window: it never logs in or out and never changes a setting. A bad link shows a message on
//! the home window and does nothing else.

use crate::state::AppState;
use crate::{bridge, home};
use std::sync::Arc;
use std::time::Duration;
use tauri::{AppHandle, Manager};
use tev_core::auth::AuthState;
use tev_core::deeplink::{DeepLink, DeepLinkError};

/// Acts on a link (from the deep-link plugin, a second instance's arguments or a cold start).
pub fn handle(app: &AppHandle, link: Result<DeepLink, DeepLinkError>) {
    match link {
        Ok(DeepLink::Home) => home::show(app),
        Ok(DeepLink::Watch { login }) => {
            let app = app.clone();
            tauri::async_runtime::spawn(async move {
                let Some(state) = app.try_state::<Arc<AppState>>().map(|s| s.inner().clone())
                else {
                    return;
                };
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
                if let Err(e) = bridge::open_channel(&app, state, &login).await {
                    home::show(&app);
                    home::notice(&app, e.code, &e.message);
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

/// Waits (up to `within`) until a user is signed in; false if none is by then. Woken by the
/// state's changes, no polling: at a cold start the link's window opens the moment the login
/// from the keychain is confirmed (issue 9, start-up).
async fn wait_signed_in(state: &AppState, within: Duration) -> bool {
    let deadline = tokio::time::Instant::now() + within;
    let mut pieces = state.connected_changed.subscribe();
    let signed_in = async {
        loop {
            pieces.mark_unchanged();
            // Some(()) when new pieces came (look again), None when only they can change it.
            let mut renewed = None;
            if let Some(c) = state.connected().await {
                let mut rx = c.owner.subscribe();
                while renewed.is_none() {
                    if matches!(*rx.borrow_and_update(), AuthState::SignedIn { .. }) {
                        return true;
                    }
                    tokio::select! {
                        r = rx.changed() => if r.is_err() { break },
                        r = pieces.changed() => {
                            if r.is_err() {
                                return false;
                            }
                            renewed = Some(());
                        }
                    }
                }
            }
            if renewed.is_none() && pieces.changed().await.is_err() {
                return false;
            }
        }
    };
    tokio::time::timeout_at(deadline, signed_in).await.unwrap_or(false)
}
