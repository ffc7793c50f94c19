//! Both login flows end to end against twitch-sim over real HTTP (issue 5, "Tests that must
//! exist"): the "browser" is a reqwest client that follows the consent redirect or posts
//! the /activate form. Also: 100 refresh cycles with concurrent 401s (the sim revokes
//! everything if a spent refresh token comes back, twitch.md §3.2) and revocation at Twitch.
//! (The no-token-anywhere run against the sim is in `auth_no_leak.rs`, which owns the
//! process-wide log capture.)

use std::sync::{Arc, Mutex};

use std::time::Duration;

use serde_json::{Value, json};
use tev_core::Endpoints;
use tev_core::auth::device::DeviceError;
use tev_core::auth::loopback::LoopbackError;
use tev_core::auth::{AuthError, AuthState, LoginFlow, OAuthClient, OwnerOptions, TokenOwner};
use tev_core::keychain::Keychain;
use tev_core::token::TokenSource;
use zeroize::Zeroizing;

const PUBLIC: &str = "sim-public-client";

struct Sim {
    handle: twitch_sim::SimHandle,
    http: reqwest::Client,
}

impl Sim {
    async fn start() -> Self {
        let handle = twitch_sim::spawn(twitch_sim::SimOptions::default()).await.expect("sim");
        Sim { handle, http: reqwest::Client::new() }
    }
    fn base(&self) -> String {
        self.handle.base_url()
    }
    async fn post(&self, path: &str, body: Value) -> Value {
        let r = self
            .http
            .post(format!("{}{path}", self.base()))
            .json(&body)
            .send()
            .await
            .expect("control call");
        assert!(r.status().is_success(), "{path}: {}", r.status());
        r.json().await.unwrap_or(Value::Null)
    }
    async fn state(&self) -> Value {
        self.http
            .get(format!("{}/_sim/state", self.base()))
            .send()
            .await
            .expect("state")
            .json()
            .await
            .expect("state json")
    }
}

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
        Endpoints::with_base(&sim.base()).expect("base"),
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
            let http = reqwest::Client::new();
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
            let http = reqwest::Client::new();
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
    let sim = Sim::start().await;
    let (owner, keychain) =
        owner(&sim, PUBLIC, None, fast_device(), activating_browser(sim.base(), "authorize"));
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
        .get(format!("{}/oauth2/validate", sim.base()))
        .header("Authorization", format!("OAuth {}", creds.token.secret()))
        .send()
        .await
        .expect("validate");
    assert_eq!(v.status().as_u16(), 401);
    owner.shutdown();
}

#[tokio::test]
async fn device_flow_denied_and_expired_store_nothing() {
    let sim = Sim::start().await;
    let (owner, keychain) =
        owner(&sim, PUBLIC, None, fast_device(), activating_browser(sim.base(), "deny"));
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
    let sim = Sim::start().await;
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
    let sim = Sim::start().await;
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
    let sim = Sim::start().await;
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
    let sim = Sim::start().await;
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

async fn device_signed_in(sim: &Sim) -> (TokenOwner, Keychain) {
    sim.post("/_sim/config", json!({"auto_approve": "sim_viewer"})).await;
    let nobody: Opener = Arc::new(|_: &str| -> Result<(), String> { Ok(()) });
    let (owner, keychain) = owner_with(sim, nobody);
    owner.login(LoginFlow::Device).await.expect("auto-approved login");
    (owner, keychain)
}

/// Issue 5: 100 refresh cycles with concurrent 401s from several callers → exactly one
/// refresh per cycle, and no spent refresh token ever reaches the sim (it would revoke the
/// whole authorization and count a reuse).
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn hundred_refresh_cycles_with_concurrent_401s_against_the_sim() {
    let cycles: u64 =
        std::env::var("TEV_REFRESH_CYCLES").ok().and_then(|v| v.parse().ok()).unwrap_or(100);
    let sim = Sim::start().await;
    let (owner, keychain) = device_signed_in(&sim).await;
    let before = sim.state().await["counters"]["refreshes"].as_u64().expect("counter");
    for cycle in 0..cycles {
        let rejected = owner.current().await.expect("current").token;
        let tasks: Vec<_> = (0..6)
            .map(|_| {
                let owner = owner.clone();
                let rejected = rejected.clone();
                tokio::spawn(async move { owner.refresh_after_401(&rejected).await })
            })
            .collect();
        let mut fresh = Vec::new();
        for t in tasks {
            fresh.push(t.await.expect("join").expect("refreshed").token);
        }
        assert!(fresh.iter().all(|t| *t == fresh[0]), "cycle {cycle}: one shared result");
        assert_eq!(owner.refresh_count(), cycle + 1, "cycle {cycle}: exactly one refresh");
    }
    let state = sim.state().await;
    assert_eq!(state["counters"]["refreshes"].as_u64(), Some(before + cycles));
    assert_eq!(state["counters"]["reuse_revocations"].as_u64(), Some(0), "spent token reused");
    assert!(
        state["authorizations"].as_array().expect("auths").iter().all(|a| a["revoked"] == false)
    );
    // Still signed in at the end, and the keychain holds the live pair.
    assert_eq!(owner.validate_now().await.login(), Some("sim_viewer"));
    let stored = keychain.load_tokens().await.expect("kc").expect("stored");
    assert!(stored.access == owner.current().await.expect("creds").token);
    owner.shutdown();
}

#[tokio::test]
async fn revoked_at_twitch_means_signed_out_with_a_reason() {
    let sim = Sim::start().await;
    let (owner, keychain) = device_signed_in(&sim).await;
    sim.post("/_sim/authorizations/revoke", json!({"login": "sim_viewer"})).await;
    let state = owner.validate_now().await;
    let AuthState::SignedOut { reason: Some(reason) } = &state else { panic!("{state:?}") };
    assert!(reason.contains("sign in again"), "{reason}");
    assert!(keychain.load_tokens().await.expect("kc").is_none());
    let counters = &sim.state().await["counters"];
    assert_eq!(counters["reuse_revocations"].as_u64(), Some(0));
    owner.shutdown();
}

/// A restart: a new owner over the same keychain restores and validates the login.
#[tokio::test]
async fn a_new_owner_restores_the_login_from_the_keychain() {
    let sim = Sim::start().await;
    let (owner, keychain) = device_signed_in(&sim).await;
    owner.shutdown();
    drop(owner);
    let oauth = OAuthClient::new(Endpoints::with_base(&sim.base()).expect("base"), PUBLIC, None)
        .expect("client");
    let again = TokenOwner::new(oauth, keychain, OwnerOptions::default());
    assert_eq!(again.start().await.login(), Some("sim_viewer"));
    again.shutdown();
}
