//! The real Secret Service : store, restart the process, restore, logout deletes;
//! keychain unavailable → the clear error.
//!
//! Runs only with `TEV_REAL_KEYCHAIN=1`, inside a throw-away D-Bus session with an unlocked
//! gnome-keyring (docs/platform.md "Keychain"). CI recipe (Debian: `apt-get install gnome-keyring
//! libsecret-tools dbus`):
//!
//! ```sh
//! export RUSTUP_HOME=${RUSTUP_HOME:-$HOME/.rustup} CARGO_HOME=${CARGO_HOME:-$HOME/.cargo}
//! HOME=$(mktemp -d) dbus-run-session -- sh -c 'echo -n pw | gnome-keyring-daemon --unlock \
//!   --components=secrets >/dev/null; TEV_REAL_KEYCHAIN=1 cargo test -p tev-core \
//!   --test keychain_secret_service'
//! ```
//!
//! The password must be non-empty; RUSTUP_HOME/CARGO_HOME keep rustup working under the
//! throw-away HOME (which keeps the test away from the developer's real keyring). The "restart" is a second process: this test binary run
//! again with `TEV_KEYCHAIN_HELPER` set, which only reads the entry and prints what it found.
//! The unavailable case runs everywhere: a child process whose D-Bus address points nowhere.
//! `tev watch` signs in with the login `tev login` stored there, renewing it as the app does,
//! and says how to sign in when there is none (that case runs everywhere too).

mod support;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use serde_json::json;
use support::Sim;

use tev_core::keychain::{Keychain, KeychainError, RefreshToken, StoredTokens};
use tev_core::token::AccessToken;
use zeroize::Zeroizing;

const HELPER_VAR: &str = "TEV_KEYCHAIN_HELPER";

/// The CLI tests share the app's real keychain entries (service `twitch-event-viewer`):
/// one at a time, or a stored Client Secret would turn the other's device login into a
/// confidential one.
static CLI_LOCK: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

fn real() -> bool {
    std::env::var("TEV_REAL_KEYCHAIN").is_ok_and(|v| v == "1")
}

fn sample() -> StoredTokens {
    StoredTokens {
        client_id: "cid".into(),
        access: AccessToken::new("realkeychain-access-token"),
        refresh: Some(RefreshToken::new("realkeychain-refresh-token")),
        expires_at: 1_900_000_000,
        scopes: vec!["user:read:chat".into()],
        user_id: "4242".into(),
        login: "keychain_viewer".into(),
    }
}

/// Runs this test binary again as a helper process (a "restarted app").
fn helper(mode: &str, service: &str, extra_env: &[(&str, &str)]) -> String {
    let exe = std::env::current_exe().expect("current exe");
    let mut cmd = Command::new(exe);
    cmd.args(["--exact", "helper_process", "--nocapture", "--test-threads=1"])
        .env(HELPER_VAR, format!("{mode}:{service}"));
    for (k, v) in extra_env {
        cmd.env(k, v);
    }
    let out = cmd.output().expect("spawn helper");
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "helper failed: {text}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    text
}

/// Not a test on its own: does what the parent asks when `TEV_KEYCHAIN_HELPER` is set.
#[tokio::test]
async fn helper_process() {
    let Ok(spec) = std::env::var(HELPER_VAR) else { return };
    let (mode, service) = spec.split_once(':').expect("mode:service");
    let k = Keychain::os().with_service(service);
    match mode {
        "read" => match k.load_tokens().await {
            Ok(Some(t)) => println!(
                "HELPER login={} access_ok={} refresh_ok={}",
                t.login,
                t.access.secret() == "realkeychain-access-token",
                t.refresh.as_ref().map(RefreshToken::secret) == Some("realkeychain-refresh-token")
            ),
            Ok(None) => println!("HELPER none"),
            Err(e) => println!("HELPER error={e}"),
        },
        "unavailable" => match k.load_tokens().await {
            Err(e @ KeychainError::Unavailable(_)) => println!("HELPER unavailable={e}"),
            other => println!("HELPER unexpected={:?}", other.map(|o| o.map(|t| t.login))),
        },
        _ => panic!("unknown helper mode {mode}"),
    }
}

