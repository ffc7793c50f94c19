//! Every Helix and OAuth request passes through here first: an injected fault
//! (`/_sim/faults`) answers instead of the endpoint, then the call and its status are counted
//! (`counters.helix_calls`, `helix_statuses`, `oauth_calls`) and logged (`/_sim/log`), with the
//! OAuth parameters that are secrets left out.

use std::time::{SystemTime, UNIX_EPOCH};

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};

use crate::world::{Fault, Shared, first, parse_pairs};

/// Largest request body read (axum's default limit for its own extractors).
const BODY_LIMIT: usize = 2 * 1024 * 1024;

/// OAuth parameters whose values are secrets: logged as `<redacted>`.
const SECRET_PARAMS: &[&str] =
    &["client_secret", "code", "device_code", "refresh_token", "token", "access_token"];

/// The middleware (see the module docs).
pub async fn observe(State(sim): State<Shared>, req: Request, next: Next) -> Response {
    let method = req.method().as_str().to_string();
    let path = req.uri().path().to_string();
    let query = req.uri().query().unwrap_or("").to_string();
    let (parts, body) = req.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, BODY_LIMIT).await else {
        return (StatusCode::PAYLOAD_TOO_LARGE, "request body too large").into_response();
    };
    let helix = path.starts_with("/helix/");
    let fault = sim.world().take_fault(&method, &path, &query, &bytes);
    let req = Request::from_parts(parts, Body::from(bytes.clone()));
    let resp = match &fault {
        Some(f) if !f.after_handling => fault_response(&sim, f, helix),
        Some(f) => {
            drop(next.run(req).await);
            fault_response(&sim, f, helix)
        }
        None => next.run(req).await,
    };
    record(&sim, &method, &path, &query, &bytes, resp.status(), fault.as_ref(), helix);
    resp
}

/// The fault's answer in Twitch's shape: Helix `{"error","status","message"}` (docs/twitch.md
/// §1.8), OAuth `{"status","message"}` (docs/twitch.md §3).
fn fault_response(sim: &Shared, f: &Fault, helix: bool) -> Response {
    let status = StatusCode::from_u16(f.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let body = if helix {
        json!({"error": status.canonical_reason().unwrap_or(""), "status": f.status, "message": f.message})
    } else {
        json!({"status": f.status, "message": f.message})
    };
    let mut resp = (status, axum::Json(body)).into_response();
    if let Some(remaining) = f.ratelimit_remaining {
        let limit = sim.world().config.rate_limit_bucket;
        let now = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0);
        let h = resp.headers_mut();
        h.insert("ratelimit-limit", HeaderValue::from(limit));
        h.insert("ratelimit-remaining", HeaderValue::from(remaining));
        h.insert("ratelimit-reset", HeaderValue::from(now));
    }
    resp
}

/// Counts and logs one request.
#[allow(clippy::too_many_arguments)]
fn record(
    sim: &Shared,
    method: &str,
    path: &str,
    query: &str,
    body: &Bytes,
    status: StatusCode,
    fault: Option<&Fault>,
    helix: bool,
) {
    let status = status.as_u16();
    let faulted = if fault.is_some() { " (injected fault)" } else { "" };
    let mut w = sim.world();
    if fault.is_some() {
        w.counters.faults_answered += 1;
    }
    if helix {
        *w.counters.helix_calls.entry(format!("{method} {path}")).or_default() += 1;
        *w.counters.helix_statuses.entry(status).or_default() += 1;
        let q = if query.is_empty() { String::new() } else { format!("?{query}") };
        w.log.push(
            "helix",
            format!("{method} {path}{q} → {status}{faulted}"),
            json!({"method": method, "path": path, "query": query, "status": status}),
        );
        return;
    }
    let mut pairs = parse_pairs(query);
    pairs.extend(parse_pairs(&String::from_utf8_lossy(body)));
    let key = match first(&pairs, "grant_type").filter(|_| path == "/oauth2/token") {
        Some(g) => format!("{method} {path} {g}"),
        None => format!("{method} {path}"),
    };
    *w.counters.oauth_calls.entry(key.clone()).or_default() += 1;
    let mut params = Map::new();
    for (k, v) in pairs {
        let v = if SECRET_PARAMS.contains(&k.as_str()) { "<redacted>".to_string() } else { v };
        params.insert(k, Value::String(v));
    }
    w.log.push(
        "oauth",
        format!("{key} → {status}{faulted}"),
        json!({"method": method, "path": path, "params": params, "status": status}),
    );
}
