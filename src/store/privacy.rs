//! The data lifecycle: a workspace's retention policy and its job, what an export reads, and
//! the audit log of admins' changes.

use async_trait::async_trait;
use serde::Serialize;

use super::StoreResult;
use crate::domain::{
    Conversation, ConversationId, Message, Timestamp, Visitor, VisitorId, WorkspaceId,
};

/// A workspace's name and data policy.
#[derive(Clone, Debug, PartialEq, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct WorkspaceInfo {
    #[schema(value_type = uuid::Uuid)]
    pub id: WorkspaceId,
    pub name: String,
    /// Resolved conversations are deleted this many days after their last resolution; null
    /// keeps them.
    pub retention_days: Option<i32>,
    /// Reports count response and resolution times within each team's business hours only.
    pub reports_business_hours: bool,
    #[schema(value_type = String)]
    pub created_at: Timestamp,
}

/// A change to a workspace: each `Some` is set.
#[derive(Clone, Debug, Default)]
pub struct WorkspaceChange<'a> {
    pub name: Option<&'a str>,
    pub retention_days: Option<Option<i32>>,
    pub reports_business_hours: Option<bool>,
}

/// Who acted, as the audit log names them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ActorKind {
    Agent,
    ApiKey,
    Visitor,
    System,
}

impl ActorKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ActorKind::Agent => "agent",
            ActorKind::ApiKey => "api_key",
            ActorKind::Visitor => "visitor",
            ActorKind::System => "system",
        }
    }

    fn parse(text: &str) -> Self {
        match text {
            "agent" => ActorKind::Agent,
            "api_key" => ActorKind::ApiKey,
            "visitor" => ActorKind::Visitor,
            _ => ActorKind::System,
        }
    }
}

/// One line of the audit log.
#[derive(Clone, Debug, PartialEq)]
pub struct AuditEntry {
    pub id: uuid::Uuid,
    pub workspace: WorkspaceId,
    pub at: Timestamp,
    pub actor_kind: ActorKind,
    pub actor_id: Option<uuid::Uuid>,
    pub actor_name: Option<String>,
    pub ip: Option<String>,
    pub action: crate::domain::audit::Action,
    pub target_id: Option<uuid::Uuid>,
    pub detail: serde_json::Value,
}

/// An audit line as read back.
#[derive(Clone, Debug, PartialEq, sqlx::FromRow)]
pub struct AuditRow {
    pub id: uuid::Uuid,
    pub at: Timestamp,
    pub actor_kind: String,
    pub actor_id: Option<uuid::Uuid>,
    pub actor_name: Option<String>,
    pub ip: Option<String>,
    pub action: String,
    pub target_kind: String,
    pub target_id: Option<uuid::Uuid>,
    pub detail: sqlx::types::Json<serde_json::Value>,
}

impl AuditRow {
    pub fn actor_kind(&self) -> ActorKind {
        ActorKind::parse(&self.actor_kind)
    }
}

/// Where a page of the audit log starts: before this line (newest first).
pub type AuditCursor = super::catalog::Cursor;

