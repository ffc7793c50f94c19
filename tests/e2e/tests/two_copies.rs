//! Two copies on one account: the real app and the real `tev watch`, signed in as the same user
//! with the same Client ID, watch the same channel for a minute. Twitch lets one user hold three
//! WebSocket transports per Client ID and lists every one's subscriptions to each of them
//! (docs/twitch.md §9 "Up to 3 transports"; https://dev.twitch.tv/docs/eventsub/handling-websocket-events/#connection-limits,
//! https://dev.twitch.tv/docs/api/reference/#get-eventsub-subscriptions). Each copy is forced
//! through `session_reconnect` handovers (docs/twitch.md §1.3) and through closed connections,
//! after which it reconnects fresh and reconciles — the reconcile lists all of both copies'
//! subscriptions and deletes the provably dead ones (docs/twitch.md §1.4, §1.7). Neither may
//! delete a live subscription of the other, and both must show every event sent meanwhile: the
//! app in its panel's rows, `tev watch` on its standard output.
//!
//! The simulator lets each session hold the same type and condition
//! (`same_condition_on_other_sessions`; Twitch has been reported both ways, docs/twitch.md §9),
//! since that is the case where both copies receive the events. It says which access token
//! created and which deleted each subscription (`/_sim/state` `subscriptions[].token_id`,
//! `deleted_subscriptions`, `counters.eventsub_calls_by_token`): the app and `tev watch` hold
//! different tokens of the one grant.

use serde_json::{Value, json};
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tev_e2e::{App, Launch, approving_sim, home_with_sim_client, sim_post, sim_state, tev_binary};
use tokio::io::AsyncBufReadExt;
use tokio::process::{Child, Command};

/// The channel both copies watch.
const CHANNEL: &str = "lumenforge";
/// The subscriptions a viewer's copy holds for one channel: stream.online and .offline,
/// channel.update, channel.chat.notification and .message, channel.raid to and from
/// (`eventsub/planner.rs`, the viewer's set of docs/twitch.md §2).
const SUBS: usize = 7;
/// How long both copies watch together.
const WATCH: Duration = Duration::from_secs(60);
/// The events sent, in turn (each row is found by its notification's message id).
const TYPES: [&str; 4] = ["channel.update", "channel.raid", "stream.offline", "stream.online"];

/// A running `tev watch` and what it printed.
struct Cli {
    /// The process (killed on drop).
    child: Child,
    /// Its standard output, one JSON line each.
    out: Arc<Mutex<Vec<String>>>,
    /// Its standard error (connection states, the log), for failure messages.
    err: Arc<Mutex<String>>,
    /// Its own home: nothing stored, so it signs in with a token of its own.
    _home: tempfile::TempDir,
}

impl Cli {
    /// `tev watch lumenforge` against the simulator at `base`, in a fresh home with a keychain
    /// service of its own: with no stored login it asks the simulator for a token for
    /// `sim_viewer` and the public client, the user and Client ID the app signs in with.
    fn start(base: &str) -> Cli {
        let bin = tev_binary();
        assert!(
            bin.exists(),
            "the tev binary {} is missing: run `cargo build --workspace --all-targets` first",
            bin.display()
        );
        let home = tempfile::Builder::new().prefix("tev-e2e-cli-").tempdir().expect("cli home");
        let h = home.path();
        let mut child = Command::new(bin)
            .args(["watch", CHANNEL])
            .env("HOME", h)
            .env("XDG_CONFIG_HOME", h.join(".config"))
            .env("XDG_DATA_HOME", h.join(".local/share"))
            .env("XDG_CACHE_HOME", h.join(".cache"))
            .env("TEV_KEYCHAIN_SERVICE", format!("tev-e2e-cli-{}", std::process::id()))
            .env("TEV_TWITCH_BASE_URL", base)
            .env("TEV_LOG", "info")
            .env_remove("TEV_ACCESS_TOKEN")
            .env_remove("TEV_CLIENT_ID")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .expect("start tev watch");
        let out = Arc::new(Mutex::new(Vec::new()));
        let err = Arc::new(Mutex::new(String::new()));
        if let Some(stdout) = child.stdout.take() {
            let out = out.clone();
            tokio::spawn(async move {
                let mut lines = tokio::io::BufReader::new(stdout).lines();
                while let Ok(Some(line)) = lines.next_line().await {
                    out.lock().expect("cli output").push(line);
                }
            });
        }
        if let Some(stderr) = child.stderr.take() {
            let err = err.clone();
            tokio::spawn(async move {
                let mut lines = tokio::io::BufReader::new(stderr).lines();
                while let Ok(Some(line)) = lines.next_line().await {
                    eprintln!("tev watch: {line}");
                    let mut e = err.lock().expect("cli stderr");
                    e.push_str(&line);
                    e.push('\n');
                }
            });
        }
        Cli { child, out, err, _home: home }
    }

