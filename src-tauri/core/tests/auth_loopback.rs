//! Loopback callback abuse: state missing / wrong /
//! reused, second callback, other path, other method, a huge query, access_denied,
//! redirect_mismatch, timeout, port in use: each refused with a clear error and nothing
//! stored. The flow ends before any request to Twitch, so no simulator is needed here.

use std::sync::Arc;
use std::time::Duration;

use tev_core::Endpoints;
use tev_core::auth::loopback::LoopbackError;
use tev_core::auth::{AuthError, AuthState, LoginFlow, OAuthClient, OwnerOptions, TokenOwner};
use tev_core::keychain::Keychain;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::sync::mpsc;
use zeroize::Zeroizing;

fn free_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    l.local_addr().expect("addr").port()
}

struct Rig {
    owner: TokenOwner,
    keychain: Keychain,
    urls: mpsc::UnboundedReceiver<String>,
    port: u16,
}

fn rig(timeout: Duration) -> Rig {
    let port = free_port();
    let keychain = Keychain::with_store(keyring_core::mock::Store::new().expect("mock store"));
    // Nothing listens there: these flows must end before talking to Twitch.
    let endpoints = Endpoints::with_base("http://127.0.0.1:9").expect("endpoints");
    let oauth = OAuthClient::new(endpoints, "clientid1", Some(Zeroizing::new("sekrit".into())))
        .expect("client");
    let mut options = OwnerOptions::default();
    options.loopback.port = port;
    options.loopback.timeout = timeout;
    let (tx, urls) = mpsc::unbounded_channel();
    let opener = Arc::new(move |url: &str| -> Result<(), String> {
        tx.send(url.to_string()).map_err(|e| e.to_string())
    });
    let owner = TokenOwner::with_opener(oauth, keychain.clone(), options, opener);
    Rig { owner, keychain, urls, port }
}

fn state_of(url: &str) -> String {
    let u = url::Url::parse(url).expect("authorize url");
    u.query_pairs().find(|(k, _)| k == "state").map(|(_, v)| v.into_owned()).expect("state")
}

async fn raw(port: u16, request: &[u8]) -> std::io::Result<String> {
    let mut s = tokio::net::TcpStream::connect(("127.0.0.1", port)).await?;
    s.write_all(request).await?;
    let mut out = Vec::new();
    s.read_to_end(&mut out).await?;
    Ok(String::from_utf8_lossy(&out).into_owned())
}

async fn get(port: u16, target: &str) -> String {
    raw(port, format!("GET {target} HTTP/1.1\r\nHost: localhost\r\n\r\n").as_bytes())
        .await
        .expect("request")
}

async fn assert_nothing_stored(r: &Rig) {
    assert!(r.keychain.load_tokens().await.expect("keychain").is_none(), "nothing stored");
    assert!(matches!(r.owner.state(), AuthState::SignedOut { .. }), "{:?}", r.owner.state());
    // The listener is closed afterwards.
    assert!(
        tokio::net::TcpStream::connect(("127.0.0.1", r.port)).await.is_err(),
        "listener still open"
    );
}

async fn start(r: &mut Rig) -> (tokio::task::JoinHandle<Result<AuthState, AuthError>>, String) {
    let owner = r.owner.clone();
    let task = tokio::spawn(async move { owner.login(LoginFlow::Loopback).await });
    let url = tokio::time::timeout(Duration::from_secs(10), r.urls.recv())
        .await
        .expect("browser opened in time")
        .expect("url");
    (task, url)
}

async fn finish(task: tokio::task::JoinHandle<Result<AuthState, AuthError>>) -> AuthError {
    tokio::time::timeout(Duration::from_secs(10), task)
        .await
        .expect("flow ended")
        .expect("join")
        .expect_err("the flow must fail")
}

