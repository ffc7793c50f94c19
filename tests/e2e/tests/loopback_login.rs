//! Journey 2 with a confidential client: the setup screen takes the Client Secret (to the real
//! keychain of the test session), and "Log in with Twitch" runs the loopback authorization-code
//! flow. The "browser" follows the consent page's redirect (the simulator approves for
//! sim_viewer) back to the app's listener on http://localhost:17563/callback.

use fantoccini::Locator;
use serde_json::json;
use tev_e2e::{App, Launch, sim_post, sim_state};

/// A browser stand-in that fetches the URL and follows redirects, as a browser would.
fn following_browser(dir: &std::path::Path) -> String {
    let path = dir.join("browser.sh");
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn confidential_client_logs_in_through_the_loopback_flow() {
    let sim = twitch_sim::spawn(twitch_sim::SimOptions::default()).await.expect("simulator");
    let base = sim.base_url();
    sim_post(&base, "/_sim/config", json!({"auto_approve": "sim_viewer"})).await;
    let tmp = tempfile::tempdir().expect("tempdir");
    let app = App::launch(Launch {
        sim_base: Some(base.clone()),
        env: vec![("BROWSER".into(), following_browser(tmp.path()))],
        ..Default::default()
    })
    .await;

    app.wait_for("#setup:not([hidden])").await;
    app.wait_for("#client-id").await.send_keys("sim-confidential-client").await.expect("type id");
    app.wait_for("#client-secret").await.send_keys("sim-secret").await.expect("type secret");
    app.client.find(Locator::Css("#setup-save")).await.expect("save").click().await.expect("click");
    app.wait_for("#login:not([hidden])").await;
    app.client
        .find(Locator::Css("#login-button"))
        .await
        .expect("login")
        .click()
        .await
        .expect("click");
    app.wait_for("body[data-auth='signed_in']").await;
    app.wait_for_text("#account-name", |t| t == "SimViewer").await;

    // The token was issued to the confidential client, through an authorization code.
    let state = sim_state(&base).await;
    let tokens = state["tokens"].as_array().cloned().unwrap_or_default();
    assert!(
        tokens.iter().any(|t| t["client_id"] == "sim-confidential-client"),
        "no token for the confidential client in /_sim/state: {tokens:?}"
    );
    // The secret went to the keychain, not to the settings file.
    let settings = app.home.path().join(".config/twitch-event-viewer/settings.json");
    let text = std::fs::read_to_string(&settings).expect("settings written");
    assert!(text.contains("sim-confidential-client") && !text.contains("sim-secret"), "{text}");
    app.screenshot("12-loopback-signed-in").await;
    app.quit().await;
}
