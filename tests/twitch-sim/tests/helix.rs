//! Helix endpoints against docs/twitch.md §4 (users, streams, search, channels, follows, rate
//! limits) and the default world (docs/testing.md "The Twitch simulator").

mod common;

use common::*;
use serde_json::json;

#[tokio::test]
async fn twitch_md_4_users_by_login_id_and_self_with_avatar() {
    let t = start().await;
    let (a, _) = t.token("sim_viewer", &[]).await;
    let (s, b) = body(
        t.helix_get("/users?login=lumenforge&login=NightOwl&id=161803398&login=ghost", &a, PUBLIC)
            .await,
    )
    .await;
    assert_eq!(s, 200);
    let data = b["data"].as_array().unwrap();
    let logins: Vec<&str> = data.iter().map(|u| u["login"].as_str().unwrap()).collect();
    assert_eq!(logins, ["lumenforge", "nightowl", "quietfox"]);
    let lf = &data[0];
    assert_eq!(lf["id"], LUMENFORGE);
    assert_eq!(lf["display_name"], "Lumenforge");
    for k in
        ["type", "broadcaster_type", "description", "offline_image_url", "view_count", "created_at"]
    {
        assert!(lf.get(k).is_some(), "missing {k}");
    }
    let avatar = lf["profile_image_url"].as_str().unwrap();
    assert!(avatar.starts_with(&t.base), "served by the sim: {avatar}");
    let r = t.http.get(avatar).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "image/svg+xml");
    assert!(r.text().await.unwrap().contains(">L</text>"));

    let (_, me) = body(t.helix_get("/users", &a, PUBLIC).await).await;
    assert_eq!(me["data"][0]["login"], "sim_viewer");
    assert_eq!(me["data"][0]["display_name"], "SimViewer");
}

#[tokio::test]
async fn twitch_md_4_token_and_client_id_checks() {
    let t = start().await;
    let (a, _) = t.token("sim_viewer", &[]).await;
    let r = t.http.get(t.url("/helix/users")).header("Client-Id", PUBLIC).send().await.unwrap();
    let (s, b) = body(r).await;
    assert_eq!(
        (s.as_u16(), b.clone()),
        (401, json!({"error": "Unauthorized", "status": 401, "message": "OAuth token is missing"}))
    );
    let (s, b) = body(t.helix_get("/users", "nonsense", PUBLIC).await).await;
    assert_eq!((s.as_u16(), b["message"].as_str().unwrap()), (401, "Invalid OAuth token"));
    let (s, b) = body(t.helix_get("/users", &a, CONFIDENTIAL).await).await;
    assert_eq!(
        (s.as_u16(), b["message"].as_str().unwrap()),
        (401, "Client ID and OAuth token do not match")
    );
    let r = t.http.get(t.url("/helix/users")).bearer_auth(&a).send().await.unwrap();
    assert_eq!(r.status(), 401);
    t.post_json("/_sim/clock", json!({"advance_secs": 14_401})).await;
    let (s, b) = body(t.helix_get("/users", &a, PUBLIC).await).await;
    assert_eq!((s.as_u16(), b["message"].as_str().unwrap()), (401, "Invalid OAuth token"));
}

#[tokio::test]
async fn twitch_md_4_streams_live_only_empty_when_offline() {
    let t = start().await;
    let (a, _) = t.token("sim_viewer", &[]).await;
    let (s, b) = body(t.helix_get("/streams?user_login=lumenforge", &a, PUBLIC).await).await;
    assert_eq!(s, 200);
    let st = &b["data"][0];
    assert_eq!(st["user_id"], LUMENFORGE);
    assert_eq!(st["type"], "live");
    assert_eq!(st["title"], "Speedrunning Hollow Knight — any% PB attempts");
    assert_eq!(st["game_name"], "Hollow Knight");
    assert_eq!(st["viewer_count"], 1234);
    assert!(st["thumbnail_url"].as_str().unwrap().contains("{width}x{height}"));
    for k in
        ["id", "user_login", "user_name", "game_id", "tags", "started_at", "language", "is_mature"]
    {
        assert!(st.get(k).is_some(), "missing {k}");
    }
    let (_, b) = body(t.helix_get("/streams?user_login=quietfox", &a, PUBLIC).await).await;
    assert_eq!(b["data"], json!([]));
    let (_, b) = body(
        t.helix_get(
            &format!("/streams?user_id={LUMENFORGE}&user_id={NIGHTOWL}&user_id={PIXELPALADIN}"),
            &a,
            PUBLIC,
        )
        .await,
    )
    .await;
    assert_eq!(b["data"].as_array().unwrap().len(), 2);
    let (s, _) = body(t.helix_get("/streams?first=101", &a, PUBLIC).await).await;
    assert_eq!(s, 400);
}

