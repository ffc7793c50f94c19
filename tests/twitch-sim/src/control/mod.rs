//! The control API (`/_sim/*`): settings, applications, users, events, session faults and a state
//! dump (docs/testing.md "The Twitch simulator"; every call in the README). JSON in, JSON out.

mod inspect;
mod sessions;

use std::collections::BTreeSet;
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::{Value, json};

use crate::world::{Client, ClientType, Shared, User, World};
use inspect::{add_fault, clear_faults, list_faults, log, token_lookup};
use sessions::{
    list_sessions, session_close, session_cut_off, session_drop, session_duplicate, session_flush,
    session_keepalive, session_reconnect, session_send, sessions_json, sub_revoke,
};

/// Control API errors: `{"error": "..."}` with 400, 404 or 410.
#[derive(Debug, thiserror::Error)]
pub enum ControlError {
    /// The request body or a field is wrong.
    #[error("{0}")]
    BadRequest(String),
    /// No such session, subscription, user, client or token.
    #[error("{0}")]
    NotFound(String),
    /// The session ended before the call could finish (a flush).
    #[error("{0}")]
    Gone(String),
}

impl IntoResponse for ControlError {
    fn into_response(self) -> Response {
        let status = match self {
            ControlError::BadRequest(_) => StatusCode::BAD_REQUEST,
            ControlError::NotFound(_) => StatusCode::NOT_FOUND,
            ControlError::Gone(_) => StatusCode::GONE,
        };
        (status, axum::Json(json!({"error": self.to_string()}))).into_response()
    }
}

/// Longest setting in seconds: ten years.
const MAX_SECS: u64 = 10 * 365 * 24 * 3600;
/// Longest setting in milliseconds: one day.
const MAX_MS: u64 = 24 * 3600 * 1000;

fn bad(m: impl Into<String>) -> ControlError {
    ControlError::BadRequest(m.into())
}

/// Routes of this module.
pub fn routes() -> Router<Shared> {
    Router::new()
        .route("/_sim/config", get(get_config).post(set_config))
        .route("/_sim/clock", post(clock))
        .route("/_sim/clients", get(list_clients).post(add_client))
        .route("/_sim/users", get(list_users).post(upsert_user))
        .route("/_sim/tokens", post(mint_token))
        .route("/_sim/authorizations/revoke", post(revoke_grants))
        .route("/_sim/events", post(events))
        .route("/_sim/sessions/{id}/reconnect", post(session_reconnect))
        .route("/_sim/sessions/{id}/close", post(session_close))
        .route("/_sim/sessions/{id}/keepalive", post(session_keepalive))
        .route("/_sim/sessions/{id}/drop", post(session_drop))
        .route("/_sim/sessions/{id}/duplicate-next", post(session_duplicate))
        // A raw frame may be larger than axum's 2 MB default body: a test sends frames bigger
        // than any EventSub message to check a client's size cap.
        .route(
            "/_sim/sessions/{id}/send",
            post(session_send).layer(axum::extract::DefaultBodyLimit::max(SEND_BODY_LIMIT)),
        )
        .route("/_sim/sessions/{id}/cut-off-on-close", post(session_cut_off))
        .route("/_sim/sessions/{id}/flush", post(session_flush))
        .route("/_sim/sessions", get(list_sessions))
        .route("/_sim/subscriptions/{id}/revoke", post(sub_revoke))
        .route("/_sim/faults", get(list_faults).post(add_fault).delete(clear_faults))
        .route("/_sim/log", get(log))
        .route("/_sim/tokens/lookup", post(token_lookup))
        .route("/_sim/state", get(state))
}

/// The largest body of `POST /_sim/sessions/{id}/send`.
const SEND_BODY_LIMIT: usize = 16 * 1024 * 1024;

/// Parses a JSON body; an empty body is `{}`.
fn body_json(b: &Bytes) -> Result<Value, ControlError> {
    if b.iter().all(u8::is_ascii_whitespace) {
        return Ok(json!({}));
    }
    let v: Value = serde_json::from_slice(b).map_err(|e| bad(format!("invalid JSON: {e}")))?;
    if !v.is_object() {
        return Err(bad("expected a JSON object"));
    }
    Ok(v)
}

