//! The control API's test tools: injected Helix/OAuth faults, counters of calls, answers and
//! close codes, the log, token lookups, raw frames, cut-offs, flushes and the test-speed knobs.
//! Each answer keeps Twitch's shape (docs/twitch.md §1.8, §3, §4).

mod common;

use std::time::{Duration, Instant};

use common::*;
use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;

fn b(id: &str) -> Value {
    json!({"broadcaster_user_id": id})
}

async fn fault(t: &T, v: Value) -> Value {
    let (s, f) = t.post_json("/_sim/faults", v).await;
    assert_eq!(s, 201, "{f}");
    f
}

async fn counters(t: &T) -> Value {
    t.state().await["counters"].clone()
}

async fn refresh(t: &T, refresh_token: &str) -> (reqwest::StatusCode, Value) {
    t.form(
        "/oauth2/token",
        &[("grant_type", "refresh_token"), ("refresh_token", refresh_token), ("client_id", PUBLIC)],
    )
    .await
}

async fn lookup(t: &T, token: &str) -> (reqwest::StatusCode, Value) {
    t.post_json("/_sim/tokens/lookup", json!({"token": token})).await
}

#[tokio::test]
async fn a_fault_answers_the_next_matching_helix_request_with_twitchs_error_body() {
    let t = start().await;
    let (a, _) = t.token("sim_viewer", &[]).await;
    let (_ws, sid, _) = t.connect("").await;
    fault(
        &t,
        json!({"path": "/helix/eventsub/subscriptions", "method": "post", "status": 429,
               "message": "Too Many Requests", "ratelimit_remaining": 0}),
    )
    .await;
    // A GET does not match a POST fault.
    assert_eq!(t.list_subs(&a, "").await.0, 200);
    let r = t
        .http
        .post(t.url("/helix/eventsub/subscriptions"))
        .bearer_auth(&a)
        .header("Client-Id", PUBLIC)
        .json(&json!({"type": "stream.online", "version": "1", "condition": b(LUMENFORGE),
                      "transport": {"method": "websocket", "session_id": sid}}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 429);
    assert_eq!(r.headers()["ratelimit-remaining"], "0");
    assert!(r.headers().contains_key("ratelimit-reset"));
    let (_, body) = body(r).await;
    assert_eq!(
        body,
        json!({"error": "Too Many Requests", "status": 429, "message": "Too Many Requests"})
    );
    // Used up: the next create goes through, and nothing was created by the faulted one.
    assert_eq!(t.subscribe(&a, "stream.online", "1", b(LUMENFORGE), &sid).await.0, 202);
    let c = counters(&t).await;
    assert_eq!(c["faults_answered"], 1);
    assert_eq!(c["helix_statuses"]["429"], 1);
    assert_eq!(c["helix_calls"]["POST /helix/eventsub/subscriptions"], 2);
    assert_eq!(c["helix_calls"]["GET /helix/eventsub/subscriptions"], 1);
    assert_eq!(t.get_json("/_sim/faults").await.1["faults"], json!([]));
}

#[tokio::test]
async fn a_sticky_fault_for_one_subscription_type_answers_until_cleared() {
    let t = start().await;
    let (a, _) = t.token("sim_viewer", &["user:read:chat"]).await;
    let (_ws, sid, _) = t.connect("").await;
    fault(
        &t,
        json!({"path": "/helix/eventsub/subscriptions", "type": "channel.chat.notification",
               "status": 403, "message": "subscription missing proper authorization",
               "sticky": true}),
    )
    .await;
    let chat = json!({"broadcaster_user_id": LUMENFORGE, "user_id": SIM_VIEWER});
    for _ in 0..3 {
        let (s, body) = t.subscribe(&a, "channel.chat.notification", "1", chat.clone(), &sid).await;
        assert_eq!(s, 403);
        assert_eq!(body["message"], "subscription missing proper authorization");
    }
    assert_eq!(t.subscribe(&a, "channel.chat.message", "1", chat.clone(), &sid).await.0, 202);
    assert_eq!(t.get_json("/_sim/faults").await.1["faults"].as_array().unwrap().len(), 1);
    let r = t.http.delete(t.url("/_sim/faults")).send().await.unwrap();
    assert_eq!(body(r).await.1["cleared"], 1);
    assert_eq!(t.subscribe(&a, "channel.chat.notification", "1", chat, &sid).await.0, 202);
}

#[tokio::test]
async fn an_oauth_fault_matches_the_grant_type_and_leaves_the_token_unspent() {
    let t = start().await;
    let (_, r) = t.token("sim_viewer", &[]).await;
    fault(&t, json!({"path": "/oauth2/token", "grant_type": "refresh_token", "status": 429})).await;
    let (s, body) = refresh(&t, &r).await;
    assert_eq!(s, 429);
    assert_eq!(body, json!({"status": 429, "message": "Too Many Requests"}));
    assert_eq!(lookup(&t, &r).await.1["live"], true, "the refresh never reached the grant");
    let (s, body) = refresh(&t, &r).await;
    assert_eq!(s, 200, "{body}");
    assert_eq!(lookup(&t, &r).await.1["spent"], true);
}

#[tokio::test]
async fn a_fault_after_handling_takes_effect_and_loses_the_answer() {
    let t = start().await;
    let (_, r) = t.token("sim_viewer", &[]).await;
    let before = counters(&t).await["refreshes"].as_u64().unwrap();
    fault(
        &t,
        json!({"path": "/oauth2/token", "grant_type": "refresh_token", "status": 500,
               "after_handling": true}),
    )
    .await;
    let (s, body) = refresh(&t, &r).await;
    assert_eq!(s, 500);
    assert_eq!(body["status"], 500);
    // The refresh happened at "Twitch": the token is spent, a new pair was issued.
    let (_, l) = lookup(&t, &r).await;
    assert_eq!((l["kind"].as_str(), l["spent"].as_bool()), (Some("refresh"), Some(true)));
    assert_eq!(counters(&t).await["refreshes"].as_u64().unwrap(), before + 1);
    // Sending the spent token again is a reuse: the grant is revoked (docs/twitch.md §3.2).
    assert_eq!(refresh(&t, &r).await.0, 400);
    assert_eq!(counters(&t).await["reuse_revocations"], 1);
}

#[tokio::test]
async fn calls_are_counted_and_logged_without_secrets() {
    let t = start().await;
    let (a, r) = t.token("sim_viewer", &["user:read:follows"]).await;
    assert_eq!(t.helix_get("/streams?user_login=lumenforge", &a, PUBLIC).await.status(), 200);
    let v = t.http.get(t.url("/oauth2/validate")).header("Authorization", format!("OAuth {a}"));
    assert_eq!(v.send().await.unwrap().status(), 200);
    assert_eq!(refresh(&t, &r).await.0, 200);
    let c = counters(&t).await;
    assert_eq!(c["helix_calls"]["GET /helix/streams"], 1);
    assert_eq!(c["helix_statuses"]["200"], 1);
    assert_eq!(c["oauth_calls"]["GET /oauth2/validate"], 1);
    assert_eq!(c["oauth_calls"]["POST /oauth2/token refresh_token"], 1);
    let (s, log) = t.get_json("/_sim/log").await;
    assert_eq!(s, 200);
    let entries = log["entries"].as_array().unwrap();
    let helix = entries.iter().find(|e| e["kind"] == "helix").expect("a helix entry");
    assert_eq!(helix["query"], "user_login=lumenforge");
    assert_eq!(helix["status"], 200);
    let token = entries
        .iter()
        .find(|e| e["kind"] == "oauth" && e["path"] == "/oauth2/token")
        .expect("the refresh");
    assert_eq!(token["params"]["grant_type"], "refresh_token");
    assert_eq!(token["params"]["refresh_token"], "<redacted>");
    let text = log.to_string();
    assert!(!text.contains(&a) && !text.contains(&r), "a token in the log");
    // `since` and `kind` narrow it down; sequence numbers only grow.
    let last = entries.last().unwrap()["seq"].as_u64().unwrap();
    let (_, none) = t.get_json(&format!("/_sim/log?since={last}")).await;
    assert_eq!(none["entries"], json!([]));
    let (_, oauth) = t.get_json("/_sim/log?kind=oauth").await;
    assert!(oauth["entries"].as_array().unwrap().iter().all(|e| e["kind"] == "oauth"));
    assert!(entries.windows(2).all(|w| w[0]["seq"].as_u64() < w[1]["seq"].as_u64()));
}

#[tokio::test]
async fn sockets_are_counted_with_the_close_codes_of_both_sides() {
    let t = start().await;
    let (mut a, _, _) = t.connect("").await;
    let (_b, sb, _) = t.connect("").await;
    let (mut c, _, _) = t.connect("").await;
    a.close(Some(CloseFrame { code: CloseCode::Normal, reason: "".into() })).await.unwrap();
    t.post_json(&format!("/_sim/sessions/{sb}/close"), json!({"code": 4005})).await;
    send_text(&mut c, "hello").await;
    assert_eq!(close_code(&mut c).await, 4001);
    let st = wait_state(&t, |s| s["counters"]["ws_open"] == 0).await;
    let c = &st["counters"];
    assert_eq!(c["ws_open_max"], 3);
    assert_eq!(c["client_closes"], json!({"1000": 1}));
    assert_eq!(c["server_closes"], json!({"4001": 1, "4005": 1}));
    assert_eq!(c["inbound_frames"], 1);
}

#[tokio::test]
async fn a_close_before_the_successors_welcome_is_counted_as_early() {
    let t = start().await;
    let (a, _) = t.token("sim_viewer", &[]).await;
    // Followed: the old socket is closed after the successor's welcome.
    let (mut old, sid, _) = t.connect("").await;
    t.subscribe(&a, "stream.online", "1", b(LUMENFORGE), &sid).await;
    let (_, r) = t.post_json(&format!("/_sim/sessions/{sid}/reconnect"), json!({})).await;
    let (_new, _, _) = connect_url(r["reconnect_url"].as_str().unwrap()).await;
    old.close(None).await.unwrap();
    wait_state(&t, |s| s["counters"]["ws_open"] == 1).await;
    assert_eq!(counters(&t).await["early_closes"], 0);
    // Not followed: the old socket is closed first.
    let (mut old2, sid2, _) = t.connect("").await;
    t.subscribe(&a, "stream.online", "1", b(NIGHTOWL), &sid2).await;
    t.post_json(&format!("/_sim/sessions/{sid2}/reconnect"), json!({})).await;
    old2.close(None).await.unwrap();
    let st = wait_state(&t, |s| s["counters"]["early_closes"] == 1).await;
    let log = t.get_json("/_sim/log?kind=ws").await.1;
    assert!(log.to_string().contains("before its successor's welcome"), "{log}");
    assert_eq!(st["counters"]["client_closes"]["1005"], 2, "closes without a code");
}

#[tokio::test]
async fn send_writes_a_raw_frame_in_order_with_the_simulators_own() {
    let t = start().await;
    let (a, _) = t.token("sim_viewer", &[]).await;
    let (mut ws, sid, _) = t.connect("").await;
    t.subscribe(&a, "stream.online", "1", b(LUMENFORGE), &sid).await;
    let (s, _) =
        t.post_json(&format!("/_sim/sessions/{sid}/send"), json!({"text": "{not json"})).await;
    assert_eq!(s, 200);
    let ids = t.event(json!({"type": "stream.online", "broadcaster_login": "lumenforge"})).await;
    let first = loop {
        match tokio::time::timeout(Duration::from_secs(5), ws.next()).await.unwrap() {
            Some(Ok(Message::Text(x))) => break x.to_string(),
            Some(Ok(_)) => continue,
            other => panic!("{other:?}"),
        }
    };
    assert_eq!(first, "{not json");
    let n = next_non_keepalive(&mut ws).await;
    assert_eq!(n["metadata"]["message_id"], ids[0].as_str());
    assert_eq!(t.post_json("/_sim/sessions/nope/send", json!({"text": "x"})).await.0, 404);
    assert_eq!(t.post_json(&format!("/_sim/sessions/{sid}/send"), json!({})).await.0, 400);
}

#[tokio::test]
async fn a_session_cut_off_on_close_ends_without_answering_the_close() {
    let t = start().await;
    let (mut ws, sid, _) = t.connect("").await;
    let (s, _) = t.post_json(&format!("/_sim/sessions/{sid}/cut-off-on-close"), json!({})).await;
    assert_eq!(s, 200);
    ws.send(Message::Close(None)).await.unwrap();
    let answer = tokio::time::timeout(Duration::from_secs(5), async {
        loop {
            match ws.next().await {
                Some(Ok(Message::Close(_))) => return true,
                Some(Ok(_)) => continue,
                None | Some(Err(_)) => return false,
            }
        }
    })
    .await
    .expect("the connection ends");
    assert!(!answer, "the close was answered");
    let st = wait_state(&t, |s| s["counters"]["ws_open"] == 0).await;
    assert_eq!(st["counters"]["client_closes"]["1005"], 1);
    let log = t.get_json("/_sim/log?kind=ws").await.1;
    assert!(log.to_string().contains("cut off"), "{log}");
}

#[tokio::test]
async fn flush_answers_once_the_frames_before_it_are_written() {
    let t = start().await;
    let (a, _) = t.token("sim_viewer", &[]).await;
    let (mut ws, sid, _) = t.connect("").await;
    t.subscribe(&a, "stream.online", "1", b(LUMENFORGE), &sid).await;
    let ids = t
        .event(json!({"type": "stream.online", "broadcaster_login": "lumenforge", "count": 50}))
        .await;
    let (s, body) = t.post_json(&format!("/_sim/sessions/{sid}/flush"), json!({})).await;
    assert_eq!((s.as_u16(), &body["flushed"]), (200, &json!(true)));
    for id in &ids {
        assert_eq!(next_non_keepalive(&mut ws).await["metadata"]["message_id"], id.as_str());
    }
    assert_eq!(t.post_json("/_sim/sessions/nope/flush", json!({})).await.0, 404);
}

#[tokio::test]
async fn the_token_lookup_tells_live_spent_and_unknown_tokens_apart() {
    let t = start().await;
    let (a, r) = t.token("sim_viewer", &["user:read:chat"]).await;
    let (s, l) = lookup(&t, &a).await;
    assert_eq!(s, 200);
    assert_eq!(l["kind"], "access");
    assert_eq!((l["live"].as_bool(), l["user_id"].as_str()), (Some(true), Some(SIM_VIEWER)));
    assert_eq!(l["scopes"], json!(["user:read:chat"]));
    let (_, l) = lookup(&t, &r).await;
    assert_eq!((l["kind"].as_str(), l["live"].as_bool()), (Some("refresh"), Some(true)));
    let (_, fresh) = refresh(&t, &r).await;
    let (_, l) = lookup(&t, &r).await;
    assert_eq!((l["spent"].as_bool(), l["live"].as_bool()), (Some(true), Some(false)));
    let (_, l) = lookup(&t, fresh["refresh_token"].as_str().unwrap()).await;
    assert_eq!(l["live"], true);
    assert_eq!(lookup(&t, "never-issued").await.0, 404);
    t.form("/oauth2/revoke", &[("client_id", PUBLIC), ("token", &a)]).await;
    assert_eq!(lookup(&t, &a).await.0, 404, "a revoked access token is forgotten");
}

#[tokio::test]
async fn the_sessions_list_is_the_state_without_the_rest() {
    let t = start().await;
    let (_a, sa, _) = t.connect("").await;
    let (_b, sb, _) = t.connect("").await;
    let (s, list) = t.get_json("/_sim/sessions").await;
    assert_eq!(s, 200);
    let ids: Vec<&str> =
        list["sessions"].as_array().unwrap().iter().map(|x| x["id"].as_str().unwrap()).collect();
    assert_eq!(ids, [sa.as_str(), sb.as_str()], "oldest first");
    assert_eq!(list["sessions"], t.state().await["sessions"]);
}

#[tokio::test]
async fn the_test_knobs_shorten_keepalives_limit_cost_page_and_delay() {
    let t = start().await;
    t.config(json!({"welcome_keepalive_secs": 1, "max_total_cost": 1, "helix_page_size": 1})).await;
    let (_ws, sid, w) = t.connect("").await;
    assert_eq!(w["payload"]["session"]["keepalive_timeout_seconds"], 1);
    // A client that asks keeps Twitch's clamp.
    let (_ws2, _, w2) = t.connect("?keepalive_timeout_seconds=5").await;
    assert_eq!(w2["payload"]["session"]["keepalive_timeout_seconds"], 10);
    let (a, _) = t.token("sim_viewer", &[]).await;
    assert_eq!(t.subscribe(&a, "stream.online", "1", b(LUMENFORGE), &sid).await.0, 202);
    let (s, body) = t.subscribe(&a, "stream.online", "1", b(NIGHTOWL), &sid).await;
    assert_eq!(s, 429);
    assert!(body["message"].as_str().unwrap().contains("max_total_cost of 1"), "{body}");
    // Cost 0 (own channel) still fits; two items now take two pages.
    let own = json!({"broadcaster_user_id": SIM_VIEWER});
    assert_eq!(t.subscribe(&a, "stream.online", "1", own, &sid).await.0, 202);
    let (_, page1) = t.list_subs(&a, "").await;
    assert_eq!(page1["max_total_cost"], 1);
    assert_eq!(page1["data"].as_array().unwrap().len(), 1);
    let cursor = page1["pagination"]["cursor"].as_str().expect("a second page").to_string();
    let (_, page2) = t.list_subs(&a, &format!("?after={cursor}")).await;
    assert_eq!(page2["data"].as_array().unwrap().len(), 1);
    assert_eq!(page2["pagination"], json!({}));
    // Slow creates, and a late successor welcome.
    t.config(
        json!({"subscribe_delay_ms": 300, "successor_welcome_delay_ms": 300, "max_total_cost": 10}),
    )
    .await;
    let started = Instant::now();
    assert_eq!(t.subscribe(&a, "stream.offline", "1", b(LUMENFORGE), &sid).await.0, 202);
    assert!(started.elapsed() >= Duration::from_millis(300));
    let (_, r) = t.post_json(&format!("/_sim/sessions/{sid}/reconnect"), json!({})).await;
    let started = Instant::now();
    let (_new, _, _) = connect_url(r["reconnect_url"].as_str().unwrap()).await;
    assert!(started.elapsed() >= Duration::from_millis(300));
    for bad in [
        json!({"welcome_keepalive_secs": 0}),
        json!({"helix_page_size": 101}),
        json!({"max_total_cost": -1}),
        json!({"subscribe_delay_ms": "x"}),
    ] {
        assert_eq!(t.post_json("/_sim/config", bad.clone()).await.0, 400, "{bad}");
    }
}
