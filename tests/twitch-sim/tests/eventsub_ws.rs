//! The EventSub WebSocket against docs/twitch.md §1.1–§1.7: welcome, keepalive, ping, close
//! codes, reconnect, loss, revocation, duplicates, no replay. Short durations come from
//! `/_sim/config`, never from sleeping for real seconds.

mod common;

use std::time::Duration;

use common::*;
use futures_util::StreamExt;
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;

fn b(id: &str) -> Value {
    json!({"broadcaster_user_id": id})
}

/// RFC 3339 with exactly 9 fractional digits and Z (docs/twitch.md §1.1).
fn nanos_z(s: &str) -> bool {
    let Some((_, frac)) = s.split_once('.') else { return false };
    frac.len() == 10 && frac.ends_with('Z') && frac[..9].chars().all(|c| c.is_ascii_digit())
}

#[tokio::test]
async fn twitch_md_1_2_welcome_shape_and_timestamps() {
    let t = start().await;
    let (_ws, id, w) = t.connect("").await;
    assert!(id.starts_with("AQoQ"));
    let s = &w["payload"]["session"];
    assert_eq!(s["status"], "connected");
    assert_eq!(s["keepalive_timeout_seconds"], 10);
    assert_eq!(s["reconnect_url"], Value::Null);
    assert!(nanos_z(s["connected_at"].as_str().unwrap()));
    assert!(nanos_z(w["metadata"]["message_timestamp"].as_str().unwrap()));
    assert_eq!(w["metadata"].as_object().unwrap().len(), 3, "welcome metadata has 3 fields: {w}");
}

#[tokio::test]
async fn twitch_md_1_1_keepalive_timeout_is_clamped_10_to_600() {
    let t = start().await;
    for (q, want) in [("5", 10), ("0", 10), ("-3", 10), ("30", 30), ("600", 600), ("1000", 600)] {
        let (_ws, _, w) = t.connect(&format!("?keepalive_timeout_seconds={q}")).await;
        assert_eq!(w["payload"]["session"]["keepalive_timeout_seconds"], want, "query {q}");
    }
    assert!(
        tokio_tungstenite::connect_async(t.ws_url("?keepalive_timeout_seconds=abc")).await.is_err()
    );
}

#[tokio::test]
async fn twitch_md_1_2_keepalive_only_when_idle_and_switchable() {
    let t = start().await;
    t.config(json!({"keepalive_ms": 300})).await;
    let (mut ws, sid, _) = t.connect("").await;
    let (a, _) = t.token("sim_viewer", &[]).await;
    assert_eq!(t.subscribe(&a, "channel.update", "2", b(LUMENFORGE), &sid).await.0, 202);
    // Idle: a keepalive comes with an empty payload.
    let k = next_json(&mut ws).await;
    assert_eq!(k["metadata"]["message_type"], "session_keepalive");
    assert_eq!(k["payload"], json!({}));
    assert!(nanos_z(k["metadata"]["message_timestamp"].as_str().unwrap()));
    // Busy: notifications every 60 ms for ~0.6 s keep the keepalive away.
    let mut kinds = Vec::new();
    for _ in 0..10 {
        t.event(json!({"type": "channel.update", "broadcaster_login": "lumenforge"})).await;
        let f = next_json(&mut ws).await;
        kinds.push(f["metadata"]["message_type"].as_str().unwrap().to_string());
        tokio::time::sleep(Duration::from_millis(60)).await;
    }
    assert!(kinds.iter().all(|k| k == "notification"), "{kinds:?}");
    // Switched off: silence.
    let (s, _) =
        t.post_json(&format!("/_sim/sessions/{sid}/keepalive"), json!({"enabled": false})).await;
    assert_eq!(s, 200);
    assert_eq!(quiet_for(&mut ws, 800).await, None);
}

#[tokio::test]
async fn twitch_md_1_1_ping_frames_and_4002_without_pong() {
    let t = start().await;
    t.config(json!({"ping_interval_ms": 100})).await;
    let (mut ws, _, _) = t.connect("").await;
    // Reading answers pings automatically (tungstenite), and we see them.
    let ping = tokio::time::timeout(Duration::from_secs(2), async {
        loop {
            if let Some(Ok(Message::Ping(_))) = ws.next().await {
                return true;
            }
        }
    })
    .await;
    assert_eq!(ping, Ok(true));
    // Still open after a few ping rounds because we pong while reading.
    assert_eq!(quiet_for(&mut ws, 350).await, None);
    // A client that does not read does not pong: 4002.
    let (mut deaf, _, _) = t.connect("").await;
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert_eq!(close_code(&mut deaf).await, 4002);
}

