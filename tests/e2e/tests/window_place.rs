//! A streamer window remembered on a monitor that is gone opens on the screen there is, and its
//! two dividers come back where the user left them (docs/ui.md "Streamer window"): the settings
//! say lumenforge's window was at 5000,3000 (Xvfb has one 1920×1080 screen) with a 420-wide chat
//! column and a 240-high events strip; the window opens wholly on the screen, the panes have
//! those sizes, and closing it remembers the new place and both dividers.

use fantoccini::Locator;
use serde_json::Value;
use std::time::{Duration, Instant};
use tev_e2e::{App, Launch, approving_sim, home_with_sim_client};

/// The one screen Xvfb has (`-screen 0 1920x1080x24`, docs/testing.md "End-to-end tests").
const SCREEN: (i64, i64) = (1920, 1080);
/// The remembered chat column width and events strip height.
const CHAT_WIDTH: f64 = 420.0;
const PANEL_HEIGHT: f64 = 240.0;
/// GTK's pane handles take a pixel or so between the panes.
const HANDLE_SLACK: f64 = 3.0;

/// The X window with this exact title: absolute (x, y, width, height) (`xwininfo`, x11-utils).
fn x_window_rect(title: &str) -> Option<(i64, i64, i64, i64)> {
    let out = std::process::Command::new("xwininfo").args(["-name", title]).output().ok()?;
    let text = String::from_utf8_lossy(&out.stdout);
    let field = |name: &str| {
        text.lines()
            .find_map(|l| l.trim().strip_prefix(name).map(|v| v.trim().parse::<i64>()))
            .and_then(Result::ok)
    };
    Some((
        field("Absolute upper-left X:")?,
        field("Absolute upper-left Y:")?,
        field("Width:")?,
        field("Height:")?,
    ))
}

/// The current webview's inner size, as its page sees it.
async fn inner_size(app: &App) -> (f64, f64) {
    let v = app
        .client
        .execute("return [window.innerWidth, window.innerHeight];", vec![])
        .await
        .expect("the page's inner size");
    (v[0].as_f64().unwrap_or(-1.0), v[1].as_f64().unwrap_or(-1.0))
}

/// Waits (up to 20 s) until the current webview's inner size passes `ok`; the last size seen.
async fn wait_inner_size(app: &App, ok: impl Fn((f64, f64)) -> bool) -> (f64, f64) {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let size = inner_size(app).await;
        if ok(size) || Instant::now() > deadline {
            return size;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_window_remembered_on_a_monitor_that_is_gone_opens_on_screen_with_its_dividers() {
    let sim = approving_sim().await;
    let home = home_with_sim_client();
    let settings = home.path().join(".config/twitch-event-viewer/settings.json");
    std::fs::write(
        &settings,
        format!(
            r#"{{"client_id":"sim-public-client","windows":{{"streamer-lumenforge":{{"x":5000,"y":3000,"width":1280,"height":800,"maximized":false,"chat_width":{CHAT_WIDTH},"panel_height":{PANEL_HEIGHT}}}}}}}"#
        ),
    )
    .expect("settings");
    let app = App::launch(Launch::sim(&sim.base_url(), home)).await;
    app.log_in().await;
    app.open_followed_panel("lumenforge").await;

    // On the screen, wholly, at its remembered size (1280×800 fits).
    let title = "Lumenforge — Twitch Event Viewer";
    let deadline = Instant::now() + Duration::from_secs(20);
    let rect = loop {
        let rect = x_window_rect(title);
        if rect.is_some() || Instant::now() > deadline {
            break rect.unwrap_or_else(|| panic!("no X window titled {title}"));
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    let (x, y, w, h) = rect;
    assert!(
        x >= 0 && y >= 0 && x + w <= SCREEN.0 && y + h <= SCREEN.1,
        "the window is not wholly on the 1920×1080 screen: at {x},{y}, {w}×{h}"
    );
    assert_eq!((w, h), (1280, 800), "it keeps its remembered size where it fits");
    // And the log says why it moved.
    let line = app.wait_for_log("off the screens there are now").await;
    assert!(line.contains("title bar is on no screen"), "{line}");

    // The dividers where the user left them: the panel is the window's width less the chat
    // column, and the strip's height.
    let near = |a: f64, b: f64| (a - b).abs() <= HANDLE_SLACK;
    let panel =
        wait_inner_size(&app, |(pw, ph)| near(pw, 1280.0 - CHAT_WIDTH) && near(ph, PANEL_HEIGHT))
            .await;
    assert!(
        near(panel.0, 1280.0 - CHAT_WIDTH) && near(panel.1, PANEL_HEIGHT),
        "the panel is {}×{}, not {}×{PANEL_HEIGHT} as remembered",
        panel.0,
        panel.1,
        1280.0 - CHAT_WIDTH
    );
    app.switch_to_webview("embed/chat").await;
    let chat = wait_inner_size(&app, |(cw, _)| near(cw, CHAT_WIDTH)).await;
    assert!(near(chat.0, CHAT_WIDTH), "the chat column is {} wide, not {CHAT_WIDTH}", chat.0);
    app.switch_to_webview("embed/player").await;
    app.wait_for("body").await;
    app.screenshot_screen("window-place-on-screen").await;

    // Closing it (Ctrl+W in the panel) remembers the place it has now and both dividers.
    app.switch_to_webview("streamer.html?login=lumenforge").await;
    let body = app.client.find(Locator::Css("body")).await.expect("body");
    let _ = body.send_keys("\u{E009}w\u{E000}").await;
    let deadline = Instant::now() + Duration::from_secs(30);
    let saved = loop {
        let text = std::fs::read_to_string(&settings).unwrap_or_default();
        let saved: Value = serde_json::from_str(&text).unwrap_or_default();
        let g = saved["windows"]["streamer-lumenforge"].clone();
        if g["x"].as_f64().is_some_and(|x| x < 5000.0) || Instant::now() > deadline {
            break g;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    let field = |k: &str| saved[k].as_f64().unwrap_or(f64::NAN);
    assert_eq!((field("x"), field("y")), (x as f64, y as f64), "the place it opened at: {saved}");
    assert!(near(field("chat_width"), CHAT_WIDTH), "chat column remembered: {saved}");
    assert!(near(field("panel_height"), PANEL_HEIGHT), "events strip remembered: {saved}");
    app.quit().await;
}
