//! The workspace's administration, the same SQL on both backends: sites, agents and canned
//! responses, each created, changed and removed within one workspace.
//!
//! Written once in `impl_admin!` and instantiated for each backend, as `catalog.rs` is.

use async_trait::async_trait;

use super::StoreResult;
use crate::domain::{
    Agent, AgentId, AgentRole, ApiKey, ApiKeyId, Canned, CannedId, Email, NewSite, Site, SiteId,
    Timestamp, VisitorId, WorkspaceId,
};

#[derive(Clone, Debug)]
pub struct NewApiKey {
    pub name: String,
    pub role: AgentRole,
    /// Hex SHA-256 of the key.
    pub key_hash: String,
    pub key_prefix: String,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct SiteChange {
    pub name: Option<String>,
    pub allowed_origins: Option<Vec<String>>,
    pub require_identity: Option<bool>,
    pub settings: Option<serde_json::Value>,
    /// `Some(None)` gives the site back to the whole workspace.
    pub team_id: Option<Option<crate::domain::TeamId>>,
}

#[derive(Clone, Debug)]
pub struct NewAgent {
    pub email: Email,
    pub name: String,
    pub password_hash: String,
    pub role: AgentRole,
}

#[derive(Clone, Debug, Default)]
pub struct AgentChange {
    pub name: Option<String>,
    pub role: Option<AgentRole>,
    pub active: Option<bool>,
    pub password_hash: Option<String>,
    pub capacity: Option<i32>,
    pub notify_email: Option<bool>,
}

#[derive(Clone, Debug)]
pub struct NewCanned {
    pub shortcut: String,
    pub title: String,
    pub body: String,
    /// Checked as uploads the canned response may carry.
    pub attachments: crate::domain::Attachments,
}

#[derive(Clone, Debug, Default)]
pub struct CannedChange {
    pub shortcut: Option<String>,
    pub title: Option<String>,
    pub body: Option<String>,
    /// Replaces its files (those left out become orphans, deleted after their time).
    pub attachments: Option<crate::domain::Attachments>,
}

#[async_trait]
pub trait Admin: Send + Sync {
    async fn create_site(&self, workspace: WorkspaceId, site: &NewSite) -> StoreResult<Site>;
    async fn update_site(
        &self,
        workspace: WorkspaceId,
        id: SiteId,
        change: &SiteChange,
    ) -> StoreResult<Option<Site>>;
    /// Makes `secret` current and keeps the current one as the previous, still accepted.
    async fn rotate_site_secret(
        &self,
        workspace: WorkspaceId,
        id: SiteId,
        secret: &str,
    ) -> StoreResult<Option<Site>>;
    async fn delete_site(&self, workspace: WorkspaceId, id: SiteId) -> StoreResult<bool>;

    async fn create_agent(&self, workspace: WorkspaceId, agent: &NewAgent) -> StoreResult<Agent>;
    async fn update_agent(
        &self,
        workspace: WorkspaceId,
        id: AgentId,
        change: &AgentChange,
    ) -> StoreResult<Option<Agent>>;
    async fn delete_agent(&self, workspace: WorkspaceId, id: AgentId) -> StoreResult<bool>;
    /// Erases a visitor with everything of theirs (conversations, messages, files: by cascade;
    /// the files' bytes through the trash).
    async fn delete_visitor(&self, workspace: WorkspaceId, id: VisitorId) -> StoreResult<bool>;
    async fn active_admins(&self, workspace: WorkspaceId) -> StoreResult<i64>;

    async fn canned(&self, workspace: WorkspaceId) -> StoreResult<Vec<Canned>>;
    async fn create_canned(&self, workspace: WorkspaceId, new: &NewCanned) -> StoreResult<Canned>;
    async fn update_canned(
        &self,
        workspace: WorkspaceId,
        id: CannedId,
        change: &CannedChange,
    ) -> StoreResult<Option<Canned>>;
    async fn delete_canned(&self, workspace: WorkspaceId, id: CannedId) -> StoreResult<bool>;

