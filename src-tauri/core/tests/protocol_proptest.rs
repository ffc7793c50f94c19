//! `parse_frame` never panics (at least 10,000 proptest cases on the frame parser).
//!
//! Three strategies, each `PROPTEST_CASES` (default 4,000 → 12,000 cases in all): arbitrary
//! strings, byte-level mutations of the real fixture frames, and JSON-aware mutations that
//! replace one value somewhere in a real frame (which reaches the typed event parsers and the
//! `Event::Other` fallback rather than stopping at a syntax error).

use proptest::prelude::*;
use serde_json::Value;
use std::path::PathBuf;
use std::sync::OnceLock;
use tev_core::eventsub::protocol::{Message, parse_frame};

fn frames() -> &'static [String] {
    static FRAMES: OnceLock<Vec<String>> = OnceLock::new();
    FRAMES.get_or_init(|| {
        let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/frames");
        let mut v: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|x| x == "json"))
            .map(|p| {
                // Compact, as on the socket.
                let v: Value = serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap();
                serde_json::to_string(&v).unwrap()
            })
            .collect();
        v.sort();
        v
    })
}

fn cases() -> u32 {
    std::env::var("PROPTEST_CASES").ok().and_then(|s| s.parse().ok()).unwrap_or(4_000)
}

/// One edit on a frame's characters.
#[derive(Debug, Clone)]
enum Edit {
    Delete(usize, usize),
    Insert(usize, String),
    Truncate(usize),
    Duplicate(usize, usize),
}

fn edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        (any::<usize>(), 1usize..20).prop_map(|(p, n)| Edit::Delete(p, n)),
        (
            any::<usize>(),
            prop_oneof![
                Just("{".to_string()),
                Just("}".to_string()),
                Just("\"".to_string()),
                Just(",".to_string()),
                Just(":null".to_string()),
                Just("\\u0000".to_string()),
                Just("9999999999999999999999".to_string()),
                "[ -~]{0,8}",
                "\\PC{0,4}",
            ]
        )
            .prop_map(|(p, s)| Edit::Insert(p, s)),
        any::<usize>().prop_map(Edit::Truncate),
        (any::<usize>(), 1usize..200).prop_map(|(p, n)| Edit::Duplicate(p, n)),
    ]
}

fn apply(text: &str, edits: &[Edit]) -> String {
    let mut c: Vec<char> = text.chars().collect();
    for e in edits {
        let len = c.len().max(1);
        match e {
            Edit::Delete(p, n) => {
                let p = p % len;
                let end = (p + n).min(c.len());
                if p < end {
                    c.drain(p..end);
                }
            }
            Edit::Insert(p, s) => {
                let p = p % (c.len() + 1);
                c.splice(p..p, s.chars());
            }
            Edit::Truncate(p) => c.truncate(p % len),
            Edit::Duplicate(p, n) => {
                let p = p % len;
                let end = (p + n).min(c.len());
                let slice: Vec<char> = c.get(p..end).map(<[char]>::to_vec).unwrap_or_default();
                c.splice(end..end, slice);
            }
        }
    }
    c.into_iter().collect()
}

fn replacement() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        Just(Value::Bool(true)),
        any::<i64>().prop_map(Value::from),
        any::<f64>()
            .prop_map(|f| serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)),
        "\\PC{0,12}".prop_map(Value::String),
        Just(Value::String("2026-13-45T99:99:99Z".into())),
        Just(Value::Array(vec![])),
        Just(serde_json::json!({})),
        Just(serde_json::json!({"unexpected": [1, {"x": null}]})),
    ]
}

/// Replaces the `pick`-th value (in a depth-first walk) with `with`.
fn replace_nth(v: &mut Value, pick: &mut usize, with: &Value) -> bool {
    if *pick == 0 {
        *v = with.clone();
        return true;
    }
    *pick -= 1;
    match v {
        Value::Object(m) => m.values_mut().any(|x| replace_nth(x, pick, with)),
        Value::Array(a) => a.iter_mut().any(|x| replace_nth(x, pick, with)),
        _ => false,
    }
}

fn count(v: &Value) -> usize {
    1 + match v {
        Value::Object(m) => m.values().map(count).sum(),
        Value::Array(a) => a.iter().map(count).sum(),
        _ => 0,
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(), failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_strings_never_panic(s in prop_oneof!["\\PC*", "[{}\\[\\]\":,a-z0-9 ]{0,200}"]) {
        let _ = parse_frame(&s);
    }

    #[test]
    fn mutated_real_frames_never_panic(i in any::<prop::sample::Index>(), edits in prop::collection::vec(edit(), 1..6)) {
        let f = frames();
        let text = apply(&f[i.index(f.len())], &edits);
        let _ = parse_frame(&text);
    }

    #[test]
    fn real_frames_with_one_value_replaced_never_panic(
        i in any::<prop::sample::Index>(),
        at in any::<prop::sample::Index>(),
        with in replacement(),
    ) {
        let f = frames();
        let mut v: Value = serde_json::from_str(&f[i.index(f.len())]).unwrap();
        let mut pick = at.index(count(&v));
        replace_nth(&mut v, &mut pick, &with);
        let text = serde_json::to_string(&v).unwrap();
        // A notification whose envelope survived stays a notification (typed or `Other`).
        if let Ok(frame) = parse_frame(&text)
            && v["metadata"]["message_type"] == "notification"
        {
            prop_assert!(matches!(frame.message, Message::Notification(_)));
        }
    }
}
