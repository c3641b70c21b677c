//! The Postgres backend: production, and shared by several nodes.

use std::collections::HashMap;
use std::str::FromStr;
use std::time::Duration;

use async_trait::async_trait;
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use sqlx::types::Json;
use sqlx::Row;
use uuid::Uuid;

use super::catalog::Catalog;
use super::{
    agent_columns, conversation_columns, message_columns, site_columns, visitor_columns,
    AppendError, AppendOutcome, Appended, Audience, Backend, ConversationChange, CreatedWorkspace,
    Rated, Store, StoreError, StoreResult,
};
use crate::domain::{
    Agent, AgentId, AgentRole, AuthorKind, Conversation, ConversationId, ConversationStatus, Email,
    Message, MessageId, NewMessage, NewWorkspace, Rating, ReadMark, Site, SiteId, SiteKey,
    Timestamp, Visitor, VisitorId, VisitorPage, WebhookEvent, Workspace, WorkspaceId,
};

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("migrations/postgres");

/// A statement that runs longer than this is cancelled: a stuck query must not hang a session.
const STATEMENT_TIMEOUT: &str = "10s";
/// Waiting longer than this for a pooled connection reports the database as unavailable.
const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(5);
const MAX_CONNECTIONS: u32 = 16;
/// The largest batch written by the one-statement path (`append_open`).
const DIRECT_BATCH_MAX: usize = 32;

/// What follows a message's insert, in both message statements: the uploads it carries become
/// its own, `message.created` events go to the workspace's webhook outbox, and an agent's text
/// reply to a visitor with an email starts (or joins) a reply email. Reads a set `m` of the
/// written messages (id, conversation_id, seq, author_kind, kind, attachments, workspace_id,
/// event_id, visitor_id); `$now` names the statement's parameter holding the time.
macro_rules! after_messages_written {
    ($now:literal) => {
        concat!(
            "claimed as ( \
               update uploads u set message_id = a.message_id, conversation_id = a.conversation_id \
               from (select m.id as message_id, m.conversation_id, \
               (jsonb_array_elements(m.attachments)->>'id')::uuid as id from m \
               where m.attachments is not null) a \
               where u.id = a.id and u.message_id is null and u.canned_id is null \
             ), outbox as ( \
               insert into webhook_outbox (id, workspace_id, webhook_id, event_id, event, \
               message_id, next_attempt_at, created_at) \
               select gen_random_uuid(), w.workspace_id, w.id, m.event_id, 'message.created', \
               m.id, ", $now, ", ", $now, " \
               from m join webhooks w on w.workspace_id = m.workspace_id and w.active \
               and w.events ? 'message.created' \
             ), mails as ( \
               insert into email_outbox (id, workspace_id, kind, conversation_id, from_seq, \
               next_attempt_at, created_at) \
               select distinct on (m.conversation_id) gen_random_uuid(), m.workspace_id, 'reply', \
               m.conversation_id, m.seq, ", $now, ", ", $now, " \
               from m where m.author_kind = 'agent' and m.kind = 'text' and exists (select 1 \
               from visitors v where v.id = m.visitor_id and v.email is not null) \
               order by m.conversation_id, m.seq \
               on conflict (conversation_id) where state = 'pending' and kind = 'reply' do nothing \
             )"
        )
    };
}

pub struct PgStore {
    pool: PgPool,
}

impl PgStore {
    #[tracing::instrument(skip_all, err)]
    pub async fn connect(url: &str) -> StoreResult<Self> {
        let options = PgConnectOptions::from_str(url)
            .map_err(|e| StoreError::Internal(format!("bad DATABASE_URL: {e}")))?
            .options([("statement_timeout", STATEMENT_TIMEOUT)]);
        let pool = PgPoolOptions::new()
            .max_connections(MAX_CONNECTIONS)
            .acquire_timeout(ACQUIRE_TIMEOUT)
            // sqlx already checks a connection when it goes back to the pool; checking it again
            // on the way out would cost every batch one more round trip.
            .test_before_acquire(false)
            .connect_with(options)
            .await?;
        MIGRATOR.run(&pool).await?;
        Ok(Self { pool })
    }

    pub fn pool(&self) -> &PgPool {
        &self.pool
    }

    fn reader(&self) -> &PgPool {
        &self.pool
    }

    fn writer(&self) -> &PgPool {
        &self.pool
    }

    /// Writes `batch` in a transaction that locks its conversations first: every case (replays,
    /// reopening, snoozed conversations, refusals). Without reading keys first (`Assume`), a
    /// key stored already rolls the attempt back and the batch is written again, keys read.
    async fn append_locked(
        &self,
        batch: &[NewMessage],
        keys: KeyCheck,
    ) -> StoreResult<Vec<Result<Appended, AppendError>>> {
        metrics::counter!("parley_write_batches_total", "path" => "locked").increment(1);
        if keys == KeyCheck::Assume {
            if let Attempt::Written(results) = self.append_attempt(batch, keys).await? {
                return Ok(results);
            }
        }
        match self.append_attempt(batch, KeyCheck::ReadFirst).await? {
            Attempt::Written(results) => Ok(results),
            Attempt::KeyTaken => Err(StoreError::Conflict("messages_idempotency_key".into())),
        }
    }

