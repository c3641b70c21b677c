//! What reports read: one row per conversation with the measures kept as it changed (when it
//! was opened, first answered, last resolved, its messages and its rating), never its messages;
//! and the state of the queue now.

use async_trait::async_trait;

use super::StoreResult;
use crate::domain::{
    AgentId, ConversationId, ConversationStatus, Rating, SiteId, TeamId, Timestamp, WorkspaceId,
};

/// Which conversations a report covers: created in `[from, to)`, of a team, held by an agent,
/// on a site.
#[derive(Clone, Debug)]
pub struct ReportScope {
    pub workspace: WorkspaceId,
    pub from: Timestamp,
    pub to: Timestamp,
    pub team: Option<TeamId>,
    pub agent: Option<AgentId>,
    pub site: Option<SiteId>,
}

/// A conversation's measures.
#[derive(Clone, Debug, PartialEq, sqlx::FromRow)]
pub struct Measures {
    pub id: ConversationId,
    pub site_id: SiteId,
    pub team_id: Option<TeamId>,
    pub assignee_id: Option<AgentId>,
    pub status: ConversationStatus,
    pub created_at: Timestamp,
    pub first_reply_at: Option<Timestamp>,
    pub resolved_at: Option<Timestamp>,
    /// Its messages, notes and system lines included (the last sequence number).
    pub last_seq: i64,
    pub rating: Option<sqlx::types::Json<Rating>>,
}

/// Open conversations now: how many, how many nobody holds, since when the oldest of those
/// waits, and how many each agent holds.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Queue {
    pub open: i64,
    pub waiting: i64,
    pub oldest_waiting: Option<Timestamp>,
    pub held: Vec<(AgentId, i64)>,
}

#[async_trait]
pub trait Reports: Send + Sync {
    /// The measures of the scope's conversations, oldest first.
    async fn measures(&self, scope: &ReportScope) -> StoreResult<Vec<Measures>>;
    /// The open conversations of the workspace now (snoozed ones are not waiting).
    async fn queue_now(&self, workspace: WorkspaceId, now: Timestamp) -> StoreResult<Queue>;
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
                    "select id, site_id, team_id, assignee_id, status, created_at, first_reply_at, \
                     resolved_at, last_seq, rating \
                     from conversations where workspace_id = $1 \
                     and created_at >= $2 and created_at < $3 \
                     and ($4 is null or team_id = $4) and ($5 is null or assignee_id = $5) \
                     and ($6 is null or site_id = $6) order by created_at, id",
                )
                .bind(scope.workspace)
                .bind(scope.from)
                .bind(scope.to)
                .bind(scope.team)
                .bind(scope.agent)
                .bind(scope.site)
                .fetch_all(self.reader())
                .await?)
            }

            async fn queue_now(
                &self,
                workspace: $crate::domain::WorkspaceId,
                now: $crate::domain::Timestamp,
            ) -> $crate::store::StoreResult<$crate::store::reports::Queue> {
                use sqlx::Row;
                let row = sqlx::query(
                    "select count(*) as open, \
                     coalesce(sum(case when assignee_id is null \
                       and (snoozed_until is null or snoozed_until <= $2) then 1 else 0 end), 0) as waiting, \
                     min(case when assignee_id is null \
                       and (snoozed_until is null or snoozed_until <= $2) then created_at end) as oldest \
                     from conversations where workspace_id = $1 and status = 'open'",
                )
                .bind(workspace)
                .bind(now)
                .fetch_one(self.reader())
                .await?;
                let held: Vec<($crate::domain::AgentId, i64)> = sqlx::query_as(
                    "select assignee_id, count(*) from conversations \
                     where workspace_id = $1 and status = 'open' and assignee_id is not null \
                     group by assignee_id",
                )
                .bind(workspace)
                .fetch_all(self.reader())
                .await?;
                Ok($crate::store::reports::Queue {
                    open: row.try_get("open")?,
                    waiting: row.try_get("waiting")?,
                    oldest_waiting: row.try_get("oldest")?,
                    held,
                })
            }
        }
    };
}

pub(crate) use impl_reports;
