//! The [`Event`] of a notification, by subscription type, and the dispatch from a type to its
//! payload (docs/twitch.md §2).

use super::payload::*;
use serde::de::DeserializeSeed;
use serde::{Deserialize, Deserializer};
use serde_json::Value;

/// The event of a notification, by subscription type (twitch.md §2).
///
/// Open: a type or version this crate does not model is [`Event::Other`].
#[allow(clippy::large_enum_variant)] // see `Message`
#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    /// `stream.online` v1
    StreamOnline(StreamOnline),
    /// `stream.offline` v1
    StreamOffline(StreamOffline),
    /// `channel.update` v1/v2
    ChannelUpdate(ChannelUpdate),
    /// `channel.raid` v1
    ChannelRaid(ChannelRaid),
    /// `channel.chat.message` v1
    ChatMessage(ChatMessage),
    /// `channel.chat.notification` v1
    ChatNotification(Box<ChatNotification>),
    /// `channel.chat.clear` v1
    ChatClear(BroadcasterOnly),
    /// `channel.chat.clear_user_messages` v1
    ChatClearUserMessages(ChatClearUserMessages),
    /// `channel.chat.message_delete` v1
    ChatMessageDelete(ChatMessageDelete),
    /// `channel.chat_settings.update` v1
    ChatSettingsUpdate(ChatSettingsUpdate),
    /// `channel.chat.user_message_hold` v1
    ChatUserMessageHold(ChatUserMessageHold),
    /// `channel.chat.user_message_update` v1
    ChatUserMessageUpdate(ChatUserMessageHold),
    /// `channel.shared_chat.begin` v1
    SharedChatBegin(SharedChat),
    /// `channel.shared_chat.update` v1
    SharedChatUpdate(SharedChat),
    /// `channel.shared_chat.end` v1
    SharedChatEnd(SharedChat),
    /// `user.update` v1
    UserUpdate(UserUpdate),
    /// `user.whisper.message` v1
    WhisperMessage(WhisperMessage),
    /// `channel.follow` v2
    Follow(Follow),
    /// `channel.subscribe` v1
    Subscribe(Subscribe),
    /// `channel.subscription.gift` v1
    SubscriptionGift(SubscriptionGift),
    /// `channel.subscription.message` v1
    SubscriptionMessage(SubscriptionMessage),
    /// `channel.subscription.end` v1
    SubscriptionEnd(Subscribe),
    /// `channel.cheer` v1
    Cheer(Cheer),
    /// `channel.bits.use` v1
    BitsUse(BitsUse),
    /// `channel.ad_break.begin` v1
    AdBreakBegin(AdBreakBegin),
    /// `channel.hype_train.begin` v1/v2
    HypeTrainBegin(HypeTrain),
    /// `channel.hype_train.progress` v1/v2
    HypeTrainProgress(HypeTrain),
    /// `channel.hype_train.end` v1/v2
    HypeTrainEnd(HypeTrain),
    /// `channel.poll.begin` v1
    PollBegin(Poll),
    /// `channel.poll.progress` v1
    PollProgress(Poll),
    /// `channel.poll.end` v1
    PollEnd(Poll),
    /// `channel.prediction.begin` v1
    PredictionBegin(Prediction),
    /// `channel.prediction.progress` v1
    PredictionProgress(Prediction),
    /// `channel.prediction.lock` v1
    PredictionLock(Prediction),
    /// `channel.prediction.end` v1
    PredictionEnd(Prediction),
    /// `channel.shoutout.create` v1
    ShoutoutCreate(ShoutoutCreate),
    /// `channel.shoutout.receive` v1
    ShoutoutReceive(ShoutoutReceive),
    /// `channel.goal.begin` v1
    GoalBegin(Goal),
    /// `channel.goal.progress` v1
    GoalProgress(Goal),
    /// `channel.goal.end` v1
    GoalEnd(Goal),
    /// `channel.charity_campaign.donate` v1
    CharityDonation(CharityDonation),
    /// `channel.charity_campaign.start` / `.progress` / `.stop` v1
    CharityCampaign(CharityCampaign),
    /// `channel.channel_points_custom_reward_redemption.add` v1
    RedemptionAdd(Redemption),
    /// `channel.channel_points_custom_reward_redemption.update` v1
    RedemptionUpdate(Redemption),
    /// `channel.ban` v1
    Ban(Ban),
    /// `channel.unban` v1
    Unban(UserModAction),
    /// `channel.moderator.add` / `channel.moderator.remove` / `channel.vip.add` /
    /// `channel.vip.remove` v1: who was added or removed.
    RoleChange(UserModAction),
    /// `channel.shield_mode.begin` / `.end` v1
    ShieldMode(ShieldMode),
    /// Any other type or version (moderation tooling such as `automod.*`, `channel.moderate`,
    /// types Twitch adds later), or a known type whose event did not have the expected shape.
    Other {
        /// `subscription.type`
        kind: String,
        /// `subscription.version`
        version: String,
        /// The event JSON as received.
        event: Value,
    },
}

