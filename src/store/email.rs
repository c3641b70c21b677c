//! The email outbox and the replies received by email, the same SQL on both backends.

use async_trait::async_trait;
use uuid::Uuid;

use super::StoreResult;
use crate::domain::{ConversationId, Timestamp, VisitorId, WorkspaceId};

/// An email claimed for sending.
#[derive(Clone, Debug, PartialEq, sqlx::FromRow)]
pub struct DueEmail {
    pub id: Uuid,
    pub workspace_id: WorkspaceId,
    pub kind: String,
    pub conversation_id: Option<ConversationId>,
    /// A reply email: the first agent reply it carries.
    pub from_seq: Option<i64>,
    pub attempts: i32,
    pub created_at: Timestamp,
    /// An invitation or a reset: whom to.
    pub to_address: Option<String>,
    /// An invitation or a reset: its link.
    pub payload: Option<sqlx::types::Json<serde_json::Value>>,
    /// A digest: the agent it tells.
    pub agent_id: Option<crate::domain::AgentId>,
}

/// What an agent's single-use link is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AgentLink {
    /// Set a first password (7 days).
    Invite,
    /// Choose a new password (1 hour).
    Reset,
}

impl AgentLink {
    pub fn as_str(self) -> &'static str {
        match self {
            AgentLink::Invite => "invite",
            AgentLink::Reset => "reset",
        }
    }
}

/// Where a reply email stands, for the agents' timeline.
#[derive(Clone, Debug, PartialEq, serde::Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct ReplyEmailState {
    /// `pending`, `sent`, `failed` or `skipped`.
    pub state: String,
    /// The agent replies it carries: from this seq ...
    pub from_seq: Option<i64>,
    /// ... to this one (once sent).
    pub upto_seq: Option<i64>,
    pub last_error: Option<String>,
    pub sent_at: Option<Timestamp>,
}

/// How an attempt ended.
#[derive(Clone, Debug, PartialEq)]
pub enum EmailOutcome {
    /// Sent to `to`, carrying the replies up to this seq.
    Sent { upto_seq: Option<i64>, to: String },
    /// Not yet: tried again (or looked at again) at this time.
    Later {
        at: Timestamp,
        error: Option<String>,
    },
    /// Given up after failing.
    Failed { error: String },
    /// Nothing to send any more (no address, read already, email off).
    Skipped { reason: String },
}

#[async_trait]
pub trait Emails {
    /// Claims up to `limit` pending emails due at `now`: each is hidden from other claims
    /// until `lease_until`, so that one node sends it.
    async fn claim_emails(
        &self,
        now: Timestamp,
        lease_until: Timestamp,
        limit: i64,
    ) -> StoreResult<Vec<DueEmail>>;

    /// Records an attempt's outcome. A sent reply email that did not carry every agent reply
    /// of its conversation (one came while it was sent) leaves a new pending one for the rest.
    async fn email_done(&self, email: &DueEmail, outcome: &EmailOutcome) -> StoreResult<()>;

    /// The visitor's read mark in the conversation (0 when it never read).
    async fn visitor_read_seq(&self, conversation: ConversationId) -> StoreResult<i64>;

    /// When the visitor's last connection closed.
    async fn set_visitor_left(
        &self,
        workspace: WorkspaceId,
        visitor: VisitorId,
        at: Timestamp,
    ) -> StoreResult<()>;

    async fn visitor_left_at(&self, visitor: VisitorId) -> StoreResult<Option<Timestamp>>;

    /// Records an email received for the conversation; false when this `Message-ID` was
    /// received for it before.
    async fn record_inbound(
        &self,
        conversation: ConversationId,
        message_id: &str,
        at: Timestamp,
    ) -> StoreResult<bool>;

    /// Emails sent to `address` (any workspace) since `since`, and the oldest of them.
    async fn sent_to_since(
        &self,
        address: &str,
        since: Timestamp,
    ) -> StoreResult<(i64, Option<Timestamp>)>;

    /// Why the workspace no longer emails `address` (`unsubscribed`, `bounced`), if it does not.
    async fn suppression(
        &self,
        workspace: WorkspaceId,
        address: &str,
    ) -> StoreResult<Option<String>>;

    /// The workspace no longer emails `address`.
    async fn suppress(
        &self,
        workspace: WorkspaceId,
        address: &str,
        reason: &str,
        at: Timestamp,
    ) -> StoreResult<()>;

