//! The app's session with Twitch: the Twitch application it uses (the built-in Client ID, or the
//! user's own, checked with Twitch; a change of application signs the user out cleanly first),
//! the token owner, Helix and the watcher made from the settings (again when the Client ID or the
//! roles change), the login, and their auth and connection state pushed to the pages as Tauri
//! events (no polling from the pages).

use crate::channels::{self, ChannelsExt};
use crate::error::{ErrorCode, UiError};
use crate::home;
use crate::state::{AppState, Connected, SignedInUser};
use crate::views::{AuthView, KeychainView, SetupResult, event};
use std::sync::Arc;
use tauri::{AppHandle, Emitter, EventTarget};
use tev_core::auth::{AuthState, LoginFlow, OAuthClient, SignInProgress, TokenOwner};
use tev_core::helix::Helix;
use tev_core::keychain::KeychainError;
use tev_core::settings::{ClientChoice, ClientIdSource, bundled_client_id, is_valid_client_id};
use tev_core::token::TokenSource;
use tev_core::watcher::{self, WatcherConfig};

/// Saves the user's own application: its Client ID (and the secret, to the keychain) after
/// checking with Twitch that the client exists — starting a device flow is the cheapest call that
/// names the client. A change of Client ID signs the user out cleanly first. Then makes the
/// session's pieces with it.
pub async fn setup(
    app: &AppHandle,
    state: Arc<AppState>,
    client_id: &str,
    client_secret: Option<String>,
) -> Result<SetupResult, UiError> {
    let client_id = client_id.trim().to_string();
    if !is_valid_client_id(&client_id) {
        return Err(UiError::new(
            ErrorCode::BadClientId,
            "A Client ID is the string of letters and digits shown under your application at dev.twitch.tv.",
        ));
    }
    let (settings, _) = state.config.load_or_default()?;
    let current = settings.client_choice();
    refuse_if_from_environment(current.as_ref())?;
    let oauth = OAuthClient::new(state.endpoints.clone(), client_id.clone(), None)
        .map_err(|e| UiError::new(ErrorCode::SetupFailed, e.to_string()))?;
    oauth.device_start(&["user:read:chat".to_string()]).await.map_err(|e| {
        UiError::new(
            ErrorCode::ClientRejected,
            format!("Twitch did not accept this Client ID: {e}"),
        )
    })?;
    if current.is_some_and(|c| c.id != client_id) {
        sign_out_before_switching(&state).await;
    }
    let secret = client_secret.map(|s| s.trim().to_string()).filter(|s| !s.is_empty());
    if let Some(secret) = secret {
        state.keychain().set_client_secret(&client_id, zeroize::Zeroizing::new(secret)).await?;
    }
    state.config.update(|s| s.client_id = Some(client_id.clone()))?;
    connect(app, state).await?;
    Ok(SetupResult { message: "Twitch knows this application. You can log in now.".into() })
}

/// Goes back from the user's own application to the Client ID built into the app: signs the user
/// out cleanly, forgets the own application (its Client ID and its secret in the keychain) and
/// makes the session's pieces with the built-in one.
pub async fn use_built_in(app: &AppHandle, state: Arc<AppState>) -> Result<SetupResult, UiError> {
    if bundled_client_id().is_none() {
        return Err(UiError::new(
            ErrorCode::NotConfigured,
            "This build of the app has no built-in Twitch application.",
        ));
    }
    let (settings, _) = state.config.load_or_default()?;
    let current = settings.client_choice();
    refuse_if_from_environment(current.as_ref())?;
    if current.is_some_and(|c| c.source == ClientIdSource::Own) {
        sign_out_before_switching(&state).await;
        if let Err(e) = state.keychain().delete_client_secret().await {
            tracing::warn!(error = %e, "could not delete the own application's secret");
        }
        state.config.update(|s| s.client_id = None)?;
        connect(app, state).await?;
    }
    Ok(SetupResult { message: "The app uses its built-in Twitch application.".into() })
}

