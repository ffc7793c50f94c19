//! Helix EventSub subscription management against docs/twitch.md §1.6 (limits, cost), §1.8
//! (create/list/delete and their error codes) and §2 (who may subscribe to what).

mod common;

use common::*;
use serde_json::{Value, json};

fn b(id: &str) -> Value {
    json!({"broadcaster_user_id": id})
}

fn chat(broadcaster: &str, reader: &str) -> Value {
    json!({"broadcaster_user_id": broadcaster, "user_id": reader})
}

#[tokio::test]
async fn twitch_md_1_8_create_answers_202_with_cost_and_totals() {
    let t = start().await;
    let (_ws, sid, _) = t.connect("").await;
    let (a, _) = t.token("sim_viewer", &["user:read:chat"]).await;
    let (s, r) = t.subscribe(&a, "stream.online", "1", b(LUMENFORGE), &sid).await;
    assert_eq!(s, 202, "{r}");
    let d = &r["data"][0];
    assert_eq!(d["status"], "enabled");
    assert_eq!(d["type"], "stream.online");
    assert_eq!(d["version"], "1");
    assert_eq!(d["condition"], b(LUMENFORGE));
    assert_eq!(d["cost"], 1, "no-authorization type costs 1 (docs/twitch.md §1.6)");
    assert_eq!(d["transport"]["method"], "websocket");
    assert_eq!(d["transport"]["session_id"], sid.as_str());
    assert!(d["transport"]["connected_at"].is_string());
    assert!(d["id"].as_str().unwrap().len() == 36);
    assert!(d["created_at"].as_str().unwrap().ends_with('Z'));
    assert_eq!(
        (r["total"].as_u64(), r["total_cost"].as_u64(), r["max_total_cost"].as_u64()),
        (Some(1), Some(1), Some(10))
    );

    // Chat types with the reader's own token and scope cost 0 (docs/twitch.md §2).
    let (s, r) =
        t.subscribe(&a, "channel.chat.message", "1", chat(LUMENFORGE, SIM_VIEWER), &sid).await;
    assert_eq!(s, 202, "{r}");
    assert_eq!(r["data"][0]["cost"], 0);
    assert_eq!(r["total_cost"], 1);
    assert_eq!(r["total"], 2);
}

#[tokio::test]
async fn twitch_md_1_8_401_cases() {
    let t = start().await;
    let (_ws, sid, _) = t.connect("").await;
    let (a, _) = t.token("sim_viewer", &[]).await;
    // App token: WebSocket needs a user token.
    let (_, app) = t
        .form(
            "/oauth2/token",
            &[
                ("client_id", CONFIDENTIAL),
                ("client_secret", SECRET),
                ("grant_type", "client_credentials"),
            ],
        )
        .await;
    let (s, r) = t
        .subscribe_as(
            app["access_token"].as_str().unwrap(),
            CONFIDENTIAL,
            "stream.online",
            "1",
            b(LUMENFORGE),
            &sid,
        )
        .await;
    assert_eq!(s, 401, "{r}");
    assert_eq!(r["error"], "Unauthorized");
    let (s, _) = t.subscribe("bogus", "stream.online", "1", b(LUMENFORGE), &sid).await;
    assert_eq!(s, 401);
    let (s, r) = t.subscribe_as(&a, CONFIDENTIAL, "stream.online", "1", b(LUMENFORGE), &sid).await;
    assert_eq!(
        (s.as_u16(), r["message"].as_str().unwrap()),
        (401, "Client ID and OAuth token do not match")
    );
    let r = t
        .http
        .post(t.url("/helix/eventsub/subscriptions"))
        .header("Client-Id", PUBLIC)
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
}

