//! The keepalive window to ask Twitch for (`keepalive_timeout_seconds`, docs/twitch.md §1.1,
//! `eventsub::session::KEEPALIVE_WINDOW_SECS`): one number that is both the subscribe deadline
//! after a welcome (4003 "connection unused" when no subscription lands in it) and how long a
//! silent dead ("zombie") connection goes unnoticed (window plus grace; Twitch replays nothing,
//! docs/twitch.md §1.4). Prints figures for both sides against the simulator, on Twitch's own
//! timings (real seconds: about three minutes in all). No figure is asserted.
//!
//! `cargo bench -p tev-core --bench keepalive_window` (`--profile dev` is enough: the time is
//! spent waiting, not computing). BENCHMARKS.md "Keepalive window" has the figures.
//!
//! 1. **The deadline side**: the time from a welcome to the first enabled subscription, per
//!    condition at the welcome (plain; the token expired, so a 401 and a refresh; a slow Helix;
//!    the rate-limit bucket empty for 5, 12 and 30 s). A window shorter than that time is a
//!    4003 and a reconnect.
//! 2. **The zombie side**: the connection goes silent (a TCP proxy between the watcher and the
//!    simulator stops forwarding and closes nothing, like a network that vanished) while a
//!    chat message is sent every 100 ms; the time until the watcher is subscribed on a new
//!    session, and the messages lost, for windows of 10, 20 and 30 s (longer ones take as long
//!    in real time; their figure follows the same sum: window + grace + reconnect + subscribe).

#[path = "../tests/support/mod.rs"]
mod support;

use serde_json::json;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};
use support::*;
use tev_core::watcher::{self, WatcherConfig};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// The production watcher configuration (`WatcherConfig::new`) at the simulator, asking for
/// `window` seconds, with the WebSocket through `ws` when given.
fn production(sim: &Sim, window: u32, ws: Option<&str>) -> (tev_core::Endpoints, WatcherConfig) {
    let mut ep = sim.endpoints();
    if let Some(ws) = ws {
        ep.eventsub_ws = ws.parse().expect("ws url");
    }
    let mut cfg = WatcherConfig::new(&ep);
    cfg.session.keepalive_request = Some(window);
    (ep, cfg)
}

