//! A small in-process fake of Twitch's EventSub WebSocket + Helix subscription API for the
//! session/watcher tests, written from twitch.md §1 (used until twitch-sim's EventSub parts
//! land). It follows production semantics where twitch-cli's mock differs (twitch.md §6, §7
//! pitfall 17): duplicates are per type+condition, revocation frames exist, costs count.
#![allow(dead_code, clippy::collapsible_if, clippy::result_large_err)]

pub mod sim;

use axum::extract::ws::{CloseFrame, Message, WebSocket, WebSocketUpgrade};
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tev_core::token::{AccessToken, BoxFuture, Credentials, TokenError, TokenSource};
use tokio::sync::mpsc;

pub const ME: &str = "900";
pub const CLIENT_ID: &str = "fake-client";

/// What a socket task is told to do.
#[derive(Debug)]
pub enum Out {
    Text(String),
    /// Signals once everything queued before it is on the wire.
    Barrier(tokio::sync::oneshot::Sender<()>),
    Close(u16),
    /// Drop the TCP connection without a close frame.
    Drop,
}

#[derive(Debug, Clone)]
pub struct FakeSub {
    pub id: String,
    pub sub_type: String,
    pub version: String,
    pub condition: BTreeMap<String, String>,
    pub session_id: String,
    pub status: String,
    pub cost: u32,
}

pub struct Conn {
    pub tx: mpsc::UnboundedSender<Out>,
    pub connected: bool,
    pub keepalive: bool,
    pub duplicate_next: bool,
    /// Welcome sent at (for the 4003 check).
    pub subscribed: bool,
    /// Set when this session was told to reconnect; the successor's session id once welcomed.
    pub reconnecting: bool,
    pub successor: Option<String>,
    /// When the client closes this socket, drop the TCP connection without answering its
    /// close (the network cut it off; frames on their way may be gone).
    pub cut_off_on_close: bool,
}

#[derive(Default)]
pub struct Counters {
    pub connections: u64,
    pub open_now: i64,
    pub max_open: i64,
    pub posts: u64,
    pub deletes: u64,
    pub lists: u64,
    /// Close codes the client sent.
    pub client_closes: Vec<u16>,
    /// Close codes the server sent.
    pub server_closes: Vec<u16>,
    /// Text/binary frames the client sent (anything but pong is a 4001 at Twitch).
    pub inbound: u64,
    /// An old socket closed by the client before its successor's welcome (4007 at Twitch).
    pub early_closes: u64,
    /// Old sockets closed by the server because the grace expired (4004).
    pub grace_expired: u64,
    pub helix_401: u64,
    pub helix_409: u64,
    pub helix_429: u64,
}

pub struct World {
    pub addr: String,
    pub conns: HashMap<String, Conn>,
    pub subs: Vec<FakeSub>,
    pub users: BTreeMap<String, String>,
    /// Tokens Helix accepts.
    pub valid_tokens: Vec<String>,
    /// `(method, status, message, ratelimit-remaining)` answered before the next matching call.
    pub fail_next: VecDeque<(String, u16, String, Option<u64>)>,
    /// Types answered with 403 for every channel.
    pub forbidden: Vec<String>,
    pub counters: Counters,
    pub keepalive_secs: u64,
    /// Seconds after the welcome before 4003 if nothing is subscribed.
    pub unused_after: Duration,
    /// How long an old socket may stay after `session_reconnect` (Twitch: 30 s).
    pub reconnect_grace: Duration,
    pub max_total_cost: u32,
    /// Each subscription POST waits this long before it is handled.
    pub post_delay: Duration,
    /// A handover successor waits this long before sending its welcome.
    pub welcome_delay: Duration,
    pub live: Vec<String>,
    /// Which session each message id went to (for diagnostics).
    pub sent_to: HashMap<String, String>,
    /// What happened to sockets and subscriptions, with wall-clock times (diagnostics).
    pub log: Vec<(chrono::DateTime<chrono::Utc>, String)>,
}

pub type Shared = Arc<Mutex<World>>;

impl World {
    /// Notes a socket or subscription happening for a failure message.
    pub fn note(&mut self, what: String) {
        self.log.push((chrono::Utc::now(), what));
    }
}

static NEXT: AtomicU64 = AtomicU64::new(1);
fn next_id(prefix: &str) -> String {
    format!("{prefix}{}", NEXT.fetch_add(1, Ordering::SeqCst))
}

pub fn now_rfc3339() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Nanos, true)
}

/// A running fake. Dropping it leaves the server task running until the runtime ends.
#[derive(Clone)]
pub struct Fake {
    pub world: Shared,
    pub base: String,
}

