//! The hub: which connections this node holds, by workspace and by visitor, and the routing of
//! events to them. Delivering is pushing shared bytes into each recipient's bounded queue; the
//! hub does no I/O itself. What other nodes must hear goes to the broker; what they publish
//! comes back through `receive`. Presence is counted over the cluster: this node's rooms plus
//! the snapshots other nodes publish.
//!
//! Sharded by workspace so that no single lock is on every message's path; within a shard
//! deliveries take a read lock.

use std::collections::{HashMap, HashSet};
use std::hash::BuildHasher;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use bytestring::ByteString;
use parking_lot::{Mutex, RwLock};
use serde::Serialize;

use super::outbound::Outbound;
use super::protocol::{encode, AgentStatus, Close};
use super::sequencer::{Delivery, Sequencer};
use crate::cluster::{Broker, Envelope, Event, LocalBroker, NodeId, Snapshot};
use crate::domain::{AgentId, VisitorId, WorkspaceId};
use crate::store::DynStore;

/// Shards of the registry; a power of two comfortably above the core count.
const SHARDS: usize = 64;
/// Another node's presence counts this long after its last snapshot: a node that dies stops
/// counting within this bound.
pub const REMOTE_PRESENCE_TTL: Duration = Duration::from_secs(10);

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
    /// What this room's visitors last heard of online agents (zero or not).
    announced_online: Option<bool>,
}

impl Room {
    fn is_empty(&self) -> bool {
        self.agents.is_empty() && self.visitors.is_empty()
    }

    /// An agent's status over all its local connections: online beats away beats offline.
    fn agent_status(&self, agent: AgentId) -> AgentStatus {
        best_status(
            self.agents
                .values()
                .filter(|c| c.agent_id == agent)
                .map(|c| c.status),
        )
    }

    fn local_agents(&self) -> impl Iterator<Item = (AgentId, AgentStatus)> + '_ {
        self.agents.values().map(|c| (c.agent_id, c.status))
    }

    fn to_agents(&self, frame: &ByteString, except: Option<ConnId>) {
        for (id, conn) in &self.agents {
            if Some(*id) != except {
                conn.outbound.push(frame.clone());
            }
        }
    }

    fn to_visitor(&self, visitor: VisitorId, frame: &ByteString, except: Option<ConnId>) {
        for (id, outbound) in self.visitors.get(&visitor).into_iter().flatten() {
            if Some(*id) != except {
                outbound.push(frame.clone());
            }
        }
    }

    fn to_all_visitors(&self, frame: &ByteString) {
        for (_, outbound) in self.visitors.values().flatten() {
            outbound.push(frame.clone());
        }
    }
}

fn best_status(statuses: impl Iterator<Item = AgentStatus>) -> AgentStatus {
    let mut best = AgentStatus::Offline;
    for status in statuses {
        match status {
            AgentStatus::Online => return AgentStatus::Online,
            AgentStatus::Away => best = AgentStatus::Away,
            AgentStatus::Offline => {}
        }
    }
    best
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

/// Another node's presence: its last snapshot, and the visitor changes it announced since.
struct RemoteNode {
    snapshot: Snapshot,
    seen: Instant,
    /// Visitors that came or went after `snapshot.at`: online or not, and when (sender's clock).
    changes: HashMap<(WorkspaceId, VisitorId), (bool, f64)>,
}

impl RemoteNode {
    fn has_visitor(&self, key: &(WorkspaceId, VisitorId)) -> bool {
        match self.changes.get(key) {
            Some((online, _)) => *online,
            None => self.snapshot.visitors.contains(key),
        }
    }

    fn visitors(&self) -> impl Iterator<Item = (WorkspaceId, VisitorId)> + '_ {
        let kept = self
            .snapshot
            .visitors
            .iter()
            .filter(|k| !self.changes.contains_key(k));
        let added = self
            .changes
            .iter()
            .filter(|(_, (online, _))| *online)
            .map(|(k, _)| k);
        kept.chain(added).copied()
    }

    /// Takes a newer snapshot; the changes it already reflects are forgotten.
    fn replace_snapshot(&mut self, snapshot: Snapshot, seen: Instant) {
        self.changes.retain(|_, (_, at)| *at > snapshot.at);
        self.snapshot = snapshot;
        self.seen = seen;
    }
}

