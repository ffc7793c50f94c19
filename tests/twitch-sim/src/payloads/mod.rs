//! Event payload builders: the `event` object of every notification, field by field as
//! docs/twitch.md §6.1 and the §2 table list them, with realistic values. These are the
//! fixtures' truth: the control API, the demo scenario and other crates' tests use them.
//!
//! Every builder takes the broadcaster and the `event` overrides of `POST /_sim/events`;
//! overrides are deep-merged last, so any field can be pinned by a test.

mod chat;
mod moderation;
mod people;

pub use moderation::MODERATE_ACTIONS;
pub use people::{Who, category_id, random_chatter, who_by_login};

use chat::{chat_message, chat_message_event, chat_notification};
use people::{partner, pool_who, top_contributions, user_fields};

use chrono::{DateTime, Duration, Utc};
use serde_json::{Map, Value, json};

use crate::world::{User, World, ts, uuid};

/// Why a payload could not be built.
#[derive(Debug, thiserror::Error)]
pub enum PayloadError {
    /// An override has the wrong shape.
    #[error("invalid event override: {0}")]
    Invalid(String),
}

/// A built event plus the ids it is keyed by (for matching subscription conditions).
#[derive(Debug)]
pub struct Built {
    /// The `payload.event` object.
    pub event: Value,
    /// `broadcaster_user_id` (and for raids `to_`/`from_…`, for user types `user_id`).
    pub keys: Map<String, Value>,
}

/// Deep merge: objects merge key by key, anything else replaces.
pub fn merge(base: &mut Value, over: &Value) {
    match (base, over) {
        (Value::Object(b), Value::Object(o)) => {
            for (k, v) in o {
                match b.get_mut(k) {
                    Some(slot) if slot.is_object() && v.is_object() => merge(slot, v),
                    _ => {
                        b.insert(k.clone(), v.clone());
                    }
                }
            }
        }
        (b, o) => *b = o.clone(),
    }
}

/// Pulls a string override out (for choosing people before building).
fn ostr<'a>(o: &'a Value, key: &str) -> Option<&'a str> {
    o.get(key).and_then(Value::as_str)
}

fn base(b: &Who) -> Map<String, Value> {
    let mut m = Map::new();
    b.put(&mut m, "broadcaster_user");
    m
}