#[tokio::test]
async fn twitch_md_1_1_inbound_traffic_closes_4001_and_disables() {
    let t = start().await;
    let (mut ws, sid, _) = t.connect("").await;
    let (a, _) = t.token("sim_viewer", &[]).await;
    t.subscribe(&a, "stream.online", "1", b(LUMENFORGE), &sid).await;
    send_text(&mut ws, "hello").await;
    assert_eq!(close_code(&mut ws).await, 4001);
    let st = wait_state(&t, |s| s["subscriptions"][0]["status"] != "enabled").await;
    assert_eq!(st["subscriptions"][0]["status"], "websocket_received_inbound_traffic");
}

#[tokio::test]
async fn twitch_md_1_1_unused_connection_closes_4003() {
    let t = start().await;
    t.config(json!({"unused_timeout_ms": 200})).await;
    let (mut idle, _, _) = t.connect("").await;
    let (mut used, sid, _) = t.connect("").await;
    let (a, _) = t.token("sim_viewer", &[]).await;
    assert_eq!(t.subscribe(&a, "stream.online", "1", b(LUMENFORGE), &sid).await.0, 202);
    assert_eq!(close_code(&mut idle).await, 4003);
    assert_eq!(quiet_for(&mut used, 400).await, None, "a used connection stays open");
}

#[tokio::test]
async fn twitch_md_1_6_notifications_only_to_matching_enabled_subscriptions() {
    let t = start().await;
    let (mut ws1, s1, _) = t.connect("").await;
    let (mut ws2, s2, _) = t.connect("").await;
    let (a, _) = t.token("sim_viewer", &[]).await;
    let (m, _) = t.token("sim_mod", &[]).await;
    let (_, sub) = t.subscribe(&a, "stream.online", "1", b(QUIETFOX), &s1).await;
    t.subscribe(&m, "stream.online", "1", b(NIGHTOWL), &s2).await;

    let ids = t
        .event(json!({"type": "stream.online", "version": "1", "broadcaster_login": "quietfox"}))
        .await;
    assert_eq!(ids.len(), 1);
    let n = next_non_keepalive(&mut ws1).await;
    let md = &n["metadata"];
    assert_eq!(md["message_type"], "notification");
    assert_eq!(md["message_id"], ids[0].as_str());
    assert_eq!(md["subscription_type"], "stream.online");
    assert_eq!(md["subscription_version"], "1");
    assert!(nanos_z(md["message_timestamp"].as_str().unwrap()));
    let p = &n["payload"];
    assert_eq!(p["subscription"]["id"], sub["data"][0]["id"]);
    assert_eq!(p["subscription"]["transport"], json!({"method": "websocket", "session_id": s1}));
    assert_eq!(p["subscription"]["cost"], 1);
    assert_eq!(p["event"]["broadcaster_user_id"], QUIETFOX);
    assert_eq!(p["event"]["broadcaster_user_login"], "quietfox");
    assert_eq!(p["event"]["broadcaster_user_name"], "QuietFox");
    assert_eq!(p["event"]["type"], "live");
    assert_eq!(quiet_for(&mut ws2, 200).await, None, "nightowl's subscriber gets nothing");
    // The world followed: Helix now shows quietfox live.
    let (_, st) = body(t.helix_get("/streams?user_login=quietfox", &a, PUBLIC).await).await;
    assert_eq!(st["data"][0]["type"], "live");
    assert_eq!(st["data"][0]["id"], p["event"]["id"]);
    // No subscriber at all: no message ids.
    assert!(
        t.event(json!({"type": "stream.offline", "broadcaster_login": "pixelpaladin"}))
            .await
            .is_empty()
    );
}

