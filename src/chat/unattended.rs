//! New conversations nobody can answer now: when none of the agents who would answer one is
//! online, each of them gets a digest email (one waits per agent, gathering the conversations
//! that come meanwhile). Only when the server sends email.

use std::time::Duration;

use super::Chat;
use crate::domain::{Conversation, Timestamp};

impl Chat {
    /// Digests are queued, due `after` the first conversation nobody was online for.
    pub fn digest_unattended_after(&self, after: Duration) {
        let _ = self.inner.digest_after.set(after);
    }

    /// Looks at a conversation just created, off the visitor's path.
    pub(super) fn check_unattended(&self, conversation: &Conversation) {
        let Some(after) = self.inner.digest_after.get().copied() else {
            return;
        };
        let chat = self.clone();
        let conversation = conversation.clone();
        tokio::spawn(async move {
            if let Err(err) = chat.queue_digests(&conversation, after).await {
                tracing::warn!(error = %err, "agents' digests not queued");
            }
        });
    }

    async fn queue_digests(
        &self,
        conversation: &Conversation,
        after: Duration,
    ) -> super::ChatResult<()> {
        let workspace = conversation.workspace_id;
        let Some(presence) = self.presence() else {
            return Ok(());
        };
        let nobody = match conversation.team_id {
            None => presence.agents_online(workspace) == 0,
            Some(team) => match self.inner.store.team(workspace, team).await? {
                Some(team) => !presence.any_online(workspace, &team.agent_ids),
                // The team was deleted meanwhile: the conversation is the workspace's.
                None => presence.agents_online(workspace) == 0,
            },
        };
        // A digest queued for these agents within `after` still waits and will list this one
        // too: a burst of new conversations at night costs one write, not one each.
        if nobody && self.first_within(workspace, conversation.team_id, after) {
            self.inner
                .store
                .queue_digests(
                    workspace,
                    conversation.team_id,
                    Timestamp::now().plus(after),
                )
                .await?;
        }
        Ok(())
    }

    /// True once per `after` for the workspace's team (this node's memory).
    fn first_within(
        &self,
        workspace: crate::domain::WorkspaceId,
        team: Option<crate::domain::TeamId>,
        after: Duration,
    ) -> bool {
        let mut queued = self.inner.digests_queued.lock();
        if queued.len() > 10_000 {
            queued.retain(|_, at| at.elapsed() < after);
        }
        match queued.get(&(workspace, team)) {
            Some(at) if at.elapsed() < after => false,
            _ => {
                queued.insert((workspace, team), std::time::Instant::now());
                true
            }
        }
    }
}
