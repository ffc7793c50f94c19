//! The EventSub WebSocket (`/ws`, docs/twitch.md §1): welcome, keepalives only when idle, Ping
//! frames, close codes, `session_reconnect` with carried-over subscriptions, and delivery of
//! notifications to sessions with a matching enabled subscription.

use std::time::Duration;

use axum::Router;
use axum::extract::ws::{CloseFrame, Message, WebSocket, WebSocketUpgrade};
use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde_json::{Value, json};
use tokio::sync::{mpsc, oneshot};
use tokio::time::{Instant, sleep_until};

use crate::catalog;
use crate::payloads;
use crate::world::{
    PendingReconnect, Session, SessionCmd, Shared, World, first, parse_pairs, random_mixed, ts,
    uuid,
};

/// Why an event could not be delivered.
#[derive(Debug, thiserror::Error)]
pub enum DeliverError {
    /// Not a type (or version) the simulator knows.
    #[error("unknown subscription type/version: {0}")]
    UnknownType(String),
    /// No such broadcaster.
    #[error("no user {0}")]
    UnknownUser(String),
    /// The payload builder refused the overrides.
    #[error("{0}")]
    Payload(#[from] payloads::PayloadError),
}

/// Routes of this module.
pub fn routes() -> Router<Shared> {
    Router::new().route("/ws", get(ws_handler))
}

/// Close reasons as twitch-cli sends them (docs/twitch.md §1.5).
pub fn close_reason(code: u16) -> &'static str {
    match code {
        4000 => "internal server error",
        4001 => "sent inbound traffic",
        4002 => "failed ping pong",
        4003 => "connection unused",
        4004 => "client reconnect grace time expired",
        4005 => "network timeout",
        4006 => "network error",
        4007 => "invalid reconnect attempt",
        1000 => "normal closure",
        _ => "closed by the simulator",
    }
}

/// Subscription status after a close with this code (docs/twitch.md §1.7).
fn status_for(code: u16) -> &'static str {
    match code {
        4000 => "websocket_internal_error",
        4001 => "websocket_received_inbound_traffic",
        4002 => "websocket_failed_ping_pong",
        4003 => "websocket_connection_unused",
        4004 | 4007 => "websocket_failed_to_reconnect",
        4005 => "websocket_network_timeout",
        4006 => "websocket_network_error",
        _ => "websocket_disconnected",
    }
}

fn metadata(kind: &str) -> Value {
    json!({"message_id": uuid(), "message_type": kind, "message_timestamp": ts(chrono::Utc::now())})
}

/// `GET /ws[?keepalive_timeout_seconds=N][&challenge=..&id=..]`.
async fn ws_handler(
    State(sim): State<Shared>,
    RawQuery(q): RawQuery,
    ws: WebSocketUpgrade,
) -> Response {
    let p = parse_pairs(q.as_deref().unwrap_or(""));
    // docs/twitch.md §1.1: numeric values outside 10–600 are clamped.
    let keepalive = match first(&p, "keepalive_timeout_seconds") {
        None => sim.world().config.welcome_keepalive_secs,
        Some(v) => match v.trim().parse::<i64>() {
            Ok(n) => n.clamp(10, 600) as u64,
            Err(_) => {
                return (
                    StatusCode::BAD_REQUEST,
                    "keepalive_timeout_seconds must be a whole number",
                )
                    .into_response();
            }
        },
    };
    let reconnect =
        first(&p, "challenge").map(|c| (c.to_string(), first(&p, "id").unwrap_or("").to_string()));
    ws.on_upgrade(move |socket| run(sim, socket, keepalive, reconnect))
}

/// A new session as [`open_session`] registered it.
struct Opened {
    id: String,
    welcome: String,
    keepalive: u64,
    /// A successor's welcome waits for this: the old connection has sent every frame that was
    /// routed to it (see [`SessionCmd::HandedOver`]).
    old_flushed: Option<oneshot::Receiver<()>>,
    /// The session this one succeeds, told once the welcome is out.
    old_id: Option<String>,
}

