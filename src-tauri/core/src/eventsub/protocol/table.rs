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
//! - **scopes**: zero or more groups `[…]`: every group needs one of its scopes (any one of a
//!   group suffices, the read-only one listed first); no group exactly when `who` is `Anyone`.
//!   Most types have one group; `channel.moderate` has eight
//!   (<https://dev.twitch.tv/docs/eventsub/eventsub-subscription-types/#channelmoderate>);
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
    /// The scope groups: each needs one of its scopes granted (the read-only one first); none
    /// = no authorization needed. Read through [`SubscriptionType::scope_groups`],
    /// [`SubscriptionType::granted_by`] and [`SubscriptionType::read_scopes`].
    pub(super) scope_groups: &'static [&'static [&'static str]],
    /// The condition's keys.
    pub condition: ConditionKeys,
}

impl SubscriptionType {
    /// True when the type needs no authorization: it costs 1 unless the user in the condition
    /// authorized this client (docs/twitch.md §1.6).
    pub const fn is_public(&self) -> bool {
        matches!(self.who, Who::Anyone)
    }

    /// The scope groups a token needs: one scope of every group (the read-only scope of each
    /// group first); empty when the type needs no authorization.
    pub const fn scope_groups(&self) -> &'static [&'static [&'static str]] {
        self.scope_groups
    }

    /// Whether `granted` authorizes the type: every group has one granted scope (true for a
    /// type that needs none).
    pub fn granted_by(&self, granted: &[String]) -> bool {
        self.missing_scopes(granted).is_none()
    }

    /// The first scope group of which `granted` holds none, if any.
    pub fn missing_scopes(&self, granted: &[String]) -> Option<&'static [&'static str]> {
        self.scope_groups
            .iter()
            .find(|group| !group.iter().any(|s| granted.iter().any(|g| g == s)))
            .copied()
    }

    /// The scope groups of an older `version` of the type: `channel.moderate` v1 came before
    /// warnings and needs every group of v2 but the warnings one
    /// (<https://dev.twitch.tv/docs/eventsub/eventsub-subscription-types/#channelmoderate>);
    /// every other version needs what the table lists.
    pub fn scope_groups_at(
        &self,
        version: &str,
    ) -> impl Iterator<Item = &'static [&'static str]> + use<> {
        let drop_warnings = self.name == "channel.moderate" && version == "1";
        self.scope_groups
            .iter()
            .copied()
            .filter(move |g| !(drop_warnings && g.contains(&"moderator:read:warnings")))
    }

    /// Whether `granted` authorizes `version` of the type ([`SubscriptionType::scope_groups_at`]):
    /// `channel.moderate` v1 without a warnings scope, for one.
    pub fn granted_at(&self, version: &str, granted: &[String]) -> bool {
        self.scope_groups_at(version)
            .all(|group| group.iter().any(|s| granted.iter().any(|g| g == s)))
    }

    /// The read-only scope of each group (its first): what to ask for to read the type.
    pub fn read_scopes(&self) -> impl Iterator<Item = &'static str> + use<> {
        self.scope_groups.iter().filter_map(|group| group.first().copied())
    }
}