impl Fake {
    pub async fn start() -> Fake {
        let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = l.local_addr().expect("addr").to_string();
        let mut users = BTreeMap::new();
        for (i, login) in ["lumen", "aria", "brook", "cinder", "dune", "ember", "fjord", "gale"]
            .iter()
            .enumerate()
        {
            users.insert(login.to_string(), format!("{}", 100 + i));
        }
        users.insert("me".into(), ME.into());
        let world = Arc::new(Mutex::new(World {
            addr: addr.clone(),
            conns: HashMap::new(),
            subs: Vec::new(),
            users,
            valid_tokens: vec!["tok-1".into()],
            fail_next: VecDeque::new(),
            forbidden: Vec::new(),
            counters: Counters::default(),
            keepalive_secs: 1,
            unused_after: Duration::from_secs(3),
            reconnect_grace: Duration::from_secs(5),
            max_total_cost: 10,
            post_delay: Duration::ZERO,
            welcome_delay: Duration::ZERO,
            live: Vec::new(),
            sent_to: HashMap::new(),
            log: Vec::new(),
        }));
        let app = axum::Router::new()
            .route("/ws", get(ws))
            .route("/helix/users", get(users_h))
            .route("/helix/streams", get(streams_h))
            .route("/helix/eventsub/subscriptions", get(list_h).post(create_h).delete(delete_h))
            .with_state(world.clone());
        tokio::spawn(async move { axum::serve(l, app).await });
        Fake { world, base: format!("http://{addr}") }
    }

    pub fn with<T>(&self, f: impl FnOnce(&mut World) -> T) -> T {
        let mut w = self.world.lock().expect("world");
        f(&mut w)
    }

    /// Sends a notification of `sub_type` for `broadcaster_id` to every session with an
    /// enabled matching subscription; returns the message ids sent (one per session).
    pub fn emit(&self, sub_type: &str, broadcaster_id: &str) -> Vec<String> {
        self.emit_with(sub_type, broadcaster_id, serde_json::json!({}))
    }

    pub fn emit_with(
        &self,
        sub_type: &str,
        broadcaster_id: &str,
        extra: serde_json::Value,
    ) -> Vec<String> {
        let mut w = self.world.lock().expect("world");
        let targets: Vec<FakeSub> = w
            .subs
            .iter()
            .filter(|s| {
                s.status == "enabled"
                    && s.sub_type == sub_type
                    && cond_channel(&s.condition) == Some(broadcaster_id)
            })
            .cloned()
            .collect();
        let mut ids = Vec::new();
        for s in targets {
            // During a handover events keep flowing on the old socket until the successor's
            // welcome (twitch.md §1.3 step 3); subscriptions move at that welcome.
            let Some(c) = w.conns.get_mut(&s.session_id) else { continue };
            if !c.connected {
                continue;
            }
            let id = next_id("msg-");
            let frame = notification(&id, &s, broadcaster_id, &extra);
            let _ = c.tx.send(Out::Text(frame.clone()));
            if c.duplicate_next {
                c.duplicate_next = false;
                let _ = c.tx.send(Out::Text(frame));
            }
            w.sent_to.insert(id.clone(), s.session_id.clone());
            ids.push(id);
        }
        ids
    }

    /// Why `emit` would find nothing for this type and channel (diagnostics).
    pub fn explain(&self, sub_type: &str, broadcaster_id: &str) -> String {
        self.with(|w| {
            let subs: Vec<String> = w
                .subs
                .iter()
                .filter(|s| {
                    s.sub_type == sub_type && cond_channel(&s.condition) == Some(broadcaster_id)
                })
                .map(|s| {
                    let conn = w.conns.get(&s.session_id).map(|c| c.connected);
                    format!("{} {} on {} (connected {:?})", s.id, s.status, s.session_id, conn)
                })
                .collect();
            let live: Vec<&String> =
                w.conns.iter().filter(|(_, c)| c.connected).map(|(k, _)| k).collect();
            format!("subs {subs:?}; connected sessions {live:?}")
        })
    }

    /// The connected session ids, oldest first (sorted, so a seeded run picks the same one).
    pub fn sessions(&self) -> Vec<String> {
        let mut s: Vec<(u64, String)> = self.with(|w| {
            w.conns
                .iter()
                .filter(|(_, c)| c.connected)
                .map(|(k, _)| (k.trim_start_matches("sess-").parse().unwrap_or(0), k.clone()))
                .collect()
        });
        s.sort();
        s.into_iter().map(|(_, k)| k).collect()
    }