/// How long a successor's welcome waits for the old connection to send what was routed to it.
/// Only a client that stopped reading its old socket makes it wait this long.
const HANDOVER_FLUSH_WAIT: Duration = Duration::from_secs(5);

/// Registers a new session (or a reconnect successor) and returns its welcome frame.
/// `Err(())` means a bad reconnect (4007).
fn open_session(
    sim: &Shared,
    keepalive: u64,
    reconnect: Option<(String, String)>,
    tx: mpsc::UnboundedSender<SessionCmd>,
) -> Result<Opened, ()> {
    let mut w = sim.world();
    w.counters.ws_connections += 1;
    let id = format!("AQoQ{}", random_mixed(24));
    let now = w.utc_now();
    let mut keepalive = keepalive;
    let mut carried = false;
    let mut old_flushed = None;
    let mut old_session = None;
    if let Some((challenge, old_id)) = reconnect {
        // docs/twitch.md §1.3 step 7: an unknown, used or modified URL is an invalid reconnect.
        let Some(pending) = w.reconnects.remove(&challenge) else {
            w.note("ws", format!("{id} refused: unknown reconnect URL (4007)"));
            return Err(());
        };
        if pending.old_session != old_id || !w.sessions.contains_key(&old_id) {
            w.note("ws", format!("{id} refused: reconnect URL of another session (4007)"));
            return Err(());
        }
        keepalive = pending.keepalive_timeout_seconds;
        // Step 4: the subscriptions carry over to the new session; which id Twitch lists them
        // under afterwards is not documented (`Config::reconnect_keeps_session_id`).
        let keep_id = w.config.reconnect_keeps_session_id;
        for s in w.subscriptions.iter_mut().filter(|s| s.enabled() && s.session_id == old_id) {
            s.session_id = id.clone();
            if !keep_id {
                s.listed_session_id = id.clone();
            }
            s.connected_at = now;
        }
        if let Some(old) = w.sessions.get_mut(&old_id) {
            old.reconnect_id = None;
            // Under the same lock as the move: every frame routed to the old session is
            // queued before this.
            let (done, flushed) = oneshot::channel();
            if old.tx.send(SessionCmd::HandedOver(done)).is_ok() {
                old_flushed = Some(flushed);
            }
        }
        carried = true;
        let moved = w.subscriptions.iter().filter(|s| s.enabled() && s.session_id == id).count();
        w.note(
            "ws",
            format!("{id} connected as the successor of {old_id}; {moved} subscriptions moved"),
        );
        old_session = Some(old_id);
    } else {
        w.note("ws", format!("{id} connected"));
    }
    w.sessions.insert(
        id.clone(),
        Session {
            id: id.clone(),
            status: "connected",
            connected_at: now,
            keepalive_timeout_seconds: keepalive,
            keepalive_enabled: true,
            duplicate_next: false,
            ever_subscribed: carried,
            reconnect_id: None,
            tx,
            notifications_sent: 0,
            keepalives_sent: 0,
            awaiting_successor: false,
            cut_off_on_close: false,
        },
    );
    let welcome = json!({
        "metadata": metadata("session_welcome"),
        "payload": {"session": {
            "id": id,
            "status": "connected",
            "connected_at": ts(now),
            "keepalive_timeout_seconds": keepalive,
            "reconnect_url": null,
        }},
    })
    .to_string();
    Ok(Opened { id, welcome, keepalive, old_flushed, old_id: old_session })
}

/// Pseudo close code for a dropped connection whose subscriptions stay enabled.
const ZOMBIE: u16 = 0;