/// The table. `subscription_types!(generator)` expands to `generator! { rows }`.
macro_rules! subscription_types {
    ($generator:ident) => {
        $generator! {
            // Event variant(payload) {
            //     "type" [versions] who [scope group]… {condition keys};
            // }
            StreamOnline(StreamOnline) {
                "stream.online" ["1"] Anyone {broadcaster_user_id};
            }
            StreamOffline(StreamOffline) {
                "stream.offline" ["1"] Anyone {broadcaster_user_id};
            }
            ChannelUpdate(ChannelUpdate) {
                "channel.update" ["2", "1"] Anyone {broadcaster_user_id};
            }
            ChannelRaid(ChannelRaid) {
                "channel.raid" ["1"] Anyone {to_broadcaster_user_id | from_broadcaster_user_id};
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
                "channel.shared_chat.begin" ["1"] Anyone {broadcaster_user_id};
            }
            SharedChatUpdate(SharedChat) {
                "channel.shared_chat.update" ["1"] Anyone {broadcaster_user_id};
            }
            SharedChatEnd(SharedChat) {
                "channel.shared_chat.end" ["1"] Anyone {broadcaster_user_id};
            }
            UserUpdate(UserUpdate) {
                "user.update" ["1"] Anyone {user_id};
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
            /// A moderator's action in the channel: every group of Twitch's list is needed
            /// (<https://dev.twitch.tv/docs/eventsub/eventsub-subscription-types/#channelmoderate>;
            /// twitch4j's `ChannelModerateType` lists the same). v1 is v2 without warnings, and
            /// so without the warnings group.
            ChannelModerate(Box<ChannelModerate>) {
                "channel.moderate" ["2", "1"] Moderator
                    ["moderator:read:blocked_terms", "moderator:manage:blocked_terms"]
                    ["moderator:read:chat_settings", "moderator:manage:chat_settings"]
                    ["moderator:read:unban_requests", "moderator:manage:unban_requests"]
                    ["moderator:read:banned_users", "moderator:manage:banned_users"]
                    ["moderator:read:chat_messages", "moderator:manage:chat_messages"]
                    ["moderator:read:warnings", "moderator:manage:warnings"]
                    ["moderator:read:moderators"]
                    ["moderator:read:vips"]
                    {broadcaster_user_id, moderator_user_id};
            }
            /// A chat message AutoMod held for review; v2 says why (AutoMod's category or the
            /// blocked terms found)
            /// (<https://dev.twitch.tv/docs/eventsub/eventsub-subscription-types/#automodmessagehold-v2>).
            AutomodMessageHold(AutomodMessage) {
                "automod.message.hold" ["2", "1"] Moderator
                    ["moderator:manage:automod"] {broadcaster_user_id, moderator_user_id};
            }
            /// A held message approved, denied or expired
            /// (<https://dev.twitch.tv/docs/eventsub/eventsub-subscription-types/#automodmessageupdate-v2>).
            AutomodMessageUpdate(AutomodMessage) {
                "automod.message.update" ["2", "1"] Moderator
                    ["moderator:manage:automod"] {broadcaster_user_id, moderator_user_id};
            }
            /// A message of a user Twitch flags as suspicious
            /// (<https://dev.twitch.tv/docs/eventsub/eventsub-subscription-types/#channelsuspicious_usermessage>).
            SuspiciousUserMessage(SuspiciousUserMessage) {
                "channel.suspicious_user.message" ["1"] Moderator
                    ["moderator:read:suspicious_users"] {broadcaster_user_id, moderator_user_id};
            }
            /// A moderator changed a suspicious user's status
            /// (<https://dev.twitch.tv/docs/eventsub/eventsub-subscription-types/#channelsuspicious_userupdate>).
            SuspiciousUserUpdate(SuspiciousUserUpdate) {
                "channel.suspicious_user.update" ["1"] Moderator
                    ["moderator:read:suspicious_users"] {broadcaster_user_id, moderator_user_id};
            }
            /// A warning sent to a user, and the user acknowledging one
            /// (<https://dev.twitch.tv/docs/eventsub/eventsub-subscription-types/#channelwarningsend>).
            WarningSend(Warning) {
                "channel.warning.send" ["1"] Moderator
                    ["moderator:read:warnings", "moderator:manage:warnings"]
                    {broadcaster_user_id, moderator_user_id};
            }
            WarningAcknowledge(Warning) {
                "channel.warning.acknowledge" ["1"] Moderator
                    ["moderator:read:warnings", "moderator:manage:warnings"]
                    {broadcaster_user_id, moderator_user_id};
            }
            /// A banned user's request to be unbanned, and its resolution
            /// (<https://dev.twitch.tv/docs/eventsub/eventsub-subscription-types/#channelunban_requestcreate>).
            UnbanRequestCreate(UnbanRequest) {
                "channel.unban_request.create" ["1"] Moderator
                    ["moderator:read:unban_requests", "moderator:manage:unban_requests"]
                    {broadcaster_user_id, moderator_user_id};
            }
            UnbanRequestResolve(UnbanRequest) {
                "channel.unban_request.resolve" ["1"] Moderator
                    ["moderator:read:unban_requests", "moderator:manage:unban_requests"]
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
            assert_eq!(t.scope_groups().is_empty(), t.is_public(), "{}", t.name);
            assert!(t.scope_groups().iter().all(|g| !g.is_empty()), "{}", t.name);
            assert!(t.granted_by(&[]) == t.is_public(), "{}", t.name);
        }
    }

    #[test]
    fn channel_moderate_needs_one_scope_of_every_group_twitch_lists() {
        // https://dev.twitch.tv/docs/eventsub/eventsub-subscription-types/#channelmoderate
        let t = subscription_type("channel.moderate").expect("in the table");
        assert_eq!((t.who, t.versions), (Who::Moderator, &["2", "1"][..]));
        assert_eq!(t.scope_groups().len(), 8);
        let reads: Vec<String> = t.read_scopes().map(str::to_owned).collect();
        assert_eq!(reads.len(), 8);
        assert!(reads.iter().all(|s| s.starts_with("moderator:read:")), "{reads:?}");
        assert!(t.granted_by(&reads));
        // One group short: not enough, and that group is the one named.
        let short: Vec<String> =
            reads.iter().filter(|s| *s != "moderator:read:warnings").cloned().collect();
        assert!(!t.granted_by(&short));
        assert_eq!(
            t.missing_scopes(&short),
            Some(&["moderator:read:warnings", "moderator:manage:warnings"][..])
        );
        // A manage scope stands for its group's read scope.
        let mut managed = short.clone();
        managed.push("moderator:manage:warnings".into());
        assert!(t.granted_by(&managed));
        // v1 came before warnings: the same groups but that one.
        assert_eq!(t.scope_groups_at("1").count(), 7);
        assert!(t.granted_at("1", &short) && !t.granted_at("2", &short));
        // A one-group type: any one of its scopes.
        let poll = subscription_type("channel.poll.begin").expect("in the table");
        assert!(poll.granted_by(&["channel:manage:polls".into()]));
        assert_eq!(poll.read_scopes().collect::<Vec<_>>(), ["channel:read:polls"]);
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
        assert_eq!(subscription_type("channel.future_thing"), None);
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
        assert_eq!(row("channel.chat.message").scope_groups(), [["user:read:chat"]]);
        assert!(row("stream.online").is_public());
    }
}
