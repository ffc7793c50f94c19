//! Every fixture frame in `tests/fixtures/frames/` parses, with the fields docs/twitch.md §1.2/§6.1
//! document. The directory is iterated, so a new fixture file is tested automatically: it gets the
//! generic envelope checks, and the specific checks below when its name is listed.

use std::path::PathBuf;
use tev_core::eventsub::protocol::{Event, Frame, Message, MessageType, NoticeType, parse_frame};

fn fixtures() -> Vec<(String, String)> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/frames");
    let mut out: Vec<(String, String)> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .map(|p| {
            let name = p.file_stem().unwrap().to_string_lossy().into_owned();
            (name, std::fs::read_to_string(&p).unwrap())
        })
        .collect();
    out.sort();
    out
}

fn notification(f: &Frame) -> &tev_core::eventsub::protocol::Notification {
    match &f.message {
        Message::Notification(n) => n,
        m => panic!("not a notification: {m:?}"),
    }
}

/// Generic checks that hold for every frame (docs/twitch.md §1.2).
fn check_envelope(name: &str, f: &Frame) {
    assert!(!f.message_id().is_empty(), "{name}: message_id");
    // Fixtures carry nanosecond timestamps (docs/twitch.md §1.1): all 9 digits must survive.
    assert_eq!(f.message_timestamp().timestamp_subsec_nanos(), 634_234_626, "{name}: nanos");
    match &f.message {
        Message::Notification(n) => {
            assert_eq!(f.metadata.subscription_type.as_deref(), Some(n.subscription.kind.as_str()));
            assert_eq!(
                f.metadata.subscription_version.as_deref(),
                Some(n.subscription.version.as_str())
            );
            assert_eq!(n.subscription.status, "enabled", "{name}");
            assert_eq!(n.subscription.transport.method, "websocket", "{name}");
            assert!(n.subscription.transport.session_id.is_some(), "{name}");
            let is_other = matches!(n.event, Event::Other { .. });
            assert_eq!(is_other, name.starts_with("unknown_"), "{name}: typed vs other");
        }
        Message::Revocation(s) => {
            assert_eq!(f.metadata.subscription_type.as_deref(), Some(s.kind.as_str()))
        }
        Message::Welcome(_) | Message::Reconnect(_) | Message::Keepalive => {
            assert_eq!(f.metadata.subscription_type, None, "{name}")
        }
    }
}

