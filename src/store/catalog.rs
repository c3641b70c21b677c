//! The queries both backends share: lookups of sites, agents, visitors and conversations, the
//! inbox listing, and the workspace's catalogue (sites, agents, canned responses, webhooks).
//!
//! These statements are the same SQL on Postgres and SQLite (parameters are `$n`, times and
//! ids are bound, never literals), so they are written once, in `impl_catalog!`, and
//! instantiated for each backend; only the text-search condition differs and is passed in.

use async_trait::async_trait;
use serde::Serialize;

use super::{Audience, ConversationChange, StoreResult};
use crate::domain::{
    Agent, AgentId, AgentRole, AuthorKind, Canned, CannedId, Conversation, ConversationId,
    ConversationStatus, Email, Message, MessageKind, NewSite, Site, SiteId, SiteKey, Timestamp,
    Visitor, VisitorId, VisitorPage, Webhook, WebhookDelivery, WebhookId, WorkspaceId,
};

/// Whose conversations the inbox lists.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AssigneeFilter {
    Any,
    Unassigned,
    Agent(AgentId),
}

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

#[derive(Clone, Debug)]
pub struct InboxQuery {
    pub workspace: WorkspaceId,
    /// The agent asking: its read marks give the unread counts.
    pub viewer: AgentId,
    pub status: Option<ConversationStatus>,
    pub assignee: AssigneeFilter,
    /// Words searched in message text (notes included).
    pub search: Option<String>,
    pub after: Option<Cursor>,
    pub limit: i64,
}

/// A conversation as the inbox shows it.
#[derive(Clone, Debug, PartialEq, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct InboxRow {
    #[sqlx(flatten)]
    #[serde(flatten)]
    pub conversation: Conversation,
    pub visitor_name: Option<String>,
    pub visitor_email: Option<String>,
    /// Whether the visitor's identity is verified by the site.
    #[serde(skip)]
    pub visitor_external_id: Option<String>,
    pub assignee_name: Option<String>,
    /// Messages after the viewer's read mark, not written by the viewer.
    pub unread: i64,
    pub last_body: Option<String>,
    pub last_author_kind: Option<AuthorKind>,
    pub last_kind: Option<MessageKind>,
    /// The visitor's read mark (for "seen" receipts on load); null before any.
    pub visitor_read_seq: Option<i64>,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct SiteChange {
    pub name: Option<String>,
    pub allowed_origins: Option<Vec<String>>,
    pub require_identity: Option<bool>,
    pub settings: Option<serde_json::Value>,
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
}

#[derive(Clone, Debug)]
pub struct NewCanned {
    pub shortcut: String,
    pub title: String,
    pub body: String,
}

#[derive(Clone, Debug, Default)]
pub struct CannedChange {
    pub shortcut: Option<String>,
    pub title: Option<String>,
    pub body: Option<String>,
}

#[derive(Clone, Debug)]
pub struct NewWebhook {
    pub url: String,
    pub secret: String,
    pub events: Vec<String>,
}

