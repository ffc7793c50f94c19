//! Signing in against the simulator over real HTTP: both login flows end to end (the
//! "browser" is a reqwest client that follows the consent redirect or posts the /activate
//! form), denial, expiry, cancellation and a redirect URI that does not match
//! (docs/twitch.md §3.2, §3.3); the device flow's pace — `scopes` on /device, polls no faster
//! than `interval`, 5 s slower after a 429 — and any other 400 as a denial (paused clock);
//! without a keychain, the clear error before the browser opens, then the user's explicit
//! "this run only".

mod support;

use std::sync::{Arc, Mutex};

use std::time::Duration;

use serde_json::json;
use support::{PUBLIC, Sim};
use tev_core::Endpoints;
use tev_core::auth::device::DeviceError;
use tev_core::auth::loopback::LoopbackError;
use tev_core::auth::{AuthError, AuthState, LoginFlow, OAuthClient, OwnerOptions, TokenOwner};
use tev_core::keychain::Keychain;
use tev_core::token::TokenSource;
use zeroize::Zeroizing;

/// The device-code grant (docs/twitch.md §3.2 step 2).
const DEVICE_GRANT: &str = "urn:ietf:params:oauth:grant-type:device_code";

type Opener = Arc<dyn tev_core::auth::BrowserOpener>;

fn owner(
    sim: &Sim,
    client_id: &str,
    secret: Option<&str>,
    opts: OwnerOptions,
    opener: Opener,
) -> (TokenOwner, Keychain) {
    let keychain = Keychain::with_store(keyring_core::mock::Store::new().expect("mock store"));
    let oauth = OAuthClient::new(
        Endpoints::with_base(&sim.base).expect("base"),
        client_id,
        secret.map(|s| Zeroizing::new(s.to_string())),
    )
    .expect("client");
    (TokenOwner::with_opener(oauth, keychain.clone(), opts, opener), keychain)
}

fn fast_device() -> OwnerOptions {
    let mut o = OwnerOptions::default();
    // The sim's poll interval is honoured by default; tests poll faster (sim only).
    o.device.poll_interval = Some(Duration::from_millis(20));
    o
}

/// A "browser" that opens the activation page and submits the form with `decision`.
fn activating_browser(base: String, decision: &'static str) -> Opener {
    let rt = tokio::runtime::Handle::current();
    Arc::new(move |url: &str| -> Result<(), String> {
        let url = url.to_string();
        let base = base.clone();
        rt.spawn(async move {
            let http = tev_core::tls::http_client().build().expect("an HTTP client");
            let page = http.get(&url).send().await.expect("activate page");
            assert!(page.status().is_success());
            let code = url::Url::parse(&url)
                .expect("verification uri")
                .query_pairs()
                .find(|(k, _)| k == "device-code")
                .map(|(_, v)| v.into_owned())
                .expect("device-code in the verification uri");
            let r = http
                .post(format!("{base}/activate"))
                .form(&[
                    ("user_code", code.as_str()),
                    ("login", "sim_viewer"),
                    ("decision", decision),
                ])
                .send()
                .await
                .expect("activate");
            assert!(r.status().is_success(), "activate: {}", r.status());
        });
        Ok(())
    })
}

/// A "browser" that posts the consent form (Authorize/Deny) and follows the redirect to the
/// loopback listener; the final page text is recorded.
fn consenting_browser(decision: &'static str, pages: Arc<Mutex<Vec<String>>>) -> Opener {
    let rt = tokio::runtime::Handle::current();
    Arc::new(move |url: &str| -> Result<(), String> {
        let url = url::Url::parse(url).map_err(|e| e.to_string())?;
        let pages = pages.clone();
        rt.spawn(async move {
            let http = tev_core::tls::http_client().build().expect("an HTTP client");
            let consent = http.get(url.clone()).send().await.expect("consent page");
            let html = consent.text().await.expect("consent html");
            assert!(html.contains("Authorize"), "{html}");
            let mut form: Vec<(String, String)> = url.query_pairs().into_owned().collect();
            form.push(("decision".into(), decision.into()));
            form.push(("login".into(), "sim_viewer".into()));
            let mut action = url.clone();
            action.set_query(None);
            let done = http.post(action).form(&form).send().await.expect("consent post");
            let text = done.text().await.unwrap_or_default();
            pages.lock().expect("pages").push(text);
        });
        Ok(())
    })
}

