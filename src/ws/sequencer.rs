//! Per-conversation delivery order on this node, as a pure state machine.
//!
//! Messages of one conversation reach a node from its own writer and, in a cluster, from other
//! nodes through the broker, in any order. The sequencer says what may go out now, strictly in
//! `seq` order: an item that comes early waits and the gap before it is to be read from the
//! database (`fill_after`), an item already handed out is returned as `stale` (its sender still
//! gets its reply). It does no I/O: the hub reads the gap and hands the result to `filled`.

use std::collections::{BTreeMap, HashMap};
use std::time::{Duration, Instant};

use parking_lot::Mutex;

use crate::domain::ConversationId;

/// Conversations remembered per shard before idle ones are forgotten.
const REMEMBERED: usize = 20_000;
/// A conversation untouched this long may be forgotten.
const IDLE: Duration = Duration::from_secs(600);
const SHARDS: usize = 16;

struct Order<T> {
    /// The highest seq handed out.
    last: i64,
    waiting: BTreeMap<i64, T>,
    filling: bool,
    touched: Instant,
}

impl<T> Order<T> {
    /// Takes `item`: hands it out (with what waited behind it) or keeps it until the gap
    /// before it is filled. Returns a duplicate as stale.
    fn take(&mut self, seq: i64, item: T, ready: &mut Vec<T>) -> Option<T> {
        if seq <= self.last {
            return Some(item);
        }
        if seq != self.last + 1 {
            self.waiting.insert(seq, item);
            return None;
        }
        self.last = seq;
        ready.push(item);
        while let Some(entry) = self.waiting.first_entry() {
            if *entry.key() > self.last + 1 {
                break;
            }
            let (next, waited) = entry.remove_entry();
            if next == self.last + 1 {
                self.last = next;
                ready.push(waited);
            }
        }
        None
    }

    /// Asks for a fill when something waits behind a gap and none is under way.
    fn fill_needed(&mut self) -> Option<i64> {
        if self.waiting.is_empty() || self.filling {
            return None;
        }
        self.filling = true;
        Some(self.last)
    }
}

/// What to do after an offer or a fill.
pub struct Step<T> {
    /// To hand out now, in `seq` order.
    pub ready: Vec<T>,
    /// Handed out already (e.g. read from the database to fill a gap).
    pub stale: Option<T>,
    /// Read the messages after this seq from the database and pass them to `filled`.
    pub fill_after: Option<i64>,
}

/// One shard of the conversations' orders.
type Shard<T> = Mutex<HashMap<ConversationId, Order<T>>>;

pub struct Sequencer<T> {
    shards: Box<[Shard<T>]>,
}

impl<T> Default for Sequencer<T> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T> Sequencer<T> {
    pub fn new() -> Self {
        Self {
            shards: (0..SHARDS).map(|_| Mutex::new(HashMap::new())).collect(),
        }
    }

    fn shard(&self, conversation: ConversationId) -> &Shard<T> {
        &self.shards[(conversation.0.as_u128() % SHARDS as u128) as usize]
    }

    /// One item of `conversation` with its `seq`.
    pub fn offer(&self, conversation: ConversationId, seq: i64, item: T) -> Step<T> {
        let now = Instant::now();
        let mut shard = self.shard(conversation).lock();
        if shard.len() > REMEMBERED {
            shard.retain(|_, o| {
                o.filling || !o.waiting.is_empty() || now.duration_since(o.touched) < IDLE
            });
        }
        let order = shard.entry(conversation).or_insert_with(|| Order {
            // First sight of this conversation here: nothing older is owed.
            last: seq - 1,
            waiting: BTreeMap::new(),
            filling: false,
            touched: now,
        });
        order.touched = now;
        let mut ready = Vec::new();
        let stale = order.take(seq, item, &mut ready);
        let fill_after = order.fill_needed();
        Step {
            ready,
            stale,
            fill_after,
        }
    }

    /// What the database had after the gap: handed out in order where it fits; what still
    /// waits behind another gap asks for one more fill.
    pub fn filled(
        &self,
        conversation: ConversationId,
        items: impl IntoIterator<Item = (i64, T)>,
    ) -> Step<T> {
        let mut shard = self.shard(conversation).lock();
        let mut ready = Vec::new();
        let Some(order) = shard.get_mut(&conversation) else {
            return Step {
                ready,
                stale: None,
                fill_after: None,
            };
        };
        order.filling = false;
        for (seq, item) in items {
            // A filled item already handed out is simply dropped: it has no sender.
            let _ = order.take(seq, item, &mut ready);
        }
        let fill_after = order.fill_needed();
        Step {
            ready,
            stale: None,
            fill_after,
        }
    }

