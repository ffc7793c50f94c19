//! The deep-link parser on valid and hostile inputs.

use tev_core::deeplink::{
    DeepLink, DeepLinkError, Excerpt, LinkPart, MAX_LINK_LEN, find_in_args, is_valid_login, parse,
};
use url::Url;

fn watch(login: &str) -> DeepLink {
    DeepLink::Watch { login: login.to_owned() }
}

/// Both entry points must agree: the text parser and `TryFrom<&Url>` on what `url` makes of it.
fn via_url(input: &str) -> Result<DeepLink, DeepLinkError> {
    let url = Url::parse(input).expect("test input is a URL");
    DeepLink::try_from(&url)
}

// ---- valid ----

#[test]
fn watch_link_gives_the_login() {
    assert_eq!(parse("twitch-event-viewer://watch/shroud"), Ok(watch("shroud")));
    assert_eq!(via_url("twitch-event-viewer://watch/shroud"), Ok(watch("shroud")));
}

#[test]
fn watch_link_accepts_a_trailing_slash() {
    assert_eq!(parse("twitch-event-viewer://watch/shroud/"), Ok(watch("shroud")));
    assert_eq!(via_url("twitch-event-viewer://watch/shroud/"), Ok(watch("shroud")));
}

#[test]
fn login_is_lowercased() {
    assert_eq!(parse("twitch-event-viewer://watch/ShRoUd_42"), Ok(watch("shroud_42")));
}

#[test]
fn login_of_one_and_of_twenty_five_characters() {
    assert_eq!(parse("twitch-event-viewer://watch/a"), Ok(watch("a")));
    let long = "a".repeat(25);
    assert_eq!(parse(&format!("twitch-event-viewer://watch/{long}")), Ok(watch(&long)));
}

#[test]
fn login_may_be_digits_and_underscores_only() {
    assert_eq!(parse("twitch-event-viewer://watch/_"), Ok(watch("_")));
    assert_eq!(parse("twitch-event-viewer://watch/123"), Ok(watch("123")));
}

#[test]
fn home_link_with_and_without_slash() {
    assert_eq!(parse("twitch-event-viewer://home"), Ok(DeepLink::Home));
    assert_eq!(parse("twitch-event-viewer://home/"), Ok(DeepLink::Home));
    assert_eq!(via_url("twitch-event-viewer://home"), Ok(DeepLink::Home));
    assert_eq!(via_url("twitch-event-viewer://home/"), Ok(DeepLink::Home));
}

#[test]
fn scheme_is_case_insensitive() {
    assert_eq!(parse("Twitch-Event-Viewer://watch/abc"), Ok(watch("abc")));
}

#[test]
fn display_renders_the_canonical_link() {
    assert_eq!(watch("abc").to_string(), "twitch-event-viewer://watch/abc");
    assert_eq!(DeepLink::Home.to_string(), "twitch-event-viewer://home");
    assert_eq!(parse(&watch("abc").to_string()), Ok(watch("abc")));
    assert_eq!(parse(&DeepLink::Home.to_string()), Ok(DeepLink::Home));
}

#[test]
fn watch_constructor_checks_and_lowercases() {
    assert_eq!(DeepLink::watch("ABC"), Ok(watch("abc")));
    assert!(matches!(DeepLink::watch("a/b"), Err(DeepLinkError::InvalidLogin { .. })));
    assert!(matches!(DeepLink::watch(""), Err(DeepLinkError::InvalidLogin { .. })));
}

#[test]
fn login_rule() {
    assert!(is_valid_login("a"));
    assert!(is_valid_login("Abc_123"));
    assert!(is_valid_login(&"z".repeat(25)));
    assert!(!is_valid_login(""));
    assert!(!is_valid_login(&"z".repeat(26)));
    assert!(!is_valid_login("a-b"));
    assert!(!is_valid_login("a b"));
    assert!(!is_valid_login("ａbc")); // fullwidth a
    assert!(!is_valid_login("аbc")); // Cyrillic a
}

// ---- hostile: scheme, action, shape ----

#[test]
fn other_schemes_are_refused() {
    for input in [
        "https://www.twitch.tv/shroud",
        "http://watch/shroud",
        "file:///etc/passwd",
        "javascript:alert(1)",
        "twitch-event-viewe://watch/a",
        "twitch-event-viewer2://watch/a",
    ] {
        assert!(
            matches!(parse(input), Err(DeepLinkError::WrongScheme { .. })),
            "{input}: {:?}",
            parse(input)
        );
    }
    assert!(matches!(
        via_url("https://www.twitch.tv/shroud"),
        Err(DeepLinkError::WrongScheme { .. })
    ));
}

