//! Changes to a conversation outside the message batch, the same SQL on both backends: a
//! status or assignee change, and a visitor's rating. Each queues its webhook events in its own
//! transaction through the backend's `enqueue_event`/`enqueue_change`.

/// `changed_conversation` and `rated_conversation`, which the backend's `Store` methods
/// `update_conversation` and `rate_conversation` call, for a backend whose writer pool is the
/// field `writer`; `lock` ends the read of the row about to change (Postgres locks it, SQLite's
/// one writer needs nothing).
macro_rules! conversation_changes {
    ($store:ty, writer = $writer:ident, lock = $lock:expr) => {
        impl $store {
            #[tracing::instrument(skip_all, err)]
            async fn changed_conversation(
                &self,
                workspace: WorkspaceId,
                id: ConversationId,
                change: &ConversationChange,
            ) -> StoreResult<Option<Conversation>> {
                let mut tx = self.$writer.begin().await?;
                // Read under the lock, so that two changes at once each see the assignee the other
                // left.
                let before: Option<Option<AgentId>> = sqlx::query_scalar(concat!(
                    "select assignee_id from conversations where workspace_id = $1 and id = $2 ",
                    $lock
                ))
                .bind(workspace)
                .bind(id)
                .fetch_optional(&mut *tx)
                .await?;
                let Some(before) = before else {
                    return Ok(None);
                };
                let updated: Conversation = sqlx::query_as(concat!(
                    "update conversations set status = coalesce($3, status), \
                     resolved_at = case when $3 = 'resolved' and status <> 'resolved' then $6 \
                     when $3 = 'open' then null else resolved_at end, \
                     assignee_id = case when $4 then $5 else assignee_id end, updated_at = $6, \
                     team_id = case when $7 then $8 else team_id end, \
                     labels = coalesce($9, labels), priority = coalesce($10, priority), \
                     snoozed_until = case when $11 then $12 else snoozed_until end \
                     where workspace_id = $1 and id = $2 returning ",
                    conversation_columns!()
                ))
                .bind(workspace)
                .bind(id)
                .bind(change.status)
                .bind(change.assignee.is_some())
                .bind(change.assignee.flatten())
                .bind(Timestamp::now())
                .bind(change.team.is_some())
                .bind(change.team.flatten())
                .bind(change.labels.as_ref().map(sqlx::types::Json))
                .bind(change.priority)
                .bind(change.snoozed_until.is_some())
                .bind(change.snoozed_until.flatten())
                .fetch_one(&mut *tx)
                .await?;
                enqueue_change(&mut tx, before, &updated).await?;
                tx.commit().await?;
                Ok(Some(updated))
            }

            #[tracing::instrument(skip_all, err)]
            async fn rated_conversation(
                &self,
                workspace: WorkspaceId,
                visitor: VisitorId,
                id: ConversationId,
                rating: &Rating,
            ) -> StoreResult<Rated> {
                let mut tx = self.$writer.begin().await?;
                let status: Option<ConversationStatus> = sqlx::query_scalar(concat!(
                    "select status from conversations where workspace_id = $1 and id = $2 \
                     and visitor_id = $3 ",
                    $lock
                ))
                .bind(workspace)
                .bind(id)
                .bind(visitor)
                .fetch_optional(&mut *tx)
                .await?;
                match status {
                    None => return Ok(Rated::NotFound),
                    Some(ConversationStatus::Open) => return Ok(Rated::StillOpen),
                    Some(ConversationStatus::Resolved) => {}
                }
                let rated: Conversation = sqlx::query_as(concat!(
                    "update conversations set rating = $3, updated_at = $4 \
                     where workspace_id = $1 and id = $2 returning ",
                    conversation_columns!()
                ))
                .bind(workspace)
                .bind(id)
                .bind(Json(rating))
                .bind(rating.created_at)
                .fetch_one(&mut *tx)
                .await?;
                let payload = super::webhooks::conversation_payload(&rated);
                let event = WebhookEvent::ConversationRated;
                enqueue_event(&mut tx, workspace, event, Some(payload), None, rating.created_at)
                    .await?;
                tx.commit().await?;
                Ok(Rated::Rated(rated))
            }
        }
    };
}

pub(crate) use conversation_changes;
