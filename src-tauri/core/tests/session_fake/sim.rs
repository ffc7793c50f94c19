//! twitch-sim driven through its control API (issue 3), shared by the sim-based tests.

use super::{Collected, install_crypto};
use serde_json::{Value, json};
use std::sync::Arc;
use std::time::Duration;
use tev_core::Endpoints;
use tev_core::eventsub::session::Backoff;
use tev_core::token::{AccessToken, Credentials, StaticTokens};
use tev_core::watcher::{self, WatcherConfig, WatcherHandle};

/// An in-process simulator and an HTTP client for its control API.
pub struct Sim {
    _handle: twitch_sim::SimHandle,
    pub base: String,
    http: reqwest::Client,
}

impl Sim {
    pub async fn start() -> Sim {
        install_crypto();
        let handle = twitch_sim::spawn(twitch_sim::SimOptions::default()).await.expect("sim");
        let base = handle.base_url();
        Sim { _handle: handle, base, http: reqwest::Client::new() }
    }

    pub async fn post(&self, path: &str, body: Value) -> Value {
        let r =
            self.http.post(format!("{}{path}", self.base)).json(&body).send().await.expect("sim");
        assert!(r.status().is_success(), "{path}: {}", r.status());
        r.json().await.unwrap_or(Value::Null)
    }

    /// Like `post`, but a session that just went away (404) is fine: chaos races the client.
    pub async fn post_racing(&self, path: &str, body: Value) {
        let r =
            self.http.post(format!("{}{path}", self.base)).json(&body).send().await.expect("sim");
        assert!(r.status().is_success() || r.status() == 404, "{path}: {}", r.status());
    }

    pub async fn state(&self) -> Value {
        self.http
            .get(format!("{}/_sim/state", self.base))
            .send()
            .await
            .expect("sim")
            .json()
            .await
            .expect("state json")
    }

    /// Connected session ids, oldest first.
    pub async fn sessions(&self) -> Vec<String> {
        let st = self.state().await;
        st["sessions"]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter(|s| s["status"] == "connected")
                    .filter_map(|s| s["id"].as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default()
    }

    pub async fn emit(&self, sub_type: &str, login: &str) -> Vec<String> {
        self.emit_json(json!({"type": sub_type, "broadcaster_login": login})).await
    }

    /// Posts `body` to `/_sim/events` (type, channel, event fields, count…); returns the
    /// message ids the simulator sent.
    pub async fn emit_json(&self, body: Value) -> Vec<String> {
        let v = self.post("/_sim/events", body).await;
        v["message_ids"]
            .as_array()
            .map(|a| a.iter().filter_map(|x| x.as_str().map(str::to_string)).collect())
            .unwrap_or_default()
    }

    /// A watcher signed in as `sim_viewer` (token minted by the simulator).
    pub async fn watcher(&self) -> (WatcherHandle, Collected) {
        self.watcher_as("sim_viewer", &["user:read:chat", "user:read:follows"]).await
    }

    /// A watcher signed in as `login` with `scopes` (token minted by the simulator).
    pub async fn watcher_as(&self, login: &str, scopes: &[&str]) -> (WatcherHandle, Collected) {
        let t = self.post("/_sim/tokens", json!({"login": login, "scopes": scopes})).await;
        let creds = Credentials {
            client_id: "sim-public-client".into(),
            token: AccessToken::new(t["access_token"].as_str().expect("token")),
            user_id: t["user_id"].as_str().expect("user id").into(),
            login: login.into(),
            scopes: scopes.iter().map(|s| s.to_string()).collect(),
        };
        let ep = Endpoints::with_base(&self.base).expect("endpoints");
        let mut cfg = WatcherConfig::new(&ep);
        cfg.session.backoff = Backoff {
            initial: Duration::from_millis(20),
            max: Duration::from_millis(200),
            jitter: true,
        };
        cfg.reconcile_retry = Duration::from_millis(100);
        cfg.broadcast_capacity = 1 << 17;
        let h = watcher::spawn(&ep, Arc::new(StaticTokens(creds)), cfg).expect("spawn");
        let got = Collected::start(&h);
        (h, got)
    }

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
