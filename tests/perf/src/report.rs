//! The figures of one program in one run, and the Markdown tables printed on stdout after each
//! run (every run so far, each with its ratios of the app to the baseline of the same run):
//! memory, start-up, the interleaved start-up rounds, idle cost and wake-ups by thread, growth,
//! latency. BENCHMARKS.md says how to read them.

use crate::growth::Growth;
use crate::idle::{Idle, ProcessWakeups};
use crate::latency::Latency;
use crate::memory::{Mem, Part, mib, own_total};
use crate::startup::{Start, StartupRound};
use std::collections::BTreeMap;

/// One program's figures in one run.
#[derive(Default, Debug)]
pub struct Figures {
    /// Start → first contentful paint of the first window, ms.
    pub first_paint_ms: Option<f64>,
    /// Start-up to the home window at a first run (app only).
    pub home: Option<Start>,
    /// Start-up straight into the streamer window by a watch link, with stored events (app
    /// only).
    pub link: Option<Start>,
    /// Memory per part with the first window (home) open.
    pub mem_home: BTreeMap<Part, Mem>,
    /// Memory per part with the streamer window open.
    pub mem_streamer: BTreeMap<Part, Mem>,
    /// Idle cost per part over the idle window.
    pub idle: BTreeMap<Part, Idle>,
    /// Wake-ups of the main process's threads over the idle window, by thread name, most first.
    pub idle_threads: Vec<(String, u64)>,
    /// Wake-ups of the other processes' threads over the idle window.
    pub idle_child_threads: Vec<ProcessWakeups>,
    /// Idle window, seconds.
    pub idle_secs: f64,
    /// The own part's growth over the burst (app only, unless skipped).
    pub growth: Option<Growth>,
    /// Latency per rate (app only, unless skipped).
    pub latency: Vec<Latency>,
    /// The interleaved start-ups (app only).
    pub startup_rounds: Vec<StartupRound>,
    /// Whether the streamer window's player played video (app only; `--no-video` turns it off).
    pub video: bool,
}

impl Figures {
    /// What the streamer window's player did, for every figure taken with that window.
    fn player(&self) -> &'static str {
        if self.video { "video playing" } else { "no video: channel offline" }
    }
}

/// A figure in whole ms, or a dash.
fn fmt_opt(v: Option<f64>) -> String {
    v.map(|v| format!("{v:.0}")).unwrap_or_else(|| "—".into())
}

/// `a / b` as `1.23×`, or a dash when there is no `b`.
fn ratio(a: f64, b: f64) -> String {
    if b > 0.0 { format!("{:.2}×", a / b) } else { "—".into() }
}

/// Prints every run so far: (baseline, app) figures of each.
pub fn report(runs: &[(Figures, Figures)]) {
    println!("\n## Results ({} runs; ratios app/baseline within the same run)\n", runs.len());
    for (i, (b, a)) in runs.iter().enumerate() {
        println!("### Run {} (streamer window: {})\n", i + 1, a.player());
        memory(b, a);
        startup(b, a);
        if !a.startup_rounds.is_empty() {
            startup_rounds(&a.startup_rounds);
        }
        idle(b, a);
        if let Some(g) = &a.growth {
            growth(g);
        }
        if !a.latency.is_empty() {
            latency(&a.latency);
        }
    }
}

