//! A program under test, launched as the E2E harness launches the app: through
//! tauri-driver/WebKitWebDriver, with a throw-away `HOME` (its own config, data, cache and
//! keychain service), so the app and the baseline pay the same automation overhead. Also the
//! WebDriver side of a page the harness needs everywhere: switching webviews, running a script,
//! reading the page's timing, and the hook that lets a profiler look inside at fixed points.

use crate::procfs;
use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};
use tev_e2e::quiet_browser;
use tokio::process::{Child, Command};

/// The program `name` in the release target directory, or the path in the variable `env`.
pub fn binary(env: &str, name: &str) -> PathBuf {
    match std::env::var_os(env) {
        Some(p) => PathBuf::from(p),
        None => tev_e2e::target_dir().join("release").join(name),
    }
}

/// A loopback port nobody listens on now.
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free loopback port")
}

/// A program under test, running.
pub struct Running {
    /// The WebDriver session; closing it ends the program.
    client: Client,
    /// tauri-driver (which runs WebKitWebDriver, which runs the program).
    driver: Child,
    /// The program's process id.
    pub pid: u32,
}

/// Where the app of `home` records when each EventSub frame arrived (latency.rs reads it).
pub fn arrivals_file(home: &Path) -> PathBuf {
    home.join("frame-arrivals.txt")
}

/// The environment of a throw-away home (as the E2E harness sets it).
fn home_env(home: &Path, sim_base: Option<&str>) -> Vec<(String, String)> {
    let p = |s: &str| home.join(s).to_string_lossy().into_owned();
    let mut env = vec![
        ("HOME".to_string(), home.to_string_lossy().into_owned()),
        ("XDG_CONFIG_HOME".into(), p(".config")),
        ("XDG_DATA_HOME".into(), p(".local/share")),
        ("XDG_CACHE_HOME".into(), p(".cache")),
        // `TEV_BENCH_APP_LOG` gives the programs another filter (e.g. `debug` for a timeline of
        // the start-up on stderr); quiet by default so logging costs nothing measured.
        ("TEV_LOG".into(), std::env::var("TEV_BENCH_APP_LOG").unwrap_or_else(|_| "warn".into())),
        (
            "TEV_KEYCHAIN_SERVICE".into(),
            format!(
                "tev-bench-{}",
                home.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default()
            ),
        ),
        ("BROWSER".into(), quiet_browser(home)),
        // Each frame's arrival on the app's socket, for the latency's split (the baseline has
        // no socket and ignores it).
        ("TEV_BENCH_ARRIVALS".into(), arrivals_file(home).to_string_lossy().into_owned()),
    ];
    if let Some(b) = sim_base {
        env.push(("TEV_TWITCH_BASE_URL".into(), b.to_string()));
    }
    env
}

