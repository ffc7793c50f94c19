//! `api.twitch.tv/helix` stand-in: users, streams, search, channels, follows (docs/twitch.md §4)
//! and EventSub subscription management (docs/twitch.md §1.6, §1.8), behind a token bucket with
//! `Ratelimit-*` headers.

mod channels;
mod chat;
mod eventsub;

use std::time::{SystemTime, UNIX_EPOCH};

use axum::Router;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use chrono::SecondsFormat;
use serde_json::{Value, json};

use crate::world::{Bucket, Shared, World, first, parse_pairs};
use channels::{
    channels, channels_followed, moderated_channels, search_channels, streams, streams_followed,
    users,
};
use eventsub::{create_sub, delete_sub, list_subs};

/// Helix errors, answered as `{"error":"<reason>","status":N,"message":"..."}`
/// (docs/twitch.md §1.8, §4).
#[derive(Debug, thiserror::Error)]
pub enum HelixError {
    /// 400.
    #[error("{0}")]
    BadRequest(String),
    /// 401: missing/invalid token, client id mismatch, missing scope (docs/twitch.md §4).
    #[error("{0}")]
    Unauthorized(String),
    /// 403: token lacks the authorization a subscription type needs (docs/twitch.md §1.8).
    #[error("{0}")]
    Forbidden(String),
    /// 404.
    #[error("{0}")]
    NotFound(String),
    /// 409: same type+condition exists; carries the existing id (docs/twitch.md §1.6).
    #[error("subscription already exists")]
    Conflict(String),
    /// 410: removed type/version (docs/twitch.md §1.8).
    #[error("{0}")]
    Gone(String),
    /// 422: a chat message over 500 characters (Send Chat Message).
    #[error("{0}")]
    Unprocessable(String),
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
            HelixError::Unprocessable(_) => StatusCode::UNPROCESSABLE_ENTITY,
            HelixError::TooManyRequests(_) => StatusCode::TOO_MANY_REQUESTS,
        };
        let mut body = json!({
            "error": status.canonical_reason().unwrap_or(""),
            "status": status.as_u16(),
            "message": self.to_string(),
        });
        if let HelixError::Conflict(id) = &self {
            // Real Twitch only says "subscription already exists"; the id is a simulator extra
            // that docs/twitch.md §1.6 asks for. Clients should still list to find it.
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
    /// The token's internal id (`/_sim/state`), never its value.
    pub token_id: u64,
}

impl Caller {
    fn has_scope(&self, s: &str) -> bool {
        self.scopes.iter().any(|x| x == s)
    }

    /// A scoped endpoint's check. Helix answers a scope the token lacks with 401 and
    /// `Missing scope: <scope>`, not with `Invalid OAuth token`: docs/twitch.md §4 (the error
    /// tables of https://dev.twitch.tv/docs/api/reference/, and the prefix Chatterino matches,
    /// https://github.com/Chatterino/chatterino2/pull/4000). A client that took it for an
    /// expired token refreshed in a loop (https://github.com/nicklaw5/helix/issues/204).
    fn require_scope(&self, scope: &str) -> Result<(), HelixError> {
        if self.has_scope(scope) {
            Ok(())
        } else {
            Err(HelixError::Unauthorized(format!("Missing scope: {scope}")))
        }
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

/// Checks token and Client-Id (docs/twitch.md §4 "Common rules", §1.8 401 rows).
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
        token_id: t.id,
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
        .route("/helix/chat/messages", post(chat::send_message))
        .route("/helix/eventsub/subscriptions", get(list_subs).post(create_sub).delete(delete_sub))
        .layer(middleware::from_fn_with_state(sim, rate_limit))
}

/// Token bucket per client+user (docs/twitch.md §4 "Rate limits",
/// https://dev.twitch.tv/docs/api/guide/#twitch-rate-limits): every answer carries
/// `Ratelimit-Limit/Remaining/Reset`, the reset being "when your bucket is reset to full";
/// an empty bucket answers 429. It refills continuously (size points a minute), as twitch4j
/// models it (`Bandwidth.simple(800, Duration.ofMinutes(1))`,
/// https://github.com/twitch4j/twitch4j/commit/d6c6f4c79cbea9597cb8f60c46f67347aa5f7a92).
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
        let held_empty = w.buckets_empty_until.is_some_and(|until| now < until);
        let b = w.buckets.entry(key).or_insert(Bucket { points: size, last: now });
        let elapsed = now.saturating_duration_since(b.last).as_secs_f64();
        b.points = (b.points + elapsed * per_sec).min(size);
        b.last = now;
        if held_empty {
            // `empty_bucket_after_welcome_ms`: spent by someone else as fast as it refills.
            b.points = 0.0;
        }
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

/// `first` (1..=100, default 20) and `after` cursor → (offset, page size), the size capped
/// by the `helix_page_size` test knob.
fn paging(w: &World, p: &[(String, String)], default: usize) -> Result<(usize, usize), HelixError> {
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
    let size = w.config.helix_page_size.map_or(size, |cap| size.min(cap.max(1) as usize));
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

/// The items of a Helix answer as served: unchanged, or with the `helix_nulls` switch on,
/// every empty array and every empty string among their fields answered as `null`. Twitch has
/// answered `null` where its reference promises an array (`tag_ids`:
/// https://github.com/twitch-rs/twitch_api/issues/184; twitch_api reads `Stream.tags` with a
/// null-to-default deserializer and tests `"tags": null`,
/// https://github.com/twitch-rs/twitch_api/blob/main/src/helix/endpoints/streams/get_streams.rs),
/// docs/twitch.md §9. Only sometimes, so it is a switch.
fn served(w: &World, mut items: Vec<Value>) -> Vec<Value> {
    if w.config.helix_nulls {
        for field in items.iter_mut().filter_map(Value::as_object_mut).flat_map(|o| o.values_mut())
        {
            let empty = match field {
                Value::Array(a) => a.is_empty(),
                Value::String(s) => s.is_empty(),
                _ => false,
            };
            if empty {
                *field = Value::Null;
            }
        }
    }
    items
}

fn secs(t: chrono::DateTime<chrono::Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}