    pub fn enabled_subs(&self) -> Vec<FakeSub> {
        self.with(|w| w.subs.iter().filter(|s| s.status == "enabled").cloned().collect())
    }

    pub fn send(&self, session: &str, out: Out) {
        self.with(|w| {
            if let Some(c) = w.conns.get(session) {
                let _ = c.tx.send(out);
            }
        });
    }

    /// `session_reconnect` to `session` (twitch.md §1.3).
    pub fn reconnect(&self, session: &str) {
        let (frame, grace) = self.with(|w| {
            let url = format!("ws://{}/ws?reconnect_id={session}", w.addr);
            if let Some(c) = w.conns.get_mut(session) {
                c.reconnecting = true;
            }
            w.note(format!("{session} told to reconnect"));
            let frame = serde_json::json!({
                "metadata": {"message_id": next_id("rc-"), "message_type": "session_reconnect", "message_timestamp": now_rfc3339()},
                "payload": {"session": {"id": session, "status": "reconnecting", "keepalive_timeout_seconds": null,
                    "reconnect_url": url, "connected_at": now_rfc3339()}}
            });
            (frame.to_string(), w.reconnect_grace)
        });
        self.send(session, Out::Text(frame));
        let world = self.world.clone();
        let session = session.to_string();
        tokio::spawn(async move {
            tokio::time::sleep(grace).await;
            let mut w = world.lock().expect("world");
            if let Some(c) = w.conns.get(&session) {
                if c.connected {
                    let _ = c.tx.send(Out::Close(4004));
                    w.counters.grace_expired += 1;
                }
            }
        });
    }

    /// Closes `session` with `code`; its subscriptions are disabled (twitch.md §1.4).
    pub fn close(&self, session: &str, code: u16) {
        self.send(session, Out::Close(code));
    }

    /// Drops `session`'s TCP without a close; its subscriptions stay "enabled" for a while
    /// (twitch.md §1.4 practical caveat, §7 pitfall 6).
    pub fn drop_dirty(&self, session: &str) {
        self.send(session, Out::Drop);
    }

    pub fn revoke(&self, sub_id: &str, reason: &str) {
        let (frame, session) = self.with(|w| {
            let Some(s) = w.subs.iter_mut().find(|s| s.id == sub_id) else { return (None, String::new()) };
            s.status = reason.to_string();
            let frame = serde_json::json!({
                "metadata": {"message_id": next_id("rv-"), "message_type": "revocation", "message_timestamp": now_rfc3339(),
                    "subscription_type": s.sub_type, "subscription_version": s.version},
                "payload": {"subscription": sub_json(s)}
            });
            (Some(frame.to_string()), s.session_id.clone())
        });
        if let Some(f) = frame {
            self.send(&session, Out::Text(f));
        }
    }
}

pub fn cond_channel(c: &BTreeMap<String, String>) -> Option<&str> {
    c.get("broadcaster_user_id").or_else(|| c.get("to_broadcaster_user_id")).map(String::as_str)
}

fn sub_json(s: &FakeSub) -> serde_json::Value {
    serde_json::json!({"id": s.id, "status": s.status, "type": s.sub_type, "version": s.version, "cost": s.cost,
        "condition": s.condition, "transport": {"method": "websocket", "session_id": s.session_id},
        "created_at": "2026-11-28T03:00:00.123456789Z"})
}

fn notification(id: &str, s: &FakeSub, channel: &str, extra: &serde_json::Value) -> String {
    let mut event = serde_json::json!({
        "broadcaster_user_id": channel, "broadcaster_user_login": format!("login{channel}"),
        "broadcaster_user_name": format!("Login{channel}"),
        "id": "stream-1", "type": "live", "started_at": now_rfc3339(),
    });
    if let (Some(e), Some(x)) = (event.as_object_mut(), extra.as_object()) {
        for (k, v) in x {
            e.insert(k.clone(), v.clone());
        }
    }
    serde_json::json!({
        "metadata": {"message_id": id, "message_type": "notification", "message_timestamp": now_rfc3339(),
            "subscription_type": s.sub_type, "subscription_version": s.version},
        "payload": {"subscription": sub_json(s), "event": event}
    })
    .to_string()
}

fn welcome(session: &str, keepalive: u64) -> String {
    serde_json::json!({
        "metadata": {"message_id": next_id("wl-"), "message_type": "session_welcome", "message_timestamp": now_rfc3339()},
        "payload": {"session": {"id": session, "status": "connected", "connected_at": now_rfc3339(),
            "keepalive_timeout_seconds": keepalive, "reconnect_url": null}}
    })
    .to_string()
}

