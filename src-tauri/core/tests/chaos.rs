//! Issue 4 "Chaos soak": a seeded run of many events with random handovers, closes (4000–4007),
//! dirty drops, keepalive stalls, duplicates, malformed frames and Helix 401/429 → zero events
//! lost while a subscription was enabled, zero shown twice, every unsubscribed interval covered
//! by a gap marker. `TEV_CHAOS_SEED` replays a run's chaos actions (socket timing still varies);
//! `TEV_CHAOS_EVENTS` (default 10000, about 4 s) sizes it;
//! `TEV_CHAOS_STALLS` (default 1) sets how many keepalive stalls it may contain.

mod session_fake;

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use session_fake::*;
use std::collections::{HashMap, HashSet};
use std::time::{Duration, SystemTime};

fn env_u64(name: &str) -> Option<u64> {
    std::env::var(name).ok().and_then(|v| v.trim().parse().ok())
}

// Session 1 quarantined this run: on some seeds one event sent on a live session was neither
// shown nor inside a gap. The causes, each now fixed in the session/watcher and pinned by a
// test in tests/session_handover.rs named after its twitch.md rule:
// - a reconcile still working on the old session id while Twitch moved the subscriptions to
//   a `session_reconnect` successor (twitch.md §1.3 step 4) left subscriptions behind on the
//   old socket, or deleted the moved ones as orphans, and its result then closed the gap;
// - a handover's old socket that died (dirty drop, reset) after the successor's welcome
//   could take frames Twitch had sent before that welcome with it, with no gap (§1.3 step 3);
// - a loss right after a cut-short reconcile gave a gap only to channels known to be
//   enabled, while the cut-short reconcile had already enabled others.
// The seed fixes the sequence of chaos actions; the interleaving with the sockets still
// depends on timing, so on failure the message carries the fake's socket log and the gap
// reasons around the moment, enough to read the cause without a replay.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn chaos_soak_loses_nothing_while_subscribed_and_marks_every_gap() {
    let seed = env_u64("TEV_CHAOS_SEED").unwrap_or_else(|| rand::rng().random());
    let events = env_u64("TEV_CHAOS_EVENTS").unwrap_or(10_000);
    eprintln!("chaos: seed={seed} events={events} (TEV_CHAOS_SEED={seed} to replay)");
    let mut rng = StdRng::seed_from_u64(seed);
    let fake = Fake::start().await;
    let (h, got, tokens) = watching(&fake, &["lumen", "aria", "brook"]).await;
    // The token owner can always refresh: an injected 401 costs one refresh and one retry.
    tokens.always_refresh.store(true, std::sync::atomic::Ordering::SeqCst);
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
    // (message id, channel, time after the send)
    let mut sent: Vec<(String, String, SystemTime)> = Vec::new();
    // (channel, time) of attempts that found no enabled subscription
    let mut unsubscribed: Vec<(String, SystemTime, String)> = Vec::new();
    let mut figures: HashMap<&str, u64> = HashMap::new();
    // Each stall costs the keepalive window plus grace (~2.5 s): one by default.
    let max_stalls = env_u64("TEV_CHAOS_STALLS").unwrap_or(1);
    let mut stalls = 0;
    let mut emitted = 0u64;
    let mut step = 0u64;
    while emitted < events {
        step += 1;
        let r: f64 = rng.random();
        let session = fake.sessions().first().cloned();
        let act = match (r, &session) {
            (r, Some(s)) if r < 0.004 => {
                fake.reconnect(s);
                "handover"
            }
            (r, Some(s)) if r < 0.006 => {
                fake.close(s, rng.random_range(4000..=4007));
                "close"
            }
            (r, Some(s)) if r < 0.007 => {
                fake.drop_dirty(s);
                "dirty_drop"
            }
            (r, Some(s)) if r < 0.0075 && stalls < max_stalls => {
                // Nothing reaches the client any more (no keepalives, no events) until it
                // notices and moves to a fresh session.
                stalls += 1;
                fake.with(|w| w.conns.get_mut(s).map(|c| c.keepalive = false));
                let end = tokio::time::Instant::now() + Duration::from_secs(10);
                while !(fake.sessions().len() == 1 && fake.sessions()[0] != *s) {
                    assert!(
                        tokio::time::Instant::now() < end,
                        "seed {seed}: stall on {s} never noticed: sessions {:?} state {:?}",
                        fake.sessions(),
                        *h.state().borrow()
                    );
                    tokio::time::sleep(Duration::from_millis(10)).await;
                }
                "keepalive_stall"
            }
            (r, Some(s)) if r < 0.02 => {
                fake.with(|w| w.conns.get_mut(s).map(|c| c.duplicate_next = true));
                "duplicate"
            }
            (r, Some(s)) if r < 0.025 => {
                fake.send(
                    s,
                    Out::Text(if step.is_multiple_of(2) {
                        "{\"metadata\":".into()
                    } else {
                        "\u{1}garbage".into()
                    }),
                );
                "malformed"
            }
            // One pending Helix failure at a time: each costs the next request one retry.
            (r, _) if r < 0.027 && fake.with(|w| w.fail_next.is_empty()) => {
                fake.with(|w| {
                    w.fail_next.push_back(("*".into(), 401, "Invalid OAuth token".into(), None))
                });
                "helix_401"
            }
            (r, _) if r < 0.029 && fake.with(|w| w.fail_next.is_empty()) => {
                fake.with(|w| {
                    w.fail_next.push_back(("*".into(), 429, "Too Many Requests".into(), Some(0)))
                });
                "helix_429"
            }
            _ => {
                let (ch, ty) = &pairs[rng.random_range(0..pairs.len())];
                let ch = ch.as_str();
                let ids = fake.emit(ty, ch);
                let t = SystemTime::now();
                emitted += 1;
                if ids.is_empty() {
                    unsubscribed.push((
                        ch.to_string(),
                        t,
                        format!("{ty}: {}", fake.explain(ty, ch)),
                    ));
                }
                for id in ids {
                    sent.push((id, ch.to_string(), t));
                }
                "event"
            }
        };
        *figures.entry(act).or_default() += 1;
        if step.is_multiple_of(8) {
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
    }
    // Let the last reconnect finish so its gap is emitted.
    connected(&h).await;
    wait_until(20, "settled: one session, all subscriptions on it", || {
        let s = fake.sessions();
        s.len() == 1
            && fake.enabled_subs().iter().all(|x| x.session_id == s[0])
            && h.subscriptions().borrow().session_id.as_deref() == Some(s[0].as_str())
            && *h.state().borrow() == tev_core::watcher::ConnectionState::Connected
    })
    .await;
    // Frames still in flight: wait until every event is in or nothing arrives for 500 ms.
    let mut last = (0, std::time::Instant::now());
    loop {
        let n = got.message_ids().len();
        let all = {
            let ids: HashSet<String> = got.message_ids().into_iter().collect();
            sent.iter().all(|(id, ..)| ids.contains(id))
        };
        if all || (n == last.0 && last.1.elapsed() > Duration::from_millis(500)) {
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
    // On failure: what the fake did around the moment, and the watcher's gap reasons.
    let around = |t: SystemTime| {
        let t: chrono::DateTime<chrono::Utc> = t.into();
        let d = chrono::Duration::milliseconds(400);
        let log: Vec<String> = fake.with(|w| {
            w.log
                .iter()
                .filter(|(at, _)| *at > t - d && *at < t + d)
                .map(|(at, what)| format!("{} {what}", at.format("%H:%M:%S%.6f")))
                .collect()
        });
        let reasons: Vec<String> = got
            .0
            .lock()
            .expect("c")
            .iter()
            .filter_map(|u| match u {
                tev_core::watcher::WatchUpdate::Gap { channel_id, from, to, reason }
                    if *from < t + d && *to > t - d =>
                {
                    Some(format!("{channel_id} {from} {to} {reason}"))
                }
                _ => None,
            })
            .collect();
        format!("\nfake log:\n{}\ngaps:\n{}", log.join("\n"), reasons.join("\n"))
    };
    let covered = |ch: &str, t: SystemTime| {
        let t: chrono::DateTime<chrono::Utc> = t.into();
        gaps.iter().any(|(c, from, to)| c == ch && *from <= t && t <= *to)
    };
    let mut lost_in_gaps = 0;
    for (id, ch, t) in &sent {
        if !unique.contains(id) {
            assert!(
                covered(ch, *t),
                "seed {seed}: {id} on {ch} sent {} to {:?} lost outside any gap{}",
                chrono::DateTime::<chrono::Utc>::from(*t),
                fake.with(|w| w.sent_to.get(id).cloned()),
                around(*t)
            );
            lost_in_gaps += 1;
        }
    }
    for (ch, t, why) in &unsubscribed {
        assert!(
            covered(ch, *t),
            "seed {seed}: unsubscribed moment {} on {ch} ({why}) not covered{}",
            chrono::DateTime::<chrono::Utc>::from(*t),
            around(*t)
        );
    }
    let c = fake.with(|w| {
        (
            w.counters.inbound,
            w.counters.server_closes.len(),
            w.counters.max_open,
            w.counters.helix_401,
            w.counters.helix_429,
        )
    });
    assert_eq!(c.0, 0, "seed {seed}: the client sent something");
    // (An old socket closed before a successor's welcome is fine here: chaos kills successors.)
    // Twitch's limit is 3 (twitch.md §1.6); here a socket counts until its closing handshake
    // ends, so a fresh connect right after abandoning a handover can briefly make 3.
    assert!(c.2 <= 3, "seed {seed}: {} sockets at once", c.2);
    let mut f: Vec<_> = figures.into_iter().collect();
    f.sort();
    eprintln!(
        "chaos: seed={seed} delivered={} sent={} lost_in_gaps={lost_in_gaps} unsubscribed_attempts={} gaps={} helix_401={} helix_429={} actions={f:?} in {:?}",
        ids.len(),
        sent.len(),
        unsubscribed.len(),
        gaps.len(),
        c.3,
        c.4,
        started.elapsed()
    );
    h.shutdown().await;
}
