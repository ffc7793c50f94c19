//! The settings file: round trip, old files, corrupt files, atomic writes, env overrides.

use tev_core::settings::{ConfigError, ConfigStore, Settings, WindowGeometry};

#[test]
fn missing_file_gives_defaults_and_save_round_trips() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = ConfigStore::at(dir.path().join("nested"));
    assert_eq!(store.load().expect("load"), Settings::default());

    let mut s = Settings {
        client_id: Some("abc123".into()),
        favourite: Some("lumenforge".into()),
        loopback_port: 18000,
        ..Settings::default()
    };
    s.push_recent("lumenforge");
    s.roles.moderator = true;
    s.windows.insert(
        "main".into(),
        WindowGeometry {
            x: 1.0,
            y: 2.0,
            width: 800.0,
            height: 600.0,
            maximized: false,
            chat_width: Some(420.0),
            panel_height: None,
        },
    );
    store.save(&s).expect("save");
    assert_eq!(store.load().expect("reload"), s);
    // No temp files are left behind.
    let names: Vec<_> = std::fs::read_dir(dir.path().join("nested"))
        .expect("read dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, vec!["settings.json".to_string()]);
}

#[test]
fn old_and_partial_files_load_and_unknown_fields_survive() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = ConfigStore::at(dir.path());
    std::fs::write(store.path(), r#"{"client_id":"old1","future_field":{"a":1}}"#).expect("write");
    let s = store.load().expect("old file loads");
    assert_eq!(s.client_id.as_deref(), Some("old1"));
    assert_eq!(s.loopback_port, 17563, "missing fields take defaults");
    store.save(&s).expect("save");
    let text = std::fs::read_to_string(store.path()).expect("read");
    assert!(text.contains("future_field"), "{text}");
}

#[test]
fn corrupt_file_is_reported_and_set_aside_not_dropped() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = ConfigStore::at(dir.path());
    std::fs::write(store.path(), b"{ this is not json").expect("write");
    let err = store.load().expect_err("corrupt must be an error");
    let ConfigError::Corrupt { set_aside, .. } = &err else { panic!("wrong error {err}") };
    let msg = err.to_string();
    assert!(msg.contains("corrupt") && msg.contains("settings.json.corrupt-"), "{msg}");
    assert_eq!(std::fs::read(set_aside).expect("kept"), b"{ this is not json");
    assert!(!store.path().exists());
    // The next load is clean defaults; update after a corrupt file keeps the user's change.
    std::fs::write(store.path(), b"[1,2]").expect("write");
    let (s, warning) = store.update(|s| s.favourite = Some("x".into())).expect("update");
    assert!(warning.is_some());
    assert_eq!(s.favourite.as_deref(), Some("x"));
    assert_eq!(store.load().expect("load").favourite.as_deref(), Some("x"));
    let corrupt = std::fs::read_dir(dir.path())
        .expect("dir")
        .filter(|e| {
            e.as_ref()
                .map(|e| e.file_name().to_string_lossy().contains(".corrupt-"))
                .unwrap_or(false)
        })
        .count();
    assert_eq!(corrupt, 2, "both corrupt files kept");
}

#[test]
fn a_bad_client_id_is_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = ConfigStore::at(dir.path());
    let s = Settings { client_id: Some("abc def\"".into()), ..Settings::default() };
    let err = store.save(&s).expect_err("refused");
    assert!(err.to_string().contains("Client ID"), "{err}");
    assert!(!store.path().exists());
}

#[test]
fn env_overrides_the_client_id_and_xdg_moves_the_dirs() {
    // The only test in this binary touching the environment.
    let dir = tempfile::tempdir().expect("tempdir");
    // SAFETY: no other thread of this test binary reads these variables.
    unsafe {
        std::env::set_var("XDG_CONFIG_HOME", dir.path().join("cfg"));
        std::env::set_var("XDG_DATA_HOME", dir.path().join("data"));
        std::env::set_var("TWITCH_CLIENT_ID", "fromenv");
    }
    let cfg = tev_core::paths::config_dir().expect("config dir");
    assert_eq!(cfg, dir.path().join("cfg").join("twitch-event-viewer"));
    let data = tev_core::paths::data_dir().expect("data dir");
    assert_eq!(data, dir.path().join("data").join("twitch-event-viewer"));
    let s = Settings { client_id: Some("fromfile".into()), ..Settings::default() };
    assert_eq!(s.effective_client_id().as_deref(), Some("fromenv"));
    unsafe { std::env::remove_var("TWITCH_CLIENT_ID") };
    assert_eq!(s.effective_client_id().as_deref(), Some("fromfile"));
}

