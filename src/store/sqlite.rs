//! The SQLite backend: the embedded, zero-setup default for a single node.
//!
//! SQLite allows one writer at a time, so writes go through a one-connection pool (no
//! `SQLITE_BUSY` surprises, and group commit makes one writer enough) while reads use their
//! own pool, which WAL mode lets run beside the writer.

use std::collections::HashMap;
use std::str::FromStr;
use std::time::Duration;

use async_trait::async_trait;
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};
use sqlx::types::Json;
use sqlx::{Row, Sqlite, Transaction};
use uuid::Uuid;

use super::{
    agent_columns, conversation_columns, message_columns, site_columns, visitor_columns,
    AppendError, AppendOutcome, Appended, Audience, Backend, ConversationChange, CreatedWorkspace,
    Rated, Store, StoreError, StoreResult,
};
use crate::domain::{
    Agent, AgentId, AgentRole, AuthorKind, Conversation, ConversationId, ConversationStatus, Email,
    Message, MessageId, MessageKind, NewMessage, NewWorkspace, Rating, ReadMark, Site, SiteId,
    SiteKey, Timestamp, Visitor, VisitorId, VisitorPage, WebhookEvent, Workspace, WorkspaceId,
};

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("migrations/sqlite");

const BUSY_TIMEOUT: Duration = Duration::from_secs(5);
const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(5);
const READ_CONNECTIONS: u32 = 4;

pub struct SqliteStore {
    writer: SqlitePool,
    reader: SqlitePool,
}

impl SqliteStore {
    #[tracing::instrument(skip_all, err)]
    pub async fn connect(url: &str) -> StoreResult<Self> {
        let options = SqliteConnectOptions::from_str(url)
            .map_err(|e| StoreError::Internal(format!("bad DATABASE_URL: {e}")))?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            // FULL: an acknowledged message survives power loss too, not only a crash.
            .synchronous(SqliteSynchronous::Full)
            .busy_timeout(BUSY_TIMEOUT)
            .foreign_keys(true);
        let writer = SqlitePoolOptions::new()
            .max_connections(1)
            .acquire_timeout(ACQUIRE_TIMEOUT)
            .connect_with(options.clone())
            .await?;
        MIGRATOR.run(&writer).await?;
        // An in-memory database exists once per connection: share the writer for reads.
        let reader = if url.contains(":memory:") || url.contains("mode=memory") {
            writer.clone()
        } else {
            SqlitePoolOptions::new()
                .max_connections(READ_CONNECTIONS)
                .acquire_timeout(ACQUIRE_TIMEOUT)
                .connect_with(options.read_only(true))
                .await?
        };
        Ok(Self { writer, reader })
    }

    fn reader(&self) -> &SqlitePool {
        &self.reader
    }

    fn writer(&self) -> &SqlitePool {
        &self.writer
    }
}

super::catalog::impl_catalog!(SqliteStore);
super::admin::impl_admin!(SqliteStore);
super::teams::impl_teams!(SqliteStore);
super::email::impl_emails!(SqliteStore, skip_locked = "");
super::digests::impl_digests!(SqliteStore);
super::reports::impl_reports!(SqliteStore);
super::privacy::impl_privacy!(
    SqliteStore,
    cutoff = "c.resolved_at < $1 - w.retention_days * 86400000000",
    skip_locked = ""
);
super::desk::impl_desk!(
    SqliteStore,
    strip = "(select json_group_array(value) from json_each(c.labels) where value <> $1)",
    has_label = "exists (select 1 from json_each(c.labels) where value = $1)",
    text = "instr(lower(coalesce(v.name, '') || ' ' || coalesce(v.email, '') || ' ' \
            || coalesce(v.external_id, '') || ' ' || v.attributes), lower($2)) > 0",
    // Booleans read `true`/`false` as Postgres's `->>` gives them.
    attribute = "(case json_type(v.attributes, '$.\"' || $3 || '\"') when 'true' then 'true' \
                 when 'false' then 'false' \
                 else cast(json_extract(v.attributes, '$.\"' || $3 || '\"') as text) end)",
    skip_locked = ""
);
super::uploads::impl_uploads!(SqliteStore);
// One writer connection: its transaction is the only one deciding.
super::routing::impl_routing!(
    SqliteStore,
    lock = "",
    skip_locked = "",
    merge = "json_patch(attributes, $3)"
);
super::changes::conversation_changes!(SqliteStore, writer = writer, lock = "");
// One writer connection: nothing to skip.
super::webhooks::impl_webhooks!(
    SqliteStore,
    lock = "",
    skip = "lower(hex(o.webhook_id)) not in (select value from json_each($4))",
    // One node, small installations: the one ordered scan (`webhook_outbox_claim_idx` serves
    // switching webhooks off and on).
    claim_per_webhook = None
);

