//! Deep links in the real app: with the app running, launching the binary with
//! `twitch-event-viewer://watch/<login>` (what the desktop does for a link) opens that streamer's
//! window in the running instance, and the second process exits; a bad link shows a clear message
//! on the home window and does nothing else; `gio open` with a link reaches the running instance
//! through the handler the app registered; a cold start with a link opens the window once the
//! stored login is back, the home window waiting hidden until its panel is painted and coming up
//! when that window closes; a bad link at a cold start shows its message once the home page is
//! there; a link at a cold start while signed out says so at once.

use tev_e2e::{App, Launch, approving_sim, home_with_sim_client};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn links_open_streamer_windows_in_the_running_instance_and_bad_links_are_refused() {
    let sim = approving_sim().await;
    let base = sim.base_url();
    let app = App::launch(Launch::sim(&base, home_with_sim_client())).await;
    app.log_in().await;

    // A bad link: a clear message, no window, nothing else.
    let status = app.launch_second_instance(&["twitch-event-viewer://watch/not%2Fa%2Flogin"]).await;
    assert!(status.success(), "the second instance should hand over and exit cleanly: {status}");
    app.wait_for("#notice:not([hidden])").await;
    let text = app.wait_for_text("#notice-text", |t| !t.is_empty()).await;
    assert!(text.to_lowercase().contains("link"), "unclear message: {text:?}");
    assert_eq!(
        app.client.windows().await.expect("handles").len(),
        1,
        "a bad link opened something"
    );
    app.screenshot("13-bad-link").await;

    // A good link opens the streamer window of that channel in this instance.
    let status = app.launch_second_instance(&["twitch-event-viewer://watch/NightOwl"]).await;
    assert!(status.success(), "second instance: {status}");
    app.switch_to_webview("streamer.html?login=nightowl").await;
    app.wait_for("body[data-ready='true']").await;
    app.wait_for_text("#channel-name", |t| t == "NightOwl").await;
    app.screenshot_screen("14-deep-link-window").await;

    // `gio open` with a link, as a browser or another app hands it over: the handler the app
    // registered at start (a .desktop file with `%u` in the user's data dir, the default for
    // x-scheme-handler/twitch-event-viewer) starts the binary, which hands the link over.
    let status = tokio::process::Command::new("gio")
        .args(["open", "twitch-event-viewer://watch/pixelpaladin"])
        .envs(app.env.iter().map(|(k, v)| (k, v)))
        .status()
        .await
        .expect("run gio open");
    assert!(status.success(), "gio open: {status}");
    app.switch_to_webview("streamer.html?login=pixelpaladin").await;
    app.wait_for("body[data-ready='true']").await;
    app.wait_for_text("#channel-name", |t| t == "PixelPaladin").await;

    // A cold start with a bad link: the message waits for the home page (it is known before the
    // page listens) and shows there.
    let home = app.quit().await;
    let app = App::launch(Launch {
        args: vec!["twitch-event-viewer://watch/not%2Fa%2Flogin".into()],
        ..Launch::sim(&base, home)
    })
    .await;
    app.switch_to_home().await;
    app.wait_for("#notice:not([hidden])").await;
    let text = app.wait_for_text("#notice-text", |t| !t.is_empty()).await;
    assert!(text.to_lowercase().contains("link"), "unclear message at a cold start: {text:?}");

    // A cold start with a link: the login comes back from the keychain, then the window opens.
    // The home window stays hidden on a blank page while the link's panel loads (they share a web
    // process; BENCHMARKS.md "Start-up"): its page starts only after the panel's rows are painted.
    let home = app.quit().await;
    let app = App::launch(Launch {
        args: vec!["twitch-event-viewer://watch/quietfox".into()],
        ..Launch::sim(&base, home)
    })
    .await;
    app.switch_to_webview("streamer.html?login=quietfox").await;
    app.wait_for("body[data-ready='true']").await;
    app.wait_for_text("#channel-name", |t| t == "QuietFox").await;
    app.screenshot_screen("15-cold-start-link").await;
    let painted = app
        .client
        .execute_async(
            "const done = arguments[arguments.length - 1];\
             const look = () => {\
               const m = performance.getEntriesByName('tev:painted')[0];\
               if (m) done(performance.timeOrigin + m.startTime); else setTimeout(look, 50);\
             };\
             look();",
            vec![],
        )
        .await
        .expect("the panel's painted mark")
        .as_f64()
        .expect("a time");
    app.switch_to_home().await;
    app.wait_for("body[data-ready='true']").await;
    let (origin, visibility) = home_timing(&app).await;
    assert!(
        origin >= painted,
        "the home page started {:.0} ms before the link's panel was painted",
        painted - origin
    );
    assert_eq!(visibility, "hidden", "the home window showed up over the link's window");

    // Closing the link's window brings the home window up: the app never runs on unseen.
    app.switch_to_webview("streamer.html?login=quietfox").await;
    let body = app.client.find(fantoccini::Locator::Css("body")).await.expect("body");
    // (May answer "no such window": the window closed before WebDriver replied.)
    let _ = body.send_keys("\u{E009}w\u{E000}").await;
    app.switch_to_home().await;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while home_timing(&app).await.1 != "visible" {
        assert!(std::time::Instant::now() < deadline, "the home window never came up");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    app.screenshot_screen("16-home-after-link-window").await;

    // Signed out, a cold start with a link says so as soon as the keychain has answered, not
    // after the link's whole 20 s wait for a login (the bound below is well inside it).
    app.wait_for("#logout:not([hidden])").await.click().await.expect("click Log out");
    app.wait_for("body[data-auth='signed_out']").await;
    let home = app.quit().await;
    let launched = std::time::Instant::now();
    let app = App::launch(Launch {
        args: vec!["twitch-event-viewer://watch/quietfox".into()],
        ..Launch::sim(&base, home)
    })
    .await;
    app.switch_to_home().await;
    app.wait_for("#notice:not([hidden])").await;
    let text = app.wait_for_text("#notice-text", |t| !t.is_empty()).await;
    assert!(text.contains("Log in with Twitch first"), "unclear message: {text:?}");
    let waited = launched.elapsed();
    assert!(
        waited < std::time::Duration::from_secs(15),
        "the signed-out link waited {waited:?}, as if for a login that could not come"
    );
    app.screenshot_screen("17-link-while-signed-out").await;
    let windows = app.client.windows().await.expect("handles").len();
    assert_eq!(windows, 1, "a link while signed out opened a window");
    app.quit().await;
}

/// The current page's `performance.timeOrigin` and `document.visibilityState`.
async fn home_timing(app: &App) -> (f64, String) {
    let v = app
        .client
        .execute("return [performance.timeOrigin, document.visibilityState];", vec![])
        .await
        .expect("read the home page's timing");
    (v[0].as_f64().expect("timeOrigin"), v[1].as_str().expect("visibilityState").to_string())
}
