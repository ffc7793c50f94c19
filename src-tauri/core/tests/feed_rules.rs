//! The feed's rules (docs/ARCHITECTURE.md "Where each rule lives"), one test (or a few) per rule,
//! on fixture frames (tests/fixtures/frames, written from docs/twitch.md §6.1) edited where a rule
//! needs it.

#[path = "support/frames.rs"]
mod frames;

use frames::{added, at, one, push, ts};
use serde_json::{Value, json};
use std::path::PathBuf;
use tev_core::eventsub::protocol::parse_frame;
use tev_core::feed::{
    Details, EventKind, Feed, FeedConfig, FeedUpdate, GapReason, Phase, StreamEvent,
};

// --- id ----------------------------------------------------------------------------------------

#[test]
fn id_is_the_frame_message_id_and_poll_begin_and_end_differ() {
    let mut feed = Feed::default();
    let b = one(&mut feed, &at("poll_begin", "m-begin", 10));
    let e = one(&mut feed, &at("poll_end", "m-end", 20));
    assert_eq!((b.id.as_str(), e.id.as_str()), ("m-begin", "m-end"));
    // Same Twitch poll id in the details, distinct row ids.
    let (Details::Poll { poll_id: p1, .. }, Details::Poll { poll_id: p2, .. }) =
        (&b.details, &e.details)
    else {
        panic!()
    };
    assert_eq!(p1, p2);
}

// --- event time --------------------------------------------------------------------------------

#[test]
fn event_time_is_the_events_own_timestamp_else_the_message_timestamp() {
    let mut feed = Feed::default();
    let cases = [
        ("stream_online", "2026-11-27T20:00:00.123456789Z"), // started_at
        ("follow", "2026-11-27T20:01:00.298637153Z"),        // followed_at
        ("poll_end", "2026-11-27T20:19:00Z"),                // ended_at
        ("hype_train_end", "2026-11-27T20:14:00.123Z"),      // ended_at
        ("prediction_end", "2026-11-27T20:25:00Z"),          // ended_at
        ("redemption_add", "2026-11-27T20:13:13.123456789Z"), // redeemed_at
        ("hype_train_begin", "2026-11-27T20:08:00.290497152Z"), // started_at
        ("ad_break_begin", "2026-11-27T20:07:00Z"),          // started_at
        ("stream_offline", "2026-11-27T23:00:00Z"),          // message_timestamp (set below)
        ("subscribe", "2026-11-27T23:00:00Z"),               // message_timestamp
    ];
    for (i, (name, want)) in cases.iter().enumerate() {
        let v = at(name, &format!("m{i}"), 3 * 3600);
        let e = one(&mut feed, &v);
        assert_eq!(e.occurred_at, want.parse::<chrono::DateTime<chrono::Utc>>().unwrap(), "{name}");
    }
}

// --- actor -------------------------------------------------------------------------------------

#[test]
fn actor_is_who_did_it_or_the_other_channel_or_none() {
    let mut feed = Feed::default();
    let login = |name: &str, feed: &mut Feed| one(feed, &at(name, name, 5)).actor.map(|a| a.login);
    assert_eq!(login("subscribe", &mut feed).as_deref(), Some("viewer32"));
    assert_eq!(login("subscription_gift", &mut feed).as_deref(), Some("cool_user_gifter"));
    assert_eq!(login("cheer", &mut feed).as_deref(), Some("viptwitch"));
    assert_eq!(login("follow", &mut feed).as_deref(), Some("cool_follower"));
    assert_eq!(login("redemption_add", &mut feed).as_deref(), Some("cooler_user"));
    // Raids and shoutouts: the other channel.
    assert_eq!(login("channel_raid_incoming", &mut feed).as_deref(), Some("cool_raider"));
    assert_eq!(login("channel_raid_outgoing", &mut feed).as_deref(), Some("other_streamer"));
    assert_eq!(login("shoutout_receive", &mut feed).as_deref(), Some("sandysanderman"));
    // Channel-level events.
    for name in ["stream_online", "stream_offline", "channel_update", "ad_break_begin"] {
        assert_eq!(login(name, &mut feed), None, "{name}");
    }
    // Anonymous users are no actor.
    assert_eq!(login("cheer_anonymous", &mut feed), None);
    assert_eq!(login("chat_notification_community_sub_gift_anonymous", &mut feed), None);
}

