//! `channel.chat.notification`: subs, gifts, raids, announcements… as chat shows them, by
//! `notice_type` (docs/twitch.md §2, §6.1).

use super::charity::Amount;
use super::chat::{Badge, MessageBody};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// `notice_type` of `channel.chat.notification`: an open enum (docs/twitch.md §2, §7.18).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum NoticeType {
    /// `sub`
    Sub,
    /// `resub`
    Resub,
    /// `sub_gift`
    SubGift,
    /// `community_sub_gift`
    CommunitySubGift,
    /// `gift_paid_upgrade`
    GiftPaidUpgrade,
    /// `prime_paid_upgrade`
    PrimePaidUpgrade,
    /// `raid`
    Raid,
    /// `unraid`
    Unraid,
    /// `pay_it_forward`
    PayItForward,
    /// `announcement`
    Announcement,
    /// `bits_badge_tier`
    BitsBadgeTier,
    /// `charity_donation`
    CharityDonation,
    /// `watch_streak` (2026-04)
    WatchStreak,
    /// `shared_chat_<x>`: a notice of another channel in a shared chat session; the inner
    /// value is `<x>` (e.g. `sub`).
    SharedChat(String),
    /// Anything else (`modiversary`, `sponsored_shopping_purchase`, …): show `system_message`.
    Unknown(String),
}

impl NoticeType {
    /// Parses the wire value; never fails.
    pub fn from_wire(s: &str) -> Self {
        match s {
            "sub" => NoticeType::Sub,
            "resub" => NoticeType::Resub,
            "sub_gift" => NoticeType::SubGift,
            "community_sub_gift" => NoticeType::CommunitySubGift,
            "gift_paid_upgrade" => NoticeType::GiftPaidUpgrade,
            "prime_paid_upgrade" => NoticeType::PrimePaidUpgrade,
            "raid" => NoticeType::Raid,
            "unraid" => NoticeType::Unraid,
            "pay_it_forward" => NoticeType::PayItForward,
            "announcement" => NoticeType::Announcement,
            "bits_badge_tier" => NoticeType::BitsBadgeTier,
            "charity_donation" => NoticeType::CharityDonation,
            "watch_streak" => NoticeType::WatchStreak,
            other => match other.strip_prefix("shared_chat_") {
                Some(inner) => NoticeType::SharedChat(inner.to_owned()),
                None => NoticeType::Unknown(other.to_owned()),
            },
        }
    }
    /// The wire value.
    pub fn as_wire(&self) -> std::borrow::Cow<'_, str> {
        use std::borrow::Cow::Borrowed;
        match self {
            NoticeType::Sub => Borrowed("sub"),
            NoticeType::Resub => Borrowed("resub"),
            NoticeType::SubGift => Borrowed("sub_gift"),
            NoticeType::CommunitySubGift => Borrowed("community_sub_gift"),
            NoticeType::GiftPaidUpgrade => Borrowed("gift_paid_upgrade"),
            NoticeType::PrimePaidUpgrade => Borrowed("prime_paid_upgrade"),
            NoticeType::Raid => Borrowed("raid"),
            NoticeType::Unraid => Borrowed("unraid"),
            NoticeType::PayItForward => Borrowed("pay_it_forward"),
            NoticeType::Announcement => Borrowed("announcement"),
            NoticeType::BitsBadgeTier => Borrowed("bits_badge_tier"),
            NoticeType::CharityDonation => Borrowed("charity_donation"),
            NoticeType::WatchStreak => Borrowed("watch_streak"),
            NoticeType::SharedChat(inner) => format!("shared_chat_{inner}").into(),
            NoticeType::Unknown(s) => Borrowed(s.as_str()),
        }
    }
}

impl Default for NoticeType {
    fn default() -> Self {
        NoticeType::Unknown(String::new())
    }
}

impl<'de> Deserialize<'de> for NoticeType {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = std::borrow::Cow::<'de, str>::deserialize(d)?;
        Ok(NoticeType::from_wire(&s))
    }
}

impl Serialize for NoticeType {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.as_wire())
    }
}