#[tokio::test]
async fn real_secret_service_store_restore_delete() {
    if !real() || std::env::var(HELPER_VAR).is_ok() {
        eprintln!("skipped: set TEV_REAL_KEYCHAIN=1 inside dbus-run-session (see file comment)");
        return;
    }
    let service = format!("tev-test-{}", std::process::id());
    let k = Keychain::os().with_service(&service);
    k.store_tokens(&sample()).await.expect("store in the Secret Service");

    let out = helper("read", &service, &[]);
    assert!(
        out.contains("HELPER login=keychain_viewer access_ok=true refresh_ok=true"),
        "a new process restores the login: {out}"
    );

    // Rotation: a new pair replaces the old one.
    let mut rotated = sample();
    rotated.refresh = Some(RefreshToken::new("rotated"));
    k.store_tokens(&rotated).await.expect("replace");
    let out = helper("read", &service, &[]);
    assert!(out.contains("refresh_ok=false"), "{out}");

    k.set_client_secret("real-app", Zeroizing::new("real-secret".into())).await.expect("secret");
    assert_eq!(
        k.client_secret("real-app").await.expect("read secret").as_deref().map(String::as_str),
        Some("real-secret")
    );
    assert!(k.client_secret("other-app").await.expect("read secret").is_none());
    k.delete_client_secret().await.expect("delete secret");

    // Logout deletes the entry; a new process finds nothing.
    k.delete_tokens().await.expect("delete");
    let out = helper("read", &service, &[]);
    assert!(out.contains("HELPER none"), "{out}");
}

#[tokio::test]
async fn the_cli_stores_the_client_secret_in_the_real_keychain() {
    if !real() || std::env::var(HELPER_VAR).is_ok() {
        return;
    }
    let _one_at_a_time = CLI_LOCK.lock().await;
    let home = tempfile::tempdir().expect("tempdir");
    let run = |args: &[&str], stdin: Option<&str>| {
        use std::io::Write;
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_tev"));
        cmd.args(args)
            .env("XDG_CONFIG_HOME", home.path().join("cfg"))
            .env("XDG_DATA_HOME", home.path().join("data"))
            .env_remove("TWITCH_CLIENT_ID")
            .env_remove("TWITCH_CLIENT_SECRET")
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped());
        let mut child = cmd.spawn().expect("spawn tev");
        if let Some(s) = stdin
            && let Some(mut i) = child.stdin.take()
        {
            i.write_all(s.as_bytes()).expect("stdin");
        }
        let out = child.wait_with_output().expect("tev");
        (out.status.code(), String::from_utf8_lossy(&out.stdout).into_owned())
    };
    let (code, out) =
        run(&["config", "--client-id", "abc123", "--secret-stdin"], Some("cli-secret\n"));
    assert_eq!(code, Some(0), "{out}");
    assert!(out.contains("client secret: set (in the keychain)"), "{out}");
    let settings =
        std::fs::read_to_string(home.path().join("cfg/twitch-event-viewer/settings.json"))
            .expect("settings written");
    assert!(settings.contains("abc123") && !settings.contains("cli-secret"), "{settings}");
    // Another application: the secret was abc123's, so it is not used (device login).
    let (code, out) = run(&["config", "--client-id", "def456"], None);
    assert_eq!(code, Some(0), "{out}");
    assert!(out.contains("client secret: not set"), "{out}");
    let (code, out) = run(&["config", "--client-id", "abc123"], None);
    assert_eq!(code, Some(0), "{out}");
    assert!(out.contains("client secret: set (in the keychain)"), "{out}");
    let (code, out) = run(&["config", "--clear-secret"], None);
    assert_eq!(code, Some(0), "{out}");
    assert!(out.contains("not set"), "{out}");
}

