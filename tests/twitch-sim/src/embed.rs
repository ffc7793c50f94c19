//! Offline stand-ins for Twitch's player and chat pages (docs/twitch.md §5), plus generated
//! avatars and stream thumbnails. No external resources: everything is inline.

use axum::Router;
use axum::extract::{Path, RawQuery, State};
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;

use crate::world::{Shared, first, parse_pairs};

/// Routes of this module.
pub fn routes() -> Router<Shared> {
    Router::new()
        .route("/embed/player", get(player))
        .route("/embed/chat", get(chat))
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

/// `GET /embed/player?channel=<login>`: a dark player frame naming the channel.
async fn player(State(sim): State<Shared>, RawQuery(q): RawQuery) -> Response {
    let channel = channel_param(&q);
    let (name, title, live) = {
        let w = sim.world();
        match w.user_by_login(&channel) {
            Some(u) => (u.display_name.clone(), u.title.clone(), u.live),
            None => (channel.clone(), String::new(), false),
        }
    };
    // The pinned status text says OFFLINE either way: there is no video here. Whether the
    // simulated channel is live is a separate line.
    let live_line =
        if live { "The channel is live on the simulated Twitch" } else { "The channel is offline" };
    Html(format!(
        r#"<!doctype html><html><head><meta charset="utf-8"><title>{name} — simulated player</title>
<style>html,body{{margin:0;height:100%;background:#000;color:#efeff1;font-family:sans-serif}}
.p{{height:100%;display:flex;flex-direction:column;align-items:center;justify-content:center;background:radial-gradient(circle,#26262c 0,#000 75%)}}
.n{{font-size:28px;font-weight:bold}}.s{{margin-top:10px;color:#adadb8;letter-spacing:.1em}}.t{{margin-top:6px;color:#adadb8;font-size:14px}}
.bar{{position:fixed;bottom:0;left:0;right:0;height:34px;background:rgba(0,0,0,.7);display:flex;align-items:center;padding:0 12px;font-size:13px}}</style></head>
<body><div class="p" id="player" data-channel="{login}"><div class="n" id="channel">{name}</div>
<div class="s" id="status">OFFLINE — simulated player</div><div class="t" id="live">{live_line}</div><div class="t" id="title">{title}</div></div>
<div class="bar">&#9654;&nbsp;&nbsp;twitch-sim · {login}</div></body></html>"#,
        name = esc(&name),
        login = esc(&channel),
        title = esc(&title),
    ))
    .into_response()
}

/// `GET /embed/chat?channel=<login>`: a chat column with a few fake lines.
async fn chat(State(sim): State<Shared>, RawQuery(q): RawQuery) -> Response {
    let channel = channel_param(&q);
    let name = sim
        .world()
        .user_by_login(&channel)
        .map(|u| u.display_name.clone())
        .unwrap_or_else(|| channel.clone());
    let lines = [
        ("SimViewer", "#2E8B57", "hi chat! 👋"),
        ("SimMod", "#00FF7F", "Welcome in, remember to be kind"),
        ("pogfrog", "#FF4500", "that skip was clean"),
        ("mothwing", "#1E90FF", "PB pace?"),
        ("quietfox", "#FF7F50", "GLHF!"),
    ];
    let items: String = lines
        .iter()
        .map(|(who, c, text)| {
            format!("<li><b style=\"color:{c}\">{}</b>: {}</li>", esc(who), esc(text))
        })
        .collect();
    Html(format!(
        r#"<!doctype html><html><head><meta charset="utf-8"><title>{name} chat — simulated</title>
<style>html,body{{margin:0;height:100%;background:#18181b;color:#efeff1;font-family:sans-serif;font-size:13px}}
h1{{font-size:12px;text-transform:uppercase;letter-spacing:.1em;margin:0;padding:10px;border-bottom:1px solid #2f2f35;text-align:center}}
ul{{list-style:none;margin:0;padding:8px 10px}}li{{padding:4px 0;line-height:1.4}}
.in{{position:fixed;bottom:0;left:0;right:0;padding:8px;border-top:1px solid #2f2f35;color:#adadb8}}</style></head>
<body><h1 id="chat-title" data-channel="{login}">Stream chat · {name}</h1><ul id="chat">{items}</ul>
<div class="in">Simulated chat — read only</div></body></html>"#,
        name = esc(&name),
        login = esc(&channel),
    ))
    .into_response()
}