/// `TWITCH_CLIENT_ID` decides the application for this run: the settings cannot change it.
fn refuse_if_from_environment(current: Option<&ClientChoice>) -> Result<(), UiError> {
    match current {
        Some(c) if c.source == ClientIdSource::Environment => Err(UiError::new(
            ErrorCode::SetupFailed,
            "TWITCH_CLIENT_ID sets the Twitch application for this run; start the app without it \
             to choose one here.",
        )),
        _ => Ok(()),
    }
}

/// Before the app changes to another Twitch application: the login of the old one ends as Log out
/// ends it — subscriptions removed, the tokens revoked at Twitch (docs/twitch.md §3.4) with the
/// Client ID they were issued to, the keychain entry deleted — so no live login is left behind.
async fn sign_out_before_switching(state: &AppState) {
    if let Some(c) = state.connected().await
        && let Err(e) = c.owner.logout().await
    {
        tracing::warn!(error = %e, "the old application's login did not end cleanly");
    }
}

/// Starts a login; with `privileged`, asking for the broadcaster's and moderator's scopes too
/// (the pieces are made again for them first).
pub async fn login(app: &AppHandle, state: Arc<AppState>, privileged: bool) -> Result<(), UiError> {
    if privileged {
        state.config.update(|s| {
            s.roles.broadcaster = true;
            s.roles.moderator = true;
        })?;
        connect(app, state.clone()).await?;
    }
    let c = state.connected().await.ok_or_else(UiError::no_client)?;
    // The login runs in the background; its progress reaches the page as "auth" events.
    let app = app.clone();
    tauri::async_runtime::spawn(async move {
        if let Err(e) = c.owner.login(LoginFlow::Auto).await {
            tracing::warn!(error = %e, "login failed");
            emit_login_error(&app, &e.to_string());
        }
    });
    Ok(())
}

/// The user chose to stay signed in for this run only (no usable keychain): from now on the
/// login is kept in this run's memory store — by the current token owner and by any made later in
/// the run — and forgotten when the app quits; then the login starts as `login` starts it.
pub async fn login_for_this_run(
    app: &AppHandle,
    state: Arc<AppState>,
    privileged: bool,
) -> Result<(), UiError> {
    let run = state.keep_login_for_this_run();
    if let Some(c) = state.connected().await {
        c.owner.keep_login_in(run).await;
    }
    tracing::info!("the login is kept in memory for this run only, as the user chose");
    login(app, state, privileged).await
}

/// Whether a login can be kept in the keychain now, for the sign-in screen: asked each time the
/// screen shows, so a keychain that comes up after the app is seen.
pub async fn keychain_status(state: &AppState) -> KeychainView {
    if state.run_keychain().is_some() {
        return KeychainView::SessionOnly;
    }
    match state.keychain().check().await {
        Err(e @ (KeychainError::Unavailable(_) | KeychainError::Timeout(_))) => {
            KeychainView::Unavailable { detail: e.to_string() }
        }
        // Any other failure (an unreadable entry) does not stop a new login from being stored.
        Ok(()) | Err(_) => KeychainView::Available,
    }
}

/// Turns chatting on: `user:write:chat` is asked for from now on (settings, `roles.chat`), which
/// means a new login — Twitch's consent page shows the added scope (docs/twitch.md §3.5) — as
/// the broadcaster's and moderator's scopes do (the pieces are made again for it first).
/// Answers when that login has ended (its steps reach the pages as `auth` events meanwhile), so
/// the box can say whether it worked.
pub async fn enable_chat(app: &AppHandle, state: Arc<AppState>) -> Result<(), UiError> {
    login_with_roles(app, state, |r| r.chat = true).await
}