    /// Writes, in one statement and its own implicit transaction, the messages of `batch` whose
    /// conversations are open and awake and admit every one of the batch's senders: their
    /// conversations are locked in id order, as `append_attempt` locks them, and each gets
    /// its `seq`s from the row it locked. Returns each message's result, `None` for those it
    /// left (all of a conversation's messages or none, so its order holds), and their
    /// positions. A key stored already fails the whole statement (`Conflict`), nothing written.
    async fn append_open(&self, batch: &[NewMessage]) -> StoreResult<OpenWrite> {
        // Per conversation: its messages, whether an agent answered, the senders' workspace and
        // the visitor who wrote (a conversation whose senders name different workspaces or
        // visitors is left to the transaction, which refuses the wrong ones one by one).
        let mut conversations: Vec<OpenConversation> = Vec::new();
        let mut index: HashMap<Uuid, usize> = HashMap::with_capacity(batch.len());
        for new in batch {
            let at = *index.entry(new.conversation_id.0).or_insert_with(|| {
                conversations.push(OpenConversation {
                    id: new.conversation_id.0,
                    workspace_id: new.workspace_id.0,
                    count: 0,
                    answered: false,
                    visitor_id: None,
                    mixed: false,
                });
                conversations.len() - 1
            });
            let conversation = &mut conversations[at];
            conversation.count += 1;
            conversation.answered |= new.is_agent_answer();
            conversation.mixed |= conversation.workspace_id != new.workspace_id.0;
            if new.author.kind == AuthorKind::Visitor {
                let visitor = new.author.id;
                conversation.mixed |= visitor.is_none()
                    || conversation.visitor_id.is_some_and(|v| Some(v) != visitor);
                conversation.visitor_id = visitor;
            }
        }
        let offered: Vec<&OpenConversation> = conversations.iter().filter(|c| !c.mixed).collect();
        let now = Timestamp::now();
        let rows = sqlx::query(concat!(
            "with t as ( \
               select * from unnest($12::uuid[], $13::int8[], $14::bool[], $15::uuid[], $17::uuid[]) \
               as t(id, n, answered, workspace_id, visitor_id) \
             ), locked as ( \
               select c.id from conversations c where c.id = any($12::uuid[]) order by c.id for update \
             ), touched as ( \
               update conversations c set last_seq = c.last_seq + t.n, last_activity_at = $16, \
               first_reply_at = case when t.answered then coalesce(c.first_reply_at, $16) \
                 else c.first_reply_at end \
               from t join locked l on l.id = t.id \
               where c.id = any($12::uuid[]) and c.id = t.id and c.workspace_id = t.workspace_id \
               and c.status = 'open' \
               and c.snoozed_until is null and (t.visitor_id is null or t.visitor_id = c.visitor_id) \
               returning c.id, c.last_seq - t.n as base, c.visitor_id, c.workspace_id \
             ), m as materialized ( \
               select f.*, tc.base + row_number() over (partition by f.conversation_id order by f.ord) as seq, \
               tc.visitor_id, tc.workspace_id \
               from unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::text[], $5::text[], $6::uuid[], \
               $7::text[], $8::text[], $9::jsonb[], $10::uuid[], $11::timestamptz[]) with ordinality \
               as f(id, conversation_id, client_msg_id, kind, author_kind, author_id, author_name, \
               body, attachments, event_id, created_at, ord) \
               join touched tc on tc.id = f.conversation_id \
             ), inserted as ( \
               insert into messages (id, conversation_id, seq, client_msg_id, author_kind, \
               author_id, author_name, kind, body, created_at, attachments) \
               select id, conversation_id, seq, client_msg_id, author_kind, author_id, author_name, \
               kind, body, created_at, attachments from m \
             ), ",
            after_messages_written!("$16"),
            " select ord, seq, visitor_id from m"
        ))
        .bind(batch.iter().map(|m| m.id.0).collect::<Vec<_>>())
        .bind(batch.iter().map(|m| m.conversation_id.0).collect::<Vec<_>>())
        .bind(batch.iter().map(|m| m.client_msg_id.map(|c| c.0)).collect::<Vec<_>>())
        .bind(batch.iter().map(|m| m.kind.as_str()).collect::<Vec<_>>())
        .bind(batch.iter().map(|m| m.author.kind.as_str()).collect::<Vec<_>>())
        .bind(batch.iter().map(|m| m.author.id).collect::<Vec<_>>())
        .bind(batch.iter().map(|m| m.author.name.as_deref()).collect::<Vec<_>>())
        .bind(batch.iter().map(|m| m.body.as_str()).collect::<Vec<_>>())
        .bind(batch.iter().map(|m| m.attachments.stored()).collect::<Vec<_>>())
        // message.created: its message is read when sent, so only ids are written here.
        .bind(batch.iter().map(|_| Uuid::new_v4()).collect::<Vec<_>>())
        .bind(batch.iter().map(|m| m.created_at.as_datetime()).collect::<Vec<_>>())
        .bind(offered.iter().map(|c| c.id).collect::<Vec<_>>())
        .bind(offered.iter().map(|c| c.count).collect::<Vec<_>>())
        .bind(offered.iter().map(|c| c.answered).collect::<Vec<_>>())
        .bind(offered.iter().map(|c| c.workspace_id).collect::<Vec<_>>())
        .bind(now)
        .bind(offered.iter().map(|c| c.visitor_id).collect::<Vec<_>>())
        .fetch_all(&self.pool)
        .await?;
        let mut results: Vec<Option<Result<Appended, AppendError>>> = vec![None; batch.len()];
        for row in rows {
            let ord: i64 = row.try_get("ord")?;
            let new = usize::try_from(ord - 1)
                .ok()
                .and_then(|i| batch.get(i).map(|new| (i, new)));
            let Some((i, new)) = new else {
                return Err(StoreError::Internal(
                    "a written message out of its batch".into(),
                ));
            };
            results[i] = Some(Ok(Appended {
                message: new.stored_as(row.try_get("seq")?),
                outcome: AppendOutcome::Stored {
                    visitor_id: VisitorId(row.try_get("visitor_id")?),
                    reopened: false,
                },
            }));
        }
        let rest = (0..batch.len()).filter(|&i| results[i].is_none()).collect();
        Ok((results, rest))
    }

