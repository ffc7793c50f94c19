//! `id.twitch.tv` stand-in: `/oauth2/{authorize,token,device,validate,revoke}` and the
//! device flow's `/activate` page (docs/twitch.md §3).

use std::time::Duration;

use axum::Router;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde_json::json;

use crate::embed::esc;
use crate::world::{
    AuthCode, ClientType, DeviceCode, DeviceState, Shared, World, first, parse_pairs, random_token,
    split_scopes, user_code,
};

/// The device-code grant type (docs/twitch.md §3.2 step 2).
const DEVICE_GRANT: &str = "urn:ietf:params:oauth:grant-type:device_code";

/// OAuth errors, answered as Twitch's `{"status":N,"message":"..."}` bodies (docs/twitch.md §3).
#[derive(Debug, thiserror::Error)]
pub enum OAuthError {
    /// 400 with Twitch's message (e.g. "authorization_pending", "Invalid refresh token").
    #[error("{0}")]
    BadRequest(String),
    /// 401 (validate).
    #[error("{0}")]
    Unauthorized(String),
    /// 403 (bad client secret).
    #[error("{0}")]
    Forbidden(String),
    /// 404 (revoke with an unknown client).
    #[error("{0}")]
    NotFound(String),
}

impl IntoResponse for OAuthError {
    fn into_response(self) -> Response {
        let status = match &self {
            OAuthError::BadRequest(_) => StatusCode::BAD_REQUEST,
            OAuthError::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            OAuthError::Forbidden(_) => StatusCode::FORBIDDEN,
            OAuthError::NotFound(_) => StatusCode::NOT_FOUND,
        };
        let body = json!({"status": status.as_u16(), "message": self.to_string()});
        (status, axum::Json(body)).into_response()
    }
}

fn bad(m: &str) -> OAuthError {
    OAuthError::BadRequest(m.to_string())
}

/// Routes of this module.
pub fn routes() -> Router<Shared> {
    Router::new()
        .route("/oauth2/authorize", get(authorize_page).post(authorize_decide))
        .route("/oauth2/token", post(token))
        .route("/oauth2/device", post(device))
        .route("/oauth2/validate", get(validate))
        .route("/oauth2/revoke", post(revoke))
        .route("/activate", get(activate_page).post(activate_submit))
}

/// Query string and form body merged: Twitch accepts the token endpoint's parameters in either.
fn params(query: Option<String>, body: &str) -> Vec<(String, String)> {
    let mut p = parse_pairs(query.as_deref().unwrap_or(""));
    p.extend(parse_pairs(body));
    p
}

/// Appends query pairs to a redirect URI.
fn with_query(base: &str, pairs: &[(&str, &str)]) -> String {
    match url::Url::parse(base) {
        Ok(mut u) => {
            {
                let mut q = u.query_pairs_mut();
                for (k, v) in pairs {
                    q.append_pair(k, v);
                }
            }
            u.to_string()
        }
        Err(_) => base.to_string(),
    }
}

/// Outcome of checking an authorize request.
enum AuthorizeCheck {
    /// Fine: client id, redirect URI, scopes, state.
    Ok { client_id: String, redirect_uri: String, scopes: Vec<String>, state: Option<String> },
    /// Answer right away (error redirect or error body).
    Answer(Response),
}

