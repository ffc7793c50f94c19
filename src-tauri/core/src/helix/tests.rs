//! Against the project's Twitch simulator (tests/twitch-sim), in-process: real Helix
//! answers, its `/_sim/faults` for the rate-limit 429s, and its log for the queries sent.
use super::*;
use crate::token::{AccessToken, BoxFuture};
use futures_util::StreamExt;
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU32, Ordering};

/// The simulator's public application and its `sim_viewer` (tests/twitch-sim/README.md).
const CLIENT_ID: &str = "sim-public-client";
const SIM_VIEWER: &str = "577215664";

/// A token owner whose token changes on refresh, counting refreshes.
struct Rotating {
    token: Mutex<String>,
    next: String,
    refreshes: AtomicU32,
}

impl Rotating {
    fn creds(&self) -> Credentials {
        Credentials {
            client_id: CLIENT_ID.into(),
            token: AccessToken::new(self.token.lock().map(|t| t.clone()).unwrap_or_default()),
            user_id: SIM_VIEWER.into(),
            login: "sim_viewer".into(),
            scopes: vec![],
        }
    }
}

impl TokenSource for Rotating {
    fn current(&self) -> BoxFuture<'_, Result<Credentials, TokenError>> {
        let c = self.creds();
        Box::pin(async move { Ok(c) })
    }
    fn refresh_after_401<'a>(
        &'a self,
        _rejected: &'a AccessToken,
    ) -> BoxFuture<'a, Result<Credentials, TokenError>> {
        self.refreshes.fetch_add(1, Ordering::SeqCst);
        if let Ok(mut t) = self.token.lock() {
            *t = self.next.clone();
        }
        let c = self.creds();
        Box::pin(async move { Ok(c) })
    }
}

fn rotating(now: &str, next: &str) -> Arc<Rotating> {
    Arc::new(Rotating {
        token: Mutex::new(now.into()),
        next: next.into(),
        refreshes: AtomicU32::new(0),
    })
}

/// A running simulator and a client for its control API.
struct Sim {
    handle: twitch_sim::SimHandle,
    http: reqwest::Client,
}

impl Sim {
    async fn start() -> Sim {
        let handle = twitch_sim::spawn(twitch_sim::SimOptions::default()).await.expect("sim");
        Sim { handle, http: crate::tls::http_client().build().expect("an HTTP client") }
    }

    fn helix_base(&self) -> Url {
        Url::parse(&format!("{}/helix/", self.handle.base_url())).expect("url")
    }

    async fn post(&self, path: &str, body: Value) -> Value {
        let r = self
            .http
            .post(format!("{}{path}", self.handle.base_url()))
            .json(&body)
            .send()
            .await
            .expect("sim");
        assert!(r.status().is_success(), "{path}: {}", r.status());
        r.json().await.unwrap_or(Value::Null)
    }

    /// A valid token of `sim_viewer`.
    async fn token(&self) -> String {
        let t = self.post("/_sim/tokens", json!({"login": "sim_viewer"})).await;
        t["access_token"].as_str().expect("token").to_string()
    }

    /// The query strings of the Helix requests to `GET path`, in order.
    async fn queries(&self, path: &str) -> Vec<String> {
        let log: Value = self
            .http
            .get(format!("{}/_sim/log?kind=helix", self.handle.base_url()))
            .send()
            .await
            .expect("sim")
            .json()
            .await
            .expect("log");
        log["entries"]
            .as_array()
            .expect("entries")
            .iter()
            .filter(|e| e["method"] == "GET" && e["path"] == path)
            .filter_map(|e| e["query"].as_str().map(str::to_string))
            .collect()
    }

    async fn counter(&self, map: &str, key: &str) -> u64 {
        let st: Value = self
            .http
            .get(format!("{}/_sim/state", self.handle.base_url()))
            .send()
            .await
            .expect("sim")
            .json()
            .await
            .expect("state");
        st["counters"][map][key].as_u64().unwrap_or(0)
    }

    /// Opens an EventSub socket; answers its session id and the socket (held open).
    async fn session(
        &self,
    ) -> (
        String,
        tokio_tungstenite::WebSocketStream<
            tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>,
        >,
    ) {
        let url = format!("{}/ws", self.handle.base_url().replacen("http://", "ws://", 1));
        let (mut ws, _) = tokio_tungstenite::connect_async(url).await.expect("connect");
        let welcome = ws.next().await.expect("frame").expect("ok");
        let v: Value = serde_json::from_str(welcome.to_text().expect("text")).expect("json");
        (v["payload"]["session"]["id"].as_str().expect("id").to_string(), ws)
    }
}

