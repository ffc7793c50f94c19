//! A moderator's view of the channel: what moderators did (`channel.moderate`, and
//! `channel.ban`/`.unban` told once with it), AutoMod's held messages and their resolution,
//! suspicious users, warnings, unban requests and Shield Mode
//! (<https://dev.twitch.tv/docs/eventsub/eventsub-subscription-types/>). Each is a row whose
//! actor is the person who acted: the moderator, the author of a held message, the suspicious
//! user for their message, the banned user for their request.

use super::{Outcome, actor, chan, opt_actor, row};
use crate::eventsub::protocol::{
    AutomodMessage, Ban, ChannelModerate, Metadata, ShieldMode, SuspiciousUserMessage,
    SuspiciousUserUpdate, UnbanRequest, UserModAction, Warning,
};
use crate::feed::link::Source;
use crate::feed::text::{count, name, words};
use crate::feed::{Actor, Details, EventKind};
use chrono::{DateTime, Utc};

/// The actions `channel.ban`/`channel.unban` also tell, so they are linked with them (one row
/// for one action, whichever arrives first, `link.rs`); the others are rows as they come.
/// Likewise the answers to unban requests with `channel.unban_request.resolve`. (A `warn` is
/// told again by `channel.warning.send`, which the planner leaves out where `channel.moderate`
/// v2 is subscribed: it adds nothing to it.)
const TOLD_TWICE: &[&str] =
    &["ban", "timeout", "unban", "untimeout", "approve_unban_request", "deny_unban_request"];

/// `channel.moderate` v1/v2: one moderator action.
pub(super) fn moderate(meta: &Metadata, e: &ChannelModerate) -> Outcome {
    let m = actor(&e.moderator_user_id, &e.moderator_user_login, &e.moderator_user_name);
    let d = e.detail();
    let target = d.and_then(|d| opt_actor(false, &d.user_id, &d.user_login, &d.user_name));
    let source = e
        .source_broadcaster_user_login
        .as_deref()
        .filter(|s| {
            !s.is_empty() && e.source_broadcaster_user_id.as_deref() != Some(&e.broadcaster_user_id)
        })
        .map(str::to_owned);
    let reason = d.and_then(|d| d.reason.clone()).filter(|r| !r.trim().is_empty());
    let action = e.action.as_str();
    let base = action.strip_prefix("shared_chat_").unwrap_or(action);
    let duration_seconds = match base {
        // The object names only the end; Twitch sends the notification as the timeout starts,
        // so the length is measured from the frame's time (an end already past says none).
        "timeout" => d
            .and_then(|d| d.expires_at)
            .map(|end| seconds_between(meta.message_timestamp, end))
            .filter(|s| *s > 0),
        "slow" => d.and_then(|d| d.wait_time_seconds),
        "followers" => d.and_then(|d| d.follow_duration_minutes).map(|m| m.saturating_mul(60)),
        _ => None,
    };
    let message = match base {
        "delete" => d.and_then(|d| d.message_body.clone()),
        "add_blocked_term"
        | "add_permitted_term"
        | "remove_blocked_term"
        | "remove_permitted_term" => {
            d.and_then(|d| d.terms.as_ref()).map(|t| quoted_list(t)).filter(|t| !t.is_empty())
        }
        "approve_unban_request" | "deny_unban_request" => {
            d.and_then(|d| d.moderator_message.clone()).filter(|t| !t.is_empty())
        }
        _ => None,
    };
    let viewers = d.and_then(|d| d.viewer_count);
    let details = Details::ModAction {
        action: e.action.clone(),
        target,
        reason,
        duration_seconds,
        message,
        source_channel: source,
    };
    let linked = TOLD_TWICE.contains(&action).then_some(Source::ChannelModerate);
    let channel = (e.broadcaster_user_id.as_str(), e.broadcaster_user_login.as_str());
    mod_row(meta, channel, None, m, details, viewers, linked)
}

