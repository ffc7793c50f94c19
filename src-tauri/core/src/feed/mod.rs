//! The normalised feed: `StreamEvent` and the rules that turn EventSub frames into it.
