//! The session and subscription controls of `/_sim/*`: reconnect, close, drop, keepalives,
//! duplicates, raw frames, cut-offs and flushes of a WebSocket session, and revocations.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::{ControlError, bad, body_json};
use crate::world::{SessionCmd, Shared, World, ts};

fn with_session<T>(
    sim: &Shared,
    id: &str,
    f: impl FnOnce(&mut World) -> T,
) -> Result<T, ControlError> {
    let mut w = sim.world();
    if !w.sessions.contains_key(id) {
        return Err(ControlError::NotFound(format!("no session {id}")));
    }
    Ok(f(&mut w))
}

/// `POST /_sim/sessions/{id}/reconnect`: sends `session_reconnect` (docs/twitch.md §1.3).
pub(super) async fn session_reconnect(
    State(sim): State<Shared>,
    Path(id): Path<String>,
) -> Result<Response, ControlError> {
    let url = crate::eventsub_ws::start_reconnect(&sim, &id)
        .ok_or_else(|| ControlError::NotFound(format!("no session {id}")))?;
    Ok(axum::Json(json!({"reconnect_url": url})).into_response())
}

/// `POST /_sim/sessions/{id}/close {"code": 4005}`: closes with that code (docs/twitch.md §1.5).
pub(super) async fn session_close(
    State(sim): State<Shared>,
    Path(id): Path<String>,
    b: Bytes,
) -> Result<Response, ControlError> {
    let v = body_json(&b)?;
    let code = match v.get("code") {
        None | Some(Value::Null) => 4005,
        Some(c) => c
            .as_u64()
            .and_then(|c| u16::try_from(c).ok())
            .ok_or_else(|| bad("code must be a close code"))?,
    };
    with_session(&sim, &id, |w| {
        if let Some(s) = w.sessions.get(&id) {
            let _ = s.tx.send(SessionCmd::Close { code });
        }
    })?;
    Ok(axum::Json(json!({"closed": id, "code": code})).into_response())
}

/// `POST /_sim/sessions/{id}/drop {"zombie": true}`: the TCP connection ends without a close
/// frame. With `zombie`, the subscriptions stay enabled on the dead session (so they still
/// count for cost, transports and 409s) until the client deletes them (docs/twitch.md §1.4
/// "Practical caveat", §7 pitfalls 6–8); without it they get `websocket_network_error`.
pub(super) async fn session_drop(
    State(sim): State<Shared>,
    Path(id): Path<String>,
    b: Bytes,
) -> Result<Response, ControlError> {
    let v = body_json(&b)?;
    let zombie = match v.get("zombie") {
        None | Some(Value::Null) => false,
        Some(z) => z.as_bool().ok_or_else(|| bad("zombie must be a bool"))?,
    };
    with_session(&sim, &id, |w| {
        if let Some(s) = w.sessions.get(&id) {
            let _ = s.tx.send(SessionCmd::Drop { zombie });
        }
    })?;
    Ok(axum::Json(json!({"dropped": id, "zombie": zombie})).into_response())
}

/// `POST /_sim/sessions/{id}/keepalive {"enabled": false}`.
pub(super) async fn session_keepalive(
    State(sim): State<Shared>,
    Path(id): Path<String>,
    b: Bytes,
) -> Result<Response, ControlError> {
    let v = body_json(&b)?;
    let enabled = v
        .get("enabled")
        .and_then(Value::as_bool)
        .ok_or_else(|| bad("enabled (bool) is required"))?;
    with_session(&sim, &id, |w| {
        if let Some(s) = w.sessions.get_mut(&id) {
            s.keepalive_enabled = enabled;
        }
    })?;
    Ok(axum::Json(json!({"session_id": id, "keepalive_enabled": enabled})).into_response())
}

/// `POST /_sim/sessions/{id}/duplicate-next`: the next notification goes out twice, same
/// `message_id` (docs/twitch.md §1.7 "at least once").
pub(super) async fn session_duplicate(
    State(sim): State<Shared>,
    Path(id): Path<String>,
) -> Result<Response, ControlError> {
    with_session(&sim, &id, |w| {
        if let Some(s) = w.sessions.get_mut(&id) {
            s.duplicate_next = true;
        }
    })?;
    Ok(axum::Json(json!({"session_id": id, "duplicate_next": true})).into_response())
}

