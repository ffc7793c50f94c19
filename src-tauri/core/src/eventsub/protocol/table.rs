//! The table of subscription types: every EventSub type this crate models, listed once, with
//! what Twitch documents for it (docs/twitch.md §2).
//!
//! `subscription_types!` holds the table and hands it to a generator macro, the pattern of
//! twitch_api's `fill_events!`
//! (<https://github.com/twitch-rs/twitch_api/blob/main/src/eventsub/event.rs>).
//! From it come:
//! - the [`Event`](super::Event) enum, the check of which types and versions are modelled, and
//!   the parser's dispatch from a type to its payload;
//! - [`SUBSCRIPTION_TYPES`], each type's version, who may subscribe (and so its cost class),
//!   scopes and condition keys, for the planner.
//!
//! The generator is `events!` in `event.rs`; this file has the table, its types and look-ups.
//!
//! # Columns
//! Rows are grouped by the [`Event`](super::Event) variant and payload they parse into; a row is
//! `"type" [versions] who [scopes] {condition keys};`:
//! - **type**: `subscription.type` on the wire;
//! - **versions**: the one to subscribe to first, then older ones the parser still reads;
//!   any other version of the type is [`Event::Other`](super::Event::Other);
//! - **who**: a [`Who`]: who may subscribe, which also gives the cost class;
//! - **scopes**: any one of them suffices; empty exactly when `who` is `Anyone`;
//! - **condition keys**: a [`ConditionKeys`].
//!
//! A type listed twice does not compile (`#[deny(unreachable_patterns)]` on the generated
//! matches), and a type cannot be left out of the dispatch: the dispatch is made from the table.

use super::event::SUBSCRIPTION_TYPES;

/// Who may subscribe to a type with their token, which also says what it costs against
/// `max_total_cost` (docs/twitch.md §1.6, §2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Who {
    /// Anyone: the type needs no authorization. Costs 1, or 0 when the user in the condition
    /// authorized this client (a broadcaster watching their own channel).
    Anyone,
    /// The token's user, for themselves (the chat types, conditioned on the reader; whispers).
    /// Any viewer; costs 0.
    Reader,
    /// A moderator of the channel, or its broadcaster; costs 0.
    Moderator,
    /// The channel's broadcaster; costs 0.
    Broadcaster,
}

/// The keys of a type's condition (docs/twitch.md §2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConditionKeys {
    /// `broadcaster_user_id`.
    Broadcaster,
    /// `broadcaster_user_id`, and `user_id`: the reader (the chat types).
    BroadcasterAndUser,
    /// `broadcaster_user_id`, and `moderator_user_id`: the token's user as moderator.
    BroadcasterAndModerator,
    /// Exactly one of `to_broadcaster_user_id` (raids in) and `from_broadcaster_user_id`
    /// (raids out).
    ToOrFromBroadcaster,
    /// `user_id`: the user themselves.
    User,
}

/// One row of the table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SubscriptionType {
    /// `subscription.type`, e.g. `channel.follow`.
    pub name: &'static str,
    /// The version to subscribe to, e.g. `2`.
    pub version: &'static str,
    /// Every version the parser reads into its payload: `version` first, then older ones.
    pub versions: &'static [&'static str],
    /// Who may subscribe, and so the cost class.
    pub who: Who,
    /// Any one of these scopes suffices; empty = no authorization needed.
    pub scopes: &'static [&'static str],
    /// The condition's keys.
    pub condition: ConditionKeys,
}

impl SubscriptionType {
    /// True when the type needs no authorization: it costs 1 unless the user in the condition
    /// authorized this client (docs/twitch.md §1.6).
    pub const fn is_public(&self) -> bool {
        matches!(self.who, Who::Anyone)
    }
}

