//! Twitch's two panes of a streamer window, in the real app against the simulator: the panes
//! stay on Twitch (pages from elsewhere and new windows go to the system browser, downloads are
//! refused; docs/ui.md, "Twitch's panes").

use serde_json::{Value, json};
use std::time::{Duration, Instant};
use tev_e2e::{App, Launch, approving_sim, home_with_sim_client, sim_state};

/// Logs in and opens Lumenforge's window (live in the simulator's world); the WebDriver session
/// is left on the panel.
async fn open_lumenforge(app: &App) {
    app.log_in().await;
    app.open_followed_panel("lumenforge").await;
}

/// Runs `script` in the current webview until it returns something other than `null` (up to
/// `secs`); returns that.
async fn poll(app: &App, script: &str, secs: u64) -> Value {
    let deadline = Instant::now() + Duration::from_secs(secs);
    let mut last = Value::Null;
    while Instant::now() < deadline {
        if let Ok(v) = app.client.execute(script, vec![]).await {
            if !v.is_null() {
                return v;
            }
            last = v;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    panic!("`{script}` stayed null for {secs} s (last {last})");
}

/// docs/twitch.md §9 "Video": with GStreamer's H.264 decoder installed (`.dev/setup`), the
/// player's stream plays: its time runs past one second and it has a picture.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_player_plays_the_live_channels_stream() {
    let sim = approving_sim().await;
    let app = App::launch(Launch::sim(&sim.base_url(), home_with_sim_client())).await;
    open_lumenforge(&app).await;
    app.wait_for("body[data-video='ok']").await;
    app.switch_to_webview("embed/player").await;
    let played = poll(
        &app,
        "const v = document.getElementById('video'); \
         return v && v.currentTime > 1 && v.videoWidth > 0 \
           ? { time: v.currentTime, width: v.videoWidth, height: v.videoHeight, \
               state: document.getElementById('player').dataset.state } : null;",
        60,
    )
    .await;
    assert_eq!(played["width"], 640, "{played}");
    assert_eq!(played["height"], 360, "{played}");
    assert_eq!(played["state"], "playing", "{played}");
    app.screenshot_screen("panes-video-playing").await;
    app.quit().await;
}

/// docs/twitch.md §9 "Video": with the H.264 decoder hidden from GStreamer (ranked NONE, as if
/// `gstreamer1.0-libav` were not installed), the streamer window says so and gives the command
/// that installs it, instead of leaving a black pane.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_an_h264_decoder_the_window_says_how_to_install_one() {
    let sim = approving_sim().await;
    let hidden = "avdec_h264:NONE,openh264dec:NONE,vah264dec:NONE,vaapih264dec:NONE,\
                  nvh264dec:NONE,v4l2h264dec:NONE,v4l2slh264dec:NONE";
    let app = App::launch(
        Launch::sim(&sim.base_url(), home_with_sim_client())
            .with_env("GST_PLUGIN_FEATURE_RANK", hidden),
    )
    .await;
    open_lumenforge(&app).await;
    app.wait_for("body[data-video='missing']").await;
    let notice = app.wait_for_text("#video-notice", |t| t.contains("install")).await;
    assert!(notice.contains("H.264"), "{notice}");
    let command = app.wait_for_text("#video-command", |t| !t.is_empty()).await;
    // This machine is Debian (docs/testing.md: CI is a fresh Debian 12).
    assert!(command.contains("gstreamer1.0-libav"), "{command}");
    app.screenshot_screen("panes-video-missing").await;
    // The player itself fails the way Twitch's does, with an error and no picture.
    app.switch_to_webview("embed/player").await;
    let state = poll(
        &app,
        "const p = document.getElementById('player'); \
         return p.dataset.state === 'error' ? document.getElementById('error').textContent : null;",
        30,
    )
    .await;
    assert!(state.as_str().is_some_and(|t| t.contains("NotSupportedError")), "{state}");
    app.quit().await;
}

/// The size of the current webview's viewport, as `[width, height]`.
async fn viewport(app: &App) -> (u64, u64) {
    let v = app
        .client
        .execute(
            "return [window.innerWidth, window.innerHeight, document.visibilityState];",
            vec![],
        )
        .await
        .expect("the viewport");
    (v[0].as_u64().unwrap_or(0), v[1].as_u64().unwrap_or(0))
}

