//! OAuth endpoints against docs/twitch.md §3 (device flow §3.2, authorization code §3.3,
//! validate/revoke §3.4), over real HTTP.

mod common;

use common::*;
use serde_json::{Value, json};

const DEVICE_GRANT: &str = "urn:ietf:params:oauth:grant-type:device_code";

async fn device_start(t: &T, client: &str, scopes: &str) -> Value {
    let (s, b) = t.form("/oauth2/device", &[("client_id", client), ("scopes", scopes)]).await;
    assert_eq!(s, 200, "{b}");
    b
}

async fn poll(t: &T, client: &str, device_code: &str) -> (reqwest::StatusCode, Value) {
    t.form(
        "/oauth2/token",
        &[
            ("client_id", client),
            ("device_code", device_code),
            ("grant_type", DEVICE_GRANT),
            ("scopes", "user:read:chat"),
        ],
    )
    .await
}

/// Answers the activation page for `d`'s user code as `sim_viewer`.
async fn activate(t: &T, d: &Value, decision: &str) -> reqwest::StatusCode {
    let code = d["user_code"].as_str().unwrap();
    let form = [("user_code", code), ("login", "sim_viewer"), ("decision", decision)];
    t.http.post(t.url("/activate")).form(&form).send().await.unwrap().status()
}

async fn validate(t: &T, token: &str) -> (reqwest::StatusCode, Value) {
    body(
        t.http
            .get(t.url("/oauth2/validate"))
            .header("Authorization", format!("OAuth {token}"))
            .send()
            .await
            .unwrap(),
    )
    .await
}

