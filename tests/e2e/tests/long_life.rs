//! The long life of the app: a desktop app lives for weeks, through logouts and logins, a user
//! who disconnects the app on Twitch, and a token endpoint out of reach while the login needs
//! renewing. Through each, the open windows get their events again (with a gap row for the time
//! nothing was received), and a panel never says "connected" while no session serves it. Files
//! damaged between two runs — unreadable (mode 000), a directory in their place, truncated,
//! written by a newer version — never stop the start; the home window says what happened and
//! where the old file is, and the original bytes stay on disk (docs/ARCHITECTURE.md, "Damaged
//! files").

use fantoccini::Locator;
use serde_json::json;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
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
        app.open_followed_panel(login).await;
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
    tev_e2e::http().delete(format!("{base}/_sim/faults")).send().await.expect("faults");
    events_arrive_in_each_window(&app, &base).await;
    app.switch_to_home().await;
    app.wait_for("body[data-auth='signed_in']").await;
    app.screenshot("long-life-4-recovered").await;
    app.quit().await;
}

/// The two files the app keeps, under a test home.
struct Files {
    /// `events.sqlite3`, the event store in the app's data directory.
    events: PathBuf,
    /// `settings.json` in the app's config directory.
    settings: PathBuf,
}

fn files(home: &Path) -> Files {
    let data = home.join(".local/share/twitch-event-viewer");
    let config = home.join(".config/twitch-event-viewer");
    std::fs::create_dir_all(&data).expect("data dir");
    std::fs::create_dir_all(&config).expect("config dir");
    Files { events: data.join("events.sqlite3"), settings: config.join("settings.json") }
}

/// A file's damage, made before the app starts.
#[derive(Clone, Copy, Debug)]
enum Damage {
    /// Readable by nobody (mode 000).
    Unreadable,
    /// A directory (with a file of the user's in it) where the file should be.
    Directory,
    /// Cut off in the middle of a JSON value.
    Truncated,
    /// Well-formed, from a newer version of the app (for the event store: a database whose
    /// schema version is newer).
    FutureVersion,
}

/// The bytes a damaged file holds (for a directory: its one file's).
fn bytes_for(damage: Damage) -> &'static [u8] {
    match damage {
        Damage::Unreadable => br#"{"version":1,"saved_at":"2026-12-01T20:00:00Z","channels":{}}"#,
        Damage::Directory => b"a note of the user's",
        Damage::Truncated => br#"{"version":1,"saved_at":"2026-12-01T20:00:00Z","chan"#,
        Damage::FutureVersion => br#"{"version": 99}"#,
    }
}

/// Damages the file at `path` and returns the bytes it (or, for a directory, its one file)
/// holds, which must never be lost.
fn damage(path: &Path, how: Damage) -> Vec<u8> {
    let is_store = path.extension().is_some_and(|e| e == "sqlite3");
    match how {
        Damage::Directory => {
            std::fs::create_dir(path).expect("mkdir");
            std::fs::write(path.join("note.txt"), bytes_for(how)).expect("write");
        }
        Damage::FutureVersion if is_store => {
            let conn = rusqlite::Connection::open(path).expect("a database");
            conn.execute_batch(
                "CREATE TABLE events (id TEXT, row TEXT); \
                 INSERT INTO events VALUES ('kept', '{}'); PRAGMA user_version = 99;",
            )
            .expect("a newer store");
            drop(conn);
            return std::fs::read(path).expect("read");
        }
        _ => {
            std::fs::write(path, bytes_for(how)).expect("write");
            if let Damage::Unreadable = how {
                std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o000))
                    .expect("chmod 000");
            }
        }
    }
    bytes_for(how).to_vec()
}

