//! The loopback authorization-code flow (confidential client with a secret; docs/twitch.md §3.3).
//!
//! RFC 8252 as far as Twitch allows: Twitch matches the redirect URL exactly, port included,
//! so the port is fixed and configurable (default `http://localhost:17563/callback`). The
//! listener binds 127.0.0.1 and ::1 only, answers exactly one accepted callback on exactly
//! `/callback` (other paths 404, other methods 405, oversized requests 431), compares the
//! random `state` in constant time, and is closed when the flow ends (success, error,
//! timeout or cancel). The code exchange goes through the `oauth2` crate.
//!
//! Any program on the machine, and any web page the user visits, can reach the listener, so
//! it treats every request as a stranger's until it carries this login's `state`:
//! - only a callback with the right `state` ends the login (with its code or its error); one
//!   without it, or with another, gets a 400 and the listener keeps waiting;
//! - Twitch's `error_description` is shown cut to [`MAX_DESCRIPTION_CHARS`] characters, with
//!   control characters removed;
//! - at most [`MAX_CONNECTIONS`] connections are open at once: a newcomer closes the one that
//!   has waited longest (the browser's callback sends its request at once, so only idle or
//!   slow connections are closed);
//! - a failing `accept` (no file descriptors left) is retried after a pause that doubles up
//!   to a second, never in a busy loop.

use std::sync::Arc;
use std::time::Duration;

use oauth2::basic::{
    BasicErrorResponse, BasicRevocationErrorResponse, BasicTokenIntrospectionResponse,
    BasicTokenType,
};
use oauth2::{
    AuthType, AuthUrl, AuthorizationCode, ClientId, ClientSecret, CsrfToken, RedirectUrl,
    RequestTokenError, Scope, StandardRevocableToken, TokenUrl,
};
use serde::{Deserialize, Serialize};
use subtle::ConstantTimeEq;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio_util::sync::CancellationToken;

use super::twitch::{OAuthClient, OAuthError, TokenGrant};
use super::{BrowserOpener, SignInProgress, open_browser};

/// The path of the redirect URL.
pub const CALLBACK_PATH: &str = "/callback";
/// How long the user has to finish the consent by default.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(300);
/// The largest request head accepted on the listener.
pub const MAX_REQUEST_BYTES: usize = 8 * 1024;
/// Connections the listener keeps open at once.
pub const MAX_CONNECTIONS: usize = 16;
/// The longest `error_description` shown (Twitch's are one short sentence).
pub const MAX_DESCRIPTION_CHARS: usize = 200;
/// The first pause after a failed `accept`; it doubles up to [`ACCEPT_PAUSE_MAX`].
const ACCEPT_PAUSE_MIN: Duration = Duration::from_millis(50);
/// The longest pause after a failed `accept`.
const ACCEPT_PAUSE_MAX: Duration = Duration::from_secs(1);

/// Options of one loopback login.
#[derive(Debug, Clone)]
pub struct LoopbackOptions {
    /// The port of the registered redirect URL `http://localhost:<port>/callback`.
    pub port: u16,
    /// How long to wait for the browser's callback.
    pub timeout: Duration,
    /// Ask Twitch to show the consent screen even if already authorized (account switch).
    pub force_verify: bool,
}

impl Default for LoopbackOptions {
    fn default() -> Self {
        Self {
            port: crate::settings::DEFAULT_LOOPBACK_PORT,
            timeout: DEFAULT_TIMEOUT,
            force_verify: false,
        }
    }
}

