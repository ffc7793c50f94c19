//! The moderator view (docs/ui.md "Moderator view"), in the real app against the simulator:
//! `sim_mod`, who moderates lumenforge, logs in with "I'm the broadcaster or a moderator" ticked;
//! lumenforge's panel offers the switch, and the normal view subscribes to no moderation type.
//! Turning the view on asks Twitch for the moderation scopes (a new login), subscribes to
//! `channel.moderate`, AutoMod and the rest with sim_mod as the moderator, and a timeout, a
//! held message and its approval then show as rows naming the moderator who acted. Turned off,
//! the subscriptions go and the rows hide.

use fantoccini::Locator;
use serde_json::{Value, json};
use std::time::{Duration, Instant};
use tev_e2e::{App, Launch, approving_sim, home_with_sim_client, sim_post, sim_state};

/// The moderation types the view subscribes to on lumenforge, as the simulator lists them.
async fn moderation_subscriptions(base: &str) -> Vec<(String, String, String)> {
    let state = sim_state(base).await;
    let subs = state["subscriptions"].as_array().cloned().unwrap_or_default();
    subs.iter()
        .filter(|s| s["status"] == "enabled")
        .filter(|s| {
            let t = s["type"].as_str().unwrap_or_default();
            t == "channel.moderate" || t.starts_with("automod.") || t.starts_with("channel.warning")
        })
        .map(|s| {
            let t = s["type"].as_str().unwrap_or_default().to_string();
            let v = s["version"].as_str().unwrap_or_default().to_string();
            let m = s["condition"]["moderator_user_id"].as_str().unwrap_or_default().to_string();
            (t, v, m)
        })
        .collect()
}

