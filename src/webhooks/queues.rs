//! The events a node has claimed, per receiver: which are being sent and which wait for one of
//! their receiver's slots. Pure state, no I/O: the worker claims and sends.
//!
//! Waiting here rather than in the outbox is what lets one busy receiver drain its backlog at
//! its own pace: an event claimed for a receiver at its limit is kept instead of being handed
//! back and claimed again, and a receiver with enough waiting is left out of the next claim, so
//! that the others' events are claimed instead.

use std::collections::{HashMap, VecDeque};

use crate::domain::WebhookId;

/// How many attempts at once, and how many claimed events a node holds.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// Attempts under way on the node.
    pub in_flight: usize,
    /// Attempts under way to one webhook.
    pub per_receiver: usize,
    /// Claimed events of one webhook waiting for one of its attempts to end, past which it is
    /// left out of claims (a claim may still bring it more: it is never handed back).
    pub waiting_per_receiver: usize,
    /// Claimed events held by the node, sending or waiting.
    pub held: usize,
}

/// An item is anything that names its webhook.
pub trait ForWebhook {
    fn webhook(&self) -> WebhookId;
}

struct Receiver<T> {
    sending: usize,
    waiting: VecDeque<T>,
}

pub struct Queues<T> {
    limits: Limits,
    receivers: HashMap<WebhookId, Receiver<T>>,
    /// Receivers in the order they get their next turn, so that none is passed over.
    turns: VecDeque<WebhookId>,
    sending: usize,
    held: usize,
}

impl<T: ForWebhook> Queues<T> {
    pub fn new(limits: Limits) -> Self {
        Self {
            limits,
            receivers: HashMap::new(),
            turns: VecDeque::new(),
            sending: 0,
            held: 0,
        }
    }

    /// How many more events the node may claim now.
    pub fn room(&self) -> usize {
        self.limits.held.saturating_sub(self.held)
    }

    /// Receivers with as many events waiting as they may: not to be claimed for.
    pub fn full(&self) -> Vec<WebhookId> {
        self.receivers
            .iter()
            .filter(|(_, r)| r.waiting.len() >= self.limits.waiting_per_receiver)
            .map(|(id, _)| *id)
            .collect()
    }

    /// Keeps a claimed event until its receiver has a slot. The claim asked for no more than
    /// `room`, so the node's bound holds.
    pub fn accept(&mut self, item: T) {
        let webhook = item.webhook();
        let receiver = self.receivers.entry(webhook).or_insert_with(|| Receiver {
            sending: 0,
            waiting: VecDeque::new(),
        });
        if receiver.waiting.is_empty() && receiver.sending < self.limits.per_receiver {
            self.turns.push_back(webhook);
        }
        receiver.waiting.push_back(item);
        self.held += 1;
    }

    /// The next event to send, taking receivers in turn; none when the node or every
    /// receiver with something waiting is at its limit.
    pub fn next(&mut self) -> Option<T> {
        if self.sending >= self.limits.in_flight {
            return None;
        }
        let webhook = self.turns.pop_front()?;
        let receiver = self.receivers.get_mut(&webhook)?;
        let item = receiver.waiting.pop_front()?;
        receiver.sending += 1;
        self.sending += 1;
        if !receiver.waiting.is_empty() && receiver.sending < self.limits.per_receiver {
            self.turns.push_back(webhook);
        }
        Some(item)
    }

    /// An attempt to `webhook` ended: its slot and its place in the node are free.
    pub fn finished(&mut self, webhook: WebhookId) {
        let Some(receiver) = self.receivers.get_mut(&webhook) else {
            return;
        };
        let was_at_limit = receiver.sending >= self.limits.per_receiver;
        receiver.sending = receiver.sending.saturating_sub(1);
        self.sending = self.sending.saturating_sub(1);
        self.held = self.held.saturating_sub(1);
        if receiver.sending == 0 && receiver.waiting.is_empty() {
            self.receivers.remove(&webhook);
        } else if was_at_limit && !receiver.waiting.is_empty() {
            self.turns.push_back(webhook);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, PartialEq)]
    struct Event(WebhookId, u32);

    impl ForWebhook for Event {
        fn webhook(&self) -> WebhookId {
            self.0
        }
    }

    const LIMITS: Limits = Limits {
        in_flight: 3,
        per_receiver: 2,
        waiting_per_receiver: 3,
        held: 8,
    };

    fn drain(queues: &mut Queues<Event>) -> Vec<Event> {
        std::iter::from_fn(|| queues.next()).collect()
    }

    #[test]
    fn a_receiver_gets_at_most_its_limit_and_the_rest_waits() {
        let a = WebhookId::new();
        let mut queues = Queues::new(LIMITS);
        for n in 0..3 {
            queues.accept(Event(a, n));
        }
        assert_eq!(drain(&mut queues), [Event(a, 0), Event(a, 1)]);
        queues.finished(a);
        assert_eq!(drain(&mut queues), [Event(a, 2)]);
        queues.finished(a);
        queues.finished(a);
        assert!(drain(&mut queues).is_empty());
        assert_eq!(queues.room(), 8);
    }

    #[test]
    fn a_receiver_with_enough_waiting_is_named_until_it_sends() {
        let (a, b) = (WebhookId::new(), WebhookId::new());
        let mut queues = Queues::new(LIMITS);
        for n in 0..4 {
            queues.accept(Event(a, n));
        }
        queues.accept(Event(b, 0));
        assert_eq!(queues.full(), [a]);
        assert_eq!(queues.room(), 3);
        // Sending makes room in its queue again.
        assert_eq!(drain(&mut queues).len(), 3);
        assert!(queues.full().is_empty());
    }

    #[test]
    fn receivers_take_turns_within_the_nodes_limit() {
        let (a, b) = (WebhookId::new(), WebhookId::new());
        let mut queues = Queues::new(LIMITS);
        for n in 0..3 {
            queues.accept(Event(a, n));
        }
        queues.accept(Event(b, 0));
        let first = drain(&mut queues);
        assert_eq!(first, [Event(a, 0), Event(b, 0), Event(a, 1)]);
        // The node is at its limit; when b's attempt ends, a is still at its own.
        queues.finished(b);
        assert!(drain(&mut queues).is_empty());
        queues.finished(a);
        assert_eq!(drain(&mut queues), [Event(a, 2)]);
    }
}
