//! Stand-ins for Twitch's player and chat pages (docs/twitch.md §5), plus generated avatars and
//! stream thumbnails. No external resources: everything is inline or served here.
//!
//! The player plays a live channel the way Twitch's does: H.264 video with AAC audio appended
//! through Media Source Extensions (docs/twitch.md §9, "Video"), here a short fragmented MP4
//! (`media/stream.mp4`, made by `media/make-stream`) appended again and again so it never ends.
//! The chat page shows what was sent through Helix Send Chat Message, and chat links open a new
//! window as Twitch's chat does (`target="_blank"`).
//!
//! The player page also tells the simulator how its playback goes (`POST /_sim/player`, read
//! back with `GET /_sim/player`): a test hook, not Twitch's, for tests that cannot reach into
//! the app's webviews (the installed package's test runs without WebDriver).

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use serde_json::json;

use crate::world::{PlayerReport, Shared, first, parse_pairs};

/// Routes of this module.
pub fn routes() -> Router<Shared> {
    Router::new()
        .route("/embed/player", get(player))
        .route("/embed/chat", get(chat))
        .route("/embed/chat/lines", get(chat_lines))
        .route("/_sim/media/stream.mp4", get(stream))
        .route("/_sim/player", get(players).post(player_report))
        .route("/_sim/download/{file}", get(download))
        .route("/_sim/avatar/{file}", get(avatar))
        .route("/_sim/thumbnail/{file}", get(thumbnail))
}

/// Escapes text for HTML bodies and attribute values.
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// A stable colour per login, so avatars look different but never change.
fn colour(login: &str) -> String {
    let h = login.bytes().fold(2166136261u32, |h, b| (h ^ u32::from(b)).wrapping_mul(16777619));
    let hue = h % 360;
    format!("hsl({hue},55%,45%)")
}

/// The channel name from `?channel=` (lowercased, only login characters kept).
fn channel_param(q: &Option<String>) -> String {
    let p = parse_pairs(q.as_deref().unwrap_or(""));
    first(&p, "channel")
        .unwrap_or("")
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '_')
        .collect::<String>()
        .to_lowercase()
}

fn svg(body: String) -> Response {
    ([(header::CONTENT_TYPE, "image/svg+xml"), (header::CACHE_CONTROL, "max-age=3600")], body)
        .into_response()
}

/// `GET /_sim/avatar/<login>.svg`: a coloured circle with the initial.
async fn avatar(State(sim): State<Shared>, Path(file): Path<String>) -> Response {
    let login = file.strip_suffix(".svg").unwrap_or(&file).to_lowercase();
    let display = sim.world().user_by_login(&login).map(|u| u.display_name.clone());
    let Some(display) = display else { return StatusCode::NOT_FOUND.into_response() };
    let initial =
        esc(&display.chars().next().map(|c| c.to_uppercase().to_string()).unwrap_or_default());
    svg(format!(
        r##"<svg xmlns="http://www.w3.org/2000/svg" width="300" height="300" viewBox="0 0 300 300"><rect width="300" height="300" fill="{c}"/><text x="150" y="150" dy=".35em" text-anchor="middle" font-family="sans-serif" font-size="150" fill="#fff">{initial}</text></svg>"##,
        c = colour(&login)
    ))
}

/// `GET /_sim/thumbnail/live_user_<login>-WxH.svg`: a stream thumbnail.
async fn thumbnail(State(sim): State<Shared>, Path(file): Path<String>) -> Response {
    let stem = file.strip_suffix(".svg").unwrap_or(&file);
    let login = stem
        .strip_prefix("live_user_")
        .and_then(|s| s.rsplit_once('-'))
        .map(|(l, _)| l)
        .unwrap_or(stem);
    let title = sim.world().user_by_login(login).map(|u| u.title.clone());
    let Some(title) = title else { return StatusCode::NOT_FOUND.into_response() };
    svg(format!(
        r##"<svg xmlns="http://www.w3.org/2000/svg" width="440" height="248" viewBox="0 0 440 248"><rect width="440" height="248" fill="{c}"/><text x="20" y="220" font-family="sans-serif" font-size="18" fill="#fff">{t}</text></svg>"##,
        c = colour(login),
        t = esc(&title)
    ))
}

/// The stream the player appends: 6 s of H.264 Main 3.1 video and AAC-LC audio, fragmented
/// (`media/make-stream` says how it was made).
pub const STREAM_MP4: &[u8] = include_bytes!("../media/stream.mp4");

