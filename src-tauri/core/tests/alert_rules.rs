//! Alert rules per channel (`tev_core::alerts`, docs/ui.md "Alerts") on the fixture frames of
//! docs/twitch.md §6.1, pushed through the real feed.

#[path = "support/frames.rs"]
mod frames;

use frames::{at, one};
use serde_json::json;
use tev_core::alerts::{
    ALERTS_VERSION, AlertSettings, Alerts, ChannelRules, Reason, Watch, group, watch_of,
};
use tev_core::feed::{Feed, StreamEvent};
use tev_core::watcher::SubscriptionReport;

fn update(feed: &mut Feed, id: &str, sec: u32, title: &str, category: &str) -> StreamEvent {
    let mut v = at("channel_update", id, sec);
    v["payload"]["event"]["title"] = json!(title);
    v["payload"]["event"]["category_name"] = json!(category);
    one(feed, &v)
}

fn reasons(alerts: &mut Alerts, rules: &ChannelRules, ev: &StreamEvent) -> Vec<Reason> {
    alerts.check(rules, ev, Some("Cool_User")).map(|f| f.reasons).unwrap_or_default()
}

#[test]
fn the_default_rules_alert_on_going_live_and_nothing_else() {
    let rules = ChannelRules::default();
    let mut feed = Feed::default();
    let mut alerts = Alerts::default();
    let live = one(&mut feed, &at("stream_online", "m1", 1));
    let fired = alerts.check(&rules, &live, Some("Cool_User")).expect("go-live fires");
    assert_eq!(fired.reasons, vec![Reason::GoLive]);
    assert_eq!(fired.notification().title, "Cool_User is live");
    let raid = one(&mut feed, &at("channel_raid_incoming", "m2", 2));
    assert!(alerts.check(&rules, &raid, None).is_none(), "no raid rule, no alert");
    let upd = update(&mut feed, "m3", 3, "New title", "Art");
    assert!(alerts.check(&rules, &upd, None).is_none(), "no title rule, no alert");
}

#[test]
fn a_title_change_fires_only_when_the_title_differs_from_the_last_one_seen() {
    let rules = ChannelRules { go_live: false, title_change: true, ..Default::default() };
    let mut feed = Feed::default();
    let mut alerts = Alerts::default();
    // The header from Helix told us the title when the window opened.
    alerts.observe("1337", "Chill stream", "Art");
    // A category change alone is not a title change.
    let a = update(&mut feed, "m1", 1, "Chill stream", "Just Chatting");
    assert_eq!(reasons(&mut alerts, &rules, &a), vec![]);
    let b = update(&mut feed, "m2", 2, "Speedrun tonight!", "Just Chatting");
    assert_eq!(
        reasons(&mut alerts, &rules, &b),
        vec![Reason::TitleChange { title: "Speedrun tonight!".into() }]
    );
    // The same title again (another property changed): nothing.
    let c = update(&mut feed, "m3", 3, "Speedrun tonight!", "Just Chatting");
    assert_eq!(reasons(&mut alerts, &rules, &c), vec![]);
}

#[test]
fn a_category_rule_with_a_condition_fires_only_for_that_category_without_case() {
    let rules = ChannelRules {
        go_live: false,
        category_change: true,
        category_is: Some("  grand theft auto ".into()),
        ..Default::default()
    };
    let mut feed = Feed::default();
    let mut alerts = Alerts::default();
    alerts.observe("1337", "Chill stream", "Art");
    let other = update(&mut feed, "m1", 1, "Chill stream", "Just Chatting");
    assert_eq!(reasons(&mut alerts, &rules, &other), vec![], "another category");
    let gta = update(&mut feed, "m2", 2, "Heists", "Grand Theft Auto");
    assert_eq!(
        reasons(&mut alerts, &rules, &gta),
        vec![Reason::CategoryChange { category: "Grand Theft Auto".into() }]
    );
    // Still GTA, new title: the category did not change.
    let again = update(&mut feed, "m3", 3, "More heists", "Grand Theft Auto");
    assert_eq!(reasons(&mut alerts, &rules, &again), vec![]);
}

#[test]
fn with_nothing_seen_before_an_update_counts_as_both_changes() {
    let rules = ChannelRules {
        go_live: false,
        title_change: true,
        category_change: true,
        ..Default::default()
    };
    let mut feed = Feed::default();
    let mut alerts = Alerts::default();
    let u = update(&mut feed, "m1", 1, "Best Stream Ever", "Grand Theft Auto");
    let fired = alerts.check(&rules, &u, Some("Cool_User")).unwrap();
    assert_eq!(fired.reasons.len(), 2);
    assert_eq!(fired.notification().title, "Cool_User: new title, now in Grand Theft Auto");
}