fn keepalive_frame() -> String {
    serde_json::json!({
        "metadata": {"message_id": next_id("ka-"), "message_type": "session_keepalive", "message_timestamp": now_rfc3339()},
        "payload": {}
    })
    .to_string()
}

fn status_for(code: u16) -> &'static str {
    match code {
        4000 => "websocket_internal_error",
        4001 => "websocket_received_inbound_traffic",
        4002 => "websocket_failed_ping_pong",
        4003 => "websocket_connection_unused",
        4004 => "websocket_failed_to_reconnect",
        4005 => "websocket_network_timeout",
        4006 => "websocket_network_error",
        _ => "websocket_disconnected",
    }
}

async fn ws(
    State(w): State<Shared>,
    Query(q): Query<HashMap<String, String>>,
    up: WebSocketUpgrade,
) -> Response {
    up.on_upgrade(move |sock| run_ws(w, q.get("reconnect_id").cloned(), sock))
}

async fn run_ws(world: Shared, reconnect_of: Option<String>, mut sock: WebSocket) {
    let session = next_id("sess-");
    let (tx, mut rx) = mpsc::unbounded_channel();
    let (keepalive, unused_after) = {
        let mut w = world.lock().expect("world");
        w.counters.connections += 1;
        w.counters.open_now += 1;
        w.counters.max_open = w.counters.max_open.max(w.counters.open_now);
        let handover = reconnect_of
            .as_ref()
            .is_some_and(|old| w.conns.get(old).is_some_and(|c| c.connected && c.reconnecting));
        w.conns.insert(
            session.clone(),
            Conn {
                tx: tx.clone(),
                connected: true,
                keepalive: true,
                duplicate_next: false,
                subscribed: handover,
                reconnecting: false,
                successor: None,
                cut_off_on_close: false,
            },
        );
        w.note(format!("{session} connected (reconnect of {reconnect_of:?}, handover {handover})"));
        if let Some(old) = reconnect_of.as_ref().filter(|_| handover) {
            // Subscriptions carry over at the successor's welcome (twitch.md §1.3 step 4).
            for s in w.subs.iter_mut().filter(|s| &s.session_id == old && s.status == "enabled") {
                s.session_id = session.clone();
            }
            if let Some(c) = w.conns.get_mut(old) {
                c.successor = Some(session.clone());
            }
        }
        (w.keepalive_secs, w.unused_after)
    };
    if reconnect_of.is_some()
        && !world.lock().expect("world").conns.get(&session).is_some_and(|c| c.subscribed)
    {
        // A bad reconnect: 4007 (twitch.md §1.5).
        let _ = tx.send(Out::Close(4007));
    } else if let Some(old) = &reconnect_of {
        // Twitch routes events to the old socket until the successor's welcome: whatever was
        // routed there is on the old wire before the welcome goes out (twitch.md §1.3 step 3).
        let (done_tx, done_rx) = tokio::sync::oneshot::channel();
        let old_tx = world.lock().expect("world").conns.get(old).map(|c| c.tx.clone());
        if let Some(old_tx) = old_tx
            && old_tx.send(Out::Barrier(done_tx)).is_ok()
        {
            // Bounded only so a wedged test fails rather than hangs: a slow client must not
            // let the welcome overtake frames still queued for the old socket.
            let _ = tokio::time::timeout(Duration::from_secs(10), done_rx).await;
        }
        let delay = world.lock().expect("world").welcome_delay;
        tokio::time::sleep(delay).await;
    }
    world.lock().expect("world").note(format!("{session} welcome sent"));
    if sock.send(Message::Text(welcome(&session, keepalive).into())).await.is_err() {
        return finish(&world, &session, None);
    }
    {
        let world = world.clone();
        let session = session.clone();
        let tx = tx.clone();
        tokio::spawn(async move {
            tokio::time::sleep(unused_after).await;
            let w = world.lock().expect("world");
            if let Some(c) = w.conns.get(&session) {
                if c.connected && !c.subscribed {
                    let _ = tx.send(Out::Close(4003));
                }
            }
        });
    }
    let period = Duration::from_secs(keepalive);
    let mut last_sent = tokio::time::Instant::now();
    let mut ping = tokio::time::interval(Duration::from_millis(700));
    let mut server_code = None;
    loop {
        tokio::select! {
            out = rx.recv() => match out {
                Some(Out::Text(t)) => {
                    if sock.send(Message::Text(t.into())).await.is_err() { break; }
                    last_sent = tokio::time::Instant::now();
                }
                Some(Out::Close(code)) => {
                    server_code = Some(code);
                    {
                        let mut w = world.lock().expect("world");
                        w.counters.server_closes.push(code);
                        w.note(format!("{session} closed by the server {code}"));
                    }
                    let _ = sock.send(Message::Close(Some(CloseFrame { code, reason: "".into() }))).await;
                    break;
                }
                Some(Out::Barrier(done)) => {
                    let _ = done.send(());
                }
                Some(Out::Drop) | None => {
                    // Dirty: subscriptions stay listed as enabled (twitch.md §1.4 caveat).
                    let mut w = world.lock().expect("world");
                    if let Some(c) = w.conns.get_mut(&session) { c.connected = false; }
                    w.note(format!("{session} dropped dirty"));
                    w.counters.open_now -= 1;
                    return;
                }
            },
            _ = tokio::time::sleep_until(last_sent + period) => {
                let ka = world.lock().expect("world").conns.get(&session).is_some_and(|c| c.keepalive);
                if ka {
                    if sock.send(Message::Text(keepalive_frame().into())).await.is_err() { break; }
                }
                last_sent = tokio::time::Instant::now();
            }
            _ = ping.tick() => {
                if sock.send(Message::Ping(vec![1, 2].into())).await.is_err() { break; }
            }
            m = sock.recv() => match m {
                Some(Ok(Message::Close(f))) => {
                    let code = f.map(|f| f.code).unwrap_or(1005);
                    {
                        let mut w = world.lock().expect("world");
                        w.counters.client_closes.push(code);
                        w.note(format!("{session} closed by the client {code}"));
                        let early = w.conns.get(&session).is_some_and(|c| c.reconnecting && c.successor.is_none());
                        if early { w.counters.early_closes += 1; }
                    }
                    let cut = world.lock().expect("world").conns.get(&session).is_some_and(|c| c.cut_off_on_close);
                    if cut {
                        // Dropped without the echo: the client cannot know what was lost.
                        let mut w = world.lock().expect("world");
                        if let Some(c) = w.conns.get_mut(&session) { c.connected = false; }
                        w.counters.open_now -= 1;
                        w.note(format!("{session} cut off at the client's close"));
                        return;
                    }
                    // Complete the closing handshake (RFC 6455 §5.5.1: answer a close with a
                    // close); the client knows from it that nothing was cut off.
                    // tungstenite queued the echo; reading once more sends it and ends the socket.
                    let _ = tokio::time::timeout(Duration::from_secs(1), sock.recv()).await;
                    break;
                }
                Some(Ok(Message::Pong(_))) => {}
                Some(Ok(_)) => {
                    // twitch.md §1.1: anything but a pong → 4001.
                    world.lock().expect("world").counters.inbound += 1;
                    server_code = Some(4001);
                    let _ = sock.send(Message::Close(Some(CloseFrame { code: 4001, reason: "".into() }))).await;
                    break;
                }
                Some(Err(_)) | None => break,
            },
        }
    }
    finish(&world, &session, server_code);
}

