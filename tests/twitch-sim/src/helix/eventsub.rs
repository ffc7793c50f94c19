//! EventSub subscription management: create, list and delete (docs/twitch.md §1.6, §1.8, §2).

use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::{HelixError, authenticate, bad, page, paging, query};
use crate::catalog::{self, Auth};
use crate::world::{DELETED_KEPT, DeletedSubscription, Shared, Subscription, World, first, uuid};

/// The list answer's totals for one user (docs/twitch.md §1.8 "Get").
fn totals(w: &World, client_id: &str, user_id: &str) -> (usize, u32) {
    let total = w
        .subscriptions
        .iter()
        .filter(|s| s.client_id == client_id && s.user_id == user_id && listed(w, s))
        .count();
    let cost = w.user_enabled_subs(client_id, user_id).map(|s| s.cost).sum();
    (total, cost)
}

/// Disconnected WebSocket subscriptions are listed for an hour only (docs/twitch.md §1.4, from
/// twitch-cli's "Production EventSub only shows disabled WebSocket subscriptions that were
/// disabled under 1 hour ago").
fn listed(w: &World, s: &Subscription) -> bool {
    s.disconnected_at.is_none_or(|d| w.utc_now() - d < chrono::Duration::hours(1))
}

/// Counts an EventSub subscription request by the token that made it
/// (`counters.eventsub_calls_by_token`).
fn count_call(w: &mut World, method: &str, caller: &super::Caller) {
    *w.counters
        .eventsub_calls_by_token
        .entry(format!("{method} {}", caller.token_id))
        .or_default() += 1;
}

