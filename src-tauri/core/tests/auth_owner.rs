//! The token owner against the in-test fake of Twitch's OAuth endpoints (`auth_fake`).
//! (Login flows run end to end against twitch-sim in `auth_sim.rs`.)

mod auth_fake;

use std::sync::Arc;
use std::time::Duration;

use auth_fake::{Fake, mock_keychain, signed_in_owner};

use tev_core::Endpoints;
use tev_core::auth::{AuthState, OAuthClient, OwnerOptions, TokenOwner};
use tev_core::keychain::{RefreshToken, StoredTokens};
use tev_core::token::{AccessToken, TokenError, TokenSource};

#[tokio::test]
async fn restore_validates_at_start() {
    let fake = Fake::start().await;
    let (owner, _k) = signed_in_owner(&fake, OwnerOptions::default()).await;
    assert_eq!(fake.w().validate_calls, 1);
    let c = owner.current().await.expect("creds");
    assert_eq!(c.login, "fake_viewer");
    assert_eq!(c.client_id, "fakeclient");
    owner.shutdown();
}

/// Issue 5: 100 refresh cycles with concurrent 401s from several callers → exactly one
/// refresh per cycle, and a spent refresh token is never sent again.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_401s_share_one_refresh_per_cycle() {
    let cycles: u64 =
        std::env::var("TEV_REFRESH_CYCLES").ok().and_then(|v| v.parse().ok()).unwrap_or(100);
    let fake = Fake::start().await;
    let (owner, keychain) = signed_in_owner(&fake, OwnerOptions::default()).await;
    for cycle in 0..cycles {
        let rejected = owner.current().await.expect("current").token;
        let mut tasks = Vec::new();
        for _ in 0..8 {
            let owner = owner.clone();
            let rejected = rejected.clone();
            tasks.push(tokio::spawn(async move { owner.refresh_after_401(&rejected).await }));
        }
        let mut fresh = Vec::new();
        for t in tasks {
            fresh.push(t.await.expect("join").expect("refreshed").token);
        }
        assert!(fresh.iter().all(|t| *t == fresh[0]), "everyone gets the same new token");
        assert!(fresh[0] != rejected);
        assert_eq!(owner.refresh_count(), cycle + 1, "exactly one refresh in cycle {cycle}");
        // The rotated refresh token is in the keychain by the time anyone sees the token.
        let stored = keychain.load_tokens().await.expect("keychain").expect("stored");
        assert!(stored.access == fresh[0]);
        let w = fake.w();
        assert!(
            stored.refresh.as_ref().is_some_and(|r| w.refresh.contains(r.secret())),
            "keychain holds the live refresh token"
        );
    }
    let w = fake.w();
    assert_eq!(w.refresh_calls, cycles);
    assert!(!w.reuse_seen, "a spent refresh token was sent again");
    drop(w);
    owner.shutdown();
}