fn opt_u64(v: &Value, key: &str) -> Result<Option<u64>, ControlError> {
    match v.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(x) => {
            x.as_u64().map(Some).ok_or_else(|| bad(format!("{key} must be a non-negative integer")))
        }
    }
}

fn config_json(w: &World) -> Value {
    serde_json::to_value(&w.config).unwrap_or_default()
}

async fn get_config(State(sim): State<Shared>) -> Response {
    axum::Json(config_json(&sim.world())).into_response()
}

/// `POST /_sim/config`: any subset of the settings. `auto_approve: null` turns it off.
async fn set_config(State(sim): State<Shared>, b: Bytes) -> Result<Response, ControlError> {
    let v = body_json(&b)?;
    let mut w = sim.world();
    // Validate everything before changing anything.
    let access = opt_u64(&v, "access_token_secs")?.or(opt_u64(&v, "token_lifetime_secs")?);
    let device = opt_u64(&v, "device_code_secs")?;
    let interval = opt_u64(&v, "device_interval_secs")?;
    let bucket = opt_u64(&v, "rate_limit_bucket")?;
    let grace = opt_u64(&v, "reconnect_grace_ms")?;
    let ping = opt_u64(&v, "ping_interval_ms")?;
    let max_cost = opt_u64(&v, "max_total_cost")?;
    let welcome_keepalive = opt_u64(&v, "welcome_keepalive_secs")?;
    let subscribe_delay = opt_u64(&v, "subscribe_delay_ms")?;
    let welcome_delay = opt_u64(&v, "successor_welcome_delay_ms")?;
    let invalid_while_pending = opt_u64(&v, "device_invalid_while_pending")?;
    let empty_bucket = opt_u64(&v, "empty_bucket_after_welcome_ms")?;
    let flag = |name: &str| match v.get(name) {
        None => Ok(None),
        Some(Value::Bool(b)) => Ok(Some(*b)),
        Some(_) => Err(bad(format!("{name} must be true or false"))),
    };
    let helix_nulls = flag("helix_nulls")?;
    let keeps_session_id = flag("reconnect_keeps_session_id")?;
    let same_condition = flag("same_condition_on_other_sessions")?;
    let page_size = match v.get("helix_page_size") {
        None => None,
        Some(Value::Null) => Some(None),
        Some(x) => match x.as_u64().filter(|n| (1..=100).contains(n)) {
            Some(n) => Some(Some(n)),
            None => return Err(bad("helix_page_size must be 1..=100 or null")),
        },
    };
    if max_cost.is_some_and(|c| c > 100_000) {
        return Err(bad("max_total_cost must be at most 100000"));
    }
    if welcome_keepalive.is_some_and(|k| !(1..=600).contains(&k)) {
        return Err(bad("welcome_keepalive_secs must be 1..=600"));
    }
    let auto = match v.get("auto_approve") {
        None => None,
        Some(Value::Null) => Some(None),
        Some(Value::String(s)) => Some(Some(s.clone())),
        Some(_) => return Err(bad("auto_approve must be a login or null")),
    };
    let keepalive = v
        .get("keepalive_ms")
        .map(|x| if x.is_null() { Ok(None) } else { x.as_u64().map(Some).ok_or(()) });
    let unused = v
        .get("unused_timeout_ms")
        .map(|x| if x.is_null() { Ok(None) } else { x.as_u64().map(Some).ok_or(()) });
    if matches!(keepalive, Some(Err(()))) || matches!(unused, Some(Err(()))) {
        return Err(bad("keepalive_ms / unused_timeout_ms must be integers or null"));
    }
    if bucket == Some(0) {
        return Err(bad("rate_limit_bucket must be at least 1"));
    }
    // Bounds keep instant arithmetic far from overflow (no panics on silly input).
    if access.into_iter().chain(device).chain(interval).any(|x| x > MAX_SECS) {
        return Err(bad(format!("durations in seconds must be at most {MAX_SECS}")));
    }
    let ms_values = [
        grace,
        ping,
        subscribe_delay,
        welcome_delay,
        empty_bucket,
        keepalive.and_then(|k| k.ok().flatten()),
        unused.and_then(|u| u.ok().flatten()),
    ];
    if ms_values.into_iter().flatten().any(|x| x > MAX_MS) {
        return Err(bad(format!("durations in milliseconds must be at most {MAX_MS}")));
    }
    if let Some(Some(login)) = &auto
        && w.user_by_login(login).is_none()
    {
        return Err(bad(format!("auto_approve: no user {login}")));
    }
    let c = &mut w.config;
    if let Some(a) = access {
        c.access_token_secs = a;
    }
    if let Some(d) = device {
        c.device_code_secs = d;
    }
    if let Some(i) = interval {
        c.device_interval_secs = i;
    }
    if let Some(b) = bucket {
        c.rate_limit_bucket = u32::try_from(b).unwrap_or(u32::MAX);
    }
    if let Some(g) = grace {
        c.reconnect_grace_ms = g;
    }
    if let Some(p) = ping {
        c.ping_interval_ms = p.max(10);
    }
    if let Some(Ok(k)) = keepalive {
        c.keepalive_ms = k;
    }
    if let Some(Ok(u)) = unused {
        c.unused_timeout_ms = u;
    }
    if let Some(a) = auto {
        c.auto_approve = a;
    }
    if let Some(m) = max_cost {
        c.max_total_cost = u32::try_from(m).unwrap_or(u32::MAX);
    }
    if let Some(k) = welcome_keepalive {
        c.welcome_keepalive_secs = k;
    }
    if let Some(d) = subscribe_delay {
        c.subscribe_delay_ms = d;
    }
    if let Some(d) = welcome_delay {
        c.successor_welcome_delay_ms = d;
    }
    if let Some(p) = page_size {
        c.helix_page_size = p;
    }
    if let Some(n) = invalid_while_pending {
        c.device_invalid_while_pending = n;
    }
    if let Some(n) = helix_nulls {
        c.helix_nulls = n;
    }
    if let Some(ms) = empty_bucket {
        c.empty_bucket_after_welcome_ms = ms;
    }
    if let Some(k) = keeps_session_id {
        c.reconnect_keeps_session_id = k;
    }
    if let Some(d) = same_condition {
        c.same_condition_on_other_sessions = d;
    }
    if bucket.is_some() {
        // A new bucket size starts full, so tests get a predictable count.
        w.buckets.clear();
    }
    Ok(axum::Json(config_json(&w)).into_response())
}