    /// The ids of the rows it printed so far.
    fn row_ids(&self) -> Vec<String> {
        let out = self.out.lock().expect("cli output");
        out.iter()
            .filter_map(|l| serde_json::from_str::<Value>(l).ok())
            .filter_map(|v| v["id"].as_str().map(str::to_string))
            .collect()
    }

    /// Panics, with what it said, if it has exited.
    fn still_running(&mut self) {
        if let Ok(Some(status)) = self.child.try_wait() {
            panic!("tev watch exited ({status}): {}", self.err.lock().expect("cli stderr"));
        }
    }
}

/// Which copy.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Side {
    App,
    Cli,
}

/// The open sessions and how many enabled subscriptions each holds.
async fn sessions(base: &str) -> Vec<(String, usize)> {
    let state = sim_state(base).await;
    state["sessions"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|s| {
                    Some((s["id"].as_str()?.to_string(), s["subscriptions"].as_u64()? as usize))
                })
                .collect()
        })
        .unwrap_or_default()
}

/// Waits (30 s at most) until exactly two sessions are open (one without `keep`), `keep`
/// unchanged among them, and each holds all its subscriptions; returns the other one's id (the
/// moved copy's session). Fails at once if a copy deleted a live subscription of the other.
async fn settled(base: &str, keep: Option<&str>, not: &str, what: &str) -> String {
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut last = Vec::new();
    while Instant::now() < deadline {
        let wrong = live_ones_deleted_by_the_other(&sim_state(base).await);
        assert!(wrong.is_empty(), "{what}: a copy deleted the other's live ones: {wrong:?}");
        last = sessions(base).await;
        let full = last.iter().all(|(_, n)| *n == SUBS);
        let kept = keep.is_none_or(|k| last.iter().any(|(id, _)| id == k));
        let new: Vec<&String> =
            last.iter().map(|(id, _)| id).filter(|id| Some(id.as_str()) != keep).collect();
        let expected = if keep.is_some() { 2 } else { 1 };
        if last.len() == expected && full && kept && new.len() == 1 && new[0] != not {
            return new[0].clone();
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("{what}: the sessions never settled (each with {SUBS} subscriptions); last {last:?}");
}

/// The subscriptions one copy's token created and the other's deleted while they were enabled.
fn live_ones_deleted_by_the_other(state: &Value) -> Vec<Value> {
    state["deleted_subscriptions"]
        .as_array()
        .map(|d| {
            d.iter()
                .filter(|s| s["token_id"] != s["deleted_by_token_id"] && s["status"] == "enabled")
                .cloned()
                .collect()
        })
        .unwrap_or_default()
}

/// The token (internal id) that created the subscriptions on `session`.
fn token_of(state: &Value, session: &str) -> u64 {
    let tokens: Vec<u64> = state["subscriptions"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter(|s| s["transport"]["session_id"] == session)
                .filter_map(|s| s["token_id"].as_u64())
                .collect()
        })
        .unwrap_or_default();
    assert!(
        !tokens.is_empty() && tokens.iter().all(|t| *t == tokens[0]),
        "one token made {session}'s subscriptions: {tokens:?}"
    );
    tokens[0]
}

/// `counters.eventsub_calls_by_token["METHOD token"]`.
fn calls(state: &Value, method: &str, token: u64) -> u64 {
    state["counters"]["eventsub_calls_by_token"][format!("{method} {token}")].as_u64().unwrap_or(0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_app_and_tev_watch_on_one_account_keep_each_others_subscriptions_and_both_see_every_event()
 {
    let sim = approving_sim().await;
    let base = sim.base_url();
    sim_post(&base, "/_sim/config", json!({"same_condition_on_other_sessions": true})).await;

    let app = App::launch(Launch::sim(&base, home_with_sim_client())).await;
    app.log_in().await;
    app.open_followed_panel(CHANNEL).await;
    app.wait_connection("connected", 30).await;
    let mut session = [settled(&base, None, "", "the app alone").await, String::new()];
    let mut cli = Cli::start(&base);
    session[1] = settled(&base, Some(&session[0]), &session[0], "tev watch beside the app").await;
    let state = sim_state(&base).await;
    let token = [token_of(&state, &session[0]), token_of(&state, &session[1])];
    assert_ne!(token[0], token[1], "the app and tev watch hold tokens of their own");
    let user_and_client = |s: &str| {
        state["subscriptions"]
            .as_array()
            .and_then(|a| a.iter().find(|x| x["transport"]["session_id"] == s))
            .map(|x| (x["user_id"].clone(), x["client_id"].clone()))
    };
    assert_eq!(
        user_and_client(&session[0]),
        user_and_client(&session[1]),
        "the same user and Client ID"
    );

    // A minute of events, one after another, each checked at both copies before the next; in
    // between, each copy in turn is handed over to a successor session or loses its connection.
    let start = Instant::now();
    let mut sent = 0usize;
    let mut fresh = [1u64, 1u64]; // fresh sessions per copy, each reconciled: the first …
    let mut handovers = [0u64, 0u64];
    let mut step = 0usize;
    while start.elapsed() < WATCH {
        let action = match step % 10 {
            1 => Some((Side::App, "reconnect")),
            3 => Some((Side::Cli, "reconnect")),
            5 => Some((Side::App, "close")),
            7 => Some((Side::Cli, "close")),
            _ => None,
        };
        if let Some((side, how)) = action {
            let (me, other) = if side == Side::App { (0, 1) } else { (1, 0) };
            let old = session[me].clone();
            if how == "reconnect" {
                // docs/twitch.md §1.3: a `session_reconnect`; the subscriptions move with it.
                sim_post(&base, &format!("/_sim/sessions/{old}/reconnect"), json!({})).await;
                handovers[me] += 1;
            } else {
                // docs/twitch.md §1.5: 4005 network timeout; the copy reconnects fresh and
                // reconciles (its old subscriptions now `websocket_network_timeout`).
                sim_post(&base, &format!("/_sim/sessions/{old}/close"), json!({"code": 4005}))
                    .await;
                fresh[me] += 1;
            }
            let what = format!("{side:?} after {how} {step}");
            session[me] = settled(&base, Some(&session[other]), &old, &what).await;
        }
        cli.still_running();
        let ty = TYPES[step % TYPES.len()];
        let event = match ty {
            "channel.update" => json!({"title": format!("Two copies, step {step}")}),
            "channel.raid" => json!({"viewers": 100 + step}),
            _ => json!({}),
        };
        let r = sim_post(
            &base,
            "/_sim/events",
            json!({"type": ty, "broadcaster_login": CHANNEL, "event": event}),
        )
        .await;
        let ids: Vec<String> = r["message_ids"]
            .as_array()
            .map(|a| a.iter().filter_map(|v| v.as_str().map(str::to_string)).collect())
            .unwrap_or_default();
        assert_eq!(ids.len(), 2, "step {step}: {ty} went to both copies' sessions: {r}");
        // The app's panel shows one of the two notifications as a row …
        let css = ids.iter().map(|id| format!("#events li[data-id='{id}']")).collect::<Vec<_>>();
        app.wait_for_count(&css.join(", "), 1).await;
        // … and tev watch printed the other.
        let deadline = Instant::now() + Duration::from_secs(30);
        let printed = loop {
            let printed: Vec<String> =
                cli.row_ids().into_iter().filter(|id| ids.contains(id)).collect();
            if !printed.is_empty() || Instant::now() > deadline {
                break printed;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        };
        assert_eq!(printed.len(), 1, "step {step}: tev watch printed {ty} once: {printed:?}");
        sent += 1;
        step += 1;
        tokio::time::sleep(Duration::from_millis(1000)).await;
    }
    app.screenshot("two-copies-app-panel").await;

    // Every dead subscription is cleaned up by the reconciles; nothing live of either copy was.
    let deadline = Instant::now() + Duration::from_secs(30);
    let state = loop {
        let state = sim_state(&base).await;
        let dead = state["subscriptions"]
            .as_array()
            .map(|a| a.iter().filter(|s| s["status"] != "enabled").count())
            .unwrap_or(0);
        if dead == 0 || Instant::now() > deadline {
            break state;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    let wrong = live_ones_deleted_by_the_other(&state);
    assert!(wrong.is_empty(), "a copy deleted the other's live subscriptions: {wrong:?}");
    let deleted = state["deleted_subscriptions"].as_array().cloned().unwrap_or_default();
    let listed = state["subscriptions"].as_array().cloned().unwrap_or_default();
    assert!(
        listed.iter().all(|s| s["status"] == "enabled"),
        "the dead ones were deleted: {listed:?}"
    );
    assert!(
        // The `websocket_*` statuses of a subscription whose WebSocket ended or failed
        // (docs/twitch.md §1.7, https://dev.twitch.tv/docs/api/reference/#get-eventsub-subscriptions).
        deleted.iter().all(|d| d["status"].as_str().is_some_and(|s| s.starts_with("websocket_"))),
        "only dead ones were deleted: {deleted:?}"
    );
    assert_eq!(
        deleted.len() as u64,
        SUBS as u64 * (fresh[0] + fresh[1] - 2),
        "each closed session's subscriptions deleted once: {deleted:?}"
    );
    for (i, copy) in ["the app", "tev watch"].into_iter().enumerate() {
        // Every fresh session of each copy was reconciled: its subscriptions created, then all
        // subscriptions listed for the clean-up (eventsub/reconciler.rs, `Start::FreshSession`).
        assert!(
            fresh[i] >= 2 && handovers[i] >= 1,
            "{copy}: {fresh:?} fresh, {handovers:?} handovers"
        );
        assert!(
            calls(&state, "GET", token[i]) >= fresh[i],
            "{copy} listed the subscriptions in each of its {} reconciles: {:?}",
            fresh[i],
            state["counters"]["eventsub_calls_by_token"]
        );
        assert!(
            calls(&state, "POST", token[i]) >= SUBS as u64 * fresh[i],
            "{copy} subscribed on each of its {} sessions: {:?}",
            fresh[i],
            state["counters"]["eventsub_calls_by_token"]
        );
        let on_it = listed.iter().filter(|s| s["transport"]["session_id"] == session[i]).count();
        assert_eq!(on_it, SUBS, "{copy} still holds its subscriptions");
    }
    assert!(sent >= 15, "{sent} events in {:?}", start.elapsed());
    eprintln!(
        "two copies: {sent} events at both in {:.0?}; fresh sessions {fresh:?}, handovers \
         {handovers:?}, {} dead subscriptions deleted",
        start.elapsed(),
        deleted.len()
    );
    cli.still_running();
    drop(cli);
    app.quit().await;
}
