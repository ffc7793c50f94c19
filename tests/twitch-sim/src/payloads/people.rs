//! The people in events: the world's users, a pool of chatters with stable ids, and made-up
//! users for logins nobody created.

use rand::Rng;
use serde_json::{Map, Value, json};

use crate::world::{User, World};

/// Someone in an event: id, login, display name, chat colour.
#[derive(Clone, Debug)]
pub struct Who {
    /// User id.
    pub id: String,
    /// Login.
    pub login: String,
    /// Display name.
    pub name: String,
    /// Chat colour.
    pub color: String,
}

impl Who {
    pub(super) fn of(u: &User) -> Self {
        Who {
            id: u.id.clone(),
            login: u.login.clone(),
            name: u.display_name.clone(),
            color: u.color.clone(),
        }
    }

    /// Writes `{prefix}_id`, `{prefix}_login` and `{prefix}_name` into `m`.
    pub(super) fn put(&self, m: &mut Map<String, Value>, prefix: &str) {
        m.insert(format!("{prefix}_id"), json!(self.id));
        m.insert(format!("{prefix}_login"), json!(self.login));
        m.insert(format!("{prefix}_name"), json!(self.name));
    }
}

/// Chatters who are not in the world: realistic names with stable ids.
const POOL: &[(&str, &str, &str, &str)] = &[
    ("mothwing", "Mothwing", "733100211", "#1E90FF"),
    ("pogfrog", "PogFrog", "733100212", "#FF4500"),
    ("grubfather", "GrubFather", "733100213", "#DAA520"),
    ("silksong_when", "silksong_when", "733100214", "#8A2BE2"),
    ("zote_fan", "Zote_Fan", "733100215", "#B22222"),
    ("hornet_main", "Hornet_Main", "733100216", "#FF69B4"),
    ("paleking", "PaleKing", "733100217", "#5F9EA0"),
    ("quirrel_q", "Quirrel_Q", "733100218", "#2E8B57"),
];

pub(super) fn pool_who(i: usize) -> Who {
    let (l, n, id, c) = POOL[i % POOL.len()];
    Who { id: id.into(), login: l.into(), name: n.into(), color: c.into() }
}

/// A random chatter from the pool.
pub fn random_chatter() -> Who {
    pool_who(rand::rng().random_range(0..POOL.len()))
}

/// A user by login: the world's, else the pool's, else a made-up one with a stable id.
pub fn who_by_login(w: &World, login: &str) -> Who {
    if let Some(u) = w.user_by_login(login) {
        return Who::of(u);
    }
    if let Some(i) = POOL.iter().position(|p| p.0.eq_ignore_ascii_case(login)) {
        return pool_who(i);
    }
    let h = login.bytes().fold(7u64, |h, b| h.wrapping_mul(31).wrapping_add(u64::from(b)));
    Who {
        id: (800_000_000 + h % 99_999_999).to_string(),
        login: login.to_lowercase(),
        name: login.into(),
        color: "#9ACD32".into(),
    }
}

/// A stable fake category id for a category name (known names get Twitch's real ids).
pub fn category_id(name: &str) -> String {
    match name {
        "Hollow Knight" => "490147".into(),
        "Just Chatting" => "509658".into(),
        "Stardew Valley" => "490744".into(),
        "Elden Ring" => "512953".into(),
        "Hollow Knight: Silksong" => "1829325546".into(),
        "Celeste" => "495961".into(),
        _ => (100_000
            + name.bytes().fold(0u32, |h, b| h.wrapping_mul(31).wrapping_add(u32::from(b)))
                % 900_000)
            .to_string(),
    }
}

/// The shared-chat partner channel for `shared_chat_*` notices and shared-chat events.
pub(super) fn partner(w: &World, b: &Who) -> Who {
    let other = if b.login == "nightowl" { "lumenforge" } else { "nightowl" };
    who_by_login(w, other)
}

pub(super) fn user_fields(m: &mut Map<String, Value>, u: &Who) {
    u.put(m, "user");
}

/// Two top contributors from the chatter pool (hype train payloads).
pub(super) fn top_contributions() -> Value {
    let a = pool_who(0);
    let c = pool_who(3);
    json!([
        {"user_id": a.id, "user_login": a.login, "user_name": a.name, "type": "bits", "total": 500},
        {"user_id": c.id, "user_login": c.login, "user_name": c.name, "type": "subscription", "total": 1000},
    ])
}
