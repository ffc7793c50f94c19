//! The reconciler against the simulator's Helix (docs/twitch.md §1.4, §1.6, §1.8, §8): orphans
//! of the watcher's own ended sessions go, matches on this session stay, the rest is created; a 403 is reported
//! with Twitch's reason; a 409 of another session is not adopted; a 429 cleans up and retries
//! within the budget; over the budget is reported, not retried forever; a gone session and a
//! refused refresh are errors.

mod support;

use futures_util::StreamExt;
use serde_json::json;
use std::collections::BTreeMap;
use std::sync::Arc;
use support::*;
use tev_core::eventsub::planner::{self, PlanInput, PlannedChannel, Role};
use tev_core::eventsub::reconciler::{
    OwnSessions, ReconcileError, Start, reconcile, reconcile_from, reconcile_sessions,
};
use tev_core::helix::{CreateSubscription, Helix};

type Ws =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// Opens a socket to the simulator and returns its session id (kept open by holding the
/// stream; the simulator gives it 3 s to get a subscription).
async fn session(sim: &Sim) -> (String, Ws) {
    let url = format!("{}/ws", sim.base.replace("http://", "ws://"));
    let (mut ws, _) = tokio_tungstenite::connect_async(url).await.expect("connect");
    let first = ws.next().await.expect("frame").expect("ok");
    let v: serde_json::Value = serde_json::from_str(first.to_text().expect("text")).expect("json");
    let id = v["payload"]["session"]["id"].as_str().expect("id").to_string();
    (id, ws)
}

fn wanted(channels: &[&str]) -> Vec<planner::WantedSub> {
    planner::plan(&PlanInput {
        user_id: SIM_VIEWER.into(),
        scopes: vec!["user:read:chat".into()],
        channels: channels
            .iter()
            .map(|c| PlannedChannel {
                broadcaster_id: c.to_string(),
                login: c.to_string(),
                role: Role::Viewer,
                live_only: false,
                updates: false,
                moderation: false,
            })
            .collect(),
        max_total_cost: 10,
        denied: BTreeMap::new(),
    })
    .subscriptions
}

async fn helix(sim: &Sim) -> (Helix, Arc<TestTokens>) {
    let t = sim.tokens("sim_viewer", &["user:read:chat"]).await;
    (Helix::new(sim.endpoints().helix, t.clone()).expect("helix"), t)
}

/// Creates a `sub_type` subscription on `channel` through Helix, as another run of the app
/// would have; answers its id.
async fn existing(h: &Helix, sub_type: &str, channel: &str, session: &str) -> String {
    let req = CreateSubscription::websocket(
        sub_type,
        "1",
        BTreeMap::from([("broadcaster_user_id".to_string(), channel.to_string())]),
        session,
    );
    h.create_subscription(&req).await.expect("created").data[0].id.clone()
}

#[tokio::test]
async fn orphans_go_matches_on_this_session_stay_the_rest_is_created() {
    let sim = Sim::start().await;
    let (s, _ws) = session(&sim).await;
    let (h, _) = helix(&sim).await;
    // An orphan of a dead session that still counts (dirty disconnect), and a live one of ours.
    let (dead_session, _dead_ws) = session(&sim).await;
    let dead = existing(&h, "stream.online", LUMEN, &dead_session).await;
    sim.post(&format!("/_sim/sessions/{dead_session}/drop"), json!({"zombie": true})).await;
    sim.wait_sessions("the dead session gone", |x| x.len() == 1).await;
    let ours = existing(&h, "stream.offline", LUMEN, &s).await;
    let unwanted = existing(&h, "stream.online", NIGHTOWL, &s).await;
    let creates = sim.creates().await;
    let w = wanted(&[LUMEN]);
    // The dead session was this watcher's own earlier one: provably dead.
    let own = OwnSessions { ended: vec![dead_session.clone()], ..OwnSessions::new(&s) };
    let r = reconcile_sessions(&h, &own, &w).await.expect("reconcile");
    assert_eq!(r.active.len(), w.len());
    assert!(r.active.iter().any(|a| a.id == ours), "adopted, not recreated");
    assert_eq!(r.deleted, 2);
    let all = sim.state().await["subscriptions"].clone();
    let ids: Vec<&str> =
        all.as_array().expect("subs").iter().filter_map(|s| s["id"].as_str()).collect();
    assert!(!ids.contains(&dead.as_str()) && !ids.contains(&unwanted.as_str()), "{ids:?}");
    assert!(sim.enabled_subs().await.iter().all(|x| x["transport"]["session_id"] == s.as_str()));
    assert_eq!(sim.creates().await - creates, (w.len() - 1) as u64);
    assert_eq!(r.total_cost, 5);
}