/// The types this module models, with the versions it understands. Everything else is `Other`.
fn known(kind: &str, version: &str) -> bool {
    let v1 = version == "1";
    match kind {
        "channel.update"
        | "channel.hype_train.begin"
        | "channel.hype_train.progress"
        | "channel.hype_train.end" => v1 || version == "2",
        "channel.follow" => version == "2",
        "stream.online"
        | "stream.offline"
        | "channel.raid"
        | "channel.chat.message"
        | "channel.chat.notification"
        | "channel.chat.clear"
        | "channel.chat.clear_user_messages"
        | "channel.chat.message_delete"
        | "channel.chat_settings.update"
        | "channel.chat.user_message_hold"
        | "channel.chat.user_message_update"
        | "channel.shared_chat.begin"
        | "channel.shared_chat.update"
        | "channel.shared_chat.end"
        | "user.update"
        | "user.whisper.message"
        | "channel.subscribe"
        | "channel.subscription.gift"
        | "channel.subscription.message"
        | "channel.subscription.end"
        | "channel.cheer"
        | "channel.bits.use"
        | "channel.ad_break.begin"
        | "channel.poll.begin"
        | "channel.poll.progress"
        | "channel.poll.end"
        | "channel.prediction.begin"
        | "channel.prediction.progress"
        | "channel.prediction.lock"
        | "channel.prediction.end"
        | "channel.shoutout.create"
        | "channel.shoutout.receive"
        | "channel.goal.begin"
        | "channel.goal.progress"
        | "channel.goal.end"
        | "channel.charity_campaign.donate"
        | "channel.charity_campaign.start"
        | "channel.charity_campaign.progress"
        | "channel.charity_campaign.stop"
        | "channel.channel_points_custom_reward_redemption.add"
        | "channel.channel_points_custom_reward_redemption.update"
        | "channel.ban"
        | "channel.unban"
        | "channel.moderator.add"
        | "channel.moderator.remove"
        | "channel.vip.add"
        | "channel.vip.remove"
        | "channel.shield_mode.begin"
        | "channel.shield_mode.end" => v1,
        _ => false,
    }
}

/// Deserialises an event given its subscription type and version.
pub(super) struct EventSeed<'a> {
    /// `subscription.type`: picks the payload.
    pub(super) kind: &'a str,
    /// `subscription.version`: a version the parser does not model is kept raw.
    pub(super) version: &'a str,
}

impl<'de> DeserializeSeed<'de> for EventSeed<'_> {
    type Value = Event;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Event, D::Error> {
        if !known(self.kind, self.version) {
            return Ok(Event::Other {
                kind: self.kind.to_owned(),
                version: self.version.to_owned(),
                event: Value::deserialize(d)?,
            });
        }
        macro_rules! t {
            ($variant:ident) => {
                Event::$variant(Deserialize::deserialize(d)?)
            };
        }
        Ok(match self.kind {
            "stream.online" => t!(StreamOnline),
            "stream.offline" => t!(StreamOffline),
            "channel.update" => t!(ChannelUpdate),
            "channel.raid" => t!(ChannelRaid),
            "channel.chat.message" => t!(ChatMessage),
            "channel.chat.notification" => {
                Event::ChatNotification(Box::new(ChatNotification::deserialize(d)?))
            }
            "channel.chat.clear" => t!(ChatClear),
            "channel.chat.clear_user_messages" => t!(ChatClearUserMessages),
            "channel.chat.message_delete" => t!(ChatMessageDelete),
            "channel.chat_settings.update" => t!(ChatSettingsUpdate),
            "channel.chat.user_message_hold" => t!(ChatUserMessageHold),
            "channel.chat.user_message_update" => t!(ChatUserMessageUpdate),
            "channel.shared_chat.begin" => t!(SharedChatBegin),
            "channel.shared_chat.update" => t!(SharedChatUpdate),
            "channel.shared_chat.end" => t!(SharedChatEnd),
            "user.update" => t!(UserUpdate),
            "user.whisper.message" => t!(WhisperMessage),
            "channel.follow" => t!(Follow),
            "channel.subscribe" => t!(Subscribe),
            "channel.subscription.gift" => t!(SubscriptionGift),
            "channel.subscription.message" => t!(SubscriptionMessage),
            "channel.subscription.end" => t!(SubscriptionEnd),
            "channel.cheer" => t!(Cheer),
            "channel.bits.use" => t!(BitsUse),
            "channel.ad_break.begin" => t!(AdBreakBegin),
            "channel.hype_train.begin" => t!(HypeTrainBegin),
            "channel.hype_train.progress" => t!(HypeTrainProgress),
            "channel.hype_train.end" => t!(HypeTrainEnd),
            "channel.poll.begin" => t!(PollBegin),
            "channel.poll.progress" => t!(PollProgress),
            "channel.poll.end" => t!(PollEnd),
            "channel.prediction.begin" => t!(PredictionBegin),
            "channel.prediction.progress" => t!(PredictionProgress),
            "channel.prediction.lock" => t!(PredictionLock),
            "channel.prediction.end" => t!(PredictionEnd),
            "channel.shoutout.create" => t!(ShoutoutCreate),
            "channel.shoutout.receive" => t!(ShoutoutReceive),
            "channel.goal.begin" => t!(GoalBegin),
            "channel.goal.progress" => t!(GoalProgress),
            "channel.goal.end" => t!(GoalEnd),
            "channel.charity_campaign.donate" => t!(CharityDonation),
            "channel.charity_campaign.start"
            | "channel.charity_campaign.progress"
            | "channel.charity_campaign.stop" => t!(CharityCampaign),
            "channel.channel_points_custom_reward_redemption.add" => t!(RedemptionAdd),
            "channel.channel_points_custom_reward_redemption.update" => t!(RedemptionUpdate),
            "channel.ban" => t!(Ban),
            "channel.unban" => t!(Unban),
            "channel.moderator.add"
            | "channel.moderator.remove"
            | "channel.vip.add"
            | "channel.vip.remove" => t!(RoleChange),
            "channel.shield_mode.begin" | "channel.shield_mode.end" => t!(ShieldMode),
            // `known` and this match list the same types; anything else is kept raw.
            _ => Event::Other {
                kind: self.kind.to_owned(),
                version: self.version.to_owned(),
                event: Value::deserialize(d)?,
            },
        })
    }
}