/// `channel.chat.notification` (docs/twitch.md §6.1). Only the object `notice_type` names is set.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(default)]
pub struct ChatNotification {
    /// The channel's user id.
    pub broadcaster_user_id: String,
    /// The channel's login.
    pub broadcaster_user_login: String,
    /// The channel's display name.
    pub broadcaster_user_name: String,
    /// Who caused the notice (may be the anonymous gifter account).
    pub chatter_user_id: Option<String>,
    /// Their login.
    pub chatter_user_login: Option<String>,
    /// Their display name.
    pub chatter_user_name: Option<String>,
    /// True for anonymous gifts.
    pub chatter_is_anonymous: bool,
    /// `#RRGGBB` or empty.
    pub color: String,
    /// The chatter's badges.
    pub badges: Vec<Badge>,
    /// Twitch's own text for the notice; may be empty.
    pub system_message: String,
    /// The chat message id.
    pub message_id: String,
    /// The user's own message with the notice (e.g. a resub message).
    pub message: MessageBody,
    /// Which kind of notice; open enum.
    pub notice_type: NoticeType,
    /// `sub`
    pub sub: Option<SubNotice>,
    /// `resub`
    pub resub: Option<ResubNotice>,
    /// `sub_gift`
    pub sub_gift: Option<SubGiftNotice>,
    /// `community_sub_gift`
    pub community_sub_gift: Option<CommunitySubGiftNotice>,
    /// `gift_paid_upgrade`
    pub gift_paid_upgrade: Option<GiftPaidUpgradeNotice>,
    /// `prime_paid_upgrade`
    pub prime_paid_upgrade: Option<PrimePaidUpgradeNotice>,
    /// `raid`
    pub raid: Option<RaidNotice>,
    /// `pay_it_forward`
    pub pay_it_forward: Option<PayItForwardNotice>,
    /// `announcement`
    pub announcement: Option<AnnouncementNotice>,
    /// `bits_badge_tier`
    pub bits_badge_tier: Option<BitsBadgeTierNotice>,
    /// `charity_donation`
    pub charity_donation: Option<CharityDonationNotice>,
    /// `watch_streak`
    pub watch_streak: Option<WatchStreakNotice>,
    /// Shared chat: the channel the notice came from.
    pub source_broadcaster_user_id: Option<String>,
    /// Shared chat: its login.
    pub source_broadcaster_user_login: Option<String>,
    /// Shared chat: its display name.
    pub source_broadcaster_user_name: Option<String>,
}

/// Raw shape shared by `sub` and `resub` objects: Twitch's docs show `sub_plan` where the schema
/// says `sub_tier` (docs/twitch.md §2, twitchdev/issues#1039), so both are read.
struct RawTier {
    sub_tier: Option<String>,
    sub_plan: Option<String>,
}
impl RawTier {
    fn tier(self) -> String {
        self.sub_tier.or(self.sub_plan).unwrap_or_default()
    }
}

/// `sub` notice.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct SubNotice {
    /// `1000`, `2000`, `3000` (`sub_plan` accepted as an alias).
    pub sub_tier: String,
    /// Prime sub.
    pub is_prime: bool,
    /// Months bought at once.
    pub duration_months: u64,
}

impl<'de> Deserialize<'de> for SubNotice {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize, Default)]
        #[serde(default)]
        struct Raw {
            sub_tier: Option<String>,
            sub_plan: Option<String>,
            is_prime: bool,
            duration_months: u64,
        }
        let r = Raw::deserialize(d)?;
        Ok(SubNotice {
            sub_tier: RawTier { sub_tier: r.sub_tier, sub_plan: r.sub_plan }.tier(),
            is_prime: r.is_prime,
            duration_months: r.duration_months,
        })
    }
}

/// `resub` notice.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ResubNotice {
    /// Total months subscribed.
    pub cumulative_months: u64,
    /// Months bought at once.
    pub duration_months: u64,
    /// Consecutive months, if shared.
    pub streak_months: Option<u64>,
    /// `1000`, `2000`, `3000` (`sub_plan` accepted as an alias).
    pub sub_tier: String,
    /// Prime sub.
    pub is_prime: Option<bool>,
    /// A gifted resub.
    pub is_gift: bool,
    /// The gifter is anonymous.
    pub gifter_is_anonymous: Option<bool>,
    /// The gifter's id.
    pub gifter_user_id: Option<String>,
    /// The gifter's display name.
    pub gifter_user_name: Option<String>,
    /// The gifter's login.
    pub gifter_user_login: Option<String>,
}

