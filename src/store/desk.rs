//! The desk around conversations: embeds a site refused, agents' pictures, the workspace's
//! labels, snoozed conversations coming back, and contacts (visitors as people to find).

use async_trait::async_trait;
use serde::Serialize;

use super::StoreResult;
use crate::domain::{
    AgentId, Conversation, ConversationId, ConversationStatus, LabelId, SiteId, Timestamp,
    VisitorId, WorkspaceId,
};

/// A site keeps this many refused origins, the latest.
pub const REFUSALS_KEPT: i64 = 20;

/// Pages of an origin a site does not allow tried to embed its widget.
#[derive(Clone, Debug, PartialEq, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct OriginRefusal {
    pub origin: String,
    /// Counted at most once a minute per node: a measure, not an exact count.
    pub hits: i64,
    pub first_at: Timestamp,
    pub last_at: Timestamp,
}

/// A label admins define and agents put on conversations.
#[derive(Clone, Debug, PartialEq, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct Label {
    pub id: LabelId,
    pub name: String,
    /// `#rrggbb`.
    pub color: String,
    pub created_at: Timestamp,
}

/// A stored picture.
#[derive(Clone, Debug, PartialEq, sqlx::FromRow)]
pub struct Avatar {
    pub content_type: String,
    pub bytes: Vec<u8>,
}

/// Which contacts to list.
#[derive(Clone, Debug, Default)]
pub struct ContactQuery {
    pub workspace: WorkspaceId,
    /// Text found in the name, email, external id or attributes.
    pub search: Option<String>,
    /// An attribute's name and the value it must have (as text: `true`, `42`, `gold`).
    pub attribute: Option<(String, String)>,
    /// Only visitors whose identity the business verified.
    pub identified_only: bool,
    pub offset: i64,
    pub limit: i64,
}

/// A visitor as the contacts page lists it.
#[derive(Clone, Debug, PartialEq, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct Contact {
    pub id: VisitorId,
    pub site_id: SiteId,
    pub site_name: String,
    /// The business's own user id (verified identity).
    pub external_id: Option<String>,
    pub name: Option<String>,
    pub email: Option<String>,
    #[schema(value_type = Object)]
    pub attributes: sqlx::types::Json<serde_json::Map<String, serde_json::Value>>,
    pub created_at: Timestamp,
    pub last_seen_at: Timestamp,
    pub conversations: i64,
}

/// One conversation of a contact, on whichever site.
#[derive(Clone, Debug, PartialEq, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct ContactConversation {
    pub id: ConversationId,
    pub visitor_id: VisitorId,
    pub site_id: SiteId,
    pub site_name: String,
    pub status: ConversationStatus,
    pub created_at: Timestamp,
    pub last_activity_at: Timestamp,
    /// Its first visitor message, cut by the caller.
    pub first_words: Option<String>,
}

#[async_trait]
pub trait Desk: Send + Sync {
    /// Counts a refused embed of `site` from `origin` (the site keeps its latest few).
    async fn note_refused_origin(
        &self,
        site: SiteId,
        origin: &str,
        at: Timestamp,
    ) -> StoreResult<()>;

    /// The origins refused for the workspace's site, latest first.
    async fn refused_origins(
        &self,
        workspace: WorkspaceId,
        site: SiteId,
    ) -> StoreResult<Vec<OriginRefusal>>;

    /// Replaces the agent's picture (`None` removes it); the agent as it is now.
    async fn set_avatar(
        &self,
        workspace: WorkspaceId,
        agent: AgentId,
        picture: Option<(String, Avatar)>,
    ) -> StoreResult<Option<crate::domain::Agent>>;

    /// The picture stored under `key`.
    async fn avatar(&self, key: &str) -> StoreResult<Option<Avatar>>;

    /// The open conversations assigned to the agent, most recent activity first.
    async fn assigned_open(
        &self,
        workspace: WorkspaceId,
        agent: AgentId,
        limit: i64,
    ) -> StoreResult<Vec<Conversation>>;

    /// The agent's email signature.
    async fn set_signature(
        &self,
        workspace: WorkspaceId,
        agent: AgentId,
        signature: &str,
    ) -> StoreResult<Option<crate::domain::Agent>>;

    async fn labels(&self, workspace: WorkspaceId) -> StoreResult<Vec<Label>>;

