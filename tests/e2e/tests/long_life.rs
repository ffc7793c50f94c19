//! The long life of the app: a desktop app lives for weeks, through logouts and logins, a user
//! who disconnects the app on Twitch, and a token endpoint out of reach while the login needs
//! renewing. Through each, the open windows get their events again (with a gap row for the time
//! nothing was received), and a panel never says "connected" while no session serves it.

use fantoccini::Locator;
use serde_json::json;
use std::time::Duration;
use tev_e2e::{App, Launch, approving_sim, home_with_sim_client, sim_event, sim_post, sim_state};
use twitch_sim::door::Door;

/// The two channels whose windows stay open throughout.
const OPEN: [&str; 2] = ["lumenforge", "nightowl"];

/// Waits (up to `secs`) until the panel of `login` shows the connection `state`.
async fn panel_shows(app: &App, login: &str, state: &str, secs: u64) {
    app.switch_to_webview(&format!("streamer.html?login={login}")).await;
    app.wait_connection(state, secs).await;
}

/// An event sent on each open channel shows in that channel's window; answers how many gap rows
/// each window shows.
async fn events_arrive_in_each_window(app: &App, base: &str) -> Vec<usize> {
    let mut gaps = Vec::new();
    for login in OPEN {
        panel_shows(app, login, "connected", 90).await;
        let id = sim_event(base, login, "channel.chat.notification", json!({"notice_type": "sub"}))
            .await;
        app.wait_for(&format!("#events > li[data-id='{id}']")).await;
        gaps.push(app.client.find_all(Locator::Css("#events > li.gap")).await.expect("rows").len());
    }
    gaps
}

/// The subscriptions enabled for the app in the simulator.
async fn enabled_subscriptions(base: &str) -> usize {
    let state = sim_state(base).await;
    let subs = state["subscriptions"].as_array().cloned().unwrap_or_default();
    subs.iter().filter(|s| s["status"] == "enabled").count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_watcher_comes_back_after_a_logout_a_revoked_login_and_an_unreachable_token_endpoint() {
    let sim = approving_sim().await;
    let base = sim.base_url();
    // Network fault injection: Twitch's OAuth host (id.twitch.tv) behind a door that can refuse
    // connections; Helix and the EventSub socket go to the simulator itself.
    let door = Door::to(sim.addr()).await.expect("door");
    let launch = Launch::sim(&base, home_with_sim_client())
        .with_env("TEV_TWITCH_OAUTH_URL", &door.base_url());
    let app = App::launch(launch).await;
    app.log_in().await;
    for login in OPEN {
        app.switch_to_home().await;
        app.wait_for(&format!("#followed li[data-login='{login}'] button.primary"))
            .await
            .click()
            .await
            .expect("open");
        app.switch_to_webview(&format!("streamer.html?login={login}")).await;
        app.wait_for("body[data-ready='true']").await;
    }
    events_arrive_in_each_window(&app, &base).await;

    // Log out: the panels stop saying "connected"; log in again: the events come back.
    app.switch_to_home().await;
    app.wait_for("#logout:not([hidden])").await.click().await.expect("click Log out");
    app.wait_for("body[data-auth='signed_out']").await;
    for login in OPEN {
        panel_shows(&app, login, "failed", 30).await;
    }
    app.screenshot("long-life-1-signed-out").await;
    app.switch_to_home().await;
    app.log_in().await;
    let gaps = events_arrive_in_each_window(&app, &base).await;
    assert!(gaps.iter().all(|g| *g >= 1), "no gap row for the time signed out: {gaps:?}");
    app.screenshot("long-life-2-back-after-login").await;

    // The user disconnects the app on Twitch (docs/twitch.md §1.7 `authorization_revoked`): the
    // app asks for a new sign-in, and that sign-in brings the events back, with a gap row.
    sim_post(&base, "/_sim/authorizations/revoke", json!({"login": "sim_viewer"})).await;
    app.switch_to_home().await;
    app.wait_for("body[data-auth='signed_out']").await;
    app.screenshot("long-life-3-asked-to-sign-in").await;
    app.log_in().await;
    let after = events_arrive_in_each_window(&app, &base).await;
    assert!(
        after.iter().zip(&gaps).all(|(a, b)| a > b),
        "no new gap row for the time without a login: before {gaps:?}, after {after:?}"
    );

    // The token endpoint refuses connections for 20 s while the login needs renewing (Helix
    // answers "Invalid OAuth token", docs/twitch.md §4) and the socket is lost: the session
    // recovers by itself, without a new sign-in.
    door.refuse().await;
    sim_post(
        &base,
        "/_sim/faults",
        json!({"path": "/helix/", "status": 401, "message": "Invalid OAuth token", "sticky": true}),
    )
    .await;
    let session = sim_state(&base).await["sessions"]
        .as_array()
        .and_then(|v| v.iter().rev().find(|s| s["status"] == "connected").cloned())
        .and_then(|s| s["id"].as_str().map(str::to_string))
        .expect("a connected session");
    sim_post(&base, &format!("/_sim/sessions/{session}/close"), json!({"code": 4005})).await;
    panel_shows(&app, OPEN[0], "reconnecting", 30).await;
    tokio::time::sleep(Duration::from_secs(20)).await;
    assert_eq!(enabled_subscriptions(&base).await, 0, "subscribed without a token?");
    door.admit().await;
    reqwest::Client::new().delete(format!("{base}/_sim/faults")).send().await.expect("faults");
    events_arrive_in_each_window(&app, &base).await;
    app.switch_to_home().await;
    app.wait_for("body[data-auth='signed_in']").await;
    app.screenshot("long-life-4-recovered").await;
    app.quit().await;
}