/// `POST /_sim/clock {"advance_secs": N}`: moves the sim's clock forward (expiry tests).
async fn clock(State(sim): State<Shared>, b: Bytes) -> Result<Response, ControlError> {
    let v = body_json(&b)?;
    let secs = opt_u64(&v, "advance_secs")?.ok_or_else(|| bad("advance_secs is required"))?;
    let mut w = sim.world();
    if w.clock_offset.as_secs().saturating_add(secs) > MAX_SECS {
        return Err(bad(format!("the clock can move at most {MAX_SECS} s in total")));
    }
    w.clock_offset += Duration::from_secs(secs);
    Ok(axum::Json(json!({"clock_offset_secs": w.clock_offset.as_secs()})).into_response())
}

fn client_json(c: &Client) -> Value {
    json!({"client_id": c.client_id, "type": c.kind, "redirect_uris": c.redirect_uris})
}

async fn list_clients(State(sim): State<Shared>) -> Response {
    let w = sim.world();
    let data: Vec<Value> = w.clients.values().map(client_json).collect();
    axum::Json(json!({"data": data})).into_response()
}

/// `POST /_sim/clients {"client_id", "client_secret"?, "type", "redirect_uris"}`.
async fn add_client(State(sim): State<Shared>, b: Bytes) -> Result<Response, ControlError> {
    let v = body_json(&b)?;
    let client_id = v
        .get("client_id")
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .ok_or_else(|| bad("client_id is required"))?;
    let secret = v.get("client_secret").and_then(Value::as_str).map(str::to_string);
    let kind = match v.get("type").and_then(Value::as_str) {
        Some("public") => ClientType::Public,
        Some("confidential") => ClientType::Confidential,
        _ => return Err(bad("type must be \"public\" or \"confidential\"")),
    };
    match (kind, &secret) {
        (ClientType::Confidential, None) => {
            return Err(bad("a confidential client needs client_secret"));
        }
        (ClientType::Public, Some(_)) => return Err(bad("a public client has no client_secret")),
        _ => {}
    }
    let redirect_uris: Vec<String> = match v.get("redirect_uris") {
        None => vec!["http://localhost".into()],
        Some(Value::Array(a)) => a.iter().filter_map(Value::as_str).map(str::to_string).collect(),
        Some(_) => return Err(bad("redirect_uris must be an array of strings")),
    };
    if redirect_uris.is_empty() || redirect_uris.len() > 10 {
        return Err(bad("redirect_uris needs 1 to 10 entries (docs/twitch.md §3.1)"));
    }
    let c = Client { client_id: client_id.to_string(), secret, kind, redirect_uris };
    let body = client_json(&c);
    sim.world().clients.insert(c.client_id.clone(), c);
    Ok((StatusCode::CREATED, axum::Json(body)).into_response())
}