    /// A new label; `Conflict` when the workspace has one of that name.
    async fn create_label(
        &self,
        workspace: WorkspaceId,
        name: &str,
        color: &str,
    ) -> StoreResult<Label>;

    async fn update_label(
        &self,
        workspace: WorkspaceId,
        id: LabelId,
        name: Option<&str>,
        color: Option<&str>,
    ) -> StoreResult<Option<Label>>;

    /// Deletes the label and takes it off every conversation; the conversations changed.
    async fn delete_label(
        &self,
        workspace: WorkspaceId,
        id: LabelId,
    ) -> StoreResult<Option<Vec<Conversation>>>;

    /// Brings back the conversations snoozed until `now` or earlier; each is returned by
    /// exactly one caller, whichever node asks.
    async fn wake_snoozed(&self, now: Timestamp, limit: i64) -> StoreResult<Vec<Conversation>>;

    async fn contacts(&self, query: &ContactQuery) -> StoreResult<Vec<Contact>>;

    /// The contact and the conversations of the same person on every site of the workspace
    /// (the same verified id), newest first.
    async fn contact(
        &self,
        workspace: WorkspaceId,
        id: VisitorId,
    ) -> StoreResult<Option<(Contact, Vec<ContactConversation>)>>;
}

macro_rules! contact_select {
    () => {
        "select v.id, v.site_id, s.name as site_name, v.external_id, v.name, v.email, \
         v.attributes, v.created_at, v.last_seen_at, \
         (select count(*) from conversations c where c.visitor_id = v.id) as conversations \
         from visitors v join sites s on s.id = v.site_id "
    };
}
pub(crate) use contact_select;