#[tokio::test]
async fn twitch_md_1_4_client_close_disables_with_disconnected_at_and_no_replay() {
    let t = start().await;
    let (mut ws, sid, _) = t.connect("").await;
    let (a, _) = t.token("sim_viewer", &[]).await;
    t.subscribe(&a, "stream.offline", "1", b(LUMENFORGE), &sid).await;
    ws.close(None).await.unwrap();
    let st = wait_state(&t, |s| s["subscriptions"][0]["status"] != "enabled").await;
    assert_eq!(st["subscriptions"][0]["status"], "websocket_disconnected");
    let (_, list) = t.list_subs(&a, "").await;
    let tr = &list["data"][0]["transport"];
    assert!(nanos_z(tr["disconnected_at"].as_str().unwrap()), "{list}");
    assert_eq!(list["total_cost"], 0, "disabled subscriptions do not count");
    // Missed while nobody listened; not replayed on the new session.
    assert!(
        t.event(json!({"type": "stream.offline", "broadcaster_login": "lumenforge"}))
            .await
            .is_empty()
    );
    let (mut ws2, sid2, _) = t.connect("").await;
    assert_eq!(
        t.subscribe(&a, "stream.offline", "1", b(LUMENFORGE), &sid2).await.0,
        202,
        "disabled ones do not 409"
    );
    assert_eq!(quiet_for(&mut ws2, 300).await, None);
    // Disconnected subscriptions drop out of the list after an hour (docs/twitch.md §1.4).
    t.post_json("/_sim/clock", json!({"advance_secs": 3601})).await;
    let (_, list) = t.list_subs(&a, "").await;
    assert_eq!(list["total"], 1, "{list}");
    assert_eq!(list["data"][0]["status"], "enabled");
}

#[tokio::test]
async fn twitch_md_1_7_server_close_codes_map_to_statuses() {
    let t = start().await;
    let (a, _) = t.token("sim_viewer", &[]).await;
    for (code, status) in [
        (4000, "websocket_internal_error"),
        (4005, "websocket_network_timeout"),
        (4006, "websocket_network_error"),
        (4002, "websocket_failed_ping_pong"),
    ] {
        let (mut ws, sid, _) = t.connect("").await;
        let (_, sub) = t.subscribe(&a, "channel.update", "2", b(LUMENFORGE), &sid).await;
        let id = sub["data"][0]["id"].as_str().unwrap().to_string();
        let (s, _) =
            t.post_json(&format!("/_sim/sessions/{sid}/close"), json!({"code": code})).await;
        assert_eq!(s, 200);
        assert_eq!(close_code(&mut ws).await, code);
        let st = wait_state(&t, |s| {
            s["subscriptions"]
                .as_array()
                .unwrap()
                .iter()
                .any(|x| x["id"] == id.as_str() && x["status"] != "enabled")
        })
        .await;
        let sub = st["subscriptions"]
            .as_array()
            .unwrap()
            .iter()
            .find(|x| x["id"] == id.as_str())
            .unwrap()
            .clone();
        assert_eq!(sub["status"], status, "code {code}");
        assert!(sub["transport"]["disconnected_at"].is_string());
    }
    let (s, _) = t.post_json("/_sim/sessions/AQoQnope/close", json!({"code": 4005})).await;
    assert_eq!(s, 404);
}

#[tokio::test]
async fn twitch_md_1_3_reconnect_carries_subscriptions_to_the_successor() {
    let t = start().await;
    let (mut old, sid, _) = t.connect("?keepalive_timeout_seconds=30").await;
    let (a, _) = t.token("sim_viewer", &["user:read:chat"]).await;
    t.subscribe(
        &a,
        "channel.chat.message",
        "1",
        json!({"broadcaster_user_id": LUMENFORGE, "user_id": SIM_VIEWER}),
        &sid,
    )
    .await;
    let (s, r) = t.post_json(&format!("/_sim/sessions/{sid}/reconnect"), json!({})).await;
    assert_eq!(s, 200);
    let m = next_non_keepalive(&mut old).await;
    assert_eq!(m["metadata"]["message_type"], "session_reconnect");
    let ps = &m["payload"]["session"];
    assert_eq!(ps["id"], sid.as_str());
    assert_eq!(ps["status"], "reconnecting");
    assert_eq!(ps["keepalive_timeout_seconds"], Value::Null);
    let url = ps["reconnect_url"].as_str().unwrap();
    assert_eq!(url, r["reconnect_url"].as_str().unwrap());
    assert!(url.starts_with("ws://127.0.0.1:"));

    // Events before the successor's welcome still reach the old socket.
    t.event(json!({"type": "channel.chat.message", "broadcaster_login": "lumenforge"})).await;
    assert_eq!(
        next_non_keepalive(&mut old).await["payload"]["subscription"]["transport"]["session_id"],
        sid.as_str()
    );

    let (mut new, nid, w) = connect_url(url).await;
    assert_ne!(nid, sid, "a new session id (docs/twitch.md §1.3 step 8)");
    assert_eq!(w["payload"]["session"]["keepalive_timeout_seconds"], 30, "carried over");
    old.close(None).await.unwrap();

    let (_, list) = t.list_subs(&a, "").await;
    assert_eq!(list["data"][0]["status"], "enabled");
    assert_eq!(list["data"][0]["transport"]["session_id"], nid.as_str());
    // Resubscribing would be a mistake (docs/twitch.md §1.3 step 4): 409.
    let (s, _) = t
        .subscribe(
            &a,
            "channel.chat.message",
            "1",
            json!({"broadcaster_user_id": LUMENFORGE, "user_id": SIM_VIEWER}),
            &nid,
        )
        .await;
    assert_eq!(s, 409);
    let ids =
        t.event(json!({"type": "channel.chat.message", "broadcaster_login": "lumenforge"})).await;
    assert_eq!(ids.len(), 1);
    let n = next_non_keepalive(&mut new).await;
    assert_eq!(n["payload"]["subscription"]["transport"]["session_id"], nid.as_str());
    // The used URL cannot be used twice.
    let (mut again, _) = tokio_tungstenite::connect_async(url).await.unwrap();
    assert_eq!(close_code(&mut again).await, 4007);
}

