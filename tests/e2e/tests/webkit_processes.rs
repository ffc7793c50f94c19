//! The app's WebKit processes:
//! - a crash of the web process the app's own pages share (the home page and every events
//!   panel live in one WebKit process) must not leave the windows blank for the rest of the
//!   evening: the pages are reloaded and show their data again; the core's socket never noticed;
//! - WebKit's memory monitor (a `PressureMonitor` thread, and a 30 s `/proc/self/smaps` walk in
//!   every web process: most of the idle CPU) is off unless `TEV_WEBKIT_MEMORY_MONITOR=1`.

use serde_json::json;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};
use tev_e2e::{App, Launch, app_binary, approving_sim, home_with_sim_client, sim_event};

/// (pid, parent pid, start time in clock ticks, command name) of every process.
fn processes() -> Vec<(u32, u32, u64, String)> {
    let mut out = Vec::new();
    for e in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
        let Ok(pid) = e.file_name().to_string_lossy().parse::<u32>() else { continue };
        let Ok(stat) = std::fs::read_to_string(e.path().join("stat")) else { continue };
        // "pid (comm) state ppid …": the name may hold spaces and parentheses.
        let (Some(open), Some(close)) = (stat.find('('), stat.rfind(')')) else { continue };
        let comm = stat[open + 1..close].to_string();
        let rest: Vec<&str> = stat[close + 2..].split_whitespace().collect();
        // A process that has ended but is not reaped yet (a zombie: the crashed web process
        // until WebKit collects it) runs nothing.
        if matches!(rest.first(), Some(&"Z") | Some(&"X")) {
            continue;
        }
        let ppid = rest.get(1).and_then(|v| v.parse().ok()).unwrap_or(0);
        // Field 22 (starttime) is the 20th after the state.
        let start = rest.get(19).and_then(|v| v.parse().ok()).unwrap_or(0);
        out.push((pid, ppid, start, comm));
    }
    out
}

/// The app's process (one app runs at a time in these tests).
fn app_process(bin: &Path) -> u32 {
    let bin = bin.canonicalize().expect("the app binary");
    processes()
        .iter()
        .find(|(pid, ..)| exe_of(*pid).as_deref() == Some(bin.as_path()))
        .map(|p| p.0)
        .expect("the app's process")
}