/// Validates client and redirect URI (docs/twitch.md §3.3: exact match, mismatch goes to the
/// first registered URI with `error=redirect_mismatch`, never to the unregistered one).
fn check_authorize(w: &World, p: &[(String, String)]) -> AuthorizeCheck {
    let client_id = first(p, "client_id").unwrap_or("");
    let Some(client) = w.clients.get(client_id) else {
        return AuthorizeCheck::Answer(bad("invalid client").into_response());
    };
    let state = first(p, "state").map(str::to_string);
    let redirect_uri = first(p, "redirect_uri").unwrap_or("");
    if !client.redirect_uris.iter().any(|r| r == redirect_uri) {
        let Some(registered) = client.redirect_uris.first() else {
            return AuthorizeCheck::Answer(bad("invalid redirect_uri").into_response());
        };
        let mut q = vec![
            ("error", "redirect_mismatch"),
            ("error_description", "Parameter redirect_uri does not match registered URI"),
        ];
        if let Some(s) = &state {
            q.push(("state", s));
        }
        return AuthorizeCheck::Answer(Redirect::to(&with_query(registered, &q)).into_response());
    }
    if first(p, "response_type") != Some("code") {
        let mut q = vec![
            ("error", "unsupported_response_type"),
            ("error_description", "the simulator supports response_type=code only"),
        ];
        if let Some(s) = &state {
            q.push(("state", s));
        }
        return AuthorizeCheck::Answer(Redirect::to(&with_query(redirect_uri, &q)).into_response());
    }
    AuthorizeCheck::Ok {
        client_id: client_id.to_string(),
        redirect_uri: redirect_uri.to_string(),
        scopes: split_scopes(first(p, "scope").unwrap_or("")),
        state,
    }
}

/// Issues a code and builds the success redirect.
fn approve_redirect(
    w: &mut World,
    client_id: &str,
    user_id: &str,
    redirect_uri: &str,
    scopes: &[String],
    state: Option<&str>,
) -> Response {
    let code = random_token(30);
    let expires_at = w.now() + Duration::from_secs(600);
    w.auth_codes.insert(
        code.clone(),
        AuthCode {
            client_id: client_id.into(),
            user_id: user_id.into(),
            scopes: scopes.to_vec(),
            redirect_uri: redirect_uri.into(),
            expires_at,
        },
    );
    let scope = scopes.join(" ");
    let mut q = vec![("code", code.as_str()), ("scope", scope.as_str())];
    if let Some(s) = state {
        q.push(("state", s));
    }
    Redirect::to(&with_query(redirect_uri, &q)).into_response()
}

fn deny_redirect(redirect_uri: &str, state: Option<&str>) -> Response {
    let mut q =
        vec![("error", "access_denied"), ("error_description", "The user denied you access")];
    if let Some(s) = state {
        q.push(("state", s));
    }
    Redirect::to(&with_query(redirect_uri, &q)).into_response()
}

