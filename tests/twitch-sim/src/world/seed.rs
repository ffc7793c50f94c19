//! The default world: four channels, a viewer, a moderator and two applications, with ids
//! pinned so other crates' tests can name them.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::time::Duration;

use chrono::{DateTime, Utc};

use super::{ChatLog, Client, ClientType, Config, Counters, Log, User, World};

/// Seed data for one default user.
struct Seed {
    id: &'static str,
    login: &'static str,
    display: &'static str,
    btype: &'static str,
    live: bool,
    title: &'static str,
    category: &'static str,
    category_id: &'static str,
    viewers: u64,
    color: &'static str,
    tags: &'static [&'static str],
    description: &'static str,
}

const SEEDS: &[Seed] = &[
    Seed {
        id: "141592653",
        login: "lumenforge",
        display: "Lumenforge",
        btype: "partner",
        live: true,
        title: "Speedrunning Hollow Knight — any% PB attempts",
        category: "Hollow Knight",
        category_id: "490147",
        viewers: 1234,
        color: "#9146FF",
        tags: &["Speedrun", "English", "NoBackseating"],
        description: "Bug-sized knight, big-sized dreams. PB attempts every evening.",
    },
    Seed {
        id: "271828182",
        login: "nightowl",
        display: "NightOwl",
        btype: "affiliate",
        live: true,
        title: "Late-night chill & chat — !schedule",
        category: "Just Chatting",
        category_id: "509658",
        viewers: 387,
        color: "#1E90FF",
        tags: &["English", "Chill"],
        description: "Chatting until the sun comes up.",
    },
    Seed {
        id: "161803398",
        login: "quietfox",
        display: "QuietFox",
        btype: "affiliate",
        live: false,
        title: "Cozy Stardew farm day",
        category: "Stardew Valley",
        category_id: "490744",
        viewers: 0,
        color: "#FF7F50",
        tags: &["Cozy", "English"],
        description: "Slow games, soft music.",
    },
    Seed {
        id: "314159265",
        login: "pixelpaladin",
        display: "PixelPaladin",
        btype: "partner",
        live: false,
        title: "Elden Ring blind — first playthrough",
        category: "Elden Ring",
        category_id: "512953",
        viewers: 0,
        color: "#DAA520",
        tags: &["Blind", "English"],
        description: "Swords, shields and bad decisions.",
    },
    Seed {
        id: "577215664",
        login: "sim_viewer",
        display: "SimViewer",
        btype: "",
        live: false,
        title: "",
        category: "",
        category_id: "",
        viewers: 0,
        color: "#2E8B57",
        tags: &[],
        description: "",
    },
    Seed {
        id: "662607015",
        login: "sim_mod",
        display: "SimMod",
        btype: "",
        live: false,
        title: "",
        category: "",
        category_id: "",
        viewers: 0,
        color: "#00FF7F",
        tags: &[],
        description: "",
    },
];

fn fixed_time(rfc3339: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(rfc3339).map(|t| t.with_timezone(&Utc)).unwrap_or_default()
}

impl World {
    /// The default world (docs/testing.md "The Twitch simulator"; ids pinned for other tests).
    pub fn seeded(base_url: &str) -> Self {
        let now = Utc::now();
        let mut users = Vec::new();
        for (i, s) in SEEDS.iter().enumerate() {
            users.push(User {
                id: s.id.into(),
                login: s.login.into(),
                display_name: s.display.into(),
                broadcaster_type: s.btype.into(),
                description: s.description.into(),
                created_at: format!("201{}-0{}-1{}T12:00:00Z", 5 + i % 4, 1 + i % 9, i % 9),
                live: s.live,
                title: s.title.into(),
                category: s.category.into(),
                category_id: s.category_id.into(),
                language: "en".into(),
                tags: s.tags.iter().map(|t| t.to_string()).collect(),
                viewer_count: s.viewers,
                stream_id: format!("4095212{:04}", 1085 + i * 7),
                started_at: now - chrono::Duration::minutes(83 - 20 * i as i64),
                moderates: BTreeSet::new(),
                follows: Vec::new(),
                color: s.color.into(),
            });
        }
        let mut w = World {
            base_url: base_url.to_string(),
            users,
            clients: BTreeMap::new(),
            authorizations: HashMap::new(),
            access_tokens: HashMap::new(),
            refresh_tokens: HashMap::new(),
            auth_codes: HashMap::new(),
            device_codes: HashMap::new(),
            sessions: HashMap::new(),
            subscriptions: Vec::new(),
            deleted_subscriptions: Default::default(),
            reconnects: HashMap::new(),
            buckets: HashMap::new(),
            buckets_empty_until: None,
            config: Config::default(),
            counters: Counters::default(),
            clock_offset: Duration::ZERO,
            faults: Vec::new(),
            log: Log::default(),
            chat: ChatLog::default(),
            players: BTreeMap::new(),
            next_user_id: 900_000_001,
            next_seq: 1,
        };
        let follows = [
            ("sim_viewer", "lumenforge", "2024-03-14T19:26:53Z"),
            ("sim_viewer", "nightowl", "2025-01-02T22:10:05Z"),
            ("sim_viewer", "pixelpaladin", "2025-06-21T17:45:12Z"),
        ];
        for (who, whom, at) in follows {
            if let (Some(b), Some(u)) =
                (w.user_by_login(whom).map(|u| u.id.clone()), w.user_mut_by_login(who))
            {
                u.follows.push((b, fixed_time(at)));
            }
        }
        if let Some(b) = w.user_by_login("lumenforge").map(|u| u.id.clone())
            && let Some(m) = w.user_mut_by_login("sim_mod")
        {
            m.moderates.insert(b);
        }
        w.clients.insert(
            "sim-public-client".into(),
            Client {
                client_id: "sim-public-client".into(),
                secret: None,
                kind: ClientType::Public,
                redirect_uris: vec!["http://localhost".into()],
            },
        );
        w.clients.insert(
            "sim-confidential-client".into(),
            Client {
                client_id: "sim-confidential-client".into(),
                secret: Some("sim-secret".into()),
                kind: ClientType::Confidential,
                redirect_uris: vec!["http://localhost:17563/callback".into()],
            },
        );
        w
    }
}
