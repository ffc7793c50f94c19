//! Scenarios: scripted evenings on the default world, played through the same path as
//! `POST /_sim/events` ([`crate::eventsub_ws::deliver`]), so what the demo shows is exactly
//! what tests can trigger.
//!
//! `demo` is a lively evening at human pace: chat every few seconds, subs, resubs, a gift
//! bomb, cheers, title changes, a raid, an announcement, channels going live and offline,
//! and for broadcaster/moderator sessions follows, hype trains and polls, and a moderator's
//! evening on lumenforge (a timeout, an AutoMod hold and its approval, a deleted message, a
//! warning and its acknowledgement, an unban request and its resolution, shield mode), which
//! only sessions subscribed to those moderator types receive. It loops; each loop ends with the
//! world back where it started.

use std::time::Duration;

use rand::Rng;
use serde_json::{Value, json};

use crate::eventsub_ws::deliver;
use crate::world::{Shared, uuid};

/// Is this a scenario name we know?
pub fn known(name: &str) -> bool {
    name == "demo"
}

/// One scripted beat: wait, then send this event.
struct Beat {
    /// Seconds to wait before it (at speed 1).
    after: f64,
    /// Subscription type.
    kind: &'static str,
    /// Channel.
    login: &'static str,
    /// `event` overrides, as in `POST /_sim/events`, for this loop of the evening.
    event: fn(&Evening) -> Value,
}

/// What one loop of the evening shares between its beats.
struct Evening {
    /// The id of this loop's gift bomb: its community gift and each of its individual gifts
    /// carry it, as Twitch's do.
    bomb_id: String,
    /// The id of the message AutoMod holds this loop: its hold and its approval name it, as
    /// Twitch's `automod.message.hold` and `.update` do
    /// (https://dev.twitch.tv/docs/eventsub/reference/automod).
    held_id: String,
}

impl Evening {
    fn new() -> Self {
        Evening {
            bomb_id: rand::rng().random_range(1_000_000_000u64..9_999_999_999).to_string(),
            held_id: uuid(),
        }
    }
}

/// The text AutoMod holds in the moderator's evening.
const HELD_TEXT: &str = "this boss is damn unfair";

/// The AutoMod hold, or (`status` given) its resolution by `sim_mod`, of this loop's message.
fn held(e: &Evening, status: Option<&str>) -> Value {
    let mut v = json!({"user_login": "pogfrog", "moderator_user_login": "sim_mod",
        "message_id": e.held_id, "message": {"text": HELD_TEXT}});
    if let Some(s) = status {
        v["status"] = json!(s);
    }
    v
}

fn none(_: &Evening) -> Value {
    json!({})
}

/// The recipients of the demo's gift bomb, in order.
const BOMB: &[&str] = &["mothwing", "pogfrog", "silksong_when", "zote_fan", "hornet_main"];

/// The `n`th individual gift of this loop's gift bomb.
fn bomb_gift(e: &Evening, n: usize) -> Value {
    json!({"notice_type": "sub_gift", "chatter_user_login": "grubfather",
        "recipient_user_login": BOMB[n % BOMB.len()],
        "sub_gift": {"community_gift_id": e.bomb_id}})
}