/// `GET /oauth2/authorize`: the consent page, or straight back with a code when auto-approve
/// is on (`auto_approve` in `/_sim/config`).
async fn authorize_page(State(sim): State<Shared>, RawQuery(q): RawQuery) -> Response {
    let p = parse_pairs(q.as_deref().unwrap_or(""));
    let mut w = sim.world();
    let (client_id, redirect_uri, scopes, state) = match check_authorize(&w, &p) {
        AuthorizeCheck::Answer(r) => return r,
        AuthorizeCheck::Ok { client_id, redirect_uri, scopes, state } => {
            (client_id, redirect_uri, scopes, state)
        }
    };
    if let Some(login) = w.config.auto_approve.clone()
        && let Some(uid) = w.user_by_login(&login).map(|u| u.id.clone())
    {
        return approve_redirect(
            &mut w,
            &client_id,
            &uid,
            &redirect_uri,
            &scopes,
            state.as_deref(),
        );
    }
    let options: String = w
        .users
        .iter()
        .map(|u| {
            let sel = if u.login == "sim_viewer" { " selected" } else { "" };
            format!("<option value=\"{}\"{sel}>{}</option>", esc(&u.login), esc(&u.display_name))
        })
        .collect();
    let scope_items: String =
        scopes.iter().map(|s| format!("<li><code>{}</code></li>", esc(s))).collect();
    let hidden: String = p
        .iter()
        .filter(|(k, _)| {
            matches!(k.as_str(), "client_id" | "redirect_uri" | "scope" | "state" | "response_type")
        })
        .map(|(k, v)| format!("<input type=\"hidden\" name=\"{}\" value=\"{}\">", esc(k), esc(v)))
        .collect();
    Html(format!(
        r#"<!doctype html><html><head><meta charset="utf-8"><title>Authorize — Simulated Twitch</title>
<style>body{{background:#0e0e10;color:#efeff1;font-family:sans-serif;display:flex;justify-content:center;padding-top:60px}}
form{{background:#18181b;padding:24px;border-radius:8px;width:380px}}button{{padding:8px 18px;margin-right:8px;border:0;border-radius:4px;cursor:pointer}}
#authorize{{background:#9147ff;color:#fff}}</style></head><body>
<form method="post" action="/oauth2/authorize" id="consent">
<h2>Simulated Twitch</h2>
<p><b>{client}</b> would like to access your account.</p>
<ul>{scope_items}</ul>
<label>Log in as <select name="login" id="login">{options}</select></label>
{hidden}
<p><button type="submit" name="decision" value="authorize" id="authorize">Authorize</button>
<button type="submit" name="decision" value="deny" id="deny">Deny</button></p>
</form></body></html>"#,
        client = esc(&client_id),
    ))
    .into_response()
}

/// `POST /oauth2/authorize`: the consent form's Authorize/Deny.
async fn authorize_decide(
    State(sim): State<Shared>,
    RawQuery(q): RawQuery,
    body: String,
) -> Response {
    let p = params(q, &body);
    let mut w = sim.world();
    let (client_id, redirect_uri, scopes, state) = match check_authorize(&w, &p) {
        AuthorizeCheck::Answer(r) => return r,
        AuthorizeCheck::Ok { client_id, redirect_uri, scopes, state } => {
            (client_id, redirect_uri, scopes, state)
        }
    };
    if first(&p, "decision") != Some("authorize") {
        return deny_redirect(&redirect_uri, state.as_deref());
    }
    let login = first(&p, "login").unwrap_or("sim_viewer");
    let Some(uid) = w.user_by_login(login).map(|u| u.id.clone()) else {
        return bad("unknown user").into_response();
    };
    approve_redirect(&mut w, &client_id, &uid, &redirect_uri, &scopes, state.as_deref())
}

/// Checks the client's secret (docs/twitch.md §3.1, §3.2 step 4). `required` is true for grants
/// that always need it (authorization code, client credentials).
fn check_secret(
    w: &World,
    client_id: &str,
    secret: Option<&str>,
    required: bool,
) -> Result<ClientType, OAuthError> {
    let client = w.clients.get(client_id).ok_or_else(|| bad("invalid client"))?;
    match (&client.secret, secret) {
        (Some(expected), Some(given)) if expected == given => Ok(client.kind),
        (_, Some(_)) => Err(OAuthError::Forbidden("invalid client secret".into())),
        (Some(_), None) => Err(bad("missing client secret")),
        (None, None) if required => Err(bad("missing client secret")),
        (None, None) => Ok(client.kind),
    }
}

fn token_body(access: &str, refresh: Option<&str>, expires_in: u64, scopes: &[String]) -> Response {
    let mut body = json!({
        "access_token": access,
        "expires_in": expires_in,
        "scope": scopes,
        "token_type": "bearer",
    });
    if let Some(r) = refresh {
        body["refresh_token"] = json!(r);
    }
    axum::Json(body).into_response()
}

/// `POST /oauth2/token`: authorization_code, device_code, refresh_token, client_credentials.
async fn token(
    State(sim): State<Shared>,
    RawQuery(q): RawQuery,
    body: String,
) -> Result<Response, OAuthError> {
    let p = params(q, &body);
    let client_id = first(&p, "client_id").unwrap_or("").to_string();
    let secret = first(&p, "client_secret").filter(|s| !s.is_empty());
    let mut w = sim.world();
    if !w.clients.contains_key(&client_id) {
        return Err(bad("invalid client"));
    }
    match first(&p, "grant_type").unwrap_or("") {
        "authorization_code" => {
            // docs/twitch.md §3.1: no PKCE; public clients cannot use this grant.
            check_secret(&w, &client_id, secret, true)?;
            let code = first(&p, "code").unwrap_or("");
            let now = w.now();
            let Some(c) = w.auth_codes.remove(code) else {
                return Err(bad("Invalid authorization code"));
            };
            if c.client_id != client_id || c.expires_at <= now {
                return Err(bad("Invalid authorization code"));
            }
            if first(&p, "redirect_uri") != Some(c.redirect_uri.as_str()) {
                return Err(bad("Parameter redirect_uri does not match registered URI"));
            }
            let auth = w.grant(&client_id, &c.user_id, &c.scopes);
            let (a, r, e) =
                w.issue_tokens(&client_id, Some(auth), Some(c.user_id.clone()), c.scopes.clone());
            Ok(token_body(&a, r.as_deref(), e, &c.scopes))
        }
        DEVICE_GRANT => {
            // Device flow works without a secret for both client types (docs/twitch.md §3.1).
            if secret.is_some() {
                check_secret(&w, &client_id, secret, false)?;
            }
            let device_code = first(&p, "device_code").unwrap_or("").to_string();
            let now = w.now();
            let auto = w
                .config
                .auto_approve
                .clone()
                .and_then(|l| w.user_by_login(&l).map(|u| u.id.clone()));
            let invalid_first = w.config.device_invalid_while_pending;
            let Some(d) = w.device_codes.get_mut(&device_code) else {
                return Err(bad("invalid device code"));
            };
            if d.client_id != client_id || d.expires_at <= now {
                w.device_codes.remove(&device_code);
                return Err(bad("invalid device code"));
            }
            d.polls += 1;
            // Twitch was seen answering `invalid device code` to polls of a code the user had
            // not approved yet (https://github.com/twitchdev/issues/issues/971): the code
            // stays pending and works once approved.
            if d.state == DeviceState::Pending && d.polls <= invalid_first {
                return Err(bad("invalid device code"));
            }
            if d.state == DeviceState::Pending
                && let Some(uid) = auto
            {
                d.state = DeviceState::Approved(uid);
            }
            match d.state.clone() {
                DeviceState::Pending => Err(bad("authorization_pending")),
                DeviceState::Denied => {
                    w.device_codes.remove(&device_code);
                    Err(bad("access_denied"))
                }
                DeviceState::Approved(uid) => {
                    let scopes = d.scopes.clone();
                    w.device_codes.remove(&device_code);
                    let auth = w.grant(&client_id, &uid, &scopes);
                    let (a, r, e) =
                        w.issue_tokens(&client_id, Some(auth), Some(uid), scopes.clone());
                    Ok(token_body(&a, r.as_deref(), e, &scopes))
                }
            }
        }
        "refresh_token" => {
            // docs/twitch.md §3.2 step 4: public clients refresh without a secret; confidential
            // ones need it.
            let kind = check_secret(&w, &client_id, secret, false)?;
            let value = first(&p, "refresh_token").unwrap_or("").to_string();
            let now = w.now();
            let Some(rt) = w.refresh_tokens.get(&value).cloned() else {
                return Err(bad("Invalid refresh token"));
            };
            let Some(auth) = w.authorizations.get(&rt.auth_id).cloned() else {
                return Err(bad("Invalid refresh token"));
            };
            if auth.client_id != client_id || auth.revoked || rt.expires_at <= now {
                return Err(bad("Invalid refresh token"));
            }
            if rt.spent {
                // A spent token came back: end the whole grant, subscriptions included
                // (docs/twitch.md §3.2 "Danger", pitfall 12).
                tracing::info!(
                    client_id,
                    user_id = auth.user_id,
                    "spent refresh token reused; revoking authorization"
                );
                w.revoke_authorization(auth.id);
                w.counters.reuse_revocations += 1;
                return Err(bad("Invalid refresh token"));
            }
            w.counters.refreshes += 1;
            let (a, _, e) =
                w.issue_tokens(&client_id, None, Some(auth.user_id.clone()), auth.scopes.clone());
            if let Some(t) = w.access_tokens.get_mut(&a) {
                t.auth_id = Some(auth.id);
            }
            let refresh = if kind == ClientType::Public {
                // Rotate: the old one is spent, a new one is issued.
                if let Some(old) = w.refresh_tokens.get_mut(&value) {
                    old.spent = true;
                }
                let r = random_token(50);
                w.refresh_tokens.insert(
                    r.clone(),
                    crate::world::RefreshToken {
                        auth_id: auth.id,
                        spent: false,
                        expires_at: now + Duration::from_secs(crate::world::REFRESH_TOKEN_SECS),
                    },
                );
                r
            } else {
                value
            };
            Ok(token_body(&a, Some(&refresh), e, &auth.scopes))
        }
        "client_credentials" => {
            let kind = check_secret(&w, &client_id, secret, true)?;
            if kind == ClientType::Public {
                return Err(bad("invalid client"));
            }
            let (a, _, e) = w.issue_tokens(&client_id, None, None, Vec::new());
            Ok(axum::Json(json!({"access_token": a, "expires_in": e, "token_type": "bearer"}))
                .into_response())
        }
        "" => Err(bad("missing grant_type")),
        _ => Err(bad("unsupported grant type")),
    }
}

/// `POST /oauth2/device` with `client_id` and `scopes` (plural, docs/twitch.md §3.2 step 1).
async fn device(
    State(sim): State<Shared>,
    RawQuery(q): RawQuery,
    body: String,
) -> Result<Response, OAuthError> {
    let p = params(q, &body);
    let client_id = first(&p, "client_id").unwrap_or("").to_string();
    let mut w = sim.world();
    if !w.clients.contains_key(&client_id) {
        return Err(bad("invalid client"));
    }
    // Twitch names the parameter `scopes`; a client sending `scope` is wrong (docs/twitch.md §3.2).
    let Some(scopes) = first(&p, "scopes") else { return Err(bad("missing scopes")) };
    let scopes = split_scopes(scopes);
    let device_code = random_token(40);
    let code = user_code();
    let lifetime = w.config.device_code_secs;
    let interval = w.config.device_interval_secs;
    let expires_at = w.now() + Duration::from_secs(lifetime);
    w.device_codes.insert(
        device_code.clone(),
        DeviceCode {
            user_code: code.clone(),
            client_id,
            scopes,
            state: DeviceState::Pending,
            expires_at,
            polls: 0,
        },
    );
    let verification_uri = format!("{}/activate?device-code={}", w.base_url, code);
    Ok(axum::Json(json!({
        "device_code": device_code,
        "expires_in": lifetime,
        "interval": interval,
        "user_code": code,
        "verification_uri": verification_uri,
    }))
    .into_response())
}

/// `GET /oauth2/validate` with `Authorization: OAuth <token>` (docs/twitch.md §3.4).
async fn validate(State(sim): State<Shared>, headers: HeaderMap) -> Result<Response, OAuthError> {
    let auth = headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()).unwrap_or("");
    let token = auth.strip_prefix("OAuth ").map(str::trim);
    let Some(token) = token.filter(|t| !t.is_empty()) else {
        return Err(OAuthError::Unauthorized("missing authorization token".into()));
    };
    let w = sim.world();
    let now = w.now();
    let t = w
        .access_tokens
        .get(token)
        .filter(|t| t.expires_at > now)
        .ok_or_else(|| OAuthError::Unauthorized("invalid access token".into()))?;
    let expires_in = t.expires_at.saturating_duration_since(now).as_secs();
    let mut body = json!({"client_id": t.client_id, "scopes": t.scopes, "expires_in": expires_in});
    if let Some(u) = t.user_id.as_deref().and_then(|id| w.user_by_id(id)) {
        body["login"] = json!(u.login);
        body["user_id"] = json!(u.id);
    }
    Ok(axum::Json(body).into_response())
}

/// `POST /oauth2/revoke` with `client_id` and `token` (docs/twitch.md §3.4).
async fn revoke(
    State(sim): State<Shared>,
    RawQuery(q): RawQuery,
    body: String,
) -> Result<Response, OAuthError> {
    let p = params(q, &body);
    let client_id = first(&p, "client_id").unwrap_or("");
    let token = first(&p, "token").unwrap_or("");
    let mut w = sim.world();
    if !w.clients.contains_key(client_id) {
        return Err(OAuthError::NotFound("client does not exist".into()));
    }
    if w.access_tokens.get(token).is_some_and(|t| t.client_id == client_id) {
        w.access_tokens.remove(token);
        return Ok(StatusCode::OK.into_response());
    }
    let owned_refresh = w
        .refresh_tokens
        .get(token)
        .and_then(|r| w.authorizations.get(&r.auth_id))
        .is_some_and(|a| a.client_id == client_id);
    if owned_refresh {
        w.refresh_tokens.remove(token);
        return Ok(StatusCode::OK.into_response());
    }
    Err(bad("Invalid token"))
}

/// `GET /activate?device-code=<user_code>`: the page the user confirms the code on.
async fn activate_page(State(sim): State<Shared>, RawQuery(q): RawQuery) -> Response {
    let p = parse_pairs(q.as_deref().unwrap_or(""));
    let code = first(&p, "device-code").unwrap_or("");
    let w = sim.world();
    let options: String = w
        .users
        .iter()
        .map(|u| {
            let sel = if u.login == "sim_viewer" { " selected" } else { "" };
            format!("<option value=\"{}\"{sel}>{}</option>", esc(&u.login), esc(&u.display_name))
        })
        .collect();
    Html(format!(
        r#"<!doctype html><html><head><meta charset="utf-8"><title>Activate — Simulated Twitch</title>
<style>body{{background:#0e0e10;color:#efeff1;font-family:sans-serif;display:flex;justify-content:center;padding-top:60px}}
form{{background:#18181b;padding:24px;border-radius:8px;width:380px}}input,select{{margin:6px 0;padding:6px}}
button{{padding:8px 18px;margin-right:8px;border:0;border-radius:4px;cursor:pointer}}#approve{{background:#9147ff;color:#fff}}</style></head><body>
<form method="post" action="/activate" id="activate">
<h2>Activate your device</h2>
<p>Simulated Twitch. Check that the code matches the one the app shows.</p>
<label>Code <input name="user_code" id="user_code" value="{code}"></label><br>
<label>Log in as <select name="login" id="login">{options}</select></label>
<p><button type="submit" name="decision" value="authorize" id="approve">Authorize</button>
<button type="submit" name="decision" value="deny" id="deny">Deny</button></p>
</form></body></html>"#,
        code = esc(code),
    ))
    .into_response()
}

/// `POST /activate` form: `user_code`, `login`, `decision` (the simulator's own page).
async fn activate_submit(State(sim): State<Shared>, body: String) -> Response {
    let p = parse_pairs(&body);
    let code = first(&p, "user_code").unwrap_or("").trim().to_ascii_uppercase();
    let login = first(&p, "login").unwrap_or("sim_viewer").to_string();
    let approve = first(&p, "decision") == Some("authorize");
    let mut w = sim.world();
    let now = w.now();
    let Some(uid) = w.user_by_login(&login).map(|u| u.id.clone()) else {
        return (
            StatusCode::BAD_REQUEST,
            Html(page("Unknown user", "No such user in the simulator.")),
        )
            .into_response();
    };
    let Some(d) = w.device_codes.values_mut().find(|d| d.user_code == code && d.expires_at > now)
    else {
        return (
            StatusCode::BAD_REQUEST,
            Html(page("Invalid code", "That code is unknown or expired.")),
        )
            .into_response();
    };
    if d.state != DeviceState::Pending {
        return (
            StatusCode::BAD_REQUEST,
            Html(page("Code already used", "This code was already handled.")),
        )
            .into_response();
    }
    if approve {
        d.state = DeviceState::Approved(uid);
        Html(page("Success!", "Your device is connected. You can close this window."))
            .into_response()
    } else {
        d.state = DeviceState::Denied;
        Html(page("Denied", "You denied access. You can close this window.")).into_response()
    }
}

fn page(title: &str, text: &str) -> String {
    format!(
        "<!doctype html><html><head><meta charset=\"utf-8\"><title>{t}</title></head>\
<body style=\"background:#0e0e10;color:#efeff1;font-family:sans-serif;text-align:center;padding-top:80px\">\
<h2 id=\"result\">{t}</h2><p>{x}</p></body></html>",
        t = esc(title),
        x = esc(text)
    )
}
