//! What the harness asks of the simulator (`twitch-sim`, in-process): events for the watched
//! channel, posted through its `/_sim` control API, and the state of its EventSub sessions.

use crate::launch::Running;
use serde_json::json;
use std::time::{Duration, Instant};
use tev_e2e::{sim_post, sim_state};

/// The channel every run watches (the simulator's seeded streamer).
pub const CHANNEL: &str = "lumenforge";

/// The id of the newest connected EventSub session with subscriptions (other than `not`), once
/// there is one; panics after 60 s.
pub async fn connected_session(base: &str, not: Option<&str>) -> String {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let st = sim_state(base).await;
        if let Some(id) = st["sessions"].as_array().and_then(|v| {
            v.iter()
                .rev()
                .find(|s| {
                    s["status"] == "connected"
                        && s["subscriptions"].as_u64() > Some(0)
                        && s["id"].as_str() != not
                })
                .and_then(|s| s["id"].as_str().map(str::to_string))
        }) {
            return id;
        }
        assert!(Instant::now() < deadline, "no connected session with subscriptions");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Sends `count` events of a kind that makes a row; returns their message ids.
pub async fn send_rows(base: &str, count: usize, notice: &str) -> Vec<String> {
    let r = sim_post(
        base,
        "/_sim/events",
        json!({"type": "channel.chat.notification", "version": "1", "broadcaster_login": CHANNEL,
               "event": {"notice_type": notice}, "count": count}),
    )
    .await;
    r["message_ids"]
        .as_array()
        .map(|v| v.iter().filter_map(|i| i.as_str().map(str::to_string)).collect())
        .unwrap_or_default()
}

/// Waits until the panel shows the row `id` (the current webview must be the panel).
pub async fn wait_row(app: &Running, id: &str, secs: u64) {
    app.wait_for(&format!("#events > li[data-id='{id}']"), secs).await;
}