#[tokio::test]
async fn twitch_md_1_3_grace_expiry_closes_4004() {
    let t = start().await;
    t.config(json!({"reconnect_grace_ms": 250})).await;
    let (a, _) = t.token("sim_viewer", &[]).await;

    // Successor connected but the old socket was kept: old gets 4004, subscriptions live on.
    let (mut old, sid, _) = t.connect("").await;
    t.subscribe(&a, "stream.online", "1", b(LUMENFORGE), &sid).await;
    let (_, r) = t.post_json(&format!("/_sim/sessions/{sid}/reconnect"), json!({})).await;
    let (_new, nid, _) = connect_url(r["reconnect_url"].as_str().unwrap()).await;
    assert_eq!(close_code(&mut old).await, 4004);
    let (_, list) = t.list_subs(&a, "").await;
    assert_eq!(list["data"][0]["status"], "enabled");
    assert_eq!(list["data"][0]["transport"]["session_id"], nid.as_str());

    // Nobody came: 4004 and websocket_failed_to_reconnect; the URL is dead afterwards.
    let (mut lone, lsid, _) = t.connect("").await;
    let (m, _) = t.token("sim_mod", &[]).await;
    t.subscribe(&m, "stream.online", "1", b(NIGHTOWL), &lsid).await;
    let (_, r) = t.post_json(&format!("/_sim/sessions/{lsid}/reconnect"), json!({})).await;
    assert_eq!(close_code(&mut lone).await, 4004);
    let (_, list) = t.list_subs(&m, "").await;
    assert_eq!(list["data"][0]["status"], "websocket_failed_to_reconnect");
    let (mut late, _) =
        tokio_tungstenite::connect_async(r["reconnect_url"].as_str().unwrap()).await.unwrap();
    assert_eq!(close_code(&mut late).await, 4007);
}

/// docs/twitch.md §1.3 step 3: "Events keep coming on the old connection until the welcome arrives
/// on the new one, so following this flow loses nothing." A client that reads its old socket,
/// and closes it as soon as the successor's welcome comes, reads every notification routed to
/// the old session before the old socket's close frame, however many were still queued.
/// (The race this once lost frames to, a close read between the queue's emptiness check and
/// the next frame, needs a preempted thread; the core's 200 handovers under load
/// (`session_handover.rs`) and the `frames_unsent` counter catch that one.)
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn twitch_md_1_3_the_old_socket_sends_all_it_was_routed_before_the_welcome() {
    use futures_util::SinkExt;
    let t = start().await;
    let (old, sid, _) = t.connect("?keepalive_timeout_seconds=30").await;
    let (a, _) = t.token("sim_viewer", &[]).await;
    assert_eq!(t.subscribe(&a, "channel.update", "2", b(LUMENFORGE), &sid).await.0, 202);
    let (mut sink, mut stream) = old.split();
    // The client's reader of the old socket: notifications until the close frame.
    let reader = tokio::spawn(async move {
        let mut ids = Vec::new();
        let mut url = None;
        while let Some(m) = stream.next().await {
            match m.expect("old socket") {
                Message::Text(t) => {
                    let v: Value = serde_json::from_str(&t).expect("json");
                    match v["metadata"]["message_type"].as_str() {
                        Some("notification") => ids.push(v["metadata"]["message_id"].clone()),
                        Some("session_reconnect") => {
                            url =
                                v["payload"]["session"]["reconnect_url"].as_str().map(String::from)
                        }
                        _ => {}
                    }
                }
                Message::Close(_) => return (ids, url, true),
                _ => {}
            }
        }
        (ids, url, false)
    });
    // A burst is queued on the old session, then the handover starts behind it.
    let burst = 3000;
    let sent = t
        .event(json!({"type": "channel.update", "broadcaster_login": "lumenforge", "count": burst}))
        .await;
    assert_eq!(sent.len(), burst);
    let (s, r) = t.post_json(&format!("/_sim/sessions/{sid}/reconnect"), json!({})).await;
    assert_eq!(s, 200);
    let (_new, nid, _) = connect_url(r["reconnect_url"].as_str().expect("url")).await;
    assert_ne!(nid, sid);
    // The welcome came: close the old socket at once (RFC 6455 close handshake).
    sink.close().await.expect("close sent");
    let (ids, url, answered) = tokio::time::timeout(Duration::from_secs(30), reader)
        .await
        .expect("in time")
        .expect("reader");
    assert!(answered, "the old socket answered the close with its own");
    assert!(url.is_some(), "session_reconnect came on the old socket");
    let want: Vec<Value> = sent.iter().map(|s| json!(s)).collect();
    assert_eq!(ids.len(), want.len(), "every routed notification came before the close");
    assert_eq!(ids, want, "in the order sent");
    let st = wait_state(&t, |s| s["sessions"].as_array().is_some_and(|a| a.len() == 1)).await;
    assert_eq!(st["counters"]["frames_unsent"], 0, "{}", st["counters"]);
}

