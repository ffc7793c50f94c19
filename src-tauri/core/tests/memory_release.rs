//! `memory::release_free_memory` gives back what a burst left behind (BENCHMARKS.md "Growth"). In
//! its own test binary: it reads the whole process's RSS.

#[cfg(all(target_os = "linux", target_env = "gnu"))]
#[test]
fn memory_freed_after_a_burst_goes_back_to_the_system() {
    use tev_core::memory::{release_free_memory, resident_kib};
    let rss_kib = || resident_kib().expect("VmRSS in /proc/self/status");

    // A burst on a worker thread (glibc gives it an arena of its own, as it does a tokio
    // worker): 96 MiB in 1 KiB blocks, all freed but the newest, which sits at the top of the
    // heap so that glibc cannot hand the space below it back on its own.
    let pinned = std::thread::spawn(|| {
        let mut blocks: Vec<Box<[u8; 1024]>> =
            (0..96 * 1024).map(|i| Box::new([i as u8; 1024])).collect();
        let newest = blocks.pop();
        drop(blocks);
        newest
    })
    .join()
    .expect("the burst thread");
    let before = rss_kib();
    let returned = release_free_memory();
    let after = rss_kib();
    assert!(returned, "glibc reports that it returned memory");
    let freed = before.saturating_sub(after);
    assert!(
        freed > 48 * 1024,
        "at least half of the 96 MiB burst is given back: RSS {before} → {after} KiB"
    );
    assert_eq!(pinned.map(|b| b[0]), Some((96 * 1024 - 1) as u8));
}
