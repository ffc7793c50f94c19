//! The subscription planner: which EventSub subscriptions each open channel should have.
//!
//! A pure function of (channels in priority order, the user's role in each, the granted scopes,
//! what Twitch refused earlier, the cost budget). Facts it follows:
//! - the viewer set: `stream.online`, `stream.offline`,
//!   `channel.update` v2, `channel.raid` (to, and from for outgoing raids),
//!   `channel.chat.notification`, `channel.chat.message` — docs/twitch.md §2 table;
//! - moderator and broadcaster extras from docs/twitch.md §2 "What logging in as broadcaster or
//!   moderator adds", without a second source for the same happening: with `user:read:chat`
//!   the chat notification already carries subs/resubs/gifts and chat messages carry cheers, so
//!   `channel.subscribe`/`.subscription.*`/`channel.cheer` are only planned without it;
//! - cost 1 for types that need no authorization, 0 for scoped types conditioned on the token
//!   user; `max_total_cost` 10 across all WebSocket subscriptions (docs/twitch.md §1.6);
//! - priority: live/offline of every channel first (in the given order), then title/category
//!   and incoming raids channel by channel, then outgoing raids. A channel whose online/offline
//!   pair does not fit is reported in [`Plan::poll_live`]: its live status comes from batched
//!   Helix `/streams` polling instead.

use crate::eventsub::protocol::{
    ConditionKeys, SubscriptionType, Who, subscription_type, table_row,
};
use std::collections::{BTreeMap, BTreeSet};

/// Twitch's default WebSocket budget (docs/twitch.md §1.6).
pub const DEFAULT_MAX_TOTAL_COST: u32 = 10;

/// The user's role in a channel.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Viewer,
    Moderator,
    Broadcaster,
}

/// An open channel, as the planner needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlannedChannel {
    /// Twitch user id of the broadcaster (the conditions use ids).
    pub broadcaster_id: String,
    /// Login, for messages.
    pub login: String,
    /// The token user's role there.
    pub role: Role,
    /// Watched without a window (the favourite, for its go-live notification): only
    /// `stream.online`, planned after every windowed channel's live status.
    pub live_only: bool,
    /// With `live_only`: its `channel.update` too, for an alert on a title or category change
    /// (`crate::alerts`), planned after every windowed channel's details (and before their
    /// extras: the user asked for this alert).
    pub updates: bool,
    /// The user's moderator view is on: the moderation types ([`MODERATION_KINDS`]) are
    /// planned too, where the user's role allows them (docs/twitch.md §2).
    pub moderation: bool,
}

/// Everything the plan depends on.
#[derive(Debug, Clone, Default)]
pub struct PlanInput {
    /// The token's user id (reader in chat conditions, moderator in moderator conditions).
    pub user_id: String,
    /// Scopes granted on the token.
    pub scopes: Vec<String>,
    /// Open channels, most important first (the favourite first).
    pub channels: Vec<PlannedChannel>,
    /// Twitch's `max_total_cost` (10 unless Twitch says otherwise).
    pub max_total_cost: u32,
    /// `(type, broadcaster id)` pairs Twitch refused with 403, with Twitch's reason.
    pub denied: BTreeMap<(String, String), String>,
}

/// One subscription the plan wants.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct WantedSub {
    /// The channel it serves (broadcaster id).
    pub channel_id: String,
    /// EventSub type, e.g. `stream.online`.
    pub sub_type: String,
    /// Its version, e.g. `2` for `channel.update`.
    pub version: String,
    /// The condition exactly as it is sent.
    pub condition: BTreeMap<String, String>,
    /// Expected cost against `max_total_cost`.
    pub cost: u32,
}

impl WantedSub {
    /// True when a subscription Twitch lists is this one (same type, version, condition).
    /// Conditions are compared with empty values removed: Twitch lists every condition key of
    /// the type, the unused optional ones as `""` (`channel.raid` comes back as
    /// `{"from_broadcaster_user_id": "", "to_broadcaster_user_id": "222"}`, docs/twitch.md §9
    /// "Condition keys come back complete"), so an exact comparison would delete and re-create
    /// such a subscription on every reconcile, losing what happened meanwhile.
    pub fn matches(
        &self,
        sub_type: &str,
        version: &str,
        condition: &BTreeMap<String, String>,
    ) -> bool {
        fn used(c: &BTreeMap<String, String>) -> impl Iterator<Item = (&String, &String)> {
            c.iter().filter(|(_, v)| !v.is_empty())
        }
        self.sub_type == sub_type
            && self.version == version
            && used(&self.condition).eq(used(condition))
    }
}

/// Why a subscription is not in the plan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SkipReason {
    /// None of these scopes was granted.
    MissingScope(Vec<String>),
    /// Twitch refused it earlier (403) with this reason.
    Denied(String),
    /// It did not fit in `max_total_cost`.
    OverBudget,
}

