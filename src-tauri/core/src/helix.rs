//! A small Helix client: users, streams, search, channels, followed, EventSub subscriptions.
//!
//! Rules it follows (docs/twitch.md §4, §1.8):
//! - the token is read from the [`TokenSource`] at the moment of every call, never kept
//!   (docs/twitch.md §7 pitfall 10); a 401 asks the owner for a fresh token once and retries once;
//! - `Client-Id` is the client id that issued the token;
//! - multiple values repeat the query parameter (`?login=a&login=b`), at most 100 per request;
//! - `Ratelimit-Remaining`/`Ratelimit-Reset` are remembered: when the bucket is empty the next
//!   call waits for the reset, and a 429 with an empty bucket is retried once after the reset
//!   (as twurple does). A 429 with tokens left (EventSub "too many subscriptions", "cost",
//!   "transports limit") is not a rate limit and goes back to the caller;
//! - errors carry Twitch's `{error, status, message}`, never the token.

use crate::token::{Credentials, TokenError, TokenSource};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use url::Url;

/// Helix accepts at most this many ids/logins in one request (docs/twitch.md §4).
pub const MAX_IDS_PER_REQUEST: usize = 100;

/// What went wrong talking to Helix.
#[derive(Debug, thiserror::Error)]
pub enum HelixError {
    /// No usable token: signed out, or the refresh after a 401 failed.
    #[error(transparent)]
    Token(#[from] TokenError),
    /// Twitch answered with an error status and its usual body (docs/twitch.md §1.8, §4).
    #[error("Twitch answered {status} {error}: {message}")]
    Api {
        /// The HTTP status (400, 401, 403, 404, 409, 410, 429, 5xx).
        status: u16,
        /// Twitch's `error` field, e.g. "Unauthorized".
        error: String,
        /// Twitch's `message` field, e.g. "Invalid OAuth token".
        message: String,
    },
    /// The request never got an answer (connection refused, timeout, TLS).
    #[error("could not reach Twitch: {0}")]
    Network(String),
    /// Twitch answered 2xx with a body we could not read.
    #[error("unexpected answer from Twitch: {0}")]
    Decode(String),
    /// The call itself was malformed before sending (e.g. a bad path).
    #[error("invalid Helix request: {0}")]
    Invalid(String),
}

impl HelixError {
    /// The HTTP status when Twitch answered with an error.
    pub fn status(&self) -> Option<u16> {
        match self {
            HelixError::Api { status, .. } => Some(*status),
            _ => None,
        }
    }
    /// Twitch's message, lowercased, when Twitch answered with an error.
    pub fn message_lower(&self) -> String {
        match self {
            HelixError::Api { message, .. } => message.to_lowercase(),
            _ => String::new(),
        }
    }
}

/// Twitch's error body `{"error":"Unauthorized","status":401,"message":"Invalid OAuth token"}`.
#[derive(Debug, Deserialize, Default)]
struct ErrorBody {
    #[serde(default)]
    error: String,
    #[serde(default)]
    message: String,
}

/// Tuning knobs; defaults fit production, tests shorten them.
#[derive(Debug, Clone)]
pub struct HelixOptions {
    /// Longest we wait for a rate-limit bucket to refill before giving the 429 back.
    pub max_rate_limit_wait: Duration,
    /// Per-request timeout.
    pub request_timeout: Duration,
}

impl Default for HelixOptions {
    fn default() -> Self {
        Self {
            max_rate_limit_wait: Duration::from_secs(60),
            request_timeout: Duration::from_secs(15),
        }
    }
}

/// What the last response said about the rate-limit bucket (docs/twitch.md §4 "Rate limits").
#[derive(Debug, Clone, Copy, Default)]
struct Bucket {
    /// `Ratelimit-Remaining` of the last response.
    remaining: Option<u64>,
    /// `Ratelimit-Reset`, Unix seconds when the bucket is full again.
    reset_at: Option<u64>,
}

/// A Helix client. Cheap to clone; clones share the HTTP pool and the rate-limit state.
#[derive(Clone)]
pub struct Helix {
    /// The connection pool.
    http: reqwest::Client,
    /// `Endpoints::helix`, ending in `/`.
    base: Url,
    /// Who owns the token; asked at every call.
    tokens: Arc<dyn TokenSource>,
    /// Rate-limit state of the last response, shared by clones.
    bucket: Arc<Mutex<Bucket>>,
    /// Timeouts and limits.
    options: HelixOptions,
}

impl std::fmt::Debug for Helix {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Helix").field("base", &self.base.as_str()).finish_non_exhaustive()
    }
}

