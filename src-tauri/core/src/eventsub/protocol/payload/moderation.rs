//! Moderation events: bans, unbans, moderator and VIP changes, shield mode, a moderator's
//! actions (`channel.moderate`), AutoMod's held messages, suspicious users, warnings and unban
//! requests (docs/twitch.md §2;
//! <https://dev.twitch.tv/docs/eventsub/eventsub-subscription-types/>, the objects in
//! <https://dev.twitch.tv/docs/eventsub/eventsub-reference/>). Every field Twitch documents as
//! nullable is an `Option`, and every field defaults, as everywhere (`payload/mod.rs`).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// `channel.ban`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(default)]
pub struct Ban {
    /// The banned user's id.
    pub user_id: String,
    /// Their login.
    pub user_login: String,
    /// Their display name.
    pub user_name: String,
    /// The channel's user id.
    pub broadcaster_user_id: String,
    /// The channel's login.
    pub broadcaster_user_login: String,
    /// The channel's display name.
    pub broadcaster_user_name: String,
    /// The moderator's id.
    pub moderator_user_id: String,
    /// Their login.
    pub moderator_user_login: String,
    /// Their display name.
    pub moderator_user_name: String,
    /// The reason given.
    pub reason: String,
    /// When.
    pub banned_at: Option<DateTime<Utc>>,
    /// Timeout end (null when permanent).
    pub ends_at: Option<DateTime<Utc>>,
    /// Permanent ban.
    pub is_permanent: bool,
}

/// `channel.unban`, `channel.moderator.add/remove`, `channel.vip.add/remove`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(default)]
pub struct UserModAction {
    /// The affected user's id.
    pub user_id: String,
    /// Their login.
    pub user_login: String,
    /// Their display name.
    pub user_name: String,
    /// The channel's user id.
    pub broadcaster_user_id: String,
    /// The channel's login.
    pub broadcaster_user_login: String,
    /// The channel's display name.
    pub broadcaster_user_name: String,
    /// The moderator (unban only).
    pub moderator_user_id: Option<String>,
    /// Their login.
    pub moderator_user_login: Option<String>,
    /// Their display name.
    pub moderator_user_name: Option<String>,
}

/// `channel.shield_mode.begin` / `.end`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(default)]
pub struct ShieldMode {
    /// The channel's user id.
    pub broadcaster_user_id: String,
    /// The channel's login.
    pub broadcaster_user_login: String,
    /// The channel's display name.
    pub broadcaster_user_name: String,
    /// The moderator's id.
    pub moderator_user_id: String,
    /// Their login.
    pub moderator_user_login: String,
    /// Their display name.
    pub moderator_user_name: String,
    /// Begin only.
    pub started_at: Option<DateTime<Utc>>,
    /// End only.
    pub ended_at: Option<DateTime<Utc>>,
}

