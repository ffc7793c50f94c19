//! Growth: what the app keeps after a long evening. The own part's RSS is read after the first
//! 1,000 events (sent at a live pace, so the pages' one-off warm-up is paid before it), after a
//! burst of 100,000 more with 1,000 `session_reconnect`s among them, and again once the app is
//! quiet; the report gives both differences and the CPU each process spent in the burst.

use crate::cli::Opts;
use crate::idle::idle_by_part;
use crate::launch::{Running, hook, is_home_page};
use crate::memory::{
    Attribution, Part, describe_tree, memory_by_part, mib, own_total, settled_tree,
};
use crate::procfs::{self, Sample};
use crate::sim::{connected_session, send_rows, wait_row};
use serde_json::json;
use std::collections::BTreeMap;
use std::time::{Duration, Instant};
use tev_e2e::sim_post;

/// The trees read around the burst, and what was sent.
pub struct GrowthReadings {
    /// After the first 1,000 events, their last row shown and the tree settled.
    pub first: BTreeMap<u32, Sample>,
    /// After the burst, its last row shown and the tree settled.
    pub last: BTreeMap<u32, Sample>,
    /// `--growth-settle-secs` after the burst: what the app keeps once quiet.
    pub settled: BTreeMap<u32, Sample>,
    /// Events the burst sent (after the first 1,000).
    pub sent: usize,
    /// Reconnects (`session_reconnect`) among them.
    pub reconnects: usize,
}

/// The app's growth, as the report prints it.
#[derive(Clone, Debug)]
pub struct Growth {
    /// The own part's RSS after the first 1,000 events, KiB.
    pub first_kib: u64,
    /// The own part's RSS after the burst, KiB.
    pub last_kib: u64,
    /// The own part's RSS `settle_secs` after the burst, KiB.
    pub settled_kib: u64,
    /// Seconds from the end of the burst to `settled_kib`.
    pub settle_secs: u64,
    /// Events the burst sent (after the first 1,000).
    pub sent: usize,
    /// Reconnects among them.
    pub reconnects: usize,
    /// CPU ms of each own part during the burst (from the reading after the first 1,000 events
    /// to the one after the burst).
    pub cpu: Vec<(Part, f64)>,
}

/// Trees read after the first 1,000 events, after `growth_events` more with
/// `growth_reconnects` reconnects spread among them, and once quiet; also what was sent.
pub async fn growth(app: &Running, base: &str, opts: &Opts) -> GrowthReadings {
    const NOTICES: [&str; 5] = ["sub", "resub", "sub_gift", "raid", "announcement"];
    // The first 1,000 are the same mix as the burst (200 of each kind), so the reading after
    // them has drawn every kind of row once: the first row of a kind costs the panel's web
    // process its styles, glyphs and icons once (a few MiB, docs/bench-log.md), which is
    // not growth. Since session 8 they come as a live channel sends them, one at a time (20 a
    // second: ~50 s), so the panel has drawn and read its rows some hundreds of times, as it has
    // after the first 1,000 events of an evening; five requests of 200 (sessions 5–7,
    // `TEV_BENCH_FIRST_BULK=1`) made it draw a handful of times, and the burst then paid the
    // pages' one-off warm-up (WebKit's allocator pages for rows coming and going, the IPC
    // path's, JavaScriptCore compiling the hot code: 4–6 MiB, docs/bench-log.md session 8) as if
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
    // The old socket is closed by the sim soon after the client moved (docs/twitch.md §1.3: the
    // old connection ends once the new one is welcomed; the grace only matters for laggards).
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
    GrowthReadings { first: snap_first, last: snap_last, settled: snap_settled, sent, reconnects }
}

impl GrowthReadings {
    /// The figures of the program rooted at `root`, once its web processes are attributed to
    /// their pages; prints the three trees on stderr.
    pub fn figures(&self, root: u32, attr: &Attribution, settle_secs: u64) -> Growth {
        let own = |s: &BTreeMap<u32, Sample>| own_total(&memory_by_part(root, s, attr)).rss_kib;
        eprintln!(
            "app processes after the first 1,000 events:\n{}",
            describe_tree(root, &self.first, attr)
        );
        eprintln!("app processes after growth:\n{}", describe_tree(root, &self.last, attr));
        eprintln!(
            "app processes after growth, settled:\n{}",
            describe_tree(root, &self.settled, attr)
        );
        // CPU the burst cost each part, from the reading after the first 1,000 events to the
        // one after the burst (its last row shown and the tree's memory settled).
        let cpu = idle_by_part(root, &self.first, &self.last, attr)
            .into_iter()
            .filter(|(p, _)| p.own())
            .map(|(p, idle)| (p, idle.cpu_ms))
            .collect();
        Growth {
            first_kib: own(&self.first),
            last_kib: own(&self.last),
            settled_kib: own(&self.settled),
            settle_secs,
            sent: self.sent,
            reconnects: self.reconnects,
            cpu,
        }
    }
}
