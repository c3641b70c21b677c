//! The event bus: what the core publishes reaches this node's subscriber at once and the other
//! nodes through the broker, if there is one.

use std::sync::{Arc, OnceLock, Weak};
use std::time::Duration;

use super::presence::RemotePresence;
use super::{Broker, Envelope, NodeId, Snapshot, Subscriber};
use crate::domain::Event;

pub struct Bus {
    node: NodeId,
    broker: OnceLock<Arc<dyn Broker>>,
    subscriber: OnceLock<Weak<dyn Subscriber>>,
    /// Sees the events published on this node (not other nodes'): the core's own reactions.
    watcher: OnceLock<Weak<dyn Watcher>>,
    remote: RemotePresence,
}

/// A part of this node that reacts to what happens on it (e.g. the assigner).
pub trait Watcher: Send + Sync {
    fn on_local_event(&self, event: &Event);
}

impl Bus {
    pub fn new() -> Arc<Self> {
        let node = NodeId::new();
        Arc::new(Self {
            node,
            broker: OnceLock::new(),
            subscriber: OnceLock::new(),
            watcher: OnceLock::new(),
            remote: RemotePresence::new(node),
        })
    }

    pub fn node(&self) -> NodeId {
        self.node
    }

    /// Where events for other nodes go (once, at start-up).
    pub fn set_broker(&self, broker: Arc<dyn Broker>) {
        let _ = self.broker.set(broker);
    }

    /// Who gets this node's events (once, at start-up).
    pub fn subscribe(&self, subscriber: Weak<dyn Subscriber>) {
        let _ = self.subscriber.set(subscriber);
    }

    /// Who reacts to this node's own events (once, at start-up).
    pub fn watch(&self, watcher: Weak<dyn Watcher>) {
        let _ = self.watcher.set(watcher);
    }

    /// `None` for a node alone; otherwise whether the broker is connected.
    pub fn broker_up(&self) -> Option<bool> {
        self.broker.get().map(|b| b.is_up())
    }

    /// What other nodes have connected.
    pub fn remote(&self) -> &RemotePresence {
        &self.remote
    }

    fn subscriber(&self) -> Option<Arc<dyn Subscriber>> {
        self.subscriber.get().and_then(Weak::upgrade)
    }

    /// Delivers `event` on this node, then sends it to the others.
    pub fn publish(&self, event: Event) {
        if let Some(subscriber) = self.subscriber() {
            subscriber.on_event(&event, None);
        }
        if let Some(watcher) = self.watcher.get().and_then(Weak::upgrade) {
            watcher.on_local_event(&event);
        }
        if let Some(broker) = self.broker.get() {
            broker.publish(Envelope {
                node: self.node,
                event,
            });
        }
    }

    /// An event another node published (this node's own come back from Redis: ignored).
    pub fn receive(&self, envelope: Envelope) {
        if envelope.node == self.node {
            return;
        }
        if let Some(subscriber) = self.subscriber() {
            subscriber.on_event(&envelope.event, Some(envelope.node));
        }
    }

    /// What this node has connected, for the other nodes.
    pub fn snapshot(&self) -> Snapshot {
        self.subscriber().map(|s| s.snapshot()).unwrap_or_default()
    }

    /// Takes the other nodes' latest snapshots (with the age of each) and tells the subscriber
    /// what that changed.
    pub fn update_remote(&self, snapshots: Vec<(NodeId, Snapshot, Duration)>) {
        let gone = self.remote.update(snapshots);
        if let Some(subscriber) = self.subscriber() {
            subscriber.remote_presence_changed(&gone);
        }
    }
}
