//! The events a node has claimed, per receiver: which are being sent and which wait for one of
//! their receiver's slots. Pure state, no I/O: the worker claims and sends.
//!
//! Waiting here rather than in the outbox is what lets one busy receiver drain its backlog at
//! its own pace: an event claimed for a receiver at its limit is kept instead of being handed
//! back and claimed again, and a receiver with enough waiting is left out of the next claim, so
//! that the others' events are claimed instead.
//!
//! A receiver whose last attempt failed is sent one event at a time, `Limits::pause` after the
//! failure, until one gets through: a receiver that is down costs the node (and the database,
//! which records every attempt) one attempt per pause, not its whole backlog at full speed.

use std::collections::{HashMap, VecDeque};
use std::time::{Duration, Instant};

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
    /// After a failed attempt, how long before the receiver is tried again (one at a time).
    pub pause: Duration,
}

/// What an attempt said of its receiver.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// It answered 2xx: full speed again.
    Up,
    /// No answer, or not a 2xx: paused, then one at a time.
    Failing,
    /// Nothing was sent (the event could not be, or its lease lapsed): no news.
    Unknown,
}

/// An item is anything that names its webhook.
pub trait ForWebhook {
    fn webhook(&self) -> WebhookId;
}

struct Receiver<T> {
    sending: usize,
    waiting: VecDeque<T>,
    /// Its last attempt failed: one attempt at a time, none before `paused_until`.
    failing: bool,
    paused_until: Option<Instant>,
}

impl<T> Receiver<T> {
    fn limit(&self, limits: &Limits) -> usize {
        if self.failing {
            1
        } else {
            limits.per_receiver
        }
    }

    /// Has something waiting and a free slot (paused or not).
    fn has_turn(&self, limits: &Limits) -> bool {
        !self.waiting.is_empty() && self.sending < self.limit(limits)
    }

    fn paused_at(&self, now: Instant) -> bool {
        self.paused_until.is_some_and(|until| now < until)
    }
}

pub struct Queues<T> {
    limits: Limits,
    receivers: HashMap<WebhookId, Receiver<T>>,
    /// Receivers in the order they get their next turn, so that none is passed over. An entry
    /// is checked when it comes up (a stale or repeated one is passed), so it only orders.
    turns: VecDeque<WebhookId>,
    /// Receivers with a turn once their pause is over.
    paused: Vec<WebhookId>,
    sending: usize,
    held: usize,
}