/// Removes a finished session and disables what still points at it (docs/twitch.md §1.4).
fn finish(sim: &Shared, id: &str, code: u16) {
    let mut w = sim.world();
    if let Some(s) = w.sessions.remove(id)
        && let Some(rid) = s.reconnect_id
    {
        // The successor never came: its URL is now invalid (docs/twitch.md §1.3 step 7).
        w.reconnects.remove(&rid);
    }
    if code != ZOMBIE {
        w.disable_session_subscriptions(id, status_for(code));
    }
    w.counters.ws_open = w.counters.ws_open.saturating_sub(1);
    let how = if code == ZOMBIE {
        "dropped, subscriptions left enabled".to_string()
    } else {
        format!("code {code}")
    };
    w.note("ws", format!("{id} ended ({how})"));
    tracing::debug!(session = id, code, "eventsub session ended");
}

async fn close(sim: &Shared, socket: &mut WebSocket, code: u16) {
    *sim.world().counters.server_closes.entry(code).or_default() += 1;
    let frame = CloseFrame { code, reason: close_reason(code).into() };
    let _ = socket.send(Message::Close(Some(frame))).await;
}

/// Counts a connection as open (`counters.ws_open`, `ws_open_max`).
fn opened(sim: &Shared) {
    let mut w = sim.world();
    w.counters.ws_open += 1;
    w.counters.ws_open_max = w.counters.ws_open_max.max(w.counters.ws_open);
}