fn online(channel: &str, session: &str) -> CreateSubscription {
    CreateSubscription::websocket(
        "stream.online",
        "1",
        BTreeMap::from([("broadcaster_user_id".to_string(), channel.to_string())]),
        session,
    )
}

#[tokio::test]
async fn pitfall_10_a_401_refreshes_once_and_retries_with_the_new_token() {
    let sim = Sim::start().await;
    let tokens = rotating("stale", &sim.token().await);
    let h = Helix::new(sim.helix_base(), tokens.clone()).expect("client");
    let s = h.streams_by_login(&["LumenForge".into()]).await.expect("streams after refresh");
    assert_eq!(s.len(), 1);
    assert_eq!(s[0].user_login, "lumenforge");
    assert_eq!(tokens.refreshes.load(Ordering::SeqCst), 1);
    // The next call reads the (now fresh) current token: no further refresh.
    h.streams_by_login(&["a".into()]).await.expect("second call");
    assert_eq!(tokens.refreshes.load(Ordering::SeqCst), 1);
    // Logins go out lowercased.
    let qs = sim.queries("/helix/streams").await;
    assert!(qs.first().is_some_and(|q| q.starts_with("user_login=lumenforge&")), "{qs:?}");
}

#[tokio::test]
async fn a_second_401_is_twitchs_error_and_never_shows_the_token() {
    let sim = Sim::start().await;
    let tokens = rotating("secret-token-one", "secret-token-two");
    let h = Helix::new(sim.helix_base(), tokens.clone()).expect("client");
    let err = h.streams_by_login(&["a".into()]).await.expect_err("401 twice");
    assert_eq!(err.status(), Some(401));
    let shown = format!("{err} {err:?}");
    assert!(shown.contains("Invalid OAuth token"), "{shown}");
    assert!(!shown.contains("secret-token"), "{shown}");
    assert_eq!(tokens.refreshes.load(Ordering::SeqCst), 1, "refresh exactly once");
}

/// https://dev.twitch.tv/docs/api/reference/#get-followed-streams: the token user's live
/// follows, most watched first; `user_id` must be the token's user.
#[tokio::test]
async fn followed_streams_are_the_users_live_follows_most_watched_first() {
    let sim = Sim::start().await;
    sim.post("/_sim/users", json!({"login": "nightowl", "viewer_count": 5000})).await;
    let t = sim
        .post("/_sim/tokens", json!({"login": "sim_viewer", "scopes": ["user:read:follows"]}))
        .await;
    let t = t["access_token"].as_str().expect("token").to_string();
    let h = Helix::new(sim.helix_base(), rotating(&t, &t)).expect("client");
    let me = h.credentials().await.expect("credentials").user_id;
    let live = h.followed_streams(&me).await.expect("followed streams");
    let logins: Vec<&str> = live.iter().map(|s| s.user_login.as_str()).collect();
    assert_eq!(logins, ["nightowl", "lumenforge"], "pixelpaladin is offline");
    assert_eq!(live[0].viewer_count, 5000);
    assert!(live[0].thumbnail_url.contains("{width}x{height}"), "{}", live[0].thumbnail_url);
    let qs = sim.queries("/helix/streams/followed").await;
    assert_eq!(qs, [format!("user_id={me}&first=100")]);
}

#[tokio::test]
async fn streams_are_batched_by_100_with_repeated_parameters() {
    let sim = Sim::start().await;
    let logins: Vec<String> = (0..250).map(|i| format!("user{i}")).collect();
    for l in &logins {
        sim.post("/_sim/users", json!({"login": l, "live": true})).await;
    }
    let t = sim.token().await;
    let h = Helix::new(sim.helix_base(), rotating(&t, &t)).expect("client");
    let s = h.streams_by_login(&logins).await.expect("streams");
    assert_eq!(s.len(), 250);
    let qs = sim.queries("/helix/streams").await;
    assert_eq!(qs.len(), 3);
    assert_eq!(qs[0].matches("user_login=").count(), 100);
    assert_eq!(qs[2].matches("user_login=").count(), 50);
    assert!(qs[0].starts_with("user_login=user0&user_login=user1&"), "{}", qs[0]);
}

