//! The demo scenario (docs/testing.md "The Twitch simulator"), the binary's first line, and the
//! embed pages (docs/twitch.md §5: offline stand-ins for the player and chat).

mod common;

use std::collections::BTreeSet;
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::Duration;

use common::*;
use serde_json::json;
use twitch_sim::{SimOptions, spawn};

#[tokio::test]
async fn demo_scenario_plays_varied_events_through_the_normal_path() {
    let t = demo_at_400x().await;
    let (mut ws, sid, _) = t.connect("").await;
    let (a, _) = t.token("sim_viewer", &["user:read:chat"]).await;
    for (k, v, c) in [
        (
            "channel.chat.notification",
            "1",
            json!({"broadcaster_user_id": LUMENFORGE, "user_id": SIM_VIEWER}),
        ),
        (
            "channel.chat.message",
            "1",
            json!({"broadcaster_user_id": LUMENFORGE, "user_id": SIM_VIEWER}),
        ),
        ("channel.raid", "1", json!({"to_broadcaster_user_id": LUMENFORGE})),
        ("channel.update", "2", json!({"broadcaster_user_id": LUMENFORGE})),
        ("stream.online", "1", json!({"broadcaster_user_id": QUIETFOX})),
    ] {
        assert_eq!(t.subscribe(&a, k, v, c, &sid).await.0, 202);
    }
    let mut types = BTreeSet::new();
    let mut notices = BTreeSet::new();
    let mut cheers = 0;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while (types.len() < 5 || notices.len() < 6 || cheers == 0)
        && tokio::time::Instant::now() < deadline
    {
        let f = next_non_keepalive(&mut ws).await;
        let k = f["metadata"]["subscription_type"].as_str().unwrap_or("").to_string();
        if k == "channel.chat.notification" {
            notices.insert(f["payload"]["event"]["notice_type"].as_str().unwrap().to_string());
        }
        if k == "channel.chat.message" && f["payload"]["event"]["cheer"].is_object() {
            cheers += 1;
        }
        types.insert(k);
    }
    assert_eq!(types.len(), 5, "{types:?}");
    assert!(notices.len() >= 6, "{notices:?}");
    assert!(cheers > 0);
}

/// The demo's gift bomb is told as Twitch tells one in chat: the community gift, then one
/// `sub_gift` per recipient carrying the bomb's id as `community_gift_id`
/// (https://dev.twitch.tv/docs/eventsub/eventsub-reference/#chat-notification-event), so a
/// client shows one bomb row, not the bomb and stray gifts.
#[tokio::test]
async fn the_demos_gift_bomb_gifts_carry_the_bombs_id_and_add_up_to_its_total() {
    let t = demo_at_400x().await;
    let (mut ws, sid, _) = t.connect("").await;
    let (a, _) = t.token("sim_viewer", &["user:read:chat"]).await;
    let c = json!({"broadcaster_user_id": LUMENFORGE, "user_id": SIM_VIEWER});
    assert_eq!(t.subscribe(&a, "channel.chat.notification", "1", c, &sid).await.0, 202);
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    let mut bomb: Option<(String, u64)> = None;
    let mut gifts = Vec::new();
    while tokio::time::Instant::now() < deadline {
        let f = next_non_keepalive(&mut ws).await;
        let e = &f["payload"]["event"];
        match (e["notice_type"].as_str(), &bomb) {
            (Some("community_sub_gift"), None) => {
                let g = &e["community_sub_gift"];
                bomb = Some((g["id"].as_str().unwrap().to_owned(), g["total"].as_u64().unwrap()));
            }
            (Some("sub_gift"), Some((_, total))) => {
                gifts.push(e["sub_gift"]["community_gift_id"].clone());
                if gifts.len() as u64 == *total {
                    break;
                }
            }
            (Some("community_sub_gift"), Some(_)) => break,
            _ => {}
        }
    }
    let (id, total) = bomb.expect("the demo sent a gift bomb");
    assert_eq!(gifts.len() as u64, total, "one individual gift per sub of the bomb");
    assert!(gifts.iter().all(|g| g == &json!(id)), "bomb {id}: gifts carry {gifts:?}");
}

