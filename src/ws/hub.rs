//! The hub: which connections this node holds, by workspace and by visitor, and the routing of
//! events to them. It tracks only local connections and does no I/O: delivering is pushing
//! shared bytes into each recipient's bounded queue.
//!
//! Sharded by workspace so that no single lock is on every message's path; within a shard
//! deliveries take a read lock.

use std::collections::HashMap;
use std::hash::BuildHasher;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use bytestring::ByteString;
use parking_lot::RwLock;
use serde::Serialize;

use super::outbound::Outbound;
use super::protocol::{encode, AgentStatus, Close};
use crate::domain::{AgentId, VisitorId, WorkspaceId};

/// Shards of the registry; a power of two comfortably above the core count.
const SHARDS: usize = 64;

/// Identifies one connection of this node.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ConnId(u64);

impl ConnId {
    pub fn next() -> Self {
        static NEXT: AtomicU64 = AtomicU64::new(1);
        Self(NEXT.fetch_add(1, Ordering::Relaxed))
    }
}

struct AgentConn {
    agent_id: AgentId,
    status: AgentStatus,
    outbound: Arc<Outbound>,
}

#[derive(Default)]
struct Room {
    agents: HashMap<ConnId, AgentConn>,
    visitors: HashMap<VisitorId, Vec<(ConnId, Arc<Outbound>)>>,
}

impl Room {
    fn is_empty(&self) -> bool {
        self.agents.is_empty() && self.visitors.is_empty()
    }

    /// An agent's status over all its connections: online beats away beats offline.
    fn agent_status(&self, agent: AgentId) -> AgentStatus {
        let mut best = AgentStatus::Offline;
        for conn in self.agents.values().filter(|c| c.agent_id == agent) {
            match conn.status {
                AgentStatus::Online => return AgentStatus::Online,
                AgentStatus::Away => best = AgentStatus::Away,
                AgentStatus::Offline => {}
            }
        }
        best
    }

    /// Distinct agents whose status is online.
    fn agents_online(&self) -> usize {
        let mut online: Vec<AgentId> = self
            .agents
            .values()
            .filter(|c| c.status == AgentStatus::Online)
            .map(|c| c.agent_id)
            .collect();
        online.sort_unstable();
        online.dedup();
        online.len()
    }

    fn to_agents(&self, frame: &ByteString, except: Option<ConnId>) {
        for (id, conn) in &self.agents {
            if Some(*id) != except {
                conn.outbound.push(frame.clone());
            }
        }
    }

    fn to_all_visitors(&self, frame: &ByteString) {
        for conns in self.visitors.values() {
            for (_, outbound) in conns {
                outbound.push(frame.clone());
            }
        }
    }
}

#[derive(Serialize)]
struct VisitorPresence {
    #[serde(rename = "type")]
    kind: &'static str,
    visitor_id: VisitorId,
    online: bool,
}

#[derive(Serialize)]
struct AgentPresence {
    #[serde(rename = "type")]
    kind: &'static str,
    agent_id: AgentId,
    status: AgentStatus,
}

#[derive(Serialize)]
struct AgentsOnline {
    #[serde(rename = "type")]
    kind: &'static str,
    online: usize,
}

/// One shard of the open connections.
type Lobby = parking_lot::Mutex<HashMap<ConnId, Arc<Outbound>>>;

pub struct Hub {
    shards: Box<[RwLock<HashMap<WorkspaceId, Room>>]>,
    /// Every open connection, greeted or not, by id: what a shutdown must close.
    connections: Box<[Lobby]>,
    hasher: std::collections::hash_map::RandomState,
}

impl Default for Hub {
    fn default() -> Self {
        Self::new()
    }
}

impl Hub {
    pub fn new() -> Self {
        Self {
            shards: (0..SHARDS).map(|_| RwLock::new(HashMap::new())).collect(),
            connections: (0..SHARDS)
                .map(|_| parking_lot::Mutex::new(HashMap::new()))
                .collect(),
            hasher: std::collections::hash_map::RandomState::new(),
        }
    }

    fn shard(&self, workspace: WorkspaceId) -> &RwLock<HashMap<WorkspaceId, Room>> {
        &self.shards[self.hasher.hash_one(workspace) as usize % SHARDS]
    }

    fn lobby(&self, conn: ConnId) -> &Lobby {
        &self.connections[conn.0 as usize % SHARDS]
    }

