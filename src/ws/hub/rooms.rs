//! This node's greeted connections of one workspace: its agents (with their status) and its
//! visitors, and the pushing of shared frame bytes into their queues.

use std::collections::HashMap;
use std::sync::Arc;

use bytestring::ByteString;

use super::super::outbound::Outbound;
use crate::domain::{AgentId, AgentStatus, ConnId, VisitorId};

pub struct AgentConn {
    pub agent_id: AgentId,
    pub status: AgentStatus,
    pub outbound: Arc<Outbound>,
}

#[derive(Default)]
pub struct Room {
    pub agents: HashMap<ConnId, AgentConn>,
    pub visitors: HashMap<VisitorId, Vec<(ConnId, Arc<Outbound>)>>,
    /// What this room's visitors last heard of online agents (zero or not).
    pub announced_online: Option<bool>,
}

impl Room {
    pub fn is_empty(&self) -> bool {
        self.agents.is_empty() && self.visitors.is_empty()
    }

    /// An agent's status over all its connections here.
    pub fn agent_status(&self, agent: AgentId) -> AgentStatus {
        AgentStatus::best(
            self.agents
                .values()
                .filter(|c| c.agent_id == agent)
                .map(|c| c.status),
        )
    }

    pub fn local_agents(&self) -> impl Iterator<Item = (AgentId, AgentStatus)> + '_ {
        self.agents.values().map(|c| (c.agent_id, c.status))
    }

    pub fn to_agents(&self, frame: &ByteString, except: Option<ConnId>) {
        for (id, conn) in &self.agents {
            if Some(*id) != except {
                conn.outbound.push(frame.clone());
            }
        }
    }

    pub fn to_visitor(&self, visitor: VisitorId, frame: &ByteString, except: Option<ConnId>) {
        for (id, outbound) in self.visitors.get(&visitor).into_iter().flatten() {
            if Some(*id) != except {
                outbound.push(frame.clone());
            }
        }
    }

    pub fn to_all_visitors(&self, frame: &ByteString) {
        for (_, outbound) in self.visitors.values().flatten() {
            outbound.push(frame.clone());
        }
    }

    pub fn close_visitor(&self, visitor: VisitorId, reason: super::super::protocol::Close) {
        for (_, outbound) in self.visitors.get(&visitor).into_iter().flatten() {
            outbound.close(reason);
        }
    }

    pub fn close_agent(&self, agent: AgentId, reason: super::super::protocol::Close) {
        for conn in self.agents.values().filter(|c| c.agent_id == agent) {
            conn.outbound.close(reason);
        }
    }
}