/// A Helix user (`GET /users`).
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq, Eq)]
pub struct User {
    pub id: String,
    pub login: String,
    pub display_name: String,
    #[serde(default, rename = "type")]
    pub user_type: String,
    #[serde(default)]
    pub broadcaster_type: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub profile_image_url: String,
    #[serde(default)]
    pub offline_image_url: String,
    #[serde(default)]
    pub created_at: Option<String>,
}

/// A live stream (`GET /streams`); offline channels are simply absent (docs/twitch.md §4).
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq, Eq)]
pub struct Stream {
    pub id: String,
    pub user_id: String,
    pub user_login: String,
    pub user_name: String,
    #[serde(default)]
    pub game_id: String,
    #[serde(default)]
    pub game_name: String,
    #[serde(default, rename = "type")]
    pub stream_type: String,
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub viewer_count: u64,
    #[serde(default)]
    pub started_at: Option<String>,
    #[serde(default)]
    pub language: String,
    #[serde(default)]
    pub thumbnail_url: String,
    #[serde(default)]
    pub tags: Vec<String>,
}

/// A search result (`GET /search/channels`).
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq, Eq)]
pub struct SearchedChannel {
    pub id: String,
    pub broadcaster_login: String,
    pub display_name: String,
    #[serde(default)]
    pub broadcaster_language: String,
    #[serde(default)]
    pub game_id: String,
    #[serde(default)]
    pub game_name: String,
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub thumbnail_url: String,
    #[serde(default)]
    pub is_live: bool,
    #[serde(default)]
    pub started_at: Option<String>,
    #[serde(default)]
    pub tags: Vec<String>,
}

/// Channel information (`GET /channels`).
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq, Eq)]
pub struct ChannelInfo {
    pub broadcaster_id: String,
    pub broadcaster_login: String,
    pub broadcaster_name: String,
    #[serde(default)]
    pub broadcaster_language: String,
    #[serde(default)]
    pub game_id: String,
    #[serde(default)]
    pub game_name: String,
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub tags: Vec<String>,
}

/// A followed channel (`GET /channels/followed`).
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq, Eq)]
pub struct FollowedChannel {
    pub broadcaster_id: String,
    pub broadcaster_login: String,
    pub broadcaster_name: String,
    #[serde(default)]
    pub followed_at: Option<String>,
}

/// A channel the token user moderates (`GET /moderation/channels`: `broadcaster_id`,
/// `broadcaster_login`, `broadcaster_name`; twitch_api
/// `src/helix/endpoints/moderation/get_moderated_channels.rs`, from Twitch's reference
/// https://dev.twitch.tv/docs/api/reference#get-moderated-channels).
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq, Eq)]
pub struct ModeratedChannel {
    /// The channel's (broadcaster's) id.
    pub broadcaster_id: String,
    /// Its login.
    pub broadcaster_login: String,
    /// Its display name.
    pub broadcaster_name: String,
}

/// The scope `GET /moderation/channels` needs (same source as [`ModeratedChannel`]).
pub const MODERATED_CHANNELS_SCOPE: &str = "user:read:moderated_channels";

/// The transport of an EventSub subscription as Helix lists it (docs/twitch.md §1.8).
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq, Eq, Default)]
pub struct SubscriptionTransport {
    pub method: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub connected_at: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub disconnected_at: Option<String>,
}

/// An EventSub subscription as Helix returns it.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq, Eq)]
pub struct Subscription {
    pub id: String,
    /// `enabled`, or why it is not (docs/twitch.md §1.7).
    pub status: String,
    #[serde(rename = "type")]
    pub sub_type: String,
    pub version: String,
    /// The condition; all values Twitch uses are strings.
    #[serde(default)]
    pub condition: BTreeMap<String, String>,
    #[serde(default)]
    pub transport: SubscriptionTransport,
    #[serde(default)]
    pub created_at: Option<String>,
    #[serde(default)]
    pub cost: u32,
}