#[tokio::test]
async fn device_flow_end_to_end_with_the_activate_form() {
    let sim = Sim::with_twitch_timings().await;
    let (owner, keychain) =
        owner(&sim, PUBLIC, None, fast_device(), activating_browser(sim.base.clone(), "authorize"));
    let mut rx = owner.subscribe();
    let seen = tokio::spawn(async move {
        let mut codes = Vec::new();
        while rx.changed().await.is_ok() {
            let s = rx.borrow_and_update().clone();
            if let AuthState::SigningIn {
                progress:
                    tev_core::auth::SignInProgress::DeviceCode { user_code, verification_uri, .. },
            } = &s
            {
                codes.push((user_code.clone(), verification_uri.clone()));
            }
            if matches!(s, AuthState::SignedIn { .. }) {
                break;
            }
        }
        codes
    });
    let state = tokio::time::timeout(Duration::from_secs(20), owner.login(LoginFlow::Auto))
        .await
        .expect("in time")
        .expect("signed in");
    let AuthState::SignedIn { login, scopes, session_only, .. } = &state else {
        panic!("{state:?}")
    };
    assert_eq!(login, "sim_viewer");
    assert!(scopes.contains(&"user:read:chat".to_string()), "{scopes:?}");
    assert!(!session_only);
    let codes = seen.await.expect("progress");
    assert_eq!(codes.len(), 1, "the user code was shown once");
    assert!(codes[0].1.contains("/activate?device-code="), "{codes:?}");
    let stored = keychain.load_tokens().await.expect("kc").expect("stored");
    assert_eq!(stored.login, "sim_viewer");
    assert!(stored.refresh.is_some());
    let creds = owner.current().await.expect("creds");
    assert_eq!(creds.client_id, PUBLIC);
    owner.logout().await.expect("logout");
    assert!(keychain.load_tokens().await.expect("kc").is_none());
    // Revoked at the sim: the token no longer validates.
    let v = sim
        .http
        .get(format!("{}/oauth2/validate", sim.base))
        .header("Authorization", format!("OAuth {}", creds.token.secret()))
        .send()
        .await
        .expect("validate");
    assert_eq!(v.status().as_u16(), 401);
    owner.shutdown();
}

#[tokio::test]
async fn device_flow_denied_and_expired_store_nothing() {
    let sim = Sim::with_twitch_timings().await;
    let (owner, keychain) =
        owner(&sim, PUBLIC, None, fast_device(), activating_browser(sim.base.clone(), "deny"));
    let err = owner.login(LoginFlow::Device).await.expect_err("denied");
    assert!(matches!(err, AuthError::Device(DeviceError::Denied(_))), "{err:?}");
    assert!(err.to_string().contains("not approved"), "{err}");
    assert!(keychain.load_tokens().await.expect("kc").is_none());

    sim.post("/_sim/config", json!({"device_code_secs": 1})).await;
    let nobody: Opener = Arc::new(|_: &str| -> Result<(), String> { Ok(()) });
    let (owner, keychain) = owner_with(&sim, nobody);
    let err = owner.login(LoginFlow::Device).await.expect_err("expired");
    assert_eq!(err, AuthError::Device(DeviceError::Expired));
    assert!(keychain.load_tokens().await.expect("kc").is_none());
    assert!(matches!(owner.state(), AuthState::SignedOut { .. }));
}

fn owner_with(sim: &Sim, opener: Opener) -> (TokenOwner, Keychain) {
    owner(sim, PUBLIC, None, fast_device(), opener)
}

