//! Bad input gets a clear 4xx, never a crash: the simulator keeps answering afterwards.

mod common;

use common::*;
use serde_json::json;

#[tokio::test]
async fn malformed_requests_get_4xx_and_the_sim_survives() {
    let t = start().await;
    let (a, _) = t.token("sim_viewer", &[]).await;
    let junk: &[&[u8]] = &[
        b"",
        b"{",
        b"[]",
        b"null",
        b"\xff\xfe",
        b"{\"type\": 5}",
        b"{\"event\": 3, \"type\": \"stream.online\", \"broadcaster_login\": \"lumenforge\"}",
    ];
    let paths = [
        "/_sim/config",
        "/_sim/clock",
        "/_sim/clients",
        "/_sim/users",
        "/_sim/tokens",
        "/_sim/events",
        "/_sim/authorizations/revoke",
        "/_sim/sessions/nope/close",
        "/_sim/sessions/nope/keepalive",
        "/_sim/subscriptions/nope/revoke",
        "/_sim/sessions/nope/send",
        "/_sim/sessions/nope/cut-off-on-close",
        "/_sim/sessions/nope/flush",
        "/_sim/faults",
        "/_sim/tokens/lookup",
    ];
    for p in paths {
        for j in junk {
            let r = t.http.post(t.url(p)).body(j.to_vec()).send().await.unwrap();
            let s = r.status().as_u16();
            // An empty body is `{}` and may be fine for some calls; everything else is a 4xx.
            assert!(s < 500, "{p} with {j:?} → {s}");
        }
    }
    for j in junk {
        let r = t
            .http
            .post(t.url("/helix/eventsub/subscriptions"))
            .bearer_auth(&a)
            .header("Client-Id", PUBLIC)
            .body(j.to_vec())
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 400, "{j:?}");
        for p in
            ["/oauth2/token", "/oauth2/device", "/oauth2/revoke", "/activate", "/oauth2/authorize"]
        {
            let s = t.http.post(t.url(p)).body(j.to_vec()).send().await.unwrap().status().as_u16();
            assert!((400..500).contains(&s), "{p} with {j:?} → {s}");
        }
    }
    for q in ["?first=abc", "?first=0", "?after=zzz", "?user_id=%ff", "?login=&login="] {
        let s = t.helix_get(&format!("/streams{q}"), &a, PUBLIC).await.status().as_u16();
        assert!(s == 200 || s == 400, "streams{q} → {s}");
    }
    let (s, _) = t
        .post_json(
            "/_sim/events",
            json!({"type": "no.such.type", "broadcaster_login": "lumenforge"}),
        )
        .await;
    assert_eq!(s, 400);
    let (s, _) = t
        .post_json("/_sim/events", json!({"type": "stream.online", "broadcaster_login": "ghost"}))
        .await;
    assert_eq!(s, 404);
    let r = t.http.get(t.url("/embed/player?channel=%ff%fe")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let r = t.http.get(t.url("/_sim/avatar/..%2F..%2Fetc%2Fpasswd")).send().await.unwrap();
    assert_eq!(r.status(), 404);
    // Still alive and well.
    let (s, st) = t.get_json("/_sim/state").await;
    assert_eq!(s, 200);
    assert!(st["counters"].is_object());
}