/// Specific checks; returns false when the fixture has none.
fn check_specific(name: &str, f: &Frame) -> bool {
    if let Some(notice) = name.strip_prefix("chat_notification_") {
        let Event::ChatNotification(c) = &notification(f).event else {
            panic!("{name}: not a chat notification")
        };
        assert_eq!(c.broadcaster_user_login, "cool_user");
        match notice {
            "sub" => {
                assert_eq!(c.notice_type, NoticeType::Sub);
                let s = c.sub.as_ref().unwrap();
                assert_eq!(
                    (s.sub_tier.as_str(), s.is_prime, s.duration_months),
                    ("1000", false, 1)
                );
                assert!(c.resub.is_none() && c.sub_gift.is_none());
            }
            "resub" => {
                assert_eq!(c.notice_type, NoticeType::Resub);
                let r = c.resub.as_ref().unwrap();
                // `sub_plan` in the docs' example is read as `sub_tier` (docs/twitch.md §2).
                assert_eq!(r.sub_tier, "2000");
                assert_eq!((r.cumulative_months, r.streak_months), (10, Some(4)));
                assert_eq!(c.message.text, "10 months already!");
            }
            "sub_gift" => {
                let g = c.sub_gift.as_ref().unwrap();
                assert_eq!(g.recipient_user_name, "Lucky_Viewer");
                assert_eq!(g.community_gift_id, None);
                assert_eq!(g.cumulative_total, Some(12));
            }
            "community_sub_gift" => {
                let g = c.community_sub_gift.as_ref().unwrap();
                assert_eq!((g.id.as_str(), g.total), ("16034536498012003553", 5));
            }
            "community_sub_gift_anonymous" => {
                assert!(c.chatter_is_anonymous);
                assert_eq!(c.community_sub_gift.as_ref().unwrap().cumulative_total, None);
            }
            "gift_paid_upgrade" => {
                let g = c.gift_paid_upgrade.as_ref().unwrap();
                assert_eq!(g.gifter_user_name.as_deref(), Some("Generous"));
            }
            "prime_paid_upgrade" => {
                assert_eq!(c.prime_paid_upgrade.as_ref().unwrap().sub_tier, "1000")
            }
            "raid" => {
                let r = c.raid.as_ref().unwrap();
                assert_eq!((r.user_login.as_str(), r.viewer_count), ("cool_raider", 9001));
            }
            "unraid" => assert_eq!(c.notice_type, NoticeType::Unraid),
            "pay_it_forward" => {
                let p = c.pay_it_forward.as_ref().unwrap();
                assert_eq!(p.recipient_user_name.as_deref(), Some("Next_Lucky"));
            }
            "announcement" => {
                assert_eq!(c.announcement.as_ref().unwrap().color, "PURPLE");
                assert_eq!(c.system_message, "");
            }
            "bits_badge_tier" => assert_eq!(c.bits_badge_tier.as_ref().unwrap().tier, 1000),
            "charity_donation" => {
                let d = c.charity_donation.as_ref().unwrap();
                assert_eq!(d.amount.display(), "5.50 USD");
            }
            "watch_streak" => {
                assert_eq!(c.notice_type, NoticeType::WatchStreak);
                let w = c.watch_streak.as_ref().unwrap();
                assert_eq!((w.streak_count, w.channel_points_awarded), (7, 450));
            }
            "shared_chat_sub" => {
                assert_eq!(c.notice_type, NoticeType::SharedChat("sub".into()))
            }
            "unknown_gift_sub_bonus_match" => {
                assert_eq!(c.notice_type, NoticeType::Unknown("gift_sub_bonus_match".into()));
                assert_eq!(c.system_message, "Twitch gifted 2 bonus subs to the community!");
            }
            "unknown_empty_system_message" => {
                assert_eq!(
                    c.notice_type,
                    NoticeType::Unknown("sponsored_shopping_purchase".into())
                );
            }
            _ => return false,
        }
        return true;
    }
    match name {
        "envelope_session_welcome" => {
            let Message::Welcome(s) = &f.message else { panic!() };
            assert_eq!(f.message_type(), MessageType::SessionWelcome);
            assert_eq!(s.id, "AQoQexAWVYKSTIu4ec_2VAxyuhAB");
            assert_eq!(s.status, "connected");
            assert_eq!(s.keepalive_timeout_seconds, Some(10));
            assert_eq!(s.reconnect_url, None);
        }
        "envelope_session_keepalive" => assert_eq!(f.message, Message::Keepalive),
        "envelope_session_reconnect" => {
            let Message::Reconnect(s) = &f.message else { panic!() };
            assert_eq!(s.status, "reconnecting");
            assert_eq!(s.keepalive_timeout_seconds, None);
            assert!(s.reconnect_url.as_deref().unwrap().starts_with("wss://cell-a."));
        }
        "envelope_revocation" => {
            let Message::Revocation(s) = &f.message else { panic!() };
            assert_eq!(s.status, "authorization_revoked");
            assert_eq!(s.condition.get("moderator_user_id"), Some("1337"));
        }
        "stream_online" => {
            let Event::StreamOnline(e) = &notification(f).event else { panic!() };
            assert_eq!(e.stream_type, "live");
            assert_eq!(e.started_at.unwrap().timestamp_subsec_nanos(), 123_456_789);
            assert_eq!(notification(f).subscription.cost, 1);
        }
        "stream_offline" => {
            let Event::StreamOffline(e) = &notification(f).event else { panic!() };
            assert_eq!(e.id.as_deref(), Some("9001"));
        }
        "channel_update" => {
            let Event::ChannelUpdate(e) = &notification(f).event else { panic!() };
            assert_eq!(e.title, "Best Stream Ever");
            assert_eq!(e.content_classification_labels, ["MatureGame"]);
        }
        "channel_raid_incoming" | "channel_raid_outgoing" => {
            let n = notification(f);
            let Event::ChannelRaid(e) = &n.event else { panic!() };
            let incoming = name.ends_with("incoming");
            assert_eq!(
                n.subscription.condition.get("to_broadcaster_user_id") == Some("1337"),
                incoming
            );
            assert_eq!(e.viewers, if incoming { 9001 } else { 42 });
        }
        "chat_message" => {
            let Event::ChatMessage(e) = &notification(f).event else { panic!() };
            assert_eq!(e.cheer, None);
            assert_eq!(e.message.fragments.len(), 4);
            assert_eq!(e.message.fragments[1].mention.as_ref().unwrap().user_login, "cool_user");
            assert_eq!(e.message.fragments[3].emote.as_ref().unwrap().id, "25");
            assert_eq!(e.reply.as_ref().unwrap().parent_message_body, "hello");
        }
        "chat_message_cheer" => {
            let Event::ChatMessage(e) = &notification(f).event else { panic!() };
            assert_eq!(e.cheer.as_ref().unwrap().bits, 100);
            assert_eq!(e.message.fragments[0].cheermote.as_ref().unwrap().prefix, "Cheer");
        }
        "chat_clear" => assert!(matches!(notification(f).event, Event::ChatClear(_))),
        "chat_clear_user_messages" => {
            let Event::ChatClearUserMessages(e) = &notification(f).event else { panic!() };
            assert_eq!(e.target_user_login, "uncool_viewer");
        }
        "chat_message_delete" => {
            let Event::ChatMessageDelete(e) = &notification(f).event else { panic!() };
            assert!(!e.message_id.is_empty());
        }
        "chat_settings_update" => {
            let Event::ChatSettingsUpdate(e) = &notification(f).event else { panic!() };
            assert!(e.slow_mode && e.emote_mode);
            assert_eq!(e.slow_mode_wait_time_seconds, Some(10));
            assert_eq!(e.follower_mode_duration_minutes, None);
        }
        "chat_user_message_hold" | "chat_user_message_update" => {
            let (Event::ChatUserMessageHold(e) | Event::ChatUserMessageUpdate(e)) =
                &notification(f).event
            else {
                panic!()
            };
            assert_eq!(e.status.is_some(), name.ends_with("update"));
        }
        "shared_chat_begin" | "shared_chat_update" | "shared_chat_end" => {
            let (Event::SharedChatBegin(e) | Event::SharedChatUpdate(e) | Event::SharedChatEnd(e)) =
                &notification(f).event
            else {
                panic!()
            };
            assert_eq!(e.participants.len(), if name.ends_with("end") { 0 } else { 2 });
        }
        "user_update" => {
            let Event::UserUpdate(e) = &notification(f).event else { panic!() };
            assert_eq!(e.user_login, "reader");
        }
        "whisper_message" => {
            let Event::WhisperMessage(e) = &notification(f).event else { panic!() };
            assert_eq!(e.whisper.text, "a secret");
        }
        "follow" => {
            let Event::Follow(e) = &notification(f).event else { panic!() };
            assert_eq!(e.user_name, "Cool_Follower");
            assert_eq!(e.followed_at.unwrap().timestamp_subsec_nanos(), 298_637_153);
            assert_eq!(notification(f).subscription.version, "2");
        }
        "subscribe" | "subscription_end" => {
            let (Event::Subscribe(e) | Event::SubscriptionEnd(e)) = &notification(f).event else {
                panic!()
            };
            assert_eq!(e.tier, "1000");
        }
        "subscription_gift" => {
            let Event::SubscriptionGift(e) = &notification(f).event else { panic!() };
            assert_eq!((e.total, e.cumulative_total), (2, Some(284)));
            assert_eq!(e.user_name.as_deref(), Some("Cool_User_Gifter"));
        }
        "subscription_gift_anonymous" => {
            let Event::SubscriptionGift(e) = &notification(f).event else { panic!() };
            assert!(e.is_anonymous);
            assert_eq!((e.user_id.as_deref(), e.cumulative_total), (None, None));
        }
        "subscription_message" => {
            let Event::SubscriptionMessage(e) = &notification(f).event else { panic!() };
            assert_eq!(e.message.text, "10 months already!");
            assert_eq!(e.streak_months, Some(4));
        }
        "cheer" => {
            let Event::Cheer(e) = &notification(f).event else { panic!() };
            assert_eq!((e.bits, e.user_login.as_deref()), (100, Some("viptwitch")));
        }
        "cheer_anonymous" => {
            let Event::Cheer(e) = &notification(f).event else { panic!() };
            assert!(e.is_anonymous && e.user_id.is_none());
        }
        "bits_use" => {
            let Event::BitsUse(e) = &notification(f).event else { panic!() };
            assert_eq!((e.bits, e.kind.as_str()), (2, "cheer"));
        }
        "ad_break_begin" => {
            let Event::AdBreakBegin(e) = &notification(f).event else { panic!() };
            assert_eq!(e.duration_seconds, 60);
            assert!(e.started_at.is_some());
        }
        "hype_train_begin" | "hype_train_progress" => {
            let (Event::HypeTrainBegin(e) | Event::HypeTrainProgress(e)) = &notification(f).event
            else {
                panic!()
            };
            assert_eq!(e.goal, Some(500));
            assert_eq!(e.top_contributions[0].user_login, "pogchamp");
        }
        "hype_train_end" => {
            let Event::HypeTrainEnd(e) = &notification(f).event else { panic!() };
            assert_eq!(e.level, 5);
            assert!(e.ended_at.is_some() && e.cooldown_ends_at.is_some());
        }
        "poll_begin" | "poll_progress" => {
            let (Event::PollBegin(e) | Event::PollProgress(e)) = &notification(f).event else {
                panic!()
            };
            assert_eq!(e.choices.len(), 2);
            assert!(e.ends_at.is_some());
        }
        "poll_end" => {
            let Event::PollEnd(e) = &notification(f).event else { panic!() };
            assert_eq!(e.status.as_deref(), Some("completed"));
            assert_eq!(e.choices[1].votes, Some(400));
        }
        "prediction_begin" | "prediction_progress" | "prediction_lock" => {
            let (Event::PredictionBegin(e)
            | Event::PredictionProgress(e)
            | Event::PredictionLock(e)) = &notification(f).event
            else {
                panic!()
            };
            assert_eq!(e.outcomes[1].color, "pink");
            assert_eq!(e.locked_at.is_some(), name.ends_with("lock"));
        }
        "prediction_end" => {
            let Event::PredictionEnd(e) = &notification(f).event else { panic!() };
            assert_eq!(e.winning_outcome_id.as_deref(), Some("1243456"));
            assert_eq!(e.status.as_deref(), Some("resolved"));
        }
        "shoutout_create" => {
            let Event::ShoutoutCreate(e) = &notification(f).event else { panic!() };
            assert_eq!(e.to_broadcaster_user_login, "sandysanderman");
        }
        "shoutout_receive" => {
            let Event::ShoutoutReceive(e) = &notification(f).event else { panic!() };
            assert_eq!(
                (e.from_broadcaster_user_login.as_str(), e.viewer_count),
                ("sandysanderman", 860)
            );
        }
        "goal_begin" | "goal_progress" | "goal_end" => {
            let (Event::GoalBegin(e) | Event::GoalProgress(e) | Event::GoalEnd(e)) =
                &notification(f).event
            else {
                panic!()
            };
            assert_eq!(e.target_amount, 220);
            assert_eq!(e.is_achieved.is_some(), name.ends_with("end"));
        }
        "charity_donate" => {
            let Event::CharityDonation(e) = &notification(f).event else { panic!() };
            assert_eq!(e.amount.display(), "100.00 USD");
        }
        "charity_start" | "charity_progress" | "charity_stop" => {
            let Event::CharityCampaign(e) = &notification(f).event else { panic!() };
            assert_eq!(e.target_amount.value, 1_500_000);
        }
        "redemption_add" | "redemption_update" => {
            let (Event::RedemptionAdd(e) | Event::RedemptionUpdate(e)) = &notification(f).event
            else {
                panic!()
            };
            assert_eq!(e.reward.title, "Hydrate");
            assert_eq!(e.redeemed_at.unwrap().timestamp_subsec_nanos(), 123_456_789);
        }
        "ban" => {
            let Event::Ban(e) = &notification(f).event else { panic!() };
            assert!(!e.is_permanent && e.ends_at.is_some());
        }
        "unban" => {
            let Event::Unban(e) = &notification(f).event else { panic!() };
            assert_eq!(e.moderator_user_login.as_deref(), Some("mod_user"));
        }
        "moderator_add" | "moderator_remove" | "vip_add" | "vip_remove" => {
            let Event::RoleChange(e) = &notification(f).event else { panic!() };
            assert_eq!(e.user_id, "1234");
        }
        "shield_mode_begin" | "shield_mode_end" => {
            let Event::ShieldMode(e) = &notification(f).event else { panic!() };
            assert_eq!(e.started_at.is_some(), name.ends_with("begin"));
        }
        "unknown_future_type" => {
            let Event::Other { kind, event, .. } = &notification(f).event else { panic!() };
            assert_eq!(kind, "channel.future_thing");
            assert_eq!(event["broadcaster_user_id"], "1337");
        }
        "channel_moderate" => {
            let Event::ChannelModerate(e) = &notification(f).event else { panic!() };
            assert_eq!(
                (e.action.as_str(), e.moderator_user_login.as_str()),
                ("timeout", "simplysimple")
            );
            let t = e.detail().expect("the timeout object");
            assert_eq!(t.user_login.as_deref(), Some("not_cool_user"));
            assert_eq!(t.expires_at.unwrap().timestamp_subsec_nanos(), 634_234_626);
            assert!(e.ban.is_none() && e.source_broadcaster_user_id.is_none());
        }
        "automod_message_hold" | "automod_message_update" => {
            let (Event::AutomodMessageHold(e) | Event::AutomodMessageUpdate(e)) =
                &notification(f).event
            else {
                panic!()
            };
            assert_eq!(e.message.text, "you are a foo");
            if name.ends_with("hold") {
                assert_eq!(e.blocked_terms(), ["foo"]);
                assert_eq!(e.category_level(), None);
            } else {
                assert_eq!(e.category_level(), Some(("swearing", 4)));
                assert_eq!(e.status.as_deref(), Some("denied"));
                assert_eq!(e.moderator_user_login.as_deref(), Some("simplysimple"));
            }
        }
        "suspicious_user_message" => {
            let Event::SuspiciousUserMessage(e) = &notification(f).event else { panic!() };
            assert_eq!(
                (e.ban_evasion_evaluation.as_str(), e.message.text.as_str()),
                ("likely", "hello again")
            );
            assert_eq!(e.types, ["ban_evader"]);
        }
        "suspicious_user_update" => {
            let Event::SuspiciousUserUpdate(e) = &notification(f).event else { panic!() };
            assert_eq!(
                (e.low_trust_status.as_str(), e.moderator_user_login.as_str()),
                ("restricted", "simplysimple")
            );
        }
        "warning_send" | "warning_acknowledge" => {
            let (Event::WarningSend(e) | Event::WarningAcknowledge(e)) = &notification(f).event
            else {
                panic!()
            };
            assert_eq!(e.user_login, "not_cool_user");
            assert_eq!(e.reason.is_some(), name.ends_with("send"));
        }
        "unban_request_create" | "unban_request_resolve" => {
            let (Event::UnbanRequestCreate(e) | Event::UnbanRequestResolve(e)) =
                &notification(f).event
            else {
                panic!()
            };
            assert_eq!((e.id.as_str(), e.user_login.as_str()), ("60", "not_cool_user"));
            assert_eq!(e.status.is_some(), name.ends_with("resolve"));
        }
        _ => return false,
    }
    true
}