#[tokio::test]
async fn twitch_md_1_3_bad_or_early_reconnect_gets_4007() {
    let t = start().await;
    let (a, _) = t.token("sim_viewer", &[]).await;
    let (_old, sid, _) = t.connect("").await;
    t.subscribe(&a, "stream.online", "1", b(LUMENFORGE), &sid).await;
    let (_, r) = t.post_json(&format!("/_sim/sessions/{sid}/reconnect"), json!({})).await;
    let url = r["reconnect_url"].as_str().unwrap().to_string();
    // A modified URL.
    let (mut bad, _) =
        tokio_tungstenite::connect_async(url.replace("challenge=", "challenge=x")).await.unwrap();
    assert_eq!(close_code(&mut bad).await, 4007);

    // Closing the old socket before connecting to the new URL (docs/twitch.md §1.3 step 7).
    let (mut old2, sid2, _) = t.connect("").await;
    let (m, _) = t.token("sim_mod", &[]).await;
    t.subscribe(&m, "stream.online", "1", b(NIGHTOWL), &sid2).await;
    let (_, r2) = t.post_json(&format!("/_sim/sessions/{sid2}/reconnect"), json!({})).await;
    old2.close(None).await.unwrap();
    wait_state(&t, |s| s["sessions"].as_array().unwrap().iter().all(|x| x["id"] != sid2.as_str()))
        .await;
    let (mut late, _) =
        tokio_tungstenite::connect_async(r2["reconnect_url"].as_str().unwrap()).await.unwrap();
    assert_eq!(close_code(&mut late).await, 4007);
    let (_, list) = t.list_subs(&m, "").await;
    assert_eq!(list["data"][0]["status"], "websocket_disconnected");
}

#[tokio::test]
async fn twitch_md_1_2_revocation_frame_once_then_silence() {
    let t = start().await;
    let (mut ws, sid, _) = t.connect("").await;
    let (a, _) = t.token("sim_viewer", &["user:read:chat"]).await;
    let (_, sub) = t
        .subscribe(
            &a,
            "channel.chat.notification",
            "1",
            json!({"broadcaster_user_id": LUMENFORGE, "user_id": SIM_VIEWER}),
            &sid,
        )
        .await;
    let id = sub["data"][0]["id"].as_str().unwrap();
    let (s, _) = t
        .post_json(
            &format!("/_sim/subscriptions/{id}/revoke"),
            json!({"reason": "chat_user_banned"}),
        )
        .await;
    assert_eq!(s, 200);
    let r = next_non_keepalive(&mut ws).await;
    assert_eq!(r["metadata"]["message_type"], "revocation");
    assert_eq!(r["metadata"]["subscription_type"], "channel.chat.notification");
    assert_eq!(r["metadata"]["subscription_version"], "1");
    assert_eq!(r["payload"]["subscription"]["status"], "chat_user_banned");
    assert_eq!(r["payload"]["subscription"]["id"], id);
    assert!(r["payload"].get("event").is_none());
    assert!(
        t.event(json!({"type": "channel.chat.notification", "broadcaster_login": "lumenforge"}))
            .await
            .is_empty()
    );
    let (_, list) = t.list_subs(&a, "?status=chat_user_banned").await;
    assert_eq!(list["data"].as_array().unwrap().len(), 1);
    // Revoking again sends nothing new; unknown ids and reasons are refused.
    t.post_json(&format!("/_sim/subscriptions/{id}/revoke"), json!({"reason": "user_removed"}))
        .await;
    assert_eq!(quiet_for(&mut ws, 200).await, None);
    assert_eq!(t.post_json("/_sim/subscriptions/nope/revoke", json!({})).await.0, 404);
    assert_eq!(
        t.post_json(&format!("/_sim/subscriptions/{id}/revoke"), json!({"reason": "because"}))
            .await
            .0,
        400
    );
}