/// Whether the workspace has an active webhook subscribed to `event`.
async fn subscribed(
    tx: &mut Transaction<'_, Sqlite>,
    workspace: WorkspaceId,
    event: WebhookEvent,
) -> StoreResult<bool> {
    Ok(sqlx::query_scalar(
        "select exists (select 1 from webhooks w where w.workspace_id = $1 and w.active = true \
         and exists (select 1 from json_each(w.events) where json_each.value = $2))",
    )
    .bind(workspace)
    .bind(event.as_str())
    .fetch_one(&mut **tx)
    .await?)
}

/// Queues one event in the transaction of its change: a row for each active webhook of the
/// workspace subscribed to it, all with the same event id. `message.created` carries the
/// message's id instead of a payload (the message is read when sent).
async fn enqueue_event(
    tx: &mut Transaction<'_, Sqlite>,
    workspace: WorkspaceId,
    event: WebhookEvent,
    payload: Option<serde_json::Value>,
    message: Option<MessageId>,
    at: Timestamp,
) -> StoreResult<()> {
    sqlx::query(
        "insert into webhook_outbox (id, workspace_id, webhook_id, event_id, event, payload, \
         message_id, next_attempt_at, created_at) \
         select randomblob(16), w.workspace_id, w.id, $2, $3, $4, $5, $6, $6 from webhooks w \
         where w.workspace_id = $1 and w.active = true \
         and exists (select 1 from json_each(w.events) where json_each.value = $3)",
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
    tx: &mut Transaction<'_, Sqlite>,
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
    SqliteStore,
    search = "exists (select 1 from messages_fts f join messages m on m.rowid = f.rowid \
              where messages_fts match $6 and m.conversation_id = c.id)",
    search_term = fts_query,
    // The visitor's name, email and form answers, as typed (no wildcard syntax).
    visitor_search = "instr(lower(coalesce(v.name, '') || ' ' || coalesce(v.email, '') || ' ' \
                      || v.attributes), lower($12)) > 0",
    has_label = "exists (select 1 from json_each(c.labels) where value = $13)"
);

/// Turns free text into an FTS5 query that matches every word, with no operator syntax: each
/// word becomes a quoted string (quotes inside doubled).
fn fts_query(text: &str) -> String {
    let words: Vec<String> = text
        .split_whitespace()
        .map(|word| format!("\"{}\"", word.replace('"', "\"\"")))
        .collect();
    if words.is_empty() {
        "\"\"".to_owned()
    } else {
        words.join(" ")
    }
}

#[async_trait]
impl Store for SqliteStore {
    fn backend(&self) -> Backend {
        Backend::Sqlite
    }

    async fn ping(&self) -> StoreResult<()> {
        sqlx::query("select 1").execute(&self.reader).await?;
        Ok(())
    }

    #[tracing::instrument(skip_all, err)]
    async fn create_workspace(&self, new: &NewWorkspace) -> StoreResult<CreatedWorkspace> {
        let now = Timestamp::now();
        let mut tx = self.writer.begin().await?;
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
             values ($1, $2, $3, $4, $5, $6, 1, $7, $7) returning ", agent_columns!(), ""
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

    #[tracing::instrument(skip_all, err)]
    async fn open_or_create_conversation(
        &self,
        c: &Conversation,
    ) -> StoreResult<(Conversation, bool)> {
        let mut tx = self.writer.begin().await?;
        let result = open_or_create_in(&mut tx, c).await?;
        tx.commit().await?;
        Ok(result)
    }

    #[tracing::instrument(skip_all, fields(batch = visitors.len()), err)]
    async fn insert_visitors(&self, visitors: &[Visitor]) -> StoreResult<()> {
        let mut insert = sqlx::QueryBuilder::<Sqlite>::new(concat!(
            "insert into visitors (",
            visitor_columns!(),
            ") "
        ));
        insert.push_values(visitors, |mut row, v| {
            row.push_bind(v.id)
                .push_bind(v.workspace_id)
                .push_bind(v.site_id)
                .push_bind(&v.external_id)
                .push_bind(&v.name)
                .push_bind(&v.email)
                .push_bind(&v.user_agent)
                .push_bind(v.created_at)
                .push_bind(v.last_seen_at)
                .push_bind(v.name_signed)
                .push_bind(v.email_signed)
                .push_bind(&v.last_ip)
                .push_bind(&v.attributes);
        });
        // Its text depends on the batch size: not worth a cached statement.
        insert
            .build()
            .persistent(false)
            .execute(&self.writer)
            .await?;
        Ok(())
    }

    #[tracing::instrument(skip_all, fields(batch = drafts.len()), err)]
    async fn open_or_create_conversations(
        &self,
        drafts: &[Conversation],
    ) -> StoreResult<Vec<(Conversation, bool)>> {
        // One transaction, so one sync to disk for the whole batch.
        let mut tx = self.writer.begin().await?;
        let mut results = Vec::with_capacity(drafts.len());
        for draft in drafts {
            results.push(open_or_create_in(&mut tx, draft).await?);
        }
        tx.commit().await?;
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
        // The single writer connection makes this transaction the only writer: no locking
        // needed to hand out seqs.
        let mut tx = self.writer.begin().await?;
        let mut conversations: HashMap<ConversationId, Option<ConversationState>> = HashMap::new();
        let mut results = Vec::with_capacity(batch.len());
        for new in batch {
            if let Some(existing) = stored_message(&mut tx, new).await? {
                results.push(Ok(Appended {
                    message: existing,
                    outcome: AppendOutcome::Replayed,
                }));
                continue;
            }
            let state = match conversations.get_mut(&new.conversation_id) {
                Some(state) => state,
                None => {
                    let loaded = load_conversation(&mut tx, new.conversation_id).await?;
                    conversations.entry(new.conversation_id).or_insert(loaded)
                }
            };
            let Some(state) = state.as_mut().filter(|state| state.admits(new)) else {
                results.push(Err(AppendError::ConversationNotFound));
                continue;
            };
            let mut reopened = false;
            if state.status == ConversationStatus::Resolved
                && new.author.kind == AuthorKind::Visitor
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
            if state.snoozed && new.author.kind == AuthorKind::Visitor {
                state.snoozed = false;
                state.reopened = true;
                reopened = true;
            }
            state.last_seq += 1;
            state.touched = true;
            state.answered |= new.is_agent_answer();
            let message: Message = sqlx::query_as(concat!(
                "insert into messages (",
                message_columns!(),
                ") values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) \
                 returning ",
                message_columns!(),
                ""
            ))
            .bind(new.id)
            .bind(new.conversation_id)
            .bind(state.last_seq)
            .bind(new.client_msg_id)
            .bind(new.author.kind)
            .bind(new.author.id)
            .bind(&new.author.name)
            .bind(new.kind)
            .bind(&new.body)
            .bind(new.created_at)
            .bind(new.attachments.stored().map(sqlx::types::Json))
            .fetch_one(&mut *tx)
            .await?;
            // The uploads it carries become its own (checked as the sender's before).
            for file in &new.attachments.0 {
                sqlx::query(
                    "update uploads set message_id = $1, conversation_id = $2 \
                     where id = $3 and message_id is null and canned_id is null",
                )
                .bind(new.id)
                .bind(new.conversation_id)
                .bind(file.id)
                .execute(&mut *tx)
                .await?;
            }
            results.push(Ok(Appended {
                message,
                outcome: AppendOutcome::Stored {
                    visitor_id: VisitorId(state.visitor_id),
                    reopened,
                },
            }));
        }
        let now = Timestamp::now();
        // message.created, for workspaces with a webhook that wants it (asked once per batch).
        let mut wanted: HashMap<Uuid, bool> = HashMap::new();
        for (result, new) in results.iter().zip(batch) {
            let Ok(Appended {
                message,
                outcome: AppendOutcome::Stored { .. },
            }) = result
            else {
                continue;
            };
            let Some(Some(state)) = conversations.get(&new.conversation_id) else {
                continue;
            };
            let workspace = WorkspaceId(state.workspace_id);
            let want = match wanted.get(&state.workspace_id) {
                Some(want) => *want,
                None => {
                    let want = subscribed(&mut tx, workspace, WebhookEvent::MessageCreated).await?;
                    wanted.insert(state.workspace_id, want);
                    want
                }
            };
            if want {
                let event = WebhookEvent::MessageCreated;
                enqueue_event(&mut tx, workspace, event, None, Some(message.id), now).await?;
            }
            // An agent's reply to a visitor with an email starts (or joins) a reply email.
            if message.author.kind == AuthorKind::Agent && message.kind == MessageKind::Text {
                sqlx::query(
                    "insert into email_outbox (id, workspace_id, kind, conversation_id, from_seq, \
                     next_attempt_at, created_at) \
                     select $4, c.workspace_id, 'reply', c.id, $2, $3, $3 from conversations c \
                     join visitors v on v.id = c.visitor_id where c.id = $1 and v.email is not null \
                     on conflict (conversation_id) where state = 'pending' and kind = 'reply' do nothing",
                )
                .bind(message.conversation_id)
                .bind(message.seq)
                .bind(now)
                .bind(Uuid::new_v4())
                .execute(&mut *tx)
                .await?;
            }
        }
        for (id, state) in conversations
            .iter()
            .filter_map(|(id, s)| Some((id, s.as_ref()?)))
        {
            if !state.touched {
                continue;
            }
            sqlx::query(
                "update conversations set last_seq = $2, last_activity_at = $3, \
                 updated_at = case when $4 then $3 else updated_at end, \
                 status = case when $4 then 'open' else status end, \
                 snoozed_until = case when $4 then null else snoozed_until end, \
                 resolved_at = case when $4 and status = 'resolved' then null else resolved_at end, \
                 first_reply_at = case when $5 then coalesce(first_reply_at, $3) \
                 else first_reply_at end where id = $1",
            )
            .bind(id)
            .bind(state.last_seq)
            .bind(now)
            .bind(state.reopened)
            .bind(state.answered)
            .execute(&mut *tx)
            .await?;
            if state.reopened {
                let conversation: Conversation = sqlx::query_as(concat!(
                    "select ",
                    conversation_columns!(),
                    " from conversations where id = $1"
                ))
                .bind(id)
                .fetch_one(&mut *tx)
                .await?;
                enqueue_change(&mut tx, conversation.assignee_id, &conversation).await?;
            }
        }
        tx.commit().await?;
        Ok(results)
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
            "select ",
            message_columns!(),
            " from messages where conversation_id = $1 \
             and exists (select 1 from conversations c where c.id = $1 and c.workspace_id = $5) \
             and ($2 is null or seq < $2) and ($4 or kind <> 'note') order by seq desc limit $3"
        ))
        .bind(conversation)
        .bind(before_seq)
        .bind(limit)
        .bind(audience.includes_notes())
        .bind(workspace)
        .fetch_all(&self.reader)
        .await?;
        messages.reverse();
        Ok(messages)
    }

    async fn mark_read(&self, workspace: WorkspaceId, mark: &ReadMark) -> StoreResult<Option<i64>> {
        Ok(sqlx::query_scalar(
            "insert into read_marks (conversation_id, reader_kind, reader_id, seq, updated_at) \
             select id, $2, $3, min($4, last_seq), $5 from conversations \
             where id = $1 and workspace_id = $6 \
             on conflict (conversation_id, reader_kind, reader_id) \
             do update set seq = max(read_marks.seq, excluded.seq), updated_at = excluded.updated_at \
             returning seq",
        )
        .bind(mark.conversation_id)
        .bind(mark.reader_kind)
        .bind(mark.reader_id)
        .bind(mark.seq)
        .bind(Timestamp::now())
        .bind(workspace)
        .fetch_optional(&self.writer)
        .await?)
    }
}

