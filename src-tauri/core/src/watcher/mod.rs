//! The `Watcher`: one task that owns the EventSub socket and the subscription state.
//!
//! The app (and `tev watch`) talk to it through a [`WatcherHandle`]:
//! - [`WatcherHandle::add_channel`] / [`WatcherHandle::remove_channel`] (an mpsc to the task);
//! - [`WatcherHandle::signed_out`] at logout and [`WatcherHandle::retry`] at the next sign-in
//!   (the task and its channels outlive a login; [`follow_login`] calls them);
//! - [`WatcherHandle::state`]: a `watch` of [`ConnectionState`] (connecting, connected,
//!   reconnecting with the next try's time, failed with a reason);
//! - [`WatcherHandle::subscriptions`]: a `watch` of [`SubscriptionReport`] (what is enabled,
//!   what was left out and why, which channels' live status is polled);
//! - [`WatcherHandle::updates`]: a `broadcast` of [`WatchUpdate`]s — deduplicated
//!   notifications, what the feed made of them (rows, `gap` rows included), live status from
//!   polling, notices.
//!
//! One socket for the whole app (docs/ARCHITECTURE.md "From Twitch's socket to a painted row"); the
//! planner decides the wanted set, the reconciler makes Twitch match it after every fresh session,
//! never after a handover (docs/twitch.md §7 pitfall 2). A fresh session that is not a handover,
//! and a revocation, produce `gap` rows: events between the last frame and the new subscriptions
//! may have been missed, because Twitch never replays (docs/twitch.md §1.4). The task's
//! `GapTracker` decides them (`feed/gaps.rs`, the only place a gap is decided).
//!
//! # Layout
//!
//! - `mod.rs`: what the watcher tells (connection state, subscription report, updates) and
//!   its configuration;
//! - `handle.rs`: [`WatcherHandle`], the app's side, and the commands it sends;
//! - `task.rs`: the task — its state and loop, adding and removing channels, what the session
//!   tells it;
//! - `reconcile.rs`: planning and reconciling the subscriptions, and what a reconcile changes;
//! - `frames.rs`: notifications and revocations, deduplicated, through the feed;
//! - `poll.rs`: the live-status poll for channels over the cost budget;
//! - `login.rs`: [`follow_login`], the watcher kept in step with the token owner.

mod frames;
mod handle;
mod login;
mod poll;
mod reconcile;
mod task;

pub use handle::WatcherHandle;
pub use login::follow_login;
pub use task::spawn;

use crate::Endpoints;
use crate::eventsub::dedupe::Dedupe;
use crate::eventsub::planner::Role;
use crate::eventsub::session::SessionConfig;
use crate::feed::FeedUpdate;
use crate::helix::{HelixError, HelixOptions, Stream};
use chrono::{DateTime, Utc};
use serde::Serialize;
use std::sync::Arc;
use std::time::Duration;

/// The reason of `Failed` after [`WatcherHandle::signed_out`]: waiting for the next sign-in.
pub const SIGNED_OUT: &str = "signed out";

/// The reason of `Failed` once the task has ended ([`WatcherHandle::shutdown`]).
pub const STOPPED: &str = "the event watcher has stopped";

/// Errors a handle call can return.
#[derive(Debug, thiserror::Error)]
pub enum WatcherError {
    /// The watcher task has stopped.
    #[error("the event watcher has stopped")]
    Stopped,
    /// No Twitch user has this login.
    #[error("no Twitch channel named {0}")]
    UnknownChannel(String),
    /// Helix failed while resolving the channel.
    #[error(transparent)]
    Helix(#[from] HelixError),
    /// Bad configuration.
    #[error("invalid watcher configuration: {0}")]
    Config(String),
}

/// The connection as the UI shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum ConnectionState {
    /// No channel open: no socket (an unused socket would be closed with 4003).
    Idle,
    /// Connecting and subscribing.
    Connecting,
    /// Subscribed and receiving.
    Connected,
    /// Lost; the next attempt starts at `next_try_at`.
    Reconnecting {
        /// When the next attempt starts.
        next_try_at: DateTime<Utc>,
        /// Why the connection was lost.
        reason: String,
    },
    /// Stopped trying until something changes: signed out ([`SIGNED_OUT`]), authorization
    /// revoked, the task ended ([`STOPPED`]). A sign-in brings it back ([`follow_login`]).
    Failed {
        /// What the user must do or know.
        reason: String,
    },
}