#[tokio::test]
async fn a_rate_limit_429_waits_for_the_reset_and_retries_once() {
    let sim = Sim::start().await;
    let t = sim.token().await;
    let h = Helix::new(sim.helix_base(), rotating(&t, &t)).expect("client");
    // An empty bucket (`Ratelimit-Remaining: 0`, the reset now).
    let empty = json!({"path": "/helix/streams", "status": 429,
                       "message": "Too Many Requests", "ratelimit_remaining": 0});
    sim.post("/_sim/faults", empty.clone()).await;
    let s = h.streams_by_login(&["lumenforge".into()]).await.expect("retried after 429");
    assert_eq!(s.len(), 1);
    // Two 429s in a row: the second goes back to the caller.
    let mut twice = empty;
    twice["times"] = json!(2);
    sim.post("/_sim/faults", twice).await;
    let err = h.streams_by_login(&["lumenforge".into()]).await.expect_err("429 twice");
    assert_eq!(err.status(), Some(429));
}

/// `Ratelimit-Reset` is when the bucket is full again, a minute away from empty
/// (https://dev.twitch.tv/docs/api/guide/#twitch-rate-limits), while one point is back long
/// before: a call refused with an empty bucket is retried in short steps, and goes through as
/// soon as the bucket has a point, not after a sleep until the reset.
#[tokio::test]
async fn an_empty_bucket_is_retried_in_steps_not_slept_out_until_the_reset() {
    let sim = Sim::start().await;
    sim.post("/_sim/config", json!({"empty_bucket_after_welcome_ms": 1500})).await;
    let t = sim.token().await;
    let h = Helix::new(sim.helix_base(), rotating(&t, &t)).expect("client");
    let (_session, _ws) = sim.session().await;
    let s = tokio::time::timeout(
        std::time::Duration::from_secs(20),
        h.streams_by_login(&["lumenforge".into()]),
    )
    .await
    .expect("through well before the announced reset, a minute away")
    .expect("streams");
    assert_eq!(s.len(), 1);
    let refused = sim.counter("helix_statuses", "429").await;
    assert!(refused >= 2, "retried in steps while empty: {refused} refusals");
}

/// The cost limit answers 429 with points left in the rate-limit bucket: not a wait.
#[tokio::test]
async fn an_eventsub_429_with_tokens_left_is_not_retried() {
    let sim = Sim::start().await;
    let (session, _ws) = sim.session().await;
    sim.post("/_sim/config", json!({"max_total_cost": 0})).await;
    let t = sim.token().await;
    let h = Helix::new(sim.helix_base(), rotating(&t, &t)).expect("client");
    let err = h.create_subscription(&online("141592653", &session)).await.expect_err("cost");
    assert_eq!(err.status(), Some(429));
    assert!(err.message_lower().contains("cost"), "{err}");
    let creates = sim.counter("helix_calls", "POST /helix/eventsub/subscriptions").await;
    assert_eq!(creates, 1, "not retried");
}

#[tokio::test]
async fn subscriptions_are_listed_across_pages_with_one_filter() {
    let sim = Sim::start().await;
    let (session, _ws) = sim.session().await;
    let t = sim.token().await;
    let h = Helix::new(sim.helix_base(), rotating(&t, &t)).expect("client");
    let mut created = Vec::new();
    for channel in ["141592653", "271828182", "161803398"] {
        let r = h.create_subscription(&online(channel, &session)).await.expect("created");
        created.push(r.data[0].id.clone());
    }
    // One subscription a page.
    sim.post("/_sim/config", json!({"helix_page_size": 1})).await;
    let list = h
        .list_subscriptions(Some(&SubscriptionFilter::Type("stream.online".into())))
        .await
        .expect("list");
    let ids: Vec<_> = list.data.iter().map(|s| s.id.clone()).collect();
    assert_eq!(ids, created);
    assert_eq!(list.max_total_cost, 10);
    assert_eq!(list.data[0].transport.session_id.as_deref(), Some(session.as_str()));
    let qs = sim.queries("/helix/eventsub/subscriptions").await;
    assert_eq!(
        qs,
        ["type=stream.online", "type=stream.online&after=sim1", "type=stream.online&after=sim2"]
    );
    // 404 on delete: already gone, fine.
    h.delete_subscription("gone").await.expect("404 is success");
}
