//! The settings, the app's directories and the kind groups under the path they first had,
//! `tev_core::config::…`, which the app layer and the tests use: the items themselves are in
//! [`crate::settings`], [`crate::paths`] and [`crate::kind`].

pub use crate::kind::{FEED_GROUPS, FeedGroup, OTHER_GROUP, feed_group_of, is_feed_group};
pub use crate::paths::{config_dir, data_dir};
pub use crate::settings::*;
