//! The EventSub WebSocket: protocol types, the session, the subscription planner and reconciler.

pub mod dedupe;
pub mod planner;
pub mod protocol;
pub mod reconciler;
pub mod session;
