//! The EventSub WebSocket: protocol types, the session, the subscription planner and reconciler.
