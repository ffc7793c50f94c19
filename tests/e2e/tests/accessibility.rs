//! The app's pages checked by axe-core (docs/ui.md "Accessibility"), in the real app against
//! the simulator: the sign-in screen signed out, the home window signed in (its followed list
//! showing), a streamer window's events panel with rows (filter menu closed and open) and its
//! message box, and the setup screen of a build without a built-in Client ID — each in the light
//! and in the dark theme. None may have a violation axe rates "serious" or "critical"; every
//! violation found is printed (rule, impact, elements). The panel also announces new rows through
//! a status line (not a live list), and Tab reaches its toolbar and list with a focus ring.
//!
//! axe-core comes from npm (`src-tauri/package.json`, installed by `.dev/setup`'s `npm ci`); its
//! `axe.min.js` is injected over WebDriver into the page under test and `axe.run` is called
//! there, as in axe's own WebDriver integrations (https://github.com/dequelabs/axe-core-npm).

use fantoccini::key::Key;
use serde_json::json;
use std::path::PathBuf;
use std::time::{Duration, Instant};
use tev_e2e::{App, Launch, approving_sim, fresh_home, home_with_sim_client, sim_event};

/// Where `.dev/setup` puts axe-core (`npm ci` in `src-tauri`).
fn axe_source() -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../src-tauri/node_modules/axe-core/axe.min.js");
    std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "axe-core is missing ({}: {e}): run `bash .dev/setup` (npm ci in src-tauri)",
            path.display()
        )
    })
}

/// One rule axe found broken on a page: its id, how bad (`minor` … `critical`), and the
/// elements (CSS selectors) that break it.
#[derive(Debug)]
struct Violation {
    /// axe's rule id (`color-contrast`, `nested-interactive`, …).
    id: String,
    /// axe's rating: minor, moderate, serious or critical.
    impact: String,
    /// The selector of each element that breaks the rule.
    targets: Vec<String>,
}