#[test]
fn not_a_url_is_refused() {
    for input in ["", "shroud", "watch/shroud", "://watch/a", "1abc:watch"] {
        assert!(
            matches!(parse(input), Err(DeepLinkError::NotAUrl { .. })),
            "{input}: {:?}",
            parse(input)
        );
    }
}

#[test]
fn missing_authority_is_malformed() {
    for input in [
        "twitch-event-viewer:watch/shroud",
        "twitch-event-viewer:/watch/shroud",
        "twitch-event-viewer:///watch/shroud",
        "twitch-event-viewer:",
        "twitch-event-viewer://",
    ] {
        assert_eq!(parse(input), Err(DeepLinkError::Malformed), "{input}");
    }
}

#[test]
fn unknown_actions_are_refused() {
    for input in [
        "twitch-event-viewer://login",
        "twitch-event-viewer://logout",
        "twitch-event-viewer://settings/theme",
        "twitch-event-viewer://revoke/abc",
        "twitch-event-viewer://WATCH/abc",
        "twitch-event-viewer://Home",
        "twitch-event-viewer://watchx/abc",
    ] {
        assert!(
            matches!(parse(input), Err(DeepLinkError::UnknownAction { .. })),
            "{input}: {:?}",
            parse(input)
        );
    }
}

#[test]
fn watch_without_login_is_refused() {
    for input in ["twitch-event-viewer://watch", "twitch-event-viewer://watch/"] {
        assert_eq!(parse(input), Err(DeepLinkError::MissingLogin), "{input}");
        assert_eq!(via_url(input), Err(DeepLinkError::MissingLogin), "{input}");
    }
}

#[test]
fn extra_segments_are_refused() {
    for input in [
        "twitch-event-viewer://watch/a/b",
        "twitch-event-viewer://watch/a/b/",
        "twitch-event-viewer://watch//a",
        "twitch-event-viewer://watch/a//",
        "twitch-event-viewer://watch//",
        "twitch-event-viewer://home/x",
        "twitch-event-viewer://home//",
    ] {
        assert_eq!(parse(input), Err(DeepLinkError::ExtraSegments), "{input}");
        assert_eq!(via_url(input), Err(DeepLinkError::ExtraSegments), "{input}");
    }
}

#[test]
fn invalid_logins_are_refused() {
    let too_long = format!("twitch-event-viewer://watch/{}", "a".repeat(26));
    for input in [
        too_long.as_str(),
        "twitch-event-viewer://watch/a-b",
        "twitch-event-viewer://watch/a!b",
        "twitch-event-viewer://watch/a$b",
        "twitch-event-viewer://watch/a*",
    ] {
        assert!(
            matches!(parse(input), Err(DeepLinkError::InvalidLogin { .. })),
            "{input}: {:?}",
            parse(input)
        );
    }
}

// ---- hostile: parts a link never has ----

#[test]
fn query_fragment_userinfo_port_are_refused() {
    let cases = [
        ("twitch-event-viewer://watch/a?x=1", LinkPart::Query),
        ("twitch-event-viewer://watch/a?", LinkPart::Query),
        ("twitch-event-viewer://home?logout=1", LinkPart::Query),
        ("twitch-event-viewer://watch/a#x", LinkPart::Fragment),
        ("twitch-event-viewer://watch/a#", LinkPart::Fragment),
        ("twitch-event-viewer://u:p@watch/a", LinkPart::UserInfo),
        ("twitch-event-viewer://u@watch/a", LinkPart::UserInfo),
        ("twitch-event-viewer://:p@watch/a", LinkPart::UserInfo),
        ("twitch-event-viewer://@watch/a", LinkPart::UserInfo),
        ("twitch-event-viewer://watch:80/a", LinkPart::Port),
    ];
    for (input, part) in cases {
        assert_eq!(parse(input), Err(DeepLinkError::ExtraPart { part }), "{input}");
    }
}

#[test]
fn empty_port_that_the_url_parser_drops_is_still_refused() {
    assert_eq!(parse("twitch-event-viewer://watch:/a"), Err(DeepLinkError::Malformed));
}