/// Seconds from the first session's appearance to its first enabled subscription.
async fn time_to_first_subscription(setup: &str) -> f64 {
    let sim = Sim::with_twitch_timings().await;
    // No 4003 while measuring: the measured time is what a window has to cover.
    sim.config(json!({"unused_timeout_ms": 600_000})).await;
    let tokens = sim.tokens("sim_viewer", VIEWER_SCOPES).await;
    match setup {
        "token expired" => {
            let old = tokens.current.lock().expect("t").clone();
            let fresh = sim.mint("sim_viewer", VIEWER_SCOPES).await;
            sim.revoke(&old).await;
            *tokens.next.lock().expect("t") = Some(fresh.access);
        }
        "slow Helix (2 s a create)" => sim.config(json!({"subscribe_delay_ms": 2000})).await,
        s if s.starts_with("bucket empty") => {
            let secs: u64 = s.split_whitespace().nth(2).and_then(|n| n.parse().ok()).unwrap_or(0);
            sim.config(json!({"empty_bucket_after_welcome_ms": secs * 1000})).await;
        }
        _ => {}
    }
    let (ep, cfg) = production(&sim, 600, None);
    let h = watcher::spawn(&ep, tokens, cfg).expect("spawn");
    let hh = h.clone();
    tokio::spawn(async move { hh.add_channel("lumenforge", None).await });
    let welcome = loop {
        if !sim.sessions().await.is_empty() {
            break Instant::now();
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    };
    while sim.enabled_subs().await.is_empty() {
        assert!(welcome.elapsed() < Duration::from_secs(120), "never subscribed ({setup})");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let t = welcome.elapsed().as_secs_f64();
    h.shutdown().await;
    t
}

/// A TCP proxy whose connections can all go silent at once: bytes are read and dropped both
/// ways, nothing is closed. Connections opened later forward normally.
#[derive(Clone, Default)]
struct Proxy {
    /// One switch per connection so far.
    conns: Arc<std::sync::Mutex<Vec<Arc<AtomicBool>>>>,
}

impl Proxy {
    async fn start(&self, upstream: String) -> String {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("addr");
        let conns = self.conns.clone();
        tokio::spawn(async move {
            while let Ok((down, _)) = listener.accept().await {
                let Ok(up) = TcpStream::connect(&upstream).await else { continue };
                let silent = Arc::new(AtomicBool::new(false));
                conns.lock().expect("p").push(silent.clone());
                let (dr, dw) = down.into_split();
                let (ur, uw) = up.into_split();
                tokio::spawn(pipe(dr, uw, silent.clone()));
                tokio::spawn(pipe(ur, dw, silent));
            }
        });
        format!("ws://{addr}/ws")
    }

    fn go_silent(&self) {
        for c in self.conns.lock().expect("p").iter() {
            c.store(true, Ordering::SeqCst);
        }
    }
}

async fn pipe(
    mut from: tokio::net::tcp::OwnedReadHalf,
    mut to: tokio::net::tcp::OwnedWriteHalf,
    silent: Arc<AtomicBool>,
) {
    let mut buf = vec![0u8; 16 * 1024];
    loop {
        match from.read(&mut buf).await {
            Ok(0) | Err(_) => {
                if !silent.load(Ordering::SeqCst) {
                    let _ = to.shutdown().await;
                    return;
                }
                // A vanished network tells nobody: keep the other side open.
                std::future::pending::<()>().await;
            }
            Ok(n) => {
                if !silent.load(Ordering::SeqCst) && to.write_all(&buf[..n]).await.is_err() {
                    return;
                }
            }
        }
    }
}

/// (seconds deaf, messages that happened while deaf, messages lost) for one silent
/// connection. A message happens every 100 ms; once Twitch has noticed the dead connection
/// (no Pong, 4002) it is sent to nobody, lost all the same.
async fn zombie(window: u32) -> (f64, usize, usize) {
    let sim = Sim::with_twitch_timings().await;
    let proxy = Proxy::default();
    let ws = proxy.start(sim.base.trim_start_matches("http://").to_string()).await;
    let tokens = sim.tokens("sim_viewer", VIEWER_SCOPES).await;
    let (ep, cfg) = production(&sim, window, Some(&ws));
    let h = watcher::spawn(&ep, tokens, cfg).expect("spawn");
    let got = Collected::start(&h);
    h.add_channel("lumenforge", None).await.expect("add");
    connected(&h).await;
    let old = sim.sessions().await[0].clone();
    // Every message that happened: when, and its id if Twitch sent it to a session.
    let sent = Arc::new(std::sync::Mutex::new(Vec::<(Instant, Option<String>)>::new()));
    let stop = Arc::new(AtomicBool::new(false));
    let pump = {
        let (sent, stop, base) = (sent.clone(), stop.clone(), sim.base.clone());
        tokio::spawn(async move {
            let http = tev_core::tls::http_client().build().expect("an HTTP client");
            let mut tick = tokio::time::interval(Duration::from_millis(100));
            while !stop.load(Ordering::SeqCst) {
                tick.tick().await;
                let at = Instant::now();
                let r = http
                    .post(format!("{base}/_sim/events"))
                    .json(
                        &json!({"type": "channel.chat.message", "broadcaster_login": "lumenforge"}),
                    )
                    .send()
                    .await;
                let mut ids = Vec::new();
                if let Ok(r) = r
                    && let Ok(v) = r.json::<serde_json::Value>().await
                {
                    ids = v["message_ids"].as_array().cloned().unwrap_or_default();
                }
                let id = ids.first().and_then(|i| i.as_str()).map(str::to_string);
                sent.lock().expect("s").push((at, id));
            }
        })
    };
    tokio::time::sleep(Duration::from_secs(2)).await;
    proxy.go_silent();
    let t0 = Instant::now();
    loop {
        let subs = sim.enabled_subs().await;
        let fresh = subs.iter().filter(|s| s["transport"]["session_id"] != old.as_str()).count();
        if fresh == VIEWER_SUBS && subs.len() == VIEWER_SUBS {
            break;
        }
        assert!(t0.elapsed() < Duration::from_secs(700), "never resubscribed");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let deaf = t0.elapsed();
    tokio::time::sleep(Duration::from_secs(1)).await;
    stop.store(true, Ordering::SeqCst);
    let _ = pump.await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    let received = got.message_ids();
    let sent = sent.lock().expect("s").clone();
    let during = sent.iter().filter(|(t, _)| *t >= t0 && *t <= t0 + deaf).count();
    let lost =
        sent.iter().filter(|(_, id)| id.as_ref().is_none_or(|id| !received.contains(id))).count();
    h.shutdown().await;
    (deaf.as_secs_f64(), during, lost)
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    install_crypto();
    println!("## Deadline side: welcome → first enabled subscription (production watcher)");
    println!("| condition at the welcome | seconds |");
    println!("|---|---|");
    let mut needed = Vec::new();
    for setup in [
        "plain",
        "token expired",
        "slow Helix (2 s a create)",
        "bucket empty 5 s",
        "bucket empty 12 s",
        "bucket empty 30 s",
    ] {
        let t = time_to_first_subscription(setup).await;
        println!("| {setup} | {t:.2} |");
        needed.push((setup, t));
    }
    println!();
    println!("## Zombie side: a silent connection, a chat message every 100 ms");
    println!("| window s | deaf s (silent → subscribed again) | messages meanwhile | lost |");
    println!("|---|---|---|---|");
    let mut overhead = Vec::new();
    for window in [10u32, 20, 30] {
        let (deaf, during, lost) = zombie(window).await;
        println!("| {window} | {deaf:.1} | {during} | {lost} |");
        overhead.push(deaf - f64::from(window));
    }
    let extra = overhead.iter().sum::<f64>() / overhead.len() as f64;
    println!();
    println!("## Both sides per candidate window (deaf time beyond 30 s from the measured sum)");
    println!(
        "| window s | deaf s per zombie (= lost at 1 event/s) | conditions that end in 4003 |"
    );
    println!("|---|---|---|");
    for window in [10u32, 15, 20, 30, 60, 120, 300, 600] {
        let deaf = f64::from(window) + extra;
        let fail: Vec<&str> =
            needed.iter().filter(|(_, t)| *t >= f64::from(window)).map(|(s, _)| *s).collect();
        let fail = if fail.is_empty() { "none".to_string() } else { fail.join(", ") };
        println!("| {window} | {deaf:.0} | {fail} |");
    }
}