/// The socket task: one per connection.
async fn run(
    sim: Shared,
    mut socket: WebSocket,
    keepalive: u64,
    reconnect: Option<(String, String)>,
) {
    let (tx, mut rx) = mpsc::unbounded_channel();
    opened(&sim);
    let Ok(Opened { id, welcome, keepalive, old_flushed, old_id }) =
        open_session(&sim, keepalive, reconnect, tx)
    else {
        close(&sim, &mut socket, 4007).await;
        let mut w = sim.world();
        w.counters.ws_open = w.counters.ws_open.saturating_sub(1);
        return;
    };
    if let Some(flushed) = old_flushed {
        // An Err is an old connection that ended meanwhile: nothing more will come from it.
        let _ = tokio::time::timeout(HANDOVER_FLUSH_WAIT, flushed).await;
    }
    if old_id.is_some() {
        let delay = sim.world().config.successor_welcome_delay_ms;
        if delay > 0 {
            tokio::time::sleep(Duration::from_millis(delay)).await;
        }
    }
    {
        // The welcome goes out now: a close of the old socket from here on is not early.
        let mut w = sim.world();
        if let Some(old) = old_id.as_ref().and_then(|o| w.sessions.get_mut(o)) {
            old.awaiting_successor = false;
        }
        let empty_ms = w.config.empty_bucket_after_welcome_ms;
        if old_id.is_none() && empty_ms > 0 {
            // The switch's window (`Config::empty_bucket_after_welcome_ms`): the Helix bucket
            // is empty just when this session has to subscribe (docs/twitch.md §1.1, §4).
            let until = w.now() + Duration::from_millis(empty_ms);
            w.buckets_empty_until = Some(until);
        }
        w.note("ws", format!("{id} welcomed"));
    }
    if socket.send(Message::Text(welcome.into())).await.is_err() {
        finish(&sim, &id, 1006);
        return;
    }
    let mut shutdown = sim.shutdown.clone();
    let (keepalive_period, unused_after, ping_every) = {
        let w = sim.world();
        let c = &w.config;
        let ka =
            c.keepalive_ms.map(Duration::from_millis).unwrap_or(Duration::from_secs(keepalive));
        // docs/twitch.md §1.1: the welcome's keepalive window doubles as the subscribe deadline.
        let unused = c
            .unused_timeout_ms
            .map(Duration::from_millis)
            .unwrap_or(Duration::from_secs(keepalive));
        (ka, unused, Duration::from_millis(c.ping_interval_ms))
    };
    let mut keepalive_at = Instant::now() + keepalive_period;
    let mut unused_at = Some(Instant::now() + unused_after);
    let mut ping_at = Instant::now() + ping_every;
    let mut awaiting_pong = false;
    let mut grace_at: Option<Instant> = None;
    let far = Duration::from_secs(86_400 * 365);
    let code: u16 = loop {
        tokio::select! {
            biased;
            _ = shutdown.changed() => {
                close(&sim, &mut socket, 1001).await;
                break 1001;
            }
            cmd = rx.recv() => match cmd {
                Some(SessionCmd::Frame(text)) => {
                    if socket.send(Message::Text(text.into())).await.is_err() {
                        break 1006;
                    }
                    // docs/twitch.md §1.2: any message resets the keepalive timer.
                    keepalive_at = Instant::now() + keepalive_period;
                }
                Some(SessionCmd::Close { code }) => {
                    close(&sim, &mut socket, code).await;
                    break code;
                }
                Some(SessionCmd::StartGrace(d)) => grace_at = Some(Instant::now() + d),
                // Every frame queued before it has been sent (FIFO, and `send` flushes).
                Some(SessionCmd::HandedOver(done)) | Some(SessionCmd::Flush(done)) => {
                    let _ = done.send(());
                }
                // No close frame: the socket is simply dropped when this task ends.
                Some(SessionCmd::Drop { zombie }) => break if zombie { ZOMBIE } else { 4006 },
                None => break 1011,
            },
            msg = socket.recv() => match msg {
                Some(Ok(Message::Pong(_))) => awaiting_pong = false,
                Some(Ok(Message::Close(frame))) => {
                    let cut_off = {
                        let mut w = sim.world();
                        let code = frame.map_or(1005, |f| f.code);
                        *w.counters.client_closes.entry(code).or_default() += 1;
                        let s = w.sessions.get(&id);
                        let early = s.is_some_and(|s| s.awaiting_successor);
                        let cut_off = s.is_some_and(|s| s.cut_off_on_close);
                        if early {
                            w.counters.early_closes += 1;
                        }
                        let how = if cut_off { ", cut off without an answer" } else { "" };
                        let when = if early { " before its successor's welcome" } else { "" };
                        w.note("ws", format!("{id} closed by the client with {code}{when}{how}"));
                        cut_off
                    };
                    if cut_off {
                        // No answer: the network is gone, and so is whatever was on its way.
                        break 1006;
                    }
                    // Complete the closing handshake (RFC 6455 §5.5.1: answer a close with a
                    // close); a client knows from it that nothing was cut off.
                    // tungstenite queued the echo; reading once more sends it and ends the socket.
                    let _ = tokio::time::timeout(std::time::Duration::from_secs(1), socket.recv()).await;
                    break 1000;
                }
                None | Some(Err(_)) => break 1000,
                // docs/twitch.md §1.1: anything but a Pong is inbound traffic → 4001.
                Some(Ok(_)) => {
                    sim.world().counters.inbound_frames += 1;
                    close(&sim, &mut socket, 4001).await;
                    break 4001;
                }
            },
            _ = sleep_until(keepalive_at) => {
                let enabled = {
                    let mut w = sim.world();
                    let on = w.sessions.get(&id).is_some_and(|s| s.keepalive_enabled);
                    if on {
                        w.counters.keepalives_sent += 1;
                        if let Some(s) = w.sessions.get_mut(&id) {
                            s.keepalives_sent += 1;
                        }
                    }
                    on
                };
                if enabled {
                    let frame = json!({"metadata": metadata("session_keepalive"), "payload": {}}).to_string();
                    if socket.send(Message::Text(frame.into())).await.is_err() {
                        break 1006;
                    }
                }
                keepalive_at = Instant::now() + keepalive_period;
            }
            _ = sleep_until(unused_at.unwrap_or(Instant::now() + far)), if unused_at.is_some() => {
                unused_at = None;
                let used = sim.world().sessions.get(&id).is_some_and(|s| s.ever_subscribed);
                if !used {
                    close(&sim, &mut socket, 4003).await;
                    break 4003;
                }
            }
            _ = sleep_until(ping_at) => {
                if awaiting_pong {
                    close(&sim, &mut socket, 4002).await;
                    break 4002;
                }
                if socket.send(Message::Ping(Vec::new().into())).await.is_err() {
                    break 1006;
                }
                awaiting_pong = true;
                ping_at = Instant::now() + ping_every;
            }
            _ = sleep_until(grace_at.unwrap_or(Instant::now() + far)), if grace_at.is_some() => {
                // docs/twitch.md §1.3 step 5.
                close(&sim, &mut socket, 4004).await;
                break 4004;
            }
        }
    };
    finish(&sim, &id, code);
    // `finish` removed the session, so nothing is queued after this.
    let mut unsent = 0;
    while let Ok(cmd) = rx.try_recv() {
        unsent += u64::from(matches!(cmd, SessionCmd::Frame(_)));
    }
    if unsent > 0 {
        sim.world().counters.frames_unsent += unsent;
        tracing::debug!(session = id, code, unsent, "frames left unsent when the session ended");
    }
}

