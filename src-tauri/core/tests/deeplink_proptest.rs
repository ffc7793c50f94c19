//! Property tests of the deep-link parser : at least 10,000 cases, and no panic.
//!
//! Each property runs 10,000 cases by default; set `TEV_PROPTEST_CASES` for a longer run.

use proptest::prelude::*;
use tev_core::deeplink::{DeepLink, DeepLinkError, is_valid_login, parse};
use url::Url;

fn cases() -> u32 {
    std::env::var("TEV_PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .map_or(10_000, |n: u32| n.max(10_000))
}

/// What every accepted link must satisfy: the login rule, lowercase, and a round trip
/// through its canonical rendering via both entry points.
fn assert_sound(link: &DeepLink) -> Result<(), TestCaseError> {
    if let DeepLink::Watch { login } = link {
        prop_assert!(is_valid_login(login), "accepted bad login {login:?}");
        prop_assert_eq!(login.clone(), login.to_ascii_lowercase());
    }
    let rendered = link.to_string();
    prop_assert_eq!(parse(&rendered), Ok(link.clone()));
    let url = Url::parse(&rendered).map_err(|e| TestCaseError::fail(e.to_string()))?;
    prop_assert_eq!(DeepLink::try_from(&url), Ok(link.clone()));
    Ok(())
}

/// Checks one input through `parse` and, when `url` reads it, through `TryFrom<&Url>`.
fn check(input: &str) -> Result<(), TestCaseError> {
    let parsed = parse(input);
    if let Ok(link) = &parsed {
        assert_sound(link)?;
    }
    if let Ok(url) = Url::parse(input) {
        let via_url = DeepLink::try_from(&url);
        if let Ok(link) = &via_url {
            assert_sound(link)?;
        }
        // The text parser is the stricter one: what it accepts, the URL path accepts alike.
        if let Ok(link) = &parsed {
            prop_assert_eq!(via_url, Ok(link.clone()));
        }
    }
    // Messages stay short whatever the input.
    if let Err(err) = &parsed {
        prop_assert!(err.to_string().len() < 300);
    }
    Ok(())
}

/// Characters from a fixed alphabet; cheaper than a regex strategy in debug builds, which
/// keeps 10,000 cases per property within a few seconds.
fn text_of(
    alphabet: &'static str,
    len: std::ops::RangeInclusive<usize>,
) -> impl Strategy<Value = String> {
    let chars: Vec<char> = alphabet.chars().collect();
    prop::collection::vec(prop::sample::select(chars), len).prop_map(String::from_iter)
}

/// A valid login in any case: `^[A-Za-z0-9_]{1,25}$`.
fn login() -> impl Strategy<Value = String> {
    text_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_", 1..=25)
}

/// Our scheme in some case and with some separator, then URL-ish characters.
fn url_like() -> impl Strategy<Value = String> {
    (
        prop::sample::select(vec![
            "twitch-event-viewer",
            "TWITCH-EVENT-VIEWER",
            "Twitch-Event-Viewer",
        ]),
        prop::sample::select(vec!["", ":", ":/", "://", ":///"]),
        text_of("abcwatchomeWATCHZ09_/.%:@?#\\ -", 0..=40),
    )
        .prop_map(|(scheme, sep, rest)| format!("{scheme}{sep}{rest}"))
}

/// A valid link, as a viewer might write it (any login case, optional trailing slash).
fn valid_link() -> impl Strategy<Value = String> {
    let watch = (login(), any::<bool>()).prop_map(|(login, slash)| {
        format!("twitch-event-viewer://watch/{login}{}", if slash { "/" } else { "" })
    });
    let home = any::<bool>()
        .prop_map(|slash| format!("twitch-event-viewer://home{}", if slash { "/" } else { "" }));
    prop_oneof![4 => watch, 1 => home]
}

/// Characters that matter to URL parsing, plus anything at all.
fn interesting_char() -> impl Strategy<Value = char> {
    prop_oneof![
        3 => prop::sample::select(vec![
            '/', '\\', ':', '@', '?', '#', '%', '.', ' ', '\t', '\n', '\r', '\0', '_', '-', '[',
            ']', 'A', 'z', '0', '\u{202e}', '\u{200b}', 'а', 'ａ', '∕', 'é',
        ]),
        1 => any::<char>(),
    ]
}

#[derive(Debug, Clone)]
enum Mutation {
    Insert(usize, char),
    Delete(usize),
    Replace(usize, char),
    InsertStr(usize, &'static str),
    Duplicate(usize, usize),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        (any::<usize>(), interesting_char()).prop_map(|(i, c)| Mutation::Insert(i, c)),
        any::<usize>().prop_map(Mutation::Delete),
        (any::<usize>(), interesting_char()).prop_map(|(i, c)| Mutation::Replace(i, c)),
        (
            any::<usize>(),
            prop::sample::select(vec![
                "%2F", "%2f", "%00", "%2e%2e", "..", "/..", "./", "//", "?x=1", "#f", "u:p@", "@",
                ":80", ":", "watch/", "home", "%", "%zz", "\u{0430}", "\r\n",
            ])
        )
            .prop_map(|(i, s)| Mutation::InsertStr(i, s)),
        (any::<usize>(), any::<usize>()).prop_map(|(a, b)| Mutation::Duplicate(a, b)),
    ]
}

/// Applies a mutation at char positions (taken modulo the length), so it never splits a
/// character.
fn apply(input: &str, m: &Mutation) -> String {
    let mut chars: Vec<char> = input.chars().collect();
    let at = |i: usize, len: usize| if len == 0 { 0 } else { i % (len + 1) };
    match *m {
        Mutation::Insert(i, c) => {
            let i = at(i, chars.len());
            chars.insert(i, c);
        }
        Mutation::Delete(i) if !chars.is_empty() => {
            let i = i % chars.len();
            chars.remove(i);
        }
        Mutation::Delete(_) => {}
        Mutation::Replace(i, c) if !chars.is_empty() => {
            let i = i % chars.len();
            chars[i] = c;
        }
        Mutation::Replace(..) => {}
        Mutation::InsertStr(i, s) => {
            let i = at(i, chars.len());
            chars.splice(i..i, s.chars());
        }
        Mutation::Duplicate(a, b) => {
            let a = at(a, chars.len());
            let b = at(b, chars.len());
            let (lo, hi) = (a.min(b), a.max(b));
            let piece: Vec<char> = chars[lo..hi].to_vec();
            chars.splice(hi..hi, piece);
        }
    }
    chars.into_iter().collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(cases()))]

    #[test]
    fn arbitrary_strings_never_panic_and_accepted_links_are_sound(input in any::<String>()) {
        check(&input)?;
    }

    #[test]
    fn url_like_strings_never_panic_and_accepted_links_are_sound(
        input in url_like()
    ) {
        check(&input)?;
    }

    #[test]
    fn mutated_valid_links_never_panic_and_accepted_links_are_sound(
        link in valid_link(),
        mutations in prop::collection::vec(mutation(), 1..4),
    ) {
        let mut input = link;
        for m in &mutations {
            input = apply(&input, m);
        }
        check(&input)?;
    }

    #[test]
    fn valid_links_are_accepted_with_a_lowercase_login(link in valid_link()) {
        let parsed = parse(&link);
        prop_assert!(parsed.is_ok(), "{link}: {parsed:?}");
        if let Ok(parsed) = parsed {
            assert_sound(&parsed)?;
            if let DeepLink::Watch { login } = &parsed {
                prop_assert!(link.to_ascii_lowercase().contains(login.as_str()));
            }
        }
    }

    #[test]
    fn invalid_logins_are_refused(login in "[^/?#]{0,40}") {
        prop_assume!(!is_valid_login(&login));
        let input = format!("twitch-event-viewer://watch/{login}");
        let parsed = parse(&input);
        prop_assert!(parsed.is_err(), "{input:?} accepted as {parsed:?}");
        let too_long = matches!(parsed, Err(DeepLinkError::TooLong { .. }));
        prop_assert!(!too_long, "{input:?} refused as too long");
    }
}
