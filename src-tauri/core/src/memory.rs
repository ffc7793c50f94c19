//! Giving memory back after a burst of events (BENCHMARKS.md "Growth").
//!
//! A burst (a raid train, a gift bomb, a reconnect replaying a backlog) parses thousands of
//! frames and queues their updates for a moment. glibc's malloc keeps what was freed after it
//! in the arenas of the threads that did the work, for reuse; on its own it returns only the
//! free space at the very top of a heap, and one live allocation above the freed ones is enough
//! to keep the rest. The app would then sit at the burst's high-water mark for the rest of the
//! evening. After a burst the app asks the allocator to return its free pages
//! (`malloc_trim(0)`, which `madvise`s them away in every arena; WebKit's own memory-pressure
//! handler does the same in its processes). Measured in BENCHMARKS.md "Growth".
//!
//! Nothing here runs on a timer: [`AfterBurst`] is told about work as it happens and says when
//! a release is worth it, and the caller asks at a moment it is awake anyway.
//!
//! `malloc_trim` can only return whole free pages. What a burst leaves behind is mostly not
//! that: glibc's `malloc_info` after 100,000 events showed the app's bytes in use unchanged
//! (7.5 MB before and after) while two tokio workers' arenas had grown from 1.2 and 2.1 MB to
//! 4.2 and 4.3 MB, most of it free in ~1,950 chunks each (1.7 KB on average, between blocks
//! still in use), which no trim can hand back (docs/bench-log.md, session 8). Each thread that
//! allocates gets an arena of its own (up to eight per core), and each arena keeps the
//! high-water mark of the work that ran on it. [`tune_allocator`] keeps the app to one arena,
//! so the space one burst freed is the space the next one reuses, whatever thread it lands on
//! (the per-thread caches in front of it still keep small allocations off the shared lock), and
//! fixes the size above which a block gets its own mapping, which glibc otherwise raises to the
//! largest block freed so far, pulling later large buffers (a socket's read buffer) into the
//! heap where they leave holes.

/// How many updates make a burst worth a release: below this the freed memory is small next
/// to the cost of walking the heaps (about a millisecond).
pub const BURST: usize = 1_000;

/// Arenas the app's allocator may use ([`tune_allocator`]).
pub const ARENAS: i32 = 1;

/// Blocks of at least this many bytes get their own mapping, returned to the system when
/// freed (glibc's starting value, kept fixed by [`tune_allocator`]).
pub const MMAP_THRESHOLD: i32 = 128 * 1024;

/// Sets the allocator up for a process that runs for hours with bursts of work on several
/// threads (see the module docs): one arena, and a fixed size from which blocks are mapped on
/// their own. True if the allocator took both settings; where it is not glibc's there is
/// nothing to set (false).
///
/// Call it first thing in `main`, before any thread is started: an arena made before it stays.
/// It changes this process only; the processes it starts (WebKit's) keep their own defaults.
pub fn tune_allocator() -> bool {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        // SAFETY: mallopt only sets glibc's malloc parameters under its own lock; it has no
        // preconditions. Returns 1 on success, 0 on a refused value.
        unsafe {
            libc::mallopt(libc::M_ARENA_MAX, ARENAS) == 1
                && libc::mallopt(libc::M_MMAP_THRESHOLD, MMAP_THRESHOLD) == 1
        }
    }
    #[cfg(not(all(target_os = "linux", target_env = "gnu")))]
    {
        false
    }
}

/// Returns the allocator's free pages to the system. True if memory was returned. Where the
/// allocator is not glibc's there is nothing to do (false).
pub fn release_free_memory() -> bool {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        // SAFETY: malloc_trim only walks glibc's own arenas under their locks; it has no
        // preconditions and is safe to call from any thread at any time.
        unsafe { libc::malloc_trim(0) != 0 }
    }
    #[cfg(not(all(target_os = "linux", target_env = "gnu")))]
    {
        false
    }
}

/// The process's resident memory (VmRSS) in KiB, where the system says (Linux); `None`
/// elsewhere or if it cannot be read.
pub fn resident_kib() -> Option<u64> {
    std::fs::read_to_string("/proc/self/status").ok().and_then(|s| {
        s.lines()
            .find(|l| l.starts_with("VmRSS:"))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|v| v.parse().ok())
    })
}

/// Counts the work done since the last release and says when the next one is due.
#[derive(Debug, Default)]
pub struct AfterBurst {
    /// Updates handled since the last release.
    since: usize,
}

impl AfterBurst {
    /// Notes `n` more handled updates.
    pub fn note(&mut self, n: usize) {
        self.since = self.since.saturating_add(n);
    }

    /// True (once) when at least [`BURST`] updates were handled since the last time it said
    /// so; the count starts again.
    pub fn due(&mut self) -> bool {
        if self.since < BURST {
            return false;
        }
        self.since = 0;
        true
    }

    /// Releases the allocator's free memory if a burst went by since the last release.
    pub fn release_if_due(&mut self) {
        if self.due() {
            let before = resident_kib();
            let returned = release_free_memory();
            let after = resident_kib();
            tracing::debug!(returned, ?before, ?after, "memory released after a burst (RSS KiB)");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_release_is_due_only_after_a_burst_and_only_once() {
        let mut b = AfterBurst::default();
        assert!(!b.due(), "nothing happened");
        b.note(BURST - 1);
        assert!(!b.due(), "one short of a burst");
        b.note(1);
        assert!(b.due(), "a burst went by");
        assert!(!b.due(), "the count started again");
        b.note(BURST * 3);
        assert!(b.due());
        assert!(!b.due(), "one release for one quiet moment, however long the burst");
    }

    #[test]
    fn counting_never_overflows() {
        let mut b = AfterBurst::default();
        b.note(usize::MAX);
        b.note(usize::MAX);
        assert!(b.due());
    }
}
