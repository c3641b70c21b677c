//! Presence questions the core and the HTTP API ask of whoever holds the connections (the
//! WebSocket hub, over the whole cluster): the core never tracks connections itself.

use crate::domain::{AgentId, VisitorId, WorkspaceId};

pub trait Presence: Send + Sync {
    /// Whether the visitor has a connection on any node.
    fn visitor_online(&self, workspace: WorkspaceId, visitor: VisitorId) -> bool;

    /// Distinct agents of the workspace online (not away), on any node.
    fn agents_online(&self, workspace: WorkspaceId) -> usize;

    /// The workspace's agents online (not away), on any node.
    fn online_agents(&self, workspace: WorkspaceId) -> Vec<AgentId>;

    /// The status of each connected agent of the workspace (away included), on any node.
    fn agent_statuses(&self, workspace: WorkspaceId) -> Vec<(AgentId, crate::domain::AgentStatus)>;

    /// Whether any of `agents` is online (not away), on any node.
    fn any_online(&self, workspace: WorkspaceId, agents: &[AgentId]) -> bool;
}
