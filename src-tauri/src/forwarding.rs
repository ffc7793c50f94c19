//! The live feed pushed to the pages: each channel's `feed` signal and stream header only to
//! that channel's panel, and the open windows' viewer counts refreshed from Helix.

use crate::channels::ChannelsExt;
use crate::state::AppState;
use crate::views::event;
use crate::windows;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;
use tauri::{AppHandle, Emitter, EventTarget, Manager};
use tev_core::live::LiveUpdate;
use tokio::time::Instant;

/// A signal its panel has not answered with a read within this time may be lost (the page was
/// reloading when it went out): the next change sends it again. Checked when a change comes,
/// never by a timer.
const FEED_SIGNAL_RETRY: Duration = Duration::from_secs(1);

/// When each panel gets a `feed` signal: at the first change after its last read, and not again
/// until it has read its rows. The read takes every change made before it, so the changes in
/// between need no signal of their own; a change after the read gets one at once. So a row is
/// signalled with no fixed delay, and a panel is signalled at most as often as it reads, which is
/// at most once per frame of its page (`FeedReads` in `ui/js/panel.js`). No timer: nothing runs
/// while no event comes.
#[derive(Debug, Default)]
pub struct FeedPacer {
    /// Per panel (its channel's login): when the signal its read has not yet answered went out.
    awaiting_read: HashMap<String, Instant>,
}

impl FeedPacer {
    /// `login`'s rows changed at `now`: whether to signal its panel now.
    pub fn changed(&mut self, login: &str, now: Instant) -> bool {
        match self.awaiting_read.get_mut(login) {
            Some(at) if now.duration_since(*at) < FEED_SIGNAL_RETRY => false,
            Some(at) => {
                *at = now;
                true
            }
            None => {
                self.awaiting_read.insert(login.to_string(), now);
                true
            }
        }
    }

    /// `login`'s panel is reading its rows: changes from now on are not in that read. Called
    /// before the rows are taken, so a change is either in the read or signalled after it.
    pub fn read(&mut self, login: &str) {
        self.awaiting_read.remove(login);
    }

    /// Every panel is to read again (some changes went by unseen): returns the panels of
    /// `logins` to signal now, those not already awaiting a read.
    pub fn all_changed(&mut self, logins: Vec<String>, now: Instant) -> Vec<String> {
        logins.into_iter().filter(|l| self.changed(l, now)).collect()
    }
}

/// The app's [`FeedPacer`], shared by the forwarding task (changes) and the panel's commands
/// (reads).
#[derive(Debug, Default)]
pub struct FeedSignals(Mutex<FeedPacer>);

impl FeedSignals {
    fn pacer(&self) -> std::sync::MutexGuard<'_, FeedPacer> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// `login`'s panel is reading its rows (see [`FeedPacer::read`]).
    pub fn read(&self, login: &str) {
        self.pacer().read(login);
    }
}

/// Tells the panels that their rows changed (paced by [`FeedPacer`]). Runs once for the app's
/// lifetime.
///
/// The signal carries no data: the panel reads its rows with `streamer_events` (an IPC reply,
/// parsed as JSON). An event with the rows in it would be a new script for the page to evaluate
/// on every change, and WebKit keeps each evaluated script's source and bytecode in its code
/// cache: measured (docs/bench-log.md, session 4), ~15 KiB kept in the web process per update
/// (+30 MiB after 2,000), against ~2 KiB when the same data arrives as JSON. The signal's script is
/// the same every time, so it is compiled once.
pub fn forward_live(app: &AppHandle, state: &AppState) {
    let mut rx = state.live.subscribe();
    app.manage(FeedSignals::default());
    let app = app.clone();
    tauri::async_runtime::spawn(async move {
        let signal = |login: &str| {
            let target = EventTarget::webview(windows::panel_label(login));
            let _ = app.emit_to(target, event::FEED, ());
        };
        let signals = app.state::<FeedSignals>();
        loop {
            match rx.recv().await {
                Ok(LiveUpdate::Events { channel_login: login, .. }) => {
                    if signals.pacer().changed(&login, Instant::now()) {
                        signal(&login);
                    }
                }
                Ok(LiveUpdate::Header(h)) => {
                    let target = EventTarget::webview(windows::panel_label(&h.channel_login));
                    let _ = app.emit_to(target, event::STREAM_INFO, &h);
                }
                Ok(LiveUpdate::Notice { channel_id, message }) => {
                    tracing::info!(?channel_id, %message, "notice");
                    // A notice of no channel is the app's own (the event store could not be
                    // written): the home window says it.
                    if channel_id.is_none() {
                        crate::home::notice(&app, "storage", &message);
                    }
                }
                Ok(LiveUpdate::NewEvent(_)) => {}
                Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => {
                    // Some changes went by unseen: every open panel reads its rows again.
                    let open = app.channels().open_logins();
                    for login in signals.pacer().all_changed(open, Instant::now()) {
                        signal(&login);
                    }
                }
                Err(tokio::sync::broadcast::error::RecvError::Closed) => break,
            }
        }
    });
}