#[test]
fn notification_choices_default_to_go_live_only_and_round_trip() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = ConfigStore::at(dir.path());
    // A file from before notifications existed: go-live on, nothing else.
    std::fs::write(store.path(), r#"{"client_id":"old1"}"#).expect("write");
    let mut s = store.load().expect("load");
    assert!(s.notifications.go_live);
    assert!(s.notifications.kinds.is_empty());
    assert!(!s.notifications.wants("raid_incoming"));

    s.notifications.set_wanted("raid_incoming", true);
    s.notifications.set_wanted("stream_online", false);
    store.save(&s).expect("save");
    let back = store.load().expect("reload");
    assert!(back.notifications.wants("raid_incoming"));
    assert!(!back.notifications.wants("stream_online"));

    // A partial notifications block keeps the other defaults.
    std::fs::write(store.path(), r#"{"notifications":{"kinds":["cheer"]}}"#).expect("write");
    let s = store.load().expect("partial loads");
    assert!(s.notifications.go_live, "missing go_live defaults to on");
    assert!(s.notifications.wants("cheer"));
}

#[test]
fn concurrent_updates_from_clones_lose_nothing() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = ConfigStore::at(dir.path());
    // Eight threads each remember 25 window places through their own clone of the store.
    let handles: Vec<_> = (0..8)
        .map(|t| {
            let store = store.clone();
            std::thread::spawn(move || {
                for i in 0..25 {
                    store
                        .update(|s| {
                            s.windows.insert(format!("w{t}-{i}"), WindowGeometry::default());
                        })
                        .expect("update");
                }
            })
        })
        .collect();
    for h in handles {
        h.join().expect("thread");
    }
    assert_eq!(store.load().expect("load").windows.len(), 200, "an update was lost");
}

#[test]
fn a_directory_in_place_of_the_settings_file_gives_memory_only_settings_and_is_left_alone() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = ConfigStore::at(dir.path());
    std::fs::create_dir(store.path()).expect("mkdir");
    std::fs::write(store.path().join("mine.txt"), b"mine").expect("write");
    let (store, notice) = store.checked_at_start();
    let notice = notice.expect("a notice for the home window");
    assert!(notice.contains("memory only"), "{notice}");
    assert!(notice.contains(&store.path().display().to_string()), "{notice}");
    assert!(store.is_memory_only());
    // Changes work for this run, shared by every clone, and never touch the disk.
    let clone = store.clone();
    store.update(|s| s.favourite = Some("shroud".into())).expect("update");
    assert_eq!(clone.load().expect("load").favourite.as_deref(), Some("shroud"));
    assert!(store.path().is_dir());
    assert_eq!(std::fs::read(store.path().join("mine.txt")).expect("kept"), b"mine");
    assert_eq!(std::fs::read_dir(dir.path()).expect("dir").count(), 1, "nothing written beside it");
}

#[test]
fn a_truncated_settings_file_is_set_aside_at_start_with_a_notice() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = ConfigStore::at(dir.path());
    std::fs::write(store.path(), br#"{"favourite": "shr"#).expect("write");
    let (store, notice) = store.checked_at_start();
    let notice = notice.expect("a notice");
    assert!(notice.contains("settings.json.corrupt-"), "{notice}");
    assert!(!store.is_memory_only(), "a set-aside file frees the path for new settings");
    store.update(|s| s.favourite = Some("x".into())).expect("update");
    assert!(store.path().is_file());
}

#[test]
fn a_readable_settings_file_gives_no_notice_at_start() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (store, notice) = ConfigStore::at(dir.path()).checked_at_start();
    assert_eq!(notice, None);
    assert!(!store.is_memory_only());
}

#[test]
fn a_window_place_written_before_dividers_were_remembered_still_loads_without_them() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = ConfigStore::at(dir.path());
    std::fs::write(
        store.path(),
        r#"{"windows":{"streamer-nightowl":{"x":20,"y":10,"width":1000,"height":640,"maximized":false}}}"#,
    )
    .expect("write");
    let s = store.load().expect("an old file loads");
    let g = s.windows["streamer-nightowl"];
    assert_eq!((g.x, g.y, g.width, g.height), (20.0, 10.0, 1000.0, 640.0));
    assert_eq!((g.chat_width, g.panel_height), (None, None));
    store.save(&s).expect("save");
    let text = std::fs::read_to_string(store.path()).expect("read");
    assert!(!text.contains("chat_width"), "nothing unknown is written for it: {text}");
}
