//! Loopback callback abuse: state missing / wrong / reused, a stranger's error without
//! state (each a 400, the login keeps waiting for its own callback), a second callback, other
//! path, other method, a huge query, access_denied, redirect_mismatch, an over-long
//! `error_description`, 1,000 idle connections, `accept` failing for want of file
//! descriptors, timeout, port in use: each refused with a clear error and nothing stored.
//! The flow ends before any request to Twitch, so no simulator is needed here.

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

/// Ends the waiting login with a callback carrying the right `state` (an `access_denied`,
/// so no request goes to Twitch) and checks that this one, not an earlier stranger, ended it.
async fn end_with_the_real_callback(
    r: &Rig,
    task: tokio::task::JoinHandle<Result<AuthState, AuthError>>,
    state: &str,
) {
    assert!(!task.is_finished(), "a stranger's callback must not end the login");
    get(r.port, &format!("/callback?error=access_denied&error_description=mine&state={state}"))
        .await;
    assert_eq!(finish(task).await, AuthError::Loopback(LoopbackError::Denied("mine".into())));
}

#[tokio::test]
async fn wrong_state_is_refused_and_the_login_keeps_waiting() {
    let mut r = rig(Duration::from_secs(30));
    let (task, url) = start(&mut r).await;
    let resp = get(r.port, "/callback?code=abc&state=not-the-state").await;
    assert!(resp.starts_with("HTTP/1.1 400"), "{resp}");
    assert!(resp.contains("state mismatch"), "{resp}");
    end_with_the_real_callback(&r, task, &state_of(&url)).await;
    assert_nothing_stored(&r).await;
}

#[tokio::test]
async fn missing_state_is_refused_and_the_login_keeps_waiting() {
    let mut r = rig(Duration::from_secs(30));
    let (task, url) = start(&mut r).await;
    let resp = get(r.port, "/callback?code=abc").await;
    assert!(resp.starts_with("HTTP/1.1 400"), "{resp}");
    end_with_the_real_callback(&r, task, &state_of(&url)).await;
    assert_nothing_stored(&r).await;
}

/// Any web page the user visits can make the browser load
/// `http://localhost:<port>/callback?error=…`: without this login's `state` it is a stranger's
/// text, refused, never shown in the app.
#[tokio::test]
async fn a_strangers_error_without_state_is_refused_and_the_login_keeps_waiting() {
    let mut r = rig(Duration::from_secs(30));
    let (task, url) = start(&mut r).await;
    let resp =
        get(r.port, "/callback?error=access_denied&error_description=Visit+evil.example").await;
    assert!(resp.starts_with("HTTP/1.1 400"), "{resp}");
    assert!(!resp.contains("evil.example"), "a stranger's text is never echoed: {resp}");
    let resp = get(r.port, "/callback?error=server_error&state=not-the-state").await;
    assert!(resp.starts_with("HTTP/1.1 400"), "{resp}");
    end_with_the_real_callback(&r, task, &state_of(&url)).await;
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
    end_with_the_real_callback(&r, task, &state_of(&second)).await;
    assert_nothing_stored(&r).await;
}

/// Twitch's `error_description` is a short sentence; whatever arrives is cut to 200
/// characters and loses its control characters before the app shows it.
#[tokio::test]
async fn error_description_is_cut_to_200_characters_without_control_characters() {
    let mut r = rig(Duration::from_secs(30));
    let (task, url) = start(&mut r).await;
    let state = state_of(&url);
    let long = format!("%1B%5B31mred%07%0A%0D{}", "x".repeat(500));
    get(r.port, &format!("/callback?error=server_error&error_description={long}&state={state}"))
        .await;
    let err = finish(task).await;
    let AuthError::Loopback(LoopbackError::Twitch { error, description }) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(error, "server_error");
    assert!(description.chars().count() <= 200, "{} chars", description.chars().count());
    assert!(!description.chars().any(char::is_control), "{description:?}");
    assert!(description.starts_with("[31mred") && description.ends_with('x'), "{description:?}");
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

/// How many sockets this process holds (the test's client ends, the listeners and the
/// server's accepted ends all live here).
#[cfg(target_os = "linux")]
fn sockets_held(port: u16) -> usize {
    // The kernel's socket table names each socket's inode; the listener's accepted connections
    // are those whose local port is its port, other than the listening socket (state 0A).
    // Counting every socket of the process instead also counted the other tests of this
    // binary, which run at the same time (18 "held" once on a busy machine).
    let local = format!(":{port:04X}");
    let mut inodes = std::collections::HashSet::new();
    for table in ["/proc/net/tcp", "/proc/net/tcp6"] {
        let Ok(text) = std::fs::read_to_string(table) else { continue };
        for line in text.lines().skip(1) {
            let f: Vec<&str> = line.split_whitespace().collect();
            if f.len() > 9 && f[1].ends_with(&local) && f[3] != "0A" {
                inodes.insert(format!("socket:[{}]", f[9]));
            }
        }
    }
    std::fs::read_dir("/proc/self/fd")
        .expect("/proc/self/fd")
        .filter_map(|e| std::fs::read_link(e.ok()?.path()).ok())
        .filter(|t| inodes.contains(t.to_string_lossy().as_ref()))
        .count()
}

/// Lets this process open `want` descriptors (the CI's soft limit may be 1024).
#[cfg(target_os = "linux")]
fn raise_fd_limit(want: u64) {
    let mut lim = libc::rlimit { rlim_cur: 0, rlim_max: 0 };
    // SAFETY: getrlimit/setrlimit only read and write the struct passed.
    unsafe {
        assert_eq!(libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim), 0);
        if lim.rlim_cur < want {
            lim.rlim_cur = want.min(lim.rlim_max);
            assert_eq!(libc::setrlimit(libc::RLIMIT_NOFILE, &lim), 0);
        }
    }
}