#[tokio::test]
async fn twitch_md_3_2_spent_refresh_reuse_revokes_subscriptions_with_frames() {
    let t = start().await;
    let (mut ws, sid, _) = t.connect("").await;
    let (a, r0) = t.token("sim_viewer", &["user:read:chat"]).await;
    t.subscribe(&a, "stream.online", "1", b(LUMENFORGE), &sid).await;
    t.subscribe(
        &a,
        "channel.chat.message",
        "1",
        json!({"broadcaster_user_id": LUMENFORGE, "user_id": SIM_VIEWER}),
        &sid,
    )
    .await;
    let (s, _) = t
        .form(
            "/oauth2/token",
            &[("client_id", PUBLIC), ("grant_type", "refresh_token"), ("refresh_token", &r0)],
        )
        .await;
    assert_eq!(s, 200);
    let (s, _) = t
        .form(
            "/oauth2/token",
            &[("client_id", PUBLIC), ("grant_type", "refresh_token"), ("refresh_token", &r0)],
        )
        .await;
    assert_eq!(s, 400);
    for _ in 0..2 {
        let r = next_non_keepalive(&mut ws).await;
        assert_eq!(r["metadata"]["message_type"], "revocation");
        assert_eq!(r["payload"]["subscription"]["status"], "authorization_revoked");
    }
    let st = t.state().await;
    assert!(
        st["subscriptions"]
            .as_array()
            .unwrap()
            .iter()
            .all(|s| s["status"] == "authorization_revoked")
    );
}

#[tokio::test]
async fn twitch_md_1_7_duplicate_next_resends_with_same_message_id() {
    let t = start().await;
    let (mut ws, sid, _) = t.connect("").await;
    let (a, _) = t.token("sim_viewer", &[]).await;
    t.subscribe(&a, "channel.raid", "1", json!({"to_broadcaster_user_id": LUMENFORGE}), &sid).await;
    assert_eq!(
        t.post_json(&format!("/_sim/sessions/{sid}/duplicate-next"), json!({})).await.0,
        200
    );
    let ids = t.event(json!({"type": "channel.raid", "broadcaster_login": "lumenforge", "event": {"viewers": 250}})).await;
    assert_eq!(ids.len(), 2);
    assert_eq!(ids[0], ids[1]);
    let a1 = next_non_keepalive(&mut ws).await;
    let a2 = next_non_keepalive(&mut ws).await;
    assert_eq!(a1, a2);
    assert_eq!(a1["payload"]["event"]["viewers"], 250);
    assert_eq!(a1["payload"]["event"]["to_broadcaster_user_login"], "lumenforge");
    // Only the next one.
    let ids = t.event(json!({"type": "channel.raid", "broadcaster_login": "lumenforge"})).await;
    assert_eq!(ids.len(), 1);
}

#[tokio::test]
async fn control_state_lists_sessions_subscriptions_and_token_ids_only() {
    let t = start().await;
    let (_ws, sid, _) = t.connect("").await;
    let (a, r) = t.token("sim_viewer", &[]).await;
    t.subscribe(&a, "stream.online", "1", b(LUMENFORGE), &sid).await;
    let st = t.state().await;
    assert_eq!(st["sessions"][0]["id"], sid.as_str());
    assert_eq!(st["sessions"][0]["subscriptions"], 1);
    assert_eq!(st["subscriptions"][0]["cost"], 1);
    assert_eq!(st["subscriptions"][0]["status"], "enabled");
    assert!(st["tokens"][0]["id"].is_u64());
    let text = st.to_string();
    assert!(!text.contains(&a) && !text.contains(&r), "no token values in state");
    assert!(st["counters"]["ws_connections"].as_u64().unwrap() >= 1);
}

