//! What the benchmarks read from `/proc`: a process tree, its memory (`smaps_rollup`), CPU time
//! (`stat`) and wake-ups (context switches of every thread, `task/*/status`).

use std::collections::BTreeMap;
use std::path::Path;

/// Clock ticks per second of `/proc/*/stat` times (`getconf CLK_TCK`; 100 on Linux/x86-64 and
/// every architecture Debian ships).
pub const CLK_TCK: f64 = 100.0;

/// One process at one moment.
#[derive(Clone, Debug, Default)]
pub struct Sample {
    /// Process id.
    pub pid: u32,
    /// Program name: the basename of `argv[0]` (`comm` truncates to 15 bytes).
    pub name: String,
    /// Resident set size, KiB (`smaps_rollup` `Rss`).
    pub rss_kib: u64,
    /// Proportional set size, KiB (`smaps_rollup` `Pss`): shared pages divided among sharers.
    pub pss_kib: u64,
    /// Unique set size, KiB: pages only this process maps (freed if it ends). Unlike PSS it
    /// does not depend on what else runs on the machine (other WebKit processes share the
    /// libraries' pages and so lower everyone's PSS).
    pub uss_kib: u64,
    /// (voluntary, involuntary) context switches per thread id. Voluntary: the thread went to
    /// sleep (one wake-up); involuntary: it was preempted. A thread that ends takes its counts
    /// with it, so differences are taken per thread (see [`switches_between`]).
    pub threads: BTreeMap<u32, (u64, u64)>,
    /// Time on the CPU per thread id, ns (`/proc/PID/task/TID/schedstat`, first field): exact,
    /// where `/proc/PID/stat`'s utime + stime are sampled at the clock tick (10 ms steps, charged
    /// to whoever runs when the tick comes), too coarse for an idle minute of ~50 ms.
    pub thread_cpu_ns: BTreeMap<u32, u64>,
    /// Start time, clock ticks after boot.
    pub start_ticks: u64,
}

/// Fields of `/proc/PID/stat` we use, parsed after the `comm` field (which may hold spaces or
/// parentheses, so it is skipped up to the last `)`).
#[derive(Debug, PartialEq)]
pub struct Stat {
    /// Parent's process id (field 4).
    pub ppid: u32,
    /// starttime (field 22), clock ticks after boot.
    pub start_ticks: u64,
}

/// Parses `/proc/PID/stat`.
pub fn parse_stat(s: &str) -> Option<Stat> {
    let rest = &s[s.rfind(')')? + 1..];
    // After ")": field 3 (state) is index 0.
    let f: Vec<&str> = rest.split_whitespace().collect();
    let num = |i: usize| f.get(i - 3).and_then(|v| v.parse::<u64>().ok());
    Some(Stat { ppid: u32::try_from(num(4)?).ok()?, start_ticks: num(22)? })
}

/// `Rss`, `Pss` and USS (`Private_Clean` + `Private_Dirty`), KiB, from
/// `/proc/PID/smaps_rollup`.
pub fn parse_smaps_rollup(s: &str) -> (u64, u64, u64) {
    let (mut rss, mut pss, mut uss) = (0, 0, 0);
    for line in s.lines() {
        let mut it = line.split_whitespace();
        let (Some(key), Some(v)) = (it.next(), it.next()) else { continue };
        let v = v.parse().unwrap_or(0);
        match key {
            "Rss:" => rss = v,
            "Pss:" => pss = v,
            "Private_Clean:" | "Private_Dirty:" => uss += v,
            _ => {}
        }
    }
    (rss, pss, uss)
}

/// (voluntary, involuntary) context switches from a `/proc/PID/task/TID/status`.
pub fn parse_ctxt(s: &str) -> (u64, u64) {
    let mut vol = 0;
    let mut invol = 0;
    for line in s.lines() {
        if let Some(v) = line.strip_prefix("voluntary_ctxt_switches:") {
            vol = v.trim().parse().unwrap_or(0);
        } else if let Some(v) = line.strip_prefix("nonvoluntary_ctxt_switches:") {
            invol = v.trim().parse().unwrap_or(0);
        }
    }
    (vol, invol)
}

/// Time on the CPU, ns: the first field of a `schedstat` file.
pub fn parse_schedstat(s: &str) -> Option<u64> {
    s.split_whitespace().next()?.parse().ok()
}

/// CPU time (ns) between two samples of one process, per thread as [`switches_between`].
pub fn cpu_ns_between(before: Option<&Sample>, after: &Sample) -> u64 {
    after.thread_cpu_ns.iter().fold(0, |acc, (tid, ns)| {
        let b = before.and_then(|b| b.thread_cpu_ns.get(tid)).copied().unwrap_or(0);
        acc + ns.saturating_sub(b)
    })
}

