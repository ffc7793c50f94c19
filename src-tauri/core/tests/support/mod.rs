//! The simulator (`tests/twitch-sim`) as the core's integration tests use it: started
//! in-process with test-sized timings, driven through its `/_sim/*` control API; a watcher on
//! it with a token source that can rotate; and collectors of what the watcher broadcasts.
//! Waits poll the simulator's state rather than sleeping for a fixed time.
#![allow(dead_code)]

use std::future::Future;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{Value, json};
use tev_core::Endpoints;
use tev_core::eventsub::session::Backoff;
use tev_core::token::{AccessToken, BoxFuture, Credentials, TokenError, TokenSource};
use tev_core::watcher::{self, ConnectionState, WatchUpdate, WatcherConfig, WatcherHandle};

/// lumenforge, live, in the simulator's default world (tests/twitch-sim/README.md).
pub const LUMEN: &str = "141592653";
/// nightowl, live.
pub const NIGHTOWL: &str = "271828182";
/// quietfox, offline.
pub const QUIETFOX: &str = "161803398";
/// pixelpaladin, offline.
pub const PIXELPALADIN: &str = "314159265";
/// sim_viewer: the user the tests sign in as.
pub const SIM_VIEWER: &str = "577215664";
/// sim_mod: moderates lumenforge.
pub const SIM_MOD: &str = "662607015";
/// The simulator's public application.
pub const PUBLIC: &str = "sim-public-client";
/// The scopes a viewer's watcher signs in with.
pub const VIEWER_SCOPES: &[&str] = &["user:read:chat", "user:read:follows"];

/// A moment, as the feed and the watcher give it.
pub type Utc = chrono::DateTime<chrono::Utc>;

/// The viewer's subscriptions per channel: stream.online/offline, channel.update, the raid
/// either way and the two chat types.
pub const VIEWER_SUBS: usize = 7;

/// A token pair minted by the simulator without a login flow.
#[derive(Clone)]
pub struct Minted {
    /// The access token.
    pub access: String,
    /// The refresh token.
    pub refresh: String,
    /// Whose.
    pub user_id: String,
}

/// An in-process simulator and an HTTP client for its control API.
pub struct Sim {
    /// Dropping it stops the simulator.
    _handle: twitch_sim::SimHandle,
    /// `http://127.0.0.1:PORT`.
    pub base: String,
    /// For the control API.
    pub http: reqwest::Client,
}

impl Sim {
    /// A simulator with the timings the session tests need: a 1 s keepalive window (a silent
    /// socket is noticed in about 2.5 s), 3 s to subscribe before 4003, 5 s of reconnect grace.
    pub async fn start() -> Sim {
        let sim = Sim::with_twitch_timings().await;
        sim.config(json!({"welcome_keepalive_secs": 1, "unused_timeout_ms": 3000,
                          "reconnect_grace_ms": 5000}))
            .await;
        sim
    }

    /// A simulator with Twitch's own timings.
    pub async fn with_twitch_timings() -> Sim {
        install_crypto();
        let handle = twitch_sim::spawn(twitch_sim::SimOptions::default()).await.expect("sim");
        let base = handle.base_url();
        Sim {
            _handle: handle,
            base,
            http: tev_core::tls::http_client().build().expect("an HTTP client"),
        }
    }

    /// Endpoints at the simulator.
    pub fn endpoints(&self) -> Endpoints {
        Endpoints::with_base(&self.base).expect("endpoints")
    }

    /// POSTs a control call and asserts it succeeded; answers its JSON (or null).
    pub async fn post(&self, path: &str, body: Value) -> Value {
        let r =
            self.http.post(format!("{}{path}", self.base)).json(&body).send().await.expect("sim");
        let status = r.status();
        let text = r.text().await.unwrap_or_default();
        assert!(status.is_success(), "{path}: {status} {text}");
        serde_json::from_str(&text).unwrap_or(Value::Null)
    }

    /// Like `post`, but a session that just went away (404) is fine: chaos races the client.
    pub async fn post_racing(&self, path: &str, body: Value) {
        let r =
            self.http.post(format!("{}{path}", self.base)).json(&body).send().await.expect("sim");
        assert!(r.status().is_success() || r.status() == 404, "{path}: {}", r.status());
    }

    /// GETs a control path's JSON.
    pub async fn get(&self, path: &str) -> Value {
        self.http
            .get(format!("{}{path}", self.base))
            .send()
            .await
            .expect("sim")
            .json()
            .await
            .expect("json")
    }