    /// Keeps the hash of an agent's single-use link and queues the email that carries it, in
    /// one transaction.
    #[allow(clippy::too_many_arguments)] // the link's parts, each stored
    async fn queue_agent_link(
        &self,
        workspace: WorkspaceId,
        agent: crate::domain::AgentId,
        purpose: AgentLink,
        token_hash: &str,
        expires_at: Timestamp,
        to: &str,
        link: &str,
    ) -> StoreResult<()>;

    /// Uses a link once: its workspace, agent and purpose, when it exists, is unused and has
    /// not expired at `now` (it is used from then on).
    async fn use_agent_link(
        &self,
        token_hash: &str,
        now: Timestamp,
    ) -> StoreResult<Option<(WorkspaceId, crate::domain::AgentId, String)>>;

    /// Queues the conversation's transcript to `to`; false when one is waiting already.
    async fn queue_transcript(
        &self,
        workspace: WorkspaceId,
        conversation: ConversationId,
        to: &str,
    ) -> StoreResult<bool>;

    /// The conversation a signed reply address names, and its visitor. The address's
    /// signature stands for the workspace scope: only this server can make one.
    async fn reply_target(
        &self,
        conversation: ConversationId,
    ) -> StoreResult<Option<(crate::domain::Conversation, crate::domain::Visitor)>>;

    /// The conversation's reply emails, oldest first, at most 200.
    async fn reply_emails(
        &self,
        workspace: WorkspaceId,
        conversation: ConversationId,
    ) -> StoreResult<Vec<ReplyEmailState>>;
}