/// Why a loopback login did not produce tokens.
#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
pub enum LoopbackError {
    /// The port is taken.
    #[error(
        "port {port} on localhost is already in use, so the login redirect cannot be received. \
         Close the program using it, or choose another port (Settings, or `tev config \
         --port <N>`) and register http://localhost:<N>/callback for your Twitch application"
    )]
    PortInUse {
        /// The port.
        port: u16,
    },
    /// The listener could not be opened for another reason.
    #[error("cannot listen on localhost port {port}: {reason}")]
    Bind {
        /// The port.
        port: u16,
        /// The OS's reason.
        reason: String,
    },
    /// A request to the callback had no `state`: not this login's answer. Refused with a 400
    /// page carrying this text; the login keeps waiting.
    #[error(
        "this answer carried no state, so it does not belong to the login in progress and was refused"
    )]
    MissingState,
    /// A request to the callback had another `state`: not this login's answer. Refused with
    /// a 400 page carrying this text; the login keeps waiting.
    #[error("this answer did not belong to the login in progress (state mismatch) and was refused")]
    StateMismatch,
    /// The user declined at Twitch.
    #[error("the Twitch login was declined: {0}")]
    Denied(String),
    /// Twitch says the redirect URL is not the registered one (docs/twitch.md §3.3).
    #[error(
        "Twitch refused the redirect URL {redirect_uri}: register exactly this URL (no trailing \
         slash, same port) for your Twitch application, or change the port to the registered one"
    )]
    RedirectMismatch {
        /// The redirect URL we sent.
        redirect_uri: String,
    },
    /// Some other error from Twitch's authorize page.
    #[error("Twitch returned an error: {error}: {description}")]
    Twitch {
        /// `error`.
        error: String,
        /// `error_description`.
        description: String,
    },
    /// The callback had neither code nor error.
    #[error("the login answer carried no authorization code")]
    MissingCode,
    /// Nobody called back in time.
    #[error("no answer from the browser within {0:?}; the login was stopped")]
    Timeout(Duration),
    /// The user cancelled.
    #[error("the login was cancelled")]
    Cancelled,
    /// The flow needs a Client Secret.
    #[error(
        "the loopback login needs a Client Secret (confidential client); without one use the \
         device login"
    )]
    NoSecret,
    /// The code exchange failed.
    #[error("exchanging the authorization code failed: {0}")]
    Exchange(OAuthError),
}

/// Twitch's token response for the `oauth2` crate: `scope` is a JSON array (docs/platform.md
/// "OAuth": `StandardTokenResponse` cannot parse it).
#[derive(Debug, Serialize, Deserialize)]
struct TwitchTokenResponse {
    access_token: oauth2::AccessToken,
    #[serde(skip_deserializing, default = "bearer")]
    token_type: BasicTokenType,
    #[serde(default)]
    expires_in: Option<u64>,
    #[serde(default)]
    refresh_token: Option<oauth2::RefreshToken>,
    #[serde(default, deserialize_with = "super::twitch::scope_list")]
    scope: Vec<String>,
    #[serde(skip)]
    scopes_typed: Option<Vec<Scope>>,
}

fn bearer() -> BasicTokenType {
    BasicTokenType::Bearer
}

impl oauth2::TokenResponse for TwitchTokenResponse {
    type TokenType = BasicTokenType;
    fn access_token(&self) -> &oauth2::AccessToken {
        &self.access_token
    }
    fn token_type(&self) -> &BasicTokenType {
        &self.token_type
    }
    fn expires_in(&self) -> Option<Duration> {
        self.expires_in.map(Duration::from_secs)
    }
    fn refresh_token(&self) -> Option<&oauth2::RefreshToken> {
        self.refresh_token.as_ref()
    }
    fn scopes(&self) -> Option<&Vec<Scope>> {
        self.scopes_typed.as_ref()
    }
}

/// The `oauth2` client type for Twitch: auth + token URLs set.
type Client = oauth2::Client<
    BasicErrorResponse,
    TwitchTokenResponse,
    BasicTokenIntrospectionResponse,
    StandardRevocableToken,
    BasicRevocationErrorResponse,
    oauth2::EndpointSet,
    oauth2::EndpointNotSet,
    oauth2::EndpointNotSet,
    oauth2::EndpointNotSet,
    oauth2::EndpointSet,
