//! Feed controls of the streamer window's events panel (docs/ui.md "Recent events"), in the real
//! app against the simulator: muting a kind hides its rows and stays muted after a restart; the
//! filter hides rows and says how many; new rows stand out until "✓ Seen", and the seen mark
//! survives a restart; pausing keeps the list still while a pill counts the new rows, and without
//! the pause a new row scrolls the list back to the top. Only the panel may read or change these
//! choices (capability `streamer-panel`), never the home window.

use fantoccini::Locator;
use fantoccini::key::Key;
use serde_json::json;
use std::time::{Duration, Instant};
use tev_e2e::{App, Launch, approving_sim, home_with_sim_client, sim_event, sim_post};

/// The ids of the rows on screen, top to bottom.
async fn row_ids(app: &App, css: &str) -> Vec<String> {
    let mut ids = Vec::new();
    for li in app.client.find_all(Locator::Css(css)).await.expect("rows") {
        ids.push(li.attr("data-id").await.ok().flatten().unwrap_or_default());
    }
    ids
}

/// Waits until the attribute `attr` of `css` equals `want`.
async fn wait_attr(app: &App, css: &str, attr: &str, want: &str) {
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut last = None;
    while Instant::now() < deadline {
        if let Ok(el) = app.client.find(Locator::Css(css)).await {
            last = el.attr(attr).await.ok().flatten();
            if last.as_deref() == Some(want) {
                return;
            }
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("{css}[{attr}] never became {want:?} within 30 s; last {last:?}");
}

/// The top of the first row, in CSS pixels from the top of the page.
async fn first_row_top(app: &App) -> f64 {
    let v = app
        .client
        .execute(
            "const li = document.querySelector('#events > li');\
             return li ? li.getBoundingClientRect().top : null;",
            vec![],
        )
        .await
        .expect("measure the first row");
    v.as_f64().expect("a first row")
}

/// Opens lumenforge's streamer window from home and switches to its panel.
async fn open_panel(app: &App) {
    app.open_followed_panel("lumenforge").await;
    app.wait_for_text("#connection", |t| t.contains("connected")).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mute_filter_seen_and_pause_work_and_are_remembered_per_channel() {
    let sim = approving_sim().await;
    let base = sim.base_url();
    let app = App::launch(Launch::sim(&base, home_with_sim_client())).await;
    app.log_in().await;
    // The home window has no business with a channel's feed choices: its capability lacks them.
    for command in ["feed_prefs_get", "streamer_events", "streamer_painted"] {
        let r = app.try_invoke(command).await;
        assert!(r.is_err(), "the home window could call {command}: {r:?}");
    }
    open_panel(&app).await;
    let prefs = app.try_invoke("feed_prefs_get").await.expect("the panel reads its choices");
    assert_eq!(prefs["groups"].as_array().map(Vec::len), Some(10), "ten kind groups: {prefs}");
    // The moderation group is for the moderator view only: the viewer's menu leaves it out.
    assert_eq!(prefs["prefs"]["moderator_view"], false, "{prefs}");

    // New rows stand out until seen (a channel opened with no events has no seen mark yet).
    let raid = sim_event(&base, "lumenforge", "channel.raid", json!({})).await;
    let sub =
        sim_event(&base, "lumenforge", "channel.chat.notification", json!({"notice_type": "sub"}))
            .await;
    app.wait_for_count("#events > li.unseen", 2).await;
    app.wait_for_text("#unseen-count", |t| t == "2").await;
    app.wait_for("#mark-seen").await.click().await.expect("click ✓ Seen");
    app.wait_for_count("#events > li.unseen", 0).await;
    let news = sim_event(
        &base,
        "lumenforge",
        "channel.chat.notification",
        json!({"notice_type": "announcement"}),
    )
    .await;
    app.wait_for(&format!("#events > li.unseen[data-id='{news}']")).await;
    assert_eq!(row_ids(&app, "#events > li.unseen").await, [news.as_str()], "only the new row");
    app.screenshot("20-feed-unseen").await;

    // Mute subs: the sub row goes, the panel says so, and a later sub never shows.
    app.wait_for("#filter-button").await.click().await.expect("open the filter menu");
    app.wait_for("#filter-menu:not([hidden]) #mute-subs").await;
    app.screenshot("21-feed-filter-menu").await;
    // A viewer's menu: nine groups, no Moderation, and no moderator view switch.
    app.wait_for_count("#filter-groups > li", 9).await;
    app.wait_for("#moderator-view-row[hidden]").await;
    app.wait_for("#mute-subs").await.click().await.expect("mute subs");
    wait_attr(&app, "#mute-subs", "aria-pressed", "true").await;
    app.wait_for_count(&format!("#events > li[data-id='{sub}']"), 0).await;
    app.wait_for_text("#muted-note", |t| t.contains("1 muted") && t.contains("Subs")).await;

    // Filter raids: a view choice, counted as hidden by the filter (not muted).
    app.wait_for("#show-raids").await.click().await.expect("uncheck raids");
    app.wait_for_count(&format!("#events > li[data-id='{raid}']"), 0).await;
    app.wait_for_text("#show-all", |t| t.contains("1 hidden by filter")).await;
    // Keyboard: focus stays in the menu after a change; Escape closes it.
    let focused = app.client.active_element().await.expect("the focused control");
    assert_eq!(focused.attr("id").await.ok().flatten().as_deref(), Some("show-raids"));
    focused.send_keys(&Key::Escape).await.expect("press Escape");
    app.wait_for("#filter-menu[hidden]").await;
    let sub2 = sim_event(
        &base,
        "lumenforge",
        "channel.chat.notification",
        json!({"notice_type": "resub"}),
    )
    .await;
    wait_attr(&app, "#feed-status", "data-muted", "2").await;
    assert!(row_ids(&app, "#events > li").await.iter().all(|id| id != &sub2), "a muted resub");
    assert_eq!(row_ids(&app, "#events > li").await, [news.as_str()]);
    app.screenshot("22-feed-filtered").await;

    // Pause: a new row does not move the list; a pill counts it; the pill shows it.
    app.wait_for("#pause").await.click().await.expect("pause auto-scroll");
    wait_attr(&app, "#pause", "aria-pressed", "true").await;
    let top_before = first_row_top(&app).await;
    let later = sim_event(
        &base,
        "lumenforge",
        "channel.chat.notification",
        json!({"notice_type": "announcement"}),
    )
    .await;
    wait_attr(&app, "#new-pill", "data-count", "1").await;
    app.wait_for_text("#new-pill", |t| t.contains("1 new")).await;
    assert_eq!(row_ids(&app, "#events > li").await, [news.as_str()], "the list stayed as it was");
    assert_eq!(first_row_top(&app).await, top_before, "the first row did not move");
    app.screenshot("23-feed-paused").await;
    app.wait_for("#new-pill").await.click().await.expect("jump to the new rows");
    app.wait_for(&format!("#events > li[data-id='{later}']")).await;
    assert_eq!(
        row_ids(&app, "#events > li").await,
        [later.as_str(), news.as_str()],
        "newest first"
    );
    app.wait_for("#new-pill[hidden]").await;

    // The choices are in the settings file, per broadcaster id.
    let settings = app.home.path().join(".config/twitch-event-viewer/settings.json");
    let deadline = Instant::now() + Duration::from_secs(30);
    let feeds = loop {
        let v: serde_json::Value = std::fs::read_to_string(&settings)
            .ok()
            .and_then(|s| serde_json::from_str(&s).ok())
            .unwrap_or_default();
        let feed = v["feeds"].as_object().and_then(|m| m.values().next().cloned());
        if let Some(f) = feed.filter(|f| f["paused"] == true && f["hidden"] == json!(["raids"])) {
            break f;
        }
        assert!(Instant::now() < deadline, "the feed choices never reached {}", settings.display());
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    assert_eq!(feeds["muted"], json!(["subs"]), "{feeds}");
    // The events reach the event store within seconds (one transaction per save); wait for
    // the newest.
    while !tev_e2e::event_is_stored(app.home.path(), &later) {
        assert!(Instant::now() < deadline, "the events never reached the event store");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }

    // Restart: muted, filtered, paused and seen as before.
    let home = app.quit().await;
    // The second run in the dark theme, so the screenshots show both.
    let app = App::launch(Launch::sim(&base, home).with_env("GTK_THEME", "Adwaita:dark")).await;
    app.wait_for("body[data-auth='signed_in']").await;
    open_panel(&app).await;
    app.wait_for(&format!("#events > li[data-id='{later}']")).await;
    let ids = row_ids(&app, "#events > li").await;
    for hidden in [&sub, &sub2, &raid] {
        assert!(!ids.contains(hidden), "{hidden} shows after the restart: {ids:?}");
    }
    wait_attr(&app, "#pause", "aria-pressed", "true").await;
    wait_attr(&app, "#feed-status", "data-muted", "2").await;
    app.wait_for_text("#show-all", |t| t.contains("1 hidden by filter")).await;
    // Unseen before the restart, unseen after; seen before, seen after.
    let unseen = row_ids(&app, "#events > li.unseen").await;
    assert_eq!(unseen, [later.as_str(), news.as_str()], "the rows never marked seen stand out");
    app.screenshot_screen("24-feed-after-restart").await;
    app.wait_for("#show-all").await.click().await.expect("clear the filter");
    let raid_row = app.wait_for(&format!("#events > li[data-id='{raid}']")).await;
    let class = raid_row.attr("class").await.ok().flatten().unwrap_or_default();
    assert!(!class.contains("unseen"), "the raid was marked seen before the restart: {class}");
    app.wait_for("#mark-seen").await.click().await.expect("click ✓ Seen");
    app.wait_for_count("#events > li.unseen", 0).await;
    app.screenshot("25-feed-after-restart-seen").await;

    // Not paused: a new row scrolls the list back to the top, where it is.
    app.wait_for("#pause").await.click().await.expect("resume auto-scroll");
    wait_attr(&app, "#pause", "aria-pressed", "false").await;
    let r = sim_post(
        &base,
        "/_sim/events",
        json!({"type": "channel.chat.notification", "version": "1",
               "broadcaster_login": "lumenforge", "event": {"notice_type": "announcement"},
               "count": 8}),
    )
    .await;
    assert_eq!(r["message_ids"].as_array().map(Vec::len), Some(8), "{r}");
    app.wait_for_count("#events > li", 10).await;
    let scroll_down = "const l = document.getElementById('events');\
                       l.scrollTop = l.scrollHeight; return l.scrollTop;";
    let down = app.client.execute(scroll_down, vec![]).await.expect("scroll down");
    assert!(down.as_f64() > Some(0.0), "ten rows overflow the panel: {down}");
    let newest = sim_event(
        &base,
        "lumenforge",
        "channel.chat.notification",
        json!({"notice_type": "announcement"}),
    )
    .await;
    app.wait_for(&format!("#events > li:first-child[data-id='{newest}']")).await;
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let top = app
            .client
            .execute("return document.getElementById('events').scrollTop;", vec![])
            .await
            .expect("read the scroll position");
        if top.as_f64() == Some(0.0) {
            break;
        }
        assert!(Instant::now() < deadline, "the list never scrolled to the new row: {top}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    app.quit().await;
}