/// `channel.moderate` v1/v2: one moderator action; `action` names it and the object of the same
/// name (`timeout`, `ban`, `slow`, …) carries its details, every other object being null
/// (<https://dev.twitch.tv/docs/eventsub/eventsub-subscription-types/#channelmoderate-v2>).
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(default)]
pub struct ChannelModerate {
    /// The channel's user id.
    pub broadcaster_user_id: String,
    /// The channel's login.
    pub broadcaster_user_login: String,
    /// The channel's display name.
    pub broadcaster_user_name: String,
    /// In a shared chat session, the channel the action happened in (null otherwise).
    pub source_broadcaster_user_id: Option<String>,
    /// Its login.
    pub source_broadcaster_user_login: Option<String>,
    /// Its display name.
    pub source_broadcaster_user_name: Option<String>,
    /// The moderator who acted.
    pub moderator_user_id: String,
    /// Their login.
    pub moderator_user_login: String,
    /// Their display name.
    pub moderator_user_name: String,
    /// Twitch's name of the action: `ban`, `timeout`, `unban`, `untimeout`, `clear`,
    /// `emoteonly(off)`, `followers(off)`, `uniquechat(off)`, `slow(off)`, `subscribers(off)`,
    /// `raid`, `unraid`, `delete`, `vip`, `unvip`, `mod`, `unmod`, `add_blocked_term`, …,
    /// `approve_unban_request`, `deny_unban_request`, `warn` (v2), `shared_chat_ban`, ….
    pub action: String,
    /// `followers`: the minimum follow age.
    pub followers: Option<ModerateDetail>,
    /// `slow`: the wait between messages.
    pub slow: Option<ModerateDetail>,
    /// `vip`: who became a VIP.
    pub vip: Option<ModerateDetail>,
    /// `unvip`: who stopped being a VIP.
    pub unvip: Option<ModerateDetail>,
    /// `mod`: who became a moderator.
    #[serde(rename = "mod")]
    pub mod_: Option<ModerateDetail>,
    /// `unmod`: who stopped being a moderator.
    pub unmod: Option<ModerateDetail>,
    /// `ban`: who was banned, why.
    pub ban: Option<ModerateDetail>,
    /// `unban`: who was unbanned.
    pub unban: Option<ModerateDetail>,
    /// `timeout`: who, why, until when.
    pub timeout: Option<ModerateDetail>,
    /// `untimeout`: whose timeout was lifted.
    pub untimeout: Option<ModerateDetail>,
    /// `raid`: the raided channel and the viewers.
    pub raid: Option<ModerateDetail>,
    /// `unraid`: the channel whose raid was canceled.
    pub unraid: Option<ModerateDetail>,
    /// `delete`: whose message, and its text.
    pub delete: Option<ModerateDetail>,
    /// `add_/remove_blocked_term`, `add_/remove_permitted_term`: the terms.
    pub automod_terms: Option<ModerateDetail>,
    /// `approve_/deny_unban_request`: whose request, the moderator's message.
    pub unban_request: Option<ModerateDetail>,
    /// `warn` (v2): who, why, the rules cited.
    pub warn: Option<ModerateDetail>,
    /// `shared_chat_ban`: as `ban`, in another channel of the shared chat.
    pub shared_chat_ban: Option<ModerateDetail>,
    /// `shared_chat_unban`: as `unban`, in another channel of the shared chat.
    pub shared_chat_unban: Option<ModerateDetail>,
    /// `shared_chat_timeout`: as `timeout`, in another channel of the shared chat.
    pub shared_chat_timeout: Option<ModerateDetail>,
    /// `shared_chat_untimeout`: as `untimeout`, in another channel of the shared chat.
    pub shared_chat_untimeout: Option<ModerateDetail>,
    /// `shared_chat_delete`: as `delete`, in another channel of the shared chat.
    pub shared_chat_delete: Option<ModerateDetail>,
}

impl ChannelModerate {
    /// The object that carries the details of `action`, if Twitch sent it: `automod_terms` for
    /// the four term actions, `unban_request` for approving or denying one, else the object
    /// named like the action.
    pub fn detail(&self) -> Option<&ModerateDetail> {
        match self.action.as_str() {
            "followers" => self.followers.as_ref(),
            "slow" => self.slow.as_ref(),
            "vip" => self.vip.as_ref(),
            "unvip" => self.unvip.as_ref(),
            "mod" => self.mod_.as_ref(),
            "unmod" => self.unmod.as_ref(),
            "ban" => self.ban.as_ref(),
            "unban" => self.unban.as_ref(),
            "timeout" => self.timeout.as_ref(),
            "untimeout" => self.untimeout.as_ref(),
            "raid" => self.raid.as_ref(),
            "unraid" => self.unraid.as_ref(),
            "delete" => self.delete.as_ref(),
            "add_blocked_term"
            | "add_permitted_term"
            | "remove_blocked_term"
            | "remove_permitted_term" => self.automod_terms.as_ref(),
            "approve_unban_request" | "deny_unban_request" => self.unban_request.as_ref(),
            "warn" => self.warn.as_ref(),
            "shared_chat_ban" => self.shared_chat_ban.as_ref(),
            "shared_chat_unban" => self.shared_chat_unban.as_ref(),
            "shared_chat_timeout" => self.shared_chat_timeout.as_ref(),
            "shared_chat_untimeout" => self.shared_chat_untimeout.as_ref(),
            "shared_chat_delete" => self.shared_chat_delete.as_ref(),
            _ => None,
        }
    }
}

