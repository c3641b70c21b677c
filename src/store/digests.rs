//! Agents' digests: emails telling agents of new conversations that came while nobody of their
//! team was online. One waits per agent at a time; what it lists is read when it is sent, so
//! that the conversations coming meanwhile join it and those answered since drop out.

use async_trait::async_trait;

use super::StoreResult;
use crate::domain::{AgentId, ConversationId, TeamId, Timestamp, WorkspaceId};

/// A conversation waiting for an agent's first answer, as a digest lists it.
#[derive(Clone, Debug, PartialEq, sqlx::FromRow)]
pub struct Unattended {
    pub id: ConversationId,
    pub created_at: Timestamp,
    pub site_name: String,
    pub visitor_name: Option<String>,
    pub visitor_email: Option<String>,
    /// The visitor's first message, when it wrote one.
    pub first_words: Option<String>,
}

#[async_trait]
pub trait Digests {
    /// Queues a digest, due at `due`, for each active agent of `team` (every agent of the
    /// workspace when `None`) who wants email and has none waiting; returns how many.
    async fn queue_digests(
        &self,
        workspace: WorkspaceId,
        team: Option<TeamId>,
        due: Timestamp,
    ) -> StoreResult<u64>;

    /// The conversations a digest tells `agent` of: open, unassigned, not answered by an
    /// agent, of its teams (or of no team), created after `since`; oldest first.
    async fn unattended(
        &self,
        workspace: WorkspaceId,
        agent: AgentId,
        since: Timestamp,
        limit: i64,
    ) -> StoreResult<Vec<Unattended>>;

    /// The agent was told of the conversations created up to `through`.
    async fn digested(
        &self,
        workspace: WorkspaceId,
        agent: AgentId,
        through: Timestamp,
    ) -> StoreResult<()>;

    /// When the newest conversation the agent was told of was created.
    async fn digested_through(
        &self,
        workspace: WorkspaceId,
        agent: AgentId,
    ) -> StoreResult<Option<Timestamp>>;
}

/// Implements `Digests` for a backend (the same SQL on both).
macro_rules! impl_digests {
    ($store:ty) => {
        #[async_trait::async_trait]
        impl $crate::store::digests::Digests for $store {
            async fn queue_digests(
                &self,
                workspace: $crate::domain::WorkspaceId,
                team: Option<$crate::domain::TeamId>,
                due: $crate::domain::Timestamp,
            ) -> $crate::store::StoreResult<u64> {
                let now = $crate::domain::Timestamp::now();
                let mut tx = self.writer().begin().await?;
                let agents: Vec<$crate::domain::AgentId> = sqlx::query_scalar(
                    "select a.id from agents a where a.workspace_id = $1 and a.active \
                     and a.notify_email and ($3 or exists (select 1 from team_members m \
                     where m.team_id = $2 and m.agent_id = a.id)) order by a.id limit 1000",
                )
                .bind(workspace)
                .bind(team)
                .bind(team.is_none())
                .fetch_all(&mut *tx)
                .await?;
                let mut queued = 0;
                for agent in agents {
                    // A digest already waiting lists this conversation too, when it is sent.
                    queued += sqlx::query(
                        "insert into email_outbox (id, workspace_id, kind, agent_id, \
                         next_attempt_at, created_at) values ($1, $2, 'digest', $3, $4, $5) \
                         on conflict do nothing",
                    )
                    .bind(uuid::Uuid::new_v4())
                    .bind(workspace)
                    .bind(agent)
                    .bind(due)
                    .bind(now)
                    .execute(&mut *tx)
                    .await?
                    .rows_affected();
                }
                tx.commit().await?;
                Ok(queued)
            }

            async fn unattended(
                &self,
                workspace: $crate::domain::WorkspaceId,
                agent: $crate::domain::AgentId,
                since: $crate::domain::Timestamp,
                limit: i64,
            ) -> $crate::store::StoreResult<Vec<$crate::store::digests::Unattended>> {
                Ok(sqlx::query_as(
                    "select c.id, c.created_at, s.name as site_name, v.name as visitor_name, \
                     v.email as visitor_email, (select m.body from messages m \
                     where m.conversation_id = c.id and m.author_kind = 'visitor' \
                     and m.kind = 'text' order by m.seq limit 1) as first_words \
                     from conversations c join sites s on s.id = c.site_id \
                     join visitors v on v.id = c.visitor_id \
                     where c.workspace_id = $1 and c.status = 'open' and c.assignee_id is null \
                     and c.created_at > $3 \
                     and (c.team_id is null or c.team_id in \
                     (select m.team_id from team_members m where m.agent_id = $2)) \
                     and not exists (select 1 from messages m where m.conversation_id = c.id \
                     and m.author_kind = 'agent' and m.kind = 'text') \
                     order by c.created_at limit $4",
                )
                .bind(workspace)
                .bind(agent)
                .bind(since)
                .bind(limit)
                .fetch_all(self.reader())
                .await?)
            }

            async fn digested(
                &self,
                workspace: $crate::domain::WorkspaceId,
                agent: $crate::domain::AgentId,
                through: $crate::domain::Timestamp,
            ) -> $crate::store::StoreResult<()> {
                sqlx::query(
                    "update agents set digested_through = $3 where workspace_id = $1 and id = $2",
                )
                .bind(workspace)
                .bind(agent)
                .bind(through)
                .execute(self.writer())
                .await?;
                Ok(())
            }

            async fn digested_through(
                &self,
                workspace: $crate::domain::WorkspaceId,
                agent: $crate::domain::AgentId,
            ) -> $crate::store::StoreResult<Option<$crate::domain::Timestamp>> {
                let through: Option<Option<$crate::domain::Timestamp>> = sqlx::query_scalar(
                    "select digested_through from agents where workspace_id = $1 and id = $2",
                )
                .bind(workspace)
                .bind(agent)
                .fetch_optional(self.reader())
                .await?;
                Ok(through.flatten())
            }
        }
    };
}

pub(crate) use impl_digests;
