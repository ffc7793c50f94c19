//! Users, streams, search, channels, follows and moderated channels (docs/twitch.md §4).

use axum::extract::{RawQuery, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::{HelixError, all, authenticate, bad, page, paging, query, secs};
use crate::world::{Shared, User, World, first};

fn stream_json(w: &World, u: &User) -> Value {
    json!({
        "id": u.stream_id,
        "user_id": u.id,
        "user_login": u.login,
        "user_name": u.display_name,
        "game_id": u.category_id,
        "game_name": u.category,
        "type": "live",
        "title": u.title,
        "tags": u.tags,
        "viewer_count": u.viewer_count,
        "started_at": secs(u.started_at),
        "language": u.language,
        "thumbnail_url": format!("{}/_sim/thumbnail/live_user_{}-{{width}}x{{height}}.svg", w.base_url, u.login),
        "tag_ids": [],
        "is_mature": false,
    })
}

/// `GET /helix/users` (docs/twitch.md §4).
pub(super) async fn users(
    State(sim): State<Shared>,
    headers: HeaderMap,
    RawQuery(q): RawQuery,
) -> Result<Response, HelixError> {
    let w = sim.world();
    let caller = authenticate(&w, &headers)?;
    let p = query(&q);
    let ids = all(&p, "id");
    let logins = all(&p, "login");
    if ids.len() + logins.len() > 100 {
        return Err(bad("The sum of id and login parameters must not exceed 100"));
    }
    let data: Vec<Value> = if ids.is_empty() && logins.is_empty() {
        let Some(uid) = caller.user_id.as_deref() else {
            return Err(bad("Must provide an ID, Login or OAuth Token"));
        };
        w.user_by_id(uid).map(|u| w.user_json(u)).into_iter().collect()
    } else {
        w.users
            .iter()
            .filter(|u| {
                ids.contains(&u.id.as_str())
                    || logins.iter().any(|l| l.eq_ignore_ascii_case(&u.login))
            })
            .map(|u| w.user_json(u))
            .collect()
    };
    Ok(axum::Json(json!({"data": data})).into_response())
}

/// `GET /helix/streams`: live channels only; empty `data` when offline (docs/twitch.md §4).
pub(super) async fn streams(
    State(sim): State<Shared>,
    headers: HeaderMap,
    RawQuery(q): RawQuery,
) -> Result<Response, HelixError> {
    let w = sim.world();
    authenticate(&w, &headers)?;
    let p = query(&q);
    let ids = all(&p, "user_id");
    let logins = all(&p, "user_login");
    let games = all(&p, "game_id");
    if ids.len() + logins.len() > 100 {
        return Err(bad("The sum of user_id and user_login parameters must not exceed 100"));
    }
    if games.len() > 10 {
        return Err(bad("game_id may be given at most 10 times"));
    }
    let (offset, size) = paging(&w, &p, 20)?;
    let mut live: Vec<&User> = w
        .users
        .iter()
        .filter(|u| u.live)
        .filter(|u| {
            (ids.is_empty() && logins.is_empty())
                || ids.contains(&u.id.as_str())
                || logins.iter().any(|l| l.eq_ignore_ascii_case(&u.login))
        })
        .filter(|u| games.is_empty() || games.contains(&u.category_id.as_str()))
        .filter(|u| first(&p, "language").is_none_or(|l| l == u.language))
        .collect();
    live.sort_by_key(|u| std::cmp::Reverse(u.viewer_count));
    let items = live.into_iter().map(|u| stream_json(&w, u)).collect();
    let (data, pagination) = page(items, offset, size);
    Ok(axum::Json(json!({"data": data, "pagination": pagination})).into_response())
}

/// `GET /helix/streams/followed` (docs/twitch.md §4): needs `user:read:follows`; the live follows
/// only, "in descending order by the number of viewers watching the stream"
/// (https://dev.twitch.tv/docs/api/reference/#get-followed-streams).
pub(super) async fn streams_followed(
    State(sim): State<Shared>,
    headers: HeaderMap,
    RawQuery(q): RawQuery,
) -> Result<Response, HelixError> {
    let w = sim.world();
    let caller = authenticate(&w, &headers)?;
    let uid = caller.user()?.to_string();
    if !caller.has_scope("user:read:follows") {
        return Err(HelixError::Unauthorized("Missing scope: user:read:follows".into()));
    }
    let p = query(&q);
    match first(&p, "user_id") {
        None => return Err(bad("Missing required parameter \"user_id\"")),
        Some(u) if u != uid => {
            return Err(bad(
                "The ID in user_id must match the user ID found in the request's OAuth token.",
            ));
        }
        _ => {}
    }
    let (offset, size) = paging(&w, &p, 100)?;
    let me = w.user_by_id(&uid);
    let mut live: Vec<&User> = me
        .map(|m| m.follows.iter().filter_map(|(b, _)| w.user_by_id(b)).filter(|u| u.live).collect())
        .unwrap_or_default();
    live.sort_by_key(|u| std::cmp::Reverse(u.viewer_count));
    let items = live.into_iter().map(|u| stream_json(&w, u)).collect();
    let (data, pagination) = page(items, offset, size);
    Ok(axum::Json(json!({"data": data, "pagination": pagination})).into_response())
}

/// `GET /helix/search/channels` (docs/twitch.md §4): name match, live first.
pub(super) async fn search_channels(
    State(sim): State<Shared>,
    headers: HeaderMap,
    RawQuery(q): RawQuery,
) -> Result<Response, HelixError> {
    let w = sim.world();
    authenticate(&w, &headers)?;
    let p = query(&q);
    let Some(needle) = first(&p, "query").map(str::to_lowercase).filter(|s| !s.trim().is_empty())
    else {
        return Err(bad("Missing required parameter \"query\""));
    };
    let live_only = first(&p, "live_only") == Some("true");
    let (offset, size) = paging(&w, &p, 20)?;
    let mut hits: Vec<(u8, &User)> = w
        .users
        .iter()
        .filter(|u| !live_only || u.live)
        .filter_map(|u| {
            let login = u.login.to_lowercase();
            let display = u.display_name.to_lowercase();
            let rank = if login == needle || display == needle {
                0
            } else if login.starts_with(&needle) || display.starts_with(&needle) {
                1
            } else if login.contains(&needle) || display.contains(&needle) {
                2
            } else if u.category.to_lowercase().contains(&needle) {
                3
            } else {
                return None;
            };
            Some((rank, u))
        })
        .collect();
    hits.sort_by(|a, b| a.0.cmp(&b.0).then(b.1.live.cmp(&a.1.live)));
    let items = hits
        .into_iter()
        .map(|(_, u)| {
            json!({
                "broadcaster_language": u.language,
                "broadcaster_login": u.login,
                "display_name": u.display_name,
                "game_id": u.category_id,
                "game_name": u.category,
                "id": u.id,
                "is_live": u.live,
                "tag_ids": [],
                "tags": u.tags,
                "thumbnail_url": w.avatar_url(&u.login),
                "title": u.title,
                "started_at": if u.live { secs(u.started_at) } else { String::new() },
            })
        })
        .collect();
    let (data, pagination) = page(items, offset, size);
    Ok(axum::Json(json!({"data": data, "pagination": pagination})).into_response())
}

/// `GET /helix/channels?broadcaster_id=` (docs/twitch.md §4).
pub(super) async fn channels(
    State(sim): State<Shared>,
    headers: HeaderMap,
    RawQuery(q): RawQuery,
) -> Result<Response, HelixError> {
    let w = sim.world();
    authenticate(&w, &headers)?;
    let p = query(&q);
    let ids = all(&p, "broadcaster_id");
    if ids.is_empty() {
        return Err(bad("Missing required parameter \"broadcaster_id\""));
    }
    if ids.len() > 100 {
        return Err(bad("broadcaster_id may be given at most 100 times"));
    }
    let data: Vec<Value> = w
        .users
        .iter()
        .filter(|u| ids.contains(&u.id.as_str()))
        .map(|u| {
            json!({
                "broadcaster_id": u.id,
                "broadcaster_login": u.login,
                "broadcaster_name": u.display_name,
                "broadcaster_language": u.language,
                "game_id": u.category_id,
                "game_name": u.category,
                "title": u.title,
                "delay": 0,
                "tags": u.tags,
                "content_classification_labels": [],
                "is_branded_content": false,
            })
        })
        .collect();
    Ok(axum::Json(json!({"data": data})).into_response())
}

/// `GET /helix/channels/followed` (docs/twitch.md §4): user token with `user:read:follows`,
/// `user_id` must be the token's user.
pub(super) async fn channels_followed(
    State(sim): State<Shared>,
    headers: HeaderMap,
    RawQuery(q): RawQuery,
) -> Result<Response, HelixError> {
    let w = sim.world();
    let caller = authenticate(&w, &headers)?;
    let uid = caller.user()?.to_string();
    if !caller.has_scope("user:read:follows") {
        return Err(HelixError::Unauthorized("Missing scope: user:read:follows".into()));
    }
    let p = query(&q);
    match first(&p, "user_id") {
        None => return Err(bad("Missing required parameter \"user_id\"")),
        Some(u) if u != uid => {
            return Err(bad(
                "The ID in user_id must match the user ID found in the request's OAuth token.",
            ));
        }
        _ => {}
    }
    let (offset, size) = paging(&w, &p, 20)?;
    let only = first(&p, "broadcaster_id");
    let items: Vec<Value> = w
        .user_by_id(&uid)
        .map(|me| {
            let mut f: Vec<_> =
                me.follows.iter().filter(|(b, _)| only.is_none_or(|o| o == b)).collect();
            // Newest follow first, as Twitch lists them.
            f.sort_by_key(|x| std::cmp::Reverse(x.1));
            f.into_iter()
                .filter_map(|(b, at)| {
                    let u = w.user_by_id(b)?;
                    Some(json!({
                        "broadcaster_id": u.id,
                        "broadcaster_login": u.login,
                        "broadcaster_name": u.display_name,
                        "followed_at": secs(*at),
                    }))
                })
                .collect()
        })
        .unwrap_or_default();
    let total = items.len();
    let (data, pagination) = page(items, offset, size);
    Ok(axum::Json(json!({"total": total, "data": data, "pagination": pagination})).into_response())
}

/// `GET /helix/moderation/channels`: the channels the token user moderates. Not in
/// docs/twitch.md; shape from Twitch's reference,
/// https://dev.twitch.tv/docs/api/reference#get-moderated-channels (as twitch_api models it):
/// `user_id` must be the token's user, scope `user:read:moderated_channels`, `first` ≤ 100,
/// `after` cursor; each item `broadcaster_id`, `broadcaster_login`, `broadcaster_name`. The
/// simulator's `moderates` lists (README "sim_mod moderates lumenforge") are the source.
pub(super) async fn moderated_channels(
    State(sim): State<Shared>,
    headers: HeaderMap,
    RawQuery(q): RawQuery,
) -> Result<Response, HelixError> {
    let w = sim.world();
    let caller = authenticate(&w, &headers)?;
    let uid = caller.user()?.to_string();
    if !caller.has_scope("user:read:moderated_channels") {
        return Err(HelixError::Unauthorized("Missing scope: user:read:moderated_channels".into()));
    }
    let p = query(&q);
    match first(&p, "user_id") {
        None => return Err(bad("Missing required parameter \"user_id\"")),
        Some(u) if u != uid => {
            return Err(bad(
                "The ID in user_id must match the user ID found in the request's OAuth token.",
            ));
        }
        _ => {}
    }
    let (offset, size) = paging(&w, &p, 20)?;
    let items: Vec<Value> = w
        .user_by_id(&uid)
        .map(|me| {
            me.moderates
                .iter()
                .filter_map(|b| {
                    let u = w.user_by_id(b)?;
                    Some(json!({
                        "broadcaster_id": u.id,
                        "broadcaster_login": u.login,
                        "broadcaster_name": u.display_name,
                    }))
                })
                .collect()
        })
        .unwrap_or_default();
    let (data, pagination) = page(items, offset, size);
    Ok(axum::Json(json!({"data": data, "pagination": pagination})).into_response())
}