/// One action object of `channel.moderate`: the union of the fields Twitch documents for them
/// (each object has a few of these; the rest stay empty).
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(default)]
pub struct ModerateDetail {
    /// The user acted on (ban, timeout, delete, vip, mod, warn, unban request …) or the raided
    /// channel (raid, unraid).
    pub user_id: Option<String>,
    /// Their login.
    pub user_login: Option<String>,
    /// Their display name.
    pub user_name: Option<String>,
    /// Why (ban, timeout, warn); may be null.
    pub reason: Option<String>,
    /// When the timeout ends (timeout).
    pub expires_at: Option<DateTime<Utc>>,
    /// The viewers going along (raid).
    pub viewer_count: Option<u64>,
    /// The deleted message's id (delete).
    pub message_id: Option<String>,
    /// The deleted message's text (delete).
    pub message_body: Option<String>,
    /// The minimum follow age in minutes (followers).
    pub follow_duration_minutes: Option<u64>,
    /// The wait between messages in seconds (slow).
    pub wait_time_seconds: Option<u64>,
    /// The terms' action, `add` or `remove` (automod_terms).
    pub action: Option<String>,
    /// `blocked` or `permitted` (automod_terms).
    pub list: Option<String>,
    /// The terms added or removed (automod_terms).
    pub terms: Option<Vec<String>>,
    /// Whether AutoMod added the term when a held message was denied (automod_terms).
    pub from_automod: Option<bool>,
    /// Whether the unban request was approved (unban_request).
    pub is_approved: Option<bool>,
    /// The moderator's message to the user (unban_request).
    pub moderator_message: Option<String>,
    /// The chat rules cited (warn).
    pub chat_rules_cited: Option<Vec<String>>,
}

/// `automod.message.hold` v1/v2 and `automod.message.update` v1/v2: a message AutoMod held, and
/// what became of it. v1 gives AutoMod's `category` and `level`; v2 a `reason` (`automod` or
/// `blocked_term`) with the matching object
/// (<https://dev.twitch.tv/docs/eventsub/eventsub-subscription-types/#automodmessagehold-v2>).
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(default)]
pub struct AutomodMessage {
    /// The channel's user id.
    pub broadcaster_user_id: String,
    /// The channel's login.
    pub broadcaster_user_login: String,
    /// The channel's display name.
    pub broadcaster_user_name: String,
    /// The author's user id.
    pub user_id: String,
    /// Their login.
    pub user_login: String,
    /// Their display name.
    pub user_name: String,
    /// The moderator who approved or denied it (update only).
    pub moderator_user_id: Option<String>,
    /// Their login.
    pub moderator_user_login: Option<String>,
    /// Their display name.
    pub moderator_user_name: Option<String>,
    /// The held message's id.
    pub message_id: String,
    /// The held message.
    pub message: AutomodText,
    /// v1: AutoMod's category (`swearing`, …).
    pub category: Option<String>,
    /// v1: its level.
    pub level: Option<u64>,
    /// v2: `automod` or `blocked_term`.
    pub reason: Option<String>,
    /// v2, `reason` `automod`: the category and level.
    pub automod: Option<AutomodReason>,
    /// v2, `reason` `blocked_term`: the terms found.
    pub blocked_term: Option<BlockedTermReason>,
    /// Update only: `approved`, `denied` or `expired`.
    pub status: Option<String>,
    /// When it was held.
    pub held_at: Option<DateTime<Utc>>,
}

/// A held message's text (its fragments are not read: the text says it all for a row).
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(default)]
pub struct AutomodText {
    /// The whole text.
    pub text: String,
}

/// Why AutoMod held a message (v2, `reason` `automod`).
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(default)]
pub struct AutomodReason {
    /// The category (`swearing`, `sexwords`, …).
    pub category: String,
    /// The level.
    pub level: u64,
}

/// The blocked terms a held message contains (v2, `reason` `blocked_term`).
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(default)]
pub struct BlockedTermReason {
    /// Each term found, with where it is in the text.
    pub terms_found: Vec<TermFound>,
}

/// One blocked term found in a held message.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(default)]
pub struct TermFound {
    /// The term's id.
    pub term_id: String,
    /// Where in the message's text it is (the payload names the term only by id).
    pub boundary: Option<Boundary>,
}

/// A span of a message's text: positions in Unicode code points, both ends included (as
/// Twitch's examples show: "😂 ass" holds "ass" at 2–4).
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(default)]
pub struct Boundary {
    /// The first code point.
    pub start_pos: u64,
    /// The last code point.
    pub end_pos: u64,
}

impl AutomodMessage {
    /// AutoMod's category and level (v2's `automod`, else v1's fields), if it gave them.
    pub fn category_level(&self) -> Option<(&str, u64)> {
        match &self.automod {
            Some(a) if !a.category.is_empty() => Some((&a.category, a.level)),
            _ => self
                .category
                .as_deref()
                .filter(|c| !c.is_empty())
                .map(|c| (c, self.level.unwrap_or_default())),
        }
    }

    /// The blocked terms found, as the text spells them.
    pub fn blocked_terms(&self) -> Vec<String> {
        let Some(b) = &self.blocked_term else { return Vec::new() };
        b.terms_found
            .iter()
            .filter_map(|t| t.boundary.as_ref())
            .filter_map(|b| {
                let start = usize::try_from(b.start_pos).ok()?;
                let len =
                    usize::try_from(b.end_pos.checked_sub(b.start_pos)?).ok()?.checked_add(1)?;
                let term: String = self.message.text.chars().skip(start).take(len).collect();
                (!term.is_empty()).then_some(term)
            })
            .collect()
    }
}