#[cfg(target_os = "linux")]
#[tokio::test]
async fn no_usable_keychain_is_the_clear_error() {
    if std::env::var(HELPER_VAR).is_ok() {
        return;
    }
    let out = helper(
        "unavailable",
        "tev-test-unavailable",
        &[("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/tev-no-bus")],
    );
    assert!(out.contains("HELPER unavailable="), "{out}");
    assert!(out.contains("keychain is not available") && out.contains("this run only"), "{out}");
}

/// The CLI end to end against twitch-sim and the real keychain: `tev login --device`
/// (auto-approved by the sim), `tev whoami` (exit 0 + login), `tev logout`, `tev whoami`
/// (exit 1 + "signed out"). The tokens never show up in the CLI's output.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cli_login_whoami_logout_against_the_sim() {
    if !real() || std::env::var(HELPER_VAR).is_ok() {
        return;
    }
    let _one_at_a_time = CLI_LOCK.lock().await;
    let sim = twitch_sim::spawn(twitch_sim::SimOptions::default()).await.expect("sim");
    let http = tev_core::tls::http_client().build().expect("an HTTP client");
    let cfg = http
        .post(format!("{}/_sim/config", sim.base_url()))
        .json(&serde_json::json!({"auto_approve": "sim_viewer", "device_interval_secs": 1}))
        .send()
        .await
        .expect("sim config");
    assert!(cfg.status().is_success());
    let home = tempfile::tempdir().expect("tempdir");
    let base = sim.base_url();
    let run = move |args: &'static [&'static str]| {
        let home = home.path().to_path_buf();
        let base = base.clone();
        tokio::task::spawn_blocking(move || {
            let out = Command::new(env!("CARGO_BIN_EXE_tev"))
                .args(args)
                .env("XDG_CONFIG_HOME", home.join("cfg"))
                .env("XDG_DATA_HOME", home.join("data"))
                .env("TEV_TWITCH_BASE_URL", &base)
                .env("TWITCH_CLIENT_ID", "sim-public-client")
                .env_remove("TWITCH_CLIENT_SECRET")
                .env("BROWSER", "true")
                .output()
                .expect("run tev");
            (
                out.status.code(),
                String::from_utf8_lossy(&out.stdout).into_owned()
                    + &String::from_utf8_lossy(&out.stderr),
            )
        })
    };
    let (code, out) = run(&["login", "--device", "--no-browser"]).await.expect("join");
    assert_eq!(code, Some(0), "{out}");
    assert!(
        out.contains("/activate?device-code=") && out.contains("Signed in as sim_viewer"),
        "{out}"
    );
    let (code, out) = run(&["whoami"]).await.expect("join");
    assert_eq!(code, Some(0), "{out}");
    assert!(out.starts_with("sim_viewer"), "{out}");
    let state: serde_json::Value = http
        .get(format!("{}/_sim/state", sim.base_url()))
        .send()
        .await
        .expect("state")
        .json()
        .await
        .expect("json");
    assert!(state["tokens"].as_array().is_some_and(|t| !t.is_empty()));
    let (code, out) = run(&["logout"]).await.expect("join");
    assert_eq!(code, Some(0), "{out}");
    let (code, out) = run(&["whoami"]).await.expect("join");
    assert_eq!(code, Some(1), "{out}");
    assert!(out.contains("signed out"), "{out}");
}

/// `tev` with a throw-away home, no Twitch settings from the caller's environment.
fn tev(home: &std::path::Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_tev"));
    cmd.env("XDG_CONFIG_HOME", home.join("cfg"))
        .env("XDG_DATA_HOME", home.join("data"))
        .env_remove("TWITCH_CLIENT_ID")
        .env_remove("TWITCH_CLIENT_SECRET")
        .env_remove("TEV_TWITCH_BASE_URL")
        .env_remove("TEV_ACCESS_TOKEN")
        .env_remove("TEV_CLIENT_ID")
        .env("BROWSER", "true");
    cmd
}