#[tokio::test]
async fn a_403_is_reported_with_twitchs_reason_and_the_rest_goes_on() {
    let sim = Sim::start().await;
    sim.fault(json!({"path": "/helix/eventsub/subscriptions", "method": "POST",
        "type": "channel.chat.message", "status": 403,
        "message": "subscription missing proper authorization", "sticky": true}))
        .await;
    let (s, _ws) = session(&sim).await;
    let (h, _) = helix(&sim).await;
    let w = wanted(&[LUMEN]);
    let r = reconcile(&h, &s, &w).await.expect("reconcile");
    assert_eq!(r.denied.len(), 1);
    assert_eq!(r.denied[0].0.sub_type, "channel.chat.message");
    assert!(r.denied[0].1.contains("403"), "{}", r.denied[0].1);
    assert_eq!(r.active.len(), w.len() - 1);
}

#[tokio::test]
async fn a_409_for_a_subscription_of_another_session_is_not_adopted() {
    let sim = Sim::start().await;
    let (s, _ws) = session(&sim).await;
    let (h, _) = helix(&sim).await;
    // Twitch answers 409 once (an orphan appeared after our listing); the reconciler must
    // look, find nothing of this session, and create it.
    sim.fault(json!({"path": "/helix/eventsub/subscriptions", "method": "POST", "status": 409,
                     "message": "subscription already exists"}))
        .await;
    let w = wanted(&[LUMEN]);
    let r = reconcile(&h, &s, &w).await.expect("reconcile");
    assert_eq!(r.active.len(), w.len());
    assert!(r.active.iter().all(|a| !a.id.is_empty()));
    let subs = sim.enabled_subs().await;
    assert!(subs.iter().all(|x| x["transport"]["session_id"] == s.as_str()));
    assert_eq!(subs.len(), w.len());
}

#[tokio::test]
async fn a_429_cleans_up_and_retries_once_within_the_budget() {
    let sim = Sim::start().await;
    let (s, _ws) = session(&sim).await;
    let (h, _) = helix(&sim).await;
    sim.fault(json!({"path": "/helix/eventsub/subscriptions", "method": "POST", "status": 429,
                     "message": "max_total_cost exceeded", "ratelimit_remaining": 100}))
        .await;
    let lists_before = sim.lists().await;
    let w = wanted(&[LUMEN, NIGHTOWL]);
    let r = reconcile(&h, &s, &w).await.expect("reconcile");
    assert_eq!(r.active.len(), w.len());
    assert!(sim.lists().await >= lists_before + 2, "listed again to clean up");
    assert!(r.total_cost <= 10);
}

#[tokio::test]
async fn over_the_budget_is_reported_not_retried_forever() {
    let sim = Sim::start().await;
    sim.config(json!({"max_total_cost": 3})).await;
    let (s, _ws) = session(&sim).await;
    let (h, _) = helix(&sim).await;
    let w = wanted(&[LUMEN]);
    let r = reconcile(&h, &s, &w).await.expect("reconcile");
    assert_eq!(r.total_cost, 3);
    assert!(r.failed.iter().any(|(_, why)| why.contains("429")), "{:?}", r.failed);
    assert!(sim.creates().await < 2 * w.len() as u64);
}

#[tokio::test]
async fn a_gone_session_is_an_error_to_reconnect_on() {
    let sim = Sim::start().await;
    let (h, _) = helix(&sim).await;
    let err = reconcile(&h, "no-such-session", &wanted(&[LUMEN])).await.expect_err("gone");
    assert!(matches!(err, ReconcileError::SessionGone(_)), "{err:?}");
}

#[tokio::test]
async fn a_refused_refresh_is_a_token_error() {
    let sim = Sim::start().await;
    let (s, _ws) = session(&sim).await;
    let (h, tokens) = helix(&sim).await;
    // The token stops working at Twitch, and the owner cannot refresh it.
    sim.revoke(&tokens.token()).await;
    let err = reconcile(&h, &s, &wanted(&[LUMEN])).await.expect_err("401");
    assert!(matches!(err, ReconcileError::Token(_)), "{err:?}");
    assert_eq!(tokens.refreshes.load(std::sync::atomic::Ordering::SeqCst), 1);
}