#[tokio::test]
async fn device_flow_is_cancellable() {
    let sim = Sim::with_twitch_timings().await;
    let nobody: Opener = Arc::new(|_: &str| -> Result<(), String> { Ok(()) });
    let (owner, keychain) = owner_with(&sim, nobody);
    let o = owner.clone();
    let task = tokio::spawn(async move { o.login(LoginFlow::Device).await });
    let mut rx = owner.subscribe();
    rx.wait_for(|s| {
        matches!(
            s,
            AuthState::SigningIn { progress: tev_core::auth::SignInProgress::DeviceCode { .. } }
        )
    })
    .await
    .expect("code shown");
    owner.cancel_login();
    let err = tokio::time::timeout(Duration::from_secs(5), task)
        .await
        .expect("ends")
        .expect("join")
        .expect_err("cancelled");
    assert_eq!(err, AuthError::Device(DeviceError::Cancelled));
    assert!(keychain.load_tokens().await.expect("kc").is_none());
}

async fn loopback_client(sim: &Sim) -> (String, u16) {
    let port =
        std::net::TcpListener::bind("127.0.0.1:0").expect("bind").local_addr().expect("a").port();
    let id = format!("loopbacktest{port}");
    sim.post(
        "/_sim/clients",
        json!({"client_id": id, "client_secret": "loop-secret", "type": "confidential",
               "redirect_uris": [format!("http://localhost:{port}/callback")]}),
    )
    .await;
    (id, port)
}

