//! The streamer window over time, in the real app against the simulator: Twitch's webviews cannot
//! call the app; a dropped connection (close 4005) and a keepalive loss show in the header and
//! recover, with a gap row; a restart keeps the login (keychain) and shows the stored events at
//! once, with a gap for the time the app was closed; a SIGTERM right after an event still
//! leaves that event on disk.

use fantoccini::Locator;
use serde_json::json;
use std::time::{Duration, Instant};
use tev_e2e::{
    App, Launch, app_pids, approving_sim, home_with_sim_client, sim_event, sim_post, sim_state,
};

/// The connected session's id (the one carrying subscriptions).
async fn live_session(base: &str) -> String {
    let deadline = Instant::now() + Duration::from_secs(30);
    while Instant::now() < deadline {
        let st = sim_state(base).await;
        if let Some(id) = st["sessions"].as_array().and_then(|v| {
            v.iter()
                .rev()
                .find(|s| s["status"] == "connected" && s["subscriptions"].as_u64() > Some(0))
                .and_then(|s| s["id"].as_str().map(str::to_string))
        }) {
            return id;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    panic!("no connected session with subscriptions in /_sim/state");
}

/// A simulator and the app signed in to it, with lumenforge's streamer window asked for.
async fn signed_in_with_lumenforge_open() -> (twitch_sim::SimHandle, App) {
    let sim = approving_sim().await;
    let app = App::launch(Launch::sim(&sim.base_url(), home_with_sim_client())).await;
    app.log_in().await;
    app.open_followed("lumenforge").await;
    (sim, app)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn twitch_pages_cannot_call_the_app_and_the_window_survives_drops_and_restarts() {
    let (sim, app) = signed_in_with_lumenforge_open().await;
    let base = sim.base_url();

    // Twitch's pages (player, chat) get no capability: every command is refused.
    let mut twitch_started = Vec::new();
    for page in ["embed/player", "embed/chat"] {
        app.switch_to_webview(page).await;
        let origin = app.client.execute("return performance.timeOrigin;", vec![]).await;
        twitch_started.push(origin.ok().and_then(|v| v.as_f64()).expect("the page's time origin"));
        for command in [
            "app_info",
            "auth_state",
            "logout",
            "open_streamer",
            "streamer_snapshot",
            "streamer_events",
            "streamer_painted",
        ] {
            let r = app.try_invoke(command).await;
            assert!(r.is_err(), "{page} could call {command}: {r:?}");
        }
    }
    // The app's own panel may.
    app.switch_to_webview("streamer.html").await;
    assert!(app.try_invoke("app_info").await.is_ok(), "the panel lost its own IPC");
    app.wait_for("body[data-ready='true']").await;
    // The panel came as one document (src-tauri/src/inline_pages.rs, BENCHMARKS.md "Start-up"): its
    // style sheets and modules are in it, allowed by their CSP hashes, and nothing else was
    // fetched for them.
    let loaded = app
        .client
        .execute(
            "return { fetched: performance.getEntriesByType('resource').map((e) => e.name) \
                        .filter((n) => /\\.(js|css)$/.test(new URL(n).pathname)), \
                      files: document.querySelectorAll('link[rel=stylesheet], script[src]').length, \
                      inline: document.querySelectorAll('style, script[type=module]').length };",
            vec![],
        )
        .await
        .expect("the panel's resources");
    assert_eq!(loaded["fetched"], json!([]), "the panel fetched files: {loaded}");
    assert_eq!(loaded["files"], 0, "{loaded}");
    assert_eq!(loaded["inline"], 3, "two style sheets and one script inline: {loaded}");
    app.wait_connection("connected", 30).await;
    // Twitch's pages start only after the panel's first paint (BENCHMARKS.md "Start-up": their two
    // web processes would slow that paint down). Same machine clock on both sides.
    let painted = app
        .client
        .execute(
            "const m = performance.getEntriesByName('tev:painted')[0]; \
             return m ? performance.timeOrigin + m.startTime : null;",
            vec![],
        )
        .await
        .ok()
        .and_then(|v| v.as_f64())
        .expect("the panel marks its first paint");
    for started in &twitch_started {
        assert!(
            *started >= painted - 1.0,
            "a Twitch page started {:.0} ms before the panel's rows were painted",
            painted - started
        );
    }

    // Events flow. The `feed` signal carries no rows (a script with the rows in it is
    // compiled and kept by WebKit on every update); the panel reads them over IPC.
    app.client
        .execute(
            "window.__feedPayloads = []; return window.__TAURI__.event.listen('feed', \
             (e) => window.__feedPayloads.push(e.payload)).then(() => true);",
            vec![],
        )
        .await
        .expect("listen to the feed signal");
    sim_event(&base, "lumenforge", "channel.raid", json!({})).await;
    sim_event(&base, "lumenforge", "channel.chat.notification", json!({"notice_type": "sub"}))
        .await;
    app.wait_for_count("#events > li", 2).await;
    let payloads =
        app.client.execute("return window.__feedPayloads;", vec![]).await.expect("payloads");
    let payloads = payloads.as_array().cloned().unwrap_or_default();
    assert!(!payloads.is_empty(), "the panel was signalled");
    assert!(payloads.iter().all(|p| p.is_null()), "feed signals carry no data: {payloads:?}");
    let rows = app.try_invoke("streamer_events").await.expect("the panel reads its rows");
    assert_eq!(rows.as_array().map(Vec::len), Some(2), "the two rows shown: {rows}");

    // A dropped connection (docs/twitch.md §1.5 4005): the header says so, then recovers, and a gap
    // row covers the time nobody listened (docs/twitch.md §1.4: no replay).
    let session = live_session(&base).await;
    sim_post(&base, &format!("/_sim/sessions/{session}/close"), json!({"code": 4005})).await;
    app.wait_connection("reconnecting", 30).await;
    app.screenshot("08-reconnecting").await;
    app.wait_connection("connected", 60).await;
    app.wait_for("#events > li.gap").await;

    // Keepalive loss (docs/twitch.md §1.2): the watchdog notices the silence and reconnects.
    let session = live_session(&base).await;
    sim_post(&base, &format!("/_sim/sessions/{session}/keepalive"), json!({"enabled": false}))
        .await;
    app.wait_connection("reconnecting", 60).await;
    app.wait_connection("connected", 60).await;
    let last = sim_event(
        &base,
        "lumenforge",
        "channel.chat.notification",
        json!({"notice_type": "resub"}),
    )
    .await;
    app.wait_for(&format!("#events > li[data-id='{last}']")).await;
    app.screenshot("09-after-reconnects").await;
    let rows_before = app.client.find_all(Locator::Css("#events > li")).await.expect("rows").len();

    // Committed to the event store before the restart (a save within seconds).
    let deadline = Instant::now() + Duration::from_secs(30);
    while !tev_e2e::event_is_stored(app.home.path(), &last) {
        assert!(Instant::now() < deadline, "the events never reached the event store");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }

    // Restart: still signed in (keychain), the stored events at once, and an "app was closed" gap.
    let home = app.quit().await;
    let app = App::launch(Launch::sim(&base, home)).await;
    app.wait_for("body[data-auth='signed_in']").await;
    app.open_followed_panel("lumenforge").await;
    app.wait_for(&format!("#events > li[data-id='{last}']")).await;
    app.screenshot("10-after-restart").await;
    app.screenshot_screen("11-streamer-window-after-restart").await;
    let gaps = app.client.find_all(Locator::Css("#events > li.gap")).await.expect("gap rows");
    let mut texts = Vec::new();
    for g in gaps {
        texts.push(g.prop("textContent").await.ok().flatten().unwrap_or_default());
    }
    assert!(
        texts.iter().any(|t| t.contains("app was closed")),
        "no 'app was closed' gap row after the restart; gap rows: {texts:?}"
    );
    let rows_after = app.client.find_all(Locator::Css("#events > li")).await.expect("rows").len();
    assert_eq!(rows_after, (rows_before + 1).min(10), "stored rows plus one gap, at most ten");
    app.quit().await;
}

/// SIGTERM (a desktop session ending, `kill`) one second after an event: the app exits the way
/// closing it does, and its exit hook writes the rows that arrived since the last save (saves
/// otherwise come two seconds after a change), so the event is on disk.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_event_one_second_before_sigterm_is_stored() {
    let (sim, app) = signed_in_with_lumenforge_open().await;
    let base = sim.base_url();
    app.switch_to_webview("streamer.html").await;
    app.wait_for("body[data-ready='true']").await;
    app.wait_connection("connected", 60).await;
    let id =
        sim_event(&base, "lumenforge", "channel.chat.notification", json!({"notice_type": "sub"}))
            .await;
    app.wait_for(&format!("#events > li[data-id='{id}']")).await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    let pids = app_pids(app.home.path());
    assert_eq!(pids.len(), 1, "one app process: {pids:?}");
    let killed = std::process::Command::new("kill").args(["-TERM", &pids[0].to_string()]).status();
    assert!(killed.is_ok_and(|s| s.success()), "kill -TERM");
    let deadline = Instant::now() + Duration::from_secs(30);
    // Gone, or a zombie its parent has not reaped yet: either way it has ended.
    let running = |pid: u32| {
        std::fs::read_to_string(format!("/proc/{pid}/stat"))
            .is_ok_and(|st| st.rsplit_once(") ").is_some_and(|(_, rest)| !rest.starts_with('Z')))
    };
    while running(pids[0]) {
        assert!(Instant::now() < deadline, "the app did not end after SIGTERM");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(
        tev_e2e::event_is_stored(app.home.path(), &id),
        "the event {id} is not in {}",
        tev_e2e::event_store_path(app.home.path()).display()
    );
    app.quit().await;
}

/// Opening a window is all or nothing: with a config directory the app cannot write (here
/// read-only, with root's override dropped as a desktop user has none), Open still shows the
/// window — remembering the channel as recent is best-effort — or, if no window comes, leaves no
/// subscription of that channel behind within 5 s.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_read_only_config_directory_never_leaves_a_channel_subscribed_without_its_window() {
    use std::os::unix::fs::PermissionsExt;
    let sim = approving_sim().await;
    let base = sim.base_url();
    let mut launch = Launch::sim(&base, home_with_sim_client());
    launch.file_permissions_bind = true;
    let app = App::launch(launch).await;
    app.log_in().await;
    let config = app.home.path().join(".config/twitch-event-viewer");
    let read_only = std::fs::Permissions::from_mode(0o555);
    std::fs::set_permissions(&config, read_only).expect("chmod 555 the config dir");
    app.open_followed("lumenforge").await;
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut window = false;
    while Instant::now() < deadline && !window {
        for h in app.client.windows().await.expect("window handles") {
            if app.client.switch_to_window(h).await.is_ok()
                && let Ok(url) = app.client.current_url().await
                && url.as_str().contains("streamer.html?login=lumenforge")
            {
                window = true;
                break;
            }
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    if window {
        app.wait_for("body[data-ready='true']").await;
        app.wait_connection("connected", 60).await;
        app.screenshot("read-only-config-window").await;
    } else {
        let lumenforge = "141592653";
        let deadline = Instant::now() + Duration::from_secs(5);
        loop {
            let state = sim_state(&base).await;
            let left = state["subscriptions"].as_array().map_or(0, |subs| {
                subs.iter()
                    .filter(|s| {
                        s["status"] == "enabled"
                            && s["condition"]["broadcaster_user_id"] == lumenforge
                    })
                    .count()
            });
            if left == 0 {
                break;
            }
            assert!(
                Instant::now() < deadline,
                "no window, yet {left} subscriptions of lumenforge still enabled after 5 s"
            );
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }
    std::fs::set_permissions(&config, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    app.quit().await;
}
