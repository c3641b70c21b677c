//! Several nodes as one: what a node tells the others, and through what.
//!
//! A `Broker` carries `Envelope`s between nodes. Alone, a node uses `LocalBroker`, which
//! carries nothing; with `REDIS_URL`, `RedisBroker` publishes on Redis and hands what other
//! nodes publish to the local hub. The database stays the source of truth: anything a broker
//! loses, clients recover with `sync`.

pub mod redis;

use serde::{Deserialize, Serialize};

use crate::domain::{AgentId, ConversationId, VisitorId, WorkspaceId};
use crate::ws::protocol::AgentStatus;

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

/// One event for the connections of other nodes. Frames travel already serialised, so a
/// receiving node forwards the same bytes to its sessions.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Event {
    /// For every agent of the workspace.
    Agents { frame: String },
    /// For every connection of one visitor.
    Visitor { visitor: VisitorId, frame: String },
    /// A committed message: ordered by `seq` on each node.
    Message {
        conversation: ConversationId,
        visitor: VisitorId,
        seq: i64,
        note: bool,
        frame: String,
    },
    /// An agent was deactivated or removed: close its sockets everywhere.
    CloseAgent { agent: AgentId },
    /// A visitor's first connection on the sending node opened, or its last one closed. Other
    /// nodes hold it as part of the sender's presence until a newer snapshot says the same,
    /// so a node that dies before its next snapshot still takes its visitors offline.
    VisitorPresence {
        visitor: VisitorId,
        online: bool,
        /// Unix seconds on the sender's clock, comparable with `Snapshot::at`.
        at: f64,
    },
}

/// Now, in Unix seconds (the clock of `Snapshot::at`).
pub fn now_secs() -> f64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs_f64())
        .unwrap_or_default()
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Envelope {
    pub node: NodeId,
    pub workspace: WorkspaceId,
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

    /// `None` when there is nothing to be up (a single node); otherwise whether the broker is
    /// connected right now.
    fn is_up(&self) -> Option<bool>;
}

/// A node alone: nothing to tell anyone.
pub struct LocalBroker;

impl Broker for LocalBroker {
    fn publish(&self, _: Envelope) {}

    fn is_up(&self) -> Option<bool> {
        None
    }
}