/// How often the open windows' viewer counts are read from Helix: viewers are not in EventSub,
/// and one batched `/streams` call per two minutes for every open window together is sparing.
/// `TEV_VIEWERS_REFRESH_SECS` changes it (tests, or a user who wants fresher figures).
fn viewers_refresh_every() -> std::time::Duration {
    let secs = std::env::var("TEV_VIEWERS_REFRESH_SECS")
        .ok()
        .and_then(|v| v.trim().parse::<u64>().ok())
        .filter(|s| *s > 0)
        .unwrap_or(120);
    std::time::Duration::from_secs(secs)
}

/// Refreshes viewers, title and category of the open windows from Helix, sparingly (one
/// request for all of them). Runs for the app's lifetime.
pub fn refresh_viewers(state: Arc<AppState>) {
    let every = viewers_refresh_every();
    tauri::async_runtime::spawn(async move {
        let mut tick = tokio::time::interval_at(tokio::time::Instant::now() + every, every);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            let watched = state.live.watched();
            if watched.is_empty() {
                continue;
            }
            let Some(c) = state.connected().await else { continue };
            let logins: Vec<String> = watched.iter().map(|(_, l)| l.clone()).collect();
            match c.helix.streams_by_login(&logins).await {
                Ok(streams) => {
                    for (id, _) in &watched {
                        let s = streams.iter().find(|s| &s.user_id == id);
                        state.live.refresh_stream(id, s);
                    }
                }
                Err(e) => tracing::info!(error = %e, "could not refresh the viewer counts"),
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::time::advance;

    /// One frame of a 60 Hz screen.
    const FRAME: Duration = Duration::from_micros(16_667);

    #[tokio::test(start_paused = true)]
    async fn a_change_after_the_panels_read_is_signalled_at_once_however_soon() {
        let mut p = FeedPacer::default();
        assert!(p.changed("lumenforge", Instant::now()), "the first change is signalled");
        advance(Duration::from_millis(3)).await;
        p.read("lumenforge");
        advance(Duration::from_millis(13)).await;
        assert!(
            p.changed("lumenforge", Instant::now()),
            "16 ms after the last signal, with its read done, the next change goes out at once"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn changes_before_the_panels_read_are_not_signalled_again_its_read_covers_them() {
        let mut p = FeedPacer::default();
        assert!(p.changed("lumenforge", Instant::now()));
        for _ in 0..5 {
            advance(Duration::from_millis(2)).await;
            assert!(!p.changed("lumenforge", Instant::now()), "the read to come covers it");
        }
        p.read("lumenforge");
        assert!(p.changed("lumenforge", Instant::now()), "a change after the read is new to it");
    }

    #[tokio::test(start_paused = true)]
    async fn a_signal_the_panel_never_answered_is_sent_again_at_a_later_change() {
        let mut p = FeedPacer::default();
        assert!(p.changed("lumenforge", Instant::now()));
        advance(Duration::from_millis(500)).await;
        assert!(!p.changed("lumenforge", Instant::now()), "the read may still come");
        advance(FEED_SIGNAL_RETRY).await;
        assert!(
            p.changed("lumenforge", Instant::now()),
            "a signal lost (a page reloading when it went out) does not stop the panel's updates"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn each_panel_is_paced_by_its_own_reads() {
        let mut p = FeedPacer::default();
        assert!(p.changed("lumenforge", Instant::now()));
        assert!(p.changed("otherchannel", Instant::now()), "another panel's read is not awaited");
        p.read("otherchannel");
        assert!(!p.changed("lumenforge", Instant::now()), "this panel's read is still to come");
        assert!(p.changed("otherchannel", Instant::now()));
    }

    /// A panel that reads 3 ms after each signal and draws in the next frame, at 500 changes a
    /// second for a second: every change is in a read that starts after it, and the panel is
    /// signalled at most once per frame (it reads at most once per frame, see `ui/js/panel.js`).
    #[tokio::test(start_paused = true)]
    async fn at_500_changes_a_second_every_change_is_read_and_signals_follow_the_frames() {
        let mut p = FeedPacer::default();
        let start = Instant::now();
        let mut signals = 0;
        // When the panel's pending read arrives, and when it may read again (the next frame).
        let mut read_at: Option<Instant> = None;
        let mut free_at = start;
        // Changes not yet covered by a read that started after them.
        let mut unread: Vec<Instant> = Vec::new();
        let mut longest_wait = Duration::ZERO;
        for tick in 0..2000u32 {
            // 0.5 ms steps; a change every 2 ms.
            let now = Instant::now();
            if read_at.is_some_and(|at| at <= now) {
                p.read("lumenforge");
                for c in unread.drain(..) {
                    longest_wait = longest_wait.max(now - c);
                }
                read_at = None;
                free_at = now + FRAME;
            }
            if tick % 4 == 0 {
                unread.push(now);
                if p.changed("lumenforge", now) {
                    signals += 1;
                    // The panel reads at once, or at its next frame if it read in this one.
                    read_at = Some(free_at.max(now) + Duration::from_millis(3));
                }
            }
            advance(Duration::from_micros(500)).await;
        }
        let elapsed = Instant::now() - start;
        let frames = (elapsed.as_secs_f64() / FRAME.as_secs_f64()).ceil() as u32;
        assert!(signals >= frames / 2, "the panel kept up: {signals} signals in {frames} frames");
        assert!(signals <= frames + 1, "{signals} signals in {frames} frames");
        assert!(
            longest_wait <= FRAME + Duration::from_millis(4),
            "every change was read within a frame and a read: {longest_wait:?}"
        );
    }
}
