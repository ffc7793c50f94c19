//! [`WatcherHandle`]: the app's side of the watcher, and the commands it sends to the task.

use super::{ConnectionState, SubscriptionReport, WatchUpdate, WatchedChannel, WatcherError};
use crate::eventsub::planner::Role;
use tokio::sync::{broadcast, mpsc, oneshot, watch};

/// What the handle asks of the task; each carries where to send the answer.
pub(super) enum Command {
    Add {
        login: String,
        role: Option<Role>,
        /// Only its go-live, for a notification (no window).
        background: bool,
        /// With `background`: its `channel.update` too.
        updates: bool,
        reply: oneshot::Sender<Result<WatchedChannel, WatcherError>>,
    },
    Remove {
        login: String,
        reply: oneshot::Sender<bool>,
    },
    SetModeration {
        login: String,
        on: bool,
        reply: oneshot::Sender<Option<WatchedChannel>>,
    },
    Demote {
        login: String,
        reply: oneshot::Sender<bool>,
    },
    Retry,
    SignedOut {
        reply: oneshot::Sender<()>,
    },
    Shutdown {
        reply: oneshot::Sender<()>,
    },
}

/// The app's handle to the watcher task. Cheap to clone.
#[derive(Clone)]
pub struct WatcherHandle {
    /// Commands to the task.
    pub(super) cmd: mpsc::Sender<Command>,
    /// Connection state.
    pub(super) state: watch::Receiver<ConnectionState>,
    /// Subscription report.
    pub(super) subs: watch::Receiver<SubscriptionReport>,
    /// Updates (new receivers via `subscribe`).
    pub(super) updates: broadcast::Sender<WatchUpdate>,
}

impl WatcherHandle {
    /// Starts watching `login` (resolved through Helix). `role`: the user's role there if the
    /// app knows it; otherwise it is detected: broadcaster when the channel is the token
    /// user's own, moderator when Helix lists it among the user's moderated channels (with
    /// the `user:read:moderated_channels` scope), else viewer.
    pub async fn add_channel(
        &self,
        login: &str,
        role: Option<Role>,
    ) -> Result<WatchedChannel, WatcherError> {
        self.ask(|reply| Command::Add {
            login: login.to_string(),
            role,
            background: false,
            updates: false,
            reply,
        })
        .await?
    }

    /// Watches `login` in the background: only `stream.online` (for a go-live notification),
    /// planned after the live status of every channel with a window. A later
    /// [`add_channel`](Self::add_channel) of the same login makes it a full channel; a full
    /// channel stays full. `updates`: its `channel.update` too (an alert on a title or category
    /// change); asking again for a channel already in the background changes only that.
    pub async fn add_background_channel(
        &self,
        login: &str,
        updates: bool,
    ) -> Result<WatchedChannel, WatcherError> {
        self.ask(|reply| Command::Add {
            login: login.to_string(),
            role: None,
            background: true,
            updates,
            reply,
        })
        .await?
    }

    /// Puts a full channel back into the background (its window closed, but it is still the
    /// favourite); true if it was watched.
    pub async fn demote_channel(&self, login: &str) -> Result<bool, WatcherError> {
        self.ask(|reply| Command::Demote { login: login.to_string(), reply }).await
    }

    /// Stops watching `login`; true if it was watched.
    pub async fn remove_channel(&self, login: &str) -> Result<bool, WatcherError> {
        self.ask(|reply| Command::Remove { login: login.to_string(), reply }).await
    }

    /// Turns the moderator view of `login` on or off: the moderation types are subscribed to
    /// (or removed) at the next reconcile, where the user moderates the channel or is its
    /// broadcaster and the token has their scopes (the planner leaves them out otherwise, with
    /// a reason in the subscription report). Turning it on again plans again (after a login that
    /// brought the scopes). The channel as it is now; `None` if not watched.
    pub async fn set_moderation(
        &self,
        login: &str,
        on: bool,
    ) -> Result<Option<WatchedChannel>, WatcherError> {
        self.ask(|reply| Command::SetModeration { login: login.to_string(), on, reply }).await
    }

    /// Sends the command `make` builds around a reply channel and waits for the task's answer.
    async fn ask<T>(
        &self,
        make: impl FnOnce(oneshot::Sender<T>) -> Command,
    ) -> Result<T, WatcherError> {
        let (reply, rx) = oneshot::channel();
        self.cmd.send(make(reply)).await.map_err(|_| WatcherError::Stopped)?;
        rx.await.map_err(|_| WatcherError::Stopped)
    }

    /// Tries again after `Failed` (after signing in again): connects and subscribes the
    /// channels it kept. Nothing happens in any other state.
    pub async fn retry(&self) -> Result<(), WatcherError> {
        self.cmd.send(Command::Retry).await.map_err(|_| WatcherError::Stopped)
    }

    /// The user signs out: closes the socket (its subscriptions end with it) and waits, in
    /// `Failed` with the reason [`SIGNED_OUT`](super::SIGNED_OUT), for [`retry`](Self::retry)
    /// after the next sign-in. The task and its channels stay; the time until the
    /// subscriptions are back gets a gap row. Answers once the socket is closed.
    pub async fn signed_out(&self) -> Result<(), WatcherError> {
        self.ask(|reply| Command::SignedOut { reply }).await
    }

    /// Whether `other` is a handle to the same watcher task.
    pub fn same_watcher(&self, other: &WatcherHandle) -> bool {
        self.cmd.same_channel(&other.cmd)
    }

    /// The connection state channel.
    pub fn state(&self) -> watch::Receiver<ConnectionState> {
        self.state.clone()
    }

    /// The subscription report channel.
    pub fn subscriptions(&self) -> watch::Receiver<SubscriptionReport> {
        self.subs.clone()
    }

    /// A new receiver of updates (from now on).
    pub fn updates(&self) -> broadcast::Receiver<WatchUpdate> {
        self.updates.subscribe()
    }

    /// Closes the socket and ends the task; its last state is `Failed` with the reason
    /// [`STOPPED`](super::STOPPED).
    pub async fn shutdown(&self) {
        let (reply, rx) = oneshot::channel();
        if self.cmd.send(Command::Shutdown { reply }).await.is_ok() {
            let _ = rx.await;
        }
    }
}
