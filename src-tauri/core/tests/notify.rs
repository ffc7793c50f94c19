//! When the app shows a desktop notification : the core decides when to notify,
//! so the decision is unit-tested here.

use std::time::{Duration, Instant};

use tev_core::notify::{
    DEFAULT_BURST_WINDOW_SECS, GAP_KIND, GO_LIVE_KIND, KINDS, Notification, Notifier, NotifyInput,
    NotifyPolicy, Suppressed, decide, evaluate, kind_label,
};

/// A new event of `kind` on a watched, unfocused channel: the case that notifies.
fn event(kind: &str) -> NotifyInput<'_> {
    NotifyInput {
        kind,
        channel_login: "shroud",
        channel_name: Some("Shroud"),
        summary: None,
        watched: true,
        window_focused: false,
        is_new: true,
    }
}

fn with_kinds(kinds: &[&str]) -> NotifyPolicy {
    let mut policy = NotifyPolicy::default();
    for kind in kinds {
        policy.set_wanted(kind, true);
    }
    policy
}

// ---- the policy ----

#[test]
fn default_policy_is_go_live_only() {
    let policy = NotifyPolicy::default();
    assert!(policy.go_live);
    assert!(policy.kinds.is_empty());
    assert_eq!(policy.burst_window_secs, DEFAULT_BURST_WINDOW_SECS);
    assert!(policy.wants(GO_LIVE_KIND));
    for (kind, _) in KINDS.iter().filter(|(k, _)| *k != GO_LIVE_KIND) {
        assert!(!policy.wants(kind), "{kind} should be off by default");
    }
    assert!(!policy.wants(GAP_KIND));
    assert!(!policy.wants("some_future_kind"));
}

#[test]
fn empty_json_is_the_default_policy() {
    let policy: NotifyPolicy = serde_json::from_str("{}").expect("parses");
    assert_eq!(policy, NotifyPolicy::default());
}

#[test]
fn policy_serialises_kinds_by_snake_case_name() {
    let policy = with_kinds(&["raid_incoming", "community_sub_gift"]);
    let json = serde_json::to_value(&policy).expect("serialises");
    assert_eq!(
        json,
        serde_json::json!({
            "go_live": true,
            "kinds": ["community_sub_gift", "raid_incoming"],
            "burst_window_secs": 60
        })
    );
    let back: NotifyPolicy = serde_json::from_value(json).expect("parses");
    assert_eq!(back, policy);
}

