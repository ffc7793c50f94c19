//! `api.twitch.tv/helix` stand-in: users, streams, search, channels, follows (twitch.md §4)
//! and EventSub subscription management (twitch.md §1.6, §1.8), behind a token bucket with
//! `Ratelimit-*` headers.

use std::time::{SystemTime, UNIX_EPOCH};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{RawQuery, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use chrono::SecondsFormat;
use serde_json::{Value, json};

use crate::catalog::{self, Auth};
use crate::world::{
    Bucket, MAX_TOTAL_COST, Shared, Subscription, User, World, first, parse_pairs, uuid,
};

/// Helix errors, answered as `{"error":"<reason>","status":N,"message":"..."}` (twitch.md §1.8, §4).
#[derive(Debug, thiserror::Error)]
pub enum HelixError {
    /// 400.
    #[error("{0}")]
    BadRequest(String),
    /// 401: missing/invalid token, client id mismatch, missing scope (twitch.md §4).
    #[error("{0}")]
    Unauthorized(String),
    /// 403: token lacks the authorization a subscription type needs (twitch.md §1.8).
    #[error("{0}")]
    Forbidden(String),
    /// 404.
    #[error("{0}")]
    NotFound(String),
    /// 409: same type+condition exists; carries the existing id (twitch.md §1.6).
    #[error("subscription already exists")]
    Conflict(String),
    /// 410: removed type/version (twitch.md §1.8).
    #[error("{0}")]
    Gone(String),
    /// 429: cost, transports, or the rate-limit bucket.
    #[error("{0}")]
    TooManyRequests(String),
}

impl IntoResponse for HelixError {
    fn into_response(self) -> Response {
        let status = match &self {
            HelixError::BadRequest(_) => StatusCode::BAD_REQUEST,
            HelixError::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            HelixError::Forbidden(_) => StatusCode::FORBIDDEN,
            HelixError::NotFound(_) => StatusCode::NOT_FOUND,
            HelixError::Conflict(_) => StatusCode::CONFLICT,
            HelixError::Gone(_) => StatusCode::GONE,
            HelixError::TooManyRequests(_) => StatusCode::TOO_MANY_REQUESTS,
        };
        let mut body = json!({
            "error": status.canonical_reason().unwrap_or(""),
            "status": status.as_u16(),
            "message": self.to_string(),
        });
        if let HelixError::Conflict(id) = &self {
            // Real Twitch only says "subscription already exists"; the id is a simulator extra
            // that twitch.md §1.6 asks for. Clients should still list to find it.
            body["existing_subscription_id"] = json!(id);
        }
        (status, axum::Json(body)).into_response()
    }
}

fn bad(m: impl Into<String>) -> HelixError {
    HelixError::BadRequest(m.into())
}

/// Who is calling, from the `Authorization` and `Client-Id` headers.
#[derive(Clone, Debug)]
pub struct Caller {
    /// The token's client.
    pub client_id: String,
    /// The token's user; `None` for an app token.
    pub user_id: Option<String>,
    /// The token's scopes.
    pub scopes: Vec<String>,
}

impl Caller {
    fn has_scope(&self, s: &str) -> bool {
        self.scopes.iter().any(|x| x == s)
    }

    fn user(&self) -> Result<&str, HelixError> {
        self.user_id
            .as_deref()
            .ok_or_else(|| HelixError::Unauthorized("Missing User OAUTH Token".into()))
    }
}

fn bearer(headers: &HeaderMap) -> Option<&str> {
    let v = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, tok) = v.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| tok.trim()).filter(|t| !t.is_empty())
}

fn client_id_header(headers: &HeaderMap) -> Option<&str> {
    headers.get("client-id").and_then(|v| v.to_str().ok()).map(str::trim).filter(|s| !s.is_empty())
}

/// Checks token and Client-Id (twitch.md §4 "Common rules", §1.8 401 rows).
pub fn authenticate(w: &World, headers: &HeaderMap) -> Result<Caller, HelixError> {
    let Some(token) = bearer(headers) else {
        return Err(HelixError::Unauthorized("OAuth token is missing".into()));
    };
    let Some(cid) = client_id_header(headers) else {
        return Err(HelixError::Unauthorized("Client-Id header required".into()));
    };
    let now = w.now();
    let t = w
        .access_tokens
        .get(token)
        .filter(|t| t.expires_at > now)
        .ok_or_else(|| HelixError::Unauthorized("Invalid OAuth token".into()))?;
    if t.client_id != cid {
        return Err(HelixError::Unauthorized("Client ID and OAuth token do not match".into()));
    }
    Ok(Caller {
        client_id: t.client_id.clone(),
        user_id: t.user_id.clone(),
        scopes: t.scopes.clone(),
    })
}