impl std::fmt::Display for SkipReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SkipReason::MissingScope(s) => write!(f, "needs the scope {}", s.join(" or ")),
            SkipReason::Denied(r) => write!(f, "Twitch refused it: {r}"),
            SkipReason::OverBudget => f.write_str("over Twitch's subscription cost budget"),
        }
    }
}

/// A subscription left out, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skipped {
    pub sub: WantedSub,
    pub reason: SkipReason,
}

/// The planner's answer.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Plan {
    /// What to subscribe to, in the order to create it (most important first).
    pub subscriptions: Vec<WantedSub>,
    /// Channels whose live status must come from Helix `/streams` polling.
    pub poll_live: Vec<String>,
    /// What was left out, with reasons (shown to the user).
    pub skipped: Vec<Skipped>,
    /// Sum of the planned costs (≤ `max_total_cost`).
    pub total_cost: u32,
}

/// How a type's condition is built.
#[derive(Debug, Clone, Copy)]
enum Cond {
    /// `{broadcaster_user_id}`
    OnChannel,
    /// `{to_broadcaster_user_id}`
    RaidTo,
    /// `{from_broadcaster_user_id}`
    RaidFrom,
    /// `{broadcaster_user_id, user_id: me}` (chat types, docs/twitch.md §2)
    ChatReader,
    /// `{broadcaster_user_id, moderator_user_id: me}`
    AsModerator,
}

/// When a cost-1 subscription is planned relative to others.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Tier {
    /// Free subscriptions (cost 0) and the online/offline pair.
    Live,
    /// `channel.update` and incoming raids.
    Detail,
    /// Outgoing raids.
    Extra,
}

/// Which source a broadcaster-only type duplicates (so it is left out when that source is on).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Dup {
    None,
    /// Covered by `channel.chat.notification` (subs, resubs, gifts).
    ChatNotification,
    /// Covered by `channel.chat.message` (cheers).
    ChatMessage,
    /// Covered by `channel.moderate` v2, whose `warn` action carries the same moderator, user,
    /// reason and rules (`channel.warning.send`;
    /// https://dev.twitch.tv/docs/eventsub/eventsub-subscription-types/#channelmoderate-v2).
    ModerateV2,
}

/// One subscription the planner may create for a channel: a row of the protocol's table of
/// subscription types (version, scopes, who may subscribe, cost class, condition keys) and
/// how this app uses it (tier, duplicate, the side of a raid).
struct Kind {
    sub_type: &'static str,
    version: &'static str,
    cond: Cond,
    /// The table's row: the scopes it needs (`granted_by`, `missing_scopes`).
    row: &'static SubscriptionType,
    /// Needs no authorization: costs 1 unless the condition's user authorized this client.
    public: bool,
    min_role: Role,
    tier: Tier,
    dup: Dup,
}

/// The row for `sub_type`, built from the table; a name the table does not have, or a type
/// whose condition is not about a channel, fails the build.
const fn k(sub_type: &'static str, tier: Tier, dup: Dup) -> Kind {
    let t = table_row(sub_type);
    let cond = match t.condition {
        ConditionKeys::Broadcaster => OnChannel,
        ConditionKeys::BroadcasterAndUser => ChatReader,
        ConditionKeys::BroadcasterAndModerator => AsModerator,
        ConditionKeys::ToOrFromBroadcaster => panic!("a raid is planned with `raid`"),
        ConditionKeys::User => panic!("a user's own type is not planned for a channel"),
    };
    from_table(t, cond, tier, dup)
}

/// `channel.raid` in one direction (`RaidTo` or `RaidFrom`).
const fn raid(cond: Cond, tier: Tier) -> Kind {
    let t = table_row("channel.raid");
    assert!(matches!(t.condition, ConditionKeys::ToOrFromBroadcaster));
    assert!(matches!(cond, RaidTo | RaidFrom));
    from_table(t, cond, tier, Dup::None)
}

/// A catalogue row from a table row and this app's use of it.
const fn from_table(t: &'static SubscriptionType, cond: Cond, tier: Tier, dup: Dup) -> Kind {
    // Who may subscribe, as the lowest role that may: a viewer reads chat for themselves.
    let min_role = match t.who {
        Who::Anyone | Who::Reader => Viewer,
        Who::Moderator => Moderator,
        Who::Broadcaster => Broadcaster,
    };
    Kind {
        sub_type: t.name,
        version: t.version,
        cond,
        row: t,
        public: t.is_public(),
        min_role,
        tier,
        dup,
    }
}

/// The chat scope: with it the chat types carry subs, gifts and cheers (see [`Dup`]).
const CHAT: &SubscriptionType = table_row("channel.chat.notification");
use Cond::*;
use Role::*;
use Tier::*;