/// The table. `subscription_types!(generator)` expands to `generator! { rows }`.
macro_rules! subscription_types {
    ($generator:ident) => {
        $generator! {
            // Event variant(payload) {
            //     "type" [versions] who [scopes] {condition keys};
            // }
            StreamOnline(StreamOnline) {
                "stream.online" ["1"] Anyone [] {broadcaster_user_id};
            }
            StreamOffline(StreamOffline) {
                "stream.offline" ["1"] Anyone [] {broadcaster_user_id};
            }
            ChannelUpdate(ChannelUpdate) {
                "channel.update" ["2", "1"] Anyone [] {broadcaster_user_id};
            }
            ChannelRaid(ChannelRaid) {
                "channel.raid" ["1"] Anyone [] {to_broadcaster_user_id | from_broadcaster_user_id};
            }
            ChatMessage(ChatMessage) {
                "channel.chat.message" ["1"] Reader
                    ["user:read:chat"] {broadcaster_user_id, user_id};
            }
            ChatNotification(Box<ChatNotification>) {
                "channel.chat.notification" ["1"] Reader
                    ["user:read:chat"] {broadcaster_user_id, user_id};
            }
            ChatClear(BroadcasterOnly) {
                "channel.chat.clear" ["1"] Reader ["user:read:chat"] {broadcaster_user_id, user_id};
            }
            ChatClearUserMessages(ChatClearUserMessages) {
                "channel.chat.clear_user_messages" ["1"] Reader
                    ["user:read:chat"] {broadcaster_user_id, user_id};
            }
            ChatMessageDelete(ChatMessageDelete) {
                "channel.chat.message_delete" ["1"] Reader
                    ["user:read:chat"] {broadcaster_user_id, user_id};
            }
            ChatSettingsUpdate(ChatSettingsUpdate) {
                "channel.chat_settings.update" ["1"] Reader
                    ["user:read:chat"] {broadcaster_user_id, user_id};
            }
            ChatUserMessageHold(ChatUserMessageHold) {
                "channel.chat.user_message_hold" ["1"] Reader
                    ["user:read:chat"] {broadcaster_user_id, user_id};
            }
            ChatUserMessageUpdate(ChatUserMessageHold) {
                "channel.chat.user_message_update" ["1"] Reader
                    ["user:read:chat"] {broadcaster_user_id, user_id};
            }
            SharedChatBegin(SharedChat) {
                "channel.shared_chat.begin" ["1"] Anyone [] {broadcaster_user_id};
            }
            SharedChatUpdate(SharedChat) {
                "channel.shared_chat.update" ["1"] Anyone [] {broadcaster_user_id};
            }
            SharedChatEnd(SharedChat) {
                "channel.shared_chat.end" ["1"] Anyone [] {broadcaster_user_id};
            }
            UserUpdate(UserUpdate) {
                "user.update" ["1"] Anyone [] {user_id};
            }
            WhisperMessage(WhisperMessage) {
                "user.whisper.message" ["1"] Reader
                    ["user:read:whispers", "user:manage:whispers"] {user_id};
            }
            Follow(Follow) {
                "channel.follow" ["2"] Moderator
                    ["moderator:read:followers"] {broadcaster_user_id, moderator_user_id};
            }
            Subscribe(Subscribe) {
                "channel.subscribe" ["1"] Broadcaster
                    ["channel:read:subscriptions"] {broadcaster_user_id};
            }
            SubscriptionGift(SubscriptionGift) {
                "channel.subscription.gift" ["1"] Broadcaster
                    ["channel:read:subscriptions"] {broadcaster_user_id};
            }
            SubscriptionMessage(SubscriptionMessage) {
                "channel.subscription.message" ["1"] Broadcaster
                    ["channel:read:subscriptions"] {broadcaster_user_id};
            }
            SubscriptionEnd(Subscribe) {
                "channel.subscription.end" ["1"] Broadcaster
                    ["channel:read:subscriptions"] {broadcaster_user_id};
            }
            Cheer(Cheer) {
                "channel.cheer" ["1"] Broadcaster ["bits:read"] {broadcaster_user_id};
            }
            BitsUse(BitsUse) {
                "channel.bits.use" ["1"] Broadcaster ["bits:read"] {broadcaster_user_id};
            }
            AdBreakBegin(AdBreakBegin) {
                "channel.ad_break.begin" ["1"] Broadcaster
                    ["channel:read:ads", "channel:manage:ads"] {broadcaster_user_id};
            }
            HypeTrainBegin(HypeTrain) {
                "channel.hype_train.begin" ["2", "1"] Broadcaster
                    ["channel:read:hype_train"] {broadcaster_user_id};
            }
            HypeTrainProgress(HypeTrain) {
                "channel.hype_train.progress" ["2", "1"] Broadcaster
                    ["channel:read:hype_train"] {broadcaster_user_id};
            }
            HypeTrainEnd(HypeTrain) {
                "channel.hype_train.end" ["2", "1"] Broadcaster
                    ["channel:read:hype_train"] {broadcaster_user_id};
            }
            PollBegin(Poll) {
                "channel.poll.begin" ["1"] Broadcaster
                    ["channel:read:polls", "channel:manage:polls"] {broadcaster_user_id};
            }
            PollProgress(Poll) {
                "channel.poll.progress" ["1"] Broadcaster
                    ["channel:read:polls", "channel:manage:polls"] {broadcaster_user_id};
            }
            PollEnd(Poll) {
                "channel.poll.end" ["1"] Broadcaster
                    ["channel:read:polls", "channel:manage:polls"] {broadcaster_user_id};
            }
            PredictionBegin(Prediction) {
                "channel.prediction.begin" ["1"] Broadcaster
                    ["channel:read:predictions", "channel:manage:predictions"]
                    {broadcaster_user_id};
            }
            PredictionProgress(Prediction) {
                "channel.prediction.progress" ["1"] Broadcaster
                    ["channel:read:predictions", "channel:manage:predictions"]
                    {broadcaster_user_id};
            }
            PredictionLock(Prediction) {
                "channel.prediction.lock" ["1"] Broadcaster
                    ["channel:read:predictions", "channel:manage:predictions"]
                    {broadcaster_user_id};
            }
            PredictionEnd(Prediction) {
                "channel.prediction.end" ["1"] Broadcaster
                    ["channel:read:predictions", "channel:manage:predictions"]
                    {broadcaster_user_id};
            }
            ShoutoutCreate(ShoutoutCreate) {
                "channel.shoutout.create" ["1"] Moderator
                    ["moderator:read:shoutouts", "moderator:manage:shoutouts"]
                    {broadcaster_user_id, moderator_user_id};
            }
            ShoutoutReceive(ShoutoutReceive) {
                "channel.shoutout.receive" ["1"] Moderator
                    ["moderator:read:shoutouts", "moderator:manage:shoutouts"]
                    {broadcaster_user_id, moderator_user_id};
            }
            GoalBegin(Goal) {
                "channel.goal.begin" ["1"] Broadcaster ["channel:read:goals"] {broadcaster_user_id};
            }
            GoalProgress(Goal) {
                "channel.goal.progress" ["1"] Broadcaster
                    ["channel:read:goals"] {broadcaster_user_id};
            }
            GoalEnd(Goal) {
                "channel.goal.end" ["1"] Broadcaster ["channel:read:goals"] {broadcaster_user_id};
            }
            CharityDonation(CharityDonation) {
                "channel.charity_campaign.donate" ["1"] Broadcaster
                    ["channel:read:charity"] {broadcaster_user_id};
            }
            CharityCampaign(CharityCampaign) {
                "channel.charity_campaign.start" ["1"] Broadcaster
                    ["channel:read:charity"] {broadcaster_user_id};
                "channel.charity_campaign.progress" ["1"] Broadcaster
                    ["channel:read:charity"] {broadcaster_user_id};
                "channel.charity_campaign.stop" ["1"] Broadcaster
                    ["channel:read:charity"] {broadcaster_user_id};
            }
            RedemptionAdd(Redemption) {
                "channel.channel_points_custom_reward_redemption.add" ["1"] Broadcaster
                    ["channel:read:redemptions", "channel:manage:redemptions"]
                    {broadcaster_user_id};
            }
            /// Twitch's own rewards (highlight my message, unlock an emote) and Power-ups:
            /// v2 names the cost `channel_points` and carries the message's fragments, v1 `cost`
            /// and `user_input`
            /// (<https://dev.twitch.tv/docs/eventsub/eventsub-subscription-types/#channelchannel_points_automatic_reward_redemptionadd>).
            AutomaticRedemptionAdd(AutomaticRedemption) {
                "channel.channel_points_automatic_reward_redemption.add" ["2", "1"] Broadcaster
                    ["channel:read:redemptions", "channel:manage:redemptions"]
                    {broadcaster_user_id};
            }
            RedemptionUpdate(Redemption) {
                "channel.channel_points_custom_reward_redemption.update" ["1"] Broadcaster
                    ["channel:read:redemptions", "channel:manage:redemptions"]
                    {broadcaster_user_id};
            }
            Ban(Ban) {
                "channel.ban" ["1"] Broadcaster ["channel:moderate"] {broadcaster_user_id};
            }
            Unban(UserModAction) {
                "channel.unban" ["1"] Broadcaster ["channel:moderate"] {broadcaster_user_id};
            }
            /// Who was added or removed.
            RoleChange(UserModAction) {
                "channel.moderator.add" ["1"] Broadcaster ["moderation:read"] {broadcaster_user_id};
                "channel.moderator.remove" ["1"] Broadcaster
                    ["moderation:read"] {broadcaster_user_id};
                "channel.vip.add" ["1"] Broadcaster
                    ["channel:read:vips", "channel:manage:vips"] {broadcaster_user_id};
                "channel.vip.remove" ["1"] Broadcaster
                    ["channel:read:vips", "channel:manage:vips"] {broadcaster_user_id};
            }
            ShieldMode(ShieldMode) {
                "channel.shield_mode.begin" ["1"] Moderator
                    ["moderator:read:shield_mode", "moderator:manage:shield_mode"]
                    {broadcaster_user_id, moderator_user_id};
                "channel.shield_mode.end" ["1"] Moderator
                    ["moderator:read:shield_mode", "moderator:manage:shield_mode"]
                    {broadcaster_user_id, moderator_user_id};
            }
        }
    };
}
pub(super) use subscription_types;

