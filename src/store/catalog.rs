//! The queries both backends share for the messaging paths: lookups of sites, agents, visitors
//! and conversations, catch-up reads, and the inbox listing. The workspace's administration
//! (sites, agents, canned responses, webhooks) is `admin.rs`.
//!
//! These statements are the same SQL on Postgres and SQLite (parameters are `$n`, times and
//! ids are bound, never literals), so they are written once, in `impl_catalog!`, and
//! instantiated for each backend. The inbox, whose text search differs, is `inbox.rs`.

use async_trait::async_trait;

use super::{Audience, StoreResult};
use crate::domain::{
    Agent, AgentId, Conversation, ConversationId, Email, Message, Site, SiteId, SiteKey, Timestamp,
    Visitor, VisitorBlock, VisitorId, VisitorPage, Workspace, WorkspaceId,
};

/// Where a page of a keyset-paged list starts: after this (time, id).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Cursor {
    pub at: Timestamp,
    pub id: uuid::Uuid,
}

impl Cursor {
    /// The opaque form clients pass back as `?cursor=`.
    pub fn encode(&self) -> String {
        format!("{}_{}", self.at.as_micros(), self.id.simple())
    }

    pub fn decode(text: &str) -> Option<Self> {
        let (micros, id) = text.split_once('_')?;
        Some(Self {
            at: Timestamp::from_micros(micros.parse().ok()?)?,
            id: uuid::Uuid::parse_str(id).ok()?,
        })
    }
}

#[async_trait]
pub trait Catalog: Send + Sync {
    async fn workspace_count(&self) -> StoreResult<i64>;
    async fn workspace(&self, id: WorkspaceId) -> StoreResult<Option<Workspace>>;
    async fn site_by_key(&self, key: &SiteKey) -> StoreResult<Option<Site>>;
    async fn site(&self, workspace: WorkspaceId, id: SiteId) -> StoreResult<Option<Site>>;
    /// The oldest site of the oldest workspace (the demo page's default).
    async fn first_site(&self) -> StoreResult<Option<Site>>;
    /// The workspace's sites, oldest first.
    async fn sites(&self, workspace: WorkspaceId) -> StoreResult<Vec<Site>>;
    /// The accounts with this email, oldest first: one per workspace at most, and at most
    /// `LOGIN_CANDIDATES` of them; only `workspace`'s when given.
    async fn agents_by_email(
        &self,
        email: &Email,
        workspace: Option<WorkspaceId>,
    ) -> StoreResult<Vec<Agent>>;
    async fn agent(&self, workspace: WorkspaceId, id: AgentId) -> StoreResult<Option<Agent>>;
    /// The workspace's agents, by name.
    async fn agents(&self, workspace: WorkspaceId) -> StoreResult<Vec<Agent>>;
    async fn visitor(&self, workspace: WorkspaceId, id: VisitorId) -> StoreResult<Option<Visitor>>;
    /// The visitor's latest pages; none when the visitor is not the workspace's.
    async fn pages(
        &self,
        workspace: WorkspaceId,
        visitor: VisitorId,
        limit: i64,
    ) -> StoreResult<Vec<VisitorPage>>;
    /// Whether the workspace blocks anyone at all.
    async fn has_blocks(&self, workspace: WorkspaceId) -> StoreResult<bool>;
    /// Whether the visitor, or anyone of the workspace from `ip`, is blocked.
    async fn is_blocked(
        &self,
        workspace: WorkspaceId,
        visitor: Option<VisitorId>,
        ip: Option<&str>,
    ) -> StoreResult<bool>;
    /// Blocks a visitor of the workspace (again: replaces the reason and address); `None`
    /// when it is not the workspace's.
    async fn block_visitor(
        &self,
        workspace: WorkspaceId,
        visitor: VisitorId,
        reason: &str,
        with_ip: bool,
        by: AgentId,
    ) -> StoreResult<Option<VisitorBlock>>;
    async fn unblock_visitor(
        &self,
        workspace: WorkspaceId,
        visitor: VisitorId,
    ) -> StoreResult<bool>;
    async fn visitor_block(
        &self,
        workspace: WorkspaceId,
        visitor: VisitorId,
    ) -> StoreResult<Option<VisitorBlock>>;
    /// The workspace's blocks, newest first.
    async fn visitor_blocks(&self, workspace: WorkspaceId) -> StoreResult<Vec<VisitorBlock>>;
    /// The visitor with this verified external id on the site.
    async fn visitor_by_external_id(
        &self,
        site: SiteId,
        external_id: &str,
    ) -> StoreResult<Option<Visitor>>;
    /// The visitor's most recent conversation on the site (open or resolved), if any.
    async fn latest_conversation(
        &self,
        site: SiteId,
        visitor: VisitorId,
    ) -> StoreResult<Option<Conversation>>;
    /// The visitor's open conversation on the site, if any.
    async fn open_conversation(
        &self,
        site: SiteId,
        visitor: VisitorId,
    ) -> StoreResult<Option<Conversation>>;
    async fn conversation(
        &self,
        workspace: WorkspaceId,
        id: ConversationId,
    ) -> StoreResult<Option<Conversation>>;
    /// Open conversations of a workspace, most recent activity first.
    async fn open_conversations(
        &self,
        workspace: WorkspaceId,
        limit: i64,
    ) -> StoreResult<Vec<Conversation>>;
    /// Messages with `seq > after_seq`, ascending, at most `limit`; none when the
    /// conversation is not the workspace's.
    async fn messages_after(
        &self,
        workspace: WorkspaceId,
        conversation: ConversationId,
        after_seq: i64,
        limit: i64,
        audience: Audience,
    ) -> StoreResult<Vec<Message>>;
    /// Stores `value` under `key` unless a value is there already; returns the stored value,
    /// so that concurrent first starts agree on one.
    async fn setting_or_insert(&self, key: &str, value: &str) -> StoreResult<String>;
    async fn insert_visitor(&self, visitor: &Visitor) -> StoreResult<()>;
    /// Records pages the visitor saw, in order; nothing when the visitor is not the
    /// workspace's. A page at the address of the visitor's latest is a reload: not repeated.
    async fn record_pages(
        &self,
        workspace: WorkspaceId,
        visitor: VisitorId,
        pages: &[VisitorPage],
    ) -> StoreResult<()>;
    /// Saves a visitor's profile fields (identity, name, email, user agent, last seen).
    async fn update_visitor(&self, visitor: &Visitor) -> StoreResult<()>;
    /// Saves a visitor's own name and email, and nothing else; only while it is anonymous (an
    /// identified person's are the site's to set). False when nothing was written.
    async fn update_visitor_profile(
        &self,
        workspace: WorkspaceId,
        visitor: VisitorId,
        name: Option<&str>,
        email: Option<&str>,
    ) -> StoreResult<bool>;