>;

/// The redirect URL for a port: `http://localhost:<port>/callback`.
pub fn redirect_uri(port: u16) -> String {
    format!("http://localhost:{port}{CALLBACK_PATH}")
}

fn oauth2_client(oauth: &OAuthClient, port: u16) -> Result<Client, LoopbackError> {
    let secret = oauth.secret().ok_or(LoopbackError::NoSecret)?;
    let bad = |e: String| LoopbackError::Exchange(OAuthError::BadResponse(e));
    let auth = oauth.endpoints().oauth.join("authorize").map_err(|e| bad(e.to_string()))?;
    let token = oauth.endpoints().oauth.join("token").map_err(|e| bad(e.to_string()))?;
    let redirect = RedirectUrl::new(redirect_uri(port)).map_err(|e| bad(e.to_string()))?;
    Ok(oauth2::Client::new(ClientId::new(oauth.client_id().to_string()))
        .set_client_secret(ClientSecret::new(secret.to_string()))
        .set_auth_uri(AuthUrl::from_url(auth))
        .set_token_uri(TokenUrl::from_url(token))
        .set_redirect_uri(redirect)
        // Twitch wants client_id and client_secret in the form body (docs/twitch.md §3.3).
        .set_auth_type(AuthType::RequestBody))
}

/// Binds 127.0.0.1 and ::1 on `port`. IPv4 must work; IPv6 is best effort (hosts without
/// ::1 exist), but a taken ::1 port is reported like a taken IPv4 one.
async fn bind(port: u16) -> Result<Vec<TcpListener>, LoopbackError> {
    let in_use = |e: &std::io::Error| e.kind() == std::io::ErrorKind::AddrInUse;
    let v4 = TcpListener::bind(("127.0.0.1", port)).await.map_err(|e| {
        if in_use(&e) {
            LoopbackError::PortInUse { port }
        } else {
            LoopbackError::Bind { port, reason: e.to_string() }
        }
    })?;
    let mut out = vec![v4];
    match TcpListener::bind(("::1", port)).await {
        Ok(v6) => out.push(v6),
        Err(e) if in_use(&e) => return Err(LoopbackError::PortInUse { port }),
        Err(e) => tracing::debug!(port, error = %e, "no IPv6 loopback listener"),
    }
    Ok(out)
}

/// Runs one loopback login: listen, open the browser on the consent page, wait for exactly
/// one valid callback, exchange the code. The listener is closed when this returns.
pub async fn login(
    oauth: &OAuthClient,
    scopes: &[String],
    options: &LoopbackOptions,
    opener: Arc<dyn BrowserOpener>,
    cancel: CancellationToken,
    progress: &(dyn Fn(SignInProgress) + Send + Sync),
) -> Result<TokenGrant, LoopbackError> {
    let client = oauth2_client(oauth, options.port)?;
    let listeners = bind(options.port).await?;
    let state = CsrfToken::new_random_len(32);
    let expected = state.secret().clone();
    let (url, _) = client
        .authorize_url(move || state)
        .add_scopes(scopes.iter().cloned().map(Scope::new))
        .add_extra_param("force_verify", if options.force_verify { "true" } else { "false" })
        .url();
    let url = url.to_string();
    let redirect = redirect_uri(options.port);
    progress(SignInProgress::OpeningBrowser { url: url.clone() });
    open_browser(opener, &url).await;
    progress(SignInProgress::WaitingForBrowser { url });

    let deadline = tokio::time::Instant::now() + options.timeout;
    let (code, mut stream) = wait_for_callback(
        &listeners,
        expected.as_bytes(),
        &redirect,
        deadline,
        options.timeout,
        &cancel,
    )
    .await?;
    drop(listeners);
    progress(SignInProgress::Exchanging);

    let http = oauth.oauth2_http();
    let result = client.exchange_code(AuthorizationCode::new(code)).request_async(&http).await;
    let result = match result {
        Ok(t) => Ok(TokenGrant {
            access: crate::token::AccessToken::new(t.access_token.secret().clone()),
            refresh: t.refresh_token.as_ref().map(|r| super::RefreshToken::new(r.secret().clone())),
            expires_in: t.expires_in.map(Duration::from_secs),
            scopes: t.scope,
        }),
        Err(RequestTokenError::Parse(_, body)) => {
            let message = super::twitch::error_message(400, &body);
            Err(LoopbackError::Exchange(OAuthError::Rejected { status: 400, message }))
        }
        Err(RequestTokenError::ServerResponse(e)) => {
            Err(LoopbackError::Exchange(OAuthError::Rejected {
                status: 400,
                message: e.error_description().cloned().unwrap_or_else(|| e.error().to_string()),
            }))
        }
        Err(RequestTokenError::Request(e)) => Err(LoopbackError::Exchange(OAuthError::Network {
            reason: e.to_string(),
            not_sent: false,
        })),
        Err(RequestTokenError::Other(e)) => {
            Err(LoopbackError::Exchange(OAuthError::BadResponse(e)))
        }
    };
    let page = match &result {
        Ok(_) => page(
            true,
            "You are signed in. You can close this tab and go back to Twitch Event Viewer.",
        ),
        Err(e) => page(false, &e.to_string()),
    };
    respond(&mut stream, 200, "OK", &page).await;
    result
}