    /// `/_sim/state`.
    pub async fn state(&self) -> Value {
        self.get("/_sim/state").await
    }

    /// `/_sim/state`'s counters.
    pub async fn counters(&self) -> Value {
        self.state().await["counters"].clone()
    }

    /// One counter of a map counter (`helix_calls`, `server_closes`, …), 0 when absent.
    pub async fn count(&self, map: &str, key: &str) -> u64 {
        self.counters().await[map][key].as_u64().unwrap_or(0)
    }

    /// Subscription creates Helix received (`POST /helix/eventsub/subscriptions`).
    pub async fn creates(&self) -> u64 {
        self.count("helix_calls", "POST /helix/eventsub/subscriptions").await
    }

    /// Subscription lists Helix received.
    pub async fn lists(&self) -> u64 {
        self.count("helix_calls", "GET /helix/eventsub/subscriptions").await
    }

    /// Helix answers with this status.
    pub async fn helix_status(&self, status: u16) -> u64 {
        self.count("helix_statuses", &status.to_string()).await
    }

    /// `POST /_sim/config`.
    pub async fn config(&self, v: Value) {
        self.post("/_sim/config", v).await;
    }

    /// Every open session (connected or told to reconnect), oldest first.
    pub async fn sessions(&self) -> Vec<String> {
        self.get("/_sim/sessions").await["sessions"]
            .as_array()
            .map(|a| a.iter().filter_map(|s| s["id"].as_str().map(str::to_string)).collect())
            .unwrap_or_default()
    }

    /// The enabled subscriptions, as `/_sim/state` lists them.
    pub async fn enabled_subs(&self) -> Vec<Value> {
        self.state().await["subscriptions"]
            .as_array()
            .map(|a| a.iter().filter(|s| s["status"] == "enabled").cloned().collect())
            .unwrap_or_default()
    }

    /// Sends `sub_type` on `login`'s channel; answers the message ids sent.
    pub async fn emit(&self, sub_type: &str, login: &str) -> Vec<String> {
        self.emit_json(json!({"type": sub_type, "broadcaster_login": login})).await
    }

    /// Posts `body` to `/_sim/events` (type, channel, event fields, count…); answers the
    /// message ids the simulator sent.
    pub async fn emit_json(&self, body: Value) -> Vec<String> {
        let v = self.post("/_sim/events", body).await;
        v["message_ids"]
            .as_array()
            .map(|a| a.iter().filter_map(|x| x.as_str().map(str::to_string)).collect())
            .unwrap_or_default()
    }

    /// Arms a fault (`POST /_sim/faults`).
    pub async fn fault(&self, body: Value) {
        self.post("/_sim/faults", body).await;
    }

    /// How many faults still wait for a request.
    pub async fn faults_pending(&self) -> usize {
        self.get("/_sim/faults").await["faults"].as_array().map_or(0, Vec::len)
    }

    /// The simulator's log (`/_sim/log`), optionally of one kind.
    pub async fn log(&self, kind: Option<&str>) -> Vec<Value> {
        let q = kind.map(|k| format!("?kind={k}")).unwrap_or_default();
        self.get(&format!("/_sim/log{q}")).await["entries"].as_array().cloned().unwrap_or_default()
    }

    /// Creates a user (and so a channel); answers its id.
    pub async fn user(&self, login: &str, live: bool) -> String {
        let u = self.post("/_sim/users", json!({"login": login, "live": live})).await;
        u["id"].as_str().expect("user id").to_string()
    }

    /// A token pair for `login` on the public application, without a login flow.
    pub async fn mint(&self, login: &str, scopes: &[&str]) -> Minted {
        let t = self.post("/_sim/tokens", json!({"login": login, "scopes": scopes})).await;
        Minted {
            access: t["access_token"].as_str().expect("access").into(),
            refresh: t["refresh_token"].as_str().expect("refresh").into(),
            user_id: t["user_id"].as_str().expect("user id").into(),
        }
    }

    /// What the simulator knows of a token value (`/_sim/tokens/lookup`); `None` if nothing.
    pub async fn lookup(&self, token: &str) -> Option<Value> {
        let r = self
            .http
            .post(format!("{}/_sim/tokens/lookup", self.base))
            .json(&json!({"token": token}))
            .send()
            .await
            .expect("sim");
        if r.status() == 404 {
            return None;
        }
        assert!(r.status().is_success(), "lookup: {}", r.status());
        Some(r.json().await.expect("json"))
    }

