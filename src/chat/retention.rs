//! Each workspace's retention policy applied: every node, every few minutes, deletes
//! conversations resolved longer ago than their workspace keeps them, in small batches (each a
//! short transaction, so the chat never waits on it; the store hands each row to one node).
//! Messages, files (through the trash), emails and read marks go with them; each batch is
//! recorded in the workspace's audit log.

use std::time::Duration;

use super::Chat;
use crate::domain::audit::Action;
use crate::domain::Timestamp;
use crate::shutdown::Shutdown;
use crate::store::privacy::{ActorKind, AuditEntry};

/// Conversations deleted per transaction.
const BATCH: i64 = 100;
/// Batches per pass at most: the rest waits for the next pass.
const BATCHES: usize = 50;

impl Chat {
    /// Applies retention every `every` until the server stops.
    pub fn start_retention(&self, every: Duration, shutdown: Shutdown) {
        let chat = self.clone();
        let every = every.max(Duration::from_secs(1));
        tokio::spawn(async move {
            while !shutdown.is_triggered() {
                tokio::select! {
                    () = tokio::time::sleep(every) => {}
                    () = shutdown.wait() => return,
                }
                chat.apply_retention().await;
            }
        });
    }

    /// One pass; returns how many conversations went.
    pub async fn apply_retention(&self) -> i64 {
        let store = &self.inner.store;
        let mut total = 0;
        for _ in 0..BATCHES {
            let gone = match store.expire_resolved(Timestamp::now(), BATCH).await {
                Ok(gone) => gone,
                Err(err) => {
                    tracing::warn!(error = %err, "retention pass failed; tried again later");
                    break;
                }
            };
            let mut count = 0;
            for (workspace, conversations) in gone {
                count += conversations;
                let entry = AuditEntry {
                    id: uuid::Uuid::new_v4(),
                    workspace,
                    at: Timestamp::now(),
                    actor_kind: ActorKind::System,
                    actor_id: None,
                    actor_name: None,
                    ip: None,
                    action: Action::RetentionDeleted,
                    target_id: None,
                    detail: serde_json::json!({ "conversations": conversations }),
                };
                if let Err(err) = store.record_audit(&entry).await {
                    tracing::warn!(error = %err, "retention's audit line not written");
                }
            }
            total += count;
            if count < BATCH {
                break;
            }
            // Let the chat's writes in between batches.
            tokio::task::yield_now().await;
        }
        if total > 0 {
            tracing::info!(
                conversations = total,
                "retention deleted resolved conversations"
            );
        }
        total
    }
}
