//! Alert rules per channel in the real app (docs/ui.md "Alerts"), with a stand-in notification
//! server on the test's session bus recording what the app shows. Its own test binary: each
//! binary runs in its own session bus, and two notification servers cannot share one.

use serde_json::json;
use tev_e2e::{
    App, Launch, NotificationServer, approving_sim, fresh_home, sim_event, sim_post, sim_state,
};

/// Alert rules per channel (docs/ui.md "Alerts"): a channel added on the home window is
/// watched for its go-live with no window open, and for its title and category once a rule
/// asks; a category rule with a condition fires only for that category, and (its window open)
/// a raid rule only from its minimum. Alerts that
/// should not fire are caught without sleeping: they would come first, or be grouped with the
/// expected one into "2 alerts".
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn alert_rules_decide_for_their_channel() {
    let server = NotificationServer::start();
    let sim = approving_sim().await;
    let base = sim.base_url();
    let app = App::launch(
        Launch::sim(&base, fresh_home())
            .with_env("TEV_LOG", "info,twitch_event_viewer_lib::notifications=debug"),
    )
    .await;
    app.log_in().await;
    app.wait_for("#notifications:not([hidden])").await;

    // "Alert me" for NightOwl: its go-live is watched with no window open.
    app.wait_for("#alert-login").await.send_keys("NightOwl").await.expect("type");
    app.wait_for("#alert-add button[type='submit']").await.click().await.expect("add");
    let row = "#alert-list li[data-login='nightowl']";
    app.wait_for(&format!("{row} input[data-field='go_live']:checked")).await;
    wait_for_type(&base, NIGHTOWL, "stream.online").await;
    // Go-live alone: nothing of the rest is subscribed without a window; the box says it is
    // pushed (not polled).
    assert_eq!(types_of(&base, NIGHTOWL).await, ["stream.online"]);
    app.wait_for(&format!("{row} .alert-watch[data-watch='pushed']")).await;
    sim_event(&base, "nightowl", "stream.online", json!({})).await;
    let live = server.wait_for(|n| n.summary.contains("live")).await;
    assert_eq!(live.summary, "NightOwl is live");

    // A category rule for "Speedrunning" and a raid minimum of 100, set on the home window.
    let field = |f: &str| format!("{row} [data-field='{f}']");
    app.wait_for(&field("category_change")).await.click().await.expect("tick category");
    app.wait_for(&format!("{}:checked", field("category_change"))).await;
    app.wait_for(&field("category_is"))
        .await
        .send_keys("Speedrunning\u{E004}")
        .await
        .expect("type");
    app.wait_for(&field("raid_min_viewers")).await.send_keys("100\u{E004}").await.expect("type");
    let settings = app.home.path().join(".config/twitch-event-viewer/settings.json");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        let s = std::fs::read_to_string(&settings).unwrap_or_default();
        if s.contains("\"raid_min_viewers\": 100") && s.contains("Speedrunning") {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "the rules were not saved: {s}");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    app.screenshot("alerts-home").await;

    // With no window open, the category rule brings NightOwl's `channel.update` (a viewer's
    // costs 1, docs/twitch.md §1.6). Another category: nothing; "Speedrunning": the alert.
    wait_for_type(&base, NIGHTOWL, "channel.update").await;
    let update = |category: &str| {
        json!({"type": "channel.update", "broadcaster_login": "nightowl",
               "event": {"title": "Tonight: any%", "category_name": category}})
    };
    sim_post(&base, "/_sim/events", update("Art")).await;
    sim_post(&base, "/_sim/events", update("Speedrunning")).await;
    let category = server.wait_for(|n| n.summary.contains("Speedrunning")).await;
    assert_eq!(category.summary, "NightOwl: now in Speedrunning");

    // Raids need the window: NightOwl's opens, Lumenforge's over it takes the focus.
    for login in ["nightowl", "lumenforge"] {
        let link = format!("twitch-event-viewer://watch/{login}");
        assert!(app.launch_second_instance(&[&link]).await.success(), "link {login}");
        app.switch_to_webview(&format!("streamer.html?login={login}")).await;
        app.wait_for("body[data-ready='true']").await;
    }
    wait_for_type(&base, NIGHTOWL, "channel.chat.notification").await;
    // A raid under the minimum: nothing; at 500: the alert.
    sim_event(&base, "nightowl", "channel.raid", json!({"viewers": 50})).await;
    sim_event(&base, "nightowl", "channel.raid", json!({"viewers": 500})).await;
    let raid = server.wait_for(|n| n.summary.contains("raid")).await;
    assert_eq!(raid.summary, "NightOwl: raid of 500");

    // The same minimum as a feed filter in NightOwl's panel: the raid of 50 is hidden and
    // counted, the raid of 500 stays; "show all" brings it back.
    app.switch_to_webview("streamer.html?login=nightowl").await;
    let raids = "#events li[data-kind='raid_incoming']";
    app.wait_for_count(raids, 2).await;
    app.wait_for("#filter-button").await.click().await.expect("open the filter menu");
    app.wait_for("#min-raid_viewers").await.send_keys("100\u{E007}").await.expect("type");
    app.wait_for_count(raids, 1).await;
    app.wait_for_text("#show-all", |t| t.starts_with("1 hidden by filter")).await;
    app.screenshot("alerts-panel-minimum").await;
    app.wait_for("#menu-show-all").await.click().await.expect("show all");
    app.wait_for_count(raids, 2).await;
    assert_eq!(server.shown().len(), 3, "{:?}", server.shown());
    app.quit().await;
}

/// NightOwl's broadcaster id in the simulator's world.
const NIGHTOWL: &str = "271828182";

/// Waits (up to 30 s) until the simulator holds an enabled `ty` for `channel`.
async fn wait_for_type(base: &str, channel: &str, ty: &str) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while !types_of(base, channel).await.iter().any(|t| t == ty) {
        assert!(std::time::Instant::now() < deadline, "no {ty} for {channel}");
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
}

/// The enabled subscription types of a channel.
async fn types_of(base: &str, channel: &str) -> Vec<String> {
    let state = sim_state(base).await;
    state["subscriptions"]
        .as_array()
        .map(|subs| {
            subs.iter()
                .filter(|s| {
                    s["status"] == "enabled"
                        && (s["condition"]["broadcaster_user_id"] == channel
                            || s["condition"]["to_broadcaster_user_id"] == channel)
                })
                .filter_map(|s| s["type"].as_str().map(String::from))
                .collect()
        })
        .unwrap_or_default()
}
