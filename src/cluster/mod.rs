//! Several nodes as one: the event bus, what a node tells the others, and through what.
//!
//! The core publishes typed events on the `Bus`; the bus hands each to this node's subscriber
//! (the WebSocket hub) and, in a cluster, to a `Broker` that carries it to the other nodes,
//! whose buses hand it to their subscribers. A node alone has no broker. With `REDIS_URL`,
//! `RedisBroker` publishes on Redis. The database stays the source of truth: anything a
//! broker loses, clients recover with `sync`.
//!
//! This module knows the core's events (`domain::Event`), never sessions or frames.

pub mod bus;
pub mod counters;
pub mod presence;
pub mod redis;

use serde::{Deserialize, Serialize};

use crate::domain::{AgentId, AgentStatus, Event, VisitorId, WorkspaceId};

pub use bus::Bus;

/// Identifies one running node; new at every start.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct NodeId(pub uuid::Uuid);

impl NodeId {
    pub fn new() -> Self {
        Self(uuid::Uuid::new_v4())
    }
}

impl Default for NodeId {
    fn default() -> Self {
        Self::new()
    }
}

/// Now, in Unix seconds (the clock of `Snapshot::at` and of presence events).
pub fn now_secs() -> f64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs_f64())
        .unwrap_or_default()
}

/// An event on its way between nodes.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Envelope {
    pub node: NodeId,
    pub event: Event,
}

/// What one node has connected, as other nodes count it (presence across the cluster).
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Snapshot {
    /// When the node took it, in Unix seconds: its age is the node's silence.
    #[serde(default)]
    pub at: f64,
    pub agents: Vec<(WorkspaceId, AgentId, AgentStatus)>,
    pub visitors: Vec<(WorkspaceId, VisitorId)>,
}

/// Carries events to the other nodes.
pub trait Broker: Send + Sync {
    /// Sends without waiting; an event that cannot be sent is dropped (clients `sync`).
    fn publish(&self, envelope: Envelope);

    /// Whether the broker is connected right now.
    fn is_up(&self) -> bool;
}

/// What the bus delivers to on this node: the transport that holds the connections.
pub trait Subscriber: Send + Sync {
    /// An event published on this node (`from` is `None`) or on another one.
    fn on_event(&self, event: &Event, from: Option<NodeId>);

    /// What this node has connected, for the other nodes' presence.
    fn snapshot(&self) -> Snapshot;

    /// Other nodes' presence was refreshed: `gone` were online only elsewhere and are no more;
    /// online-agent counts may have changed.
    fn remote_presence_changed(&self, gone: &[(WorkspaceId, VisitorId)]);
}