/// Routes of this module.
pub fn routes(sim: Shared) -> Router<Shared> {
    Router::new()
        .route("/helix/users", get(users))
        .route("/helix/streams", get(streams))
        .route("/helix/streams/followed", get(streams_followed))
        .route("/helix/search/channels", get(search_channels))
        .route("/helix/channels", get(channels))
        .route("/helix/channels/followed", get(channels_followed))
        .route("/helix/moderation/channels", get(moderated_channels))
        .route("/helix/eventsub/subscriptions", get(list_subs).post(create_sub).delete(delete_sub))
        .layer(middleware::from_fn_with_state(sim, rate_limit))
}

/// Token bucket per client+user (twitch.md §4 "Rate limits"): every answer carries
/// `Ratelimit-Limit/Remaining/Reset`; an empty bucket answers 429.
async fn rate_limit(State(sim): State<Shared>, req: Request, next: Next) -> Response {
    let (limit, remaining, reset, allowed) = {
        let mut w = sim.world();
        w.counters.helix_requests += 1;
        let key = match bearer(req.headers()).and_then(|t| w.access_tokens.get(t)) {
            Some(t) => format!("{}:{}", t.client_id, t.user_id.as_deref().unwrap_or("app")),
            None => format!("anon:{}", client_id_header(req.headers()).unwrap_or("")),
        };
        let size = f64::from(w.config.rate_limit_bucket.max(1));
        let per_sec = size / 60.0;
        let now = w.now();
        let b = w.buckets.entry(key).or_insert(Bucket { points: size, last: now });
        let elapsed = now.saturating_duration_since(b.last).as_secs_f64();
        b.points = (b.points + elapsed * per_sec).min(size);
        b.last = now;
        let allowed = b.points >= 1.0;
        if allowed {
            b.points -= 1.0;
        }
        let points = b.points;
        if !allowed {
            w.counters.rate_limited += 1;
        }
        let epoch =
            SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs_f64()).unwrap_or(0.0);
        let reset = (epoch + (size - points) / per_sec).ceil() as u64;
        (size as u64, points.floor() as u64, reset, allowed)
    };
    let mut resp = if allowed {
        next.run(req).await
    } else {
        HelixError::TooManyRequests("Too Many Requests".into()).into_response()
    };
    let h = resp.headers_mut();
    h.insert("ratelimit-limit", HeaderValue::from(limit));
    h.insert("ratelimit-remaining", HeaderValue::from(remaining));
    h.insert("ratelimit-reset", HeaderValue::from(reset));
    resp
}

fn query(q: &Option<String>) -> Vec<(String, String)> {
    parse_pairs(q.as_deref().unwrap_or(""))
}

fn all<'a>(p: &'a [(String, String)], key: &str) -> Vec<&'a str> {
    p.iter().filter(|(k, _)| k == key).map(|(_, v)| v.as_str()).collect()
}

/// `first` (1..=100, default 20) and `after` cursor → (offset, page size).
fn paging(p: &[(String, String)], default: usize) -> Result<(usize, usize), HelixError> {
    let size = match first(p, "first") {
        None => default,
        Some(v) => match v.parse::<usize>() {
            Ok(n) if (1..=100).contains(&n) => n,
            _ => {
                return Err(bad(
                    "The parameter \"first\" was malformed: the value must be between 1 and 100",
                ));
            }
        },
    };
    let offset = match first(p, "after") {
        None | Some("") => 0,
        Some(c) => c
            .strip_prefix("sim")
            .and_then(|n| n.parse().ok())
            .ok_or_else(|| bad("invalid cursor"))?,
    };
    Ok((offset, size))
}

/// One page of `items` plus the pagination object.
fn page(items: Vec<Value>, offset: usize, size: usize) -> (Vec<Value>, Value) {
    let total = items.len();
    let data: Vec<Value> = items.into_iter().skip(offset).take(size).collect();
    let pagination = if offset + size < total {
        json!({"cursor": format!("sim{}", offset + size)})
    } else {
        json!({})
    };
    (data, pagination)
}

