//! Latency: how long a row takes from the simulator to the panel's DOM, at 1, 50 and 500 events
//! a second, while a 1,000 msg/s chat firehose runs (the app subscribes to chat for cheers).
//! Every end reads the same machine clock: the harness's just before each POST, the page's in a
//! MutationObserver when the row first enters the list and two frames later (`tev:painted`, the
//! frame that shows it, as `markPainted` in `ui/js/ipc.js` counts it), and the app's when the
//! frame was read off its socket (`TEV_BENCH_ARRIVALS`, see `launch::arrivals_file`). So the
//! simulator's own part (send → arrival) shows apart from the app's (arrival → painted).

use crate::launch::Running;
use crate::sim::CHANNEL;
use serde_json::{Value, json};
use std::collections::HashMap;
use std::path::Path;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// Send → row in the DOM at one rate.
#[derive(Clone, Copy, Debug)]
pub struct Latency {
    /// Events sent a second.
    pub rate: u32,
    /// Events sent (their message ids answered by the simulator).
    pub sent: usize,
    /// Rows seen entering the DOM; at high rates most rows are pushed out of the ten by newer
    /// ones before the panel's next view and never shown.
    pub seen: usize,
    /// Median, ms.
    pub p50_ms: f64,
    /// 99th percentile, ms.
    pub p99_ms: f64,
    /// Slowest row, ms.
    pub max_ms: f64,
    /// The frame's arrival on the app's socket → the row painted (`tev:painted`): median, ms.
    pub painted_p50_ms: f64,
    /// The same, 99th percentile, ms.
    pub painted_p99_ms: f64,
    /// The simulator's part: the harness's send → the frame's arrival on the app's socket,
    /// median, ms.
    pub arrival_p50_ms: f64,
}

/// The `q` quantile of `v` (sorted), NaN when empty.
fn quantile(v: &[f64], q: f64) -> f64 {
    if v.is_empty() {
        return f64::NAN;
    }
    v[((v.len() - 1) as f64 * q).round() as usize]
}

/// For each `[id, epoch ms]` of `marks` whose id is in `from`: the time since `from`'s, sorted.
fn since(marks: &Value, from: &HashMap<String, f64>) -> Vec<f64> {
    let mut v: Vec<f64> = marks
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|e| Some(e[1].as_f64()? - from.get(e[0].as_str()?)?))
        .collect();
    v.sort_by(f64::total_cmp);
    v
}

/// Each frame's arrival on the app's socket (epoch ms) by message id, as the app recorded it.
fn arrivals(path: &Path) -> HashMap<String, f64> {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    text.lines()
        .filter_map(|l| {
            let (id, at) = l.split_once(' ')?;
            Some((id.to_string(), at.parse().ok()?))
        })
        .collect()
}

/// The machine's clock in epoch ms, as the page reads it (`performance.timeOrigin +
/// performance.now()`).
fn now_ms() -> f64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs_f64() * 1000.0).unwrap_or(0.0)
}

/// Sends row-making events at `rate`/s for a while with a 1,000 msg/s chat firehose running;
/// returns send → row inserted in the panel's DOM, and arrival on the app's socket (recorded in
/// `arrivals`) → row painted.
pub async fn latency(app: &Running, base: &str, rate: u32, arrivals_path: &Path) -> Latency {
    // Records when each row first enters the list (a MutationObserver runs right after the
    // DOM change, before paint), and the second animation frame after it (the frame that
    // shows the row has been drawn then), with the page's clock in epoch ms.
    app.js("window.__lat = new Map(); window.__painted = new Map();\
         if (window.__latObs) window.__latObs.disconnect();\
         window.__latObs = new MutationObserver((muts) => {\
           const t = performance.timeOrigin + performance.now();\
           const ids = [];\
           for (const m of muts) for (const n of m.addedNodes)\
             if (n.dataset && n.dataset.id && !window.__lat.has(n.dataset.id)) {\
               window.__lat.set(n.dataset.id, t); ids.push(n.dataset.id);\
             }\
           if (ids.length) requestAnimationFrame(() => requestAnimationFrame(() => {\
             const p = performance.timeOrigin + performance.now();\
             for (const id of ids) window.__painted.set(id, p);\
           }));\
         });\
         window.__latObs.observe(document.getElementById('events'), { childList: true });\
         return true;")
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
            let http = tev_e2e::http();
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
    let http = tev_e2e::http();
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
    // The firehose's frames carry the last arrival times to the file (the app writes them at
    // most every 100 ms); read it before the firehose stops.
    let arrived = arrivals(arrivals_path);
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let _ = hose.await;
    let seen =
        app.js("return [[...window.__lat.entries()], [...window.__painted.entries()]];").await;
    let lat = since(&seen[0], &sent_at);
    // Only the rows sent here: a redraw also re-adds the rows that were on screen before.
    let arrived: HashMap<String, f64> =
        arrived.into_iter().filter(|(id, _)| sent_at.contains_key(id)).collect();
    let painted = since(&seen[1], &arrived);
    let mut sim_part: Vec<f64> =
        sent_at.iter().filter_map(|(id, t)| Some(arrived.get(id)? - t)).collect();
    sim_part.sort_by(f64::total_cmp);
    let r = Latency {
        rate,
        sent: sent_at.len(),
        seen: lat.len(),
        p50_ms: quantile(&lat, 0.5),
        p99_ms: quantile(&lat, 0.99),
        max_ms: quantile(&lat, 1.0),
        painted_p50_ms: quantile(&painted, 0.5),
        painted_p99_ms: quantile(&painted, 0.99),
        arrival_p50_ms: quantile(&sim_part, 0.5),
    };
    eprintln!(
        "  latency {rate}/s: sent {} seen {} p50 {:.1} p99 {:.1} max {:.1} ms; \
         arrival → painted ({} rows) p50 {:.1} p99 {:.1} ms; send → arrival ({} frames) p50 {:.1} ms",
        r.sent,
        r.seen,
        r.p50_ms,
        r.p99_ms,
        r.max_ms,
        painted.len(),
        r.painted_p50_ms,
        r.painted_p99_ms,
        sim_part.len(),
        r.arrival_p50_ms
    );
    tokio::time::sleep(Duration::from_secs(2)).await;
    r
}