#[test]
fn percent_encoding_is_refused() {
    for input in [
        "twitch-event-viewer://watch/a%2Fb",
        "twitch-event-viewer://watch/a%2fb",
        "twitch-event-viewer://watch/a%00",
        "twitch-event-viewer://watch/%2e%2e/home",
        "twitch-event-viewer://watch/%61bc",
        "twitch-event-viewer://%77atch/abc",
    ] {
        assert_eq!(parse(input), Err(DeepLinkError::Encoded), "{input}");
    }
}

#[test]
fn encoded_paths_from_the_url_side_are_refused_too() {
    for input in [
        "twitch-event-viewer://watch/a%2Fb",
        "twitch-event-viewer://watch/a%00",
        "twitch-event-viewer://watch/%61bc",
        // url percent-encodes non-ASCII in a path, so a lookalike shows up as "%…".
        "twitch-event-viewer://watch/аbc",
    ] {
        assert_eq!(via_url(input), Err(DeepLinkError::Encoded), "{input}");
    }
}

#[test]
fn dot_segments_are_refused_even_though_url_would_resolve_them() {
    // `url` resolves these to "watch/b" or "watch/home"; the raw check refuses them.
    for input in [
        "twitch-event-viewer://watch/a/../b",
        "twitch-event-viewer://watch/./b",
        "twitch-event-viewer://watch/../home",
        "twitch-event-viewer://watch/..",
        "twitch-event-viewer://watch/a.b",
    ] {
        assert_eq!(parse(input), Err(DeepLinkError::UnexpectedCharacter), "{input}");
    }
}

#[test]
fn dot_segments_resolved_by_url_still_yield_only_a_checked_login() {
    // Documented limit of the `TryFrom<&Url>` path: the dots are gone before we see it.
    assert_eq!(via_url("twitch-event-viewer://watch/a/../b"), Ok(watch("b")));
    assert_eq!(via_url("twitch-event-viewer://watch/../a/b"), Err(DeepLinkError::ExtraSegments));
}

#[test]
fn whitespace_controls_and_backslashes_are_refused() {
    for input in [
        " twitch-event-viewer://watch/abc",
        "twitch-event-viewer://watch/abc ",
        "twitch-event-viewer://watch/a bc",
        "twitch-event-viewer://watch/a\tbc",
        "twitch-event-viewer://watch/a\nbc",
        "twitch-event-viewer://watch/a\rbc",
        "twitch-event-viewer://watch/abc\0",
        "\u{1}twitch-event-viewer://watch/abc",
        "twitch-event-viewer://watch\\abc",
        "twitch-event-viewer:\\\\watch/abc",
        "twitch-event-viewer://watch/abc\u{7f}",
    ] {
        assert_eq!(parse(input), Err(DeepLinkError::UnexpectedCharacter), "{input:?}");
    }
}

#[test]
fn unicode_lookalikes_are_refused() {
    for input in [
        "twitch-event-viewer://watch/аbc",         // Cyrillic a
        "twitch-event-viewer://watch/ａbc",        // fullwidth a
        "twitch-event-viewer://wаtch/abc",         // Cyrillic a in the action
        "twitch-event-viewer://watch/abc\u{200b}", // zero-width space
        "twitch-event-viewer://watch/abc\u{202e}", // right-to-left override
        "twitch-event-viewer://watch∕abc",         // division slash
        "twitch-event-viewer://watch/ǅ",
    ] {
        assert_eq!(parse(input), Err(DeepLinkError::UnexpectedCharacter), "{input:?}");
    }
}

#[test]
fn unicode_scheme_lookalike_is_not_ours() {
    // Cyrillic "е" in the scheme: not even scheme syntax, so not a URL of ours.
    let input = "twitch-еvent-viewer://watch/abc";
    assert_eq!(parse(input), Err(DeepLinkError::UnexpectedCharacter));
}

#[test]
fn huge_input_is_refused_before_parsing() {
    let huge = format!("twitch-event-viewer://watch/{}", "a".repeat(10_000_000));
    assert_eq!(parse(&huge), Err(DeepLinkError::TooLong { len: huge.len() }));
    let just_over = "x".repeat(MAX_LINK_LEN + 1);
    assert_eq!(parse(&just_over), Err(DeepLinkError::TooLong { len: MAX_LINK_LEN + 1 }));
    // At the limit the other checks apply.
    let at_limit = format!("twitch-event-viewer://watch/{}", "a".repeat(MAX_LINK_LEN - 28));
    assert_eq!(at_limit.len(), MAX_LINK_LEN);
    assert!(matches!(parse(&at_limit), Err(DeepLinkError::InvalidLogin { .. })));
}