#[tokio::test]
async fn twitch_md_3_4_user_disconnects_the_app_tokens_and_subscriptions_die() {
    let t = start().await;
    let (mut ws, sid, _) = t.connect("").await;
    let (a, _) = t.token("sim_viewer", &[]).await;
    let (m, _) = t.token("sim_mod", &[]).await;
    t.subscribe(&a, "stream.online", "1", b(LUMENFORGE), &sid).await;
    let (s, r) = t.post_json("/_sim/authorizations/revoke", json!({"login": "sim_viewer"})).await;
    assert_eq!((s.as_u16(), r["revoked"].as_u64()), (200, Some(1)));
    let r = next_non_keepalive(&mut ws).await;
    assert_eq!(r["metadata"]["message_type"], "revocation");
    assert_eq!(r["payload"]["subscription"]["status"], "authorization_revoked");
    let v = t
        .http
        .get(t.url("/oauth2/validate"))
        .header("Authorization", format!("OAuth {a}"))
        .send()
        .await
        .unwrap();
    assert_eq!(v.status(), 401);
    let v = t
        .http
        .get(t.url("/oauth2/validate"))
        .header("Authorization", format!("OAuth {m}"))
        .send()
        .await
        .unwrap();
    assert_eq!(v.status(), 200, "other users unaffected");
}

