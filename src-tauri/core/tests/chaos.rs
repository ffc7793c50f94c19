//! The chaos soak against the simulator: a seeded run of many events with random handovers,
//! closes (4000–4007), dirty drops (with and without zombie subscriptions), keepalive stalls,
//! duplicates, malformed frames and Helix 401/429, on the oldest or the newest socket, all
//! through the simulator's control API over real sockets → zero events lost while a
//! subscription was enabled, zero shown twice, every unsubscribed moment covered by a gap
//! marker (docs/twitch.md §1.3–§1.7, §4). `TEV_CHAOS_SEED` replays a run's chaos actions
//! (socket timing still varies); `TEV_CHAOS_EVENTS` (default 5000) sizes it;
//! `TEV_CHAOS_STALLS` (default 1) sets how many keepalive stalls it may contain.

mod support;

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::json;
use std::collections::{HashMap, HashSet};
use std::time::{Duration, SystemTime};
use support::*;
use tev_core::watcher::ConnectionState;

fn env_u64(name: &str) -> Option<u64> {
    std::env::var(name).ok().and_then(|v| v.trim().parse().ok())
}

// Earlier runs lost, on some seeds, an event sent on a live session that was neither shown
// nor inside a gap. The causes, each fixed in the session/watcher and pinned by a test in
// tests/session_handover.rs or tests/session_loss.rs named after its docs/twitch.md rule:
// - a reconcile still working on the old session id while Twitch moved the subscriptions to
//   a `session_reconnect` successor (docs/twitch.md §1.3 step 4) left subscriptions behind on
//   the old socket, or deleted the moved ones as orphans, and its result then closed the gap;
// - a handover's old socket that died (dirty drop, reset) after the successor's welcome
//   could take frames Twitch had sent before that welcome with it, with no gap (§1.3 step 3);
// - a loss right after a cut-short reconcile gave a gap only to channels known to be
//   enabled, while the cut-short reconcile had already enabled others.
// The seed fixes the sequence of chaos actions; the interleaving with the sockets still
// depends on timing, so on failure the message carries the simulator's log and the gap
// reasons around the moment, enough to read the cause without a replay.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn chaos_soak_loses_nothing_while_subscribed_and_marks_every_gap() {
    let seed = env_u64("TEV_CHAOS_SEED").unwrap_or_else(|| rand::rng().random());
    let events = env_u64("TEV_CHAOS_EVENTS").unwrap_or(5_000);
    eprintln!("chaos: seed={seed} events={events} (TEV_CHAOS_SEED={seed} to replay)");
    let mut rng = StdRng::seed_from_u64(seed);
    let sim = Sim::start().await;
    let (h, got, tokens) = watching(&sim, &["lumenforge", "nightowl", "quietfox"]).await;
    // The token owner can always refresh: an injected 401 costs one refresh and one retry.
    tokens.always_refresh.store(true, std::sync::atomic::Ordering::SeqCst);
    let login_of: HashMap<&str, &str> =
        HashMap::from([(LUMEN, "lumenforge"), (NIGHTOWL, "nightowl"), (QUIETFOX, "quietfox")]);
    let started = std::time::Instant::now();
    // Wait for the whole plan (16 subscriptions: three channels' live pairs and chat, the
    // first two channels' update and incoming raid within the cost of 10), then send only
    // what is subscribed: a type never planned is not a gap.
    wait_until(10, "the plan is subscribed", || h.subscriptions().borrow().enabled.len() == 16)
        .await;
    let pairs: Vec<(String, String)> = h
        .subscriptions()
        .borrow()
        .enabled
        .iter()
        .filter(|(_, t)| t != "channel.raid" && t != "stream.offline")
        .cloned()
        .collect();
    // (message id, channel, (before, after) the control call that sent it): the simulator
    // decides somewhere inside that round trip.
    let mut sent: Vec<(String, String, (SystemTime, SystemTime))> = Vec::new();
    // (channel, moment, type) of attempts that found no enabled subscription
    let mut unsubscribed: Vec<(String, (SystemTime, SystemTime), String)> = Vec::new();
    let mut figures: HashMap<&str, u64> = HashMap::new();
    // Each stall costs the keepalive window plus grace (~2.5 s): one by default.
    let max_stalls = env_u64("TEV_CHAOS_STALLS").unwrap_or(1);
    let mut stalls = 0;
    let mut emitted = 0u64;
    let mut step = 0u64;
    while emitted < events {
        step += 1;
        let r: f64 = rng.random();
        // Act on the oldest open socket (during a handover, the old one) or the newest.
        let oldest = rng.random_bool(0.5);
        let session = if r < 0.025 {
            let s = sim.sessions().await;
            if oldest { s.first().cloned() } else { s.last().cloned() }
        } else {
            None
        };
        let act = match (r, &session) {
            (r, Some(s)) if r < 0.004 => {
                sim.post_racing(&format!("/_sim/sessions/{s}/reconnect"), json!({})).await;
                "handover"
            }
            (r, Some(s)) if r < 0.006 => {
                let code = rng.random_range(4000..=4007);
                sim.post_racing(&format!("/_sim/sessions/{s}/close"), json!({"code": code})).await;
                "close"
            }
            (r, Some(s)) if r < 0.007 => {
                let zombie = rng.random_bool(0.5);
                sim.post_racing(&format!("/_sim/sessions/{s}/drop"), json!({"zombie": zombie}))
                    .await;
                "dirty_drop"
            }
            (r, Some(s)) if r < 0.0075 && stalls < max_stalls => {
                // Nothing reaches the client any more (no keepalives, no events) until it
                // notices and moves to a fresh session.
                stalls += 1;
                sim.post_racing(
                    &format!("/_sim/sessions/{s}/keepalive"),
                    json!({"enabled": false}),
                )
                .await;
                let end = tokio::time::Instant::now() + Duration::from_secs(10);
                loop {
                    let now = sim.sessions().await;
                    if !now.contains(s) && now.len() == 1 {
                        break;
                    }
                    assert!(
                        tokio::time::Instant::now() < end,
                        "seed {seed}: stall on {s} never noticed: sessions {now:?} state {:?}",
                        *h.state().borrow()
                    );
                    tokio::time::sleep(Duration::from_millis(10)).await;
                }
                "keepalive_stall"
            }
            (r, Some(s)) if r < 0.02 => {
                sim.post_racing(&format!("/_sim/sessions/{s}/duplicate-next"), json!({})).await;
                "duplicate"
            }
            (r, Some(s)) if r < 0.025 => {
                let junk = if step.is_multiple_of(2) { "{\"metadata\":" } else { "\u{1}garbage" };
                sim.post_racing(&format!("/_sim/sessions/{s}/send"), json!({"text": junk})).await;
                "malformed"
            }
            // One pending Helix failure at a time: each costs the next request one retry.
            (r, _) if (0.025..0.027).contains(&r) && sim.faults_pending().await == 0 => {
                sim.fault(json!({"path": "/helix/", "status": 401,
                                 "message": "Invalid OAuth token"}))
                    .await;
                "helix_401"
            }
            (r, _) if (0.027..0.029).contains(&r) && sim.faults_pending().await == 0 => {
                sim.fault(json!({"path": "/helix/", "status": 429,
                                 "message": "Too Many Requests", "ratelimit_remaining": 0}))
                    .await;
                "helix_429"
            }
            _ => {
                let (ch, ty) = &pairs[rng.random_range(0..pairs.len())];
                let login = login_of.get(ch.as_str()).copied().expect("a watched channel");
                let before = SystemTime::now();
                let ids = sim.emit(ty, login).await;
                let t = (before, SystemTime::now());
                emitted += 1;
                if ids.is_empty() {
                    unsubscribed.push((ch.clone(), t, ty.clone()));
                }
                // A duplicate-next repeats the id: count it once.
                let unique: HashSet<String> = ids.into_iter().collect();
                for id in unique {
                    sent.push((id, ch.clone(), t));
                }
                "event"
            }
        };
        *figures.entry(act).or_default() += 1;
    }
    // Settled: one session, every subscription on it, and the watcher has finished with it
    // (its report names it, so the gap of the last loss, emitted before the report, is out).
    connected(&h).await;
    eventually(20, "settled: one session, all subscriptions on it", || async {
        let s = sim.sessions().await;
        let subs = sim.enabled_subs().await;
        s.len() == 1
            && subs.iter().all(|x| x["transport"]["session_id"] == s[0].as_str())
            && h.subscriptions().borrow().session_id.as_deref() == Some(s[0].as_str())
            && *h.state().borrow() == ConnectionState::Connected
    })
    .await;
    // Frames still in flight: wait until every event is in or nothing arrives for 500 ms.
    let mut last = (0, std::time::Instant::now());
    loop {
        let ids: HashSet<String> = got.message_ids().into_iter().collect();
        let n = ids.len();
        if sent.iter().all(|(id, ..)| ids.contains(id))
            || (n == last.0 && last.1.elapsed() > Duration::from_millis(500))
        {
            break;
        }
        if n != last.0 {
            last = (n, std::time::Instant::now());
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let ids = got.message_ids();
    let unique: HashSet<&String> = ids.iter().collect();
    assert_eq!(unique.len(), ids.len(), "seed {seed}: an event was shown twice");
    let sent_ids: HashSet<&String> = sent.iter().map(|(id, ..)| id).collect();
    assert!(unique.iter().all(|id| sent_ids.contains(id)), "seed {seed}: unknown event shown");
    let gaps = got.gaps();
    let log = sim.log(None).await;
    // On failure: what the simulator did around the moment, and the watcher's gap reasons.
    let around = |(a, b): (SystemTime, SystemTime)| {
        let (a, b): (Utc, Utc) = (a.into(), b.into());
        let d = chrono::Duration::milliseconds(400);
        let lines: Vec<String> = log
            .iter()
            .filter(|e| e["kind"] != "helix" || e["status"] != 200)
            .filter(|e| {
                e["at"]
                    .as_str()
                    .and_then(|t| t.parse::<Utc>().ok())
                    .is_some_and(|t| t > a - d && t < b + d)
            })
            .map(|e| {
                format!("{} {}", e["at"].as_str().unwrap_or(""), e["text"].as_str().unwrap_or(""))
            })
            .collect();
        let reasons: Vec<String> = got
            .gap_rows()
            .into_iter()
            .filter(|(_, from, to, _)| *from < b + d && *to > a - d)
            .map(|(channel, from, to, reason)| format!("{channel} {from} {to} {reason}"))
            .collect();
        format!("\nsimulator log:\n{}\ngaps:\n{}", lines.join("\n"), reasons.join("\n"))
    };
    let covered = |ch: &str, (a, b): (SystemTime, SystemTime)| {
        let (a, b): (Utc, Utc) = (a.into(), b.into());
        gaps.iter().any(|(c, from, to)| c == ch && *from <= b && a <= *to)
    };
    let mut lost_in_gaps = 0;
    for (id, ch, t) in &sent {
        if !unique.contains(id) {
            assert!(
                covered(ch, *t),
                "seed {seed}: {id} on {ch} sent at {} lost outside any gap{}",
                Utc::from(t.0),
                around(*t)
            );
            lost_in_gaps += 1;
        }
    }
    for (ch, t, ty) in &unsubscribed {
        assert!(
            covered(ch, *t),
            "seed {seed}: unsubscribed moment {} on {ch} ({ty}) not covered{}",
            Utc::from(t.0),
            around(*t)
        );
    }
    let c = sim.counters().await;
    assert_eq!(c["inbound_frames"], 0, "seed {seed}: the client sent something");
    // (An old socket closed before a successor's welcome is fine here: chaos kills successors.)
    // Twitch's limit is 3 (docs/twitch.md §1.6); here a socket counts until its closing
    // handshake ends, so a fresh connect right after abandoning a handover can briefly make 3.
    assert!(
        c["ws_open_max"].as_u64() <= Some(3),
        "seed {seed}: {} sockets at once",
        c["ws_open_max"]
    );
    let mut f: Vec<_> = figures.into_iter().collect();
    f.sort();
    eprintln!(
        "chaos: seed={seed} delivered={} sent={} lost_in_gaps={lost_in_gaps} unsubscribed_attempts={} gaps={} helix_401={} helix_429={} actions={f:?} in {:?}",
        ids.len(),
        sent.len(),
        unsubscribed.len(),
        gaps.len(),
        c["helix_statuses"]["401"],
        c["helix_statuses"]["429"],
        started.elapsed()
    );
    h.shutdown().await;
}
