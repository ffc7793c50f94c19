//! Twitch's OAuth endpoints over HTTP: token (refresh, device polling), device, validate,
//! revoke (docs/twitch.md §3.2, §3.4). The authorization-code exchange goes through the `oauth2`
//! crate in `loopback.rs`, using [`OAuthClient::oauth2_http`].
//!
//! Twitch's error bodies are `{"status":400,"message":"…"}`; only `status` and `message` ever
//! reach an error value, never a request or response body that could hold a token.

use serde::Deserialize;
use std::time::Duration;
use zeroize::Zeroizing;

use crate::Endpoints;
use crate::keychain::RefreshToken;
use crate::token::AccessToken;

/// Errors talking to Twitch's OAuth endpoints.
#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
pub enum OAuthError {
    /// Twitch answered with an error status.
    #[error("Twitch refused the request (HTTP {status}): {message}")]
    Rejected {
        /// HTTP status.
        status: u16,
        /// Twitch's `message` (or a short description when there was none).
        message: String,
    },
    /// No answer from Twitch.
    #[error("cannot reach Twitch ({reason})")]
    Network {
        /// What went wrong, without secrets.
        reason: String,
        /// True when the connection was never made, so Twitch cannot have seen the request
        /// (safe to send the same refresh token again).
        not_sent: bool,
    },
    /// Twitch answered 200 with something we cannot read.
    #[error("unexpected answer from Twitch: {0}")]
    BadResponse(String),
}

impl OAuthError {
    fn network(e: &reqwest::Error) -> Self {
        OAuthError::Network { reason: e.without_url_string(), not_sent: e.is_connect() }
    }
    /// The message of a rejection, if this is one.
    pub fn rejection(&self) -> Option<(u16, &str)> {
        match self {
            OAuthError::Rejected { status, message } => Some((*status, message.as_str())),
            _ => None,
        }
    }
}

trait WithoutUrl {
    fn without_url_string(&self) -> String;
}
impl WithoutUrl for reqwest::Error {
    fn without_url_string(&self) -> String {
        let mut s = if self.is_timeout() {
            "timed out".to_string()
        } else if self.is_connect() {
            "connection failed".to_string()
        } else {
            "request failed".to_string()
        };
        let mut src = std::error::Error::source(self);
        while let Some(e) = src {
            s.push_str(": ");
            s.push_str(&e.to_string());
            src = e.source();
        }
        s
    }
}

/// What the token endpoint hands out.
pub struct TokenGrant {
    /// The access token.
    pub access: AccessToken,
    /// The refresh token (rotated on every refresh for public clients, docs/twitch.md §3.2).
    pub refresh: Option<RefreshToken>,
    /// Lifetime of the access token.
    pub expires_in: Option<Duration>,
    /// Granted scopes (Twitch sends a JSON array, docs/platform.md "OAuth").
    pub scopes: Vec<String>,
}

impl std::fmt::Debug for TokenGrant {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenGrant")
            .field("access", &self.access)
            .field("refresh", &self.refresh)
            .field("expires_in", &self.expires_in)
            .field("scopes", &self.scopes)
            .finish()
    }
}

/// Accepts Twitch's `scope` as an array, a space-separated string or null.
pub(crate) fn scope_list<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Either {
        List(Vec<String>),
        Text(String),
    }
    Ok(match Option::<Either>::deserialize(d)? {
        None => Vec::new(),
        Some(Either::List(v)) => v,
        Some(Either::Text(s)) => s.split_whitespace().map(String::from).collect(),
    })
}

#[derive(Deserialize)]
struct TokenJson {
    access_token: String,
    #[serde(default)]
    refresh_token: Option<String>,
    #[serde(default)]
    expires_in: Option<u64>,
    #[serde(default, deserialize_with = "scope_list")]
    scope: Vec<String>,
}

impl TokenGrant {
    pub(crate) fn from_json(body: &[u8]) -> Result<Self, OAuthError> {
        // The serde error text could quote the body; keep only its position.
        let t: TokenJson = serde_json::from_slice(body).map_err(|e| {
            OAuthError::BadResponse(format!("token response unreadable at column {}", e.column()))
        })?;
        if t.access_token.is_empty() {
            return Err(OAuthError::BadResponse("empty access token".into()));
        }
        Ok(Self {
            access: AccessToken::new(t.access_token),
            refresh: t.refresh_token.filter(|r| !r.is_empty()).map(RefreshToken::new),
            expires_in: t.expires_in.map(Duration::from_secs),
            scopes: t.scope,
        })
    }
}