/// The names of a process's threads.
fn thread_names(pid: u32) -> Vec<String> {
    let tasks = std::fs::read_dir(format!("/proc/{pid}/task")).into_iter().flatten().flatten();
    tasks
        .filter_map(|t| std::fs::read_to_string(t.path().join("comm")).ok())
        .map(|n| n.trim().to_string())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn webkits_memory_monitor_is_off_unless_asked_for() {
    let sim = approving_sim().await;
    for keep in [false, true] {
        let mut launch = Launch::sim(&sim.base_url(), tev_e2e::fresh_home());
        if keep {
            launch = launch.with_env("TEV_WEBKIT_MEMORY_MONITOR", "1");
        }
        let app = App::launch(launch).await;
        app.wait_for("body").await;
        let pid = app_process(&app_binary());
        // WebKit starts its monitor with the first web process; give it a moment.
        tokio::time::sleep(Duration::from_secs(2)).await;
        let threads = thread_names(pid);
        let monitor = threads.iter().any(|t| t == "PressureMonitor");
        assert_eq!(monitor, keep, "TEV_WEBKIT_MEMORY_MONITOR set: {keep}; threads: {threads:?}");
        let web = processes()
            .into_iter()
            .find(|(_, ppid, _, comm)| *ppid == pid && comm.starts_with("WebKitWebProces"))
            .map(|p| p.0)
            .expect("a web process");
        let environ = std::fs::read(format!("/proc/{web}/environ")).unwrap_or_default();
        let off =
            environ.split(|b| *b == 0).any(|kv| kv == b"WEBKIT_DISABLE_MEMORY_PRESSURE_MONITOR=1");
        assert_eq!(off, !keep, "the web processes are told too");
        app.quit().await;
    }
}

fn exe_of(pid: u32) -> Option<PathBuf> {
    std::fs::read_link(format!("/proc/{pid}/exe")).ok()
}

/// The web process the app's own pages share: the app's first web process (the home page's,
/// which every panel joins). One app runs at a time in these tests.
fn own_pages_process(bin: &Path) -> u32 {
    let app = app_process(bin);
    processes()
        .iter()
        .filter(|(_, ppid, _, comm)| *ppid == app && comm.starts_with("WebKitWebProces"))
        .min_by_key(|(pid, _, start, _)| (*start, *pid))
        .map(|p| p.0)
        .expect("the app's web processes")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_own_pages_come_back_after_their_web_process_crashes() {
    let sim = approving_sim().await;
    let base = sim.base_url();
    // The pages' requests are logged at debug level: after the crash the log is what we see.
    let app = App::launch(
        Launch::sim(&base, home_with_sim_client())
            .with_env("TEV_LOG", "info,twitch_event_viewer_lib=debug"),
    )
    .await;
    app.log_in().await;
    app.open_followed_panel("lumenforge").await;
    let raid = sim_event(&base, "lumenforge", "channel.raid", json!({})).await;
    app.wait_for(&format!("#events > li[data-id='{raid}']")).await;

    let victim = own_pages_process(&app_binary());
    let killed = std::process::Command::new("kill").args(["-KILL", &victim.to_string()]).status();
    assert!(killed.is_ok_and(|s| s.success()), "could not crash web process {victim}");

    // (SIGKILL: JavaScriptCore handles a SIGSEGV sent from outside itself.) WebKitWebDriver
    // ends its session with the crash ("session deleted because of page crash"), so from here
    // on the app's log says what the pages do: both are reloaded, in a new process, and ask
    // for their data again; a new event still reaches the panel (the core's socket was never
    // touched).
    let wait_log = |what: &'static str, pred: Box<dyn Fn(&str) -> bool>| {
        let log = app.log.clone();
        async move {
            let deadline = Instant::now() + Duration::from_secs(30);
            loop {
                let text = log.lock().map(|l| l.clone()).unwrap_or_default();
                // Only what came from the crash on counts (from the start of its first line).
                let after = text
                    .find("its web process ended")
                    .map_or("", |i| &text[text[..i].rfind('\n').map_or(0, |n| n + 1)..]);
                if after.lines().any(&pred) {
                    return;
                }
                assert!(
                    Instant::now() < deadline,
                    "{what} did not happen after the crash:\n{text}"
                );
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
        }
    };
    let reloaded = |label: &'static str| -> Box<dyn Fn(&str) -> bool> {
        Box::new(move |l: &str| l.contains("reloading the page") && l.contains(label))
    };
    wait_log("the home page's reload", reloaded("home")).await;
    wait_log("the panel's reload", reloaded("streamer-lumenforge-panel")).await;
    let new = own_pages_process(&app_binary());
    assert_ne!(new, victim, "the pages run in a new process");
    wait_log(
        "the panel reading its snapshot, the stored raid in it",
        Box::new(|l: &str| l.contains("a panel read its snapshot") && !l.contains("rows=0")),
    )
    .await;
    wait_log(
        "the home page reading the login",
        Box::new(|l: &str| l.contains("a page read the auth state") && l.contains("home")),
    )
    .await;
    let before = app.log.lock().map(|l| l.matches("a panel read its rows").count()).unwrap_or(0);
    sim_event(&base, "lumenforge", "channel.chat.notification", json!({"notice_type": "sub"}))
        .await;
    let deadline = Instant::now() + Duration::from_secs(30);
    while app.log.lock().map(|l| l.matches("a panel read its rows").count()).unwrap_or(0) == before
    {
        assert!(Instant::now() < deadline, "the reloaded panel never read the new event's rows");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    // The screen as it is now, for a person to look at (WebDriver cannot take it any more).
    let shot = tev_e2e::screenshot_dir().join("30-after-web-process-crash.png");
    let _ =
        std::process::Command::new("/usr/bin/import").args(["-window", "root"]).arg(&shot).status();
    // Dropping the app ends it (its WebDriver session is gone, so `quit` cannot).
    drop(app);
}