/// Reads one process; `None` if it is gone.
pub fn sample(pid: u32) -> Option<Sample> {
    let dir = format!("/proc/{pid}");
    let stat = parse_stat(&std::fs::read_to_string(format!("{dir}/stat")).ok()?)?;
    let (rss_kib, pss_kib, uss_kib) = parse_smaps_rollup(
        &std::fs::read_to_string(format!("{dir}/smaps_rollup")).unwrap_or_default(),
    );
    let name = std::fs::read(format!("{dir}/cmdline"))
        .ok()
        .and_then(|c| {
            let argv0 = c.split(|b| *b == 0).next()?.to_vec();
            let argv0 = String::from_utf8_lossy(&argv0).into_owned();
            Some(argv0.rsplit('/').next().unwrap_or(&argv0).to_string())
        })
        .filter(|n| !n.is_empty())
        .unwrap_or_else(|| {
            std::fs::read_to_string(format!("{dir}/comm")).unwrap_or_default().trim().to_string()
        });
    let mut threads = BTreeMap::new();
    let mut thread_cpu_ns = BTreeMap::new();
    if let Ok(tasks) = std::fs::read_dir(format!("{dir}/task")) {
        for t in tasks.flatten() {
            let tid = t.file_name().to_str().and_then(|n| n.parse().ok());
            if let (Some(tid), Ok(s)) = (tid, std::fs::read_to_string(t.path().join("status"))) {
                threads.insert(tid, parse_ctxt(&s));
                if let Some(ns) = std::fs::read_to_string(t.path().join("schedstat"))
                    .ok()
                    .and_then(|s| parse_schedstat(&s))
                {
                    thread_cpu_ns.insert(tid, ns);
                }
            }
        }
    }
    Some(Sample {
        pid,
        name,
        rss_kib,
        pss_kib,
        uss_kib,
        threads,
        thread_cpu_ns,
        start_ticks: stat.start_ticks,
    })
}

/// (voluntary, involuntary) switches between two samples of one process: per thread, a thread
/// new in `after` counts in full, one gone since `before` is not seen (its last switches are
/// lost; idle threads rarely end).
pub fn switches_between(before: Option<&Sample>, after: &Sample) -> (u64, u64) {
    after.threads.iter().fold((0, 0), |acc, (tid, (v, i))| {
        let (bv, bi) = before.and_then(|b| b.threads.get(tid)).copied().unwrap_or((0, 0));
        (acc.0 + v.saturating_sub(bv), acc.1 + i.saturating_sub(bi))
    })
}

/// Each thread of `pid`: thread id → (name (`comm`), voluntary context switches).
pub fn thread_wakeups(pid: u32) -> BTreeMap<u32, (String, u64)> {
    let mut m = BTreeMap::new();
    let Ok(tasks) = std::fs::read_dir(format!("/proc/{pid}/task")) else { return m };
    for t in tasks.flatten() {
        let Some(tid) = t.file_name().to_str().and_then(|n| n.parse().ok()) else { continue };
        let name = std::fs::read_to_string(t.path().join("comm")).unwrap_or_default();
        if let Ok(s) = std::fs::read_to_string(t.path().join("status")) {
            m.insert(tid, (name.trim().to_string(), parse_ctxt(&s).0));
        }
    }
    m
}

/// Every process id in `/proc`.
fn all_pids() -> Vec<u32> {
    let Ok(rd) = std::fs::read_dir("/proc") else { return Vec::new() };
    rd.flatten().filter_map(|e| e.file_name().to_str()?.parse().ok()).collect()
}

/// `root` and all its descendants, sampled (ordered by pid).
pub fn tree(root: u32) -> BTreeMap<u32, Sample> {
    let mut parent = BTreeMap::new();
    for pid in all_pids() {
        if let Ok(s) = std::fs::read_to_string(format!("/proc/{pid}/stat"))
            && let Some(st) = parse_stat(&s)
        {
            parent.insert(pid, st.ppid);
        }
    }
    let mut keep = vec![root];
    let mut i = 0;
    while i < keep.len() {
        let p = keep[i];
        keep.extend(parent.iter().filter(|(_, pp)| **pp == p).map(|(c, _)| *c));
        i += 1;
    }
    keep.into_iter().filter_map(|p| sample(p).map(|s| (p, s))).collect()
}

/// The newest process running `exe` (compared with `/proc/PID/exe`).
pub fn find_by_exe(exe: &Path) -> Option<u32> {
    let want = std::fs::canonicalize(exe).ok()?;
    all_pids()
        .into_iter()
        .filter(|p| std::fs::read_link(format!("/proc/{p}/exe")).is_ok_and(|e| e == want))
        .filter_map(|p| sample(p).map(|s| (s.start_ticks, p)))
        .max()
        .map(|(_, p)| p)
}