/// Accepts connections until one valid (or fatally wrong) callback arrives. Each
/// connection is read in its own task, so an idle one (browsers open speculative
/// connections) cannot hold up the real callback; the first decisive callback wins and the
/// other connection tasks are aborted when this returns.
async fn wait_for_callback(
    listeners: &[TcpListener],
    expected_state: &[u8],
    redirect: &str,
    deadline: tokio::time::Instant,
    timeout: Duration,
    cancel: &CancellationToken,
) -> Result<(String, TcpStream), LoopbackError> {
    let expected: Arc<[u8]> = Arc::from(expected_state);
    let redirect: Arc<str> = Arc::from(redirect);
    let (tx, mut outcomes) = tokio::sync::mpsc::channel::<Handled>(4);
    let mut connections = tokio::task::JoinSet::new();
    // The open connections' tasks, oldest first.
    let mut open: std::collections::VecDeque<tokio::task::AbortHandle> = Default::default();
    // After a failed accept: when to try again, and the pause after the next failure.
    let (mut resume_at, mut pause) = (None::<tokio::time::Instant>, ACCEPT_PAUSE_MIN);
    loop {
        let accept = async {
            if let Some(at) = resume_at {
                tokio::time::sleep_until(at).await;
            }
            match listeners {
                [a] => a.accept().await,
                [a, b, ..] => tokio::select! { r = a.accept() => r, r = b.accept() => r },
                [] => std::future::pending().await,
            }
        };
        tokio::select! {
            biased;
            _ = cancel.cancelled() => return Err(LoopbackError::Cancelled),
            _ = tokio::time::sleep_until(deadline) => return Err(LoopbackError::Timeout(timeout)),
            Some(h) = outcomes.recv() => match h {
                Handled::Ignored => {}
                Handled::Code(code, stream) => return Ok((code, stream)),
                Handled::Failed(e) => return Err(e),
            },
            r = accept => match r {
                Ok((stream, _)) => {
                    (resume_at, pause) = (None, ACCEPT_PAUSE_MIN);
                    // Full (the newcomer counts): the connection that has waited longest
                    // makes room, its task ended and its socket closed before the newcomer's
                    // task starts, so no more than MAX_CONNECTIONS are ever open.
                    while open.len() + 1 >= MAX_CONNECTIONS {
                        let Some(oldest) = open.pop_front() else { break };
                        oldest.abort();
                        let gone = oldest.id();
                        while let Some(done) = connections.join_next_with_id().await {
                            let id = done.map_or_else(|e| e.id(), |(id, ())| id);
                            open.retain(|h| h.id() != id);
                            if id == gone {
                                break;
                            }
                        }
                    }
                    let (tx, expected, redirect) = (tx.clone(), expected.clone(), redirect.clone());
                    open.push_back(connections.spawn(async move {
                        let h = handle(stream, &expected, &redirect).await;
                        if !matches!(h, Handled::Ignored) {
                            let _ = tx.send(h).await;
                        }
                    }));
                }
                Err(e) => {
                    // Out of file descriptors (or another passing failure): the waiting
                    // connection makes `accept` fail again at once, so pause first.
                    tracing::warn!(error = %e, retry_in = ?pause, "accept failed");
                    resume_at = Some(tokio::time::Instant::now() + pause);
                    pause = (pause * 2).min(ACCEPT_PAUSE_MAX);
                }
            },
        }
        // Reap finished connection tasks so the set does not grow.
        while let Some(done) = connections.try_join_next_with_id() {
            let id = done.map_or_else(|e| e.id(), |(id, ())| id);
            open.retain(|h| h.id() != id);
        }
    }
}