fn finish(world: &Shared, session: &str, code: Option<u16>) {
    let mut w = world.lock().expect("world");
    let moved = w.conns.get(session).is_some_and(|c| c.successor.is_some());
    w.note(format!("{session} finished (code {code:?}, moved {moved})"));
    if let Some(c) = w.conns.get_mut(session) {
        if c.connected {
            c.connected = false;
            w.counters.open_now -= 1;
        }
    }
    if !moved {
        let status = status_for(code.unwrap_or(1000));
        for s in w.subs.iter_mut().filter(|s| s.session_id == session && s.status == "enabled") {
            s.status = status.to_string();
        }
    }
}

fn err(status: u16, message: &str, remaining: Option<u64>) -> Response {
    let code = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let body = serde_json::json!({"error": code.canonical_reason().unwrap_or(""), "status": status, "message": message});
    let mut r = (code, axum::Json(body)).into_response();
    if let Some(n) = remaining {
        r.headers_mut().insert("ratelimit-remaining", n.into());
        let reset = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0);
        r.headers_mut().insert("ratelimit-reset", reset.into());
    }
    r
}

/// Auth + injected failures; `Err` is the response to give.
fn gate(w: &mut World, h: &HeaderMap, method: &str) -> Result<(), Response> {
    let auth = h.get("authorization").and_then(|v| v.to_str().ok()).unwrap_or("");
    let cid = h.get("client-id").and_then(|v| v.to_str().ok()).unwrap_or("");
    if let Some(pos) = w.fail_next.iter().position(|(m, ..)| m == method || m == "*") {
        if let Some((_, status, message, remaining)) = w.fail_next.remove(pos) {
            if status == 401 {
                w.counters.helix_401 += 1;
            }
            if status == 429 {
                w.counters.helix_429 += 1;
            }
            return Err(err(status, &message, remaining));
        }
    }
    let ok = auth.strip_prefix("Bearer ").is_some_and(|t| w.valid_tokens.iter().any(|v| v == t));
    if !ok || cid != CLIENT_ID {
        w.counters.helix_401 += 1;
        return Err(err(401, "Invalid OAuth token", None));
    }
    Ok(())
}

