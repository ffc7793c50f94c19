//! Types this app does not know: shown as `other` on the condition's broadcaster, so nothing
//! Twitch sends is silently lost.

use super::{Outcome, actor};
use crate::eventsub::protocol::{Metadata, Notification};
use crate::feed::text::{name, words};
use crate::feed::{Details, EventKind};
use serde_json::Value;
use std::collections::HashMap;

/// An `Other` event (`kind` v`version`); `logins` names its channel when the event does not.
pub(super) fn row(
    meta: &Metadata,
    n: &Notification,
    kind: &str,
    version: &str,
    event: &Value,
    logins: &HashMap<String, String>,
) -> Outcome {
    // An unknown type shows as `other` on the condition's broadcaster.
    let Some(channel) = n.subscription.condition.broadcaster_user_id().filter(|c| !c.is_empty())
    else {
        return Outcome::Nothing;
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