/// What is subscribed, for the UI and the tests.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct SubscriptionReport {
    /// The session the subscriptions live on.
    pub session_id: Option<String>,
    /// `(channel id, type)` of every enabled subscription.
    pub enabled: Vec<(String, String)>,
    /// `(channel id, type, reason)` of everything left out.
    pub skipped: Vec<(String, String, String)>,
    /// Channels whose live status comes from Helix `/streams` polling.
    pub poll_live: Vec<String>,
    /// Twitch's `total_cost` / `max_total_cost` after the last reconcile.
    pub total_cost: u32,
    pub max_total_cost: u32,
}

/// A channel the watcher serves.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WatchedChannel {
    /// Broadcaster id.
    pub id: String,
    /// Login.
    pub login: String,
    /// Display name.
    pub display_name: String,
    /// The token user's role there.
    pub role: Role,
    /// Watched without a window (only its go-live, at the lowest priority); see
    /// [`WatcherHandle::add_background_channel`].
    pub background: bool,
    /// With `background`: its `channel.update` is watched too (an alert on a title or category
    /// change, `crate::alerts`).
    pub background_updates: bool,
    /// The user's moderator view of the channel is on: what a moderator acts on is subscribed
    /// to as well (only where the user moderates it or is its broadcaster); see
    /// [`WatcherHandle::set_moderation`].
    pub moderation: bool,
}

/// What the watcher broadcasts.
#[derive(Debug, Clone)]
pub enum WatchUpdate {
    /// What the feed made of a frame (rows added/updated/removed, channel state), including
    /// `gap` rows for lost connections and revocations. Apply these to `RecentEvents`.
    /// Shared, not copied: every receiver of the broadcast gets the same update.
    Feed(Arc<FeedUpdate>),
    /// A notification, first copy only (deduplicated by `message_id`, docs/twitch.md §1.7),
    /// before the feed; sent just before the [`WatchUpdate::Feed`] updates it produced. (The
    /// frame itself is not in it: the watcher runs the feed, and a frame held in the broadcast
    /// until the slowest receiver had it only made bursts cost more memory;
    /// BENCHMARKS.md "Growth".)
    Notification {
        /// The channel it belongs to (by its subscription), if known.
        channel_id: Option<String>,
        /// `metadata.message_id`.
        message_id: String,
        /// `metadata.subscription_type`.
        sub_type: String,
        /// Arrival time.
        received_at: DateTime<Utc>,
    },
    /// Live status from Helix polling, for channels without stream.online/offline.
    Live {
        channel_id: String,
        /// The stream when live, `None` when offline.
        stream: Option<Box<Stream>>,
    },
    /// Something the user should see (a refused subscription, a revocation).
    Notice { channel_id: Option<String>, message: String },
}

/// Tuning of the watcher.
#[derive(Debug, Clone)]
pub struct WatcherConfig {
    /// The socket.
    pub session: SessionConfig,
    /// Helix timeouts.
    pub helix: HelixOptions,
    /// How often live status is polled for channels over the budget.
    pub poll_interval: Duration,
    /// Delay before retrying a reconcile that failed on the network.
    pub reconcile_retry: Duration,
    /// How many message ids the dedupe remembers (bounded memory).
    pub dedupe_capacity: usize,
    /// Capacity of the update broadcast.
    pub broadcast_capacity: usize,
}

impl WatcherConfig {
    /// Production defaults for these endpoints.
    pub fn new(endpoints: &Endpoints) -> Self {
        Self {
            session: SessionConfig::new(endpoints.eventsub_ws.clone()),
            helix: HelixOptions::default(),
            poll_interval: Duration::from_secs(60),
            reconcile_retry: Duration::from_secs(2),
            dedupe_capacity: Dedupe::DEFAULT_CAPACITY,
            broadcast_capacity: 4096,
        }
    }
}