/// A `mod_action` row of `m`'s action, its summary made from `details`; linked as coming from
/// `linked` when the action is one two types tell, else shown as it is.
fn mod_row(
    meta: &Metadata,
    channel: (&str, &str),
    at: Option<DateTime<Utc>>,
    m: Option<Actor>,
    details: Details,
    viewers: Option<u64>,
    linked: Option<Source>,
) -> Outcome {
    let summary = mod_summary(m.as_ref(), &details, viewers);
    let r = row(meta, channel, EventKind::ModAction, at, m, summary, details);
    match linked {
        Some(source) => Outcome::Linked { row: r, source, amount: 0 },
        None => Outcome::Row(r),
    }
}

/// `channel.ban`: a ban or a timeout, linked with `channel.moderate`'s telling of it.
pub(super) fn ban(meta: &Metadata, e: &Ban) -> Outcome {
    let m = actor(&e.moderator_user_id, &e.moderator_user_login, &e.moderator_user_name);
    let target = actor(&e.user_id, &e.user_login, &e.user_name);
    let (action, duration_seconds) = match (e.is_permanent, e.banned_at, e.ends_at) {
        (false, Some(from), Some(to)) => ("timeout", Some(seconds_between(from, to))),
        (false, _, Some(to)) => ("timeout", Some(seconds_between(meta.message_timestamp, to))),
        (false, _, None) => ("timeout", None),
        (true, ..) => ("ban", None),
    };
    let details = Details::ModAction {
        action: action.to_owned(),
        target,
        reason: Some(e.reason.clone()).filter(|r| !r.trim().is_empty()),
        duration_seconds,
        message: None,
        source_channel: None,
    };
    let channel = (e.broadcaster_user_id.as_str(), e.broadcaster_user_login.as_str());
    mod_row(meta, channel, e.banned_at, m, details, None, Some(Source::EventSub))
}

/// `channel.unban`, linked with `channel.moderate`'s telling of it.
pub(super) fn unban(meta: &Metadata, e: &UserModAction) -> Outcome {
    let m = opt_actor(false, &e.moderator_user_id, &e.moderator_user_login, &e.moderator_user_name);
    let details = Details::ModAction {
        action: "unban".to_owned(),
        target: actor(&e.user_id, &e.user_login, &e.user_name),
        reason: None,
        duration_seconds: None,
        message: None,
        source_channel: None,
    };
    let channel = (e.broadcaster_user_id.as_str(), e.broadcaster_user_login.as_str());
    mod_row(meta, channel, None, m, details, None, Some(Source::EventSub))
}

