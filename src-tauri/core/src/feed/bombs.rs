//! Gift bombs: a `community_sub_gift` told by chat folds the individual `sub_gift`s of the same
//! bomb into its row (their recipients), whether they arrive after it or before it (then their
//! own rows are removed). A bomb also told by `channel.subscription.gift` is shown once, as
//! that row (`link.rs`).

use super::link::Link;
use super::{Actor, Details, FeedUpdate, StreamEvent};
use chrono::{DateTime, Utc};
use std::collections::{HashMap, VecDeque};

/// An individual gift of a bomb that was shown before its bomb.
#[derive(Debug)]
struct LooseGift {
    /// The row shown for it.
    row_id: String,
    /// Its recipient.
    recipient: Option<Actor>,
}

/// The bombs and loose gifts still waiting for each other.
#[derive(Debug, Default)]
pub(super) struct Bombs {
    /// Gift bombs seen: (channel, bomb id) → the row that shows the bomb.
    bombs: HashMap<(String, String), StreamEvent>,
    /// Insertion order of `bombs`, for pruning.
    bomb_order: VecDeque<((String, String), DateTime<Utc>)>,
    /// Individual gifts shown before their bomb: (channel, bomb id) → rows.
    loose: HashMap<(String, String), Vec<LooseGift>>,
    /// Insertion order of `loose`, for pruning.
    loose_order: VecDeque<((String, String), DateTime<Utc>)>,
}

impl Bombs {
    /// A gift bomb row (chat `community_sub_gift`), `link` what the two-source link made of
    /// it: folds the bomb's individual gifts that arrived before it.
    pub(super) fn bomb(
        &mut self,
        row: StreamEvent,
        bomb: Option<String>,
        link: Link,
    ) -> Vec<FeedUpdate> {
        let Some(bomb) = bomb else {
            return match link {
                Link::New => vec![FeedUpdate::Added(row)],
                Link::Shown | Link::ShownAs(_) => Vec::new(),
            };
        };
        let key = (row.channel_id.clone(), bomb);
        let (mut shown, is_new) = match link {
            // Shown already from EventSub: that row absorbs this bomb's gifts.
            Link::ShownAs(existing) => (*existing, false),
            Link::Shown => return Vec::new(),
            Link::New => (row, true),
        };
        let mut out = Vec::new();
        if let Some(loose) = self.loose.remove(&key) {
            let ids = loose.iter().map(|g| g.row_id.clone()).collect();
            for g in loose {
                add_recipient(&mut shown, g.recipient);
            }
            out.push(FeedUpdate::Removed { channel_id: shown.channel_id.clone(), ids });
            if !is_new {
                out.push(FeedUpdate::Updated(shown.clone()));
            }
        }
        if is_new {
            out.push(FeedUpdate::Added(shown.clone()));
        }
        self.bomb_order.push_back((key.clone(), shown.occurred_at));
        self.bombs.insert(key, shown);
        out
    }

    /// An individual gift of bomb `bomb`: folded into the bomb's row when it is known, else
    /// shown on its own and remembered so a later bomb can fold it.
    pub(super) fn gift(
        &mut self,
        row: StreamEvent,
        bomb: String,
        recipient: Option<Actor>,
    ) -> Vec<FeedUpdate> {
        let key = (row.channel_id.clone(), bomb);
        if let Some(shown) = self.bombs.get_mut(&key) {
            add_recipient(shown, recipient);
            return vec![FeedUpdate::Updated(shown.clone())];
        }
        let entry = self.loose.entry(key.clone()).or_default();
        if entry.is_empty() {
            self.loose_order.push_back((key, row.occurred_at));
        }
        entry.push(LooseGift { row_id: row.id.clone(), recipient });
        vec![FeedUpdate::Added(row)]
    }

    /// Forgets bombs and loose gifts older than `cut` (event time), and the oldest beyond
    /// `max`.
    pub(super) fn prune(&mut self, cut: DateTime<Utc>, max: usize) {
        while let Some((_, at)) = self.bomb_order.front() {
            if *at >= cut && self.bomb_order.len() <= max {
                break;
            }
            if let Some((key, _)) = self.bomb_order.pop_front() {
                self.bombs.remove(&key);
            }
        }
        // Loose gifts whose bomb never came stay individual rows; stop tracking them.
        while let Some((_, at)) = self.loose_order.front() {
            if *at >= cut && self.loose_order.len() <= max {
                break;
            }
            if let Some((key, _)) = self.loose_order.pop_front() {
                self.loose.remove(&key);
            }
        }
    }
}

fn add_recipient(row: &mut StreamEvent, recipient: Option<Actor>) {
    if let (Details::CommunitySubGift { recipients, .. }, Some(r)) = (&mut row.details, recipient)
        && !recipients.contains(&r)
    {
        recipients.push(r);
    }
}