/// `/oauth2/validate`'s answer (docs/twitch.md §3.4).
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
pub struct Validation {
    /// The client the token belongs to.
    pub client_id: String,
    /// The user's login.
    pub login: String,
    /// The user's id.
    pub user_id: String,
    /// Granted scopes (`null` for none).
    #[serde(default, deserialize_with = "scope_list")]
    pub scopes: Vec<String>,
    /// Seconds until the token expires.
    #[serde(default)]
    pub expires_in: u64,
}

/// `/oauth2/device`'s answer (docs/twitch.md §3.2 step 1).
pub struct DeviceStart {
    /// The code we poll with (single-use; kept out of logs).
    pub device_code: Zeroizing<String>,
    /// The code the user sees and confirms.
    pub user_code: String,
    /// Where the user confirms it (code pre-filled).
    pub verification_uri: String,
    /// Seconds until the device code expires (1800 at Twitch).
    pub expires_in: u64,
    /// Minimum seconds between polls (5 at Twitch).
    pub interval: u64,
}

#[derive(Deserialize)]
struct DeviceJson {
    device_code: String,
    user_code: String,
    verification_uri: String,
    #[serde(default = "default_device_expiry")]
    expires_in: u64,
    #[serde(default = "default_interval")]
    interval: u64,
}
fn default_device_expiry() -> u64 {
    1800
}
fn default_interval() -> u64 {
    5
}

#[derive(Deserialize)]
struct ErrorJson {
    #[serde(default)]
    message: Option<String>,
    #[serde(default)]
    error: Option<String>,
    #[serde(default)]
    error_description: Option<String>,
}

/// Twitch's error message from an error body, short and without the rest of the body.
pub(crate) fn error_message(status: u16, body: &[u8]) -> String {
    let msg = serde_json::from_slice::<ErrorJson>(body)
        .ok()
        .and_then(|e| e.message.or(e.error_description).or(e.error))
        .unwrap_or_else(|| format!("HTTP {status}"));
    msg.chars().take(200).collect()
}

/// The client side of Twitch's OAuth: who we are (client id, optional secret) and where
/// Twitch is.
#[derive(Clone)]
pub struct OAuthClient {
    /// HTTP client; never follows redirects (docs/platform.md "OAuth").
    http: reqwest::Client,
    /// Where Twitch (or the simulator) is.
    endpoints: Endpoints,
    /// The application's Client ID.
    client_id: String,
    /// The Client Secret of a confidential client; `None` for a public client.
    secret: Option<Zeroizing<String>>,
}

impl std::fmt::Debug for OAuthClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OAuthClient")
            .field("endpoints", &self.endpoints.describe())
            .field("client_id", &self.client_id)
            .field("secret", &self.secret.as_ref().map(|_| "<redacted>"))
            .finish()
    }
}

