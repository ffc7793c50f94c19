//! Memory after 100,000 events through the app's path: it must stay flat
//! (BENCHMARKS.md "Feed pipeline"). Prints VmRSS from /proc/self/status before, during and after.
//! `cargo bench -p tev-core --bench feed_rss`.

#[path = "support/frames.rs"]
mod frames;

use tev_core::eventsub::dedupe::Dedupe;
use tev_core::eventsub::protocol::parse_frame;
use tev_core::feed::Feed;
use tev_core::recent::RecentEvents;
use tokio::sync::broadcast;

fn rss_kib() -> u64 {
    tev_core::memory::resident_kib().unwrap_or(0)
}

fn main() {
    const EVENTS: usize = 100_000;
    const CHUNK: usize = 10_000;
    let mut dedupe = Dedupe::new();
    let mut feed = Feed::default();
    let mut recent = RecentEvents::new(10);
    let (tx, mut rx) = broadcast::channel(1024);
    // Frames are generated chunk by chunk (ids and times run on), so the corpus itself does
    // not weigh on the figure.
    let mut rows = 0usize;
    let mut report = Vec::new();
    let before = rss_kib();
    for chunk in 0..(2 * EVENTS / CHUNK) {
        let frames = frames::mixed_from(chunk * CHUNK, CHUNK);
        for f in &frames {
            let Ok(frame) = parse_frame(f) else { continue };
            if !dedupe.first_time(frame.message_id()) {
                continue;
            }
            for u in feed.push(&frame) {
                recent.apply(&u);
                rows += 1;
                let _ = tx.send(u);
            }
            while rx.try_recv().is_ok() {}
        }
        drop(frames);
        if ((chunk + 1) * CHUNK).is_multiple_of(50_000) {
            report.push(((chunk + 1) * CHUNK, rss_kib()));
        }
    }
    println!("feed_rss: VmRSS before: {before} KiB (pipeline allocated, no events yet)");
    for (n, kib) in report {
        println!("feed_rss: VmRSS after {n:>7} events: {kib} KiB");
    }
    println!("feed_rss: {rows} feed updates published; dedupe holds {} ids", dedupe.len());
}