    async fn visitor_conversations(
        &self,
        workspace: WorkspaceId,
        visitor: VisitorId,
    ) -> StoreResult<Vec<Conversation>>;
}

/// Pages kept per visitor; older ones are forgotten as new ones come.
pub const PAGES_KEPT: i64 = 100;

/// Accounts of one email a login checks the password against (each check is an argon2 hash).
/// The same person rarely works in more workspaces than this; beyond it, login names the
/// workspace.
pub const LOGIN_CANDIDATES: i64 = 5;

/// Implements `Catalog` for a backend.
macro_rules! impl_catalog {
    ($store:ty) => {
        #[async_trait::async_trait]
        impl $crate::store::catalog::Catalog for $store {
            async fn workspace(&self, id: WorkspaceId) -> StoreResult<Option<Workspace>> {
                Ok(sqlx::query_as("select id, name, created_at from workspaces where id = $1")
                    .bind(id)
                    .fetch_optional(self.reader())
                    .await?)
            }

            async fn workspace_count(&self) -> StoreResult<i64> {
                Ok(sqlx::query_scalar("select count(*) from workspaces")
                    .fetch_one(self.reader())
                    .await?)
            }

            async fn site_by_key(&self, key: &SiteKey) -> StoreResult<Option<Site>> {
                Ok(sqlx::query_as(concat!(
                    "select ",
                    site_columns!(),
                    " from sites where site_key = $1"
                ))
                .bind(key)
                .fetch_optional(self.reader())
                .await?)
            }

            async fn site(&self, workspace: WorkspaceId, id: SiteId) -> StoreResult<Option<Site>> {
                Ok(sqlx::query_as(concat!(
                    "select ",
                    site_columns!(),
                    " from sites where workspace_id = $1 and id = $2"
                ))
                .bind(workspace)
                .bind(id)
                .fetch_optional(self.reader())
                .await?)
            }

            async fn first_site(&self) -> StoreResult<Option<Site>> {
                Ok(sqlx::query_as(concat!(
                    "select ",
                    site_columns!(),
                    " from sites order by created_at, id limit 1"
                ))
                .fetch_optional(self.reader())
                .await?)
            }

            async fn sites(&self, workspace: WorkspaceId) -> StoreResult<Vec<Site>> {
                Ok(sqlx::query_as(concat!(
                    "select ",
                    site_columns!(),
                    " from sites where workspace_id = $1 order by created_at, id"
                ))
                .bind(workspace)
                .fetch_all(self.reader())
                .await?)
            }

            async fn has_blocks(&self, workspace: WorkspaceId) -> StoreResult<bool> {
                Ok(sqlx::query_scalar(
                    "select exists (select 1 from visitor_blocks where workspace_id = $1)",
                )
                .bind(workspace)
                .fetch_one(self.reader())
                .await?)
            }

            async fn is_blocked(
                &self,
                workspace: WorkspaceId,
                visitor: Option<VisitorId>,
                ip: Option<&str>,
            ) -> StoreResult<bool> {
                Ok(sqlx::query_scalar(
                    "select exists (select 1 from visitor_blocks where workspace_id = $1 \
                     and (visitor_id = $2 or ip = $3))",
                )
                .bind(workspace)
                .bind(visitor)
                .bind(ip)
                .fetch_one(self.reader())
                .await?)
            }

            async fn block_visitor(
                &self,
                workspace: WorkspaceId,
                visitor: VisitorId,
                reason: &str,
                with_ip: bool,
                by: AgentId,
            ) -> StoreResult<Option<$crate::domain::VisitorBlock>> {
                let done = sqlx::query(
                    "insert into visitor_blocks (id, workspace_id, visitor_id, ip, reason, blocked_by, created_at) \
                     select $1, workspace_id, id, case when $4 then last_ip else null end, $5, $6, $7 \
                     from visitors where workspace_id = $2 and id = $3 \
                     on conflict (workspace_id, visitor_id) do update set ip = excluded.ip, \
                     reason = excluded.reason, blocked_by = excluded.blocked_by, created_at = excluded.created_at",
                )
                .bind(uuid::Uuid::new_v4())
                .bind(workspace)
                .bind(visitor)
                .bind(with_ip)
                .bind(reason)
                .bind(by)
                .bind(Timestamp::now())
                .execute(self.writer())
                .await?;
                if done.rows_affected() == 0 {
                    return Ok(None);
                }
                self.visitor_block(workspace, visitor).await
            }

            async fn unblock_visitor(
                &self,
                workspace: WorkspaceId,
                visitor: VisitorId,
            ) -> StoreResult<bool> {
                let done = sqlx::query(
                    "delete from visitor_blocks where workspace_id = $1 and visitor_id = $2",
                )
                .bind(workspace)
                .bind(visitor)
                .execute(self.writer())
                .await?;
                Ok(done.rows_affected() > 0)
            }

            async fn visitor_block(
                &self,
                workspace: WorkspaceId,
                visitor: VisitorId,
            ) -> StoreResult<Option<$crate::domain::VisitorBlock>> {
                Ok(sqlx::query_as(
                    "select b.visitor_id, v.name as visitor_name, b.ip, b.reason, b.blocked_by, b.created_at \
                     from visitor_blocks b join visitors v on v.id = b.visitor_id \
                     where b.workspace_id = $1 and b.visitor_id = $2",
                )
                .bind(workspace)
                .bind(visitor)
                .fetch_optional(self.reader())
                .await?)
            }

            async fn visitor_blocks(&self, workspace: WorkspaceId) -> StoreResult<Vec<$crate::domain::VisitorBlock>> {
                Ok(sqlx::query_as(
                    "select b.visitor_id, v.name as visitor_name, b.ip, b.reason, b.blocked_by, b.created_at \
                     from visitor_blocks b join visitors v on v.id = b.visitor_id \
                     where b.workspace_id = $1 order by b.created_at desc, b.id desc limit 1000",
                )
                .bind(workspace)
                .fetch_all(self.reader())
                .await?)
            }

            async fn agents_by_email(
                &self,
                email: &Email,
                workspace: Option<WorkspaceId>,
            ) -> StoreResult<Vec<Agent>> {
                Ok(sqlx::query_as(concat!(
                    "select ",
                    agent_columns!(),
                    " from agents where email = $1 and ($2 is null or workspace_id = $2) \
                     order by created_at, id limit $3"
                ))
                .bind(email)
                .bind(workspace)
                .bind($crate::store::catalog::LOGIN_CANDIDATES)
                .fetch_all(self.reader())
                .await?)
            }

            async fn agent(&self, workspace: WorkspaceId, id: AgentId) -> StoreResult<Option<Agent>> {
                Ok(sqlx::query_as(concat!(
                    "select ",
                    agent_columns!(),
                    " from agents where workspace_id = $1 and id = $2"
                ))
                .bind(workspace)
                .bind(id)
                .fetch_optional(self.reader())
                .await?)
            }

            async fn agents(&self, workspace: WorkspaceId) -> StoreResult<Vec<Agent>> {
                Ok(sqlx::query_as(concat!(
                    "select ",
                    agent_columns!(),
                    " from agents where workspace_id = $1 order by name, id"
                ))
                .bind(workspace)
                .fetch_all(self.reader())
                .await?)
            }

            async fn visitor(&self, workspace: WorkspaceId, id: VisitorId) -> StoreResult<Option<Visitor>> {
                Ok(sqlx::query_as(concat!(
                    "select ",
                    visitor_columns!(),
                    " from visitors where workspace_id = $1 and id = $2"
                ))
                .bind(workspace)
                .bind(id)
                .fetch_optional(self.reader())
                .await?)
            }

            async fn pages(
                &self,
                workspace: WorkspaceId,
                visitor: VisitorId,
                limit: i64,
            ) -> StoreResult<Vec<VisitorPage>> {
                Ok(sqlx::query_as(
                    "select p.url, p.title, p.referrer, p.seen_at from visitor_pages p \
                     join visitors v on v.id = p.visitor_id \
                     where p.visitor_id = $1 and v.workspace_id = $3 \
                     order by p.seen_at desc, p.id desc limit $2",
                )
                .bind(visitor)
                .bind(limit)
                .bind(workspace)
                .fetch_all(self.reader())
                .await?)
            }

            async fn visitor_by_external_id(
                &self,
                site: SiteId,
                external_id: &str,
            ) -> StoreResult<Option<Visitor>> {
                Ok(sqlx::query_as(concat!(
                    "select ",
                    visitor_columns!(),
                    " from visitors where site_id = $1 and external_id = $2"
                ))
                .bind(site)
                .bind(external_id)
                .fetch_optional(self.reader())
                .await?)
            }

            async fn latest_conversation(
                &self,
                site: SiteId,
                visitor: VisitorId,
            ) -> StoreResult<Option<Conversation>> {
                Ok(sqlx::query_as(concat!(
                    "select ",
                    conversation_columns!(),
                    " from conversations where site_id = $1 and visitor_id = $2 \
                     order by (status = 'open') desc, last_activity_at desc, id desc limit 1"
                ))
                .bind(site)
                .bind(visitor)
                .fetch_optional(self.reader())
                .await?)
            }

            async fn open_conversation(
                &self,
                site: SiteId,
                visitor: VisitorId,
            ) -> StoreResult<Option<Conversation>> {
                Ok(sqlx::query_as(concat!(
                    "select ",
                    conversation_columns!(),
                    " from conversations \
                     where site_id = $1 and visitor_id = $2 and status = 'open'"
                ))
                .bind(site)
                .bind(visitor)
                .fetch_optional(self.reader())
                .await?)
            }

            async fn conversation(
                &self,
                workspace: WorkspaceId,
                id: ConversationId,
            ) -> StoreResult<Option<Conversation>> {
                Ok(sqlx::query_as(concat!(
                    "select ",
                    conversation_columns!(),
                    " from conversations where workspace_id = $1 and id = $2"
                ))
                .bind(workspace)
                .bind(id)
                .fetch_optional(self.reader())
                .await?)
            }

            async fn open_conversations(
                &self,
                workspace: WorkspaceId,
                limit: i64,
            ) -> StoreResult<Vec<Conversation>> {
                Ok(sqlx::query_as(concat!(
                    "select ",
                    conversation_columns!(),
                    " from conversations where workspace_id = $1 and status = 'open' \
                     order by last_activity_at desc, id desc limit $2"
                ))
                .bind(workspace)
                .bind(limit)
                .fetch_all(self.reader())
                .await?)
            }

            async fn messages_after(
                &self,
                workspace: WorkspaceId,
                conversation: ConversationId,
                after_seq: i64,
                limit: i64,
                audience: Audience,
            ) -> StoreResult<Vec<Message>> {
                Ok(sqlx::query_as(concat!(
                    "select ",
                    message_columns!(),
                    " from messages where conversation_id = $1 and seq > $2 \
                     and exists (select 1 from conversations c where c.id = $1 and c.workspace_id = $5) \
                     and ($4 or kind <> 'note') order by seq limit $3"
                ))
                .bind(conversation)
                .bind(after_seq)
                .bind(limit)
                .bind(audience.includes_notes())
                .bind(workspace)
                .fetch_all(self.reader())
                .await?)
            }

            #[tracing::instrument(skip_all, err)]
            async fn setting_or_insert(&self, key: &str, value: &str) -> StoreResult<String> {
                sqlx::query(
                    "insert into server_settings (key, value) values ($1, $2) on conflict (key) do nothing",
                )
                .bind(key)
                .bind(value)
                .execute(self.writer())
                .await?;
                let stored: String = sqlx::query_scalar("select value from server_settings where key = $1")
                    .bind(key)
                    .fetch_one(self.writer())
                    .await?;
                Ok(stored)
            }

            #[tracing::instrument(skip_all, err)]
            async fn insert_visitor(&self, v: &Visitor) -> StoreResult<()> {
                sqlx::query(
                    "insert into visitors (id, workspace_id, site_id, external_id, name, email, user_agent, created_at, last_seen_at, \
                     name_signed, email_signed, last_ip) values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
                )
                .bind(v.id)
                .bind(v.workspace_id)
                .bind(v.site_id)
                .bind(&v.external_id)
                .bind(&v.name)
                .bind(&v.email)
                .bind(&v.user_agent)
                .bind(v.created_at)
                .bind(v.last_seen_at)
                .bind(v.name_signed)
                .bind(v.email_signed)
                .bind(&v.last_ip)
                .execute(self.writer())
                .await?;
                Ok(())
            }

            async fn record_pages(
                &self,
                workspace: WorkspaceId,
                visitor: VisitorId,
                pages: &[VisitorPage],
            ) -> StoreResult<()> {
                let mut tx = self.writer().begin().await?;
                for page in pages {
                    sqlx::query(
                        "insert into visitor_pages (visitor_id, url, title, referrer, seen_at) \
                         select id, $2, $3, $4, $5 from visitors where id = $1 and workspace_id = $6 \
                         and coalesce((select p.url from visitor_pages p where p.visitor_id = $1 \
                         order by p.seen_at desc, p.id desc limit 1), '') <> $2",
                    )
                    .bind(visitor)
                    .bind(&page.url)
                    .bind(&page.title)
                    .bind(&page.referrer)
                    .bind(page.seen_at)
                    .bind(workspace)
                    .execute(&mut *tx)
                    .await?;
                }
                // A visitor keeps its latest pages only: a stranger navigating in a loop cannot
                // grow the table without end.
                sqlx::query(
                    "delete from visitor_pages where visitor_id = $1 and id not in \
                     (select id from visitor_pages where visitor_id = $1 \
                      order by seen_at desc, id desc limit $2)",
                )
                .bind(visitor)
                .bind($crate::store::catalog::PAGES_KEPT)
                .execute(&mut *tx)
                .await?;
                tx.commit().await?;
                Ok(())
            }

            #[tracing::instrument(skip_all, err)]
            async fn update_visitor_profile(
                &self,
                workspace: WorkspaceId,
                visitor: VisitorId,
                name: Option<&str>,
                email: Option<&str>,
            ) -> StoreResult<bool> {
                let done = sqlx::query(
                    "update visitors set name = coalesce($3, name), email = coalesce($4, email) \
                     where workspace_id = $1 and id = $2 and external_id is null",
                )
                .bind(workspace)
                .bind(visitor)
                .bind(name)
                .bind(email)
                .execute(self.writer())
                .await?;
                Ok(done.rows_affected() > 0)
            }

            #[tracing::instrument(skip_all, err)]
            async fn update_visitor(&self, v: &Visitor) -> StoreResult<()> {
                sqlx::query(
                    "update visitors set external_id = $3, name = $4, email = $5, user_agent = $6, \
                     last_seen_at = $7, name_signed = $8, email_signed = $9, last_ip = $10 \
                     where workspace_id = $1 and id = $2",
                )
                .bind(v.workspace_id)
                .bind(v.id)
                .bind(&v.external_id)
                .bind(&v.name)
                .bind(&v.email)
                .bind(&v.user_agent)
                .bind(v.last_seen_at)
                .bind(v.name_signed)
                .bind(v.email_signed)
                .bind(&v.last_ip)
                .execute(self.writer())
                .await?;
                Ok(())
            }

            async fn visitor_conversations(
                &self,
                workspace: $crate::domain::WorkspaceId,
                visitor: $crate::domain::VisitorId,
            ) -> $crate::store::StoreResult<Vec<$crate::domain::Conversation>> {
                Ok(sqlx::query_as(concat!(
                    "select ", $crate::store::conversation_columns!(),
                    " from conversations where workspace_id = $1 and visitor_id = $2 order by created_at desc, id desc limit 100"
                ))
                .bind(workspace)
                .bind(visitor)
                .fetch_all(self.reader())
                .await?)
            }
        }
    };
}

pub(crate) use impl_catalog;
