//! The events' payloads, in files by area. Unknown fields are ignored everywhere, fields Twitch
//! documents as nullable are `Option`, and missing fields fall back to defaults (docs/twitch.md
//! §2, §6.1, §7.18).

mod bits;
mod channel;
mod charity;
mod chat;
mod chat_notification;
mod goals;
mod hype_train;
mod moderation;
mod polls;
mod rewards;
mod stream;
mod subs;
mod user;

pub use bits::*;
pub use channel::*;
pub use charity::*;
pub use chat::*;
pub use chat_notification::*;
pub use goals::*;
pub use hype_train::*;
pub use moderation::*;
pub use polls::*;
pub use rewards::*;
pub use stream::*;
pub use subs::*;
pub use user::*;