/// Boot time as Unix epoch milliseconds, to 10 ms: now less `/proc/uptime`. (`btime` of
/// `/proc/stat` is whole seconds, truncated: up to a second early, which added the same
/// fraction of a second to every start-up figure until session 5 and pulled every start-up
/// ratio towards 1.)
pub fn boot_time() -> Option<f64> {
    let uptime = std::fs::read_to_string("/proc/uptime").ok()?;
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).ok()?;
    boot_epoch_ms(&uptime, now.as_secs_f64() * 1000.0)
}

/// The boot time from `/proc/uptime`'s text and the time it was read (epoch ms).
fn boot_epoch_ms(uptime: &str, now_ms: f64) -> Option<f64> {
    let up: f64 = uptime.split_whitespace().next()?.parse().ok()?;
    Some(now_ms - up * 1000.0)
}

/// A process's start as Unix epoch milliseconds (10 ms resolution).
pub fn start_epoch_ms(s: &Sample, boot_ms: f64) -> f64 {
    boot_ms + s.start_ticks as f64 * 1000.0 / CLK_TCK
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn boot_time_keeps_the_fraction_of_a_second() {
        let boot = boot_epoch_ms("12345.67 2000.00\n", 1_700_000_000_000.0).expect("parsed");
        assert!((boot - (1_700_000_000_000.0 - 12_345_670.0)).abs() < 1e-3, "{boot}");
        assert_eq!(boot_epoch_ms("", 1.0), None);
    }

    #[test]
    fn stat_skips_a_comm_with_spaces_and_parentheses() {
        let s = "4242 (Web Content (x)) S 4200 4242 4200 0 -1 4194560 1 0 0 0 37 11 0 0 20 0 \
                 9 0 123456 1000 10 18446744073709551615 0 0 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0";
        assert_eq!(parse_stat(s), Some(Stat { ppid: 4200, start_ticks: 123456 }));
    }

    #[test]
    fn schedstat_gives_the_time_on_cpu_and_differences_go_per_thread() {
        assert_eq!(parse_schedstat("123456789 2000 37\n"), Some(123_456_789));
        assert_eq!(parse_schedstat(""), None);
        let before =
            Sample { thread_cpu_ns: BTreeMap::from([(1, 100), (2, 50)]), ..Sample::default() };
        // Thread 2 ended, thread 3 is new: 1 ran 20 ns more, 3 counts in full.
        let after =
            Sample { thread_cpu_ns: BTreeMap::from([(1, 120), (3, 7)]), ..Sample::default() };
        assert_eq!(cpu_ns_between(Some(&before), &after), 27);
        assert_eq!(cpu_ns_between(None, &after), 127);
    }

    #[test]
    fn stat_of_garbage_is_none() {
        assert_eq!(parse_stat("no parenthesis here"), None);
        assert_eq!(parse_stat("1 (x) S"), None);
    }

    #[test]
    fn smaps_rollup_gives_rss_and_pss() {
        let s = "55d0-7ffd ---p 00000000 00:00 0 [rollup]\nRss:              123456 kB\n\
                 Pss:               65432 kB\nPss_Anon:          40000 kB\nShared_Clean: 1 kB\n\
                 Private_Clean:      1000 kB\nPrivate_Dirty:     30000 kB\n";
        assert_eq!(parse_smaps_rollup(s), (123456, 65432, 31000));
    }

    #[test]
    fn ctxt_switches_from_status() {
        let s = "Name:\tx\nvoluntary_ctxt_switches:\t1502\nnonvoluntary_ctxt_switches:\t17\n";
        assert_eq!(parse_ctxt(s), (1502, 17));
    }

    #[test]
    fn switches_are_counted_per_thread_so_an_ended_thread_does_not_cancel_a_new_one() {
        let mk = |t: &[(u32, (u64, u64))]| Sample {
            threads: t.iter().copied().collect(),
            ..Sample::default()
        };
        // Thread 2 ended (had 100), thread 3 is new (5), thread 1 woke 7 times.
        let before = mk(&[(1, (10, 1)), (2, (100, 0))]);
        let after = mk(&[(1, (17, 2)), (3, (5, 0))]);
        assert_eq!(switches_between(Some(&before), &after), (12, 1));
        assert_eq!(switches_between(None, &after), (22, 2));
    }

    #[test]
    fn this_process_is_its_own_tree_root_and_is_found_by_its_exe() {
        let me = std::process::id();
        let t = tree(me);
        let s = t.get(&me).expect("this process is sampled");
        assert!(s.rss_kib > 0 && s.uss_kib > 0 && s.uss_kib <= s.pss_kib && s.pss_kib <= s.rss_kib);
        let exe = std::env::current_exe().expect("own exe");
        assert!(find_by_exe(&exe).is_some());
        let bt = boot_time().expect("btime");
        let started = start_epoch_ms(s, bt);
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .expect("clock after 1970")
            .as_millis() as f64;
        assert!(started <= now + 20.0 && now - started < 3_600_000.0, "{started} vs {now}");
    }
}