#[test]
fn raid_direction_and_channel_follow_the_condition() {
    let mut feed = Feed::default();
    let i = one(&mut feed, &at("channel_raid_incoming", "a", 1));
    assert_eq!((i.kind, i.channel_id.as_str()), (EventKind::RaidIncoming, "1337"));
    let o = one(&mut feed, &at("channel_raid_outgoing", "b", 2));
    assert_eq!((o.kind, o.channel_id.as_str()), (EventKind::RaidOutgoing, "1337"));
    assert_eq!(o.summary, "Cool_User raided Other_Streamer with 42 viewers");
}

// --- summaries -----------------------------------------------------------------------------------

#[test]
fn every_fixture_row_has_a_summary_naming_its_actor_by_display_name() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/frames");
    let mut rows = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let text = std::fs::read_to_string(entry.unwrap().path()).unwrap();
        let mut feed = Feed::default();
        for u in feed.push(&parse_frame(&text).unwrap()) {
            if let FeedUpdate::Added(e) = u {
                rows += 1;
                assert!(!e.summary.trim().is_empty(), "{e:?}");
                if let Some(a) = &e.actor {
                    assert!(
                        e.summary.contains(&a.display_name),
                        "{} lacks {}",
                        e.summary,
                        a.display_name
                    );
                }
            }
        }
    }
    assert!(rows >= 40, "{rows}");
}

#[test]
fn summaries_say_what_happened_when_system_message_is_empty_or_a_placeholder() {
    let mut feed = Feed::default();
    let e = one(&mut feed, &at("chat_notification_unknown_empty_system_message", "u1", 1));
    assert_eq!(e.kind, EventKind::Other);
    assert_eq!(
        e.summary,
        "viewer32: sponsored shopping purchase (a chat notice this app does not know)"
    );
    let e = one(&mut feed, &at("chat_notification_unknown_gift_sub_bonus_match", "u2", 2));
    assert_eq!(e.summary, "viewer32: Twitch gifted 2 bonus subs to the community!");
    let Details::Other { notice_type, system_message, .. } = &e.details else { panic!() };
    assert_eq!(notice_type.as_deref(), Some("gift_sub_bonus_match"));
    assert!(system_message.is_some());
    // Known notices are put in our own words, whatever system_message says.
    let e = one(&mut feed, &at("chat_notification_bits_badge_tier", "u3", 3));
    assert_eq!(e.summary, "viewer32 unlocked the 1000 bits badge");
    let e = one(&mut feed, &at("chat_notification_announcement", "u4", 4));
    assert_eq!(e.summary, "Cool_User announced: Giveaway at 9pm!");
    let e = one(&mut feed, &at("chat_notification_watch_streak", "u5", 5));
    assert_eq!(e.kind, EventKind::WatchStreak);
    assert_eq!(e.summary, "viewer32 is on a watch streak of 7 streams (+450 channel points)");
    let e = one(&mut feed, &at("chat_notification_resub", "u6", 6));
    assert_eq!(e.summary, "viewer32 resubscribed at Tier 2 for 10 months (4-month streak)");
}

// --- progress frames ---------------------------------------------------------------------------

#[test]
fn progress_frames_update_state_and_never_add_a_row() {
    let mut feed = Feed::default();
    one(&mut feed, &at("hype_train_begin", "h1", 1));
    for (i, name) in
        ["hype_train_progress", "poll_progress", "prediction_progress", "prediction_lock"]
            .iter()
            .enumerate()
    {
        let ups = push(&mut feed, &at(name, &format!("p{i}"), 10 + i as u32));
        assert!(added(&ups).is_empty(), "{name} added a row");
        assert!(ups.iter().any(|u| matches!(u, FeedUpdate::State(_))), "{name} changed no state");
    }
    let st = feed.state("1337").unwrap();
    let ht = st.hype_train.as_ref().unwrap();
    assert_eq!(ht.phase, Phase::Active);
    assert!(ht.summary.starts_with("Level 3, 700 points"), "{}", ht.summary);
    assert_eq!(st.prediction.as_ref().unwrap().phase, Phase::Locked);
    assert!(st.poll.as_ref().unwrap().summary.contains("“No!” 40 votes"));
}

