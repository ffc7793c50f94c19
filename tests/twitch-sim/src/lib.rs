//! twitch-sim: a local Twitch for tests, benchmarks and the quick start.
//!
//! (Being built: see issue 3.)
