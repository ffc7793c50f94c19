//! A small Helix client: users, streams, search, channels, followed, EventSub subscriptions,
//! chat messages sent as the user.
//!
//! Rules it follows (docs/twitch.md §4, §1.8):
//! - the token is read from the [`TokenSource`] at the moment of every call, never kept
//!   (docs/twitch.md §7 pitfall 10); a 401 that says the token is invalid asks the owner for a fresh
//!   token once and retries once. Any other 401 — a missing scope, a Client ID that does not
//!   match the token — goes back to the caller as Twitch's error: a refresh cannot cure it and
//!   would spend the single-use refresh token (docs/twitch.md §4, §9);
//! - `Client-Id` is the client id that issued the token;
//! - multiple values repeat the query parameter (`?login=a&login=b`), at most 100 per request;
//! - `Ratelimit-Limit`/`Ratelimit-Remaining`/`Ratelimit-Reset` are remembered. The bucket refills
//!   `Ratelimit-Limit` points a minute, and `Ratelimit-Reset` is when it is *full* again
//!   (https://dev.twitch.tv/docs/api/guide/#twitch-rate-limits), up to a minute away: a call
//!   needs one point, not a full bucket. So when the bucket is empty the next call waits for
//!   one point to come back (75 ms at 800 a minute), and a 429 with an empty bucket is retried
//!   in growing steps (0.25 s to 2 s) until that reset (at most `max_rate_limit_wait`), not
//!   after one sleep until the reset: a subscribe call after a welcome has only the welcome's
//!   window before Twitch closes the session with 4003 (docs/twitch.md §1.1, §9). A 429 with
//!   tokens left (EventSub "too many subscriptions", "cost", "transports limit") is not a rate
//!   limit and goes back to the caller;
//! - errors carry Twitch's `{error, status, message}`, never the token.

use crate::token::{Credentials, TokenError, TokenSource};
use serde::Deserialize;
use serde::de::DeserializeOwned;
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

    /// True for a 401 whose message says the token itself is no good (expired, revoked):
    /// the only 401 a refresh can cure. Helix also answers 401 for "Missing scope: …",
    /// "Client ID and OAuth token do not match", "incorrect user authorization" and a missing
    /// token (docs/twitch.md §4), and a client that refreshed on those refreshed in a loop
    /// (https://github.com/nicklaw5/helix/issues/204).
    pub fn is_invalid_token(&self) -> bool {
        let message = self.message_lower();
        self.status() == Some(401)
            && (message.contains("invalid oauth token") || message.contains("invalid access token"))
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
    /// `Ratelimit-Limit` of the last response: the points the bucket refills in a minute.
    limit: Option<u64>,
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

#[cfg(test)]
mod tests;
mod types;

pub use types::*;
use types::{Data, ListPage};

/// One HTTP request, rebuilt for each attempt with the token current at that moment.
struct Call<'a> {
    method: reqwest::Method,
    path: &'a str,
    query: Vec<(&'a str, String)>,
    body: Option<serde_json::Value>,
    /// Whether the call waits for an empty rate-limit bucket to get a point back, before it is
    /// sent and after a 429 (in steps until the reset). Every call but a chat message does: a message the user typed is
    /// answered at once, never sent a minute later.
    patient: bool,
}

fn now_unix() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0)
}

fn header_u64(resp: &reqwest::Response, name: &str) -> Option<u64> {
    resp.headers().get(name)?.to_str().ok()?.trim().parse().ok()
}

/// Twitch's bucket for user tokens: 800 points a minute (docs/twitch.md §4 "Rate limits").
const DEFAULT_BUCKET_LIMIT: u64 = 800;

/// How long one point takes to come back to a bucket that refills `limit` points a minute.
fn one_point(limit: Option<u64>) -> Duration {
    let limit = limit.unwrap_or(DEFAULT_BUCKET_LIMIT).max(1);
    Duration::from_millis(60_000 / limit).max(Duration::from_millis(50))
}