impl<T: ForWebhook> Queues<T> {
    pub fn new(limits: Limits) -> Self {
        Self {
            limits,
            receivers: HashMap::new(),
            turns: VecDeque::new(),
            paused: Vec::new(),
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
            failing: false,
            paused_until: None,
        });
        let listed = receiver.has_turn(&self.limits);
        receiver.waiting.push_back(item);
        self.held += 1;
        if !listed {
            self.turns.push_back(webhook);
        }
    }

    /// The next event to send at `now`, taking receivers in turn; none when the node or every
    /// receiver with something waiting is at its limit or paused.
    pub fn next(&mut self, now: Instant) -> Option<T> {
        if self.sending >= self.limits.in_flight {
            return None;
        }
        self.end_pauses(now);
        while let Some(webhook) = self.turns.pop_front() {
            let Some(receiver) = self.receivers.get_mut(&webhook) else {
                continue;
            };
            if !receiver.has_turn(&self.limits) {
                continue;
            }
            if receiver.paused_at(now) {
                if !self.paused.contains(&webhook) {
                    self.paused.push(webhook);
                }
                continue;
            }
            let item = receiver.waiting.pop_front()?;
            receiver.sending += 1;
            self.sending += 1;
            if receiver.has_turn(&self.limits) {
                self.turns.push_back(webhook);
            }
            return Some(item);
        }
        None
    }

    /// An attempt to `webhook` ended with `verdict` at `now`: its slot and its place in the
    /// node are free.
    pub fn finished(&mut self, webhook: WebhookId, verdict: Verdict, now: Instant) {
        let Some(receiver) = self.receivers.get_mut(&webhook) else {
            return;
        };
        // Measured before the slot is freed and the verdict applied: a receiver listed already
        // stays listed once; one that gains a turn (a free slot, or its limit back after a
        // success) is listed now. A paused one is listed again when its pause ends.
        let had_turn = receiver.has_turn(&self.limits);
        receiver.sending = receiver.sending.saturating_sub(1);
        self.sending = self.sending.saturating_sub(1);
        self.held = self.held.saturating_sub(1);
        match verdict {
            Verdict::Up => {
                receiver.failing = false;
                receiver.paused_until = None;
            }
            Verdict::Failing => {
                receiver.failing = true;
                receiver.paused_until = Some(now + self.limits.pause);
            }
            Verdict::Unknown => {}
        }
        let idle = receiver.sending == 0 && receiver.waiting.is_empty();
        if idle && !receiver.paused_at(now) {
            self.receivers.remove(&webhook);
        } else if !had_turn && receiver.has_turn(&self.limits) {
            self.turns.push_back(webhook);
        }
    }

    /// Gives the receivers whose pause is over their turn again.
    fn end_pauses(&mut self, now: Instant) {
        let receivers = &self.receivers;
        let turns = &mut self.turns;
        self.paused.retain(|webhook| match receivers.get(webhook) {
            Some(receiver) if receiver.paused_at(now) => true,
            Some(_) => {
                turns.push_back(*webhook);
                false
            }
            None => false,
        });
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
        pause: Duration::from_secs(2),
    };

    fn drain(queues: &mut Queues<Event>) -> Vec<Event> {
        drain_at(queues, Instant::now())
    }

    fn drain_at(queues: &mut Queues<Event>, now: Instant) -> Vec<Event> {
        std::iter::from_fn(|| queues.next(now)).collect()
    }

    fn done(queues: &mut Queues<Event>, webhook: WebhookId) {
        queues.finished(webhook, Verdict::Up, Instant::now());
    }

    #[test]
    fn a_receiver_gets_at_most_its_limit_and_the_rest_waits() {
        let a = WebhookId::new();
        let mut queues = Queues::new(LIMITS);
        for n in 0..3 {
            queues.accept(Event(a, n));
        }
        assert_eq!(drain(&mut queues), [Event(a, 0), Event(a, 1)]);
        done(&mut queues, a);
        assert_eq!(drain(&mut queues), [Event(a, 2)]);
        done(&mut queues, a);
        done(&mut queues, a);
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
        done(&mut queues, b);
        assert!(drain(&mut queues).is_empty());
        done(&mut queues, a);
        assert_eq!(drain(&mut queues), [Event(a, 2)]);
    }

    #[test]
    fn a_failing_receiver_is_paused_then_sent_one_at_a_time_until_it_answers() {
        let (a, b) = (WebhookId::new(), WebhookId::new());
        let mut queues = Queues::new(Limits {
            in_flight: 8,
            ..LIMITS
        });
        for n in 0..5 {
            queues.accept(Event(a, n));
        }
        let start = Instant::now();
        assert_eq!(drain_at(&mut queues, start), [Event(a, 0), Event(a, 1)]);
        // The first failure pauses it: the other attempt under way may end, nothing starts.
        queues.finished(a, Verdict::Failing, start);
        queues.finished(a, Verdict::Failing, start);
        queues.accept(Event(b, 0));
        assert_eq!(drain_at(&mut queues, start), [Event(b, 0)], "others go on");
        let later = start + Duration::from_millis(1999);
        assert!(drain_at(&mut queues, later).is_empty(), "paused");
        // After the pause: one attempt, and no other while it is under way.
        let after = start + Duration::from_secs(2);
        assert_eq!(drain_at(&mut queues, after), [Event(a, 2)]);
        assert!(drain_at(&mut queues, after).is_empty());
        queues.finished(a, Verdict::Failing, after);
        assert!(drain_at(&mut queues, after + Duration::from_secs(1)).is_empty());
        let again = after + Duration::from_secs(2);
        assert_eq!(drain_at(&mut queues, again), [Event(a, 3)]);
        // It answered: its full limit again, at once.
        queues.finished(a, Verdict::Up, again);
        queues.accept(Event(a, 5));
        assert_eq!(drain_at(&mut queues, again), [Event(a, 4), Event(a, 5)]);
    }

    #[test]
    fn an_idle_receiver_is_forgotten_once_its_pause_is_over() {
        let a = WebhookId::new();
        let mut queues = Queues::new(LIMITS);
        queues.accept(Event(a, 0));
        let start = Instant::now();
        assert_eq!(drain_at(&mut queues, start), [Event(a, 0)]);
        queues.finished(a, Verdict::Failing, start);
        // Still paused though nothing waits: a new event waits for the pause.
        queues.accept(Event(a, 1));
        assert!(drain_at(&mut queues, start).is_empty());
        let after = start + Duration::from_secs(2);
        assert_eq!(drain_at(&mut queues, after), [Event(a, 1)]);
        // Nothing was sent (its lease lapsed, say): no news, and nothing kept of it.
        queues.finished(a, Verdict::Unknown, after);
        assert!(queues.receivers.is_empty());
        assert_eq!(queues.room(), LIMITS.held);
    }
}