#[tokio::test]
async fn twitch_md_3_2_device_flow_pending_activate_then_token_single_use() {
    let t = start().await;
    let d = device_start(&t, PUBLIC, "user:read:chat user:read:follows").await;
    let code = d["user_code"].as_str().unwrap();
    assert_eq!(code.len(), 8);
    assert_eq!(d["expires_in"], 1800);
    assert_eq!(d["interval"], 5);
    assert_eq!(d["verification_uri"], format!("{}/activate?device-code={code}", t.base));
    let dc = d["device_code"].as_str().unwrap();

    let (s, b) = poll(&t, PUBLIC, dc).await;
    assert_eq!(
        (s.as_u16(), b.clone()),
        (400, json!({"status": 400, "message": "authorization_pending"}))
    );

    let page = t.http.get(d["verification_uri"].as_str().unwrap()).send().await.unwrap();
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(
        html.contains(code)
            && html.contains("name=\"user_code\"")
            && html.contains("name=\"decision\"")
    );

    let r = t
        .http
        .post(t.url("/activate"))
        .form(&[("user_code", code), ("login", "sim_viewer"), ("decision", "authorize")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);

    let (s, tok) = poll(&t, PUBLIC, dc).await;
    assert_eq!(s, 200, "{tok}");
    assert_eq!(tok["token_type"], "bearer");
    assert_eq!(tok["scope"], json!(["user:read:chat", "user:read:follows"]));
    assert_eq!(tok["expires_in"], 14400);
    assert!(tok["refresh_token"].as_str().unwrap().len() >= 30);

    let (s, v) = validate(&t, tok["access_token"].as_str().unwrap()).await;
    assert_eq!(s, 200);
    assert_eq!(v["login"], "sim_viewer");
    assert_eq!(v["user_id"], SIM_VIEWER);
    assert_eq!(v["client_id"], PUBLIC);

    // Single use: the same device code again is invalid.
    let (s, b) = poll(&t, PUBLIC, dc).await;
    assert_eq!((s.as_u16(), b["message"].as_str().unwrap()), (400, "invalid device code"));
}

#[tokio::test]
async fn twitch_md_3_2_denied_code_gives_a_400_other_than_pending() {
    let t = start().await;
    let d = device_start(&t, PUBLIC, "user:read:chat").await;
    assert_eq!(activate(&t, &d, "deny").await, 200);
    let (s, b) = poll(&t, PUBLIC, d["device_code"].as_str().unwrap()).await;
    assert_eq!(s, 400);
    assert_ne!(b["message"], "authorization_pending");
    assert_eq!(b["message"], "access_denied");
}

#[tokio::test]
async fn twitch_md_3_2_device_code_expires() {
    let t = start().await;
    let d = device_start(&t, PUBLIC, "user:read:chat").await;
    let (s, _) = t.post_json("/_sim/clock", json!({"advance_secs": 1801})).await;
    assert_eq!(s, 200);
    let (s, b) = poll(&t, PUBLIC, d["device_code"].as_str().unwrap()).await;
    assert_eq!((s.as_u16(), b["message"].as_str().unwrap()), (400, "invalid device code"));
    // An expired code cannot be activated either.
    assert_eq!(activate(&t, &d, "authorize").await, 400);
}

#[tokio::test]
async fn twitch_md_3_2_device_endpoint_wants_scopes_and_a_known_client() {
    let t = start().await;
    let (s, b) =
        t.form("/oauth2/device", &[("client_id", PUBLIC), ("scope", "user:read:chat")]).await;
    assert_eq!((s.as_u16(), b["message"].as_str().unwrap()), (400, "missing scopes"));
    let (s, b) =
        t.form("/oauth2/device", &[("client_id", "nope"), ("scopes", "user:read:chat")]).await;
    assert_eq!((s.as_u16(), b["message"].as_str().unwrap()), (400, "invalid client"));
    let (s, b) = t
        .form(
            "/oauth2/token",
            &[("client_id", PUBLIC), ("device_code", "bogus"), ("grant_type", DEVICE_GRANT)],
        )
        .await;
    assert_eq!((s.as_u16(), b["message"].as_str().unwrap()), (400, "invalid device code"));
}

#[tokio::test]
async fn control_auto_approve_logs_in_without_a_page_and_null_turns_it_off() {
    let t = start().await;
    t.config(json!({"auto_approve": "sim_mod"})).await;
    let d = device_start(&t, PUBLIC, "user:read:chat").await;
    let (s, tok) = poll(&t, PUBLIC, d["device_code"].as_str().unwrap()).await;
    assert_eq!(s, 200);
    let (_, v) = validate(&t, tok["access_token"].as_str().unwrap()).await;
    assert_eq!(v["login"], "sim_mod");

    t.config(json!({"auto_approve": null})).await;
    let d = device_start(&t, PUBLIC, "user:read:chat").await;
    let (s, b) = poll(&t, PUBLIC, d["device_code"].as_str().unwrap()).await;
    assert_eq!((s.as_u16(), b["message"].as_str().unwrap()), (400, "authorization_pending"));

    let (s, _) = t.post_json("/_sim/config", json!({"auto_approve": "nobody_here"})).await;
    assert_eq!(s, 400);

    // Absurd values are refused rather than overflowing the clock.
    assert_eq!(t.post_json("/_sim/config", json!({"access_token_secs": u64::MAX})).await.0, 400);
    assert_eq!(t.post_json("/_sim/config", json!({"reconnect_grace_ms": u64::MAX})).await.0, 400);
    assert_eq!(t.post_json("/_sim/clock", json!({"advance_secs": u64::MAX})).await.0, 400);
    assert_eq!(t.post_json("/_sim/config", json!({"keepalive_ms": "soon"})).await.0, 400);

    // Tests can shorten the poll interval the device endpoint announces.
    t.config(json!({"device_interval_secs": 1})).await;
    assert_eq!(device_start(&t, PUBLIC, "user:read:chat").await["interval"], 1);
}

fn authorize_url(t: &T, redirect: &str, state: &str) -> String {
    let mut u = url::Url::parse(&t.url("/oauth2/authorize")).unwrap();
    u.query_pairs_mut()
        .append_pair("response_type", "code")
        .append_pair("client_id", CONFIDENTIAL)
        .append_pair("redirect_uri", redirect)
        .append_pair("scope", "user:read:chat user:read:follows")
        .append_pair("state", state);
    u.to_string()
}

fn location(r: &reqwest::Response) -> url::Url {
    assert!(r.status().is_redirection(), "status {}", r.status());
    url::Url::parse(r.headers()["location"].to_str().unwrap()).unwrap()
}

fn q(u: &url::Url, k: &str) -> Option<String> {
    u.query_pairs().find(|(a, _)| a == k).map(|(_, v)| v.into_owned())
}

#[tokio::test]
async fn twitch_md_3_3_consent_page_authorize_and_code_exchange() {
    let t = start().await;
    let r = t.http.get(authorize_url(&t, CALLBACK, "st4te")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let html = r.text().await.unwrap();
    assert!(
        html.contains("Authorize") && html.contains("Deny") && html.contains("user:read:follows")
    );

    let form = [
        ("response_type", "code"),
        ("client_id", CONFIDENTIAL),
        ("redirect_uri", CALLBACK),
        ("scope", "user:read:chat user:read:follows"),
        ("state", "st4te"),
        ("login", "sim_viewer"),
        ("decision", "authorize"),
    ];
    let r = t.http.post(t.url("/oauth2/authorize")).form(&form).send().await.unwrap();
    let loc = location(&r);
    assert!(loc.as_str().starts_with(CALLBACK));
    assert_eq!(q(&loc, "state").as_deref(), Some("st4te"));
    let code = q(&loc, "code").expect("code");

    let exchange = |code: String, secret: &'static str, redirect: &'static str| {
        let t = &t;
        async move {
            t.form(
                "/oauth2/token",
                &[
                    ("client_id", CONFIDENTIAL),
                    ("client_secret", secret),
                    ("code", &code),
                    ("grant_type", "authorization_code"),
                    ("redirect_uri", redirect),
                ],
            )
            .await
        }
    };
    // Wrong secret: 403; wrong redirect: 400; both leave the code usable? No: Twitch codes are single-use,
    // and so are ours once looked up, so check the failures on fresh codes below.
    let (s, tok) = exchange(code.clone(), SECRET, CALLBACK).await;
    assert_eq!(s, 200, "{tok}");
    assert_eq!(tok["scope"], json!(["user:read:chat", "user:read:follows"]));
    let (_, v) = validate(&t, tok["access_token"].as_str().unwrap()).await;
    assert_eq!(v["login"], "sim_viewer");
    let (s, b) = exchange(code, SECRET, CALLBACK).await;
    assert_eq!((s.as_u16(), b["message"].as_str().unwrap()), (400, "Invalid authorization code"));

    let r = t.http.post(t.url("/oauth2/authorize")).form(&form).send().await.unwrap();
    let (s, b) = exchange(q(&location(&r), "code").unwrap(), "wrong", CALLBACK).await;
    assert_eq!((s.as_u16(), b["message"].as_str().unwrap()), (403, "invalid client secret"));
    let r = t.http.post(t.url("/oauth2/authorize")).form(&form).send().await.unwrap();
    let (s, b) =
        exchange(q(&location(&r), "code").unwrap(), SECRET, "http://localhost:17563/other").await;
    assert_eq!(s, 400, "{b}");
    let r = t.http.post(t.url("/oauth2/authorize")).form(&form).send().await.unwrap();
    let code = q(&location(&r), "code").unwrap();
    let (s, b) = t
        .form(
            "/oauth2/token",
            &[
                ("client_id", CONFIDENTIAL),
                ("code", &code),
                ("grant_type", "authorization_code"),
                ("redirect_uri", CALLBACK),
            ],
        )
        .await;
    assert_eq!((s.as_u16(), b["message"].as_str().unwrap()), (400, "missing client secret"));
}

#[tokio::test]
async fn twitch_md_3_3_deny_redirects_with_access_denied_and_state() {
    let t = start().await;
    let form = [
        ("response_type", "code"),
        ("client_id", CONFIDENTIAL),
        ("redirect_uri", CALLBACK),
        ("scope", "user:read:chat"),
        ("state", "xyz"),
        ("login", "sim_viewer"),
        ("decision", "deny"),
    ];
    let r = t.http.post(t.url("/oauth2/authorize")).form(&form).send().await.unwrap();
    let loc = location(&r);
    assert!(loc.as_str().starts_with(CALLBACK));
    assert_eq!(q(&loc, "error").as_deref(), Some("access_denied"));
    assert_eq!(q(&loc, "state").as_deref(), Some("xyz"));
    assert!(q(&loc, "code").is_none());
}

#[tokio::test]
async fn twitch_md_3_3_redirect_mismatch_goes_to_registered_uri_never_with_code() {
    let t = start().await;
    t.config(json!({"auto_approve": "sim_viewer"})).await;
    for bad in [
        "http://localhost:17563/callback/",
        "http://localhost:9999/callback",
        "http://evil.example/cb",
    ] {
        let r = t.http.get(authorize_url(&t, bad, "s1")).send().await.unwrap();
        let loc = location(&r);
        assert!(loc.as_str().starts_with(CALLBACK), "{loc}");
        assert!(!loc.as_str().starts_with(bad) || bad.starts_with(CALLBACK));
        assert_eq!(q(&loc, "error").as_deref(), Some("redirect_mismatch"));
        assert!(q(&loc, "code").is_none());
    }
    // And with auto-approve a matching URI comes straight back with a code.
    let r = t.http.get(authorize_url(&t, CALLBACK, "s2")).send().await.unwrap();
    let loc = location(&r);
    assert!(q(&loc, "code").is_some());
    assert_eq!(q(&loc, "state").as_deref(), Some("s2"));
}

#[tokio::test]
async fn twitch_md_3_1_public_client_cannot_use_authorization_code() {
    let t = start().await;
    let (s, b) = t
        .form(
            "/oauth2/token",
            &[
                ("client_id", PUBLIC),
                ("code", "x"),
                ("grant_type", "authorization_code"),
                ("redirect_uri", "http://localhost"),
            ],
        )
        .await;
    assert_eq!((s.as_u16(), b["message"].as_str().unwrap()), (400, "missing client secret"));
}

#[tokio::test]
async fn twitch_md_3_2_public_refresh_rotates_and_spent_reuse_revokes_everything() {
    let t = start().await;
    t.config(json!({"auto_approve": "sim_viewer"})).await;
    let d = device_start(&t, PUBLIC, "user:read:chat").await;
    let (_, tok) = poll(&t, PUBLIC, d["device_code"].as_str().unwrap()).await;
    let r0 = tok["refresh_token"].as_str().unwrap().to_string();
    let a0 = tok["access_token"].as_str().unwrap().to_string();

    // Public refresh: no secret.
    let (s, t1) = t
        .form(
            "/oauth2/token",
            &[("client_id", PUBLIC), ("grant_type", "refresh_token"), ("refresh_token", &r0)],
        )
        .await;
    assert_eq!(s, 200, "{t1}");
    let r1 = t1["refresh_token"].as_str().unwrap().to_string();
    let a1 = t1["access_token"].as_str().unwrap().to_string();
    assert_ne!(r1, r0, "rotates");
    assert_eq!(t1["scope"], json!(["user:read:chat"]));
    assert_eq!(validate(&t, &a1).await.0, 200);

    // Reusing the spent r0 revokes the whole grant: r1, a0 and a1 all die.
    let (s, b) = t
        .form(
            "/oauth2/token",
            &[("client_id", PUBLIC), ("grant_type", "refresh_token"), ("refresh_token", &r0)],
        )
        .await;
    assert_eq!(
        (s.as_u16(), b.clone()),
        (400, json!({"status": 400, "message": "Invalid refresh token"}))
    );
    assert_eq!(validate(&t, &a1).await.0, 401);
    assert_eq!(validate(&t, &a0).await.0, 401);
    let (s, _) = t
        .form(
            "/oauth2/token",
            &[("client_id", PUBLIC), ("grant_type", "refresh_token"), ("refresh_token", &r1)],
        )
        .await;
    assert_eq!(s, 400);
    let st = t.state().await;
    assert_eq!(st["counters"]["reuse_revocations"], 1);
}

#[tokio::test]
async fn twitch_md_3_2_confidential_refresh_needs_the_secret() {
    let t = start().await;
    let (_, r) = t.token_for(CONFIDENTIAL, "sim_viewer", &["user:read:chat"]).await;
    let (s, b) = t
        .form(
            "/oauth2/token",
            &[("client_id", CONFIDENTIAL), ("grant_type", "refresh_token"), ("refresh_token", &r)],
        )
        .await;
    assert_eq!((s.as_u16(), b["message"].as_str().unwrap()), (400, "missing client secret"));
    let (s, b) = t
        .form(
            "/oauth2/token",
            &[
                ("client_id", CONFIDENTIAL),
                ("client_secret", "nope"),
                ("grant_type", "refresh_token"),
                ("refresh_token", &r),
            ],
        )
        .await;
    assert_eq!(s, 403, "{b}");
    let (s, b) = t
        .form(
            "/oauth2/token",
            &[
                ("client_id", CONFIDENTIAL),
                ("client_secret", SECRET),
                ("grant_type", "refresh_token"),
                ("refresh_token", &r),
            ],
        )
        .await;
    assert_eq!(s, 200, "{b}");
    let (s, b) = t
        .form(
            "/oauth2/token",
            &[("client_id", PUBLIC), ("grant_type", "refresh_token"), ("refresh_token", "garbage")],
        )
        .await;
    assert_eq!((s.as_u16(), b["message"].as_str().unwrap()), (400, "Invalid refresh token"));
    let (s, b) = t
        .form(
            "/oauth2/token",
            &[
                ("client_id", "unknown-client"),
                ("grant_type", "refresh_token"),
                ("refresh_token", &r),
            ],
        )
        .await;
    assert_eq!((s.as_u16(), b["message"].as_str().unwrap()), (400, "invalid client"));
}

#[tokio::test]
async fn twitch_md_3_4_validate_needs_oauth_scheme_and_live_token() {
    let t = start().await;
    let (a, _) = t.token("sim_viewer", &["user:read:chat"]).await;
    let (s, v) = validate(&t, &a).await;
    assert_eq!(s, 200);
    assert_eq!(v["scopes"], json!(["user:read:chat"]));
    assert!(v["expires_in"].as_u64().unwrap() > 14_000);
    let r = t.http.get(t.url("/oauth2/validate")).bearer_auth(&a).send().await.unwrap();
    assert_eq!(r.status(), 401);
    let (s, b) = validate(&t, "not-a-token").await;
    assert_eq!(
        (s.as_u16(), b.clone()),
        (401, json!({"status": 401, "message": "invalid access token"}))
    );
    let (s, _) = body(t.http.get(t.url("/oauth2/validate")).send().await.unwrap()).await;
    assert_eq!(s, 401);

    // Token lifetime is settable; 0 means already expired.
    t.config(json!({"access_token_secs": 0})).await;
    let (a0, _) = t.token("sim_viewer", &[]).await;
    assert_eq!(validate(&t, &a0).await.0, 401);
    // And the clock moves expiry too.
    t.config(json!({"access_token_secs": 60})).await;
    let (a60, _) = t.token("sim_viewer", &[]).await;
    assert_eq!(validate(&t, &a60).await.0, 200);
    t.post_json("/_sim/clock", json!({"advance_secs": 61})).await;
    assert_eq!(validate(&t, &a60).await.0, 401);
}

#[tokio::test]
async fn twitch_md_3_4_revoke() {
    let t = start().await;
    let (a, _) = t.token("sim_viewer", &[]).await;
    let (s, b) = t.form("/oauth2/revoke", &[("client_id", PUBLIC), ("token", &a)]).await;
    assert_eq!((s.as_u16(), b), (200, Value::Null));
    assert_eq!(validate(&t, &a).await.0, 401);
    let (s, b) = t.form("/oauth2/revoke", &[("client_id", PUBLIC), ("token", &a)]).await;
    assert_eq!((s.as_u16(), b), (400, json!({"status": 400, "message": "Invalid token"})));
    let (s, b) = t.form("/oauth2/revoke", &[("client_id", "ghost"), ("token", "x")]).await;
    assert_eq!((s.as_u16(), b), (404, json!({"status": 404, "message": "client does not exist"})));
}

#[tokio::test]
async fn client_credentials_give_an_app_token_without_user() {
    let t = start().await;
    let (s, tok) = t
        .form(
            "/oauth2/token",
            &[
                ("client_id", CONFIDENTIAL),
                ("client_secret", SECRET),
                ("grant_type", "client_credentials"),
            ],
        )
        .await;
    assert_eq!(s, 200);
    assert!(tok.get("refresh_token").is_none());
    let (s, v) = validate(&t, tok["access_token"].as_str().unwrap()).await;
    assert_eq!(s, 200);
    assert!(v.get("user_id").is_none());
    let (s, _) = t
        .form("/oauth2/token", &[("client_id", PUBLIC), ("grant_type", "client_credentials")])
        .await;
    assert_eq!(s, 400);
}

#[tokio::test]
async fn control_clients_registers_an_app_usable_for_oauth() {
    let t = start().await;
    let (s, b) = t.post_json("/_sim/clients", json!({"client_id": "my-app", "client_secret": "s3", "type": "confidential", "redirect_uris": ["http://localhost:4000/cb"]})).await;
    assert_eq!(s, 201, "{b}");
    assert!(b.get("client_secret").is_none(), "secrets are never echoed");
    let (s, _) =
        t.post_json("/_sim/clients", json!({"client_id": "bad", "type": "confidential"})).await;
    assert_eq!(s, 400);
    let (s, tok) = t
        .form(
            "/oauth2/token",
            &[
                ("client_id", "my-app"),
                ("client_secret", "s3"),
                ("grant_type", "client_credentials"),
            ],
        )
        .await;
    assert_eq!(s, 200, "{tok}");
    let (_, list) = t.get_json("/_sim/clients").await;
    assert!(list["data"].as_array().unwrap().iter().any(|c| c["client_id"] == "my-app"));
}

/// docs/twitch.md §9 "Device flow": Twitch was seen answering `invalid device code` while the
/// code was still pending (https://github.com/twitchdev/issues/issues/971). With
/// `device_invalid_while_pending: N` the first N polls of each code answer so, and the code
/// still works afterwards; a code approved meanwhile is not affected.
#[tokio::test]
async fn switch_device_invalid_while_pending_answers_invalid_for_the_first_polls() {
    let t = start().await;
    t.config(json!({"device_invalid_while_pending": 2})).await;
    let d = device_start(&t, PUBLIC, "user:read:chat").await;
    let code = d["device_code"].as_str().unwrap();
    for _ in 0..2 {
        let (s, b) = poll(&t, PUBLIC, code).await;
        assert_eq!((s.as_u16(), b["message"].as_str().unwrap()), (400, "invalid device code"));
    }
    let (s, b) = poll(&t, PUBLIC, code).await;
    assert_eq!((s.as_u16(), b["message"].as_str().unwrap()), (400, "authorization_pending"));
    // Approved on the page: the next poll gets the token.
    assert_eq!(activate(&t, &d, "authorize").await, 200);
    let (s, tok) = poll(&t, PUBLIC, code).await;
    assert_eq!(s, 200, "{tok}");
    // Each code counts its own polls, and an approved code is answered at once.
    t.config(json!({"auto_approve": "sim_viewer", "device_invalid_while_pending": 1})).await;
    let d = device_start(&t, PUBLIC, "user:read:chat").await;
    let code = d["device_code"].as_str().unwrap();
    let (s, b) = poll(&t, PUBLIC, code).await;
    assert_eq!((s.as_u16(), b["message"].as_str().unwrap()), (400, "invalid device code"));
    let (s, _) = poll(&t, PUBLIC, code).await;
    assert_eq!(s, 200);
    assert_eq!(t.get_json("/_sim/config").await.1["device_invalid_while_pending"], 1);
    assert_eq!(
        t.post_json("/_sim/config", json!({"device_invalid_while_pending": "x"})).await.0,
        400
    );
}
