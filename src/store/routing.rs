//! Automatic assignment and the queue, the same SQL on both backends. Every decision is made
//! inside one transaction that holds the team's row (Postgres: `for update`; SQLite has one
//! writer), so two nodes never assign one conversation, and the members' rows, so that two
//! teams sharing an agent never give it more than its capacity.

use async_trait::async_trait;

use super::StoreResult;
use crate::domain::{
    AgentId, Assignment, Conversation, ConversationId, TeamId, Timestamp, VisitorId, WorkspaceId,
};

/// Conversations read per pass of the assigner; the next pass takes the rest.
pub const ASSIGN_BATCH: i64 = 100;

/// An agent who may be given conversations: online now, with room under its capacity.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Candidate {
    pub id: AgentId,
    pub capacity: i64,
    /// Open conversations assigned to it now, in any team.
    pub load: i64,
    /// When it was last given one automatically; `None` first.
    pub last_assigned_at: Option<Timestamp>,
}

/// Which candidate takes the next conversation, by the team's rule; `None` when every one is
/// full. Ties go to the agent given one longest ago, then to the smaller id, so that the
/// choice is the same on every node.
pub fn choose(rule: Assignment, candidates: &[Candidate]) -> Option<usize> {
    let open = candidates
        .iter()
        .enumerate()
        .filter(|(_, c)| c.load < c.capacity);
    let key = |c: &Candidate| (c.last_assigned_at, c.id);
    match rule {
        Assignment::Manual => None,
        Assignment::RoundRobin => open.min_by_key(|(_, c)| key(c)).map(|(i, _)| i),
        Assignment::LeastBusy => open.min_by_key(|(_, c)| (c.load, key(c))).map(|(i, _)| i),
    }
}

#[async_trait]
pub trait Routing {
    /// Teams that assign automatically and have conversations waiting, over every workspace.
    async fn teams_with_waiting(&self) -> StoreResult<Vec<(WorkspaceId, TeamId)>>;

    /// The workspace's teams that assign automatically and have conversations waiting.
    async fn waiting_teams(&self, workspace: WorkspaceId) -> StoreResult<Vec<TeamId>>;

    /// Gives the team's waiting conversations, oldest first, to members among `online` with
    /// room, by the team's rule; returns what it assigned. Nothing for a manual team.
    async fn assign_waiting(
        &self,
        workspace: WorkspaceId,
        team: TeamId,
        online: &[AgentId],
    ) -> StoreResult<Vec<Conversation>>;

    /// Agents holding open conversations of automatically assigning teams.
    async fn holders(&self) -> StoreResult<Vec<(WorkspaceId, AgentId)>>;

    /// Puts the agent's open conversations of automatically assigning teams back in their
    /// queues; returns them.
    async fn give_back(
        &self,
        workspace: WorkspaceId,
        agent: AgentId,
    ) -> StoreResult<Vec<Conversation>>;

    /// The team's waiting conversations, oldest first (the queue's order), at most `limit`.
    async fn queue(
        &self,
        workspace: WorkspaceId,
        team: TeamId,
        limit: i64,
    ) -> StoreResult<Vec<(ConversationId, VisitorId)>>;

    /// Seconds from opening to the first agent reply of the newest conversations (of the team,
    /// or of the workspace for `None`) opened after `since` and answered, at most `limit`.
    async fn first_reply_times(
        &self,
        workspace: WorkspaceId,
        team: Option<TeamId>,
        since: Timestamp,
        limit: i64,
    ) -> StoreResult<Vec<f64>>;

    /// Adds a visitor's form answers to its attributes (an answer replaces the same field's).
    async fn merge_visitor_attributes(
        &self,
        workspace: WorkspaceId,
        visitor: VisitorId,
        answers: &serde_json::Map<String, serde_json::Value>,
    ) -> StoreResult<()>;
}

