//! Desktop notifications in the real app: the favourite's go-live notifies with no window open
//! (on by default; the favourite then costs one subscription), other kinds only once the viewer
//! ticks them on the home window, never while that channel's window has the focus. A stand-in
//! notification server on the test's session bus records what the app shows (through
//! tauri-plugin-notification).
//!
//! A click on a notification opens that channel's window; a kind muted in the channel's panel
//! never notifies.
//!
//! "Nothing was shown" is asserted without sleeping: the app handles one socket's events in
//! order, so a notification that should not exist would arrive before the next expected one.

use fantoccini::Locator;
use serde_json::json;
use tev_e2e::{App, Launch, NotificationServer, approving_sim, fresh_home, sim_event, sim_state};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn favourite_go_live_notifies_and_other_kinds_only_when_chosen() {
    let server = NotificationServer::start();
    let sim = approving_sim().await;
    let base = sim.base_url();
    // A profile whose favourite is Lumenforge; no streamer window will be open.
    let home = fresh_home();
    let cfg = home.path().join(".config/twitch-event-viewer");
    std::fs::create_dir_all(&cfg).expect("config dir");
    std::fs::write(
        cfg.join("settings.json"),
        r#"{"client_id":"sim-public-client","favourite":"lumenforge"}"#,
    )
    .expect("settings");
    let app = App::launch(
        Launch::sim(&base, home)
            .with_env("TEV_LOG", "info,twitch_event_viewer_lib::notifications=debug"),
    )
    .await;
    app.log_in().await;
    let home = app.client.window().await.expect("home handle");
    // The favourite is watched in the background once signed in: its subscriptions exist.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    loop {
        let state = sim_state(&base).await;
        let subscribed = state["subscriptions"].as_array().is_some_and(|subs| {
            subs.iter().any(|s| {
                s["type"] == "stream.online" && s["condition"]["broadcaster_user_id"] == "141592653"
            })
        });
        if subscribed {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "the favourite was not watched: {state}");
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    // With no window open that is all it costs: its go-live, nothing else.
    assert_eq!(favourite_types(&base).await, ["stream.online"]);

    // Defaults: go-live on, everything else off. The go-live notifies with no window open.
    app.wait_for("#notifications:not([hidden])").await;
    app.wait_for("#notify-go-live:checked").await;
    sim_event(&base, "lumenforge", "stream.online", json!({})).await;
    let live = server.wait_for(|n| n.summary.contains("is live")).await;
    assert_eq!(live.summary, "Lumenforge is live");
    assert!(!live.body.is_empty(), "the body carries the event's summary");

    // A click on the notification opens the channel's window.
    assert!(live.actions.iter().any(|a| a == "default"), "the click is offered: {live:?}");
    server.click(live.id);
    app.switch_to_webview("streamer.html?login=lumenforge").await;
    app.wait_for("body[data-ready='true']").await;
    app.wait_for_text("#channel-name", |t| t == "Lumenforge").await;
    // With its window open the favourite is a full channel again (chat, offline …).
    wait_until(&base, "the favourite's window subscribes everything", |types| {
        types.iter().any(|t| t == "channel.chat.notification")
    })
    .await;
    // Mute "Subs & gifts" in the panel.
    app.wait_for("#filter-button").await.click().await.expect("open the filter menu");
    app.wait_for("#filter-menu:not([hidden]) #mute-subs").await.click().await.expect("mute subs");
    app.wait_for("#mute-subs[aria-pressed='true']").await;
    let panel = app.client.window().await.expect("panel handle");
    app.client.switch_to_window(home.clone()).await.expect("back to home");

    // Everything but go-live starts off; tick raids, subs and announcements (saved at once).
    app.client
        .find(Locator::Css(".notify-more summary"))
        .await
        .expect("more events")
        .click()
        .await
        .expect("open the list");
    for kind in ["raid_incoming", "sub", "announcement"] {
        let box_css = format!("#notify-kinds input[data-kind='{kind}']");
        app.wait_for(&format!("{box_css}:not(:checked)")).await.click().await.expect("tick");
        app.wait_for(&format!("{box_css}:checked")).await;
    }
    app.screenshot("notifications-home").await;
    let settings =
        std::fs::read_to_string(app.home.path().join(".config/twitch-event-viewer/settings.json"))
            .expect("settings");
    assert!(settings.contains("raid_incoming"), "the choice is remembered: {settings}");

    // Lumenforge's window has the focus (it just opened): its raid does not notify — the
    // viewer is looking at it. Once NightOwl's window (opened by a link) takes the focus, the
    // next raid does; had the first one notified, it would have come before.
    sim_event(&base, "lumenforge", "channel.raid", json!({})).await;
    let status = app.launch_second_instance(&["twitch-event-viewer://watch/nightowl"]).await;
    assert!(status.success(), "link: {status}");
    app.switch_to_webview("streamer.html?login=nightowl").await;
    app.wait_for("body[data-ready='true']").await;
    sim_event(&base, "lumenforge", "channel.raid", json!({})).await;
    let raid = server.wait_for(|n| n.summary.contains("raid")).await;
    assert_eq!(raid.summary, "Lumenforge: Incoming raid");
    assert_eq!(
        server.shown().len(),
        2,
        "a raid notified in a focused window: {:?}",
        server.shown()
    );

    // Subs are muted in the panel: a sub does not notify though ticked, an announcement does.
    for notice in ["sub", "announcement"] {
        let event = json!({"notice_type": notice});
        sim_event(&base, "lumenforge", "channel.chat.notification", event).await;
    }
    server.wait_for(|n| n.summary.contains("Announcement")).await;
    assert!(
        !server.shown().iter().any(|n| n.summary.contains("subscriber")),
        "a muted kind notified: {:?}",
        server.shown()
    );

    // Closing the window puts the favourite back in the background: its go-live only.
    app.client.switch_to_window(panel).await.expect("the panel");
    let body = app.client.find(Locator::Css("body")).await.expect("body");
    let _ = body.send_keys("\u{E009}w\u{E000}").await; // Ctrl+W; the window may be gone first
    wait_until(&base, "only the go-live after the window closed", |types| {
        types == ["stream.online"]
    })
    .await;
    app.quit().await;
}

/// The enabled subscription types for Lumenforge (the favourite), sorted.
async fn favourite_types(base: &str) -> Vec<String> {
    let state = sim_state(base).await;
    let mut types: Vec<String> = state["subscriptions"]
        .as_array()
        .map(|subs| {
            subs.iter()
                .filter(|s| {
                    s["status"] == "enabled"
                        && (s["condition"]["broadcaster_user_id"] == "141592653"
                            || s["condition"]["to_broadcaster_user_id"] == "141592653")
                })
                .filter_map(|s| s["type"].as_str().map(String::from))
                .collect()
        })
        .unwrap_or_default();
    types.sort();
    types
}

/// Waits (up to 30 s) until the favourite's subscription types satisfy `pred`.
async fn wait_until(base: &str, what: &str, pred: impl Fn(&[String]) -> bool) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    loop {
        let types = favourite_types(base).await;
        if pred(&types) {
            return;
        }
        assert!(std::time::Instant::now() < deadline, "{what}: still {types:?}");
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
}