async fn users_h(
    State(w): State<Shared>,
    h: HeaderMap,
    Query(q): Query<Vec<(String, String)>>,
) -> Response {
    let mut w = w.lock().expect("world");
    if let Err(r) = gate(&mut w, &h, "GET users") {
        return r;
    }
    let data: Vec<serde_json::Value> = q
        .iter()
        .filter(|(k, _)| k == "login")
        .filter_map(|(_, l)| w.users.get(l).map(|id| (l, id)))
        .map(|(l, id)| serde_json::json!({"id": id, "login": l, "display_name": l.to_uppercase(), "type": "", "broadcaster_type": ""}))
        .collect();
    axum::Json(serde_json::json!({"data": data})).into_response()
}

async fn streams_h(
    State(w): State<Shared>,
    h: HeaderMap,
    Query(q): Query<Vec<(String, String)>>,
) -> Response {
    let mut w = w.lock().expect("world");
    if let Err(r) = gate(&mut w, &h, "GET streams") {
        return r;
    }
    let data: Vec<serde_json::Value> = q
        .iter()
        .filter(|(k, _)| k == "user_login")
        .filter(|(_, l)| w.live.contains(l))
        .filter_map(|(_, l)| w.users.get(l).map(|id| (l, id)))
        .map(|(l, id)| serde_json::json!({"id": "st", "user_id": id, "user_login": l, "user_name": l, "type": "live", "title": "live!"}))
        .collect();
    axum::Json(serde_json::json!({"data": data, "pagination": {}})).into_response()
}

fn totals(w: &World) -> (u32, u32) {
    let cost = w.subs.iter().filter(|s| s.status == "enabled").map(|s| s.cost).sum();
    (w.subs.len() as u32, cost)
}

async fn list_h(
    State(w): State<Shared>,
    h: HeaderMap,
    Query(q): Query<Vec<(String, String)>>,
) -> Response {
    let mut w = w.lock().expect("world");
    if let Err(r) = gate(&mut w, &h, "GET eventsub") {
        return r;
    }
    w.counters.lists += 1;
    let t = q.iter().find(|(k, _)| k == "type").map(|(_, v)| v.clone());
    let data: Vec<serde_json::Value> = w
        .subs
        .iter()
        .filter(|s| t.as_ref().is_none_or(|t| &s.sub_type == t))
        .map(sub_json)
        .collect();
    let (total, cost) = totals(&w);
    axum::Json(serde_json::json!({"data": data, "total": total, "total_cost": cost, "max_total_cost": w.max_total_cost, "pagination": {}}))
        .into_response()
}

async fn delete_h(
    State(w): State<Shared>,
    h: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let mut w = w.lock().expect("world");
    if let Err(r) = gate(&mut w, &h, "DELETE eventsub") {
        return r;
    }
    w.counters.deletes += 1;
    let id = q.get("id").cloned().unwrap_or_default();
    let before = w.subs.len();
    w.subs.retain(|s| s.id != id);
    w.note(format!("{id} deleted"));
    if w.subs.len() == before {
        return err(404, "subscription not found", None);
    }
    StatusCode::NO_CONTENT.into_response()
}

#[derive(serde::Deserialize)]
struct CreateBody {
    #[serde(rename = "type")]
    sub_type: String,
    version: String,
    condition: BTreeMap<String, String>,
    transport: TransportBody,
}
#[derive(serde::Deserialize)]
struct TransportBody {
    method: String,
    session_id: String,
}

