//! The app in the tray: with a tray host on the session bus (a stand-in
//! `org.kde.StatusNotifierWatcher`) the app's icon registers, its menu (driven over
//! `com.canonical.dbusmenu`, as a tray host does) says whether the favourite is live and opens a
//! live followed channel's window; `--minimized` starts with no window shown; closing the last
//! window keeps the app running until Quit. With no tray on the bus, `--minimized` shows the
//! window, closing it quits, and the settings say why the option does nothing.

use serde_json::json;
use tev_e2e::tray::{StatusNotifierWatcher, close_like_the_user, shown_windows, wait_for_windows};
use tev_e2e::{App, Launch, app_pids, approving_sim, home_with_sim_client, sim_event, sim_post};

/// The tray host is on the bus for the whole of one test: the tests of this file take turns.
static ONE_TEST_AT_A_TIME: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// The home window's title.
const HOME_TITLE: &str = "Twitch Event Viewer";

/// A home signed in to the simulator's public client, with `settings` added to its settings.
fn home_with(settings: serde_json::Value) -> tempfile::TempDir {
    let home = home_with_sim_client();
    let file = home.path().join(".config/twitch-event-viewer/settings.json");
    let mut s: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&file).expect("settings")).expect("json");
    if let (Some(s), Some(add)) = (s.as_object_mut(), settings.as_object()) {
        s.extend(add.clone());
    }
    std::fs::write(&file, s.to_string()).expect("write the settings");
    home
}