/// The `METHOD path` of every Helix subscription call the simulator answered after `since`
/// log entries, with its status.
async fn subscription_calls(sim: &Sim, since: usize) -> Vec<String> {
    sim.log(Some("helix")).await[since..]
        .iter()
        .filter(|e| e["path"] == "/helix/eventsub/subscriptions")
        .map(|e| format!("{} {}", e["method"].as_str().unwrap_or(""), e["status"]))
        .collect()
}

/// A dead session's subscriptions left enabled (a dirty drop Twitch has not noticed,
/// docs/twitch.md §1.4 "Practical caveat"): `wanted` on a session of this watcher that is then
/// dropped. Returns that session's id (an ended session of the watcher's own).
async fn zombies(sim: &Sim, h: &Helix, wanted: &[planner::WantedSub]) -> String {
    let (dead, _ws) = session(sim).await;
    for w in wanted {
        let req =
            CreateSubscription::websocket(&w.sub_type, &w.version, w.condition.clone(), &dead);
        h.create_subscription(&req).await.expect("created");
    }
    sim.post(&format!("/_sim/sessions/{dead}/drop"), json!({"zombie": true})).await;
    sim.wait_sessions("the dead session gone", |x| !x.contains(&dead)).await;
    dead
}

/// docs/twitch.md §1.1: on a fresh session the first subscription call is a create; the list
/// and the deletes of a dead session's leftovers come after every create.
#[tokio::test]
async fn after_a_fresh_welcome_every_create_comes_before_the_cleanup() {
    let sim = Sim::start().await;
    let (h, _) = helix(&sim).await;
    // Leftovers that are not in the way (other channels): nothing forces an early cleanup.
    let dead = zombies(&sim, &h, &wanted(&[NIGHTOWL])).await;
    let (s, _ws) = session(&sim).await;
    let since = sim.log(Some("helix")).await.len();
    let w = wanted(&[LUMEN]);
    let own = OwnSessions { ended: vec![dead], ..OwnSessions::new(&s) };
    let r = reconcile_from(&h, &own, &w, Start::FreshSession).await.expect("reconcile");
    assert_eq!(r.active.len(), w.len());
    assert_eq!(r.deleted, w.len(), "the leftovers deleted");
    let calls = subscription_calls(&sim, since).await;
    let creates: Vec<&String> = calls.iter().take(w.len()).collect();
    assert!(creates.iter().all(|c| *c == "POST 202"), "creates first: {calls:?}");
    assert_eq!(calls[w.len()], "GET 200", "then the list: {calls:?}");
    assert!(calls[w.len() + 1..].iter().all(|c| c.starts_with("DELETE")), "{calls:?}");
    assert!(sim.enabled_subs().await.iter().all(|x| x["transport"]["session_id"] == s.as_str()));
    assert_eq!(r.total_cost, 5, "the deleted leftovers no longer counted");
}

/// docs/twitch.md §1.4, §7 pitfalls 6–7: when a dead session's leftovers are in the way of the
/// first create (409), the cleanup runs then, once, and every create after it succeeds.
#[tokio::test]
async fn leftovers_in_the_way_of_a_fresh_session_are_cleaned_up_once_at_the_first_409() {
    let sim = Sim::start().await;
    let (h, _) = helix(&sim).await;
    let w = wanted(&[LUMEN]);
    let dead = zombies(&sim, &h, &w).await;
    let (s, _ws) = session(&sim).await;
    let since = sim.log(Some("helix")).await.len();
    let own = OwnSessions { ended: vec![dead], ..OwnSessions::new(&s) };
    let r = reconcile_from(&h, &own, &w, Start::FreshSession).await.expect("reconcile");
    assert_eq!(r.active.len(), w.len());
    assert!(r.failed.is_empty() && r.denied.is_empty(), "{r:?}");
    let calls = subscription_calls(&sim, since).await;
    assert_eq!(calls[0], "POST 409", "{calls:?}");
    assert_eq!(calls.iter().filter(|c| *c == "POST 409").count(), 1, "{calls:?}");
    assert_eq!(calls.iter().filter(|c| c.starts_with("GET")).count(), 1, "one list: {calls:?}");
    assert_eq!(calls.iter().filter(|c| c.starts_with("DELETE")).count(), w.len(), "{calls:?}");
    assert!(sim.enabled_subs().await.iter().all(|x| x["transport"]["session_id"] == s.as_str()));
}