#[tokio::test]
async fn twitch_md_4_search_channels() {
    let t = start().await;
    let (a, _) = t.token("sim_viewer", &[]).await;
    let (s, b) = body(t.helix_get("/search/channels?query=lumen", &a, PUBLIC).await).await;
    assert_eq!(s, 200);
    let c = &b["data"][0];
    assert_eq!(c["broadcaster_login"], "lumenforge");
    assert_eq!(c["is_live"], true);
    assert_eq!(c["id"], LUMENFORGE);
    for k in [
        "display_name",
        "broadcaster_language",
        "game_id",
        "game_name",
        "title",
        "thumbnail_url",
        "started_at",
        "tags",
    ] {
        assert!(c.get(k).is_some(), "missing {k}");
    }
    let (_, b) = body(t.helix_get("/search/channels?query=fox", &a, PUBLIC).await).await;
    assert_eq!(b["data"][0]["broadcaster_login"], "quietfox");
    assert_eq!(b["data"][0]["is_live"], false);
    assert_eq!(b["data"][0]["started_at"], "");
    let (_, b) =
        body(t.helix_get("/search/channels?query=fox&live_only=true", &a, PUBLIC).await).await;
    assert_eq!(b["data"], json!([]));
    let (s, _) = body(t.helix_get("/search/channels", &a, PUBLIC).await).await;
    assert_eq!(s, 400);
}

#[tokio::test]
async fn twitch_md_4_channels() {
    let t = start().await;
    let (a, _) = t.token("sim_viewer", &[]).await;
    let (s, b) =
        body(t.helix_get(&format!("/channels?broadcaster_id={PIXELPALADIN}"), &a, PUBLIC).await)
            .await;
    assert_eq!(s, 200);
    let c = &b["data"][0];
    assert_eq!(c["broadcaster_name"], "PixelPaladin");
    assert_eq!(c["title"], "Elden Ring blind — first playthrough");
    for k in [
        "broadcaster_login",
        "broadcaster_language",
        "game_id",
        "game_name",
        "delay",
        "tags",
        "content_classification_labels",
        "is_branded_content",
    ] {
        assert!(c.get(k).is_some(), "missing {k}");
    }
    let (s, _) = body(t.helix_get("/channels", &a, PUBLIC).await).await;
    assert_eq!(s, 400);
}