/// The result of one connection.
enum Handled {
    /// Not this login's callback (wrong path/method/state, too large, unreadable): answered,
    /// keep waiting.
    Ignored,
    /// A valid callback; the stream gets the final page after the exchange.
    Code(String, TcpStream),
    /// A callback that ends the login (answered with the failure page).
    Failed(LoopbackError),
}

async fn handle(mut stream: TcpStream, expected_state: &[u8], redirect: &str) -> Handled {
    let head = match tokio::time::timeout(Duration::from_secs(10), read_head(&mut stream)).await {
        Ok(Ok(h)) => h,
        Ok(Err(HeadError::TooLarge)) => {
            respond(
                &mut stream,
                431,
                "Request Header Fields Too Large",
                &page(false, "Request too large."),
            )
            .await;
            return Handled::Ignored;
        }
        Ok(Err(HeadError::Io)) | Err(_) => return Handled::Ignored,
    };
    let mut parts = head.lines().next().unwrap_or("").split(' ');
    let (method, target) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    if path != CALLBACK_PATH {
        respond(&mut stream, 404, "Not Found", &page(false, "Not found.")).await;
        return Handled::Ignored;
    }
    if method != "GET" {
        respond(&mut stream, 405, "Method Not Allowed", &page(false, "Method not allowed.")).await;
        return Handled::Ignored;
    }
    let mut code = None;
    let mut state = None;
    let mut error = None;
    let mut description = String::new();
    for (k, v) in url::form_urlencoded::parse(query.as_bytes()) {
        match &*k {
            "code" => code = Some(v.into_owned()),
            "state" => state = Some(v.into_owned()),
            "error" => error = Some(v.into_owned()),
            "error_description" => description = v.into_owned(),
            _ => {}
        }
    }
    // Only this login's `state` makes a request its callback; anything else is a stranger's
    // (any web page can make the browser load this URL): refused, never shown in the app.
    let stranger = match &state {
        None => Some(LoopbackError::MissingState),
        Some(s) if !bool::from(s.as_bytes().ct_eq(expected_state)) => {
            Some(LoopbackError::StateMismatch)
        }
        Some(_) => None,
    };
    if let Some(e) = stranger {
        tracing::warn!(error = %e, "a request to the login callback was refused");
        respond(&mut stream, 400, "Bad Request", &page(false, &e.to_string())).await;
        return Handled::Ignored;
    }
    let description = shown(&description);
    let outcome = match (error.as_deref().map(shown), code) {
        (Some(e), _) => Err(match e.as_str() {
            "access_denied" => LoopbackError::Denied(if description.is_empty() {
                "the user denied access".into()
            } else {
                description
            }),
            "redirect_mismatch" => {
                LoopbackError::RedirectMismatch { redirect_uri: redirect.to_string() }
            }
            _ => LoopbackError::Twitch { error: e, description },
        }),
        (None, Some(c)) if !c.is_empty() => Ok(c),
        (None, _) => Err(LoopbackError::MissingCode),
    };
    match outcome {
        Ok(code) => Handled::Code(code, stream),
        Err(e) => {
            tracing::warn!(error = %e, "loopback callback refused");
            respond(&mut stream, 400, "Bad Request", &page(false, &e.to_string())).await;
            Handled::Failed(e)
        }
    }
}

