//! The whole journey in the real app against the simulator, as a build without a bundled Client
//! ID has it (the debug-build switch `TEV_HIDE_BUNDLED_CLIENT_ID` hides the one `.dev/test` builds
//! in): first run → the setup screen takes a Client ID → log in (device flow, auto-approved by the
//! simulator) → search and pick a streamer → the streamer window → events sent through the
//! simulator's control API appear in the panel, newest first, at most ten. (`first_run` is the
//! same start with the bundled Client ID.)

use fantoccini::Locator;
use serde_json::json;
use std::time::{Duration, Instant};
use tev_e2e::{App, Launch, approving_sim, fresh_home, sim_post};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn first_run_setup_login_pick_and_watch_events() {
    let sim = approving_sim().await;
    let base = sim.base_url();
    let app = App::launch(Launch::sim(&base, fresh_home()).without_bundled_client_id()).await;

    // 1. First run: no Client ID, none built in → the setup screen.
    app.wait_for("body[data-ready='true']").await;
    app.wait_for("#setup:not([hidden])").await;
    app.screenshot("02-setup").await;
    let field = app.wait_for("#client-id").await;
    field.send_keys("sim-public-client").await.expect("type the client id");
    app.client.find(Locator::Css("#setup-save")).await.expect("save").click().await.expect("click");
    // 2. Log in (device flow; the simulator approves for sim_viewer). The setup panel gives
    // way to the login panel once Twitch (the simulator) accepted the Client ID.
    app.wait_for("#setup[hidden]").await;
    app.wait_for("#login:not([hidden])").await;
    app.screenshot("03-login").await;
    app.client
        .find(Locator::Css("#login-button"))
        .await
        .expect("login")
        .click()
        .await
        .expect("click");
    app.wait_for("body[data-auth='signed_in']").await;
    app.wait_for_text("#account-name", |t| t == "SimViewer").await;
    app.wait_for("#followed li[data-login='lumenforge']").await;
    app.screenshot("04-signed-in").await;

    // 3. Search and pick.
    let search = app.wait_for("#search").await;
    search.send_keys("lumen").await.expect("type a search");
    // Wait for the list that answers the whole query ("lu…" may be answered first).
    app.wait_for("#search-results[data-query='lumen'] li[data-login='lumenforge']").await;
    app.screenshot("05-search").await;
    // Typed one key at a time, "lumen" may run a search per pause in typing: each answer
    // redraws the list, so the row is found again for each click.
    click_again_if_redrawn(&app, "#search-results li[data-login='lumenforge'] button.fav").await;
    app.wait_for_text("#favourite-name", |t| t == "Lumenforge").await;
    let home = app.client.window().await.expect("home handle");
    click_again_if_redrawn(&app, "#search-results li[data-login='lumenforge'] button.primary")
        .await;

    // 4. The streamer window: find its panel among the WebDriver window handles.
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut found = false;
    while Instant::now() < deadline && !found {
        for h in app.client.windows().await.expect("handles") {
            if h == home {
                continue;
            }
            if app.client.switch_to_window(h.clone()).await.is_ok()
                && let Ok(url) = app.client.current_url().await
                && url.as_str().contains("streamer.html")
            {
                found = true;
                break;
            }
        }
        if !found {
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }
    assert!(found, "no streamer panel among the WebDriver windows");
    app.wait_for("body[data-ready='true']").await;
    app.wait_for_text("#connection", |t| t.contains("connected")).await;

    // Twelve events through the control API: the panel keeps the ten newest, newest first.
    let kinds = [
        ("channel.raid", json!({})),
        ("channel.chat.notification", json!({"notice_type": "sub"})),
        ("channel.chat.notification", json!({"notice_type": "resub"})),
        ("channel.chat.notification", json!({"notice_type": "community_sub_gift"})),
        ("channel.chat.message", json!({"cheer": {"bits": 500}})),
        ("channel.chat.notification", json!({"notice_type": "announcement"})),
        ("channel.update", json!({})),
        ("channel.chat.notification", json!({"notice_type": "resub"})),
        ("channel.raid", json!({})),
        ("channel.chat.notification", json!({"notice_type": "sub"})),
        ("channel.chat.notification", json!({"notice_type": "announcement"})),
        ("channel.chat.notification", json!({"notice_type": "sub"})),
    ];
    let mut sent = 0;
    for (ty, event) in kinds {
        let version = if ty == "channel.update" { "2" } else { "1" };
        let r = sim_post(
            &base,
            "/_sim/events",
            json!({"type": ty, "version": version, "broadcaster_login": "lumenforge", "event": event}),
        )
        .await;
        if r["message_ids"].as_array().is_some_and(|ids| !ids.is_empty()) {
            sent += 1;
        }
    }
    assert!(sent >= 11, "the simulator delivered only {sent} of 12 events");
    app.wait_for_text("#events", |_| true).await;
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut count = 0;
    while Instant::now() < deadline {
        count =
            app.client.find_all(Locator::Css("#events > li")).await.map(|v| v.len()).unwrap_or(0);
        if count == 10 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(count, 10, "the panel shows the ten most recent events");
    // Newest first: event times never increase down the list.
    let times: Vec<String> = {
        let mut v = Vec::new();
        for li in app.client.find_all(Locator::Css("#events > li")).await.expect("rows") {
            v.push(li.attr("data-occurred-at").await.ok().flatten().unwrap_or_default());
        }
        v
    };
    let mut sorted = times.clone();
    sorted.sort_by(|a, b| b.cmp(a));
    assert_eq!(times, sorted, "rows are newest first");
    app.screenshot("06-streamer-panel").await;
    app.screenshot_screen("07-streamer-window").await;
    app.quit().await;
}

/// Clicks `css`, finding it again when the list it is in was redrawn between finding and clicking.
async fn click_again_if_redrawn(app: &App, css: &str) {
    for _ in 0..5 {
        match app.wait_for(css).await.click().await {
            Ok(_) => return,
            Err(e) if e.to_string().contains("not found") || e.to_string().contains("stale") => {
                tokio::time::sleep(Duration::from_millis(300)).await;
            }
            Err(e) => panic!("click {css}: {e}"),
        }
    }
    panic!("{css} was redrawn under every click");
}