#[async_trait]
pub trait Catalog: Send + Sync {
    async fn workspace_count(&self) -> StoreResult<i64>;
    async fn site_by_key(&self, key: &SiteKey) -> StoreResult<Option<Site>>;
    async fn site(&self, workspace: WorkspaceId, id: SiteId) -> StoreResult<Option<Site>>;
    /// The oldest site of the oldest workspace (the demo page's default).
    async fn first_site(&self) -> StoreResult<Option<Site>>;
    /// The workspace's sites, oldest first.
    async fn sites(&self, workspace: WorkspaceId) -> StoreResult<Vec<Site>>;
    async fn agent_by_email(&self, email: &Email) -> StoreResult<Option<Agent>>;
    async fn agent(&self, workspace: WorkspaceId, id: AgentId) -> StoreResult<Option<Agent>>;
    /// The workspace's agents, by name.
    async fn agents(&self, workspace: WorkspaceId) -> StoreResult<Vec<Agent>>;
    async fn visitor(&self, workspace: WorkspaceId, id: VisitorId) -> StoreResult<Option<Visitor>>;
    async fn pages(&self, visitor: VisitorId, limit: i64) -> StoreResult<Vec<VisitorPage>>;
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
    /// Messages with `seq > after_seq`, ascending, at most `limit`.
    async fn messages_after(
        &self,
        conversation: ConversationId,
        after_seq: i64,
        limit: i64,
        audience: Audience,
    ) -> StoreResult<Vec<Message>>;
    /// Stores `value` under `key` unless a value is there already; returns the stored value,
    /// so that concurrent first starts agree on one.
    async fn setting_or_insert(&self, key: &str, value: &str) -> StoreResult<String>;
    async fn insert_visitor(&self, visitor: &Visitor) -> StoreResult<()>;
    async fn record_page(&self, visitor: VisitorId, page: &VisitorPage) -> StoreResult<()>;
    /// Saves a visitor's profile fields (identity, name, email, user agent, last seen).
    async fn update_visitor(&self, visitor: &Visitor) -> StoreResult<()>;
    /// Changes a conversation's status and/or assignee; `None` when it is not the workspace's.
    async fn update_conversation(
        &self,
        workspace: WorkspaceId,
        id: ConversationId,
        change: &ConversationChange,
    ) -> StoreResult<Option<Conversation>>;

    async fn inbox(&self, query: &InboxQuery) -> StoreResult<Vec<InboxRow>>;
    async fn inbox_row(
        &self,
        workspace: WorkspaceId,
        viewer: AgentId,
        id: ConversationId,
    ) -> StoreResult<Option<InboxRow>>;
    async fn visitor_conversations(
        &self,
        workspace: WorkspaceId,
        visitor: VisitorId,
    ) -> StoreResult<Vec<Conversation>>;

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

    async fn webhooks(&self, workspace: WorkspaceId) -> StoreResult<Vec<Webhook>>;
    async fn create_webhook(
        &self,
        workspace: WorkspaceId,
        new: &NewWebhook,
    ) -> StoreResult<Webhook>;
    async fn delete_webhook(&self, workspace: WorkspaceId, id: WebhookId) -> StoreResult<bool>;
    /// The webhook's deliveries, newest first; `None` when the webhook is not the workspace's.
    async fn webhook_deliveries(
        &self,
        workspace: WorkspaceId,
        webhook: WebhookId,
        after: Option<Cursor>,
        limit: i64,
    ) -> StoreResult<Option<Vec<WebhookDelivery>>>;
}

macro_rules! inbox_select {
    () => {
        concat!(
            "select c.id, c.workspace_id, c.site_id, c.visitor_id, c.status, c.assignee_id, c.last_seq, \
             c.created_at, c.updated_at, c.last_activity_at, \
             v.name as visitor_name, v.email as visitor_email, v.external_id as visitor_external_id, \
             a.name as assignee_name, \
             (select count(*) from messages m where m.conversation_id = c.id \
                and m.seq > coalesce(r.seq, 0) and not (m.author_kind = 'agent' and m.author_id = $2)) as unread, \
             (select m.body from messages m where m.conversation_id = c.id order by m.seq desc limit 1) as last_body, \
             (select m.author_kind from messages m where m.conversation_id = c.id order by m.seq desc limit 1) as last_author_kind, \
             (select m.kind from messages m where m.conversation_id = c.id order by m.seq desc limit 1) as last_kind, \
             (select max(rv.seq) from read_marks rv where rv.conversation_id = c.id and rv.reader_kind = 'visitor') as visitor_read_seq \
             from conversations c \
             join visitors v on v.id = c.visitor_id \
             left join agents a on a.id = c.assignee_id \
             left join read_marks r on r.conversation_id = c.id and r.reader_kind = 'agent' and r.reader_id = $2 \
             where c.workspace_id = $1 "
        )
    };
}

pub(crate) const DELIVERY_COLUMNS: &str =
    "id, webhook_id, event_id, event, status, attempts, next_attempt_at, \
    last_status_code, last_error, created_at, delivered_at";
pub(crate) const CANNED_COLUMNS: &str =
    "id, workspace_id, shortcut, title, body, created_at, updated_at";