#[test]
fn huge_parsed_url_is_refused() {
    let url = Url::parse(&format!("twitch-event-viewer://watch/{}", "a".repeat(MAX_LINK_LEN)))
        .expect("a URL");
    assert!(matches!(DeepLink::try_from(&url), Err(DeepLinkError::TooLong { .. })));
}

// ---- messages ----

#[test]
fn messages_are_sentences_for_the_viewer() {
    let err = parse("https://www.twitch.tv/shroud").unwrap_err();
    assert_eq!(
        err.to_string(),
        "This link isn't a Twitch Event Viewer link: it starts with \"https:\" instead of \"twitch-event-viewer:\"."
    );
    assert_eq!(err.code(), "wrong_scheme");
    let err = parse("twitch-event-viewer://watch/a-b").unwrap_err();
    assert_eq!(
        err.to_string(),
        "This Twitch Event Viewer link names \"a-b\", which isn't a Twitch channel name (1 to 25 letters, digits or underscores)."
    );
    for err in [
        DeepLinkError::TooLong { len: 3000 },
        DeepLinkError::Malformed,
        DeepLinkError::MissingLogin,
        DeepLinkError::ExtraSegments,
        DeepLinkError::Encoded,
        DeepLinkError::UnexpectedCharacter,
        DeepLinkError::ExtraPart { part: LinkPart::Query },
    ] {
        let msg = err.to_string();
        assert!(msg.starts_with("This "), "{msg}");
        assert!(msg.ends_with('.'), "{msg}");
        assert!(!err.code().is_empty());
    }
}

#[test]
fn messages_quote_only_a_short_sanitised_excerpt() {
    let long_action = format!("twitch-event-viewer://{}/abc", "x".repeat(500));
    let msg = parse(&long_action).unwrap_err().to_string();
    assert!(msg.len() < 200, "{msg}");
    assert!(msg.contains('…'));

    let long_login = format!("twitch-event-viewer://watch/{}", "b".repeat(1000));
    let msg = parse(&long_login).unwrap_err().to_string();
    assert!(msg.len() < 200, "{msg}");

    let long_scheme = format!("{}://watch/a", "s".repeat(1500));
    let msg = parse(&long_scheme).unwrap_err().to_string();
    assert!(msg.len() < 200, "{msg}");

    let junk = "not a link at all ".repeat(50);
    let msg = parse(&junk).unwrap_err().to_string();
    assert!(msg.len() < 200, "{msg}");
}

#[test]
fn excerpt_replaces_unprintable_characters() {
    assert_eq!(Excerpt::of("ab\u{202e}c\n").as_str(), "ab?c?");
    assert_eq!(Excerpt::of("аb").as_str(), "?b");
    let long = Excerpt::of(&"x".repeat(100));
    assert_eq!(long.as_str().chars().count(), 33);
    assert!(long.as_str().ends_with('…'));
}

#[test]
fn userinfo_is_never_echoed() {
    let err = parse("twitch-event-viewer://user:s3cret@watch/abc").unwrap_err();
    assert!(!err.to_string().contains("s3cret"));
    assert!(!format!("{err:?}").contains("s3cret"));
    let url = Url::parse("twitch-event-viewer://user:s3cret@watch/abc").expect("a URL");
    let err = DeepLink::try_from(&url).unwrap_err();
    assert!(!err.to_string().contains("s3cret"));
}

// ---- arguments ----

#[test]
fn find_in_args_picks_the_link_among_other_arguments() {
    let args = ["/usr/bin/twitch-event-viewer", "--flag", "twitch-event-viewer://watch/Abc"];
    assert_eq!(find_in_args(args), Some(Ok(watch("abc"))));
    assert_eq!(find_in_args(["app", "TWITCH-EVENT-VIEWER://home"]), Some(Ok(DeepLink::Home)));
}

#[test]
fn find_in_args_reports_a_bad_link_and_ignores_non_links() {
    assert_eq!(
        find_in_args(["app", "twitch-event-viewer://watch/a/b"]),
        Some(Err(DeepLinkError::ExtraSegments))
    );
    assert_eq!(find_in_args(["app", "--help", "https://x"]), None);
    assert_eq!(find_in_args(Vec::<String>::new()), None);
    // A multi-byte character right at the prefix boundary must not panic.
    assert_eq!(find_in_args(["twitch-event-viewé:"]), None);
    assert_eq!(find_in_args(["twitch-event-vieweré"]), None);
}