/// The successor URL base (`ws://127.0.0.1:PORT`).
fn ws_base(http_base: &str) -> String {
    match http_base.strip_prefix("https://") {
        Some(rest) => format!("wss://{rest}"),
        None => format!("ws://{}", http_base.strip_prefix("http://").unwrap_or(http_base)),
    }
}

/// Sends `session_reconnect` to a session and arms its grace timer (docs/twitch.md §1.3).
/// Returns the successor URL, or `None` when the session does not exist.
pub fn start_reconnect(sim: &Shared, id: &str) -> Option<String> {
    let mut w = sim.world();
    let grace = Duration::from_millis(w.config.reconnect_grace_ms);
    let challenge = random_mixed(24);
    let url = format!("{}/ws?challenge={}&id={}", ws_base(&sim.base_url), challenge, id);
    let s = w.sessions.get_mut(id)?;
    let old = s.reconnect_id.replace(challenge.clone());
    s.status = "reconnecting";
    s.awaiting_successor = true;
    let frame = json!({
        "metadata": metadata("session_reconnect"),
        "payload": {"session": {
            "id": s.id,
            "status": "reconnecting",
            "keepalive_timeout_seconds": null,
            "reconnect_url": url,
            "connected_at": ts(s.connected_at),
        }},
    })
    .to_string();
    let keepalive = s.keepalive_timeout_seconds;
    let _ = s.tx.send(SessionCmd::Frame(frame));
    let _ = s.tx.send(SessionCmd::StartGrace(grace));
    if let Some(o) = old {
        w.reconnects.remove(&o);
    }
    w.reconnects.insert(
        challenge,
        PendingReconnect { old_session: id.to_string(), keepalive_timeout_seconds: keepalive },
    );
    w.note("ws", format!("{id} told to reconnect"));
    Some(url)
}