/// The catalogue, in creation order within a channel: which types of the table this app
/// subscribes to (versions, scopes and roles are the table's, docs/twitch.md §2).
const KINDS: &[Kind] = &[
    // Viewer set (docs/twitch.md §2 table).
    k("stream.online", Live, Dup::None),
    k("stream.offline", Live, Dup::None),
    k("channel.chat.notification", Live, Dup::None),
    k("channel.chat.message", Live, Dup::None),
    k("channel.update", Detail, Dup::None),
    raid(RaidTo, Detail),
    raid(RaidFrom, Extra),
    // Moderator extras (docs/twitch.md §2 "What logging in as broadcaster or moderator adds").
    k("channel.follow", Live, Dup::None),
    k("channel.shoutout.receive", Live, Dup::None),
    // Broadcaster extras.
    k("channel.subscribe", Live, Dup::ChatNotification),
    k("channel.subscription.gift", Live, Dup::ChatNotification),
    k("channel.subscription.message", Live, Dup::ChatNotification),
    k("channel.cheer", Live, Dup::ChatMessage),
    k("channel.ad_break.begin", Live, Dup::None),
    k("channel.hype_train.begin", Live, Dup::None),
    k("channel.hype_train.progress", Live, Dup::None),
    k("channel.hype_train.end", Live, Dup::None),
    k("channel.poll.begin", Live, Dup::None),
    k("channel.poll.progress", Live, Dup::None),
    k("channel.poll.end", Live, Dup::None),
    k("channel.prediction.begin", Live, Dup::None),
    k("channel.prediction.progress", Live, Dup::None),
    k("channel.prediction.lock", Live, Dup::None),
    k("channel.prediction.end", Live, Dup::None),
    k("channel.channel_points_custom_reward_redemption.add", Live, Dup::None),
    // Twitch's own rewards (highlight a message, unlock an emote), v2 (docs/twitch.md §2).
    k("channel.channel_points_automatic_reward_redemption.add", Live, Dup::None),
];

/// What a moderator acts on, planned only for a channel in the moderator view
/// ([`PlannedChannel::moderation`]), where the user moderates the channel or is its broadcaster
/// (docs/twitch.md §2 "What logging in as broadcaster or moderator adds"). All cost 0.
/// `channel.ban`/`channel.unban` are not among them: `channel.moderate` tells the same
/// actions, and they need `channel:moderate`, a scope that also lets an app moderate.
const MODERATION_KINDS: &[Kind] = &[
    MODERATE,
    k("automod.message.hold", Live, Dup::None),
    k("automod.message.update", Live, Dup::None),
    k("channel.suspicious_user.message", Live, Dup::None),
    k("channel.suspicious_user.update", Live, Dup::None),
    k("channel.warning.send", Live, Dup::ModerateV2),
    k("channel.warning.acknowledge", Live, Dup::None),
    k("channel.unban_request.create", Live, Dup::None),
    k("channel.unban_request.resolve", Live, Dup::None),
    k("channel.shield_mode.begin", Live, Dup::None),
    k("channel.shield_mode.end", Live, Dup::None),
];

/// `channel.moderate`: every moderator's action in the channel.
const MODERATE: Kind = k("channel.moderate", Live, Dup::None);

/// The table rows of the moderator view's types ([`MODERATION_KINDS`]): the scopes the app
/// asks for with the moderator view are derived from them (`auth::scopes`).
pub fn moderation_types() -> Vec<&'static SubscriptionType> {
    MODERATION_KINDS.iter().map(|k| k.row).collect()
}

/// The table rows of the types [`plan`] may create on a channel where the user has `role`
/// (those open to a lower role included), leaving out, with `chat` (the chat scope granted),
/// the types the chat types already carry, as [`plan`] does. The scopes the app asks for are
/// derived from it (`auth::scopes`).
pub fn types_for_role(role: Role, chat: bool) -> Vec<&'static SubscriptionType> {
    KINDS
        .iter()
        .filter(|k| k.min_role <= role && !(chat && k.dup != Dup::None))
        .filter_map(|k| subscription_type(k.sub_type))
        .collect()
}

/// True for types that need no authorization and therefore cost 1 (docs/twitch.md §1.6).
pub fn is_public_type(sub_type: &str) -> bool {
    KINDS.iter().any(|k| k.sub_type == sub_type && k.public)
}

fn condition(cond: Cond, channel: &str, me: &str) -> BTreeMap<String, String> {
    let pairs: Vec<(&str, &str)> = match cond {
        OnChannel => vec![("broadcaster_user_id", channel)],
        RaidTo => vec![("to_broadcaster_user_id", channel)],
        RaidFrom => vec![("from_broadcaster_user_id", channel)],
        ChatReader => vec![("broadcaster_user_id", channel), ("user_id", me)],
        AsModerator => vec![("broadcaster_user_id", channel), ("moderator_user_id", me)],
    };
    pairs.into_iter().map(|(a, b)| (a.to_string(), b.to_string())).collect()
}