/// `POST /helix/eventsub/subscriptions` (docs/twitch.md §1.6, §1.8, §2).
pub(super) async fn create_sub(
    State(sim): State<Shared>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, HelixError> {
    let delay = sim.world().config.subscribe_delay_ms;
    if delay > 0 {
        tokio::time::sleep(std::time::Duration::from_millis(delay)).await;
    }
    let mut w = sim.world();
    let caller = authenticate(&w, &headers)?;
    count_call(&mut w, "POST", &caller);
    let body: Value = serde_json::from_slice(&body).map_err(|_| bad("Invalid JSON body"))?;
    let kind = body.get("type").and_then(Value::as_str).unwrap_or("");
    let version = body.get("version").and_then(Value::as_str).unwrap_or("");
    if kind.is_empty() || version.is_empty() {
        return Err(bad("type and version are required"));
    }
    if catalog::removed(kind, version) {
        return Err(HelixError::Gone(format!(
            "the {kind} version {version} subscription type has been removed"
        )));
    }
    let Some(spec) = catalog::find(kind, version) else {
        return Err(bad("The combination of values in the type and version fields is not valid"));
    };
    let transport = body.get("transport").cloned().unwrap_or(Value::Null);
    match transport.get("method").and_then(Value::as_str) {
        Some("websocket") => {}
        Some("webhook") | Some("conduit") => {
            return Err(bad("the simulator supports the websocket transport only"));
        }
        _ => return Err(bad("invalid transport method")),
    }
    // docs/twitch.md §1.8: WebSocket transport needs a user token.
    let Some(user_id) = caller.user_id.clone() else {
        return Err(HelixError::Unauthorized("invalid transport and auth combination".into()));
    };
    let Some(session_id) =
        transport.get("session_id").and_then(Value::as_str).filter(|s| !s.is_empty())
    else {
        return Err(bad("missing session_id for websocket transport"));
    };
    let session_id = session_id.to_string();
    let cond = body.get("condition").and_then(Value::as_object).cloned().unwrap_or_default();
    let condition =
        catalog::check_condition(spec, &cond, |id| w.user_by_id(id).is_some()).map_err(bad)?;
    let channel = catalog::channel_of(&Value::Object(condition.clone()));
    *w.counters.subscription_calls.entry(format!("POST {channel}")).or_default() += 1;
    // Authorization (docs/twitch.md §2): scoped types need the condition's user to be the caller.
    // A type may need several scope groups at once (`channel.moderate`, see `TypeSpec::also`).
    let scoped_ok = spec.scopes_ok(|s| caller.has_scope(s));
    let str_of = |k: &str| condition.get(k).and_then(Value::as_str).unwrap_or("").to_string();
    let authorized = match spec.auth {
        Auth::None => true,
        Auth::Broadcaster => str_of("broadcaster_user_id") == user_id && scoped_ok,
        Auth::SelfUser => str_of("user_id") == user_id && scoped_ok,
        Auth::Moderator => {
            let b = str_of("broadcaster_user_id");
            let m = str_of("moderator_user_id");
            let is_mod = w.user_by_id(&m).is_some_and(|u| u.moderates.contains(&b));
            m == user_id && (m == b || is_mod) && scoped_ok
        }
    };
    if !authorized {
        return Err(HelixError::Forbidden("subscription missing proper authorization".into()));
    }
    // Cost (docs/twitch.md §1.6): 0 when the condition's user authorized us (with the scope),
    // otherwise 1 for types that need no authorization.
    let cost = match spec.auth {
        Auth::None => {
            let own = [
                "broadcaster_user_id",
                "to_broadcaster_user_id",
                "from_broadcaster_user_id",
                "user_id",
            ]
            .iter()
            .any(|k| str_of(k) == user_id);
            u32::from(!own)
        }
        _ => 0,
    };
    let Some(session) = w.sessions.get(&session_id) else {
        return Err(bad("websocket transport session does not exist or has already disconnected"));
    };
    let connected_at = session.connected_at;
    // 409: same type+version+condition already enabled for this user (docs/twitch.md §1.6); on
    // this session only with `same_condition_on_other_sessions`, which caps them at three.
    let across = !w.config.same_condition_on_other_sessions;
    let same: Vec<&Subscription> = w
        .user_enabled_subs(&caller.client_id, &user_id)
        .filter(|s| {
            s.kind == spec.kind
                && s.version == spec.version
                && s.condition.as_object() == Some(&condition)
        })
        .collect();
    if let Some(existing) = same.iter().find(|s| across || s.session_id == session_id) {
        return Err(HelixError::Conflict(existing.id.clone()));
    }
    let same_elsewhere = same.len();
    // 300 enabled per connection (docs/twitch.md §1.6).
    let on_session =
        w.subscriptions.iter().filter(|s| s.enabled() && s.session_id == session_id).count();
    if on_session >= 300 {
        return Err(bad(
            "You may only create 300 subscriptions within a single WebSocket connection",
        ));
    }
    // 3 transports with enabled subscriptions per user (docs/twitch.md §1.6).
    let mut transports: Vec<&str> =
        w.user_enabled_subs(&caller.client_id, &user_id).map(|s| s.session_id.as_str()).collect();
    transports.sort_unstable();
    transports.dedup();
    if !transports.contains(&session_id.as_str()) && transports.len() >= 3 {
        return Err(HelixError::TooManyRequests(
            "number of websocket transports limit exceeded".into(),
        ));
    }
    if same_elsewhere >= 3 {
        return Err(HelixError::TooManyRequests(
            "maximum subscriptions with type and condition exceeded".into(),
        ));
    }
    // max_total_cost (docs/twitch.md §1.6; the error names the cost limit).
    let (_, total_cost) = totals(&w, &caller.client_id, &user_id);
    let max_total_cost = w.config.max_total_cost;
    if total_cost + cost > max_total_cost {
        return Err(HelixError::TooManyRequests(format!(
            "subscription would exceed max_total_cost of {max_total_cost} (total_cost is {total_cost}, this subscription costs {cost})"
        )));
    }
    let sub = Subscription {
        id: uuid(),
        status: "enabled".into(),
        kind: spec.kind.into(),
        version: spec.version.into(),
        condition: Value::Object(condition),
        created_at: w.utc_now(),
        session_id: session_id.clone(),
        listed_session_id: session_id.clone(),
        connected_at,
        disconnected_at: None,
        cost,
        client_id: caller.client_id.clone(),
        user_id: user_id.clone(),
        token_id: caller.token_id,
    };
    let data = sub.to_json();
    w.note(
        "subscription",
        format!("{} created: {} {} on {}", sub.id, sub.kind, sub.condition, sub.session_id),
    );
    w.subscriptions.push(sub);
    if let Some(s) = w.sessions.get_mut(&session_id) {
        s.ever_subscribed = true;
    }
    let (total, total_cost) = totals(&w, &caller.client_id, &user_id);
    let body = json!({"data": [data], "total": total, "total_cost": total_cost, "max_total_cost": w.config.max_total_cost});
    Ok((StatusCode::ACCEPTED, axum::Json(body)).into_response())
}

/// `GET /helix/eventsub/subscriptions` (docs/twitch.md §1.8 "Get"): the caller's own, one filter.
pub(super) async fn list_subs(
    State(sim): State<Shared>,
    headers: HeaderMap,
    RawQuery(q): RawQuery,
) -> Result<Response, HelixError> {
    let mut w = sim.world();
    let caller = authenticate(&w, &headers)?;
    count_call(&mut w, "GET", &caller);
    let Some(user_id) = caller.user_id.clone() else {
        return Err(HelixError::Unauthorized("invalid transport and auth combination".into()));
    };
    let p = query(&q);
    let filters: Vec<&str> =
        ["status", "type", "user_id"].into_iter().filter(|k| first(&p, k).is_some()).collect();
    if filters.len() > 1 {
        return Err(bad("only one of status, type or user_id may be specified"));
    }
    if let Some(st) = first(&p, "status")
        && !catalog::STATUSES.contains(&st)
    {
        return Err(bad("invalid status"));
    }
    if let Some(t) = first(&p, "type")
        && !catalog::known_type(t)
    {
        return Err(bad("invalid type"));
    }
    let (offset, size) = paging(&w, &p, 100)?;
    let items: Vec<Value> = w
        .subscriptions
        .iter()
        .filter(|s| s.client_id == caller.client_id && s.user_id == user_id && listed(&w, s))
        .filter(|s| first(&p, "status").is_none_or(|v| v == s.status))
        .filter(|s| first(&p, "type").is_none_or(|v| v == s.kind))
        .filter(|s| {
            first(&p, "user_id").is_none_or(|v| {
                s.condition.as_object().is_some_and(|c| c.values().any(|x| x.as_str() == Some(v)))
            })
        })
        .map(Subscription::to_json)
        .collect();
    let (total, total_cost) = totals(&w, &caller.client_id, &user_id);
    let (data, pagination) = page(items, offset, size);
    let body = json!({
        "data": data,
        "total": total,
        "total_cost": total_cost,
        "max_total_cost": w.config.max_total_cost,
        "pagination": pagination,
    });
    Ok(axum::Json(body).into_response())
}

/// `DELETE /helix/eventsub/subscriptions?id=` (docs/twitch.md §1.8 "Delete"): 204/400/401/404.
pub(super) async fn delete_sub(
    State(sim): State<Shared>,
    headers: HeaderMap,
    RawQuery(q): RawQuery,
) -> Result<Response, HelixError> {
    let mut w = sim.world();
    let caller = authenticate(&w, &headers)?;
    count_call(&mut w, "DELETE", &caller);
    let Some(user_id) = caller.user_id.clone() else {
        return Err(HelixError::Unauthorized("invalid transport and auth combination".into()));
    };
    let p = query(&q);
    let Some(id) = first(&p, "id").filter(|s| !s.is_empty()) else {
        return Err(bad("Missing required parameter \"id\""));
    };
    let Some(at) = w
        .subscriptions
        .iter()
        .position(|s| s.id == id && s.client_id == caller.client_id && s.user_id == user_id)
    else {
        return Err(HelixError::NotFound("subscription not found".into()));
    };
    let gone = w.subscriptions.remove(at);
    let channel = catalog::channel_of(&gone.condition);
    *w.counters.subscription_calls.entry(format!("DELETE {channel}")).or_default() += 1;
    // A user token deletes any of the user's subscriptions of its Client ID, whichever session
    // they are on (https://dev.twitch.tv/docs/api/reference/#delete-eventsub-subscription): what
    // it deleted, and from whom, is kept for tests.
    if w.deleted_subscriptions.len() == DELETED_KEPT {
        w.deleted_subscriptions.pop_front();
    }
    let deleted = DeletedSubscription {
        id: gone.id.clone(),
        kind: gone.kind.clone(),
        channel,
        session_live: w.sessions.contains_key(&gone.session_id),
        session_id: gone.session_id,
        status: gone.status,
        token_id: gone.token_id,
        deleted_by_token_id: caller.token_id,
    };
    w.deleted_subscriptions.push_back(deleted);
    w.note("subscription", format!("{id} deleted"));
    Ok(StatusCode::NO_CONTENT.into_response())
}
