//! `tev-bench`: the release app against a hello-world Tauri app of the same Tauri version
//! (tests/bench-baseline), side by side in one run — memory, start-up, idle cost, event latency
//! and growth. Run it with `tests/perf/run` (builds both in release, starts Xvfb, a session bus
//! and a keyring); BENCHMARKS.md has the method, the figures and how to read them, and
//! docs/bench-log.md the sessions that measured them.
//!
//! Both programs are launched the same way, through tauri-driver/WebKitWebDriver (the E2E
//! harness's path), with a throw-away `HOME`, so each side pays the same automation overhead;
//! the WebDriver session only reads `performance` entries and clicks, and stays silent while
//! memory and idle cost are measured.
//!
//! # Layout
//!
//! - `main.rs`: what one run does, in order — the baseline, then the app.
//! - `cli.rs`: the command-line options.
//! - `launch.rs`: a program under WebDriver on a throw-away home; the profiler hook.
//! - `memory.rs`: the parts of a program's process tree and their RSS, PSS and USS.
//! - `startup.rs`: start-up to the first paint and to the paint that shows the data; the
//!   interleaved rounds.
//! - `idle.rs`: the idle window's CPU and wake-ups.
//! - `growth.rs`: the burst of events and reconnects, and what the app keeps after it.
//! - `latency.rs`: send → row in the DOM at three rates, and the frame's arrival → row painted.
//! - `sim.rs`: what the harness asks of the simulator.
//! - `report.rs`: the figures of a run and the tables printed on stdout.
//! - `procfs.rs`: what is read from `/proc`.

mod cli;
mod growth;
mod idle;
mod latency;
mod launch;
mod memory;
mod procfs;
mod report;
mod sim;
mod startup;

use cli::Opts;
use launch::{binary, hook, is_home_page, launch, launch_baseline};
use memory::{Attribution, attribute, describe_tree, memory_by_part, settled_tree};
use report::{Figures, report};
use serde_json::json;
use sim::{CHANNEL, connected_session, send_rows, wait_row};
use std::time::Duration;
use tev_e2e::sim_post;

/// The baseline: its first paint, its memory with its window, its idle cost.
async fn run_baseline(opts: &Opts) -> Figures {
    let (app, _home) = launch_baseline().await;
    let fcp = startup::baseline_first_paint(&app).await;
    let mut f = Figures { first_paint_ms: fcp, ..Figures::default() };
    tokio::time::sleep(Duration::from_secs(3)).await;
    let none = Attribution::new();
    let snap = procfs::tree(app.pid);
    eprintln!("baseline processes:\n{}", describe_tree(app.pid, &snap, &none));
    f.mem_home = memory_by_part(app.pid, &snap, &none);
    f.mem_streamer = f.mem_home.clone();
    let idle = idle::window(app.pid, "idle-baseline", opts.idle_secs).await;
    f.idle_secs = idle.secs;
    f.idle_threads = idle.main_threads.clone();
    f.idle_child_threads = idle.child_wakeups(app.pid, &none);
    f.idle = idle.by_part(app.pid, &none);
    app.quit().await;
    f
}

/// The app, against an in-process simulator: start-up to the home window, memory with the home
/// window and with the streamer window, idle cost, growth, latency (in one launch), then
/// start-up by a watch link and the interleaved start-up rounds.
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
    if opts.no_video {
        // Offline: the player shows Twitch's offline screen instead of playing the stream.
        sim_post(&base, "/_sim/users", json!({"login": CHANNEL, "live": false})).await;
    }
    let home = tev_e2e::home_with_sim_client();
    let btime = procfs::boot_time().expect("btime");
    let mut f = Figures { video: !opts.no_video, ..Figures::default() };

    // Start-up to the home window (signed out: the first run after setup).
    let app = launch(&bin, home.path(), Some(&base), &[]).await;
    let start = startup::home_start(&app, btime).await;
    (f.first_paint_ms, f.home) = (start.first_paint_ms, Some(start));

    // Memory with the home window (signed in, followed channels listed).
    app.click("#login-button").await;
    app.wait_for("body[data-auth='signed_in']", 60).await;
    app.wait_for(&format!("#followed li[data-login='{CHANNEL}'] button.primary"), 30).await;
    let snap_home = settled_tree(app.pid, 3).await;

    // The streamer window, connected, with ten rows (its player playing the channel's stream,
    // or with `--no-video` showing the offline screen).
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
    let idle = idle::window(app.pid, "idle-app", opts.idle_secs).await;
    f.idle_secs = idle.secs;
    f.idle_threads = idle.main_threads.clone();
    eprintln!("panel after idle: {}", app.idle_state().await);
    app.switch_to("home", is_home_page).await;
    eprintln!("home after idle: {}", app.idle_state().await);
    app.switch_to("panel", |u| u.contains("streamer.html")).await;

    // Growth: 1,000 events, then many more with reconnects in between.
    let mut growth_readings = None;
    if !opts.skip_growth {
        growth_readings = Some(growth::growth(&app, &base, opts).await);
        hook("after-growth", app.pid).await;
    }

    if !opts.skip_latency {
        for rate in [1u32, 50, 500] {
            let arrivals = launch::arrivals_file(home.path());
            f.latency.push(latency::latency(&app, &base, rate, &arrivals).await);
        }
    }

    // Which web process is which page (allocates; last thing in this launch).
    let attr = attribute(&app).await;
    eprintln!("app processes, home window:\n{}", describe_tree(app.pid, &snap_home, &attr));
    eprintln!("app processes, streamer window:\n{}", describe_tree(app.pid, &snap_streamer, &attr));
    f.mem_home = memory_by_part(app.pid, &snap_home, &attr);
    f.mem_streamer = memory_by_part(app.pid, &snap_streamer, &attr);
    f.idle = idle.by_part(app.pid, &attr);
    f.idle_child_threads = idle.child_wakeups(app.pid, &attr);
    if let Some(readings) = growth_readings {
        f.growth = Some(readings.figures(app.pid, &attr, opts.growth_settle_secs));
    }
    app.quit().await;

    // Start-up straight into the streamer window (a watch link), with the stored events.
    f.link = Some(startup::link_start(&bin, home.path(), &base, btime, true).await);

    // Start-up again, several times and in turn with the baseline's.
    f.startup_rounds = startup::rounds(&bin, home.path(), &base, btime, opts.startup_rounds).await;
    drop(sim);
    f
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
