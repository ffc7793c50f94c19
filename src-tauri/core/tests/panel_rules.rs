//! The core and the streamer page agree on the events panel: the page is tested (in
//! `tests/ui/`, with Node) against the kind table and the cases checked here, so a rule or a
//! kind changed on one side only fails a test on one side or the other.

use serde_json::{Value, json};
use tev_core::feed::{Details, EventKind};
use tev_core::kind::KIND_TABLE;
use tev_core::{kind::FEED_GROUPS, settings::FeedPrefs};

/// The kind table and the groups as the pages get them, which `tests/ui` reads.
const KINDS_FIXTURE: &str = include_str!("../../../tests/ui/kinds.json");
/// The cases of which rows a channel's feed choices hide, shared with `tests/ui`.
const RULES_FIXTURE: &str = include_str!("../../../tests/ui/feed-rules.json");

fn fixture(text: &str) -> Value {
    serde_json::from_str(text).expect("the fixture is JSON")
}

#[test]
fn the_kind_table_the_pages_are_tested_with_is_the_cores() {
    let want = json!({ "kinds": KIND_TABLE, "groups": FEED_GROUPS });
    assert_eq!(
        fixture(KINDS_FIXTURE),
        want,
        "tests/ui/kinds.json is out of date; it should read:\n{}",
        serde_json::to_string_pretty(&want).expect("serializes")
    );
}

#[test]
fn filter_and_mute_hide_rows_as_the_shared_cases_say() {
    let cases = fixture(RULES_FIXTURE);
    let cases = cases["visibility"].as_array().expect("a list of cases");
    assert!(cases.len() >= 20, "the cases are all there");
    for case in cases {
        let prefs: FeedPrefs =
            serde_json::from_value(case["prefs"].clone()).expect("a channel's feed choices");
        let kind = case["kind"].as_str().expect("a kind");
        assert_eq!(prefs.is_shown(kind), case["shown"], "shown: {case}");
        assert_eq!(prefs.is_muted(kind), case["muted"], "muted: {case}");
    }
}

#[test]
fn minimum_amounts_hide_smaller_rows_as_the_shared_cases_say() {
    let cases = fixture(RULES_FIXTURE);
    let cases = cases["minimums"].as_array().expect("a list of cases");
    assert!(cases.len() >= 10, "the cases are all there");
    for case in cases {
        let prefs: FeedPrefs =
            serde_json::from_value(case["prefs"].clone()).expect("a channel's feed choices");
        let kind: EventKind = serde_json::from_value(case["kind"].clone()).expect("a kind");
        let details: Details =
            serde_json::from_value(case["details"].clone()).expect("the core's details");
        assert_eq!(prefs.is_row_shown(kind, &details), case["shown"], "shown: {case}");
    }
}

#[test]
fn the_seen_mark_covers_rows_as_the_shared_cases_say() {
    let cases = fixture(RULES_FIXTURE);
    let cases = cases["seen"].as_array().expect("a list of cases");
    assert!(!cases.is_empty());
    for case in cases {
        let seen = match &case["mark"] {
            Value::Null => Value::Null,
            at => json!({ "id": "e1", "at": at }),
        };
        let prefs: FeedPrefs =
            serde_json::from_value(json!({ "seen": seen })).expect("a channel's feed choices");
        let at = case["occurred_at"].as_str().expect("a time");
        let at = chrono::DateTime::parse_from_rfc3339(at).expect("an RFC 3339 time");
        assert_eq!(prefs.is_seen(at.to_utc()), case["seen"], "seen: {case}");
    }
}