/// Builds the event for `kind`/`version` on broadcaster `bu`, then applies `overrides`.
pub fn build(
    w: &World,
    kind: &str,
    version: &str,
    bu: &User,
    overrides: &Value,
) -> Result<Built, PayloadError> {
    let b = Who::of(bu);
    let o = if overrides.is_object() { overrides.clone() } else { json!({}) };
    let now = w.utc_now();
    let mut keys = Map::new();
    keys.insert("broadcaster_user_id".into(), json!(b.id));
    let viewer = ostr(&o, "user_login").map(|l| who_by_login(w, l)).unwrap_or_else(random_chatter);
    let moderator = who_by_login(w, ostr(&o, "moderator_user_login").unwrap_or("sim_mod"));
    let mut m = base(&b);
    let event: Value = match kind {
        "stream.online" => {
            m.insert("id".into(), json!(bu.stream_id_next()));
            m.insert("type".into(), json!("live"));
            m.insert("started_at".into(), json!(ts(now)));
            m.into()
        }
        "stream.offline" => {
            m.insert("id".into(), json!(bu.stream_id));
            m.into()
        }
        "channel.update" => {
            let title = ostr(&o, "title").unwrap_or(&bu.title).to_string();
            let cat = ostr(&o, "category_name").unwrap_or(&bu.category).to_string();
            m.insert("title".into(), json!(title));
            m.insert("language".into(), json!(bu.language));
            m.insert(
                "category_id".into(),
                json!(if cat.is_empty() { String::new() } else { category_id(&cat) }),
            );
            m.insert("category_name".into(), json!(cat));
            if version == "1" {
                m.insert("is_mature".into(), json!(false));
            } else {
                m.insert("content_classification_labels".into(), json!([]));
            }
            m.into()
        }
        "channel.raid" => {
            // `broadcaster_login` is the raided channel; `from_broadcaster_user_login` picks the raider.
            let from = who_by_login(
                w,
                ostr(&o, "from_broadcaster_user_login").unwrap_or(if b.login == "nightowl" {
                    "quietfox"
                } else {
                    "nightowl"
                }),
            );
            let mut r = Map::new();
            from.put(&mut r, "from_broadcaster_user");
            b.put(&mut r, "to_broadcaster_user");
            r.insert("viewers".into(), json!(87));
            keys.remove("broadcaster_user_id");
            keys.insert("to_broadcaster_user_id".into(), json!(b.id));
            keys.insert("from_broadcaster_user_id".into(), json!(from.id));
            r.into()
        }
        "channel.chat.message" => chat_message_event(w, &b, &o)?,
        "channel.chat.notification" => chat_notification(w, &b, &o),
        "channel.chat.clear" => m.into(),
        "channel.chat.clear_user_messages" => {
            viewer.put(&mut m, "target_user");
            m.into()
        }
        "channel.chat.message_delete" => {
            viewer.put(&mut m, "target_user");
            m.insert("message_id".into(), json!(uuid()));
            m.into()
        }
        "channel.chat_settings.update" => {
            for (k, v) in [
                ("emote_mode", json!(false)),
                ("follower_mode", json!(true)),
                ("follower_mode_duration_minutes", json!(10)),
                ("slow_mode", json!(true)),
                ("slow_mode_wait_time_seconds", json!(3)),
                ("subscriber_mode", json!(false)),
                ("unique_chat_mode", json!(false)),
            ] {
                m.insert(k.into(), v);
            }
            m.into()
        }
        "channel.chat.user_message_hold" | "channel.chat.user_message_update" => {
            user_fields(&mut m, &viewer);
            m.insert("message_id".into(), json!(uuid()));
            m.insert("message".into(), chat_message("is this link ok? example dot com", None));
            if kind.ends_with("update") {
                m.insert("status".into(), json!("approved"));
            }
            m.into()
        }
        "channel.shared_chat.begin" | "channel.shared_chat.update" | "channel.shared_chat.end" => {
            let p = partner(w, &b);
            m.insert("session_id".into(), json!("2b64a92a-dbb8-424e-b1c3-304423ba1b6f"));
            b.put(&mut m, "host_broadcaster_user");
            if !kind.ends_with("end") {
                let part = |x: &Who| json!({"broadcaster_user_id": x.id, "broadcaster_user_name": x.name, "broadcaster_user_login": x.login});
                m.insert("participants".into(), json!([part(&b), part(&p)]));
            }
            m.into()
        }
        "user.update" => {
            let mut u = Map::new();
            b.put(&mut u, "user");
            u.insert("email_verified".into(), json!(true));
            u.insert("description".into(), json!(bu.description));
            keys.insert("user_id".into(), json!(b.id));
            u.into()
        }
        "user.whisper.message" => {
            let mut u = Map::new();
            viewer.put(&mut u, "from_user");
            b.put(&mut u, "to_user");
            u.insert("whisper_id".into(), json!(uuid()));
            u.insert("whisper".into(), json!({"text": "hey, great stream last night!"}));
            keys.insert("user_id".into(), json!(b.id));
            u.into()
        }
        "channel.follow" => {
            user_fields(&mut m, &viewer);
            m.insert("followed_at".into(), json!(ts(now)));
            m.into()
        }
        "channel.subscribe" => {
            user_fields(&mut m, &viewer);
            m.insert("tier".into(), json!("1000"));
            m.insert("is_gift".into(), json!(false));
            m.into()
        }
        "channel.subscription.gift" => {
            user_fields(&mut m, &viewer);
            m.insert("total".into(), json!(5));
            m.insert("tier".into(), json!("1000"));
            m.insert("cumulative_total".into(), json!(25));
            m.insert("is_anonymous".into(), json!(false));
            m.into()
        }
        "channel.subscription.message" => {
            user_fields(&mut m, &viewer);
            m.insert("tier".into(), json!("1000"));
            m.insert("message".into(), json!({"text": "still here, still grubbing", "emotes": []}));
            m.insert("cumulative_months".into(), json!(14));
            m.insert("streak_months".into(), json!(8));
            m.insert("duration_months".into(), json!(1));
            m.into()
        }
        "channel.subscription.end" => {
            user_fields(&mut m, &viewer);
            m.insert("tier".into(), json!("1000"));
            m.insert("is_gift".into(), json!(false));
            m.into()
        }
        "channel.cheer" => {
            m.insert("is_anonymous".into(), json!(false));
            user_fields(&mut m, &viewer);
            m.insert("message".into(), json!("Cheer100 keep it up!"));
            m.insert("bits".into(), json!(100));
            m.into()
        }
        "channel.bits.use" => {
            user_fields(&mut m, &viewer);
            m.insert("bits".into(), json!(100));
            m.insert("type".into(), json!("cheer"));
            m.insert("message".into(), chat_message("keep it up!", Some(100)));
            m.insert("power_up".into(), Value::Null);
            m.into()
        }
        "channel.ad_break.begin" => {
            m.insert("duration_seconds".into(), json!(60));
            m.insert("started_at".into(), json!(ts(now)));
            m.insert("is_automatic".into(), json!(false));
            b.put(&mut m, "requester_user");
            m.into()
        }
        "channel.hype_train.begin" | "channel.hype_train.progress" | "channel.hype_train.end" => {
            m.insert("id".into(), json!("1b0AsbInCHZW2SQFQkCzqN07Ib2"));
            m.insert("total".into(), json!(1500));
            m.insert("level".into(), json!(2));
            m.insert("top_contributions".into(), top_contributions());
            m.insert("type".into(), json!("regular"));
            m.insert("is_shared_train".into(), json!(false));
            m.insert("shared_train_participants".into(), Value::Null);
            m.insert("started_at".into(), json!(ts(now - Duration::minutes(2))));
            if kind.ends_with("end") {
                m.insert("ended_at".into(), json!(ts(now)));
                m.insert("cooldown_ends_at".into(), json!(ts(now + Duration::hours(1))));
            } else {
                m.insert("progress".into(), json!(700));
                m.insert("goal".into(), json!(1800));
                m.insert("all_time_high_level".into(), json!(4));
                m.insert("all_time_high_total".into(), json!(6200));
                m.insert("expires_at".into(), json!(ts(now + Duration::minutes(5))));
            }
            m.into()
        }
        "channel.poll.begin" | "channel.poll.progress" | "channel.poll.end" => {
            let votes = !kind.ends_with("begin");
            let choice = |id: &str, title: &str, n: u64| {
                let mut c = json!({"id": id, "title": title});
                if votes {
                    c["bits_votes"] = json!(0);
                    c["channel_points_votes"] = json!(n / 2);
                    c["votes"] = json!(n);
                }
                c
            };
            m.insert("id".into(), json!("1243456"));
            m.insert("title".into(), json!("Which boss next?"));
            m.insert(
                "choices".into(),
                json!([choice("123", "Radiance", 41), choice("124", "Nightmare King", 57)]),
            );
            m.insert("bits_voting".into(), json!({"is_enabled": false, "amount_per_vote": 0}));
            m.insert(
                "channel_points_voting".into(),
                json!({"is_enabled": true, "amount_per_vote": 10}),
            );
            m.insert("started_at".into(), json!(ts(now - Duration::minutes(1))));
            if kind.ends_with("end") {
                m.insert("status".into(), json!("completed"));
                m.insert("ended_at".into(), json!(ts(now)));
            } else {
                m.insert("ends_at".into(), json!(ts(now + Duration::minutes(2))));
            }
            m.into()
        }
        "channel.prediction.begin"
        | "channel.prediction.progress"
        | "channel.prediction.lock"
        | "channel.prediction.end" => {
            let detail = !kind.ends_with("begin");
            let p0 = pool_who(1);
            let outcome = |id: &str, title: &str, color: &str, users: u64, pts: u64| {
                let mut x = json!({"id": id, "title": title, "color": color});
                if detail {
                    x["users"] = json!(users);
                    x["channel_points"] = json!(pts);
                    x["top_predictors"] = json!([{"user_id": p0.id, "user_login": p0.login, "user_name": p0.name, "channel_points_won": null, "channel_points_used": 500}]);
                }
                x
            };
            m.insert("id".into(), json!("1243456"));
            m.insert("title".into(), json!("PB this run?"));
            m.insert(
                "outcomes".into(),
                json!([
                    outcome("1243456", "Yes", "blue", 120, 15000),
                    outcome("2243456", "No", "pink", 95, 11000)
                ]),
            );
            m.insert("started_at".into(), json!(ts(now - Duration::minutes(1))));
            match kind {
                "channel.prediction.lock" => {
                    m.insert("locked_at".into(), json!(ts(now)));
                }
                "channel.prediction.end" => {
                    m.insert("winning_outcome_id".into(), json!("1243456"));
                    m.insert("status".into(), json!("resolved"));
                    m.insert("ended_at".into(), json!(ts(now)));
                }
                _ => {
                    m.insert("locks_at".into(), json!(ts(now + Duration::minutes(2))));
                }
            }
            m.into()
        }
        "channel.shoutout.create" => {
            let to = who_by_login(w, ostr(&o, "to_broadcaster_user_login").unwrap_or("quietfox"));
            to.put(&mut m, "to_broadcaster_user");
            moderator.put(&mut m, "moderator_user");
            m.insert("viewer_count".into(), json!(bu.viewer_count));
            m.insert("started_at".into(), json!(ts(now)));
            m.insert("cooldown_ends_at".into(), json!(ts(now + Duration::minutes(2))));
            m.insert("target_cooldown_ends_at".into(), json!(ts(now + Duration::hours(1))));
            m.into()
        }
        "channel.shoutout.receive" => {
            let from =
                who_by_login(w, ostr(&o, "from_broadcaster_user_login").unwrap_or("nightowl"));
            from.put(&mut m, "from_broadcaster_user");
            m.insert("viewer_count".into(), json!(387));
            m.insert("started_at".into(), json!(ts(now)));
            m.into()
        }
        "channel.goal.begin" | "channel.goal.progress" | "channel.goal.end" => {
            m.insert("id".into(), json!("12345-cool-event"));
            m.insert("type".into(), json!("follower"));
            m.insert("description".into(), json!("Road to 10k followers"));
            m.insert("current_amount".into(), json!(9_821));
            m.insert("target_amount".into(), json!(10_000));
            m.insert("started_at".into(), json!(ts(now - Duration::days(3))));
            if kind.ends_with("end") {
                m.insert("is_achieved".into(), json!(false));
                m.insert("ended_at".into(), json!(ts(now)));
            }
            m.into()
        }
        "channel.charity_campaign.donate" => {
            m.insert("id".into(), json!("a1b2c3-aabb-4455-d1e2f3"));
            m.insert("campaign_id".into(), json!("123-abc-456-def"));
            user_fields(&mut m, &viewer);
            charity(&mut m);
            m.insert(
                "amount".into(),
                json!({"value": 1000, "decimal_places": 2, "currency": "USD"}),
            );
            m.into()
        }
        "channel.charity_campaign.start"
        | "channel.charity_campaign.progress"
        | "channel.charity_campaign.stop" => {
            // These three use broadcaster_id/_login/_name, not broadcaster_user_*.
            let mut c = Map::new();
            b.put(&mut c, "broadcaster");
            c.insert("id".into(), json!("123-abc-456-def"));
            charity(&mut c);
            c.insert(
                "current_amount".into(),
                json!({"value": 260000, "decimal_places": 2, "currency": "USD"}),
            );
            c.insert(
                "target_amount".into(),
                json!({"value": 1500000, "decimal_places": 2, "currency": "USD"}),
            );
            match kind {
                "channel.charity_campaign.start" => c.insert("started_at".into(), json!(ts(now))),
                "channel.charity_campaign.stop" => c.insert("stopped_at".into(), json!(ts(now))),
                _ => None,
            };
            c.into()
        }
        "channel.channel_points_custom_reward_redemption.add"
        | "channel.channel_points_custom_reward_redemption.update" => {
            m.insert("id".into(), json!(uuid()));
            user_fields(&mut m, &viewer);
            m.insert("user_input".into(), json!(""));
            m.insert(
                "status".into(),
                json!(if kind.ends_with("add") { "unfulfilled" } else { "fulfilled" }),
            );
            m.insert("reward".into(), json!({"id": "92af127c-7326-4483-a52b-b0da0be61c01", "title": "Hydrate!", "cost": 500, "prompt": "Make the streamer drink water"}));
            m.insert("redeemed_at".into(), json!(ts(now)));
            m.into()
        }
        // https://dev.twitch.tv/docs/eventsub/eventsub-reference/#automatic-reward-redemption-event
        // (v1: `reward.cost`, `unlocked_emote`, `message.emotes` and `user_input`; v2:
        // `reward.channel_points`, `emote` and `message.fragments`).
        "channel.channel_points_automatic_reward_redemption.add" => {
            m.insert("id".into(), json!(uuid()));
            user_fields(&mut m, &viewer);
            let text = "this boss is unfair";
            if version == "1" {
                m.insert(
                    "reward".into(),
                    json!({"type": "send_highlighted_message", "cost": 100, "unlocked_emote": null}),
                );
                m.insert("message".into(), json!({"text": text, "emotes": []}));
                m.insert("user_input".into(), json!(text));
            } else {
                m.insert(
                    "reward".into(),
                    json!({"type": "send_highlighted_message", "channel_points": 100, "emote": null}),
                );
                m.insert(
                    "message".into(),
                    json!({"text": text, "fragments": [{"type": "text", "text": text, "emote": null}]}),
                );
            }
            m.insert("redeemed_at".into(), json!(ts(now)));
            m.into()
        }
        "channel.ban" => {
            user_fields(&mut m, &viewer);
            moderator.put(&mut m, "moderator_user");
            m.insert("reason".into(), json!("spoilers"));
            m.insert("banned_at".into(), json!(ts(now)));
            m.insert("ends_at".into(), json!(ts(now + Duration::minutes(10))));
            m.insert("is_permanent".into(), json!(false));
            m.into()
        }
        "channel.unban" => {
            user_fields(&mut m, &viewer);
            moderator.put(&mut m, "moderator_user");
            m.into()
        }
        "channel.moderator.add"
        | "channel.moderator.remove"
        | "channel.vip.add"
        | "channel.vip.remove" => {
            user_fields(&mut m, &viewer);
            m.into()
        }
        "channel.moderate"
        | "automod.message.hold"
        | "automod.message.update"
        | "automod.settings.update"
        | "automod.terms.update"
        | "channel.suspicious_user.message"
        | "channel.suspicious_user.update"
        | "channel.warning.send"
        | "channel.warning.acknowledge"
        | "channel.unban_request.create"
        | "channel.unban_request.resolve" => {
            let c = moderation::Ctx { w, b: &b, user: &viewer, moderator: &moderator, now };
            match kind {
                "channel.moderate" => moderation::channel_moderate(&c, version, &o, &mut m)?,
                "automod.message.hold" | "automod.message.update" => {
                    moderation::automod_message_event(&c, kind, version, &o, &mut m)
                }
                "automod.settings.update" => moderation::automod_settings(&c, &mut m),
                "automod.terms.update" => moderation::automod_terms(&c, &mut m),
                _ => moderation::moderation_tool(&c, kind, &o, &mut m),
            }
            m.into()
        }
        "channel.shield_mode.begin" | "channel.shield_mode.end" => {
            moderator.put(&mut m, "moderator_user");
            let k = if kind.ends_with("begin") { "started_at" } else { "ended_at" };
            m.insert(k.into(), json!(ts(now)));
            m.into()
        }
        _ => {
            // A type without a builder of its own (none in the catalog today): the
            // broadcaster/moderator/user triple; tests pin the rest through overrides.
            moderator.put(&mut m, "moderator_user");
            user_fields(&mut m, &viewer);
            m.into()
        }
    };
    let mut event = event;
    // Selector keys are inputs, not event fields, unless the event already has them.
    let mut o = o;
    if let Some(obj) = o.as_object_mut() {
        for sel in
            ["user_login", "moderator_user_login", "gifter_user_login", "recipient_user_login"]
        {
            if event.get(sel).is_none() {
                obj.remove(sel);
            }
        }
        let text_built = matches!(
            kind,
            "channel.chat.message"
                | "automod.message.hold"
                | "automod.message.update"
                | "channel.suspicious_user.message"
        );
        if text_built && obj.get("message").is_some_and(|mm| mm.get("fragments").is_none()) {
            // The text override was already used to build the fragments.
            obj.remove("message");
        }
    }
    merge(&mut event, &o);
    Ok(Built { event, keys })
}

