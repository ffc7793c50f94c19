//! Frames/s through the app's path — parse → dedupe → normalise → RecentEvents → broadcast —
//! against plain `serde_json::from_str::<Value>` of the same frames, in the same run (BENCHMARKS.md
//! "Feed pipeline": target ≥ 0.8× the baseline). Two corpora: every notification type mixed, and a
//! chat firehose of `channel.chat.message` frames with 1 % cheers.
//!
//! `cargo bench -p tev-core --bench feed`; the ratio is printed at the end.

#[path = "support/frames.rs"]
mod frames;

use criterion::{BatchSize, Criterion, Throughput, criterion_group};
use std::hint::black_box;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tev_core::eventsub::dedupe::Dedupe;
use tev_core::eventsub::protocol::parse_frame;
use tev_core::feed::{Feed, FeedUpdate};
use tev_core::recent::RecentEvents;
use tokio::sync::broadcast;

const N: usize = 10_000;

/// The app's state for one run.
struct Pipeline {
    dedupe: Dedupe,
    feed: Feed,
    recent: RecentEvents,
    tx: broadcast::Sender<Arc<FeedUpdate>>,
    rx: broadcast::Receiver<Arc<FeedUpdate>>,
}

impl Pipeline {
    fn new() -> Self {
        let (tx, rx) = broadcast::channel(1024);
        Pipeline {
            dedupe: Dedupe::new(),
            feed: Feed::default(),
            recent: RecentEvents::new(10),
            tx,
            rx,
        }
    }

    /// One frame through the whole path; returns the number of updates published.
    fn push(&mut self, text: &str) -> usize {
        let Ok(frame) = parse_frame(text) else { return 0 };
        if !self.dedupe.first_time(frame.message_id()) {
            return 0;
        }
        let updates = self.feed.push(&frame);
        let n = updates.len();
        for u in updates {
            self.recent.apply(&u);
            // As the watcher does: one shared update for every receiver.
            let _ = self.tx.send(Arc::new(u));
        }
        // The subscriber (the app bridge) takes what was published.
        while let Ok(u) = self.rx.try_recv() {
            black_box(u);
        }
        n
    }
}

fn baseline(frames: &[String]) -> usize {
    frames.iter().filter_map(|f| serde_json::from_str::<serde_json::Value>(f).ok()).count()
}

fn pipeline(p: &mut Pipeline, frames: &[String]) -> usize {
    frames.iter().map(|f| p.push(f)).sum()
}

fn bench(c: &mut Criterion) {
    for (name, frames) in [("mixed", frames::mixed(N)), ("chat_firehose", frames::chat_firehose(N))]
    {
        let mut g = c.benchmark_group(format!("feed/{name}"));
        g.throughput(Throughput::Elements(frames.len() as u64));
        g.bench_function("serde_json_value_baseline", |b| b.iter(|| black_box(baseline(&frames))));
        g.bench_function("pipeline", |b| {
            b.iter_batched(
                Pipeline::new,
                |mut p| black_box(pipeline(&mut p, &frames)),
                BatchSize::LargeInput,
            )
        });
        g.finish();
    }
}

/// A plain timing of both, printed as frames/s and the ratio, so the figure is in the output
/// even without reading criterion's reports.
fn ratio_summary() {
    for (name, frames) in [("mixed", frames::mixed(N)), ("chat_firehose", frames::chat_firehose(N))]
    {
        let rounds = 30;
        let mut best = [Duration::MAX; 4];
        for _ in 0..rounds {
            let t = Instant::now();
            black_box(baseline(&frames));
            best[0] = best[0].min(t.elapsed());
            // Stage breakdown: parse only; parse + dedupe + normalise (no store, no broadcast).
            let t = Instant::now();
            black_box(frames.iter().filter(|f| parse_frame(f).is_ok()).count());
            best[1] = best[1].min(t.elapsed());
            let (mut d, mut feed) = (Dedupe::new(), Feed::default());
            let t = Instant::now();
            for f in &frames {
                if let Ok(fr) = parse_frame(f)
                    && d.first_time(fr.message_id())
                {
                    black_box(feed.push(&fr));
                }
            }
            best[2] = best[2].min(t.elapsed());
            let mut p = Pipeline::new();
            let t = Instant::now();
            black_box(pipeline(&mut p, &frames));
            best[3] = best[3].min(t.elapsed());
        }
        let fps = |d: Duration| frames.len() as f64 / d.as_secs_f64();
        println!(
            "feed/{name}: baseline {:.0} frames/s; parse {:.0}; +dedupe+normalise {:.0}; full pipeline {:.0}; ratio {:.2}x (best of {rounds}, interleaved)",
            fps(best[0]),
            fps(best[1]),
            fps(best[2]),
            fps(best[3]),
            fps(best[3]) / fps(best[0])
        );
    }
}

criterion_group!(benches, bench);

fn main() {
    // FEED_BENCH_SUMMARY_ONLY=1 skips criterion and prints only the interleaved ratios.
    if std::env::var_os("FEED_BENCH_SUMMARY_ONLY").is_none() {
        benches();
        Criterion::default().configure_from_args().final_summary();
    }
    ratio_summary();
}
