//! A login kept in the keychain, against the simulator's OAuth (docs/twitch.md §3.4, §3.5):
//! restored and validated at start and every hour after (paused clock), never used for
//! another Client ID, restored by a new owner after a restart; signed out with a reason when
//! Twitch revokes it, and revoked at Twitch when the user logs out; the owner's background
//! work ends with its last handle.

mod support;

use serde_json::json;
use std::sync::Arc;
use std::time::Duration;
use support::*;
use tev_core::auth::{AuthState, OAuthClient, OwnerOptions, TokenOwner};
use tev_core::keychain::{RefreshToken, StoredTokens};
use tev_core::token::{AccessToken, TokenError, TokenSource};

#[tokio::test]
async fn restore_validates_at_start() {
    let sim = Sim::with_twitch_timings().await;
    let (owner, _k, _) = signed_in_owner(&sim, OwnerOptions::default()).await;
    assert_eq!(validations(&sim).await, 1);
    let c = owner.current().await.expect("creds");
    assert_eq!(c.login, "sim_viewer");
    assert_eq!(c.client_id, PUBLIC);
    owner.shutdown();
}

/// docs/twitch.md §3.4: validate at start and every hour after (paused clock).
#[tokio::test(start_paused = true)]
async fn validates_every_hour() {
    let sim = Sim::with_twitch_timings().await;
    // Long-lived token so only validation is scheduled.
    sim.config(json!({"access_token_secs": 10 * 86_400})).await;
    let (owner, _k, _) = signed_in_owner(&sim, OwnerOptions::default()).await;
    assert_eq!(validations(&sim).await, 1);
    let mut rx = owner.subscribe();
    for hour in 1..=3u64 {
        tokio::time::sleep(Duration::from_secs(3600) + Duration::from_millis(10)).await;
        // Let the maintenance task finish its validation round trip.
        while validations(&sim).await < 1 + hour {
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
        assert_eq!(validations(&sim).await, 1 + hour, "one validation per hour");
    }
    assert_eq!(owner.refresh_count(), 0);
    assert!(rx.borrow_and_update().login().is_some());
    owner.shutdown();
}

/// A login revoked at Twitch (the user disconnected the app): the next validation fails, the
/// refresh fails too, and the owner signs out with Twitch's reason, deletes the keychain
/// entry and hands out no token.
#[tokio::test]
async fn revoked_at_twitch_signs_out_with_a_reason() {
    let sim = Sim::with_twitch_timings().await;
    let (owner, keychain, _) = signed_in_owner(&sim, OwnerOptions::default()).await;
    sim.post("/_sim/authorizations/revoke", json!({"login": "sim_viewer"})).await;
    let state = owner.validate_now().await;
    let AuthState::SignedOut { reason: Some(reason) } = &state else {
        panic!("expected signed out with a reason, got {state:?}")
    };
    assert!(reason.contains("Invalid refresh token"), "{reason}");
    assert!(reason.contains("sign in again"), "{reason}");
    assert!(keychain.load_tokens().await.expect("keychain").is_none(), "entry deleted");
    let err = owner.current().await.expect_err("no token");
    assert!(matches!(err, TokenError::Expired(_)), "{err:?}");
    assert_eq!(sim.counters().await["reuse_revocations"].as_u64(), Some(0));
    owner.shutdown();
}

#[tokio::test]
async fn logout_revokes_runs_the_hook_and_deletes() {
    let sim = Sim::with_twitch_timings().await;
    let (owner, keychain, minted) = signed_in_owner(&sim, OwnerOptions::default()).await;
    let hook_ran = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let flag = hook_ran.clone();
    let hook_owner = owner.clone();
    owner.set_logout_hook(Arc::new(move || {
        let flag = flag.clone();
        let o = hook_owner.clone();
        Box::pin(async move {
            // The hook runs while the token still works (to delete subscriptions).
            assert!(o.current().await.is_ok());
            flag.store(true, std::sync::atomic::Ordering::SeqCst);
        })
    }));
    owner.logout().await.expect("logout");
    assert!(hook_ran.load(std::sync::atomic::Ordering::SeqCst));
    assert!(sim.lookup(&minted.access).await.is_none(), "access token revoked at Twitch");
    assert!(keychain.load_tokens().await.expect("kc").is_none());
    assert_eq!(owner.state(), AuthState::SignedOut { reason: None });
    assert!(matches!(owner.current().await, Err(TokenError::SignedOut)));
    owner.shutdown();
}

#[tokio::test]
async fn a_stored_login_of_another_client_is_not_used() {
    let sim = Sim::with_twitch_timings().await;
    let keychain = mock_keychain();
    let m = sim.mint("sim_viewer", &[]).await;
    keychain
        .store_tokens(&StoredTokens {
            client_id: "otherclient".into(),
            access: AccessToken::new(m.access),
            refresh: Some(RefreshToken::new(m.refresh)),
            expires_at: chrono::Utc::now().timestamp() + 100,
            scopes: vec![],
            user_id: "1".into(),
            login: "x".into(),
        })
        .await
        .expect("store");
    let oauth = OAuthClient::new(sim.endpoints(), PUBLIC, None).expect("client");
    let owner = TokenOwner::new(oauth, keychain, OwnerOptions::default());
    let state = owner.start().await;
    assert!(matches!(state, AuthState::SignedOut { reason: Some(_) }), "{state:?}");
    assert_eq!(refresh_requests(&sim).await, 0);
    owner.shutdown();
}

/// "Signed out" before `start` only means "not known yet": `restored` tells the two apart
/// (a link at a cold start waits on it), for an empty keychain and for a stored login alike.
#[tokio::test]
async fn restored_turns_true_once_start_knows_the_login() {
    let sim = Sim::with_twitch_timings().await;
    let oauth = OAuthClient::new(sim.endpoints(), PUBLIC, None).expect("client");
    let owner = TokenOwner::new(oauth, mock_keychain(), OwnerOptions::default());
    let restored = owner.restored();
    assert!(!*restored.borrow(), "restored before start");
    let state = owner.start().await;
    assert!(matches!(state, AuthState::SignedOut { reason: None }), "{state:?}");
    assert!(*restored.borrow(), "an empty keychain is a known answer");
    owner.shutdown();

    let (owner, _k, _) = signed_in_owner(&sim, OwnerOptions::default()).await;
    assert!(*owner.restored().borrow(), "restored after the stored login was validated");
    assert!(owner.state().login().is_some(), "{:?}", owner.state());
    owner.shutdown();
}

/// A restart: a new owner over the same keychain restores and validates the login.
#[tokio::test]
async fn a_new_owner_restores_the_login_from_the_keychain() {
    let sim = Sim::with_twitch_timings().await;
    let (owner, keychain, _) = signed_in_owner(&sim, OwnerOptions::default()).await;
    owner.shutdown();
    drop(owner);
    let oauth = OAuthClient::new(sim.endpoints(), PUBLIC, None).expect("client");
    let again = TokenOwner::new(oauth, keychain, OwnerOptions::default());
    assert_eq!(again.start().await.login(), Some("sim_viewer"));
    again.shutdown();
}

/// Dropping every handle ends the maintenance task (it holds the owner only weakly), so a
/// replaced owner does not keep validating in the background.
#[tokio::test(start_paused = true)]
async fn dropping_the_owner_stops_its_background_work() {
    let sim = Sim::with_twitch_timings().await;
    let (owner, _k, _) = signed_in_owner(&sim, OwnerOptions::default()).await;
    assert_eq!(validations(&sim).await, 1);
    drop(owner);
    tokio::time::sleep(Duration::from_secs(3 * 3600)).await;
    assert_eq!(validations(&sim).await, 1, "no validation after the owner is gone");
}