/// `channel.suspicious_user.message`: a message of a user Twitch flags as suspicious
/// (<https://dev.twitch.tv/docs/eventsub/eventsub-subscription-types/#channelsuspicious_usermessage>).
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(default)]
pub struct SuspiciousUserMessage {
    /// The channel's user id.
    pub broadcaster_user_id: String,
    /// The channel's login.
    pub broadcaster_user_login: String,
    /// The channel's display name.
    pub broadcaster_user_name: String,
    /// The user's id.
    pub user_id: String,
    /// Their login.
    pub user_login: String,
    /// Their display name.
    pub user_name: String,
    /// `none`, `active_monitoring` or `restricted`.
    pub low_trust_status: String,
    /// Channels that banned the user too (null when none shared).
    pub shared_ban_channel_ids: Option<Vec<String>>,
    /// Why: `manually_added`, `ban_evader`, `banned_in_shared_channel`.
    pub types: Vec<String>,
    /// `unknown`, `possible` or `likely`.
    pub ban_evasion_evaluation: String,
    /// The message.
    pub message: SuspiciousMessageText,
}

/// A suspicious user's message.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(default)]
pub struct SuspiciousMessageText {
    /// Its id.
    pub message_id: String,
    /// Its text.
    pub text: String,
}

/// `channel.suspicious_user.update`: a moderator changed a user's suspicious status.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(default)]
pub struct SuspiciousUserUpdate {
    /// The channel's user id.
    pub broadcaster_user_id: String,
    /// The channel's login.
    pub broadcaster_user_login: String,
    /// The channel's display name.
    pub broadcaster_user_name: String,
    /// The moderator's id.
    pub moderator_user_id: String,
    /// Their login.
    pub moderator_user_login: String,
    /// Their display name.
    pub moderator_user_name: String,
    /// The user's id.
    pub user_id: String,
    /// Their login.
    pub user_login: String,
    /// Their display name.
    pub user_name: String,
    /// The new status: `none`, `active_monitoring` or `restricted`.
    pub low_trust_status: String,
}

/// `channel.warning.send` (with the moderator and why) and `channel.warning.acknowledge` (the
/// user only) (<https://dev.twitch.tv/docs/eventsub/eventsub-subscription-types/#channelwarningsend>).
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(default)]
pub struct Warning {
    /// The channel's user id.
    pub broadcaster_user_id: String,
    /// The channel's login.
    pub broadcaster_user_login: String,
    /// The channel's display name.
    pub broadcaster_user_name: String,
    /// The moderator who warned (send only).
    pub moderator_user_id: Option<String>,
    /// Their login.
    pub moderator_user_login: Option<String>,
    /// Their display name.
    pub moderator_user_name: Option<String>,
    /// The warned user's id.
    pub user_id: String,
    /// Their login.
    pub user_login: String,
    /// Their display name.
    pub user_name: String,
    /// Why (send only; may be null).
    pub reason: Option<String>,
    /// The chat rules cited (send only; may be null).
    pub chat_rules_cited: Option<Vec<String>>,
}

/// `channel.unban_request.create` (the user's request) and `.resolve` (a moderator's answer, or
/// the user canceling it)
/// (<https://dev.twitch.tv/docs/eventsub/eventsub-subscription-types/#channelunban_requestresolve>).
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(default)]
pub struct UnbanRequest {
    /// The request's id.
    pub id: String,
    /// The channel's user id.
    pub broadcaster_user_id: String,
    /// The channel's login.
    pub broadcaster_user_login: String,
    /// The channel's display name.
    pub broadcaster_user_name: String,
    /// The moderator who resolved it (resolve only; null when the user canceled it).
    pub moderator_user_id: Option<String>,
    /// Their login.
    pub moderator_user_login: Option<String>,
    /// Their display name.
    pub moderator_user_name: Option<String>,
    /// The banned user's id.
    pub user_id: String,
    /// Their login.
    pub user_login: String,
    /// Their display name.
    pub user_name: String,
    /// The user's request (create only).
    pub text: Option<String>,
    /// When it was made (create only).
    pub created_at: Option<DateTime<Utc>>,
    /// The moderator's answer (resolve only; may be null).
    pub resolution_text: Option<String>,
    /// `approved`, `canceled` or `denied` (resolve only).
    pub status: Option<String>,
}