/// twitch.md §3.4: validate at start and every hour after (paused clock).
#[tokio::test(start_paused = true)]
async fn validates_every_hour() {
    let fake = Fake::start().await;
    // Long-lived token so only validation is scheduled.
    fake.w().lifetime = 10 * 86_400;
    let (owner, _k) = signed_in_owner(&fake, OwnerOptions::default()).await;
    assert_eq!(fake.w().validate_calls, 1);
    let mut rx = owner.subscribe();
    for hour in 1..=3u64 {
        tokio::time::sleep(Duration::from_secs(3600) + Duration::from_millis(10)).await;
        // Let the maintenance task finish its validation round trip.
        while fake.w().validate_calls < 1 + hour {
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
        assert_eq!(fake.w().validate_calls, 1 + hour, "one validation per hour");
    }
    assert_eq!(owner.refresh_count(), 0);
    assert!(rx.borrow_and_update().login().is_some());
    owner.shutdown();
}

/// A token revoked at Twitch (user disconnected the app): the next validation fails, the
/// refresh fails too, and the owner signs out with a reason and deletes the keychain entry.
#[tokio::test]
async fn revoked_at_twitch_signs_out() {
    let fake = Fake::start().await;
    let (owner, keychain) = signed_in_owner(&fake, OwnerOptions::default()).await;
    {
        let mut w = fake.w();
        w.access.clear();
        w.refresh.clear();
    }
    let state = owner.validate_now().await;
    let AuthState::SignedOut { reason: Some(reason) } = &state else {
        panic!("expected signed out with a reason, got {state:?}")
    };
    assert!(reason.contains("Invalid refresh token"), "{reason}");
    assert!(keychain.load_tokens().await.expect("keychain").is_none(), "entry deleted");
    let err = owner.current().await.expect_err("no token");
    assert!(matches!(err, TokenError::Expired(_)), "{err:?}");
    owner.shutdown();
}

/// Refreshes shortly before expiry without anyone asking.
#[tokio::test(start_paused = true)]
async fn refreshes_before_expiry() {
    let fake = Fake::start().await;
    fake.w().lifetime = 1200; // 20 minutes; margin is 5
    let (owner, keychain) = signed_in_owner(&fake, OwnerOptions::default()).await;
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

#[tokio::test]
async fn logout_revokes_runs_the_hook_and_deletes() {
    let fake = Fake::start().await;
    let (owner, keychain) = signed_in_owner(&fake, OwnerOptions::default()).await;
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
    assert!(fake.w().access.is_empty(), "access token revoked at Twitch");
    assert!(keychain.load_tokens().await.expect("kc").is_none());
    assert_eq!(owner.state(), AuthState::SignedOut { reason: None });
    assert!(matches!(owner.current().await, Err(TokenError::SignedOut)));
    owner.shutdown();
}

#[tokio::test]
async fn a_stored_login_of_another_client_is_not_used() {
    let fake = Fake::start().await;
    let keychain = mock_keychain();
    let (a, r) = fake.issue();
    keychain
        .store_tokens(&StoredTokens {
            client_id: "otherclient".into(),
            access: AccessToken::new(a),
            refresh: Some(RefreshToken::new(r)),
            expires_at: chrono::Utc::now().timestamp() + 100,
            scopes: vec![],
            user_id: "1".into(),
            login: "x".into(),
        })
        .await
        .expect("store");
    let oauth =
        OAuthClient::new(Endpoints::with_base(&fake.base).expect("base"), "fakeclient", None)
            .expect("client");
    let owner = TokenOwner::new(oauth, keychain, OwnerOptions::default());
    let state = owner.start().await;
    assert!(matches!(state, AuthState::SignedOut { reason: Some(_) }), "{state:?}");
    assert_eq!(fake.w().refresh_calls, 0);
    owner.shutdown();
}

/// "Signed out" before `start` only means "not known yet": `restored` tells the two apart
/// (a link at a cold start waits on it), for an empty keychain and for a stored login alike.
#[tokio::test]
async fn restored_turns_true_once_start_knows_the_login() {
    let fake = Fake::start().await;
    let oauth =
        OAuthClient::new(Endpoints::with_base(&fake.base).expect("base"), "fakeclient", None)
            .expect("client");
    let owner = TokenOwner::new(oauth, mock_keychain(), OwnerOptions::default());
    let restored = owner.restored();
    assert!(!*restored.borrow(), "restored before start");
    let state = owner.start().await;
    assert!(matches!(state, AuthState::SignedOut { reason: None }), "{state:?}");
    assert!(*restored.borrow(), "an empty keychain is a known answer");
    owner.shutdown();

    let (owner, _k) = signed_in_owner(&fake, OwnerOptions::default()).await;
    assert!(*owner.restored().borrow(), "restored after the stored login was validated");
    assert!(owner.state().login().is_some(), "{:?}", owner.state());
    owner.shutdown();
}

/// A 429 on the refresh is Twitch's rate limiter, not a verdict on the token: the token is
/// kept (unspent) and the next attempt uses it, without signing out.
#[tokio::test]
async fn a_rate_limited_refresh_keeps_the_login() {
    let fake = Fake::start().await;
    let (owner, keychain) = signed_in_owner(&fake, OwnerOptions::default()).await;
    fake.w().refresh_429_once = true;
    let c = owner.current().await.expect("creds");
    let err = owner.refresh_after_401(&c.token).await.expect_err("rate limited");
    assert!(matches!(err, TokenError::Unreachable(_)), "{err:?}");
    assert!(owner.state().login().is_some(), "still signed in: {:?}", owner.state());
    let stored = keychain.load_tokens().await.expect("kc").expect("kept");
    assert!(stored.refresh.is_some(), "the unspent refresh token is back in the keychain");
    let fresh = owner.refresh_after_401(&c.token).await.expect("second attempt refreshes");
    assert!(fresh.token != c.token);
    assert!(!fake.w().reuse_seen);
    owner.shutdown();
}

/// No usable keychain: the login stops before the browser opens, with the clear error.
#[tokio::test]
async fn login_without_a_keychain_fails_before_the_browser() {
    let fake = Fake::start().await;
    let store: Arc<keyring_core::CredentialStore> =
        keyring_core::mock::Store::new().expect("mock store");
    let entry =
        keyring_core::Entry::new_in_store(&store, "twitch-event-viewer", "tokens").expect("entry");
    let cred: &keyring_core::mock::Cred = entry.as_any().downcast_ref().expect("mock");
    cred.set_error(keyring_core::Error::NoStorageAccess(Box::new(std::io::Error::other("locked"))));
    let oauth = OAuthClient::new(
        tev_core::Endpoints::with_base(&fake.base).expect("base"),
        "fakeclient",
        None,
    )
    .expect("client");
    let opened = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let flag = opened.clone();
    let owner = TokenOwner::with_opener(
        oauth,
        tev_core::keychain::Keychain::with_store(store),
        OwnerOptions::default(),
        Arc::new(move |_: &str| -> Result<(), String> {
            flag.store(true, std::sync::atomic::Ordering::SeqCst);
            Ok(())
        }),
    );
    let err = owner.login(tev_core::auth::LoginFlow::Device).await.expect_err("no keychain");
    assert!(err.to_string().contains("this run only"), "{err}");
    assert!(!opened.load(std::sync::atomic::Ordering::SeqCst));
}

/// After that error the user explicitly chooses "this run only": the same owner (which
/// Helix and EventSub already hold) logs in with a memory-only store.
#[tokio::test(start_paused = true)]
async fn session_only_is_the_users_explicit_choice() {
    let fake = Fake::start().await;
    let store: Arc<keyring_core::CredentialStore> =
        keyring_core::mock::Store::new().expect("mock store");
    let entry =
        keyring_core::Entry::new_in_store(&store, "twitch-event-viewer", "tokens").expect("entry");
    let cred: &keyring_core::mock::Cred = entry.as_any().downcast_ref().expect("mock");
    cred.set_error(keyring_core::Error::NoDefaultStore);
    let oauth =
        OAuthClient::new(Endpoints::with_base(&fake.base).expect("base"), "fakeclient", None)
            .expect("client");
    let owner = TokenOwner::with_opener(
        oauth,
        tev_core::keychain::Keychain::with_store(store),
        OwnerOptions::default(),
        Arc::new(|_: &str| -> Result<(), String> { Ok(()) }),
    );
    owner.login(tev_core::auth::LoginFlow::Device).await.expect_err("no keychain");
    owner.use_session_only().await;
    let state = owner.login(tev_core::auth::LoginFlow::Device).await.expect("signed in");
    let AuthState::SignedIn { session_only, login, .. } = &state else { panic!("{state:?}") };
    assert!(*session_only);
    assert_eq!(login, "fake_viewer");
    let c = owner.current().await.expect("creds");
    let fresh = owner.refresh_after_401(&c.token).await.expect("refresh in memory");
    assert!(fresh.token != c.token);
    owner.shutdown();
}

/// twitch.md §3.2: `scopes` (plural) on /device; polls no faster than `interval` (5 s);
/// `authorization_pending` keeps waiting; 429 slows down by 5 s; success signs in.
#[tokio::test(start_paused = true)]
async fn device_flow_polls_at_the_interval_and_slows_down_on_429() {
    let fake = Fake::start().await;
    fake.w().device_script = vec![
        (400, "authorization_pending".into()),
        (429, "Too Many Requests".into()),
        (400, "authorization_pending".into()),
    ];
    let oauth =
        OAuthClient::new(Endpoints::with_base(&fake.base).expect("base"), "fakeclient", None)
            .expect("client");
    let owner = TokenOwner::with_opener(
        oauth,
        auth_fake::mock_keychain(),
        OwnerOptions::default(),
        Arc::new(|_: &str| -> Result<(), String> { Ok(()) }),
    );
    let state = owner.login(tev_core::auth::LoginFlow::Device).await.expect("signed in");
    assert_eq!(state.login(), Some("fake_viewer"));
    let w = fake.w();
    assert_eq!(
        w.device_form.get("scopes").map(String::as_str),
        Some("user:read:chat user:read:follows")
    );
    assert!(!w.device_form.contains_key("scope"), "the parameter is `scopes`");
    let polls = &w.device_polls;
    assert_eq!(polls.len(), 4);
    let gaps: Vec<u64> = polls.windows(2).map(|p| (p[1] - p[0]).as_secs()).collect();
    assert_eq!(gaps, vec![5, 10, 10], "5 s interval, +5 s after the 429");
}

/// Any other 400 while polling is fatal (twitch.md §3.2), and nothing is stored.
#[tokio::test(start_paused = true)]
async fn device_flow_other_400_is_a_denial() {
    let fake = Fake::start().await;
    fake.w().device_script = vec![(400, "access_denied".into())];
    let keychain = auth_fake::mock_keychain();
    let oauth =
        OAuthClient::new(Endpoints::with_base(&fake.base).expect("base"), "fakeclient", None)
            .expect("client");
    let owner = TokenOwner::with_opener(
        oauth,
        keychain.clone(),
        OwnerOptions::default(),
        Arc::new(|_: &str| -> Result<(), String> { Ok(()) }),
    );
    let err = owner.login(tev_core::auth::LoginFlow::Device).await.expect_err("denied");
    assert!(err.to_string().contains("access_denied"), "{err}");
    assert!(keychain.load_tokens().await.expect("kc").is_none());
}

/// Dropping every handle ends the maintenance task (it holds the owner only weakly), so a
/// replaced owner does not keep validating in the background.
#[tokio::test(start_paused = true)]
async fn dropping_the_owner_stops_its_background_work() {
    let fake = Fake::start().await;
    let (owner, _k) = signed_in_owner(&fake, OwnerOptions::default()).await;
    assert_eq!(fake.w().validate_calls, 1);
    drop(owner);
    tokio::time::sleep(Duration::from_secs(3 * 3600)).await;
    assert_eq!(fake.w().validate_calls, 1, "no validation after the owner is gone");
}

/// twitch.md §3.2 "never retry with an old refresh token": when a refresh may have reached
/// Twitch (a 500 after the token was spent), that token is never sent again; the access
/// token is used until it runs out, then the user signs in again.
#[tokio::test]
async fn a_possibly_spent_refresh_token_is_never_sent_again() {
    let fake = Fake::start().await;
    let (owner, keychain) = signed_in_owner(&fake, OwnerOptions::default()).await;
    fake.w().refresh_500_after_spending_once = true;
    let c = owner.current().await.expect("creds");
    let err = owner.refresh_after_401(&c.token).await.expect_err("500");
    assert!(matches!(err, TokenError::Unreachable(_)), "{err:?}");
    let stored = keychain.load_tokens().await.expect("kc").expect("still stored");
    assert!(stored.refresh.is_none(), "the spent token is not kept");
    assert!(owner.current().await.is_ok(), "the access token is still usable");
    let err = owner.refresh_after_401(&c.token).await.expect_err("cannot renew");
    assert!(matches!(err, TokenError::Expired(_)), "{err:?}");
    let w = fake.w();
    assert_eq!(w.refresh_calls, 1, "the spent token was not sent again");
    assert!(!w.reuse_seen);
    drop(w);
    assert!(matches!(owner.state(), AuthState::SignedOut { reason: Some(_) }));
    owner.shutdown();
}