fn secs(t: chrono::DateTime<chrono::Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

fn stream_json(w: &World, u: &User) -> Value {
    json!({
        "id": u.stream_id,
        "user_id": u.id,
        "user_login": u.login,
        "user_name": u.display_name,
        "game_id": u.category_id,
        "game_name": u.category,
        "type": "live",
        "title": u.title,
        "tags": u.tags,
        "viewer_count": u.viewer_count,
        "started_at": secs(u.started_at),
        "language": u.language,
        "thumbnail_url": format!("{}/_sim/thumbnail/live_user_{}-{{width}}x{{height}}.svg", w.base_url, u.login),
        "tag_ids": [],
        "is_mature": false,
    })
}

/// `GET /helix/users` (twitch.md §4).
async fn users(
    State(sim): State<Shared>,
    headers: HeaderMap,
    RawQuery(q): RawQuery,
) -> Result<Response, HelixError> {
    let w = sim.world();
    let caller = authenticate(&w, &headers)?;
    let p = query(&q);
    let ids = all(&p, "id");
    let logins = all(&p, "login");
    if ids.len() + logins.len() > 100 {
        return Err(bad("The sum of id and login parameters must not exceed 100"));
    }
    let data: Vec<Value> = if ids.is_empty() && logins.is_empty() {
        let Some(uid) = caller.user_id.as_deref() else {
            return Err(bad("Must provide an ID, Login or OAuth Token"));
        };
        w.user_by_id(uid).map(|u| w.user_json(u)).into_iter().collect()
    } else {
        w.users
            .iter()
            .filter(|u| {
                ids.contains(&u.id.as_str())
                    || logins.iter().any(|l| l.eq_ignore_ascii_case(&u.login))
            })
            .map(|u| w.user_json(u))
            .collect()
    };
    Ok(axum::Json(json!({"data": data})).into_response())
}

/// `GET /helix/streams`: live channels only; empty `data` when offline (twitch.md §4).
async fn streams(
    State(sim): State<Shared>,
    headers: HeaderMap,
    RawQuery(q): RawQuery,
) -> Result<Response, HelixError> {
    let w = sim.world();
    authenticate(&w, &headers)?;
    let p = query(&q);
    let ids = all(&p, "user_id");
    let logins = all(&p, "user_login");
    let games = all(&p, "game_id");
    if ids.len() + logins.len() > 100 {
        return Err(bad("The sum of user_id and user_login parameters must not exceed 100"));
    }
    if games.len() > 10 {
        return Err(bad("game_id may be given at most 10 times"));
    }
    let (offset, size) = paging(&p, 20)?;
    let mut live: Vec<&User> = w
        .users
        .iter()
        .filter(|u| u.live)
        .filter(|u| {
            (ids.is_empty() && logins.is_empty())
                || ids.contains(&u.id.as_str())
                || logins.iter().any(|l| l.eq_ignore_ascii_case(&u.login))
        })
        .filter(|u| games.is_empty() || games.contains(&u.category_id.as_str()))
        .filter(|u| first(&p, "language").is_none_or(|l| l == u.language))
        .collect();
    live.sort_by_key(|u| std::cmp::Reverse(u.viewer_count));
    let items = live.into_iter().map(|u| stream_json(&w, u)).collect();
    let (data, pagination) = page(items, offset, size);
    Ok(axum::Json(json!({"data": data, "pagination": pagination})).into_response())
}

/// `GET /helix/streams/followed` (twitch.md §4): needs `user:read:follows`.
async fn streams_followed(
    State(sim): State<Shared>,
    headers: HeaderMap,
    RawQuery(q): RawQuery,
) -> Result<Response, HelixError> {
    let w = sim.world();
    let caller = authenticate(&w, &headers)?;
    let uid = caller.user()?.to_string();
    if !caller.has_scope("user:read:follows") {
        return Err(HelixError::Unauthorized("Missing scope: user:read:follows".into()));
    }
    let p = query(&q);
    match first(&p, "user_id") {
        None => return Err(bad("Missing required parameter \"user_id\"")),
        Some(u) if u != uid => {
            return Err(bad(
                "The ID in user_id must match the user ID found in the request's OAuth token.",
            ));
        }
        _ => {}
    }
    let (offset, size) = paging(&p, 100)?;
    let me = w.user_by_id(&uid);
    let items = me
        .map(|m| {
            m.follows
                .iter()
                .filter_map(|(b, _)| w.user_by_id(b))
                .filter(|u| u.live)
                .map(|u| stream_json(&w, u))
                .collect()
        })
        .unwrap_or_default();
    let (data, pagination) = page(items, offset, size);
    Ok(axum::Json(json!({"data": data, "pagination": pagination})).into_response())
}

/// `GET /helix/search/channels` (twitch.md §4): name match, live first.
async fn search_channels(
    State(sim): State<Shared>,
    headers: HeaderMap,
    RawQuery(q): RawQuery,
) -> Result<Response, HelixError> {
    let w = sim.world();
    authenticate(&w, &headers)?;
    let p = query(&q);
    let Some(needle) = first(&p, "query").map(str::to_lowercase).filter(|s| !s.trim().is_empty())
    else {
        return Err(bad("Missing required parameter \"query\""));
    };
    let live_only = first(&p, "live_only") == Some("true");
    let (offset, size) = paging(&p, 20)?;
    let mut hits: Vec<(u8, &User)> = w
        .users
        .iter()
        .filter(|u| !live_only || u.live)
        .filter_map(|u| {
            let login = u.login.to_lowercase();
            let display = u.display_name.to_lowercase();
            let rank = if login == needle || display == needle {
                0
            } else if login.starts_with(&needle) || display.starts_with(&needle) {
                1
            } else if login.contains(&needle) || display.contains(&needle) {
                2
            } else if u.category.to_lowercase().contains(&needle) {
                3
            } else {
                return None;
            };
            Some((rank, u))
        })
        .collect();
    hits.sort_by(|a, b| a.0.cmp(&b.0).then(b.1.live.cmp(&a.1.live)));
    let items = hits
        .into_iter()
        .map(|(_, u)| {
            json!({
                "broadcaster_language": u.language,
                "broadcaster_login": u.login,
                "display_name": u.display_name,
                "game_id": u.category_id,
                "game_name": u.category,
                "id": u.id,
                "is_live": u.live,
                "tag_ids": [],
                "tags": u.tags,
                "thumbnail_url": w.avatar_url(&u.login),
                "title": u.title,
                "started_at": if u.live { secs(u.started_at) } else { String::new() },
            })
        })
        .collect();
    let (data, pagination) = page(items, offset, size);
    Ok(axum::Json(json!({"data": data, "pagination": pagination})).into_response())
}

/// `GET /helix/channels?broadcaster_id=` (twitch.md §4).
async fn channels(
    State(sim): State<Shared>,
    headers: HeaderMap,
    RawQuery(q): RawQuery,
) -> Result<Response, HelixError> {
    let w = sim.world();
    authenticate(&w, &headers)?;
    let p = query(&q);
    let ids = all(&p, "broadcaster_id");
    if ids.is_empty() {
        return Err(bad("Missing required parameter \"broadcaster_id\""));
    }
    if ids.len() > 100 {
        return Err(bad("broadcaster_id may be given at most 100 times"));
    }
    let data: Vec<Value> = w
        .users
        .iter()
        .filter(|u| ids.contains(&u.id.as_str()))
        .map(|u| {
            json!({
                "broadcaster_id": u.id,
                "broadcaster_login": u.login,
                "broadcaster_name": u.display_name,
                "broadcaster_language": u.language,
                "game_id": u.category_id,
                "game_name": u.category,
                "title": u.title,
                "delay": 0,
                "tags": u.tags,
                "content_classification_labels": [],
                "is_branded_content": false,
            })
        })
        .collect();
    Ok(axum::Json(json!({"data": data})).into_response())
}

/// `GET /helix/channels/followed` (twitch.md §4): user token with `user:read:follows`,
/// `user_id` must be the token's user.
async fn channels_followed(
    State(sim): State<Shared>,
    headers: HeaderMap,
    RawQuery(q): RawQuery,
) -> Result<Response, HelixError> {
    let w = sim.world();
    let caller = authenticate(&w, &headers)?;
    let uid = caller.user()?.to_string();
    if !caller.has_scope("user:read:follows") {
        return Err(HelixError::Unauthorized("Missing scope: user:read:follows".into()));
    }
    let p = query(&q);
    match first(&p, "user_id") {
        None => return Err(bad("Missing required parameter \"user_id\"")),
        Some(u) if u != uid => {
            return Err(bad(
                "The ID in user_id must match the user ID found in the request's OAuth token.",
            ));
        }
        _ => {}
    }
    let (offset, size) = paging(&p, 20)?;
    let only = first(&p, "broadcaster_id");
    let items: Vec<Value> = w
        .user_by_id(&uid)
        .map(|me| {
            let mut f: Vec<_> =
                me.follows.iter().filter(|(b, _)| only.is_none_or(|o| o == b)).collect();
            // Newest follow first, as Twitch lists them.
            f.sort_by_key(|x| std::cmp::Reverse(x.1));
            f.into_iter()
                .filter_map(|(b, at)| {
                    let u = w.user_by_id(b)?;
                    Some(json!({
                        "broadcaster_id": u.id,
                        "broadcaster_login": u.login,
                        "broadcaster_name": u.display_name,
                        "followed_at": secs(*at),
                    }))
                })
                .collect()
        })
        .unwrap_or_default();
    let total = items.len();
    let (data, pagination) = page(items, offset, size);
    Ok(axum::Json(json!({"total": total, "data": data, "pagination": pagination})).into_response())
}

/// `GET /helix/moderation/channels`: the channels the token user moderates. Not in
/// twitch.md; shape from twitch_api `src/helix/endpoints/moderation/get_moderated_channels.rs`
/// (copied from Twitch's reference, https://dev.twitch.tv/docs/api/reference#get-moderated-channels):
/// `user_id` must be the token's user, scope `user:read:moderated_channels`, `first` ≤ 100,
/// `after` cursor; each item `broadcaster_id`, `broadcaster_login`, `broadcaster_name`. The
/// simulator's `moderates` lists (README "sim_mod moderates lumenforge") are the source.
async fn moderated_channels(
    State(sim): State<Shared>,
    headers: HeaderMap,
    RawQuery(q): RawQuery,
) -> Result<Response, HelixError> {
    let w = sim.world();
    let caller = authenticate(&w, &headers)?;
    let uid = caller.user()?.to_string();
    if !caller.has_scope("user:read:moderated_channels") {
        return Err(HelixError::Unauthorized("Missing scope: user:read:moderated_channels".into()));
    }
    let p = query(&q);
    match first(&p, "user_id") {
        None => return Err(bad("Missing required parameter \"user_id\"")),
        Some(u) if u != uid => {
            return Err(bad(
                "The ID in user_id must match the user ID found in the request's OAuth token.",
            ));
        }
        _ => {}
    }
    let (offset, size) = paging(&p, 20)?;
    let items: Vec<Value> = w
        .user_by_id(&uid)
        .map(|me| {
            me.moderates
                .iter()
                .filter_map(|b| {
                    let u = w.user_by_id(b)?;
                    Some(json!({
                        "broadcaster_id": u.id,
                        "broadcaster_login": u.login,
                        "broadcaster_name": u.display_name,
                    }))
                })
                .collect()
        })
        .unwrap_or_default();
    let (data, pagination) = page(items, offset, size);
    Ok(axum::Json(json!({"data": data, "pagination": pagination})).into_response())
}

/// The list answer's totals for one user (twitch.md §1.8 "Get").
fn totals(w: &World, client_id: &str, user_id: &str) -> (usize, u32) {
    let total = w
        .subscriptions
        .iter()
        .filter(|s| s.client_id == client_id && s.user_id == user_id && listed(w, s))
        .count();
    let cost = w.user_enabled_subs(client_id, user_id).map(|s| s.cost).sum();
    (total, cost)
}

/// Disconnected WebSocket subscriptions are listed for an hour only (twitch.md §1.4, from
/// twitch-cli's "Production EventSub only shows disabled WebSocket subscriptions that were
/// disabled under 1 hour ago").
fn listed(w: &World, s: &Subscription) -> bool {
    s.disconnected_at.is_none_or(|d| w.utc_now() - d < chrono::Duration::hours(1))
}

/// `POST /helix/eventsub/subscriptions` (twitch.md §1.6, §1.8, §2).
async fn create_sub(
    State(sim): State<Shared>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, HelixError> {
    let mut w = sim.world();
    let caller = authenticate(&w, &headers)?;
    let body: Value = serde_json::from_slice(&body).map_err(|_| bad("Invalid JSON body"))?;
    let kind = body.get("type").and_then(Value::as_str).unwrap_or("");
    let version = body.get("version").and_then(Value::as_str).unwrap_or("");
    if kind.is_empty() || version.is_empty() {
        return Err(bad("type and version are required"));
    }
    if catalog::removed(kind, version) {
        return Err(HelixError::Gone(format!(
            "the {kind} version {version} subscription type has been removed"
        )));
    }
    let Some(spec) = catalog::find(kind, version) else {
        return Err(bad("The combination of values in the type and version fields is not valid"));
    };
    let transport = body.get("transport").cloned().unwrap_or(Value::Null);
    match transport.get("method").and_then(Value::as_str) {
        Some("websocket") => {}
        Some("webhook") | Some("conduit") => {
            return Err(bad("the simulator supports the websocket transport only"));
        }
        _ => return Err(bad("invalid transport method")),
    }
    // twitch.md §1.8: WebSocket transport needs a user token.
    let Some(user_id) = caller.user_id.clone() else {
        return Err(HelixError::Unauthorized("invalid transport and auth combination".into()));
    };
    let Some(session_id) =
        transport.get("session_id").and_then(Value::as_str).filter(|s| !s.is_empty())
    else {
        return Err(bad("missing session_id for websocket transport"));
    };
    let session_id = session_id.to_string();
    let cond = body.get("condition").and_then(Value::as_object).cloned().unwrap_or_default();
    let condition =
        catalog::check_condition(spec, &cond, |id| w.user_by_id(id).is_some()).map_err(bad)?;
    // Authorization (twitch.md §2): scoped types need the condition's user to be the caller.
    let scoped_ok = spec.scopes.is_empty() || spec.scopes.iter().any(|s| caller.has_scope(s));
    let str_of = |k: &str| condition.get(k).and_then(Value::as_str).unwrap_or("").to_string();
    let authorized = match spec.auth {
        Auth::None => true,
        Auth::Broadcaster => str_of("broadcaster_user_id") == user_id && scoped_ok,
        Auth::SelfUser => str_of("user_id") == user_id && scoped_ok,
        Auth::Moderator => {
            let b = str_of("broadcaster_user_id");
            let m = str_of("moderator_user_id");
            let is_mod = w.user_by_id(&m).is_some_and(|u| u.moderates.contains(&b));
            m == user_id && (m == b || is_mod) && scoped_ok
        }
    };
    if !authorized {
        return Err(HelixError::Forbidden("subscription missing proper authorization".into()));
    }
    // Cost (twitch.md §1.6): 0 when the condition's user authorized us (with the scope),
    // otherwise 1 for types that need no authorization.
    let cost = match spec.auth {
        Auth::None => {
            let own = [
                "broadcaster_user_id",
                "to_broadcaster_user_id",
                "from_broadcaster_user_id",
                "user_id",
            ]
            .iter()
            .any(|k| str_of(k) == user_id);
            u32::from(!own)
        }
        _ => 0,
    };
    let Some(session) = w.sessions.get(&session_id) else {
        return Err(bad("websocket transport session does not exist or has already disconnected"));
    };
    let connected_at = session.connected_at;
    // 409: same type+version+condition already enabled for this user (twitch.md §1.6).
    if let Some(existing) = w.user_enabled_subs(&caller.client_id, &user_id).find(|s| {
        s.kind == spec.kind
            && s.version == spec.version
            && s.condition.as_object() == Some(&condition)
    }) {
        return Err(HelixError::Conflict(existing.id.clone()));
    }
    // 300 enabled per connection (twitch.md §1.6).
    let on_session =
        w.subscriptions.iter().filter(|s| s.enabled() && s.session_id == session_id).count();
    if on_session >= 300 {
        return Err(bad(
            "You may only create 300 subscriptions within a single WebSocket connection",
        ));
    }
    // 3 transports with enabled subscriptions per user (twitch.md §1.6).
    let mut transports: Vec<&str> =
        w.user_enabled_subs(&caller.client_id, &user_id).map(|s| s.session_id.as_str()).collect();
    transports.sort_unstable();
    transports.dedup();
    if !transports.contains(&session_id.as_str()) && transports.len() >= 3 {
        return Err(HelixError::TooManyRequests(
            "number of websocket transports limit exceeded".into(),
        ));
    }
    // max_total_cost (twitch.md §1.6, issue 3 "Pinned details": name the cost limit).
    let (_, total_cost) = totals(&w, &caller.client_id, &user_id);
    if total_cost + cost > MAX_TOTAL_COST {
        return Err(HelixError::TooManyRequests(format!(
            "subscription would exceed max_total_cost of {MAX_TOTAL_COST} (total_cost is {total_cost}, this subscription costs {cost})"
        )));
    }
    let sub = Subscription {
        id: uuid(),
        status: "enabled".into(),
        kind: spec.kind.into(),
        version: spec.version.into(),
        condition: Value::Object(condition),
        created_at: w.utc_now(),
        session_id: session_id.clone(),
        connected_at,
        disconnected_at: None,
        cost,
        client_id: caller.client_id.clone(),
        user_id: user_id.clone(),
    };
    let data = sub.to_json();
    w.subscriptions.push(sub);
    if let Some(s) = w.sessions.get_mut(&session_id) {
        s.ever_subscribed = true;
    }
    let (total, total_cost) = totals(&w, &caller.client_id, &user_id);
    let body = json!({"data": [data], "total": total, "total_cost": total_cost, "max_total_cost": MAX_TOTAL_COST});
    Ok((StatusCode::ACCEPTED, axum::Json(body)).into_response())
}

/// `GET /helix/eventsub/subscriptions` (twitch.md §1.8 "Get"): the caller's own, one filter.
async fn list_subs(
    State(sim): State<Shared>,
    headers: HeaderMap,
    RawQuery(q): RawQuery,
) -> Result<Response, HelixError> {
    let w = sim.world();
    let caller = authenticate(&w, &headers)?;
    let Some(user_id) = caller.user_id.clone() else {
        return Err(HelixError::Unauthorized("invalid transport and auth combination".into()));
    };
    let p = query(&q);
    let filters: Vec<&str> =
        ["status", "type", "user_id"].into_iter().filter(|k| first(&p, k).is_some()).collect();
    if filters.len() > 1 {
        return Err(bad("only one of status, type or user_id may be specified"));
    }
    if let Some(st) = first(&p, "status")
        && !catalog::STATUSES.contains(&st)
    {
        return Err(bad("invalid status"));
    }
    if let Some(t) = first(&p, "type")
        && !catalog::known_type(t)
    {
        return Err(bad("invalid type"));
    }
    let (offset, size) = paging(&p, 100)?;
    let items: Vec<Value> = w
        .subscriptions
        .iter()
        .filter(|s| s.client_id == caller.client_id && s.user_id == user_id && listed(&w, s))
        .filter(|s| first(&p, "status").is_none_or(|v| v == s.status))
        .filter(|s| first(&p, "type").is_none_or(|v| v == s.kind))
        .filter(|s| {
            first(&p, "user_id").is_none_or(|v| {
                s.condition.as_object().is_some_and(|c| c.values().any(|x| x.as_str() == Some(v)))
            })
        })
        .map(Subscription::to_json)
        .collect();
    let (total, total_cost) = totals(&w, &caller.client_id, &user_id);
    let (data, pagination) = page(items, offset, size);
    let body = json!({
        "data": data,
        "total": total,
        "total_cost": total_cost,
        "max_total_cost": MAX_TOTAL_COST,
        "pagination": pagination,
    });
    Ok(axum::Json(body).into_response())
}

/// `DELETE /helix/eventsub/subscriptions?id=` (twitch.md §1.8 "Delete"): 204/400/401/404.
async fn delete_sub(
    State(sim): State<Shared>,
    headers: HeaderMap,
    RawQuery(q): RawQuery,
) -> Result<Response, HelixError> {
    let mut w = sim.world();
    let caller = authenticate(&w, &headers)?;
    let Some(user_id) = caller.user_id.clone() else {
        return Err(HelixError::Unauthorized("invalid transport and auth combination".into()));
    };
    let p = query(&q);
    let Some(id) = first(&p, "id").filter(|s| !s.is_empty()) else {
        return Err(bad("Missing required parameter \"id\""));
    };
    let before = w.subscriptions.len();
    w.subscriptions
        .retain(|s| !(s.id == id && s.client_id == caller.client_id && s.user_id == user_id));
    if w.subscriptions.len() == before {
        return Err(HelixError::NotFound("subscription not found".into()));
    }
    Ok(StatusCode::NO_CONTENT.into_response())
}
