//! `tev login`, `tev logout`, `tev whoami`, `tev config`
//!
//! All of them honour `TEV_TWITCH_BASE_URL` (simulator), `TWITCH_CLIENT_ID`,
//! `TWITCH_CLIENT_SECRET`, `TEV_KEYCHAIN_SERVICE` (another keychain service name, as the app
//! takes it) and the XDG directories (through `directories`). Tokens are never printed.

use std::io::BufRead;
use std::process::ExitCode;
use std::sync::Arc;

use tev_core::Endpoints;
use tev_core::auth::{AuthState, LoginFlow, SignInProgress, TokenOwner};
use tev_core::keychain::{Keychain, KeychainError};
use tev_core::settings::{self, ConfigStore, Settings};
use zeroize::Zeroizing;

#[derive(clap::Args)]
pub struct LoginArgs {
    /// Use the device code flow (public client).
    #[arg(long, conflicts_with = "loopback")]
    pub device: bool,
    /// Use the loopback authorization-code flow (needs a client secret).
    #[arg(long)]
    pub loopback: bool,
    /// Loopback port for this login (default: the configured one, 17563).
    #[arg(long)]
    pub port: Option<u16>,
    /// Do not open a browser; only print the URL/code.
    #[arg(long)]
    pub no_browser: bool,
}

#[derive(clap::Args)]
pub struct LogoutArgs {}

#[derive(clap::Args)]
pub struct WhoamiArgs {
    /// Print the state as JSON (never contains a token).
    #[arg(long)]
    pub json: bool,
}

#[derive(clap::Args)]
pub struct ConfigArgs {
    /// Set the Client ID (stored in the settings file).
    #[arg(long)]
    pub client_id: Option<String>,
    /// Read the Client Secret from standard input and store it in the keychain.
    #[arg(long)]
    pub secret_stdin: bool,
    /// Delete the Client Secret from the keychain.
    #[arg(long, conflicts_with = "secret_stdin")]
    pub clear_secret: bool,
    /// The loopback port (must match the registered redirect URL).
    #[arg(long)]
    pub port: Option<u16>,
    /// Opt in to the broadcaster scopes (true/false).
    #[arg(long)]
    pub broadcaster: Option<bool>,
    /// Opt in to the moderator scopes (true/false).
    #[arg(long)]
    pub moderator: Option<bool>,
}

fn runtime() -> Option<tokio::runtime::Runtime> {
    match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(rt) => Some(rt),
        Err(e) => {
            eprintln!("tev: cannot start the async runtime: {e}");
            None
        }
    }
}

/// The keychain service name variable, read as the app reads it (tests keep logins apart).
const KEYCHAIN_SERVICE_VAR: &str = "TEV_KEYCHAIN_SERVICE";

/// The OS keychain, under `TEV_KEYCHAIN_SERVICE` when set: the same entries as the app's.
pub fn keychain() -> Keychain {
    match settings::env_nonempty(KEYCHAIN_SERVICE_VAR) {
        Some(service) => Keychain::os().with_service(service),
        None => Keychain::os(),
    }
}

pub fn load_settings() -> Result<(ConfigStore, Settings), String> {
    let store = ConfigStore::from_env().map_err(|e| e.to_string())?;
    let (settings, warning) = store.load_or_default().map_err(|e| e.to_string())?;
    if let Some(w) = warning {
        eprintln!("warning: {w}");
    }
    Ok((store, settings))
}

async fn owner(settings: &Settings, no_browser: bool) -> Result<TokenOwner, String> {
    let endpoints = Endpoints::from_env().map_err(|e| e.to_string())?;
    let owner = TokenOwner::from_settings(settings, endpoints, keychain())
        .await
        .map_err(|e| e.to_string())?;
    if no_browser {
        owner.set_opener(Arc::new(|_: &str| -> Result<(), String> { Ok(()) }));
    }
    Ok(owner)
}

fn print_progress(p: &SignInProgress) {
    match p {
        SignInProgress::Starting | SignInProgress::Exchanging => {}
        SignInProgress::OpeningBrowser { url } => {
            eprintln!("Opening the Twitch consent page in your browser:\n  {url}");
        }
        SignInProgress::WaitingForBrowser { .. } => eprintln!("Waiting for the browser…"),
        SignInProgress::DeviceCode { user_code, verification_uri, .. } => {
            eprintln!(
                "To sign in, open {verification_uri}\nand confirm the code: {user_code}\nWaiting…"
            );
        }
    }
}

