//! The home window of the real app, under Xvfb, against the simulator.

use serde_json::{Value, json};
use tev_e2e::{App, Launch, approving_sim, home_with_sim_client, sim_post};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn home_page_shows_state_from_the_rust_core() {
    let sim =
        twitch_sim::spawn(twitch_sim::SimOptions::default()).await.expect("start the simulator");
    let base = sim.base_url();
    let app = App::launch(Launch { sim_base: Some(base.clone()), ..Default::default() }).await;

    app.wait_for("body[data-ready='true']").await;
    // The page draws nothing until its data is in (app.css `booting`), so its first contentful
    // paint already shows the login state, not the page without it (BENCHMARKS.md "Start-up").
    let first_paint = app
        .client
        .execute_async(
            r#"
            const done = arguments[arguments.length - 1];
            const started = performance.now();
            (function poll() {
              const fcp = performance.getEntriesByName("first-contentful-paint")[0];
              const ready = performance.getEntriesByName("tev:ready")[0];
              if ((fcp && ready) || performance.now() - started > 10000) {
                done({ fcp: fcp ? fcp.startTime : null, ready: ready ? ready.startTime : null,
                       booting: document.body.classList.contains("booting"),
                       visibility: getComputedStyle(document.body).visibility });
              } else {
                setTimeout(poll, 50);
              }
            })();
            "#,
            vec![],
        )
        .await
        .expect("paint timing");
    assert_eq!(first_paint["booting"], false, "{first_paint}");
    assert_eq!(first_paint["visibility"], "visible", "{first_paint}");
    let (fcp, ready) = (first_paint["fcp"].as_f64(), first_paint["ready"].as_f64());
    assert!(
        matches!((fcp, ready), (Some(f), Some(r)) if f >= r),
        "the first contentful paint came before the page's data was in: {first_paint}"
    );
    // The version comes from tev_core::VERSION through the app_info command.
    let version = app.wait_for_text("#app-version", |t| !t.is_empty()).await;
    assert_eq!(version, format!("Twitch Event Viewer {}", env!("CARGO_PKG_VERSION")));
    // Only the Rust side knows the simulator's address (TEV_TWITCH_BASE_URL).
    let endpoint = app.wait_for_text("#app-endpoint", |t| !t.is_empty()).await;
    assert!(endpoint.contains(&base), "endpoint line {endpoint:?} should name {base}");
    let badge = app.wait_for("#sim-badge").await;
    assert!(badge.is_displayed().await.expect("badge visibility"), "Simulated Twitch badge hidden");

    // The page runs under the app's strict Content-Security-Policy (tauri.conf.json `csp`; a
    // debug build uses it too, as no `devCsp` is set): an inline script and an inline style are
    // refused — WebKit reports both violations — while the page's own scripts (it got this
    // far) run.
    let csp = app
        .client
        .execute_async(
            r#"
            const done = arguments[arguments.length - 1];
            window.__inlineRan = false;
            const violations = [];
            document.addEventListener("securitypolicyviolation",
                (e) => violations.push(e.effectiveDirective || e.violatedDirective));
            const s = document.createElement("script");
            s.textContent = "window.__inlineRan = true;";
            document.head.appendChild(s);
            const st = document.createElement("style");
            st.textContent = "body { outline: 7px solid rgb(1, 2, 3) !important; }";
            document.head.appendChild(st);
            requestAnimationFrame(() => setTimeout(() => done({
                inline_script: window.__inlineRan,
                inline_style: getComputedStyle(document.body).outlineWidth === "7px",
                violations,
            }), 50));
            "#,
            vec![],
        )
        .await
        .expect("probe the CSP");
    assert_eq!(csp["inline_script"], false, "an inline script ran: no CSP? {csp}");
    assert_eq!(csp["inline_style"], false, "an inline style applied: no CSP? {csp}");
    let violations = csp["violations"].to_string();
    assert!(
        violations.contains("script-src") && violations.contains("style-src"),
        "the CSP did not report blocking them: {csp}"
    );

    let shot = app.screenshot("01-home").await;
    assert!(
        std::fs::metadata(&shot).map(|m| m.len() > 10_000).unwrap_or(false),
        "screenshot too small"
    );
    app.quit().await;
}

/// What the followed list and the search results show, row by row.
const LISTS: &str = r#"
    const done = arguments[arguments.length - 1];
    const rows = (id) => [...document.querySelectorAll(`#${id} li`)].map((li) => ({
        login: li.dataset.login,
        text: li.innerText.replace(/\s+/g, " ").trim(),
        live: !!li.querySelector(".live-dot"),
        avatar: (li.querySelector("img.avatar") || {}).src || "",
    }));
    done({ followed: rows("followed"), search: rows("search-results"),
           followed_status: document.getElementById("followed-status").textContent,
           search_status: document.getElementById("search-status").textContent });
"#;

/// Searches `query` and waits until `n` results show; answers both lists as the page shows them.
async fn lists(app: &App, followed: usize, query: &str, results: usize) -> Value {
    app.wait_for_count("#followed li", followed).await;
    let search = app.wait_for("#search").await;
    search.clear().await.expect("clear the search");
    search.send_keys(query).await.expect("type a search");
    app.wait_for_count("#search-results li", results).await;
    app.client.execute_async(LISTS, vec![]).await.expect("read the lists")
}

/// Twitch sometimes answers `null` where Helix promises an array or a string (docs/twitch.md
/// §9: `tag_ids`, https://github.com/twitch-rs/twitch_api/issues/184). With the simulator's
/// `helix_nulls` switch on, the home page's followed list (names, avatars, live status, titles)
/// and a search show exactly what they show with it off.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_home_page_shows_the_same_with_helix_nulls() {
    let sim = approving_sim().await;
    let base = sim.base_url();
    // A live channel without tags (so `tags` is an empty array, then `null`) among the follows.
    sim_post(
        &base,
        "/_sim/users",
        json!({"login": "tagless", "live": true,
                                          "title": "No tags tonight"}),
    )
    .await;
    sim_post(
        &base,
        "/_sim/users",
        json!({"login": "sim_viewer",
        "follows": ["lumenforge", "nightowl", "pixelpaladin", "tagless"]}),
    )
    .await;
    let app = App::launch(Launch::sim(&base, home_with_sim_client())).await;
    app.log_in().await;
    // "sim" finds the two simulator accounts: offline, no tags, no category.
    let off = lists(&app, 4, "sim", 2).await;
    let live: Vec<&str> = off["followed"]
        .as_array()
        .expect("rows")
        .iter()
        .filter(|r| r["live"] == true)
        .filter_map(|r| r["login"].as_str())
        .collect();
    let mut live = live;
    live.sort_unstable();
    assert_eq!(live, ["lumenforge", "nightowl", "tagless"], "{off}");
    assert!(off["followed"].as_array().expect("rows").iter().all(|r| r["avatar"] != ""), "{off}");

    sim_post(&base, "/_sim/config", json!({"helix_nulls": true})).await;
    // Marked, so the waits below see the reloaded page and not the one going away.
    let reload = "document.body.dataset.before = 'reload'; location.reload();";
    app.client.execute(reload, vec![]).await.expect("reload the home page");
    app.wait_for("body[data-ready='true']:not([data-before])").await;
    app.wait_for("body[data-auth='signed_in']").await;
    let on = lists(&app, 4, "sim", 2).await;
    app.screenshot("helix-nulls-home").await;
    assert_eq!(on, off, "the page changed when Helix answered null");
    app.quit().await;
}
