//! What reports read: one row per conversation with the measures kept as it changed (when it
//! was opened, first answered, last resolved, its messages and its rating), never its messages.

use async_trait::async_trait;

use super::StoreResult;
use crate::domain::{AgentId, ConversationStatus, Rating, TeamId, Timestamp, WorkspaceId};

/// Which conversations a report covers: created in `[from, to)`.
#[derive(Clone, Debug)]
pub struct ReportScope {
    pub workspace: WorkspaceId,
    pub from: Timestamp,
    pub to: Timestamp,
    pub team: Option<TeamId>,
    pub agent: Option<AgentId>,
}

/// A conversation's measures.
#[derive(Clone, Debug, PartialEq, sqlx::FromRow)]
pub struct Measures {
    pub status: ConversationStatus,
    pub created_at: Timestamp,
    pub first_reply_at: Option<Timestamp>,
    pub resolved_at: Option<Timestamp>,
    /// Its messages, notes and system lines included (the last sequence number).
    pub last_seq: i64,
    pub rating: Option<sqlx::types::Json<Rating>>,
}

#[async_trait]
pub trait Reports: Send + Sync {
    async fn measures(&self, scope: &ReportScope) -> StoreResult<Vec<Measures>>;
}

/// Implements `Reports` for a backend (the same SQL on both).
macro_rules! impl_reports {
    ($store:ty) => {
        #[async_trait::async_trait]
        impl $crate::store::reports::Reports for $store {
            async fn measures(
                &self,
                scope: &$crate::store::reports::ReportScope,
            ) -> $crate::store::StoreResult<Vec<$crate::store::reports::Measures>> {
                Ok(sqlx::query_as(
                    "select status, created_at, first_reply_at, resolved_at, last_seq, rating \
                     from conversations where workspace_id = $1 \
                     and created_at >= $2 and created_at < $3 \
                     and ($4 is null or team_id = $4) and ($5 is null or assignee_id = $5)",
                )
                .bind(scope.workspace)
                .bind(scope.from)
                .bind(scope.to)
                .bind(scope.team)
                .bind(scope.agent)
                .fetch_all(self.reader())
                .await?)
            }
        }
    };
}

pub(crate) use impl_reports;
