//! A Secret Service that starts after the app is found without a restart: the app (a helper
//! process, this binary run again) starts on a D-Bus session with no Secret Service and gets
//! `Unavailable`; gnome-keyring is then started on the same bus, and the same process stores
//! and reads back a login. `keyring`'s own `Entry::new` keeps its first failure for the life of
//! the process, which is what this guards against (see `keychain.rs`).
//!
//! Runs with `TEV_REAL_KEYCHAIN=1` (the README's test command, which has `dbus-daemon` and
//! `gnome-keyring-daemon`). The private bus has no service directories, so D-Bus activation
//! cannot start a keyring behind the test's back.

use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use tev_core::keychain::{Keychain, KeychainError, RefreshToken, StoredTokens};
use tev_core::token::AccessToken;

const HELPER_VAR: &str = "TEV_KEYCHAIN_LATE_HELPER";

fn sample() -> StoredTokens {
    StoredTokens {
        client_id: "cid".into(),
        access: AccessToken::new("late-keychain-access-token"),
        refresh: Some(RefreshToken::new("late-keychain-refresh-token")),
        expires_at: 1_900_000_000,
        scopes: vec!["user:read:chat".into()],
        user_id: "4343".into(),
        login: "late_viewer".into(),
    }
}

/// The helper: one process living through "no keychain" and then "a keychain".
async fn helper_main() {
    let keychain = Keychain::os().with_service("twitch-event-viewer-late-test");
    let first = keychain.store_tokens(&sample()).await;
    println!(
        "first:{}",
        match &first {
            Ok(()) => "stored".to_string(),
            Err(KeychainError::Unavailable(_)) => "unavailable".to_string(),
            Err(e) => format!("other {e}"),
        }
    );
    // Wait for the parent to start the keyring.
    let mut line = String::new();
    let _ = std::io::stdin().read_line(&mut line);
    let deadline = Instant::now() + Duration::from_secs(15);
    let outcome = loop {
        match keychain.store_tokens(&sample()).await {
            Ok(()) => break "stored".to_string(),
            Err(e) if Instant::now() > deadline => break format!("still failing: {e}"),
            Err(_) => tokio::time::sleep(Duration::from_millis(200)).await,
        }
    };
    println!("later:{outcome}");
    let back = keychain.load_tokens().await.ok().flatten().map(|t| t.login);
    println!("read:{}", back.unwrap_or_default());
    let _ = keychain.delete_tokens().await;
}

#[tokio::test]
async fn a_secret_service_started_after_the_app_is_used_without_a_restart() {
    if std::env::var_os(HELPER_VAR).is_some() {
        helper_main().await;
        return;
    }
    if std::env::var("TEV_REAL_KEYCHAIN").ok().as_deref() != Some("1") {
        eprintln!("skipped: needs TEV_REAL_KEYCHAIN=1 (dbus-daemon and gnome-keyring-daemon)");
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    // A session bus of our own, without service directories (no activation).
    let config = dir.path().join("bus.conf");
    std::fs::write(
        &config,
        format!(
            r#"<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:dir={}</listen>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>"#,
            dir.path().display()
        ),
    )
    .expect("bus config");
    let mut bus = Command::new("dbus-daemon")
        .arg(format!("--config-file={}", config.display()))
        .arg("--nofork")
        .arg("--print-address=1")
        .stdout(Stdio::piped())
        .spawn()
        .expect("dbus-daemon");
    let mut address = String::new();
    BufReader::new(bus.stdout.take().expect("stdout"))
        .read_line(&mut address)
        .expect("the bus address");
    let address = address.trim().to_string();
    assert!(address.starts_with("unix:"), "{address}");

    let keyring_home = dir.path().join("home");
    std::fs::create_dir_all(&keyring_home).expect("home");
    // Its own runtime directory: in the test session's one, a keyring is running already, and
    // a second daemon would hand over to it instead of serving this bus.
    let runtime = dir.path().join("run");
    std::fs::create_dir_all(&runtime).expect("runtime dir");
    std::fs::set_permissions(&runtime, std::os::unix::fs::PermissionsExt::from_mode(0o700))
        .expect("chmod");
    let mut app = Command::new(std::env::current_exe().expect("exe"))
        .args(["--exact", "a_secret_service_started_after_the_app_is_used_without_a_restart"])
        .args(["--nocapture", "--test-threads=1"])
        .env(HELPER_VAR, "1")
        .env("DBUS_SESSION_BUS_ADDRESS", &address)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("helper");
    let mut out = BufReader::new(app.stdout.take().expect("stdout")).lines();
    // libtest may print "test … ... " before the helper's own line, on the same line.
    let first = out
        .by_ref()
        .map_while(Result::ok)
        .find_map(|l| l.find("first:").map(|at| l[at..].to_string()))
        .expect("the helper's first try");
    assert_eq!(first, "first:unavailable", "no Secret Service on the bus yet");

    let mut keyring = Command::new("gnome-keyring-daemon")
        .args(["--unlock", "--components=secrets"])
        .env("DBUS_SESSION_BUS_ADDRESS", &address)
        .env("HOME", &keyring_home)
        .env("XDG_RUNTIME_DIR", &runtime)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .expect("gnome-keyring-daemon");
    if let Some(mut stdin) = keyring.stdin.take() {
        stdin.write_all(b"tev-test").expect("keyring password");
    }
    let _ = keyring.wait();
    if let Some(mut stdin) = app.stdin.take() {
        stdin.write_all(b"go\n").expect("tell the helper");
    }
    let rest: Vec<String> = out.map_while(Result::ok).collect();
    let _ = app.wait();
    let _ = bus.kill();
    let _ = bus.wait();
    assert!(
        rest.iter().any(|l| l.contains("later:stored")),
        "the late keyring was not used: {rest:?}"
    );
    assert!(rest.iter().any(|l| l.contains("read:late_viewer")), "{rest:?}");
}