impl<'de> Deserialize<'de> for ResubNotice {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize, Default)]
        #[serde(default)]
        struct Raw {
            cumulative_months: u64,
            duration_months: u64,
            streak_months: Option<u64>,
            sub_tier: Option<String>,
            sub_plan: Option<String>,
            is_prime: Option<bool>,
            is_gift: bool,
            gifter_is_anonymous: Option<bool>,
            gifter_user_id: Option<String>,
            gifter_user_name: Option<String>,
            gifter_user_login: Option<String>,
        }
        let r = Raw::deserialize(d)?;
        Ok(ResubNotice {
            cumulative_months: r.cumulative_months,
            duration_months: r.duration_months,
            streak_months: r.streak_months,
            sub_tier: RawTier { sub_tier: r.sub_tier, sub_plan: r.sub_plan }.tier(),
            is_prime: r.is_prime,
            is_gift: r.is_gift,
            gifter_is_anonymous: r.gifter_is_anonymous,
            gifter_user_id: r.gifter_user_id,
            gifter_user_name: r.gifter_user_name,
            gifter_user_login: r.gifter_user_login,
        })
    }
}

/// `sub_gift` notice: one gifted sub.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(default)]
pub struct SubGiftNotice {
    /// Months gifted.
    pub duration_months: u64,
    /// The gifter's total gifts in the channel, if shared.
    pub cumulative_total: Option<u64>,
    /// Recipient's id.
    pub recipient_user_id: String,
    /// Recipient's display name.
    pub recipient_user_name: String,
    /// Recipient's login.
    pub recipient_user_login: String,
    /// `1000`, `2000`, `3000`.
    pub sub_tier: String,
    /// Set when this gift is part of a gift bomb (`community_sub_gift.id`).
    pub community_gift_id: Option<String>,
}

/// `community_sub_gift` notice: a gift bomb.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(default)]
pub struct CommunitySubGiftNotice {
    /// The bomb's id; the individual `sub_gift`s carry it as `community_gift_id`.
    pub id: String,
    /// Number of subs gifted.
    pub total: u64,
    /// `1000`, `2000`, `3000`.
    pub sub_tier: String,
    /// The gifter's total gifts in the channel, if shared.
    pub cumulative_total: Option<u64>,
}

/// `gift_paid_upgrade` notice.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(default)]
pub struct GiftPaidUpgradeNotice {
    /// The original gifter is anonymous.
    pub gifter_is_anonymous: bool,
    /// Original gifter's id.
    pub gifter_user_id: Option<String>,
    /// Original gifter's display name.
    pub gifter_user_name: Option<String>,
    /// Original gifter's login.
    pub gifter_user_login: Option<String>,
}

/// `prime_paid_upgrade` notice.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(default)]
pub struct PrimePaidUpgradeNotice {
    /// The new tier.
    pub sub_tier: String,
}

/// `raid` notice (incoming raid, seen in the raided channel's chat).
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(default)]
pub struct RaidNotice {
    /// The raider's id.
    pub user_id: String,
    /// The raider's display name.
    pub user_name: String,
    /// The raider's login.
    pub user_login: String,
    /// Viewers brought along.
    pub viewer_count: u64,
    /// The raider's avatar.
    pub profile_image_url: String,
}

/// `pay_it_forward` notice.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(default)]
pub struct PayItForwardNotice {
    /// The original gifter is anonymous.
    pub gifter_is_anonymous: bool,
    /// Original gifter's id.
    pub gifter_user_id: Option<String>,
    /// Original gifter's display name.
    pub gifter_user_name: Option<String>,
    /// Original gifter's login.
    pub gifter_user_login: Option<String>,
    /// Recipient's id (null when paid forward to the community).
    pub recipient_user_id: Option<String>,
    /// Recipient's display name.
    pub recipient_user_name: Option<String>,
    /// Recipient's login.
    pub recipient_user_login: Option<String>,
}

/// `announcement` notice.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(default)]
pub struct AnnouncementNotice {
    /// `BLUE`, `GREEN`, `ORANGE`, `PURPLE`, `PRIMARY`.
    pub color: String,
}

/// `bits_badge_tier` notice.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(default)]
pub struct BitsBadgeTierNotice {
    /// The bits badge tier reached.
    pub tier: u64,
}

/// `charity_donation` notice.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(default)]
pub struct CharityDonationNotice {
    /// The charity.
    pub charity_name: String,
    /// The amount given.
    pub amount: Amount,
}

/// `watch_streak` notice (docs/twitch.md §2, twurple#667).
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(default)]
pub struct WatchStreakNotice {
    /// Consecutive streams watched.
    pub streak_count: u64,
    /// Channel points awarded for it.
    pub channel_points_awarded: u64,
}
