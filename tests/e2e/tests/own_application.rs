//! Your own Twitch application stays one click away: signed in with the built-in Client ID, the
//! home window's settings take a confidential client (its secret to the real keychain of the test
//! session), which signs the user out cleanly — the old login revoked at Twitch
//! (docs/twitch.md §3.4) — and "Log in with Twitch" then runs the loopback authorization-code flow
//! (docs/twitch.md §3.3: the "browser" follows the consent page's redirect, which the simulator
//! approves for sim_viewer, back to the app's listener on http://localhost:17563/callback). Going
//! back to the built-in application signs out cleanly again and logs in with the device code.

use fantoccini::Locator;
use serde_json::json;
use tev_e2e::{App, Launch, approving_sim, fresh_home, sim_token_clients};

/// A browser stand-in that fetches the URL and follows redirects, as a browser would.
fn following_browser(dir: &std::path::Path) -> String {
    // Not `browser.sh`: `Launch::sim` writes its quiet browser there.
    let path = dir.join("browser-following.sh");
    std::fs::write(&path, "#!/bin/sh\ncurl -fsSL --max-time 20 \"$1\" >/dev/null 2>&1 &\nexit 0\n")
        .expect("write the browser stand-in");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755))
            .expect("make it executable");
    }
    path.to_string_lossy().into_owned()
}

/// Opens the home window's settings and waits for them.
async fn open_settings(app: &App) {
    app.wait_for("#settings-button").await.click().await.expect("open the settings");
    app.wait_for("#settings:not([hidden])").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn switching_to_your_own_application_and_back_signs_out_cleanly() {
    let sim = approving_sim().await;
    let base = sim.base_url();
    let home = fresh_home();
    let browser = following_browser(home.path());
    let app = App::launch(Launch::sim(&base, home).with_env("BROWSER", &browser)).await;
    let settings_file = app.home.path().join(".config/twitch-event-viewer/settings.json");

    // Signed in with the built-in application.
    app.log_in().await;
    assert_eq!(sim_token_clients(&base).await, ["sim-public-client"]);

    // Settings → "Use your own Twitch application": a confidential client with its secret.
    open_settings(&app).await;
    app.wait_for_text("#client-source", |t| t.contains("built in")).await;
    app.wait_for("#own-app summary").await.click().await.expect("unfold the form");
    app.wait_for("#client-id").await.send_keys("sim-confidential-client").await.expect("type id");
    app.wait_for("#client-secret").await.send_keys("sim-secret").await.expect("type secret");
    app.screenshot("own-app-01-settings").await;
    app.client.find(Locator::Css("#setup-save")).await.expect("save").click().await.expect("click");

    // Signed out cleanly: the built-in application's login is revoked at Twitch.
    app.wait_for("body[data-auth='signed_out']").await;
    app.wait_for("#login:not([hidden])").await;
    let clients = sim_token_clients(&base).await;
    assert!(clients.is_empty(), "the old login is still live at Twitch: {clients:?}");

    // The loopback flow with the confidential client.
    app.wait_for("#login-button").await.click().await.expect("log in");
    app.wait_for("body[data-auth='signed_in']").await;
    app.wait_for_text("#account-name", |t| t == "SimViewer").await;
    assert_eq!(sim_token_clients(&base).await, ["sim-confidential-client"]);
    let text = std::fs::read_to_string(&settings_file).expect("settings written");
    assert!(text.contains("sim-confidential-client") && !text.contains("sim-secret"), "{text}");
    open_settings(&app).await;
    app.wait_for_text("#client-source", |t| t.contains("sim-confidential-client")).await;
    app.screenshot("own-app-02-own-application").await;

    // Back to the built-in application: signed out cleanly again, the own one forgotten.
    app.wait_for("#use-bundled").await.click().await.expect("use the built-in application");
    app.wait_for("body[data-auth='signed_out']").await;
    let clients = sim_token_clients(&base).await;
    assert!(clients.is_empty(), "the own application's login is still live: {clients:?}");
    let text = std::fs::read_to_string(&settings_file).expect("settings");
    let saved: serde_json::Value = serde_json::from_str(&text).expect("JSON");
    assert_eq!(saved.get("client_id").cloned().unwrap_or(json!(null)), json!(null), "{text}");
    app.log_in().await;
    assert_eq!(sim_token_clients(&base).await, ["sim-public-client"]);
    app.quit().await;
}