/// A moderator action in words: "Mod timed out User for 10 minutes: reason".
fn mod_summary(m: Option<&Actor>, details: &Details, viewers: Option<u64>) -> String {
    let Details::ModAction { action, target, reason, duration_seconds, message, source_channel } =
        details
    else {
        return String::new();
    };
    let who = name(m, "A moderator");
    let user = name(target.as_ref(), "someone");
    let base = action.strip_prefix("shared_chat_").unwrap_or(action);
    let mode = |on: bool, what: &str| {
        let extra = match duration_seconds {
            Some(s) if on => format!(" ({})", duration(*s)),
            _ => String::new(),
        };
        format!("{who} turned {} {what}{extra}", if on { "on" } else { "off" })
    };
    let text = |t: &Option<String>| t.as_deref().map(|t| format!(": “{t}”")).unwrap_or_default();
    let mut s = match base {
        "ban" => format!("{who} banned {user}"),
        "timeout" => match duration_seconds {
            Some(d) => format!("{who} timed out {user} for {}", duration(*d)),
            None => format!("{who} timed out {user}"),
        },
        "unban" => format!("{who} unbanned {user}"),
        "untimeout" => format!("{who} lifted {user}'s timeout"),
        "delete" => format!("{who} deleted a message by {user}{}", text(message)),
        "clear" => format!("{who} cleared the chat"),
        "emoteonly" => mode(true, "emote-only mode"),
        "emoteonlyoff" => mode(false, "emote-only mode"),
        "followers" => mode(true, "followers-only mode"),
        "followersoff" => mode(false, "followers-only mode"),
        "slow" => mode(true, "slow mode"),
        "slowoff" => mode(false, "slow mode"),
        "subscribers" => mode(true, "subscriber-only mode"),
        "subscribersoff" => mode(false, "subscriber-only mode"),
        "uniquechat" => mode(true, "unique-chat mode"),
        "uniquechatoff" => mode(false, "unique-chat mode"),
        "vip" => format!("{who} made {user} a VIP"),
        "unvip" => format!("{who} removed {user} as a VIP"),
        "mod" => format!("{who} made {user} a moderator"),
        "unmod" => format!("{who} removed {user} as a moderator"),
        "raid" => match viewers {
            Some(v) => {
                format!("{who} started a raid on {user} ({})", count(v, "viewer", "viewers"))
            }
            None => format!("{who} started a raid on {user}"),
        },
        "unraid" => format!("{who} canceled the raid on {user}"),
        "warn" => format!("{who} warned {user}"),
        "add_blocked_term" => format!("{who} blocked the terms {}", terms(message)),
        "remove_blocked_term" => format!("{who} unblocked the terms {}", terms(message)),
        "add_permitted_term" => format!("{who} permitted the terms {}", terms(message)),
        "remove_permitted_term" => format!("{who} stopped permitting the terms {}", terms(message)),
        "approve_unban_request" => format!("{who} approved {user}'s unban request"),
        "deny_unban_request" => format!("{who} denied {user}'s unban request"),
        other if target.is_some() => format!("{who}: {} {user}", words(other)),
        other => format!("{who}: {}", words(other)),
    };
    if let Some(src) = source_channel.as_deref().filter(|_| base != action) {
        s.push_str(&format!(" in {src}'s chat (shared chat)"));
    }
    if let Some(r) = reason {
        s.push_str(&format!(": {r}"));
    } else if matches!(base, "approve_unban_request" | "deny_unban_request") {
        s.push_str(&text(message));
    }
    s
}

/// The terms of an AutoMod terms action, or a placeholder.
fn terms(message: &Option<String>) -> &str {
    message.as_deref().unwrap_or("(none named)")
}

/// `“a”, “b”`.
fn quoted_list(items: &[String]) -> String {
    items.iter().map(|t| format!("“{t}”")).collect::<Vec<_>>().join(", ")
}

/// Whole seconds from `from` to `to` (rounded; 0 when `to` is earlier).
fn seconds_between(from: DateTime<Utc>, to: DateTime<Utc>) -> u64 {
    let ms = (to - from).num_milliseconds().max(0);
    u64::try_from((ms + 500) / 1000).unwrap_or_default()
}

/// A length a moderator reads at a glance: `30 seconds`, `10 minutes`, `2 hours`, `1 day`
/// (rounded to the minute beyond one minute, to the hour beyond a day).
fn duration(secs: u64) -> String {
    const MIN: u64 = 60;
    const HOUR: u64 = 60 * MIN;
    const DAY: u64 = 24 * HOUR;
    if secs < MIN {
        return count(secs, "second", "seconds");
    }
    let mins = (secs + MIN / 2) / MIN;
    if mins < 60 {
        return count(mins, "minute", "minutes");
    }
    if secs < DAY {
        if mins.is_multiple_of(60) {
            return count(mins / 60, "hour", "hours");
        }
        return count(mins, "minute", "minutes");
    }
    let hours = (secs + HOUR / 2) / HOUR;
    if hours.is_multiple_of(24) {
        count(hours / 24, "day", "days")
    } else {
        count(hours, "hour", "hours")
    }
}