#[async_trait]
pub trait Privacy: Send + Sync {
    async fn workspace_info(&self, workspace: WorkspaceId) -> StoreResult<Option<WorkspaceInfo>>;
    /// Sets what is `Some`; `retention_days: Some(None)` keeps everything.
    async fn update_workspace(
        &self,
        workspace: WorkspaceId,
        change: &WorkspaceChange<'_>,
    ) -> StoreResult<Option<WorkspaceInfo>>;
    /// Deletes up to `limit` conversations past their workspace's retention (any workspace),
    /// with their messages and files; how many went, per workspace. Several nodes may run it
    /// at once: each row goes once.
    async fn expire_resolved(
        &self,
        now: Timestamp,
        limit: i64,
    ) -> StoreResult<Vec<(WorkspaceId, i64)>>;
    /// Every message of these conversations of the workspace, by conversation and sequence.
    async fn messages_of(
        &self,
        workspace: WorkspaceId,
        conversations: &[ConversationId],
    ) -> StoreResult<Vec<Message>>;
    /// A page of the workspace's visitors by id, after `after`.
    async fn visitors_after(
        &self,
        workspace: WorkspaceId,
        after: Option<VisitorId>,
        limit: i64,
    ) -> StoreResult<Vec<Visitor>>;
    /// A page of the workspace's conversations by id, after `after`.
    async fn conversations_after(
        &self,
        workspace: WorkspaceId,
        after: Option<ConversationId>,
        limit: i64,
    ) -> StoreResult<Vec<Conversation>>;
    async fn record_audit(&self, entry: &AuditEntry) -> StoreResult<()>;
    /// The workspace's audit log, newest first, of actions starting with `prefix`.
    async fn audit_log(
        &self,
        workspace: WorkspaceId,
        before: Option<AuditCursor>,
        prefix: Option<&str>,
        limit: i64,
    ) -> StoreResult<Vec<AuditRow>>;
}