    /// One transaction writing `batch`; `KeyTaken` (rolled back) when `keys` is `Assume` and a
    /// key turns out to be stored already.
    async fn append_attempt(&self, batch: &[NewMessage], keys: KeyCheck) -> StoreResult<Attempt> {
        let mut tx = self.pool.begin().await?;

        // Lock the conversations first, in id order so that concurrent batches (from other
        // nodes too) cannot deadlock; the lock also serialises idempotency checks per
        // conversation.
        let mut conversation_ids: Vec<Uuid> = batch.iter().map(|m| m.conversation_id.0).collect();
        conversation_ids.sort_unstable();
        conversation_ids.dedup();
        let rows = sqlx::query(
            "select id, workspace_id, last_seq, status, visitor_id, site_id, \
             snoozed_until is not null as snoozed from conversations \
             where id = any($1) order by id for update",
        )
        .bind(&conversation_ids)
        .fetch_all(&mut *tx)
        .await?;
        let mut conversations: HashMap<Uuid, ConversationState> =
            HashMap::with_capacity(rows.len());
        for row in rows {
            conversations.insert(
                row.try_get("id")?,
                ConversationState {
                    workspace_id: row.try_get("workspace_id")?,
                    last_seq: row.try_get("last_seq")?,
                    status: row.try_get("status")?,
                    visitor_id: row.try_get("visitor_id")?,
                    site_id: row.try_get("site_id")?,
                    touched: false,
                    reopened: false,
                    snoozed: row.try_get("snoozed")?,
                    answered: false,
                },
            );
        }

        // Messages already stored under the batch's idempotency keys.
        let keyed: Vec<IdempotencyKey> = batch.iter().filter_map(idempotency_key).collect();
        let mut stored: HashMap<IdempotencyKey, Message> = HashMap::new();
        if keys == KeyCheck::ReadFirst && !keyed.is_empty() {
            let kinds: Vec<&str> = keyed.iter().map(|k| k.0).collect();
            let authors: Vec<Option<Uuid>> = keyed.iter().map(|k| k.1).collect();
            let clients: Vec<Uuid> = keyed.iter().map(|k| k.2).collect();
            let found: Vec<Message> = sqlx::query_as(concat!(
                "select ", message_columns!(), " from messages m \
                 join unnest($1::text[], $2::uuid[], $3::uuid[]) as k(author_kind, author_id, client_msg_id) \
                 using (author_kind, author_id, client_msg_id)"
            ))
            .bind(&kinds)
            .bind(&authors)
            .bind(&clients)
            // Rare (retries only): planned for its own keys each time, never a generic plan
            // made while `messages` was small (a sequential scan).
            .persistent(false)
            .fetch_all(&mut *tx)
            .await?;
            for message in found {
                if let Some(key) = message
                    .client_msg_id
                    .map(|c| (message.author.kind.as_str(), message.author.id, c.0))
                {
                    stored.insert(key, message);
                }
            }
        }

        let mut results = Vec::with_capacity(batch.len());
        let mut fresh: Vec<Message> = Vec::with_capacity(batch.len());
        let mut fresh_workspaces: Vec<Uuid> = Vec::with_capacity(batch.len());
        let mut fresh_visitors: Vec<Uuid> = Vec::with_capacity(batch.len());
        for new in batch {
            let key = idempotency_key(new);
            if let Some(existing) = key.and_then(|k| stored.get(&k)) {
                results.push(Ok(Appended {
                    message: existing.clone(),
                    outcome: AppendOutcome::Replayed,
                }));
                continue;
            }
            let Some(state) = conversations
                .get_mut(&new.conversation_id.0)
                .filter(|state| state.admits(new))
            else {
                results.push(Err(AppendError::ConversationNotFound));
                continue;
            };
            let mut reopened = false;
            if state.status == ConversationStatus::Resolved
                && new.author.kind == crate::domain::AuthorKind::Visitor
            {
                let other_open: bool = sqlx::query_scalar(
                    "select exists (select 1 from conversations where visitor_id = $1 and site_id = $2 \
                     and status = 'open' and id <> $3)",
                )
                .bind(state.visitor_id)
                .bind(state.site_id)
                .bind(new.conversation_id)
                .fetch_one(&mut *tx)
                .await?;
                if other_open {
                    results.push(Err(AppendError::AnotherConversationOpen));
                    continue;
                }
                state.status = ConversationStatus::Open;
                state.reopened = true;
                reopened = true;
            }
            // A visitor writing brings its snoozed conversation back to the inbox.
            if state.snoozed && new.author.kind == crate::domain::AuthorKind::Visitor {
                state.snoozed = false;
                state.reopened = true;
                reopened = true;
            }
            state.last_seq += 1;
            state.touched = true;
            state.answered |= new.is_agent_answer();
            let message = new.stored_as(state.last_seq);
            if let Some(k) = key {
                stored.insert(k, message.clone());
            }
            fresh.push(message.clone());
            fresh_workspaces.push(state.workspace_id);
            fresh_visitors.push(state.visitor_id);
            results.push(Ok(Appended {
                message,
                outcome: AppendOutcome::Stored {
                    visitor_id: VisitorId(state.visitor_id),
                    reopened,
                },
            }));
        }

        if !fresh.is_empty() {
            let now = Timestamp::now();
            let touched: Vec<(&Uuid, &ConversationState)> =
                conversations.iter().filter(|(_, s)| s.touched).collect();
            // One round trip: the rows, and the conversations' new last_seq and activity.
            // Conversations are found by `= any` (an index scan whatever the table's size when
            // the statement was prepared), not by a join alone that could be planned as a hash
            // join over a sequential scan; each then meets its row of the batch's arrays once
            // (looking its position up per column made the statement quadratic in the batch).
            let inserted: i64 = sqlx::query_scalar(concat!(
                "with m as ( \
                   select * from unnest($1::uuid[], $2::uuid[], $3::int8[], $5::text[], $8::text[], \
                   $17::jsonb[], $15::uuid[], $16::uuid[], $19::uuid[]) as m(id, conversation_id, seq, \
                   author_kind, kind, attachments, workspace_id, event_id, visitor_id) \
                 ), inserted as ( \
                   insert into messages (id, conversation_id, seq, client_msg_id, author_kind, \
                   author_id, author_name, kind, body, created_at, attachments) \
                   select * from unnest($1::uuid[], $2::uuid[], $3::int8[], $4::uuid[], $5::text[], \
                   $6::uuid[], $7::text[], $8::text[], $9::text[], $10::timestamptz[], $17::jsonb[]) \
                   on conflict (author_kind, author_id, client_msg_id) where client_msg_id is not null \
                   do nothing returning 1 \
                 ), touched as ( \
                   update conversations c \
                   set last_seq = t.last_seq, \
                   last_activity_at = $12, \
                   updated_at = case when t.reopened then $12 else c.updated_at end, \
                   status = case when t.reopened then 'open' else c.status end, \
                   snoozed_until = case when t.reopened then null else c.snoozed_until end, \
                   resolved_at = case when t.reopened and c.status = 'resolved' \
                     then null else c.resolved_at end, \
                   first_reply_at = case when t.answered \
                     then coalesce(c.first_reply_at, $12) else c.first_reply_at end \
                   from unnest($11::uuid[], $13::int8[], $14::bool[], $18::bool[]) \
                     as t(id, last_seq, reopened, answered) \
                   where c.id = any($11::uuid[]) and c.id = t.id \
                 ), ",
                after_messages_written!("$12"),
                " select count(*) from inserted"
            ))
            .bind(fresh.iter().map(|m| m.id.0).collect::<Vec<_>>())
            .bind(fresh.iter().map(|m| m.conversation_id.0).collect::<Vec<_>>())
            .bind(fresh.iter().map(|m| m.seq).collect::<Vec<_>>())
            .bind(fresh.iter().map(|m| m.client_msg_id.map(|c| c.0)).collect::<Vec<_>>())
            .bind(fresh.iter().map(|m| m.author.kind.as_str()).collect::<Vec<_>>())
            .bind(fresh.iter().map(|m| m.author.id).collect::<Vec<_>>())
            .bind(fresh.iter().map(|m| m.author.name.as_deref()).collect::<Vec<_>>())
            .bind(fresh.iter().map(|m| m.kind.as_str()).collect::<Vec<_>>())
            .bind(fresh.iter().map(|m| m.body.as_str()).collect::<Vec<_>>())
            .bind(fresh.iter().map(|m| m.created_at.as_datetime()).collect::<Vec<_>>())
            .bind(touched.iter().map(|(id, _)| **id).collect::<Vec<_>>())
            .bind(now)
            .bind(touched.iter().map(|(_, s)| s.last_seq).collect::<Vec<_>>())
            .bind(touched.iter().map(|(_, s)| s.reopened).collect::<Vec<_>>())
            // message.created: its message is read when sent, so only ids are written here. An
            // agent's reply to a visitor with an email also starts (or joins) a reply email.
            .bind(fresh_workspaces)
            .bind(fresh.iter().map(|_| Uuid::new_v4()).collect::<Vec<_>>())
            // The uploads each message carries become its own (checked as the sender's before).
            .bind(fresh.iter().map(|m| m.attachments.stored()).collect::<Vec<_>>())
            // Whether an agent answered in this batch: the conversation's first reply.
            .bind(touched.iter().map(|(_, s)| s.answered).collect::<Vec<_>>())
            .bind(fresh_visitors)
            .fetch_one(&mut *tx)
            .await?;
            if inserted != fresh.len() as i64 {
                tx.rollback().await?;
                return Ok(Attempt::KeyTaken);
            }
            // A visitor writing into a resolved or snoozed conversation brought it back (rare).
            let reopened: Vec<Uuid> = touched
                .iter()
                .filter(|(_, s)| s.reopened)
                .map(|(id, _)| **id)
                .collect();
            if !reopened.is_empty() {
                let changed: Vec<Conversation> = sqlx::query_as(concat!(
                    "select ",
                    conversation_columns!(),
                    " from conversations where id = any($1)"
                ))
                .bind(&reopened)
                .fetch_all(&mut *tx)
                .await?;
                for conversation in changed {
                    let before = conversation.assignee_id;
                    enqueue_change(&mut tx, before, &conversation).await?;
                }
            }
        }
        tx.commit().await?;
        Ok(Attempt::Written(results))
    }
}