#[tokio::test]
async fn unknown_scenario_is_refused() {
    let r = spawn(SimOptions { scenario: Some("nope".into()), ..Default::default() }).await;
    assert!(r.is_err());
}

#[tokio::test]
async fn binary_prints_its_url_first_and_serves_with_the_demo() {
    /// Kills the child even when an assertion fails.
    struct Kill(std::process::Child);
    impl Drop for Kill {
        fn drop(&mut self) {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
    let mut child = Kill(
        Command::new(env!("CARGO_BIN_EXE_twitch-sim"))
            .args(["--port", "0", "--scenario", "demo", "--speed", "50"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let stdout = child.0.stdout.take().unwrap();
    let line = tokio::task::spawn_blocking(move || {
        let mut l = String::new();
        BufReader::new(stdout).read_line(&mut l).map(|_| l)
    })
    .await
    .unwrap()
    .unwrap();
    let base = line.trim().strip_prefix("twitch-sim listening on ").map(str::to_string);
    {
        let base = base.expect("first line names the URL");
        assert!(base.starts_with("http://127.0.0.1:") && !base.ends_with('/'), "{base}");
        let (mut ws, sid, _) = connect_url(&format!("{}/ws", base.replacen("http", "ws", 1))).await;
        let http = http().build().expect("client");
        let tok: serde_json::Value = http
            .post(format!("{base}/_sim/tokens"))
            .json(&json!({"login": "sim_viewer", "scopes": ["user:read:chat"]}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let r = http
            .post(format!("{base}/helix/eventsub/subscriptions"))
            .bearer_auth(tok["access_token"].as_str().unwrap())
            .header("Client-Id", PUBLIC)
            .json(&json!({"type": "channel.chat.message", "version": "1", "condition": {"broadcaster_user_id": LUMENFORGE, "user_id": SIM_VIEWER}, "transport": {"method": "websocket", "session_id": sid}}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 202);
        let n = next_non_keepalive(&mut ws).await;
        assert_eq!(n["metadata"]["message_type"], "notification");
    }
}

/// docs/twitch.md §5: the player and chat pages, self-contained (no external resource).
#[tokio::test]
async fn twitch_md_5_embed_player_and_chat_pages_work_offline() {
    let t = start().await;
    let get = |path: &str| {
        let url = t.url(path);
        let http = t.http.clone();
        async move {
            let r = http.get(url).send().await.unwrap();
            assert_eq!(r.status(), 200);
            assert!(r.headers()["content-type"].to_str().unwrap().starts_with("text/html"));
            r.text().await.unwrap()
        }
    };
    let html = get("/embed/player?channel=lumenforge&parent=localhost").await;
    assert!(html.contains("Lumenforge"));
    assert!(!html.contains("src=\"http"), "no external resources");

    let html = get("/embed/chat?channel=nightowl").await;
    assert!(html.contains("NightOwl"));
    assert!(html.matches("<li>").count() >= 3, "a few fake lines");
    assert!(!html.contains("src=\"http"), "no external resources");

    // Hostile channel names are escaped/stripped, never echoed raw.
    let html = get("/embed/player?channel=%3Cscript%3Ealert(1)%3C/script%3E").await;
    assert!(!html.contains("<script>alert"), "{html}");
}

/// The player says the channel's real state: LIVE and a stream to play for a live channel,
/// OFFLINE and none for an offline one (it used to say "OFFLINE — simulated player" for both).
#[tokio::test]
async fn the_player_is_labelled_with_the_channels_real_state() {
    let t = start().await;
    let page = |c: &str| {
        let url = t.url(&format!("/embed/player?channel={c}"));
        let http = t.http.clone();
        async move { http.get(url).send().await.unwrap().text().await.unwrap() }
    };
    let live = page("lumenforge").await;
    assert!(live.contains(r#"data-live="true""#) && live.contains(">LIVE<"), "{live}");
    assert!(live.contains("Lumenforge is live"));
    assert!(!live.contains("OFFLINE"), "a live channel is never called offline");
    let offline = page("quietfox").await;
    assert!(offline.contains(r#"data-live="false""#) && offline.contains(">OFFLINE<"));
    assert!(offline.contains("QuietFox is offline") || offline.contains("is offline"));
}

/// docs/twitch.md §9 "Video": the stream is a fragmented MP4 of H.264 Main video and AAC-LC
/// audio, the codecs the player asks Media Source Extensions for.
#[tokio::test]
async fn the_stream_is_a_fragmented_h264_aac_mp4() {
    let t = start().await;
    let r = t.http.get(t.url("/_sim/media/stream.mp4")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "video/mp4");
    let bytes = r.bytes().await.unwrap();
    let has = |needle: &[u8]| bytes.windows(needle.len()).any(|w| w == needle);
    assert_eq!(&bytes[4..8], b"ftyp", "an MP4");
    assert!(has(b"mvex"), "fragmented: the movie says fragments follow");
    assert!(has(b"moof") && has(b"mdat"), "movie fragments");
    assert!(has(b"avcC") && has(b"mp4a"), "H.264 and AAC sample entries");
    // avcC: version 1, profile 0x4d (Main), compatibility 0x40, level 0x1f (3.1).
    let at = bytes.windows(4).position(|w| w == b"avcC").unwrap() + 4;
    assert_eq!(&bytes[at..at + 4], &[1, 0x4d, 0x40, 0x1f], "avc1.4d401f");
    let player = t.http.get(t.url("/embed/player?channel=lumenforge")).send().await.unwrap();
    let html = player.text().await.unwrap();
    assert!(html.contains(r#"avc1.4d401f,mp4a.40.2"#), "the player asks MSE for those codecs");
}

/// What the app's panes must refuse to save: a file sent as an attachment.
#[tokio::test]
async fn the_download_page_sends_an_attachment() {
    let t = start().await;
    let r = t.http.get(t.url("/_sim/download/notes.txt")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-disposition"], "attachment; filename=\"notes.txt\"");
}

/// The player page tells the simulator how its playback goes (`POST /_sim/player`), so a test
/// that cannot reach into the app's webviews (the installed package's) reads it with
/// `GET /_sim/player`: the last report of each channel's player.
#[tokio::test]
async fn the_player_reports_its_playback_to_the_simulator() {
    let t = start().await;
    let html = t
        .http
        .get(t.url("/embed/player?channel=lumenforge"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("/_sim/player"), "the page posts its playback");
    let before: serde_json::Value =
        t.http.get(t.url("/_sim/player")).send().await.unwrap().json().await.unwrap();
    assert_eq!(before["players"], json!({}), "nothing played yet");
    let report = json!({"channel": "LumenForge", "state": "playing", "current_time": 2.5,
        "video_width": 1280, "video_height": 720, "error": ""});
    let r = t.http.post(t.url("/_sim/player")).json(&report).send().await.unwrap();
    assert_eq!(r.status(), 204);
    let after: serde_json::Value =
        t.http.get(t.url("/_sim/player")).send().await.unwrap().json().await.unwrap();
    let p = &after["players"]["lumenforge"];
    assert_eq!(p["state"], "playing");
    assert_eq!(p["current_time"], 2.5);
    assert_eq!(p["video_width"], 1280);
    assert_eq!(p["video_height"], 720);
    assert!(p["reports"].as_u64() == Some(1), "{p}");
    // A channel the world does not know is refused (the map stays bounded).
    let r = t
        .http
        .post(t.url("/_sim/player"))
        .json(&json!({"channel": "nobody_here", "state": "playing"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
}