/// Implements `Privacy` for a backend; `cutoff` is the dialect's "resolved longer ago than the
/// workspace keeps" over `c` (conversations), `w` (workspaces) and `$1` (now).
macro_rules! impl_privacy {
    ($store:ty, cutoff = $cutoff:literal, skip_locked = $skip_locked:literal) => {
        #[async_trait::async_trait]
        impl $crate::store::privacy::Privacy for $store {
            async fn workspace_info(
                &self,
                workspace: $crate::domain::WorkspaceId,
            ) -> $crate::store::StoreResult<Option<$crate::store::privacy::WorkspaceInfo>> {
                Ok(sqlx::query_as(
                    "select id, name, retention_days, reports_business_hours, created_at \
                     from workspaces where id = $1",
                )
                .bind(workspace)
                .fetch_optional(self.reader())
                .await?)
            }

            async fn update_workspace(
                &self,
                workspace: $crate::domain::WorkspaceId,
                change: &$crate::store::privacy::WorkspaceChange<'_>,
            ) -> $crate::store::StoreResult<Option<$crate::store::privacy::WorkspaceInfo>> {
                Ok(sqlx::query_as(
                    "update workspaces set name = coalesce($2, name), \
                     retention_days = case when $3 then $4 else retention_days end, \
                     reports_business_hours = coalesce($5, reports_business_hours) \
                     where id = $1 \
                     returning id, name, retention_days, reports_business_hours, created_at",
                )
                .bind(workspace)
                .bind(change.name)
                .bind(change.retention_days.is_some())
                .bind(change.retention_days.flatten())
                .bind(change.reports_business_hours)
                .fetch_optional(self.writer())
                .await?)
            }

            async fn expire_resolved(
                &self,
                now: $crate::domain::Timestamp,
                limit: i64,
            ) -> $crate::store::StoreResult<Vec<($crate::domain::WorkspaceId, i64)>> {
                let gone: Vec<($crate::domain::WorkspaceId,)> = sqlx::query_as(concat!(
                    "delete from conversations where id in (select c.id from conversations c \
                     join workspaces w on w.id = c.workspace_id \
                     where w.retention_days is not null and c.status = 'resolved' and ",
                    $cutoff,
                    " order by c.resolved_at limit $2 ",
                    $skip_locked,
                    ") returning workspace_id"
                ))
                .bind(now)
                .bind(limit)
                .fetch_all(self.writer())
                .await?;
                let mut counts: Vec<($crate::domain::WorkspaceId, i64)> = Vec::new();
                for (workspace,) in gone {
                    match counts.iter_mut().find(|(w, _)| *w == workspace) {
                        Some((_, n)) => *n += 1,
                        None => counts.push((workspace, 1)),
                    }
                }
                Ok(counts)
            }

            async fn messages_of(
                &self,
                workspace: $crate::domain::WorkspaceId,
                conversations: &[$crate::domain::ConversationId],
            ) -> $crate::store::StoreResult<Vec<$crate::domain::Message>> {
                let mut all = Vec::new();
                // One conversation at a time: each query stays on the (conversation, seq) index.
                for conversation in conversations {
                    let mut some: Vec<$crate::domain::Message> = sqlx::query_as(concat!(
                        "select ",
                        $crate::store::message_columns!(),
                        " from messages m where m.conversation_id = $2 and exists \
                         (select 1 from conversations c where c.id = $2 and c.workspace_id = $1) \
                         order by m.seq"
                    ))
                    .bind(workspace)
                    .bind(conversation)
                    .fetch_all(self.reader())
                    .await?;
                    all.append(&mut some);
                }
                Ok(all)
            }

            async fn visitors_after(
                &self,
                workspace: $crate::domain::WorkspaceId,
                after: Option<$crate::domain::VisitorId>,
                limit: i64,
            ) -> $crate::store::StoreResult<Vec<$crate::domain::Visitor>> {
                Ok(sqlx::query_as(concat!(
                    "select ",
                    $crate::store::visitor_columns!(),
                    " from visitors where workspace_id = $1 and ($2 is null or id > $2) \
                     order by id limit $3"
                ))
                .bind(workspace)
                .bind(after)
                .bind(limit)
                .fetch_all(self.reader())
                .await?)
            }

            async fn conversations_after(
                &self,
                workspace: $crate::domain::WorkspaceId,
                after: Option<$crate::domain::ConversationId>,
                limit: i64,
            ) -> $crate::store::StoreResult<Vec<$crate::domain::Conversation>> {
                Ok(sqlx::query_as(concat!(
                    "select ",
                    $crate::store::conversation_columns!(),
                    " from conversations where workspace_id = $1 and ($2 is null or id > $2) \
                     order by id limit $3"
                ))
                .bind(workspace)
                .bind(after)
                .bind(limit)
                .fetch_all(self.reader())
                .await?)
            }

            async fn record_audit(
                &self,
                entry: &$crate::store::privacy::AuditEntry,
            ) -> $crate::store::StoreResult<()> {
                sqlx::query(
                    "insert into audit_log (id, workspace_id, at, actor_kind, actor_id, actor_name, \
                     ip, action, target_kind, target_id, detail) \
                     values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
                )
                .bind(entry.id)
                .bind(entry.workspace)
                .bind(entry.at)
                .bind(entry.actor_kind.as_str())
                .bind(entry.actor_id)
                .bind(entry.actor_name.as_deref())
                .bind(entry.ip.as_deref())
                .bind(entry.action.as_str())
                .bind(entry.action.target_kind())
                .bind(entry.target_id)
                .bind(sqlx::types::Json(&entry.detail))
                .execute(self.writer())
                .await?;
                Ok(())
            }

            async fn audit_log(
                &self,
                workspace: $crate::domain::WorkspaceId,
                before: Option<$crate::store::privacy::AuditCursor>,
                prefix: Option<&str>,
                limit: i64,
            ) -> $crate::store::StoreResult<Vec<$crate::store::privacy::AuditRow>> {
                Ok(sqlx::query_as(
                    "select id, at, actor_kind, actor_id, actor_name, ip, action, target_kind, \
                     target_id, detail from audit_log where workspace_id = $1 \
                     and ($2 is null or at < $2 or (at = $2 and id < $3)) \
                     and ($4 is null or substr(action, 1, length($4)) = $4) \
                     order by at desc, id desc limit $5",
                )
                .bind(workspace)
                .bind(before.map(|b| b.at))
                .bind(before.map(|b| b.id))
                .bind(prefix)
                .bind(limit)
                .fetch_all(self.reader())
                .await?)
            }
        }
    };
}

pub(crate) use impl_privacy;