/// The demo evening, mostly on lumenforge (the favourite in the quick start).
const DEMO: &[Beat] = &[
    Beat {
        after: 4.0,
        kind: "channel.chat.notification",
        login: "lumenforge",
        event: |_| json!({"notice_type": "sub"}),
    },
    Beat { after: 3.0, kind: "channel.subscribe", login: "lumenforge", event: none },
    Beat {
        after: 6.0,
        kind: "channel.chat.notification",
        login: "lumenforge",
        event: |_| json!({"notice_type": "resub"}),
    },
    Beat { after: 5.0, kind: "channel.follow", login: "lumenforge", event: none },
    Beat {
        after: 7.0,
        kind: "channel.update",
        login: "lumenforge",
        event: |_| json!({"title": "Speedrunning Hollow Knight — any% PB attempts (sub-40 pace!)"}),
    },
    // GrubFather's gift bomb as Twitch tells it in chat: the community gift, then one
    // `sub_gift` per recipient, each carrying the bomb's id as `community_gift_id`
    // (https://dev.twitch.tv/docs/eventsub/eventsub-reference/#chat-notification-event:
    // "community_gift_id: The ID of the associated community gift").
    Beat {
        after: 6.0,
        kind: "channel.chat.notification",
        login: "lumenforge",
        event: |e| {
            json!({"notice_type": "community_sub_gift", "chatter_user_login": "grubfather",
                "community_sub_gift": {"id": e.bomb_id, "total": BOMB.len()}})
        },
    },
    Beat {
        after: 0.8,
        kind: "channel.chat.notification",
        login: "lumenforge",
        event: |e| bomb_gift(e, 0),
    },
    Beat {
        after: 0.3,
        kind: "channel.chat.notification",
        login: "lumenforge",
        event: |e| bomb_gift(e, 1),
    },
    Beat {
        after: 0.3,
        kind: "channel.chat.notification",
        login: "lumenforge",
        event: |e| bomb_gift(e, 2),
    },
    Beat {
        after: 0.3,
        kind: "channel.chat.notification",
        login: "lumenforge",
        event: |e| bomb_gift(e, 3),
    },
    Beat {
        after: 0.3,
        kind: "channel.chat.notification",
        login: "lumenforge",
        event: |e| bomb_gift(e, 4),
    },
    Beat { after: 6.0, kind: "channel.hype_train.begin", login: "lumenforge", event: none },
    Beat {
        after: 5.0,
        kind: "channel.chat.message",
        login: "lumenforge",
        event: |_| json!({"cheer": {"bits": 500}, "message": {"text": "for the PB! 🐛"}}),
    },
    Beat {
        after: 1.0,
        kind: "channel.cheer",
        login: "lumenforge",
        event: |_| json!({"bits": 500, "message": "Cheer500 for the PB!"}),
    },
    Beat { after: 8.0, kind: "stream.online", login: "quietfox", event: none },
    Beat {
        after: 6.0,
        kind: "channel.chat.notification",
        login: "lumenforge",
        event: |_| json!({"notice_type": "announcement"}),
    },
    Beat { after: 6.0, kind: "channel.poll.begin", login: "lumenforge", event: none },
    Beat {
        after: 7.0,
        kind: "channel.chat.notification",
        login: "lumenforge",
        event: |_| json!({"notice_type": "bits_badge_tier"}),
    },
    Beat {
        after: 8.0,
        kind: "channel.raid",
        login: "lumenforge",
        event: |_| json!({"from_broadcaster_user_login": "nightowl", "viewers": 312}),
    },
    Beat {
        after: 0.5,
        kind: "channel.chat.notification",
        login: "lumenforge",
        event: |_| json!({"notice_type": "raid", "chatter_user_login": "nightowl", "raid": {"viewer_count": 312}, "system_message": "312 raiders from NightOwl have joined!"}),
    },
    Beat { after: 5.0, kind: "channel.poll.end", login: "lumenforge", event: none },
    Beat {
        after: 6.0,
        kind: "channel.chat.notification",
        login: "lumenforge",
        event: |_| json!({"notice_type": "prime_paid_upgrade"}),
    },
    Beat { after: 6.0, kind: "channel.hype_train.end", login: "lumenforge", event: none },
    // The moderator's evening on lumenforge: each happening as Twitch tells it to a moderator
    // (https://dev.twitch.tv/docs/eventsub/reference/channel-moderation,
    // https://dev.twitch.tv/docs/eventsub/reference/automod). One moderator action reaches
    // `channel.moderate` and the type of its own (a timeout also `channel.ban`, a warning also
    // `channel.warning.send`, an approved unban request also `channel.unban_request.resolve`).
    Beat {
        after: 5.0,
        kind: "channel.moderate",
        login: "lumenforge",
        event: |_| {
            json!({"action": "timeout", "user_login": "zote_fan", "moderator_user_login": "sim_mod",
                "timeout": {"reason": "spoilers for the ending"}})
        },
    },
    Beat {
        after: 0.2,
        kind: "channel.ban",
        login: "lumenforge",
        event: |_| {
            json!({"user_login": "zote_fan", "moderator_user_login": "sim_mod",
                "reason": "spoilers for the ending", "is_permanent": false})
        },
    },
    Beat {
        after: 6.0,
        kind: "automod.message.hold",
        login: "lumenforge",
        event: |e| held(e, None),
    },
    // A moderator approves the held message about ten seconds later.
    Beat {
        after: 10.0,
        kind: "automod.message.update",
        login: "lumenforge",
        event: |e| held(e, Some("approved")),
    },
    Beat {
        after: 6.0,
        kind: "channel.moderate",
        login: "lumenforge",
        event: |_| {
            json!({"action": "delete", "user_login": "silksong_when", "moderator_user_login": "sim_mod",
                "delete": {"message_body": "the ending: the knight wins"}})
        },
    },
    Beat {
        after: 5.0,
        kind: "channel.moderate",
        login: "lumenforge",
        event: |_| {
            json!({"action": "warn", "user_login": "silksong_when", "moderator_user_login": "sim_mod",
                "warn": {"reason": "no spoilers please", "chat_rules_cited": ["No spoilers"]}})
        },
    },
    Beat {
        after: 0.2,
        kind: "channel.warning.send",
        login: "lumenforge",
        event: |_| {
            json!({"user_login": "silksong_when", "moderator_user_login": "sim_mod",
                "reason": "no spoilers please", "chat_rules_cited": ["No spoilers"]})
        },
    },
    Beat {
        after: 8.0,
        kind: "channel.warning.acknowledge",
        login: "lumenforge",
        event: |_| json!({"user_login": "silksong_when"}),
    },
    Beat {
        after: 6.0,
        kind: "channel.unban_request.create",
        login: "lumenforge",
        event: |_| json!({"user_login": "hornet_main"}),
    },
    Beat {
        after: 9.0,
        kind: "channel.moderate",
        login: "lumenforge",
        event: |_| {
            json!({"action": "approve_unban_request", "user_login": "hornet_main",
                "moderator_user_login": "sim_mod",
                "unban_request": {"moderator_message": "welcome back, be kind"}})
        },
    },
    Beat {
        after: 0.2,
        kind: "channel.unban_request.resolve",
        login: "lumenforge",
        event: |_| {
            json!({"user_login": "hornet_main", "moderator_user_login": "sim_mod",
                "status": "approved", "resolution_text": "welcome back, be kind"})
        },
    },
    Beat {
        after: 6.0,
        kind: "channel.shield_mode.begin",
        login: "lumenforge",
        event: |_| json!({"moderator_user_login": "sim_mod"}),
    },
    Beat {
        after: 12.0,
        kind: "channel.shield_mode.end",
        login: "lumenforge",
        event: |_| json!({"moderator_user_login": "sim_mod"}),
    },
    Beat { after: 6.0, kind: "stream.online", login: "pixelpaladin", event: none },
    Beat {
        after: 7.0,
        kind: "channel.chat.notification",
        login: "lumenforge",
        event: |_| json!({"notice_type": "gift_paid_upgrade"}),
    },
    Beat {
        after: 7.0,
        kind: "channel.chat.notification",
        login: "lumenforge",
        event: |_| json!({"notice_type": "charity_donation"}),
    },
    Beat {
        after: 6.0,
        kind: "channel.chat.notification",
        login: "lumenforge",
        event: |_| json!({"notice_type": "watch_streak"}),
    },
    Beat { after: 8.0, kind: "stream.offline", login: "quietfox", event: none },
    Beat {
        after: 6.0,
        kind: "channel.update",
        login: "lumenforge",
        event: |_| json!({"title": "Speedrunning Hollow Knight — any% PB attempts", "category_name": "Hollow Knight"}),
    },
    Beat {
        after: 6.0,
        kind: "channel.chat.notification",
        login: "nightowl",
        event: |_| json!({"notice_type": "resub"}),
    },
    Beat { after: 6.0, kind: "stream.offline", login: "lumenforge", event: none },
    Beat { after: 12.0, kind: "stream.online", login: "lumenforge", event: none },
    Beat { after: 8.0, kind: "stream.offline", login: "pixelpaladin", event: none },
];