#[tokio::test]
async fn twitch_md_1_8_400_cases() {
    let t = start().await;
    let (_ws, sid, _) = t.connect("").await;
    let (a, _) = t.token("sim_viewer", &["user:read:chat"]).await;
    let (s, r) = t.subscribe(&a, "stream.online", "1", b(LUMENFORGE), "").await;
    assert_eq!(s, 400, "missing session_id: {r}");
    let (s, r) = t.subscribe(&a, "stream.online", "1", b(LUMENFORGE), "AQoQnope").await;
    assert_eq!(
        (s.as_u16(), r["message"].as_str().unwrap()),
        (400, "websocket transport session does not exist or has already disconnected")
    );
    let (s, r) = t.subscribe(&a, "stream.online", "7", b(LUMENFORGE), &sid).await;
    assert_eq!(
        (s.as_u16(), r["message"].as_str().unwrap()),
        (400, "The combination of values in the type and version fields is not valid")
    );
    let (s, _) = t.subscribe(&a, "stream.online", "1", json!({}), &sid).await;
    assert_eq!(s, 400, "condition missing");
    let (s, _) = t.subscribe(&a, "stream.online", "1", b("999999999999"), &sid).await;
    assert_eq!(s, 400, "user in condition doesn't exist");
    let (s, _) = t
        .subscribe(
            &a,
            "channel.raid",
            "1",
            json!({"to_broadcaster_user_id": LUMENFORGE, "from_broadcaster_user_id": NIGHTOWL}),
            &sid,
        )
        .await;
    assert_eq!(s, 400, "raid needs exactly one of to/from");
    let r = t
        .http
        .post(t.url("/helix/eventsub/subscriptions"))
        .bearer_auth(&a)
        .header("Client-Id", PUBLIC)
        .json(&json!({"type": "stream.online", "version": "1", "condition": b(LUMENFORGE), "transport": {"method": "carrier-pigeon"}}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400, "invalid method");
}

#[tokio::test]
async fn twitch_md_1_8_410_for_channel_follow_v1() {
    let t = start().await;
    let (_ws, sid, _) = t.connect("").await;
    let (a, _) = t.token("sim_mod", &["moderator:read:followers"]).await;
    let (s, r) = t.subscribe(&a, "channel.follow", "1", b(LUMENFORGE), &sid).await;
    assert_eq!(s, 410, "{r}");
    assert_eq!(r["error"], "Gone");
}

#[tokio::test]
async fn twitch_md_2_viewer_gets_403_for_broadcaster_and_moderator_types() {
    let t = start().await;
    let (_ws, sid, _) = t.connect("").await;
    let all =
        ["user:read:chat", "channel:read:subscriptions", "moderator:read:followers", "bits:read"];
    let (viewer, _) = t.token("sim_viewer", &all).await;
    for (kind, version, cond) in [
        ("channel.subscribe", "1", b(LUMENFORGE)),
        ("channel.cheer", "1", b(LUMENFORGE)),
        (
            "channel.follow",
            "2",
            json!({"broadcaster_user_id": LUMENFORGE, "moderator_user_id": SIM_VIEWER}),
        ),
        (
            "channel.follow",
            "2",
            json!({"broadcaster_user_id": LUMENFORGE, "moderator_user_id": SIM_MOD}),
        ),
        // Chat types are conditioned on the reader: someone else's user_id is refused.
        ("channel.chat.message", "1", chat(LUMENFORGE, SIM_MOD)),
    ] {
        let (s, r) = t.subscribe(&viewer, kind, version, cond, &sid).await;
        assert_eq!(s, 403, "{kind}: {r}");
        assert_eq!(r["error"], "Forbidden");
    }
    // Missing scope is 403 too.
    let (noscope, _) = t.token("sim_viewer", &[]).await;
    let (s, _) = t
        .subscribe(&noscope, "channel.chat.notification", "1", chat(LUMENFORGE, SIM_VIEWER), &sid)
        .await;
    assert_eq!(s, 403);
}

#[tokio::test]
async fn twitch_md_2_moderator_and_broadcaster_modes_cost_zero() {
    let t = start().await;
    let (_ws, sid, _) = t.connect("").await;
    let (m, _) = t.token("sim_mod", &["moderator:read:followers"]).await;
    let follow = |bid: &str| json!({"broadcaster_user_id": bid, "moderator_user_id": SIM_MOD});
    let (s, r) = t.subscribe(&m, "channel.follow", "2", follow(LUMENFORGE), &sid).await;
    assert_eq!(s, 202, "{r}");
    assert_eq!(r["data"][0]["cost"], 0);
    let (s, _) = t.subscribe(&m, "channel.follow", "2", follow(NIGHTOWL), &sid).await;
    assert_eq!(s, 403, "sim_mod does not moderate nightowl");

    let (_ws2, sid2, _) = t.connect("").await;
    let (bc, _) = t
        .token(
            "lumenforge",
            &["channel:read:subscriptions", "bits:read", "channel:read:hype_train"],
        )
        .await;
    for (k, v) in [
        ("channel.subscribe", "1"),
        ("channel.cheer", "1"),
        ("channel.hype_train.begin", "2"),
        ("stream.online", "1"),
    ] {
        let (s, r) = t.subscribe(&bc, k, v, b(LUMENFORGE), &sid2).await;
        assert_eq!(s, 202, "{k}: {r}");
        assert_eq!(r["data"][0]["cost"], 0, "{k}: own channel costs 0 (docs/twitch.md §1.6)");
    }
}

#[tokio::test]
async fn twitch_md_1_6_409_duplicate_carries_existing_id() {
    let t = start().await;
    let (_ws, sid, _) = t.connect("").await;
    let (a, _) = t.token("sim_viewer", &[]).await;
    let (_, first) = t.subscribe(&a, "stream.online", "1", b(LUMENFORGE), &sid).await;
    let (s, r) = t.subscribe(&a, "stream.online", "1", b(LUMENFORGE), &sid).await;
    assert_eq!(s, 409);
    assert_eq!(r["error"], "Conflict");
    assert_eq!(r["message"], "subscription already exists");
    assert_eq!(r["existing_subscription_id"], first["data"][0]["id"]);
    // Another condition is not a duplicate.
    let (s, _) = t.subscribe(&a, "stream.online", "1", b(NIGHTOWL), &sid).await;
    assert_eq!(s, 202);
    // Even from another session of the same user (docs/twitch.md §1.4 caveat, §7 pitfall 6).
    let (_ws2, sid2, _) = t.connect("").await;
    let (s, _) = t.subscribe(&a, "stream.online", "1", b(LUMENFORGE), &sid2).await;
    assert_eq!(s, 409);
}

#[tokio::test]
async fn twitch_md_1_6_429_over_max_total_cost_names_the_limit() {
    let t = start().await;
    let (_ws, sid, _) = t.connect("").await;
    let (a, _) = t.token("sim_viewer", &["user:read:chat"]).await;
    let chans = [LUMENFORGE, NIGHTOWL, QUIETFOX, PIXELPALADIN, SIM_MOD];
    let mut n = 0;
    for c in chans {
        for k in ["stream.online", "stream.offline"] {
            let (s, r) = t.subscribe(&a, k, "1", b(c), &sid).await;
            assert_eq!(s, 202, "{r}");
            n += 1;
            assert_eq!(r["total_cost"], n);
        }
    }
    let (s, r) = t.subscribe(&a, "channel.update", "2", b(LUMENFORGE), &sid).await;
    assert_eq!(s, 429, "{r}");
    assert!(r["message"].as_str().unwrap().contains("max_total_cost"), "{r}");
    // Cost-0 types still fit.
    let (s, _) =
        t.subscribe(&a, "channel.chat.message", "1", chat(LUMENFORGE, SIM_VIEWER), &sid).await;
    assert_eq!(s, 202);
    // Deleting one frees budget (docs/twitch.md §2 "DELETE the old cost-1 subscriptions first").
    let (_, list) = t.list_subs(&a, "?type=stream.offline").await;
    let id = list["data"][0]["id"].as_str().unwrap().to_string();
    assert_eq!(t.delete_sub(&a, &id).await, 204);
    let (s, _) = t.subscribe(&a, "channel.update", "2", b(LUMENFORGE), &sid).await;
    assert_eq!(s, 202);
}

#[tokio::test]
async fn twitch_md_1_6_three_transports_per_user() {
    let t = start().await;
    let (a, _) = t.token("sim_viewer", &[]).await;
    let mut keep = Vec::new();
    for c in [LUMENFORGE, NIGHTOWL, QUIETFOX] {
        let (ws, sid, _) = t.connect("").await;
        let (s, _) = t.subscribe(&a, "stream.online", "1", b(c), &sid).await;
        assert_eq!(s, 202);
        keep.push((ws, sid));
    }
    let (_ws4, sid4, _) = t.connect("").await;
    let (s, r) = t.subscribe(&a, "stream.online", "1", b(PIXELPALADIN), &sid4).await;
    assert_eq!(s, 429);
    assert_eq!(r["message"], "number of websocket transports limit exceeded");
    // Another user is not affected; an existing transport still takes more.
    let (m, _) = t.token("sim_mod", &[]).await;
    assert_eq!(t.subscribe(&m, "stream.online", "1", b(PIXELPALADIN), &sid4).await.0, 202);
    assert_eq!(t.subscribe(&a, "stream.offline", "1", b(PIXELPALADIN), &keep[0].1).await.0, 202);
}

#[tokio::test]
async fn twitch_md_1_6_300_enabled_subscriptions_per_connection() {
    let t = start().await;
    let (_ws, sid, _) = t.connect("").await;
    let (a, _) = t.token("sim_viewer", &["user:read:chat"]).await;
    let mut ids = Vec::new();
    for i in 0..100 {
        let (s, u) = t.post_json("/_sim/users", json!({"login": format!("caster{i}")})).await;
        assert_eq!(s, 201);
        ids.push(u["id"].as_str().unwrap().to_string());
    }
    let kinds = ["channel.chat.message", "channel.chat.notification", "channel.chat.clear"];
    for id in &ids {
        for k in kinds {
            let (s, r) = t.subscribe(&a, k, "1", chat(id, SIM_VIEWER), &sid).await;
            assert_eq!(s, 202, "{r}");
        }
    }
    let (s, r) =
        t.subscribe(&a, "channel.chat.message_delete", "1", chat(&ids[0], SIM_VIEWER), &sid).await;
    assert_eq!(s, 400, "{r}");
    assert!(r["message"].as_str().unwrap().contains("300"));
}

#[tokio::test]
async fn twitch_md_1_8_list_filters_and_delete() {
    let t = start().await;
    let (_ws, sid, _) = t.connect("").await;
    let (a, _) = t.token("sim_viewer", &["user:read:chat"]).await;
    let (m, _) = t.token("sim_mod", &[]).await;
    t.subscribe(&a, "stream.online", "1", b(LUMENFORGE), &sid).await;
    t.subscribe(&a, "stream.offline", "1", b(NIGHTOWL), &sid).await;
    t.subscribe(&a, "channel.chat.message", "1", chat(LUMENFORGE, SIM_VIEWER), &sid).await;
    t.subscribe(&m, "stream.online", "1", b(QUIETFOX), &sid).await;

    let (s, all) = t.list_subs(&a, "").await;
    assert_eq!(s, 200);
    assert_eq!(all["total"], 3, "only the caller's own: {all}");
    assert_eq!(all["total_cost"], 2);
    assert_eq!(all["max_total_cost"], 10);
    assert!(all["pagination"].is_object());
    let (_, f) = t.list_subs(&a, "?type=stream.online").await;
    assert_eq!(f["data"].as_array().unwrap().len(), 1);
    let (_, f) = t.list_subs(&a, &format!("?user_id={LUMENFORGE}")).await;
    assert_eq!(f["data"].as_array().unwrap().len(), 2);
    let (_, f) = t.list_subs(&a, "?status=enabled").await;
    assert_eq!(f["data"].as_array().unwrap().len(), 3);
    let (s, _) = t.list_subs(&a, "?status=enabled&type=stream.online").await;
    assert_eq!(s, 400, "one filter per request");
    let (s, _) = t.list_subs(&a, "?status=bogus").await;
    assert_eq!(s, 400);

    let id = all["data"][0]["id"].as_str().unwrap().to_string();
    let del = |q: String, tok: String| {
        let t = &t;
        async move {
            t.http
                .delete(t.url(&format!("/helix/eventsub/subscriptions{q}")))
                .bearer_auth(tok)
                .header("Client-Id", PUBLIC)
                .send()
                .await
                .unwrap()
                .status()
        }
    };
    assert_eq!(del(format!("?id={id}"), m.clone()).await, 404, "not the mod's subscription");
    assert_eq!(del(format!("?id={id}"), a.clone()).await, 204);
    assert_eq!(del(format!("?id={id}"), a.clone()).await, 404);
    assert_eq!(del(String::new(), a.clone()).await, 400);
    assert_eq!(t.list_subs(&a, "").await.1["total"], 2);
}

/// Twitch answers every condition key of a type, unused optional ones as `""`
/// (https://dev.twitch.tv/docs/eventsub/eventsub-reference/#conditions; docs/twitch.md §9
/// "Condition keys come back complete"): in the create answer, the list and the notification;
/// the raid still reaches the channel named by its one used key. Creates and deletes are counted
/// per channel in `counters.subscription_calls`.
#[tokio::test]
async fn twitch_md_9_condition_keys_come_back_complete_with_unused_ones_empty() {
    let t = start().await;
    let (mut ws, sid, _) = t.connect("").await;
    let (a, _) = t.token("sim_viewer", &[]).await;
    let raid_to = json!({"to_broadcaster_user_id": LUMENFORGE});
    let (s, r) = t.subscribe(&a, "channel.raid", "1", raid_to, &sid).await;
    assert_eq!(s, 202, "{r}");
    let complete = json!({"from_broadcaster_user_id": "", "to_broadcaster_user_id": LUMENFORGE});
    assert_eq!(r["data"][0]["condition"], complete, "the create answer");
    let (_, list) = t.list_subs(&a, "").await;
    assert_eq!(list["data"][0]["condition"], complete, "the list");
    // The same condition given whole is the same subscription (409), and `""` names no user.
    let (s, _) = t.subscribe(&a, "channel.raid", "1", complete.clone(), &sid).await;
    assert_eq!(s, 409);
    let ids = t.event(json!({"type": "channel.raid", "broadcaster_login": "lumenforge"})).await;
    assert_eq!(ids.len(), 1, "delivered once, to the raid's target");
    let n = next_non_keepalive(&mut ws).await;
    assert_eq!(n["payload"]["subscription"]["condition"], complete, "the notification");
    let id = r["data"][0]["id"].as_str().unwrap().to_string();
    assert_eq!(t.delete_sub(&a, &id).await, 204);
    let (_, st) = t.get_json("/_sim/state").await;
    let calls = &st["counters"]["subscription_calls"];
    assert_eq!(calls[format!("POST {LUMENFORGE}")], 2, "{calls}");
    assert_eq!(calls[format!("DELETE {LUMENFORGE}")], 1, "{calls}");
}

/// A user token deletes any of the user's subscriptions of its Client ID, whatever session they
/// are on (https://dev.twitch.tv/docs/api/reference/#delete-eventsub-subscription): two client
/// processes signed in as one user hold different tokens, and `/_sim/state` says which token
/// created and which deleted a subscription, its status and session then, and each token's
/// list, create and delete calls — so a test sees one copy delete another's live subscription.
#[tokio::test]
async fn state_says_which_token_created_and_which_deleted_a_subscription() {
    let t = start().await;
    let (_ws, sid, _) = t.connect("").await;
    let (a, _) = t.token("sim_viewer", &[]).await;
    let (b, _) = t.token("sim_viewer", &[]).await;
    let cond = json!({"broadcaster_user_id": LUMENFORGE});
    let (s, r) = t.subscribe(&a, "stream.online", "1", cond, &sid).await;
    assert_eq!(s, 202, "{r}");
    let id = r["data"][0]["id"].as_str().unwrap().to_string();
    let (_, st) = t.get_json("/_sim/state").await;
    assert_eq!(st["tokens"].as_array().map(Vec::len), Some(2), "two tokens: {st}");
    let created_by = st["subscriptions"][0]["token_id"].as_u64().expect("the creating token");
    assert_eq!(t.list_subs(&b, "").await.0, 200);
    assert_eq!(t.delete_sub(&b, &id).await, 204);
    let (_, st) = t.get_json("/_sim/state").await;
    let d = &st["deleted_subscriptions"][0];
    assert_eq!(d["id"], id.as_str(), "{st}");
    assert_eq!((d["status"].as_str(), d["session_live"].as_bool()), (Some("enabled"), Some(true)));
    assert_eq!(
        (d["type"].as_str(), d["session_id"].as_str()),
        (Some("stream.online"), Some(&*sid))
    );
    assert_eq!(d["token_id"], created_by);
    let deleted_by = d["deleted_by_token_id"].as_u64().expect("the deleting token");
    assert_ne!(deleted_by, created_by, "another token deleted it");
    let calls = &st["counters"]["eventsub_calls_by_token"];
    assert_eq!(calls[format!("POST {created_by}")], 1, "{calls}");
    assert_eq!(calls[format!("GET {deleted_by}")], 1, "{calls}");
    assert_eq!(calls[format!("DELETE {deleted_by}")], 1, "{calls}");
    assert!(calls.get(format!("DELETE {created_by}")).is_none(), "{calls}");
}