/// A conversation's state while a batch is applied to it.
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
    /// An agent answered in this batch (not a note, not a server-written message).
    answered: bool,
}

impl ConversationState {
    /// Whether `new`'s sender may write here: same workspace, and a visitor only into its own.
    fn admits(&self, new: &NewMessage) -> bool {
        self.workspace_id == new.workspace_id.0
            && (new.author.kind != AuthorKind::Visitor || new.author.id == Some(self.visitor_id))
    }
}

async fn load_conversation(
    tx: &mut Transaction<'_, Sqlite>,
    id: ConversationId,
) -> StoreResult<Option<ConversationState>> {
    let row = sqlx::query(
        "select workspace_id, last_seq, status, visitor_id, site_id, \
         snoozed_until is not null as snoozed from conversations where id = $1",
    )
    .bind(id)
    .fetch_optional(&mut **tx)
    .await?;
    row.map(|row| {
        Ok(ConversationState {
            workspace_id: row.try_get("workspace_id")?,
            last_seq: row.try_get("last_seq")?,
            status: row.try_get("status")?,
            visitor_id: row.try_get("visitor_id")?,
            site_id: row.try_get("site_id")?,
            touched: false,
            reopened: false,
            snoozed: row.try_get("snoozed")?,
            answered: false,
        })
    })
    .transpose()
    .map_err(|e: sqlx::Error| e.into())
}