/// Plays a scenario until the simulator stops. `speed` divides every wait.
pub async fn play(sim: Shared, name: String, speed: f64) {
    if !known(&name) {
        tracing::warn!(scenario = name, "unknown scenario");
        return;
    }
    let mut shutdown = sim.shutdown.clone();
    let wait = |secs: f64| Duration::from_secs_f64((secs / speed).clamp(0.001, 3600.0));
    let mut next_chat = 0.0_f64;
    loop {
        let evening = Evening::new();
        for beat in DEMO {
            // Chat keeps flowing between beats: a message every 1.5–4 s on the two live channels.
            let mut left = beat.after;
            while left > 0.0 {
                if next_chat <= 0.0 {
                    let login =
                        if rand::rng().random_bool(0.75) { "lumenforge" } else { "nightowl" };
                    send(&sim, "channel.chat.message", login, &json!({}));
                    next_chat = rand::rng().random_range(1.5..4.0);
                }
                let step = left.min(next_chat);
                tokio::select! {
                    _ = shutdown.changed() => return,
                    _ = tokio::time::sleep(wait(step)) => {}
                }
                left -= step;
                next_chat -= step;
            }
            send(&sim, beat.kind, beat.login, &(beat.event)(&evening));
        }
    }
}

fn send(sim: &Shared, kind: &str, login: &str, event: &Value) {
    match deliver(sim, kind, None, login, event) {
        Ok(ids) => tracing::debug!(kind, login, sent = ids.len(), "scenario event"),
        Err(e) => tracing::warn!(kind, login, error = %e, "scenario event failed"),
    }
}