/// Runs axe-core on the current webview's document; returns its violations. `what` names the
/// page in messages.
async fn audit(app: &App, what: &str) -> Vec<Violation> {
    // Rows slide in (opacity from 0): a row caught mid-animation is text of too little contrast.
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let running = app
            .client
            .execute(
                "return document.getAnimations().filter((a) => a.playState === 'running').length;",
                vec![],
            )
            .await
            .ok()
            .and_then(|v| v.as_u64());
        if running == Some(0) {
            break;
        }
        assert!(Instant::now() < deadline, "{what} still animates after 30 s: {running:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let loaded = app
        .client
        .execute(
            &format!("if (!window.axe) {{ {} }}\n return typeof window.axe;", axe_source()),
            vec![],
        )
        .await
        .unwrap_or_else(|e| panic!("inject axe-core into {what}: {e}"));
    assert_eq!(loaded, json!("object"), "axe-core did not load into {what}");
    let script = r#"
        const done = arguments[arguments.length - 1];
        axe.run(document, { resultTypes: ["violations"] }).then(
          (r) => done({ ok: r.violations.map((v) => ({
            id: v.id,
            impact: v.impact || "",
            targets: v.nodes.map((n) => n.target.join(" ")),
          })) }),
          (e) => done({ err: String(e && e.message || e) }),
        );
    "#;
    let r = app
        .client
        .execute_async(script, vec![])
        .await
        .unwrap_or_else(|e| panic!("run axe-core on {what}: {e}"));
    let Some(list) = r["ok"].as_array() else {
        panic!("axe-core failed on {what}: {}", r["err"]);
    };
    list.iter()
        .map(|v| Violation {
            id: v["id"].as_str().unwrap_or_default().to_string(),
            impact: v["impact"].as_str().unwrap_or_default().to_string(),
            targets: v["targets"]
                .as_array()
                .map(|t| t.iter().filter_map(|s| s.as_str().map(String::from)).collect())
                .unwrap_or_default(),
        })
        .collect()
}

/// Whether the current page is drawn in the dark theme (`prefers-color-scheme: dark`).
async fn page_is_dark(app: &App) -> bool {
    app.client
        .execute("return matchMedia('(prefers-color-scheme: dark)').matches;", vec![])
        .await
        .ok()
        .and_then(|v| v.as_bool())
        .unwrap_or(false)
}

/// Waits (up to 30 s) for the panel's status line for new rows (`#events-announce`, visually
/// hidden, so read from the DOM: WebDriver's element text is only what is drawn) to say
/// something; returns it.
async fn announced(app: &App) -> String {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let said = app
            .client
            .execute(
                "const s = document.querySelector(\"#events-announce[role='status']\");\
                 return s ? s.textContent : null;",
                vec![],
            )
            .await
            .ok()
            .and_then(|v| v.as_str().map(String::from))
            .unwrap_or_default();
        if !said.is_empty() {
            return said;
        }
        assert!(Instant::now() < deadline, "no new row was announced within 30 s");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Presses Tab `presses` times from `start` (focused first) in the current page, as a keyboard
/// user does; returns, for each control focus lands on, its id (or tag) and whether it shows a
/// focus ring (a drawn outline, or for a text field its accent border).
async fn tab_through(app: &App, start: &str, presses: usize) -> Vec<(String, bool)> {
    let first = app.wait_for(start).await;
    app.client
        .execute("arguments[0].focus(); return true;", vec![json!(first)])
        .await
        .expect("focus the first control");
    let mut seen = Vec::new();
    for _ in 0..presses {
        let focused = app.client.active_element().await.expect("the focused element");
        focused.send_keys(&Key::Tab).await.expect("press Tab");
        let v = app
            .client
            .execute(
                "const e = document.activeElement; const s = getComputedStyle(e);\
                 const ring = s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 2;\
                 const field = e.matches('input:is([type=text],[type=search],[type=password])')\
                   && s.borderTopColor !== getComputedStyle(document.body).borderTopColor;\
                 return [e.id || e.tagName.toLowerCase(), ring || field];",
                vec![],
            )
            .await
            .expect("read the focused control");
        seen.push((v[0].as_str().unwrap_or_default().to_string(), v[1].as_bool().unwrap_or(false)));
    }
    seen
}

/// Audits the current page and records what it found under `what` in `report`; returns the
/// serious and critical ones' count.
async fn check(app: &App, what: &str, report: &mut Vec<String>) -> usize {
    let found = audit(app, what).await;
    let bad = found.iter().filter(|v| v.impact == "serious" || v.impact == "critical").count();
    report.push(format!("{what}: {} violation(s), {bad} serious or critical", found.len()));
    for v in &found {
        report.push(format!(
            "  {} [{}] ×{}: {}",
            v.id,
            v.impact,
            v.targets.len(),
            v.targets.join(", ")
        ));
    }
    bad
}

/// Every page of the app in one theme (`GTK_THEME`, which WebKitGTK's `prefers-color-scheme`
/// follows); the screenshots are named after `theme`.
async fn audit_every_page(theme: &str, gtk_theme: &str) {
    let dark = theme == "dark";
    let mut report = Vec::new();
    let mut bad = 0;

    let sim = approving_sim().await;
    let base = sim.base_url();

    // The setup screen: a build without a built-in Client ID, on a first run.
    let app = App::launch(
        Launch::sim(&base, fresh_home())
            .without_bundled_client_id()
            .with_env("GTK_THEME", gtk_theme),
    )
    .await;
    app.wait_for("body[data-ready='true']").await;
    app.wait_for("#setup:not([hidden])").await;
    assert_eq!(page_is_dark(&app).await, dark, "the setup screen is not in the {theme} theme");
    bad += check(&app, "setup screen", &mut report).await;
    app.screenshot(&format!("a11y-{theme}-setup")).await;
    drop(app.quit().await);

    let app =
        App::launch(Launch::sim(&base, home_with_sim_client()).with_env("GTK_THEME", gtk_theme))
            .await;
    // Signed out: the sign-in screen.
    app.wait_for("body[data-auth='signed_out']").await;
    app.wait_for("#login:not([hidden])").await;
    assert_eq!(page_is_dark(&app).await, dark, "the sign-in screen is not in the {theme} theme");
    bad += check(&app, "sign-in screen", &mut report).await;
    app.screenshot(&format!("a11y-{theme}-sign-in")).await;

    // Signed in: live channels and the followed list.
    app.log_in().await;
    app.wait_for("#followed li[data-login='lumenforge']").await;
    app.wait_for("#live-followed li[data-login='lumenforge']").await;
    bad += check(&app, "home window", &mut report).await;
    app.screenshot(&format!("a11y-{theme}-home")).await;

    // A streamer window's events panel with rows (all three unseen, the count badge showing).
    app.open_followed_panel("lumenforge").await;
    app.wait_connection("connected", 60).await;
    sim_event(&base, "lumenforge", "channel.raid", json!({})).await;
    sim_event(
        &base,
        "lumenforge",
        "channel.chat.notification",
        json!({"notice_type": "announcement"}),
    )
    .await;
    sim_event(&base, "lumenforge", "channel.chat.notification", json!({"notice_type": "sub"}))
        .await;
    app.wait_for_count("#events > li.unseen", 3).await;
    // New rows are said by a status line, not by the list (which would read a burst row by row).
    let live = app.wait_for("#events").await.attr("aria-live").await.expect("read aria-live");
    assert_eq!(live, None, "the events list is a live region");
    let said = announced(&app).await;
    assert!(said.starts_with("New event: ") || said.contains(" new events: "), "{said:?}");
    bad += check(&app, "events panel", &mut report).await;
    app.screenshot(&format!("a11y-{theme}-panel")).await;
    // The filter menu open: its checkboxes and mute toggles.
    app.wait_for("#filter-button").await.click().await.expect("open the filter menu");
    app.wait_for("#filter-menu:not([hidden]) #mute-subs").await;
    bad += check(&app, "events panel, filter menu open", &mut report).await;
    app.screenshot(&format!("a11y-{theme}-filter-menu")).await;
    // The message box under the chat (signed in without the chat scope: "Turn chatting on").
    app.switch_to_webview("compose.html").await;
    app.wait_for("#row-off:not([hidden])").await;
    bad += check(&app, "message box", &mut report).await;
    app.screenshot(&format!("a11y-{theme}-message-box")).await;

    // The keyboard reaches every control of the panel's toolbar and the list, each with a ring.
    app.switch_to_webview("streamer.html").await;
    app.wait_for("#filter-button").await.click().await.expect("close the filter menu");
    app.wait_for("#filter-menu[hidden]").await;
    let walk = tab_through(&app, "#intro-dismiss", 4).await;
    app.screenshot(&format!("a11y-{theme}-panel-keyboard")).await;
    report.push(format!("Tab from #intro-dismiss (id, focus ring): {walk:?}"));
    let ids: Vec<&str> = walk.iter().map(|(id, _)| id.as_str()).collect();
    for control in ["pause", "filter-button", "mark-seen", "events"] {
        assert!(ids.contains(&control), "Tab never reached #{control}: {walk:?}");
    }
    let ringless: Vec<_> = walk.iter().filter(|(_, ring)| !ring).collect();
    assert!(ringless.is_empty(), "focused without a visible ring: {ringless:?} (of {walk:?})");
    drop(app.quit().await);

    let report = report.join("\n");
    eprintln!("axe-core, {theme} theme:\n{report}");
    assert_eq!(bad, 0, "serious or critical violations in the {theme} theme:\n{report}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_page_has_no_serious_or_critical_axe_violation_in_the_light_theme() {
    audit_every_page("light", "Adwaita").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_page_has_no_serious_or_critical_axe_violation_in_the_dark_theme() {
    audit_every_page("dark", "Adwaita:dark").await;
}