/// docs/twitch.md §5.1: Twitch's player needs at least 400×300 (smaller, autoplay is blocked).
/// At the window's minimum size the player keeps it; the chat column gives way first, and the
/// panel's Chat toggle brings it back over the panel, the player keeping its size.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn at_the_windows_minimum_size_the_player_keeps_400_by_300_and_the_chat_gives_way() {
    let sim = approving_sim().await;
    let app = App::launch(Launch::sim(&sim.base_url(), home_with_sim_client())).await;
    open_lumenforge(&app).await;
    app.switch_to_webview("embed/chat").await;
    // As small as the window goes: GTK keeps it at its minimum size.
    app.client.set_window_size(200, 150).await.expect("resize the window");
    app.switch_to_webview("embed/player").await;
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut player = viewport(&app).await;
    while player.0 > 500 && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(200)).await;
        player = viewport(&app).await;
    }
    assert!(player.0 >= 400 && player.1 >= 300, "the player got {player:?}");
    assert!(player.0 < 400 + 260, "the window's minimum leaves no room for a chat column");
    app.switch_to_webview("embed/chat").await;
    let hidden =
        poll(&app, "return document.visibilityState === 'hidden' ? true : null;", 30).await;
    assert_eq!(hidden, json!(true), "the chat gave way");
    // The panel keeps room for its events under the header: the first window's explanation
    // (shown until dismissed) gives way rather than fill the little height there is.
    app.switch_to_webview("streamer.html").await;
    let events = poll(
        &app,
        "const e = document.querySelector('main.events').getBoundingClientRect(); \
         return window.innerHeight < 300 ? { events: e.height, bottom: e.bottom, \
           inner: window.innerHeight } : null;",
        30,
    )
    .await;
    let room = events["events"].as_f64().unwrap_or(0.0);
    assert!(room >= 76.0, "the events area kept {room} px at the minimum size: {events}");
    app.screenshot_screen("panes-minimum-size").await;

    // The chat comes back over the panel; the player keeps its size.
    app.switch_to_webview("streamer.html").await;
    app.wait_for("#chat-toggle").await.click().await.expect("show the chat");
    app.wait_for("#chat-toggle[aria-pressed='true']").await;
    app.switch_to_webview("embed/chat").await;
    poll(
        &app,
        "return document.visibilityState === 'visible' && window.innerHeight >= 100 ? true : null;",
        30,
    )
    .await;
    let chat = viewport(&app).await;
    assert!(chat.0 >= 300 && chat.1 >= 100, "the chat over the panel got {chat:?}");
    app.switch_to_webview("embed/player").await;
    let player = viewport(&app).await;
    assert!(player.0 >= 400 && player.1 >= 300, "the player got {player:?} beside the chat");
    app.screenshot_screen("panes-minimum-size-chat").await;
    app.quit().await;
}

/// Twitch's panes have no address bar, so they stay on Twitch: a page that sets `location` to
/// another origin, and a chat link that opens a new window, send the URL to the system browser
/// (a stand-in here, through `BROWSER`) and the pane stays where it was; a file sent as an
/// attachment is not saved.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_panes_stay_on_twitch_send_other_links_to_the_browser_and_save_no_download() {
    let sim = approving_sim().await;
    let base = sim.base_url();
    let app = App::launch(Launch::sim(&base, home_with_sim_client())).await;
    open_lumenforge(&app).await;
    let handles = app.client.windows().await.expect("window handles").len();

    // (a) A page script sends the pane to another origin (`localhost` is not the simulator's
    // `127.0.0.1`).
    app.switch_to_webview("embed/chat").await;
    let elsewhere =
        base.replace("127.0.0.1", "localhost") + "/embed/chat?channel=lumenforge&lure=1";
    app.client
        .execute("location.href = arguments[0]; return true;", vec![json!(elsewhere)])
        .await
        .expect("set location");
    app.wait_for_browser(|u| u == elsewhere).await;
    app.wait_for("#clip-link").await;
    let url = app.client.current_url().await.expect("the pane's URL");
    assert!(url.as_str().starts_with(&format!("{base}/embed/chat")), "the pane went to {url}");

    // (b) A chat link opens a new window: the browser gets it, no window opens.
    app.wait_for("#clip-link").await.click().await.expect("click the chat link");
    app.wait_for_browser(|u| u == "https://clips.twitch.tv/SimulatedSkipClip").await;
    let url = app.client.current_url().await.expect("the pane's URL");
    assert!(url.as_str().starts_with(&format!("{base}/embed/chat")), "the pane went to {url}");
    assert_eq!(app.client.windows().await.expect("handles").len(), handles, "no new window");

    // (c) An attachment from the pane's own origin: refused, nothing saved.
    app.switch_to_webview("embed/player").await;
    app.client
        .execute("location.href = '/_sim/download/notes.txt'; return true;", vec![])
        .await
        .expect("ask for the attachment");
    app.wait_for_log("download refused").await;
    let url = app.client.current_url().await.expect("the pane's URL");
    assert!(url.as_str().starts_with(&format!("{base}/embed/player")), "the pane went to {url}");
    let saved = files_named(app.home.path(), "notes.txt");
    assert!(saved.is_empty(), "the attachment was saved: {saved:?}");
    let downloads = app.home.path().join("Downloads");
    let listed = std::fs::read_dir(&downloads).map(|d| d.count()).unwrap_or(0);
    assert_eq!(listed, 0, "{} is not empty", downloads.display());
    app.quit().await;
}

/// Every file called `name` under `dir`.
fn files_named(dir: &std::path::Path, name: &str) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    let mut todo = vec![dir.to_path_buf()];
    while let Some(d) = todo.pop() {
        for e in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            let p = e.path();
            if p.is_dir() {
                todo.push(p);
            } else if p.file_name().is_some_and(|n| n.to_string_lossy().starts_with(name)) {
                out.push(p);
            }
        }
    }
    out
}

