//! Storage: one interface, two backends (Postgres and SQLite), both on sqlx.
//!
//! Owns every SQL statement and the migrations. It knows nothing of HTTP or WebSocket and
//! never decides who may see what: callers pass the workspace they act for, and every read of
//! a workspace's data is scoped by it in SQL.

pub mod admin;
pub mod catalog;
mod changes;
pub mod desk;
pub mod digests;
pub mod email;
mod error;
pub mod inbox;
mod postgres;
pub mod privacy;
pub mod reports;
pub mod routing;
mod sqlite;
pub mod teams;
pub mod uploads;
pub mod webhooks;

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;

use crate::domain::{
    Agent, AgentId, Conversation, ConversationId, ConversationStatus, Message, NewMessage,
    NewWorkspace, Rating, ReadMark, Site, TeamId, Timestamp, Visitor, VisitorId, Workspace,
    WorkspaceId,
};

pub use error::StoreError;
pub use postgres::PgStore;
pub use sqlite::SqliteStore;

// Column lists shared by both backends, as macros so that `concat!` can build static SQL.
macro_rules! message_columns {
    () => {
        "id, conversation_id, seq, client_msg_id, author_kind, author_id, author_name, kind, body, created_at, attachments"
    };
}
pub(crate) use message_columns;

macro_rules! conversation_columns {
    () => {
        "id, workspace_id, site_id, visitor_id, status, assignee_id, last_seq, created_at, updated_at, last_activity_at, team_id, rating, labels, priority, snoozed_until"
    };
}
pub(crate) use conversation_columns;

macro_rules! site_columns {
    () => {
        "id, workspace_id, name, site_key, identity_secret, previous_identity_secret, allowed_origins, require_identity, settings, created_at, updated_at, team_id"
    };
}
pub(crate) use site_columns;

macro_rules! agent_columns {
    () => {
        "id, workspace_id, email, name, password_hash, role, active, created_at, updated_at, token_version, status, capacity, notify_email, avatar_key, signature"
    };
}
pub(crate) use agent_columns;

macro_rules! visitor_columns {
    () => {
        "id, workspace_id, site_id, external_id, name, email, user_agent, created_at, last_seen_at, \
         name_signed, email_signed, last_ip, attributes"
    };
}
pub(crate) use visitor_columns;

pub use admin::Admin;
pub use catalog::Catalog;
pub use desk::Desk;
pub use digests::Digests;
pub use email::Emails;
pub use inbox::Inbox;
pub use privacy::Privacy;
pub use reports::Reports;
pub use routing::Routing;
pub use teams::Teams;
pub use uploads::Uploads;
pub use webhooks::Webhooks;

pub type StoreResult<T> = Result<T, StoreError>;

/// The shared handle every part of the server holds.
pub type DynStore = Arc<dyn Store>;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Postgres,
    Sqlite,
}

/// What `create_workspace` made.
#[derive(Clone, Debug, PartialEq)]
pub struct CreatedWorkspace {
    pub workspace: Workspace,
    pub admin: Agent,
    pub site: Site,
}

/// One message of a batch, once the batch has committed.
#[derive(Clone, Debug, PartialEq)]
pub struct Appended {
    pub message: Message,
    pub outcome: AppendOutcome,
}

#[derive(Clone, Debug, PartialEq)]
pub enum AppendOutcome {
    /// Written now.
    Stored {
        /// The conversation's visitor, who receives the message unless it is a note.
        visitor_id: VisitorId,
        /// A visitor's message moved its resolved conversation back to open, or brought its
        /// snoozed conversation back to the inbox: the conversation itself changed.
        reopened: bool,
    },
    /// The `client_msg_id` had been stored before: `message` is the first one, unchanged,
    /// and nothing new was written.
    Replayed,
}

impl Appended {
    pub fn replayed(&self) -> bool {
        matches!(self.outcome, AppendOutcome::Replayed)
    }

    pub fn reopened(&self) -> bool {
        matches!(self.outcome, AppendOutcome::Stored { reopened: true, .. })
    }
}

/// A change to a conversation: each `Some` field is set.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ConversationChange {
    pub status: Option<ConversationStatus>,
    /// `Some(None)` unassigns.
    pub assignee: Option<Option<AgentId>>,
    /// A transfer: `Some(None)` to the workspace's agents.
    pub team: Option<Option<TeamId>>,
    /// The labels it carries now (checked as the workspace's by the caller).
    pub labels: Option<Vec<crate::domain::LabelId>>,
    pub priority: Option<crate::domain::Priority>,
    /// `Some(None)` wakes it.
    pub snoozed_until: Option<Option<Timestamp>>,
}

/// What came of a rating.
#[derive(Clone, Debug, PartialEq)]
#[allow(clippy::large_enum_variant)] // one per rating, never stored in bulk
pub enum Rated {
    Rated(Conversation),
    /// Not a conversation of this visitor in this workspace.
    NotFound,
    /// Still open: a conversation is rated once it is resolved.
    StillOpen,
}

