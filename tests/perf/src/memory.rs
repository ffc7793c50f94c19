//! Memory: which part of a program each process of its tree is (the program, WebKit's network
//! process, the web process of its own pages or of Twitch's player or chat), found by a probe at
//! the end of an app run, and the RSS, PSS and USS of each part. The app's "own part" is what the
//! app itself costs: Twitch's two pages run in web processes of their own and are left out.

use crate::launch::{Running, is_home_page};
use crate::procfs::{self, Sample};
use std::collections::{BTreeMap, HashMap};
use std::ops::AddAssign;
use std::time::Duration;

/// Which part of a program a process belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Part {
    /// The program's own process.
    Main,
    /// WebKit's network process (shared by all webviews of the program).
    Network,
    /// The web process of a page of the program itself (home window, events panel, message
    /// box).
    OwnPage,
    /// The web process of Twitch's player embed.
    Player,
    /// The web process of Twitch's chat embed.
    Chat,
    /// A web process not (yet) attributed.
    OtherWeb,
    /// Anything else in the tree (sandbox helpers).
    Other,
}

impl Part {
    /// Whether the part counts in the program's own part (everything but Twitch's pages).
    pub fn own(self) -> bool {
        matches!(self, Part::Main | Part::Network | Part::OwnPage | Part::OtherWeb | Part::Other)
    }
}

/// Web process pid → the page it renders (from the probe at the end of an app run).
pub type Attribution = HashMap<u32, Part>;

/// Recognises a webview by its URL.
type UrlPredicate = fn(&str) -> bool;

/// The part of the program rooted at `root` that the process `s` is.
pub fn part_of(root: u32, s: &Sample, attr: &Attribution) -> Part {
    if s.pid == root {
        Part::Main
    } else if s.name.contains("WebKitNetworkProcess") {
        Part::Network
    } else if s.name.contains("WebKitWebProcess") {
        attr.get(&s.pid).copied().unwrap_or(Part::OtherWeb)
    } else {
        Part::Other
    }
}

/// The memory of a process or of a part, KiB.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Mem {
    /// Resident set size: every page in RAM, the shared libraries' in full.
    pub rss_kib: u64,
    /// Proportional set size: shared pages divided among the processes that map them (so it
    /// moves with what else runs on the machine).
    pub pss_kib: u64,
    /// Unique set size: the pages only this process maps (freed if it ends).
    pub uss_kib: u64,
}

impl Mem {
    /// The memory of one process.
    fn of(s: &Sample) -> Mem {
        Mem { rss_kib: s.rss_kib, pss_kib: s.pss_kib, uss_kib: s.uss_kib }
    }
}

impl AddAssign for Mem {
    fn add_assign(&mut self, other: Mem) {
        self.rss_kib += other.rss_kib;
        self.pss_kib += other.pss_kib;
        self.uss_kib += other.uss_kib;
    }
}

/// Sums RSS, PSS and USS per part.
pub fn memory_by_part(
    root: u32,
    snap: &BTreeMap<u32, Sample>,
    attr: &Attribution,
) -> BTreeMap<Part, Mem> {
    let mut m = BTreeMap::new();
    for s in snap.values() {
        *m.entry(part_of(root, s, attr)).or_default() += Mem::of(s);
    }
    m
}

/// The program's own part: every part but Twitch's pages.
pub fn own_total(m: &BTreeMap<Part, Mem>) -> Mem {
    m.iter().filter(|(p, _)| p.own()).fold(Mem::default(), |mut total, (_, v)| {
        total += *v;
        total
    })
}

/// KiB to MiB.
pub fn mib(kib: u64) -> f64 {
    kib as f64 / 1024.0
}

/// One line per process of the tree: pid, name, part, RSS, PSS, USS.
pub fn describe_tree(root: u32, snap: &BTreeMap<u32, Sample>, attr: &Attribution) -> String {
    snap.values()
        .map(|s| {
            format!(
                "    {:>7} {:<22} {:?}: RSS {:.1} MiB, PSS {:.1} MiB, USS {:.1} MiB",
                s.pid,
                s.name,
                part_of(root, s, attr),
                mib(s.rss_kib),
                mib(s.pss_kib),
                mib(s.uss_kib)
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Settles, then samples the tree.
pub async fn settled_tree(pid: u32, secs: u64) -> BTreeMap<u32, Sample> {
    tokio::time::sleep(Duration::from_secs(secs)).await;
    procfs::tree(pid)
}

/// Finds which web process renders which page: each page in turn allocates and touches 128 MiB,
/// the process that grows by it is that page's; the buffer is dropped afterwards. Run last.
pub async fn attribute(app: &Running) -> Attribution {
    let mut attr = Attribution::new();
    let pages: [(&str, Part, UrlPredicate); 5] = [
        ("home", Part::OwnPage, is_home_page),
        ("panel", Part::OwnPage, |u| u.contains("streamer.html")),
        // The message box under the chat (one of the app's own pages).
        ("compose", Part::OwnPage, |u| u.contains("compose.html")),
        ("player", Part::Player, |u| u.contains("embed/player")),
        ("chat", Part::Chat, |u| u.contains("embed/chat")),
    ];
    for (what, part, pred) in pages {
        app.switch_to(what, pred).await;
        let before = procfs::tree(app.pid);
        let _ = app
            .js("window.__probe = new Uint8Array(128 << 20); \
                 for (let i = 0; i < window.__probe.length; i += 4096) window.__probe[i] = 1; \
                 return window.__probe.length;")
            .await;
        let after = procfs::tree(app.pid);
        let grew = after
            .values()
            .filter(|s| s.name.contains("WebKitWebProcess"))
            .map(|s| (s.rss_kib.saturating_sub(before.get(&s.pid).map_or(0, |b| b.rss_kib)), s.pid))
            .max();
        match grew {
            Some((d, pid)) if d > 64 * 1024 => {
                eprintln!("  {what} page → web process {pid}");
                attr.insert(pid, part);
            }
            other => eprintln!("  {what} page: no web process grew by the probe ({other:?})"),
        }
        let _ = app.js("window.__probe = null; return 0;").await;
    }
    attr
}
