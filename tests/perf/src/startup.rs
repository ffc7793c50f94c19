//! Start-up: from the process's start (`/proc`) to the page's first contentful paint and to the
//! paint that shows its data, read from the page's own marks (`markPainted` in `ui/js/ipc.js`)
//! or, failing them, observed through WebDriver. Three start-ups are measured: the baseline's
//! first paint, the app's home window at a first run, and the app's streamer window opened by a
//! watch link; then, as one start-up is at the mercy of the moment, interleaved rounds of the
//! three, whose medians the report compares.

use crate::launch::{Running, is_home_page, launch, launch_baseline};
use crate::procfs;
use crate::sim::CHANNEL;
use serde_json::Value;
use std::path::Path;
use std::time::{Duration, Instant};

/// One start-up of one of the app's windows, in ms from the process's start.
#[derive(Clone, Copy, Debug)]
pub struct Start {
    /// The page's first contentful paint (`None`: the page has no paint entry).
    pub first_paint_ms: Option<f64>,
    /// The paint that shows the page's data (the home page's, the panel's stored rows).
    pub data_painted_ms: f64,
    /// Whether `data_painted_ms` was observed as it happened (else an upper bound).
    pub exact: bool,
}

/// One interleaved round: three start-ups in turn, ms from each process's start.
#[derive(Clone, Copy, Debug)]
pub struct StartupRound {
    /// The baseline's first contentful paint.
    pub baseline_ms: f64,
    /// The app's home window on a fresh home, painted with its data.
    pub home_ms: f64,
    /// The app's streamer window by a watch link, painted with its stored events.
    pub link_ms: f64,
}

/// The page's own start-up marks, epoch ms.
#[derive(Clone, Copy, Debug)]
struct Marks {
    /// `tev:ready`: the data is in the DOM.
    ready: f64,
    /// `tev:painted`: the second animation frame after the data went in.
    painted: f64,
    /// The page's first contentful paint, if it has one.
    fcp: Option<f64>,
}

impl Running {
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
            marks.map(|m| (m.ready - start, m.painted - start, m.fcp.map(|f| f - start)))
        );
        match marks {
            Some(m) => (data_paint(m.ready, m.painted, m.fcp) - start, true),
            None => (painted - start, exact),
        }
    }

    /// The page's own start-up marks (`markPainted` in `ui/js/ipc.js`): when it showed its data
    /// and the second animation frame after that, and its first contentful paint if any, in
    /// epoch ms; waits for the marks up to 60 s. Exact even when WebDriver reaches the page late
    /// (the page records them itself).
    async fn own_marks(&self) -> Option<Marks> {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let m = self
                .js("const g = (n, t) => { const e = performance.getEntriesByName(n, t)[0];\
                       return e ? performance.timeOrigin + e.startTime : null; };\
                     return [g('tev:ready', 'mark'), g('tev:painted', 'mark'),\
                       g('first-contentful-paint', 'paint')];")
                .await;
            if let (Some(r), Some(p)) = (m[0].as_f64(), m[1].as_f64()) {
                return Some(Marks { ready: r, painted: p, fcp: m[2].as_f64() });
            }
            if Instant::now() > deadline {
                return None;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

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

/// Milliseconds from the baseline's process start to its first contentful paint.
pub async fn baseline_first_paint(app: &Running) -> Option<f64> {
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
/// contentful paint and the paint that shows its data.
pub async fn home_start(app: &Running, btime: f64) -> Start {
    let start = procfs::start_epoch_ms(&procfs::sample(app.pid).expect("app runs"), btime);
    let (ms, exact) = app
        .data_painted("home", "document.body && document.body.dataset.ready === 'true'", start)
        .await;
    let timing = app.page_timing().await;
    eprintln!("app home timing: {timing}");
    Start { first_paint_ms: first_paint(&timing, start), data_painted_ms: ms, exact }
}

/// Start-up straight into the streamer window by a watch link, on `home` (signed in, stored
/// events): the panel's first contentful paint and the paint that shows its stored rows.
/// `explain`: print where the time went, on stderr.
pub async fn link_start(bin: &Path, home: &Path, base: &str, btime: f64, explain: bool) -> Start {
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
    Start { first_paint_ms: fcp, data_painted_ms: ms, exact }
}

/// `count` rounds of three start-ups in turn: the baseline, the app's home on a fresh home,
/// the app's streamer window by a link on `home`. One start-up is at the mercy of the moment (a
/// shared VM's neighbours, what ran just before: a run's first launches follow the baseline's
/// idle minute, its link start the latency phase), and the baseline's own first paint moved
/// 274–524 ms between runs. Medians of interleaved start-ups compare the two under the same
/// conditions. A round whose baseline showed no paint is left out.
pub async fn rounds(
    bin: &Path,
    home: &Path,
    base: &str,
    btime: f64,
    count: usize,
) -> Vec<StartupRound> {
    let mut done = Vec::new();
    for round in 0..count {
        let (b, _b_home) = launch_baseline().await;
        let b_fcp = baseline_first_paint(&b).await;
        b.quit().await;
        let fresh = tev_e2e::home_with_sim_client();
        let app = launch(bin, fresh.path(), Some(base), &[]).await;
        let h = home_start(&app, btime).await.data_painted_ms;
        app.quit().await;
        let l = link_start(bin, home, base, btime, false).await.data_painted_ms;
        eprintln!("start-up round {}: baseline {b_fcp:?}, home {h:.0}, link {l:.0} ms", round + 1);
        if let Some(b_fcp) = b_fcp {
            done.push(StartupRound { baseline_ms: b_fcp, home_ms: h, link_ms: l });
        }
    }
    done
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
