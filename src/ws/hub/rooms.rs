//! This node's greeted connections of one workspace: its agents (with their status) and its
//! visitors, and the pushing of shared frame bytes into their queues.

use std::collections::HashMap;
use std::sync::Arc;

use bytestring::ByteString;
use parking_lot::Mutex;

use super::super::outbound::Outbound;
use super::focus::{Focus, Summary};
use super::typing::Typing;
use crate::domain::{AgentId, AgentStatus, ConnId, ConversationId, Message, VisitorId};

pub struct AgentConn {
    pub agent_id: AgentId,
    pub status: AgentStatus,
    pub outbound: Arc<Outbound>,
    /// Set for a `focused` subscription; `None` receives everything.
    pub focus: Option<Arc<Focus>>,
}

impl AgentConn {
    /// Whether this connection gets a conversation's typing, reads and viewers.
    fn follows(&self, conversation: ConversationId) -> bool {
        self.focus.as_ref().is_none_or(|f| f.shows(conversation))
    }
}

#[derive(Default)]
pub struct Room {
    pub agents: HashMap<ConnId, AgentConn>,
    pub visitors: HashMap<VisitorId, Vec<(ConnId, Arc<Outbound>)>>,
    /// What this room's visitors last heard of online agents (zero or not).
    pub announced_online: Option<bool>,
    /// Who is typing where: told to a connection when it starts watching a conversation.
    pub typing: Mutex<Typing>,
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

    /// A message to the agents: in full to those who show its conversation, kept for the
    /// next `activity` frame by the others.
    pub fn message_to_agents(&self, message: &Message, frame: &ByteString, except: Option<ConnId>) {
        let mut summary: Option<Arc<Summary>> = None;
        for (id, conn) in &self.agents {
            if Some(*id) == except {
                continue;
            }
            let in_full = conn.focus.as_ref().is_none_or(|f| {
                f.offer(message.conversation_id, || {
                    summary
                        .get_or_insert_with(|| Arc::new(Summary::of(message)))
                        .clone()
                })
            });
            if in_full {
                conn.outbound.push(frame.clone());
            }
        }
    }
    /// A visitor came or went: unfocused agents are told now, focused ones in their next
    /// `activity` frame.
    pub fn visitor_presence_to_agents(&self, visitor: VisitorId, online: bool, frame: &ByteString) {
        for conn in self.agents.values() {
            match &conn.focus {
                Some(focus) => focus.presence(visitor, online),
                None => {
                    conn.outbound.push(frame.clone());
                }
            }
        }
    }

    /// A frame about one conversation (typing, read, viewing) to the agents following it.
    pub fn to_agents_following(
        &self,
        conversation: ConversationId,
        frame: &ByteString,
        except: Option<ConnId>,
    ) {
        for (id, conn) in &self.agents {
            if Some(*id) != except && conn.follows(conversation) {
                conn.outbound.push(frame.clone());
            }
        }
    }

    /// A conversation's assignee or status changed: focused connections follow its
    /// assignment.
    pub fn assignment_changed(
        &self,
        conversation: ConversationId,
        assignee: Option<AgentId>,
        open: bool,
    ) {
        for conn in self.agents.values() {
            if let Some(focus) = &conn.focus {
                focus.assignment(conversation, open && assignee == Some(conn.agent_id));
            }
        }
    }

    /// Sends the focused connections of one flush slot what they were kept since their last
    /// `activity` frame (connections are spread over `slots`, so that a node's flushes are too).
    pub fn flush_activity(&self, slot: u64, slots: u64) {
        for (id, conn) in &self.agents {
            if id.0 % slots != slot {
                continue;
            }
            if let Some(frame) = conn.focus.as_ref().and_then(|f| f.take()) {
                conn.outbound.push(frame);
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