/// The body of `POST /eventsub/subscriptions` for the WebSocket transport.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct CreateSubscription {
    #[serde(rename = "type")]
    pub sub_type: String,
    pub version: String,
    pub condition: BTreeMap<String, String>,
    pub transport: CreateTransport,
}

/// `{"method":"websocket","session_id":…}`.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct CreateTransport {
    pub method: String,
    pub session_id: String,
}

impl CreateSubscription {
    /// A WebSocket subscription on `session_id`.
    pub fn websocket(
        sub_type: impl Into<String>,
        version: impl Into<String>,
        condition: BTreeMap<String, String>,
        session_id: impl Into<String>,
    ) -> Self {
        Self {
            sub_type: sub_type.into(),
            version: version.into(),
            condition,
            transport: CreateTransport {
                method: "websocket".into(),
                session_id: session_id.into(),
            },
        }
    }
}

/// The answer to create or list: the subscriptions plus the user's cost figures.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq, Eq, Default)]
pub struct SubscriptionList {
    pub data: Vec<Subscription>,
    #[serde(default)]
    pub total: u32,
    #[serde(default)]
    pub total_cost: u32,
    #[serde(default)]
    pub max_total_cost: u32,
}

/// The one filter `GET /eventsub/subscriptions` accepts per request (docs/twitch.md §1.8).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SubscriptionFilter {
    Status(String),
    Type(String),
    UserId(String),
}

#[derive(Deserialize)]
struct Data<T> {
    data: Vec<T>,
    #[serde(default)]
    pagination: Option<Pagination>,
}

#[derive(Deserialize)]
struct Pagination {
    #[serde(default)]
    cursor: Option<String>,
}

#[derive(Deserialize)]
struct ListPage {
    data: Vec<Subscription>,
    #[serde(default)]
    total: u32,
    #[serde(default)]
    total_cost: u32,
    #[serde(default)]
    max_total_cost: u32,
    #[serde(default)]
    pagination: Option<Pagination>,
}

/// One HTTP request, rebuilt for each attempt with the token current at that moment.
struct Call<'a> {
    method: reqwest::Method,
    path: &'a str,
    query: Vec<(&'a str, String)>,
    body: Option<serde_json::Value>,
}

fn now_unix() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0)
}

fn header_u64(resp: &reqwest::Response, name: &str) -> Option<u64> {
    resp.headers().get(name)?.to_str().ok()?.trim().parse().ok()
}

impl Helix {
    /// A client for `helix_base` (normally `Endpoints::helix`).
    pub fn new(helix_base: Url, tokens: Arc<dyn TokenSource>) -> Result<Self, HelixError> {
        Self::with_options(helix_base, tokens, HelixOptions::default())
    }

