//! The hub: which connections this node holds, by workspace and by visitor, and the routing of
//! the core's events to them (`routing.rs`). Delivering is pushing shared bytes into each
//! recipient's bounded queue; the hub does no socket I/O itself. It is the bus's subscriber on
//! this node, and answers the core's presence questions: this node's rooms plus what other
//! nodes announce (`cluster::presence`).
//!
//! Sharded by workspace so that no single lock is on every message's path; within a shard
//! deliveries take a read lock.

mod focus;
mod rooms;
mod routing;
mod typing;

pub use focus::Focus;

use std::collections::{HashMap, HashSet};
use std::hash::BuildHasher;
use std::sync::{Arc, Weak};

use parking_lot::{Mutex, RwLock};

use super::outbound::Outbound;
use super::protocol::{Close, ServerFrame};
use super::sequencer::Sequencer;
use crate::chat::presence::Presence;
use crate::chat::Chat;
use crate::cluster::{now_secs, Bus, NodeId, Snapshot, Subscriber};
use crate::domain::{AgentId, AgentStatus, ConnId, Event, VisitorId, WorkspaceId};
use rooms::{AgentConn, Room};
use routing::Delivery;

/// Shards of the registry; a power of two comfortably above the core count.
const SHARDS: usize = 64;
/// How often focused agent connections get their `activity` frame, at most: each in its
/// turn among `ACTIVITY_SLOTS`, one slot per tick, so that no tick writes to every agent.
const ACTIVITY_INTERVAL: std::time::Duration = std::time::Duration::from_millis(500);
const ACTIVITY_SLOTS: u64 = 10;

/// One shard of the open connections.
type Lobby = Mutex<HashMap<ConnId, Arc<Outbound>>>;

pub struct Hub {
    me: Weak<Hub>,
    chat: Chat,
    bus: Arc<Bus>,
    shards: Box<[RwLock<HashMap<WorkspaceId, Room>>]>,
    /// Every open connection, greeted or not, by id: what a shutdown must close.
    connections: Box<[Lobby]>,
    hasher: std::collections::hash_map::RandomState,
    sequencer: Sequencer<Delivery>,
    /// This node's HTTP-transport streams.
    streams: Arc<super::http::Streams>,
}

impl Hub {
    /// This node's HTTP-transport streams.
    pub fn streams(&self) -> &Arc<super::http::Streams> {
        &self.streams
    }

