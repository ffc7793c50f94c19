//! The watcher across logins, as a desktop app lives for weeks: a sign-out closes its socket
//! and the next sign-in brings it back with its channels; a disconnected app
//! (`authorization_revoked`, docs/twitch.md §1.7, §8) makes the owner find out that the login
//! is gone, and the next sign-in brings it back; a token endpoint that refuses connections
//! while a refresh is needed is a network error, retried with backoff, never the end; and a
//! watcher that stops says so last. A real token owner (device login, auto-approved by the
//! simulator) and the watcher are wired as the app wires them (`src-tauri/src/session.rs`).

mod support;

use serde_json::json;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use support::*;
use tev_core::Endpoints;
use tev_core::auth::{AuthState, LoginFlow, OAuthClient, OwnerOptions, TokenOwner};
use tev_core::token::TokenSource;
use tev_core::watcher::{self, ConnectionState, SIGNED_OUT, STOPPED, WatcherHandle};
use twitch_sim::door::Door;

/// A token owner signed in as `sim_viewer` by the device flow (the simulator approves it at
/// once), its OAuth calls going to `oauth`.
async fn signed_in(sim: &Sim, oauth: url::Url) -> TokenOwner {
    sim.config(json!({"auto_approve": "sim_viewer"})).await;
    let mut endpoints = sim.endpoints();
    endpoints.oauth = oauth;
    let client = OAuthClient::new(endpoints, PUBLIC, None).expect("client");
    let mut options = OwnerOptions::default();
    options.device.poll_interval = Some(Duration::from_millis(20));
    let opener = Arc::new(|_: &str| -> Result<(), String> { Ok(()) });
    let owner = TokenOwner::with_opener(client, mock_keychain(), options, opener);
    owner.start().await;
    log_in(&owner).await;
    owner
}

async fn log_in(owner: &TokenOwner) {
    let state = owner.login(LoginFlow::Device).await.expect("signed in");
    assert_eq!(state.login(), Some("sim_viewer"), "{state:?}");
}

/// The watcher on `owner`'s tokens, wired as the app wires it: the logout hook signs it out,
/// and [`watcher::follow_login`] keeps it in step with the login.
async fn app_watcher(sim: &Sim, owner: &TokenOwner) -> (WatcherHandle, Collected) {
    let (ep, cfg) = sim.watcher_config();
    let h = watcher::spawn(&ep, Arc::new(owner.clone()), cfg).expect("spawn");
    let got = Collected::start(&h);
    let w = h.clone();
    owner.set_logout_hook(Arc::new(move || {
        let w = w.clone();
        Box::pin(async move {
            let _ = w.signed_out().await;
        })
    }));
    tokio::spawn(watcher::follow_login(h.clone(), owner.clone()));
    (h, got)
}

/// Waits until both channels have all their subscriptions on one open session.
async fn both_subscribed(sim: &Sim) {
    let s = sim.wait_sessions("one session", |s| s.len() == 1).await;
    subscribed_on(sim, &s[0], 2 * VIEWER_SUBS).await;
}

/// The app's pieces signed in, watching lumenforge and nightowl, subscribed.
async fn watching_two_channels() -> (Sim, TokenOwner, WatcherHandle, Collected) {
    let sim = Sim::start().await;
    let owner = signed_in(&sim, sim.endpoints().oauth).await;
    let (h, got) = app_watcher(&sim, &owner).await;
    h.add_channel("lumenforge", None).await.expect("add");
    h.add_channel("nightowl", None).await.expect("add");
    connected(&h).await;
    both_subscribed(&sim).await;
    (sim, owner, h, got)
}

/// Connected again with both channels subscribed, and an event on each is received.
async fn events_arrive_again(sim: &Sim, h: &WatcherHandle, got: &Collected) {
    connected(h).await;
    both_subscribed(sim).await;
    let mut sent = sim.emit("stream.online", "lumenforge").await;
    sent.extend(sim.emit("stream.online", "nightowl").await);
    all_received(got, &sent).await;
}

