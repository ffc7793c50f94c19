//! A small Helix client: users, streams, search, channels, followed, EventSub subscriptions.