/// The condition-keys column, as written in the table.
macro_rules! condition_keys {
    (broadcaster_user_id) => {
        ConditionKeys::Broadcaster
    };
    (broadcaster_user_id, user_id) => {
        ConditionKeys::BroadcasterAndUser
    };
    (broadcaster_user_id, moderator_user_id) => {
        ConditionKeys::BroadcasterAndModerator
    };
    (to_broadcaster_user_id | from_broadcaster_user_id) => {
        ConditionKeys::ToOrFromBroadcaster
    };
    (user_id) => {
        ConditionKeys::User
    };
}
pub(super) use condition_keys;

/// The row of a type, if the table has it.
pub fn subscription_type(name: &str) -> Option<&'static SubscriptionType> {
    SUBSCRIPTION_TYPES.iter().find(|t| t.name == name)
}

/// The row of a type, for constants: a name the table does not have fails the build.
pub(crate) const fn table_row(name: &str) -> &'static SubscriptionType {
    let mut i = 0;
    while i < SUBSCRIPTION_TYPES.len() {
        if same(SUBSCRIPTION_TYPES[i].name, name) {
            return &SUBSCRIPTION_TYPES[i];
        }
        i += 1;
    }
    panic!("not a subscription type of the table")
}

/// `a == b`, in a `const fn`.
const fn same(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_type_needs_a_scope_exactly_when_someone_must_authorize_it() {
        for t in SUBSCRIPTION_TYPES {
            assert_eq!(t.scopes.is_empty(), t.is_public(), "{}", t.name);
        }
    }

    #[test]
    fn the_version_to_subscribe_to_is_one_the_parser_reads() {
        for t in SUBSCRIPTION_TYPES {
            assert_eq!(t.versions.first(), Some(&t.version), "{}", t.name);
        }
    }

    #[test]
    fn every_type_is_found_by_its_name_and_only_once() {
        for t in SUBSCRIPTION_TYPES {
            assert_eq!(subscription_type(t.name), Some(t));
            assert_eq!(table_row(t.name), t);
            assert_eq!(SUBSCRIPTION_TYPES.iter().filter(|u| u.name == t.name).count(), 1);
        }
        assert_eq!(subscription_type("channel.moderate"), None);
    }

    #[test]
    fn the_documented_facts_the_planner_relies_on_are_in_the_table() {
        // docs/twitch.md §2: channel.update and the hype train at v2, the follow only at v2.
        let row = |n| subscription_type(n).expect(n);
        assert_eq!(row("channel.update").versions, ["2", "1"]);
        assert_eq!(row("channel.hype_train.end").version, "2");
        assert_eq!(row("channel.follow").versions, ["2"]);
        assert_eq!(row("channel.follow").who, Who::Moderator);
        assert_eq!(row("channel.raid").condition, ConditionKeys::ToOrFromBroadcaster);
        assert_eq!(row("channel.chat.message").scopes, ["user:read:chat"]);
        assert!(row("stream.online").is_public());
    }
}
