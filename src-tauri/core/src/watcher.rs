//! The `Watcher`: one task that owns the EventSub socket and the subscription state.