/// `POST /_sim/subscriptions/{id}/revoke {"reason": "authorization_revoked"}`
/// (docs/twitch.md §1.2).
pub(super) async fn sub_revoke(
    State(sim): State<Shared>,
    Path(id): Path<String>,
    b: Bytes,
) -> Result<Response, ControlError> {
    let v = body_json(&b)?;
    let reason =
        v.get("reason").and_then(Value::as_str).unwrap_or("authorization_revoked").to_string();
    if reason == "enabled" || !crate::catalog::STATUSES.contains(&reason.as_str()) {
        return Err(bad(format!("unknown revocation reason {reason}")));
    }
    if !sim.world().revoke_subscription(&id, &reason) {
        return Err(ControlError::NotFound(format!("no subscription {id}")));
    }
    Ok(axum::Json(json!({"id": id, "status": reason})).into_response())
}

/// The sessions as `/_sim/state` and `/_sim/sessions` show them, oldest first.
pub(super) fn sessions_json(w: &World) -> Vec<Value> {
    let mut sessions: Vec<Value> = w
        .sessions
        .values()
        .map(|s| {
            json!({
                "id": s.id,
                "status": s.status,
                "connected_at": ts(s.connected_at),
                "keepalive_timeout_seconds": s.keepalive_timeout_seconds,
                "keepalive_enabled": s.keepalive_enabled,
                "subscriptions": w.subscriptions.iter().filter(|x| x.enabled() && x.session_id == s.id).count(),
                "notifications_sent": s.notifications_sent,
                "keepalives_sent": s.keepalives_sent,
                "reconnect_pending": s.reconnect_id.is_some(),
            })
        })
        .collect();
    sessions.sort_by(|a, b| a["connected_at"].as_str().cmp(&b["connected_at"].as_str()));
    sessions
}

/// `GET /_sim/sessions`: the open sessions (the `sessions` of `/_sim/state`, without the rest).
pub(super) async fn list_sessions(State(sim): State<Shared>) -> Response {
    let w = sim.world();
    axum::Json(json!({"sessions": sessions_json(&w)})).into_response()
}

/// `POST /_sim/sessions/{id}/send {"text": "..."}`: writes this text frame as it is, in order
/// with the simulator's own frames: a frame Twitch does not send (malformed JSON, an unknown
/// `message_type`, a `reconnect` instead of `session_reconnect`) that a client must survive
/// (docs/twitch.md §1.2, §7 pitfalls 3 and 18).
pub(super) async fn session_send(
    State(sim): State<Shared>,
    Path(id): Path<String>,
    b: Bytes,
) -> Result<Response, ControlError> {
    let v = body_json(&b)?;
    let text = v
        .get("text")
        .and_then(Value::as_str)
        .ok_or_else(|| bad("text (string) is required"))?
        .to_string();
    let sent = with_session(&sim, &id, |w| {
        w.sessions.get(&id).is_some_and(|s| s.tx.send(SessionCmd::Frame(text)).is_ok())
    })?;
    Ok(axum::Json(json!({"session_id": id, "sent": sent})).into_response())
}

/// `POST /_sim/sessions/{id}/cut-off-on-close`: when the client closes this session, the TCP
/// connection ends without the closing handshake's answer, and frames on their way are lost
/// (docs/twitch.md §1.3 step 3: until the successor's welcome Twitch still sends on the old
/// connection, so a cut-off old socket can lose them; §1.4).
pub(super) async fn session_cut_off(
    State(sim): State<Shared>,
    Path(id): Path<String>,
) -> Result<Response, ControlError> {
    with_session(&sim, &id, |w| {
        if let Some(s) = w.sessions.get_mut(&id) {
            s.cut_off_on_close = true;
        }
    })?;
    Ok(axum::Json(json!({"session_id": id, "cut_off_on_close": true})).into_response())
}

/// `POST /_sim/sessions/{id}/flush`: answers once every frame routed to the session before
/// this call is written to its socket, or 410 when the connection ended first. A test then
/// knows what the client can have read, as a reconnect successor's welcome does
/// (docs/twitch.md §1.3 step 3).
pub(super) async fn session_flush(
    State(sim): State<Shared>,
    Path(id): Path<String>,
) -> Result<Response, ControlError> {
    let (done, flushed) = tokio::sync::oneshot::channel();
    let queued = with_session(&sim, &id, |w| {
        w.sessions.get(&id).is_some_and(|s| s.tx.send(SessionCmd::Flush(done)).is_ok())
    })?;
    if !queued || flushed.await.is_err() {
        return Err(ControlError::Gone(format!(
            "session {id} ended before its frames were written"
        )));
    }
    Ok(axum::Json(json!({"session_id": id, "flushed": true})).into_response())
}