/// One shard of the open connections.
type Lobby = Mutex<HashMap<ConnId, Arc<Outbound>>>;

pub struct Hub {
    node: NodeId,
    shards: Box<[RwLock<HashMap<WorkspaceId, Room>>]>,
    /// Every open connection, greeted or not, by id: what a shutdown must close.
    connections: Box<[Lobby]>,
    hasher: std::collections::hash_map::RandomState,
    broker: OnceLock<Arc<dyn Broker>>,
    sequencer: Sequencer,
    remote: RwLock<HashMap<NodeId, RemoteNode>>,
}

impl Hub {
    pub fn new(store: DynStore) -> Self {
        Self {
            node: NodeId::new(),
            shards: (0..SHARDS).map(|_| RwLock::new(HashMap::new())).collect(),
            connections: (0..SHARDS).map(|_| Mutex::new(HashMap::new())).collect(),
            hasher: std::collections::hash_map::RandomState::new(),
            broker: OnceLock::new(),
            sequencer: Sequencer::new(store),
            remote: RwLock::new(HashMap::new()),
        }
    }

    pub fn node(&self) -> NodeId {
        self.node
    }

    /// Sets where events for other nodes go (once, at start-up).
    pub fn set_broker(&self, broker: Arc<dyn Broker>) {
        let _ = self.broker.set(broker);
    }

    pub fn broker_up(&self) -> Option<bool> {
        self.broker.get().and_then(|b| b.is_up())
    }

    pub fn sequencer(&self) -> &Sequencer {
        &self.sequencer
    }

