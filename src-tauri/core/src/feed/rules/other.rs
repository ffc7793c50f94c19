//! Types this app does not know: shown as `other` on the condition's broadcaster, so nothing
//! Twitch sends is silently lost; except the documented types this app knows to be no row
//! ([`NOT_ROWS`]): configuration changes and features it does not show.

use super::{Outcome, actor};
use crate::eventsub::protocol::{Metadata, Notification};
use crate::feed::text::{name, words};
use crate::feed::{Details, EventKind};
use serde_json::Value;
use std::collections::HashMap;

/// Documented types this app does not read but knows not to be rows, by type prefix, with the
/// reason (<https://dev.twitch.tv/docs/eventsub/eventsub-subscription-types/>): a change of
/// configuration is not a happening of the stream, and a feature this app does not show
/// (Guest Star) would only be noise as `other`.
const NOT_ROWS: &[(&str, &str)] = &[
    (
        "channel.channel_points_custom_reward.",
        "a custom reward was created, changed or removed: configuration, not a row",
    ),
    ("automod.settings.update", "AutoMod's settings changed: configuration, not a row"),
    ("automod.terms.update", "AutoMod's blocked or permitted terms changed: not a row"),
    ("channel.guest_star_", "Guest Star: a feature this app does not show"),
];

/// The reason a documented type is no row, if [`NOT_ROWS`] lists it.
fn not_a_row(kind: &str) -> Option<&'static str> {
    NOT_ROWS.iter().find(|(prefix, _)| kind.starts_with(prefix)).map(|(_, why)| *why)
}

/// An `Other` event (`kind` v`version`); `logins` names its channel when the event does not.
pub(super) fn row(
    meta: &Metadata,
    n: &Notification,
    kind: &str,
    version: &str,
    event: &Value,
    logins: &HashMap<String, String>,
) -> Outcome {
    if let Some(why) = not_a_row(kind) {
        return Outcome::Nothing(why);
    }
    // An unknown type shows as `other` on the condition's broadcaster.
    let Some(channel) = n.subscription.condition.broadcaster_user_id().filter(|c| !c.is_empty())
    else {
        return Outcome::Nothing("a type this app does not know, about no channel");
    };
    let str_field = |k: &str| event.get(k).and_then(|v| v.as_str()).unwrap_or_default();
    let login = match str_field("broadcaster_user_login") {
        "" => logins.get(channel).cloned().unwrap_or_default(),
        l => l.to_owned(),
    };
    let a = actor(str_field("user_id"), str_field("user_login"), str_field("user_name"));
    let summary = match &a {
        Some(a) => format!(
            "{}: {} (a Twitch event this app does not know)",
            name(Some(a), ""),
            words(kind)
        ),
        None => format!("Twitch event “{kind}” (one this app does not know)"),
    };
    Outcome::Row(super::row(
        meta,
        (channel, &login),
        EventKind::Other,
        None,
        a,
        summary,
        Details::Other {
            subscription_type: kind.to_owned(),
            subscription_version: version.to_owned(),
            notice_type: None,
            system_message: None,
        },
    ))
}