    /// Records an open connection until the guard is dropped.
    pub fn connect(self: &Arc<Self>, conn: ConnId, outbound: Arc<Outbound>) -> Registration {
        self.lobby(conn).lock().insert(conn, outbound);
        metrics::gauge!("parley_ws_connections").increment(1.0);
        Registration {
            hub: self.clone(),
            kind: Registered::Connection { conn },
        }
    }

    /// Adds a greeted agent connection until the guard is dropped.
    pub fn register_agent(
        self: &Arc<Self>,
        workspace: WorkspaceId,
        conn: ConnId,
        agent: AgentId,
        outbound: Arc<Outbound>,
    ) -> Registration {
        self.add_agent(workspace, conn, agent, outbound);
        Registration {
            hub: self.clone(),
            kind: Registered::Agent {
                workspace,
                conn,
                agent,
            },
        }
    }

    /// Adds a greeted visitor connection until the guard is dropped.
    pub fn register_visitor(
        self: &Arc<Self>,
        workspace: WorkspaceId,
        visitor: VisitorId,
        conn: ConnId,
        outbound: Arc<Outbound>,
    ) -> Registration {
        self.add_visitor(workspace, visitor, conn, outbound);
        Registration {
            hub: self.clone(),
            kind: Registered::Visitor {
                workspace,
                visitor,
                conn,
            },
        }
    }

    /// Adds an agent connection (status online). Other agents learn of the agent's presence
    /// when its status changes; visitors learn when the count of online agents leaves zero.
    fn add_agent(
        &self,
        workspace: WorkspaceId,
        conn: ConnId,
        agent: AgentId,
        outbound: Arc<Outbound>,
    ) {
        self.change_agents(workspace, agent, conn, |room| {
            room.agents.insert(
                conn,
                AgentConn {
                    agent_id: agent,
                    status: AgentStatus::Online,
                    outbound,
                },
            );
        });
    }

    fn remove_agent(&self, workspace: WorkspaceId, conn: ConnId, agent: AgentId) {
        self.change_agents(workspace, agent, conn, |room| {
            room.agents.remove(&conn);
        });
    }

    pub fn set_agent_status(
        &self,
        workspace: WorkspaceId,
        conn: ConnId,
        agent: AgentId,
        status: AgentStatus,
    ) {
        self.change_agents(workspace, agent, conn, |room| {
            if let Some(c) = room.agents.get_mut(&conn) {
                c.status = status;
            }
        });
    }

    /// Applies `change` to the room and announces what it changed: the agent's status to the
    /// other agents, and the online count to visitors when it crosses zero.
    fn change_agents(
        &self,
        workspace: WorkspaceId,
        agent: AgentId,
        conn: ConnId,
        change: impl FnOnce(&mut Room),
    ) {
        let mut shard = self.shard(workspace).write();
        let room = shard.entry(workspace).or_default();
        let (status_before, online_before) = (room.agent_status(agent), room.agents_online());
        change(room);
        let (status_after, online_after) = (room.agent_status(agent), room.agents_online());
        if status_before != status_after {
            let frame = encode(&AgentPresence {
                kind: "presence",
                agent_id: agent,
                status: status_after,
            });
            room.to_agents(&frame, Some(conn));
        }
        if (online_before == 0) != (online_after == 0) {
            room.to_all_visitors(&encode(&AgentsOnline {
                kind: "agents",
                online: online_after,
            }));
        }
        if room.is_empty() {
            shard.remove(&workspace);
        }
    }

    fn add_visitor(
        &self,
        workspace: WorkspaceId,
        visitor: VisitorId,
        conn: ConnId,
        outbound: Arc<Outbound>,
    ) {
        let mut shard = self.shard(workspace).write();
        let room = shard.entry(workspace).or_default();
        let conns = room.visitors.entry(visitor).or_default();
        conns.push((conn, outbound));
        if conns.len() == 1 {
            let frame = encode(&VisitorPresence {
                kind: "presence",
                visitor_id: visitor,
                online: true,
            });
            room.to_agents(&frame, None);
        }
    }