/// Makes sure the token carries the moderator view's scopes (`roles.moderation`, and the
/// moderator's own for the list of moderated channels): when one is missing, they are asked for
/// from now on and a new login runs, as turning chatting on does. Answers once the login has
/// ended (at once when nothing is missing).
pub async fn enable_moderation(app: &AppHandle, state: Arc<AppState>) -> Result<(), UiError> {
    let c = state.connected().await.ok_or_else(UiError::no_client)?;
    let (settings, _) = state.config.load_or_default()?;
    let roles =
        tev_core::settings::RoleOptIn { moderation: true, moderator: true, ..settings.roles };
    let granted = c.helix.credentials().await.map(|c| c.scopes).unwrap_or_default();
    let wanted = tev_core::auth::scopes::for_roles(roles);
    if settings.roles == roles && wanted.iter().all(|s| granted.contains(s)) {
        return Ok(());
    }
    login_with_roles(app, state, |r| *r = roles).await
}

/// Asks for the scopes of the roles `change` turns on from now on (settings, `roles`), which
/// means a new login: the pieces are made again for them, then the login runs. Answers when it
/// has ended.
async fn login_with_roles(
    app: &AppHandle,
    state: Arc<AppState>,
    change: impl FnOnce(&mut tev_core::settings::RoleOptIn),
) -> Result<(), UiError> {
    state.config.update(|s| change(&mut s.roles))?;
    connect(app, state.clone()).await?;
    let c = state.connected().await.ok_or_else(UiError::no_client)?;
    c.owner.login(LoginFlow::Auto).await?;
    Ok(())
}

/// Turns the moderator view of the panel's channel (`channel_id`, `login`) on or off: saved with
/// its feed choices, then the watcher subscribes to (or drops) what a moderator acts on. Turning
/// it on first makes sure the token has the scopes for it, with a new login if one is missing
/// (`session::enable_moderation`); if that login fails, the view stays off. The choices as
/// saved.
pub async fn set_moderator_view(
    app: &AppHandle,
    state: Arc<AppState>,
    channel_id: String,
    login: &str,
    on: bool,
) -> Result<crate::views::FeedPrefsView, UiError> {
    let change =
        |on| tev_core::settings::FeedPrefsChange { moderator_view: Some(on), ..Default::default() };
    let view = crate::panel::save_feed_prefs(&state, channel_id.clone(), change(on))?;
    if on && let Err(e) = enable_moderation(app, state.clone()).await {
        let _ = crate::panel::save_feed_prefs(&state, channel_id, change(false));
        return Err(e);
    }
    // After a new login the watcher is a new one, which watches the window's channel again
    // with the saved choice; this sets it on the current one either way.
    if let Some(c) = state.connected().await {
        c.watcher.set_moderation(login, on).await?;
    }
    Ok(view)
}

/// Opens the device flow's activation page again in the browser, if a device flow showed one.
pub async fn open_activation_page(state: &AppState) -> Result<(), UiError> {
    let url = state.activation_url.lock().ok().and_then(|u| u.clone());
    if let Some(url) = url {
        tauri::async_runtime::spawn_blocking(move || webbrowser::open(&url))
            .await
            .map_err(|_| UiError::new(ErrorCode::Browser, "Could not open the browser."))?
            .map_err(|e| {
                UiError::new(ErrorCode::Browser, format!("Could not open the browser: {e}"))
            })?;
    }
    Ok(())
}

/// Tells the home page that a login failed, in words (the login itself ends signed out).
fn emit_login_error(app: &AppHandle, message: &str) {
    let signed_out = AuthView::SignedOut { reason: Some(message.to_string()) };
    let _ = app.emit_to(EventTarget::webview(home::LABEL), event::AUTH, signed_out);
}

