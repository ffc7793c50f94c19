//! `RecentEvents`: the last N events per channel, newest first by event time, on disk.
