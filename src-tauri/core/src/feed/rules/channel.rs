//! The rest of the channel's own events: follows, charity donations (also told by chat, shown
//! once), ad breaks, shoutouts received and channel-points reward redemptions (custom rewards,
//! and Twitch's own rewards and Power-ups).

use super::{Outcome, actor, chan, row};
use crate::eventsub::protocol::{
    AdBreakBegin, AutomaticRedemption, CharityDonation, Follow, Metadata, Redemption,
    ShoutoutReceive,
};
use crate::feed::link::Source;
use crate::feed::text::{count, name};
use crate::feed::{Details, EventKind};

/// `channel.follow`.
pub(super) fn follow(meta: &Metadata, e: &Follow) -> Outcome {
    let a = actor(&e.user_id, &e.user_login, &e.user_name);
    let summary = format!("{} followed", name(a.as_ref(), "Someone"));
    Outcome::Row(row(
        meta,
        (&e.broadcaster_user_id, &e.broadcaster_user_login),
        EventKind::Follow,
        e.followed_at,
        a,
        summary,
        Details::Follow,
    ))
}

/// `channel.charity_campaign.donate`.
pub(super) fn charity_donation(meta: &Metadata, e: &CharityDonation) -> Outcome {
    let a = actor(&e.user_id, &e.user_login, &e.user_name);
    let summary = format!(
        "{} donated {} to {}",
        name(a.as_ref(), "Someone"),
        e.amount.display(),
        e.charity_name
    );
    let r = row(
        meta,
        (&e.broadcaster_user_id, &e.broadcaster_user_login),
        EventKind::CharityDonation,
        None,
        a,
        summary,
        Details::CharityDonation { charity_name: e.charity_name.clone(), amount: e.amount.clone() },
    );
    let amount = e.amount.value.unsigned_abs();
    Outcome::Linked { row: r, source: Source::EventSub, amount }
}

/// `channel.ad_break.begin`.
pub(super) fn ad_break(meta: &Metadata, e: &AdBreakBegin) -> Outcome {
    let summary = format!(
        "A {}-second ad break started{}",
        e.duration_seconds,
        if e.is_automatic { " (scheduled)" } else { "" }
    );
    Outcome::Row(row(
        meta,
        (&e.broadcaster_user_id, &e.broadcaster_user_login),
        EventKind::AdBreak,
        e.started_at,
        None,
        summary,
        Details::AdBreak { duration_seconds: e.duration_seconds, is_automatic: e.is_automatic },
    ))
}

/// `channel.shoutout.receive`: another channel gave this one a shoutout.
pub(super) fn shoutout(meta: &Metadata, e: &ShoutoutReceive) -> Outcome {
    let a = actor(
        &e.from_broadcaster_user_id,
        &e.from_broadcaster_user_login,
        &e.from_broadcaster_user_name,
    );
    let summary = format!(
        "{} gave {} a shoutout",
        name(a.as_ref(), "Another channel"),
        chan(&e.broadcaster_user_name, &e.broadcaster_user_login)
    );
    Outcome::Row(row(
        meta,
        (&e.broadcaster_user_id, &e.broadcaster_user_login),
        EventKind::ShoutoutReceived,
        e.started_at,
        a,
        summary,
        Details::Shoutout { viewer_count: e.viewer_count },
    ))
}

/// `channel.channel_points_custom_reward_redemption.add`.
pub(super) fn redemption(meta: &Metadata, e: &Redemption) -> Outcome {
    let a = actor(&e.user_id, &e.user_login, &e.user_name);
    let input = if e.user_input.is_empty() { String::new() } else { format!(": {}", e.user_input) };
    let summary = format!(
        "{} redeemed “{}” ({}){input}",
        name(a.as_ref(), "Someone"),
        e.reward.title,
        count(e.reward.cost, "point", "points")
    );
    Outcome::Row(row(
        meta,
        (&e.broadcaster_user_id, &e.broadcaster_user_login),
        EventKind::RewardRedemption,
        e.redeemed_at,
        a,
        summary,
        Details::RewardRedemption {
            reward_title: e.reward.title.clone(),
            cost: e.reward.cost,
            user_input: e.user_input.clone(),
            reward_type: None,
        },
    ))
}

/// `channel.channel_points_automatic_reward_redemption.add` v1/v2: one of Twitch's own rewards
/// (highlight a message, unlock an emote, …) or a Power-up, with its type, cost and the message
/// (<https://dev.twitch.tv/docs/eventsub/eventsub-subscription-types/#channelchannel_points_automatic_reward_redemptionadd>).
pub(super) fn automatic_redemption(meta: &Metadata, e: &AutomaticRedemption) -> Outcome {
    let a = actor(&e.user_id, &e.user_login, &e.user_name);
    let title = reward_words(&e.reward.reward_type);
    let text = e.text();
    let input = if text.is_empty() { String::new() } else { format!(": {text}") };
    let cost = e.reward.points();
    let summary = format!(
        "{} redeemed “{title}” ({}){input}",
        name(a.as_ref(), "Someone"),
        count(cost, "point", "points")
    );
    Outcome::Row(row(
        meta,
        (&e.broadcaster_user_id, &e.broadcaster_user_login),
        EventKind::RewardRedemption,
        e.redeemed_at,
        a,
        summary,
        Details::RewardRedemption {
            reward_title: title,
            cost,
            user_input: text.to_owned(),
            reward_type: Some(e.reward.reward_type.clone()).filter(|t| !t.is_empty()),
        },
    ))
}

/// An automatic reward's type in the words Twitch's reward menu uses; a type this app does not
/// know yet in plain words (`new_reward_type` → "New reward type").
fn reward_words(reward_type: &str) -> String {
    let known = match reward_type {
        "send_highlighted_message" => "Highlight My Message",
        "single_message_bypass_sub_mode" => "Send a Message in Sub-Only Mode",
        "random_sub_emote_unlock" => "Unlock a Random Sub Emote",
        "chosen_sub_emote_unlock" => "Choose an Emote to Unlock",
        "chosen_modified_sub_emote_unlock" => "Modify a Single Emote",
        "message_effect" => "Message Effects",
        "gigantify_an_emote" => "Gigantify an Emote",
        "celebration" => "On-Screen Celebration",
        "" => "Automatic reward",
        other => return crate::feed::text::words(other),
    };
    known.to_owned()
}