fn charity(m: &mut Map<String, Value>) {
    m.insert("charity_name".into(), json!("Direct Relief"));
    m.insert(
        "charity_description".into(),
        json!("Direct Relief helps people affected by poverty or emergency situations."),
    );
    m.insert("charity_logo".into(), json!("https://abc.cloudfront.net/ppgf/1000/100.png"));
    m.insert("charity_website".into(), json!("https://www.directrelief.org"));
}

impl User {
    /// A fresh stream id for a go-live (numeric, like Twitch's).
    fn stream_id_next(&self) -> String {
        let n: u64 = self.stream_id.parse().unwrap_or(40_952_121_085);
        (n + 1).to_string()
    }
}

/// World side effects of an event, so Helix agrees with what was announced
/// (stream.online/offline flip `live`, channel.update changes title and category).
pub fn apply(w: &mut World, kind: &str, broadcaster_id: &str, event: &Value) {
    let now = w.utc_now();
    let Some(u) = w.user_mut_by_id(broadcaster_id) else { return };
    let s = |k: &str| event.get(k).and_then(Value::as_str).map(str::to_string);
    match kind {
        "stream.online" => {
            u.live = true;
            if let Some(id) = s("id") {
                u.stream_id = id;
            }
            u.started_at = s("started_at")
                .and_then(|t| DateTime::parse_from_rfc3339(&t).ok())
                .map(|t| t.with_timezone(&Utc))
                .unwrap_or(now);
            if u.viewer_count == 0 {
                u.viewer_count = 57;
            }
        }
        "stream.offline" => {
            // The viewer count stays as the channel's usual audience for its next go-live.
            u.live = false;
        }
        "channel.update" => {
            if let Some(t) = s("title") {
                u.title = t;
            }
            if let Some(c) = s("category_name") {
                u.category = c;
            }
            if let Some(c) = s("category_id") {
                u.category_id = c;
            }
        }
        _ => {}
    }
}