/// The MSE type of [`STREAM_MP4`], the codecs of a Twitch stream (H.264 Main, AAC-LC).
pub const STREAM_TYPE: &str = r#"video/mp4; codecs="avc1.4d401f,mp4a.40.2""#;

/// `GET /_sim/media/stream.mp4`.
async fn stream() -> Response {
    ([(header::CONTENT_TYPE, "video/mp4"), (header::CACHE_CONTROL, "max-age=3600")], STREAM_MP4)
        .into_response()
}

/// `GET /_sim/download/<file>`: a small text file sent as an attachment
/// (`Content-Disposition: attachment`), what a link in an ad or extension could serve; the
/// app's panes must refuse to save it.
async fn download(Path(file): Path<String>) -> Response {
    let name: String = file
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'))
        .collect();
    let disposition = format!("attachment; filename=\"{name}\"");
    (
        [
            (header::CONTENT_TYPE, "application/octet-stream".to_string()),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        "a file the panes must not save\n",
    )
        .into_response()
}

/// `POST /_sim/player {"channel", "state", "current_time", "video_width", "video_height",
/// "error"}`: a player page's report of its playback (204). Only a channel the world knows is
/// kept (404 otherwise), so the map stays as small as the world.
async fn player_report(State(sim): State<Shared>, b: Bytes) -> Response {
    let Ok(v) = serde_json::from_slice::<serde_json::Value>(&b) else {
        return (StatusCode::BAD_REQUEST, axum::Json(json!({"error": "body must be JSON"})))
            .into_response();
    };
    let text = |k: &str| v.get(k).and_then(|x| x.as_str()).unwrap_or("").to_string();
    let number = |k: &str| v.get(k).and_then(|x| x.as_f64()).filter(|x| x.is_finite());
    let channel = text("channel").to_lowercase();
    let mut w = sim.world();
    if w.user_by_login(&channel).is_none() {
        return (StatusCode::NOT_FOUND, axum::Json(json!({"error": "no such channel"})))
            .into_response();
    }
    let reports = w.players.get(&channel).map_or(0, |r| r.reports) + 1;
    // Sizes are whole pixels; a page that sends nonsense gets 0, never a panic.
    let pixels = |k: &str| number(k).map_or(0, |x| x.clamp(0.0, 100_000.0) as u64);
    let report = PlayerReport {
        state: text("state").chars().take(32).collect(),
        current_time: number("current_time").unwrap_or(0.0),
        video_width: pixels("video_width"),
        video_height: pixels("video_height"),
        error: text("error").chars().take(500).collect(),
        reports,
    };
    w.players.insert(channel, report);
    StatusCode::NO_CONTENT.into_response()
}

/// `GET /_sim/player`: `{"players": {login: last report}}`.
async fn players(State(sim): State<Shared>) -> Response {
    axum::Json(json!({"players": sim.world().players})).into_response()
}

/// `GET /embed/player?channel=<login>`: the player. A live channel's stream plays muted through
/// MSE; an offline channel shows Twitch's offline screen. `#player[data-state]` says where it
/// is: `offline`, `loading`, `playing` or `error` (the error's name in `#status`).
async fn player(State(sim): State<Shared>, RawQuery(q): RawQuery) -> Response {
    let channel = channel_param(&q);
    let (name, title, live) = {
        let mut w = sim.world();
        *w.counters.embed_pages.entry(format!("player {channel}")).or_default() += 1;
        match w.user_by_login(&channel) {
            Some(u) => (u.display_name.clone(), u.title.clone(), u.live),
            None => (channel.clone(), String::new(), false),
        }
    };
    let (state, status) = if live { ("loading", "LIVE") } else { ("offline", "OFFLINE") };
    let line =
        if live { format!("{} is live", esc(&name)) } else { format!("{} is offline", esc(&name)) };
    Html(format!(
        r#"<!doctype html><html><head><meta charset="utf-8"><title>{name} — simulated player</title>
<style>html,body{{margin:0;height:100%;background:#000;color:#efeff1;font-family:sans-serif;overflow:hidden}}
#player{{position:relative;height:100%}}video{{position:absolute;inset:0;width:100%;height:100%;object-fit:contain;background:#000}}
.card{{position:absolute;inset:0;display:flex;flex-direction:column;align-items:center;justify-content:center;background:radial-gradient(circle,#26262c 0,#000 75%)}}
#player[data-state=playing] .card{{display:none}}
.n{{font-size:28px;font-weight:bold}}.t{{margin-top:8px;color:#adadb8;font-size:14px}}
#status{{position:absolute;top:10px;left:10px;padding:2px 6px;border-radius:4px;font-size:12px;font-weight:bold;letter-spacing:.05em;background:#53535f}}
#player[data-live=true] #status{{background:#eb0400}}
.bar{{position:absolute;bottom:0;left:0;right:0;height:34px;background:rgba(0,0,0,.6);display:flex;align-items:center;padding:0 12px;font-size:13px}}</style></head>
<body><div id="player" data-channel="{login}" data-live="{live}" data-state="{state}">
<video id="video" muted playsinline></video>
<div class="card"><div class="n" id="channel">{name}</div><div class="t" id="live">{line}</div><div class="t" id="title">{title}</div><div class="t" id="error"></div></div>
<span id="status">{status}</span>
<div class="bar">&#9654;&nbsp;&nbsp;twitch-sim · {login}</div></div>
<script>
"use strict";
const TYPE = {stream_type};
const player = document.getElementById("player");
const video = document.getElementById("video");
// Tells the simulator how playback goes (a test hook: see the module's doc), once a second
// while the stream loads and for its first seconds of play, and at an error; then it stops, so
// that a measurement of an idle window with a playing stream (tests/perf) is not the hook's.
const REPORT_UNTIL = 3;
function report() {{
  fetch("/_sim/player", {{ method: "POST", body: JSON.stringify({{
    channel: player.dataset.channel, state: player.dataset.state,
    current_time: video.currentTime, video_width: video.videoWidth,
    video_height: video.videoHeight, error: document.getElementById("error").textContent,
  }}) }}).catch(() => {{}});
}}
report();
const reporting = setInterval(() => {{
  const state = player.dataset.state;
  if (state !== "loading" && state !== "playing") return;
  report();
  if (video.currentTime >= REPORT_UNTIL) clearInterval(reporting);
}}, 1000);
function fail(name, detail) {{
  player.dataset.state = "error";
  document.getElementById("error").textContent = "Playback error: " + name + (detail ? " — " + detail : "");
  report();
}}
async function play() {{
  if (!window.MediaSource || !MediaSource.isTypeSupported(TYPE)) {{
    fail("NotSupportedError", "this browser cannot decode H.264/AAC");
    return;
  }}
  const ms = new MediaSource();
  video.src = URL.createObjectURL(ms);
  await new Promise((r) => ms.addEventListener("sourceopen", r, {{ once: true }}));
  const sb = ms.addSourceBuffer(TYPE);
  const data = await (await fetch("/_sim/media/stream.mp4")).arrayBuffer();
  let end = 0;
  const append = (offset) => new Promise((resolve, reject) => {{
    sb.addEventListener("updateend", resolve, {{ once: true }});
    sb.addEventListener("error", () => reject(new Error("append failed")), {{ once: true }});
    sb.timestampOffset = offset;
    sb.appendBuffer(data);
  }}).then(() => {{ end = sb.buffered.length ? sb.buffered.end(sb.buffered.length - 1) : end; }});
  await append(0);
  video.addEventListener("playing", () => {{ player.dataset.state = "playing"; }});
  video.addEventListener("error", () => fail("MediaError", String(video.error && video.error.code)));
  await video.play();
  // A live stream never ends: the same six seconds again, after what is buffered; what lies
  // well behind the playhead is let go.
  setInterval(() => {{
    if (sb.updating) return;
    if (end - video.currentTime < 3) append(end).catch((e) => fail("AppendError", e.message));
    else if (sb.buffered.length && video.currentTime - sb.buffered.start(0) > 20) sb.remove(0, video.currentTime - 10);
  }}, 1000);
}}
if (player.dataset.live === "true") play().catch((e) => fail(e.name || "Error", e.message));
</script></body></html>"#,
        name = esc(&name),
        login = esc(&channel),
        title = esc(&title),
        stream_type = json!(STREAM_TYPE),
    ))
    .into_response()
}

/// `GET /embed/chat?channel=<login>`: a chat column with a few lines, one with a link (opened in
/// a new window, as Twitch's chat does), then what was sent through Helix, which it asks
/// `/embed/chat/lines` for as it comes.
async fn chat(State(sim): State<Shared>, RawQuery(q): RawQuery) -> Response {
    let channel = channel_param(&q);
    let name = {
        let mut w = sim.world();
        *w.counters.embed_pages.entry(format!("chat {channel}")).or_default() += 1;
        w.user_by_login(&channel).map(|u| u.display_name.clone()).unwrap_or_else(|| channel.clone())
    };
    let lines = [
        ("SimViewer", "#2E8B57", "hi chat! 👋"),
        ("SimMod", "#00FF7F", "Welcome in, remember to be kind"),
        ("pogfrog", "#FF4500", "that skip was clean"),
        ("mothwing", "#1E90FF", "PB pace?"),
        ("quietfox", "#FF7F50", "GLHF!"),
    ];
    let mut items: String = lines
        .iter()
        .map(|(who, c, text)| {
            format!("<li><b style=\"color:{c}\">{}</b>: {}</li>", esc(who), esc(text))
        })
        .collect();
    // Twitch's chat turns URLs into links that open a new window.
    items.push_str(
        "<li><b style=\"color:#9146FF\">clipbot</b>: clip of that skip: <a id=\"clip-link\" \
         href=\"https://clips.twitch.tv/SimulatedSkipClip\" target=\"_blank\" \
         rel=\"noopener noreferrer\">https://clips.twitch.tv/SimulatedSkipClip</a></li>",
    );
    Html(format!(
        r#"<!doctype html><html><head><meta charset="utf-8"><title>{name} chat — simulated</title>
<style>html,body{{margin:0;height:100%;background:#18181b;color:#efeff1;font-family:sans-serif;font-size:13px}}
body{{display:flex;flex-direction:column}}
h1{{font-size:12px;text-transform:uppercase;letter-spacing:.1em;margin:0;padding:10px;border-bottom:1px solid #2f2f35;text-align:center}}
ul{{list-style:none;margin:0;padding:8px 10px;flex:1;overflow-y:auto}}li{{padding:4px 0;line-height:1.4;overflow-wrap:anywhere}}a{{color:#bf94ff}}
.in{{padding:8px;border-top:1px solid #2f2f35;color:#adadb8}}</style></head>
<body><h1 id="chat-title" data-channel="{login}">Stream chat · {name}</h1><ul id="chat">{items}</ul>
<div class="in">Simulated chat — read only here</div>
<script>
"use strict";
const list = document.getElementById("chat");
let after = 0;
async function follow() {{
  for (;;) {{
    try {{
      const r = await fetch("/embed/chat/lines?channel={login}&after=" + after);
      const lines = await r.json();
      for (const l of lines) {{
        after = Math.max(after, l.seq);
        const li = document.createElement("li");
        li.className = "sent";
        li.dataset.messageId = l.message_id;
        const b = document.createElement("b");
        b.style.color = l.color;
        b.textContent = l.sender_name;
        li.append(b, ": " + l.text);
        list.append(li);
        list.scrollTop = list.scrollHeight;
      }}
    }} catch (e) {{
      await new Promise((r) => setTimeout(r, 2000));
    }}
  }}
}}
follow();
</script></body></html>"#,
        name = esc(&name),
        login = esc(&channel),
    ))
    .into_response()
}

/// How long `/embed/chat/lines` holds a request while nothing new was sent (a long poll: the
/// chat page wakes only when there is a line to show, or this often).
const LINES_HOLD: std::time::Duration = std::time::Duration::from_secs(20);

/// `GET /embed/chat/lines?channel=<login>&after=<seq>`: the messages sent to the channel after
/// `seq`, as JSON; waits up to [`LINES_HOLD`] for one when there is none yet.
async fn chat_lines(State(sim): State<Shared>, RawQuery(q): RawQuery) -> Response {
    let channel = channel_param(&q);
    let p = parse_pairs(q.as_deref().unwrap_or(""));
    let after: u64 = first(&p, "after").and_then(|a| a.parse().ok()).unwrap_or(0);
    let deadline = tokio::time::Instant::now() + LINES_HOLD;
    let mut shutdown = sim.shutdown.clone();
    loop {
        let lines = {
            let w = sim.world();
            let id = w.user_by_login(&channel).map(|u| u.id.clone()).unwrap_or_default();
            w.chat.since(&id, after)
        };
        if !lines.is_empty() || tokio::time::Instant::now() >= deadline || *shutdown.borrow() {
            return axum::Json(lines).into_response();
        }
        tokio::select! {
            _ = tokio::time::sleep(std::time::Duration::from_millis(200)) => {}
            _ = shutdown.changed() => {}
        }
    }
}