    /// The gap could not be read: what waits goes out now, in order (clients `sync` the hole).
    pub fn give_up(&self, conversation: ConversationId) -> Vec<T> {
        let mut shard = self.shard(conversation).lock();
        let Some(order) = shard.get_mut(&conversation) else {
            return Vec::new();
        };
        order.filling = false;
        let waiting = std::mem::take(&mut order.waiting);
        if let Some(last) = waiting.keys().next_back() {
            order.last = *last;
        }
        waiting.into_values().collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn conversation() -> ConversationId {
        ConversationId(uuid::Uuid::now_v7())
    }

    #[test]
    fn items_in_order_go_out_at_once() {
        let sequencer = Sequencer::new();
        let c = conversation();
        for seq in 5..8 {
            let step = sequencer.offer(c, seq, seq);
            assert_eq!(step.ready, vec![seq]);
            assert!(step.stale.is_none() && step.fill_after.is_none());
        }
    }

    #[test]
    fn an_early_item_waits_and_asks_once_for_the_gap() {
        let sequencer = Sequencer::new();
        let c = conversation();
        sequencer.offer(c, 1, 1);
        let step = sequencer.offer(c, 4, 4);
        assert!(step.ready.is_empty());
        assert_eq!(step.fill_after, Some(1));
        // Another early one while the fill is under way asks for nothing more.
        let step = sequencer.offer(c, 5, 5);
        assert_eq!((step.ready.len(), step.fill_after), (0, None));
        // The fill brings 2..=5 from the database: 2 and 3 go out, then what waited (4, 5);
        // the database's own 4 and 5 are dropped as already handed out.
        let step = sequencer.filled(c, [(2, 20), (3, 30), (4, 40), (5, 50)]);
        assert_eq!(step.ready, vec![20, 30, 4, 5]);
        assert_eq!(step.fill_after, None);
        assert_eq!(sequencer.offer(c, 6, 6).ready, vec![6]);
    }

    #[test]
    fn the_gap_filling_itself_needs_no_database() {
        let sequencer = Sequencer::new();
        let c = conversation();
        sequencer.offer(c, 1, 1);
        assert_eq!(sequencer.offer(c, 3, 3).fill_after, Some(1));
        // 2 arrives live before the fill answers.
        assert_eq!(sequencer.offer(c, 2, 2).ready, vec![2, 3]);
        let step = sequencer.filled(c, [(2, 20), (3, 30)]);
        assert!(step.ready.is_empty() && step.fill_after.is_none());
    }

    #[test]
    fn a_duplicate_is_returned_as_stale() {
        let sequencer = Sequencer::new();
        let c = conversation();
        sequencer.offer(c, 1, 1);
        sequencer.offer(c, 2, 2);
        let step = sequencer.offer(c, 2, 22);
        assert_eq!((step.ready.len(), step.stale), (0, Some(22)));
    }

    #[test]
    fn a_gap_left_after_a_fill_asks_for_another() {
        let sequencer = Sequencer::new();
        let c = conversation();
        sequencer.offer(c, 1, 1);
        assert_eq!(sequencer.offer(c, 900, 900).fill_after, Some(1));
        // One page of the database is not enough to reach 900.
        let step = sequencer.filled(c, (2..=501).map(|s| (s, s)));
        assert_eq!(step.ready.len(), 500);
        assert_eq!(step.fill_after, Some(501));
        let step = sequencer.filled(c, (502..=900).map(|s| (s, s)));
        assert_eq!(step.ready.len(), 399);
        assert_eq!(step.ready.last(), Some(&900));
        assert_eq!(step.fill_after, None);
    }

    #[test]
    fn giving_up_hands_out_what_waits_in_order() {
        let sequencer = Sequencer::new();
        let c = conversation();
        sequencer.offer(c, 1, 1);
        sequencer.offer(c, 5, 5);
        sequencer.offer(c, 3, 3);
        assert_eq!(sequencer.give_up(c), vec![3, 5]);
        assert_eq!(sequencer.offer(c, 6, 6).ready, vec![6]);
    }

    #[test]
    fn the_first_item_of_a_conversation_sets_its_start() {
        let sequencer = Sequencer::new();
        let c = conversation();
        assert_eq!(sequencer.offer(c, 41, 41).ready, vec![41]);
        assert_eq!(sequencer.offer(c, 40, 40).stale, Some(40));
    }
}
