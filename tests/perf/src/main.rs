//! `tev-bench`: the release app against a hello-world Tauri app of the same Tauri version
//! (tests/bench-baseline), side by side in one run — memory, start-up, idle cost, event latency
//! and growth. Run it with `tests/perf/run` (builds both in release, starts Xvfb, a session bus
//! and a keyring); BENCHMARKS.md has the figures and how to read them.
//!
//! Both programs are launched the same way, through tauri-driver/WebKitWebDriver (the E2E
//! harness's path), with a throw-away `HOME`, so each side pays the same automation overhead;
//! the WebDriver session only reads `performance` entries and clicks, and stays silent while
//! memory and idle cost are measured.

mod procfs;

use fantoccini::{Client, ClientBuilder, Locator};
use procfs::Sample;
use serde_json::{Value, json};
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};
use tev_e2e::{quiet_browser, sim_post, sim_state};
use tokio::process::{Child, Command};

/// Command-line options (all optional).
struct Opts {
    /// How many times the whole comparison runs (each run: baseline, then app).
    runs: usize,
    /// Length of the idle window, seconds.
    idle_secs: u64,
    /// Events sent for the growth measurement (after the first 1,000).
    growth_events: usize,
    /// Reconnects (`session_reconnect`) during the growth measurement.
    growth_reconnects: usize,
    /// Skip the growth measurement.
    skip_growth: bool,
    /// Seconds after the growth burst for a second reading (what the app keeps once quiet).
    growth_settle_secs: u64,
    /// Skip the latency measurement.
    skip_latency: bool,
    /// Start-ups of each kind in the interleaved series at the end of a run (baseline, app's
    /// home, app's streamer window by a link, in turn); 0 skips it.
    startup_rounds: usize,
}

impl Opts {
    fn parse() -> Opts {
        let mut o = Opts {
            runs: 3,
            idle_secs: 60,
            growth_events: 100_000,
            growth_reconnects: 1_000,
            skip_growth: false,
            growth_settle_secs: 60,
            skip_latency: false,
            startup_rounds: 5,
        };
        let args: Vec<String> = std::env::args().skip(1).collect();
        let mut i = 0;
        while i < args.len() {
            let val = |i: usize| -> u64 {
                args.get(i + 1).and_then(|v| v.parse().ok()).unwrap_or_else(|| {
                    eprintln!("{} needs a number", args[i]);
                    std::process::exit(2)
                })
            };
            match args[i].as_str() {
                "--runs" => o.runs = val(i) as usize,
                "--idle-secs" => o.idle_secs = val(i),
                "--growth-events" => o.growth_events = val(i) as usize,
                "--growth-reconnects" => o.growth_reconnects = val(i) as usize,
                "--growth-settle-secs" => o.growth_settle_secs = val(i),
                "--startup-rounds" => o.startup_rounds = val(i) as usize,
                "--skip-growth" => {
                    o.skip_growth = true;
                    i -= 1;
                }
                "--skip-latency" => {
                    o.skip_latency = true;
                    i -= 1;
                }
                other => {
                    eprintln!(
                        "unknown option {other}; options: --runs N --idle-secs N \
                         --growth-events N --growth-reconnects N --growth-settle-secs N \
                         --startup-rounds N --skip-growth --skip-latency"
                    );
                    std::process::exit(2)
                }
            }
            i += 2;
        }
        o
    }
}

fn now_ms() -> f64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs_f64() * 1000.0).unwrap_or(0.0)
}

fn binary(env: &str, name: &str) -> PathBuf {
    match std::env::var_os(env) {
        Some(p) => PathBuf::from(p),
        None => tev_e2e::target_dir().join("release").join(name),
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free loopback port")
}

// ---------------------------------------------------------------------------------------------
// Launching a program under WebDriver

/// A program under test, running.
struct Running {
    /// The WebDriver session; closing it ends the program.
    client: Client,
    /// tauri-driver (which runs WebKitWebDriver, which runs the program).
    driver: Child,
    /// The program's process id.
    pid: u32,
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
    ];
    if let Some(b) = sim_base {
        env.push(("TEV_TWITCH_BASE_URL".into(), b.to_string()));
    }
    env
}

async fn launch(bin: &Path, home: &Path, sim_base: Option<&str>, args: &[&str]) -> Running {
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
        match ClientBuilder::rustls()
            .expect("rustls")
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

fn tev_e2e_driver() -> PathBuf {
    if let Some(p) = std::env::var_os("TAURI_DRIVER") {
        return PathBuf::from(p);
    }
    match std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo/bin/tauri-driver")) {
        Some(p) if p.exists() => p,
        _ => PathBuf::from("tauri-driver"),
    }
}

impl Running {
    async fn quit(mut self) {
        let _ = self.client.clone().close().await;
        let deadline = Instant::now() + Duration::from_secs(10);
        while procfs::sample(self.pid).is_some() && Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let _ = self.driver.kill().await;
    }

    async fn wait_for(&self, css: &str, secs: u64) {
        self.client
            .wait()
            .at_most(Duration::from_secs(secs))
            .for_element(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("{css} did not appear within {secs} s: {e}"));
    }

