//! The chaos soak against twitch-sim: seeded random handovers, closes (4000–4007), dirty drops
//! (with zombie subscriptions), duplicates and events, all through the simulator's control
//! API over real sockets → zero events lost while subscribed, none shown twice, every
//! unsubscribed moment inside a gap. Helix 401/429 and keepalive stalls are in `chaos.rs`
//! (the fake injects them per request). `TEV_CHAOS_SEED` replays, `TEV_CHAOS_SIM_EVENTS`
//! (default 2000) sizes it.

mod session_fake;

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::json;
use session_fake::sim::Sim;
use std::collections::{HashMap, HashSet};
use std::time::{Duration, SystemTime};

fn env_u64(name: &str) -> Option<u64> {
    std::env::var(name).ok().and_then(|v| v.trim().parse().ok())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sim_chaos_soak_loses_nothing_while_subscribed_and_marks_every_gap() {
    let seed = env_u64("TEV_CHAOS_SEED").unwrap_or_else(|| rand::rng().random());
    let events = env_u64("TEV_CHAOS_SIM_EVENTS").unwrap_or(2_000);
    eprintln!("sim chaos: seed={seed} events={events}");
    let mut rng = StdRng::seed_from_u64(seed);
    let sim = Sim::start().await;
    let (h, got) = sim.watcher().await;
    let logins = ["lumenforge", "nightowl"];
    for l in logins {
        h.add_channel(l, None).await.expect("add");
    }
    session_fake::wait_until(10, "both channels subscribed", || {
        let r = h.subscriptions().borrow().clone();
        ["141592653", "271828182"]
            .iter()
            .all(|c| r.enabled.iter().any(|(ch, t)| ch == c && t == "stream.online"))
    })
    .await;
    let kinds = ["stream.online", "channel.chat.notification", "channel.update"];
    let started = std::time::Instant::now();
    // Times are (before, after) the control call that sent (or found nothing to send).
    let mut sent: Vec<(String, String, (SystemTime, SystemTime))> = Vec::new();
    let mut unsubscribed: Vec<(String, (SystemTime, SystemTime))> = Vec::new();
    let mut figures: HashMap<&str, u64> = HashMap::new();
    let mut emitted = 0;
    while emitted < events {
        let r: f64 = rng.random();
        let session = sim.sessions().await.last().cloned();
        let act = match (r, &session) {
            (r, Some(s)) if r < 0.01 => {
                sim.post_racing(&format!("/_sim/sessions/{s}/reconnect"), json!({})).await;
                "handover"
            }
            (r, Some(s)) if r < 0.016 => {
                let code = rng.random_range(4000..=4007);
                sim.post_racing(&format!("/_sim/sessions/{s}/close"), json!({"code": code})).await;
                "close"
            }
            (r, Some(s)) if r < 0.02 => {
                let zombie = rng.random_bool(0.5);
                sim.post_racing(&format!("/_sim/sessions/{s}/drop"), json!({"zombie": zombie}))
                    .await;
                "dirty_drop"
            }
            (r, Some(s)) if r < 0.05 => {
                sim.post_racing(&format!("/_sim/sessions/{s}/duplicate-next"), json!({})).await;
                "duplicate"
            }
            _ => {
                let login = logins[rng.random_range(0..logins.len())];
                let channel = if login == "lumenforge" { "141592653" } else { "271828182" };
                let kind = kinds[rng.random_range(0..kinds.len())];
                // The simulator decides somewhere inside this HTTP round trip.
                let before = SystemTime::now();
                let ids = sim.emit(kind, login).await;
                let t = (before, SystemTime::now());
                emitted += 1;
                if ids.is_empty() {
                    unsubscribed.push((channel.to_string(), t));
                }
                // A duplicate-next repeats the id: count it once.
                let unique: HashSet<String> = ids.into_iter().collect();
                for id in unique {
                    sent.push((id, channel.to_string(), t));
                }
                "event"
            }
        };
        *figures.entry(act).or_default() += 1;
    }
    // Settled: one session, and the watcher has finished with it (its report names it, so
    // the gap of the last loss, emitted before the report, is out).
    let end = tokio::time::Instant::now() + Duration::from_secs(15);
    loop {
        let s = sim.sessions().await;
        let report = h.subscriptions().borrow().session_id.clone();
        let ok = *h.state().borrow() == tev_core::watcher::ConnectionState::Connected;
        if ok && s.len() == 1 && report.as_deref() == Some(s[0].as_str()) {
            break;
        }
        assert!(tokio::time::Instant::now() < end, "seed {seed}: never settled: {s:?} {report:?}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
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
    let gaps = got.gaps();
    let covered = |ch: &str, (a, b): (SystemTime, SystemTime)| {
        let (a, b): (chrono::DateTime<chrono::Utc>, chrono::DateTime<chrono::Utc>) =
            (a.into(), b.into());
        gaps.iter().any(|(c, from, to)| c == ch && *from <= b && a <= *to)
    };
    let mut lost_in_gaps = 0;
    for (id, ch, t) in &sent {
        if !unique.contains(id) {
            assert!(
                covered(ch, *t),
                "seed {seed}: {id} on {ch} at {} lost outside any gap; gaps: {:?}",
                chrono::DateTime::<chrono::Utc>::from(t.0),
                gaps.iter().filter(|g| g.0 == *ch).collect::<Vec<_>>()
            );
            lost_in_gaps += 1;
        }
    }
    for (ch, t) in &unsubscribed {
        assert!(
            covered(ch, *t),
            "seed {seed}: an unsubscribed moment {} on {ch} has no gap; gaps: {:?}",
            chrono::DateTime::<chrono::Utc>::from(t.0),
            gaps.iter().filter(|g| g.0 == *ch).collect::<Vec<_>>()
        );
    }
    let mut f: Vec<_> = figures.into_iter().collect();
    f.sort();
    eprintln!(
        "sim chaos: seed={seed} delivered={} sent={} lost_in_gaps={lost_in_gaps} unsubscribed_attempts={} gaps={} actions={f:?} in {:?}",
        ids.len(),
        sent.len(),
        unsubscribed.len(),
        gaps.len(),
        started.elapsed()
    );
    h.shutdown().await;
}
