//! Refreshing the token against the simulator's OAuth (docs/twitch.md §3.2, §3.5; §7 pitfalls
//! 10 and 11): concurrent 401s share one refresh, the rotated token is stored first and a
//! spent refresh token is never sent again; a refresh is due before expiry; a rate-limited
//! refresh keeps the login; and on the EventSub side a resubscribe reads the current token,
//! a 401 costs one refresh, and an expired token leaves the socket alone.

mod support;

use serde_json::json;
use std::sync::atomic::Ordering;
use std::time::Duration;
use support::*;
use tev_core::auth::{AuthState, OwnerOptions};
use tev_core::token::{TokenError, TokenSource};
use tev_core::watcher::ConnectionState;

/// 100 refresh cycles with concurrent 401s from several callers → exactly one refresh per
/// cycle, the rotated pair in the keychain by the time anyone sees the new token, and no
/// spent refresh token ever reaching Twitch (it would revoke the whole authorization).
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_401s_share_one_refresh_per_cycle() {
    let cycles: u64 =
        std::env::var("TEV_REFRESH_CYCLES").ok().and_then(|v| v.parse().ok()).unwrap_or(100);
    let sim = Sim::with_twitch_timings().await;
    let (owner, keychain, _) = signed_in_owner(&sim, OwnerOptions::default()).await;
    let before = sim.counters().await["refreshes"].as_u64().expect("counter");
    for cycle in 0..cycles {
        let rejected = owner.current().await.expect("current").token;
        let tasks: Vec<_> = (0..8)
            .map(|_| {
                let owner = owner.clone();
                let rejected = rejected.clone();
                tokio::spawn(async move { owner.refresh_after_401(&rejected).await })
            })
            .collect();
        let mut fresh = Vec::new();
        for t in tasks {
            fresh.push(t.await.expect("join").expect("refreshed").token);
        }
        assert!(
            fresh.iter().all(|t| *t == fresh[0]),
            "cycle {cycle}: everyone gets the same new token"
        );
        assert!(fresh[0] != rejected);
        assert_eq!(owner.refresh_count(), cycle + 1, "exactly one refresh in cycle {cycle}");
        // The rotated refresh token is in the keychain by the time anyone sees the token.
        let stored = keychain.load_tokens().await.expect("keychain").expect("stored");
        assert!(stored.access == fresh[0]);
        let refresh = stored.refresh.as_ref().expect("a refresh token");
        let live = sim.lookup(refresh.secret()).await.is_some_and(|l| l["live"] == true);
        assert!(live, "cycle {cycle}: the keychain holds the live refresh token");
    }
    let state = sim.state().await;
    assert_eq!(refresh_requests(&sim).await, cycles, "one refresh request per cycle");
    assert_eq!(state["counters"]["refreshes"].as_u64(), Some(before + cycles));
    assert_eq!(state["counters"]["reuse_revocations"].as_u64(), Some(0), "spent token reused");
    assert!(
        state["authorizations"].as_array().expect("auths").iter().all(|a| a["revoked"] == false)
    );
    // Still signed in at the end, and the keychain holds the live pair.
    assert_eq!(owner.validate_now().await.login(), Some("sim_viewer"));
    let stored = keychain.load_tokens().await.expect("kc").expect("stored");
    assert!(stored.access == owner.current().await.expect("creds").token);
    owner.shutdown();
}