/// The user as the control API shows it: Helix fields plus channel state and relations.
fn sim_user_json(w: &World, u: &User) -> Value {
    let mut v = w.user_json(u);
    let logins = |ids: &mut dyn Iterator<Item = &String>| -> Vec<String> {
        ids.filter_map(|id| w.user_by_id(id)).map(|x| x.login.clone()).collect()
    };
    v["live"] = json!(u.live);
    v["title"] = json!(u.title);
    v["category"] = json!(u.category);
    v["category_id"] = json!(u.category_id);
    v["viewer_count"] = json!(u.viewer_count);
    v["moderates"] = json!(logins(&mut u.moderates.iter()));
    v["follows"] = json!(logins(&mut u.follows.iter().map(|(b, _)| b)));
    v
}

async fn list_users(State(sim): State<Shared>) -> Response {
    let w = sim.world();
    let data: Vec<Value> = w.users.iter().map(|u| sim_user_json(&w, u)).collect();
    axum::Json(json!({"data": data})).into_response()
}

fn str_list(v: &Value, key: &str) -> Result<Option<Vec<String>>, ControlError> {
    match v.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Array(a)) => {
            Ok(Some(a.iter().filter_map(Value::as_str).map(str::to_lowercase).collect()))
        }
        Some(_) => Err(bad(format!("{key} must be an array of logins"))),
    }
}