#[tokio::test]
async fn the_consent_url_is_twitchs_authorize_shape() {
    let mut r = rig(Duration::from_secs(30));
    let (task, url) = start(&mut r).await;
    let u = url::Url::parse(&url).expect("url");
    assert_eq!(u.path(), "/oauth2/authorize");
    let q: std::collections::HashMap<_, _> = u.query_pairs().into_owned().collect();
    assert_eq!(q["response_type"], "code");
    assert_eq!(q["client_id"], "clientid1");
    assert_eq!(q["redirect_uri"], format!("http://localhost:{}/callback", r.port));
    assert_eq!(q["scope"], "user:read:chat user:read:follows");
    assert!(q["state"].len() >= 32, "random state");
    assert!(!url.contains("sekrit"), "the secret never goes to the browser");
    r.owner.cancel_login();
    assert!(matches!(finish(task).await, AuthError::Loopback(LoopbackError::Cancelled)));
    assert_nothing_stored(&r).await;
}

#[tokio::test]
async fn wrong_state_is_refused() {
    let mut r = rig(Duration::from_secs(30));
    let (task, _url) = start(&mut r).await;
    let resp = get(r.port, "/callback?code=abc&state=not-the-state").await;
    assert!(resp.starts_with("HTTP/1.1 400"), "{resp}");
    assert!(resp.contains("state mismatch"), "{resp}");
    let err = finish(task).await;
    assert_eq!(err, AuthError::Loopback(LoopbackError::StateMismatch));
    assert!(err.to_string().contains("state mismatch"));
    assert_nothing_stored(&r).await;
}

#[tokio::test]
async fn missing_state_is_refused() {
    let mut r = rig(Duration::from_secs(30));
    let (task, _url) = start(&mut r).await;
    let resp = get(r.port, "/callback?code=abc").await;
    assert!(resp.starts_with("HTTP/1.1 400"), "{resp}");
    assert_eq!(finish(task).await, AuthError::Loopback(LoopbackError::MissingState));
    assert_nothing_stored(&r).await;
}

#[tokio::test]
async fn a_previous_logins_state_is_refused() {
    let mut r = rig(Duration::from_secs(30));
    let (task, first) = start(&mut r).await;
    let old_state = state_of(&first);
    r.owner.cancel_login();
    finish(task).await;
    let (task, second) = start(&mut r).await;
    assert_ne!(state_of(&second), old_state, "every login has a fresh state");
    let resp = get(r.port, &format!("/callback?code=abc&state={old_state}")).await;
    assert!(resp.starts_with("HTTP/1.1 400"), "{resp}");
    assert_eq!(finish(task).await, AuthError::Loopback(LoopbackError::StateMismatch));
    assert_nothing_stored(&r).await;
}

#[tokio::test]
async fn other_paths_methods_and_huge_queries_are_refused_and_the_flow_keeps_waiting() {
    let mut r = rig(Duration::from_secs(30));
    let (task, url) = start(&mut r).await;
    let state = state_of(&url);
    let resp = get(r.port, &format!("/other?code=abc&state={state}")).await;
    assert!(resp.starts_with("HTTP/1.1 404"), "{resp}");
    let resp = get(r.port, &format!("/callback/?code=abc&state={state}")).await;
    assert!(resp.starts_with("HTTP/1.1 404"), "trailing slash is another path: {resp}");
    let resp = raw(
        r.port,
        format!("POST /callback?code=abc&state={state} HTTP/1.1\r\nContent-Length: 0\r\n\r\n")
            .as_bytes(),
    )
    .await
    .expect("post");
    assert!(resp.starts_with("HTTP/1.1 405") && resp.contains("Allow: GET"), "{resp}");
    let huge = format!("/callback?code={}&state={state}", "a".repeat(64 * 1024));
    let resp = raw(r.port, format!("GET {huge} HTTP/1.1\r\n\r\n").as_bytes()).await;
    // Either the 431 answer or a reset while we were still sending: both refuse it.
    if let Ok(resp) = resp {
        assert!(resp.is_empty() || resp.starts_with("HTTP/1.1 431"), "{resp}");
    }
    assert!(!task.is_finished(), "none of those ends the login");
    r.owner.cancel_login();
    assert_eq!(finish(task).await, AuthError::Loopback(LoopbackError::Cancelled));
    assert_nothing_stored(&r).await;
}

