//! Shared helpers for the simulator's own tests: a running sim, an HTTP client that does
//! not follow redirects, and shortcuts for tokens and WebSocket sessions.
#![allow(dead_code)]

use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use reqwest::StatusCode;
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;
use twitch_sim::{SimHandle, SimOptions, spawn};

pub type Ws =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

pub const PUBLIC: &str = "sim-public-client";
pub const CONFIDENTIAL: &str = "sim-confidential-client";
pub const SECRET: &str = "sim-secret";
pub const CALLBACK: &str = "http://localhost:17563/callback";
pub const LUMENFORGE: &str = "141592653";
pub const NIGHTOWL: &str = "271828182";
pub const QUIETFOX: &str = "161803398";
pub const PIXELPALADIN: &str = "314159265";
pub const SIM_VIEWER: &str = "577215664";
pub const SIM_MOD: &str = "662607015";

pub struct T {
    pub sim: SimHandle,
    pub base: String,
    pub http: reqwest::Client,
}

/// A reqwest client builder. The workspace builds reqwest without a crypto provider of its own
/// (docs/platform.md "WebSocket and TLS"): ring is installed first, or building panics.
pub fn http() -> reqwest::ClientBuilder {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder()
}

pub async fn start() -> T {
    let sim = spawn(SimOptions::default()).await.expect("sim starts");
    let base = sim.base_url();
    let http = http().redirect(reqwest::redirect::Policy::none()).build().expect("client");
    T { sim, base, http }
}

/// A simulator playing the demo evening at 400x speed: the ~4-minute evening loops in well
/// under a second.
pub async fn demo_at_400x() -> T {
    let sim = spawn(SimOptions {
        scenario: Some("demo".into()),
        scenario_speed: Some(400.0),
        ..Default::default()
    })
    .await
    .expect("the simulator starts");
    T { base: sim.base_url(), sim, http: http().build().expect("client") }
}

pub async fn body(r: reqwest::Response) -> (StatusCode, Value) {
    let s = r.status();
    let text = r.text().await.expect("body");
    let v = if text.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&text).unwrap_or(Value::String(text))
    };
    (s, v)
}

impl T {
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    pub async fn post_json(&self, path: &str, v: Value) -> (StatusCode, Value) {
        body(self.http.post(self.url(path)).json(&v).send().await.expect("send")).await
    }

    pub async fn get_json(&self, path: &str) -> (StatusCode, Value) {
        body(self.http.get(self.url(path)).send().await.expect("send")).await
    }

    pub async fn form(&self, path: &str, pairs: &[(&str, &str)]) -> (StatusCode, Value) {
        body(self.http.post(self.url(path)).form(pairs).send().await.expect("send")).await
    }

    pub async fn config(&self, v: Value) {
        let (s, b) = self.post_json("/_sim/config", v).await;
        assert_eq!(s, 200, "config: {b}");
    }

    /// A user token through the control API shortcut: (access, refresh).
    pub async fn token(&self, login: &str, scopes: &[&str]) -> (String, String) {
        self.token_for(PUBLIC, login, scopes).await
    }

    pub async fn token_for(&self, client: &str, login: &str, scopes: &[&str]) -> (String, String) {
        let (s, b) = self
            .post_json(
                "/_sim/tokens",
                json!({"login": login, "client_id": client, "scopes": scopes}),
            )
            .await;
        assert_eq!(s, 200, "{b}");
        (
            b["access_token"].as_str().unwrap().to_string(),
            b["refresh_token"].as_str().unwrap().to_string(),
        )
    }

    /// GET a Helix path with a token and client id.
    pub async fn helix_get(&self, path: &str, token: &str, client: &str) -> reqwest::Response {
        self.http
            .get(self.url(&format!("/helix{path}")))
            .bearer_auth(token)
            .header("Client-Id", client)
            .send()
            .await
            .expect("send")
    }

    pub async fn subscribe(
        &self,
        token: &str,
        kind: &str,
        version: &str,
        condition: Value,
        session: &str,
    ) -> (StatusCode, Value) {
        self.subscribe_as(token, PUBLIC, kind, version, condition, session).await
    }

    pub async fn subscribe_as(
        &self,
        token: &str,
        client: &str,
        kind: &str,
        version: &str,
        condition: Value,
        session: &str,
    ) -> (StatusCode, Value) {
        let r = self
            .http
            .post(self.url("/helix/eventsub/subscriptions"))
            .bearer_auth(token)
            .header("Client-Id", client)
            .json(&json!({"type": kind, "version": version, "condition": condition, "transport": {"method": "websocket", "session_id": session}}))
            .send()
            .await
            .expect("send");
        body(r).await
    }

