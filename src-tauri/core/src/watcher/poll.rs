//! The live-status poll: channels without both `stream.online` and `stream.offline` (over
//! the cost budget, docs/twitch.md §1.6) get their live status from batched Helix `/streams`.

use super::WatchUpdate;
use super::task::Task;
use crate::helix::{HelixError, Stream};

impl Task {
    pub(super) fn start_poll(&mut self) {
        let logins: Vec<String> = self
            .channels
            .iter()
            .filter(|c| self.poll_live.contains(&c.id))
            .map(|c| c.login.clone())
            .collect();
        self.next_poll = tokio::time::Instant::now() + self.config.poll_interval;
        if logins.is_empty() {
            return;
        }
        let helix = self.helix.clone();
        self.poll = Some(tokio::spawn(async move { helix.streams_by_login(&logins).await }));
    }

    pub(super) fn on_polled(&mut self, r: Option<Result<Vec<Stream>, HelixError>>) {
        let streams = match r {
            Some(Ok(s)) => s,
            Some(Err(e)) => {
                tracing::warn!(error = %e, "live status poll failed");
                return;
            }
            None => return,
        };
        for id in self.poll_live.clone() {
            let stream = streams.iter().find(|s| s.user_id == id).cloned();
            let live = stream.is_some();
            if self.live.insert(id.clone(), live) != Some(live) {
                self.emit(WatchUpdate::Live { channel_id: id, stream: stream.map(Box::new) });
            }
        }
    }
}
