//! The inspection and fault controls of `/_sim/*`: injected Helix/OAuth faults, the log of
//! what happened, and what the simulator knows of a token a client holds.

use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::{ControlError, bad, body_json, opt_u64};
use crate::world::{Fault, Shared, first, parse_pairs};

/// `GET /_sim/faults`: the faults still waiting for a request.
pub(super) async fn list_faults(State(sim): State<Shared>) -> Response {
    axum::Json(json!({"faults": sim.world().faults})).into_response()
}

/// `POST /_sim/faults {"path", "method"?, "type"?, "grant_type"?, "status", "message"?,
/// "ratelimit_remaining"?, "times"?, "sticky"?, "after_handling"?}`: the next request (or the
/// next `times`, or with `sticky` every one until `DELETE /_sim/faults`) whose path starts with
/// `path` gets `status` with Twitch's error body instead of its answer (see
/// [`crate::world::Fault`] for why Twitch answers so). Answers the fault with its `id`.
pub(super) async fn add_fault(
    State(sim): State<Shared>,
    b: Bytes,
) -> Result<Response, ControlError> {
    let v = body_json(&b)?;
    let text = |k: &str| -> Result<Option<String>, ControlError> {
        match v.get(k) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(_) => Err(bad(format!("{k} must be a string"))),
        }
    };
    let path = text("path")?
        .filter(|p| p.starts_with("/helix/") || p.starts_with("/oauth2/"))
        .ok_or_else(|| bad("path must start with /helix/ or /oauth2/"))?;
    let status = opt_u64(&v, "status")?
        .and_then(|s| u16::try_from(s).ok())
        .filter(|s| (400..=599).contains(s))
        .ok_or_else(|| bad("status must be 400..=599"))?;
    let reason = StatusCode::from_u16(status).ok().and_then(|s| s.canonical_reason());
    let message = text("message")?.unwrap_or_else(|| reason.unwrap_or("error").to_string());
    let flag = |k: &str| -> Result<bool, ControlError> {
        match v.get(k) {
            None | Some(Value::Null) => Ok(false),
            Some(x) => x.as_bool().ok_or_else(|| bad(format!("{k} must be a bool"))),
        }
    };
    let sticky = flag("sticky")?;
    let times = match opt_u64(&v, "times")? {
        None => 1,
        Some(n) if (1..=10_000).contains(&n) => n,
        Some(_) => return Err(bad("times must be 1..=10000")),
    };
    let mut w = sim.world();
    let id = w.seq();
    let fault = Fault {
        id,
        method: text("method")?.map(|m| m.to_ascii_uppercase()),
        path,
        sub_type: text("type")?,
        grant_type: text("grant_type")?,
        status,
        message,
        ratelimit_remaining: opt_u64(&v, "ratelimit_remaining")?,
        times: (!sticky).then_some(times),
        after_handling: flag("after_handling")?,
    };
    let body = serde_json::to_value(&fault).unwrap_or_default();
    w.note(
        "fault",
        format!(
            "fault {id} armed: {} {} → {status}",
            fault.method.as_deref().unwrap_or("*"),
            fault.path
        ),
    );
    w.faults.push(fault);
    Ok((StatusCode::CREATED, axum::Json(body)).into_response())
}

/// `DELETE /_sim/faults`: forgets every waiting fault; answers how many there were.
pub(super) async fn clear_faults(State(sim): State<Shared>) -> Response {
    let mut w = sim.world();
    let n = w.faults.len();
    w.faults.clear();
    axum::Json(json!({"cleared": n})).into_response()
}

/// `GET /_sim/log[?since=SEQ][&kind=ws|subscription|helix|oauth|fault]`: what happened, oldest
/// first (see [`crate::world::Log`]).
pub(super) async fn log(
    State(sim): State<Shared>,
    RawQuery(q): RawQuery,
) -> Result<Response, ControlError> {
    let p = parse_pairs(q.as_deref().unwrap_or(""));
    let since = match first(&p, "since") {
        None => 0,
        Some(s) => s.parse().map_err(|_| bad("since must be a sequence number"))?,
    };
    let entries = sim.world().log.entries(since, first(&p, "kind"));
    Ok(axum::Json(json!({"entries": entries})).into_response())
}

/// `POST /_sim/tokens/lookup {"token"}`: what the simulator knows of a token value a client
/// holds — an access or refresh token, whose, whether it still works — so a test can check
/// that a client keeps the live one (a spent refresh token revokes the whole grant,
/// docs/twitch.md §3.2). 404 for a value it never issued or has forgotten (revoked).
pub(super) async fn token_lookup(
    State(sim): State<Shared>,
    b: Bytes,
) -> Result<Response, ControlError> {
    let v = body_json(&b)?;
    let token = v.get("token").and_then(Value::as_str).ok_or_else(|| bad("token is required"))?;
    let w = sim.world();
    let now = w.now();
    if let Some(t) = w.access_tokens.get(token) {
        let expired = t.expires_at <= now;
        return Ok(axum::Json(json!({
            "kind": "access",
            "client_id": t.client_id,
            "user_id": t.user_id,
            "scopes": t.scopes,
            "expired": expired,
            "live": !expired,
        }))
        .into_response());
    }
    if let Some(r) = w.refresh_tokens.get(token) {
        let auth = w.authorizations.get(&r.auth_id);
        let revoked = auth.is_none_or(|a| a.revoked);
        let expired = r.expires_at <= now;
        return Ok(axum::Json(json!({
            "kind": "refresh",
            "client_id": auth.map(|a| a.client_id.clone()),
            "user_id": auth.map(|a| a.user_id.clone()),
            "spent": r.spent,
            "revoked": revoked,
            "expired": expired,
            "live": !r.spent && !revoked && !expired,
        }))
        .into_response());
    }
    Err(ControlError::NotFound("no such token".into()))
}