/// Text from the callback as the app may show it: control characters removed, cut to
/// [`MAX_DESCRIPTION_CHARS`] characters.
fn shown(text: &str) -> String {
    text.chars().filter(|c| !c.is_control()).take(MAX_DESCRIPTION_CHARS).collect()
}

enum HeadError {
    TooLarge,
    Io,
}

async fn read_head(stream: &mut TcpStream) -> Result<String, HeadError> {
    let mut buf = Vec::with_capacity(1024);
    let mut chunk = [0u8; 1024];
    loop {
        let n = stream.read(&mut chunk).await.map_err(|_| HeadError::Io)?;
        if n == 0 {
            return Err(HeadError::Io);
        }
        buf.extend_from_slice(&chunk[..n]);
        if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            buf.truncate(end);
            return String::from_utf8(buf).map_err(|_| HeadError::Io);
        }
        if buf.len() > MAX_REQUEST_BYTES {
            return Err(HeadError::TooLarge);
        }
    }
}

async fn respond(stream: &mut TcpStream, status: u16, reason: &str, body: &str) {
    let allow = if status == 405 { "Allow: GET\r\n" } else { "" };
    let head = format!(
        "HTTP/1.1 {status} {reason}\r\nContent-Type: text/html; charset=utf-8\r\n\
         Content-Length: {}\r\nCache-Control: no-store\r\nReferrer-Policy: no-referrer\r\n\
         Content-Security-Policy: default-src 'none'; style-src 'unsafe-inline'\r\n\
         {allow}Connection: close\r\n\r\n",
        body.len()
    );
    let _ = stream.write_all(head.as_bytes()).await;
    let _ = stream.write_all(body.as_bytes()).await;
    let _ = stream.shutdown().await;
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// The small branded page the browser shows after the redirect.
fn page(ok: bool, message: &str) -> String {
    let (title, colour) = if ok { ("Signed in", "#9146ff") } else { ("Sign-in failed", "#d22") };
    format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Twitch Event \
         Viewer — {title}</title><style>body{{font-family:system-ui,sans-serif;background:#18181b;\
         color:#efeff1;display:flex;align-items:center;justify-content:center;height:100vh;\
         margin:0}}main{{max-width:32em;padding:2em;border-top:4px solid {colour};background:\
         #1f1f23;border-radius:8px}}h1{{margin-top:0}}</style></head><body><main><h1>{title}</h1>\
         <p>{}</p><p><small>Twitch Event Viewer</small></p></main></body></html>",
        escape(message)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_page_escapes_messages() {
        let p = page(false, "<script>x</script>");
        assert!(p.contains("&lt;script&gt;") && !p.contains("<script>"));
        assert!(page(true, "ok").contains("Signed in"));
    }

    #[test]
    fn redirect_uri_is_the_registered_shape() {
        assert_eq!(redirect_uri(17563), "http://localhost:17563/callback");
    }

    #[tokio::test]
    async fn port_in_use_names_the_port_and_the_fix() {
        let taken = TcpListener::bind(("127.0.0.1", 0)).await.expect("bind");
        let port = taken.local_addr().expect("addr").port();
        let err = bind(port).await.expect_err("in use");
        assert_eq!(err, LoopbackError::PortInUse { port });
        let msg = err.to_string();
        assert!(msg.contains(&port.to_string()) && msg.contains("--port"), "{msg}");
    }
}