/// `POST /_sim/users`: creates (or updates) a user; answers the user object at the top level.
async fn upsert_user(State(sim): State<Shared>, b: Bytes) -> Result<Response, ControlError> {
    let v = body_json(&b)?;
    let login = v
        .get("login")
        .and_then(Value::as_str)
        .map(str::to_lowercase)
        .filter(|l| !l.is_empty() && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'))
        .ok_or_else(|| bad("login is required (letters, digits, underscore)"))?;
    let moderates = str_list(&v, "moderates")?;
    let follows = str_list(&v, "follows")?;
    let mut w = sim.world();
    let resolve = |w: &World, logins: &[String]| -> Result<Vec<String>, ControlError> {
        logins
            .iter()
            .map(|l| {
                w.user_by_login(l)
                    .map(|u| u.id.clone())
                    .ok_or_else(|| ControlError::NotFound(format!("no user {l}")))
            })
            .collect()
    };
    let mod_ids = moderates.as_deref().map(|m| resolve(&w, m)).transpose()?;
    let follow_ids = follows.as_deref().map(|f| resolve(&w, f)).transpose()?;
    let now = w.utc_now();
    let created = w.user_by_login(&login).is_none();
    if created {
        let id = w.new_user_id();
        let n = w.users.len();
        w.users.push(User {
            id,
            login: login.clone(),
            display_name: login.clone(),
            broadcaster_type: String::new(),
            description: String::new(),
            created_at: now.format("%Y-%m-%dT%H:%M:%SZ").to_string(),
            live: false,
            title: String::new(),
            category: String::new(),
            category_id: String::new(),
            language: "en".into(),
            tags: Vec::new(),
            viewer_count: 0,
            stream_id: format!("5{:010}", 1_000_000 + n),
            started_at: now,
            moderates: BTreeSet::new(),
            follows: Vec::new(),
            color: "#8A2BE2".into(),
        });
    }
    let Some(u) = w.user_mut_by_login(&login) else { return Err(ControlError::NotFound(login)) };
    if let Some(d) = v.get("display_name").and_then(Value::as_str) {
        u.display_name = d.to_string();
    }
    if let Some(t) = v.get("title").and_then(Value::as_str) {
        u.title = t.to_string();
    }
    if let Some(c) = v.get("category").and_then(Value::as_str) {
        u.category = c.to_string();
        u.category_id = if c.is_empty() { String::new() } else { crate::payloads::category_id(c) };
    }
    if let Some(n) = v.get("viewer_count").and_then(Value::as_u64) {
        u.viewer_count = n;
    }
    if let Some(l) = v.get("live").and_then(Value::as_bool) {
        if l && !u.live {
            u.started_at = now;
            if u.viewer_count == 0 {
                u.viewer_count = 42;
            }
        }
        u.live = l;
    }
    if let Some(m) = mod_ids {
        u.moderates = m.into_iter().collect();
    }
    if let Some(f) = follow_ids {
        u.follows = f.into_iter().map(|b| (b, now)).collect();
    }
    let u = u.clone();
    let status = if created { StatusCode::CREATED } else { StatusCode::OK };
    Ok((status, axum::Json(sim_user_json(&w, &u))).into_response())
}

/// `POST /_sim/tokens {"login", "client_id"?, "scopes"?: [..]}`: a user token without a flow,
/// for tests that are not about OAuth. Same answer shape as `/oauth2/token`.
async fn mint_token(State(sim): State<Shared>, b: Bytes) -> Result<Response, ControlError> {
    let v = body_json(&b)?;
    let login = v.get("login").and_then(Value::as_str).ok_or_else(|| bad("login is required"))?;
    let client_id =
        v.get("client_id").and_then(Value::as_str).unwrap_or("sim-public-client").to_string();
    let scopes: Vec<String> = match v.get("scopes") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(a)) => a.iter().filter_map(Value::as_str).map(str::to_string).collect(),
        Some(Value::String(s)) => crate::world::split_scopes(s),
        Some(_) => return Err(bad("scopes must be an array or a space-separated string")),
    };
    let mut w = sim.world();
    if !w.clients.contains_key(&client_id) {
        return Err(ControlError::NotFound(format!("no client {client_id}")));
    }
    let uid = w
        .user_by_login(login)
        .map(|u| u.id.clone())
        .ok_or_else(|| ControlError::NotFound(format!("no user {login}")))?;
    let auth = w.grant(&client_id, &uid, &scopes);
    let (a, r, e) = w.issue_tokens(&client_id, Some(auth), Some(uid.clone()), scopes.clone());
    Ok(axum::Json(json!({
        "access_token": a,
        "refresh_token": r,
        "expires_in": e,
        "scope": scopes,
        "token_type": "bearer",
        "user_id": uid,
        "client_id": client_id,
    }))
    .into_response())
}

