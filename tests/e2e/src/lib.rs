//! Harness for the end-to-end tests: the real app binary, driven over WebDriver
//! (tauri-driver + WebKitWebDriver), against an in-process Twitch simulator, with a
//! throw-away `HOME` so nothing of the developer's own state is read or written.
//!
//! Requirements (the README's test command provides them): a display (`xvfb-run`), a session
//! bus (`dbus-run-session`), `tauri-driver` on PATH or in `~/.cargo/bin`, Debian's
//! `webkit2gtk-driver`, and the app built (`cargo build -p twitch-event-viewer`).

pub mod tray;

use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::process::{Child, Command};

/// Only one app runs at a time: instances share the session bus (single-instance plugin) and
/// the display.
static ONE_AT_A_TIME: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// How long a test binary may run after its latest app launch before it is taken as hung,
/// unless `TEV_E2E_HANG_SECS` says otherwise; the slowest test takes ~80 s from its launch on
/// a calm machine. A WebDriver call to an app that went away can wait forever (fantoccini has
/// no timeout of its own), and one such wait would hold the whole suite until CI's own limit,
/// with nothing said about where. Counted from each launch, not the binary's first: a binary
/// of five tests on a loaded machine takes longer than one test may.
pub const HANG_SECS: u64 = 300;

/// tauri-driver's pid and the home of every app alive now, for the watchdog to clean up.
static LIVE: std::sync::Mutex<Vec<(Option<u32>, PathBuf)>> = std::sync::Mutex::new(Vec::new());

/// When the latest app launch began: the watchdog's deadline counts from it.
static LAST_LAUNCH: std::sync::Mutex<Option<Instant>> = std::sync::Mutex::new(None);

/// Arms the watchdog for a launch (starting it once per test binary): [`HANG_SECS`] after the
/// latest launch it says so, kills the apps still running and ends the binary with exit code
/// 124 (what `timeout` uses), so the other test binaries still run and the failure says where
/// it was.
pub fn watchdog() {
    if let Ok(mut last) = LAST_LAUNCH.lock() {
        *last = Some(Instant::now());
    }
    static STARTED: std::sync::Once = std::sync::Once::new();
    STARTED.call_once(|| {
        let secs = std::env::var("TEV_E2E_HANG_SECS")
            .ok()
            .and_then(|v| v.trim().parse().ok())
            .unwrap_or(HANG_SECS);
        std::thread::spawn(move || {
            loop {
                let since = LAST_LAUNCH.lock().ok().and_then(|l| *l).map(|t| t.elapsed());
                if since.is_some_and(|s| s >= Duration::from_secs(secs)) {
                    break;
                }
                std::thread::sleep(Duration::from_millis(250));
            }
            let test = std::env::current_exe()
                .ok()
                .and_then(|e| e.file_name().map(|n| n.to_string_lossy().into_owned()));
            // Written to the process's stderr itself: `eprintln!` in a thread a test started
            // goes to the test harness's capture, which nobody prints when the binary exits.
            use std::io::Write as _;
            let _ = writeln!(
                std::io::stderr(),
                "tev-e2e: {} ran {secs} s past its latest app launch: taken as hung \
                 (TEV_E2E_HANG_SECS); its apps are killed and it exits with 124",
                test.unwrap_or_default()
            );
            let live = LIVE.lock().map(|l| l.clone()).unwrap_or_default();
            for (driver, home) in live {
                kill_app(driver, &home);
                if let Some(d) = driver {
                    let _ =
                        std::process::Command::new("kill").args(["-9", &d.to_string()]).status();
                }
            }
            std::process::exit(124);
        });
    });
}

/// An HTTP client for the simulator's control endpoints. The workspace builds reqwest without a
/// crypto provider of its own (docs/platform.md "WebSocket and TLS"): ring is installed first,
/// as the app does, or building the client panics.
pub fn http() -> reqwest::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::new()
}

/// The workspace's target directory (honours `CARGO_TARGET_DIR`).
pub fn target_dir() -> PathBuf {
    if let Some(d) = std::env::var_os("CARGO_TARGET_DIR") {
        return PathBuf::from(d);
    }
    // A test runs from `<target>/<profile>/deps/`. Cargo does not rebuild a test when the
    // checkout moves but the target directory is shared (`.ci/run` on a clone with the
    // caller's target), so a path compiled into it may name a checkout that is gone.
    let from_exe = std::env::current_exe().ok().and_then(|exe| {
        let deps = exe.parent()?;
        if deps.file_name()? != "deps" {
            return None;
        }
        Some(deps.parent()?.parent()?.to_path_buf())
    });
    from_exe.unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target"))
}

/// The app binary under test: `TEV_APP_BINARY`, else the debug build in the target dir.
pub fn app_binary() -> PathBuf {
    if let Some(p) = std::env::var_os("TEV_APP_BINARY") {
        return PathBuf::from(p);
    }
    target_dir().join("debug/twitch-event-viewer")
}

