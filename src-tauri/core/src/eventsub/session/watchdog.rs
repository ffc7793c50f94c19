//! The watchdog: the deadlines of the welcome, the keepalive window, the wall clock and the
//! next reconnect, and the suspend-aware timer they are waited for on (docs/twitch.md §1.2).

use super::{LossReason, Session, SessionEvent};
use tokio::time::Instant;

impl Session {
    /// When the watchdog must look next.
    pub(super) fn deadline(&self) -> Option<Instant> {
        let check = self.config.wall_check_interval.map(|i| Instant::now() + i);
        let mut d: Option<Instant> = None;
        let mut consider = |t: Instant| d = Some(d.map_or(t, |x| x.min(t)));
        if let Some(c) = &self.active {
            let window = match c.session_id {
                Some(_) => c.keepalive + self.config.keepalive_grace,
                None => self.config.welcome_timeout,
            };
            let due = c.last_seen + window;
            consider(check.map_or(due, |check| due.min(check)));
        }
        if let Some(c) = &self.successor {
            consider(c.last_seen + self.config.welcome_timeout);
        }
        if let Some(t) = self.reconnect_at {
            consider(t);
        }
        d
    }

    /// Checks timeouts; returns an event if one fired.
    pub(super) fn on_timer(&mut self) -> Option<SessionEvent> {
        // Frames waiting in the queue have arrived: a deadline only counts once they are
        // handled (a busy consumer must not turn into a keepalive or welcome timeout).
        if !self.rx.is_empty() {
            return None;
        }
        let now = Instant::now();
        if let Some(c) = &self.successor
            && now >= c.last_seen + self.config.welcome_timeout
        {
            return Some(self.lose(LossReason::HandoverFailed("no welcome in time".into())));
        }
        if let Some(c) = &self.active {
            match c.session_id {
                None if now >= c.last_seen + self.config.welcome_timeout => {
                    return Some(self.lose(LossReason::WelcomeTimeout));
                }
                Some(_) => {
                    let window = c.keepalive + self.config.keepalive_grace;
                    if now >= c.last_seen + window {
                        return Some(self.lose(LossReason::KeepaliveTimeout));
                    }
                    let wall = (self.config.wall_clock)();
                    let elapsed = wall.duration_since(c.last_seen_wall).unwrap_or_default();
                    if elapsed > window {
                        return Some(self.lose(LossReason::WallClockJump));
                    }
                }
                None => {}
            }
        }
        if let Some(t) = self.reconnect_at
            && now >= t
            && self.running
            && self.active.is_none()
        {
            self.reconnect_at = None;
            let url = match self.config.connect_url() {
                Ok(u) => u,
                Err(e) => return Some(self.lose(LossReason::ConnectFailed(e.to_string()))),
            };
            self.active = Some(self.open(url));
            return Some(SessionEvent::Connecting { attempt: self.failures });
        }
        None
    }
}

/// Waits for `deadline` (none: forever), on the suspend-aware timer when there is one.
/// Cancel-safe: an armed timer stays armed for the next call.
pub(super) async fn sleep_until(
    timer: Option<&mut boot_timer::BootTimer>,
    deadline: Option<Instant>,
) {
    let Some(d) = deadline else { return std::future::pending().await };
    if let Some(t) = timer {
        match t.sleep_until(d).await {
            Ok(()) => return,
            Err(e) => tracing::warn!(error = %e, "suspend-aware timer failed; using tokio's"),
        }
    }
    tokio::time::sleep_until(d).await
}

#[cfg(target_os = "linux")]
pub(super) mod boot_timer {
    //! A one-shot timer on `CLOCK_BOOTTIME`: "like CLOCK_MONOTONIC, except that it also includes
    //! any time that the system is suspended" (clock_gettime(2)); tokio's timers run on
    //! `CLOCK_MONOTONIC`, which stands still while suspended, so a keepalive deadline timed by
    //! tokio would come only `window` after the machine wakes. A timerfd on this clock fires as
    //! soon as it wakes if the deadline passed while it slept (timerfd_create(2)).
    use rustix::time::{
        Itimerspec, TimerfdClockId, TimerfdFlags, TimerfdTimerFlags, Timespec, timerfd_create,
        timerfd_settime,
    };
    use std::os::fd::OwnedFd;
    use tokio::io::unix::AsyncFd;
    use tokio::time::Instant;