    /// The workspace's API keys, newest first.
    async fn api_keys(&self, workspace: WorkspaceId) -> StoreResult<Vec<ApiKey>>;
    async fn create_api_key(&self, workspace: WorkspaceId, new: &NewApiKey) -> StoreResult<ApiKey>;
    /// Revokes a key.
    async fn delete_api_key(&self, workspace: WorkspaceId, id: ApiKeyId) -> StoreResult<bool>;
    /// The key with this hash, whatever its workspace: this is how a request is authenticated.
    async fn api_key_by_hash(&self, key_hash: &str) -> StoreResult<Option<ApiKey>>;
    /// Sets the status an agent chose; false when it is not the workspace's.
    async fn set_agent_status(
        &self,
        workspace: WorkspaceId,
        agent: AgentId,
        status: crate::domain::AgentStatus,
    ) -> StoreResult<bool>;
    /// Records a use (callers skip it when the last one is recent).
    async fn touch_api_key(&self, id: ApiKeyId, at: Timestamp) -> StoreResult<()>;
}

pub(crate) const CANNED_COLUMNS: &str =
    "id, workspace_id, shortcut, title, body, created_at, updated_at, attachments";

/// Makes `files` (uploads of the workspace) the canned response's, and its earlier files no
/// longer (they become orphans, deleted after their time), in the caller's transaction.
pub(crate) async fn hold_canned_files<'c, DB>(
    tx: &mut sqlx::Transaction<'c, DB>,
    workspace: crate::domain::WorkspaceId,
    canned: crate::domain::CannedId,
    files: &crate::domain::Attachments,
) -> StoreResult<()>
where
    DB: sqlx::Database,
    for<'q> <DB as sqlx::Database>::Arguments<'q>: sqlx::IntoArguments<'q, DB>,
    for<'e> &'e mut <DB as sqlx::Database>::Connection: sqlx::Executor<'e, Database = DB>,
    crate::domain::WorkspaceId: for<'q> sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    crate::domain::CannedId: for<'q> sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    crate::domain::UploadId: for<'q> sqlx::Encode<'q, DB> + sqlx::Type<DB>,
{
    sqlx::query("update uploads set canned_id = null where workspace_id = $1 and canned_id = $2")
        .bind(workspace)
        .bind(canned)
        .execute(&mut **tx)
        .await?;
    for file in &files.0 {
        sqlx::query(
            "update uploads set canned_id = $2 where workspace_id = $1 and id = $3 \
             and message_id is null",
        )
        .bind(workspace)
        .bind(canned)
        .bind(file.id)
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

/// Implements `Admin` for a backend.
macro_rules! impl_admin {
    ($store:ty) => {
        #[async_trait::async_trait]
        impl $crate::store::admin::Admin for $store {
            async fn create_site(
                &self,
                workspace: $crate::domain::WorkspaceId,
                site: &$crate::domain::NewSite,
            ) -> $crate::store::StoreResult<$crate::domain::Site> {
                Ok(sqlx::query_as(concat!(
                    "insert into sites (id, workspace_id, name, site_key, identity_secret, allowed_origins, settings, created_at, updated_at) \
                     values ($1, $2, $3, $4, $5, $6, $7, $8, $8) returning ", $crate::store::site_columns!()
                ))
                .bind($crate::domain::SiteId::new())
                .bind(workspace)
                .bind(&site.name)
                .bind(&site.site_key)
                .bind(&site.identity_secret)
                .bind(sqlx::types::Json(&site.allowed_origins))
                .bind(sqlx::types::Json(&site.settings))
                .bind($crate::domain::Timestamp::now())
                .fetch_one(self.writer())
                .await?)
            }

            async fn update_site(
                &self,
                workspace: $crate::domain::WorkspaceId,
                id: $crate::domain::SiteId,
                change: &$crate::store::admin::SiteChange,
            ) -> $crate::store::StoreResult<Option<$crate::domain::Site>> {
                Ok(sqlx::query_as(concat!(
                    "update sites set name = coalesce($3, name), allowed_origins = coalesce($4, allowed_origins), \
                     require_identity = coalesce($5, require_identity), settings = coalesce($6, settings), updated_at = $7, \
                     team_id = case when $8 then $9 else team_id end \
                     where workspace_id = $1 and id = $2 returning ", $crate::store::site_columns!()
                ))
                .bind(workspace)
                .bind(id)
                .bind(&change.name)
                .bind(change.allowed_origins.as_ref().map(sqlx::types::Json))
                .bind(change.require_identity)
                .bind(change.settings.as_ref().map(sqlx::types::Json))
                .bind($crate::domain::Timestamp::now())
                .bind(change.team_id.is_some())
                .bind(change.team_id.flatten())
                .fetch_optional(self.writer())
                .await?)
            }

            async fn rotate_site_secret(
                &self,
                workspace: $crate::domain::WorkspaceId,
                id: $crate::domain::SiteId,
                secret: &str,
            ) -> $crate::store::StoreResult<Option<$crate::domain::Site>> {
                Ok(sqlx::query_as(concat!(
                    "update sites set previous_identity_secret = identity_secret, identity_secret = $3, updated_at = $4 \
                     where workspace_id = $1 and id = $2 returning ", $crate::store::site_columns!()
                ))
                .bind(workspace)
                .bind(id)
                .bind(secret)
                .bind($crate::domain::Timestamp::now())
                .fetch_optional(self.writer())
                .await?)
            }

            async fn delete_site(
                &self,
                workspace: $crate::domain::WorkspaceId,
                id: $crate::domain::SiteId,
            ) -> $crate::store::StoreResult<bool> {
                let done = sqlx::query("delete from sites where workspace_id = $1 and id = $2")
                    .bind(workspace)
                    .bind(id)
                    .execute(self.writer())
                    .await?;
                Ok(done.rows_affected() > 0)
            }

            async fn create_agent(
                &self,
                workspace: $crate::domain::WorkspaceId,
                agent: &$crate::store::admin::NewAgent,
            ) -> $crate::store::StoreResult<$crate::domain::Agent> {
                Ok(sqlx::query_as(concat!(
                    "insert into agents (id, workspace_id, email, name, password_hash, role, active, created_at, updated_at) \
                     values ($1, $2, $3, $4, $5, $6, $7, $8, $8) returning ", $crate::store::agent_columns!()
                ))
                .bind($crate::domain::AgentId::new())
                .bind(workspace)
                .bind(&agent.email)
                .bind(&agent.name)
                .bind(&agent.password_hash)
                .bind(agent.role)
                .bind(true)
                .bind($crate::domain::Timestamp::now())
                .fetch_one(self.writer())
                .await?)
            }

            async fn update_agent(
                &self,
                workspace: $crate::domain::WorkspaceId,
                id: $crate::domain::AgentId,
                change: &$crate::store::admin::AgentChange,
            ) -> $crate::store::StoreResult<Option<$crate::domain::Agent>> {
                Ok(sqlx::query_as(concat!(
                    "update agents set name = coalesce($3, name), role = coalesce($4, role), active = coalesce($5, active), \
                     password_hash = coalesce($6, password_hash), updated_at = $7, capacity = coalesce($8, capacity), \
                     notify_email = coalesce($9, notify_email), \
                     token_version = token_version + case when $6 is not null or $5 = false then 1 else 0 end \
                     where workspace_id = $1 and id = $2 returning ", $crate::store::agent_columns!()
                ))
                .bind(workspace)
                .bind(id)
                .bind(&change.name)
                .bind(change.role)
                .bind(change.active)
                .bind(&change.password_hash)
                .bind($crate::domain::Timestamp::now())
                .bind(change.capacity)
                .bind(change.notify_email)
                .fetch_optional(self.writer())
                .await?)
            }

            async fn delete_visitor(
                &self,
                workspace: $crate::domain::WorkspaceId,
                id: $crate::domain::VisitorId,
            ) -> $crate::store::StoreResult<bool> {
                // Their conversations, messages, files (through the trash), emails and the
                // search index go with the row; queued or logged webhook events, which name
                // the visitor in their payload or their message, are taken out first.
                let mut tx = self.writer().begin().await?;
                sqlx::query(
                    "delete from webhook_outbox where workspace_id = $1 and (\
                     payload ->> 'visitor_id' = $3 or message_id in (select m.id from messages m \
                     join conversations c on c.id = m.conversation_id \
                     where c.workspace_id = $1 and c.visitor_id = $2))",
                )
                .bind(workspace)
                .bind(id)
                .bind(id.0.to_string())
                .execute(&mut *tx)
                .await?;
                let done = sqlx::query("delete from visitors where workspace_id = $1 and id = $2")
                    .bind(workspace)
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
                tx.commit().await?;
                Ok(done.rows_affected() > 0)
            }

            async fn delete_agent(
                &self,
                workspace: $crate::domain::WorkspaceId,
                id: $crate::domain::AgentId,
            ) -> $crate::store::StoreResult<bool> {
                let done = sqlx::query("delete from agents where workspace_id = $1 and id = $2")
                    .bind(workspace)
                    .bind(id)
                    .execute(self.writer())
                    .await?;
                Ok(done.rows_affected() > 0)
            }

            async fn active_admins(
                &self,
                workspace: $crate::domain::WorkspaceId,
            ) -> $crate::store::StoreResult<i64> {
                Ok(sqlx::query_scalar(
                    "select count(*) from agents where workspace_id = $1 and role = 'admin' and active = $2",
                )
                .bind(workspace)
                .bind(true)
                .fetch_one(self.reader())
                .await?)
            }

            async fn canned(
                &self,
                workspace: $crate::domain::WorkspaceId,
            ) -> $crate::store::StoreResult<Vec<$crate::domain::Canned>> {
                Ok(sqlx::query_as(&format!(
                    "select {} from canned_responses where workspace_id = $1 order by shortcut",
                    $crate::store::admin::CANNED_COLUMNS
                ))
                .bind(workspace)
                .fetch_all(self.reader())
                .await?)
            }

            async fn create_canned(
                &self,
                workspace: $crate::domain::WorkspaceId,
                new: &$crate::store::admin::NewCanned,
            ) -> $crate::store::StoreResult<$crate::domain::Canned> {
                let sql = format!(
                    "insert into canned_responses (id, workspace_id, shortcut, title, body, created_at, updated_at, attachments) \
                     values ($1, $2, $3, $4, $5, $6, $6, $7) returning {}",
                    $crate::store::admin::CANNED_COLUMNS
                );
                let mut tx = self.writer().begin().await?;
                let canned: $crate::domain::Canned = sqlx::query_as(&sql)
                    .bind($crate::domain::CannedId::new())
                    .bind(workspace)
                    .bind(new.shortcut.clone())
                    .bind(new.title.clone())
                    .bind(new.body.clone())
                    .bind($crate::domain::Timestamp::now())
                    .bind(new.attachments.stored().map(sqlx::types::Json))
                    .fetch_one(&mut *tx)
                    .await?;
                $crate::store::admin::hold_canned_files(&mut tx, workspace, canned.id, &new.attachments)
                    .await?;
                tx.commit().await?;
                Ok(canned)
            }

            async fn update_canned(
                &self,
                workspace: $crate::domain::WorkspaceId,
                id: $crate::domain::CannedId,
                change: &$crate::store::admin::CannedChange,
            ) -> $crate::store::StoreResult<Option<$crate::domain::Canned>> {
                let sql = format!(
                    "update canned_responses set shortcut = coalesce($3, shortcut), title = coalesce($4, title), \
                     body = coalesce($5, body), updated_at = $6, \
                     attachments = case when $7 then $8 else attachments end \
                     where workspace_id = $1 and id = $2 returning {}",
                    $crate::store::admin::CANNED_COLUMNS
                );
                let mut tx = self.writer().begin().await?;
                let canned: Option<$crate::domain::Canned> = sqlx::query_as(&sql)
                    .bind(workspace)
                    .bind(id)
                    .bind(change.shortcut.clone())
                    .bind(change.title.clone())
                    .bind(change.body.clone())
                    .bind($crate::domain::Timestamp::now())
                    .bind(change.attachments.is_some())
                    .bind(change.attachments.as_ref().and_then(|a| a.stored()).map(sqlx::types::Json))
                    .fetch_optional(&mut *tx)
                    .await?;
                if let (Some(canned), Some(files)) = (&canned, &change.attachments) {
                    $crate::store::admin::hold_canned_files(&mut tx, workspace, canned.id, files)
                        .await?;
                }
                tx.commit().await?;
                Ok(canned)
            }

            async fn delete_canned(
                &self,
                workspace: $crate::domain::WorkspaceId,
                id: $crate::domain::CannedId,
            ) -> $crate::store::StoreResult<bool> {
                let done = sqlx::query("delete from canned_responses where workspace_id = $1 and id = $2")
                    .bind(workspace)
                    .bind(id)
                    .execute(self.writer())
                    .await?;
                Ok(done.rows_affected() > 0)
            }

            async fn api_keys(
                &self,
                workspace: $crate::domain::WorkspaceId,
            ) -> $crate::store::StoreResult<Vec<$crate::domain::ApiKey>> {
                Ok(sqlx::query_as(
                    "select id, workspace_id, name, role, key_prefix, created_at, last_used_at \
                     from api_keys where workspace_id = $1 order by created_at desc, id desc",
                )
                .bind(workspace)
                .fetch_all(self.reader())
                .await?)
            }

            async fn create_api_key(
                &self,
                workspace: $crate::domain::WorkspaceId,
                new: &$crate::store::admin::NewApiKey,
            ) -> $crate::store::StoreResult<$crate::domain::ApiKey> {
                Ok(sqlx::query_as(
                    "insert into api_keys (id, workspace_id, name, role, key_hash, key_prefix, created_at) \
                     values ($1, $2, $3, $4, $5, $6, $7) \
                     returning id, workspace_id, name, role, key_prefix, created_at, last_used_at",
                )
                .bind($crate::domain::ApiKeyId::new())
                .bind(workspace)
                .bind(&new.name)
                .bind(new.role)
                .bind(&new.key_hash)
                .bind(&new.key_prefix)
                .bind($crate::domain::Timestamp::now())
                .fetch_one(self.writer())
                .await?)
            }

            async fn delete_api_key(
                &self,
                workspace: $crate::domain::WorkspaceId,
                id: $crate::domain::ApiKeyId,
            ) -> $crate::store::StoreResult<bool> {
                let done = sqlx::query("delete from api_keys where workspace_id = $1 and id = $2")
                    .bind(workspace)
                    .bind(id)
                    .execute(self.writer())
                    .await?;
                Ok(done.rows_affected() > 0)
            }

            async fn api_key_by_hash(
                &self,
                key_hash: &str,
            ) -> $crate::store::StoreResult<Option<$crate::domain::ApiKey>> {
                Ok(sqlx::query_as(
                    "select id, workspace_id, name, role, key_prefix, created_at, last_used_at \
                     from api_keys where key_hash = $1",
                )
                .bind(key_hash)
                .fetch_optional(self.reader())
                .await?)
            }

            async fn set_agent_status(
                &self,
                workspace: $crate::domain::WorkspaceId,
                agent: $crate::domain::AgentId,
                status: $crate::domain::AgentStatus,
            ) -> $crate::store::StoreResult<bool> {
                let done = sqlx::query(
                    "update agents set status = $3 where workspace_id = $1 and id = $2",
                )
                .bind(workspace)
                .bind(agent)
                .bind(status.as_str())
                .execute(self.writer())
                .await?;
                Ok(done.rows_affected() > 0)
            }

            async fn touch_api_key(
                &self,
                id: $crate::domain::ApiKeyId,
                at: $crate::domain::Timestamp,
            ) -> $crate::store::StoreResult<()> {
                sqlx::query("update api_keys set last_used_at = $2 where id = $1")
                    .bind(id)
                    .bind(at)
                    .execute(self.writer())
                    .await?;
                Ok(())
            }
        }
    };
}

pub(crate) use impl_admin;