/// Refreshes shortly before expiry without anyone asking.
#[tokio::test(start_paused = true)]
async fn refreshes_before_expiry() {
    let sim = Sim::with_twitch_timings().await;
    sim.config(json!({"access_token_secs": 1200})).await; // 20 minutes; margin is 5
    let (owner, keychain, _) = signed_in_owner(&sim, OwnerOptions::default()).await;
    let first = owner.current().await.expect("creds").token;
    tokio::time::sleep(Duration::from_secs(15 * 60 + 1)).await;
    while owner.refresh_count() < 1 {
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    let now = owner.current().await.expect("creds").token;
    assert!(now != first, "refreshed before expiry");
    let stored = keychain.load_tokens().await.expect("kc").expect("stored");
    assert!(stored.access == now);
    owner.shutdown();
}

/// A 429 on the refresh is Twitch's rate limiter, not a verdict on the token: the token is
/// kept (unspent) and the next attempt uses it, without signing out.
#[tokio::test]
async fn a_rate_limited_refresh_keeps_the_login() {
    let sim = Sim::with_twitch_timings().await;
    let (owner, keychain, _) = signed_in_owner(&sim, OwnerOptions::default()).await;
    sim.fault(json!({"path": "/oauth2/token", "grant_type": "refresh_token", "status": 429,
                     "message": "Too Many Requests"}))
        .await;
    let c = owner.current().await.expect("creds");
    let err = owner.refresh_after_401(&c.token).await.expect_err("rate limited");
    assert!(matches!(err, TokenError::Unreachable(_)), "{err:?}");
    assert!(owner.state().login().is_some(), "still signed in: {:?}", owner.state());
    let stored = keychain.load_tokens().await.expect("kc").expect("kept");
    assert!(stored.refresh.is_some(), "the unspent refresh token is back in the keychain");
    let fresh = owner.refresh_after_401(&c.token).await.expect("second attempt refreshes");
    assert!(fresh.token != c.token);
    assert_eq!(sim.counters().await["reuse_revocations"], 0);
    owner.shutdown();
}

/// docs/twitch.md §3.2 "never retry with an old refresh token": when a refresh may have
/// reached Twitch (a 500 after the token was spent), that token is never sent again; the
/// access token is used until it runs out, then the user signs in again.
#[tokio::test]
async fn a_possibly_spent_refresh_token_is_never_sent_again() {
    let sim = Sim::with_twitch_timings().await;
    let (owner, keychain, _) = signed_in_owner(&sim, OwnerOptions::default()).await;
    sim.fault(json!({"path": "/oauth2/token", "grant_type": "refresh_token", "status": 500,
                     "message": "Internal Server Error", "after_handling": true}))
        .await;
    let c = owner.current().await.expect("creds");
    let err = owner.refresh_after_401(&c.token).await.expect_err("500");
    assert!(matches!(err, TokenError::Unreachable(_)), "{err:?}");
    let stored = keychain.load_tokens().await.expect("kc").expect("still stored");
    assert!(stored.refresh.is_none(), "the spent token is not kept");
    assert!(owner.current().await.is_ok(), "the access token is still usable");
    let err = owner.refresh_after_401(&c.token).await.expect_err("cannot renew");
    assert!(matches!(err, TokenError::Expired(_)), "{err:?}");
    assert_eq!(refresh_requests(&sim).await, 1, "the spent token was not sent again");
    assert_eq!(sim.counters().await["reuse_revocations"], 0);
    assert!(matches!(owner.state(), AuthState::SignedOut { reason: Some(_) }));
    owner.shutdown();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pitfall_10_the_resubscribe_reads_the_current_token() {
    let sim = Sim::start().await;
    let (h, got, tokens) = watching(&sim, &["lumenforge"]).await;
    // The owner refreshed in the background: only the second token works now.
    let second = sim.mint("sim_viewer", VIEWER_SCOPES).await.access;
    sim.revoke(&tokens.token()).await;
    *tokens.current.lock().expect("t") = second.clone();
    let s1 = sim.sessions().await[0].clone();
    sim.post(&format!("/_sim/sessions/{s1}/close"), json!({"code": 4006})).await;
    let s2 = moved_from(&sim, &s1).await;
    subscribed_on(&sim, &s2, VIEWER_SUBS).await;
    assert_eq!(tokens.refreshes.load(Ordering::SeqCst), 0, "the current token was used, no 401");
    // And when the token rotates without the watcher knowing: one 401, one refresh, success.
    let third = sim.mint("sim_viewer", VIEWER_SCOPES).await.access;
    sim.revoke(&second).await;
    *tokens.next.lock().expect("n") = Some(third);
    sim.post(&format!("/_sim/sessions/{s2}/close"), json!({"code": 4005})).await;
    let s3 = moved_from(&sim, &s2).await;
    subscribed_on(&sim, &s3, VIEWER_SUBS).await;
    assert_eq!(tokens.refreshes.load(Ordering::SeqCst), 1);
    let sent = sim.emit("stream.online", "lumenforge").await;
    all_received(&got, &sent).await;
    h.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pitfall_11_an_expired_token_does_not_touch_the_socket() {
    let sim = Sim::start().await;
    let (h, got, tokens) = watching(&sim, &["lumenforge"]).await;
    let s1 = sim.sessions().await[0].clone();
    sim.revoke(&tokens.token()).await;
    // A Helix call now fails (401, refresh refused) …
    let err = h.add_channel("nightowl", None).await.expect_err("no valid token");
    assert!(err.to_string().contains("refresh refused"), "{err}");
    // … but the socket and its subscriptions keep delivering.
    let sent = sim.emit("stream.online", "lumenforge").await;
    all_received(&got, &sent).await;
    assert_eq!(sim.sessions().await, [s1]);
    assert_eq!(*h.state().borrow(), ConnectionState::Connected);
    h.shutdown().await;
}

/// docs/twitch.md §4, §9 "Not every 401 is an expired token": Helix answers 401 for a scope
/// the token lacks ("Missing scope: user:read:follows") and for a Client ID that does not
/// match the token. Neither is cured by a refresh, so neither may spend the single-use refresh
/// token (a client refreshing in a loop on a missing scope:
/// https://github.com/nicklaw5/helix/issues/204); the caller gets Twitch's error as it is.
#[tokio::test]
async fn a_401_that_is_not_an_invalid_token_leaves_the_refresh_token_unspent() {
    use std::sync::Arc;
    use tev_core::helix::Helix;
    let sim = Sim::with_twitch_timings().await;
    // The stored login has `user:read:chat` only: no `user:read:follows`.
    let (owner, keychain, minted) = signed_in_owner(&sim, OwnerOptions::default()).await;
    let refreshes_before = sim.counters().await["refreshes"].as_u64().expect("counter");
    let helix = Helix::new(sim.endpoints().helix, Arc::new(owner.clone())).expect("helix");

    let err = helix.followed_channels(&minted.user_id).await.expect_err("no follows scope");
    assert_eq!(err.status(), Some(401), "{err}");
    assert!(err.to_string().contains("Missing scope: user:read:follows"), "{err}");
    assert_eq!(refresh_requests(&sim).await, 0, "a missing scope spent the refresh token");

    // A Client ID that does not match the token: Twitch's message, and no refresh either.
    sim.fault(json!({"path": "/helix/users", "status": 401,
                     "message": "Client ID and OAuth token do not match"}))
        .await;
    let err = helix.me().await.expect_err("client id mismatch");
    assert!(err.to_string().contains("Client ID and OAuth token do not match"), "{err}");

    assert_eq!(refresh_requests(&sim).await, 0, "no refresh was sent");
    assert_eq!(sim.counters().await["refreshes"].as_u64(), Some(refreshes_before));
    assert_eq!(owner.refresh_count(), 0);
    let stored = keychain.load_tokens().await.expect("kc").expect("stored");
    let refresh = stored.refresh.as_ref().expect("the refresh token is still held");
    assert_eq!(refresh.secret(), minted.refresh, "the same, unspent refresh token");
    let live = sim.lookup(refresh.secret()).await.is_some_and(|l| l["live"] == true);
    assert!(live, "the simulator still holds it unspent");
    assert_eq!(owner.state().login(), Some("sim_viewer"), "still signed in");

    // An "Invalid OAuth token" 401 still refreshes, once.
    sim.revoke(&minted.access).await;
    helix.me().await.expect("refreshed and retried");
    assert_eq!(refresh_requests(&sim).await, 1);
    owner.shutdown();
}

/// The app and `tev watch` restore the same stored login (docs/twitch.md §3.5): when one of
/// them has renewed it, the other must take the rotated pair from the keychain instead of
/// sending its copy of the spent refresh token, which would revoke the whole authorization
/// and every subscription (docs/twitch.md §3.2 "Danger").
#[tokio::test]
async fn two_owners_of_one_stored_login_never_spend_the_same_refresh_token() {
    let sim = Sim::with_twitch_timings().await;
    let (app, keychain, _) = signed_in_owner(&sim, OwnerOptions::default()).await;
    let oauth = tev_core::auth::OAuthClient::new(sim.endpoints(), PUBLIC, None).expect("client");
    let cli = tev_core::auth::TokenOwner::new(oauth, keychain.clone(), OwnerOptions::default());
    assert_eq!(cli.start().await.login(), Some("sim_viewer"));
    let old = cli.current().await.expect("creds").token;

    let renewed = app.refresh_after_401(&old).await.expect("the app renews").token;
    // The other copy's token is now revoked at Twitch: its next call gets a 401.
    let got = cli.refresh_after_401(&old).await.expect("the other copy takes the new pair");
    assert!(got.token == renewed, "the pair the app stored");
    assert_eq!(refresh_requests(&sim).await, 1, "one refresh between the two");
    assert_eq!(sim.counters().await["reuse_revocations"], 0, "the spent token was not sent");
    // Both go on renewing in turn, each from the other's latest pair.
    let next = cli.refresh_after_401(&renewed).await.expect("renews").token;
    let again = app.refresh_after_401(&renewed).await.expect("takes it").token;
    assert!(again == next);
    assert_eq!(refresh_requests(&sim).await, 2);
    assert_eq!(sim.counters().await["reuse_revocations"], 0);
    assert_eq!(app.validate_now().await.login(), Some("sim_viewer"));
    app.shutdown();
    cli.shutdown();
}
