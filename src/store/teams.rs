//! Teams and their members, the same SQL on both backends.

use async_trait::async_trait;
use sqlx::types::Json;

use super::StoreResult;
use crate::domain::hours::BusinessHours;
use crate::domain::{AgentId, Assignment, Team, TeamId, Timestamp, WorkspaceId};

/// A team as written: every field, members included.
#[derive(Clone, Debug)]
pub struct TeamDraft {
    pub name: String,
    pub agent_ids: Vec<AgentId>,
    pub assignment: Assignment,
    pub hours: Option<BusinessHours>,
}

/// Why a team could not be written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TeamRefusal {
    /// An agent id that is not an agent of the workspace.
    UnknownAgent(AgentId),
    /// Another team of the workspace has this name.
    NameTaken,
}

#[derive(sqlx::FromRow)]
pub(crate) struct TeamRow {
    pub id: TeamId,
    pub workspace_id: WorkspaceId,
    pub name: String,
    pub assignment: String,
    pub hours: Option<Json<BusinessHours>>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

impl TeamRow {
    pub(crate) fn with_members(self, agent_ids: Vec<AgentId>) -> Team {
        Team {
            id: self.id,
            workspace_id: self.workspace_id,
            name: self.name,
            agent_ids,
            assignment: match self.assignment.as_str() {
                "round_robin" => Assignment::RoundRobin,
                "least_busy" => Assignment::LeastBusy,
                _ => Assignment::Manual,
            },
            hours: self.hours.map(|h| h.0),
            created_at: self.created_at,
            updated_at: self.updated_at,
        }
    }
}

#[async_trait]
pub trait Teams {
    /// The workspace's teams, by name.
    async fn teams(&self, workspace: WorkspaceId) -> StoreResult<Vec<Team>>;
    async fn team(&self, workspace: WorkspaceId, id: TeamId) -> StoreResult<Option<Team>>;
    /// Makes a team (`id` None) or replaces one's fields and members; `Ok(None)` when the
    /// team is not the workspace's.
    async fn write_team(
        &self,
        workspace: WorkspaceId,
        id: Option<TeamId>,
        draft: &TeamDraft,
    ) -> StoreResult<Result<Option<Team>, TeamRefusal>>;
    async fn delete_team(&self, workspace: WorkspaceId, id: TeamId) -> StoreResult<bool>;
}

pub(crate) const TEAM_COLUMNS: &str =
    "id, workspace_id, name, assignment, hours, created_at, updated_at";

/// Implements `Teams` for a backend.
macro_rules! impl_teams {
    ($store:ty) => {
        #[async_trait::async_trait]
        impl $crate::store::teams::Teams for $store {
            async fn teams(
                &self,
                workspace: $crate::domain::WorkspaceId,
            ) -> $crate::store::StoreResult<Vec<$crate::domain::Team>> {
                use sqlx::Row as _;
                let rows: Vec<$crate::store::teams::TeamRow> = sqlx::query_as(&format!(
                    "select {} from teams where workspace_id = $1 order by name, id",
                    $crate::store::teams::TEAM_COLUMNS
                ))
                .bind(workspace)
                .fetch_all(self.reader())
                .await?;
                let members = sqlx::query(
                    "select m.team_id, m.agent_id from team_members m join teams t on t.id = m.team_id \
                     where t.workspace_id = $1",
                )
                .bind(workspace)
                .fetch_all(self.reader())
                .await?;
                let mut by_team: std::collections::HashMap<
                    $crate::domain::TeamId,
                    Vec<$crate::domain::AgentId>,
                > = std::collections::HashMap::new();
                for row in members {
                    by_team
                        .entry(row.try_get("team_id")?)
                        .or_default()
                        .push(row.try_get("agent_id")?);
                }
                Ok(rows
                    .into_iter()
                    .map(|row| {
                        let mut agents = by_team.remove(&row.id).unwrap_or_default();
                        agents.sort();
                        row.with_members(agents)
                    })
                    .collect())
            }

            async fn team(
                &self,
                workspace: $crate::domain::WorkspaceId,
                id: $crate::domain::TeamId,
            ) -> $crate::store::StoreResult<Option<$crate::domain::Team>> {
                let row: Option<$crate::store::teams::TeamRow> = sqlx::query_as(&format!(
                    "select {} from teams where workspace_id = $1 and id = $2",
                    $crate::store::teams::TEAM_COLUMNS
                ))
                .bind(workspace)
                .bind(id)
                .fetch_optional(self.reader())
                .await?;
                let Some(row) = row else {
                    return Ok(None);
                };
                let mut agents: Vec<$crate::domain::AgentId> =
                    sqlx::query_scalar("select agent_id from team_members where team_id = $1")
                        .bind(id)
                        .fetch_all(self.reader())
                        .await?;
                agents.sort();
                Ok(Some(row.with_members(agents)))
            }

            async fn write_team(
                &self,
                workspace: $crate::domain::WorkspaceId,
                id: Option<$crate::domain::TeamId>,
                draft: &$crate::store::teams::TeamDraft,
            ) -> $crate::store::StoreResult<
                Result<Option<$crate::domain::Team>, $crate::store::teams::TeamRefusal>,
            > {
                use $crate::store::teams::TeamRefusal;
                let mut tx = self.writer().begin().await?;
                let now = $crate::domain::Timestamp::now();
                let hours = draft.hours.as_ref().map(sqlx::types::Json);
                let written = match id {
                    None => sqlx::query_scalar(
                        "insert into teams (id, workspace_id, name, assignment, hours, created_at, updated_at) \
                         values ($1, $2, $3, $4, $5, $6, $6) on conflict (workspace_id, name) do nothing \
                         returning id",
                    )
                    .bind($crate::domain::TeamId::new())
                    .bind(workspace)
                    .bind(&draft.name)
                    .bind(draft.assignment.as_str())
                    .bind(hours)
                    .bind(now)
                    .fetch_optional(&mut *tx)
                    .await?,
                    Some(id) => {
                        let exists: Option<$crate::domain::TeamId> = sqlx::query_scalar(
                            "select id from teams where workspace_id = $1 and id = $2",
                        )
                        .bind(workspace)
                        .bind(id)
                        .fetch_optional(&mut *tx)
                        .await?;
                        if exists.is_none() {
                            return Ok(Ok(None));
                        }
                        let taken: bool = sqlx::query_scalar(
                            "select exists (select 1 from teams where workspace_id = $1 and name = $2 and id <> $3)",
                        )
                        .bind(workspace)
                        .bind(&draft.name)
                        .bind(id)
                        .fetch_one(&mut *tx)
                        .await?;
                        if taken {
                            None
                        } else {
                            sqlx::query(
                                "update teams set name = $3, assignment = $4, hours = $5, updated_at = $6 \
                                 where workspace_id = $1 and id = $2",
                            )
                            .bind(workspace)
                            .bind(id)
                            .bind(&draft.name)
                            .bind(draft.assignment.as_str())
                            .bind(hours)
                            .bind(now)
                            .execute(&mut *tx)
                            .await?;
                            Some(id)
                        }
                    }
                };
                let Some(team) = written else {
                    return Ok(Err(TeamRefusal::NameTaken));
                };
                sqlx::query("delete from team_members where team_id = $1")
                    .bind(team)
                    .execute(&mut *tx)
                    .await?;
                for agent in &draft.agent_ids {
                    let added = sqlx::query(
                        "insert into team_members (team_id, agent_id) \
                         select $1, id from agents where workspace_id = $2 and id = $3 \
                         on conflict do nothing",
                    )
                    .bind(team)
                    .bind(workspace)
                    .bind(agent)
                    .execute(&mut *tx)
                    .await?;
                    let member: bool = sqlx::query_scalar(
                        "select exists (select 1 from agents where workspace_id = $1 and id = $2)",
                    )
                    .bind(workspace)
                    .bind(agent)
                    .fetch_one(&mut *tx)
                    .await?;
                    if added.rows_affected() == 0 && !member {
                        return Ok(Err(TeamRefusal::UnknownAgent(*agent)));
                    }
                }
                tx.commit().await?;
                Ok(Ok(self.team(workspace, team).await?))
            }

            async fn delete_team(
                &self,
                workspace: $crate::domain::WorkspaceId,
                id: $crate::domain::TeamId,
            ) -> $crate::store::StoreResult<bool> {
                let done = sqlx::query("delete from teams where workspace_id = $1 and id = $2")
                    .bind(workspace)
                    .bind(id)
                    .execute(self.writer())
                    .await?;
                Ok(done.rows_affected() > 0)
            }
        }
    };
}

pub(crate) use impl_teams;