/// Builds the event for `kind` on `broadcaster_login` and sends it to every session with a
/// matching enabled subscription (docs/twitch.md §1.6 "Only enabled subscriptions deliver").
/// Returns one `message_id` per notification sent (a duplicate repeats its id).
///
/// With a `version`, only that version's subscriptions get it. Without one, the happening
/// reaches every version's subscriptions, each in the shape of the version it subscribed to,
/// as Twitch sends one happening to a `channel.moderate` v1 and a v2 subscriber alike
/// (https://dev.twitch.tv/docs/eventsub/eventsub-subscription-types/ lists each version's
/// payload): the newest version's event is built first, and the others take its people and
/// message id, so every version tells the same happening.
pub fn deliver(
    sim: &Shared,
    kind: &str,
    version: Option<&str>,
    broadcaster_login: &str,
    overrides: &Value,
) -> Result<Vec<String>, DeliverError> {
    let spec = match version {
        Some(v) => catalog::find(kind, v),
        None => catalog::latest(kind),
    }
    .ok_or_else(|| DeliverError::UnknownType(format!("{kind} v{}", version.unwrap_or("?"))))?;
    let mut w = sim.world();
    let broadcaster = w
        .user_by_login(broadcaster_login)
        .cloned()
        .ok_or_else(|| DeliverError::UnknownUser(broadcaster_login.into()))?;
    let built = payloads::build(&w, spec.kind, spec.version, &broadcaster, overrides)?;
    payloads::apply(&mut w, spec.kind, &broadcaster.id, &built.event);
    let now = w.utc_now();
    let mut versions = vec![(spec, built)];
    if version.is_none() {
        let same = same_happening(overrides, &versions[0].1.event);
        for other in
            catalog::TYPES.iter().filter(|t| t.kind == spec.kind && t.version != spec.version)
        {
            let subscribed = w
                .subscriptions
                .iter()
                .any(|s| s.enabled() && s.kind == other.kind && s.version == other.version);
            // A version that cannot tell this happening (a `warn` in `channel.moderate` v1)
            // is not sent it.
            if subscribed
                && let Ok(b) = payloads::build(&w, other.kind, other.version, &broadcaster, &same)
            {
                versions.push((other, b));
            }
        }
    }
    let mut ids = Vec::new();
    for (spec, built) in versions {
        ids.extend(send_built(&mut w, spec, &built, now));
    }
    Ok(ids)
}

/// The overrides for an older version of a happening already built: the caller's, plus the
/// people and message id the newest version's event chose (where the caller left them open).
fn same_happening(overrides: &Value, newest: &Value) -> Value {
    let mut o = if overrides.is_object() { overrides.clone() } else { json!({}) };
    for k in ["user_login", "moderator_user_login", "chatter_user_login", "message_id"] {
        if o.get(k).is_none()
            && let Some(v) = newest.get(k).filter(|v| v.is_string())
        {
            o[k] = v.clone();
        }
    }
    // `channel.moderate`: the action's object (its target, reason, message id) as built.
    if let (Some(obj), Some(true)) = (o.as_object_mut(), newest.get("action").map(Value::is_string))
        && let Some(e) = newest.as_object()
    {
        // The newest event already holds the caller's overrides merged into its defaults.
        for (k, v) in e.iter().filter(|(_, v)| v.is_object()) {
            obj.insert(k.clone(), v.clone());
        }
    }
    o
}

/// Sends one built event to every session with a matching enabled subscription of its
/// type and version; returns the message ids sent.
fn send_built(
    w: &mut World,
    spec: &catalog::TypeSpec,
    built: &payloads::Built,
    now: chrono::DateTime<chrono::Utc>,
) -> Vec<String> {
    let targets: Vec<(String, Value)> = w
        .subscriptions
        .iter()
        .filter(|s| s.enabled() && s.kind == spec.kind && s.version == spec.version)
        .filter(|s| catalog::matches(&s.condition, &built.keys))
        .map(|s| (s.session_id.clone(), s.to_ws_json()))
        .collect();
    let mut ids = Vec::new();
    for (session_id, sub) in targets {
        let message_id = uuid();
        let frame = json!({
            "metadata": {
                "message_id": message_id,
                "message_type": "notification",
                "message_timestamp": ts(now),
                "subscription_type": spec.kind,
                "subscription_version": spec.version,
            },
            "payload": {"subscription": sub, "event": built.event},
        })
        .to_string();
        let Some(s) = w.sessions.get_mut(&session_id) else { continue };
        let times = if std::mem::take(&mut s.duplicate_next) { 2 } else { 1 };
        let mut sent = 0;
        for _ in 0..times {
            if s.tx.send(SessionCmd::Frame(frame.clone())).is_ok() {
                sent += 1;
                ids.push(message_id.clone());
            }
        }
        s.notifications_sent += sent;
        w.counters.notifications_sent += sent;
    }
    ids
}
