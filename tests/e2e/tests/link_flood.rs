//! Links cannot flood the desktop: with the app running, twenty distinct
//! `twitch-event-viewer://watch/<login>` links (each launching the binary, as the desktop does)
//! leave at most eight streamer windows (the default of `max_streamer_windows`) and one notice
//! on the home window saying why the others did not open.

use fantoccini::Locator;
use serde_json::json;
use std::collections::BTreeSet;
use std::time::{Duration, Instant};
use tev_e2e::{App, Launch, approving_sim, home_with_sim_client, sim_post, sim_state};

/// The channels whose player pane the simulator served, from `/_sim/state`: one per streamer
/// window. Read there rather than by switching WebDriver into each of 33 webviews, which waits
/// for each page's load and stalled this test on a loaded machine.
async fn players(base: &str) -> BTreeSet<String> {
    let state = sim_state(base).await;
    let pages = state["counters"]["embed_pages"].as_object().cloned().unwrap_or_default();
    pages.keys().filter_map(|k| k.strip_prefix("player ")).map(String::from).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn twenty_links_open_at_most_eight_streamer_windows_and_one_notice() {
    let sim = approving_sim().await;
    let base = sim.base_url();
    // Twenty offline channels: a live one's player decodes video, and eight of those at once
    // load a 2-core machine enough to slow every WebDriver answer; what is counted here does
    // not depend on a stream playing.
    let mut logins = Vec::new();
    for i in 0..20 {
        let login = format!("floodchannel{i:02}");
        sim_post(&base, "/_sim/users", json!({"login": login, "live": false})).await;
        logins.push(login);
    }
    let app = App::launch(Launch::sim(&base, home_with_sim_client())).await;
    app.log_in().await;
    for login in &logins {
        let link = format!("twitch-event-viewer://watch/{login}");
        let status = app.launch_second_instance(&[link.as_str()]).await;
        assert!(status.success(), "the second instance hands over and exits: {status}");
    }

    // Every link is handed over; the first eight open, the others are refused at once. Each
    // streamer window is four webviews (panel, player, chat, the chat's message box) and
    // WebDriver sees each: with the home page, 33 at most. Counted without switching, which a
    // page still loading can hang.
    let most = 1 + 4 * 8;
    let deadline = Instant::now() + Duration::from_secs(90);
    loop {
        let handles = app.client.windows().await.expect("window handles").len();
        assert!(handles <= most, "{handles} webviews: more than eight streamer windows");
        if handles == most {
            break;
        }
        assert!(Instant::now() < deadline, "only {handles} webviews opened");
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    // Each streamer window loads its channel's player: eight channels, all among the links.
    let deadline = Instant::now() + Duration::from_secs(60);
    let opened = loop {
        let opened = players(&base).await;
        assert!(opened.len() <= 8, "players of {} channels: {opened:?}", opened.len());
        if opened.len() == 8 {
            break opened;
        }
        assert!(Instant::now() < deadline, "only {} players loaded: {opened:?}", opened.len());
        tokio::time::sleep(Duration::from_millis(500)).await;
    };
    assert!(opened.iter().all(|c| logins.contains(c)), "players of unknown channels: {opened:?}");
    app.switch_to_home().await;
    app.wait_for("#notice[data-code='too_many_windows']:not([hidden])").await;
    let shown = app.client.find_all(Locator::Css("#notice:not([hidden])")).await.expect("notices");
    assert_eq!(shown.len(), 1, "one notice");
    let text = app.wait_for_text("#notice-text", |t| !t.is_empty()).await;
    assert!(text.contains("close one"), "the notice says what to do: {text:?}");
    app.screenshot("link-flood-notice").await;
    assert_eq!(players(&base).await, opened, "still the same eight players");
    let handles = app.client.windows().await.expect("window handles").len();
    assert_eq!(handles, most, "still eight streamer windows");
    app.quit().await;
}