/// Waits until the simulator's moderation subscriptions satisfy `pred`.
async fn wait_subscriptions(
    base: &str,
    pred: impl Fn(&[(String, String, String)]) -> bool,
) -> Vec<(String, String, String)> {
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut last = Vec::new();
    while Instant::now() < deadline {
        last = moderation_subscriptions(base).await;
        if pred(&last) {
            return last;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    panic!("the moderation subscriptions never became as expected within 60 s: {last:?}");
}

/// The simulator's user id for `login`.
async fn user_id(base: &str, login: &str) -> String {
    let users: Value = tev_e2e::http()
        .get(format!("{base}/_sim/users"))
        .send()
        .await
        .expect("list users")
        .json()
        .await
        .expect("users JSON");
    let list = users["data"].as_array().cloned();
    list.unwrap_or_default()
        .iter()
        .find(|u| u["login"] == login)
        .and_then(|u| u["id"].as_str().map(str::to_string))
        .unwrap_or_else(|| panic!("the simulator has no {login}: {users}"))
}

/// The text of the first row of `kind` on screen (its DOM text: a row still sliding in may not
/// be rendered text yet), once there is one.
async fn row_text(app: &App, kind: &str) -> String {
    let deadline = Instant::now() + Duration::from_secs(30);
    let script = "const li = document.querySelector(`#events > li[data-kind='${arguments[0]}']`);\
                  return li ? li.textContent : null;";
    loop {
        let v = app.client.execute(script, vec![json!(kind)]).await.expect("read the rows");
        if let Some(t) = v.as_str().filter(|t| !t.is_empty()) {
            return t.to_string();
        }
        assert!(Instant::now() < deadline, "no {kind} row within 30 s");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_moderator_turns_the_view_on_and_sees_a_timeout_a_held_message_and_its_approval() {
    let sim = approving_sim().await;
    let base = sim.base_url();
    sim_post(&base, "/_sim/config", json!({"auto_approve": "sim_mod"})).await;
    let sim_mod = user_id(&base, "sim_mod").await;
    let app = App::launch(Launch::sim(&base, home_with_sim_client())).await;

    // Log in as a moderator: the app learns which channels sim_mod moderates.
    app.wait_for("body[data-ready='true']").await;
    app.wait_for("body[data-auth='signed_out']").await;
    app.wait_for("#role-opt-in").await.click().await.expect("tick the role opt-in");
    app.wait_for("#login-button").await.click().await.expect("click Log in with Twitch");
    app.wait_for("body[data-auth='signed_in']").await;
    app.invoke("open_streamer", json!({"login": "lumenforge"})).await.expect("open lumenforge");
    app.switch_to_webview("streamer.html?login=lumenforge").await;
    app.wait_for("body[data-ready='true']").await;
    app.wait_for_text("#connection", |t| t.contains("connected")).await;

    // The normal view: the switch is offered, nothing of moderation is subscribed to, and the
    // filter menu has no Moderation group.
    app.wait_for("#filter-button").await.click().await.expect("open the filter menu");
    app.wait_for("#moderator-view-row:not([hidden])").await;
    assert!(app.client.find(Locator::Css("#show-moderation")).await.is_err());
    assert!(app.client.find(Locator::Css("#mod-chip:not([hidden])")).await.is_err());
    assert_eq!(moderation_subscriptions(&base).await, Vec::<(String, String, String)>::new());

    // On: a new login for the moderation scopes (auto-approved), then the subscriptions.
    app.wait_for("#moderator-view").await.click().await.expect("turn the moderator view on");
    let subs = wait_subscriptions(&base, |s| {
        s.iter().any(|(t, _, _)| t == "channel.moderate")
            && s.iter().any(|(t, _, _)| t == "automod.message.hold")
            && s.iter().any(|(t, _, _)| t == "automod.message.update")
    })
    .await;
    for (t, v, m) in &subs {
        assert_eq!(m, &sim_mod, "{t} is conditioned on sim_mod as the moderator");
        if t == "channel.moderate" {
            assert_eq!(v, "2", "docs/twitch.md §2: channel.moderate v2");
        }
    }
    app.wait_for("#mod-chip:not([hidden])").await;
    app.wait_for("#show-moderation").await;
    let checked = app.client.find(Locator::Css("#moderator-view")).await.expect("box");
    assert_eq!(checked.prop("checked").await.ok().flatten().as_deref(), Some("true"));

    // A timeout by sim_mod, a held message, and sim_mod approving it.
    // No version: the simulator sends each subscription its own version's shape.
    let post = |ty: &str, event: Value| {
        let body = json!({"type": ty, "broadcaster_login": "lumenforge", "event": event});
        let base = base.clone();
        async move { sim_post(&base, "/_sim/events", body).await }
    };
    post(
        "channel.moderate",
        json!({"action": "timeout", "user_login": "nightowl", "moderator_user_login": "sim_mod",
               "timeout": {"reason": "spoilers"}}),
    )
    .await;
    let timeout = row_text(&app, "mod_action").await;
    assert!(timeout.contains("timed out"), "{timeout}");
    assert!(timeout.contains("SimMod"), "the moderator is named: {timeout}");
    assert!(timeout.to_lowercase().contains("nightowl"), "the target is named: {timeout}");

    let held_id = "0b1f3c2a-7d7e-4c55-9a43-1c3a6c1e9f10";
    let text = "buy followers at example dot com";
    post(
        "automod.message.hold",
        json!({"message_id": held_id, "user_login": "pixelpaladin", "message": {"text": text}}),
    )
    .await;
    let held = row_text(&app, "automod_hold").await;
    assert!(held.contains("buy followers"), "the held text shows: {held}");
    assert!(held.to_lowercase().contains("pixelpaladin"), "the author is named: {held}");

    post(
        "automod.message.update",
        json!({"message_id": held_id, "user_login": "pixelpaladin", "status": "approved",
               "message": {"text": text}, "moderator_user_login": "sim_mod"}),
    )
    .await;
    let resolved = row_text(&app, "automod_resolved").await;
    assert!(resolved.to_lowercase().contains("approved"), "{resolved}");
    assert!(resolved.contains("SimMod"), "the moderator is named: {resolved}");
    app.screenshot("moderator-view").await;

    // Off: the subscriptions go, and the moderation rows hide (counted by the filter).
    app.wait_for("#moderator-view").await.click().await.expect("turn the moderator view off");
    wait_subscriptions(&base, |s| s.is_empty()).await;
    app.wait_for("#mod-chip[hidden]").await;
    let deadline = Instant::now() + Duration::from_secs(30);
    while app.client.find(Locator::Css("#events > li[data-kind='mod_action']")).await.is_ok() {
        assert!(Instant::now() < deadline, "moderation rows still show in the normal view");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    app.quit().await;
    drop(sim);
}