/// Why AutoMod held a message, in words: "swearing, level 4", "blocked terms “foo”, “bar”".
fn held_why(e: &AutomodMessage) -> String {
    let terms = e.blocked_terms();
    if let Some((category, level)) = e.category_level() {
        format!("{}, level {level}", words(category))
    } else if !terms.is_empty() {
        format!(
            "blocked {} {}",
            if terms.len() == 1 { "term" } else { "terms" },
            quoted_list(&terms)
        )
    } else if e.reason.as_deref() == Some("blocked_term") {
        "a blocked term".to_owned()
    } else {
        "AutoMod".to_owned()
    }
}

/// The details of a held message, its hold and its resolution alike.
fn automod_details(e: &AutomodMessage, status: Option<String>, author: Option<Actor>) -> Details {
    let cl = e.category_level();
    let reason = match e.reason.as_deref() {
        Some(r) if !r.is_empty() => r.to_owned(),
        _ if e.blocked_term.is_some() => "blocked_term".to_owned(),
        _ => "automod".to_owned(),
    };
    Details::Automod {
        message_id: e.message_id.clone(),
        text: e.message.text.clone(),
        reason,
        category: cl.map(|(c, _)| c.to_owned()),
        level: cl.map(|(_, l)| l),
        blocked_terms: e.blocked_terms(),
        status,
        author,
    }
}

/// `automod.message.hold` v1/v2: the author's message, held; the actor is the author.
pub(super) fn automod_hold(meta: &Metadata, e: &AutomodMessage) -> Outcome {
    let a = actor(&e.user_id, &e.user_login, &e.user_name);
    let summary = format!(
        "AutoMod held a message by {} ({}): “{}”",
        name(a.as_ref(), "someone"),
        held_why(e),
        e.message.text
    );
    Outcome::Row(row(
        meta,
        (&e.broadcaster_user_id, &e.broadcaster_user_login),
        EventKind::AutomodHold,
        e.held_at,
        a,
        summary,
        automod_details(e, None, None),
    ))
}

/// `automod.message.update` v1/v2: a held message approved, denied or expired; the actor is the
/// moderator (none when it expired unanswered).
pub(super) fn automod_update(meta: &Metadata, e: &AutomodMessage) -> Outcome {
    let m = opt_actor(false, &e.moderator_user_id, &e.moderator_user_login, &e.moderator_user_name);
    let author = actor(&e.user_id, &e.user_login, &e.user_name);
    let status = e.status.clone().unwrap_or_default();
    let who = name(m.as_ref(), "A moderator");
    let whose = name(author.as_ref(), "someone");
    let text = &e.message.text;
    let summary = match status.as_str() {
        "approved" => format!("{who} approved {whose}'s held message: “{text}”"),
        "denied" => format!("{who} denied {whose}'s held message: “{text}”"),
        "expired" => format!("{whose}'s held message expired unreviewed: “{text}”"),
        other => format!("{who}: {whose}'s held message {}: “{text}”", words(other)),
    };
    Outcome::Row(row(
        meta,
        (&e.broadcaster_user_id, &e.broadcaster_user_login),
        EventKind::AutomodResolved,
        None,
        m,
        summary,
        automod_details(e, Some(status).filter(|s| !s.is_empty()), author),
    ))
}

/// `channel.suspicious_user.message`: the actor is the suspicious user.
pub(super) fn suspicious_message(meta: &Metadata, e: &SuspiciousUserMessage) -> Outcome {
    let a = actor(&e.user_id, &e.user_login, &e.user_name);
    let mut why: Vec<String> = Vec::new();
    if !e.ban_evasion_evaluation.is_empty() && e.ban_evasion_evaluation != "unknown" {
        why.push(format!("{} ban evader", e.ban_evasion_evaluation));
    }
    why.extend(e.types.iter().filter(|t| *t != "ban_evader").map(|t| words(t)));
    if !e.low_trust_status.is_empty() && e.low_trust_status != "none" {
        why.push(words(&e.low_trust_status));
    }
    let why = if why.is_empty() { String::new() } else { format!(" ({})", why.join(", ")) };
    let summary =
        format!("Suspicious user {}{why}: “{}”", name(a.as_ref(), "someone"), e.message.text);
    Outcome::Row(row(
        meta,
        (&e.broadcaster_user_id, &e.broadcaster_user_login),
        EventKind::SuspiciousUserMessage,
        None,
        a.clone(),
        summary,
        Details::SuspiciousUser {
            user: a,
            low_trust_status: e.low_trust_status.clone(),
            types: e.types.clone(),
            ban_evasion_evaluation: Some(e.ban_evasion_evaluation.clone())
                .filter(|s| !s.is_empty()),
            message: Some(e.message.text.clone()),
        },
    ))
}

