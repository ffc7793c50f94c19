//! Desktop notifications in the real app: the favourite's go-live notifies with no window open
//! (on by default), other kinds only once the viewer ticks them on the home window, channels
//! that are neither open nor the favourite never notify. A stand-in notification server on the
//! test's session bus records what the app shows (through tauri-plugin-notification).
//!
//! A click on a notification opens that channel's window; a kind muted in the channel's panel
//! never notifies.
//!
//! "Nothing was shown" is asserted without sleeping: the app handles one socket's events in
//! order, so a notification that should not exist would arrive before the next expected one.

use fantoccini::Locator;
use serde_json::json;
use tev_e2e::{App, Launch, NotificationServer, approving_sim, fresh_home, sim_post, sim_state};

async fn send(base: &str, ty: &str, login: &str) {
    let r = sim_post(
        base,
        "/_sim/events",
        json!({"type": ty, "version": "1", "broadcaster_login": login, "event": {}}),
    )
    .await;
    assert!(
        r["message_ids"].as_array().is_some_and(|ids| !ids.is_empty()),
        "the simulator delivered no {ty} for {login}: {r}"
    );
}

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
    let app = App::launch(Launch::sim(&base, home)).await;
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

    // Defaults: go-live on, everything else off.
    app.wait_for("#notifications:not([hidden])").await;
    app.wait_for("#notify-go-live:checked").await;
    send(&base, "channel.raid", "lumenforge").await; // off by default: nothing
    send(&base, "stream.online", "lumenforge").await;
    let live = server.wait_for(|n| n.summary.contains("is live")).await;
    assert_eq!(live.summary, "Lumenforge is live");
    assert_eq!(
        server.shown().len(),
        1,
        "the raid notified though raids are off: {:?}",
        server.shown()
    );

    // Tick "Incoming raid" on the home window; it is saved and used at once.
    app.client
        .find(Locator::Css(".notify-more summary"))
        .await
        .expect("more events")
        .click()
        .await
        .expect("open the list");
    app.wait_for("#notify-kinds input[data-kind='raid_incoming']")
        .await
        .click()
        .await
        .expect("tick");
    app.wait_for("#notify-kinds input[data-kind='raid_incoming']:checked").await;
    app.screenshot("notifications-home").await;
    send(&base, "channel.raid", "lumenforge").await;
    let raid = server.wait_for(|n| n.summary.contains("raid")).await;
    assert_eq!(raid.summary, "Lumenforge: Incoming raid");
    assert!(!raid.body.is_empty(), "the body carries the event's summary");
    let settings =
        std::fs::read_to_string(app.home.path().join(".config/twitch-event-viewer/settings.json"))
            .expect("settings");
    assert!(settings.contains("raid_incoming"), "the choice is remembered: {settings}");
    assert_eq!(server.shown().len(), 2, "{:?}", server.shown());

    // A click on the notification opens the channel's window.
    assert!(raid.actions.iter().any(|a| a == "default"), "the click is offered: {raid:?}");
    server.click(raid.id);
    app.switch_to_webview("streamer.html?login=lumenforge").await;
    app.wait_for("body[data-ready='true']").await;
    app.wait_for_text("#channel-name", |t| t == "Lumenforge").await;

    // A kind muted in the channel's panel never notifies, even when ticked on the home window.
    // Mute "Subs & gifts" there, then close the window (Lumenforge stays watched: favourite).
    app.wait_for("#filter-button").await.click().await.expect("open the filter menu");
    app.wait_for("#filter-menu:not([hidden]) #mute-subs").await.click().await.expect("mute subs");
    app.wait_for("#mute-subs[aria-pressed='true']").await;
    let body = app.client.find(Locator::Css("body")).await.expect("body");
    let _ = body.send_keys("\u{E009}w\u{E000}").await; // Ctrl+W; the window may be gone first
    app.client.switch_to_window(home).await.expect("back to home");
    for kind in ["sub", "announcement"] {
        app.wait_for(&format!("#notify-kinds input[data-kind='{kind}']"))
            .await
            .click()
            .await
            .expect("tick");
        app.wait_for(&format!("#notify-kinds input[data-kind='{kind}']:checked")).await;
    }
    for notice in ["sub", "announcement"] {
        let r = sim_post(
            &base,
            "/_sim/events",
            json!({"type": "channel.chat.notification", "version": "1",
                   "broadcaster_login": "lumenforge", "event": {"notice_type": notice}}),
        )
        .await;
        assert!(r["message_ids"].as_array().is_some_and(|v| !v.is_empty()), "{notice}: {r}");
    }
    server.wait_for(|n| n.summary.contains("Announcement")).await;
    assert!(
        !server.shown().iter().any(|n| n.summary.contains("subscriber")),
        "a muted kind notified: {:?}",
        server.shown()
    );
    app.quit().await;
}
