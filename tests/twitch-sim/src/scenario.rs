//! Scenarios: scripted evenings on the default world, played through the same path as
//! `POST /_sim/events` ([`crate::eventsub_ws::deliver`]), so what the demo shows is exactly
//! what tests can trigger.
//!
//! `demo` is a lively evening at human pace: chat every few seconds, subs, resubs, a gift
//! bomb, cheers, title changes, a raid, an announcement, channels going live and offline,
//! and for broadcaster/moderator sessions follows, hype trains and polls. It loops; each loop
//! ends with the world back where it started.

use std::time::Duration;

use rand::Rng;
use serde_json::{Value, json};

use crate::eventsub_ws::deliver;
use crate::world::Shared;

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
}

impl Evening {
    fn new() -> Self {
        Evening { bomb_id: rand::rng().random_range(1_000_000_000u64..9_999_999_999).to_string() }
    }
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