/// Why one message of a batch was not stored (the others are unaffected).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum AppendError {
    #[error("conversation not found")]
    ConversationNotFound,
    #[error("the visitor already has another open conversation")]
    AnotherConversationOpen,
}

/// Which messages a reader may get: visitors never get notes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Audience {
    Agent,
    Visitor,
}

impl Audience {
    fn includes_notes(self) -> bool {
        matches!(self, Audience::Agent)
    }
}

#[async_trait]
pub trait Store:
    Catalog
    + Admin
    + Desk
    + Digests
    + Emails
    + Inbox
    + Privacy
    + Reports
    + Routing
    + Teams
    + Uploads
    + Webhooks
    + Send
    + Sync
    + 'static
{
    fn backend(&self) -> Backend;

    /// Cheap round trip used by readiness checks.
    async fn ping(&self) -> StoreResult<()>;

    /// Creates a workspace with its first admin and first site, atomically.
    async fn create_workspace(&self, new: &NewWorkspace) -> StoreResult<CreatedWorkspace>;

    /// Inserts `conversation` as the visitor's open one; when another is open already (a race
    /// between two tabs), returns that one instead. The bool says whether it was created.
    async fn open_or_create_conversation(
        &self,
        conversation: &Conversation,
    ) -> StoreResult<(Conversation, bool)>;

    /// Inserts new visitors in one transaction: all of them, or none (the caller then tries
    /// them one by one, so that one bad row fails only itself).
    async fn insert_visitors(&self, visitors: &[Visitor]) -> StoreResult<()>;

    /// `open_or_create_conversation` for many visitors in one transaction, results in order.
    async fn open_or_create_conversations(
        &self,
        drafts: &[Conversation],
    ) -> StoreResult<Vec<(Conversation, bool)>>;

    /// Changes a conversation's status and/or assignee; `None` when it is not the workspace's.
    /// Its webhook events (`conversation.updated`, and `conversation.assigned` when it gets a
    /// new assignee) are queued in the same transaction.
    async fn update_conversation(
        &self,
        workspace: WorkspaceId,
        id: ConversationId,
        change: &ConversationChange,
    ) -> StoreResult<Option<Conversation>>;

    /// Records the visitor's rating of its resolved conversation, with the
    /// `conversation.rated` webhook event in the same transaction.
    async fn rate_conversation(
        &self,
        workspace: WorkspaceId,
        visitor: VisitorId,
        id: ConversationId,
        rating: &Rating,
    ) -> StoreResult<Rated>;

    /// Appends a batch of messages in one transaction (group commit). Each message gets the
    /// next `seq` of its conversation, in batch order; a `client_msg_id` already stored for
    /// the same author returns the stored message instead. Results are in batch order.
    async fn append_messages(
        &self,
        batch: &[NewMessage],
    ) -> StoreResult<Vec<Result<Appended, AppendError>>>;

    /// The newest messages with `seq < before_seq` (all when `None`), returned ascending;
    /// none when the conversation is not the workspace's.
    async fn messages_before(
        &self,
        workspace: WorkspaceId,
        conversation: ConversationId,
        before_seq: Option<i64>,
        limit: i64,
        audience: Audience,
    ) -> StoreResult<Vec<Message>>;

    /// Raises the reader's mark to `mark.seq` (never lowers it, never past the conversation's
    /// last message); returns the stored mark, or `None` when the conversation is not the
    /// workspace's.
    async fn mark_read(&self, workspace: WorkspaceId, mark: &ReadMark) -> StoreResult<Option<i64>>;
}

/// Opens the database named by `url`, waiting up to `wait` for it to accept connections, and
/// runs the migrations.
pub async fn connect(url: &crate::config::DatabaseUrl, wait: Duration) -> StoreResult<DynStore> {
    let deadline = tokio::time::Instant::now() + wait;
    let mut delay = Duration::from_millis(100);
    loop {
        let attempt = match url {
            crate::config::DatabaseUrl::Postgres(url) => PgStore::connect(url.expose())
                .await
                .map(|s| Arc::new(s) as DynStore),
            crate::config::DatabaseUrl::Sqlite(url) => SqliteStore::connect(url.expose())
                .await
                .map(|s| Arc::new(s) as DynStore),
        };
        // Retried until the deadline itself, the last wait cut short to meet it.
        let left = deadline.saturating_duration_since(tokio::time::Instant::now());
        match attempt {
            Ok(store) => return Ok(store),
            Err(StoreError::Unavailable(reason)) if !left.is_zero() => {
                let wait = delay.min(left);
                tracing::warn!(%reason, retry_in_ms = wait.as_millis() as u64, "database not reachable yet");
                tokio::time::sleep(wait).await;
                delay = (delay * 2).min(Duration::from_secs(5));
            }
            Err(other) => return Err(other),
        }
    }
}
