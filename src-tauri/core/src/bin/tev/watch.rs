//! `tev watch <login>…`
//!
//! Live events as JSON lines on stdout (`--pretty`: one human line each); connection state
//! changes on stderr. It signs in as the app does, with the login `tev login` stored in the
//! keychain, restored, validated and renewed by the same token owner (docs/twitch.md §3.5);
//! see [`sign_in`] for the order and the two overrides for tests and development.

use std::process::ExitCode;
use std::sync::Arc;
use tev_core::Endpoints;
use tev_core::auth::{AuthState, TokenOwner};
use tev_core::feed::FeedUpdate;
use tev_core::token::{AccessToken, Credentials, StaticTokens, TokenSource};
use tev_core::watcher::{self, ConnectionState, WatchUpdate, WatcherConfig};

#[derive(clap::Args)]
pub struct Args {
    /// Channel logins to watch.
    #[arg(required = true)]
    pub logins: Vec<String>,
    /// Human-readable output instead of JSON lines.
    #[arg(long)]
    pub pretty: bool,
}

pub fn run(args: Args) -> ExitCode {
    tev_core::tls::install();
    let rt = match tokio::runtime::Runtime::new() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("tev watch: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match rt.block_on(watch(args)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("tev watch: {e}");
            ExitCode::FAILURE
        }
    }
}

#[derive(serde::Deserialize)]
struct Validated {
    client_id: String,
    login: String,
    user_id: String,
    #[serde(default)]
    scopes: Vec<String>,
}

/// `GET /oauth2/validate` (docs/twitch.md §3): who the token is for and its scopes.
async fn validate(
    http: &reqwest::Client,
    ep: &Endpoints,
    token: &str,
) -> Result<Validated, String> {
    let url = ep.oauth.join("validate").map_err(|e| e.to_string())?;
    let r = http
        .get(url)
        .header("Authorization", format!("OAuth {token}"))
        .send()
        .await
        .map_err(|e| format!("cannot reach Twitch: {}", e.without_url()))?;
    if !r.status().is_success() {
        return Err(format!("the token was rejected ({})", r.status()));
    }
    r.json().await.map_err(|e| format!("unexpected validate answer: {}", e.without_url()))
}

/// A token from the simulator's control API (`POST /_sim/tokens`), for `TEV_SIM_LOGIN`
/// (default `sim_viewer`) and the public simulator client, with the viewer's scopes
/// (docs/testing.md "The Twitch simulator").
async fn sim_token(http: &reqwest::Client, ep: &Endpoints) -> Result<(String, String), String> {
    let base = ep.base().ok_or("not a simulator")?;
    let login = std::env::var("TEV_SIM_LOGIN").unwrap_or_else(|_| "sim_viewer".into());
    let client_id = "sim-public-client".to_string();
    let url = base.join("_sim/tokens").map_err(|e| e.to_string())?;
    let r = http
        .post(url)
        .json(&serde_json::json!({
            "login": login,
            "client_id": client_id,
            "scopes": tev_core::auth::scopes::for_roles(Default::default()),
        }))
        .send()
        .await
        .map_err(|e| format!("simulator: {}", e.without_url()))?;
    if !r.status().is_success() {
        return Err(format!("the simulator refused a token for {login} ({})", r.status()));
    }
    let v: serde_json::Value =
        r.json().await.map_err(|e| format!("simulator token answer: {}", e.without_url()))?;
    let token = v["access_token"].as_str().ok_or("the simulator gave no access_token")?;
    Ok((client_id, token.to_string()))
}

/// A token made by hand, for tests and development only: used as it is, never renewed.
const ACCESS_TOKEN_VAR: &str = "TEV_ACCESS_TOKEN";
/// The Client ID that token was issued to.
const CLIENT_ID_VAR: &str = "TEV_CLIENT_ID";

/// Who `tev watch` acts as.
enum Signed {
    /// The stored login, kept fresh by the token owner (shut down at the end).
    Stored(TokenOwner),
    /// A fixed token: `TEV_ACCESS_TOKEN`, or the simulator's.
    Fixed(Credentials),
}

/// Signs in, in this order:
/// 1. `TEV_ACCESS_TOKEN` with `TEV_CLIENT_ID`: a test and development override, a token made
///    by hand, used as it is and never renewed;
/// 2. the login `tev login` (or the app) stored in the keychain, restored, validated and
///    renewed like the app's;
/// 3. against the simulator (`TEV_TWITCH_BASE_URL`) with no stored login: a token the simulator
///    mints (`POST /_sim/tokens`) for `TEV_SIM_LOGIN` (default `sim_viewer`).
///
/// Otherwise the error says how to sign in.
async fn sign_in(ep: &Endpoints) -> Result<Signed, String> {
    let http = tev_core::tls::http_client()
        .build()
        .map_err(|e| format!("cannot make an HTTP client: {e}"))?;
    if let Some(token) = tev_core::settings::env_nonempty(ACCESS_TOKEN_VAR) {
        let cid = tev_core::settings::env_nonempty(CLIENT_ID_VAR)
            .ok_or("TEV_CLIENT_ID must be set with TEV_ACCESS_TOKEN")?;
        return Ok(Signed::Fixed(fixed(&http, ep, cid, token).await?));
    }
    let (_, settings) = crate::auth::load_settings()?;
    let not_signed_in = match TokenOwner::from_settings(
        &settings,
        ep.clone(),
        crate::auth::keychain(),
    )
    .await
    {
        Ok(owner) => match owner.start().await {
            AuthState::SignedIn { .. } => return Ok(Signed::Stored(owner)),
            other => {
                owner.shutdown();
                let why = match other {
                    AuthState::SignedOut { reason: Some(r) } | AuthState::Expired { reason: r } => {
                        format!(" ({r})")
                    }
                    _ => String::new(),
                };
                format!("not signed in{why}: sign in with `tev login` first")
            }
        },
        Err(e) => format!(
            "not signed in ({e}): set the Client ID with `tev config --client-id ID`, then sign \
             in with `tev login`"
        ),
    };
    if ep.simulated {
        let (cid, token) = sim_token(&http, ep).await?;
        return Ok(Signed::Fixed(fixed(&http, ep, cid, token).await?));
    }
    Err(not_signed_in)
}