/// `POST /_sim/authorizations/revoke {"login", "client_id"?}`: the user disconnects the app
/// (Settings → Connections): every token dies, validate answers 401, and the subscriptions
/// are revoked with `authorization_revoked` frames (docs/twitch.md §3.4, §1.2).
async fn revoke_grants(State(sim): State<Shared>, b: Bytes) -> Result<Response, ControlError> {
    let v = body_json(&b)?;
    let login = v.get("login").and_then(Value::as_str).ok_or_else(|| bad("login is required"))?;
    let client = v.get("client_id").and_then(Value::as_str);
    let mut w = sim.world();
    let uid = w
        .user_by_login(login)
        .map(|u| u.id.clone())
        .ok_or_else(|| ControlError::NotFound(format!("no user {login}")))?;
    let ids: Vec<u64> = w
        .authorizations
        .values()
        .filter(|a| !a.revoked && a.user_id == uid && client.is_none_or(|c| c == a.client_id))
        .map(|a| a.id)
        .collect();
    for id in &ids {
        w.revoke_authorization(*id);
    }
    Ok(axum::Json(json!({"revoked": ids.len()})).into_response())
}

/// `POST /_sim/events`: builds a realistic notification and sends it to every session with
/// a matching enabled subscription. Answers `{"message_ids": [...]}`. Optional `count`.
async fn events(State(sim): State<Shared>, b: Bytes) -> Result<Response, ControlError> {
    let v = body_json(&b)?;
    let kind = v.get("type").and_then(Value::as_str).ok_or_else(|| bad("type is required"))?;
    let version = v.get("version").and_then(Value::as_str);
    let login = v
        .get("broadcaster_login")
        .and_then(Value::as_str)
        .ok_or_else(|| bad("broadcaster_login is required"))?;
    let overrides = v.get("event").cloned().unwrap_or(Value::Null);
    if !overrides.is_null() && !overrides.is_object() {
        return Err(bad("event must be an object of field overrides"));
    }
    // `count` sends that many events in one call (benchmarks, soak tests).
    let count = match v.get("count") {
        None | Some(Value::Null) => 1,
        Some(c) => c
            .as_u64()
            .filter(|c| (1..=100_000).contains(c))
            .ok_or_else(|| bad("count must be 1..=100000"))?,
    };
    let mut ids = Vec::new();
    for _ in 0..count {
        let sent = crate::eventsub_ws::deliver(&sim, kind, version, login, &overrides).map_err(
            |e| match e {
                crate::eventsub_ws::DeliverError::UnknownUser(_) => {
                    ControlError::NotFound(e.to_string())
                }
                _ => bad(e.to_string()),
            },
        )?;
        ids.extend(sent);
    }
    Ok(axum::Json(json!({"message_ids": ids})).into_response())
}

/// `GET /_sim/state`: sessions, subscriptions (cost, status, owner, creating token's id), the
/// last deleted ones (as they were, who deleted them), token ids, counters.
async fn state(State(sim): State<Shared>) -> Response {
    let w = sim.world();
    let now = w.now();
    let sessions = sessions_json(&w);
    let subscriptions: Vec<Value> = w
        .subscriptions
        .iter()
        .map(|s| {
            let mut v = s.to_json();
            v["client_id"] = json!(s.client_id);
            v["user_id"] = json!(s.user_id);
            v["token_id"] = json!(s.token_id);
            v
        })
        .collect();
    let mut tokens: Vec<Value> = w
        .access_tokens
        .values()
        .map(|t| {
            json!({
                "id": t.id,
                "client_id": t.client_id,
                "user_id": t.user_id,
                "scopes": t.scopes,
                "expired": t.expires_at <= now,
            })
        })
        .collect();
    tokens.sort_by_key(|t| t["id"].as_u64());
    let authorizations: Vec<Value> = w
        .authorizations
        .values()
        .map(|a| json!({"id": a.id, "client_id": a.client_id, "user_id": a.user_id, "scopes": a.scopes, "revoked": a.revoked}))
        .collect();
    axum::Json(json!({
        "sessions": sessions,
        "subscriptions": subscriptions,
        "deleted_subscriptions": w.deleted_subscriptions,
        "tokens": tokens,
        "authorizations": authorizations,
        "counters": w.counters,
        "config": w.config,
        "faults": w.faults,
    }))
    .into_response()
}
