//! Twitch's published EventSub examples, when a copy is present: every notification through
//! `tev replay --all`'s path, checked against what each line should become.
//!
//! The corpus is external truth nobody on this project wrote: one `session_welcome` and one
//! notification per example payload of Twitch's reference
//! (<https://dev.twitch.tv/docs/eventsub/eventsub-reference/>,
//! <https://dev.twitch.tv/docs/eventsub/eventsub-subscription-types/>), as the twitch_api crate
//! carries them in its tests, and an `expect.json` saying, per line, whether a row should come
//! out (`row`: `yes`/`no`/`any`) and its kind, channel and actor. It is not in this repository:
//! the test reads the folder `TEV_TWITCH_EXAMPLES` names (holding `examples.jsonl` and
//! `expect.json`), else the copy kept beside the repository's checkout, and skips with a
//! message when there is none.
//!
//! Asserted: no line is rejected; every `yes` line gives a row of the expected kind, channel and
//! actor; every `no` line gives none; every row of a channel carries its one login. The lines whose
//! kind is one of the moderator mode's (`mod_action`, `automod_hold`, …) are checked like the
//! others, with the moderator mode's actor (the moderator, the author of a held message, the
//! person who acted); they are listed once more so that a change of the corpus that drops one
//! is noticed.

use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use tev_core::replay::{ReplayOptions, replay};

/// The kinds of a moderator's view of a channel.
const MODERATION_KINDS: &[&str] = &[
    "mod_action",
    "automod_hold",
    "automod_resolved",
    "suspicious_user_message",
    "suspicious_user_update",
    "warning_sent",
    "warning_acknowledged",
    "unban_request",
    "unban_request_resolved",
    "shield_mode",
];

/// The lines (1-based, as `expect.json` numbers them) expecting a moderation kind: shield mode,
/// `channel.moderate` v1/v2, AutoMod holds and their resolutions, suspicious users, warnings and
/// unban requests.
const MODERATION_LINES: &[u64] =
    &[66, 67, 74, 75, 76, 77, 78, 79, 80, 81, 82, 83, 84, 85, 86, 90, 91, 92, 93, 94, 95];

/// The corpus folder, if a copy is present.
fn corpus() -> Option<PathBuf> {
    let dir = match std::env::var_os("TEV_TWITCH_EXAMPLES") {
        Some(d) => PathBuf::from(d),
        // The repository root is two levels above this crate; the copy sits beside it.
        None => {
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus/twitch-examples")
        }
    };
    (dir.join("examples.jsonl").is_file() && dir.join("expect.json").is_file()).then_some(dir)
}

/// One line's expectation, from `expect.json`.
struct Expect {
    /// The line number in `examples.jsonl`.
    line: u64,
    /// The frame's `metadata.message_id`: the id of the row it makes.
    message_id: String,
    /// `subscription.type`, for messages.
    sub_type: String,
    /// `yes`, `no` or `any`.
    row: String,
    /// The row's kind when `row` is `yes`.
    kind: Option<String>,
    /// The channel the row belongs to.
    channel_id: Option<String>,
    /// The actor's login (compared case-insensitively); `None`: no actor.
    actor_login: Option<String>,
}

fn expectations(dir: &std::path::Path) -> Vec<Expect> {
    let text = std::fs::read_to_string(dir.join("expect.json")).expect("expect.json is readable");
    let json: Value = serde_json::from_str(&text).expect("expect.json is JSON");
    let s = |l: &Value, k: &str| l[k].as_str().map(str::to_owned);
    json["lines"]
        .as_array()
        .expect("expect.json has lines")
        .iter()
        .map(|l| Expect {
            line: l["line"].as_u64().expect("a line number"),
            message_id: s(l, "message_id").expect("a message id"),
            sub_type: s(l, "type").unwrap_or_default(),
            row: s(l, "row").expect("row: yes/no/any"),
            kind: s(l, "kind"),
            channel_id: s(l, "channel_id"),
            actor_login: s(l, "actor_login"),
        })
        .collect()
}