    async fn click(&self, css: &str) {
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
    async fn switch_to(&self, what: &str, pred: impl Fn(&str) -> bool) -> String {
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

    async fn js(&self, script: &str) -> Value {
        self.client.execute(script, vec![]).await.unwrap_or_else(|e| panic!("script: {e}"))
    }

    /// Installs (once) an observer that records, in page time, when `cond` (a JS expression)
    /// first holds and when the second animation frame after it runs (that frame's paint shows
    /// the change); returns the marks so far: `installed` (absent if `cond` already held when the
    /// script first ran: then `ready` is only an upper bound), `ready`, `painted`, `origin`.
    async fn mark_when(&self, cond: &str) -> Value {
        self.js(&format!(
            "const m = window.__mark || (window.__mark = {{ origin: performance.timeOrigin }});\
             const rec = () => {{\
               if (m.ready === undefined && ({cond})) {{\
                 m.ready = performance.now();\
                 requestAnimationFrame(() => requestAnimationFrame(() => {{ m.painted = performance.now(); }}));\
               }}\
             }};\
             if (!m.observing) {{\
               m.observing = true; rec();\
               if (m.ready === undefined) {{\
                 m.installed = performance.now();\
                 new MutationObserver(rec).observe(document.documentElement,\
                   {{ attributes: true, childList: true, subtree: true }});\
               }}\
             }}\
             return m;"
        ))
        .await
    }

    /// Polls [`Running::mark_when`] until the paint after `cond` is recorded; returns
    /// (ready, painted, exact) in epoch ms, `exact` false when the condition already held when
    /// first checked (then both are upper bounds).
    async fn painted_when(&self, cond: &str) -> (f64, f64, bool) {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let m = self.mark_when(cond).await;
            if let (Some(o), Some(r), Some(p)) =
                (m["origin"].as_f64(), m["ready"].as_f64(), m["painted"].as_f64())
            {
                return (o + r, o + p, m.get("installed").is_some());
            }
            assert!(Instant::now() < deadline, "{cond} never held: {m}");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// Milliseconds from `start` to the paint that shows the page's data: from the page's own
    /// marks when it has them (exact), else observed through WebDriver once `cond` holds (exact
    /// only if the observer was in place before). Prints both.
    async fn data_painted(&self, what: &str, cond: &str, start: f64) -> (f64, bool) {
        let (_, painted, exact) = self.painted_when(cond).await;
        let marks = self.own_marks().await;
        eprintln!(
            "app {what} ready → painted: observed {:.0} ms (exact: {exact}), page's marks {:?}",
            painted - start,
            marks.map(|(r, p, fcp)| (r - start, p - start, fcp.map(|f| f - start)))
        );
        match marks {
            Some((ready, p, fcp)) => (data_paint(ready, p, fcp) - start, true),
            None => (painted - start, exact),
        }
    }

    /// The page's own start-up marks (`markPainted` in `ui/js/ipc.js`): when it showed its data
    /// and the second animation frame after that, and its first contentful paint if any, in
    /// epoch ms; waits for the marks up to 60 s. Exact even when WebDriver reaches the page late
    /// (the page records them itself).
    async fn own_marks(&self) -> Option<(f64, f64, Option<f64>)> {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let m = self
                .js("const g = (n, t) => { const e = performance.getEntriesByName(n, t)[0];\
                       return e ? performance.timeOrigin + e.startTime : null; };\
                     return [g('tev:ready', 'mark'), g('tev:painted', 'mark'),\
                       g('first-contentful-paint', 'paint')];")
                .await;
            if let (Some(r), Some(p)) = (m[0].as_f64(), m[1].as_f64()) {
                return Some((r, p, m[2].as_f64()));
            }
            if Instant::now() > deadline {
                return None;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// What could keep a page painting while idle: running animations, the focused element
    /// (a text caret blinks), whether the page has focus or is hidden.
    async fn idle_state(&self) -> Value {
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
    async fn page_timing(&self) -> Value {
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

// ---------------------------------------------------------------------------------------------
// Memory and CPU figures

/// Which part of a program a process belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
enum Part {
    /// The program's own process.
    Main,
    /// WebKit's network process (shared by all webviews of the program).
    Network,
    /// The web process of a page of the program itself (home window, events panel).
    OwnPage,
    /// The web process of Twitch's player embed.
    Player,
    /// The web process of Twitch's chat embed.
    Chat,
    /// A web process not (yet) attributed.
    OtherWeb,
    /// Anything else in the tree (sandbox helpers).
    Other,
}

impl Part {
    fn own(self) -> bool {
        matches!(self, Part::Main | Part::Network | Part::OwnPage | Part::OtherWeb | Part::Other)
    }
}

/// Web process pid → the page it renders (from the probe at the end of an app run).
type Attribution = HashMap<u32, Part>;

/// Recognises a webview by its URL.
type UrlPredicate = fn(&str) -> bool;

fn part_of(root: u32, s: &Sample, attr: &Attribution) -> Part {
    if s.pid == root {
        Part::Main
    } else if s.name.contains("WebKitNetworkProcess") {
        Part::Network
    } else if s.name.contains("WebKitWebProcess") {
        attr.get(&s.pid).copied().unwrap_or(Part::OtherWeb)
    } else {
        Part::Other
    }
}

/// Sums (RSS, PSS, USS) KiB per part.
fn memory_by_part(
    root: u32,
    snap: &BTreeMap<u32, Sample>,
    attr: &Attribution,
) -> BTreeMap<Part, Mem> {
    let mut m = BTreeMap::new();
    for s in snap.values() {
        let e = m.entry(part_of(root, s, attr)).or_insert((0, 0, 0));
        e.0 += s.rss_kib;
        e.1 += s.pss_kib;
        e.2 += s.uss_kib;
    }
    m
}

/// (RSS, PSS, USS), KiB.
type Mem = (u64, u64, u64);

fn own_total(m: &BTreeMap<Part, Mem>) -> Mem {
    m.iter().filter(|(p, _)| p.own()).fold((0, 0, 0), |a, (_, v)| (a.0 + v.0, a.1 + v.1, a.2 + v.2))
}

fn mib(kib: u64) -> f64 {
    kib as f64 / 1024.0
}

/// Idle cost per part: (CPU ms, voluntary switches, involuntary switches) over the window.
fn idle_by_part(
    root: u32,
    before: &BTreeMap<u32, Sample>,
    after: &BTreeMap<u32, Sample>,
    attr: &Attribution,
) -> BTreeMap<Part, (f64, u64, u64)> {
    let mut m = BTreeMap::new();
    for (pid, a) in after {
        let b = before.get(pid);
        let e = m.entry(part_of(root, a, attr)).or_insert((0.0, 0, 0));
        e.0 += procfs::cpu_ns_between(b, a) as f64 / 1e6;
        let (v, i) = procfs::switches_between(b, a);
        e.1 += v;
        e.2 += i;
    }
    m
}

/// Voluntary switches between two readings, taken per thread (a thread new since `before`
/// counts in full, one that ended is not seen) and summed by thread name; most first, zeros
/// left out. (Summing by name first would let a pool thread that ended cancel the switches of
/// the others of its name.)
fn wakeups_by_thread(
    before: &BTreeMap<u32, (String, u64)>,
    after: &BTreeMap<u32, (String, u64)>,
) -> Vec<(String, u64)> {
    let mut by_name: BTreeMap<&str, u64> = BTreeMap::new();
    for (tid, (name, a)) in after {
        let b = before.get(tid).map_or(0, |(_, b)| *b);
        *by_name.entry(name).or_insert(0) += a.saturating_sub(b);
    }
    let mut v: Vec<(String, u64)> =
        by_name.into_iter().filter(|(_, d)| *d > 0).map(|(n, d)| (n.to_string(), d)).collect();
    v.sort_by_key(|e| std::cmp::Reverse(e.1));
    v
}

/// Thread wake-ups (by name) of every process in `snap`, keyed by pid.
fn tree_thread_wakeups(
    snap: &BTreeMap<u32, Sample>,
) -> BTreeMap<u32, BTreeMap<u32, (String, u64)>> {
    snap.keys().map(|pid| (*pid, procfs::thread_wakeups(*pid))).collect()
}

/// Wake-ups by thread name over the idle window of each process that is not the main one
/// (web and network processes), labelled by part and pid, most first.
fn child_wakeups(
    root: u32,
    snap: &BTreeMap<u32, Sample>,
    before: &BTreeMap<u32, BTreeMap<u32, (String, u64)>>,
    after: &BTreeMap<u32, BTreeMap<u32, (String, u64)>>,
    attr: &Attribution,
) -> Vec<(String, Vec<(String, u64)>)> {
    snap.values()
        .filter(|s| s.pid != root)
        .filter_map(|s| {
            let (b, a) = (before.get(&s.pid)?, after.get(&s.pid)?);
            Some((format!("{:?} {}", part_of(root, s, attr), s.pid), wakeups_by_thread(b, a)))
        })
        .collect()
}

fn describe_tree(root: u32, snap: &BTreeMap<u32, Sample>, attr: &Attribution) -> String {
    snap.values()
        .map(|s| {
            format!(
                "    {:>7} {:<22} {:?}: RSS {:.1} MiB, PSS {:.1} MiB, USS {:.1} MiB",
                s.pid,
                s.name,
                part_of(root, s, attr),
                mib(s.rss_kib),
                mib(s.pss_kib),
                mib(s.uss_kib)
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

// ---------------------------------------------------------------------------------------------
// Start-up

/// Milliseconds from the process start to the page's `first-contentful-paint` (else
/// `first-paint`). (The app's IPC calls do not show up as resource entries in WebKitGTK, so
/// "painted with its data" is observed with [`Running::painted_when`] instead.)
fn first_paint(timing: &Value, start_ms: f64) -> Option<f64> {
    let origin = timing["origin"].as_f64().unwrap_or(0.0);
    let paint = |n: &str| timing_entry(timing, "paint", n, origin, start_ms);
    paint("first-contentful-paint").or_else(|| paint("first-paint"))
}

/// The entry `name` of the list `list` (`paint`, `marks`, `nav`: `[name, ms]` pairs relative to
/// the page's time origin) of [`Running::page_timing`], in ms from `start_ms` (epoch ms).
fn timing_entry(timing: &Value, list: &str, name: &str, origin: f64, start_ms: f64) -> Option<f64> {
    timing[list]
        .as_array()?
        .iter()
        .find(|e| e[0] == name)
        .and_then(|e| e[1].as_f64())
        .map(|ms| origin + ms - start_ms)
}

// ---------------------------------------------------------------------------------------------
// Results

/// One program's figures in one run.
#[derive(Default, Debug)]
struct Figures {
    /// CPU ms of each own part during the growth burst.
    growth_cpu: Vec<(Part, f64)>,
    /// Start → first contentful paint of the first window, ms.
    first_paint_ms: Option<f64>,
    /// Start → paint after the home window's data is shown (`body[data-ready]`; app only), ms.
    home_ready_ms: Option<f64>,
    /// Whether `home_ready_ms` was observed as it happened (else an upper bound).
    home_ready_exact: bool,
    /// Whether `streamer_events_ms` was observed as it happened (else an upper bound).
    streamer_events_exact: bool,
    /// Start (with a watch link) → streamer panel's first paint, ms (app only).
    streamer_paint_ms: Option<f64>,
    /// Start (with a watch link) → paint after the streamer panel shows its stored events, ms
    /// (app only).
    streamer_events_ms: Option<f64>,
    /// Memory per part with the first window (home) open.
    mem_home: BTreeMap<Part, Mem>,
    /// Memory per part with the streamer window open.
    mem_streamer: BTreeMap<Part, Mem>,
    /// Idle cost per part over the idle window.
    idle: BTreeMap<Part, (f64, u64, u64)>,
    /// Wake-ups of the main process's threads over the idle window, by thread name, most first.
    idle_threads: Vec<(String, u64)>,
    /// Wake-ups of the other processes' threads over the idle window: (part and pid, by thread).
    idle_child_threads: Vec<(String, Vec<(String, u64)>)>,
    /// Idle window, seconds.
    idle_secs: f64,
    /// Own part (RSS KiB) after the first 1,000 events and after all events and reconnects.
    /// Own part's RSS (KiB) after the first 1,000 events, after the burst, and that many
    /// seconds later; events sent; reconnects.
    growth: Option<(u64, u64, u64, u64, usize, usize)>,
    /// Latency per rate: (events/s, sent, seen in the DOM, p50 ms, p99 ms, max ms).
    latency: Vec<(u32, usize, usize, f64, f64, f64)>,
    /// The interleaved start-ups (app only): (baseline's first contentful paint, app's home
    /// painted with its data, app's panel painted with its stored events by a link), ms.
    startup_rounds: Vec<(f64, f64, f64)>,
}

fn fmt_opt(v: Option<f64>) -> String {
    v.map(|v| format!("{v:.0}")).unwrap_or_else(|| "—".into())
}

fn ratio(a: f64, b: f64) -> String {
    if b > 0.0 { format!("{:.2}×", a / b) } else { "—".into() }
}

/// Runs `$TEV_BENCH_HOOK` (a shell command; unset: nothing) at a point of the run, with
/// `TEV_BENCH_POINT` (`idle-baseline`, `idle-app`, `before-growth`, `mid-growth` after the
/// burst's first 10,000 events, `after-growth`) and
/// `TEV_BENCH_PIDS` (the program and its descendants, comma-separated) in its environment, and
/// waits for it (the idle window's time includes it). For looking inside at that moment, e.g.
/// `perf record -g -p "$TEV_BENCH_PIDS" -- sleep 55 &` at the idle points (in the background),
/// or `gdb -p PID -batch -ex 'call (int)malloc_trim(0)'` after the growth.
async fn hook(point: &str, pid: u32) {
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

// ---------------------------------------------------------------------------------------------
// The baseline

/// Milliseconds from the baseline's process start to its first contentful paint.
async fn baseline_first_paint(app: &Running) -> Option<f64> {
    let btime = procfs::boot_time().expect("btime");
    let start = procfs::start_epoch_ms(&procfs::sample(app.pid).expect("baseline runs"), btime);
    app.wait_for("h1", 30).await;
    // The heading can be in the DOM before the first paint: wait for the paint entry.
    let mut timing = app.page_timing().await;
    let deadline = Instant::now() + Duration::from_secs(30);
    while first_paint(&timing, 0.0).is_none() && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
        timing = app.page_timing().await;
    }
    eprintln!("baseline timing: {timing}");
    first_paint(&timing, start)
}

/// Launches the baseline on a throw-away home (kept as long as the returned directory lives).
async fn launch_baseline() -> (Running, tempfile::TempDir) {
    let bin = binary("TEV_BASELINE_BINARY", "tev-bench-baseline");
    let home = tempfile::Builder::new().prefix("tev-bench-base-").tempdir().expect("home");
    (launch(&bin, home.path(), None, &[]).await, home)
}

async fn run_baseline(opts: &Opts) -> Figures {
    let (app, _home) = launch_baseline().await;
    let fcp = baseline_first_paint(&app).await;
    let mut f = Figures { first_paint_ms: fcp, ..Figures::default() };
    tokio::time::sleep(Duration::from_secs(3)).await;
    let none = Attribution::new();
    let snap = procfs::tree(app.pid);
    eprintln!("baseline processes:\n{}", describe_tree(app.pid, &snap, &none));
    f.mem_home = memory_by_part(app.pid, &snap, &none);
    f.mem_streamer = f.mem_home.clone();
    let before = procfs::tree(app.pid);
    let threads_before = procfs::thread_wakeups(app.pid);
    let children_before = tree_thread_wakeups(&before);
    let t0 = Instant::now();
    hook("idle-baseline", app.pid).await;
    tokio::time::sleep(Duration::from_secs(opts.idle_secs).saturating_sub(t0.elapsed())).await;
    let after = procfs::tree(app.pid);
    f.idle_secs = t0.elapsed().as_secs_f64();
    f.idle_threads = wakeups_by_thread(&threads_before, &procfs::thread_wakeups(app.pid));
    f.idle_child_threads =
        child_wakeups(app.pid, &after, &children_before, &tree_thread_wakeups(&after), &none);
    f.idle = idle_by_part(app.pid, &before, &after, &none);
    app.quit().await;
    f
}

// ---------------------------------------------------------------------------------------------
// The app

const CHANNEL: &str = "lumenforge";

async fn connected_session(base: &str, not: Option<&str>) -> String {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let st = sim_state(base).await;
        if let Some(id) = st["sessions"].as_array().and_then(|v| {
            v.iter()
                .rev()
                .find(|s| {
                    s["status"] == "connected"
                        && s["subscriptions"].as_u64() > Some(0)
                        && s["id"].as_str() != not
                })
                .and_then(|s| s["id"].as_str().map(str::to_string))
        }) {
            return id;
        }
        assert!(Instant::now() < deadline, "no connected session with subscriptions");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Sends `count` events of a kind that makes a row; returns their message ids.
async fn send_rows(base: &str, count: usize, notice: &str) -> Vec<String> {
    let r = sim_post(
        base,
        "/_sim/events",
        json!({"type": "channel.chat.notification", "version": "1", "broadcaster_login": CHANNEL,
               "event": {"notice_type": notice}, "count": count}),
    )
    .await;
    r["message_ids"]
        .as_array()
        .map(|v| v.iter().filter_map(|i| i.as_str().map(str::to_string)).collect())
        .unwrap_or_default()
}

/// Waits until the panel shows the row `id` (the current webview must be the panel).
async fn wait_row(app: &Running, id: &str, secs: u64) {
    app.wait_for(&format!("#events > li[data-id='{id}']"), secs).await;
}

/// Settles, then samples the tree.
async fn settled_tree(pid: u32, secs: u64) -> BTreeMap<u32, Sample> {
    tokio::time::sleep(Duration::from_secs(secs)).await;
    procfs::tree(pid)
}

/// The home page's address: not a panel's, and not the blank page the home window shows at a
/// cold start with a link until the panel is on screen (`src-tauri/src/home.rs`).
fn is_home_page(u: &str) -> bool {
    u.starts_with("tauri://localhost") && !u.contains("streamer.html") && !u.contains("blank.html")
}

/// Finds which web process renders which page: each page in turn allocates and touches 128 MiB,
/// the process that grows by it is that page's; the buffer is dropped afterwards. Run last.
async fn attribute(app: &Running) -> Attribution {
    let mut attr = Attribution::new();
    let pages: [(&str, Part, UrlPredicate); 4] = [
        ("home", Part::OwnPage, is_home_page),
        ("panel", Part::OwnPage, |u| u.contains("streamer.html")),
        ("player", Part::Player, |u| u.contains("embed/player")),
        ("chat", Part::Chat, |u| u.contains("embed/chat")),
    ];
    for (what, part, pred) in pages {
        app.switch_to(what, pred).await;
        let before = procfs::tree(app.pid);
        let _ = app
            .js("window.__probe = new Uint8Array(128 << 20); \
                 for (let i = 0; i < window.__probe.length; i += 4096) window.__probe[i] = 1; \
                 return window.__probe.length;")
            .await;
        let after = procfs::tree(app.pid);
        let grew = after
            .values()
            .filter(|s| s.name.contains("WebKitWebProcess"))
            .map(|s| (s.rss_kib.saturating_sub(before.get(&s.pid).map_or(0, |b| b.rss_kib)), s.pid))
            .max();
        match grew {
            Some((d, pid)) if d > 64 * 1024 => {
                eprintln!("  {what} page → web process {pid}");
                attr.insert(pid, part);
            }
            other => eprintln!("  {what} page: no web process grew by the probe ({other:?})"),
        }
        let _ = app.js("window.__probe = null; return 0;").await;
    }
    attr
}

async fn run_app(opts: &Opts) -> Figures {
    let bin = binary("TEV_APP_BINARY", "twitch-event-viewer");
    let sim = twitch_sim::spawn(twitch_sim::SimOptions::default()).await.expect("simulator");
    let base = sim.base_url();
    sim_post(
        &base,
        "/_sim/config",
        json!({"auto_approve": "sim_viewer", "device_interval_secs": 1}),
    )
    .await;
    let home = tev_e2e::home_with_sim_client();
    let btime = procfs::boot_time().expect("btime");
    let mut f = Figures::default();

    // Start-up to the home window (signed out: the first run after setup).
    let app = launch(&bin, home.path(), Some(&base), &[]).await;
    let (fcp, ms, exact) = home_start(&app, btime).await;
    (f.first_paint_ms, f.home_ready_ms, f.home_ready_exact) = (fcp, Some(ms), exact);

    // Memory with the home window (signed in, followed channels listed).
    app.click("#login-button").await;
    app.wait_for("body[data-auth='signed_in']", 60).await;
    app.wait_for(&format!("#followed li[data-login='{CHANNEL}'] button.primary"), 30).await;
    let snap_home = settled_tree(app.pid, 3).await;

    // The streamer window, connected, with ten rows.
    app.click(&format!("#followed li[data-login='{CHANNEL}'] button.primary")).await;
    app.switch_to("panel", |u| u.contains("streamer.html")).await;
    app.wait_for("body[data-ready='true']", 30).await;
    eprintln!("app streamer timing (opened from home): {}", app.page_timing().await);
    app.wait_for("#connection[data-state='connected']", 60).await;
    let _ = connected_session(&base, None).await;
    let ids = send_rows(&base, 10, "resub").await;
    wait_row(&app, ids.last().expect("ids"), 30).await;
    let snap_streamer = settled_tree(app.pid, 5).await;

    // Idle: the streamer window open, no events.
    let before = procfs::tree(app.pid);
    let threads_before = procfs::thread_wakeups(app.pid);
    let children_before = tree_thread_wakeups(&before);
    let t0 = Instant::now();
    hook("idle-app", app.pid).await;
    tokio::time::sleep(Duration::from_secs(opts.idle_secs).saturating_sub(t0.elapsed())).await;
    let after = procfs::tree(app.pid);
    f.idle_secs = t0.elapsed().as_secs_f64();
    f.idle_threads = wakeups_by_thread(&threads_before, &procfs::thread_wakeups(app.pid));
    let children_after = tree_thread_wakeups(&after);
    eprintln!("panel after idle: {}", app.idle_state().await);
    app.switch_to("home", is_home_page).await;
    eprintln!("home after idle: {}", app.idle_state().await);
    app.switch_to("panel", |u| u.contains("streamer.html")).await;

    // Growth: 1,000 events, then many more with reconnects in between.
    let mut growth_snaps = None;
    if !opts.skip_growth {
        growth_snaps = Some(growth(&app, &base, opts).await);
        hook("after-growth", app.pid).await;
    }

    if !opts.skip_latency {
        for rate in [1u32, 50, 500] {
            f.latency.push(latency(&app, &base, rate).await);
        }
    }

    // Which web process is which page (allocates; last thing in this launch).
    let attr = attribute(&app).await;
    eprintln!("app processes, home window:\n{}", describe_tree(app.pid, &snap_home, &attr));
    eprintln!("app processes, streamer window:\n{}", describe_tree(app.pid, &snap_streamer, &attr));
    f.mem_home = memory_by_part(app.pid, &snap_home, &attr);
    f.mem_streamer = memory_by_part(app.pid, &snap_streamer, &attr);
    f.idle = idle_by_part(app.pid, &before, &after, &attr);
    f.idle_child_threads = child_wakeups(app.pid, &after, &children_before, &children_after, &attr);
    if let Some((first, last, settled, sent, reconnects)) = growth_snaps {
        let own = |s: &BTreeMap<u32, Sample>| own_total(&memory_by_part(app.pid, s, &attr)).0;
        eprintln!(
            "app processes after the first 1,000 events:\n{}",
            describe_tree(app.pid, &first, &attr)
        );
        eprintln!("app processes after growth:\n{}", describe_tree(app.pid, &last, &attr));
        eprintln!(
            "app processes after growth, settled:\n{}",
            describe_tree(app.pid, &settled, &attr)
        );
        // CPU the burst cost each part, from the reading after the first 1,000 events to the
        // one after the burst (its last row shown and the tree's memory settled).
        f.growth_cpu = idle_by_part(app.pid, &first, &last, &attr)
            .into_iter()
            .filter(|(p, _)| p.own())
            .map(|(p, (ms, _, _))| (p, ms))
            .collect();
        f.growth = Some((
            own(&first),
            own(&last),
            own(&settled),
            opts.growth_settle_secs,
            sent,
            reconnects,
        ));
    }
    app.quit().await;

    // Start-up straight into the streamer window (a watch link), with the stored events.
    let (fcp, ms, exact) = link_start(&bin, home.path(), &base, btime, true).await;
    (f.streamer_paint_ms, f.streamer_events_ms, f.streamer_events_exact) = (fcp, Some(ms), exact);

    // Start-up again, several times and in turn with the baseline's: one start-up is at the
    // mercy of the moment (a shared VM's neighbours, what ran just before: a run's first
    // launches follow the baseline's idle minute, its link start the latency phase), and the
    // baseline's own first paint moved 274–524 ms between runs. Medians of interleaved
    // start-ups compare the two under the same conditions.
    for round in 0..opts.startup_rounds {
        let (b, _b_home) = launch_baseline().await;
        let b_fcp = baseline_first_paint(&b).await;
        b.quit().await;
        let fresh = tev_e2e::home_with_sim_client();
        let app = launch(&bin, fresh.path(), Some(&base), &[]).await;
        let (_, h, _) = home_start(&app, btime).await;
        app.quit().await;
        let (_, l, _) = link_start(&bin, home.path(), &base, btime, false).await;
        eprintln!("start-up round {}: baseline {b_fcp:?}, home {h:.0}, link {l:.0} ms", round + 1);
        if let Some(b_fcp) = b_fcp {
            f.startup_rounds.push((b_fcp, h, l));
        }
    }
    drop(sim);
    f
}

/// When the page's data was first painted (epoch ms), from its marks: its first contentful
/// paint when the data was in the DOM before it (that paint shows the data; the streamer panel
/// draws nothing before its stored rows are in), else the second animation frame after the data
/// went in (`tev:painted`, an upper bound: the frame that shows the data has been drawn by then).
/// The baseline's figure is its first contentful paint, so both are then read the same way.
fn data_paint(ready: f64, painted: f64, fcp: Option<f64>) -> f64 {
    match fcp {
        Some(f) if f >= ready => f.min(painted),
        _ => painted,
    }
}

/// A page's start-up steps from [`Running::page_timing`] as `name ms` pairs, in ms from `start`
/// (epoch ms): its navigation's start, HTML received, its module's start (`tev:script`), first
/// contentful paint, data shown (`tev:ready`) and the frame that shows it (`tev:painted`).
fn page_steps(timing: &Value, start: f64) -> String {
    let origin = timing["origin"].as_f64().unwrap_or(f64::NAN);
    let entry = |list: &str, name: &str| timing_entry(timing, list, name, origin, start);
    let steps = [
        ("nav", Some(origin - start)),
        ("html", entry("nav", "html")),
        ("script", entry("marks", "tev:script")),
        ("fcp", entry("paint", "first-contentful-paint")),
        ("ready", entry("marks", "tev:ready")),
        ("painted", entry("marks", "tev:painted")),
    ];
    steps
        .iter()
        .map(|(n, ms)| match ms {
            Some(ms) => format!("{n} {ms:.0}"),
            None => format!("{n} -"),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// Start-up to the home window, signed out (the app just launched on a fresh home): first
/// contentful paint and the paint that shows its data (ms from the process start; exact?).
async fn home_start(app: &Running, btime: f64) -> (Option<f64>, f64, bool) {
    let start = procfs::start_epoch_ms(&procfs::sample(app.pid).expect("app runs"), btime);
    let (ms, exact) = app
        .data_painted("home", "document.body && document.body.dataset.ready === 'true'", start)
        .await;
    let timing = app.page_timing().await;
    eprintln!("app home timing: {timing}");
    (first_paint(&timing, start), ms, exact)
}

/// Start-up straight into the streamer window by a watch link, on `home` (signed in, stored
/// events): the panel's first contentful paint and the paint that shows its stored rows (ms
/// from the process start; exact?). `explain`: print where the time went, on stderr.
async fn link_start(
    bin: &Path,
    home: &Path,
    base: &str,
    btime: f64,
    explain: bool,
) -> (Option<f64>, f64, bool) {
    let app =
        launch(bin, home, Some(base), &[&format!("twitch-event-viewer://watch/{CHANNEL}")]).await;
    let start = procfs::start_epoch_ms(&procfs::sample(app.pid).expect("app runs"), btime);
    app.switch_to("panel", |u| u.contains("streamer.html")).await;
    let (ms, exact) = app
        .data_painted(
            "streamer",
            "document.body && document.body.dataset.ready === 'true' && \
             document.querySelector('#events > li') !== null",
            start,
        )
        .await;
    let timing = app.page_timing().await;
    let fcp = first_paint(&timing, start);
    // Every launch's steps in one line (ms from the process start), so interleaved rounds can
    // be compared step by step, not only by their end.
    eprintln!("app streamer steps: {}", page_steps(&timing, start));
    if explain {
        eprintln!("app streamer timing: {timing}");
        // Where the start went: the home page's timing in this launch and when each process
        // began (ms from the app's start), on stderr.
        app.switch_to("home", is_home_page).await;
        eprintln!(
            "app home timing (link start, process start {start:.0}): {}",
            app.page_timing().await
        );
        let starts: Vec<String> = procfs::tree(app.pid)
            .values()
            .map(|s| format!("{} +{:.0}", s.name, procfs::start_epoch_ms(s, btime) - start))
            .collect();
        eprintln!("app processes started (link start): {}", starts.join(", "));
    }
    app.quit().await;
    (fcp, ms, exact)
}

/// RSS snapshots after the first 1,000 events and after `growth_events` more with
/// `growth_reconnects` reconnects spread among them; also returns what was sent.
async fn growth(
    app: &Running,
    base: &str,
    opts: &Opts,
) -> (BTreeMap<u32, Sample>, BTreeMap<u32, Sample>, BTreeMap<u32, Sample>, usize, usize) {
    const NOTICES: [&str; 5] = ["sub", "resub", "sub_gift", "raid", "announcement"];
    // The first 1,000 are the same mix as the burst (200 of each kind), so the reading after
    // them has drawn every kind of row once: the first row of a kind costs the panel's web
    // process its styles, glyphs and icons once (a few MiB, measured in BENCHMARKS.md), which is
    // not growth. Since session 8 they come as a live channel sends them, one at a time (20 a
    // second: ~50 s), so the panel has drawn and read its rows some hundreds of times, as it has
    // after the first 1,000 events of an evening; five requests of 200 (sessions 5–7,
    // `TEV_BENCH_FIRST_BULK=1`) made it draw a handful of times, and the burst then paid the
    // pages' one-off warm-up (WebKit's allocator pages for rows coming and going, the IPC
    // path's, JavaScriptCore compiling the hot code: 4–6 MiB, BENCHMARKS.md session 8) as if
    // it were growth. `TEV_BENCH_FIRST_SUBS_ONLY=1` sends 1,000 subs at once (sessions 2–4).
    let mut first = Vec::new();
    if std::env::var_os("TEV_BENCH_FIRST_SUBS_ONLY").is_some() {
        first = send_rows(base, 1000, "sub").await;
    } else if std::env::var_os("TEV_BENCH_FIRST_BULK").is_some() {
        for notice in NOTICES {
            first.extend(send_rows(base, 200, notice).await);
        }
    } else {
        let mut pace = tokio::time::interval(Duration::from_millis(50));
        for i in 0..1000 {
            pace.tick().await;
            first.extend(send_rows(base, 1, NOTICES[i % NOTICES.len()]).await);
        }
    }
    wait_row(app, first.last().expect("ids"), 120).await;
    let snap_first = settled_tree(app.pid, 5).await;
    // What reaches the app's own pages during the burst: Tauri events by name, counted in each.
    // Heard as the pages hear them (`ui/js/ipc.js`: sent to this page or to every page): a
    // listener for events sent anywhere would make Tauri send the home page every panel's
    // signals, work it never does in the app (sessions 5–7 counted that way).
    const COUNT: &str = "window.__burst = {};\
         const count = (n) => window.__TAURI__.webview.getCurrentWebview().listen(n, () => { window.__burst[n] = (window.__burst[n] || 0) + 1; });\
         return Promise.all(['feed', 'stream_info', 'connection', 'auth', 'notice'].map(count)).then(() => true);";
    app.switch_to("home", is_home_page).await;
    app.js(COUNT).await;
    app.switch_to("panel", |u| u.contains("streamer.html")).await;
    app.js(COUNT).await;
    hook("before-growth", app.pid).await;
    let batches = opts.growth_events.div_ceil(1000);
    let per_batch = opts.growth_reconnects.div_ceil(batches.max(1));
    // The old socket is closed by the sim soon after the client moved (twitch.md §1.3: the old
    // connection ends once the new one is welcomed; the grace only matters for laggards).
    sim_post(base, "/_sim/config", json!({"reconnect_grace_ms": 500})).await;
    let (mut sent, mut reconnects) = (0, 0);
    let t0 = Instant::now();
    let mut last = String::new();
    for b in 0..batches {
        let ids = send_rows(base, 1000, NOTICES[b % NOTICES.len()]).await;
        sent += ids.len();
        last = ids.last().cloned().unwrap_or(last);
        for _ in 0..per_batch {
            if reconnects >= opts.growth_reconnects {
                break;
            }
            let old = connected_session(base, None).await;
            sim_post(base, &format!("/_sim/sessions/{old}/reconnect"), json!({})).await;
            let _ = connected_session(base, Some(&old)).await;
            reconnects += 1;
        }
        if b == 9 {
            // Whether what the burst adds comes at its start (warm-up) or all along.
            hook("mid-growth", app.pid).await;
        }
        if b % 10 == 9 {
            // The whole tree's RSS by process, to see where growth goes and whether it levels
            // off (the panel may still be working through its backlog here).
            let rss: Vec<String> = procfs::tree(app.pid)
                .values()
                .map(|s| format!("{} {}={:.0}", s.pid, s.name, mib(s.rss_kib)))
                .collect();
            eprintln!(
                "  growth: {sent} events, {reconnects} reconnects, {:.0} s; RSS MiB: {}",
                t0.elapsed().as_secs_f64(),
                rss.join(", ")
            );
        }
    }
    wait_row(app, &last, 300).await;
    let snap_last = settled_tree(app.pid, 5).await;
    eprintln!("  the panel got during the burst: {}", app.js("return window.__burst;").await);
    app.switch_to("home", is_home_page).await;
    eprintln!("  the home page got during the burst: {}", app.js("return window.__burst;").await);
    app.switch_to("panel", |u| u.contains("streamer.html")).await;
    // What stays once the app is quiet again (memory a burst used and gives back is not growth
    // a user keeps all evening; both readings are reported).
    tokio::time::sleep(Duration::from_secs(opts.growth_settle_secs.saturating_sub(5))).await;
    let snap_settled = settled_tree(app.pid, 5).await;
    (snap_first, snap_last, snap_settled, sent, reconnects)
}

/// Sends row-making events at `rate`/s for a while with a 1,000 msg/s chat firehose running;
/// returns (rate, sent, seen, p50, p99, max) of send → row inserted in the panel's DOM.
async fn latency(app: &Running, base: &str, rate: u32) -> (u32, usize, usize, f64, f64, f64) {
    // Records when each row first enters the list (a MutationObserver runs right after the
    // DOM change, before paint), with the page's clock in epoch ms.
    app.js(
        "window.__lat = new Map();\
         if (window.__latObs) window.__latObs.disconnect();\
         window.__latObs = new MutationObserver((muts) => {\
           const t = performance.timeOrigin + performance.now();\
           for (const m of muts) for (const n of m.addedNodes)\
             if (n.dataset && n.dataset.id && !window.__lat.has(n.dataset.id)) window.__lat.set(n.dataset.id, t);\
         });\
         window.__latObs.observe(document.getElementById('events'), { childList: true });\
         return true;",
    )
    .await;
    let secs: u64 = match rate {
        1 => 30,
        50 => 10,
        _ => 5,
    };
    // The firehose: 1,000 chat messages/s in ten posts of 100 a second... as posts of 10 every
    // 10 ms, each on its own task so a slow answer does not slow the pace.
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let hose = {
        let stop = stop.clone();
        let base = base.to_string();
        tokio::spawn(async move {
            let http = reqwest::Client::new();
            let mut tick = tokio::time::interval(Duration::from_millis(10));
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                tick.tick().await;
                let req = http.post(format!("{base}/_sim/events")).json(&json!({
                    "type": "channel.chat.message", "version": "1",
                    "broadcaster_login": CHANNEL, "count": 10
                }));
                tokio::spawn(async move {
                    let _ = req.send().await;
                });
            }
        })
    };
    tokio::time::sleep(Duration::from_secs(1)).await;
    // Rows: one post per tick; at 500/s five per post every 10 ms.
    let (period_ms, per_post) = match rate {
        r if r <= 100 => (1000 / u64::from(r), 1usize),
        r => (10, (r / 100) as usize),
    };
    let http = reqwest::Client::new();
    let mut tick = tokio::time::interval(Duration::from_millis(period_ms));
    let mut posts = Vec::new();
    let t_end = Instant::now() + Duration::from_secs(secs);
    while Instant::now() < t_end {
        tick.tick().await;
        let req = http.post(format!("{base}/_sim/events")).json(&json!({
            "type": "channel.chat.notification", "version": "1", "broadcaster_login": CHANNEL,
            "event": {"notice_type": "sub"}, "count": per_post
        }));
        posts.push(tokio::spawn(async move {
            let sent = now_ms();
            let r: Value = match req.send().await {
                Ok(r) => r.json().await.unwrap_or(Value::Null),
                Err(_) => Value::Null,
            };
            let ids: Vec<String> = r["message_ids"]
                .as_array()
                .map(|v| v.iter().filter_map(|i| i.as_str().map(str::to_string)).collect())
                .unwrap_or_default();
            (sent, ids)
        }));
    }
    let mut sent_at: HashMap<String, f64> = HashMap::new();
    for p in posts {
        if let Ok((t, ids)) = p.await {
            for id in ids {
                sent_at.insert(id, t);
            }
        }
    }
    tokio::time::sleep(Duration::from_secs(3)).await;
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let _ = hose.await;
    let seen = app.js("return [...window.__lat.entries()];").await;
    let mut lat: Vec<f64> = seen
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|e| Some(e[1].as_f64()? - sent_at.get(e[0].as_str()?)?))
        .collect();
    lat.sort_by(f64::total_cmp);
    let q = |p: f64| -> f64 {
        if lat.is_empty() {
            return f64::NAN;
        }
        lat[((lat.len() - 1) as f64 * p).round() as usize]
    };
    let r = (rate, sent_at.len(), lat.len(), q(0.5), q(0.99), q(1.0));
    eprintln!(
        "  latency {rate}/s: sent {} seen {} p50 {:.1} p99 {:.1} max {:.1} ms",
        r.1, r.2, r.3, r.4, r.5
    );
    tokio::time::sleep(Duration::from_secs(2)).await;
    r
}

// ---------------------------------------------------------------------------------------------
// Report

fn report(runs: &[(Figures, Figures)]) {
    println!("\n## Results ({} runs; ratios app/baseline within the same run)\n", runs.len());
    for (i, (b, a)) in runs.iter().enumerate() {
        println!("### Run {}\n", i + 1);
        let (brss, bpss, buss) = own_total(&b.mem_home);
        println!(
            "| memory (MiB) | RSS | PSS | USS | ratio RSS | ratio PSS | ratio USS |\n|---|---|---|---|---|---|---|"
        );
        println!(
            "| baseline, its window | {:.1} | {:.1} | {:.1} | | | |",
            mib(brss),
            mib(bpss),
            mib(buss)
        );
        for (what, m) in [("home window", &a.mem_home), ("streamer window", &a.mem_streamer)] {
            let (rss, pss, uss) = own_total(m);
            println!(
                "| app's own part, {what} | {:.1} | {:.1} | {:.1} | {} | {} | {} |",
                mib(rss),
                mib(pss),
                mib(uss),
                ratio(rss as f64, brss as f64),
                ratio(pss as f64, bpss as f64),
                ratio(uss as f64, buss as f64)
            );
            for (part, (r, p, u)) in m {
                println!(
                    "| · {what}: {part:?} | {:.1} | {:.1} | {:.1} | | | |",
                    mib(*r),
                    mib(*p),
                    mib(*u)
                );
            }
        }
        for (part, (r, p, u)) in &b.mem_home {
            println!(
                "| · baseline: {part:?} | {:.1} | {:.1} | {:.1} | | | |",
                mib(*r),
                mib(*p),
                mib(*u)
            );
        }
        println!();
        println!(
            "| start-up (ms from process start) | value | ratio to baseline first paint |\n|---|---|---|"
        );
        let bfp = b.first_paint_ms.unwrap_or(f64::NAN);
        println!("| baseline first contentful paint | {} | |", fmt_opt(b.first_paint_ms));
        let bound =
            |exact: bool| if exact { "" } else { " (≤, already shown when first checked)" };
        for (what, v) in [
            ("app home first contentful paint".to_string(), a.first_paint_ms),
            (
                format!("app home painted with its data{}", bound(a.home_ready_exact)),
                a.home_ready_ms,
            ),
            (
                "app streamer panel (watch link) first contentful paint".to_string(),
                a.streamer_paint_ms,
            ),
            (
                format!(
                    "app streamer panel painted with stored events{}",
                    bound(a.streamer_events_exact)
                ),
                a.streamer_events_ms,
            ),
        ] {
            println!(
                "| {what} | {} | {} |",
                fmt_opt(v),
                v.map(|v| ratio(v, bfp)).unwrap_or_default()
            );
        }
        println!();
        if !a.startup_rounds.is_empty() {
            let col = |f: fn(&(f64, f64, f64)) -> f64| -> Vec<f64> {
                let mut v: Vec<f64> = a.startup_rounds.iter().map(f).collect();
                v.sort_by(f64::total_cmp);
                v
            };
            let median = |v: &[f64]| {
                let n = v.len();
                if n % 2 == 1 { v[n / 2] } else { (v[n / 2 - 1] + v[n / 2]) / 2.0 }
            };
            let (base, home, link) = (col(|r| r.0), col(|r| r.1), col(|r| r.2));
            let bm = median(&base);
            let per_round = |f: fn(&(f64, f64, f64)) -> f64| {
                let r = col(f);
                format!("{:.2}–{:.2}×", r[0], r[r.len() - 1])
            };
            println!(
                "| start-up, {} interleaved rounds (ms from process start) | median | min–max | ratio of medians | ratio per round |\n|---|---|---|---|---|",
                a.startup_rounds.len()
            );
            println!(
                "| baseline first contentful paint | {bm:.0} | {:.0}–{:.0} | | |",
                base[0],
                base[base.len() - 1]
            );
            for (what, v, r) in [
                ("app home painted with its data", &home, per_round(|r| r.1 / r.0)),
                (
                    "app streamer panel painted with stored events (watch link)",
                    &link,
                    per_round(|r| r.2 / r.0),
                ),
            ] {
                println!(
                    "| {what} | {:.0} | {:.0}–{:.0} | {} | {r} |",
                    median(v),
                    v[0],
                    v[v.len() - 1],
                    ratio(median(v), bm)
                );
            }
            println!();
        }
        let sum = |m: &BTreeMap<Part, (f64, u64, u64)>, own: bool| {
            m.iter()
                .filter(|(p, _)| !own || p.own())
                .fold((0.0, 0, 0), |acc, (_, v)| (acc.0 + v.0, acc.1 + v.1, acc.2 + v.2))
        };
        let (bc, bv, bi) = sum(&b.idle, false);
        let (ac, av, ai) = sum(&a.idle, true);
        println!(
            "| idle ({:.0} s) | CPU ms | wake-ups/s (voluntary) | involuntary/s | ratio CPU |\n|---|---|---|---|---|",
            b.idle_secs
        );
        println!(
            "| baseline | {bc:.0} | {:.2} | {:.2} | |",
            bv as f64 / b.idle_secs,
            bi as f64 / b.idle_secs
        );
        println!(
            "| app's own part | {ac:.0} | {:.2} | {:.2} | {} |",
            av as f64 / a.idle_secs,
            ai as f64 / a.idle_secs,
            ratio(ac, bc)
        );
        for (part, (c, v, i)) in &a.idle {
            println!(
                "| · app: {part:?} | {c:.0} | {:.2} | {:.2} | |",
                *v as f64 / a.idle_secs,
                *i as f64 / a.idle_secs
            );
        }
        for (part, (c, v, i)) in &b.idle {
            println!(
                "| · baseline: {part:?} | {c:.0} | {:.2} | {:.2} | |",
                *v as f64 / b.idle_secs,
                *i as f64 / b.idle_secs
            );
        }
        for (who, f) in [("baseline", b), ("app", a)] {
            let list: Vec<String> = f
                .idle_threads
                .iter()
                .map(|(n, w)| format!("{n} {:.2}/s", *w as f64 / f.idle_secs))
                .collect();
            println!("\n{who}'s main process, wake-ups by thread: {}", list.join(", "));
            for (proc_, threads) in &f.idle_child_threads {
                let list: Vec<String> = threads
                    .iter()
                    .map(|(n, w)| format!("{n} {:.2}/s", *w as f64 / f.idle_secs))
                    .collect();
                println!("- {who}'s {proc_}: {}", list.join(", "));
            }
        }
        println!();
        if let Some((first, last, settled, settle_secs, sent, rc)) = a.growth {
            println!(
                "growth of the app's own part (RSS): {:.1} MiB after the first 1,000 events → {:.1} MiB after {sent} more events and {rc} reconnects: {:+.1} MiB; {} s later {:.1} MiB: {:+.1} MiB\n",
                mib(first),
                mib(last),
                (last as f64 - first as f64) / 1024.0,
                settle_secs,
                mib(settled),
                (settled as f64 - first as f64) / 1024.0
            );
            let cpu: Vec<String> =
                a.growth_cpu.iter().map(|(p, ms)| format!("{p:?} {ms:.0}")).collect();
            let total: f64 = a.growth_cpu.iter().map(|(_, ms)| ms).sum();
            println!(
                "CPU of the app's own part during the burst: {total:.0} ms ({})\n",
                cpu.join(", ")
            );
        }
        if !a.latency.is_empty() {
            println!(
                "| latency (send → row in DOM), with 1,000 chat msg/s | sent | rows seen | p50 ms | p99 ms | max ms |\n|---|---|---|---|---|---|"
            );
            for (rate, sent, seen, p50, p99, max) in &a.latency {
                println!("| {rate} events/s | {sent} | {seen} | {p50:.1} | {p99:.1} | {max:.1} |");
            }
            println!();
        }
    }
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let opts = Opts::parse();
    assert!(std::env::var_os("DISPLAY").is_some(), "no DISPLAY: run through tests/perf/run");
    let mut runs = Vec::new();
    for i in 0..opts.runs {
        eprintln!("run {}/{}: baseline", i + 1, opts.runs);
        let b = run_baseline(&opts).await;
        eprintln!("run {}/{}: app", i + 1, opts.runs);
        let a = run_app(&opts).await;
        runs.push((b, a));
        eprintln!("run {} done", i + 1);
        report(&runs);
    }
}

#[cfg(test)]
mod tests {
    use super::{data_paint, page_steps};
    use serde_json::json;

    #[test]
    fn the_data_paint_is_the_first_contentful_paint_only_when_the_data_came_first() {
        // Rows in the DOM at 100, first contentful paint at 130: that paint showed them.
        assert_eq!(data_paint(100.0, 170.0, Some(130.0)), 130.0);
        // The page painted (its header) at 90, before its data: the frames after the data.
        assert_eq!(data_paint(100.0, 170.0, Some(90.0)), 170.0);
        // No paint entry (WebKit without paint timing): the frames after the data.
        assert_eq!(data_paint(100.0, 170.0, None), 170.0);
        // Never later than the second frame after the data.
        assert_eq!(data_paint(100.0, 170.0, Some(400.0)), 170.0);
    }

    #[test]
    fn page_steps_are_read_from_the_process_start() {
        let timing = json!({
            "origin": 1000.0,
            "nav": [["html", 30.0]],
            "marks": [["tev:script", 110.0], ["tev:ready", 115.0], ["tev:painted", 170.0]],
            "paint": [["first-contentful-paint", 140.0]],
        });
        assert_eq!(
            page_steps(&timing, 700.0),
            "nav 300, html 330, script 410, fcp 440, ready 415, painted 470"
        );
        assert_eq!(
            page_steps(&json!({"origin": 1000.0}), 700.0),
            "nav 300, html -, script -, fcp -, ready -, painted -"
        );
    }
}
