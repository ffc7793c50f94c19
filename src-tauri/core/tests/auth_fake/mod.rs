//! A small in-test fake of Twitch's OAuth endpoints that follows twitch.md §3.2/§3.4:
//! rotating single-use refresh tokens whose reuse revokes everything,
//! `{"status":400,"message":"Invalid refresh token"}`, validate with `Authorization: OAuth`,
//! revoke. Shared by the `auth_*` test binaries.
#![allow(dead_code)]

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};

use tev_core::Endpoints;
use tev_core::auth::{OAuthClient, OwnerOptions, TokenOwner};
use tev_core::keychain::{Keychain, RefreshToken, StoredTokens};
use tev_core::token::AccessToken;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

#[derive(Default)]
pub struct World {
    /// Valid access tokens → seconds left.
    pub access: HashMap<String, u64>,
    /// Refresh tokens that may be used once.
    pub refresh: HashSet<String>,
    /// Refresh tokens already used.
    pub spent: HashSet<String>,
    /// Set when a spent refresh token came back (twitch.md §3.2: revokes everything).
    pub reuse_seen: bool,
    pub refresh_calls: u64,
    pub validate_calls: u64,
    pub revoke_calls: u64,
    pub next: u64,
    pub lifetime: u64,
    /// Spend the next refresh token but answer 500 (the answer is lost on the way back).
    pub refresh_500_after_spending_once: bool,
    /// Answer the next refresh with 429 (rate limited) without spending the token.
    pub refresh_429_once: bool,
    /// Scripted answers to device-code polls (status, Twitch message), used in order;
    /// once empty, the poll succeeds.
    pub device_script: Vec<(u16, String)>,
    /// When each device poll arrived (tokio time, so paused-clock tests can read it).
    pub device_polls: Vec<tokio::time::Instant>,
    /// The form of the last `/oauth2/device` request.
    pub device_form: HashMap<String, String>,
    /// Every token ever issued (for leak checks).
    pub issued: Vec<String>,
}

#[derive(Clone)]
pub struct Fake {
    pub world: Arc<Mutex<World>>,
    pub base: String,
}

impl Fake {
    pub async fn start() -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let base = format!("http://{}", listener.local_addr().expect("addr"));
        let world = Arc::new(Mutex::new(World { lifetime: 14_400, ..World::default() }));
        let w = world.clone();
        tokio::spawn(async move {
            while let Ok((s, _)) = listener.accept().await {
                let w = w.clone();
                tokio::spawn(serve(s, w));
            }
        });
        Fake { world, base }
    }

    pub fn w(&self) -> std::sync::MutexGuard<'_, World> {
        self.world.lock().expect("world")
    }

    /// Issues a fresh pair as a login would.
    pub fn issue(&self) -> (String, String) {
        let mut w = self.w();
        issue(&mut w)
    }
}

pub fn issue(w: &mut World) -> (String, String) {
    w.next += 1;
    let a = format!("fakeaccess{:04}", w.next);
    let r = format!("fakerefresh{:04}", w.next);
    w.access.insert(a.clone(), w.lifetime);
    w.refresh.insert(r.clone());
    w.issued.push(a.clone());
    w.issued.push(r.clone());
    (a, r)
}

fn form(body: &str) -> HashMap<String, String> {
    url::form_urlencoded::parse(body.as_bytes()).into_owned().collect()
}

async fn serve(mut s: tokio::net::TcpStream, world: Arc<Mutex<World>>) {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    // Keep-alive: serve requests until the client closes.
    loop {
        let head_end = loop {
            if let Some(p) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                break p;
            }
            match s.read(&mut chunk).await {
                Ok(0) | Err(_) => return,
                Ok(n) => buf.extend_from_slice(&chunk[..n]),
            }
        };
        let head = String::from_utf8_lossy(&buf[..head_end]).into_owned();
        let len: usize = head
            .lines()
            .find_map(|l| {
                let (k, v) = l.split_once(':')?;
                k.eq_ignore_ascii_case("content-length").then(|| v.trim().parse().ok())?
            })
            .unwrap_or(0);
        while buf.len() < head_end + 4 + len {
            match s.read(&mut chunk).await {
                Ok(0) | Err(_) => return,
                Ok(n) => buf.extend_from_slice(&chunk[..n]),
            }
        }
        let body = String::from_utf8_lossy(&buf[head_end + 4..head_end + 4 + len]).into_owned();
        buf.drain(..head_end + 4 + len);
        let auth = head.lines().find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.eq_ignore_ascii_case("authorization").then(|| v.trim().to_string())
        });
        let line = head.lines().next().unwrap_or("").to_string();
        let (status, json) = {
            let mut w = world.lock().expect("world");
            route(&mut w, &line, auth.as_deref(), &body)
        };
        let resp = format!(
            "HTTP/1.1 {status} X\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{json}",
            json.len()
        );
        if s.write_all(resp.as_bytes()).await.is_err() {
            return;
        }
    }
}