/// The `connection_lost` gap rows of `channel`.
fn lost_gaps(got: &Collected, channel: &str) -> usize {
    got.gap_rows().iter().filter(|(c, _, _, why)| c == channel && why == "ConnectionLost").count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sign_in_after_a_sign_out_brings_the_watcher_back_with_its_channels() {
    let (sim, owner, h, got) = watching_two_channels().await;

    owner.logout().await.expect("logout");
    assert_eq!(*h.state().borrow(), ConnectionState::Failed { reason: SIGNED_OUT.into() });
    sim.wait_sessions("the socket closed", |s| s.is_empty()).await;

    log_in(&owner).await;
    events_arrive_again(&sim, &h, &got).await;
    // The time without a login shows as a gap in each channel.
    assert_eq!(lost_gaps(&got, LUMEN), 1, "{:?}", got.gap_rows());
    assert_eq!(lost_gaps(&got, NIGHTOWL), 1, "{:?}", got.gap_rows());
    h.shutdown().await;
    owner.shutdown();
}

/// docs/twitch.md §1.7, §8: `authorization_revoked` — the user disconnected the app. The owner
/// learns it from Twitch (validation, then a refused refresh) and signs out with a reason, so
/// the app asks for a new sign-in; that sign-in brings the watcher back, with a gap row.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_revoked_authorization_asks_for_a_sign_in_and_the_next_one_brings_the_watcher_back() {
    let (sim, owner, h, got) = watching_two_channels().await;

    let mut auth = owner.subscribe();
    sim.post("/_sim/authorizations/revoke", json!({"login": "sim_viewer"})).await;
    let asked = tokio::time::timeout(
        Duration::from_secs(15),
        auth.wait_for(|a| matches!(a, AuthState::SignedOut { reason: Some(_) })),
    )
    .await
    .is_ok(); // (the borrow it answers must not outlive this line: it blocks the owner)
    assert!(asked, "the owner still counts the user signed in: {:?}", owner.state());
    assert!(matches!(*h.state().borrow(), ConnectionState::Failed { .. }));

    log_in(&owner).await;
    events_arrive_again(&sim, &h, &got).await;
    for channel in [LUMEN, NIGHTOWL] {
        assert!(lost_gaps(&got, channel) >= 1, "{channel}: {:?}", got.gap_rows());
    }
    h.shutdown().await;
    owner.shutdown();
}

/// A refresh that cannot reach Twitch's token endpoint (connection refused: the refresh token
/// was never sent and stays good, docs/twitch.md §3.2) is a network error: the watcher tries
/// again with backoff, never gives up, and subscribes once the endpoint answers again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreachable_token_endpoint_is_retried_until_the_subscriptions_are_back() {
    let sim = Sim::start().await;
    let target: SocketAddr =
        sim.base.trim_start_matches("http://").parse().expect("simulator address");
    // Network fault injection: the token endpoint's host behind a door that refuses
    // connections (not a Twitch behaviour); Helix and the socket go to the simulator itself.
    let door = Door::to(target).await.expect("door");
    let oauth = Endpoints::with_base(&door.base_url()).expect("door endpoints").oauth;
    let owner = signed_in(&sim, oauth).await;
    // No follow_login here: the watcher alone must not give up.
    let (ep, cfg) = sim.watcher_config();
    let h = watcher::spawn(&ep, Arc::new(owner.clone()), cfg).expect("spawn");
    let got = Collected::start(&h);
    h.add_channel("lumenforge", None).await.expect("add");
    connected(&h).await;
    let seen = states(&h);

    // The token endpoint goes out of reach, Twitch no longer takes the access token, and the
    // socket is lost: the new session needs a refresh to be subscribed.
    door.refuse().await;
    sim.revoke(owner.current().await.expect("creds").token.secret()).await;
    let s1 = sim.sessions().await[0].clone();
    sim.post(&format!("/_sim/sessions/{s1}/close"), json!({"code": 4005})).await;
    let gave_up =
        || seen.lock().expect("states").iter().any(|s| matches!(s, ConnectionState::Failed { .. }));
    eventually(15, "a second try against the closed door, or the watcher giving up", || async {
        owner.refresh_count() >= 2 || gave_up()
    })
    .await;
    assert!(!gave_up(), "the watcher gave up: {:?}", seen.lock().expect("states"));
    assert_eq!(refresh_requests(&sim).await, 0, "nothing reached the token endpoint");
    let said_so = || {
        seen.lock().expect("states").iter().any(|s| {
            matches!(s, ConnectionState::Reconnecting { reason, .. } if reason.contains("refresh"))
        })
    };
    wait_until(15, "the panel told why nothing is subscribed", said_so).await;

    door.admit().await;
    connected(&h).await;
    let s2 = sim.wait_sessions("one session", |s| s.len() == 1).await;
    subscribed_on(&sim, &s2[0], VIEWER_SUBS).await;
    let sent = sim.emit("stream.online", "lumenforge").await;
    all_received(&got, &sent).await;
    assert_eq!(owner.state().login(), Some("sim_viewer"), "still signed in");
    assert_eq!(lost_gaps(&got, LUMEN), 1, "{:?}", got.gap_rows());
    assert_eq!(sim.counters().await["reuse_revocations"], 0);
    h.shutdown().await;
    owner.shutdown();
}

/// Whoever shows the watcher's state (a panel) must not keep showing "connected" once the
/// task is gone: its last state says it stopped.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_watcher_that_stops_says_so_last() {
    let sim = Sim::start().await;
    let (h, _got, _) = watching(&sim, &["lumenforge"]).await;
    let rx = h.state();
    h.shutdown().await;
    assert_eq!(*rx.borrow(), ConnectionState::Failed { reason: STOPPED.into() });
    let err = h.add_channel("nightowl", None).await.expect_err("stopped");
    assert_eq!(err.to_string(), STOPPED);
}