/// Whether a batch's idempotency keys are read before it is written.
#[derive(Clone, Copy, PartialEq, Eq)]
enum KeyCheck {
    Assume,
    ReadFirst,
}

enum Attempt {
    Written(Vec<Result<Appended, AppendError>>),
    KeyTaken,
}

/// What `append_open` wrote (by position in the batch) and the positions it left.
type OpenWrite = (Vec<Option<Result<Appended, AppendError>>>, Vec<usize>);

/// A conversation of a batch, as `append_open` offers it to the statement.
struct OpenConversation {
    id: Uuid,
    workspace_id: Uuid,
    count: i64,
    answered: bool,
    /// The visitor who wrote in this batch, if one did: the conversation's own, or none of it
    /// is written here.
    visitor_id: Option<Uuid>,
    /// Its messages name different workspaces or visitors: left to the locking transaction.
    mixed: bool,
}

super::catalog::impl_catalog!(PgStore);
super::admin::impl_admin!(PgStore);
super::teams::impl_teams!(PgStore);
super::email::impl_emails!(PgStore, skip_locked = "for update skip locked");
super::digests::impl_digests!(PgStore);
super::reports::impl_reports!(PgStore);
super::privacy::impl_privacy!(
    PgStore,
    cutoff = "c.resolved_at < $1 - make_interval(days => w.retention_days)",
    skip_locked = "for update of c skip locked"
);
super::desk::impl_desk!(
    PgStore,
    strip = "c.labels - $1::text",
    // `<> '[]'`: the label index holds only labelled conversations (migration 0016).
    has_label = "(c.labels <> '[]'::jsonb and c.labels @> jsonb_build_array($1::text))",
    text = "strpos(lower(coalesce(v.name, '') || ' ' || coalesce(v.email, '') || ' ' \
            || coalesce(v.external_id, '') || ' ' || v.attributes::text), lower($2::text)) > 0",
    attribute = "v.attributes ->> $3::text",
    skip_locked = "for update skip locked"
);
super::uploads::impl_uploads!(PgStore);
super::routing::impl_routing!(
    PgStore,
    lock = "for update",
    skip_locked = "for update skip locked",
    merge = "attributes || $3"
);
super::changes::conversation_changes!(PgStore, writer = pool, lock = "for update");
super::webhooks::impl_webhooks!(
    PgStore,
    lock = "for update of o skip locked",
    skip = "o.webhook_id not in (select x::uuid from jsonb_array_elements_text($4::jsonb) as t(x))",
    // Per webhook left in, its earliest due events by `webhook_outbox_claim_idx`, then the
    // earliest of those: the left-out receivers' backlogs are never read. Each webhook's rows
    // are locked as they are read, skipping those another node is claiming (a row it claimed
    // meanwhile is read again under the lock, no longer due). Nothing but the ids found may
    // pick the rows to update: a condition of its own on the outer update let the planner
    // read every due row and then look each up in the ids.
    claim_per_webhook = Some(
        "update webhook_outbox set next_attempt_at = $2 where id in ( \
         select d.id from webhooks w cross join lateral ( \
           select o.id, o.next_attempt_at from webhook_outbox o \
           where o.webhook_id = w.id and o.status = 'pending' and o.next_attempt_at <= $1 \
           and (w.active = true or o.event = 'ping') \
           order by o.next_attempt_at limit $3 for update of o skip locked) d \
         where w.id not in (select x::uuid from jsonb_array_elements_text($4::jsonb) as t(x)) \
         order by d.next_attempt_at limit $3) \
         returning id, workspace_id, webhook_id, event_id, event, payload, message_id, \
         attempts, created_at"
    )
);