/// A local program opens 1,000 connections and sends nothing. The listener holds at most
/// 16 at once (the one waiting longest is closed for a newcomer), and the browser's real
/// callback, which sends its request at once, still ends the login.
#[cfg(target_os = "linux")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thousand_idle_connections_are_capped_at_16_and_the_real_callback_still_completes() {
    raise_fd_limit(4096);
    let mut r = rig(Duration::from_secs(60));
    let (task, url) = start(&mut r).await;
    let port = r.port;
    let idle = tokio::task::spawn_blocking(move || {
        (0..1000)
            .map(|_| {
                let s = std::net::TcpStream::connect(("127.0.0.1", port)).expect("connect");
                s.set_nonblocking(true).expect("nonblocking");
                s
            })
            .collect::<Vec<_>>()
    })
    .await
    .expect("connect task");
    // Wait until the server has dealt with every one of them, watching how many it holds.
    let mut most_held = 0;
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    loop {
        let held = sockets_held(port);
        most_held = most_held.max(held);
        let closed = idle
            .iter()
            .filter(|s| {
                // Open and silent: WouldBlock; closed by the server: end of file or a reset.
                let mut b = [0u8; 1];
                !matches!(std::io::Read::read(&mut &**s, &mut b),
                    Err(ref e) if e.kind() == std::io::ErrorKind::WouldBlock)
            })
            .count();
        if closed >= idle.len() - 16 {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "only {closed} closed; holds {held}");
        assert!(most_held <= 16, "the listener holds {most_held} connections at once");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(most_held <= 16, "the listener holds {most_held} connections at once");
    end_with_the_real_callback(&r, task, &state_of(&url)).await;
    drop(idle);
    assert_nothing_stored(&r).await;
}

/// When the process runs out of file descriptors, `accept` fails at once for as long as a
/// connection waits; the loop must back off instead of spinning on the failure, and pick the
/// connection up once descriptors are free again. Run in a child process of this test
/// binary, because it lowers the process's descriptor limit.
#[cfg(target_os = "linux")]
#[test]
fn accept_errors_back_off_instead_of_spinning() {
    const CHILD: &str = "TEV_LOOPBACK_EMFILE_CHILD";
    if std::env::var_os(CHILD).is_none() {
        let out = std::process::Command::new(std::env::current_exe().expect("test binary"))
            .args(["--exact", "accept_errors_back_off_instead_of_spinning", "--nocapture"])
            .env(CHILD, "1")
            .output()
            .expect("run the child");
        let text = String::from_utf8_lossy(&out.stdout).into_owned()
            + &String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success() && text.contains("1 passed"), "{text}");
        return;
    }
    let log = LogBuffer::default();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::DEBUG)
        .with_writer(log.clone())
        .with_ansi(false)
        .finish();
    tracing::subscriber::set_global_default(subscriber).expect("subscriber");
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async {
        let mut r = rig(Duration::from_secs(60));
        let (task, url) = start(&mut r).await;
        // Fill every descriptor under a low limit, then free one for the client's socket:
        // the server's accept of that connection fails with EMFILE.
        let mut lim = libc::rlimit { rlim_cur: 0, rlim_max: 0 };
        // SAFETY: as in raise_fd_limit.
        unsafe { assert_eq!(libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim), 0) };
        let saved = lim;
        lim.rlim_cur = 512;
        // SAFETY: as above.
        unsafe { assert_eq!(libc::setrlimit(libc::RLIMIT_NOFILE, &lim), 0) };
        let mut filler = Vec::new();
        while let Ok(f) = std::fs::File::open("/dev/null") {
            filler.push(f);
        }
        filler.pop();
        let mut client =
            std::net::TcpStream::connect(("127.0.0.1", r.port)).expect("client connect");
        let failures = || log.text().matches("accept failed").count();
        tokio::time::sleep(Duration::from_millis(200)).await;
        let first = failures();
        tokio::time::sleep(Duration::from_secs(1)).await;
        let in_a_second = failures() - first;
        drop(filler);
        // SAFETY: as above.
        unsafe { assert_eq!(libc::setrlimit(libc::RLIMIT_NOFILE, &saved), 0) };
        assert!(first >= 1, "accept never failed: the test did not exhaust descriptors");
        assert!(in_a_second <= 20, "{in_a_second} accept failures in one second: a spin");
        let state = state_of(&url);
        std::io::Write::write_all(
            &mut client,
            format!("GET /callback?error=access_denied&state={state} HTTP/1.1\r\n\r\n").as_bytes(),
        )
        .expect("send the callback");
        let err = finish(task).await;
        assert!(matches!(err, AuthError::Loopback(LoopbackError::Denied(_))), "{err:?}");
    });
}

/// A log sink in memory, so the child test can count what the listener logged.
#[derive(Clone, Default)]
struct LogBuffer(Arc<std::sync::Mutex<Vec<u8>>>);

impl LogBuffer {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().expect("log lock")).into_owned()
    }
}

impl std::io::Write for LogBuffer {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().expect("log lock").extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for LogBuffer {
    type Writer = LogBuffer;
    fn make_writer(&'a self) -> Self::Writer {
        self.clone()
    }
}