/// Implements `Routing` for a backend whose `enqueue_change` is in scope. `lock` ends a read of
/// rows about to be decided on, `skip_locked` a read of the queue (rows another change holds
/// are left for the next pass), `merge` is the expression merging `$3` into `attributes`.
macro_rules! impl_routing {
    ($store:ty, lock = $lock:expr, skip_locked = $skip:expr, merge = $merge:expr) => {
        #[async_trait::async_trait]
        impl $crate::store::routing::Routing for $store {
            async fn teams_with_waiting(
                &self,
            ) -> $crate::store::StoreResult<
                Vec<($crate::domain::WorkspaceId, $crate::domain::TeamId)>,
            > {
                let rows: Vec<($crate::domain::WorkspaceId, $crate::domain::TeamId)> =
                    sqlx::query_as(
                        "select t.workspace_id, t.id from teams t where t.assignment <> 'manual' \
                         and exists (select 1 from conversations c where c.team_id = t.id \
                         and c.status = 'open' and c.assignee_id is null)",
                    )
                    .fetch_all(self.reader())
                    .await?;
                Ok(rows)
            }

            async fn waiting_teams(
                &self,
                workspace: $crate::domain::WorkspaceId,
            ) -> $crate::store::StoreResult<Vec<$crate::domain::TeamId>> {
                Ok(sqlx::query_scalar(
                    "select t.id from teams t where t.workspace_id = $1 and t.assignment <> 'manual' \
                     and exists (select 1 from conversations c where c.team_id = t.id \
                     and c.status = 'open' and c.assignee_id is null)",
                )
                .bind(workspace)
                .fetch_all(self.reader())
                .await?)
            }

            #[tracing::instrument(skip_all, err)]
            async fn assign_waiting(
                &self,
                workspace: $crate::domain::WorkspaceId,
                team: $crate::domain::TeamId,
                online: &[$crate::domain::AgentId],
            ) -> $crate::store::StoreResult<Vec<$crate::domain::Conversation>> {
                use $crate::domain::{AgentId, Assignment, Conversation, ConversationId, Timestamp};
                use $crate::store::routing::{choose, Candidate, ASSIGN_BATCH};
                let mut tx = self.writer().begin().await?;
                // The team's row: one assigner at a time per team, on every node.
                let rule: Option<String> = sqlx::query_scalar(concat!(
                    "select assignment from teams where workspace_id = $1 and id = $2 ",
                    $lock
                ))
                .bind(workspace)
                .bind(team)
                .fetch_optional(&mut *tx)
                .await?;
                let rule = match rule.as_deref() {
                    Some("round_robin") => Assignment::RoundRobin,
                    Some("least_busy") => Assignment::LeastBusy,
                    _ => return Ok(Vec::new()),
                };
                // The members who may take one, their rows held in id order (no deadlock
                // between teams sharing agents).
                let members: Vec<(AgentId, i32, Option<Timestamp>)> = sqlx::query_as(concat!(
                    "select a.id, a.capacity, a.last_assigned_at from agents a \
                     join team_members m on m.agent_id = a.id \
                     where m.team_id = $2 and a.workspace_id = $1 and a.active = $3 \
                     and a.capacity > 0 order by a.id ",
                    $lock
                ))
                .bind(workspace)
                .bind(team)
                .bind(true)
                .fetch_all(&mut *tx)
                .await?;
                let mut candidates = Vec::new();
                for (id, capacity, last_assigned_at) in members {
                    if !online.contains(&id) {
                        continue;
                    }
                    let load: i64 = sqlx::query_scalar(
                        "select count(*) from conversations where assignee_id = $1 and status = 'open'",
                    )
                    .bind(id)
                    .fetch_one(&mut *tx)
                    .await?;
                    candidates.push(Candidate {
                        id,
                        capacity: i64::from(capacity),
                        load,
                        last_assigned_at,
                    });
                }
                if choose(rule, &candidates).is_none() {
                    return Ok(Vec::new());
                }
                let waiting: Vec<ConversationId> = sqlx::query_scalar(concat!(
                    "select id from conversations where workspace_id = $1 and team_id = $2 \
                     and status = 'open' and assignee_id is null order by updated_at, id limit $3 ",
                    $skip
                ))
                .bind(workspace)
                .bind(team)
                .bind(ASSIGN_BATCH)
                .fetch_all(&mut *tx)
                .await?;
                let now = Timestamp::now();
                let mut assigned: Vec<Conversation> = Vec::new();
                for (n, id) in waiting.into_iter().enumerate() {
                    let Some(pick) = choose(rule, &candidates) else {
                        break;
                    };
                    // Distinct instants keep the rotation's order within one pass.
                    let at = now.plus(std::time::Duration::from_micros(n as u64));
                    let agent = candidates[pick].id;
                    let taken: Option<Conversation> = sqlx::query_as(concat!(
                        "update conversations set assignee_id = $3, updated_at = $4 \
                         where workspace_id = $1 and id = $2 and status = 'open' \
                         and assignee_id is null returning ",
                        $crate::store::conversation_columns!()
                    ))
                    .bind(workspace)
                    .bind(id)
                    .bind(agent)
                    .bind(at)
                    .fetch_optional(&mut *tx)
                    .await?;
                    let Some(taken) = taken else {
                        continue;
                    };
                    sqlx::query("update agents set last_assigned_at = $2 where id = $1")
                        .bind(agent)
                        .bind(at)
                        .execute(&mut *tx)
                        .await?;
                    enqueue_change(&mut tx, None, &taken).await?;
                    candidates[pick].load += 1;
                    candidates[pick].last_assigned_at = Some(at);
                    assigned.push(taken);
                }
                tx.commit().await?;
                Ok(assigned)
            }

            async fn holders(
                &self,
            ) -> $crate::store::StoreResult<
                Vec<($crate::domain::WorkspaceId, $crate::domain::AgentId)>,
            > {
                let rows: Vec<($crate::domain::WorkspaceId, $crate::domain::AgentId)> =
                    sqlx::query_as(
                        "select distinct t.workspace_id, c.assignee_id from teams t \
                         join conversations c on c.team_id = t.id \
                         where t.assignment <> 'manual' and c.status = 'open' \
                         and c.assignee_id is not null",
                    )
                    .fetch_all(self.reader())
                    .await?;
                Ok(rows)
            }

            #[tracing::instrument(skip_all, err)]
            async fn give_back(
                &self,
                workspace: $crate::domain::WorkspaceId,
                agent: $crate::domain::AgentId,
            ) -> $crate::store::StoreResult<Vec<$crate::domain::Conversation>> {
                let mut tx = self.writer().begin().await?;
                let released: Vec<$crate::domain::Conversation> = sqlx::query_as(concat!(
                    "update conversations set assignee_id = null, updated_at = $3 \
                     where workspace_id = $1 and assignee_id = $2 and status = 'open' \
                     and team_id in (select id from teams where workspace_id = $1 \
                     and assignment <> 'manual') returning ",
                    $crate::store::conversation_columns!()
                ))
                .bind(workspace)
                .bind(agent)
                .bind($crate::domain::Timestamp::now())
                .fetch_all(&mut *tx)
                .await?;
                for conversation in &released {
                    enqueue_change(&mut tx, Some(agent), conversation).await?;
                }
                tx.commit().await?;
                Ok(released)
            }

            async fn queue(
                &self,
                workspace: $crate::domain::WorkspaceId,
                team: $crate::domain::TeamId,
                limit: i64,
            ) -> $crate::store::StoreResult<
                Vec<($crate::domain::ConversationId, $crate::domain::VisitorId)>,
            > {
                let rows: Vec<($crate::domain::ConversationId, $crate::domain::VisitorId)> =
                    sqlx::query_as(
                        "select id, visitor_id from conversations where workspace_id = $1 \
                         and team_id = $2 and status = 'open' and assignee_id is null \
                         order by updated_at, id limit $3",
                    )
                    .bind(workspace)
                    .bind(team)
                    .bind(limit)
                    .fetch_all(self.reader())
                    .await?;
                Ok(rows)
            }

            async fn first_reply_times(
                &self,
                workspace: $crate::domain::WorkspaceId,
                team: Option<$crate::domain::TeamId>,
                since: $crate::domain::Timestamp,
                limit: i64,
            ) -> $crate::store::StoreResult<Vec<f64>> {
                use $crate::domain::Timestamp;
                let rows: Vec<(Timestamp, Option<Timestamp>)> = sqlx::query_as(
                    "select c.created_at, (select min(m.created_at) from messages m \
                     where m.conversation_id = c.id and m.author_kind = 'agent' and m.kind = 'text') \
                     from conversations c where c.workspace_id = $1 and c.created_at > $2 \
                     and (c.team_id = $3 or $4) order by c.created_at desc limit $5",
                )
                .bind(workspace)
                .bind(since)
                .bind(team)
                .bind(team.is_none())
                .bind(limit)
                .fetch_all(self.reader())
                .await?;
                Ok(rows
                    .into_iter()
                    .filter_map(|(opened, reply)| {
                        let reply = reply?;
                        let micros = reply.as_micros() - opened.as_micros();
                        (micros >= 0).then(|| micros as f64 / 1e6)
                    })
                    .collect())
            }

            async fn merge_visitor_attributes(
                &self,
                workspace: $crate::domain::WorkspaceId,
                visitor: $crate::domain::VisitorId,
                answers: &serde_json::Map<String, serde_json::Value>,
            ) -> $crate::store::StoreResult<()> {
                sqlx::query(concat!(
                    "update visitors set attributes = ",
                    $merge,
                    " where workspace_id = $1 and id = $2"
                ))
                .bind(workspace)
                .bind(visitor)
                .bind(sqlx::types::Json(answers))
                .execute(self.writer())
                .await?;
                Ok(())
            }
        }
    };
}

