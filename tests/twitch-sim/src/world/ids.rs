//! Ids, tokens, codes and timestamps in the shapes Twitch uses.

use chrono::{DateTime, SecondsFormat, Utc};
use rand::Rng;
use rand::distr::Alphanumeric;

/// RFC 3339 with 9 fractional digits and `Z`, as Twitch sends (docs/twitch.md §1.1).
pub fn ts(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Nanos, true)
}

/// Random lowercase alphanumeric string (token-like).
pub fn random_token(len: usize) -> String {
    rand::rng()
        .sample_iter(&Alphanumeric)
        .take(len)
        .map(|b| (b as char).to_ascii_lowercase())
        .collect()
}

/// Random string of mixed-case letters and digits (session-id-like).
pub fn random_mixed(len: usize) -> String {
    rand::rng().sample_iter(&Alphanumeric).take(len).map(char::from).collect()
}

/// Random UUID v4 text (subscription and message ids).
pub fn uuid() -> String {
    let mut b: [u8; 16] = rand::rng().random();
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let h: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!("{}-{}-{}-{}-{}", &h[0..8], &h[8..12], &h[12..16], &h[16..20], &h[20..32])
}

/// A random 8-letter user code like Twitch's `ABCDEFGH` (docs/twitch.md §3.2).
pub fn user_code() -> String {
    const LETTERS: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ";
    let mut r = rand::rng();
    (0..8).map(|_| LETTERS[r.random_range(0..LETTERS.len())] as char).collect()
}