/// `channel.suspicious_user.update`: the actor is the moderator who changed the status.
pub(super) fn suspicious_update(meta: &Metadata, e: &SuspiciousUserUpdate) -> Outcome {
    let m = actor(&e.moderator_user_id, &e.moderator_user_login, &e.moderator_user_name);
    let u = actor(&e.user_id, &e.user_login, &e.user_name);
    let who = name(m.as_ref(), "A moderator");
    let user = name(u.as_ref(), "someone");
    let summary = match e.low_trust_status.as_str() {
        "restricted" => format!("{who} restricted suspicious user {user}"),
        "active_monitoring" => format!("{who} is monitoring suspicious user {user}"),
        "none" => format!("{who} no longer treats {user} as suspicious"),
        other => format!("{who} set suspicious user {user} to {}", words(other)),
    };
    Outcome::Row(row(
        meta,
        (&e.broadcaster_user_id, &e.broadcaster_user_login),
        EventKind::SuspiciousUserUpdate,
        None,
        m,
        summary,
        Details::SuspiciousUser {
            user: u,
            low_trust_status: e.low_trust_status.clone(),
            types: Vec::new(),
            ban_evasion_evaluation: None,
            message: None,
        },
    ))
}

/// `channel.warning.send`: the actor is the moderator.
pub(super) fn warning_send(meta: &Metadata, e: &Warning) -> Outcome {
    let m = opt_actor(false, &e.moderator_user_id, &e.moderator_user_login, &e.moderator_user_name);
    let u = actor(&e.user_id, &e.user_login, &e.user_name);
    let reason = e.reason.clone().filter(|r| !r.trim().is_empty());
    let rules = e.chat_rules_cited.clone().unwrap_or_default();
    let mut summary =
        format!("{} warned {}", name(m.as_ref(), "A moderator"), name(u.as_ref(), "someone"));
    if let Some(r) = &reason {
        summary.push_str(&format!(": {r}"));
    }
    if !rules.is_empty() {
        summary.push_str(&format!(" (rules: {})", rules.join("; ")));
    }
    Outcome::Row(row(
        meta,
        (&e.broadcaster_user_id, &e.broadcaster_user_login),
        EventKind::WarningSent,
        None,
        m,
        summary,
        Details::Warning { user: u, reason, chat_rules_cited: rules },
    ))
}

/// `channel.warning.acknowledge`: the actor is the warned user.
pub(super) fn warning_acknowledge(meta: &Metadata, e: &Warning) -> Outcome {
    let u = actor(&e.user_id, &e.user_login, &e.user_name);
    let summary = format!("{} acknowledged a warning", name(u.as_ref(), "Someone"));
    Outcome::Row(row(
        meta,
        (&e.broadcaster_user_id, &e.broadcaster_user_login),
        EventKind::WarningAcknowledged,
        None,
        u.clone(),
        summary,
        Details::Warning { user: u, reason: None, chat_rules_cited: Vec::new() },
    ))
}