#[test]
fn twitchs_published_examples_each_become_the_row_they_should_and_nothing_else() {
    let Some(dir) = corpus() else {
        println!(
            "skipped: no copy of Twitch's published examples (set TEV_TWITCH_EXAMPLES to a folder \
             with examples.jsonl and expect.json)"
        );
        return;
    };
    let frames = std::fs::File::open(dir.join("examples.jsonl")).expect("examples.jsonl opens");
    let out = replay(
        std::io::BufReader::new(frames),
        ReplayOptions { all: true, ..ReplayOptions::default() },
    )
    .expect("the replay runs");
    assert_eq!(out.counters.rejected, 0, "{}", out.counters);
    let mut rows: BTreeMap<&str, Vec<&tev_core::feed::StreamEvent>> = BTreeMap::new();
    for e in &out.events {
        rows.entry(e.id.as_str()).or_default().push(e);
    }

    // One login per channel, whatever each event spelled (`cool_user`, `Cool_User`, `glowillig`
    // for one id), lowercase as Twitch's logins are.
    let mut logins: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for e in &out.events {
        logins.entry(e.channel_id.as_str()).or_default().insert(e.channel_login.as_str());
    }
    for (channel, l) in &logins {
        assert_eq!(l.len(), 1, "channel {channel} has rows with logins {l:?}");
        assert!(l.iter().all(|l| *l == l.to_lowercase()), "channel {channel}: {l:?}");
    }

    // And one display name: the rows that name their own channel (going live or offline, a
    // title change) name it the same way.
    let mut names: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for e in &out.events {
        let name = match e.kind.as_str() {
            "stream_online" | "stream_offline" => e.summary.split(" went ").next(),
            "channel_update" => e.summary.split(" changed ").next(),
            _ => None,
        };
        if let Some(name) = name {
            names.entry(e.channel_id.as_str()).or_default().insert(name);
        }
    }
    assert!(!names.is_empty(), "the examples have rows that name their channel");
    for (channel, n) in &names {
        assert_eq!(n.len(), 1, "channel {channel} is called {n:?}");
    }

    let expect = expectations(&dir);
    assert!(expect.len() >= 100, "expect.json lists {} lines", expect.len());
    let moderation: BTreeSet<u64> = expect
        .iter()
        .filter(|e| e.kind.as_deref().is_some_and(|k| MODERATION_KINDS.contains(&k)))
        .map(|e| e.line)
        .collect();
    assert_eq!(
        moderation,
        MODERATION_LINES.iter().copied().collect(),
        "the moderation lines are exactly the lines expecting a moderation kind"
    );

    let mut wrong = Vec::new();
    for e in &expect {
        let got = rows.get(e.message_id.as_str()).map(Vec::as_slice).unwrap_or_default();
        let seen = got
            .iter()
            .map(|r| {
                format!(
                    "{} on {:?} by {:?}",
                    r.kind.as_str(),
                    r.channel_id,
                    r.actor_login().unwrap_or("—")
                )
            })
            .collect::<Vec<_>>()
            .join(", ");
        let what = format!("line {} ({})", e.line, e.sub_type);
        match e.row.as_str() {
            "yes" => {
                let right = got.len() == 1
                    && got.iter().all(|r| {
                        Some(r.kind.as_str()) == e.kind.as_deref()
                            && Some(&r.channel_id) == e.channel_id.as_ref()
                            && r.actor_login().map(str::to_lowercase)
                                == e.actor_login.as_deref().map(str::to_lowercase)
                    });
                if !right {
                    wrong.push(format!(
                        "{what}: want one {} on {:?} by {:?}, got [{seen}]",
                        e.kind.as_deref().unwrap_or("?"),
                        e.channel_id.as_deref().unwrap_or("?"),
                        e.actor_login.as_deref().unwrap_or("—"),
                    ));
                }
            }
            "no" => {
                if !got.is_empty() {
                    wrong.push(format!("{what}: want no row, got [{seen}]"));
                }
            }
            _ => println!("{what}: either way, got [{seen}]"),
        }
    }
    assert!(wrong.is_empty(), "{} lines came out wrong:\n{}", wrong.len(), wrong.join("\n"));
}
