//! Hype trains, polls and predictions: every frame updates the channel's state (guarded
//! against stale frames by the feed); only the begin and the end are rows.

use super::{Outcome, Stage, row};
use crate::eventsub::protocol::{HypeTrain, Metadata, Poll, Prediction};
use crate::feed::text::count;
use crate::feed::{Choice, Details, EventKind, Phase};

/// Which activity of [`ChannelState`](crate::feed::ChannelState) a frame updates.
#[derive(Debug, Clone, Copy)]
pub(in crate::feed) enum Slot {
    /// `hype_train`
    HypeTrain,
    /// `poll`
    Poll,
    /// `prediction`
    Prediction,
}

/// `channel.hype_train.begin` / `.progress` / `.end`.
pub(super) fn hype_train(meta: &Metadata, e: &HypeTrain, stage: Stage) -> Outcome {
    let (phase, kind, occurred) = match stage {
        Stage::Begin => (Phase::Active, Some(EventKind::HypeTrainBegin), e.started_at),
        Stage::End => (Phase::Ended, Some(EventKind::HypeTrainEnd), e.ended_at),
        _ => (Phase::Active, None, None),
    };
    let line = match (e.progress, e.goal) {
        (Some(p), Some(g)) if phase != Phase::Ended => {
            format!("Level {}, {} points ({p}/{g} to the next level)", e.level, e.total)
        }
        _ => format!("Level {}, {} points", e.level, e.total),
    };
    let r = kind.map(|kind| {
        let summary = if phase == Phase::Ended {
            format!("The hype train ended at level {} with {} points", e.level, e.total)
        } else {
            format!("A hype train started (level {})", e.level.max(1))
        };
        row(
            meta,
            (&e.broadcaster_user_id, &e.broadcaster_user_login),
            kind,
            occurred,
            None,
            summary,
            Details::HypeTrain { train_id: e.id.clone(), level: e.level, total: e.total },
        )
    });
    Outcome::Activity {
        channel_id: e.broadcaster_user_id.clone(),
        channel_login: e.broadcaster_user_login.clone(),
        row: r,
        slot: Slot::HypeTrain,
        id: e.id.clone(),
        phase,
        line,
    }
}

/// `channel.poll.begin` / `.progress` / `.end`.
pub(super) fn poll(meta: &Metadata, e: &Poll, stage: Stage) -> Outcome {
    let (phase, kind, occurred) = match stage {
        Stage::Begin => (Phase::Active, Some(EventKind::PollBegin), e.started_at),
        Stage::End => (Phase::Ended, Some(EventKind::PollEnd), e.ended_at),
        _ => (Phase::Active, None, None),
    };
    let choices: Vec<Choice> = e
        .choices
        .iter()
        .map(|c| Choice { title: c.title.clone(), votes: c.votes, channel_points: None })
        .collect();
    let line = tally(&choices, "votes");
    let r = kind.map(|kind| {
        let summary = if phase == Phase::Ended {
            poll_end_summary(&e.title, e.status.as_deref(), &choices)
        } else {
            format!("Poll started: “{}”", e.title)
        };
        row(
            meta,
            (&e.broadcaster_user_id, &e.broadcaster_user_login),
            kind,
            occurred,
            None,
            summary,
            Details::Poll {
                poll_id: e.id.clone(),
                title: e.title.clone(),
                choices,
                status: e.status.clone(),
            },
        )
    });
    Outcome::Activity {
        channel_id: e.broadcaster_user_id.clone(),
        channel_login: e.broadcaster_user_login.clone(),
        row: r,
        slot: Slot::Poll,
        id: e.id.clone(),
        phase,
        line,
    }
}

/// `channel.prediction.begin` / `.progress` / `.lock` / `.end`.
pub(super) fn prediction(meta: &Metadata, e: &Prediction, stage: Stage) -> Outcome {
    let (phase, kind, occurred) = match stage {
        Stage::Begin => (Phase::Active, Some(EventKind::PredictionBegin), e.started_at),
        Stage::Lock => (Phase::Locked, None, None),
        Stage::End => (Phase::Ended, Some(EventKind::PredictionEnd), e.ended_at),
        Stage::Progress => (Phase::Active, None, None),
    };
    let outcomes: Vec<Choice> = e
        .outcomes
        .iter()
        .map(|o| Choice {
            title: o.title.clone(),
            votes: o.users,
            channel_points: o.channel_points,
        })
        .collect();
    let line = tally(&outcomes, "predictors");
    let r = kind.map(|kind| {
        let winner = e
            .winning_outcome_id
            .as_deref()
            .and_then(|w| e.outcomes.iter().find(|o| o.id == w))
            .map(|o| o.title.clone());
        let summary = match (phase, e.status.as_deref(), &winner) {
            (Phase::Ended, Some("canceled"), _) => format!("Prediction canceled: “{}”", e.title),
            (Phase::Ended, _, Some(w)) => format!("Prediction ended: “{}” — “{w}” won", e.title),
            (Phase::Ended, _, None) => format!("Prediction ended: “{}”", e.title),
            _ => format!("Prediction started: “{}”", e.title),
        };
        row(
            meta,
            (&e.broadcaster_user_id, &e.broadcaster_user_login),
            kind,
            occurred,
            None,
            summary,
            Details::Prediction {
                prediction_id: e.id.clone(),
                title: e.title.clone(),
                outcomes,
                status: e.status.clone(),
                winner,
            },
        )
    });
    Outcome::Activity {
        channel_id: e.broadcaster_user_id.clone(),
        channel_login: e.broadcaster_user_login.clone(),
        row: r,
        slot: Slot::Prediction,
        id: e.id.clone(),
        phase,
        line,
    }
}

/// `“Yeah!” 12 votes · “No!” 40 votes`.
fn tally(choices: &[Choice], unit: &str) -> String {
    choices
        .iter()
        .map(|c| match c.votes {
            Some(v) => format!("“{}” {v} {unit}", c.title),
            None => format!("“{}”", c.title),
        })
        .collect::<Vec<_>>()
        .join(" · ")
}

/// The end of a poll in words: its winner, or how it ended.
fn poll_end_summary(title: &str, status: Option<&str>, choices: &[Choice]) -> String {
    match status {
        Some("terminated") => format!("Poll ended early: “{title}”"),
        Some("archived") => format!("Poll archived: “{title}”"),
        _ => {
            let best = choices.iter().filter(|c| c.votes.is_some()).max_by_key(|c| c.votes);
            match best {
                Some(c) => format!(
                    "Poll ended: “{title}” — “{}” won with {}",
                    c.title,
                    count(c.votes.unwrap_or_default(), "vote", "votes")
                ),
                None => format!("Poll ended: “{title}”"),
            }
        }
    }
}