    /// The timer and the deadline it is armed for.
    pub struct BootTimer {
        /// The timerfd, registered with tokio's reactor.
        fd: AsyncFd<OwnedFd>,
        /// The (monotonic) deadline the timer was last armed for; `None` after it fired.
        armed: Option<Instant>,
    }

    impl BootTimer {
        pub fn new() -> std::io::Result<Self> {
            let fd = timerfd_create(
                TimerfdClockId::Boottime,
                TimerfdFlags::NONBLOCK | TimerfdFlags::CLOEXEC,
            )?;
            // SAFETY: the `OwnedFd` is a valid timerfd that nothing replaces or closes while
            // the `AsyncFd` owns it (tokio's requirement for `register`).
            let fd = unsafe { AsyncFd::register(fd)? };
            Ok(Self { fd, armed: None })
        }

        /// Waits until `deadline` has passed, counting suspended time. Re-arms only when the
        /// deadline changed (setting a timerfd clears its expirations, timerfd_create(2)).
        pub async fn sleep_until(&mut self, deadline: Instant) -> std::io::Result<()> {
            if self.armed != Some(deadline) {
                let left = deadline.saturating_duration_since(Instant::now());
                if left.is_zero() {
                    return Ok(());
                }
                let zero = Timespec { tv_sec: 0, tv_nsec: 0 };
                let value = Timespec {
                    tv_sec: i64::try_from(left.as_secs()).unwrap_or(i64::MAX),
                    tv_nsec: i64::from(left.subsec_nanos()),
                };
                timerfd_settime(
                    self.fd.get_ref(),
                    TimerfdTimerFlags::empty(),
                    &Itimerspec { it_interval: zero, it_value: value },
                )?;
                self.armed = Some(deadline);
            }
            loop {
                let mut ready = self.fd.readable().await?;
                let mut expirations = [0u8; 8];
                match rustix::io::read(ready.get_inner(), &mut expirations) {
                    Ok(_) => {
                        self.armed = None;
                        return Ok(());
                    }
                    Err(rustix::io::Errno::AGAIN) => ready.clear_ready(),
                    Err(e) => return Err(e.into()),
                }
            }
        }
    }

    #[cfg(test)]
    mod tests {
        use super::*;
        use std::time::Duration;

        #[tokio::test]
        async fn fires_at_its_deadline_and_follows_a_moved_one() {
            let mut t = BootTimer::new().expect("timerfd");
            let start = Instant::now();
            t.sleep_until(start + Duration::from_millis(30)).await.expect("sleep");
            assert!(start.elapsed() >= Duration::from_millis(30), "{:?}", start.elapsed());
            // Armed for a far deadline, then moved closer (a frame moved the keepalive window):
            // the new deadline counts, not the old one.
            let far = Instant::now() + Duration::from_secs(3600);
            let cancelled = tokio::time::timeout(Duration::from_millis(10), t.sleep_until(far));
            assert!(cancelled.await.is_err(), "a deadline an hour away must not fire");
            let near = Instant::now() + Duration::from_millis(20);
            tokio::time::timeout(Duration::from_secs(5), t.sleep_until(near))
                .await
                .expect("the moved deadline fires")
                .expect("sleep");
            assert!(Instant::now() >= near);
            // A deadline already past returns at once.
            t.sleep_until(Instant::now()).await.expect("past deadline");
        }
    }
}

/// No suspend-aware clock on this platform: the wall clock is looked at periodically instead
/// (`SessionConfig::wall_check_interval`).
#[cfg(not(target_os = "linux"))]
pub(super) mod boot_timer {
    use tokio::time::Instant;

    pub struct BootTimer;

    impl BootTimer {
        pub fn new() -> std::io::Result<Self> {
            Err(std::io::Error::new(std::io::ErrorKind::Unsupported, "no CLOCK_BOOTTIME here"))
        }

        pub async fn sleep_until(&mut self, _deadline: Instant) -> std::io::Result<()> {
            Ok(())
        }
    }
}