/// Queues one event in the transaction of its change: a row for each active webhook of the
/// workspace subscribed to it, all with the same event id.
async fn enqueue_event(
    tx: &mut sqlx::Transaction<'_, sqlx::Postgres>,
    workspace: WorkspaceId,
    event: WebhookEvent,
    payload: Option<serde_json::Value>,
    message: Option<MessageId>,
    at: Timestamp,
) -> StoreResult<()> {
    sqlx::query(
        "insert into webhook_outbox (id, workspace_id, webhook_id, event_id, event, payload, \
         message_id, next_attempt_at, created_at) \
         select gen_random_uuid(), w.workspace_id, w.id, $2, $3, $4, $5, $6, $6 from webhooks w \
         where w.workspace_id = $1 and w.active and w.events ? $3",
    )
    .bind(workspace)
    .bind(Uuid::new_v4())
    .bind(event.as_str())
    .bind(payload.map(Json))
    .bind(message)
    .bind(at)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Queues the events of a changed conversation.
async fn enqueue_change(
    tx: &mut sqlx::Transaction<'_, sqlx::Postgres>,
    assignee_before: Option<AgentId>,
    after: &Conversation,
) -> StoreResult<()> {
    for event in super::webhooks::change_events(assignee_before, after) {
        let payload = super::webhooks::conversation_payload(after);
        enqueue_event(
            tx,
            after.workspace_id,
            event,
            Some(payload),
            None,
            after.updated_at,
        )
        .await?;
    }
    Ok(())
}
super::inbox::impl_inbox!(
    PgStore,
    search = "exists (select 1 from messages m where m.conversation_id = c.id \
              and to_tsvector('simple', m.body) @@ plainto_tsquery('simple', $6))",
    search_term = str::to_owned,
    // The visitor's name, email and form answers, as typed (no wildcard syntax).
    visitor_search = "strpos(lower(coalesce(v.name, '') || ' ' || coalesce(v.email, '') || ' ' \
                      || v.attributes::text), lower($12::text)) > 0",
    has_label = "(c.labels <> '[]'::jsonb and c.labels @> jsonb_build_array($13::text))"
);

/// The idempotency key of a message: one per author.
type IdempotencyKey = (&'static str, Option<Uuid>, Uuid);

fn idempotency_key(message: &NewMessage) -> Option<IdempotencyKey> {
    message
        .client_msg_id
        .map(|c| (message.author.kind.as_str(), message.author.id, c.0))
}

#[async_trait]
impl Store for PgStore {
    fn backend(&self) -> Backend {
        Backend::Postgres
    }

    async fn ping(&self) -> StoreResult<()> {
        sqlx::query("select 1").execute(&self.pool).await?;
        Ok(())
    }

    #[tracing::instrument(skip_all, err)]
    async fn create_workspace(&self, new: &NewWorkspace) -> StoreResult<CreatedWorkspace> {
        let now = Timestamp::now();
        let mut tx = self.pool.begin().await?;
        let workspace: Workspace = sqlx::query_as(
            "insert into workspaces (id, name, created_at) values ($1, $2, $3) returning id, name, created_at",
        )
        .bind(WorkspaceId::new())
        .bind(&new.name)
        .bind(now)
        .fetch_one(&mut *tx)
        .await?;
        if new.first {
            // A second node starting at the same moment conflicts here and rolls back.
            sqlx::query("insert into server_settings (key, value) values ('first_workspace', $1)")
                .bind(workspace.id.to_string())
                .execute(&mut *tx)
                .await?;
        }
        let admin: Agent = sqlx::query_as(concat!(
            "insert into agents (id, workspace_id, email, name, password_hash, role, active, created_at, updated_at) \
             values ($1, $2, $3, $4, $5, $6, true, $7, $7) returning ", agent_columns!(), ""
        ))
        .bind(AgentId::new())
        .bind(workspace.id)
        .bind(&new.admin_email)
        .bind(&new.admin_name)
        .bind(&new.admin_password_hash)
        .bind(AgentRole::Admin)
        .bind(now)
        .fetch_one(&mut *tx)
        .await?;
        let site: Site = sqlx::query_as(concat!(
            "insert into sites (id, workspace_id, name, site_key, identity_secret, allowed_origins, settings, created_at, updated_at) \
             values ($1, $2, $3, $4, $5, $6, $7, $8, $8) returning ", site_columns!(), ""
        ))
        .bind(SiteId::new())
        .bind(workspace.id)
        .bind(&new.site.name)
        .bind(&new.site.site_key)
        .bind(&new.site.identity_secret)
        .bind(Json(&new.site.allowed_origins))
        .bind(Json(&new.site.settings))
        .bind(now)
        .fetch_one(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(CreatedWorkspace {
            workspace,
            admin,
            site,
        })
    }

    async fn open_or_create_conversation(
        &self,
        c: &Conversation,
    ) -> StoreResult<(Conversation, bool)> {
        // A batch of one: the same statement, so one way to open a conversation.
        self.open_or_create_conversations(std::slice::from_ref(c))
            .await?
            .pop()
            .ok_or_else(|| StoreError::Internal("no result for the conversation".into()))
    }

    #[tracing::instrument(skip_all, fields(batch = visitors.len()), err)]
    async fn insert_visitors(&self, visitors: &[Visitor]) -> StoreResult<()> {
        sqlx::query(
            "insert into visitors (id, workspace_id, site_id, external_id, name, email, user_agent, \
             created_at, last_seen_at, name_signed, email_signed, last_ip) \
             select * from unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::text[], $5::text[], \
             $6::text[], $7::text[], $8::timestamptz[], $9::timestamptz[], $10::bool[], $11::bool[], \
             $12::text[])",
        )
        .bind(visitors.iter().map(|v| v.id.0).collect::<Vec<_>>())
        .bind(visitors.iter().map(|v| v.workspace_id.0).collect::<Vec<_>>())
        .bind(visitors.iter().map(|v| v.site_id.0).collect::<Vec<_>>())
        .bind(visitors.iter().map(|v| v.external_id.as_deref()).collect::<Vec<_>>())
        .bind(visitors.iter().map(|v| v.name.as_deref()).collect::<Vec<_>>())
        .bind(visitors.iter().map(|v| v.email.as_deref()).collect::<Vec<_>>())
        .bind(visitors.iter().map(|v| v.user_agent.as_deref()).collect::<Vec<_>>())
        .bind(visitors.iter().map(|v| v.created_at.as_datetime()).collect::<Vec<_>>())
        .bind(visitors.iter().map(|v| v.last_seen_at.as_datetime()).collect::<Vec<_>>())
        .bind(visitors.iter().map(|v| v.name_signed).collect::<Vec<_>>())
        .bind(visitors.iter().map(|v| v.email_signed).collect::<Vec<_>>())
        .bind(visitors.iter().map(|v| v.last_ip.as_deref()).collect::<Vec<_>>())
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    #[tracing::instrument(skip_all, fields(batch = drafts.len()), err)]
    async fn open_or_create_conversations(
        &self,
        drafts: &[Conversation],
    ) -> StoreResult<Vec<(Conversation, bool)>> {
        let mut tx = self.pool.begin().await?;
        let created: Vec<Conversation> = sqlx::query_as(concat!(
            "insert into conversations (",
            conversation_columns!(),
            ") select id, workspace_id, site_id, visitor_id, 'open', assignee_id, 0, created_at, \
             created_at, created_at, team_id, null, '[]', 'none', null \
             from unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::uuid[], $5::uuid[], $6::timestamptz[], \
             $7::uuid[]) as d(id, workspace_id, site_id, visitor_id, assignee_id, created_at, team_id) \
             on conflict (visitor_id, site_id) where status = 'open' do nothing returning ",
            conversation_columns!(),
            ""
        ))
        .bind(drafts.iter().map(|c| c.id.0).collect::<Vec<_>>())
        .bind(drafts.iter().map(|c| c.workspace_id.0).collect::<Vec<_>>())
        .bind(drafts.iter().map(|c| c.site_id.0).collect::<Vec<_>>())
        .bind(drafts.iter().map(|c| c.visitor_id.0).collect::<Vec<_>>())
        .bind(drafts.iter().map(|c| c.assignee_id.map(|a| a.0)).collect::<Vec<_>>())
        .bind(drafts.iter().map(|c| c.created_at.as_datetime()).collect::<Vec<_>>())
        .bind(drafts.iter().map(|c| c.team_id.map(|t| t.0)).collect::<Vec<_>>())
        .fetch_all(&mut *tx)
        .await?;
        for conversation in &created {
            let payload = super::webhooks::conversation_payload(conversation);
            let (workspace, at) = (conversation.workspace_id, conversation.created_at);
            let event = WebhookEvent::ConversationCreated;
            enqueue_event(&mut tx, workspace, event, Some(payload), None, at).await?;
        }
        tx.commit().await?;
        let mut created: HashMap<ConversationId, Conversation> =
            created.into_iter().map(|c| (c.id, c)).collect();
        let mut results = Vec::with_capacity(drafts.len());
        for draft in drafts {
            let result = match created.remove(&draft.id) {
                Some(conversation) => (conversation, true),
                // Another tab of the same visitor opened one first: that one is theirs.
                None => self
                    .open_conversation(draft.site_id, draft.visitor_id)
                    .await?
                    .map(|existing| (existing, false))
                    .ok_or_else(|| StoreError::Conflict("conversations_one_open_idx".into()))?,
            };
            results.push(result);
        }
        Ok(results)
    }

    async fn update_conversation(
        &self,
        workspace: WorkspaceId,
        id: ConversationId,
        change: &ConversationChange,
    ) -> StoreResult<Option<Conversation>> {
        self.changed_conversation(workspace, id, change).await
    }

    async fn rate_conversation(
        &self,
        workspace: WorkspaceId,
        visitor: VisitorId,
        id: ConversationId,
        rating: &Rating,
    ) -> StoreResult<Rated> {
        self.rated_conversation(workspace, visitor, id, rating)
            .await
    }

    #[tracing::instrument(skip_all, fields(batch = batch.len()), err)]
    async fn append_messages(
        &self,
        batch: &[NewMessage],
    ) -> StoreResult<Vec<Result<Appended, AppendError>>> {
        // Nearly every batch is new messages into open conversations: a small one is written
        // by one statement (one round trip). What it leaves, and a batch holding a key stored
        // already (a client's retry), go through the locking transaction, and so do large
        // batches: under saturation the round trips are shared by many messages, and the
        // transaction's statements cost the database less per message (docs/BENCHMARKS.md).
        if batch.len() > DIRECT_BATCH_MAX {
            return self.append_locked(batch, KeyCheck::Assume).await;
        }
        let (mut results, rest) = match self.append_open(batch).await {
            Ok(written) => {
                if written.1.len() < batch.len() {
                    metrics::counter!("parley_write_batches_total", "path" => "direct")
                        .increment(1);
                }
                written
            }
            Err(StoreError::Conflict(_)) => {
                return self.append_locked(batch, KeyCheck::ReadFirst).await;
            }
            Err(err) => return Err(err),
        };
        if !rest.is_empty() {
            let left: Vec<NewMessage> = rest.iter().map(|&i| batch[i].clone()).collect();
            for (i, result) in rest
                .into_iter()
                .zip(self.append_locked(&left, KeyCheck::Assume).await?)
            {
                results[i] = Some(result);
            }
        }
        results
            .into_iter()
            .map(|r| r.ok_or_else(|| StoreError::Internal("a message left unanswered".into())))
            .collect()
    }

    async fn messages_before(
        &self,
        workspace: WorkspaceId,
        conversation: ConversationId,
        before_seq: Option<i64>,
        limit: i64,
        audience: Audience,
    ) -> StoreResult<Vec<Message>> {
        let mut messages: Vec<Message> = sqlx::query_as(concat!(
            "select ", message_columns!(), " from messages where conversation_id = $1 \
             and exists (select 1 from conversations c where c.id = $1 and c.workspace_id = $5) \
             and ($2::int8 is null or seq < $2) and ($4 or kind <> 'note') order by seq desc limit $3"
        ))
        .bind(conversation)
        .bind(before_seq)
        .bind(limit)
        .bind(audience.includes_notes())
        .bind(workspace)
        .fetch_all(&self.pool)
        .await?;
        messages.reverse();
        Ok(messages)
    }

    async fn mark_read(&self, workspace: WorkspaceId, mark: &ReadMark) -> StoreResult<Option<i64>> {
        Ok(sqlx::query_scalar(
            "insert into read_marks (conversation_id, reader_kind, reader_id, seq, updated_at) \
             select id, $2, $3, least($4, last_seq), now() from conversations \
             where id = $1 and workspace_id = $5 \
             on conflict (conversation_id, reader_kind, reader_id) \
             do update set seq = greatest(read_marks.seq, excluded.seq), updated_at = now() returning seq",
        )
        .bind(mark.conversation_id)
        .bind(mark.reader_kind)
        .bind(mark.reader_id)
        .bind(mark.seq)
        .bind(workspace)
        .fetch_optional(&self.pool)
        .await?)
    }
}

/// A locked conversation's state while a batch is applied to it.
struct ConversationState {
    workspace_id: Uuid,
    last_seq: i64,
    status: ConversationStatus,
    visitor_id: Uuid,
    site_id: Uuid,
    touched: bool,
    /// Reopened or woken from snooze by a visitor's message.
    reopened: bool,
    snoozed: bool,
    /// An agent answered in this batch.
    answered: bool,
}

impl ConversationState {
    /// Whether `new`'s sender may write here: same workspace, and a visitor only into its own.
    fn admits(&self, new: &NewMessage) -> bool {
        self.workspace_id == new.workspace_id.0
            && (new.author.kind != AuthorKind::Visitor || new.author.id == Some(self.visitor_id))
    }
}
