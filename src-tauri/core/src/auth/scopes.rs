//! Which scopes to request: exactly what the enabled features use, derived from one table
//! ([`FEATURES`]) of what each feature subscribes to or calls, and nothing else. Every scope is
//! shown to the user on Twitch's consent page (docs/twitch.md §3.5), and a scope no code path
//! uses is a permission the app holds for nothing.
//!
//! A feature's subscriptions are the ones the planner makes on a channel where the user has
//! the feature's role ([`planner::types_for_role`]), each with the scope the protocol table
//! lists for it (docs/twitch.md §2); its Helix calls are [`ScopedCall`]s (docs/twitch.md §4).

use std::collections::BTreeSet;

use crate::eventsub::planner::{self, Role};
use crate::helix::{self, ScopedCall};
use crate::settings::RoleOptIn;

/// One feature of the app and what it uses that needs a scope.
#[derive(Debug, Clone, Copy)]
pub struct Feature {
    /// Its name, for messages and tests.
    pub name: &'static str,
    /// Whether the user's opt-in turns it on (the viewer feature is always on).
    pub enabled: fn(RoleOptIn) -> bool,
    /// The role whose subscriptions it brings: the planner's types for a channel where the
    /// user has this role; none for a feature that only calls Helix.
    pub role: Option<Role>,
    /// The Helix calls it makes that need a scope.
    pub calls: &'static [ScopedCall],
    /// It brings the moderator view's types ([`planner::moderation_types`]) instead of a
    /// role's.
    pub moderation: bool,
}

/// Every viewer: live status, title, raids and chat of the open channels (the chat types need
/// `user:read:chat`), and the home page's followed list and which of those are live.
pub const VIEWER: Feature = Feature {
    name: "viewer",
    enabled: |_| true,
    role: Some(Role::Viewer),
    calls: &[helix::FOLLOWED_CHANNELS, helix::FOLLOWED_STREAMS],
    moderation: false,
};

/// "I'm a moderator": follows and shoutouts of the channels the user moderates, and the list
/// of those channels.
pub const MODERATOR: Feature = Feature {
    name: "moderator",
    enabled: |r| r.moderator,
    role: Some(Role::Moderator),
    calls: &[helix::MODERATED_CHANNELS],
    moderation: false,
};

/// "I'm the broadcaster": the broadcaster's own events on their channel (those the chat types
/// do not already carry).
pub const BROADCASTER: Feature = Feature {
    name: "broadcaster",
    enabled: |r| r.broadcaster,
    role: Some(Role::Broadcaster),
    calls: &[],
    moderation: false,
};

/// "Chat from the app": the message box under a streamer window's chat sends as the user
/// through Helix Send Chat Message (https://dev.twitch.tv/docs/api/reference/#send-chat-message).
/// Asked for only once the user turns chatting on.
pub const CHAT: Feature = Feature {
    name: "chat",
    enabled: |r| r.chat,
    role: None,
    calls: &[helix::SEND_CHAT_MESSAGE],
    moderation: false,
};

/// "Moderator view": what a moderator acts on in the channels where the view is on
/// (`channel.moderate`, AutoMod, suspicious users, warnings, unban requests, shield mode). Asked
/// for only once the user turns a channel's moderator view on. AutoMod's held messages need
/// `moderator:manage:automod`, the only scope Twitch offers for them
/// (https://dev.twitch.tv/docs/eventsub/eventsub-subscription-types/#automodmessagehold).
pub const MODERATION: Feature = Feature {
    name: "moderation",
    enabled: |r| r.moderation,
    role: None,
    calls: &[],
    moderation: true,
};

/// The table: every feature the scopes come from, the viewer's first.
pub const FEATURES: &[Feature] = &[VIEWER, MODERATOR, BROADCASTER, CHAT, MODERATION];

/// The scopes to request for the user's opt-in, each once: the viewer's first, then each
/// enabled feature's in the table's order.
pub fn for_roles(roles: RoleOptIn) -> Vec<String> {
    // The chat types carry subs, gifts and cheers when the chat scope is granted, so the
    // broadcaster's own types for those are not planned (the planner's rule); the viewer
    // feature, always on, brings the chat scope.
    let chat = true;
    let mut out: Vec<String> = Vec::new();
    let mut seen = BTreeSet::new();
    for f in FEATURES.iter().filter(|f| (f.enabled)(roles)) {
        let subs = if f.moderation {
            planner::moderation_types()
        } else {
            f.role.map(|r| planner::types_for_role(r, chat)).unwrap_or_default()
        };
        // The read-only scope of each of a type's scope groups.
        let from_subs = subs.iter().flat_map(|t| t.read_scopes());
        let from_calls = f.calls.iter().map(|c| c.scope);
        for s in from_subs.chain(from_calls) {
            if seen.insert(s) {
                out.push(s.to_string());
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chatting_asks_for_the_chat_write_scope_and_only_when_turned_on() {
        let off =
            for_roles(RoleOptIn { broadcaster: true, moderator: true, ..RoleOptIn::default() });
        assert!(!off.iter().any(|s| s == "user:write:chat"), "{off:?}");
        let on = for_roles(RoleOptIn { chat: true, ..RoleOptIn::default() });
        assert_eq!(on, ["user:read:chat", "user:read:follows", "user:write:chat"]);
    }

    #[test]
    fn the_moderator_view_asks_for_its_read_scopes_and_automods_only_scope() {
        let off = for_roles(RoleOptIn { moderator: true, ..RoleOptIn::default() });
        assert!(!off.iter().any(|s| s.contains("automod") || s.contains("banned")), "{off:?}");
        let on = for_roles(RoleOptIn { moderator: true, moderation: true, ..RoleOptIn::default() });
        for s in [
            "moderator:read:blocked_terms",
            "moderator:read:chat_settings",
            "moderator:read:unban_requests",
            "moderator:read:banned_users",
            "moderator:read:chat_messages",
            "moderator:read:warnings",
            "moderator:read:moderators",
            "moderator:read:vips",
            "moderator:manage:automod",
            "moderator:read:suspicious_users",
            "moderator:read:shield_mode",
        ] {
            assert!(on.contains(&s.to_string()), "{s} missing from {on:?}");
        }
        // The one manage scope is AutoMod's, which has no read scope; nothing else writes.
        let writes: Vec<_> =
            on.iter().filter(|s| s.contains(":manage:") || s.contains(":write:")).collect();
        assert_eq!(writes, ["moderator:manage:automod"], "{on:?}");
        // And every type the planner plans in the view is authorized by what is asked for.
        for t in crate::eventsub::planner::moderation_types() {
            assert!(t.granted_by(&on), "{} is not authorized by {on:?}", t.name);
        }
    }

    #[test]
    fn a_viewer_asks_for_chat_and_follows_only() {
        assert_eq!(for_roles(RoleOptIn::default()), ["user:read:chat", "user:read:follows"]);
    }

    #[test]
    fn no_role_asks_for_a_write_or_manage_scope() {
        // Only chatting writes (above); no role does.
        let all =
            for_roles(RoleOptIn { broadcaster: true, moderator: true, ..RoleOptIn::default() });
        assert!(
            all.iter().all(|s| !s.contains(":manage:")
                && !s.contains(":write:")
                && s != "channel:moderate"),
            "{all:?}"
        );
        let m = for_roles(RoleOptIn { moderator: true, ..RoleOptIn::default() });
        assert!(
            !m.contains(&"channel:read:polls".to_string()),
            "moderators get no broadcaster scopes"
        );
        let n = all.iter().filter(|s| *s == "moderator:read:followers").count();
        assert_eq!(n, 1, "each scope once");
    }
}