/// The `tev` command-line binary under test (tev-core's, built by `cargo build --workspace`):
/// `TEV_CLI_BINARY`, else the debug build in the target dir.
pub fn tev_binary() -> PathBuf {
    if let Some(p) = std::env::var_os("TEV_CLI_BINARY") {
        return PathBuf::from(p);
    }
    target_dir().join("debug/tev")
}

fn tauri_driver() -> PathBuf {
    if let Some(p) = std::env::var_os("TAURI_DRIVER") {
        return PathBuf::from(p);
    }
    let home_bin =
        std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo/bin/tauri-driver"));
    match home_bin {
        Some(p) if p.exists() => p,
        _ => PathBuf::from("tauri-driver"),
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free loopback port")
}

/// Where screenshots go: `target/e2e-screenshots/`.
pub fn screenshot_dir() -> PathBuf {
    let d = target_dir().join("e2e-screenshots");
    std::fs::create_dir_all(&d).expect("create the screenshot dir");
    d
}

/// A running app under test.
pub struct App {
    /// The WebDriver session; closing it ends the app.
    pub client: Client,
    /// The environment the app runs with (HOME, XDG dirs, endpoints), for a second launch.
    pub env: Vec<(String, String)>,
    /// tauri-driver; killed on drop.
    driver: Child,
    /// The app's throw-away home directory.
    pub home: tempfile::TempDir,
    /// Everything the app (and the WebDriver pieces) wrote to stderr so far.
    pub log: Arc<std::sync::Mutex<String>>,
    /// The main window's webview, the one the session starts in: [`App::switch_to_home`]
    /// tries it first, so finding home does not switch through every streamer window's panes
    /// (a switch waits for that page's load).
    main_window: Option<fantoccini::wd::WindowHandle>,
    _turn: tokio::sync::MutexGuard<'static, ()>,
}

/// How to launch the app.
#[derive(Default)]
pub struct Launch {
    /// Base URL of a simulator; sets `TEV_TWITCH_BASE_URL`.
    pub sim_base: Option<String>,
    /// Extra environment variables for the app.
    pub env: Vec<(String, String)>,
    /// Reuse this home directory (for restart tests) instead of a fresh one.
    pub home: Option<tempfile::TempDir>,
    /// Command-line arguments for the app (a deep link for a cold start).
    pub args: Vec<String>,
    /// Run the app without the power to read or write files regardless of their permissions,
    /// as a desktop user runs it: when the tests run as root (CI machines do), root's
    /// `CAP_DAC_OVERRIDE` and `CAP_DAC_READ_SEARCH` are dropped from the bounding set of
    /// tauri-driver and everything it starts (`setpriv`, util-linux), so a mode-000 file is as
    /// unreadable to the app as it is to a user.
    pub file_permissions_bind: bool,
}

/// Whether this process runs as root (`/proc/self` belongs to the effective user).
fn running_as_root() -> bool {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata("/proc/self").map(|m| m.uid() == 0).unwrap_or(false)
}

impl App {
    /// Launches the app and waits for the WebDriver session.
    pub async fn launch(opts: Launch) -> App {
        watchdog();
        let turn = ONE_AT_A_TIME.lock().await;
        end_stray_instances().await;
        let bin = app_binary();
        assert!(
            bin.exists(),
            "the app binary {} is missing: run `cargo build -p twitch-event-viewer` first \
             (the README's test command does)",
            bin.display()
        );
        assert!(
            std::env::var_os("DISPLAY").is_some(),
            "no DISPLAY: run the end-to-end tests under xvfb-run (the README's test command does)"
        );
        let home = match opts.home {
            Some(h) => h,
            None => tempfile::Builder::new().prefix("tev-e2e-home-").tempdir().expect("temp home"),
        };
        // The tests share one Secret Service (one session bus): each home gets its own keychain
        // service name, so a login stored by another test is never seen, while a restart on
        // the same home finds its own.
        let keychain_service = format!(
            "twitch-event-viewer-e2e-{}",
            home.path().file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default()
        );
        let port = free_port();
        let native_port = free_port();
        let mut app_env: Vec<(String, String)> = vec![
            ("HOME".into(), home.path().to_string_lossy().into_owned()),
            ("XDG_CONFIG_HOME".into(), home.path().join(".config").to_string_lossy().into_owned()),
            (
                "XDG_DATA_HOME".into(),
                home.path().join(".local/share").to_string_lossy().into_owned(),
            ),
            ("XDG_CACHE_HOME".into(), home.path().join(".cache").to_string_lossy().into_owned()),
            ("TEV_LOG".into(), "info".into()),
            ("TEV_KEYCHAIN_SERVICE".into(), keychain_service),
        ];
        if let Some(base) = &opts.sim_base {
            app_env.push(("TEV_TWITCH_BASE_URL".into(), base.clone()));
        }
        app_env.extend(opts.env.iter().cloned());
        let mut cmd = if opts.file_permissions_bind && running_as_root() {
            let mut c = Command::new("setpriv");
            c.arg("--bounding-set=-dac_override,-dac_read_search").arg("--").arg(tauri_driver());
            c
        } else {
            Command::new(tauri_driver())
        };
        cmd.arg("--port")
            .arg(port.to_string())
            .arg("--native-port")
            .arg(native_port.to_string())
            .envs(app_env.iter().map(|(k, v)| (k, v)))
            .env_remove("TEV_TWITCH_BASE_URL")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        if let Some(base) = &opts.sim_base {
            cmd.env("TEV_TWITCH_BASE_URL", base);
        }
        let mut driver =
            cmd.spawn().expect("start tauri-driver (cargo install tauri-driver --locked)");
        // The app's log (its stderr, through tauri-driver and WebKitWebDriver): kept for tests
        // that read it, and passed on to the test's stderr as before.
        let log = Arc::new(std::sync::Mutex::new(String::new()));
        if let Some(stderr) = driver.stderr.take() {
            let log = log.clone();
            tokio::spawn(async move {
                use tokio::io::AsyncBufReadExt;
                let mut lines = tokio::io::BufReader::new(stderr).lines();
                while let Ok(Some(line)) = lines.next_line().await {
                    eprintln!("{line}");
                    if let Ok(mut l) = log.lock() {
                        l.push_str(&line);
                        l.push('\n');
                    }
                }
            });
        }
        let caps: serde_json::Map<String, serde_json::Value> =
            serde_json::from_value(serde_json::json!({
                "browserName": "wry",
                "tauri:options": { "application": bin.to_string_lossy(), "args": opts.args }
            }))
            .expect("capabilities");
        let url = format!("http://127.0.0.1:{port}");
        let deadline = Instant::now() + Duration::from_secs(60);
        let client = loop {
            // A session whose app exits at once (handed over to another instance) is never
            // answered: bounded, so that says where it stopped instead of the watchdog.
            let mut builder = ClientBuilder::new(HttpConnector::new());
            builder.capabilities(caps.clone());
            let connect = builder.connect(&url);
            let Ok(connected) = tokio::time::timeout(Duration::from_secs(90), connect).await else {
                panic!(
                    "the app started no WebDriver session within 90 s (did it exit at once, \
                     handed over to another instance on the session bus?)"
                )
            };
            match connected {
                Ok(c) => break c,
                Err(e) if Instant::now() < deadline => {
                    let _ = e;
                    tokio::time::sleep(Duration::from_millis(250)).await;
                }
                Err(e) => panic!("no WebDriver session with the app within 60 s: {e}"),
            }
        };
        if let Ok(mut live) = LIVE.lock() {
            live.push((driver.id(), home.path().to_path_buf()));
        }
        let main_window = client.window().await.ok();
        App { client, env: app_env, driver, home, log, main_window, _turn: turn }
    }

    /// Waits (up to 30 s) for an element and returns it.
    pub async fn wait_for(&self, css: &str) -> fantoccini::elements::Element {
        self.client
            .wait()
            .at_most(Duration::from_secs(30))
            .for_element(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("element {css} did not appear within 30 s: {e}"))
    }

    /// Clicks "Open" on `login`'s row of the home window's followed list (the home page must be
    /// the current webview).
    pub async fn open_followed(&self, login: &str) {
        self.wait_for(&format!("#followed li[data-login='{login}'] button.primary"))
            .await
            .click()
            .await
            .unwrap_or_else(|e| panic!("click Open on {login}: {e}"));
    }

    /// Opens `login`'s streamer window from the home window's followed list and waits until its
    /// panel is ready; the panel is then the current webview.
    pub async fn open_followed_panel(&self, login: &str) {
        self.open_followed(login).await;
        self.switch_to_webview(&format!("streamer.html?login={login}")).await;
        self.wait_for("body[data-ready='true']").await;
    }

    /// Waits (up to `secs`) until the current panel's connection chip shows `state`
    /// (`#connection[data-state]`: connected, reconnecting, failed, …).
    pub async fn wait_connection(&self, state: &str, secs: u64) {
        let deadline = Instant::now() + Duration::from_secs(secs);
        let mut last = String::new();
        while Instant::now() < deadline {
            if let Ok(el) = self.client.find(Locator::Css("#connection")).await {
                last = el.attr("data-state").await.ok().flatten().unwrap_or_default();
                if last == state {
                    return;
                }
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("connection never became {state} within {secs} s; last {last:?}");
    }

    /// Waits (up to 30 s) until `css`'s text satisfies `pred`; returns the text.
    pub async fn wait_for_text(&self, css: &str, pred: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + Duration::from_secs(30);
        let mut last = String::new();
        while Instant::now() < deadline {
            if let Ok(el) = self.client.find(Locator::Css(css)).await
                && let Ok(t) = el.text().await
            {
                if pred(&t) {
                    return t;
                }
                last = t;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("text of {css} never matched within 30 s; last seen: {last:?}");
    }

    /// Lets WebKit paint what the DOM already shows (two animation frames of the current
    /// webview); without it a screenshot can be the page's first paint.
    async fn painted(&self) {
        let _ = self
            .client
            .execute_async(
                "const done = arguments[arguments.length - 1];\
                 requestAnimationFrame(() => requestAnimationFrame(() => done(true)));",
                vec![],
            )
            .await;
    }

    /// Saves a screenshot as `target/e2e-screenshots/<name>.png` and returns its path.
    pub async fn screenshot(&self, name: &str) -> PathBuf {
        self.painted().await;
        // The app's own pages draw without GPU compositing (`windows::draw_in_software`); there
        // WebKit's WebDriver screenshot waits for the page's next presentation update, which a
        // page with nothing changing never makes (it hung for minutes). For two seconds from
        // now the root's opacity flips between 1 and 0.9999 every 100 ms (no visible change),
        // so the update comes; then the style is as it was.
        let _ = self
            .client
            .execute(
                "const r = document.documentElement.style; let n = 0;\
                 const t = setInterval(() => {\
                   n += 1;\
                   if (n > 20) { clearInterval(t); r.removeProperty('opacity'); return; }\
                   if (n % 2) r.setProperty('opacity', '0.9999'); else r.removeProperty('opacity');\
                 }, 100);\
                 return true;",
                vec![],
            )
            .await;
        let png = self.client.screenshot().await.expect("take a screenshot");
        let path = screenshot_dir().join(format!("{name}.png"));
        std::fs::write(&path, &png).expect("write the screenshot");
        path
    }

    /// Saves the whole (virtual) screen as `target/e2e-screenshots/<name>.png`: the native
    /// layout of a window with several webviews, which a WebDriver screenshot (one webview)
    /// cannot show.
    pub async fn screenshot_screen(&self, name: &str) -> PathBuf {
        self.painted().await;
        let path = screenshot_dir().join(format!("{name}.png"));
        let status = Command::new("/usr/bin/import")
            .args(["-window", "root"])
            .arg(&path)
            .status()
            .await
            .expect("run ImageMagick's import (apt package imagemagick)");
        assert!(status.success(), "import failed: {status}");
        path
    }

    /// Launches the app binary a second time with `args` and the same environment (as a
    /// desktop would for a link); waits for it to exit, which the single-instance plugin makes
    /// it do after handing its arguments to the running app. Returns its exit status.
    pub async fn launch_second_instance(&self, args: &[&str]) -> std::process::ExitStatus {
        let mut child = Command::new(app_binary())
            .args(args)
            .envs(self.env.iter().map(|(k, v)| (k, v)))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .kill_on_drop(true)
            .spawn()
            .expect("start a second instance");
        tokio::time::timeout(Duration::from_secs(30), child.wait())
            .await
            .expect("the second instance handed over and exited within 30 s")
            .expect("wait for the second instance")
    }

    /// Ends the WebDriver session (which ends the app) and the driver; returns the home dir
    /// so a restart test can launch again on the same state.
    pub async fn quit(mut self) -> tempfile::TempDir {
        let _ = self.client.clone().close().await;
        let _ = self.driver.kill().await;
        // The app ends with the session, but may take a moment (a web process playing video
        // tears GStreamer down first); one still running would take the next launch's
        // single-instance hand-over (all tests share one session bus), and that launch would
        // exit at once. Wait for it to end (10 s at most), then make sure it has.
        let deadline = Instant::now() + Duration::from_secs(10);
        while !app_pids(self.home.path()).is_empty() && Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        kill_app(None, self.home.path());
        let placeholder = tempfile::tempdir().expect("a placeholder temp dir");
        std::mem::replace(&mut self.home, placeholder)
    }
}

impl Drop for App {
    /// A test that failed never reached `quit`: its app, and the WebKitWebDriver under
    /// tauri-driver, must not outlive it — a left-over instance would take every later
    /// launch's single-instance hand-over (all tests share one session bus) and hang them.
    fn drop(&mut self) {
        let driver = self.driver.id();
        if let Ok(mut live) = LIVE.lock() {
            live.retain(|(d, _)| *d != driver);
        }
        kill_app(driver, self.home.path());
    }
}

/// Kills the app processes running with `home` as their `HOME` and the children of tauri-driver
/// `driver` (WebKitWebDriver).
fn kill_app(driver: Option<u32>, home: &Path) {
    let mut pids = app_pids(home);
    if let Some(d) = driver {
        pids.extend(all_pids().into_iter().filter(|p| parent_of(*p) == Some(d)));
    }
    for pid in pids {
        let _ = std::process::Command::new("kill").args(["-9", &pid.to_string()]).status();
    }
}

/// Every process id in `/proc`.
fn all_pids() -> Vec<u32> {
    let Ok(procs) = std::fs::read_dir("/proc") else { return Vec::new() };
    procs.flatten().filter_map(|e| e.file_name().to_str().and_then(|p| p.parse().ok())).collect()
}

/// The app processes running with `home` as their `HOME`.
pub fn app_pids(home: &Path) -> Vec<u32> {
    app_pids_with(&format!("HOME={}", home.display()))
}

/// The app processes whose environment holds `var` (`NAME=value`).
fn app_pids_with(var: &str) -> Vec<u32> {
    let bin = std::fs::canonicalize(app_binary()).unwrap_or_else(|_| app_binary());
    all_pids()
        .into_iter()
        .filter(|pid| {
            let dir = Path::new("/proc").join(pid.to_string());
            std::fs::read_link(dir.join("exe")).ok().as_deref() == Some(bin.as_path())
                && std::fs::read(dir.join("environ"))
                    .is_ok_and(|env| env.split(|b| *b == 0).any(|kv| kv == var.as_bytes()))
        })
        .collect()
}

/// Ends every instance of the app left on this session bus (an earlier test's, still shutting
/// down or stuck): a launch beside one is handed over to it by the single-instance plugin and
/// exits at once, and the WebDriver session waiting for it never starts. Waits up to 10 s for
/// them to end by themselves, then kills them.
async fn end_stray_instances() {
    let Some(bus) = std::env::var_os("DBUS_SESSION_BUS_ADDRESS") else { return };
    let var = format!("DBUS_SESSION_BUS_ADDRESS={}", bus.to_string_lossy());
    let deadline = Instant::now() + Duration::from_secs(10);
    while !app_pids_with(&var).is_empty() && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    for pid in app_pids_with(&var) {
        let _ = std::process::Command::new("kill").args(["-9", &pid.to_string()]).status();
    }
}

/// The parent pid of `pid`, from `/proc/PID/stat` (the field after the command's parenthesis).
fn parent_of(pid: u32) -> Option<u32> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let after = stat.rsplit_once(')')?.1;
    after.split_whitespace().nth(1)?.parse().ok()
}

/// The file in which [`quiet_browser`] notes each URL it was asked to open, one a line.
pub const BROWSER_OPENED: &str = "browser-opened.txt";

/// A "browser" that opens nothing (the simulator approves device codes by itself) and notes
/// each URL it is given in `dir/`[`BROWSER_OPENED`]; its path, for `BROWSER` (which `xdg-open`
/// and the `webbrowser` crate honour on a desktop with no default browser of its own).
pub fn quiet_browser(dir: &Path) -> String {
    let path = dir.join("browser.sh");
    let opened = dir.join(BROWSER_OPENED);
    let script = format!(
        "#!/bin/sh\nfor url in \"$@\"; do printf '%s\\n' \"$url\" >> '{}'; done\nexit 0\n",
        opened.display()
    );
    std::fs::write(&path, script).expect("write the browser stand-in");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755))
            .expect("make it executable");
    }
    path.to_string_lossy().into_owned()
}

/// POSTs JSON to the simulator's control API and returns the answer.
pub async fn sim_post(base: &str, path: &str, body: serde_json::Value) -> serde_json::Value {
    let r = http()
        .post(format!("{base}{path}"))
        .json(&body)
        .send()
        .await
        .unwrap_or_else(|e| panic!("POST {path}: {e}"));
    assert!(r.status().is_success(), "POST {path}: {}", r.status());
    r.json().await.unwrap_or(serde_json::Value::Null)
}

/// Sends one simulated EventSub event (`type` version 1) to `login`'s channel through the
/// control API; returns its message id. Panics when the simulator delivered nothing (no
/// subscription of that type for the channel).
pub async fn sim_event(base: &str, login: &str, ty: &str, event: serde_json::Value) -> String {
    let r = sim_post(
        base,
        "/_sim/events",
        serde_json::json!({"type": ty, "version": "1", "broadcaster_login": login, "event": event}),
    )
    .await;
    r["message_ids"][0]
        .as_str()
        .unwrap_or_else(|| panic!("the simulator delivered no {ty} for {login}: {r}"))
        .to_string()
}

/// GETs the simulator's `/_sim/state`.
pub async fn sim_state(base: &str) -> serde_json::Value {
    http()
        .get(format!("{base}/_sim/state"))
        .send()
        .await
        .expect("GET /_sim/state")
        .json()
        .await
        .expect("state is JSON")
}

impl App {
    /// Switches the WebDriver session to the webview whose URL contains `needle`
    /// (child webviews of streamer windows are window handles too); waits up to 30 s.
    pub async fn switch_to_webview(&self, needle: &str) {
        self.switch_to_page(needle, |url| url.contains(needle)).await
    }

    /// Switches to the home page: the app's own page that is not a streamer panel, nor a
    /// streamer window's chat message box, nor the blank page the home window shows at a cold
    /// start with a link until its page loads.
    pub async fn switch_to_home(&self) {
        let is_home = |url: &str| {
            url.starts_with("tauri://localhost")
                && !url.contains("streamer.html")
                && !url.contains("compose.html")
                && !url.contains("blank.html")
        };
        if let Some(h) = &self.main_window
            && self.client.switch_to_window(h.clone()).await.is_ok()
            && let Ok(url) = self.client.current_url().await
            && is_home(url.as_str())
        {
            return;
        }
        self.switch_to_page("the home page", is_home).await
    }

    async fn switch_to_page(&self, what: &str, pred: impl Fn(&str) -> bool) {
        let deadline = Instant::now() + Duration::from_secs(30);
        while Instant::now() < deadline {
            for h in self.client.windows().await.expect("window handles") {
                if self.client.switch_to_window(h).await.is_ok()
                    && let Ok(url) = self.client.current_url().await
                    && pred(url.as_str())
                {
                    return;
                }
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        panic!("no webview for {what} within 30 s");
    }

    /// The URLs the stand-in browser of [`Launch::sim`] was asked to open so far, in order.
    pub fn browser_opened(&self) -> Vec<String> {
        std::fs::read_to_string(self.home.path().join(BROWSER_OPENED))
            .map(|t| t.lines().map(str::to_string).collect())
            .unwrap_or_default()
    }

    /// Waits (up to 30 s) until the stand-in browser was asked to open a URL satisfying `pred`;
    /// returns it.
    pub async fn wait_for_browser(&self, pred: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + Duration::from_secs(30);
        while Instant::now() < deadline {
            if let Some(u) = self.browser_opened().into_iter().find(|u| pred(u)) {
                return u;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("the browser was never asked for such a URL; it got {:?}", self.browser_opened());
    }

    /// Waits (up to 30 s) until the app's log has a line containing `needle`; returns it.
    pub async fn wait_for_log(&self, needle: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(30);
        while Instant::now() < deadline {
            let line = self
                .log
                .lock()
                .ok()
                .and_then(|l| l.lines().find(|l| l.contains(needle)).map(str::to_string));
            if let Some(line) = line {
                return line;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("the app never logged {needle:?}");
    }

    /// Waits until `count` elements match `css`; returns them.
    pub async fn wait_for_count(
        &self,
        css: &str,
        count: usize,
    ) -> Vec<fantoccini::elements::Element> {
        let deadline = Instant::now() + Duration::from_secs(30);
        let mut last = 0;
        while Instant::now() < deadline {
            if let Ok(v) = self.client.find_all(Locator::Css(css)).await {
                if v.len() == count {
                    return v;
                }
                last = v.len();
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("{css}: expected {count} elements within 30 s, last saw {last}");
    }
}

/// The app's event store under a test home (its data directory).
pub fn event_store_path(home: &Path) -> PathBuf {
    home.join(".local/share/twitch-event-viewer/events.sqlite3")
}

/// Whether the event with this id is committed to the app's event store under `home`: read
/// through a connection of its own, as any other reader of the store would (never creates it).
pub fn event_is_stored(home: &Path, id: &str) -> bool {
    let flags =
        rusqlite::OpenFlags::SQLITE_OPEN_READ_WRITE | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let Ok(conn) = rusqlite::Connection::open_with_flags(event_store_path(home), flags) else {
        return false;
    };
    conn.query_row("SELECT 1 FROM events WHERE id = ?1", [id], |_| Ok(())).is_ok()
}

/// A fresh, empty home directory for the app (first run).
pub fn fresh_home() -> tempfile::TempDir {
    tempfile::Builder::new().prefix("tev-e2e-home-").tempdir().expect("home")
}

/// A simulator that signs `sim_viewer` in by itself: device codes are approved at once and
/// may be polled every second (what a test that is not about the login wants).
pub async fn approving_sim() -> twitch_sim::SimHandle {
    let sim = twitch_sim::spawn(twitch_sim::SimOptions::default()).await.expect("simulator");
    sim_post(
        &sim.base_url(),
        "/_sim/config",
        serde_json::json!({"auto_approve": "sim_viewer", "device_interval_secs": 1}),
    )
    .await;
    sim
}

impl Launch {
    /// The app against the simulator at `base`, in `home`, with a browser that opens nothing.
    pub fn sim(base: &str, home: tempfile::TempDir) -> Launch {
        let browser = quiet_browser(home.path());
        Launch {
            sim_base: Some(base.to_string()),
            env: vec![("BROWSER".into(), browser)],
            home: Some(home),
            args: Vec::new(),
            file_permissions_bind: false,
        }
    }

    /// The same, with one more environment variable for the app (replacing one of that name).
    pub fn with_env(mut self, key: &str, value: &str) -> Launch {
        self.env.retain(|(k, _)| k != key);
        self.env.push((key.into(), value.into()));
        self
    }

    /// The same, as a build without a bundled Client ID: the app's debug-build switch
    /// `TEV_HIDE_BUNDLED_CLIENT_ID` hides the one `.dev/test` builds in (the simulator's public
    /// client), so the first window is the setup screen, as in a build made without one.
    pub fn without_bundled_client_id(self) -> Launch {
        self.with_env("TEV_HIDE_BUNDLED_CLIENT_ID", "1")
    }
}

/// A D-Bus session bus of the test's own with no Secret Service on it, for an app that finds no
/// keychain (a desktop without GNOME Keyring, KWallet or KeePassXC). Its configuration names no
/// service directories, so D-Bus activation cannot start a keyring behind the test's back (as
/// `src-tauri/core/tests/keychain_late.rs` does it). The daemon is ended when this is dropped.
pub struct KeychainlessBus {
    /// The `dbus-daemon` serving the bus.
    daemon: std::process::Child,
    /// The bus's address, for `DBUS_SESSION_BUS_ADDRESS`.
    address: String,
    /// Holds the bus's configuration and socket until the bus ends.
    _dir: tempfile::TempDir,
}

impl KeychainlessBus {
    /// Starts the bus (`dbus-daemon`, which the README's test command has).
    pub fn start() -> KeychainlessBus {
        use std::io::BufRead;
        let dir = tempfile::Builder::new().prefix("tev-bus-").tempdir().expect("bus dir");
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
        let mut daemon = std::process::Command::new("dbus-daemon")
            .arg(format!("--config-file={}", config.display()))
            .args(["--nofork", "--print-address=1"])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .spawn()
            .expect("start dbus-daemon (apt package dbus)");
        let mut address = String::new();
        std::io::BufReader::new(daemon.stdout.take().expect("the daemon's stdout"))
            .read_line(&mut address)
            .expect("the bus address");
        let address = address.trim().to_string();
        assert!(address.starts_with("unix:"), "dbus-daemon printed {address:?}");
        KeychainlessBus { daemon, address, _dir: dir }
    }

    /// The bus's address.
    pub fn address(&self) -> &str {
        &self.address
    }
}

impl Drop for KeychainlessBus {
    fn drop(&mut self) {
        let _ = self.daemon.kill();
        let _ = self.daemon.wait();
    }
}

impl Launch {
    /// The same, on `bus`, where no Secret Service answers: the app finds no keychain.
    pub fn without_keychain(self, bus: &KeychainlessBus) -> Launch {
        self.with_env("DBUS_SESSION_BUS_ADDRESS", bus.address())
    }
}

/// A "browser" that opens nothing but writes each URL it is asked to open as a line of a file;
/// returns its path (for `BROWSER`) and the file's.
pub fn recording_browser(dir: &Path) -> (String, PathBuf) {
    let log = dir.join("browser-opened.txt");
    let path = dir.join("browser-recording.sh");
    let script = format!("#!/bin/sh\nprintf '%s\\n' \"$1\" >> '{}'\nexit 0\n", log.display());
    std::fs::write(&path, script).expect("write the browser stand-in");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755))
            .expect("make it executable");
    }
    (path.to_string_lossy().into_owned(), log)
}

/// Approves the device code `user_code` for `sim_viewer` on the simulator's activation page, as
/// the user does in the browser (the form `GET /activate` shows, posted).
pub async fn approve_device_code(base: &str, user_code: &str) {
    let r = http()
        .post(format!("{base}/activate"))
        .form(&[("user_code", user_code), ("login", "sim_viewer"), ("decision", "authorize")])
        .send()
        .await
        .expect("POST /activate");
    assert!(r.status().is_success(), "the activation page refused the code: {}", r.status());
}

/// The client ids of the live access tokens the simulator has issued (`/_sim/state`).
pub async fn sim_token_clients(base: &str) -> Vec<String> {
    let state = sim_state(base).await;
    state["tokens"]
        .as_array()
        .map(|t| t.iter().filter_map(|t| t["client_id"].as_str().map(String::from)).collect())
        .unwrap_or_default()
}

/// A fresh home whose settings name the simulator's public client, so a test starts at the
/// login panel in any build: with the bundled Client ID `.dev/test` builds in (the same one) it
/// is the built-in application; without one it is the user's own. (The journey test covers the
/// setup screen, `first_run` a fresh home.)
pub fn home_with_sim_client() -> tempfile::TempDir {
    let home = fresh_home();
    let cfg = home.path().join(".config/twitch-event-viewer");
    std::fs::create_dir_all(&cfg).expect("config dir");
    std::fs::write(cfg.join("settings.json"), r#"{"client_id":"sim-public-client"}"#)
        .expect("settings");
    home
}

impl App {
    /// Calls an app command (no arguments) through the IPC bridge of the current webview, as
    /// a page would; `Ok(result)` or `Err(message)` — e.g. a refusal for a page without the
    /// capability.
    pub async fn try_invoke(&self, command: &str) -> Result<serde_json::Value, String> {
        self.invoke(command, serde_json::json!({})).await
    }

    /// Calls an app command with `args` (camelCase keys, as the pages send them) through the IPC
    /// bridge of the current webview; `Ok(result)` or `Err(message)`.
    pub async fn invoke(
        &self,
        command: &str,
        args: serde_json::Value,
    ) -> Result<serde_json::Value, String> {
        let script = r#"
            const done = arguments[arguments.length - 1];
            const t = window.__TAURI_INTERNALS__ || {};
            if (typeof t.invoke !== "function") { done({ err: "no IPC bridge in this page" }); return; }
            t.invoke(arguments[0], arguments[1]).then((v) => done({ ok: v }), (e) => done({ err: String(e && e.message || e) }));
        "#;
        let v = self
            .client
            .execute_async(script, vec![serde_json::json!(command), args])
            .await
            .expect("run the script");
        match v.get("ok") {
            Some(ok) => Ok(ok.clone()),
            None => Err(v["err"].as_str().unwrap_or("?").to_string()),
        }
    }

    /// Clicks "Log in with Twitch" on the home window and waits until signed in (the simulator
    /// must auto-approve device codes).
    pub async fn log_in(&self) {
        self.wait_for("body[data-ready='true']").await;
        if self.client.find(Locator::Css("#setup:not([hidden])")).await.is_ok() {
            panic!(
                "the app shows the setup screen: its binary has no bundled Client ID. Build it \
                 with TEV_BUNDLED_CLIENT_ID=sim-public-client (.dev/test does), or start from \
                 home_with_sim_client()"
            );
        }
        self.wait_for("body[data-auth='signed_out']").await;
        self.wait_for("#login-button").await.click().await.expect("click Log in with Twitch");
        self.wait_for("body[data-auth='signed_in']").await;
    }
}

/// A stand-in desktop notification server (`org.freedesktop.Notifications` on the test's
/// session bus, the interface notify-rust — under tauri-plugin-notification — talks to), which
/// records what the app asks to show.
pub struct NotificationServer {
    /// Keeps the bus name (dropping it releases the name); signals go out on it.
    conn: zbus::blocking::Connection,
    shown: Arc<std::sync::Mutex<Vec<ShownNotification>>>,
}

/// One notification the app asked to show.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShownNotification {
    /// The id this server gave it.
    pub id: u32,
    pub app_name: String,
    pub summary: String,
    pub body: String,
    /// Action ids and labels, flattened as the specification sends them.
    pub actions: Vec<String>,
}

struct NotificationsIface {
    shown: Arc<std::sync::Mutex<Vec<ShownNotification>>>,
    next_id: u32,
}

// The method names and signatures of the Desktop Notifications Specification 1.2.
#[zbus::interface(name = "org.freedesktop.Notifications")]
impl NotificationsIface {
    #[allow(clippy::too_many_arguments)]
    fn notify(
        &mut self,
        app_name: String,
        _replaces_id: u32,
        _app_icon: String,
        summary: String,
        body: String,
        actions: Vec<String>,
        _hints: std::collections::HashMap<String, zbus::zvariant::OwnedValue>,
        _expire_timeout: i32,
    ) -> u32 {
        self.next_id += 1;
        if let Ok(mut v) = self.shown.lock() {
            v.push(ShownNotification { id: self.next_id, app_name, summary, body, actions });
        }
        self.next_id
    }

    fn get_capabilities(&self) -> Vec<String> {
        vec!["body".into()]
    }

    fn get_server_information(&self) -> (String, String, String, String) {
        ("tev-e2e".into(), "tev".into(), "1".into(), "1.2".into())
    }

    fn close_notification(&self, _id: u32) {}
}

impl NotificationServer {
    /// Takes the notification server's name on the session bus (the test runs inside
    /// `dbus-run-session`, as the README's test command does).
    pub fn start() -> NotificationServer {
        let shown = Arc::new(std::sync::Mutex::new(Vec::new()));
        let iface = NotificationsIface { shown: shown.clone(), next_id: 0 };
        let conn = zbus::blocking::connection::Builder::session()
            .and_then(|b| b.name("org.freedesktop.Notifications"))
            .and_then(|b| b.serve_at("/org/freedesktop/Notifications", iface))
            .and_then(|b| b.build())
            .expect(
                "own org.freedesktop.Notifications on the session bus (run under dbus-run-session)",
            );
        NotificationServer { conn, shown }
    }

    /// The user clicks the notification: the server sends `ActionInvoked(id, "default")`, the
    /// specification's action for a click on the notification itself.
    pub fn click(&self, id: u32) {
        self.conn
            .emit_signal(
                None::<()>,
                "/org/freedesktop/Notifications",
                "org.freedesktop.Notifications",
                "ActionInvoked",
                &(id, "default"),
            )
            .expect("send ActionInvoked");
    }

    /// Everything shown so far.
    pub fn shown(&self) -> Vec<ShownNotification> {
        self.shown.lock().map(|v| v.clone()).unwrap_or_default()
    }

    /// Waits (up to 30 s) for a notification whose summary satisfies `pred`.
    pub async fn wait_for(&self, pred: impl Fn(&ShownNotification) -> bool) -> ShownNotification {
        let deadline = Instant::now() + Duration::from_secs(30);
        while Instant::now() < deadline {
            if let Some(n) = self.shown().into_iter().find(|n| pred(n)) {
                return n;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("no such notification within 30 s; shown: {:?}", self.shown());
    }
}