    /// Revokes one token at "Twitch" (`POST /oauth2/revoke`): it stops working.
    pub async fn revoke(&self, token: &str) {
        let r = self
            .http
            .post(format!("{}/oauth2/revoke", self.base))
            .form(&[("client_id", PUBLIC), ("token", token)])
            .send()
            .await
            .expect("revoke");
        assert!(r.status().is_success(), "revoke: {}", r.status());
    }

    /// A token source signed in as `login` with `scopes` (token minted by the simulator).
    pub async fn tokens(&self, login: &str, scopes: &[&str]) -> Arc<TestTokens> {
        let m = self.mint(login, scopes).await;
        TestTokens::new(&m.access, &m.user_id, login, scopes)
    }

    /// Endpoints at the simulator and a watcher config with test-sized timeouts.
    pub fn watcher_config(&self) -> (Endpoints, WatcherConfig) {
        let ep = self.endpoints();
        let mut c = WatcherConfig::new(&ep);
        // The simulator's short test window (`welcome_keepalive_secs`) is advertised only to a
        // client that asks for none.
        c.session.keepalive_request = None;
        c.session.keepalive_grace = Duration::from_millis(1500);
        c.session.welcome_timeout = Duration::from_secs(3);
        c.session.connect_timeout = Duration::from_secs(3);
        c.session.backoff = Backoff {
            initial: Duration::from_millis(20),
            max: Duration::from_millis(200),
            jitter: true,
        };
        c.session.wall_check_interval = Some(Duration::from_millis(100));
        c.reconcile_retry = Duration::from_millis(100);
        c.poll_interval = Duration::from_millis(200);
        // The soak tests push thousands of updates faster than a UI would; never lag.
        c.broadcast_capacity = 1 << 17;
        (ep, c)
    }

    /// A watcher signed in as `sim_viewer`, no channel yet.
    pub async fn watcher(&self) -> (WatcherHandle, Collected, Arc<TestTokens>) {
        self.watcher_as("sim_viewer", VIEWER_SCOPES).await
    }

    /// A watcher signed in as `login` with `scopes`, no channel yet.
    pub async fn watcher_as(
        &self,
        login: &str,
        scopes: &[&str],
    ) -> (WatcherHandle, Collected, Arc<TestTokens>) {
        let tokens = self.tokens(login, scopes).await;
        let (ep, cfg) = self.watcher_config();
        let h = watcher::spawn(&ep, tokens.clone(), cfg).expect("spawn");
        let got = Collected::start(&h);
        (h, got, tokens)
    }