#[test]
fn a_late_progress_frame_does_not_reopen_an_ended_hype_train() {
    // docs/twitch.md §1.7: no ordering guarantee (a progress can arrive after the end).
    let mut feed = Feed::default();
    one(&mut feed, &at("hype_train_end", "e", 30));
    let ups = push(&mut feed, &at("hype_train_progress", "p", 20));
    assert!(ups.is_empty(), "{ups:?}");
    assert_eq!(feed.state("1337").unwrap().hype_train.as_ref().unwrap().phase, Phase::Ended);
}

#[test]
fn an_older_offline_frame_does_not_override_a_newer_online() {
    let mut feed = Feed::default();
    let mut on = at("stream_online", "on", 100);
    on["payload"]["event"]["started_at"] = json!(ts(100));
    one(&mut feed, &on);
    one(&mut feed, &at("stream_offline", "off", 50)); // older, arrives later: still a row
    assert_eq!(feed.state("1337").unwrap().live, Some(true));
}

// --- two sources -------------------------------------------------------------------------------

fn count_rows(frames: &[Value]) -> Vec<StreamEvent> {
    let mut feed = Feed::default();
    frames
        .iter()
        .flat_map(|f| push(&mut feed, f))
        .filter_map(|u| match u {
            FeedUpdate::Added(e) => Some(e),
            _ => None,
        })
        .collect()
}

#[test]
fn the_same_sub_raid_resub_and_cheer_from_two_sources_show_once_in_either_order() {
    let pairs = [
        ("chat_notification_sub", "subscribe", EventKind::Sub),
        ("chat_notification_resub", "subscription_message", EventKind::Resub),
        ("chat_notification_raid", "channel_raid_incoming", EventKind::RaidIncoming),
        ("chat_message_cheer", "cheer", EventKind::Cheer),
        ("chat_notification_charity_donation", "charity_donate", EventKind::CharityDonation),
    ];
    for (chat, eventsub, kind) in pairs {
        let mut c = at(chat, "c", 10);
        let mut e = at(eventsub, "e", 12);
        if kind == EventKind::CharityDonation {
            // Same donor and amount in both.
            e["payload"]["event"]["user_id"] = json!("49912639");
            e["payload"]["event"]["amount"] =
                json!({"value": 550, "decimal_places": 2, "currency": "USD"});
        }
        let rows = count_rows(&[c.clone(), e.clone()]);
        assert_eq!(rows.len(), 1, "{chat} then {eventsub}: {rows:?}");
        assert_eq!(rows[0].kind, kind);
        assert_eq!(rows[0].id, "c", "the first copy's id");
        let rows = count_rows(&[e.clone(), c.clone()]);
        assert_eq!(rows.len(), 1, "{eventsub} then {chat}");
        assert_eq!(rows[0].id, "e");
        // Outside the window they are two happenings.
        c["metadata"]["message_timestamp"] = json!(ts(10));
        e["metadata"]["message_timestamp"] = json!(ts(10 + 600));
        assert_eq!(count_rows(&[c, e]).len(), 2, "{chat}/{eventsub} 10 minutes apart");
    }
}

#[test]
fn two_real_cheers_from_the_same_source_are_not_merged() {
    let rows = count_rows(&[at("chat_message_cheer", "a", 10), at("chat_message_cheer", "b", 11)]);
    assert_eq!(rows.len(), 2);
    // Two sources but different amounts: different cheers.
    let mut e = at("cheer", "e", 12);
    e["payload"]["event"]["bits"] = json!(500);
    assert_eq!(count_rows(&[at("chat_message_cheer", "a", 10), e]).len(), 2);
}

#[test]
fn a_gifted_channel_subscribe_is_shown_by_its_gift_not_as_a_sub() {
    let mut s = at("subscribe", "s", 1);
    s["payload"]["event"]["is_gift"] = json!(true);
    assert!(count_rows(&[s]).is_empty());
}

// --- gift bombs --------------------------------------------------------------------------------

fn gift(id: &str, sec: u32, bomb: &str, recipient: &str) -> Value {
    let mut v = at("chat_notification_sub_gift", id, sec);
    let g = &mut v["payload"]["event"]["sub_gift"];
    g["community_gift_id"] = json!(bomb);
    g["recipient_user_id"] = json!(format!("id-{recipient}"));
    g["recipient_user_login"] = json!(recipient);
    g["recipient_user_name"] = json!(recipient.to_uppercase());
    v
}

const BOMB: &str = "16034536498012003553";

