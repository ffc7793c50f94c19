//! Signing in on a desktop without a keychain (no Secret Service: no GNOME Keyring, KWallet or
//! KeePassXC). The app never falls back to a file; the sign-in screen offers "Stay signed in for
//! this run only", saying that the login is kept in memory and forgotten when the app quits.
//! Chosen, the login works as any other (a channel's window gets its events), and after a restart
//! nobody is signed in: nothing was stored. With a keychain the choice is not offered
//! (docs/platform.md "Keychain").

use serde_json::json;
use tev_e2e::{App, KeychainlessBus, Launch, approving_sim, home_with_sim_client, sim_event};

/// The offer's button, as the sign-in screen labels it.
const OFFER: &str = "Stay signed in for this run only";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_a_keychain_the_login_is_kept_for_this_run_only_and_gone_after_a_restart() {
    let bus = KeychainlessBus::start();
    let sim = approving_sim().await;
    let base = sim.base_url();
    let app = App::launch(Launch::sim(&base, home_with_sim_client()).without_keychain(&bus)).await;
    app.wait_for("body[data-ready='true']").await;

    // The sign-in screen offers the login for this run only, and says what it means.
    let offer = app.wait_for_text("#session-only:not([hidden])", |t| t.contains(OFFER)).await;
    assert!(
        offer.contains("memory") && offer.contains("forgotten when the app quits"),
        "the offer does not say the login is kept in memory until the app quits: {offer:?}"
    );
    app.wait_for("body[data-auth='signed_out'][data-keychain='unavailable']").await;
    app.screenshot("no-keychain-1-offer").await;

    // Chosen: signed in, and the account corner says for how long.
    app.wait_for("#session-only-button").await.click().await.expect("click the offer");
    app.wait_for("body[data-auth='signed_in'][data-keychain='session_only']").await;
    let badge = app.wait_for_text("#account-session:not([hidden])", |t| !t.is_empty()).await;
    assert!(badge.contains("this run only"), "the account corner says {badge:?}");
    app.wait_for("#session-only[hidden]").await;
    app.screenshot("no-keychain-2-signed-in").await;

    // The login works: a channel's window connects and shows its events.
    app.open_followed_panel("lumenforge").await;
    app.wait_connection("connected", 60).await;
    let id =
        sim_event(&base, "lumenforge", "channel.chat.notification", json!({"notice_type": "sub"}))
            .await;
    app.wait_for(&format!("#events > li[data-id='{id}']")).await;
    app.screenshot("no-keychain-3-event").await;

    // Restarted (still no keychain): nobody is signed in, and the offer is there again.
    let home = app.quit().await;
    let app = App::launch(Launch::sim(&base, home).without_keychain(&bus)).await;
    app.wait_for("body[data-ready='true']").await;
    // The stored login, if any, is read before the keychain's state is known to the page.
    app.wait_for("body[data-keychain='unavailable']").await;
    app.wait_for("#session-only:not([hidden])").await;
    let auth = app.wait_for("body").await.attr("data-auth").await.expect("data-auth");
    assert_eq!(auth.as_deref(), Some("signed_out"), "a login survived the restart");
    app.wait_for("#login:not([hidden])").await;
    app.screenshot("no-keychain-4-after-restart").await;
    app.quit().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_a_keychain_the_login_for_this_run_only_is_not_offered() {
    let sim = approving_sim().await;
    let app = App::launch(Launch::sim(&sim.base_url(), home_with_sim_client())).await;
    app.wait_for("body[data-ready='true'][data-auth='signed_out']").await;
    app.wait_for("body[data-keychain='available']").await;
    app.wait_for("#session-only[hidden]").await;
    app.wait_for("#login-button").await;
    app.quit().await;
}