/// The message box's status line once it says `needle` (up to 30 s); read by script, as it may
/// be cut with an ellipsis.
async fn box_status(app: &App, needle: &str) -> String {
    let script = format!(
        "const t = document.getElementById('chat-status').textContent; \
         return t.includes({}) ? t : null;",
        json!(needle)
    );
    poll(app, &script, 30).await.as_str().unwrap_or_default().to_string()
}

/// Helix Send Chat Message (https://dev.twitch.tv/docs/api/reference/#send-chat-message): the
/// box under the chat asks for `user:write:chat` only when the user turns chatting on (a new
/// login), sends once per Enter, the message shows in Twitch's chat (the simulator's), and a
/// repeat within 30 s shows Twitch's reason for dropping it (docs/twitch.md §4).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_message_typed_under_the_chat_appears_in_it_and_a_repeat_shows_twitchs_reason() {
    let sim = approving_sim().await;
    let base = sim.base_url();
    let app = App::launch(Launch::sim(&base, home_with_sim_client())).await;
    open_lumenforge(&app).await;
    let write_scope = |st: &Value| -> bool {
        st["tokens"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|t| t["expired"] == json!(false))
            .flat_map(|t| t["scopes"].as_array().cloned().unwrap_or_default())
            .any(|s| s == "user:write:chat")
    };
    assert!(!write_scope(&sim_state(&base).await), "chatting is asked for only when turned on");

    app.switch_to_webview("compose.html").await;
    app.wait_for("body[data-chat='off'] #chat-enable").await.click().await.expect("chat on");
    let input = app.wait_for("body[data-chat='ready'] #message").await;
    assert!(write_scope(&sim_state(&base).await), "the new login holds user:write:chat");
    let text = "hello from the app";
    // Enter twice at once: one message. (The repeat below must come within Twitch's 30 s.)
    input.send_keys(&format!("{text}\u{E007}\u{E007}")).await.expect("type and press Enter");
    box_status(&app, "Sent.").await;
    app.switch_to_webview("embed/chat").await;
    app.wait_for_text("#chat li.sent:last-child", |t| t.contains(text)).await;
    let sends = |st: &Value| st["counters"]["helix_calls"]["POST /helix/chat/messages"].as_u64();
    assert_eq!(sends(&sim_state(&base).await), Some(1), "one Enter, one message");

    app.switch_to_webview("compose.html").await;
    let input = app.wait_for("body[data-chat='ready'] #message").await;
    input.send_keys(&format!("{text}\u{E007}")).await.expect("send it again");
    let reason = box_status(&app, "identical").await;
    assert!(reason.contains("not send"), "{reason}");
    // Twitch's reason is shown whole: wrapped in the box, not cut with an ellipsis, and the
    // field stays in view under it.
    let fit = app
        .client
        .execute(
            "const s = document.getElementById('chat-status'); \
             const r = s.getBoundingClientRect(); \
             const f = document.getElementById('message').getBoundingClientRect(); \
             return { cut: s.scrollWidth > s.clientWidth || s.scrollHeight > s.clientHeight, \
               bottom: r.bottom, field: f.bottom, inner: window.innerHeight };",
            vec![],
        )
        .await
        .expect("the status line's box");
    assert_eq!(fit["cut"], json!(false), "the reason is cut: {fit}");
    let inner = fit["inner"].as_f64().unwrap_or(0.0);
    assert!(
        fit["bottom"].as_f64().unwrap_or(f64::MAX) <= inner
            && fit["field"].as_f64().unwrap_or(f64::MAX) <= inner,
        "the reason or the field is out of the box: {fit}"
    );
    assert_eq!(sends(&sim_state(&base).await), Some(2));
    app.screenshot("panes-chat-duplicate").await;
    app.switch_to_webview("embed/chat").await;
    app.screenshot_screen("panes-chat-sent").await;
    let shown = app
        .client
        .execute("return document.querySelectorAll('#chat li.sent').length;", vec![])
        .await
        .expect("the chat's lines");
    assert_eq!(shown, json!(1), "the repeat never reached the chat");

    app.switch_to_webview("compose.html").await;
    let input = app.wait_for("#message").await;
    input.clear().await.expect("clear");
    input.send_keys(&"y".repeat(501)).await.expect("type 501 characters");
    let kept = app
        .client
        .execute("return document.getElementById('message').value.length;", vec![])
        .await
        .expect("the box's length");
    assert_eq!(kept, json!(500), "the box takes Twitch's 500 characters at most");
    let counter = app
        .client
        .execute("return document.getElementById('counter').textContent;", vec![])
        .await
        .expect("the counter");
    assert_eq!(counter, json!("500/500"));

    // Turning chatting on made the session's pieces anew: the window's channel is watched again.
    app.switch_to_webview("streamer.html").await;
    app.wait_for("#connection[data-state='connected']").await;
    app.quit().await;
}