#[test]
fn gifts_after_their_bomb_fold_into_it() {
    let mut feed = Feed::default();
    let bomb = one(&mut feed, &at("chat_notification_community_sub_gift", "bomb", 10));
    assert_eq!(bomb.summary, "viewer32 gifted 5 Tier 1 subs to the community");
    let mut last = None;
    for i in 0..5 {
        let ups = push(&mut feed, &gift(&format!("g{i}"), 11, BOMB, &format!("r{i}")));
        assert!(added(&ups).is_empty());
        let [FeedUpdate::Updated(e)] = ups.as_slice() else { panic!("{ups:?}") };
        assert_eq!(e.id, "bomb");
        last = Some(e.clone());
    }
    let Details::CommunitySubGift { recipients, total, .. } = last.unwrap().details else {
        panic!()
    };
    assert_eq!((recipients.len(), total), (5, 5));
}

#[test]
fn gifts_before_their_bomb_are_folded_when_it_arrives() {
    let mut feed = Feed::default();
    let mut shown = Vec::new();
    for i in 0..3 {
        let ups = push(&mut feed, &gift(&format!("g{i}"), 10, BOMB, &format!("r{i}")));
        shown.push(added(&ups)[0].id.clone());
    }
    let ups = push(&mut feed, &at("chat_notification_community_sub_gift", "bomb", 11));
    let removed = ups.iter().find_map(|u| match u {
        FeedUpdate::Removed { ids, .. } => Some(ids.clone()),
        _ => None,
    });
    assert_eq!(removed, Some(shown));
    let rows = added(&ups);
    assert_eq!(rows.len(), 1);
    let Details::CommunitySubGift { recipients, .. } = &rows[0].details else { panic!() };
    assert_eq!(recipients.len(), 3);
    // Later gifts still fold.
    let ups = push(&mut feed, &gift("g9", 12, BOMB, "r9"));
    assert!(matches!(ups.as_slice(), [FeedUpdate::Updated(e)] if e.id == "bomb"));
}

#[test]
fn gifts_whose_bomb_never_arrives_stay_individual_rows() {
    let rows = count_rows(&[gift("g1", 10, BOMB, "a"), gift("g2", 10, BOMB, "b")]);
    assert_eq!(rows.len(), 2);
    assert!(rows.iter().all(|r| r.kind == EventKind::SubGift));
    assert_eq!(rows[0].summary, "viewer32 gifted a Tier 1 sub to A");
}

#[test]
fn a_bomb_seen_from_eventsub_first_absorbs_the_chat_bomb_and_its_gifts() {
    let mut feed = Feed::default();
    let mut es = at("subscription_gift", "es", 10);
    es["payload"]["event"]["user_id"] = json!("49912639");
    es["payload"]["event"]["total"] = json!(5);
    let row = one(&mut feed, &es);
    assert_eq!(row.kind, EventKind::CommunitySubGift);
    let g = push(&mut feed, &gift("g0", 10, BOMB, "early"));
    assert_eq!(added(&g).len(), 1);
    let ups = push(&mut feed, &at("chat_notification_community_sub_gift", "bomb", 11));
    assert!(added(&ups).is_empty(), "chat copy of the bomb not shown again: {ups:?}");
    assert!(ups.iter().any(|u| matches!(u, FeedUpdate::Removed { ids, .. } if ids == &["g0"])));
    assert!(ups.iter().any(|u| matches!(u, FeedUpdate::Updated(e) if e.id == "es")));
    let ups = push(&mut feed, &gift("g1", 12, BOMB, "late"));
    assert!(matches!(ups.as_slice(), [FeedUpdate::Updated(e)] if e.id == "es"));
}

// --- unknown types, chat ---------------------------------------------------------------------

#[test]
fn an_unknown_type_is_other_on_the_conditions_broadcaster() {
    let mut feed = Feed::default();
    let e = one(&mut feed, &at("unknown_future_type", "x", 1));
    assert_eq!(
        (e.kind, e.channel_id.as_str(), e.channel_login.as_str()),
        (EventKind::Other, "1337", "cool_user")
    );
    assert!(e.summary.contains("channel.future_thing"));
    let mut v = at("unknown_future_type", "y", 2);
    v["payload"]["subscription"]["condition"] = json!({"user_id": "9"});
    assert!(push(&mut feed, &v).is_empty(), "no broadcaster: nowhere to show it");
}

