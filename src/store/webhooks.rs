//! Webhook subscriptions, their outbox and the log of delivery attempts, the same SQL on both
//! backends but for how due rows are claimed (Postgres skips rows another node holds).
//!
//! The outbox rows of an event are written by the backends in the transaction of the change
//! (see `ENQUEUE_EVENT` in each backend); this module reads and updates them afterwards.

use async_trait::async_trait;
use serde_json::Value;
use sqlx::types::Json;

use super::catalog::Cursor;
use super::StoreResult;
use crate::domain::{
    DeliveryId, Message, MessageId, Timestamp, VisitorId, Webhook, WebhookDelivery, WebhookId,
    WorkspaceId,
};

#[derive(Clone, Debug)]
pub struct NewWebhook {
    pub url: String,
    pub secret: String,
    pub events: Vec<String>,
}

#[derive(Clone, Debug, Default)]
pub struct WebhookChange {
    pub url: Option<String>,
    pub events: Option<Vec<String>>,
    pub active: Option<bool>,
}

/// An event claimed for delivery to one webhook: no other worker takes it until `lease` ends.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct DueDelivery {
    pub id: uuid::Uuid,
    pub workspace_id: WorkspaceId,
    pub webhook_id: WebhookId,
    pub event_id: uuid::Uuid,
    pub event: String,
    pub payload: Option<Json<Value>>,
    pub message_id: Option<MessageId>,
    /// Attempts made before this one.
    pub attempts: i32,
    pub created_at: Timestamp,
}

/// What becomes of an event after an attempt.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AfterAttempt {
    Delivered,
    RetryAt(Timestamp),
    /// The retry window is over: the event is marked failed.
    GaveUp,
}

/// One attempt, recorded with its consequence for the event and the webhook.
#[derive(Clone, Debug)]
pub struct AttemptRecord {
    pub outbox_id: uuid::Uuid,
    pub workspace_id: WorkspaceId,
    pub webhook_id: WebhookId,
    pub attempt: i32,
    pub status_code: Option<i32>,
    pub ok: bool,
    pub error: Option<String>,
    pub response: Option<String>,
    pub duration_ms: i32,
    pub at: Timestamp,
    pub after: AfterAttempt,
    /// A webhook failing since this instant or earlier is switched off, for this reason.
    pub disable_if_failing_since: Timestamp,
    pub disable_reason: String,
}

/// The outbox as metrics show it.
#[derive(Clone, Copy, Debug, Default)]
pub struct OutboxStats {
    pub pending: i64,
    pub oldest_pending: Option<Timestamp>,
}

#[async_trait]
pub trait Webhooks {
    async fn webhooks(&self, workspace: WorkspaceId) -> StoreResult<Vec<Webhook>>;
    async fn webhook(&self, workspace: WorkspaceId, id: WebhookId) -> StoreResult<Option<Webhook>>;
    async fn create_webhook(
        &self,
        workspace: WorkspaceId,
        new: &NewWebhook,
    ) -> StoreResult<Webhook>;
    /// Turning a webhook back on forgets why it was off and since when it failed.
    async fn update_webhook(
        &self,
        workspace: WorkspaceId,
        id: WebhookId,
        change: &WebhookChange,
    ) -> StoreResult<Option<Webhook>>;
    async fn rotate_webhook_secret(
        &self,
        workspace: WorkspaceId,
        id: WebhookId,
        secret: &str,
    ) -> StoreResult<Option<Webhook>>;
    async fn delete_webhook(&self, workspace: WorkspaceId, id: WebhookId) -> StoreResult<bool>;
    /// The webhook's delivery attempts, newest first; `None` when the webhook is not the
    /// workspace's.
    async fn webhook_deliveries(
        &self,
        workspace: WorkspaceId,
        webhook: WebhookId,
        after: Option<Cursor>,
        limit: i64,
    ) -> StoreResult<Option<Vec<WebhookDelivery>>>;
    /// Queues the event of an attempt again, now; false when there is no such attempt of the
    /// workspace's webhook.
    async fn redeliver(
        &self,
        workspace: WorkspaceId,
        webhook: WebhookId,
        delivery: DeliveryId,
    ) -> StoreResult<bool>;
    /// Queues a `ping` for one webhook; false when it is not the workspace's.
    async fn enqueue_ping(
        &self,
        workspace: WorkspaceId,
        webhook: WebhookId,
        event_id: uuid::Uuid,
        payload: &Value,
    ) -> StoreResult<bool>;
    /// Claims up to `limit` due events of active webhooks (pings whatever the state), holding
    /// them until `lease_until`; none of the webhooks in `skip` (their receivers have enough
    /// waiting on this node already).
    async fn claim_due(
        &self,
        now: Timestamp,
        lease_until: Timestamp,
        limit: i64,
        skip: &[WebhookId],
    ) -> StoreResult<Vec<DueDelivery>>;
    /// A stored message and its conversation's visitor, for a `message.created` payload.
    async fn message_for_event(
        &self,
        workspace: WorkspaceId,
        id: MessageId,
    ) -> StoreResult<Option<(Message, VisitorId)>>;
    async fn record_attempt(&self, record: &AttemptRecord) -> StoreResult<()>;
    async fn outbox_stats(&self) -> StoreResult<OutboxStats>;
    /// Forgets delivered and failed events made before `before`, with their attempts.
    async fn purge_webhook_history(&self, before: Timestamp) -> StoreResult<u64>;
}

