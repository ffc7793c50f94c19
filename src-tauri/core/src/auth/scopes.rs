//! Which scopes to request (docs/twitch.md §2 "What logging in as broadcaster or moderator adds",
//! §3.5 "Scopes for the viewer feature set").

use crate::config::RoleOptIn;

/// Every viewer: chat and chat notifications (`channel.chat.*`, docs/twitch.md §2) and the
/// followed-channels picker.
pub const VIEWER: &[&str] = &["user:read:chat", "user:read:follows"];

/// Added by "I'm a moderator" (docs/twitch.md §2: follow v2, shoutouts, shield mode, automod,
/// suspicious users, warnings, unban requests, channel.moderate), plus
/// `user:read:moderated_channels` so the app can tell which channels the user moderates
/// (`GET /moderation/channels`, see `helix::ModeratedChannel`).
pub const MODERATOR: &[&str] = &[
    "user:read:moderated_channels",
    "moderator:read:followers",
    "moderator:read:shoutouts",
    "moderator:read:shield_mode",
    "moderator:read:automod_settings",
    "moderator:read:suspicious_users",
    "moderator:read:warnings",
    "moderator:read:unban_requests",
    "moderator:read:chatters",
];

/// Added by "I'm the broadcaster" (docs/twitch.md §3.5's list plus §2's broadcaster types:
/// charity, redemptions, VIP and moderator changes, bans).
pub const BROADCASTER: &[&str] = &[
    "moderator:read:followers",
    "channel:read:subscriptions",
    "bits:read",
    "channel:read:hype_train",
    "channel:read:polls",
    "channel:read:predictions",
    "channel:read:ads",
    "channel:read:goals",
    "moderator:read:shoutouts",
    "channel:read:charity",
    "channel:read:redemptions",
    "channel:read:vips",
    "moderation:read",
    "channel:moderate",
];

/// The scopes to request for the user's opt-in, deduplicated, viewer scopes first.
pub fn for_roles(roles: RoleOptIn) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut add = |list: &[&str]| {
        for s in list {
            if !out.iter().any(|o| o == s) {
                out.push((*s).to_string());
            }
        }
    };
    add(VIEWER);
    if roles.broadcaster {
        add(BROADCASTER);
    }
    if roles.moderator {
        add(MODERATOR);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn viewer_gets_only_the_two_viewer_scopes() {
        assert_eq!(for_roles(RoleOptIn::default()), vec!["user:read:chat", "user:read:follows"]);
    }

    #[test]
    fn roles_add_their_scopes_once() {
        let both = for_roles(RoleOptIn { broadcaster: true, moderator: true });
        assert!(both.contains(&"channel:read:subscriptions".to_string()));
        assert!(both.contains(&"moderator:read:shield_mode".to_string()));
        let n = both.iter().filter(|s| *s == "moderator:read:followers").count();
        assert_eq!(n, 1);
        let m = for_roles(RoleOptIn { broadcaster: false, moderator: true });
        assert!(!m.contains(&"bits:read".to_string()), "moderators get no broadcaster scopes");
    }
}
