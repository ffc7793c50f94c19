//! Logging in with Twitch: the loopback and device flows, and the one owner of the tokens.