/// Creates the token owner, Helix and the watcher from the settings (again, after the Client
/// ID or the roles changed) and starts forwarding their state to the pages.
pub async fn connect(app: &AppHandle, state: Arc<AppState>) -> Result<(), UiError> {
    let (settings, _) = state.config.load_or_default()?;
    if settings.effective_client_id().is_none() {
        return Ok(());
    }
    let owner =
        TokenOwner::from_settings(&settings, state.endpoints.clone(), state.keychain()).await?;
    tracing::debug!("token owner made");
    let tokens: Arc<dyn TokenSource> = Arc::new(owner.clone());
    let helix = Helix::new(state.endpoints.helix.clone(), tokens.clone())?;
    let watcher = watcher::spawn(&state.endpoints, tokens, WatcherConfig::new(&state.endpoints))?;
    tracing::debug!("helix and watcher made");
    {
        // Logging out closes the socket but keeps the watcher and its channels: the next
        // sign-in brings it back (`watcher::follow_login`, below).
        let w = watcher.clone();
        owner.set_logout_hook(Arc::new(move || {
            let w = w.clone();
            Box::pin(async move {
                if let Err(e) = w.signed_out().await {
                    tracing::debug!(error = %e, "the event watcher had already stopped");
                }
            })
        }));
    }
    let previous = state.connected.write().await.replace(Connected {
        owner: owner.clone(),
        helix: helix.clone(),
        watcher: watcher.clone(),
    });
    state.connected_changed.send_replace(());
    // A new watcher watches nothing yet; the favourite is added again at sign-in.
    app.channels().forget_background();
    if let Some(p) = previous {
        p.watcher.shutdown().await;
        p.owner.shutdown();
    }

    // Auth state → every page; on sign-in, learn the user's display name and avatar.
    let mut auth_rx = owner.subscribe();
    let app2 = app.clone();
    let state2 = state.clone();
    tauri::async_runtime::spawn(async move {
        loop {
            let a = auth_rx.borrow_and_update().clone();
            if let AuthState::SigningIn {
                progress: SignInProgress::DeviceCode { verification_uri, .. },
            } = &a
                && let Ok(mut u) = state2.activation_url.lock()
            {
                *u = Some(verification_uri.clone());
            }
            if matches!(a, AuthState::SignedOut { .. }) {
                // The favourite and the alert channels are added again at sign-in (the watcher may
                // still have them).
                app2.channels().forget_background();
            }
            if let AuthState::SignedIn { login, .. } = &a {
                channels::watch_background(&app2, &state2).await;
                let known =
                    state2.user.lock().ok().and_then(|g| g.as_ref().map(|u| u.login == *login));
                if known != Some(true)
                    && let Ok(u) = helix.me().await
                    && let Ok(mut g) = state2.user.lock()
                {
                    *g = Some(SignedInUser {
                        login: u.login,
                        display_name: u.display_name,
                        profile_image_url: u.profile_image_url,
                    });
                }
            }
            let _ = app2.emit(event::AUTH, AuthView::new(&a, state2.signed_in_user().as_ref()));
            if auth_rx.changed().await.is_err() {
                break;
            }
        }
    });

    // Connection state → every page, while this watcher is the app's (the last state of one
    // that a new watcher replaced would overwrite the new one's).
    let mut conn_rx = watcher.state();
    let app3 = app.clone();
    let state3 = state.clone();
    let this = watcher.clone();
    tauri::async_runtime::spawn(async move {
        loop {
            let s = conn_rx.borrow_and_update().clone();
            let current = state3.connected().await.is_some_and(|c| c.watcher.same_watcher(&this));
            if current {
                let _ = app3.emit(event::CONNECTION, &s);
            }
            if conn_rx.changed().await.is_err() {
                break;
            }
        }
    });

    // Every sign-in after a sign-out or a failure brings the watcher back with its channels.
    tauri::async_runtime::spawn(watcher::follow_login(watcher.clone(), owner.clone()));

    // The live feed: watcher updates → RecentEvents on disk → each channel's panel.
    tauri::async_runtime::spawn(
        state.live.clone().run(watcher.clone(), std::time::Duration::from_secs(2)),
    );

    // Restore the login (validate, hourly validation) in the background; then the new watcher
    // watches the channels of the windows that are open again (after a reconnect of the pieces,
    // as turning chatting on makes): finding a channel takes the login, so not before it is
    // restored, or those windows would stay without events.
    let app4 = app.clone();
    let state4 = state.clone();
    tauri::async_runtime::spawn(async move {
        owner.start().await;
        for login in app4.channels().open_logins() {
            if let Err(e) = channels::watch_for_window(&state4, &watcher, &login).await {
                tracing::warn!(%login, error = %e, "could not watch the channel again");
            }
        }
    });
    Ok(())
}
