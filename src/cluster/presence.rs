//! Other nodes' presence: each node's last snapshot, plus the visitors it announced since
//! (so that a node dying before its next snapshot still takes them offline), forgotten
//! `REMOTE_PRESENCE_TTL` after the node was last heard of.

use std::collections::{HashMap, HashSet};
use std::time::{Duration, Instant};

use parking_lot::RwLock;

use super::{NodeId, Snapshot};
use crate::domain::{AgentId, AgentStatus, VisitorId, WorkspaceId};

/// Another node's presence counts this long after its last snapshot: a node that dies stops
/// counting within this bound.
pub const REMOTE_PRESENCE_TTL: Duration = Duration::from_secs(10);

type VisitorKey = (WorkspaceId, VisitorId);

struct RemoteNode {
    snapshot: Snapshot,
    seen: Instant,
    /// Visitors that came or went after `snapshot.at`: online or not, and when (its clock).
    changes: HashMap<VisitorKey, (bool, f64)>,
}

impl RemoteNode {
    fn new(snapshot: Snapshot, seen: Instant) -> Self {
        Self {
            snapshot,
            seen,
            changes: HashMap::new(),
        }
    }

    fn has_visitor(&self, key: &VisitorKey) -> bool {
        match self.changes.get(key) {
            Some((online, _)) => *online,
            None => self.snapshot.visitors.contains(key),
        }
    }

    fn visitors(&self) -> impl Iterator<Item = VisitorKey> + '_ {
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

pub struct RemotePresence {
    own: NodeId,
    nodes: RwLock<HashMap<NodeId, RemoteNode>>,
}

impl RemotePresence {
    pub fn new(own: NodeId) -> Self {
        Self {
            own,
            nodes: RwLock::new(HashMap::new()),
        }
    }

    /// Takes the latest snapshots (with the age of each), forgets nodes not heard of within
    /// the TTL, and returns the visitors that were online elsewhere before and are not now.
    pub fn update(&self, snapshots: Vec<(NodeId, Snapshot, Duration)>) -> Vec<VisitorKey> {
        self.update_at(snapshots, Instant::now())
    }

    fn update_at(
        &self,
        snapshots: Vec<(NodeId, Snapshot, Duration)>,
        now: Instant,
    ) -> Vec<VisitorKey> {
        let before = self.visitors();
        {
            let mut nodes = self.nodes.write();
            for (node, snapshot, age) in snapshots {
                if node == self.own {
                    continue;
                }
                let seen = now.checked_sub(age).unwrap_or(now);
                match nodes.get_mut(&node) {
                    Some(known) => known.replace_snapshot(snapshot, seen),
                    None => {
                        nodes.insert(node, RemoteNode::new(snapshot, seen));
                    }
                }
            }
            nodes.retain(|_, n| now.duration_since(n.seen) < REMOTE_PRESENCE_TTL);
        }
        let after = self.visitors();
        before.difference(&after).copied().collect()
    }

    /// A visitor came to `node` or left it, at `at` on its clock.
    pub fn note_visitor(&self, node: NodeId, key: VisitorKey, online: bool, at: f64) {
        if node == self.own {
            return;
        }
        self.nodes
            .write()
            .entry(node)
            .or_insert_with(|| RemoteNode::new(Snapshot::default(), Instant::now()))
            .changes
            .insert(key, (online, at));
    }

    pub fn visitor_online(&self, workspace: WorkspaceId, visitor: VisitorId) -> bool {
        self.nodes
            .read()
            .values()
            .any(|n| n.has_visitor(&(workspace, visitor)))
    }

    /// The status of each agent connection elsewhere, per node (an agent may repeat).
    pub fn agent_statuses(&self, workspace: WorkspaceId) -> Vec<(AgentId, AgentStatus)> {
        self.nodes
            .read()
            .values()
            .flat_map(|n| n.snapshot.agents.iter())
            .filter(|(w, _, _)| *w == workspace)
            .map(|(_, a, s)| (*a, *s))
            .collect()
    }

    fn visitors(&self) -> HashSet<VisitorKey> {
        self.nodes
            .read()
            .values()
            .flat_map(RemoteNode::visitors)
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids() -> (WorkspaceId, VisitorId) {
        (
            WorkspaceId(uuid::Uuid::new_v4()),
            VisitorId(uuid::Uuid::new_v4()),
        )
    }

    fn snapshot(at: f64, visitors: Vec<VisitorKey>) -> Snapshot {
        Snapshot {
            at,
            agents: Vec::new(),
            visitors,
        }
    }

    #[test]
    fn a_visitor_announced_after_the_last_snapshot_goes_offline_when_its_node_dies() {
        let presence = RemotePresence::new(NodeId::new());
        let node = NodeId::new();
        let (w, v) = ids();
        let t0 = Instant::now();
        assert!(presence
            .update_at(vec![(node, snapshot(100.0, vec![]), Duration::ZERO)], t0)
            .is_empty());
        presence.note_visitor(node, (w, v), true, 101.0);
        assert!(presence.visitor_online(w, v));
        // The node dies before its next snapshot: no snapshot ever shows the visitor.
        let later = t0 + REMOTE_PRESENCE_TTL + Duration::from_millis(1);
        assert_eq!(presence.update_at(vec![], later), vec![(w, v)]);
        assert!(!presence.visitor_online(w, v));
    }

    #[test]
    fn an_older_snapshot_does_not_undo_a_newer_announcement() {
        let presence = RemotePresence::new(NodeId::new());
        let node = NodeId::new();
        let (w, v) = ids();
        let t0 = Instant::now();
        presence.note_visitor(node, (w, v), true, 101.0);
        // A snapshot taken at 100 (before the visitor came) arrives after the event.
        let gone = presence.update_at(vec![(node, snapshot(100.0, vec![]), Duration::ZERO)], t0);
        assert!(gone.is_empty());
        assert!(presence.visitor_online(w, v));
        // A snapshot taken after it shows it: the announcement is no longer needed.
        presence.update_at(
            vec![(node, snapshot(102.0, vec![(w, v)]), Duration::ZERO)],
            t0,
        );
        assert!(presence.visitor_online(w, v));
        // Leaving is announced the same way.
        presence.note_visitor(node, (w, v), false, 103.0);
        assert!(!presence.visitor_online(w, v));
    }

    #[test]
    fn this_nodes_own_snapshot_and_events_are_ignored() {
        let own = NodeId::new();
        let presence = RemotePresence::new(own);
        let (w, v) = ids();
        presence.note_visitor(own, (w, v), true, 1.0);
        presence.update(vec![(own, snapshot(2.0, vec![(w, v)]), Duration::ZERO)]);
        assert!(!presence.visitor_online(w, v));
    }
}