/// `channel.unban_request.create`: the actor is the banned user who asks.
pub(super) fn unban_request(meta: &Metadata, e: &UnbanRequest) -> Outcome {
    let u = actor(&e.user_id, &e.user_login, &e.user_name);
    let text = e.text.clone().filter(|t| !t.is_empty());
    let summary = match &text {
        Some(t) => format!("{} asked to be unbanned: “{t}”", name(u.as_ref(), "Someone")),
        None => format!("{} asked to be unbanned", name(u.as_ref(), "Someone")),
    };
    Outcome::Row(row(
        meta,
        (&e.broadcaster_user_id, &e.broadcaster_user_login),
        EventKind::UnbanRequest,
        e.created_at,
        u.clone(),
        summary,
        Details::UnbanRequest { request_id: e.id.clone(), user: u, text, status: None },
    ))
}

/// `channel.unban_request.resolve`: the actor is the moderator who answered, or the user who
/// canceled their request.
pub(super) fn unban_request_resolved(meta: &Metadata, e: &UnbanRequest) -> Outcome {
    let m = opt_actor(false, &e.moderator_user_id, &e.moderator_user_login, &e.moderator_user_name);
    let u = actor(&e.user_id, &e.user_login, &e.user_name);
    let status = e.status.clone().unwrap_or_default();
    let text = e.resolution_text.clone().filter(|t| !t.is_empty());
    let who = name(m.as_ref(), "A moderator");
    let user = name(u.as_ref(), "someone");
    let (acted, mut summary) = match status.as_str() {
        "approved" => (m.clone(), format!("{who} approved {user}'s unban request")),
        "denied" => (m.clone(), format!("{who} denied {user}'s unban request")),
        "canceled" => {
            (m.clone().or_else(|| u.clone()), format!("{user} canceled their unban request"))
        }
        other => (m.clone(), format!("{who}: {user}'s unban request {}", words(other))),
    };
    if let Some(t) = &text {
        summary.push_str(&format!(": “{t}”"));
    }
    let answered = matches!(status.as_str(), "approved" | "denied");
    let r = row(
        meta,
        (&e.broadcaster_user_id, &e.broadcaster_user_login),
        EventKind::UnbanRequestResolved,
        None,
        acted,
        summary,
        Details::UnbanRequest {
            request_id: e.id.clone(),
            user: u,
            text,
            status: Some(status).filter(|s| !s.is_empty()),
        },
    );
    // A moderator's answer is `channel.moderate`'s `approve_unban_request` or
    // `deny_unban_request` too: one row (`link.rs`). A cancellation only this type tells.
    if answered {
        Outcome::Linked { row: r, source: Source::EventSub, amount: 0 }
    } else {
        Outcome::Row(r)
    }
}

/// `channel.shield_mode.begin` / `.end`: the actor is the moderator.
pub(super) fn shield_mode(meta: &Metadata, e: &ShieldMode, active: bool) -> Outcome {
    let m = actor(&e.moderator_user_id, &e.moderator_user_login, &e.moderator_user_name);
    let summary = format!(
        "{} turned {} Shield Mode in {}",
        name(m.as_ref(), "A moderator"),
        if active { "on" } else { "off" },
        chan(&e.broadcaster_user_name, &e.broadcaster_user_login)
    );
    Outcome::Row(row(
        meta,
        (&e.broadcaster_user_id, &e.broadcaster_user_login),
        EventKind::ShieldMode,
        if active { e.started_at } else { e.ended_at },
        m,
        summary,
        Details::ShieldMode { active },
    ))
}

#[cfg(test)]
mod tests {
    use super::duration;

    #[test]
    fn lengths_read_as_a_moderator_says_them() {
        assert_eq!(duration(1), "1 second");
        assert_eq!(duration(30), "30 seconds");
        assert_eq!(duration(600), "10 minutes");
        assert_eq!(duration(599), "10 minutes");
        assert_eq!(duration(3600), "1 hour");
        assert_eq!(duration(5400), "90 minutes");
        assert_eq!(duration(86_400), "1 day");
        assert_eq!(duration(14 * 86_400), "14 days");
        assert_eq!(duration(90_000), "25 hours");
    }
}
