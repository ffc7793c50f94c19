//! Idle cost: a window with nothing to do (the streamer window open and connected, only the
//! simulator's keepalive every 10 s), over which the CPU time of every thread of the tree and
//! its voluntary context switches (wake-ups) are read, per part of the program and per thread
//! name. The same per-part sums give the CPU the growth burst cost.

use crate::launch::hook;
use crate::memory::{Attribution, Part, part_of};
use crate::procfs::{self, Sample};
use std::collections::BTreeMap;
use std::ops::AddAssign;
use std::time::{Duration, Instant};

/// What a part cost over a window.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Idle {
    /// Time on the CPU of every thread, ms.
    pub cpu_ms: f64,
    /// Voluntary context switches: each is a thread going to sleep, so one wake-up.
    pub voluntary: u64,
    /// Involuntary context switches: a thread preempted (the machine is busy, not the program).
    pub involuntary: u64,
}

impl AddAssign for Idle {
    fn add_assign(&mut self, other: Idle) {
        self.cpu_ms += other.cpu_ms;
        self.voluntary += other.voluntary;
        self.involuntary += other.involuntary;
    }
}

/// Wake-ups of one process's threads over the window, by thread name.
#[derive(Clone, Debug)]
pub struct ProcessWakeups {
    /// The process: its part and pid (`OwnPage 1234`).
    pub process: String,
    /// Wake-ups by thread name, most first, zeros left out.
    pub threads: Vec<(String, u64)>,
}

/// Thread id → (thread name, voluntary switches so far), as [`procfs::thread_wakeups`] reads it.
type ThreadSwitches = BTreeMap<u32, (String, u64)>;

/// The readings around one idle window. The per-part figures are taken from them later, once
/// the app's web processes are attributed to their pages (the probe that tells them apart
/// allocates, so it runs last).
pub struct IdleWindow {
    /// The tree before the window.
    pub before: BTreeMap<u32, Sample>,
    /// The tree after the window.
    pub after: BTreeMap<u32, Sample>,
    /// Each process's threads before the window, keyed by pid.
    children_before: BTreeMap<u32, ThreadSwitches>,
    /// Each process's threads after the window, keyed by pid.
    children_after: BTreeMap<u32, ThreadSwitches>,
    /// Wake-ups of the main process's threads over the window, by thread name, most first.
    pub main_threads: Vec<(String, u64)>,
    /// How long the window lasted, seconds (the hook's time included).
    pub secs: f64,
}

/// Reads the tree of `pid`, runs the hook at `point`, waits out `secs` seconds in all, and
/// reads it again.
pub async fn window(pid: u32, point: &str, secs: u64) -> IdleWindow {
    let before = procfs::tree(pid);
    let threads_before = procfs::thread_wakeups(pid);
    let children_before = tree_thread_wakeups(&before);
    let t0 = Instant::now();
    hook(point, pid).await;
    tokio::time::sleep(Duration::from_secs(secs).saturating_sub(t0.elapsed())).await;
    let after = procfs::tree(pid);
    let secs = t0.elapsed().as_secs_f64();
    let main_threads = wakeups_by_thread(&threads_before, &procfs::thread_wakeups(pid));
    let children_after = tree_thread_wakeups(&after);
    IdleWindow { before, after, children_before, children_after, main_threads, secs }
}

impl IdleWindow {
    /// The window's cost per part of the program rooted at `root`.
    pub fn by_part(&self, root: u32, attr: &Attribution) -> BTreeMap<Part, Idle> {
        idle_by_part(root, &self.before, &self.after, attr)
    }

    /// Wake-ups by thread name of each process that is not the main one.
    pub fn child_wakeups(&self, root: u32, attr: &Attribution) -> Vec<ProcessWakeups> {
        child_wakeups(root, &self.after, &self.children_before, &self.children_after, attr)
    }
}

/// Cost per part between two readings of the tree.
pub fn idle_by_part(
    root: u32,
    before: &BTreeMap<u32, Sample>,
    after: &BTreeMap<u32, Sample>,
    attr: &Attribution,
) -> BTreeMap<Part, Idle> {
    let mut m = BTreeMap::new();
    for (pid, a) in after {
        let b = before.get(pid);
        let (voluntary, involuntary) = procfs::switches_between(b, a);
        *m.entry(part_of(root, a, attr)).or_default() +=
            Idle { cpu_ms: procfs::cpu_ns_between(b, a) as f64 / 1e6, voluntary, involuntary };
    }
    m
}

/// Voluntary switches between two readings, taken per thread (a thread new since `before`
/// counts in full, one that ended is not seen) and summed by thread name; most first, zeros
/// left out. (Summing by name first would let a pool thread that ended cancel the switches of
/// the others of its name.)
fn wakeups_by_thread(before: &ThreadSwitches, after: &ThreadSwitches) -> Vec<(String, u64)> {
    let mut by_name: BTreeMap<&str, u64> = BTreeMap::new();
    for (tid, (name, a)) in after {
        let b = before.get(tid).map_or(0, |(_, b)| *b);
        *by_name.entry(name).or_insert(0) += a.saturating_sub(b);
    }
    let mut v: Vec<(String, u64)> =
        by_name.into_iter().filter(|(_, d)| *d > 0).map(|(n, d)| (n.to_string(), d)).collect();
    v.sort_by_key(|e| std::cmp::Reverse(e.1));
    v
}

/// Thread wake-ups (by name) of every process in `snap`, keyed by pid.
fn tree_thread_wakeups(snap: &BTreeMap<u32, Sample>) -> BTreeMap<u32, ThreadSwitches> {
    snap.keys().map(|pid| (*pid, procfs::thread_wakeups(*pid))).collect()
}

/// Wake-ups by thread name over the idle window of each process that is not the main one
/// (web and network processes), labelled by part and pid, most first.
fn child_wakeups(
    root: u32,
    snap: &BTreeMap<u32, Sample>,
    before: &BTreeMap<u32, ThreadSwitches>,
    after: &BTreeMap<u32, ThreadSwitches>,
    attr: &Attribution,
) -> Vec<ProcessWakeups> {
    snap.values()
        .filter(|s| s.pid != root)
        .filter_map(|s| {
            let (b, a) = (before.get(&s.pid)?, after.get(&s.pid)?);
            Some(ProcessWakeups {
                process: format!("{:?} {}", part_of(root, s, attr), s.pid),
                threads: wakeups_by_thread(b, a),
            })
        })
        .collect()
}