pub fn login(a: LoginArgs) -> ExitCode {
    let Some(rt) = runtime() else { return ExitCode::from(2) };
    rt.block_on(async move {
        let (_, mut settings) = match load_settings() {
            Ok(s) => s,
            Err(e) => {
                eprintln!("tev login: {e}");
                return ExitCode::from(2);
            }
        };
        if let Some(p) = a.port {
            settings.loopback_port = p;
        }
        let owner = match owner(&settings, a.no_browser).await {
            Ok(o) => o,
            Err(e) => {
                eprintln!("tev login: {e}");
                return ExitCode::from(2);
            }
        };
        let flow = if a.device {
            LoginFlow::Device
        } else if a.loopback {
            LoginFlow::Loopback
        } else {
            LoginFlow::Auto
        };
        let mut rx = owner.subscribe();
        let printer = tokio::spawn(async move {
            while rx.changed().await.is_ok() {
                if let AuthState::SigningIn { progress } = &*rx.borrow_and_update() {
                    print_progress(progress);
                }
            }
        });
        let cancel_owner = owner.clone();
        let ctrl_c = tokio::spawn(async move {
            if tokio::signal::ctrl_c().await.is_ok() {
                cancel_owner.cancel_login();
            }
        });
        let result = owner.login(flow).await;
        ctrl_c.abort();
        printer.abort();
        match result {
            Ok(AuthState::SignedIn { login, scopes, session_only, .. }) => {
                println!("Signed in as {login} (scopes: {})", scopes.join(" "));
                if session_only {
                    println!("(for this run only)");
                }
                ExitCode::SUCCESS
            }
            Ok(other) => {
                eprintln!("tev login: unexpected state {other:?}");
                ExitCode::from(1)
            }
            Err(e) => {
                eprintln!("tev login: {e}");
                ExitCode::from(1)
            }
        }
    })
}

pub fn logout(_a: LogoutArgs) -> ExitCode {
    let Some(rt) = runtime() else { return ExitCode::from(2) };
    rt.block_on(async {
        let settings = match load_settings() {
            Ok((_, s)) => s,
            Err(e) => {
                eprintln!("tev logout: {e}");
                return ExitCode::from(2);
            }
        };
        let owner = match owner(&settings, true).await {
            Ok(o) => o,
            Err(e) => {
                eprintln!("tev logout: {e}");
                return ExitCode::from(2);
            }
        };
        owner.start().await;
        let result = owner.logout().await;
        owner.shutdown();
        match result {
            Ok(()) => {
                println!("signed out");
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("tev logout: signed out locally, but: {e}");
                ExitCode::from(1)
            }
        }
    })
}

pub fn whoami(a: WhoamiArgs) -> ExitCode {
    let Some(rt) = runtime() else { return ExitCode::from(2) };
    rt.block_on(async {
        let settings = match load_settings() {
            Ok((_, s)) => s,
            Err(e) => {
                eprintln!("tev whoami: {e}");
                return ExitCode::from(2);
            }
        };
        let owner = match owner(&settings, true).await {
            Ok(o) => o,
            Err(e) => {
                // Not configured means nobody can be signed in: the documented exit 1.
                println!("signed out");
                eprintln!("({e})");
                return ExitCode::from(1);
            }
        };
        let state = owner.start().await;
        owner.shutdown();
        if a.json {
            match serde_json::to_string(&state) {
                Ok(j) => println!("{j}"),
                Err(e) => eprintln!("tev whoami: {e}"),
            }
        }
        match state {
            AuthState::SignedIn { login, user_id, scopes, expires_at, .. } => {
                if !a.json {
                    println!("{login}");
                    println!("user id: {user_id}");
                    println!("scopes:  {}", scopes.join(" "));
                    println!("token expires: {}", expires_at.to_rfc3339());
                }
                ExitCode::SUCCESS
            }
            other => {
                if !a.json {
                    println!("signed out");
                    match other {
                        AuthState::SignedOut { reason: Some(r) }
                        | AuthState::Expired { reason: r } => {
                            eprintln!("({r})");
                        }
                        _ => {}
                    }
                }
                ExitCode::from(1)
            }
        }
    })
}