#[test]
fn every_fixture_frame_parses_with_its_documented_fields() {
    let all = fixtures();
    assert!(all.len() >= 80, "fixtures went missing: {}", all.len());
    let mut specific = 0;
    for (name, text) in &all {
        let frame = parse_frame(text).unwrap_or_else(|e| panic!("{name}: {e}"));
        check_envelope(name, &frame);
        if check_specific(name, &frame) {
            specific += 1;
        }
        // The same frame on one line (how it arrives on the socket) parses identically.
        let compact =
            serde_json::to_string(&serde_json::from_str::<serde_json::Value>(text).unwrap())
                .unwrap();
        assert_eq!(parse_frame(&compact).unwrap(), frame, "{name}");
    }
    assert_eq!(specific, all.len(), "every fixture has specific checks");
}

#[test]
fn every_message_type_and_every_notice_type_has_a_fixture() {
    let names: Vec<String> = fixtures().into_iter().map(|(n, _)| n).collect();
    for required in [
        "envelope_session_welcome",
        "envelope_session_keepalive",
        "envelope_session_reconnect",
        "envelope_revocation",
    ] {
        assert!(names.iter().any(|n| n == required), "{required}");
    }
    // docs/twitch.md §2: the notice types the feed shows, plus watch_streak and unknown ones.
    for notice in [
        "sub",
        "resub",
        "sub_gift",
        "community_sub_gift",
        "gift_paid_upgrade",
        "prime_paid_upgrade",
        "raid",
        "unraid",
        "pay_it_forward",
        "announcement",
        "bits_badge_tier",
        "charity_donation",
        "watch_streak",
        "shared_chat_sub",
        "unknown_gift_sub_bonus_match",
    ] {
        let want = format!("chat_notification_{notice}");
        assert!(names.contains(&want), "{want}");
    }
}