pub(crate) use impl_routing;

#[cfg(test)]
mod tests {
    use super::*;

    fn agent(n: u128, capacity: i64, load: i64, last: Option<i64>) -> Candidate {
        Candidate {
            id: AgentId(uuid::Uuid::from_u128(n)),
            capacity,
            load,
            last_assigned_at: last.and_then(Timestamp::from_micros),
        }
    }

    #[test]
    fn round_robin_takes_the_longest_idle_with_room() {
        let agents = [
            agent(1, 2, 0, Some(30)),
            agent(2, 2, 1, Some(10)),
            agent(3, 2, 2, None),
        ];
        // Agent 3 never had one but is full; agent 2 waited longest of the others.
        assert_eq!(choose(Assignment::RoundRobin, &agents), Some(1));
    }

    #[test]
    fn least_busy_takes_the_lightest_load_then_the_longest_idle() {
        let agents = [
            agent(1, 5, 1, Some(30)),
            agent(2, 5, 3, None),
            agent(3, 5, 1, Some(10)),
        ];
        assert_eq!(choose(Assignment::LeastBusy, &agents), Some(2));
    }

    #[test]
    fn nobody_with_room_and_manual_choose_nobody() {
        let full = [agent(1, 1, 1, None), agent(2, 0, 0, None)];
        assert_eq!(choose(Assignment::LeastBusy, &full), None);
        assert_eq!(choose(Assignment::RoundRobin, &full), None);
        assert_eq!(choose(Assignment::Manual, &[agent(1, 5, 0, None)]), None);
    }
}