/// Implements `Emails` for a backend; `skip_locked` ends the claim's read of due rows.
macro_rules! impl_emails {
    ($store:ty, skip_locked = $skip:expr) => {
        #[async_trait::async_trait]
        impl $crate::store::email::Emails for $store {
            async fn claim_emails(
                &self,
                now: $crate::domain::Timestamp,
                lease_until: $crate::domain::Timestamp,
                limit: i64,
            ) -> $crate::store::StoreResult<Vec<$crate::store::email::DueEmail>> {
                Ok(sqlx::query_as(concat!(
                    "update email_outbox set next_attempt_at = $2 where id in (select id from email_outbox \
                     where state = 'pending' and next_attempt_at <= $1 order by next_attempt_at limit $3 ",
                    $skip,
                    ") returning id, workspace_id, kind, conversation_id, from_seq, attempts, created_at, \
                     to_address, payload, agent_id"
                ))
                .bind(now)
                .bind(lease_until)
                .bind(limit)
                .fetch_all(self.writer())
                .await?)
            }

            async fn email_done(
                &self,
                email: &$crate::store::email::DueEmail,
                outcome: &$crate::store::email::EmailOutcome,
            ) -> $crate::store::StoreResult<()> {
                use $crate::store::email::EmailOutcome;
                let now = $crate::domain::Timestamp::now();
                let mut tx = self.writer().begin().await?;
                match outcome {
                    EmailOutcome::Sent { upto_seq, to } => {
                        sqlx::query(
                            "update email_outbox set state = 'sent', upto_seq = $2, sent_at = $3, \
                             attempts = attempts + 1, last_error = null, to_address = $4, \
                             payload = null where id = $1",
                        )
                        .bind(email.id)
                        .bind(upto_seq)
                        .bind(now)
                        .bind(to)
                        .execute(&mut *tx)
                        .await?;
                        if let (Some(conversation), Some(upto)) = (email.conversation_id, upto_seq) {
                            // Replies stored while this one was being sent get their own.
                            sqlx::query(
                                "insert into email_outbox (id, workspace_id, kind, conversation_id, \
                                 from_seq, next_attempt_at, created_at) \
                                 select $3, c.workspace_id, 'reply', c.id, min(m.seq), $4, $4 \
                                 from conversations c join messages m on m.conversation_id = c.id \
                                 where c.id = $1 and m.seq > $2 and m.author_kind = 'agent' and m.kind = 'text' \
                                 group by c.id, c.workspace_id \
                                 on conflict (conversation_id) where state = 'pending' and kind = 'reply' do nothing",
                            )
                            .bind(conversation)
                            .bind(upto)
                            .bind(Uuid::new_v4())
                            .bind(now)
                            .execute(&mut *tx)
                            .await?;
                        }
                    }
                    EmailOutcome::Later { at, error } => {
                        sqlx::query(
                            "update email_outbox set next_attempt_at = $2, last_error = $3, \
                             attempts = attempts + case when $3 is null then 0 else 1 end where id = $1",
                        )
                        .bind(email.id)
                        .bind(at)
                        .bind(error)
                        .execute(&mut *tx)
                        .await?;
                    }
                    EmailOutcome::Failed { error } | EmailOutcome::Skipped { reason: error } => {
                        let state = if matches!(outcome, EmailOutcome::Failed { .. }) {
                            "failed"
                        } else {
                            "skipped"
                        };
                        sqlx::query(
                            "update email_outbox set state = $2, last_error = $3, payload = null \
                             where id = $1",
                        )
                        .bind(email.id)
                        .bind(state)
                        .bind(error)
                        .execute(&mut *tx)
                        .await?;
                    }
                }
                tx.commit().await?;
                Ok(())
            }

            async fn visitor_read_seq(
                &self,
                conversation: $crate::domain::ConversationId,
            ) -> $crate::store::StoreResult<i64> {
                let seq: Option<i64> = sqlx::query_scalar(
                    "select max(r.seq) from read_marks r join conversations c on c.id = r.conversation_id \
                     where r.conversation_id = $1 and r.reader_kind = 'visitor' and r.reader_id = c.visitor_id",
                )
                .bind(conversation)
                .fetch_one(self.reader())
                .await?;
                Ok(seq.unwrap_or(0))
            }

            async fn set_visitor_left(
                &self,
                workspace: $crate::domain::WorkspaceId,
                visitor: $crate::domain::VisitorId,
                at: $crate::domain::Timestamp,
            ) -> $crate::store::StoreResult<()> {
                sqlx::query("update visitors set left_at = $3 where workspace_id = $1 and id = $2")
                    .bind(workspace)
                    .bind(visitor)
                    .bind(at)
                    .execute(self.writer())
                    .await?;
                Ok(())
            }

            async fn visitor_left_at(
                &self,
                visitor: $crate::domain::VisitorId,
            ) -> $crate::store::StoreResult<Option<$crate::domain::Timestamp>> {
                let at: Option<Option<$crate::domain::Timestamp>> =
                    sqlx::query_scalar("select left_at from visitors where id = $1")
                        .bind(visitor)
                        .fetch_optional(self.reader())
                        .await?;
                Ok(at.flatten())
            }

            async fn record_inbound(
                &self,
                conversation: $crate::domain::ConversationId,
                message_id: &str,
                at: $crate::domain::Timestamp,
            ) -> $crate::store::StoreResult<bool> {
                let done = sqlx::query(
                    "insert into inbound_emails (conversation_id, message_id_header, received_at) \
                     values ($1, $2, $3) on conflict do nothing",
                )
                .bind(conversation)
                .bind(message_id)
                .bind(at)
                .execute(self.writer())
                .await?;
                Ok(done.rows_affected() > 0)
            }

            async fn sent_to_since(
                &self,
                address: &str,
                since: $crate::domain::Timestamp,
            ) -> $crate::store::StoreResult<(i64, Option<$crate::domain::Timestamp>)> {
                Ok(sqlx::query_as(
                    "select count(*), min(sent_at) from email_outbox \
                     where to_address = $1 and state = 'sent' and sent_at > $2",
                )
                .bind(address)
                .bind(since)
                .fetch_one(self.reader())
                .await?)
            }

            async fn suppression(
                &self,
                workspace: $crate::domain::WorkspaceId,
                address: &str,
            ) -> $crate::store::StoreResult<Option<String>> {
                Ok(sqlx::query_scalar(
                    "select reason from email_suppressions where workspace_id = $1 and address = $2",
                )
                .bind(workspace)
                .bind(address)
                .fetch_optional(self.reader())
                .await?)
            }

            async fn suppress(
                &self,
                workspace: $crate::domain::WorkspaceId,
                address: &str,
                reason: &str,
                at: $crate::domain::Timestamp,
            ) -> $crate::store::StoreResult<()> {
                sqlx::query(
                    "insert into email_suppressions (workspace_id, address, reason, created_at) \
                     values ($1, $2, $3, $4) on conflict (workspace_id, address) do update set \
                     reason = excluded.reason, created_at = excluded.created_at",
                )
                .bind(workspace)
                .bind(address)
                .bind(reason)
                .bind(at)
                .execute(self.writer())
                .await?;
                Ok(())
            }

            async fn queue_agent_link(
                &self,
                workspace: $crate::domain::WorkspaceId,
                agent: $crate::domain::AgentId,
                purpose: $crate::store::email::AgentLink,
                token_hash: &str,
                expires_at: $crate::domain::Timestamp,
                to: &str,
                link: &str,
            ) -> $crate::store::StoreResult<()> {
                let now = $crate::domain::Timestamp::now();
                let mut tx = self.writer().begin().await?;
                sqlx::query(
                    "insert into agent_tokens (token_hash, workspace_id, agent_id, purpose, expires_at, created_at) \
                     values ($1, $2, $3, $4, $5, $6)",
                )
                .bind(token_hash)
                .bind(workspace)
                .bind(agent)
                .bind(purpose.as_str())
                .bind(expires_at)
                .bind(now)
                .execute(&mut *tx)
                .await?;
                sqlx::query(
                    "insert into email_outbox (id, workspace_id, kind, to_address, payload, next_attempt_at, created_at) \
                     values ($1, $2, $3, $4, $5, $6, $6)",
                )
                .bind(Uuid::new_v4())
                .bind(workspace)
                .bind(purpose.as_str())
                .bind(to)
                .bind(sqlx::types::Json(serde_json::json!({ "link": link })))
                .bind(now)
                .execute(&mut *tx)
                .await?;
                tx.commit().await?;
                Ok(())
            }

            async fn queue_transcript(
                &self,
                workspace: $crate::domain::WorkspaceId,
                conversation: $crate::domain::ConversationId,
                to: &str,
            ) -> $crate::store::StoreResult<bool> {
                let now = $crate::domain::Timestamp::now();
                let done = sqlx::query(
                    "insert into email_outbox (id, workspace_id, kind, conversation_id, to_address, \
                     next_attempt_at, created_at) select $1, $2, 'transcript', $3, $4, $5, $5 \
                     where not exists (select 1 from email_outbox where conversation_id = $3 \
                     and kind = 'transcript' and state = 'pending')",
                )
                .bind(Uuid::new_v4())
                .bind(workspace)
                .bind(conversation)
                .bind(to)
                .bind(now)
                .execute(self.writer())
                .await?;
                Ok(done.rows_affected() > 0)
            }

            async fn use_agent_link(
                &self,
                token_hash: &str,
                now: $crate::domain::Timestamp,
            ) -> $crate::store::StoreResult<
                Option<($crate::domain::WorkspaceId, $crate::domain::AgentId, String)>,
            > {
                Ok(sqlx::query_as(
                    "update agent_tokens set used_at = $2 where token_hash = $1 and used_at is null \
                     and expires_at > $2 returning workspace_id, agent_id, purpose",
                )
                .bind(token_hash)
                .bind(now)
                .fetch_optional(self.writer())
                .await?)
            }

            async fn reply_target(
                &self,
                conversation: $crate::domain::ConversationId,
            ) -> $crate::store::StoreResult<
                Option<($crate::domain::Conversation, $crate::domain::Visitor)>,
            > {
                let found: Option<$crate::domain::Conversation> = sqlx::query_as(concat!(
                    "select ",
                    $crate::store::conversation_columns!(),
                    " from conversations where id = $1"
                ))
                .bind(conversation)
                .fetch_optional(self.reader())
                .await?;
                let Some(found) = found else {
                    return Ok(None);
                };
                let visitor: Option<$crate::domain::Visitor> = sqlx::query_as(concat!(
                    "select ",
                    $crate::store::visitor_columns!(),
                    " from visitors where workspace_id = $1 and id = $2"
                ))
                .bind(found.workspace_id)
                .bind(found.visitor_id)
                .fetch_optional(self.reader())
                .await?;
                Ok(visitor.map(|v| (found, v)))
            }

            async fn reply_emails(
                &self,
                workspace: $crate::domain::WorkspaceId,
                conversation: $crate::domain::ConversationId,
            ) -> $crate::store::StoreResult<Vec<$crate::store::email::ReplyEmailState>> {
                Ok(sqlx::query_as(
                    "select state, from_seq, upto_seq, last_error, sent_at from email_outbox \
                     where workspace_id = $1 and conversation_id = $2 and kind = 'reply' \
                     order by created_at limit 200",
                )
                .bind(workspace)
                .bind(conversation)
                .fetch_all(self.reader())
                .await?)
            }
        }
    };
}

pub(crate) use impl_emails;