    /// Like [`Helix::new`] with explicit options.
    pub fn with_options(
        helix_base: Url,
        tokens: Arc<dyn TokenSource>,
        options: HelixOptions,
    ) -> Result<Self, HelixError> {
        let mut base = helix_base;
        if !base.path().ends_with('/') {
            let p = format!("{}/", base.path());
            base.set_path(&p);
        }
        let http = reqwest::Client::builder()
            .timeout(options.request_timeout)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| HelixError::Network(e.without_url().to_string()))?;
        Ok(Self { http, base, tokens, bucket: Arc::default(), options })
    }

    /// The token owner this client asks.
    pub fn tokens(&self) -> &Arc<dyn TokenSource> {
        &self.tokens
    }

    /// The current credentials (read now).
    pub async fn credentials(&self) -> Result<Credentials, HelixError> {
        Ok(self.tokens.current().await?)
    }

    /// Waits while the last response said the bucket is empty (docs/twitch.md §4).
    async fn wait_for_bucket(&self) {
        let b = self.bucket.lock().map(|b| *b).unwrap_or_default();
        if let (Some(0), Some(reset)) = (b.remaining, b.reset_at) {
            let now = now_unix();
            if reset > now {
                let wait = Duration::from_secs(reset - now).min(self.options.max_rate_limit_wait);
                tracing::debug!(?wait, "Helix rate-limit bucket empty; waiting for reset");
                tokio::time::sleep(wait).await;
            }
            if let Ok(mut b) = self.bucket.lock() {
                b.remaining = None;
            }
        }
    }

    fn note_bucket(&self, resp: &reqwest::Response) {
        let remaining = header_u64(resp, "ratelimit-remaining");
        let reset_at = header_u64(resp, "ratelimit-reset");
        if (remaining.is_some() || reset_at.is_some())
            && let Ok(mut b) = self.bucket.lock()
        {
            *b = Bucket { remaining, reset_at };
        }
    }

    async fn send_once(
        &self,
        call: &Call<'_>,
        creds: &Credentials,
    ) -> Result<reqwest::Response, HelixError> {
        let url = self.base.join(call.path).map_err(|e| HelixError::Invalid(e.to_string()))?;
        let mut req = self
            .http
            .request(call.method.clone(), url)
            .header("Client-Id", &creds.client_id)
            .bearer_auth(creds.token.secret());
        if !call.query.is_empty() {
            req = req.query(&call.query);
        }
        if let Some(body) = &call.body {
            req = req.json(body);
        }
        req.send().await.map_err(|e| HelixError::Network(e.without_url().to_string()))
    }

    async fn error_of(resp: reqwest::Response) -> HelixError {
        let status = resp.status().as_u16();
        let reason = resp.status().canonical_reason().unwrap_or("").to_string();
        let text = resp.text().await.unwrap_or_default();
        let body: ErrorBody = serde_json::from_str(&text).unwrap_or_default();
        HelixError::Api {
            status,
            error: if body.error.is_empty() { reason } else { body.error },
            message: body.message,
        }
    }

    /// Sends `call`: current token, one refresh-and-retry on 401, one wait-and-retry on a
    /// rate-limit 429. Returns the successful response.
    async fn execute(&self, call: Call<'_>) -> Result<reqwest::Response, HelixError> {
        let mut creds = self.tokens.current().await?;
        let mut refreshed = false;
        let mut waited = false;
        loop {
            self.wait_for_bucket().await;
            let resp = self.send_once(&call, &creds).await?;
            self.note_bucket(&resp);
            let status = resp.status().as_u16();
            if resp.status().is_success() {
                return Ok(resp);
            }
            if status == 401 && !refreshed {
                // docs/twitch.md §7 pitfall 10: ask the owner, who refreshes once for all callers.
                refreshed = true;
                tracing::info!(path = call.path, "Helix 401; asking for a fresh token");
                creds = self.tokens.refresh_after_401(&creds.token).await?;
                continue;
            }
            if status == 429 && !waited {
                let remaining = header_u64(&resp, "ratelimit-remaining");
                let reset = header_u64(&resp, "ratelimit-reset");
                if remaining == Some(0) {
                    let now = now_unix();
                    let wait = Duration::from_secs(reset.unwrap_or(now + 1).saturating_sub(now))
                        .max(Duration::from_millis(50));
                    if wait <= self.options.max_rate_limit_wait {
                        waited = true;
                        tracing::info!(?wait, path = call.path, "Helix rate limit; retrying once");
                        tokio::time::sleep(wait).await;
                        if let Ok(mut b) = self.bucket.lock() {
                            b.remaining = None;
                        }
                        continue;
                    }
                }
            }
            return Err(Self::error_of(resp).await);
        }
    }

    async fn json<T: DeserializeOwned>(&self, call: Call<'_>) -> Result<T, HelixError> {
        let resp = self.execute(call).await?;
        let bytes =
            resp.bytes().await.map_err(|e| HelixError::Network(e.without_url().to_string()))?;
        serde_json::from_slice(&bytes).map_err(|e| HelixError::Decode(e.to_string()))
    }

    async fn get_data<T: DeserializeOwned>(
        &self,
        path: &str,
        query: Vec<(&str, String)>,
    ) -> Result<(Vec<T>, Option<String>), HelixError> {
        let page: Data<T> =
            self.json(Call { method: reqwest::Method::GET, path, query, body: None }).await?;
        let cursor = page.pagination.and_then(|p| p.cursor).filter(|c| !c.is_empty());
        Ok((page.data, cursor))
    }

    /// Users by login and/or id, batched by 100 (docs/twitch.md §4).
    pub async fn users(&self, logins: &[String], ids: &[String]) -> Result<Vec<User>, HelixError> {
        let mut params: Vec<(&str, String)> = logins
            .iter()
            .map(|l| ("login", l.trim().to_lowercase()))
            .chain(ids.iter().map(|i| ("id", i.clone())))
            .collect();
        let mut out = Vec::new();
        while !params.is_empty() {
            let rest = params.split_off(params.len().min(MAX_IDS_PER_REQUEST));
            let (data, _) = self.get_data("users", std::mem::replace(&mut params, rest)).await?;
            out.extend(data);
        }
        Ok(out)
    }

    /// The token's own user (`GET /users` without parameters).
    pub async fn me(&self) -> Result<User, HelixError> {
        let (data, _) = self.get_data::<User>("users", Vec::new()).await?;
        data.into_iter()
            .next()
            .ok_or_else(|| HelixError::Decode("GET /users returned no user".into()))
    }

    /// The live streams among `logins` (offline ones are absent), batched by 100.
    pub async fn streams_by_login(&self, logins: &[String]) -> Result<Vec<Stream>, HelixError> {
        let mut out = Vec::new();
        for chunk in logins.chunks(MAX_IDS_PER_REQUEST) {
            let mut q: Vec<(&str, String)> =
                chunk.iter().map(|l| ("user_login", l.trim().to_lowercase())).collect();
            q.push(("first", "100".into()));
            let (data, _) = self.get_data("streams", q).await?;
            out.extend(data);
        }
        Ok(out)
    }

    /// Channel search for the streamer picker; `first` ≤ 100.
    pub async fn search_channels(
        &self,
        query: &str,
        live_only: bool,
        first: u8,
    ) -> Result<Vec<SearchedChannel>, HelixError> {
        let q = vec![
            ("query", query.to_string()),
            ("live_only", live_only.to_string()),
            ("first", first.clamp(1, 100).to_string()),
        ];
        Ok(self.get_data("search/channels", q).await?.0)
    }

    /// Channel information for up to 100 broadcaster ids per request.
    pub async fn channels(
        &self,
        broadcaster_ids: &[String],
    ) -> Result<Vec<ChannelInfo>, HelixError> {
        let mut out = Vec::new();
        for chunk in broadcaster_ids.chunks(MAX_IDS_PER_REQUEST) {
            let q = chunk.iter().map(|i| ("broadcaster_id", i.clone())).collect();
            out.extend(self.get_data("channels", q).await?.0);
        }
        Ok(out)
    }

    /// Every channel `user_id` follows (needs `user:read:follows`), all pages.
    pub async fn followed_channels(
        &self,
        user_id: &str,
    ) -> Result<Vec<FollowedChannel>, HelixError> {
        let mut out = Vec::new();
        let mut after: Option<String> = None;
        loop {
            let mut q = vec![("user_id", user_id.to_string()), ("first", "100".to_string())];
            if let Some(c) = &after {
                q.push(("after", c.clone()));
            }
            let (data, cursor) = self.get_data("channels/followed", q).await?;
            let empty = data.is_empty();
            out.extend(data);
            match cursor {
                Some(c) if !empty && after.as_deref() != Some(c.as_str()) => after = Some(c),
                _ => return Ok(out),
            }
        }
    }

    /// The live streams of the channels `user_id` (the token user) follows, most watched first:
    /// `GET /streams/followed?user_id=…&first=100`, scope `user:read:follows`
    /// (https://dev.twitch.tv/docs/api/reference/#get-followed-streams, docs/twitch.md §4). One
    /// page: the hundred most watched are more than a picker offers.
    pub async fn followed_streams(&self, user_id: &str) -> Result<Vec<Stream>, HelixError> {
        let q = vec![("user_id", user_id.to_string()), ("first", "100".to_string())];
        Ok(self.get_data("streams/followed", q).await?.0)
    }

    /// Every channel `user_id` (the token user) moderates, all pages: `GET
    /// /moderation/channels?user_id=…&first=100&after=…`, scope
    /// [`MODERATED_CHANNELS_SCOPE`] (see [`ModeratedChannel`] for the source).
    pub async fn moderated_channels(
        &self,
        user_id: &str,
    ) -> Result<Vec<ModeratedChannel>, HelixError> {
        let mut out = Vec::new();
        let mut after: Option<String> = None;
        loop {
            let mut q = vec![("user_id", user_id.to_string()), ("first", "100".to_string())];
            if let Some(c) = &after {
                q.push(("after", c.clone()));
            }
            let (data, cursor) = self.get_data("moderation/channels", q).await?;
            let empty = data.is_empty();
            out.extend(data);
            match cursor {
                Some(c) if !empty && after.as_deref() != Some(c.as_str()) => after = Some(c),
                _ => return Ok(out),
            }
        }
    }

    /// `POST /eventsub/subscriptions` (docs/twitch.md §1.8). Errors keep Twitch's status so the
    /// reconciler can tell 403/409/429 apart.
    pub async fn create_subscription(
        &self,
        req: &CreateSubscription,
    ) -> Result<SubscriptionList, HelixError> {
        let body = serde_json::to_value(req).map_err(|e| HelixError::Invalid(e.to_string()))?;
        self.json(Call {
            method: reqwest::Method::POST,
            path: "eventsub/subscriptions",
            query: Vec::new(),
            body: Some(body),
        })
        .await
    }

    /// `GET /eventsub/subscriptions`, all pages, with at most one filter (docs/twitch.md §1.8).
    pub async fn list_subscriptions(
        &self,
        filter: Option<&SubscriptionFilter>,
    ) -> Result<SubscriptionList, HelixError> {
        let mut out = SubscriptionList::default();
        let mut after: Option<String> = None;
        // A bound on pages: 300 subscriptions per connection × 3 connections / 100 per page,
        // with room to spare; protects against a server that repeats cursors.
        for _ in 0..50 {
            let mut q: Vec<(&str, String)> = Vec::new();
            match filter {
                Some(SubscriptionFilter::Status(s)) => q.push(("status", s.clone())),
                Some(SubscriptionFilter::Type(t)) => q.push(("type", t.clone())),
                Some(SubscriptionFilter::UserId(u)) => q.push(("user_id", u.clone())),
                None => {}
            }
            if let Some(c) = &after {
                q.push(("after", c.clone()));
            }
            let page: ListPage = self
                .json(Call {
                    method: reqwest::Method::GET,
                    path: "eventsub/subscriptions",
                    query: q,
                    body: None,
                })
                .await?;
            let empty = page.data.is_empty();
            out.data.extend(page.data);
            out.total = page.total;
            out.total_cost = page.total_cost;
            out.max_total_cost = page.max_total_cost;
            match page.pagination.and_then(|p| p.cursor).filter(|c| !c.is_empty()) {
                Some(c) if !empty && after.as_deref() != Some(c.as_str()) => after = Some(c),
                _ => return Ok(out),
            }
        }
        Ok(out)
    }

    /// `DELETE /eventsub/subscriptions?id=…`. A 404 (already gone) counts as success.
    pub async fn delete_subscription(&self, id: &str) -> Result<(), HelixError> {
        let r = self
            .execute(Call {
                method: reqwest::Method::DELETE,
                path: "eventsub/subscriptions",
                query: vec![("id", id.to_string())],
                body: None,
            })
            .await;
        match r {
            Ok(_) => Ok(()),
            Err(HelixError::Api { status: 404, .. }) => Ok(()),
            Err(e) => Err(e),
        }
    }
}

#[cfg(test)]
mod tests {
    //! Against the project's Twitch simulator (tests/twitch-sim), in-process: real Helix
    //! answers, its `/_sim/faults` for the rate-limit 429s, and its log for the queries sent.
    use super::*;
    use crate::token::{AccessToken, BoxFuture};
    use futures_util::StreamExt;
    use serde_json::{Value, json};
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
            Sim { handle, http: reqwest::Client::new() }
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
            [
                "type=stream.online",
                "type=stream.online&after=sim1",
                "type=stream.online&after=sim2"
            ]
        );
        // 404 on delete: already gone, fine.
        h.delete_subscription("gone").await.expect("404 is success");
    }
}