/// Computes the wanted subscriptions. Pure: same input, same plan.
pub fn plan(input: &PlanInput) -> Plan {
    let chat = CHAT.granted_by(&input.scopes);
    let mut out = Plan::default();
    let mut seen_channels = BTreeSet::new();
    // Windowed channels first, in the given order, then the live-only ones: a channel the
    // user is looking at never loses its live status to one watched in the background.
    let mut channels: Vec<&PlannedChannel> =
        input.channels.iter().filter(|c| seen_channels.insert(c.broadcaster_id.clone())).collect();
    channels.sort_by_key(|c| c.live_only);

    // Candidates per tier, in (tier, channel, catalogue) order.
    let mut free: Vec<WantedSub> = Vec::new();
    let mut live_pairs: Vec<(String, Vec<WantedSub>)> = Vec::new();
    let mut detail: Vec<WantedSub> = Vec::new();
    let mut extra: Vec<WantedSub> = Vec::new();
    for ch in &channels {
        let mut pair = Vec::new();
        let moderation = if ch.moderation && !ch.live_only { MODERATION_KINDS } else { &[] };
        // Whether `channel.moderate` v2 is planned for the channel: set when it is, before the
        // types it covers are looked at (it comes first in `MODERATION_KINDS`).
        let mut moderate_v2 = false;
        for kind in KINDS.iter().chain(moderation) {
            let background_wants = kind.sub_type == "stream.online"
                || (ch.updates && kind.sub_type == "channel.update");
            if ch.role < kind.min_role || (ch.live_only && !background_wants) {
                continue;
            }
            let covered = match kind.dup {
                Dup::None => false,
                Dup::ChatNotification | Dup::ChatMessage => chat,
                Dup::ModerateV2 => moderate_v2,
            };
            if covered {
                continue;
            }
            // The newest version the token's scopes allow (`versions` lists the newest first):
            // `channel.moderate` v1 needs one scope group fewer than v2 (docs/twitch.md §2).
            let granted =
                kind.row.versions.iter().copied().find(|v| kind.row.granted_at(v, &input.scopes));
            let sub = WantedSub {
                channel_id: ch.broadcaster_id.clone(),
                sub_type: kind.sub_type.to_string(),
                version: granted.unwrap_or(kind.version).to_string(),
                condition: condition(kind.cond, &ch.broadcaster_id, &input.user_id),
                // docs/twitch.md §1.6: 1 for a type that needs no authorization, 0 when the user in
                // the condition authorized the client — the broadcaster on their own channel.
                cost: u32::from(kind.public && ch.broadcaster_id != input.user_id),
            };
            if granted.is_none()
                && let Some(group) = kind.row.missing_scopes(&input.scopes)
            {
                let scopes = group.iter().map(|s| s.to_string()).collect();
                out.skipped.push(Skipped { sub, reason: SkipReason::MissingScope(scopes) });
                continue;
            }
            if let Some(why) = input.denied.get(&(sub.sub_type.clone(), sub.channel_id.clone())) {
                out.skipped.push(Skipped { sub, reason: SkipReason::Denied(why.clone()) });
                continue;
            }
            moderate_v2 |= kind.sub_type == MODERATE.sub_type && sub.version == MODERATE.version;
            match (sub.cost, kind.tier) {
                (0, _) => free.push(sub),
                (_, Live) => pair.push(sub),
                (_, Detail) => detail.push(sub),
                (_, Extra) => extra.push(sub),
            }
        }
        live_pairs.push((ch.broadcaster_id.clone(), pair));
    }

    let mut budget = input.max_total_cost;
    let mut paid: Vec<WantedSub> = Vec::new();
    for (channel, pair) in live_pairs {
        let cost: u32 = pair.iter().map(|s| s.cost).sum();
        // online without offline (or the reverse) would leave the header wrong: both or none
        // (a live-only channel has no header: online alone).
        let whole = pair.len() == 2
            || (pair.len() == 1
                && channels.iter().any(|c| c.broadcaster_id == channel && c.live_only));
        if whole && cost <= budget {
            budget -= cost;
            paid.extend(pair);
        } else {
            out.poll_live.push(channel);
            out.skipped.extend(
                pair.into_iter().map(|sub| Skipped { sub, reason: SkipReason::OverBudget }),
            );
        }
    }
    for sub in detail.into_iter().chain(extra) {
        if sub.cost <= budget {
            budget -= sub.cost;
            paid.push(sub);
        } else {
            out.skipped.push(Skipped { sub, reason: SkipReason::OverBudget });
        }
    }
    out.total_cost = input.max_total_cost - budget;
    // Creation order: the first live pair first (any subscription starts the 4003 clock's
    // relief, docs/twitch.md §1.1), then the free ones, then the rest of the paid ones.
    let first_pair = paid.len().min(2);
    let rest = paid.split_off(first_pair);
    out.subscriptions = paid.into_iter().chain(free).chain(rest).collect();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ch(id: &str, role: Role) -> PlannedChannel {
        PlannedChannel {
            broadcaster_id: id.into(),
            login: format!("login{id}"),
            role,
            live_only: false,
            updates: false,
            moderation: false,
        }
    }

    fn input(channels: Vec<PlannedChannel>, scopes: &[&str]) -> PlanInput {
        PlanInput {
            user_id: "900".into(),
            scopes: scopes.iter().map(|s| s.to_string()).collect(),
            channels,
            max_total_cost: DEFAULT_MAX_TOTAL_COST,
            denied: BTreeMap::new(),
        }
    }

    fn types_of(p: &Plan, channel: &str) -> Vec<String> {
        p.subscriptions
            .iter()
            .filter(|s| s.channel_id == channel)
            .map(|s| {
                if s.sub_type == "channel.raid" {
                    let dir = if s.condition.contains_key("to_broadcaster_user_id") {
                        "to"
                    } else {
                        "from"
                    };
                    format!("channel.raid:{dir}")
                } else {
                    s.sub_type.clone()
                }
            })
            .collect()
    }

    /// docs/twitch.md §9: Twitch lists a raid's unused direction as `""`.
    #[test]
    fn a_listed_condition_matches_with_its_unused_keys_empty_and_not_with_them_used() {
        let p = plan(&input(vec![ch("1", Role::Viewer)], &[]));
        let to = p
            .subscriptions
            .iter()
            .find(|s| s.condition.contains_key("to_broadcaster_user_id"))
            .expect("the incoming raid");
        let listed = |from: &str| {
            BTreeMap::from([
                ("from_broadcaster_user_id".to_string(), from.to_string()),
                ("to_broadcaster_user_id".to_string(), "1".to_string()),
            ])
        };
        assert!(to.matches("channel.raid", "1", &listed("")));
        assert!(!to.matches("channel.raid", "1", &listed("2")), "a narrower subscription");
        assert!(!to.matches("channel.raid", "2", &listed("")), "another version");
    }

    #[test]
    fn viewer_of_one_channel_gets_the_design_viewer_set_within_budget() {
        let p = plan(&input(vec![ch("1", Viewer)], &["user:read:chat"]));
        let mut t = types_of(&p, "1");
        t.sort();
        assert_eq!(
            t,
            [
                "channel.chat.message",
                "channel.chat.notification",
                "channel.raid:from",
                "channel.raid:to",
                "channel.update",
                "stream.offline",
                "stream.online"
            ]
        );
        // docs/twitch.md §2 budget: 4–8 of 10 for one favourite (5 here: online, offline, update,
        // raid×2).
        assert_eq!(p.total_cost, 5);
        assert!(p.poll_live.is_empty());
        let update =
            p.subscriptions.iter().find(|s| s.sub_type == "channel.update").expect("update");
        assert_eq!(update.version, "2", "docs/twitch.md §2: channel.update v2");
        let chat =
            p.subscriptions.iter().find(|s| s.sub_type == "channel.chat.message").expect("chat");
        assert_eq!(chat.cost, 0);
        assert_eq!(chat.condition.get("user_id").map(String::as_str), Some("900"));
        assert_eq!(chat.condition.get("broadcaster_user_id").map(String::as_str), Some("1"));
        // The first thing created is the live pair: one subscription soon after the welcome.
        assert_eq!(p.subscriptions[0].sub_type, "stream.online");
        assert_eq!(p.subscriptions[1].sub_type, "stream.offline");
    }

    #[test]
    fn without_the_chat_scope_chat_types_are_skipped_with_a_reason() {
        let p = plan(&input(vec![ch("1", Viewer)], &[]));
        assert!(!types_of(&p, "1").iter().any(|t| t.starts_with("channel.chat")));
        let reasons: Vec<String> = p
            .skipped
            .iter()
            .filter(|s| s.sub.sub_type.starts_with("channel.chat"))
            .map(|s| s.reason.to_string())
            .collect();
        assert_eq!(reasons.len(), 2);
        assert!(reasons.iter().all(|r| r.contains("user:read:chat")), "{reasons:?}");
    }

    #[test]
    fn moderator_adds_follow_and_shoutouts_with_self_as_moderator() {
        let scopes = ["user:read:chat", "moderator:read:followers", "moderator:read:shoutouts"];
        let p = plan(&input(vec![ch("1", Moderator)], &scopes));
        let t = types_of(&p, "1");
        assert!(t.contains(&"channel.follow".to_string()));
        assert!(t.contains(&"channel.shoutout.receive".to_string()));
        assert!(!t.contains(&"channel.subscribe".to_string()), "broadcaster-only stays off");
        let follow =
            p.subscriptions.iter().find(|s| s.sub_type == "channel.follow").expect("follow");
        assert_eq!(follow.version, "2");
        assert_eq!(follow.cost, 0);
        assert_eq!(follow.condition.get("moderator_user_id").map(String::as_str), Some("900"));
    }

    #[test]
    fn moderator_without_the_scope_gets_a_visible_reason() {
        let p = plan(&input(vec![ch("1", Moderator)], &["user:read:chat"]));
        let s = p.skipped.iter().find(|s| s.sub.sub_type == "channel.follow").expect("skipped");
        assert_eq!(s.reason, SkipReason::MissingScope(vec!["moderator:read:followers".into()]));
    }

    #[test]
    fn broadcaster_with_chat_has_no_second_source_for_subs_or_cheers() {
        let all = [
            "user:read:chat",
            "moderator:read:followers",
            "channel:read:subscriptions",
            "bits:read",
            "channel:read:hype_train",
            "channel:read:polls",
            "channel:read:predictions",
            "channel:read:ads",
            "channel:read:redemptions",
            "moderator:read:shoutouts",
        ];
        let p = plan(&input(vec![ch("900", Broadcaster)], &all));
        let t = types_of(&p, "900");
        for absent in [
            "channel.subscribe",
            "channel.subscription.gift",
            "channel.subscription.message",
            "channel.cheer",
        ] {
            assert!(!t.contains(&absent.to_string()), "{absent} duplicates chat: {t:?}");
        }
        for present in [
            "channel.follow",
            "channel.hype_train.begin",
            "channel.hype_train.end",
            "channel.poll.begin",
            "channel.prediction.lock",
            "channel.ad_break.begin",
            "channel.channel_points_custom_reward_redemption.add",
            "channel.shoutout.receive",
        ] {
            assert!(t.contains(&present.to_string()), "{present} missing: {t:?}");
        }
        let ht =
            p.subscriptions.iter().find(|s| s.sub_type == "channel.hype_train.begin").expect("ht");
        assert_eq!(ht.version, "2", "docs/twitch.md §2: hype train v2");
        // No subscription twice.
        let mut keys: Vec<_> =
            p.subscriptions.iter().map(|s| (&s.sub_type, &s.condition)).collect();
        let n = keys.len();
        keys.sort();
        keys.dedup();
        assert_eq!(keys.len(), n);
    }

    /// The scopes a moderator grants for the moderator view: what the app asks for with it
    /// (`auth::scopes`, where the list is checked against Twitch's documented scopes).
    fn moderation_scopes() -> Vec<String> {
        use crate::settings::RoleOptIn;
        crate::auth::scopes::for_roles(RoleOptIn { moderation: true, ..RoleOptIn::default() })
    }

    /// [`input`] with `scopes` given as owned strings.
    fn input_owned(channels: Vec<PlannedChannel>, scopes: &[String]) -> PlanInput {
        let scopes: Vec<&str> = scopes.iter().map(String::as_str).collect();
        input(channels, &scopes)
    }

    /// Every moderation type the moderator view subscribes to.
    const MODERATION_TYPES: &[&str] = &[
        "channel.moderate",
        "automod.message.hold",
        "automod.message.update",
        "channel.suspicious_user.message",
        "channel.suspicious_user.update",
        "channel.warning.send",
        "channel.warning.acknowledge",
        "channel.unban_request.create",
        "channel.unban_request.resolve",
        "channel.shield_mode.begin",
        "channel.shield_mode.end",
    ];

    fn moderator_view(id: &str, role: Role) -> PlannedChannel {
        PlannedChannel { moderation: true, ..ch(id, role) }
    }

    #[test]
    fn the_moderator_view_adds_what_a_moderator_acts_on_at_no_cost() {
        let p = plan(&input_owned(vec![moderator_view("7", Moderator)], &moderation_scopes()));
        let t = types_of(&p, "7");
        for ty in MODERATION_TYPES.iter().filter(|t| **t != "channel.warning.send") {
            assert!(t.contains(&ty.to_string()), "{ty} missing: {t:?}; skipped {:?}", p.skipped);
        }
        // v2's `warn` tells what `channel.warning.send` would, so it is left out.
        assert!(!t.contains(&"channel.warning.send".to_string()), "{t:?}");
        for s in p.subscriptions.iter().filter(|s| MODERATION_TYPES.contains(&s.sub_type.as_str()))
        {
            assert_eq!(s.cost, 0, "{}", s.sub_type);
            assert_eq!(s.condition["moderator_user_id"], "900", "{}", s.sub_type);
            assert_eq!(s.condition["broadcaster_user_id"], "7", "{}", s.sub_type);
        }
        let version =
            |ty: &str| p.subscriptions.iter().find(|s| s.sub_type == ty).map(|s| &s.version);
        assert_eq!(version("channel.moderate").map(String::as_str), Some("2"));
        assert_eq!(version("automod.message.hold").map(String::as_str), Some("2"));
        // Channel.ban/unban would be a second row for one action (and need `channel:moderate`).
        assert!(!t.contains(&"channel.ban".to_string()), "{t:?}");
    }

    #[test]
    fn without_the_moderator_view_or_the_role_no_moderation_type_is_planned() {
        let off = plan(&input_owned(vec![ch("7", Moderator)], &moderation_scopes()));
        let viewer = plan(&input_owned(vec![moderator_view("8", Viewer)], &moderation_scopes()));
        for (p, id) in [(&off, "7"), (&viewer, "8")] {
            let t = types_of(p, id);
            assert!(MODERATION_TYPES.iter().all(|m| !t.contains(&m.to_string())), "{t:?}");
            let skipped: Vec<_> = p.skipped.iter().map(|s| s.sub.sub_type.as_str()).collect();
            assert!(MODERATION_TYPES.iter().all(|m| !skipped.contains(m)), "{skipped:?}");
        }
    }

    #[test]
    fn channel_moderate_falls_back_to_v1_when_only_v1s_scopes_are_granted() {
        // v1 has no warnings group (Twitch's channel.moderate v1 authorization).
        let mut v1 = moderation_scopes();
        v1.retain(|s| !s.contains("warnings"));
        let p = plan(&input_owned(vec![moderator_view("7", Moderator)], &v1));
        let m = p.subscriptions.iter().find(|s| s.sub_type == "channel.moderate");
        assert_eq!(m.map(|s| s.version.as_str()), Some("1"), "{:?}", p.skipped);
        // Without channel.moderate v2 (here: no VIP scope, so no version at all) the warnings
        // come from their own type.
        let mut no_moderate = moderation_scopes();
        no_moderate.retain(|s| s != "moderator:read:vips");
        let p = plan(&input_owned(vec![moderator_view("7", Moderator)], &no_moderate));
        let t = types_of(&p, "7");
        assert!(!t.contains(&"channel.moderate".to_string()), "{t:?}");
        assert!(t.contains(&"channel.warning.send".to_string()), "{t:?}");
        let none = plan(&input(vec![moderator_view("7", Moderator)], &["user:read:chat"]));
        let skipped = none.skipped.iter().find(|s| s.sub.sub_type == "channel.moderate");
        assert!(
            matches!(skipped.map(|s| &s.reason), Some(SkipReason::MissingScope(_))),
            "a visible reason: {:?}",
            none.skipped
        );
    }

    #[test]
    fn the_broadcaster_gets_twitchs_automatic_reward_redemptions_v2() {
        let p = plan(&input(vec![ch("900", Broadcaster)], &["channel:read:redemptions"]));
        let auto = p
            .subscriptions
            .iter()
            .find(|s| s.sub_type == "channel.channel_points_automatic_reward_redemption.add");
        assert_eq!(auto.map(|s| (s.version.as_str(), s.cost)), Some(("2", 0)), "{p:?}");
        let viewer = plan(&input(vec![ch("7", Moderator)], &["channel:read:redemptions"]));
        assert!(!types_of(&viewer, "7").iter().any(|t| t.contains("automatic_reward")));
    }

    #[test]
    fn broadcaster_without_chat_scope_uses_the_broadcaster_sub_and_cheer_types() {
        let p = plan(&input(
            vec![ch("900", Broadcaster)],
            &["channel:read:subscriptions", "bits:read"],
        ));
        let t = types_of(&p, "900");
        assert!(t.contains(&"channel.subscribe".to_string()));
        assert!(t.contains(&"channel.subscription.message".to_string()));
        assert!(t.contains(&"channel.cheer".to_string()));
        assert!(
            p.subscriptions.iter().filter(|s| s.sub_type == "channel.cheer").all(|s| s.cost == 0)
        );
    }

    #[test]
    fn live_status_of_every_channel_comes_before_details_of_the_others() {
        let chans: Vec<_> = (1..=4).map(|i| ch(&i.to_string(), Viewer)).collect();
        let p = plan(&input(chans, &["user:read:chat"]));
        assert!(p.poll_live.is_empty());
        for c in ["1", "2", "3", "4"] {
            let t = types_of(&p, c);
            assert!(
                t.contains(&"stream.online".to_string())
                    && t.contains(&"stream.offline".to_string()),
                "{c}"
            );
        }
        // 8 spent on live pairs, 2 left: channel 1's update and incoming raid.
        assert_eq!(p.total_cost, 10);
        assert!(types_of(&p, "1").contains(&"channel.update".to_string()));
        assert!(types_of(&p, "1").contains(&"channel.raid:to".to_string()));
        assert!(!types_of(&p, "2").contains(&"channel.update".to_string()));
        assert!(
            p.skipped.iter().any(|s| s.sub.channel_id == "2" && s.reason == SkipReason::OverBudget)
        );
    }

    #[test]
    fn a_background_channel_gets_only_its_go_live_after_every_windowed_channel() {
        // The favourite, watched with no window, is listed first — it still comes last.
        let mut fav = ch("1", Viewer);
        fav.live_only = true;
        let mut chans = vec![fav];
        chans.extend((2..=5).map(|i| ch(&i.to_string(), Viewer)));
        let p = plan(&input(chans.clone(), &["user:read:chat"]));
        assert_eq!(types_of(&p, "1"), ["stream.online"], "only its go-live: no chat, no offline");
        // 4 windows × online/offline + the favourite's online = 9; the last 1 goes to details.
        assert_eq!(p.total_cost, 10);
        assert!(p.poll_live.is_empty());
        // Five windows use the whole budget: the background favourite is the one left out.
        chans.push(ch("6", Viewer));
        let p = plan(&input(chans, &["user:read:chat"]));
        assert_eq!(p.total_cost, 10);
        assert_eq!(p.poll_live, ["1"], "the windows keep EventSub, the favourite is polled");
    }

    #[test]
    fn a_background_channel_with_title_or_category_alerts_also_gets_its_channel_update() {
        // An alert on a title or category change needs `channel.update` (docs/twitch.md §1.8):
        // the one detail a channel without a window gets, after every window's details (the
        // budget's tiers: live status, details, extras).
        let mut alert = ch("1", Viewer);
        alert.live_only = true;
        alert.updates = true;
        let p = plan(&input(vec![alert, ch("2", Viewer)], &["user:read:chat"]));
        let mut types = types_of(&p, "1");
        types.sort();
        assert_eq!(types, ["channel.update", "stream.online"]);
        let order: Vec<_> =
            p.subscriptions.iter().map(|s| (s.channel_id.as_str(), s.sub_type.as_str())).collect();
        let window_update = order.iter().position(|o| *o == ("2", "channel.update")).unwrap();
        let alert_update = order.iter().position(|o| *o == ("1", "channel.update")).unwrap();
        assert!(alert_update > window_update, "the window's details come first: {order:?}");
    }

    #[test]
    fn the_broadcasters_own_live_status_costs_nothing() {
        // docs/twitch.md §1.6: 0 when the user in the condition authorized the client.
        let p = plan(&input(vec![ch("900", Broadcaster)], &["user:read:chat"]));
        let online = p.subscriptions.iter().find(|s| s.sub_type == "stream.online");
        assert_eq!(online.map(|s| s.cost), Some(0));
    }

    #[test]
    fn channels_past_the_budget_fall_back_to_polling() {
        let chans: Vec<_> = (1..=7).map(|i| ch(&i.to_string(), Viewer)).collect();
        let p = plan(&input(chans, &["user:read:chat"]));
        assert_eq!(p.total_cost, 10);
        assert_eq!(p.poll_live, ["6", "7"]);
        // Their chat (cost 0) still flows.
        assert!(types_of(&p, "7").contains(&"channel.chat.notification".to_string()));
        assert!(!types_of(&p, "7").contains(&"stream.online".to_string()));
    }

    #[test]
    fn cost_never_exceeds_the_budget_for_any_budget() {
        for budget in 0..=12 {
            let chans: Vec<_> = (1..=5).map(|i| ch(&i.to_string(), Viewer)).collect();
            let mut i = input(chans, &["user:read:chat"]);
            i.max_total_cost = budget;
            let p = plan(&i);
            let sum: u32 = p.subscriptions.iter().map(|s| s.cost).sum();
            assert!(sum <= budget, "budget {budget}: {sum}");
            assert_eq!(sum, p.total_cost);
            // Every channel either has both live types or is polled.
            for c in 1..=5 {
                let c = c.to_string();
                let t = types_of(&p, &c);
                let live = t.contains(&"stream.online".to_string())
                    && t.contains(&"stream.offline".to_string());
                assert!(live != p.poll_live.contains(&c), "budget {budget} channel {c}");
            }
            if budget == 0 {
                assert_eq!(p.poll_live.len(), 5);
            }
        }
    }

    #[test]
    fn a_denied_type_is_dropped_for_that_channel_only() {
        let scopes = ["user:read:chat", "moderator:read:followers"];
        let mut i = input(vec![ch("1", Moderator), ch("2", Moderator)], &scopes);
        i.denied.insert(("channel.follow".into(), "1".into()), "Forbidden: not a moderator".into());
        let p = plan(&i);
        assert!(!types_of(&p, "1").contains(&"channel.follow".to_string()));
        assert!(types_of(&p, "2").contains(&"channel.follow".to_string()));
        let s = p.skipped.iter().find(|s| s.sub.sub_type == "channel.follow").expect("skipped");
        assert!(s.reason.to_string().contains("not a moderator"));
    }

    #[test]
    fn the_same_channel_twice_is_planned_once() {
        let p = plan(&input(vec![ch("1", Viewer), ch("1", Viewer)], &["user:read:chat"]));
        assert_eq!(p.subscriptions.iter().filter(|s| s.sub_type == "stream.online").count(), 1);
        assert_eq!(p.total_cost, 5);
    }

    #[test]
    fn public_types_are_the_cost_one_types() {
        assert!(is_public_type("stream.online"));
        assert!(is_public_type("channel.raid"));
        assert!(!is_public_type("channel.chat.message"));
        assert!(!is_public_type("channel.follow"));
    }
}