    /// A hub subscribed to the core's bus and answering its presence questions.
    pub fn start(chat: Chat) -> Arc<Self> {
        let bus = chat.bus().clone();
        let hub = Arc::new_cyclic(|me| Self {
            me: me.clone(),
            chat: chat.clone(),
            bus,
            shards: (0..SHARDS).map(|_| RwLock::new(HashMap::new())).collect(),
            connections: (0..SHARDS).map(|_| Mutex::new(HashMap::new())).collect(),
            hasher: std::collections::hash_map::RandomState::new(),
            sequencer: Sequencer::new(),
            streams: Arc::default(),
        });
        let subscriber: Weak<dyn Subscriber> = Arc::downgrade(&hub) as Weak<dyn Subscriber>;
        hub.bus.subscribe(subscriber);
        let presence: Weak<dyn Presence> = Arc::downgrade(&hub) as Weak<dyn Presence>;
        chat.set_presence(presence);
        let ticking = Arc::downgrade(&hub);
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(ACTIVITY_INTERVAL / ACTIVITY_SLOTS as u32);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            for slot in (0..ACTIVITY_SLOTS).cycle() {
                tick.tick().await;
                let Some(hub) = ticking.upgrade() else {
                    return;
                };
                hub.flush_activity(slot);
            }
        });
        hub
    }

    /// The focused agent connections of `slot` get what they were kept since their last
    /// `activity` frame.
    fn flush_activity(&self, slot: u64) {
        for shard in self.shards.iter() {
            for room in shard.read().values() {
                room.flush_activity(slot, ACTIVITY_SLOTS);
            }
        }
    }

    fn shard(&self, workspace: WorkspaceId) -> &RwLock<HashMap<WorkspaceId, Room>> {
        &self.shards[self.hasher.hash_one(workspace) as usize % SHARDS]
    }

    fn lobby(&self, conn: ConnId) -> &Lobby {
        &self.connections[conn.0 as usize % SHARDS]
    }

    fn registration(&self, kind: Registered) -> Registration {
        Registration {
            hub: self.me.clone(),
            kind,
        }
    }

    /// Records an open connection until the guard is dropped.
    pub fn connect(&self, conn: ConnId, outbound: Arc<Outbound>) -> Registration {
        self.lobby(conn).lock().insert(conn, outbound);
        metrics::gauge!("parley_ws_connections").increment(1.0);
        self.registration(Registered::Connection { conn })
    }

    /// Adds a greeted agent connection, with the status the agent chose, until the guard is
    /// dropped.
    pub fn register_agent(
        &self,
        workspace: WorkspaceId,
        conn: ConnId,
        agent: AgentId,
        status: AgentStatus,
        outbound: Arc<Outbound>,
        focus: Option<Arc<Focus>>,
    ) -> Registration {
        self.change_agents(workspace, agent, conn, |room| {
            room.agents.insert(
                conn,
                AgentConn {
                    agent_id: agent,
                    status,
                    outbound,
                    focus,
                },
            );
        });
        self.registration(Registered::Agent {
            workspace,
            conn,
            agent,
        })
    }

    /// Adds a greeted visitor connection until the guard is dropped.
    pub fn register_visitor(
        &self,
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
        self.registration(Registered::Visitor {
            workspace,
            visitor,
            conn,
        })
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
            self.chat.visitor_left(workspace, visitor);
        }
    }

    /// This node's first connection of a visitor opened, or its last closed: the bus tells
    /// this node's agents (unless the visitor is connected elsewhere) and the other nodes.
    fn visitor_presence_changed(&self, workspace: WorkspaceId, visitor: VisitorId, online: bool) {
        self.bus.publish(Event::VisitorPresence {
            workspace,
            visitor,
            online,
            at: now_secs(),
        });
    }

    /// An agent chose a status in connection `conn`: every node applies it to all the
    /// agent's connections (this one through its own bus), and its tabs and the workspace's
    /// other agents are told.
    pub fn choose_agent_status(
        &self,
        workspace: WorkspaceId,
        conn: ConnId,
        agent: AgentId,
        status: AgentStatus,
    ) {
        self.bus.publish(Event::AgentStatusChosen {
            workspace,
            agent,
            status,
            from: Some(conn),
        });
    }

    /// Applies a chosen status to this node's connections of the agent. The node where it was
    /// chosen announces it: the agent's status is now this wherever it is connected (other
    /// nodes' presence snapshots catch up within their period).
    fn apply_chosen_status(
        &self,
        workspace: WorkspaceId,
        agent: AgentId,
        status: AgentStatus,
        chosen_in: Option<ConnId>,
    ) {
        {
            let mut shard = self.shard(workspace).write();
            if let Some(room) = shard.get_mut(&workspace) {
                for conn in room.agents.values_mut().filter(|c| c.agent_id == agent) {
                    conn.status = status;
                }
            }
        }
        if let Some(conn) = chosen_in {
            self.bus.publish(Event::AgentPresence {
                workspace,
                agent,
                status,
                from: Some(conn),
            });
        }
        self.announce_agents_online(workspace);
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
            self.bus.publish(Event::AgentPresence {
                workspace,
                agent,
                status: after,
                from: Some(conn),
            });
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
        if room.announced_online.is_some_and(|before| before != now) {
            room.to_all_visitors(&ServerFrame::Agents { online }.encode());
        }
        room.announced_online = Some(now);
    }

    fn local_visitor_online(&self, workspace: WorkspaceId, visitor: VisitorId) -> bool {
        self.shard(workspace)
            .read()
            .get(&workspace)
            .is_some_and(|r| r.visitors.contains_key(&visitor))
    }

    /// Every known status of the workspace's agent connections, here and on other nodes.
    fn statuses_everywhere(&self, workspace: WorkspaceId) -> Vec<(AgentId, AgentStatus)> {
        let mut statuses: Vec<(AgentId, AgentStatus)> = self
            .shard(workspace)
            .read()
            .get(&workspace)
            .map(|room| room.local_agents().collect())
            .unwrap_or_default();
        statuses.extend(self.bus.remote().agent_statuses(workspace));
        statuses
    }

    fn agent_status_everywhere(&self, workspace: WorkspaceId, agent: AgentId) -> AgentStatus {
        AgentStatus::best(
            self.statuses_everywhere(workspace)
                .into_iter()
                .filter(|(a, _)| *a == agent)
                .map(|(_, s)| s),
        )
    }

    /// The status of each connected agent of the workspace, over every node.
    pub fn agent_statuses(&self, workspace: WorkspaceId) -> Vec<(AgentId, AgentStatus)> {
        let mut by_agent: HashMap<AgentId, Vec<AgentStatus>> = HashMap::new();
        for (agent, status) in self.statuses_everywhere(workspace) {
            by_agent.entry(agent).or_default().push(status);
        }
        let mut statuses: Vec<(AgentId, AgentStatus)> = by_agent
            .into_iter()
            .map(|(a, s)| (a, AgentStatus::best(s)))
            .collect();
        statuses.sort_unstable_by_key(|(a, _)| *a);
        statuses
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

impl Presence for Hub {
    fn visitor_online(&self, workspace: WorkspaceId, visitor: VisitorId) -> bool {
        self.local_visitor_online(workspace, visitor)
            || self.bus.remote().visitor_online(workspace, visitor)
    }

    fn agents_online(&self, workspace: WorkspaceId) -> usize {
        let online: HashSet<AgentId> = self
            .statuses_everywhere(workspace)
            .into_iter()
            .filter(|(_, s)| *s == AgentStatus::Online)
            .map(|(a, _)| a)
            .collect();
        online.len()
    }

    fn online_agents(&self, workspace: WorkspaceId) -> Vec<AgentId> {
        let mut online: Vec<AgentId> = self
            .statuses_everywhere(workspace)
            .into_iter()
            .filter(|(_, s)| *s == AgentStatus::Online)
            .map(|(a, _)| a)
            .collect();
        online.sort_unstable();
        online.dedup();
        online
    }

    fn agent_statuses(&self, workspace: WorkspaceId) -> Vec<(AgentId, AgentStatus)> {
        Hub::agent_statuses(self, workspace)
    }

    fn any_online(&self, workspace: WorkspaceId, agents: &[AgentId]) -> bool {
        self.statuses_everywhere(workspace)
            .into_iter()
            .any(|(a, s)| s == AgentStatus::Online && agents.contains(&a))
    }
}

impl Subscriber for Hub {
    fn on_event(&self, event: &Event, from: Option<NodeId>) {
        self.route(event, from);
    }

    /// What this node has connected, for the other nodes' presence counts.
    fn snapshot(&self) -> Snapshot {
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

    fn remote_presence_changed(&self, gone: &[(WorkspaceId, VisitorId)]) {
        for (workspace, visitor) in gone {
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
    hub: Weak<Hub>,
    kind: Registered,
}

impl Drop for Registration {
    fn drop(&mut self) {
        let Some(hub) = self.hub.upgrade() else {
            return;
        };
        match self.kind {
            Registered::Connection { conn } => {
                hub.lobby(conn).lock().remove(&conn);
                metrics::gauge!("parley_ws_connections").decrement(1.0);
            }
            Registered::Agent {
                workspace,
                conn,
                agent,
            } => hub.change_agents(workspace, agent, conn, |room| {
                room.agents.remove(&conn);
            }),
            Registered::Visitor {
                workspace,
                visitor,
                conn,
            } => hub.remove_visitor(workspace, visitor, conn),
        }
    }
}