async fn create_h(State(w): State<Shared>, h: HeaderMap, body: axum::Json<CreateBody>) -> Response {
    let delay = w.lock().expect("world").post_delay;
    tokio::time::sleep(delay).await;
    let mut w = w.lock().expect("world");
    if let Err(r) = gate(&mut w, &h, "POST eventsub") {
        return r;
    }
    w.counters.posts += 1;
    let b = body.0;
    if b.transport.method != "websocket" {
        return err(400, "invalid transport method", None);
    }
    if !w.conns.get(&b.transport.session_id).is_some_and(|c| c.connected) {
        return err(
            400,
            "websocket transport session does not exist or has already disconnected",
            None,
        );
    }
    if w.forbidden.contains(&b.sub_type) {
        return err(403, "subscription missing proper authorization", None);
    }
    // twitch.md §1.6: duplicates are per type + condition (production, not the mock).
    if let Some(s) = w.subs.iter().find(|s| {
        s.status == "enabled"
            && s.sub_type == b.sub_type
            && s.version == b.version
            && s.condition == b.condition
    }) {
        let _ = s;
        w.counters.helix_409 += 1;
        return err(409, "subscription already exists", None);
    }
    let cost = u32::from(tev_core::eventsub::planner::is_public_type(&b.sub_type));
    let (_, total_cost) = totals(&w);
    if total_cost + cost > w.max_total_cost {
        w.counters.helix_429 += 1;
        return err(429, "subscription exceeds the max_total_cost limit", Some(700));
    }
    let sub = FakeSub {
        id: next_id("sub-"),
        sub_type: b.sub_type,
        version: b.version,
        condition: b.condition,
        session_id: b.transport.session_id.clone(),
        status: "enabled".into(),
        cost,
    };
    if let Some(c) = w.conns.get_mut(&b.transport.session_id) {
        c.subscribed = true;
    }
    w.note(format!(
        "{} created: {} {:?} on {}",
        sub.id, sub.sub_type, sub.condition, sub.session_id
    ));
    w.subs.push(sub.clone());
    let (total, total_cost) = totals(&w);
    (StatusCode::ACCEPTED, axum::Json(serde_json::json!({"data": [sub_json(&sub)], "total": total, "total_cost": total_cost, "max_total_cost": w.max_total_cost})))
        .into_response()
}

/// A token owner for tests: the current token can rotate; refresh returns `next`.
pub struct TestTokens {
    pub current: Mutex<String>,
    pub next: Mutex<Option<String>>,
    pub refreshes: AtomicU64,
    pub scopes: Vec<String>,
    /// Refresh always succeeds with the current token (an owner that can always refresh).
    pub always_refresh: std::sync::atomic::AtomicBool,
}

impl TestTokens {
    pub fn new(token: &str) -> Arc<Self> {
        Arc::new(Self {
            current: Mutex::new(token.into()),
            next: Mutex::new(None),
            refreshes: AtomicU64::new(0),
            scopes: vec!["user:read:chat".into()],
            always_refresh: std::sync::atomic::AtomicBool::new(false),
        })
    }
    fn creds(&self) -> Credentials {
        Credentials {
            client_id: CLIENT_ID.into(),
            token: AccessToken::new(self.current.lock().expect("t").clone()),
            user_id: ME.into(),
            login: "me".into(),
            scopes: self.scopes.clone(),
        }
    }
}

impl TokenSource for TestTokens {
    fn current(&self) -> BoxFuture<'_, Result<Credentials, TokenError>> {
        let c = self.creds();
        Box::pin(async move { Ok(c) })
    }
    fn refresh_after_401<'a>(
        &'a self,
        _rejected: &'a AccessToken,
    ) -> BoxFuture<'a, Result<Credentials, TokenError>> {
        self.refreshes.fetch_add(1, Ordering::SeqCst);
        let next = self.next.lock().expect("n").take().or_else(|| {
            self.always_refresh
                .load(Ordering::SeqCst)
                .then(|| self.current.lock().expect("t").clone())
        });
        Box::pin(async move {
            match next {
                Some(n) => {
                    *self.current.lock().expect("t") = n;
                    Ok(self.creds())
                }
                None => Err(TokenError::Expired("refresh refused".into())),
            }
        })
    }
}