#[tokio::test]
async fn twitch_md_4_channels_followed_needs_scope_and_own_user() {
    let t = start().await;
    let (noscope, _) = t.token("sim_viewer", &[]).await;
    let (s, b) = body(
        t.helix_get(&format!("/channels/followed?user_id={SIM_VIEWER}"), &noscope, PUBLIC).await,
    )
    .await;
    assert_eq!(
        (s.as_u16(), b["message"].as_str().unwrap()),
        (401, "Missing scope: user:read:follows")
    );
    let (a, _) = t.token("sim_viewer", &["user:read:follows"]).await;
    let (s, _) =
        body(t.helix_get(&format!("/channels/followed?user_id={SIM_MOD}"), &a, PUBLIC).await).await;
    assert_eq!(s, 400);
    let (s, b) =
        body(t.helix_get(&format!("/channels/followed?user_id={SIM_VIEWER}"), &a, PUBLIC).await)
            .await;
    assert_eq!(s, 200);
    assert_eq!(b["total"], 3);
    let mut logins: Vec<&str> = b["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["broadcaster_login"].as_str().unwrap())
        .collect();
    logins.sort();
    assert_eq!(logins, ["lumenforge", "nightowl", "pixelpaladin"]);
    assert!(b["data"][0]["followed_at"].as_str().unwrap().ends_with('Z'));
    // Pagination with a cursor.
    let (_, p1) = body(
        t.helix_get(&format!("/channels/followed?user_id={SIM_VIEWER}&first=2"), &a, PUBLIC).await,
    )
    .await;
    assert_eq!(p1["data"].as_array().unwrap().len(), 2);
    let cursor = p1["pagination"]["cursor"].as_str().unwrap();
    let (_, p2) = body(
        t.helix_get(
            &format!("/channels/followed?user_id={SIM_VIEWER}&first=2&after={cursor}"),
            &a,
            PUBLIC,
        )
        .await,
    )
    .await;
    assert_eq!(p2["data"].as_array().unwrap().len(), 1);
    assert_eq!(p2["pagination"], json!({}));
    // Filter by broadcaster.
    let (_, one) = body(
        t.helix_get(
            &format!("/channels/followed?user_id={SIM_VIEWER}&broadcaster_id={NIGHTOWL}"),
            &a,
            PUBLIC,
        )
        .await,
    )
    .await;
    assert_eq!(one["data"][0]["broadcaster_id"], NIGHTOWL);
    // Live follows.
    let (_, live) =
        body(t.helix_get(&format!("/streams/followed?user_id={SIM_VIEWER}"), &a, PUBLIC).await)
            .await;
    assert_eq!(live["data"].as_array().unwrap().len(), 2);
}

/// https://dev.twitch.tv/docs/api/reference/#get-followed-streams: "The list is in descending
/// order by the number of viewers watching the stream"; offline follows are absent.
#[tokio::test]
async fn followed_streams_are_the_live_follows_most_watched_first() {
    let t = start().await;
    let (a, _) = t.token("sim_viewer", &["user:read:follows"]).await;
    let logins = |b: &serde_json::Value| -> Vec<String> {
        b["data"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["user_login"].as_str().unwrap().to_string())
            .collect()
    };
    let path = format!("/streams/followed?user_id={SIM_VIEWER}");
    let (_, b) = body(t.helix_get(&path, &a, PUBLIC).await).await;
    assert_eq!(logins(&b), ["lumenforge", "nightowl"], "1,234 before 387 viewers");
    // NightOwl overtakes Lumenforge, and PixelPaladin (followed last) goes live with the most.
    t.post_json("/_sim/users", json!({"login": "nightowl", "viewer_count": 5000})).await;
    t.post_json(
        "/_sim/users",
        json!({"login": "pixelpaladin", "live": true, "viewer_count": 9000}),
    )
    .await;
    let (_, b) = body(t.helix_get(&path, &a, PUBLIC).await).await;
    assert_eq!(logins(&b), ["pixelpaladin", "nightowl", "lumenforge"]);
    assert_eq!(b["data"][0]["type"], "live");
    assert_eq!(b["data"][0]["viewer_count"], 9000);
}

#[tokio::test]
async fn twitch_md_4_ratelimit_headers_and_429_from_the_bucket() {
    let t = start().await;
    let (a, _) = t.token("sim_viewer", &[]).await;
    let r = t.helix_get("/users", &a, PUBLIC).await;
    assert_eq!(r.headers()["ratelimit-limit"], "800");
    assert_eq!(r.headers()["ratelimit-remaining"], "799");
    let reset: u64 = r.headers()["ratelimit-reset"].to_str().unwrap().parse().unwrap();
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs();
    assert!(reset >= now && reset <= now + 61, "reset {reset} now {now}");

    t.config(json!({"rate_limit_bucket": 3})).await;
    for left in ["2", "1", "0"] {
        let r = t.helix_get("/users", &a, PUBLIC).await;
        assert_eq!(r.status(), 200);
        assert_eq!(r.headers()["ratelimit-remaining"], left);
    }
    let r = t.helix_get("/users", &a, PUBLIC).await;
    assert_eq!(r.status(), 429);
    assert_eq!(r.headers()["ratelimit-remaining"], "0");
    assert_eq!(r.headers()["ratelimit-limit"], "3");
    let (_, b) = body(r).await;
    assert_eq!(b["status"], 429);
    // Another user has their own bucket.
    let (m, _) = t.token("sim_mod", &[]).await;
    assert_eq!(t.helix_get("/users", &m, PUBLIC).await.status(), 200);
    // The bucket refills with time (3 points per minute here).
    t.post_json("/_sim/clock", json!({"advance_secs": 20})).await;
    assert_eq!(t.helix_get("/users", &a, PUBLIC).await.status(), 200);
    assert_eq!(t.state().await["counters"]["rate_limited"], 1);
}

/// `empty_bucket_after_welcome_ms`: from a fresh session's welcome the bucket is empty for the
/// window, every call answered 429 with `Ratelimit-Remaining: 0` and `Ratelimit-Reset` when the
/// bucket would be full (https://dev.twitch.tv/docs/api/guide/#twitch-rate-limits); then it
/// refills from empty at its normal rate.
#[tokio::test]
async fn twitch_md_4_an_empty_bucket_at_the_welcome_answers_429_until_the_window_ends() {
    let t = start().await;
    t.config(json!({"empty_bucket_after_welcome_ms": 12_000})).await;
    let (a, _) = t.token("sim_viewer", &[]).await;
    assert_eq!(t.helix_get("/users", &a, PUBLIC).await.status(), 200, "no welcome yet");
    let (_ws, sid, _) = t.connect("").await;
    let r = t.helix_get("/users", &a, PUBLIC).await;
    assert_eq!(r.status(), 429);
    assert_eq!(r.headers()["ratelimit-remaining"], "0");
    let reset: u64 = r.headers()["ratelimit-reset"].to_str().unwrap().parse().unwrap();
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs();
    assert!(reset >= now + 59 && reset <= now + 61, "full in a minute from empty: {reset} {now}");
    let (status, _) = t
        .subscribe(&a, "stream.online", "1", json!({"broadcaster_user_id": "141592653"}), &sid)
        .await;
    assert_eq!(status, 429, "the subscribe call is refused too");
    t.post_json("/_sim/clock", json!({"advance_secs": 11})).await;
    assert_eq!(t.helix_get("/users", &a, PUBLIC).await.status(), 429, "still inside the window");
    t.post_json("/_sim/clock", json!({"advance_secs": 2})).await;
    let r = t.helix_get("/users", &a, PUBLIC).await;
    assert_eq!(r.status(), 200, "after the window");
    let left: u64 = r.headers()["ratelimit-remaining"].to_str().unwrap().parse().unwrap();
    assert!(left < 800 / 60 * 2, "refilling from empty, not full at once: {left}");
    assert_eq!(t.state().await["counters"]["rate_limited"], 3);
}

#[tokio::test]
async fn control_users_creates_channels_visible_through_helix() {
    let t = start().await;
    let (s, u) = t.post_json("/_sim/users", json!({"login": "newcaster", "display_name": "NewCaster", "live": true, "title": "First stream!", "category": "Celeste", "follows": ["lumenforge"], "moderates": ["nightowl"]})).await;
    assert_eq!(s, 201, "{u}");
    assert_eq!(u["login"], "newcaster");
    assert_eq!(u["display_name"], "NewCaster");
    let id = u["id"].as_str().unwrap().to_string();
    assert!(id.chars().all(|c| c.is_ascii_digit()));
    assert_eq!(u["moderates"], json!(["nightowl"]));
    let (a, _) = t.token("sim_viewer", &[]).await;
    let (_, b) = body(t.helix_get("/streams?user_login=newcaster", &a, PUBLIC).await).await;
    assert_eq!(b["data"][0]["user_id"], id.as_str());
    assert_eq!(b["data"][0]["game_name"], "Celeste");
    // Update (offline now).
    let (s, u2) = t.post_json("/_sim/users", json!({"login": "newcaster", "live": false})).await;
    assert_eq!((s.as_u16(), u2["id"].as_str().unwrap()), (200, id.as_str()));
    let (_, b) = body(t.helix_get("/streams?user_login=newcaster", &a, PUBLIC).await).await;
    assert_eq!(b["data"], json!([]));
    let (s, _) = t.post_json("/_sim/users", json!({"login": "x", "follows": ["ghost"]})).await;
    assert_eq!(s, 404);
    let (_, all) = t.get_json("/_sim/users").await;
    let sv = all["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["login"] == "sim_viewer")
        .unwrap()
        .clone();
    assert_eq!(sv["follows"], json!(["lumenforge", "nightowl", "pixelpaladin"]));
    let sm =
        all["data"].as_array().unwrap().iter().find(|u| u["login"] == "sim_mod").unwrap().clone();
    assert_eq!(sm["moderates"], json!(["lumenforge"]));
}

/// `GET /moderation/channels` (not in docs/twitch.md; shape from Twitch's reference,
/// https://dev.twitch.tv/docs/api/reference#get-moderated-channels): scope
/// `user:read:moderated_channels`, `user_id` = the token user, the channels it moderates.
#[tokio::test]
async fn moderated_channels_needs_its_scope_and_lists_what_the_user_moderates() {
    let t = start().await;
    let (noscope, _) = t.token("sim_mod", &[]).await;
    let (s, b) = body(
        t.helix_get(&format!("/moderation/channels?user_id={SIM_MOD}"), &noscope, PUBLIC).await,
    )
    .await;
    assert_eq!(
        (s.as_u16(), b["message"].as_str().unwrap()),
        (401, "Missing scope: user:read:moderated_channels")
    );
    let (m, _) = t.token("sim_mod", &["user:read:moderated_channels"]).await;
    let (s, _) =
        body(t.helix_get(&format!("/moderation/channels?user_id={SIM_VIEWER}"), &m, PUBLIC).await)
            .await;
    assert_eq!(s, 400, "another user's list is refused");
    let (s, b) =
        body(t.helix_get(&format!("/moderation/channels?user_id={SIM_MOD}"), &m, PUBLIC).await)
            .await;
    assert_eq!(s, 200);
    let data = b["data"].as_array().unwrap();
    assert_eq!(data.len(), 1, "{b}");
    assert_eq!(data[0]["broadcaster_login"], "lumenforge");
    assert_eq!(data[0]["broadcaster_name"], "Lumenforge");
    assert!(data[0]["broadcaster_id"].as_str().is_some_and(|s| !s.is_empty()));
    let (v, _) = t.token("sim_viewer", &["user:read:moderated_channels"]).await;
    let (s, b) =
        body(t.helix_get(&format!("/moderation/channels?user_id={SIM_VIEWER}"), &v, PUBLIC).await)
            .await;
    assert_eq!(s, 200);
    assert_eq!(b["data"].as_array().unwrap().len(), 0, "a plain viewer moderates nothing");
}

/// Send Chat Message (https://dev.twitch.tv/docs/api/reference/#send-chat-message): the scope,
/// the sender is the token's user, the message is required and at most 500 characters.
#[tokio::test]
async fn send_chat_message_checks_the_scope_the_sender_and_the_message() {
    let t = start().await;
    let send = |token: String, payload: serde_json::Value| {
        let http = t.http.clone();
        let url = t.url("/helix/chat/messages");
        async move {
            body(
                http.post(url)
                    .bearer_auth(token)
                    .header("Client-Id", PUBLIC)
                    .json(&payload)
                    .send()
                    .await
                    .unwrap(),
            )
            .await
        }
    };
    let msg = |sender: &str, text: &str| json!({"broadcaster_id": LUMENFORGE, "sender_id": sender, "message": text});
    let (noscope, _) = t.token("sim_viewer", &["user:read:chat"]).await;
    let (s, b) = send(noscope, msg(SIM_VIEWER, "hi")).await;
    assert_eq!((s.as_u16(), b["message"].as_str()), (401, Some("Missing scope: user:write:chat")));
    let (tok, _) = t.token("sim_viewer", &["user:write:chat"]).await;
    let (s, _) = send(tok.clone(), msg(SIM_MOD, "hi")).await;
    assert_eq!(s, 401, "another user as the sender");
    let (s, _) = send(tok.clone(), msg(SIM_VIEWER, "   ")).await;
    assert_eq!(s, 400, "an empty message");
    let (s, _) = send(
        tok.clone(),
        json!({"broadcaster_id": "999", "sender_id": SIM_VIEWER, "message": "hi"}),
    )
    .await;
    assert_eq!(s, 400, "a channel that does not exist");
    let (s, b) = send(tok.clone(), msg(SIM_VIEWER, &"x".repeat(501))).await;
    assert_eq!((s.as_u16(), b["message"].as_str()), (422, Some("The message is too large.")));
    let (s, b) = send(tok, msg(SIM_VIEWER, &"é".repeat(500))).await;
    assert_eq!(s, 200, "500 characters (not bytes) pass: {b}");
    assert_eq!(b["data"][0]["is_sent"], true);
    assert!(b["data"][0]["message_id"].as_str().is_some_and(|id| !id.is_empty()));
    assert!(b["data"][0]["drop_reason"].is_null());
}

/// The duplicate rule of Twitch's chat (NOTICE msg-id `msg_duplicate`,
/// https://dev.twitch.tv/docs/chat/irc/): the same text again within 30 s is dropped with a
/// reason, answered 200 with `is_sent: false`; another text, or the same after 30 s, is sent.
/// The chat page lists what was sent.
#[tokio::test]
async fn a_repeated_chat_message_within_30_s_is_dropped_with_twitchs_reason() {
    let t = start().await;
    let (tok, _) = t.token("sim_viewer", &["user:write:chat"]).await;
    let send = |text: &str| {
        let http = t.http.clone();
        let url = t.url("/helix/chat/messages");
        let tok = tok.clone();
        let body = json!({"broadcaster_id": LUMENFORGE, "sender_id": SIM_VIEWER, "message": text});
        async move {
            body_of(
                http.post(url)
                    .bearer_auth(tok)
                    .header("Client-Id", PUBLIC)
                    .json(&body)
                    .send()
                    .await
                    .unwrap(),
            )
            .await
        }
    };
    async fn body_of(r: reqwest::Response) -> serde_json::Value {
        assert_eq!(r.status(), 200);
        r.json().await.unwrap()
    }
    assert_eq!(send("gg").await["data"][0]["is_sent"], true);
    let again = send("gg").await;
    assert_eq!(again["data"][0]["is_sent"], false, "{again}");
    assert_eq!(again["data"][0]["message_id"], "");
    assert_eq!(again["data"][0]["drop_reason"]["code"], "msg_duplicate");
    assert!(
        again["data"][0]["drop_reason"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("identical to the previous one")),
        "{again}"
    );
    assert_eq!(send("gg wp").await["data"][0]["is_sent"], true, "another text");
    t.post_json("/_sim/clock", json!({"advance_secs": 31})).await;
    assert_eq!(send("gg wp").await["data"][0]["is_sent"], true, "30 s later");

    let lines: serde_json::Value = t
        .http
        .get(t.url("/embed/chat/lines?channel=lumenforge&after=0"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let texts: Vec<&str> =
        lines.as_array().unwrap().iter().filter_map(|l| l["text"].as_str()).collect();
    assert_eq!(texts, ["gg", "gg wp", "gg wp"], "the dropped one is not shown");
    assert_eq!(lines[0]["sender_name"], "SimViewer");
}

/// docs/twitch.md §9 "`null` where Helix promises an array": with `helix_nulls` on, every empty
/// array and empty string Helix serves comes back `null` (Twitch did so for `tag_ids`,
/// https://github.com/twitch-rs/twitch_api/issues/184); everything else is unchanged.
#[tokio::test]
async fn switch_helix_nulls_answers_null_for_empty_arrays_and_strings() {
    let t = start().await;
    let (a, _) = t.token("sim_viewer", &["user:read:follows"]).await;
    let get = |path: &'static str| {
        let t = &t;
        let a = a.clone();
        async move { body(t.helix_get(path, &a, PUBLIC).await).await.1 }
    };
    let paths = [
        "/users?login=sim_viewer&login=lumenforge",
        "/streams?user_login=lumenforge",
        "/search/channels?query=sim",
        "/channels?broadcaster_id=577215664",
        "/channels/followed?user_id=577215664",
    ];
    let mut off = Vec::new();
    for p in paths {
        off.push(get(p).await);
    }
    t.config(json!({"helix_nulls": true})).await;
    for (p, before) in paths.iter().zip(&off) {
        let after = get(p).await;
        let (b, a) = (before["data"].as_array().unwrap(), after["data"].as_array().unwrap());
        assert_eq!(b.len(), a.len(), "{p}");
        for (bi, ai) in b.iter().zip(a) {
            for (k, v) in bi.as_object().unwrap() {
                let empty = v.as_array().is_some_and(Vec::is_empty) || v.as_str() == Some("");
                if empty {
                    assert!(ai[k].is_null(), "{p}: {k} should be null: {ai}");
                } else {
                    assert_eq!(&ai[k], v, "{p}: {k} unchanged");
                }
            }
        }
    }
    // The answers have something to null: `tag_ids` of a stream, an offline search hit's tags.
    let stream = get("/streams?user_login=lumenforge").await;
    assert!(stream["data"][0]["tag_ids"].is_null(), "{stream}");
    assert_eq!(stream["data"][0]["tags"][0], "Speedrun");
    let search = get("/search/channels?query=sim").await;
    let viewer = search["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["broadcaster_login"] == "sim_viewer")
        .cloned()
        .unwrap();
    assert!(viewer["tags"].is_null() && viewer["started_at"].is_null(), "{viewer}");
    assert_eq!(t.post_json("/_sim/config", json!({"helix_nulls": 1})).await.0, 400);
}