#[test]
fn plain_chat_is_dropped_and_a_cheer_is_kept() {
    let mut feed = Feed::default();
    assert!(push(&mut feed, &at("chat_message", "a", 1)).is_empty());
    let e = one(&mut feed, &at("chat_message_cheer", "b", 2));
    assert_eq!(e.kind, EventKind::Cheer);
    assert_eq!(e.summary, "viptwitch cheered 100 bits");
}

#[test]
fn shared_chat_notices_of_other_channels_are_not_this_channels_events() {
    let mut feed = Feed::default();
    assert!(push(&mut feed, &at("chat_notification_shared_chat_sub", "a", 1)).is_empty());
    let mut v = at("chat_message_cheer", "b", 2);
    v["payload"]["event"]["source_broadcaster_user_id"] = json!("112233");
    assert!(push(&mut feed, &v).is_empty());
}

// --- gaps --------------------------------------------------------------------------------------

#[test]
fn a_revocation_adds_an_open_gap_on_its_channel() {
    let mut feed = Feed::default();
    let e = one(&mut feed, &at("envelope_revocation", "r", 100));
    assert_eq!((e.kind, e.channel_id.as_str()), (EventKind::Gap, "1337"));
    let Details::Gap { from, to, reason } = &e.details else { panic!() };
    assert_eq!((from.to_rfc3339(), *to), ("2026-11-27T20:01:40+00:00".to_string(), None));
    assert!(
        matches!(reason, GapReason::Revoked { status, .. } if status == "authorization_revoked")
    );
}

#[test]
fn a_new_session_gaps_every_channel_but_a_reconnect_handover_does_not() {
    let mut feed = Feed::default();
    assert!(push(&mut feed, &at("envelope_session_welcome", "w1", 0)).is_empty(), "first session");
    one(&mut feed, &at("stream_online", "on", 5));
    feed.watch_channel("42", "other");
    // Handover: reconnect, then the successor's welcome.
    push(&mut feed, &at("envelope_session_reconnect", "rc", 10));
    assert!(push(&mut feed, &at("envelope_session_welcome", "w2", 11)).is_empty());
    // Socket lost: a welcome without a reconnect.
    one(&mut feed, &at("stream_offline", "off", 20));
    let ups = push(&mut feed, &at("envelope_session_welcome", "w3", 60));
    let gaps = added(&ups);
    assert_eq!(gaps.len(), 2);
    for g in &gaps {
        assert_eq!(g.kind, EventKind::Gap);
        let Details::Gap { from, to, reason } = &g.details else { panic!() };
        assert_eq!(*reason, GapReason::ConnectionLost);
        assert_eq!(from.to_rfc3339(), "2026-11-27T20:00:20+00:00");
        assert_eq!(to.unwrap().to_rfc3339(), "2026-11-27T20:01:00+00:00");
    }
    assert_ne!(gaps[0].id, gaps[1].id);
}

// --- serialisation -----------------------------------------------------------------------------

#[test]
fn rows_serialise_with_snake_case_kind_and_flat_actor_login() {
    let mut feed = Feed::default();
    let e = one(&mut feed, &at("channel_raid_incoming", "r", 1));
    let v = serde_json::to_value(&e).unwrap();
    assert_eq!(v["kind"], "raid_incoming");
    assert_eq!(v["actor_login"], "cool_raider");
    assert_eq!(v["channel_login"], "cool_user");
    assert_eq!(v["details"]["viewers"], 9001);
    let back: StreamEvent = serde_json::from_value(v).unwrap();
    assert_eq!(back, e);
    let e = one(&mut feed, &at("stream_online", "o", 2));
    assert_eq!(serde_json::to_value(&e).unwrap()["actor_login"], Value::Null);
}

#[test]
fn new_session_gaps_can_be_left_to_the_caller() {
    let mut feed = Feed::new(FeedConfig { gap_on_new_session: false, ..FeedConfig::default() });
    push(&mut feed, &at("envelope_session_welcome", "w1", 0));
    one(&mut feed, &at("stream_online", "on", 5));
    assert!(push(&mut feed, &at("envelope_session_welcome", "w2", 60)).is_empty());
    // Revocations still get their row from the feed.
    assert_eq!(one(&mut feed, &at("envelope_revocation", "r", 70)).kind, EventKind::Gap);
}
