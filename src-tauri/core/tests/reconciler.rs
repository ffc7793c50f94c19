//! The reconciler against a fake Helix (twitch.md §1.4, §1.6, §1.8, §8).

mod session_fake;

use futures_util::StreamExt;
use session_fake::*;
use std::collections::BTreeMap;
use std::sync::Arc;
use tev_core::eventsub::planner::{self, PlanInput, PlannedChannel, Role};
use tev_core::eventsub::reconciler::{ReconcileError, reconcile};
use tev_core::helix::Helix;

type Ws =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// Opens a socket to the fake and returns its session id (kept open by holding the stream).
async fn session(fake: &Fake) -> (String, Ws) {
    let url = format!("{}/ws", fake.base.replace("http://", "ws://"));
    let (mut ws, _) = tokio_tungstenite::connect_async(url).await.expect("connect");
    let first = ws.next().await.expect("frame").expect("ok");
    let v: serde_json::Value = serde_json::from_str(first.to_text().expect("text")).expect("json");
    let id = v["payload"]["session"]["id"].as_str().expect("id").to_string();
    (id, ws)
}

fn wanted(channels: &[&str]) -> Vec<planner::WantedSub> {
    planner::plan(&PlanInput {
        user_id: ME.into(),
        scopes: vec!["user:read:chat".into()],
        channels: channels
            .iter()
            .map(|c| PlannedChannel {
                broadcaster_id: c.to_string(),
                login: c.to_string(),
                role: Role::Viewer,
                live_only: false,
            })
            .collect(),
        max_total_cost: 10,
        denied: BTreeMap::new(),
    })
    .subscriptions
}

fn helix(fake: &Fake) -> (Helix, Arc<TestTokens>) {
    let t = TestTokens::new("tok-1");
    let ep = tev_core::Endpoints::with_base(&fake.base).expect("ep");
    (Helix::new(ep.helix, t.clone()).expect("helix"), t)
}

fn orphan(fake: &Fake, sub_type: &str, channel: &str, session: &str, cost: u32) -> String {
    let id = format!("orphan-{sub_type}-{session}");
    fake.with(|w| {
        w.subs.push(FakeSub {
            id: id.clone(),
            sub_type: sub_type.into(),
            version: "1".into(),
            condition: BTreeMap::from([("broadcaster_user_id".to_string(), channel.to_string())]),
            session_id: session.into(),
            status: "enabled".into(),
            cost,
        })
    });
    id
}

#[tokio::test]
async fn orphans_go_matches_on_this_session_stay_the_rest_is_created() {
    let fake = Fake::start().await;
    let (s, _ws) = session(&fake).await;
    let (h, _) = helix(&fake);
    // An orphan of a dead session that still counts (dirty disconnect), and a live one of ours.
    let dead = orphan(&fake, "stream.online", "100", "dead-session", 1);
    let ours = orphan(&fake, "stream.offline", "100", &s, 1);
    let unwanted = orphan(&fake, "stream.online", "555", &s, 1);
    let w = wanted(&["100"]);
    let r = reconcile(&h, &s, &w).await.expect("reconcile");
    assert_eq!(r.active.len(), w.len());
    assert!(r.active.iter().any(|a| a.id == ours), "adopted, not recreated");
    assert_eq!(r.deleted, 2);
    let ids: Vec<String> = fake.with(|x| x.subs.iter().map(|s| s.id.clone()).collect());
    assert!(!ids.contains(&dead) && !ids.contains(&unwanted));
    assert!(fake.enabled_subs().iter().all(|x| x.session_id == s));
    assert_eq!(fake.with(|x| x.counters.posts), (w.len() - 1) as u64);
    assert_eq!(r.total_cost, 5);
}

#[tokio::test]
async fn a_403_is_reported_with_twitchs_reason_and_the_rest_goes_on() {
    let fake = Fake::start().await;
    fake.with(|w| w.forbidden.push("channel.chat.message".into()));
    let (s, _ws) = session(&fake).await;
    let (h, _) = helix(&fake);
    let w = wanted(&["100"]);
    let r = reconcile(&h, &s, &w).await.expect("reconcile");
    assert_eq!(r.denied.len(), 1);
    assert_eq!(r.denied[0].0.sub_type, "channel.chat.message");
    assert!(r.denied[0].1.contains("403"), "{}", r.denied[0].1);
    assert_eq!(r.active.len(), w.len() - 1);
}

#[tokio::test]
async fn a_409_for_a_subscription_of_another_session_is_not_adopted() {
    let fake = Fake::start().await;
    let (s, _ws) = session(&fake).await;
    let (h, _) = helix(&fake);
    // Twitch answers 409 once (an orphan appeared after our listing); the reconciler must
    // look, find nothing of this session, and create it.
    fake.with(|x| {
        x.fail_next.push_back((
            "POST eventsub".into(),
            409,
            "subscription already exists".into(),
            None,
        ))
    });
    let w = wanted(&["100"]);
    let r = reconcile(&h, &s, &w).await.expect("reconcile");
    assert_eq!(r.active.len(), w.len());
    assert!(r.active.iter().all(|a| !a.id.is_empty()));
    assert!(fake.enabled_subs().iter().all(|x| x.session_id == s));
    assert_eq!(fake.enabled_subs().len(), w.len());
}

#[tokio::test]
async fn a_429_cleans_up_and_retries_once_within_the_budget() {
    let fake = Fake::start().await;
    let (s, _ws) = session(&fake).await;
    let (h, _) = helix(&fake);
    fake.with(|x| {
        x.fail_next.push_back((
            "POST eventsub".into(),
            429,
            "max_total_cost exceeded".into(),
            Some(100),
        ))
    });
    let lists_before = fake.with(|x| x.counters.lists);
    let w = wanted(&["100", "101"]);
    let r = reconcile(&h, &s, &w).await.expect("reconcile");
    assert_eq!(r.active.len(), w.len());
    assert!(fake.with(|x| x.counters.lists) >= lists_before + 2, "listed again to clean up");
    assert!(r.total_cost <= 10);
}

#[tokio::test]
async fn over_the_budget_is_reported_not_retried_forever() {
    let fake = Fake::start().await;
    fake.with(|w| w.max_total_cost = 3);
    let (s, _ws) = session(&fake).await;
    let (h, _) = helix(&fake);
    let w = wanted(&["100"]);
    let r = reconcile(&h, &s, &w).await.expect("reconcile");
    assert_eq!(r.total_cost, 3);
    assert!(r.failed.iter().any(|(_, why)| why.contains("429")), "{:?}", r.failed);
    assert!(fake.with(|x| x.counters.posts) < 2 * w.len() as u64);
}

#[tokio::test]
async fn a_gone_session_is_an_error_to_reconnect_on() {
    let fake = Fake::start().await;
    let (h, _) = helix(&fake);
    let err = reconcile(&h, "no-such-session", &wanted(&["100"])).await.expect_err("gone");
    assert!(matches!(err, ReconcileError::SessionGone(_)), "{err:?}");
}

#[tokio::test]
async fn a_refused_refresh_is_a_token_error() {
    let fake = Fake::start().await;
    let (s, _ws) = session(&fake).await;
    let (h, tokens) = helix(&fake);
    fake.with(|w| w.valid_tokens.clear());
    let err = reconcile(&h, &s, &wanted(&["100"])).await.expect_err("401");
    assert!(matches!(err, ReconcileError::Token(_)), "{err:?}");
    assert_eq!(tokens.refreshes.load(std::sync::atomic::Ordering::SeqCst), 1);
}
