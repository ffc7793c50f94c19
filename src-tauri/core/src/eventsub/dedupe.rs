//! Dedupe of EventSub messages by `metadata.message_id`, in bounded memory.
//!
//! Twitch delivers at least once: when it is not sure a message arrived it sends it again with
//! the **same** `message_id` (docs/twitch.md §1.7). Duplicates also show up around a
//! `session_reconnect` handover, when the old and the new socket are both read
//! (docs/twitch.md §1.3, a 30 s window). So a resend is always *recent*, and remembering the last N
//! ids is enough.
//!
//! # The bound
//! [`Dedupe`] remembers the last [`Dedupe::DEFAULT_CAPACITY`] (65,536) distinct ids; the oldest
//! is forgotten when a new one arrives. It stores a 64-bit keyed hash of each id, not the id, so
//! memory is fixed at about 1.7 MiB whatever the ids look like (a hash set of `u64`s, ~1.2 MiB
//! with its control bytes, plus a 512 KiB ring of `u64`s, both allocated up front). 65,536 ids cover:
//! - the whole 30 s reconnect window up to ~2,000 messages/s;
//! - 6.5 s of a 10,000 frames/s chat firehose (the benchmark's worst case), far longer than a
//!   resend takes on a live socket;
//! - hours of a normal channel (tens of messages per minute).
//!
//! Two different ids collide on the 64-bit hash with probability about n²/2⁶⁵ (≈ 10⁻¹⁰ for a
//! full set); the key is random per process, so no input can aim for a collision.

use std::collections::hash_map::RandomState;
use std::collections::{HashSet, VecDeque};
use std::hash::{BuildHasher, BuildHasherDefault, Hasher};

/// Remembers recently seen `message_id`s; see the module docs for the bound.
#[derive(Debug)]
pub struct Dedupe {
    /// Hashes of the remembered ids, for the membership test.
    seen: HashSet<u64, BuildHasherDefault<PassThrough>>,
    /// The same hashes in arrival order, so the oldest can be forgotten.
    order: VecDeque<u64>,
    /// How many ids are remembered at most.
    capacity: usize,
    /// Keyed hasher for ids (random key per process).
    keys: RandomState,
}

impl Default for Dedupe {
    fn default() -> Self {
        Self::new()
    }
}

impl Dedupe {
    /// Ids remembered by [`Dedupe::new`]; see the module docs for why this suffices.
    pub const DEFAULT_CAPACITY: usize = 65_536;

    /// A dedupe set remembering [`Self::DEFAULT_CAPACITY`] ids.
    pub fn new() -> Self {
        Self::with_capacity(Self::DEFAULT_CAPACITY)
    }

    /// A dedupe set remembering `capacity` ids (at least 1).
    pub fn with_capacity(capacity: usize) -> Self {
        let capacity = capacity.max(1);
        Dedupe {
            seen: HashSet::with_capacity_and_hasher(capacity, BuildHasherDefault::default()),
            order: VecDeque::with_capacity(capacity),
            capacity,
            keys: RandomState::new(),
        }
    }

    /// Records `message_id`; returns `true` the first time it is seen, `false` for a repeat of
    /// one of the last `capacity` distinct ids.
    pub fn first_time(&mut self, message_id: &str) -> bool {
        let h = self.keys.hash_one(message_id);
        if !self.seen.insert(h) {
            return false;
        }
        if self.order.len() == self.capacity
            && let Some(old) = self.order.pop_front()
        {
            self.seen.remove(&old);
        }
        self.order.push_back(h);
        true
    }

    /// Whether `message_id` is currently remembered (does not record it).
    pub fn contains(&self, message_id: &str) -> bool {
        self.seen.contains(&self.keys.hash_one(message_id))
    }

    /// How many ids are remembered now.
    pub fn len(&self) -> usize {
        self.order.len()
    }

    /// Whether nothing is remembered.
    pub fn is_empty(&self) -> bool {
        self.order.is_empty()
    }

    /// The most ids ever remembered.
    pub fn capacity(&self) -> usize {
        self.capacity
    }
}

/// The set's keys are already keyed hashes: hashing them again would only cost time.
#[derive(Default)]
struct PassThrough(u64);

impl Hasher for PassThrough {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        // Only `write_u64` is used by `HashSet<u64>`; fold anything else in for completeness.
        for b in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(*b);
        }
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_resend_with_the_same_id_is_dropped() {
        // docs/twitch.md §1.7: resends carry the same message_id.
        let mut d = Dedupe::new();
        assert!(d.first_time("befa7b53-d79d-478f-86b9-120f112b044e"));
        assert!(!d.first_time("befa7b53-d79d-478f-86b9-120f112b044e"));
        assert!(d.first_time("befa7b53-d79d-478f-86b9-120f112b044f"));
        assert_eq!(d.len(), 2);
    }

    #[test]
    fn memory_is_bounded_and_the_oldest_id_is_forgotten() {
        let mut d = Dedupe::with_capacity(3);
        for id in ["a", "b", "c", "d"] {
            assert!(d.first_time(id));
        }
        assert_eq!(d.len(), 3);
        assert!(!d.contains("a"), "oldest forgotten");
        assert!(d.contains("b") && d.contains("d"));
        // A repeat does not refresh or grow anything.
        assert!(!d.first_time("d"));
        assert_eq!(d.len(), 3);
        // "a" is new again once forgotten.
        assert!(d.first_time("a"));
        assert!(!d.contains("b"));
    }

    #[test]
    fn a_full_default_set_stays_at_capacity() {
        let mut d = Dedupe::new();
        for i in 0..(Dedupe::DEFAULT_CAPACITY + 1000) {
            assert!(d.first_time(&format!("id-{i}")));
        }
        assert_eq!(d.len(), Dedupe::DEFAULT_CAPACITY);
        assert!(d.seen.len() == d.order.len());
        // The last capacity ids are all still recognised.
        let last = Dedupe::DEFAULT_CAPACITY + 999;
        assert!(!d.first_time(&format!("id-{last}")));
        assert!(!d.first_time("id-1000"));
        assert!(d.first_time("id-999"));
    }

    #[test]
    fn zero_capacity_is_treated_as_one() {
        let mut d = Dedupe::with_capacity(0);
        assert!(d.first_time("x"));
        assert!(!d.first_time("x"));
        assert_eq!(d.capacity(), 1);
    }
}