/// Credentials for a fixed token, checked with Twitch first.
async fn fixed(
    http: &reqwest::Client,
    ep: &Endpoints,
    client_id: String,
    token: String,
) -> Result<Credentials, String> {
    let v = validate(http, ep, &token).await?;
    if v.client_id != client_id {
        return Err("the token was issued to another client id than TEV_CLIENT_ID".into());
    }
    Ok(Credentials {
        client_id,
        token: AccessToken::new(token),
        user_id: v.user_id,
        login: v.login,
        scopes: v.scopes,
    })
}

fn describe_state(s: &ConnectionState) -> String {
    match s {
        ConnectionState::Idle => "idle".into(),
        ConnectionState::Connecting => "connecting".into(),
        ConnectionState::Connected => "connected".into(),
        ConnectionState::Reconnecting { next_try_at, reason } => {
            format!("reconnecting at {} ({reason})", next_try_at.to_rfc3339())
        }
        ConnectionState::Failed { reason } => format!("failed: {reason}"),
    }
}

/// One output line for an update, or none (raw notifications are already in the feed's rows;
/// progress state is not printed).
fn line(u: &WatchUpdate, pretty: bool) -> Option<String> {
    let text = match u {
        WatchUpdate::Feed(f) => match f.as_ref() {
            FeedUpdate::Added(e) | FeedUpdate::Updated(e) => {
                if pretty {
                    format!(
                        "{} {:<12} {:<20} {}",
                        e.occurred_at.format("%H:%M:%S"),
                        e.channel_login,
                        e.kind.as_str(),
                        e.summary
                    )
                } else {
                    serde_json::to_string(e).ok()?
                }
            }
            FeedUpdate::Removed { channel_id, ids } => {
                if pretty {
                    return None;
                }
                serde_json::json!({"kind": "removed", "channel_id": channel_id, "ids": ids})
                    .to_string()
            }
            FeedUpdate::State(_) => return None,
        },
        WatchUpdate::Notification { .. } => return None,
        WatchUpdate::Live { channel_id, stream } => {
            if pretty {
                format!("{channel_id} is {}", if stream.is_some() { "live" } else { "offline" })
            } else {
                serde_json::json!({"kind": "live_status", "channel_id": channel_id,
                    "live": stream.is_some(), "stream": stream})
                .to_string()
            }
        }
        WatchUpdate::Notice { channel_id, message } => {
            if pretty {
                format!("{} note: {message}", channel_id.as_deref().unwrap_or("-"))
            } else {
                serde_json::json!({"kind": "notice", "channel_id": channel_id, "summary": message})
                    .to_string()
            }
        }
    };
    Some(text)
}

async fn watch(args: Args) -> Result<(), String> {
    let ep = Endpoints::from_env().map_err(|e| e.to_string())?;
    let signed = sign_in(&ep).await?;
    let (tokens, owner): (Arc<dyn TokenSource>, Option<TokenOwner>) = match signed {
        Signed::Stored(owner) => (Arc::new(owner.clone()), Some(owner)),
        Signed::Fixed(creds) => (Arc::new(StaticTokens(creds)), None),
    };
    let login = tokens.current().await.map_err(|e| e.to_string())?.login;
    eprintln!("tev watch: {} as {login}", ep.describe());
    let h = watcher::spawn(&ep, tokens, WatcherConfig::new(&ep)).map_err(|e| e.to_string())?;
    let mut updates = h.updates();
    let mut state = h.state();
    for login in &args.logins {
        let c = h.add_channel(login, None).await.map_err(|e| e.to_string())?;
        eprintln!("tev watch: watching {} ({}, id {})", c.login, c.display_name, c.id);
    }
    eprintln!("state: {}", describe_state(&state.borrow_and_update()));
    loop {
        tokio::select! {
            _ = tokio::signal::ctrl_c() => break,
            r = state.changed() => {
                if r.is_err() { break; }
                eprintln!("state: {}", describe_state(&state.borrow_and_update()));
            }
            u = updates.recv() => match u {
                Ok(u) => {
                    if let Some(l) = line(&u, args.pretty) {
                        println!("{l}");
                    }
                }
                Err(tokio::sync::broadcast::error::RecvError::Lagged(n)) => eprintln!("tev watch: {n} updates skipped (output too slow)"),
                Err(_) => break,
            },
        }
    }
    h.shutdown().await;
    if let Some(owner) = owner {
        owner.shutdown();
    }
    Ok(())
}