/// Memory: the baseline's window, the app's own part with each window, and every part.
fn memory(b: &Figures, a: &Figures) {
    let base = own_total(&b.mem_home);
    println!(
        "| memory (MiB) | RSS | PSS | USS | ratio RSS | ratio PSS | ratio USS |\n|---|---|---|---|---|---|---|"
    );
    println!(
        "| baseline, its window | {:.1} | {:.1} | {:.1} | | | |",
        mib(base.rss_kib),
        mib(base.pss_kib),
        mib(base.uss_kib)
    );
    let streamer = format!("streamer window, {}", a.player());
    for (what, m) in [("home window", &a.mem_home), (streamer.as_str(), &a.mem_streamer)] {
        let own = own_total(m);
        println!(
            "| app's own part, {what} | {:.1} | {:.1} | {:.1} | {} | {} | {} |",
            mib(own.rss_kib),
            mib(own.pss_kib),
            mib(own.uss_kib),
            ratio(own.rss_kib as f64, base.rss_kib as f64),
            ratio(own.pss_kib as f64, base.pss_kib as f64),
            ratio(own.uss_kib as f64, base.uss_kib as f64)
        );
        for (part, v) in m {
            println!(
                "| · {what}: {part:?} | {:.1} | {:.1} | {:.1} | | | |",
                mib(v.rss_kib),
                mib(v.pss_kib),
                mib(v.uss_kib)
            );
        }
    }
    for (part, v) in &b.mem_home {
        println!(
            "| · baseline: {part:?} | {:.1} | {:.1} | {:.1} | | | |",
            mib(v.rss_kib),
            mib(v.pss_kib),
            mib(v.uss_kib)
        );
    }
    println!();
}

/// Start-up: the run's single start-ups against the baseline's first paint.
fn startup(b: &Figures, a: &Figures) {
    println!(
        "| start-up (ms from process start) | value | ratio to baseline first paint |\n|---|---|---|"
    );
    let bfp = b.first_paint_ms.unwrap_or(f64::NAN);
    println!("| baseline first contentful paint | {} | |", fmt_opt(b.first_paint_ms));
    let bound = |exact: bool| if exact { "" } else { " (≤, already shown when first checked)" };
    let painted = |s: &Option<Start>| s.as_ref().map(|s| s.data_painted_ms);
    let exact = |s: &Option<Start>| s.as_ref().is_some_and(|s| s.exact);
    for (what, v) in [
        ("app home first contentful paint".to_string(), a.first_paint_ms),
        (format!("app home painted with its data{}", bound(exact(&a.home))), painted(&a.home)),
        (
            format!("app streamer panel (watch link, {}) first contentful paint", a.player()),
            a.link.as_ref().and_then(|s| s.first_paint_ms),
        ),
        (
            format!(
                "app streamer panel painted with stored events ({}){}",
                a.player(),
                bound(exact(&a.link))
            ),
            painted(&a.link),
        ),
    ] {
        println!("| {what} | {} | {} |", fmt_opt(v), v.map(|v| ratio(v, bfp)).unwrap_or_default());
    }
    println!();
}

