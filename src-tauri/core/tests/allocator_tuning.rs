//! `memory::tune_allocator` (BENCHMARKS.md "Growth"): one arena for every thread, and blocks above
//! a fixed size mapped on their own. Its own test binary with its own `main` (no test harness):
//! the setting must come before any other thread exists, as in the app.

#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn main() {
    use std::sync::{Arc, Barrier};
    use tev_core::memory::{MMAP_THRESHOLD, tune_allocator};

    assert!(tune_allocator(), "glibc takes both settings");

    // Eight threads allocating at the same moment: without the setting glibc gives each its
    // own arena (up to eight per core), so malloc_info would list up to nine heaps.
    let start = Arc::new(Barrier::new(8));
    let workers: Vec<_> = (0..8)
        .map(|i| {
            let start = start.clone();
            std::thread::spawn(move || {
                start.wait();
                let blocks: Vec<Vec<u8>> = (0..2_000).map(|j| vec![(i + j) as u8; 512]).collect();
                blocks.iter().map(|b| usize::from(b[0])).sum::<usize>()
            })
        })
        .collect();
    for w in workers {
        w.join().expect("a worker");
    }
    let heaps = malloc_info().matches("<heap nr=").count();
    assert_eq!(heaps, 1, "every thread allocated from the one arena");

    // The size from which a block is mapped on its own stays put: glibc would otherwise raise
    // it to the 4 MiB of the block freed here, and the 256 KiB block after it would come from
    // the heap.
    let mapped = || unsafe { libc::mallinfo2() }.hblks;
    let big = vec![1u8; 4 << 20];
    drop(std::hint::black_box(big));
    let before = mapped();
    let block = vec![2u8; 2 * MMAP_THRESHOLD as usize];
    assert_eq!(mapped(), before + 1, "a block above the threshold has its own mapping");
    drop(std::hint::black_box(block));
    assert_eq!(mapped(), before, "and goes back to the system when freed");
    println!("allocator_tuning: one arena for 8 threads; 256 KiB block mapped on its own");
}

#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn malloc_info() -> String {
    let mut buf: *mut libc::c_char = std::ptr::null_mut();
    let mut len: libc::size_t = 0;
    // SAFETY: open_memstream gives a stream writing into a buffer glibc allocates; it is
    // closed (which sets buf/len) before the buffer is read, and freed with free().
    unsafe {
        let f = libc::open_memstream(&mut buf, &mut len);
        assert!(!f.is_null(), "open_memstream");
        assert_eq!(libc::malloc_info(0, f), 0, "malloc_info");
        libc::fclose(f);
        let s = std::slice::from_raw_parts(buf.cast::<u8>(), len).to_vec();
        libc::free(buf.cast());
        String::from_utf8(s).expect("malloc_info writes XML")
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn main() {}