#[tokio::test]
async fn access_denied_is_a_clear_error() {
    let mut r = rig(Duration::from_secs(30));
    let (task, url) = start(&mut r).await;
    let state = state_of(&url);
    let resp = get(
        r.port,
        &format!(
            "/callback?error=access_denied&error_description=The+user+denied+you+access&state={state}"
        ),
    )
    .await;
    assert!(resp.contains("Sign-in failed"), "{resp}");
    let err = finish(task).await;
    assert_eq!(
        err,
        AuthError::Loopback(LoopbackError::Denied("The user denied you access".into()))
    );
    assert!(err.to_string().contains("declined"));
    assert_nothing_stored(&r).await;
}

#[tokio::test]
async fn redirect_mismatch_names_the_url_to_register() {
    let mut r = rig(Duration::from_secs(30));
    let (task, url) = start(&mut r).await;
    let state = state_of(&url);
    get(
        r.port,
        &format!(
            "/callback?error=redirect_mismatch&error_description=Parameter+redirect_uri+does+not+match+registered+URI&state={state}"
        ),
    )
    .await;
    let err = finish(task).await;
    let msg = err.to_string();
    assert!(msg.contains(&format!("http://localhost:{}/callback", r.port)), "{msg}");
    assert_nothing_stored(&r).await;
}

#[tokio::test]
async fn a_second_callback_finds_the_listener_closed() {
    let mut r = rig(Duration::from_secs(30));
    let (task, url) = start(&mut r).await;
    let state = state_of(&url);
    get(r.port, &format!("/callback?error=access_denied&state={state}")).await;
    finish(task).await;
    let second =
        raw(r.port, format!("GET /callback?code=x&state={state} HTTP/1.1\r\n\r\n").as_bytes())
            .await;
    assert!(second.is_err(), "second callback must not be accepted: {second:?}");
    assert_nothing_stored(&r).await;
}

#[tokio::test]
async fn no_callback_times_out() {
    let mut r = rig(Duration::from_millis(300));
    let (task, _url) = start(&mut r).await;
    let err = finish(task).await;
    assert!(matches!(err, AuthError::Loopback(LoopbackError::Timeout(_))), "{err:?}");
    assert!(err.to_string().contains("no answer from the browser"));
    assert_nothing_stored(&r).await;
}

#[tokio::test]
async fn port_in_use_is_refused_with_the_port_named() {
    let r = rig(Duration::from_secs(30));
    let _taken = std::net::TcpListener::bind(("127.0.0.1", r.port)).expect("take the port");
    let err = r.owner.login(LoginFlow::Loopback).await.expect_err("port in use");
    assert_eq!(err, AuthError::Loopback(LoopbackError::PortInUse { port: r.port }));
    assert!(err.to_string().contains(&r.port.to_string()));
    assert!(r.keychain.load_tokens().await.expect("keychain").is_none());
    assert!(matches!(r.owner.state(), AuthState::SignedOut { .. }));
}

/// Browsers open speculative connections that never send a request: an idle connection
/// must not hold up the real callback.
#[tokio::test]
async fn an_idle_connection_does_not_block_the_callback() {
    let mut r = rig(Duration::from_secs(30));
    let (task, url) = start(&mut r).await;
    let state = state_of(&url);
    let _idle = tokio::net::TcpStream::connect(("127.0.0.1", r.port)).await.expect("idle");
    tokio::time::sleep(Duration::from_millis(50)).await;
    let started = std::time::Instant::now();
    get(r.port, &format!("/callback?error=access_denied&state={state}")).await;
    let err = finish(task).await;
    assert!(matches!(err, AuthError::Loopback(LoopbackError::Denied(_))), "{err:?}");
    assert!(started.elapsed() < Duration::from_secs(3), "held up by the idle connection");
    assert_nothing_stored(&r).await;
}