/// Implements `Desk` for a backend. `$strip` is the SQL value of conversation `c`'s labels
/// without `$1` (a label id as text); `$has_label` whether they hold it; `$text` the visitor
/// `v`'s searchable text; `$attribute` the text of its attribute named `$3`.
macro_rules! impl_desk {
    ($store:ty, strip = $strip:expr, has_label = $has_label:expr, text = $text:expr,
     attribute = $attribute:expr, skip_locked = $skip_locked:expr) => {
        #[async_trait::async_trait]
        impl $crate::store::desk::Desk for $store {
            async fn note_refused_origin(
                &self,
                site: $crate::domain::SiteId,
                origin: &str,
                at: $crate::domain::Timestamp,
            ) -> $crate::store::StoreResult<()> {
                let mut tx = self.writer().begin().await?;
                sqlx::query(
                    "insert into origin_refusals (site_id, origin, hits, first_at, last_at) \
                     values ($1, $2, 1, $3, $3) on conflict (site_id, origin) \
                     do update set hits = origin_refusals.hits + 1, last_at = excluded.last_at",
                )
                .bind(site)
                .bind(origin)
                .bind(at)
                .execute(&mut *tx)
                .await?;
                sqlx::query(
                    "delete from origin_refusals where site_id = $1 and origin not in \
                     (select origin from origin_refusals where site_id = $1 \
                     order by last_at desc limit $2)",
                )
                .bind(site)
                .bind($crate::store::desk::REFUSALS_KEPT)
                .execute(&mut *tx)
                .await?;
                tx.commit().await?;
                Ok(())
            }

            async fn refused_origins(
                &self,
                workspace: $crate::domain::WorkspaceId,
                site: $crate::domain::SiteId,
            ) -> $crate::store::StoreResult<Vec<$crate::store::desk::OriginRefusal>> {
                Ok(sqlx::query_as(
                    "select r.origin, r.hits, r.first_at, r.last_at from origin_refusals r \
                     join sites s on s.id = r.site_id where s.workspace_id = $1 and r.site_id = $2 \
                     order by r.last_at desc",
                )
                .bind(workspace)
                .bind(site)
                .fetch_all(self.reader())
                .await?)
            }

            async fn set_avatar(
                &self,
                workspace: $crate::domain::WorkspaceId,
                agent: $crate::domain::AgentId,
                picture: Option<(String, $crate::store::desk::Avatar)>,
            ) -> $crate::store::StoreResult<Option<$crate::domain::Agent>> {
                let mut tx = self.writer().begin().await?;
                let found: Option<$crate::domain::AgentId> = sqlx::query_scalar(
                    "select id from agents where workspace_id = $1 and id = $2",
                )
                .bind(workspace)
                .bind(agent)
                .fetch_optional(&mut *tx)
                .await?;
                if found.is_none() {
                    return Ok(None);
                }
                sqlx::query("delete from agent_avatars where agent_id = $1")
                    .bind(agent)
                    .execute(&mut *tx)
                    .await?;
                let key = match picture {
                    Some((key, avatar)) => {
                        sqlx::query(
                            "insert into agent_avatars (key, agent_id, content_type, bytes) \
                             values ($1, $2, $3, $4)",
                        )
                        .bind(&key)
                        .bind(agent)
                        .bind(&avatar.content_type)
                        .bind(&avatar.bytes)
                        .execute(&mut *tx)
                        .await?;
                        Some(key)
                    }
                    None => None,
                };
                let updated = sqlx::query_as(concat!(
                    "update agents set avatar_key = $3, updated_at = $4 \
                     where workspace_id = $1 and id = $2 returning ",
                    $crate::store::agent_columns!()
                ))
                .bind(workspace)
                .bind(agent)
                .bind(key)
                .bind($crate::domain::Timestamp::now())
                .fetch_optional(&mut *tx)
                .await?;
                tx.commit().await?;
                Ok(updated)
            }

            async fn avatar(
                &self,
                key: &str,
            ) -> $crate::store::StoreResult<Option<$crate::store::desk::Avatar>> {
                Ok(
                    sqlx::query_as("select content_type, bytes from agent_avatars where key = $1")
                        .bind(key)
                        .fetch_optional(self.reader())
                        .await?,
                )
            }

            async fn assigned_open(
                &self,
                workspace: $crate::domain::WorkspaceId,
                agent: $crate::domain::AgentId,
                limit: i64,
            ) -> $crate::store::StoreResult<Vec<$crate::domain::Conversation>> {
                Ok(sqlx::query_as(concat!(
                    "select ", $crate::store::conversation_columns!(),
                    " from conversations where workspace_id = $1 and assignee_id = $2 \
                     and status = 'open' order by last_activity_at desc limit $3"
                ))
                .bind(workspace)
                .bind(agent)
                .bind(limit)
                .fetch_all(self.reader())
                .await?)
            }

            async fn set_signature(
                &self,
                workspace: $crate::domain::WorkspaceId,
                agent: $crate::domain::AgentId,
                signature: &str,
            ) -> $crate::store::StoreResult<Option<$crate::domain::Agent>> {
                Ok(sqlx::query_as(concat!(
                    "update agents set signature = $3, updated_at = $4 \
                     where workspace_id = $1 and id = $2 returning ",
                    $crate::store::agent_columns!()
                ))
                .bind(workspace)
                .bind(agent)
                .bind(signature)
                .bind($crate::domain::Timestamp::now())
                .fetch_optional(self.writer())
                .await?)
            }

            async fn labels(
                &self,
                workspace: $crate::domain::WorkspaceId,
            ) -> $crate::store::StoreResult<Vec<$crate::store::desk::Label>> {
                Ok(sqlx::query_as(
                    "select id, name, color, created_at from labels where workspace_id = $1 \
                     order by lower(name), id",
                )
                .bind(workspace)
                .fetch_all(self.reader())
                .await?)
            }

            async fn create_label(
                &self,
                workspace: $crate::domain::WorkspaceId,
                name: &str,
                color: &str,
            ) -> $crate::store::StoreResult<$crate::store::desk::Label> {
                Ok(sqlx::query_as(
                    "insert into labels (id, workspace_id, name, color, created_at) \
                     values ($1, $2, $3, $4, $5) returning id, name, color, created_at",
                )
                .bind($crate::domain::LabelId::new())
                .bind(workspace)
                .bind(name)
                .bind(color)
                .bind($crate::domain::Timestamp::now())
                .fetch_one(self.writer())
                .await?)
            }

            async fn update_label(
                &self,
                workspace: $crate::domain::WorkspaceId,
                id: $crate::domain::LabelId,
                name: Option<&str>,
                color: Option<&str>,
            ) -> $crate::store::StoreResult<Option<$crate::store::desk::Label>> {
                Ok(sqlx::query_as(
                    "update labels set name = coalesce($3, name), color = coalesce($4, color) \
                     where workspace_id = $1 and id = $2 returning id, name, color, created_at",
                )
                .bind(workspace)
                .bind(id)
                .bind(name)
                .bind(color)
                .fetch_optional(self.writer())
                .await?)
            }

            async fn delete_label(
                &self,
                workspace: $crate::domain::WorkspaceId,
                id: $crate::domain::LabelId,
            ) -> $crate::store::StoreResult<Option<Vec<$crate::domain::Conversation>>> {
                let mut tx = self.writer().begin().await?;
                let deleted = sqlx::query("delete from labels where workspace_id = $1 and id = $2")
                    .bind(workspace)
                    .bind(id)
                    .execute(&mut *tx)
                    .await?
                    .rows_affected();
                if deleted == 0 {
                    return Ok(None);
                }
                let changed = sqlx::query_as(concat!(
                    "update conversations as c set labels = ", $strip, ", updated_at = $3 \
                     where c.workspace_id = $2 and ", $has_label, " returning ",
                    $crate::store::conversation_columns!()
                ))
                .bind(id.to_string())
                .bind(workspace)
                .bind($crate::domain::Timestamp::now())
                .fetch_all(&mut *tx)
                .await?;
                tx.commit().await?;
                Ok(Some(changed))
            }

            async fn wake_snoozed(
                &self,
                now: $crate::domain::Timestamp,
                limit: i64,
            ) -> $crate::store::StoreResult<Vec<$crate::domain::Conversation>> {
                Ok(sqlx::query_as(concat!(
                    "update conversations set snoozed_until = null, updated_at = $1 \
                     where id in (select id from conversations where snoozed_until <= $1 \
                     order by snoozed_until limit $2 ", $skip_locked, ") returning ",
                    $crate::store::conversation_columns!()
                ))
                .bind(now)
                .bind(limit)
                .fetch_all(self.writer())
                .await?)
            }

            async fn contacts(
                &self,
                q: &$crate::store::desk::ContactQuery,
            ) -> $crate::store::StoreResult<Vec<$crate::store::desk::Contact>> {
                let (name, value) = match &q.attribute {
                    Some((name, value)) => (Some(name.as_str()), Some(value.as_str())),
                    None => (None, None),
                };
                Ok(sqlx::query_as(concat!(
                    $crate::store::desk::contact_select!(),
                    "where v.workspace_id = $1 \
                     and ($2 is null or ", $text, ") \
                     and ($3 is null or ", $attribute, " = $4) \
                     and (not $5 or v.external_id is not null) \
                     order by (v.external_id is null), v.last_seen_at desc, v.id desc \
                     limit $6 offset $7"
                ))
                .bind(q.workspace)
                .bind(q.search.as_deref())
                .bind(name)
                .bind(value)
                .bind(q.identified_only)
                .bind(q.limit)
                .bind(q.offset)
                .fetch_all(self.reader())
                .await?)
            }

            async fn contact(
                &self,
                workspace: $crate::domain::WorkspaceId,
                id: $crate::domain::VisitorId,
            ) -> $crate::store::StoreResult<
                Option<(
                    $crate::store::desk::Contact,
                    Vec<$crate::store::desk::ContactConversation>,
                )>,
            > {
                let contact: Option<$crate::store::desk::Contact> = sqlx::query_as(concat!(
                    $crate::store::desk::contact_select!(),
                    "where v.workspace_id = $1 and v.id = $2"
                ))
                .bind(workspace)
                .bind(id)
                .fetch_optional(self.reader())
                .await?;
                let Some(contact) = contact else {
                    return Ok(None);
                };
                // The same person: this visitor, and every visitor of the workspace the
                // business identified with the same id (one per site).
                let conversations = sqlx::query_as(
                    "select c.id, c.visitor_id, c.site_id, s.name as site_name, c.status, \
                     c.created_at, c.last_activity_at, (select m.body from messages m \
                     where m.conversation_id = c.id and m.author_kind = 'visitor' \
                     and m.kind = 'text' order by m.seq limit 1) as first_words \
                     from conversations c join sites s on s.id = c.site_id \
                     where c.workspace_id = $1 and (c.visitor_id = $2 or ($3 is not null and \
                     c.visitor_id in (select v.id from visitors v where v.workspace_id = $1 \
                     and v.external_id = $3))) \
                     order by c.last_activity_at desc, c.id desc limit 200",
                )
                .bind(workspace)
                .bind(id)
                .bind(contact.external_id.as_deref())
                .fetch_all(self.reader())
                .await?;
                Ok(Some((contact, conversations)))
            }
        }
    };
}

pub(crate) use impl_desk;