    /// `DELETE /helix/eventsub/subscriptions?id=` with a token of the public client.
    pub async fn delete_sub(&self, token: &str, id: &str) -> StatusCode {
        self.http
            .delete(self.url(&format!("/helix/eventsub/subscriptions?id={id}")))
            .bearer_auth(token)
            .header("Client-Id", PUBLIC)
            .send()
            .await
            .expect("send")
            .status()
    }

    pub async fn list_subs(&self, token: &str, query: &str) -> (StatusCode, Value) {
        body(self.helix_get(&format!("/eventsub/subscriptions{query}"), token, PUBLIC).await).await
    }

    pub fn ws_url(&self, query: &str) -> String {
        format!("{}/ws{}", self.base.replacen("http://", "ws://", 1), query)
    }

    /// Connects and reads the welcome: (socket, session id, welcome).
    pub async fn connect(&self, query: &str) -> (Ws, String, Value) {
        connect_url(&self.ws_url(query)).await
    }

    pub async fn state(&self) -> Value {
        self.get_json("/_sim/state").await.1
    }

    pub async fn event(&self, v: Value) -> Vec<String> {
        let (s, b) = self.post_json("/_sim/events", v).await;
        assert_eq!(s, 200, "{b}");
        b["message_ids"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x.as_str().unwrap().to_string())
            .collect()
    }
}

pub async fn connect_url(url: &str) -> (Ws, String, Value) {
    let (mut ws, _) = tokio_tungstenite::connect_async(url).await.expect("ws connect");
    let welcome = next_json(&mut ws).await;
    assert_eq!(welcome["metadata"]["message_type"], "session_welcome", "{welcome}");
    let id = welcome["payload"]["session"]["id"].as_str().unwrap().to_string();
    (ws, id, welcome)
}

/// Next text frame as JSON (Ping/Pong skipped), within 5 s.
pub async fn next_json(ws: &mut Ws) -> Value {
    loop {
        let m = tokio::time::timeout(Duration::from_secs(5), ws.next())
            .await
            .expect("frame within 5 s");
        match m {
            Some(Ok(Message::Text(t))) => return serde_json::from_str(&t).expect("json frame"),
            Some(Ok(Message::Ping(_))) | Some(Ok(Message::Pong(_))) => continue,
            other => panic!("expected a text frame, got {other:?}"),
        }
    }
}

/// Next text frame that is not a keepalive.
pub async fn next_non_keepalive(ws: &mut Ws) -> Value {
    loop {
        let v = next_json(ws).await;
        if v["metadata"]["message_type"] != "session_keepalive" {
            return v;
        }
    }
}

/// Waits for the close frame and returns its code.
pub async fn close_code(ws: &mut Ws) -> u16 {
    loop {
        let m = tokio::time::timeout(Duration::from_secs(5), ws.next())
            .await
            .expect("close within 5 s");
        match m {
            Some(Ok(Message::Close(Some(f)))) => return u16::from(f.code),
            Some(Ok(Message::Close(None))) => return 1005,
            Some(Ok(_)) => continue,
            other => panic!("expected close, got {other:?}"),
        }
    }
}

/// Asserts nothing but pings/keepalive-free silence arrives for `ms`.
pub async fn quiet_for(ws: &mut Ws, ms: u64) -> Option<Value> {
    tokio::time::timeout(Duration::from_millis(ms), async {
        loop {
            match ws.next().await {
                Some(Ok(Message::Text(t))) => return serde_json::from_str::<Value>(&t).ok(),
                Some(Ok(Message::Ping(_))) | Some(Ok(Message::Pong(_))) => continue,
                _ => return None,
            }
        }
    })
    .await
    .unwrap_or_default()
}

pub async fn send_text(ws: &mut Ws, s: &str) {
    ws.send(Message::Text(s.into())).await.expect("send");
}

/// Polls `/_sim/state` until `f` holds (max 5 s).
pub async fn wait_state(t: &T, f: impl Fn(&Value) -> bool) -> Value {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    loop {
        let s = t.state().await;
        if f(&s) {
            return s;
        }
        assert!(tokio::time::Instant::now() < deadline, "state condition not met: {s}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}