/// Waits (up to 10 s) until no app process of `home` is left.
async fn wait_until_ended(home: &std::path::Path) -> bool {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while std::time::Instant::now() < deadline {
        if app_pids(home).is_empty() {
            return true;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    false
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_tray_starts_minimised_opens_a_live_followed_channel_and_keeps_the_app_after_its_last_window()
 {
    let _turn = ONE_TEST_AT_A_TIME.lock().await;
    let watcher = StatusNotifierWatcher::start();
    let sim = approving_sim().await;
    let base = sim.base_url();
    // The favourite is offline at first; closing to the tray is chosen.
    sim_post(&base, "/_sim/users", json!({"login": "lumenforge", "live": false})).await;
    let home = home_with(json!({"favourite": "lumenforge", "tray": {"close_to_tray": true}}));

    // A first start to log in (the keychain keeps the login for the next).
    let app = App::launch(Launch::sim(&base, home)).await;
    app.log_in().await;
    let home = app.quit().await;
    watcher.forget();

    // Started in the tray: the icon registers, no window shows.
    let mut launch = Launch::sim(&base, home);
    launch.args = vec!["--minimized".into()];
    let app = App::launch(launch).await;
    let item = watcher.wait_for_item().await;
    app.wait_for("body[data-auth='signed_in']").await;
    let status =
        item.wait_for_entry("the favourite offline", |l| l == "Lumenforge is offline").await;
    assert!(!status.enabled, "the status line is no button");
    let shown = shown_windows();
    assert!(shown.is_empty(), "started minimised, yet windows show: {shown:?}");
    app.screenshot_screen("tray-minimized-screen").await;
    // What libayatana exports, for docs/platform.md.
    eprintln!("tray item {} {}:\n{}", item.bus_name, item.path, item.introspect(&item.path));
    eprintln!("tray menu {}:\n{}", item.menu_path(), item.introspect(&item.menu_path()));

    // The favourite goes live (pushed over EventSub): the menu says so and the icon changes.
    let idle_icon = item.icon_name();
    sim_event(&base, "lumenforge", "stream.online", json!({})).await;
    item.wait_for_entry("the favourite live", |l| l == "Lumenforge is live").await;
    assert_ne!(item.icon_name(), idle_icon, "the icon changes when the favourite goes live");

    // The menu opens a live followed channel, through the same path as the home window.
    let nightowl = item.wait_for_entry("NightOwl live", |l| l.starts_with("NightOwl")).await;
    item.click(&nightowl);
    app.switch_to_webview("streamer.html?login=nightowl").await;
    app.wait_for("body[data-ready='true']").await;
    wait_for_windows("NightOwl's window shown", |w| w.iter().any(|n| n.starts_with("NightOwl")))
        .await;
    item.wait_for_entry("the open windows listed", |l| l == "Open windows").await;
    app.screenshot_screen("tray-opened-channel-screen").await;

    // Its window is the last one shown: closing it (Ctrl+W) keeps the app in the tray.
    let body = app.client.find(fantoccini::Locator::Css("body")).await.expect("body");
    let _ = body.send_keys("\u{E009}w\u{E000}").await;
    wait_for_windows("NightOwl's window closed", |w| !w.iter().any(|n| n.starts_with("NightOwl")))
        .await;
    // The tray saw the window go (after the close handler ran).
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while item.menu().iter().any(|e| e.label == "Open windows") {
        assert!(std::time::Instant::now() < deadline, "the tray still lists the closed window");
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    assert!(shown_windows().is_empty(), "no window came up: {:?}", shown_windows());
    assert!(!app_pids(app.home.path()).is_empty(), "the app kept running in the tray");

    // The menu shows the home window; its settings offer the options; closing it hides it.
    let show = item.wait_for_entry("Show the home window", |l| l == "Show the home window").await;
    item.click(&show);
    wait_for_windows("the home window shown", |w| w.iter().any(|n| n == HOME_TITLE)).await;
    app.switch_to_home().await;
    app.wait_for("#settings-button").await.click().await.expect("open the settings");
    let close_box = app.wait_for("#close-to-tray").await;
    assert_eq!(close_box.prop("checked").await.ok().flatten().as_deref(), Some("true"));
    assert_eq!(close_box.prop("disabled").await.ok().flatten().as_deref(), Some("false"));
    app.wait_for("#start-with-session").await.click().await.expect("start with the session");
    let autostart = app.home.path().join(".config/autostart");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    let entry = loop {
        let found = std::fs::read_dir(&autostart)
            .ok()
            .and_then(|d| d.flatten().next())
            .and_then(|e| std::fs::read_to_string(e.path()).ok());
        if let Some(text) = found {
            break text;
        }
        assert!(std::time::Instant::now() < deadline, "no autostart entry in {autostart:?}");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    };
    assert!(entry.contains("--minimized"), "the session starts the app in the tray: {entry}");
    app.screenshot("tray-settings").await;
    close_like_the_user(HOME_TITLE);
    wait_for_windows("the home window hidden", |w| w.is_empty()).await;
    assert!(!app_pids(app.home.path()).is_empty(), "closing the home window kept the app");

    // Quit ends it.
    let quit = item.wait_for_entry("Quit", |l| l == "Quit").await;
    item.click(&quit);
    assert!(wait_until_ended(app.home.path()).await, "Quit in the tray did not end the app");
    drop(app);
    drop(watcher);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_a_tray_the_window_shows_closing_it_quits_and_the_settings_say_why() {
    let _turn = ONE_TEST_AT_A_TIME.lock().await;
    let sim = approving_sim().await;
    let base = sim.base_url();
    // Closing to the tray is chosen, but nothing on the bus shows a tray.
    let home = home_with(json!({"tray": {"close_to_tray": true}}));
    let mut launch = Launch::sim(&base, home);
    launch.args = vec!["--minimized".into()];
    let app = App::launch(launch).await;
    app.wait_for("body[data-ready='true']").await;
    wait_for_windows("the home window shown", |w| w.iter().any(|n| n == HOME_TITLE)).await;
    app.wait_for("#settings-button").await.click().await.expect("open the settings");
    let close_box = app.wait_for("#close-to-tray").await;
    app.wait_for_text("#tray-why", |t| t.contains("no tray")).await;
    assert_eq!(close_box.prop("disabled").await.ok().flatten().as_deref(), Some("true"));
    app.screenshot("tray-settings-no-tray").await;
    close_like_the_user(HOME_TITLE);
    assert!(wait_until_ended(app.home.path()).await, "closing the only window did not quit");
    drop(app);
}