    fn remove_visitor(&self, workspace: WorkspaceId, visitor: VisitorId, conn: ConnId) {
        let mut shard = self.shard(workspace).write();
        let Some(room) = shard.get_mut(&workspace) else {
            return;
        };
        let Some(conns) = room.visitors.get_mut(&visitor) else {
            return;
        };
        conns.retain(|(id, _)| *id != conn);
        if conns.is_empty() {
            room.visitors.remove(&visitor);
            let frame = encode(&VisitorPresence {
                kind: "presence",
                visitor_id: visitor,
                online: false,
            });
            room.to_agents(&frame, None);
        }
        if room.is_empty() {
            shard.remove(&workspace);
        }
    }

    /// Sends `frame` to every agent connection of the workspace but `except`.
    pub fn to_agents(&self, workspace: WorkspaceId, frame: &ByteString, except: Option<ConnId>) {
        if let Some(room) = self.shard(workspace).read().get(&workspace) {
            room.to_agents(frame, except);
        }
    }

    /// Sends `frame` to every connection of the visitor but `except`.
    pub fn to_visitor(
        &self,
        workspace: WorkspaceId,
        visitor: VisitorId,
        frame: &ByteString,
        except: Option<ConnId>,
    ) {
        if let Some(conns) = self
            .shard(workspace)
            .read()
            .get(&workspace)
            .and_then(|r| r.visitors.get(&visitor))
        {
            for (id, outbound) in conns {
                if Some(*id) != except {
                    outbound.push(frame.clone());
                }
            }
        }
    }

    /// Distinct agents of the workspace online on this node.
    pub fn agents_online(&self, workspace: WorkspaceId) -> usize {
        self.shard(workspace)
            .read()
            .get(&workspace)
            .map_or(0, Room::agents_online)
    }

    /// Whether the visitor has a connection on this node.
    pub fn visitor_online(&self, workspace: WorkspaceId, visitor: VisitorId) -> bool {
        self.shard(workspace)
            .read()
            .get(&workspace)
            .is_some_and(|r| r.visitors.contains_key(&visitor))
    }

    /// Statuses of the workspace's agents connected here.
    pub fn agent_statuses(&self, workspace: WorkspaceId) -> Vec<(AgentId, AgentStatus)> {
        let shard = self.shard(workspace).read();
        let Some(room) = shard.get(&workspace) else {
            return Vec::new();
        };
        let mut agents: Vec<AgentId> = room.agents.values().map(|c| c.agent_id).collect();
        agents.sort_unstable();
        agents.dedup();
        agents
            .into_iter()
            .map(|a| (a, room.agent_status(a)))
            .collect()
    }

    /// Closes every connection of an agent (deactivated, or signed out everywhere).
    pub fn close_agent(&self, workspace: WorkspaceId, agent: AgentId, reason: Close) {
        if let Some(room) = self.shard(workspace).read().get(&workspace) {
            for conn in room.agents.values().filter(|c| c.agent_id == agent) {
                conn.outbound.close(reason);
            }
        }
    }

    /// Closes every connection of this node, e.g. with 1012 on shutdown.
    pub fn close_all(&self, reason: Close) {
        for lobby in self.connections.iter() {
            for outbound in lobby.lock().values() {
                outbound.close(reason);
            }
        }
    }

    /// Open connections, greeted or not.
    pub fn connection_count(&self) -> usize {
        self.connections
            .iter()
            .map(|lobby| lobby.lock().len())
            .sum()
    }
}

enum Registered {
    Connection {
        conn: ConnId,
    },
    Agent {
        workspace: WorkspaceId,
        conn: ConnId,
        agent: AgentId,
    },
    Visitor {
        workspace: WorkspaceId,
        visitor: VisitorId,
        conn: ConnId,
    },
}

/// Keeps a connection registered in the hub; dropping it unregisters, whatever ended the
/// session (a close, an error, a cancelled handshake).
pub struct Registration {
    hub: Arc<Hub>,
    kind: Registered,
}

impl Drop for Registration {
    fn drop(&mut self) {
        match self.kind {
            Registered::Connection { conn } => {
                self.hub.lobby(conn).lock().remove(&conn);
                metrics::gauge!("parley_ws_connections").decrement(1.0);
            }
            Registered::Agent {
                workspace,
                conn,
                agent,
            } => self.hub.remove_agent(workspace, conn, agent),
            Registered::Visitor {
                workspace,
                visitor,
                conn,
            } => self.hub.remove_visitor(workspace, visitor, conn),
        }
    }
}