    /// Waits (10 s at most) until the open sessions satisfy `f`; answers them.
    pub async fn wait_sessions(&self, what: &str, f: impl Fn(&[String]) -> bool) -> Vec<String> {
        let end = tokio::time::Instant::now() + Duration::from_secs(10);
        loop {
            let s = self.sessions().await;
            if f(&s) {
                return s;
            }
            assert!(tokio::time::Instant::now() < end, "timed out waiting for {what}: {s:?}");
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }
}

/// A watcher signed in as `sim_viewer` watching `logins`, connected.
pub async fn watching(sim: &Sim, logins: &[&str]) -> (WatcherHandle, Collected, Arc<TestTokens>) {
    let (h, got, tokens) = sim.watcher().await;
    for l in logins {
        h.add_channel(l, None).await.expect("add channel");
    }
    connected(&h).await;
    (h, got, tokens)
}

/// Waits until exactly one session is open and it is not `old`; answers it.
pub async fn moved_from(sim: &Sim, old: &str) -> String {
    sim.wait_sessions("a new single session", |s| s.len() == 1 && s[0] != old).await[0].clone()
}

/// Waits until `n` subscriptions are enabled and all of them are on `session`.
pub async fn subscribed_on(sim: &Sim, session: &str, n: usize) {
    eventually(10, "the subscriptions on the session", || async {
        let subs = sim.enabled_subs().await;
        subs.len() == n && subs.iter().all(|s| s["transport"]["session_id"] == session)
    })
    .await;
}

/// Polls `f` every 10 ms until it is true or `secs` pass.
pub async fn wait_until(secs: u64, what: &str, mut f: impl FnMut() -> bool) {
    let end = tokio::time::Instant::now() + Duration::from_secs(secs);
    while !f() {
        if tokio::time::Instant::now() > end {
            panic!("timed out waiting for: {what}");
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// Polls the async `f` every 10 ms until it is true or `secs` pass.
pub async fn eventually<F, Fut>(secs: u64, what: &str, mut f: F)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = bool>,
{
    let end = tokio::time::Instant::now() + Duration::from_secs(secs);
    while !f().await {
        if tokio::time::Instant::now() > end {
            panic!("timed out waiting for: {what}");
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// Waits until the watcher says Connected.
pub async fn connected(h: &WatcherHandle) {
    let mut st = h.state();
    let r = tokio::time::timeout(
        Duration::from_secs(15),
        st.wait_for(|s| *s == ConnectionState::Connected),
    )
    .await;
    let Ok(r) = r else {
        panic!(
            "not connected in time: state {:?}, report {:?}",
            *h.state().borrow(),
            *h.subscriptions().borrow()
        );
    };
    r.expect("watcher alive");
}

/// Every connection state the watcher goes through from now on.
pub fn states(h: &WatcherHandle) -> Arc<Mutex<Vec<ConnectionState>>> {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let mut st = h.state();
    let s2 = seen.clone();
    tokio::spawn(async move {
        while st.changed().await.is_ok() {
            let v = st.borrow_and_update().clone();
            s2.lock().expect("states").push(v);
        }
    });
    seen
}

/// rustls' provider, and logs to the test output with `TEV_LOG`.
pub fn install_crypto() {
    tev_core::tls::install();
    let _ = tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_env("TEV_LOG"))
        .with_test_writer()
        .try_init();
}

/// A token owner for tests: the current token can rotate; a refresh returns `next`.
pub struct TestTokens {
    /// The token now.
    pub current: Mutex<String>,
    /// What the next refresh gives; none = the refresh is refused.
    pub next: Mutex<Option<String>>,
    /// Refreshes asked for.
    pub refreshes: AtomicU64,
    /// Whose token it is.
    pub user_id: String,
    /// Their login.
    pub login: String,
    /// Its scopes.
    pub scopes: Vec<String>,
    /// Refresh always succeeds with the current token (an owner that can always refresh).
    pub always_refresh: AtomicBool,
}

impl TestTokens {
    /// A source holding `token` of `user_id`/`login` with `scopes`.
    pub fn new(token: &str, user_id: &str, login: &str, scopes: &[&str]) -> Arc<Self> {
        Arc::new(Self {
            current: Mutex::new(token.into()),
            next: Mutex::new(None),
            refreshes: AtomicU64::new(0),
            user_id: user_id.into(),
            login: login.into(),
            scopes: scopes.iter().map(|s| s.to_string()).collect(),
            always_refresh: AtomicBool::new(false),
        })
    }

    /// The token now.
    pub fn token(&self) -> String {
        self.current.lock().expect("t").clone()
    }

    fn creds(&self) -> Credentials {
        Credentials {
            client_id: PUBLIC.into(),
            token: AccessToken::new(self.token()),
            user_id: self.user_id.clone(),
            login: self.login.clone(),
            scopes: self.scopes.clone(),
        }
    }
}

impl TokenSource for TestTokens {
    fn current(&self) -> BoxFuture<'_, Result<Credentials, TokenError>> {
        let c = self.creds();
        Box::pin(async move { Ok(c) })
    }
    fn refresh_after_401<'a>(
        &'a self,
        _rejected: &'a AccessToken,
    ) -> BoxFuture<'a, Result<Credentials, TokenError>> {
        self.refreshes.fetch_add(1, Ordering::SeqCst);
        let next = self
            .next
            .lock()
            .expect("n")
            .take()
            .or_else(|| self.always_refresh.load(Ordering::SeqCst).then(|| self.token()));
        Box::pin(async move {
            match next {
                Some(n) => {
                    *self.current.lock().expect("t") = n;
                    Ok(self.creds())
                }
                None => Err(TokenError::Expired("refresh refused".into())),
            }
        })
    }
}

/// Everything a watcher broadcast, collected in the background.
#[derive(Clone, Default)]
pub struct Collected(pub Arc<Mutex<Vec<WatchUpdate>>>);

impl Collected {
    /// Starts collecting `h`'s updates.
    pub fn start(h: &WatcherHandle) -> Collected {
        let c = Collected::default();
        let mut rx = h.updates();
        let store = c.0.clone();
        tokio::spawn(async move {
            loop {
                match rx.recv().await {
                    Ok(u) => store.lock().expect("c").push(u),
                    Err(tokio::sync::broadcast::error::RecvError::Lagged(n)) => {
                        panic!("collector lagged by {n}")
                    }
                    Err(_) => break,
                }
            }
        });
        c
    }

    /// The notifications' message ids, in order.
    pub fn message_ids(&self) -> Vec<String> {
        self.0
            .lock()
            .expect("c")
            .iter()
            .filter_map(|u| match u {
                WatchUpdate::Notification { message_id, .. } => Some(message_id.clone()),
                _ => None,
            })
            .collect()
    }

    /// The `gap` rows the feed made: (channel, from, to, why); an open-ended one (a
    /// revocation) runs to the end of time.
    pub fn gap_rows(&self) -> Vec<(String, Utc, Utc, String)> {
        self.rows()
            .into_iter()
            .filter_map(|e| match e.details {
                tev_core::feed::Details::Gap { from, to, reason } => Some((
                    e.channel_id,
                    from,
                    to.unwrap_or(chrono::DateTime::<chrono::Utc>::MAX_UTC),
                    format!("{reason:?}"),
                )),
                _ => None,
            })
            .collect()
    }

    /// The gaps: (channel, from, to).
    pub fn gaps(&self) -> Vec<(String, Utc, Utc)> {
        self.gap_rows().into_iter().map(|(c, from, to, _)| (c, from, to)).collect()
    }

    /// The notices' messages.
    pub fn notices(&self) -> Vec<String> {
        self.0
            .lock()
            .expect("c")
            .iter()
            .filter_map(|u| match u {
                WatchUpdate::Notice { message, .. } => Some(message.clone()),
                _ => None,
            })
            .collect()
    }

    /// Rows the feed added or updated, in order.
    pub fn rows(&self) -> Vec<tev_core::feed::StreamEvent> {
        self.0
            .lock()
            .expect("c")
            .iter()
            .filter_map(|u| match u {
                WatchUpdate::Feed(f) => match f.as_ref() {
                    tev_core::feed::FeedUpdate::Added(e)
                    | tev_core::feed::FeedUpdate::Updated(e) => Some(e.clone()),
                    _ => None,
                },
                _ => None,
            })
            .collect()
    }
}

/// Waits until every id of `sent` was received, and checks none was shown twice.
pub async fn all_received(got: &Collected, sent: &[String]) {
    wait_until(30, "every sent event received", || {
        let ids = got.message_ids();
        sent.iter().all(|s| ids.contains(s))
    })
    .await;
    let ids = got.message_ids();
    let mut sorted = ids.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(sorted.len(), ids.len(), "an event was shown twice");
}

/// A keychain in memory.
pub fn mock_keychain() -> tev_core::keychain::Keychain {
    tev_core::keychain::Keychain::with_store(keyring_core::mock::Store::new().expect("mock store"))
}

/// A token owner restored from a keychain holding a pair the simulator minted for
/// `sim_viewer` (as after an earlier login), started and validated; answers the pair too.
pub async fn signed_in_owner(
    sim: &Sim,
    options: tev_core::auth::OwnerOptions,
) -> (tev_core::auth::TokenOwner, tev_core::keychain::Keychain, Minted) {
    use tev_core::keychain::{RefreshToken, StoredTokens};
    let keychain = mock_keychain();
    let m = sim.mint("sim_viewer", &["user:read:chat"]).await;
    keychain
        .store_tokens(&StoredTokens {
            client_id: PUBLIC.into(),
            access: AccessToken::new(m.access.clone()),
            refresh: Some(RefreshToken::new(m.refresh.clone())),
            expires_at: chrono::Utc::now().timestamp() + 14_400,
            scopes: vec!["user:read:chat".into()],
            user_id: m.user_id.clone(),
            login: "sim_viewer".into(),
        })
        .await
        .expect("store");
    let oauth = tev_core::auth::OAuthClient::new(sim.endpoints(), PUBLIC, None).expect("client");
    let owner = tev_core::auth::TokenOwner::new(oauth, keychain.clone(), options);
    let state = owner.start().await;
    assert_eq!(state.login(), Some("sim_viewer"), "{state:?}");
    (owner, keychain, m)
}

/// Refresh-grant requests the simulator received, answered or not.
pub async fn refresh_requests(sim: &Sim) -> u64 {
    sim.count("oauth_calls", "POST /oauth2/token refresh_token").await
}

/// Token validations the simulator received.
pub async fn validations(sim: &Sim) -> u64 {
    sim.count("oauth_calls", "GET /oauth2/validate").await
}