/// The wait before retry number `retry` (0-based) of a call refused with an empty bucket:
/// 0.25 s doubling to 2 s, never below one point's refill.
fn rate_limit_step(retry: u32, limit: Option<u64>) -> Duration {
    let step = Duration::from_millis(250).saturating_mul(2u32.saturating_pow(retry.min(8)));
    step.min(Duration::from_secs(2)).max(one_point(limit))
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
        let http = crate::tls::http_client()
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

    /// Waits for one point to come back while the last response said the bucket is empty
    /// (docs/twitch.md §4): not until the reset, which is when the bucket is full again.
    async fn wait_for_bucket(&self) {
        let b = self.bucket.lock().map(|b| *b).unwrap_or_default();
        if let (Some(0), Some(reset)) = (b.remaining, b.reset_at) {
            let now = now_unix();
            if reset > now {
                let wait = one_point(b.limit)
                    .min(Duration::from_secs(reset - now))
                    .min(self.options.max_rate_limit_wait);
                tracing::debug!(?wait, "Helix rate-limit bucket empty; waiting for a point");
                tokio::time::sleep(wait).await;
            }
            if let Ok(mut b) = self.bucket.lock() {
                b.remaining = None;
            }
        }
    }

    fn note_bucket(&self, resp: &reqwest::Response) {
        let limit = header_u64(resp, "ratelimit-limit");
        let remaining = header_u64(resp, "ratelimit-remaining");
        let reset_at = header_u64(resp, "ratelimit-reset");
        if (remaining.is_some() || reset_at.is_some())
            && let Ok(mut b) = self.bucket.lock()
        {
            *b = Bucket { limit, remaining, reset_at };
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

    /// Sends `call`: current token, one refresh-and-retry on a 401 for an invalid token, and
    /// retries in growing steps on a rate-limit 429 until the bucket's reset (see the module
    /// docs). Returns the successful response.
    async fn execute(&self, call: Call<'_>) -> Result<reqwest::Response, HelixError> {
        let mut creds = self.tokens.current().await?;
        let mut refreshed = false;
        // Rate-limit retries so far, and until when they may go on (the first 429's reset).
        let mut rate_retries = 0u32;
        let mut retry_until: Option<tokio::time::Instant> = None;
        loop {
            if call.patient {
                self.wait_for_bucket().await;
            }
            let resp = self.send_once(&call, &creds).await?;
            self.note_bucket(&resp);
            let status = resp.status().as_u16();
            if resp.status().is_success() {
                return Ok(resp);
            }
            if status == 401 {
                let err = Self::error_of(resp).await;
                if refreshed || !err.is_invalid_token() {
                    return Err(err);
                }
                // docs/twitch.md §7 pitfall 10: ask the owner, who refreshes once for all callers.
                refreshed = true;
                tracing::info!(
                    path = call.path,
                    "Helix 401 Invalid OAuth token; asking for a fresh token"
                );
                creds = self.tokens.refresh_after_401(&creds.token).await?;
                continue;
            }
            if status == 429 && call.patient && header_u64(&resp, "ratelimit-remaining") == Some(0)
            {
                let now = tokio::time::Instant::now();
                let until = *retry_until.get_or_insert_with(|| {
                    let unix = now_unix();
                    let reset = header_u64(&resp, "ratelimit-reset").unwrap_or(unix + 1);
                    let full_in = Duration::from_secs(reset.saturating_sub(unix));
                    now + full_in.min(self.options.max_rate_limit_wait)
                });
                // Always once (a reset already passed still deserves a second try), then
                // while the bucket may still be refilling.
                if rate_retries == 0 || now < until {
                    let limit = header_u64(&resp, "ratelimit-limit");
                    let wait = rate_limit_step(rate_retries, limit)
                        .min(until.saturating_duration_since(now))
                        .max(Duration::from_millis(50));
                    rate_retries += 1;
                    tracing::info!(
                        ?wait,
                        rate_retries,
                        path = call.path,
                        "Helix rate limit; retrying"
                    );
                    tokio::time::sleep(wait).await;
                    if let Ok(mut b) = self.bucket.lock() {
                        b.remaining = None;
                    }
                    continue;
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

    /// Every page of `path?user_id=…&first=100&after=…`, following Helix's cursor until a page
    /// comes back empty or repeats its cursor (a server that never ends the list cannot loop).
    async fn all_pages<T: DeserializeOwned>(
        &self,
        path: &str,
        user_id: &str,
    ) -> Result<Vec<T>, HelixError> {
        let mut out = Vec::new();
        let mut after: Option<String> = None;
        loop {
            let mut q = vec![("user_id", user_id.to_string()), ("first", "100".to_string())];
            if let Some(c) = &after {
                q.push(("after", c.clone()));
            }
            let (data, cursor) = self.get_data(path, q).await?;
            let empty = data.is_empty();
            out.extend(data);
            match cursor {
                Some(c) if !empty && after.as_deref() != Some(c.as_str()) => after = Some(c),
                _ => return Ok(out),
            }
        }
    }

    async fn get_data<T: DeserializeOwned>(
        &self,
        path: &str,
        query: Vec<(&str, String)>,
    ) -> Result<(Vec<T>, Option<String>), HelixError> {
        let page: Data<T> = self
            .json(Call { method: reqwest::Method::GET, path, query, body: None, patient: true })
            .await?;
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

    /// Every channel `user_id` follows (needs [`FOLLOWED_CHANNELS`]' scope), all pages.
    pub async fn followed_channels(
        &self,
        user_id: &str,
    ) -> Result<Vec<FollowedChannel>, HelixError> {
        self.all_pages(FOLLOWED_CHANNELS.path, user_id).await
    }

    /// The live streams of the channels `user_id` (the token user) follows, most watched first:
    /// `GET /streams/followed?user_id=…&first=100`, scope [`FOLLOWED_STREAMS`]'
    /// (https://dev.twitch.tv/docs/api/reference/#get-followed-streams, docs/twitch.md §4). One
    /// page: the hundred most watched are more than a picker offers.
    pub async fn followed_streams(&self, user_id: &str) -> Result<Vec<Stream>, HelixError> {
        let q = vec![("user_id", user_id.to_string()), ("first", "100".to_string())];
        Ok(self.get_data(FOLLOWED_STREAMS.path, q).await?.0)
    }

    /// Every channel `user_id` (the token user) moderates, all pages: `GET
    /// /moderation/channels?user_id=…&first=100&after=…`, scope
    /// [`MODERATED_CHANNELS_SCOPE`] (see [`ModeratedChannel`] for the source).
    pub async fn moderated_channels(
        &self,
        user_id: &str,
    ) -> Result<Vec<ModeratedChannel>, HelixError> {
        self.all_pages(MODERATED_CHANNELS.path, user_id).await
    }

    /// Sends `message` to the chat of `broadcaster_id` as `sender_id` (the token's user):
    /// [`SEND_CHAT_MESSAGE`]. A message Twitch's chat drops is an `Ok` with `is_sent: false`
    /// and Twitch's reason; a missing scope (401 "Missing scope", not a refresh: see
    /// [`HelixError::is_invalid_token`]), a refusal (403) and a 429 are Twitch's errors,
    /// answered at once (the call is not patient: see `Call::patient`).
    pub async fn send_chat_message(
        &self,
        broadcaster_id: &str,
        sender_id: &str,
        message: &str,
    ) -> Result<SentChatMessage, HelixError> {
        let body = serde_json::json!({
            "broadcaster_id": broadcaster_id,
            "sender_id": sender_id,
            "message": message,
        });
        let answer: Data<SentChatMessage> = self
            .json(Call {
                method: reqwest::Method::POST,
                path: SEND_CHAT_MESSAGE.path,
                query: Vec::new(),
                body: Some(body),
                patient: false,
            })
            .await?;
        answer
            .data
            .into_iter()
            .next()
            .ok_or_else(|| HelixError::Decode("Send Chat Message answered no data".into()))
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
            patient: true,
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
                    patient: true,
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
                patient: true,
            })
            .await;
        match r {
            Ok(_) => Ok(()),
            Err(HelixError::Api { status: 404, .. }) => Ok(()),
            Err(e) => Err(e),
        }
    }
}