/// Starts tauri-driver for `bin` on `home` (talking to the simulator at `sim_base`, if any) and
/// opens a WebDriver session, which starts the program; returns once its process is found.
pub async fn launch(bin: &Path, home: &Path, sim_base: Option<&str>, args: &[&str]) -> Running {
    assert!(bin.exists(), "{} is missing: tests/perf/run builds it", bin.display());
    let port = free_port();
    let native_port = free_port();
    let driver = Command::new(tev_e2e_driver())
        .arg("--port")
        .arg(port.to_string())
        .arg("--native-port")
        .arg(native_port.to_string())
        .env_remove("TEV_TWITCH_BASE_URL")
        .envs(home_env(home, sim_base))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .kill_on_drop(true)
        .spawn()
        .expect("start tauri-driver (cargo install tauri-driver --locked)");
    let caps: serde_json::Map<String, Value> = serde_json::from_value(json!({
        "browserName": "wry",
        "tauri:options": { "application": bin.to_string_lossy(), "args": args }
    }))
    .expect("capabilities");
    let url = format!("http://127.0.0.1:{port}");
    let deadline = Instant::now() + Duration::from_secs(60);
    let client = loop {
        match ClientBuilder::new(HttpConnector::new())
            .capabilities(caps.clone())
            .connect(&url)
            .await
        {
            Ok(c) => break c,
            Err(e) if Instant::now() < deadline => {
                let _ = e;
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            Err(e) => panic!("no WebDriver session within 60 s: {e}"),
        }
    };
    let deadline = Instant::now() + Duration::from_secs(10);
    let pid = loop {
        if let Some(p) = procfs::find_by_exe(bin) {
            break p;
        }
        assert!(Instant::now() < deadline, "no process runs {}", bin.display());
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    Running { client, driver, pid }
}

/// tauri-driver: `$TAURI_DRIVER`, else cargo's install of it, else the one on the `PATH`.
fn tev_e2e_driver() -> PathBuf {
    if let Some(p) = std::env::var_os("TAURI_DRIVER") {
        return PathBuf::from(p);
    }
    match std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo/bin/tauri-driver")) {
        Some(p) if p.exists() => p,
        _ => PathBuf::from("tauri-driver"),
    }
}

/// Launches the baseline on a throw-away home (kept as long as the returned directory lives).
pub async fn launch_baseline() -> (Running, tempfile::TempDir) {
    let bin = binary("TEV_BASELINE_BINARY", "tev-bench-baseline");
    let home = tempfile::Builder::new().prefix("tev-bench-base-").tempdir().expect("home");
    (launch(&bin, home.path(), None, &[]).await, home)
}

/// The home page's address: not a panel's, not a message box's, and not the blank page the home
/// window shows at a cold start with a link until the panel is on screen (`src-tauri/src/home.rs`).
pub fn is_home_page(u: &str) -> bool {
    u.starts_with("tauri://localhost")
        && !u.contains("streamer.html")
        && !u.contains("blank.html")
        && !u.contains("compose.html")
}

/// Runs `$TEV_BENCH_HOOK` (a shell command; unset: nothing) at a point of the run, with
/// `TEV_BENCH_POINT` (`idle-baseline`, `idle-app`, `before-growth`, `mid-growth` after the
/// burst's first 10,000 events, `after-growth`) and
/// `TEV_BENCH_PIDS` (the program and its descendants, comma-separated) in its environment, and
/// waits for it (the idle window's time includes it). For looking inside at that moment, e.g.
/// `perf record -g -p "$TEV_BENCH_PIDS" -- sleep 55 &` at the idle points (in the background),
/// or `gdb -p PID -batch -ex 'call (int)malloc_trim(0)'` after the growth.
pub async fn hook(point: &str, pid: u32) {
    let Ok(cmd) = std::env::var("TEV_BENCH_HOOK") else { return };
    let pids: Vec<String> = procfs::tree(pid).keys().map(u32::to_string).collect();
    let status = Command::new("sh")
        .args(["-c", &cmd])
        .env("TEV_BENCH_POINT", point)
        .env("TEV_BENCH_PIDS", pids.join(","))
        .status()
        .await;
    eprintln!("hook at {point}: {status:?}");
}

impl Running {
    /// Ends the WebDriver session (which ends the program), waits up to 10 s for the program to
    /// be gone, and stops tauri-driver.
    pub async fn quit(mut self) {
        let _ = self.client.clone().close().await;
        let deadline = Instant::now() + Duration::from_secs(10);
        while procfs::sample(self.pid).is_some() && Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let _ = self.driver.kill().await;
    }

    /// Waits up to `secs` for an element of the current webview; panics if none comes.
    pub async fn wait_for(&self, css: &str, secs: u64) {
        self.client
            .wait()
            .at_most(Duration::from_secs(secs))
            .for_element(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("{css} did not appear within {secs} s: {e}"));
    }

    /// Waits for an element of the current webview, then clicks it.
    pub async fn click(&self, css: &str) {
        self.wait_for(css, 30).await;
        self.client
            .find(Locator::Css(css))
            .await
            .expect("element")
            .click()
            .await
            .unwrap_or_else(|e| panic!("click {css}: {e}"));
    }

    /// Switches to the webview whose URL satisfies `pred`; returns its URL.
    pub async fn switch_to(&self, what: &str, pred: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + Duration::from_secs(30);
        while Instant::now() < deadline {
            for h in self.client.windows().await.expect("window handles") {
                if self.client.switch_to_window(h).await.is_ok()
                    && let Ok(url) = self.client.current_url().await
                    && pred(url.as_str())
                {
                    return url.to_string();
                }
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("no webview for {what} within 30 s");
    }

    /// Runs `script` in the current webview and returns what it returns.
    pub async fn js(&self, script: &str) -> Value {
        self.client.execute(script, vec![]).await.unwrap_or_else(|e| panic!("script: {e}"))
    }

    /// Installs (once) an observer that records, in page time, when `cond` (a JS expression)
    /// first holds and when the second animation frame after it runs (that frame's paint shows
    /// the change); returns the marks so far: `installed` (absent if `cond` already held when the
    /// script first ran: then `ready` is only an upper bound), `ready`, `painted`, `origin`.
    /// What could keep a page painting while idle: running animations, the focused element
    /// (a text caret blinks), whether the page has focus or is hidden.
    pub async fn idle_state(&self) -> Value {
        self.js("return { animations: document.getAnimations().map(a => [a.animationName || \
               a.transitionProperty || a.constructor.name, a.playState,\
               a.effect && a.effect.target && (a.effect.target.id || a.effect.target.className)]),\
               active: document.activeElement && (document.activeElement.tagName + '#' +\
               document.activeElement.id), focus: document.hasFocus(), hidden: document.hidden };")
            .await
    }

    /// The page's timing: time origin (epoch ms), paint, resource and mark entries and the
    /// navigation's steps (relative to the origin; the pages mark their start-up steps) and
    /// which entry types this WebKit supports.
    pub async fn page_timing(&self) -> Value {
        self.js(
            "return { origin: performance.timeOrigin, now: performance.now(), url: location.href,\
               paint: performance.getEntriesByType('paint').map(e => [e.name, e.startTime]),\
               res: performance.getEntriesByType('resource').map(e => [e.name, e.responseEnd]),\
               marks: performance.getEntriesByType('mark').map(e => [e.name, e.startTime]),\
               nav: performance.getEntriesByType('navigation').map(n => [['fetch', n.fetchStart],\
                 ['response', n.responseStart], ['html', n.responseEnd],\
                 ['interactive', n.domInteractive], ['dcl', n.domContentLoadedEventStart]])[0],\
               types: (window.PerformanceObserver && PerformanceObserver.supportedEntryTypes) || [] };",
        )
        .await
    }
}
