//! Faults a test injects through `POST /_sim/faults`: the next Helix or OAuth request that
//! matches gets a chosen error instead of its answer. Twitch answers so at times — a 401 for a
//! token that just expired, a 429 from the rate limiter or the cost limit, a 409 for a
//! subscription that appeared meanwhile, a 5xx (docs/twitch.md §1.8, §4; §7 pitfalls 4 and 9;
//! https://dev.twitch.tv/docs/api/guide/#twitch-rate-limits) — but not on demand.

use serde::Serialize;
use serde_json::Value;

use super::{World, first, parse_pairs};

/// A fault waiting for a matching request.
#[derive(Clone, Debug, Serialize)]
pub struct Fault {
    /// Id, as `/_sim/faults` lists it.
    pub id: u64,
    /// The request's method (`GET`, `POST`, …), or any.
    pub method: Option<String>,
    /// A prefix of the request's path: `/helix/` is every Helix call.
    pub path: String,
    /// Only `POST /helix/eventsub/subscriptions` bodies of this subscription type.
    #[serde(rename = "type")]
    pub sub_type: Option<String>,
    /// Only `/oauth2/token` requests with this `grant_type`.
    pub grant_type: Option<String>,
    /// The HTTP status to answer (400–599).
    pub status: u16,
    /// The `message` of Twitch's error body.
    pub message: String,
    /// `Ratelimit-Remaining` to send with it (and `Ratelimit-Reset` now); 0 is an empty bucket
    /// (docs/twitch.md §4 "Rate limits"). Without it, no rate-limit headers.
    pub ratelimit_remaining: Option<u64>,
    /// Matching requests it still answers; `None` answers every one until the faults are
    /// cleared (e.g. a type Twitch refuses for every channel).
    pub times: Option<u64>,
    /// Handle the request first, so it takes effect (a refresh token is spent, a subscription
    /// created), then answer with the fault: the answer was lost on its way back. Clients must
    /// not assume a failed call did nothing (docs/twitch.md §3.2 "never retry with an old
    /// refresh token").
    pub after_handling: bool,
}

impl Fault {
    /// Does this request match? `query` and `body` are the raw query string and body.
    fn matches(&self, method: &str, path: &str, query: &str, body: &[u8]) -> bool {
        if self.method.as_deref().is_some_and(|m| !m.eq_ignore_ascii_case(method)) {
            return false;
        }
        if !path.starts_with(&self.path) {
            return false;
        }
        if let Some(t) = &self.sub_type {
            let v: Value = serde_json::from_slice(body).unwrap_or(Value::Null);
            if v.get("type").and_then(Value::as_str) != Some(t.as_str()) {
                return false;
            }
        }
        if let Some(g) = &self.grant_type {
            let mut p = parse_pairs(query);
            p.extend(parse_pairs(&String::from_utf8_lossy(body)));
            if first(&p, "grant_type") != Some(g.as_str()) {
                return false;
            }
        }
        true
    }
}

impl World {
    /// The first fault matching this request, used up by one (removed when spent).
    pub fn take_fault(
        &mut self,
        method: &str,
        path: &str,
        query: &str,
        body: &[u8],
    ) -> Option<Fault> {
        let i = self.faults.iter().position(|f| f.matches(method, path, query, body))?;
        let fault = self.faults[i].clone();
        match self.faults[i].times {
            Some(n) if n <= 1 => {
                self.faults.remove(i);
            }
            Some(n) => self.faults[i].times = Some(n - 1),
            None => {}
        }
        Some(fault)
    }
}
