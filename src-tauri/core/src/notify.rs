//! When to show a desktop notification, decided without Tauri, a clock or a display.
//!
//! The app calls [`Notifier::notify`] for each event the feed adds and shows what it
//! returns; everything that makes the decision is in here, so it is unit-tested:
//!
//! - go-live (`stream_online`) of any channel that is open in a window or is the favourite:
//!   on by default;
//! - every other kind only when the viewer opted into it, by the feed's snake_case kind name
//!   (`"raid_incoming"`); names are plain strings so a settings file can name kinds a newer
//!   version adds;
//! - never while that channel's window is focused (the viewer is already looking at it);
//! - never for events that are not new: restored from disk, duplicates, and `gap` markers;
//! - at most one notification per channel and kind per [`NotifyPolicy::burst_window_secs`],
//!   so a gift bomb or a flapping stream is one notification, not fifty. The time is passed
//!   in, so tests need no clock.

use std::collections::{BTreeSet, HashMap};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use crate::kind::EventKind;

/// The feed's kind for a channel going live.
pub const GO_LIVE_KIND: &str = EventKind::StreamOnline.as_str();

/// The feed's kind for a gap marker (a time when events could have been missed).
pub const GAP_KIND: &str = EventKind::Gap.as_str();

/// Default burst window: one notification per channel and kind per minute.
pub const DEFAULT_BURST_WINDOW_SECS: u64 = 60;

/// Longest title and body shown; the summary comes from Twitch text and may be long.
const MAX_TITLE_CHARS: usize = 80;
const MAX_BODY_CHARS: usize = 200;

/// Above this many remembered (channel, kind) pairs, expired ones are dropped, so the
/// limiter's memory stays bounded over a session of many hours.
const PRUNE_ABOVE: usize = 256;

/// The feed's event kinds with the words a notification uses for them, in the order a settings
/// page can list them: [`crate::kind::NOTIFY_KINDS`], derived from the kind table. `gap` is
/// absent: it never notifies.
pub const KINDS: &[(&str, &str)] = crate::kind::NOTIFY_KINDS;

/// The viewer's notification choices, stored with the settings.
///
/// Missing fields take their defaults, so `{}` is the default policy and a settings file
/// from an older version still loads.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct NotifyPolicy {
    /// Notify when an open or favourite channel goes live. On by default: it is the one
    /// notification nearly everyone wants.
    pub go_live: bool,
    /// Other kinds the viewer opted into, by the feed's snake_case name
    /// (`"raid_incoming"`). Empty by default. `stream_online` is governed by `go_live`
    /// and `gap` never notifies, so those two names are ignored here.
    pub kinds: BTreeSet<String>,
    /// At most one notification per channel and kind within this many seconds; 0 turns
    /// the limit off.
    pub burst_window_secs: u64,
}

impl Default for NotifyPolicy {
    fn default() -> Self {
        NotifyPolicy {
            go_live: true,
            kinds: BTreeSet::new(),
            burst_window_secs: DEFAULT_BURST_WINDOW_SECS,
        }
    }
}

impl NotifyPolicy {
    /// Whether events of `kind` notify at all under this policy.
    pub fn wants(&self, kind: &str) -> bool {
        match kind {
            GO_LIVE_KIND => self.go_live,
            GAP_KIND => false,
            other => self.kinds.contains(other),
        }
    }

    /// Turns notifications for `kind` on or off (`stream_online` sets `go_live`).
    pub fn set_wanted(&mut self, kind: &str, on: bool) {
        if kind == GO_LIVE_KIND {
            self.go_live = on;
        } else if on {
            self.kinds.insert(kind.to_owned());
        } else {
            self.kinds.remove(kind);
        }
    }

    /// The burst window as a duration.
    pub fn burst_window(&self) -> Duration {
        Duration::from_secs(self.burst_window_secs)
    }
}

/// One feed event, as far as the decision needs it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NotifyInput<'a> {
    /// The feed's kind name, e.g. `"stream_online"`, `"raid_incoming"`, `"gap"`.
    pub kind: &'a str,
    /// The channel's login; the rate limit is per channel, case-insensitively.
    pub channel_login: &'a str,
    /// The channel's display name for the text, if known; the login otherwise.
    pub channel_name: Option<&'a str>,
    /// The feed's human summary of the event ("Alice gifted 5 subs"), used as the body.
    pub summary: Option<&'a str>,
    /// The channel is open in a window or is the favourite: only those notify.
    pub watched: bool,
    /// That channel's window has the focus: the viewer sees the event already.
    pub window_focused: bool,
    /// The event just happened: not restored from disk, not a duplicate. Replays of old
    /// events must never pop up notifications.
    pub is_new: bool,
}

/// A notification to show.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Notification {
    /// One line, e.g. "Shroud is live".
    pub title: String,
    /// A sentence, e.g. the feed's summary.
    pub body: String,
}

/// Why an event does not notify; for logs and tests.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Suppressed {
    /// Restored from disk or a duplicate.
    NotNew,
    /// A gap marker.
    Gap,
    /// The channel is neither open nor the favourite.
    NotWatched,
    /// The viewer did not pick this kind (or turned go-live off).
    KindOff,
    /// The channel's window is focused.
    WindowFocused,
    /// The same channel and kind notified within the burst window.
    RateLimited,
}