/// The message already stored under `new`'s idempotency key, if any.
async fn stored_message(
    tx: &mut Transaction<'_, Sqlite>,
    new: &NewMessage,
) -> StoreResult<Option<Message>> {
    let Some(client_msg_id) = new.client_msg_id else {
        return Ok(None);
    };
    Ok(sqlx::query_as(concat!(
        "select ",
        message_columns!(),
        " from messages where author_kind = $1 and author_id is $2 \
         and client_msg_id = $3"
    ))
    .bind(new.author.kind)
    .bind(new.author.id)
    .bind(client_msg_id)
    .fetch_optional(&mut **tx)
    .await?)
}

/// Inserts `c` as its visitor's open conversation, or returns the one already open.
async fn open_or_create_in(
    tx: &mut Transaction<'_, Sqlite>,
    c: &Conversation,
) -> StoreResult<(Conversation, bool)> {
    let inserted: Option<Conversation> = sqlx::query_as(concat!(
        "insert into conversations (",
        conversation_columns!(),
        ") values ($1, $2, $3, $4, 'open', $5, 0, $6, $6, $6, $7, null, '[]', 'none', null) \
             on conflict (visitor_id, site_id) where status = 'open' do nothing returning ",
        conversation_columns!(),
        ""
    ))
    .bind(c.id)
    .bind(c.workspace_id)
    .bind(c.site_id)
    .bind(c.visitor_id)
    .bind(c.assignee_id)
    .bind(c.created_at)
    .bind(c.team_id)
    .fetch_optional(&mut **tx)
    .await?;
    Ok(match inserted {
        Some(created) => {
            let payload = super::webhooks::conversation_payload(&created);
            let event = WebhookEvent::ConversationCreated;
            let (workspace, at) = (created.workspace_id, created.created_at);
            enqueue_event(tx, workspace, event, Some(payload), None, at).await?;
            (created, true)
        }
        None => {
            let existing: Conversation = sqlx::query_as(concat!(
                "select ",
                conversation_columns!(),
                " from conversations \
                     where site_id = $1 and visitor_id = $2 and status = 'open'"
            ))
            .bind(c.site_id)
            .bind(c.visitor_id)
            .fetch_one(&mut **tx)
            .await?;
            (existing, false)
        }
    })
}