/// The original bytes are still on disk: in place (unreadable file, directory) or set aside
/// beside it as `<name>.corrupt-…` (truncated, newer version).
fn assert_bytes_kept(path: &Path, how: Damage, want: &[u8]) {
    match how {
        Damage::Unreadable => {
            let mode = std::fs::metadata(path).expect("still there").permissions().mode();
            assert_eq!(mode & 0o777, 0, "{} was changed", path.display());
            std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600)).expect("chmod");
            assert_eq!(std::fs::read(path).expect("read"), want, "{}", path.display());
        }
        Damage::Directory => {
            assert!(path.is_dir(), "{} is no longer the directory", path.display());
            assert_eq!(std::fs::read(path.join("note.txt")).expect("read"), want);
        }
        Damage::Truncated | Damage::FutureVersion => {
            let name = path.file_name().expect("name").to_string_lossy().into_owned();
            let dir = path.parent().expect("dir");
            let aside: Vec<PathBuf> = std::fs::read_dir(dir)
                .expect("dir")
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| {
                    p.file_name().is_some_and(|n| {
                        let n = n.to_string_lossy();
                        n.starts_with(&format!("{name}.corrupt-"))
                            && !n.ends_with("-wal")
                            && !n.ends_with("-shm")
                    })
                })
                .collect();
            assert_eq!(aside.len(), 1, "one set-aside copy of {name}: {aside:?}");
            assert_eq!(std::fs::read(&aside[0]).expect("read"), want, "{}", aside[0].display());
        }
    }
}

/// Starts the app over `events` and `settings` damaged as given, and checks the home window
/// appears with one notice naming each problem, and that nothing of the user's was lost.
async fn starts_despite(events: Damage, settings: Option<Damage>, shot: &str) {
    let sim =
        twitch_sim::spawn(twitch_sim::SimOptions::default()).await.expect("start the simulator");
    let home = tempfile::Builder::new().prefix("tev-e2e-home-").tempdir().expect("home");
    let f = files(home.path());
    let events_bytes = damage(&f.events, events);
    let settings_bytes = settings.map(|s| damage(&f.settings, s));
    let app = App::launch(Launch {
        sim_base: Some(sim.base_url()),
        home: Some(home),
        file_permissions_bind: true,
        ..Default::default()
    })
    .await;
    app.wait_for("body[data-ready='true']").await;
    app.wait_for("#notice:not([hidden])").await;
    let text = app.wait_for_text("#notice-text", |t| !t.is_empty()).await;
    assert!(text.contains("stored events"), "the notice names the events file: {text}");
    let expect_events = match events {
        Damage::Unreadable | Damage::Directory => "memory only",
        Damage::Truncated | Damage::FutureVersion => "events.sqlite3.corrupt-",
    };
    assert!(text.contains(expect_events), "{events:?}: {text}");
    if let Some(s) = settings {
        assert!(text.contains("settings"), "the notice names the settings file: {text}");
        let expect = match s {
            Damage::Unreadable | Damage::Directory => "default settings",
            Damage::Truncated | Damage::FutureVersion => "settings.json.corrupt-",
        };
        assert!(text.contains(expect), "settings {s:?}: {text}");
    }
    app.screenshot(shot).await;
    let home = app.quit().await;
    let f = files(home.path());
    assert_bytes_kept(&f.events, events, &events_bytes);
    if let (Some(s), Some(bytes)) = (settings, &settings_bytes) {
        assert_bytes_kept(&f.settings, s, bytes);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreadable_events_file_and_a_directory_for_settings_leave_the_app_running_in_memory() {
    starts_despite(Damage::Unreadable, Some(Damage::Directory), "long-life-unreadable").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_directory_for_events_and_unreadable_settings_leave_the_app_running_in_memory() {
    starts_despite(Damage::Directory, Some(Damage::Unreadable), "long-life-directory").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn truncated_files_are_set_aside_with_their_bytes_and_named_on_the_home_window() {
    starts_despite(Damage::Truncated, Some(Damage::Truncated), "long-life-truncated").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_event_store_of_a_newer_version_is_set_aside_and_named_on_the_home_window() {
    starts_despite(Damage::FutureVersion, None, "long-life-future-version").await;
}