/// The rules without the rate limit: a pure function of the policy and the event.
pub fn evaluate(
    policy: &NotifyPolicy,
    input: &NotifyInput<'_>,
) -> Result<Notification, Suppressed> {
    if input.kind == GAP_KIND {
        return Err(Suppressed::Gap);
    }
    if !input.is_new {
        return Err(Suppressed::NotNew);
    }
    if !input.watched {
        return Err(Suppressed::NotWatched);
    }
    if !policy.wants(input.kind) {
        return Err(Suppressed::KindOff);
    }
    if input.window_focused {
        return Err(Suppressed::WindowFocused);
    }
    Ok(render(input))
}

/// [`evaluate`] as an `Option`.
pub fn decide(policy: &NotifyPolicy, input: &NotifyInput<'_>) -> Option<Notification> {
    evaluate(policy, input).ok()
}

/// The rules plus the burst limit: remembers when each channel and kind last notified.
///
/// One per app; its memory is bounded by the watched channels times the kinds.
#[derive(Debug, Clone, Default)]
pub struct Notifier {
    /// The viewer's current choices.
    policy: NotifyPolicy,
    /// When each (lowercased channel login, kind) last produced a notification.
    last_shown: HashMap<(String, String), Instant>,
}

impl Notifier {
    /// A notifier with `policy` and no history.
    pub fn new(policy: NotifyPolicy) -> Self {
        Notifier { policy, last_shown: HashMap::new() }
    }

    /// The current policy.
    pub fn policy(&self) -> &NotifyPolicy {
        &self.policy
    }

    /// Replaces the policy (the viewer changed a setting); the burst history stays.
    pub fn set_policy(&mut self, policy: NotifyPolicy) {
        self.policy = policy;
    }

    /// Decides for one event at time `now`; a notification it returns counts against the
    /// burst limit, a suppressed event does not.
    pub fn evaluate(
        &mut self,
        input: &NotifyInput<'_>,
        now: Instant,
    ) -> Result<Notification, Suppressed> {
        let notification = evaluate(&self.policy, input)?;
        let window = self.policy.burst_window();
        let key = (input.channel_login.to_ascii_lowercase(), input.kind.to_owned());
        if let Some(&last) = self.last_shown.get(&key)
            // An earlier `now` than the last one (events handled out of order) counts as
            // inside the window: better one notification too few than a burst.
            && now.saturating_duration_since(last) < window
        {
            return Err(Suppressed::RateLimited);
        }
        if self.last_shown.len() >= PRUNE_ABOVE {
            self.last_shown.retain(|_, &mut last| now.saturating_duration_since(last) < window);
        }
        self.last_shown.insert(key, now);
        Ok(notification)
    }

    /// [`Notifier::evaluate`] as an `Option`: the notification to show, if any.
    pub fn notify(&mut self, input: &NotifyInput<'_>, now: Instant) -> Option<Notification> {
        self.evaluate(input, now).ok()
    }

    /// How many (channel, kind) pairs the limiter remembers.
    pub fn remembered(&self) -> usize {
        self.last_shown.len()
    }
}

/// The words for a kind: its label from [`KINDS`], or the name made readable.
pub fn kind_label(kind: &str) -> String {
    if let Some((_, label)) = KINDS.iter().find(|(name, _)| *name == kind) {
        return (*label).to_owned();
    }
    let words = clean(&kind.replace('_', " "), MAX_TITLE_CHARS);
    let mut chars = words.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => "Event".to_owned(),
    }
}

fn render(input: &NotifyInput<'_>) -> Notification {
    let name = input
        .channel_name
        .map(|n| clean(n, MAX_TITLE_CHARS))
        .filter(|n| !n.is_empty())
        .unwrap_or_else(|| clean(input.channel_login, MAX_TITLE_CHARS));
    let summary = input.summary.map(|s| clean(s, MAX_BODY_CHARS)).filter(|s| !s.is_empty());
    let (title, fallback_body) = if input.kind == GO_LIVE_KIND {
        (format!("{name} is live"), format!("{name} just went live on Twitch."))
    } else {
        let label = kind_label(input.kind);
        (format!("{name}: {label}"), format!("{label} on {name}'s channel."))
    };
    Notification {
        title: clean(&title, MAX_TITLE_CHARS),
        body: summary.unwrap_or_else(|| clean(&fallback_body, MAX_BODY_CHARS)),
    }
}

/// Makes untrusted text safe and short for a notification: control characters become
/// spaces, runs of whitespace collapse, and `<`/`>` become `‹`/`›` because freedesktop
/// notification servers may read the body as markup (links, images).
pub(crate) fn clean(text: &str, max_chars: usize) -> String {
    let joined = text
        .split(|c: char| c.is_whitespace() || c.is_control() || is_invisible(c))
        .filter(|word| !word.is_empty())
        .map(|word| {
            word.chars()
                .map(|c| match c {
                    '<' => '‹',
                    '>' => '›',
                    c => c,
                })
                .collect::<String>()
        })
        .collect::<Vec<_>>()
        .join(" ");
    if joined.chars().count() <= max_chars {
        return joined;
    }
    let mut short: String = joined.chars().take(max_chars.saturating_sub(1)).collect();
    short.push('…');
    short
}

/// Format characters that can reorder or hide text (bidi overrides, zero-width marks).
fn is_invisible(c: char) -> bool {
    matches!(c, '\u{200b}'..='\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2060}'..='\u{2069}' | '\u{feff}')
}
