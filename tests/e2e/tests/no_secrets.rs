//! Secrets stay in the keychain (Standards: "a token may never appear in a log line, a file, a
//! panic message, a `Debug` output or a webview. Test that."). After a login, an open streamer
//! window and an event, the access and refresh tokens read back from the real Secret Service
//! appear nowhere else: not in any page (DOM, storage, cookies, the answers of every command a
//! page may call), not in any file under the app's home, not in its log — at `trace` level.

use serde_json::{Value, json};
use tev_e2e::{App, Launch, approving_sim, home_with_sim_client, sim_post};

/// The token pair the app stored, read back as another program would (`secret-tool`).
fn stored_tokens(app: &App) -> (String, String) {
    let service = app
        .env
        .iter()
        .find(|(k, _)| k == "TEV_KEYCHAIN_SERVICE")
        .map(|(_, v)| v.clone())
        .expect("keychain service");
    let out = std::process::Command::new("secret-tool")
        .args(["lookup", "service", &service, "username", "tokens"])
        .output()
        .expect("run secret-tool (libsecret-tools)");
    assert!(out.status.success(), "no stored login: {}", String::from_utf8_lossy(&out.stderr));
    let v: Value = serde_json::from_slice(&out.stdout).expect("the entry is the app's JSON");
    let access = v["access_token"].as_str().expect("access token").to_string();
    let refresh = v["refresh_token"].as_str().expect("refresh token").to_string();
    assert!(access.len() >= 20 && refresh.len() >= 20, "implausible tokens");
    (access, refresh)
}

/// What a page can see: its DOM, storage, cookies, and the answers of the read commands.
const PAGE_DUMP: &str = r#"
const done = arguments[arguments.length - 1];
(async () => {
  const t = window.__TAURI__;
  const out = {
    html: document.documentElement.outerHTML,
    local: JSON.stringify({ ...localStorage }),
    session: JSON.stringify({ ...sessionStorage }),
    cookie: document.cookie,
    calls: {},
  };
  for (const c of ["app_info", "settings_get", "auth_state", "followed_channels",
                   "notifications_get", "streamer_snapshot"]) {
    try { out.calls[c] = await t.core.invoke(c); } catch (e) { out.calls[c] = { error: e }; }
  }
  done(JSON.stringify(out));
})();
"#;

fn assert_clean(what: &str, text: &str, tokens: &(String, String)) {
    assert!(!text.contains(&tokens.0), "the access token is in {what}");
    assert!(!text.contains(&tokens.1), "the refresh token is in {what}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tokens_appear_in_no_page_file_or_log() {
    let sim = approving_sim().await;
    let base = sim.base_url();
    let app =
        App::launch(Launch::sim(&base, home_with_sim_client()).with_env("TEV_LOG", "trace")).await;
    app.log_in().await;
    let home = app.client.window().await.expect("home handle");
    app.open_followed_panel("lumenforge").await;
    app.wait_for_text("#connection", |t| t.contains("connected")).await;
    sim_post(
        &base,
        "/_sim/events",
        json!({"type": "channel.raid", "version": "1", "broadcaster_login": "lumenforge", "event": {}}),
    )
    .await;
    app.wait_for("#events > li[data-kind='raid_incoming']").await;

    let tokens = stored_tokens(&app);

    // Every page of the app: the panel (still current) and home.
    for (name, switch) in [("the streamer panel", None), ("the home page", Some(home.clone()))] {
        if let Some(h) = switch {
            app.client.switch_to_window(h).await.expect("switch");
        }
        let dump = app.client.execute_async(PAGE_DUMP, vec![]).await.expect("dump the page");
        let text = dump.as_str().expect("a JSON string").to_string();
        assert!(text.contains("signed_in"), "the dump ran and read the auth state: {text:.300}");
        assert_clean(name, &text, &tokens);
    }

    // Every file the app wrote under its home (settings, recent events, WebKit's data).
    let mut files = 0;
    let mut stack = vec![app.home.path().to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).expect("read dir").flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if let Ok(bytes) = std::fs::read(&path) {
                files += 1;
                let text = String::from_utf8_lossy(&bytes);
                assert_clean(&path.display().to_string(), &text, &tokens);
            }
        }
    }
    assert!(files >= 2, "expected the settings and WebKit files, found {files}");

    // The log, at trace level, of the whole run.
    let log = app.log.lock().map(|l| l.clone()).unwrap_or_default();
    assert!(log.contains("EventSub session welcomed"), "the log was captured: {} bytes", log.len());
    assert_clean("the app's log", &log, &tokens);
    eprintln!("no_secrets: {files} files and {} bytes of trace log checked", log.len());
    app.quit().await;
}
