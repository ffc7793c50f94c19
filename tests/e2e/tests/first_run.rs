//! The first run of a build that carries a Client ID (the simulator's public client, built in by
//! `.dev/test` exactly as the release workflow builds in the project's): a fresh profile opens on
//! "Log in with Twitch" with no setup form; one click starts the device flow (code shown, browser
//! opened on the activation page, docs/twitch.md §3.2); once the user approves on that page the
//! followed channels that are live now are offered; one click opens one, and the first streamer
//! window explains its panes and gap rows until the user dismisses that, for good. No typing.

use fantoccini::Locator;
use serde_json::json;
use std::time::{Duration, Instant};
use tev_e2e::{
    App, Launch, approve_device_code, fresh_home, recording_browser, sim_post, sim_token_clients,
};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fresh_profile_logs_in_with_one_click_and_opens_a_live_followed_channel() {
    // No auto-approval: the user approves the code on the activation page, as on Twitch.
    let sim = twitch_sim::spawn(twitch_sim::SimOptions::default()).await.expect("simulator");
    let base = sim.base_url();
    sim_post(&base, "/_sim/config", json!({"device_interval_secs": 1})).await;
    let home = fresh_home();
    let (browser, opened) = recording_browser(home.path());
    let app = App::launch(Launch::sim(&base, home).with_env("BROWSER", &browser)).await;

    // 1. The first window is the login, with no form to fill in.
    app.wait_for("body[data-ready='true']").await;
    let login = app.wait_for("#login").await;
    assert!(login.is_displayed().await.expect("visible?"), "the first window offers the login");
    let setup = app.wait_for("#setup").await;
    assert!(
        !setup.is_displayed().await.expect("visible?"),
        "a build with a bundled Client ID shows no setup form on the first window"
    );
    let fields = app.client.find_all(Locator::Css("input[type='text']")).await.expect("inputs");
    for f in fields {
        assert!(!f.is_displayed().await.expect("visible?"), "a text field to fill in is shown");
    }
    app.screenshot("first-run-01-login").await;

    // 2. One click: the device flow starts at once — code shown, browser opened on Twitch's
    // activation page with the code filled in.
    app.wait_for("#login-button").await.click().await.expect("click Log in with Twitch");
    let code = app.wait_for_text("#device-code", |t| !t.trim().is_empty()).await;
    let deadline = Instant::now() + Duration::from_secs(30);
    let url = loop {
        let text = std::fs::read_to_string(&opened).unwrap_or_default();
        if let Some(line) = text.lines().find(|l| l.contains("/activate")) {
            break line.to_string();
        }
        assert!(Instant::now() < deadline, "the browser was not opened on the activation page");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert!(url.contains(&format!("device-code={}", code.trim())), "{url} carries {code}");
    app.screenshot("first-run-02-device-code").await;

    // 3. The user approves the code in the browser; the app signs in with the built-in client.
    approve_device_code(&base, code.trim()).await;
    app.wait_for("body[data-auth='signed_in']").await;
    app.wait_for_text("#account-name", |t| t == "SimViewer").await;
    assert_eq!(sim_token_clients(&base).await, ["sim-public-client"], "the bundled Client ID");

    // 4. The followed channels that are live now, most watched first (pixelpaladin is offline).
    let cards = app.wait_for_count("#live-followed > li", 2).await;
    let mut logins = Vec::new();
    for c in &cards {
        logins.push(c.attr("data-login").await.expect("attr").unwrap_or_default());
    }
    assert_eq!(logins, ["lumenforge", "nightowl"], "live follows, by viewers");
    app.wait_for_text("#live-followed li[data-login='lumenforge']", |t| t.contains("watching"))
        .await;
    app.screenshot("first-run-03-live-followed").await;

    // 5. One click opens it; the first streamer window explains itself.
    app.wait_for("#live-followed li[data-login='lumenforge'] button.primary")
        .await
        .click()
        .await
        .expect("open the streamer window");
    app.switch_to_webview("streamer.html?login=lumenforge").await;
    app.wait_for("body[data-ready='true']").await;
    let intro = app.wait_for("#intro").await;
    assert!(intro.is_displayed().await.expect("visible?"), "the first window explains itself");
    let words = intro.text().await.expect("text").to_lowercase();
    for part in ["player", "chat", "events", "gap"] {
        assert!(words.contains(part), "the explanation names the {part}: {words}");
    }
    app.screenshot("first-run-04-intro-panel").await;
    app.screenshot_screen("first-run-05-streamer-window").await;
    app.wait_for("#intro-dismiss").await.click().await.expect("dismiss");
    app.wait_for("#intro[hidden]").await;

    // 6. Dismissed for good: the next streamer window opens without it.
    app.switch_to_home().await;
    app.wait_for("#live-followed li[data-login='nightowl'] button.primary")
        .await
        .click()
        .await
        .expect("open a second streamer window");
    app.switch_to_webview("streamer.html?login=nightowl").await;
    app.wait_for("body[data-ready='true']").await;
    let intro = app.wait_for("#intro").await;
    assert!(!intro.is_displayed().await.expect("visible?"), "a dismissed explanation came back");
    app.quit().await;
}