/// The interleaved start-up rounds: medians, ranges, the ratio of the medians and the range of
/// the per-round ratios.
fn startup_rounds(rounds: &[StartupRound]) {
    let col = |f: fn(&StartupRound) -> f64| -> Vec<f64> {
        let mut v: Vec<f64> = rounds.iter().map(f).collect();
        v.sort_by(f64::total_cmp);
        v
    };
    let median = |v: &[f64]| {
        let n = v.len();
        if n % 2 == 1 { v[n / 2] } else { (v[n / 2 - 1] + v[n / 2]) / 2.0 }
    };
    let (base, home, link) = (col(|r| r.baseline_ms), col(|r| r.home_ms), col(|r| r.link_ms));
    let bm = median(&base);
    let per_round = |f: fn(&StartupRound) -> f64| {
        let r = col(f);
        format!("{:.2}–{:.2}×", r[0], r[r.len() - 1])
    };
    println!(
        "| start-up, {} interleaved rounds (ms from process start) | median | min–max | ratio of medians | ratio per round |\n|---|---|---|---|---|",
        rounds.len()
    );
    println!(
        "| baseline first contentful paint | {bm:.0} | {:.0}–{:.0} | | |",
        base[0],
        base[base.len() - 1]
    );
    for (what, v, r) in [
        ("app home painted with its data", &home, per_round(|r| r.home_ms / r.baseline_ms)),
        (
            "app streamer panel painted with stored events (watch link)",
            &link,
            per_round(|r| r.link_ms / r.baseline_ms),
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

/// Idle: CPU and wake-ups of the baseline and of the app's own part, every part, and every
/// process's wake-ups by thread.
fn idle(b: &Figures, a: &Figures) {
    let sum = |m: &BTreeMap<Part, Idle>, own: bool| {
        m.iter().filter(|(p, _)| !own || p.own()).fold(Idle::default(), |mut total, (_, v)| {
            total += *v;
            total
        })
    };
    let (base, app) = (sum(&b.idle, false), sum(&a.idle, true));
    println!(
        "| idle ({:.0} s; app: streamer window, {}) | CPU ms | wake-ups/s (voluntary) | involuntary/s | ratio CPU |\n|---|---|---|---|---|",
        b.idle_secs,
        a.player()
    );
    println!(
        "| baseline | {:.0} | {:.2} | {:.2} | |",
        base.cpu_ms,
        base.voluntary as f64 / b.idle_secs,
        base.involuntary as f64 / b.idle_secs
    );
    println!(
        "| app's own part | {:.0} | {:.2} | {:.2} | {} |",
        app.cpu_ms,
        app.voluntary as f64 / a.idle_secs,
        app.involuntary as f64 / a.idle_secs,
        ratio(app.cpu_ms, base.cpu_ms)
    );
    for (who, f) in [("app", a), ("baseline", b)] {
        for (part, v) in &f.idle {
            println!(
                "| · {who}: {part:?} | {:.0} | {:.2} | {:.2} | |",
                v.cpu_ms,
                v.voluntary as f64 / f.idle_secs,
                v.involuntary as f64 / f.idle_secs
            );
        }
    }
    let per_sec = |threads: &[(String, u64)], secs: f64| -> String {
        threads
            .iter()
            .map(|(n, w)| format!("{n} {:.2}/s", *w as f64 / secs))
            .collect::<Vec<_>>()
            .join(", ")
    };
    for (who, f) in [("baseline", b), ("app", a)] {
        println!(
            "\n{who}'s main process, wake-ups by thread: {}",
            per_sec(&f.idle_threads, f.idle_secs)
        );
        for p in &f.idle_child_threads {
            println!("- {who}'s {}: {}", p.process, per_sec(&p.threads, f.idle_secs));
        }
    }
    println!();
}

/// Growth of the app's own part over the burst, and the CPU the burst cost.
fn growth(g: &Growth) {
    let (first, last, settled) = (g.first_kib, g.last_kib, g.settled_kib);
    println!(
        "growth of the app's own part (RSS): {:.1} MiB after the first 1,000 events → {:.1} MiB after {} more events and {} reconnects: {:+.1} MiB; {} s later {:.1} MiB: {:+.1} MiB\n",
        mib(first),
        mib(last),
        g.sent,
        g.reconnects,
        (last as f64 - first as f64) / 1024.0,
        g.settle_secs,
        mib(settled),
        (settled as f64 - first as f64) / 1024.0
    );
    let cpu: Vec<String> = g.cpu.iter().map(|(p, ms)| format!("{p:?} {ms:.0}")).collect();
    let total: f64 = g.cpu.iter().map(|(_, ms)| ms).sum();
    println!("CPU of the app's own part during the burst: {total:.0} ms ({})\n", cpu.join(", "));
}

/// Latency at each rate.
fn latency(rates: &[Latency]) {
    println!(
        "| latency, with 1,000 chat msg/s | sent | rows seen | send → row in DOM p50 / p99 / max ms | arrival on the app's socket → row painted p50 / p99 ms | send → arrival (simulator) p50 ms |\n|---|---|---|---|---|---|"
    );
    for l in rates {
        println!(
            "| {} events/s | {} | {} | {:.1} / {:.1} / {:.1} | {:.1} / {:.1} | {:.1} |",
            l.rate,
            l.sent,
            l.seen,
            l.p50_ms,
            l.p99_ms,
            l.max_ms,
            l.painted_p50_ms,
            l.painted_p99_ms,
            l.arrival_p50_ms
        );
    }
    println!();
}