#[test]
fn policy_from_partial_settings_keeps_defaults_for_the_rest() {
    let policy: NotifyPolicy =
        serde_json::from_str(r#"{"kinds":["follow"],"unknown_field":1}"#).expect("parses");
    assert!(policy.go_live);
    assert!(policy.wants("follow"));
    assert_eq!(policy.burst_window_secs, DEFAULT_BURST_WINDOW_SECS);
}

#[test]
fn go_live_can_be_turned_off_through_either_setter() {
    let mut policy = NotifyPolicy::default();
    policy.set_wanted(GO_LIVE_KIND, false);
    assert!(!policy.go_live);
    assert!(policy.kinds.is_empty(), "stream_online is not a kinds entry");
    assert!(!policy.wants(GO_LIVE_KIND));
}

#[test]
fn kinds_can_be_turned_on_and_off() {
    let mut policy = with_kinds(&["cheer"]);
    assert!(policy.wants("cheer"));
    policy.set_wanted("cheer", false);
    assert!(!policy.wants("cheer"));
}

#[test]
fn gap_never_wanted_even_if_listed() {
    let mut policy = NotifyPolicy::default();
    policy.kinds.insert(GAP_KIND.to_owned());
    assert!(!policy.wants(GAP_KIND));
}

#[test]
fn kind_names_are_exact() {
    let policy = with_kinds(&["raid_incoming"]);
    assert!(!policy.wants("Raid_Incoming"));
    assert!(!policy.wants("raid"));
}

// ---- the rules ----

#[test]
fn go_live_of_a_watched_channel_notifies() {
    let n = decide(&NotifyPolicy::default(), &event(GO_LIVE_KIND)).expect("notifies");
    assert_eq!(n.title, "Shroud is live");
    assert_eq!(n.body, "Shroud just went live on Twitch.");
}

#[test]
fn go_live_uses_the_summary_when_there_is_one() {
    let input =
        NotifyInput { summary: Some("Shroud went live: Valorant ranked"), ..event(GO_LIVE_KIND) };
    let n = decide(&NotifyPolicy::default(), &input).expect("notifies");
    assert_eq!(n.body, "Shroud went live: Valorant ranked");
}

#[test]
fn go_live_off_means_no_notification() {
    let policy = NotifyPolicy { go_live: false, ..NotifyPolicy::default() };
    assert_eq!(evaluate(&policy, &event(GO_LIVE_KIND)), Err(Suppressed::KindOff));
}

#[test]
fn unwatched_channel_never_notifies() {
    let input = NotifyInput { watched: false, ..event(GO_LIVE_KIND) };
    assert_eq!(evaluate(&NotifyPolicy::default(), &input), Err(Suppressed::NotWatched));
    let policy = with_kinds(&["raid_incoming"]);
    let input = NotifyInput { watched: false, ..event("raid_incoming") };
    assert_eq!(evaluate(&policy, &input), Err(Suppressed::NotWatched));
}

#[test]
fn other_kinds_are_off_until_picked() {
    for (kind, _) in KINDS.iter().filter(|(k, _)| *k != GO_LIVE_KIND) {
        assert_eq!(
            evaluate(&NotifyPolicy::default(), &event(kind)),
            Err(Suppressed::KindOff),
            "{kind}"
        );
    }
}

#[test]
fn a_picked_kind_notifies_with_its_label() {
    let policy = with_kinds(&["raid_incoming"]);
    let input =
        NotifyInput { summary: Some("Alice raided with 120 viewers"), ..event("raid_incoming") };
    let n = decide(&policy, &input).expect("notifies");
    assert_eq!(
        n,
        Notification {
            title: "Shroud: Incoming raid".to_owned(),
            body: "Alice raided with 120 viewers".to_owned(),
        }
    );
    // Picking one kind does not pick another.
    assert_eq!(evaluate(&policy, &event("raid_outgoing")), Err(Suppressed::KindOff));
}

#[test]
fn every_known_kind_notifies_once_picked() {
    let all: Vec<&str> = KINDS.iter().map(|(k, _)| *k).collect();
    let policy = with_kinds(&all);
    for kind in all {
        let n = decide(&policy, &event(kind));
        assert!(n.is_some(), "{kind}");
    }
}

#[test]
fn focused_window_never_notifies() {
    let policy = with_kinds(&["follow"]);
    for kind in [GO_LIVE_KIND, "follow"] {
        let input = NotifyInput { window_focused: true, ..event(kind) };
        assert_eq!(evaluate(&policy, &input), Err(Suppressed::WindowFocused), "{kind}");
    }
}

#[test]
fn restored_or_duplicate_events_never_notify() {
    let input = NotifyInput { is_new: false, ..event(GO_LIVE_KIND) };
    assert_eq!(evaluate(&NotifyPolicy::default(), &input), Err(Suppressed::NotNew));
}

#[test]
fn gap_markers_never_notify() {
    let mut policy = with_kinds(&["other"]);
    policy.kinds.insert(GAP_KIND.to_owned());
    assert_eq!(evaluate(&policy, &event(GAP_KIND)), Err(Suppressed::Gap));
}

#[test]
fn an_unknown_kind_notifies_when_picked_with_readable_words() {
    let policy = with_kinds(&["hype_train_golden_kappa"]);
    let n = decide(&policy, &event("hype_train_golden_kappa")).expect("notifies");
    assert_eq!(n.title, "Shroud: Hype train golden kappa");
    assert_eq!(n.body, "Hype train golden kappa on Shroud's channel.");
}

#[test]
fn login_is_the_name_when_no_display_name() {
    let input = NotifyInput { channel_name: None, ..event(GO_LIVE_KIND) };
    let n = decide(&NotifyPolicy::default(), &input).expect("notifies");
    assert_eq!(n.title, "shroud is live");
    let input = NotifyInput { channel_name: Some("  \u{202e} "), ..event(GO_LIVE_KIND) };
    let n = decide(&NotifyPolicy::default(), &input).expect("notifies");
    assert_eq!(n.title, "shroud is live", "a blank display name falls back");
}

// ---- text from Twitch is made safe ----

#[test]
fn markup_and_control_characters_are_neutralised() {
    let policy = with_kinds(&["cheer"]);
    let input = NotifyInput {
        channel_name: Some("Evil\u{202e}Name"),
        summary: Some("<a href=\"https://x\">click</a>\n\tline\u{0}two  \u{200b}"),
        ..event("cheer")
    };
    let n = decide(&policy, &input).expect("notifies");
    assert_eq!(n.title, "Evil Name: Cheer");
    assert_eq!(n.body, "‹a href=\"https://x\"›click‹/a› line two");
    assert!(!n.body.contains('<') && !n.body.contains('>'));
}

#[test]
fn long_text_is_cut_with_an_ellipsis() {
    let long = "word ".repeat(500);
    let name = "N".repeat(300);
    let input =
        NotifyInput { channel_name: Some(&name), summary: Some(&long), ..event(GO_LIVE_KIND) };
    let n = decide(&NotifyPolicy::default(), &input).expect("notifies");
    assert_eq!(n.title.chars().count(), 80);
    assert!(n.title.ends_with('…'));
    assert_eq!(n.body.chars().count(), 200);
    assert!(n.body.ends_with('…'));
}

#[test]
fn kind_labels() {
    assert_eq!(kind_label("raid_incoming"), "Incoming raid");
    assert_eq!(kind_label("community_sub_gift"), "Gifted subs");
    assert_eq!(kind_label("new_thing"), "New thing");
    assert_eq!(kind_label(""), "Event");
    assert_eq!(kind_label("<b>"), "‹b›");
    // Every known kind has a distinct label.
    let mut labels: Vec<&str> = KINDS.iter().map(|(_, l)| *l).collect();
    labels.sort_unstable();
    labels.dedup();
    assert_eq!(labels.len(), KINDS.len());
    assert!(!KINDS.iter().any(|(k, _)| *k == GAP_KIND));
}

// ---- the burst limit ----

#[test]
fn a_gift_bomb_is_one_notification_per_window() {
    let mut notifier = Notifier::new(with_kinds(&["sub_gift"]));
    let t0 = Instant::now();
    let mut shown = 0;
    // 50 gifts within 10 s.
    for i in 0..50 {
        if notifier.notify(&event("sub_gift"), t0 + Duration::from_millis(i * 200)).is_some() {
            shown += 1;
        }
    }
    assert_eq!(shown, 1);
    assert_eq!(
        notifier.evaluate(&event("sub_gift"), t0 + Duration::from_secs(59)),
        Err(Suppressed::RateLimited)
    );
    assert!(
        notifier.notify(&event("sub_gift"), t0 + Duration::from_secs(60)).is_some(),
        "the window is over"
    );
}

#[test]
fn window_counts_from_the_last_shown_not_the_last_suppressed() {
    let mut notifier = Notifier::new(with_kinds(&["follow"]));
    let t0 = Instant::now();
    assert!(notifier.notify(&event("follow"), t0).is_some());
    for s in 1..60 {
        assert!(notifier.notify(&event("follow"), t0 + Duration::from_secs(s)).is_none());
    }
    assert!(notifier.notify(&event("follow"), t0 + Duration::from_secs(60)).is_some());
}

#[test]
fn limit_is_per_channel_and_per_kind() {
    let mut notifier = Notifier::new(with_kinds(&["follow", "cheer"]));
    let t0 = Instant::now();
    assert!(notifier.notify(&event("follow"), t0).is_some());
    assert!(notifier.notify(&event("cheer"), t0).is_some(), "other kind");
    let other_channel = NotifyInput {
        channel_login: "pokimane",
        channel_name: Some("Pokimane"),
        ..event("follow")
    };
    assert!(notifier.notify(&other_channel, t0).is_some(), "other channel");
    // The same channel in another case is the same channel.
    let same_channel = NotifyInput { channel_login: "SHROUD", ..event("follow") };
    assert_eq!(
        notifier.evaluate(&same_channel, t0 + Duration::from_secs(1)),
        Err(Suppressed::RateLimited)
    );
    assert_eq!(notifier.remembered(), 3);
}

#[test]
fn flapping_stream_goes_live_once_per_window() {
    let mut notifier = Notifier::new(NotifyPolicy::default());
    let t0 = Instant::now();
    assert!(notifier.notify(&event(GO_LIVE_KIND), t0).is_some());
    assert!(notifier.notify(&event(GO_LIVE_KIND), t0 + Duration::from_secs(20)).is_none());
}

#[test]
fn suppressed_events_do_not_start_the_window() {
    let mut notifier = Notifier::new(NotifyPolicy::default());
    let t0 = Instant::now();
    let focused = NotifyInput { window_focused: true, ..event(GO_LIVE_KIND) };
    assert_eq!(notifier.evaluate(&focused, t0), Err(Suppressed::WindowFocused));
    assert_eq!(notifier.remembered(), 0);
    assert!(notifier.notify(&event(GO_LIVE_KIND), t0 + Duration::from_secs(1)).is_some());
}

#[test]
fn zero_window_turns_the_limit_off() {
    let policy = NotifyPolicy { burst_window_secs: 0, ..with_kinds(&["sub_gift"]) };
    let mut notifier = Notifier::new(policy);
    let t0 = Instant::now();
    for _ in 0..5 {
        assert!(notifier.notify(&event("sub_gift"), t0).is_some());
    }
}

#[test]
fn out_of_order_time_counts_as_inside_the_window() {
    let mut notifier = Notifier::new(NotifyPolicy::default());
    let t0 = Instant::now() + Duration::from_secs(3600);
    assert!(notifier.notify(&event(GO_LIVE_KIND), t0).is_some());
    assert_eq!(
        notifier.evaluate(&event(GO_LIVE_KIND), t0 - Duration::from_secs(600)),
        Err(Suppressed::RateLimited)
    );
}

#[test]
fn policy_change_applies_at_once_and_keeps_the_history() {
    let mut notifier = Notifier::new(NotifyPolicy::default());
    let t0 = Instant::now();
    assert_eq!(notifier.evaluate(&event("raid_incoming"), t0), Err(Suppressed::KindOff));
    assert!(notifier.notify(&event(GO_LIVE_KIND), t0).is_some());
    notifier.set_policy(with_kinds(&["raid_incoming"]));
    assert!(notifier.policy().wants("raid_incoming"));
    assert!(notifier.notify(&event("raid_incoming"), t0).is_some());
    assert_eq!(
        notifier.evaluate(&event(GO_LIVE_KIND), t0 + Duration::from_secs(1)),
        Err(Suppressed::RateLimited)
    );
}

#[test]
fn limiter_memory_stays_bounded() {
    let mut notifier = Notifier::new(NotifyPolicy::default());
    let t0 = Instant::now();
    let logins: Vec<String> = (0..10_000).map(|i| format!("channel_{i}")).collect();
    for (i, login) in logins.iter().enumerate() {
        let input = NotifyInput { channel_login: login, channel_name: None, ..event(GO_LIVE_KIND) };
        // One new channel going live every 10 s: old entries expire after 60 s.
        let now = t0 + Duration::from_secs(10 * i as u64);
        assert!(notifier.notify(&input, now).is_some());
        assert!(notifier.remembered() <= 257, "{}", notifier.remembered());
    }
}
