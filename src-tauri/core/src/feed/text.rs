//! Small helpers that put events into words for summaries.

use super::Actor;
use chrono::{DateTime, Utc};

/// `1000` → `Tier 1`; anything else is shown as given.
pub(super) fn tier(t: &str) -> String {
    match t {
        "1000" => "Tier 1".into(),
        "2000" => "Tier 2".into(),
        "3000" => "Tier 3".into(),
        "" => "a".into(),
        other => format!("tier {other}"),
    }
}

/// The actor's display name (login when the display name is empty), or `anonymous`.
pub(super) fn name<'a>(actor: Option<&'a Actor>, anonymous: &'a str) -> &'a str {
    match actor {
        Some(a) if !a.display_name.is_empty() => &a.display_name,
        Some(a) if !a.login.is_empty() => &a.login,
        Some(a) => &a.id,
        None => anonymous,
    }
}

/// `1 month`, `10 months`.
pub(super) fn count(n: u64, one: &str, many: &str) -> String {
    if n == 1 { format!("1 {one}") } else { format!("{n} {many}") }
}

/// A readable UTC time for gap summaries.
pub(super) fn at(t: &DateTime<Utc>) -> String {
    t.format("%Y-%m-%d %H:%M:%S UTC").to_string()
}

/// `sponsored_shopping_purchase` → `sponsored shopping purchase`.
pub(super) fn words(wire: &str) -> String {
    wire.replace(['_', '.'], " ")
}

/// Twitch's `system_message` when it says something, else `fallback`. Placeholders: an empty
/// string, the notice type's own name, or a generic "… notification" (the docs' example for
/// `bits_badge_tier` is literally "bits badge tier notification").
pub(super) fn system_or(system_message: &str, notice_type: &str, fallback: String) -> String {
    let s = system_message.trim();
    if s.is_empty() || s == notice_type || s.ends_with(" notification") {
        fallback
    } else {
        s.to_owned()
    }
}