#[tokio::test]
async fn dropping_the_handle_stops_the_server_and_closes_sockets() {
    let t = start().await;
    let (mut ws, _, _) = t.connect("").await;
    let base = t.base.clone();
    drop(t.sim);
    assert_eq!(close_code(&mut ws).await, 1001);
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    loop {
        if http().build().expect("client").get(format!("{base}/_sim/state")).send().await.is_err() {
            break;
        }
        assert!(tokio::time::Instant::now() < deadline, "server still answering");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn twitch_md_1_4_dirty_disconnect_leaves_zombie_subscriptions_until_deleted() {
    let t = start().await;
    let (mut ws, sid, _) = t.connect("").await;
    let (a, _) = t.token("sim_viewer", &[]).await;
    let (_, sub) = t.subscribe(&a, "stream.online", "1", b(LUMENFORGE), &sid).await;
    let old_id = sub["data"][0]["id"].as_str().unwrap().to_string();
    let (s, _) = t.post_json(&format!("/_sim/sessions/{sid}/drop"), json!({"zombie": true})).await;
    assert_eq!(s, 200);
    // No close frame: the stream just ends (or errors).
    let end = tokio::time::timeout(Duration::from_secs(5), async {
        loop {
            match ws.next().await {
                Some(Ok(Message::Close(_))) => return false,
                Some(Ok(_)) => continue,
                None | Some(Err(_)) => return true,
            }
        }
    })
    .await;
    assert_eq!(end, Ok(true), "ended without a close frame");
    wait_state(&t, |s| s["sessions"].as_array().unwrap().is_empty()).await;
    let (_, list) = t.list_subs(&a, "").await;
    assert_eq!(list["data"][0]["status"], "enabled", "Twitch has not noticed");
    assert_eq!(list["total_cost"], 1);
    // Recreating on a new session collides (pitfall 6) until the orphan is deleted.
    let (_ws2, sid2, _) = t.connect("").await;
    assert_eq!(t.subscribe(&a, "stream.online", "1", b(LUMENFORGE), &sid2).await.0, 409);
    assert_eq!(t.delete_sub(&a, &old_id).await, 204);
    assert_eq!(t.subscribe(&a, "stream.online", "1", b(LUMENFORGE), &sid2).await.0, 202);

    // A plain drop disables with websocket_network_error.
    let (_ws3, sid3, _) = t.connect("").await;
    let (m, _) = t.token("sim_mod", &[]).await;
    t.subscribe(&m, "stream.online", "1", b(NIGHTOWL), &sid3).await;
    t.post_json(&format!("/_sim/sessions/{sid3}/drop"), json!({})).await;
    wait_state(&t, |s| s["sessions"].as_array().unwrap().iter().all(|x| x["id"] != sid3.as_str()))
        .await;
    let (_, list) = t.list_subs(&m, "").await;
    assert_eq!(list["data"][0]["status"], "websocket_network_error");
}

#[tokio::test]
async fn control_events_count_sends_many_in_one_call() {
    let t = start().await;
    let (mut ws, sid, _) = t.connect("").await;
    let (a, _) = t.token("sim_viewer", &["user:read:chat"]).await;
    t.subscribe(
        &a,
        "channel.chat.message",
        "1",
        json!({"broadcaster_user_id": LUMENFORGE, "user_id": SIM_VIEWER}),
        &sid,
    )
    .await;
    let (s, r) = t.post_json("/_sim/events", json!({"type": "channel.chat.message", "broadcaster_login": "lumenforge", "count": 200})).await;
    assert_eq!(s, 200);
    let ids: Vec<String> = r["message_ids"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_str().unwrap().to_string())
        .collect();
    assert_eq!(ids.len(), 200);
    let mut seen = Vec::new();
    while seen.len() < 200 {
        let f = next_non_keepalive(&mut ws).await;
        seen.push(f["metadata"]["message_id"].as_str().unwrap().to_string());
    }
    assert_eq!(seen, ids, "in order, each once");
    assert_eq!(
        t.post_json(
            "/_sim/events",
            json!({"type": "stream.online", "broadcaster_login": "lumenforge", "count": 0})
        )
        .await
        .0,
        400
    );
}

/// `reconnect_keeps_session_id` (docs/twitch.md §9 "The session id after `session_reconnect`"):
/// the carried-over subscription is listed, and named in notifications, under the session id it
/// was created on, while it keeps delivering on the successor; a create on the successor still
/// answers 409.
#[tokio::test]
async fn twitch_md_9_with_reconnect_keeps_session_id_carried_subscriptions_keep_the_old_id() {
    let t = start().await;
    t.config(json!({"reconnect_keeps_session_id": true})).await;
    let (mut old, sid, _) = t.connect("").await;
    let (a, _) = t.token("sim_viewer", &[]).await;
    assert_eq!(t.subscribe(&a, "stream.online", "1", b(LUMENFORGE), &sid).await.0, 202);
    let (_, r) = t.post_json(&format!("/_sim/sessions/{sid}/reconnect"), json!({})).await;
    assert_eq!(next_non_keepalive(&mut old).await["metadata"]["message_type"], "session_reconnect");
    let (mut new, nid, _) = connect_url(r["reconnect_url"].as_str().unwrap()).await;
    old.close(None).await.unwrap();
    let (_, list) = t.list_subs(&a, "").await;
    assert_eq!(list["data"][0]["status"], "enabled");
    assert_eq!(list["data"][0]["transport"]["session_id"], sid.as_str(), "the old id");
    assert_eq!(t.subscribe(&a, "stream.online", "1", b(LUMENFORGE), &nid).await.0, 409);
    assert_eq!(
        t.event(json!({"type": "stream.online", "broadcaster_login": "lumenforge"})).await.len(),
        1
    );
    let n = next_non_keepalive(&mut new).await;
    assert_eq!(n["payload"]["subscription"]["transport"]["session_id"], sid.as_str());
}

/// `same_condition_on_other_sessions` (docs/twitch.md §9 "Up to 3 transports"): a second
/// session of the same user may hold the same type and condition, and both get the event; on
/// the same session it is still a 409.
#[tokio::test]
async fn twitch_md_9_with_same_condition_on_other_sessions_two_sessions_both_deliver() {
    let t = start().await;
    t.config(json!({"same_condition_on_other_sessions": true})).await;
    let (mut one, s1, _) = t.connect("").await;
    let (mut two, s2, _) = t.connect("").await;
    let (a, _) = t.token("sim_viewer", &[]).await;
    assert_eq!(t.subscribe(&a, "stream.online", "1", b(LUMENFORGE), &s1).await.0, 202);
    assert_eq!(t.subscribe(&a, "stream.online", "1", b(LUMENFORGE), &s2).await.0, 202);
    assert_eq!(t.subscribe(&a, "stream.online", "1", b(LUMENFORGE), &s2).await.0, 409);
    let ids = t.event(json!({"type": "stream.online", "broadcaster_login": "lumenforge"})).await;
    assert_eq!(ids.len(), 2, "one notification per subscription");
    for ws in [&mut one, &mut two] {
        assert_eq!(next_non_keepalive(ws).await["metadata"]["message_type"], "notification");
    }
    // Off (the default): the second session gets 409.
    t.config(json!({"same_condition_on_other_sessions": false})).await;
    let (_three, s3, _) = t.connect("").await;
    let (s, _) = t.subscribe(&a, "stream.offline", "1", b(LUMENFORGE), &s1).await;
    assert_eq!(s, 202);
    assert_eq!(t.subscribe(&a, "stream.offline", "1", b(LUMENFORGE), &s3).await.0, 409);
}