/// Nobody signed in and no keychain to find a login in: `tev watch` contacts nobody and says
/// how to sign in (with the Client ID first when none is configured).
#[test]
fn without_a_stored_login_tev_watch_says_how_to_sign_in() {
    if std::env::var(HELPER_VAR).is_ok() {
        return;
    }
    let home = tempfile::tempdir().expect("tempdir");
    let out = tev(home.path())
        .args(["watch", "lumenforge"])
        .env("TWITCH_CLIENT_ID", "abc123")
        .env("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/tev-no-bus")
        .output()
        .expect("run tev");
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("not signed in") && err.contains("tev login"), "{err}");

    // No Client ID at all: a build with one built in (`.dev/env`) hides it for this run
    // (debug builds only), as a build without one would be.
    let out = tev(home.path())
        .args(["watch", "lumenforge"])
        .env("TEV_HIDE_BUNDLED_CLIENT_ID", "1")
        .output()
        .expect("run tev");
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("tev config --client-id") && err.contains("tev login"), "{err}");

    // With the built-in Client ID (when this build has one), only the login is missing.
    if tev_core::settings::bundled_client_id().is_some() {
        let out = tev(home.path()).args(["watch", "lumenforge"]).output().expect("run tev");
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{err}");
        assert!(err.contains("not signed in") && err.contains("tev login"), "{err}");
    }
}

/// `tev login` stores `sim_mod`'s login; the access token then runs out at "Twitch"; `tev
/// watch` restores the stored login, renews it with the refresh token (one refresh, no reuse),
/// stores the rotated pair, and watches as `sim_mod` — not as the simulator's default viewer.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tev_watch_uses_the_stored_login_and_renews_it() {
    if !real() || std::env::var(HELPER_VAR).is_ok() {
        return;
    }
    let sim = Sim::with_twitch_timings().await;
    sim.config(json!({"auto_approve": "sim_mod", "device_interval_secs": 1})).await;
    let home = tempfile::tempdir().expect("tempdir");
    let service = format!("tev-watch-test-{}", std::process::id());
    let base = sim.base.clone();
    let cmd = |args: &[&str]| {
        let mut c = tev(home.path());
        c.args(args)
            .env("TEV_TWITCH_BASE_URL", &base)
            .env("TWITCH_CLIENT_ID", "sim-public-client")
            .env("TEV_KEYCHAIN_SERVICE", &service);
        c
    };
    let out = cmd(&["login", "--device", "--no-browser"]).output().expect("tev login");
    let text =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(text.contains("Signed in as sim_mod"), "{text}");

    // Four hours and a bit later the access token is dead at "Twitch".
    sim.post("/_sim/clock", json!({"advance_secs": 15_000})).await;
    let refreshes = sim.counters().await["refreshes"].as_u64().expect("counter");

    let mut child = cmd(&["watch", "lumenforge"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("tev watch");
    let stderr = child.stderr.take().expect("stderr");
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let mut seen = Vec::new();
    let watching = loop {
        match rx.recv_timeout(Duration::from_secs(30)) {
            Ok(line) => {
                let done = line.contains("watching lumenforge");
                seen.push(line);
                if done {
                    break true;
                }
            }
            Err(_) => break false,
        }
    };
    let _ = child.kill();
    let _ = child.wait();
    assert!(watching, "tev watch did not start watching: {seen:?}");
    assert!(seen.iter().any(|l| l.contains(" as sim_mod")), "the stored login: {seen:?}");

    let counters = sim.counters().await;
    assert_eq!(counters["refreshes"].as_u64(), Some(refreshes + 1), "renewed once");
    assert_eq!(counters["reuse_revocations"].as_u64(), Some(0));
    // The rotated pair was stored: the next command restores it without another refresh.
    let out = cmd(&["whoami"]).output().expect("tev whoami");
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("sim_mod"));
    assert_eq!(sim.counters().await["refreshes"].as_u64(), Some(refreshes + 1));
    let out = cmd(&["logout"]).output().expect("tev logout");
    assert_eq!(out.status.code(), Some(0));
}