impl OAuthClient {
    /// A client for `client_id` (and `secret` for a confidential client).
    pub fn new(
        endpoints: Endpoints,
        client_id: impl Into<String>,
        secret: Option<Zeroizing<String>>,
    ) -> Result<Self, OAuthError> {
        let http = crate::tls::http_client()
            .redirect(reqwest::redirect::Policy::none())
            // A new connection for every call: OAuth calls are minutes to hours apart, so a
            // kept connection is stale by the next one, and a refresh written to a connection
            // the server closed meanwhile fails after sending — the single-use refresh token
            // then counts as spent (docs/twitch.md §3.2). On a fresh connection, "cannot
            // connect" means "never sent", and the token is kept for the next try.
            .pool_max_idle_per_host(0)
            .timeout(Duration::from_secs(30))
            .connect_timeout(Duration::from_secs(10))
            .user_agent(concat!("twitch-event-viewer/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| OAuthError::BadResponse(format!("cannot build the HTTP client: {e}")))?;
        Ok(Self { http, endpoints, client_id: client_id.into(), secret })
    }

    /// The Client ID.
    pub fn client_id(&self) -> &str {
        &self.client_id
    }
    /// The endpoints.
    pub fn endpoints(&self) -> &Endpoints {
        &self.endpoints
    }
    /// Whether a Client Secret is configured (so the loopback flow is possible).
    pub fn has_secret(&self) -> bool {
        self.secret.is_some()
    }
    pub(crate) fn secret(&self) -> Option<&Zeroizing<String>> {
        self.secret.as_ref()
    }

    fn url(&self, path: &str) -> Result<url::Url, OAuthError> {
        self.endpoints
            .oauth
            .join(path)
            .map_err(|e| OAuthError::BadResponse(format!("bad OAuth URL: {e}")))
    }

    async fn post_form(
        &self,
        path: &str,
        form: &[(&str, &str)],
    ) -> Result<(u16, Zeroizing<Vec<u8>>), OAuthError> {
        let resp = self
            .http
            .post(self.url(path)?)
            .form(form)
            .send()
            .await
            .map_err(|e| OAuthError::network(&e))?;
        let status = resp.status().as_u16();
        let body = resp.bytes().await.map_err(|e| OAuthError::network(&e))?;
        // Token responses hold secrets: the copy we keep is wiped when dropped.
        Ok((status, Zeroizing::new(body.to_vec())))
    }

    fn rejected(status: u16, body: &[u8]) -> OAuthError {
        OAuthError::Rejected { status, message: error_message(status, body) }
    }

    /// Refreshes (docs/twitch.md §3.2 step 4): no secret for a public client. The refresh
    /// token is spent once this request has reached Twitch, whatever the answer.
    pub async fn refresh(&self, refresh: &RefreshToken) -> Result<TokenGrant, OAuthError> {
        let mut form = vec![
            ("grant_type", "refresh_token"),
            ("refresh_token", refresh.secret()),
            ("client_id", self.client_id.as_str()),
        ];
        if let Some(s) = &self.secret {
            form.push(("client_secret", s.as_str()));
        }
        let (status, body) = self.post_form("token", &form).await?;
        if status != 200 {
            return Err(Self::rejected(status, &body));
        }
        TokenGrant::from_json(&body)
    }

    /// Starts the device flow (docs/twitch.md §3.2 step 1; the parameter is `scopes`, plural).
    pub async fn device_start(&self, scopes: &[String]) -> Result<DeviceStart, OAuthError> {
        let scopes = scopes.join(" ");
        let (status, body) = self
            .post_form("device", &[("client_id", self.client_id.as_str()), ("scopes", &scopes)])
            .await?;
        if status != 200 {
            return Err(Self::rejected(status, &body));
        }
        let d: DeviceJson = serde_json::from_slice(&body)
            .map_err(|_| OAuthError::BadResponse("device response unreadable".into()))?;
        Ok(DeviceStart {
            device_code: Zeroizing::new(d.device_code),
            user_code: d.user_code,
            verification_uri: d.verification_uri,
            expires_in: d.expires_in,
            interval: d.interval,
        })
    }

    /// One device-flow poll (docs/twitch.md §3.2 step 2). `Rejected{400,"authorization_pending"}`
    /// means "not yet".
    pub async fn device_poll(
        &self,
        device_code: &str,
        scopes: &[String],
    ) -> Result<TokenGrant, OAuthError> {
        let scopes = scopes.join(" ");
        let (status, body) = self
            .post_form(
                "token",
                &[
                    ("client_id", self.client_id.as_str()),
                    ("scopes", &scopes),
                    ("device_code", device_code),
                    ("grant_type", "urn:ietf:params:oauth:grant-type:device_code"),
                ],
            )
            .await?;
        if status != 200 {
            return Err(Self::rejected(status, &body));
        }
        TokenGrant::from_json(&body)
    }

    /// Validates an access token (docs/twitch.md §3.4). 401 → `Rejected{401, …}`.
    pub async fn validate(&self, token: &AccessToken) -> Result<Validation, OAuthError> {
        let resp = self
            .http
            .get(self.url("validate")?)
            .header("Authorization", format!("OAuth {}", token.secret()))
            .send()
            .await
            .map_err(|e| OAuthError::network(&e))?;
        let status = resp.status().as_u16();
        let body = resp.bytes().await.map_err(|e| OAuthError::network(&e))?;
        if status != 200 {
            return Err(Self::rejected(status, &body));
        }
        serde_json::from_slice(&body)
            .map_err(|_| OAuthError::BadResponse("validate response unreadable".into()))
    }

    /// Revokes a token (docs/twitch.md §3.4). 400 "Invalid token" (already gone) counts as done.
    pub async fn revoke(&self, token: &str) -> Result<(), OAuthError> {
        let (status, body) = self
            .post_form("revoke", &[("client_id", self.client_id.as_str()), ("token", token)])
            .await?;
        match status {
            200 => Ok(()),
            400 if error_message(status, &body).eq_ignore_ascii_case("invalid token") => Ok(()),
            _ => Err(Self::rejected(status, &body)),
        }
    }

    /// The `oauth2` crate's HTTP client: a closure over our reqwest 0.13 client (oauth2 5
    /// pins reqwest 0.12, docs/platform.md "OAuth").
    pub(crate) fn oauth2_http(
        &self,
    ) -> impl Fn(
        oauth2::HttpRequest,
    ) -> std::pin::Pin<
        Box<dyn std::future::Future<Output = Result<oauth2::HttpResponse, Oauth2HttpError>> + Send>,
    > + '_ {
        move |req: oauth2::HttpRequest| {
            let http = self.http.clone();
            Box::pin(async move {
                let (parts, body) = req.into_parts();
                let url = parts.uri.to_string();
                let method = reqwest::Method::from_bytes(parts.method.as_str().as_bytes())
                    .map_err(|_| Oauth2HttpError("bad method".into()))?;
                let mut rb = http.request(method, url);
                for (name, value) in &parts.headers {
                    rb = rb.header(name.as_str(), value.as_bytes());
                }
                let resp = rb
                    .body(body)
                    .send()
                    .await
                    .map_err(|e| Oauth2HttpError(e.without_url_string()))?;
                let mut out = oauth2::http::Response::builder().status(resp.status().as_u16());
                for (name, value) in resp.headers() {
                    out = out.header(name.as_str(), value.as_bytes());
                }
                let bytes =
                    resp.bytes().await.map_err(|e| Oauth2HttpError(e.without_url_string()))?;
                out.body(bytes.to_vec()).map_err(|e| Oauth2HttpError(e.to_string()))
            })
        }
    }
}

/// The adapter's error (no secrets: reqwest's text without the URL).
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct Oauth2HttpError(String);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_json_takes_twitchs_array_scope() {
        let g = TokenGrant::from_json(
            br#"{"access_token":"a1","expires_in":14542,"refresh_token":"r1","scope":["user:read:chat","user:read:follows"],"token_type":"bearer"}"#,
        )
        .expect("parse");
        assert_eq!(g.scopes, vec!["user:read:chat", "user:read:follows"]);
        assert_eq!(g.expires_in, Some(Duration::from_secs(14542)));
        assert_eq!(g.refresh.as_ref().map(RefreshToken::secret), Some("r1"));
        let s = TokenGrant::from_json(br#"{"access_token":"a","scope":"x y"}"#).expect("string");
        assert_eq!(s.scopes, vec!["x", "y"]);
    }

    #[test]
    fn unreadable_token_json_does_not_echo_the_body() {
        let e = TokenGrant::from_json(br#"{"access_token": 5, "refresh_token":"TOPSECRET"}"#)
            .expect_err("bad");
        assert!(!e.to_string().contains("TOPSECRET"));
    }

    #[test]
    fn error_messages_are_twitchs_message() {
        assert_eq!(
            error_message(400, br#"{"status":400,"message":"authorization_pending"}"#),
            "authorization_pending"
        );
        assert_eq!(error_message(502, b"<html>"), "HTTP 502");
        let v: Validation = serde_json::from_str(
            r#"{"client_id":"c","login":"l","scopes":null,"user_id":"1","expires_in":5}"#,
        )
        .expect("validate with null scopes");
        assert!(v.scopes.is_empty());
    }
}
