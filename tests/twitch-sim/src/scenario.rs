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
    /// `event` overrides, as in `POST /_sim/events`.
    event: fn() -> Value,
}

fn none() -> Value {
    json!({})
}

/// The demo evening, mostly on lumenforge (the favourite in the quick start).
const DEMO: &[Beat] = &[
    Beat {
        after: 4.0,
        kind: "channel.chat.notification",
        login: "lumenforge",
        event: || json!({"notice_type": "sub"}),
    },
    Beat { after: 3.0, kind: "channel.subscribe", login: "lumenforge", event: none },
    Beat {
        after: 6.0,
        kind: "channel.chat.notification",
        login: "lumenforge",
        event: || json!({"notice_type": "resub"}),
    },
    Beat { after: 5.0, kind: "channel.follow", login: "lumenforge", event: none },
    Beat {
        after: 7.0,
        kind: "channel.update",
        login: "lumenforge",
        event: || json!({"title": "Speedrunning Hollow Knight — any% PB attempts (sub-40 pace!)"}),
    },
    Beat {
        after: 6.0,
        kind: "channel.chat.notification",
        login: "lumenforge",
        event: || json!({"notice_type": "community_sub_gift", "chatter_user_login": "grubfather"}),
    },
    Beat {
        after: 0.8,
        kind: "channel.chat.notification",
        login: "lumenforge",
        event: || json!({"notice_type": "sub_gift", "chatter_user_login": "grubfather", "recipient_user_login": "mothwing"}),
    },
    Beat {
        after: 0.6,
        kind: "channel.chat.notification",
        login: "lumenforge",
        event: || json!({"notice_type": "sub_gift", "chatter_user_login": "grubfather", "recipient_user_login": "pogfrog"}),
    },
    Beat { after: 6.0, kind: "channel.hype_train.begin", login: "lumenforge", event: none },
    Beat {
        after: 5.0,
        kind: "channel.chat.message",
        login: "lumenforge",
        event: || json!({"cheer": {"bits": 500}, "message": {"text": "for the PB! 🐛"}}),
    },
    Beat {
        after: 1.0,
        kind: "channel.cheer",
        login: "lumenforge",
        event: || json!({"bits": 500, "message": "Cheer500 for the PB!"}),
    },
    Beat { after: 8.0, kind: "stream.online", login: "quietfox", event: none },
    Beat {
        after: 6.0,
        kind: "channel.chat.notification",
        login: "lumenforge",
        event: || json!({"notice_type": "announcement"}),
    },
    Beat { after: 6.0, kind: "channel.poll.begin", login: "lumenforge", event: none },
    Beat {
        after: 7.0,
        kind: "channel.chat.notification",
        login: "lumenforge",
        event: || json!({"notice_type": "bits_badge_tier"}),
    },
    Beat {
        after: 8.0,
        kind: "channel.raid",
        login: "lumenforge",
        event: || json!({"from_broadcaster_user_login": "nightowl", "viewers": 312}),
    },
    Beat {
        after: 0.5,
        kind: "channel.chat.notification",
        login: "lumenforge",
        event: || json!({"notice_type": "raid", "chatter_user_login": "nightowl", "raid": {"viewer_count": 312}, "system_message": "312 raiders from NightOwl have joined!"}),
    },
    Beat { after: 5.0, kind: "channel.poll.end", login: "lumenforge", event: none },
    Beat {
        after: 6.0,
        kind: "channel.chat.notification",
        login: "lumenforge",
        event: || json!({"notice_type": "prime_paid_upgrade"}),
    },
    Beat { after: 6.0, kind: "channel.hype_train.end", login: "lumenforge", event: none },
    Beat { after: 6.0, kind: "stream.online", login: "pixelpaladin", event: none },
    Beat {
        after: 7.0,
        kind: "channel.chat.notification",
        login: "lumenforge",
        event: || json!({"notice_type": "gift_paid_upgrade"}),
    },
    Beat {
        after: 7.0,
        kind: "channel.chat.notification",
        login: "lumenforge",
        event: || json!({"notice_type": "charity_donation"}),
    },
    Beat {
        after: 6.0,
        kind: "channel.chat.notification",
        login: "lumenforge",
        event: || json!({"notice_type": "watch_streak"}),
    },
    Beat { after: 8.0, kind: "stream.offline", login: "quietfox", event: none },
    Beat {
        after: 6.0,
        kind: "channel.update",
        login: "lumenforge",
        event: || json!({"title": "Speedrunning Hollow Knight — any% PB attempts", "category_name": "Hollow Knight"}),
    },
    Beat {
        after: 6.0,
        kind: "channel.chat.notification",
        login: "nightowl",
        event: || json!({"notice_type": "resub"}),
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
            send(&sim, beat.kind, beat.login, &(beat.event)());
        }
    }
}

fn send(sim: &Shared, kind: &str, login: &str, event: &Value) {
    match deliver(sim, kind, None, login, event) {
        Ok(ids) => tracing::debug!(kind, login, sent = ids.len(), "scenario event"),
        Err(e) => tracing::warn!(kind, login, error = %e, "scenario event failed"),
    }
}