/// When the pending events of a switched-off webhook are due: never, until it is switched on
/// again (then they are due at once). Parked there rather than left due, so that no claim
/// passes over them each time (they would stay at the head of the due index for good).
pub(crate) fn parked() -> crate::domain::Timestamp {
    // 9999-01-01T00:00:00Z: within both backends' ranges, past any retry window.
    crate::domain::Timestamp::from_micros(253_370_764_800_000_000)
        .unwrap_or_else(|| unreachable!("a constant within chrono's range"))
}

pub(crate) const WEBHOOK_COLUMNS: &str = "id, workspace_id, url, secret, events, active, \
     disabled_reason, failing_since, created_at, updated_at";

/// Implements `Webhooks` for a backend; `lock` ends the claim's inner select, `skip` leaves out
/// the webhooks whose ids (lowercase hex, no dashes) are the JSON array `$4`.
macro_rules! impl_webhooks {
    ($store:ty, lock = $lock:expr, skip = $skip:expr, claim_per_webhook = $claim_per_webhook:expr) => {
        #[async_trait::async_trait]
        impl $crate::store::webhooks::Webhooks for $store {
            async fn webhooks(
                &self,
                workspace: $crate::domain::WorkspaceId,
            ) -> $crate::store::StoreResult<Vec<$crate::domain::Webhook>> {
                Ok(sqlx::query_as(&format!(
                    "select {} from webhooks where workspace_id = $1 order by created_at, id",
                    $crate::store::webhooks::WEBHOOK_COLUMNS
                ))
                .bind(workspace)
                .fetch_all(self.reader())
                .await?)
            }

            async fn webhook(
                &self,
                workspace: $crate::domain::WorkspaceId,
                id: $crate::domain::WebhookId,
            ) -> $crate::store::StoreResult<Option<$crate::domain::Webhook>> {
                Ok(sqlx::query_as(&format!(
                    "select {} from webhooks where workspace_id = $1 and id = $2",
                    $crate::store::webhooks::WEBHOOK_COLUMNS
                ))
                .bind(workspace)
                .bind(id)
                .fetch_optional(self.reader())
                .await?)
            }

            async fn create_webhook(
                &self,
                workspace: $crate::domain::WorkspaceId,
                new: &$crate::store::webhooks::NewWebhook,
            ) -> $crate::store::StoreResult<$crate::domain::Webhook> {
                let sql = format!(
                    "insert into webhooks (id, workspace_id, url, secret, events, active, created_at, updated_at) \
                     values ($1, $2, $3, $4, $5, true, $6, $6) returning {}",
                    $crate::store::webhooks::WEBHOOK_COLUMNS
                );
                Ok(sqlx::query_as(&sql)
                    .bind($crate::domain::WebhookId::new())
                    .bind(workspace)
                    .bind(&new.url)
                    .bind(&new.secret)
                    .bind(sqlx::types::Json(&new.events))
                    .bind($crate::domain::Timestamp::now())
                    .fetch_one(self.writer())
                    .await?)
            }

            async fn update_webhook(
                &self,
                workspace: $crate::domain::WorkspaceId,
                id: $crate::domain::WebhookId,
                change: &$crate::store::webhooks::WebhookChange,
            ) -> $crate::store::StoreResult<Option<$crate::domain::Webhook>> {
                let sql = format!(
                    "update webhooks set url = coalesce($3, url), events = coalesce($4, events), \
                     active = coalesce($5, active), \
                     disabled_reason = case when $5 = true then null else disabled_reason end, \
                     failing_since = case when $5 = true then null else failing_since end, \
                     updated_at = $6 where workspace_id = $1 and id = $2 returning {}",
                    $crate::store::webhooks::WEBHOOK_COLUMNS
                );
                let now = $crate::domain::Timestamp::now();
                let mut tx = self.writer().begin().await?;
                let changed: Option<$crate::domain::Webhook> = sqlx::query_as(&sql)
                    .bind(workspace)
                    .bind(id)
                    .bind(change.url.as_deref())
                    .bind(change.events.as_ref().map(sqlx::types::Json))
                    .bind(change.active)
                    .bind(now)
                    .fetch_optional(&mut *tx)
                    .await?;
                if let (Some(webhook), Some(active)) = (&changed, change.active) {
                    // Switched off: its pending events wait, out of the claims' way; switched
                    // on: they are due at once, the failure forgotten (pings keep their time:
                    // they go out either way).
                    let due = if active { now } else { $crate::store::webhooks::parked() };
                    sqlx::query(
                        "update webhook_outbox set next_attempt_at = $2 \
                         where webhook_id = $1 and status = 'pending' and event <> 'ping' \
                         and next_attempt_at <> $2",
                    )
                    .bind(webhook.id)
                    .bind(due)
                    .execute(&mut *tx)
                    .await?;
                }
                tx.commit().await?;
                Ok(changed)
            }

            async fn rotate_webhook_secret(
                &self,
                workspace: $crate::domain::WorkspaceId,
                id: $crate::domain::WebhookId,
                secret: &str,
            ) -> $crate::store::StoreResult<Option<$crate::domain::Webhook>> {
                let sql = format!(
                    "update webhooks set secret = $3, updated_at = $4 \
                     where workspace_id = $1 and id = $2 returning {}",
                    $crate::store::webhooks::WEBHOOK_COLUMNS
                );
                Ok(sqlx::query_as(&sql)
                    .bind(workspace)
                    .bind(id)
                    .bind(secret)
                    .bind($crate::domain::Timestamp::now())
                    .fetch_optional(self.writer())
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
                if self.webhook(workspace, webhook).await?.is_none() {
                    return Ok(None);
                }
                Ok(Some(
                    sqlx::query_as(
                        "select a.id, o.event_id, o.event, a.attempt, a.status_code, a.ok, a.error, \
                         a.response, a.duration_ms, a.created_at \
                         from webhook_attempts a join webhook_outbox o on o.id = a.outbox_id \
                         where a.webhook_id = $1 and o.workspace_id = $2 \
                         and ($3 is null or a.created_at < $3 or (a.created_at = $3 and a.id < $4)) \
                         order by a.created_at desc, a.id desc limit $5",
                    )
                    .bind(webhook)
                    .bind(workspace)
                    .bind(after.map(|c| c.at))
                    .bind(after.map(|c| c.id))
                    .bind(limit)
                    .fetch_all(self.reader())
                    .await?,
                ))
            }

            async fn redeliver(
                &self,
                workspace: $crate::domain::WorkspaceId,
                webhook: $crate::domain::WebhookId,
                delivery: $crate::domain::DeliveryId,
            ) -> $crate::store::StoreResult<bool> {
                let done = sqlx::query(
                    "update webhook_outbox set status = 'pending', next_attempt_at = $4 \
                     where workspace_id = $1 and webhook_id = $2 and id = \
                     (select outbox_id from webhook_attempts where id = $3 and webhook_id = $2)",
                )
                .bind(workspace)
                .bind(webhook)
                .bind(delivery)
                .bind($crate::domain::Timestamp::now())
                .execute(self.writer())
                .await?;
                Ok(done.rows_affected() > 0)
            }

            async fn enqueue_ping(
                &self,
                workspace: $crate::domain::WorkspaceId,
                webhook: $crate::domain::WebhookId,
                event_id: uuid::Uuid,
                payload: &serde_json::Value,
            ) -> $crate::store::StoreResult<bool> {
                let done = sqlx::query(
                    "insert into webhook_outbox (id, workspace_id, webhook_id, event_id, event, \
                     payload, next_attempt_at, created_at) \
                     select $3, workspace_id, id, $4, 'ping', $5, $6, $6 from webhooks \
                     where workspace_id = $1 and id = $2",
                )
                .bind(workspace)
                .bind(webhook)
                .bind(uuid::Uuid::new_v4())
                .bind(event_id)
                .bind(sqlx::types::Json(payload))
                .bind($crate::domain::Timestamp::now())
                .execute(self.writer())
                .await?;
                Ok(done.rows_affected() > 0)
            }

            async fn claim_due(
                &self,
                now: $crate::domain::Timestamp,
                lease_until: $crate::domain::Timestamp,
                limit: i64,
                skip: &[$crate::domain::WebhookId],
            ) -> $crate::store::StoreResult<Vec<$crate::store::webhooks::DueDelivery>> {
                // Earliest due first, across webhooks. One ordered scan of the due events
                // passes over those of the receivers left out (a slow receiver's backlog) at
                // every claim, and is planned as a sort of every due event when statistics are
                // stale; a backend that can look per webhook does so instead.
                let per_webhook: Option<&str> = $claim_per_webhook;
                let sql = match per_webhook {
                    Some(sql) => sql,
                    None => concat!(
                        "update webhook_outbox set next_attempt_at = $2 where id in ( \
                         select o.id from webhook_outbox o join webhooks w on w.id = o.webhook_id \
                         where o.status = 'pending' and o.next_attempt_at <= $1 \
                         and (w.active = true or o.event = 'ping') and ",
                        $skip,
                        " order by o.next_attempt_at limit $3 ",
                        $lock,
                        ") returning id, workspace_id, webhook_id, event_id, event, payload, \
                         message_id, attempts, created_at"
                    ),
                };
                let skip: Vec<String> = skip.iter().map(|id| id.0.simple().to_string()).collect();
                Ok(sqlx::query_as(sql)
                .bind(now)
                .bind(lease_until)
                .bind(limit)
                .bind(serde_json::Value::from(skip).to_string())
                .fetch_all(self.writer())
                .await?)
            }

            async fn message_for_event(
                &self,
                workspace: $crate::domain::WorkspaceId,
                id: $crate::domain::MessageId,
            ) -> $crate::store::StoreResult<Option<($crate::domain::Message, $crate::domain::VisitorId)>> {
                use sqlx::Row as _;
                let row = sqlx::query(
                    "select m.id, m.conversation_id, m.seq, m.client_msg_id, m.author_kind, \
                     m.author_id, m.author_name, m.kind, m.body, m.created_at, m.attachments, c.visitor_id \
                     from messages m join conversations c on c.id = m.conversation_id \
                     where m.id = $1 and c.workspace_id = $2",
                )
                .bind(id)
                .bind(workspace)
                .fetch_optional(self.reader())
                .await?;
                match row {
                    None => Ok(None),
                    Some(row) => {
                        let message: $crate::domain::Message = sqlx::FromRow::from_row(&row)?;
                        let visitor: $crate::domain::VisitorId = row.try_get("visitor_id")?;
                        Ok(Some((message, visitor)))
                    }
                }
            }

            async fn record_attempt(
                &self,
                r: &$crate::store::webhooks::AttemptRecord,
            ) -> $crate::store::StoreResult<()> {
                use $crate::store::webhooks::AfterAttempt;
                let mut tx = self.writer().begin().await?;
                sqlx::query(
                    "insert into webhook_attempts (id, outbox_id, webhook_id, attempt, status_code, ok, \
                     error, response, duration_ms, created_at) \
                     values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
                )
                .bind(uuid::Uuid::new_v4())
                .bind(r.outbox_id)
                .bind(r.webhook_id)
                .bind(r.attempt)
                .bind(r.status_code)
                .bind(r.ok)
                .bind(&r.error)
                .bind(&r.response)
                .bind(r.duration_ms)
                .bind(r.at)
                .execute(&mut *tx)
                .await?;
                let (status, next, delivered_at) = match r.after {
                    AfterAttempt::Delivered => ("delivered", r.at, Some(r.at)),
                    AfterAttempt::RetryAt(at) => ("pending", at, None),
                    AfterAttempt::GaveUp => ("failed", r.at, None),
                };
                sqlx::query(
                    "update webhook_outbox set status = $3, attempts = $4, next_attempt_at = $5, \
                     delivered_at = $6 where workspace_id = $1 and id = $2",
                )
                .bind(r.workspace_id)
                .bind(r.outbox_id)
                .bind(status)
                .bind(r.attempt)
                .bind(next)
                .bind(delivered_at)
                .execute(&mut *tx)
                .await?;
                if r.ok {
                    // Only when it was failing: a write to the webhook's row at every success
                    // would queue its concurrent deliveries behind each other's row lock.
                    sqlx::query(
                        "update webhooks set failing_since = null \
                         where workspace_id = $1 and id = $2 and failing_since is not null",
                    )
                    .bind(r.workspace_id)
                    .bind(r.webhook_id)
                    .execute(&mut *tx)
                    .await?;
                } else {
                    // Failing since the first failure after a success. Switched off once that
                    // is the whole window, or when an event is given up that never got through
                    // (the receiver failed from its first try to its last).
                    let active: Option<bool> = sqlx::query_scalar(
                        "with off as (select coalesce(w.failing_since, $3) <= $4 \
                           or ($6 and coalesce(w.failing_since, $3) <= \
                               (select min(a.created_at) from webhook_attempts a where a.outbox_id = $7)) \
                           as off from webhooks w where w.workspace_id = $1 and w.id = $2) \
                         update webhooks set failing_since = coalesce(failing_since, $3), \
                         active = case when (select off from off) then false else active end, \
                         disabled_reason = case when active = true and (select off from off) \
                           then $5 else disabled_reason end \
                         where workspace_id = $1 and id = $2 returning active",
                    )
                    .bind(r.workspace_id)
                    .bind(r.webhook_id)
                    .bind(r.at)
                    .bind(r.disable_if_failing_since)
                    .bind(&r.disable_reason)
                    .bind(r.after == AfterAttempt::GaveUp)
                    .bind(r.outbox_id)
                    .fetch_optional(&mut *tx)
                    .await?;
                    // Switched off: its pending events wait (see `update_webhook`).
                    if active == Some(false) {
                        sqlx::query(
                            "update webhook_outbox set next_attempt_at = $2 \
                             where webhook_id = $1 and status = 'pending' and event <> 'ping' \
                             and next_attempt_at <> $2",
                        )
                        .bind(r.webhook_id)
                        .bind($crate::store::webhooks::parked())
                        .execute(&mut *tx)
                        .await?;
                    }
                }
                tx.commit().await?;
                Ok(())
            }

            async fn purge_webhook_history(
                &self,
                before: $crate::domain::Timestamp,
            ) -> $crate::store::StoreResult<u64> {
                let done = sqlx::query(
                    "delete from webhook_outbox where status <> 'pending' and created_at < $1",
                )
                .bind(before)
                .execute(self.writer())
                .await?;
                Ok(done.rows_affected())
            }

            async fn outbox_stats(
                &self,
            ) -> $crate::store::StoreResult<$crate::store::webhooks::OutboxStats> {
                use sqlx::Row as _;
                let row = sqlx::query(
                    "select count(*) as pending, min(created_at) as oldest from webhook_outbox \
                     where status = 'pending'",
                )
                .fetch_one(self.reader())
                .await?;
                Ok($crate::store::webhooks::OutboxStats {
                    pending: row.try_get("pending")?,
                    oldest_pending: row.try_get("oldest")?,
                })
            }
        }
    };
}

pub(crate) use impl_webhooks;

/// The `data` of a conversation event: the conversation as the API shows it.
pub(crate) fn conversation_payload(conversation: &crate::domain::Conversation) -> Value {
    serde_json::to_value(conversation).unwrap_or(Value::Null)
}

/// The events a change of a conversation makes: always `conversation.updated`, and
/// `conversation.assigned` when it got an assignee it did not have.
pub(crate) fn change_events(
    assignee_before: Option<crate::domain::AgentId>,
    after: &crate::domain::Conversation,
) -> Vec<crate::domain::WebhookEvent> {
    use crate::domain::WebhookEvent;
    let mut events = vec![WebhookEvent::ConversationUpdated];
    if after.assignee_id.is_some() && after.assignee_id != assignee_before {
        events.push(WebhookEvent::ConversationAssigned);
    }
    events
}