fn route(w: &mut World, line: &str, auth: Option<&str>, body: &str) -> (u16, String) {
    if line.starts_with("GET /oauth2/validate") {
        w.validate_calls += 1;
        let token = auth.and_then(|a| a.strip_prefix("OAuth ")).unwrap_or("");
        return match w.access.get(token) {
            Some(left) => (
                200,
                format!(
                    r#"{{"client_id":"fakeclient","login":"fake_viewer","scopes":["user:read:chat"],"user_id":"777","expires_in":{left}}}"#
                ),
            ),
            None => (401, r#"{"status":401,"message":"invalid access token"}"#.into()),
        };
    }
    let f = form(body);
    if line.starts_with("POST /oauth2/revoke") {
        w.revoke_calls += 1;
        let t = f.get("token").cloned().unwrap_or_default();
        if w.access.remove(&t).is_some() || w.refresh.remove(&t) {
            return (200, String::new());
        }
        return (400, r#"{"status":400,"message":"Invalid token"}"#.into());
    }
    if line.starts_with("POST /oauth2/token")
        && f.get("grant_type").map(String::as_str) == Some("refresh_token")
    {
        w.refresh_calls += 1;
        if std::mem::take(&mut w.refresh_429_once) {
            return (429, r#"{"status":429,"message":"Too Many Requests"}"#.into());
        }
        let r = f.get("refresh_token").cloned().unwrap_or_default();
        if w.spent.contains(&r) {
            // twitch.md §3.2: reuse of a spent refresh token revokes the whole authorization.
            w.reuse_seen = true;
            w.access.clear();
            w.refresh.clear();
            return (400, r#"{"status":400,"message":"Invalid refresh token"}"#.into());
        }
        if !w.refresh.remove(&r) {
            return (400, r#"{"status":400,"message":"Invalid refresh token"}"#.into());
        }
        w.spent.insert(r);
        if std::mem::take(&mut w.refresh_500_after_spending_once) {
            return (500, r#"{"status":500,"message":"Internal Server Error"}"#.into());
        }
        let (a, r2) = issue(w);
        return (
            200,
            format!(
                r#"{{"access_token":"{a}","expires_in":{},"refresh_token":"{r2}","scope":["user:read:chat"],"token_type":"bearer"}}"#,
                w.lifetime
            ),
        );
    }
    if line.starts_with("POST /oauth2/device") {
        w.device_form = f;
        return (
            200,
            r#"{"device_code":"fakedevicecode","expires_in":1800,"interval":5,"user_code":"ABCDEFGH","verification_uri":"https://www.twitch.tv/activate?device-code=ABCDEFGH"}"#.into(),
        );
    }
    if line.starts_with("POST /oauth2/token")
        && f.get("grant_type").map(String::as_str)
            == Some("urn:ietf:params:oauth:grant-type:device_code")
    {
        w.device_polls.push(tokio::time::Instant::now());
        if !w.device_script.is_empty() {
            let (status, message) = w.device_script.remove(0);
            return (status, format!(r#"{{"status":{status},"message":"{message}"}}"#));
        }
        let (a, r) = issue(w);
        return (
            200,
            format!(
                r#"{{"access_token":"{a}","expires_in":{},"refresh_token":"{r}","scope":["user:read:chat","user:read:follows"],"token_type":"bearer"}}"#,
                w.lifetime
            ),
        );
    }
    (404, r#"{"status":404,"message":"not found"}"#.into())
}

pub fn mock_keychain() -> Keychain {
    Keychain::with_store(keyring_core::mock::Store::new().expect("mock store"))
}

pub async fn signed_in_owner(fake: &Fake, options: OwnerOptions) -> (TokenOwner, Keychain) {
    let keychain = mock_keychain();
    let (a, r) = fake.issue();
    keychain
        .store_tokens(&StoredTokens {
            client_id: "fakeclient".into(),
            access: AccessToken::new(a),
            refresh: Some(RefreshToken::new(r)),
            expires_at: chrono::Utc::now().timestamp() + 14_400,
            scopes: vec!["user:read:chat".into()],
            user_id: "777".into(),
            login: "fake_viewer".into(),
        })
        .await
        .expect("store");
    let oauth =
        OAuthClient::new(Endpoints::with_base(&fake.base).expect("base"), "fakeclient", None)
            .expect("client");
    let owner = TokenOwner::new(oauth, keychain.clone(), options);
    let state = owner.start().await;
    assert_eq!(state.login(), Some("fake_viewer"), "{state:?}");
    (owner, keychain)
}
