//! The app over weeks, in the real app against the simulator: files damaged between two runs —
//! unreadable (mode 000), a directory in their place, truncated, written by a newer version —
//! never stop the start; the home window says what happened and where the old file is, and the
//! original bytes stay on disk (docs/ARCHITECTURE.md, "Damaged files").

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use tev_e2e::{App, Launch};

/// The two files the app keeps, under a test home.
struct Files {
    /// `recent-events.json` in the app's data directory.
    events: PathBuf,
    /// `settings.json` in the app's config directory.
    settings: PathBuf,
}

fn files(home: &Path) -> Files {
    let data = home.join(".local/share/twitch-event-viewer");
    let config = home.join(".config/twitch-event-viewer");
    std::fs::create_dir_all(&data).expect("data dir");
    std::fs::create_dir_all(&config).expect("config dir");
    Files { events: data.join("recent-events.json"), settings: config.join("settings.json") }
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
    /// Well-formed, from a newer version of the app.
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

fn damage(path: &Path, how: Damage) {
    match how {
        Damage::Directory => {
            std::fs::create_dir(path).expect("mkdir");
            std::fs::write(path.join("note.txt"), bytes_for(how)).expect("write");
        }
        _ => {
            std::fs::write(path, bytes_for(how)).expect("write");
            if let Damage::Unreadable = how {
                std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o000))
                    .expect("chmod 000");
            }
        }
    }
}

/// The original bytes are still on disk: in place (unreadable file, directory) or set aside
/// beside it as `<name>.corrupt-…` (truncated, newer version).
fn assert_bytes_kept(path: &Path, how: Damage) {
    let want = bytes_for(how);
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
                        n.to_string_lossy().starts_with(&format!("{name}.corrupt-"))
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
    damage(&f.events, events);
    if let Some(s) = settings {
        damage(&f.settings, s);
    }
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
        Damage::Truncated | Damage::FutureVersion => "recent-events.json.corrupt-",
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
    assert_bytes_kept(&f.events, events);
    if let Some(s) = settings {
        assert_bytes_kept(&f.settings, s);
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
async fn an_events_file_of_a_newer_version_is_set_aside_and_named_on_the_home_window() {
    starts_despite(Damage::FutureVersion, None, "long-life-future-version").await;
}