#[test]
fn amount_rules_fire_at_their_minimum_and_not_below() {
    let mut feed = Feed::default();
    let mut alerts = Alerts::default();
    // channel_raid_incoming brings 9001 viewers; cheer 100 bits; the resub 10 months; the
    // community gift 5 subs (the fixtures).
    let raid = one(&mut feed, &at("channel_raid_incoming", "r", 1));
    let cheer = one(&mut feed, &at("cheer", "c", 2));
    let resub = one(&mut feed, &at("chat_notification_resub", "s", 3));
    let bomb = one(&mut feed, &at("chat_notification_community_sub_gift", "g", 4));
    let cases: Vec<(ChannelRules, ChannelRules, &StreamEvent, Reason)> = vec![
        (
            ChannelRules { raid_min_viewers: Some(9001), ..Default::default() },
            ChannelRules { raid_min_viewers: Some(9002), ..Default::default() },
            &raid,
            Reason::Raid { viewers: 9001 },
        ),
        (
            ChannelRules { cheer_min_bits: Some(100), ..Default::default() },
            ChannelRules { cheer_min_bits: Some(101), ..Default::default() },
            &cheer,
            Reason::Cheer { bits: 100 },
        ),
        (
            ChannelRules { resub_min_months: Some(10), ..Default::default() },
            ChannelRules { resub_min_months: Some(11), ..Default::default() },
            &resub,
            Reason::Resub { months: 10 },
        ),
        (
            ChannelRules { gift_min_subs: Some(5), ..Default::default() },
            ChannelRules { gift_min_subs: Some(6), ..Default::default() },
            &bomb,
            Reason::Gifts { subs: 5 },
        ),
    ];
    for (at_min, above, ev, want) in cases {
        assert_eq!(reasons(&mut alerts, &at_min, ev), vec![want.clone()], "{:?}", ev.kind);
        assert_eq!(reasons(&mut alerts, &above, ev), vec![], "{:?} below its minimum", ev.kind);
    }
}

#[test]
fn alerts_that_fire_together_are_one_notification() {
    let mut feed = Feed::default();
    let mut alerts = Alerts::default();
    let rules = ChannelRules { raid_min_viewers: Some(10), ..Default::default() };
    let live = one(&mut feed, &at("stream_online", "m1", 1));
    let raid = one(&mut feed, &at("channel_raid_incoming", "m2", 2));
    let fired: Vec<_> = [&live, &raid]
        .iter()
        .filter_map(|ev| alerts.check(&rules, ev, Some("Cool_User")))
        .collect();
    assert_eq!(fired.len(), 2);
    let n = group(&fired).unwrap();
    assert_eq!(n.title, "Cool_User: 2 alerts");
    assert!(n.body.contains("Cool_User is live") && n.body.contains("raid of 9001"), "{}", n.body);
    assert_eq!(group(&fired[..1]).unwrap(), fired[0].notification());
    assert!(group(&[]).is_none());
}

#[test]
fn the_alert_settings_keep_a_version_and_read_partial_rules() {
    let s: AlertSettings = serde_json::from_value(json!({
        "version": 1,
        "channels": {"cool_user": {"raid_min_viewers": 50}}
    }))
    .unwrap();
    let r = s.rules("Cool_User").unwrap();
    assert!(r.go_live, "go-live defaults to on");
    assert_eq!(r.raid_min_viewers, Some(50));
    let mut s = AlertSettings { version: 0, ..s };
    s.set("Other_Channel", Some(ChannelRules::default()));
    assert_eq!(s.version, ALERTS_VERSION);
    assert!(s.rules("other_channel").is_some());
    s.set("other_channel", None);
    assert!(s.rules("other_channel").is_none());
}

#[test]
fn the_titles_seen_stay_bounded() {
    let mut alerts = Alerts::default();
    for i in 0..2000 {
        alerts.observe(&i.to_string(), "t", "c");
    }
    assert!(alerts.observed() <= 512, "{}", alerts.observed());
}

#[test]
fn a_channel_is_pushed_with_its_go_live_subscribed_polled_past_the_budget_else_pending() {
    let report = SubscriptionReport {
        enabled: vec![("1".into(), "stream.online".into()), ("2".into(), "channel.update".into())],
        poll_live: vec!["2".into()],
        ..Default::default()
    };
    assert_eq!(watch_of(&report, Some("1")), Watch::Pushed);
    assert_eq!(watch_of(&report, Some("2")), Watch::Polled, "over the budget: polled");
    assert_eq!(watch_of(&report, Some("3")), Watch::Pending);
    assert_eq!(watch_of(&report, None), Watch::Pending, "not resolved yet");
}
