//! Whether a workspace has any block at all, remembered briefly: most workspaces block nobody,
//! and their visitors' `hello` should not pay a query to learn it again each time. A block made
//! on this node is seen at once; one made on another node within `FRESH_FOR`, as site changes
//! are (its visitor's open connections close at once everywhere, through the bus).

use std::collections::HashMap;
use std::time::{Duration, Instant};

use parking_lot::Mutex;

use crate::domain::WorkspaceId;

/// How long "this workspace blocks nobody" is believed.
pub const FRESH_FOR: Duration = Duration::from_secs(2);

#[derive(Default)]
pub struct BlockFlags {
    known: Mutex<HashMap<WorkspaceId, Instant>>,
}

impl BlockFlags {
    /// True when the workspace was seen to block nobody within `FRESH_FOR`.
    pub fn blocks_nobody(&self, workspace: WorkspaceId) -> bool {
        self.known
            .lock()
            .get(&workspace)
            .is_some_and(|seen| seen.elapsed() < FRESH_FOR)
    }

    /// Remembers that the workspace blocks nobody (as read just now).
    pub fn saw_none(&self, workspace: WorkspaceId) {
        let mut known = self.known.lock();
        // Bounded: entries past their freshness are useless and go.
        if known.len() > 10_000 {
            known.retain(|_, seen| seen.elapsed() < FRESH_FOR);
        }
        known.insert(workspace, Instant::now());
    }

    /// The workspace blocks someone now.
    pub fn forget(&self, workspace: WorkspaceId) {
        self.known.lock().remove(&workspace);
    }
}