pub fn config(a: ConfigArgs) -> ExitCode {
    let Some(rt) = runtime() else { return ExitCode::from(2) };
    rt.block_on(async move {
        let (store, _) = match load_settings() {
            Ok(s) => s,
            Err(e) => {
                eprintln!("tev config: {e}");
                return ExitCode::from(2);
            }
        };
        let changes_file = a.client_id.is_some()
            || a.port.is_some()
            || a.broadcaster.is_some()
            || a.moderator.is_some();
        if changes_file {
            let r = store.update(|s| {
                if let Some(id) = &a.client_id {
                    let id = id.trim();
                    s.client_id = if id.is_empty() { None } else { Some(id.to_string()) };
                }
                if let Some(p) = a.port {
                    s.loopback_port = p;
                }
                if let Some(b) = a.broadcaster {
                    s.roles.broadcaster = b;
                }
                if let Some(m) = a.moderator {
                    s.roles.moderator = m;
                }
            });
            if let Err(e) = r {
                eprintln!("tev config: {e}");
                return ExitCode::from(1);
            }
        }
        let keychain = keychain();
        if a.secret_stdin {
            let mut line = Zeroizing::new(String::new());
            if let Err(e) = std::io::stdin().lock().read_line(&mut line) {
                eprintln!("tev config: cannot read the secret from stdin: {e}");
                return ExitCode::from(1);
            }
            let secret = Zeroizing::new(line.trim().to_string());
            if secret.is_empty() {
                eprintln!("tev config: the secret on stdin was empty");
                return ExitCode::from(1);
            }
            // The secret is stored with the Client ID it belongs to (a later change of
            // application must not reuse it).
            let client_id = match store.load().map(|s| s.effective_client_id()) {
                Ok(Some(id)) => id,
                Ok(None) => {
                    eprintln!("tev config: set the Client ID first (--client-id ID)");
                    return ExitCode::from(1);
                }
                Err(e) => {
                    eprintln!("tev config: {e}");
                    return ExitCode::from(1);
                }
            };
            if let Err(e) = keychain.set_client_secret(&client_id, secret).await {
                eprintln!("tev config: {e}");
                return ExitCode::from(1);
            }
            println!("Client Secret stored in the keychain.");
        }
        if a.clear_secret {
            if let Err(e) = keychain.delete_client_secret().await {
                eprintln!("tev config: {e}");
                return ExitCode::from(1);
            }
            println!("Client Secret removed from the keychain.");
        }
        let settings = match store.load() {
            Ok(s) => s,
            Err(e) => {
                eprintln!("tev config: {e}");
                return ExitCode::from(1);
            }
        };
        println!("settings file: {}", store.path().display());
        match settings.client_choice() {
            Some(c) => {
                let from = match c.source {
                    settings::ClientIdSource::Environment => {
                        format!(" (from {})", settings::CLIENT_ID_VAR)
                    }
                    settings::ClientIdSource::Own => String::new(),
                    settings::ClientIdSource::BuiltIn => " (built in)".to_string(),
                };
                println!("client id:     {}{from}", c.id);
            }
            None => println!("client id:     (not set)"),
        }
        let secret = if settings::env_client_secret().is_some() {
            format!("set (from {})", settings::CLIENT_SECRET_VAR)
        } else {
            let stored = match settings.effective_client_id() {
                Some(id) => keychain.client_secret(&id).await,
                None => Ok(None),
            };
            match stored {
                Ok(Some(_)) => "set (in the keychain)".to_string(),
                Ok(None) => "not set (device login)".to_string(),
                Err(KeychainError::Unavailable(_)) => "unknown (keychain unavailable)".to_string(),
                Err(e) => format!("unknown ({e})"),
            }
        };
        println!("client secret: {secret}");
        println!(
            "redirect URL:  {}",
            tev_core::auth::loopback::redirect_uri(settings.loopback_port)
        );
        println!(
            "roles:         broadcaster={} moderator={}",
            settings.roles.broadcaster, settings.roles.moderator
        );
        match Endpoints::from_env() {
            Ok(e) => println!("twitch:        {}", e.describe()),
            Err(e) => println!("twitch:        {e}"),
        }
        ExitCode::SUCCESS
    })
}