#[tokio::test]
async fn loopback_flow_end_to_end_through_the_consent_form() {
    let sim = Sim::with_twitch_timings().await;
    let (id, port) = loopback_client(&sim).await;
    let pages = Arc::new(Mutex::new(Vec::new()));
    let mut opts = OwnerOptions::default();
    opts.loopback.port = port;
    let (owner, keychain) =
        owner(&sim, &id, Some("loop-secret"), opts, consenting_browser("authorize", pages.clone()));
    let state = tokio::time::timeout(Duration::from_secs(20), owner.login(LoginFlow::Auto))
        .await
        .expect("in time")
        .expect("signed in");
    assert_eq!(state.login(), Some("sim_viewer"));
    let stored = keychain.load_tokens().await.expect("kc").expect("stored");
    assert_eq!(stored.client_id, id);
    // The browser got the branded success page.
    for _ in 0..100 {
        if !pages.lock().expect("pages").is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let page = pages.lock().expect("pages").first().cloned().unwrap_or_default();
    assert!(page.contains("Signed in") && page.contains("Twitch Event Viewer"), "{page}");
    // The listener is closed afterwards.
    assert!(tokio::net::TcpStream::connect(("127.0.0.1", port)).await.is_err());
    // A confidential client's refresh works with the secret.
    let c = owner.current().await.expect("creds");
    let fresh = owner.refresh_after_401(&c.token).await.expect("refresh");
    assert!(fresh.token != c.token);
    owner.shutdown();
}

#[tokio::test]
async fn loopback_flow_denied_at_the_consent_page() {
    let sim = Sim::with_twitch_timings().await;
    let (id, port) = loopback_client(&sim).await;
    let mut opts = OwnerOptions::default();
    opts.loopback.port = port;
    let pages = Arc::new(Mutex::new(Vec::new()));
    let (owner, keychain) =
        owner(&sim, &id, Some("loop-secret"), opts, consenting_browser("deny", pages));
    let err = owner.login(LoginFlow::Loopback).await.expect_err("denied");
    assert!(matches!(err, AuthError::Loopback(LoopbackError::Denied(_))), "{err:?}");
    assert!(keychain.load_tokens().await.expect("kc").is_none());
}

#[tokio::test]
async fn loopback_with_an_unregistered_port_is_redirect_mismatch() {
    let sim = Sim::with_twitch_timings().await;
    let (id, port) = loopback_client(&sim).await;
    // Register the real port but log in on another one: the sim sends the error to the
    // registered URL, where the test "browser" records it; our listener never gets a code.
    let mut opts = OwnerOptions::default();
    let other =
        std::net::TcpListener::bind("127.0.0.1:0").expect("bind").local_addr().expect("a").port();
    opts.loopback.port = other;
    opts.loopback.timeout = Duration::from_millis(800);
    let registered =
        tokio::net::TcpListener::bind(("127.0.0.1", port)).await.expect("bind registered");
    let (owner, keychain) = owner(
        &sim,
        &id,
        Some("loop-secret"),
        opts,
        consenting_browser("authorize", Arc::new(Mutex::new(Vec::new()))),
    );
    let login = tokio::spawn({
        let owner = owner.clone();
        async move { owner.login(LoginFlow::Loopback).await }
    });
    let (mut s, _) = tokio::time::timeout(Duration::from_secs(10), registered.accept())
        .await
        .expect("redirected")
        .expect("accept");
    let mut buf = vec![0u8; 4096];
    let n = tokio::io::AsyncReadExt::read(&mut s, &mut buf).await.expect("read");
    let head = String::from_utf8_lossy(&buf[..n]);
    assert!(head.contains("error=redirect_mismatch") && !head.contains("code="), "{head}");
    let err = login.await.expect("join").expect_err("no code");
    assert!(matches!(err, AuthError::Loopback(LoopbackError::Timeout(_))), "{err:?}");
    assert!(keychain.load_tokens().await.expect("kc").is_none());
}

/// A "browser" nobody uses: the code is approved by the simulator (`auto_approve`) or never.
fn nobody() -> Opener {
    Arc::new(|_: &str| -> Result<(), String> { Ok(()) })
}

/// docs/twitch.md §3.2: `scopes` (plural) on /device; polls no faster than `interval` (5 s);
/// `authorization_pending` keeps waiting; 429 slows down by 5 s; success signs in.
#[tokio::test(start_paused = true)]
async fn device_flow_polls_at_the_interval_and_slows_down_on_429() {
    let sim = Sim::with_twitch_timings().await;
    sim.config(json!({"auto_approve": "sim_viewer"})).await;
    for (status, message) in
        [(400, "authorization_pending"), (429, "Too Many Requests"), (400, "authorization_pending")]
    {
        sim.fault(json!({"path": "/oauth2/token", "grant_type": DEVICE_GRANT,
                         "status": status, "message": message}))
            .await;
    }
    let (owner, _keychain) = owner(&sim, PUBLIC, None, OwnerOptions::default(), nobody());
    let state = owner.login(LoginFlow::Device).await.expect("signed in");
    assert_eq!(state.login(), Some("sim_viewer"));
    let log = sim.log(Some("oauth")).await;
    let device = log.iter().find(|e| e["path"] == "/oauth2/device").expect("a device request");
    assert_eq!(device["params"]["scopes"], "user:read:chat user:read:follows");
    assert!(device["params"].get("scope").is_none(), "the parameter is `scopes`");
    let polls: Vec<u64> = log
        .iter()
        .filter(|e| e["path"] == "/oauth2/token" && e["params"]["grant_type"] == DEVICE_GRANT)
        .filter_map(|e| e["t_ms"].as_u64())
        .collect();
    assert_eq!(polls.len(), 4);
    let gaps: Vec<u64> = polls.windows(2).map(|p| (p[1] - p[0]) / 1000).collect();
    assert_eq!(gaps, vec![5, 10, 10], "5 s interval, +5 s after the 429");
    owner.shutdown();
}

/// docs/twitch.md §9 "Device flow": Twitch was seen answering `invalid device code` to polls
/// of a code the user had not approved yet (https://github.com/twitchdev/issues/issues/971).
/// With the simulator answering so to the first three polls, the login still succeeds.
#[tokio::test(start_paused = true)]
async fn device_flow_keeps_polling_through_invalid_device_code_while_pending() {
    let sim = Sim::with_twitch_timings().await;
    sim.config(json!({"auto_approve": "sim_viewer", "device_invalid_while_pending": 3})).await;
    let (owner, keychain) = owner(&sim, PUBLIC, None, OwnerOptions::default(), nobody());
    let state =
        owner.login(LoginFlow::Device).await.expect("signed in after three invalid answers");
    assert_eq!(state.login(), Some("sim_viewer"));
    assert!(keychain.load_tokens().await.expect("kc").is_some(), "the login is stored");
    let polls = sim
        .log(Some("oauth"))
        .await
        .iter()
        .filter(|e| e["path"] == "/oauth2/token" && e["params"]["grant_type"] == DEVICE_GRANT)
        .count();
    assert_eq!(polls, 4, "three invalid answers, then the token");
    owner.shutdown();
}

/// The other side of the same rule: a code that really is invalid (used, expired, unknown)
/// also answers `invalid device code`, so the login ends once the code's `expires_in` has
/// passed (docs/twitch.md §3.2 step 2: give up at `expires_in`), with the expiry error.
#[tokio::test(start_paused = true)]
async fn a_device_code_that_stays_invalid_ends_the_login_when_it_expires() {
    let sim = Sim::with_twitch_timings().await;
    sim.config(json!({"device_code_secs": 60, "device_invalid_while_pending": 1000})).await;
    let (owner, keychain) = owner(&sim, PUBLIC, None, OwnerOptions::default(), nobody());
    let started = tokio::time::Instant::now();
    let err = owner.login(LoginFlow::Device).await.expect_err("never approved");
    assert_eq!(err, AuthError::Device(DeviceError::Expired));
    assert!(err.to_string().contains("expired") && err.to_string().contains("again"), "{err}");
    let waited = started.elapsed();
    assert!(waited >= Duration::from_secs(60), "gave up before expires_in: {waited:?}");
    assert!(waited < Duration::from_secs(70), "polled past expires_in: {waited:?}");
    assert!(keychain.load_tokens().await.expect("kc").is_none());
    assert!(matches!(owner.state(), AuthState::SignedOut { .. }), "{:?}", owner.state());
}

/// Any other 400 while polling is fatal (docs/twitch.md §3.2), and nothing is stored.
#[tokio::test(start_paused = true)]
async fn device_flow_other_400_is_a_denial() {
    let sim = Sim::with_twitch_timings().await;
    sim.fault(json!({"path": "/oauth2/token", "grant_type": DEVICE_GRANT, "status": 400,
                     "message": "access_denied"}))
        .await;
    let (owner, keychain) = owner(&sim, PUBLIC, None, OwnerOptions::default(), nobody());
    let err = owner.login(LoginFlow::Device).await.expect_err("denied");
    assert!(err.to_string().contains("access_denied"), "{err}");
    assert!(keychain.load_tokens().await.expect("kc").is_none());
}

/// No usable keychain: the login stops before the browser opens, with the clear error.
#[tokio::test]
async fn login_without_a_keychain_fails_before_the_browser() {
    let sim = Sim::with_twitch_timings().await;
    let store: Arc<keyring_core::CredentialStore> =
        keyring_core::mock::Store::new().expect("mock store");
    let entry =
        keyring_core::Entry::new_in_store(&store, "twitch-event-viewer", "tokens").expect("entry");
    let cred: &keyring_core::mock::Cred = entry.as_any().downcast_ref().expect("mock");
    cred.set_error(keyring_core::Error::NoStorageAccess(Box::new(std::io::Error::other("locked"))));
    let oauth = OAuthClient::new(Endpoints::with_base(&sim.base).expect("base"), PUBLIC, None)
        .expect("client");
    let opened = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let flag = opened.clone();
    let owner = TokenOwner::with_opener(
        oauth,
        Keychain::with_store(store),
        OwnerOptions::default(),
        Arc::new(move |_: &str| -> Result<(), String> {
            flag.store(true, std::sync::atomic::Ordering::SeqCst);
            Ok(())
        }),
    );
    let err = owner.login(LoginFlow::Device).await.expect_err("no keychain");
    assert!(err.to_string().contains("this run only"), "{err}");
    assert!(!opened.load(std::sync::atomic::Ordering::SeqCst));
}

/// After that error the user explicitly chooses "this run only": the same owner (which
/// Helix and EventSub already hold) logs in with a memory-only store.
#[tokio::test(start_paused = true)]
async fn session_only_is_the_users_explicit_choice() {
    let sim = Sim::with_twitch_timings().await;
    sim.config(json!({"auto_approve": "sim_viewer"})).await;
    let store: Arc<keyring_core::CredentialStore> =
        keyring_core::mock::Store::new().expect("mock store");
    let entry =
        keyring_core::Entry::new_in_store(&store, "twitch-event-viewer", "tokens").expect("entry");
    let cred: &keyring_core::mock::Cred = entry.as_any().downcast_ref().expect("mock");
    cred.set_error(keyring_core::Error::NoDefaultStore);
    let oauth = OAuthClient::new(Endpoints::with_base(&sim.base).expect("base"), PUBLIC, None)
        .expect("client");
    let owner = TokenOwner::with_opener(
        oauth,
        Keychain::with_store(store),
        OwnerOptions::default(),
        nobody(),
    );
    owner.login(LoginFlow::Device).await.expect_err("no keychain");
    owner.use_session_only().await;
    let state = owner.login(LoginFlow::Device).await.expect("signed in");
    let AuthState::SignedIn { session_only, login, .. } = &state else { panic!("{state:?}") };
    assert!(*session_only);
    assert_eq!(login, "sim_viewer");
    let c = owner.current().await.expect("creds");
    let fresh = owner.refresh_after_401(&c.token).await.expect("refresh in memory");
    assert!(fresh.token != c.token);
    owner.shutdown();
}

/// The app keeps one memory store for the run: an owner made again later (other roles, chatting
/// turned on) with that store finds the login kept there for this run only, while a fresh memory
/// store (a new run) has none. A store that is not memory is never taken for this choice.
#[tokio::test(start_paused = true)]
async fn a_login_for_this_run_only_is_found_again_by_an_owner_made_later_in_the_same_run() {
    let sim = Sim::with_twitch_timings().await;
    sim.config(json!({"auto_approve": "sim_viewer"})).await;
    let oauth = || {
        OAuthClient::new(Endpoints::with_base(&sim.base).expect("base"), PUBLIC, None)
            .expect("client")
    };
    let (owner, os) = owner(&sim, PUBLIC, None, OwnerOptions::default(), nobody());
    owner.keep_login_in(os.clone()).await;
    let run = Keychain::session_only();
    owner.keep_login_in(run.clone()).await;
    let state = owner.login(LoginFlow::Device).await.expect("signed in");
    assert!(matches!(state, AuthState::SignedIn { session_only: true, .. }), "{state:?}");
    assert!(os.load_tokens().await.expect("os store").is_none(), "the login reached the keychain");
    owner.shutdown();

    let again = TokenOwner::with_opener(oauth(), run, OwnerOptions::default(), nobody());
    let state = again.start().await;
    let AuthState::SignedIn { session_only, login, .. } = &state else { panic!("{state:?}") };
    assert!(*session_only);
    assert_eq!(login, "sim_viewer");
    again.shutdown();

    let next_run = TokenOwner::with_opener(
        oauth(),
        Keychain::session_only(),
        OwnerOptions::default(),
        nobody(),
    );
    let state = next_run.start().await;
    assert!(matches!(state, AuthState::SignedOut { reason: None }), "{state:?}");
    next_run.shutdown();
}

mod requested_scopes {
    //! The scopes the app asks for are exactly the scopes its features use (docs/twitch.md §3.5:
    //! every scope is shown to the user on Twitch's consent page): for each mode, the union of the
    //! scopes of the subscription types the planner makes for it (the protocol table's scopes,
    //! docs/twitch.md §2) and of the Helix calls it makes (docs/twitch.md §4, Send Chat Message
    //! when chatting is on); no more, no less.
    //! The Helix side runs against the simulator with a token of exactly the requested scopes.

    use std::collections::{BTreeMap, BTreeSet};
    use std::sync::Arc;

    use super::support::{SIM_MOD, SIM_VIEWER, Sim, TestTokens};
    use tev_core::auth::scopes;
    use tev_core::eventsub::planner::{self, PlanInput, PlannedChannel, Role, SkipReason};
    use tev_core::eventsub::protocol::subscription_type;
    use tev_core::helix::Helix;
    use tev_core::settings::RoleOptIn;

    /// A channel the user merely watches, one they moderate and their own.
    const OTHER: &str = "141592653";
    const MODERATED: &str = "271828182";

    /// What a mode makes the planner subscribe to, as the scopes those types need among the
    /// granted ones. Asserts that nothing the mode plans is left out for a missing scope.
    fn subscription_scopes(roles: RoleOptIn, me: &str, granted: &[String]) -> BTreeSet<String> {
        let mut channels = vec![(OTHER, Role::Viewer)];
        if roles.moderator {
            channels.push((MODERATED, Role::Moderator));
        }
        if roles.broadcaster {
            channels.push((me, Role::Broadcaster));
        }
        let plan = planner::plan(&PlanInput {
            user_id: me.to_string(),
            scopes: granted.to_vec(),
            channels: channels
                .iter()
                .map(|(id, role)| PlannedChannel {
                    broadcaster_id: id.to_string(),
                    login: format!("login{id}"),
                    role: *role,
                    live_only: false,
                    updates: false,
                    moderation: false,
                })
                .collect(),
            // Room for everything: the budget decides what fits, not what is needed.
            max_total_cost: 1000,
            denied: BTreeMap::new(),
        });
        let missing: Vec<_> = plan
            .skipped
            .iter()
            .filter(|s| matches!(s.reason, SkipReason::MissingScope(_)))
            .map(|s| format!("{} ({})", s.sub.sub_type, s.reason))
            .collect();
        assert!(missing.is_empty(), "{roles:?}: planned but not granted: {missing:?}");
        plan.subscriptions
            .iter()
            .flat_map(|s| {
                subscription_type(&s.sub_type).expect("a table type").scope_groups().iter()
            })
            .flat_map(|group| group.iter())
            .filter(|s| granted.iter().any(|g| g == *s))
            .map(|s| s.to_string())
            .collect()
    }

    /// The Helix calls a mode makes that need a scope, made against the simulator with a token
    /// of exactly `granted`; answers their scopes. Each call must succeed.
    async fn helix_scopes(sim: &Sim, roles: RoleOptIn, granted: &[String]) -> BTreeSet<String> {
        let login = if roles.moderator { "sim_mod" } else { "sim_viewer" };
        let me = if roles.moderator { SIM_MOD } else { SIM_VIEWER };
        let g: Vec<&str> = granted.iter().map(String::as_str).collect();
        let m = sim.mint(login, &g).await;
        let tokens: Arc<TestTokens> = TestTokens::new(&m.access, me, login, &g);
        let helix = Helix::new(sim.endpoints().helix, tokens).expect("helix");
        let mut used = BTreeSet::new();
        // The home page's followed list (every mode).
        helix.followed_channels(me).await.expect("followed channels with the requested scopes");
        used.insert(tev_core::helix::FOLLOWED_CHANNELS.scope.to_string());
        // Which of them are live (the home page's picker).
        helix.followed_streams(me).await.expect("followed streams with the requested scopes");
        used.insert(tev_core::helix::FOLLOWED_STREAMS.scope.to_string());
        // Which channels the user moderates (the moderator mode).
        if roles.moderator {
            let list = helix.moderated_channels(me).await.expect("moderated channels");
            assert!(!list.is_empty(), "sim_mod moderates lumenforge");
            used.insert(tev_core::helix::MODERATED_CHANNELS.scope.to_string());
        }
        // A message from the box under the chat (chatting turned on).
        if roles.chat {
            // One text per mode: the same text twice within 30 s would be dropped as a repeat.
            let text = format!("hello from {login} ({roles:?})");
            let sent = helix.send_chat_message(OTHER, me, &text).await.expect("chat message");
            assert!(sent.is_sent, "{sent:?}");
            used.insert(tev_core::helix::SEND_CHAT_MESSAGE.scope.to_string());
        }
        used
    }

    #[tokio::test]
    async fn each_mode_asks_for_exactly_the_scopes_its_subscriptions_and_calls_need() {
        let sim = Sim::with_twitch_timings().await;
        let modes = [(false, false), (false, true), (true, false), (true, true)];
        for ((broadcaster, moderator), chat) in
            modes.into_iter().flat_map(|m| [(m, false), (m, true)])
        {
            let roles = RoleOptIn { broadcaster, moderator, chat, moderation: false };
            let requested = scopes::for_roles(roles);
            let me = if moderator { SIM_MOD } else { SIM_VIEWER };
            let mut needed = subscription_scopes(roles, me, &requested);
            needed.extend(helix_scopes(&sim, roles, &requested).await);
            let asked: BTreeSet<String> = requested.iter().cloned().collect();
            assert_eq!(asked.len(), requested.len(), "{roles:?}: a scope asked for twice");
            assert_eq!(asked, needed, "{roles:?}: asked for ≠ used");
            assert!(!asked.contains("channel:moderate"), "a write scope nobody uses");
        }
    }
}