    fn publish(&self, workspace: WorkspaceId, event: Event) {
        let broker: &dyn Broker = match self.broker.get() {
            Some(broker) => broker.as_ref(),
            None => &LocalBroker,
        };
        broker.publish(Envelope {
            node: self.node,
            workspace,
            event,
        });
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

    /// Adds a greeted agent connection (status online) until the guard is dropped.
    pub fn register_agent(
        self: &Arc<Self>,
        workspace: WorkspaceId,
        conn: ConnId,
        agent: AgentId,
        outbound: Arc<Outbound>,
    ) -> Registration {
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
        let first = {
            let mut shard = self.shard(workspace).write();
            let room = shard.entry(workspace).or_default();
            let conns = room.visitors.entry(visitor).or_default();
            conns.push((conn, outbound));
            conns.len() == 1
        };
        if first {
            self.visitor_presence_changed(workspace, visitor, true);
        }
        self.announce_agents_online(workspace);
        Registration {
            hub: self.clone(),
            kind: Registered::Visitor {
                workspace,
                visitor,
                conn,
            },
        }
    }

    fn remove_visitor(&self, workspace: WorkspaceId, visitor: VisitorId, conn: ConnId) {
        let last = {
            let mut shard = self.shard(workspace).write();
            let Some(room) = shard.get_mut(&workspace) else {
                return;
            };
            let Some(conns) = room.visitors.get_mut(&visitor) else {
                return;
            };
            conns.retain(|(id, _)| *id != conn);
            let last = conns.is_empty();
            if last {
                room.visitors.remove(&visitor);
            }
            if room.is_empty() {
                shard.remove(&workspace);
            }
            last
        };
        if last {
            self.visitor_presence_changed(workspace, visitor, false);
        }
    }

    /// This node's first connection of a visitor opened (or its last closed): other nodes
    /// learn it as an event, and this node's agents get a `presence` frame unless the visitor
    /// is (still) connected to another node.
    fn visitor_presence_changed(&self, workspace: WorkspaceId, visitor: VisitorId, online: bool) {
        self.publish(
            workspace,
            Event::VisitorPresence {
                visitor,
                online,
                at: crate::cluster::now_secs(),
            },
        );
        if !self.remote_visitor_online(workspace, visitor) {
            self.visitor_presence_to_local_agents(workspace, visitor, online);
        }
    }

    fn visitor_presence_to_local_agents(
        &self,
        workspace: WorkspaceId,
        visitor: VisitorId,
        online: bool,
    ) {
        let frame = encode(&VisitorPresence {
            kind: "presence",
            visitor_id: visitor,
            online,
        });
        if let Some(room) = self.shard(workspace).read().get(&workspace) {
            room.to_agents(&frame, None);
        }
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

    /// Applies `change` to the room, then announces what it changed: the agent's status to
    /// every agent of the workspace (on every node), and the online count to this node's
    /// visitors when it crosses zero.
    fn change_agents(
        &self,
        workspace: WorkspaceId,
        agent: AgentId,
        conn: ConnId,
        change: impl FnOnce(&mut Room),
    ) {
        let before = self.agent_status_everywhere(workspace, agent);
        {
            let mut shard = self.shard(workspace).write();
            let room = shard.entry(workspace).or_default();
            change(room);
            if room.is_empty() {
                shard.remove(&workspace);
            }
        }
        let after = self.agent_status_everywhere(workspace, agent);
        if before != after {
            let frame = encode(&AgentPresence {
                kind: "presence",
                agent_id: agent,
                status: after,
            });
            self.to_agents(workspace, &frame, Some(conn));
        }
        self.announce_agents_online(workspace);
    }

    /// Tells this node's visitors of the workspace when the online-agent count crossed zero
    /// since they last heard.
    fn announce_agents_online(&self, workspace: WorkspaceId) {
        let online = self.agents_online(workspace);
        let mut shard = self.shard(workspace).write();
        let Some(room) = shard.get_mut(&workspace) else {
            return;
        };
        let now = online > 0;
        match room.announced_online {
            Some(before) if before != now => {
                room.to_all_visitors(&encode(&AgentsOnline {
                    kind: "agents",
                    online,
                }));
            }
            _ => {}
        }
        room.announced_online = Some(now);
    }

    /// For every agent connection of the workspace but `except`, on every node.
    pub fn to_agents(&self, workspace: WorkspaceId, frame: &ByteString, except: Option<ConnId>) {
        if let Some(room) = self.shard(workspace).read().get(&workspace) {
            room.to_agents(frame, except);
        }
        self.publish(
            workspace,
            Event::Agents {
                frame: frame.to_string(),
            },
        );
    }

    /// For every connection of the visitor but `except`, on every node.
    pub fn to_visitor(
        &self,
        workspace: WorkspaceId,
        visitor: VisitorId,
        frame: &ByteString,
        except: Option<ConnId>,
    ) {
        if let Some(room) = self.shard(workspace).read().get(&workspace) {
            room.to_visitor(visitor, frame, except);
        }
        self.publish(
            workspace,
            Event::Visitor {
                visitor,
                frame: frame.to_string(),
            },
        );
    }

    /// A committed message: to every node, then to this node's connections in `seq` order.
    pub fn deliver_message(self: &Arc<Self>, delivery: Delivery) {
        self.publish(
            delivery.workspace,
            Event::Message {
                conversation: delivery.conversation,
                visitor: delivery.visitor,
                seq: delivery.seq,
                note: delivery.note,
                frame: delivery.frame.to_string(),
            },
        );
        self.sequencer.deliver(self, delivery);
    }

    /// Hands a message, in its turn, to this node's connections: agents always, the visitor
    /// unless it is a note, the sender its `sent` instead.
    pub fn push_message(&self, delivery: &Delivery) {
        let sender = delivery.sender.as_ref().map(|(conn, _, _)| *conn);
        if let Some(room) = self
            .shard(delivery.workspace)
            .read()
            .get(&delivery.workspace)
        {
            room.to_agents(&delivery.frame, sender);
            if !delivery.note {
                room.to_visitor(delivery.visitor, &delivery.frame, sender);
            }
        }
        if let Some((_, outbound, sent)) = &delivery.sender {
            outbound.push(sent.clone());
        }
    }

    /// An event another node published.
    pub fn receive(self: &Arc<Self>, envelope: Envelope) {
        if envelope.node == self.node {
            return;
        }
        let workspace = envelope.workspace;
        match envelope.event {
            Event::Agents { frame } => {
                if let Some(room) = self.shard(workspace).read().get(&workspace) {
                    room.to_agents(&ByteString::from(frame), None);
                }
            }
            Event::Visitor { visitor, frame } => {
                if let Some(room) = self.shard(workspace).read().get(&workspace) {
                    room.to_visitor(visitor, &ByteString::from(frame), None);
                }
            }
            Event::Message {
                conversation,
                visitor,
                seq,
                note,
                frame,
            } => {
                let frame = ByteString::from(frame);
                self.sequencer.deliver(
                    self,
                    Delivery {
                        workspace,
                        conversation,
                        visitor,
                        seq,
                        note,
                        frame,
                        sender: None,
                    },
                );
            }
            Event::CloseAgent { agent } => {
                self.close_local_agent(workspace, agent, Close::Unauthorized)
            }
            Event::VisitorPresence {
                visitor,
                online,
                at,
            } => {
                let was = self.visitor_online(workspace, visitor);
                self.remote
                    .write()
                    .entry(envelope.node)
                    .or_insert_with(|| RemoteNode {
                        snapshot: Snapshot::default(),
                        seen: Instant::now(),
                        changes: HashMap::new(),
                    })
                    .changes
                    .insert((workspace, visitor), (online, at));
                if self.visitor_online(workspace, visitor) != was {
                    self.visitor_presence_to_local_agents(workspace, visitor, !was);
                }
            }
        }
    }

    /// What this node has connected, for the other nodes' presence counts.
    pub fn snapshot(&self) -> Snapshot {
        let mut snapshot = Snapshot::default();
        for shard in self.shards.iter() {
            for (workspace, room) in shard.read().iter() {
                let mut agents: Vec<AgentId> = room.agents.values().map(|c| c.agent_id).collect();
                agents.sort_unstable();
                agents.dedup();
                snapshot.agents.extend(
                    agents
                        .into_iter()
                        .map(|a| (*workspace, a, room.agent_status(a))),
                );
                snapshot
                    .visitors
                    .extend(room.visitors.keys().map(|v| (*workspace, *v)));
            }
        }
        snapshot
    }

    /// Replaces what is known of other nodes (with the age of each one's last heartbeat), forgets
    /// nodes not heard of within `REMOTE_PRESENCE_TTL`, and tells local connections what
    /// changed: visitors that went offline everywhere, and online-agent counts crossing zero.
    pub fn update_remote(&self, snapshots: Vec<(NodeId, Snapshot, Duration)>) {
        let now = Instant::now();
        let before = self.remote_visitors();
        {
            let mut remote = self.remote.write();
            for (node, snapshot, age) in snapshots {
                if node != self.node {
                    let seen = now.checked_sub(age).unwrap_or(now);
                    match remote.get_mut(&node) {
                        Some(known) => known.replace_snapshot(snapshot, seen),
                        None => {
                            remote.insert(
                                node,
                                RemoteNode {
                                    snapshot,
                                    seen,
                                    changes: HashMap::new(),
                                },
                            );
                        }
                    }
                }
            }
            remote.retain(|_, r| now.duration_since(r.seen) < REMOTE_PRESENCE_TTL);
        }
        let after = self.remote_visitors();
        for (workspace, visitor) in before.difference(&after) {
            if !self.local_visitor_online(*workspace, *visitor) {
                self.visitor_presence_to_local_agents(*workspace, *visitor, false);
            }
        }
        let workspaces: Vec<WorkspaceId> = self
            .shards
            .iter()
            .flat_map(|s| s.read().keys().copied().collect::<Vec<_>>())
            .collect();
        for workspace in workspaces {
            self.announce_agents_online(workspace);
        }
    }

    fn remote_visitors(&self) -> HashSet<(WorkspaceId, VisitorId)> {
        self.remote
            .read()
            .values()
            .flat_map(RemoteNode::visitors)
            .collect()
    }

    fn remote_visitor_online(&self, workspace: WorkspaceId, visitor: VisitorId) -> bool {
        self.remote
            .read()
            .values()
            .any(|r| r.has_visitor(&(workspace, visitor)))
    }

    fn local_visitor_online(&self, workspace: WorkspaceId, visitor: VisitorId) -> bool {
        self.shard(workspace)
            .read()
            .get(&workspace)
            .is_some_and(|r| r.visitors.contains_key(&visitor))
    }

    /// Every known status of the workspace's agents, here and on other nodes.
    fn statuses_everywhere(&self, workspace: WorkspaceId) -> Vec<(AgentId, AgentStatus)> {
        let mut statuses: Vec<(AgentId, AgentStatus)> = self
            .shard(workspace)
            .read()
            .get(&workspace)
            .map(|room| room.local_agents().collect())
            .unwrap_or_default();
        for node in self.remote.read().values() {
            statuses.extend(
                node.snapshot
                    .agents
                    .iter()
                    .filter(|(w, _, _)| *w == workspace)
                    .map(|(_, a, s)| (*a, *s)),
            );
        }
        statuses
    }

    fn agent_status_everywhere(&self, workspace: WorkspaceId, agent: AgentId) -> AgentStatus {
        best_status(
            self.statuses_everywhere(workspace)
                .into_iter()
                .filter(|(a, _)| *a == agent)
                .map(|(_, s)| s),
        )
    }

    /// Distinct agents of the workspace online, on any node.
    pub fn agents_online(&self, workspace: WorkspaceId) -> usize {
        let online: HashSet<AgentId> = self
            .statuses_everywhere(workspace)
            .into_iter()
            .filter(|(_, s)| *s == AgentStatus::Online)
            .map(|(a, _)| a)
            .collect();
        online.len()
    }

    /// Whether the visitor has a connection on any node.
    pub fn visitor_online(&self, workspace: WorkspaceId, visitor: VisitorId) -> bool {
        self.local_visitor_online(workspace, visitor)
            || self.remote_visitor_online(workspace, visitor)
    }

    /// The status of each connected agent of the workspace, over every node.
    pub fn agent_statuses(&self, workspace: WorkspaceId) -> Vec<(AgentId, AgentStatus)> {
        let mut by_agent: HashMap<AgentId, Vec<AgentStatus>> = HashMap::new();
        for (agent, status) in self.statuses_everywhere(workspace) {
            by_agent.entry(agent).or_default().push(status);
        }
        let mut statuses: Vec<(AgentId, AgentStatus)> = by_agent
            .into_iter()
            .map(|(a, s)| (a, best_status(s.into_iter())))
            .collect();
        statuses.sort_unstable_by_key(|(a, _)| *a);
        statuses
    }

    /// Closes every connection of an agent, on every node (deactivated or removed).
    pub fn close_agent(&self, workspace: WorkspaceId, agent: AgentId, reason: Close) {
        self.close_local_agent(workspace, agent, reason);
        self.publish(workspace, Event::CloseAgent { agent });
    }

    fn close_local_agent(&self, workspace: WorkspaceId, agent: AgentId, reason: Close) {
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

    /// Open connections of this node, greeted or not.
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
            } => self.hub.change_agents(workspace, agent, conn, |room| {
                room.agents.remove(&conn);
            }),
            Registered::Visitor {
                workspace,
                visitor,
                conn,
            } => self.hub.remove_visitor(workspace, visitor, conn),
        }
    }
}