pub(crate) const WEBHOOK_COLUMNS: &str =
    "id, workspace_id, url, secret, events, active, created_at";

/// Implements `Catalog` for a backend. `$search` is the SQL condition that `$6` (the search
/// text, as `search_term` prepares it) matches conversation `c`.
macro_rules! impl_catalog {
    ($store:ty, search = $search:expr, search_term = $term:path) => {
        #[async_trait::async_trait]
        impl $crate::store::catalog::Catalog for $store {
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

            async fn agent_by_email(&self, email: &Email) -> StoreResult<Option<Agent>> {
                Ok(sqlx::query_as(concat!(
                    "select ",
                    agent_columns!(),
                    " from agents where email = $1"
                ))
                .bind(email)
                .fetch_optional(self.reader())
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

            async fn pages(&self, visitor: VisitorId, limit: i64) -> StoreResult<Vec<VisitorPage>> {
                Ok(sqlx::query_as(
                    "select url, title, referrer, seen_at from visitor_pages where visitor_id = $1 \
                     order by seen_at desc, id desc limit $2",
                )
                .bind(visitor)
                .bind(limit)
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
                conversation: ConversationId,
                after_seq: i64,
                limit: i64,
                audience: Audience,
            ) -> StoreResult<Vec<Message>> {
                Ok(sqlx::query_as(concat!(
                    "select ",
                    message_columns!(),
                    " from messages where conversation_id = $1 and seq > $2 \
                     and ($4 or kind <> 'note') order by seq limit $3"
                ))
                .bind(conversation)
                .bind(after_seq)
                .bind(limit)
                .bind(audience.includes_notes())
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
                    "insert into visitors (id, workspace_id, site_id, external_id, name, email, user_agent, created_at, last_seen_at) \
                     values ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
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
                .execute(self.writer())
                .await?;
                Ok(())
            }

            async fn record_page(&self, visitor: VisitorId, page: &VisitorPage) -> StoreResult<()> {
                sqlx::query(
                    "insert into visitor_pages (visitor_id, url, title, referrer, seen_at) values ($1, $2, $3, $4, $5)",
                )
                .bind(visitor)
                .bind(&page.url)
                .bind(&page.title)
                .bind(&page.referrer)
                .bind(page.seen_at)
                .execute(self.writer())
                .await?;
                Ok(())
            }

            #[tracing::instrument(skip_all, err)]
            async fn update_visitor(&self, v: &Visitor) -> StoreResult<()> {
                sqlx::query(
                    "update visitors set external_id = $3, name = $4, email = $5, user_agent = $6, \
                     last_seen_at = $7 where workspace_id = $1 and id = $2",
                )
                .bind(v.workspace_id)
                .bind(v.id)
                .bind(&v.external_id)
                .bind(&v.name)
                .bind(&v.email)
                .bind(&v.user_agent)
                .bind(v.last_seen_at)
                .execute(self.writer())
                .await?;
                Ok(())
            }

            #[tracing::instrument(skip_all, err)]
            async fn update_conversation(
                &self,
                workspace: WorkspaceId,
                id: ConversationId,
                change: &ConversationChange,
            ) -> StoreResult<Option<Conversation>> {
                Ok(sqlx::query_as(concat!(
                    "update conversations set \
                     status = coalesce($3, status), \
                     assignee_id = case when $4 then $5 else assignee_id end, \
                     updated_at = $6 \
                     where workspace_id = $1 and id = $2 returning ",
                    conversation_columns!()
                ))
                .bind(workspace)
                .bind(id)
                .bind(change.status)
                .bind(change.assignee.is_some())
                .bind(change.assignee.flatten())
                .bind(Timestamp::now())
                .fetch_optional(self.writer())
                .await?)
            }

            async fn inbox(
                &self,
                q: &$crate::store::catalog::InboxQuery,
            ) -> $crate::store::StoreResult<Vec<$crate::store::catalog::InboxRow>> {
                use $crate::store::catalog::AssigneeFilter;
                let (mode, assignee) = match q.assignee {
                    AssigneeFilter::Any => ("any", None),
                    AssigneeFilter::Unassigned => ("none", None),
                    AssigneeFilter::Agent(id) => ("agent", Some(id)),
                };
                Ok(sqlx::query_as(concat!(
                    $crate::store::catalog::inbox_select!(),
                    "and ($3 is null or c.status = $3) \
                     and ($4 = 'any' or ($4 = 'none' and c.assignee_id is null) or ($4 = 'agent' and c.assignee_id = $5)) \
                     and ($6 is null or ", $search, ") \
                     and ($7 is null or c.last_activity_at < $7 or (c.last_activity_at = $7 and c.id < $8)) \
                     order by c.last_activity_at desc, c.id desc limit $9"
                ))
                .bind(q.workspace)
                .bind(q.viewer)
                .bind(q.status)
                .bind(mode)
                .bind(assignee)
                .bind(q.search.as_deref().map($term))
                .bind(q.after.map(|c| c.at))
                .bind(q.after.map(|c| c.id))
                .bind(q.limit)
                .fetch_all(self.reader())
                .await?)
            }

            async fn inbox_row(
                &self,
                workspace: $crate::domain::WorkspaceId,
                viewer: $crate::domain::AgentId,
                id: $crate::domain::ConversationId,
            ) -> $crate::store::StoreResult<Option<$crate::store::catalog::InboxRow>> {
                Ok(sqlx::query_as(concat!($crate::store::catalog::inbox_select!(), "and c.id = $3"))
                    .bind(workspace)
                    .bind(viewer)
                    .bind(id)
                    .fetch_optional(self.reader())
                    .await?)
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
                change: &$crate::store::catalog::SiteChange,
            ) -> $crate::store::StoreResult<Option<$crate::domain::Site>> {
                Ok(sqlx::query_as(concat!(
                    "update sites set name = coalesce($3, name), allowed_origins = coalesce($4, allowed_origins), \
                     require_identity = coalesce($5, require_identity), settings = coalesce($6, settings), updated_at = $7 \
                     where workspace_id = $1 and id = $2 returning ", $crate::store::site_columns!()
                ))
                .bind(workspace)
                .bind(id)
                .bind(&change.name)
                .bind(change.allowed_origins.as_ref().map(sqlx::types::Json))
                .bind(change.require_identity)
                .bind(change.settings.as_ref().map(sqlx::types::Json))
                .bind($crate::domain::Timestamp::now())
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
                agent: &$crate::store::catalog::NewAgent,
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
                change: &$crate::store::catalog::AgentChange,
            ) -> $crate::store::StoreResult<Option<$crate::domain::Agent>> {
                Ok(sqlx::query_as(concat!(
                    "update agents set name = coalesce($3, name), role = coalesce($4, role), active = coalesce($5, active), \
                     password_hash = coalesce($6, password_hash), updated_at = $7 \
                     where workspace_id = $1 and id = $2 returning ", $crate::store::agent_columns!()
                ))
                .bind(workspace)
                .bind(id)
                .bind(&change.name)
                .bind(change.role)
                .bind(change.active)
                .bind(&change.password_hash)
                .bind($crate::domain::Timestamp::now())
                .fetch_optional(self.writer())
                .await?)
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
                    $crate::store::catalog::CANNED_COLUMNS
                ))
                .bind(workspace)
                .fetch_all(self.reader())
                .await?)
            }

            async fn create_canned(
                &self,
                workspace: $crate::domain::WorkspaceId,
                new: &$crate::store::catalog::NewCanned,
            ) -> $crate::store::StoreResult<$crate::domain::Canned> {
                let sql = format!(
                    "insert into canned_responses (id, workspace_id, shortcut, title, body, created_at, updated_at) \
                     values ($1, $2, $3, $4, $5, $6, $6) returning {}",
                    $crate::store::catalog::CANNED_COLUMNS
                );
                Ok(sqlx::query_as(&sql)
                    .bind($crate::domain::CannedId::new())
                    .bind(workspace)
                    .bind(new.shortcut.clone())
                    .bind(new.title.clone())
                    .bind(new.body.clone())
                    .bind($crate::domain::Timestamp::now())
                    .fetch_one(self.writer())
                    .await?)
            }

            async fn update_canned(
                &self,
                workspace: $crate::domain::WorkspaceId,
                id: $crate::domain::CannedId,
                change: &$crate::store::catalog::CannedChange,
            ) -> $crate::store::StoreResult<Option<$crate::domain::Canned>> {
                let sql = format!(
                    "update canned_responses set shortcut = coalesce($3, shortcut), title = coalesce($4, title), \
                     body = coalesce($5, body), updated_at = $6 where workspace_id = $1 and id = $2 returning {}",
                    $crate::store::catalog::CANNED_COLUMNS
                );
                Ok(sqlx::query_as(&sql)
                    .bind(workspace)
                    .bind(id)
                    .bind(change.shortcut.clone())
                    .bind(change.title.clone())
                    .bind(change.body.clone())
                    .bind($crate::domain::Timestamp::now())
                    .fetch_optional(self.writer())
                    .await?)
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

            async fn webhooks(
                &self,
                workspace: $crate::domain::WorkspaceId,
            ) -> $crate::store::StoreResult<Vec<$crate::domain::Webhook>> {
                Ok(sqlx::query_as(&format!(
                    "select {} from webhooks where workspace_id = $1 order by created_at, id",
                    $crate::store::catalog::WEBHOOK_COLUMNS
                ))
                .bind(workspace)
                .fetch_all(self.reader())
                .await?)
            }

            async fn create_webhook(
                &self,
                workspace: $crate::domain::WorkspaceId,
                new: &$crate::store::catalog::NewWebhook,
            ) -> $crate::store::StoreResult<$crate::domain::Webhook> {
                let sql = format!(
                    "insert into webhooks (id, workspace_id, url, secret, events, active, created_at) \
                     values ($1, $2, $3, $4, $5, $6, $7) returning {}",
                    $crate::store::catalog::WEBHOOK_COLUMNS
                );
                Ok(sqlx::query_as(&sql)
                    .bind($crate::domain::WebhookId::new())
                    .bind(workspace)
                    .bind(new.url.clone())
                    .bind(new.secret.clone())
                    .bind(sqlx::types::Json(new.events.clone()))
                    .bind(true)
                    .bind($crate::domain::Timestamp::now())
                    .fetch_one(self.writer())
                    .await?)
            }

            async fn delete_webhook(
                &self,
                workspace: $crate::domain::WorkspaceId,
                id: $crate::domain::WebhookId,
            ) -> $crate::store::StoreResult<bool> {
                let done = sqlx::query("delete from webhooks where workspace_id = $1 and id = $2")
                    .bind(workspace)
                    .bind(id)
                    .execute(self.writer())
                    .await?;
                Ok(done.rows_affected() > 0)
            }

            async fn webhook_deliveries(
                &self,
                workspace: $crate::domain::WorkspaceId,
                webhook: $crate::domain::WebhookId,
                after: Option<$crate::store::catalog::Cursor>,
                limit: i64,
            ) -> $crate::store::StoreResult<Option<Vec<$crate::domain::WebhookDelivery>>> {
                let exists: Option<$crate::domain::WebhookId> =
                    sqlx::query_scalar("select id from webhooks where workspace_id = $1 and id = $2")
                        .bind(workspace)
                        .bind(webhook)
                        .fetch_optional(self.reader())
                        .await?;
                if exists.is_none() {
                    return Ok(None);
                }
                let sql = format!(
                    "select {} from webhook_deliveries where webhook_id = $1 \
                     and ($2 is null or created_at < $2 or (created_at = $2 and id < $3)) \
                     order by created_at desc, id desc limit $4",
                    $crate::store::catalog::DELIVERY_COLUMNS
                );
                Ok(Some(
                    sqlx::query_as(&sql)
                        .bind(webhook)
                        .bind(after.map(|c| c.at))
                        .bind(after.map(|c| c.id))
                        .bind(limit)
                        .fetch_all(self.reader())
                        .await?,
                ))
            }
        }
    };
}

pub(crate) use impl_catalog;
pub(crate) use inbox_select;