/// Polls `f` every 10 ms until it is true or `secs` pass.
pub async fn wait_until(secs: u64, what: &str, mut f: impl FnMut() -> bool) {
    let end = tokio::time::Instant::now() + Duration::from_secs(secs);
    while !f() {
        if tokio::time::Instant::now() > end {
            panic!("timed out waiting for: {what}");
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

use tev_core::Endpoints;
use tev_core::eventsub::session::Backoff;
use tev_core::watcher::{WatchUpdate, WatcherConfig, WatcherHandle};

impl Fake {
    /// Endpoints at the fake and a watcher config with test-sized timeouts.
    pub fn watcher_config(&self) -> (Endpoints, WatcherConfig) {
        let ep = Endpoints::with_base(&self.base).expect("endpoints");
        let mut c = WatcherConfig::new(&ep);
        c.session.keepalive_grace = Duration::from_millis(1500);
        c.session.welcome_timeout = Duration::from_secs(3);
        c.session.connect_timeout = Duration::from_secs(3);
        c.session.backoff = Backoff {
            initial: Duration::from_millis(20),
            max: Duration::from_millis(200),
            jitter: true,
        };
        c.session.wall_check_interval = Some(Duration::from_millis(100));
        c.reconcile_retry = Duration::from_millis(100);
        c.poll_interval = Duration::from_millis(200);
        // The soak tests push thousands of updates faster than a UI would; never lag.
        c.broadcast_capacity = 1 << 17;
        (ep, c)
    }
}

pub fn install_crypto() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let _ = tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_env("TEV_LOG"))
        .with_test_writer()
        .try_init();
}

/// Everything a watcher broadcast, collected in the background.
#[derive(Clone, Default)]
pub struct Collected(pub Arc<Mutex<Vec<WatchUpdate>>>);

impl Collected {
    pub fn start(h: &WatcherHandle) -> Collected {
        let c = Collected::default();
        let mut rx = h.updates();
        let store = c.0.clone();
        tokio::spawn(async move {
            loop {
                match rx.recv().await {
                    Ok(u) => store.lock().expect("c").push(u),
                    Err(tokio::sync::broadcast::error::RecvError::Lagged(n)) => {
                        panic!("collector lagged by {n}")
                    }
                    Err(_) => break,
                }
            }
        });
        c
    }
    pub fn message_ids(&self) -> Vec<String> {
        self.0
            .lock()
            .expect("c")
            .iter()
            .filter_map(|u| match u {
                WatchUpdate::Notification { message_id, .. } => Some(message_id.clone()),
                _ => None,
            })
            .collect()
    }
    pub fn gaps(
        &self,
    ) -> Vec<(String, chrono::DateTime<chrono::Utc>, chrono::DateTime<chrono::Utc>)> {
        self.0
            .lock()
            .expect("c")
            .iter()
            .filter_map(|u| match u {
                WatchUpdate::Gap { channel_id, from, to, .. } => {
                    Some((channel_id.clone(), *from, *to))
                }
                _ => None,
            })
            .collect()
    }
    pub fn notices(&self) -> Vec<String> {
        self.0
            .lock()
            .expect("c")
            .iter()
            .filter_map(|u| match u {
                WatchUpdate::Notice { message, .. } => Some(message.clone()),
                _ => None,
            })
            .collect()
    }
}

/// Waits until the watcher says Connected.
pub async fn connected(h: &WatcherHandle) {
    let mut st = h.state();
    let r = tokio::time::timeout(
        Duration::from_secs(15),
        st.wait_for(|s| *s == tev_core::watcher::ConnectionState::Connected),
    )
    .await;
    let Ok(r) = r else {
        panic!(
            "not connected in time: state {:?}, report {:?}",
            *h.state().borrow(),
            *h.subscriptions().borrow()
        );
    };
    r.expect("watcher alive");
}

/// A watcher on the fake with one channel, connected.
pub async fn watching(fake: &Fake, logins: &[&str]) -> (WatcherHandle, Collected, Arc<TestTokens>) {
    install_crypto();
    let (ep, cfg) = fake.watcher_config();
    let tokens = TestTokens::new("tok-1");
    let h = tev_core::watcher::spawn(&ep, tokens.clone(), cfg).expect("spawn");
    let got = Collected::start(&h);
    for l in logins {
        h.add_channel(l, None).await.expect("add channel");
    }
    connected(&h).await;
    (h, got, tokens)
}

/// Waits until exactly one connected session exists and it is not `old`; returns it.
pub async fn moved_from(fake: &Fake, old: &str) -> String {
    let mut out = String::new();
    wait_until(10, "a new single session", || {
        let s = fake.sessions();
        if s.len() == 1 && s[0] != old {
            out = s[0].clone();
            true
        } else {
            false
        }
    })
    .await;
    out
}

/// Waits until every enabled subscription is on `session` and there are `n` of them.
pub async fn subscribed_on(fake: &Fake, session: &str, n: usize) {
    wait_until(10, "subscriptions on the session", || {
        let subs = fake.enabled_subs();
        subs.len() == n && subs.iter().all(|s| s.session_id == session)
    })
    .await;
}

impl Collected {
    /// Rows the feed added or updated, in order.
    pub fn rows(&self) -> Vec<tev_core::feed::StreamEvent> {
        self.0
            .lock()
            .expect("c")
            .iter()
            .filter_map(|u| match u {
                WatchUpdate::Feed(f) => match f.as_ref() {
                    tev_core::feed::FeedUpdate::Added(e)
                    | tev_core::feed::FeedUpdate::Updated(e) => Some(e.clone()),
                    _ => None,
                },
                _ => None,
            })
            .collect()
    }
}
