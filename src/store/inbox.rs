//! The inbox: an agent's view of the workspace's conversations, newest activity first, with
//! unread counts, the last message and a text search whose SQL differs per backend.

use async_trait::async_trait;
use serde::Serialize;

use super::catalog::Cursor;
use super::StoreResult;
use crate::domain::{
    AgentId, AuthorKind, Conversation, ConversationId, ConversationStatus, MessageKind, WorkspaceId,
};

/// Whose conversations the inbox lists.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AssigneeFilter {
    Any,
    Unassigned,
    Agent(AgentId),
}

#[derive(Clone, Debug)]
pub struct InboxQuery {
    pub workspace: WorkspaceId,
    /// The agent asking: its read marks give the unread counts.
    pub viewer: AgentId,
    pub status: Option<ConversationStatus>,
    pub assignee: AssigneeFilter,
    pub team: TeamFilter,
    /// Words searched in message text (notes included), or text in the visitor's name, email
    /// or form answers.
    pub search: Option<String>,
    /// Only conversations carrying this label.
    pub label: Option<crate::domain::LabelId>,
    pub priority: Option<crate::domain::Priority>,
    /// Only snoozed conversations (`true`) or only those not snoozed (`false`).
    pub snoozed: Option<bool>,
    pub after: Option<Cursor>,
    pub limit: i64,
}

/// Which team's conversations.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TeamFilter {
    Any,
    /// Conversations of no team (their site is answered by the whole workspace).
    NoTeam,
    Team(crate::domain::TeamId),
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

/// How many open conversations each inbox tab holds.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, sqlx::FromRow, utoipa::ToSchema,
)]
pub struct InboxCounts {
    /// Open and not snoozed.
    pub open: i64,
    /// Of those, the viewer's.
    pub mine: i64,
    /// Of those, nobody's.
    pub unassigned: i64,
    /// Open and snoozed.
    pub snoozed: i64,
}

#[async_trait]
pub trait Inbox: Send + Sync {
    async fn inbox(&self, query: &InboxQuery) -> StoreResult<Vec<InboxRow>>;
    /// The tabs' counts for `viewer`, over the conversations `team` selects.
    async fn inbox_counts(
        &self,
        workspace: WorkspaceId,
        viewer: AgentId,
        team: TeamFilter,
    ) -> StoreResult<InboxCounts>;
    async fn inbox_row(
        &self,
        workspace: WorkspaceId,
        viewer: AgentId,
        id: ConversationId,
    ) -> StoreResult<Option<InboxRow>>;
}

macro_rules! inbox_select {
    () => {
        concat!(
            "select c.id, c.workspace_id, c.site_id, c.visitor_id, c.status, c.assignee_id, c.last_seq, \
             c.created_at, c.updated_at, c.last_activity_at, c.team_id, c.rating, c.labels, c.priority, c.snoozed_until, \
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

/// Implements `Inbox` for a backend. `$search` is the SQL condition that `$6` (the search
/// text, as `search_term` prepares it) matches conversation `c`.
macro_rules! impl_inbox {
    ($store:ty, search = $search:expr, search_term = $term:path, visitor_search = $visitor:expr,
     has_label = $has_label:expr) => {
        #[async_trait::async_trait]
        impl $crate::store::inbox::Inbox for $store {
            async fn inbox(
                &self,
                q: &$crate::store::inbox::InboxQuery,
            ) -> $crate::store::StoreResult<Vec<$crate::store::inbox::InboxRow>> {
                use $crate::store::inbox::AssigneeFilter;
                let (mode, assignee) = match q.assignee {
                    AssigneeFilter::Any => ("any", None),
                    AssigneeFilter::Unassigned => ("none", None),
                    AssigneeFilter::Agent(id) => ("agent", Some(id)),
                };
                let (team_mode, team) = match q.team {
                    $crate::store::inbox::TeamFilter::Any => ("any", None),
                    $crate::store::inbox::TeamFilter::NoTeam => ("none", None),
                    $crate::store::inbox::TeamFilter::Team(id) => ("team", Some(id)),
                };
                Ok(sqlx::query_as(concat!(
                    $crate::store::inbox::inbox_select!(),
                    "and ($3 is null or c.status = $3) \
                     and ($4 = 'any' or ($4 = 'none' and c.assignee_id is null) or ($4 = 'agent' and c.assignee_id = $5)) \
                     and ($6 is null or ", $search, " or exists (select 1 from visitors v \
                     where v.id = c.visitor_id and ", $visitor, ")) \
                     and ($7 is null or c.last_activity_at < $7 or (c.last_activity_at = $7 and c.id < $8)) \
                     and ($10 = 'any' or ($10 = 'none' and c.team_id is null) or ($10 = 'team' and c.team_id = $11)) \
                     and ($13 is null or ", $has_label, ") \
                     and ($14 is null or c.priority = $14) \
                     and ($15 is null or ($15 and c.snoozed_until > $16) \
                          or (not $15 and (c.snoozed_until is null or c.snoozed_until <= $16))) \
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
                .bind(team_mode)
                .bind(team)
                .bind(q.search.as_deref())
                .bind(q.label.map(|l| l.to_string()))
                .bind(q.priority)
                .bind(q.snoozed)
                .bind($crate::domain::Timestamp::now())
                .fetch_all(self.reader())
                .await?)
            }

            async fn inbox_counts(
                &self,
                workspace: $crate::domain::WorkspaceId,
                viewer: $crate::domain::AgentId,
                team: $crate::store::inbox::TeamFilter,
            ) -> $crate::store::StoreResult<$crate::store::inbox::InboxCounts> {
                let (team_mode, team) = match team {
                    $crate::store::inbox::TeamFilter::Any => ("any", None),
                    $crate::store::inbox::TeamFilter::NoTeam => ("none", None),
                    $crate::store::inbox::TeamFilter::Team(id) => ("team", Some(id)),
                };
                Ok(sqlx::query_as(
                    "select \
                     coalesce(sum(case when awake then 1 else 0 end), 0) as open, \
                     coalesce(sum(case when awake and assignee_id = $2 then 1 else 0 end), 0) as mine, \
                     coalesce(sum(case when awake and assignee_id is null then 1 else 0 end), 0) as unassigned, \
                     coalesce(sum(case when awake then 0 else 1 end), 0) as snoozed \
                     from (select c.assignee_id, \
                       (c.snoozed_until is null or c.snoozed_until <= $5) as awake \
                       from conversations c where c.workspace_id = $1 and c.status = 'open' \
                       and ($3 = 'any' or ($3 = 'none' and c.team_id is null) or ($3 = 'team' and c.team_id = $4))) t",
                )
                .bind(workspace)
                .bind(viewer)
                .bind(team_mode)
                .bind(team)
                .bind($crate::domain::Timestamp::now())
                .fetch_one(self.reader())
                .await?)
            }

            async fn inbox_row(
                &self,
                workspace: $crate::domain::WorkspaceId,
                viewer: $crate::domain::AgentId,
                id: $crate::domain::ConversationId,
            ) -> $crate::store::StoreResult<Option<$crate::store::inbox::InboxRow>> {
                Ok(sqlx::query_as(concat!($crate::store::inbox::inbox_select!(), "and c.id = $3"))
                    .bind(workspace)
                    .bind(viewer)
                    .bind(id)
                    .fetch_optional(self.reader())
                    .await?)
            }

        }
    };
}

pub(crate) use impl_inbox;
pub(crate) use inbox_select;
