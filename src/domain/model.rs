//! The records of the model, as stored and as sent on the wire.
//!
//! Row structs double as wire objects where the two agree; secrets are skipped on
//! serialisation so that no record can leak them by accident.

use serde::{Deserialize, Serialize};
use sqlx::types::Json;

use super::{
    AgentId, AgentRole, ApiKeyId, AuthorKind, Body, CannedId, ClientMsgId, ConversationId,
    ConversationStatus, Email, MessageId, MessageKind, ReaderKind, SiteId, SiteKey, TeamId,
    Timestamp, VisitorId, WorkspaceId,
};

#[derive(Clone, Debug, PartialEq, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct Workspace {
    pub id: WorkspaceId,
    pub name: String,
    pub created_at: Timestamp,
}

#[derive(Clone, Debug, PartialEq, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct Site {
    pub id: SiteId,
    pub workspace_id: WorkspaceId,
    pub name: String,
    pub site_key: SiteKey,
    pub identity_secret: String,
    /// The secret before the last rotation; still accepted until the next one.
    #[serde(skip)]
    pub previous_identity_secret: Option<String>,
    #[schema(value_type = Vec<String>)]
    pub allowed_origins: Json<Vec<String>>,
    pub require_identity: bool,
    #[schema(value_type = Object)]
    pub settings: Json<serde_json::Value>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    /// The team that answers it; null: the workspace's agents, always open.
    pub team_id: Option<TeamId>,
}

#[derive(Clone, Debug, PartialEq, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct Agent {
    pub id: AgentId,
    pub workspace_id: WorkspaceId,
    pub email: Email,
    pub name: String,
    #[serde(skip)]
    pub password_hash: String,
    pub role: AgentRole,
    pub active: bool,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    /// Raised by a password change or a deactivation: tokens issued before are refused.
    #[serde(skip)]
    pub token_version: i32,
    /// The status the agent chose (`online` or `away`), whichever tab or node it was set in.
    #[sqlx(try_from = "String")]
    #[schema(value_type = String)]
    pub status: super::AgentStatus,
    /// Open conversations automatic assignment gives the agent at once; 0 = never.
    pub capacity: i32,
    /// Told by email of new conversations that came while nobody of its team was online.
    pub notify_email: bool,
    /// The agent's picture, as the path anyone may fetch it at (`/avatars/<key>`).
    #[serde(rename = "avatar_url", serialize_with = "avatar_path")]
    #[schema(value_type = Option<String>)]
    pub avatar_key: Option<String>,
    /// Added under the agent's replies in emails to visitors.
    pub signature: String,
}

/// The public path of a picture stored under `key`.
pub fn avatar_url(key: &str) -> String {
    format!("/avatars/{key}")
}

fn avatar_path<S: serde::Serializer>(key: &Option<String>, s: S) -> Result<S::Ok, S::Error> {
    match key {
        Some(key) => s.serialize_some(&avatar_url(key)),
        None => s.serialize_none(),
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct Visitor {
    pub id: VisitorId,
    pub workspace_id: WorkspaceId,
    pub site_id: SiteId,
    /// The business's own user id; set only from a verified identity.
    pub external_id: Option<String>,
    pub name: Option<String>,
    pub email: Option<String>,
    pub user_agent: Option<String>,
    pub created_at: Timestamp,
    pub last_seen_at: Timestamp,
    /// Whether `name` (and `email`) came signed by the business (a JWT identity), rather than
    /// from the visitor or beside an HMAC that signs the id only.
    #[serde(default)]
    pub name_signed: bool,
    #[serde(default)]
    pub email_signed: bool,
    /// The address of its latest `hello`, kept so that an agent can block it; never sent.
    #[serde(default, skip_serializing)]
    pub last_ip: Option<String>,
    /// Answers to the site's pre-chat or offline form, by field name (the visitor's own words).
    #[serde(default)]
    #[schema(value_type = Object)]
    pub attributes: sqlx::types::Json<serde_json::Map<String, serde_json::Value>>,
}

impl Visitor {
    /// What the business signed of this visitor's identity: `id`, and `name` and `email` when
    /// they came signed too. Empty for a visitor who is not verified.
    pub fn signed_attributes(&self) -> Vec<&'static str> {
        if self.external_id.is_none() {
            return Vec::new();
        }
        let mut signed = vec!["id"];
        if self.name_signed && self.name.is_some() {
            signed.push("name");
        }
        if self.email_signed && self.email.is_some() {
            signed.push("email");
        }
        signed
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct VisitorPage {
    pub url: String,
    pub title: String,
    pub referrer: Option<String>,
    pub seen_at: Timestamp,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct Conversation {
    pub id: ConversationId,
    pub workspace_id: WorkspaceId,
    pub site_id: SiteId,
    pub visitor_id: VisitorId,
    pub status: ConversationStatus,
    pub assignee_id: Option<AgentId>,
    /// The `seq` of the newest message; the next one gets `last_seq + 1`.
    pub last_seq: i64,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub last_activity_at: Timestamp,
    /// The team of its site when it was opened.
    #[serde(default)]
    pub team_id: Option<TeamId>,
    /// The visitor's rating, once it is resolved.
    #[serde(default)]
    #[schema(value_type = Option<Rating>)]
    pub rating: Option<Json<Rating>>,
    /// Ids of the workspace's labels it carries.
    #[serde(default)]
    #[schema(value_type = Vec<uuid::Uuid>)]
    pub labels: Json<Vec<super::LabelId>>,
    #[serde(default)]
    pub priority: super::Priority,
    /// Out of the open inbox until then (a visitor's message brings it back sooner).
    #[serde(default)]
    pub snoozed_until: Option<Timestamp>,
}

/// How the visitor rated a resolved conversation.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Rating {
    /// 1 to 5.
    pub score: u8,
    pub comment: Option<String>,
    pub created_at: Timestamp,
}

/// Who wrote a message, as the wire shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct Author {
    #[sqlx(rename = "author_kind")]
    pub kind: AuthorKind,
    /// The visitor's or agent's id; null for the system.
    #[sqlx(rename = "author_id")]
    pub id: Option<uuid::Uuid>,
    #[sqlx(rename = "author_name")]
    pub name: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct Message {
    pub id: MessageId,
    pub conversation_id: ConversationId,
    pub seq: i64,
    pub client_msg_id: Option<ClientMsgId>,
    #[sqlx(flatten)]
    pub author: Author,
    pub kind: MessageKind,
    /// Empty only when the message carries files.
    pub body: Body,
    pub created_at: Timestamp,
    /// Its files, each with a signed link.
    #[sqlx(try_from = "Option<sqlx::types::Json<Vec<super::Attachment>>>")]
    pub attachments: super::Attachments,
}

/// A message to append: its `seq` is given by the store, at commit.
#[derive(Clone, Debug, PartialEq)]
pub struct NewMessage {
    pub id: MessageId,
    /// The workspace the sender acts in: a conversation of another workspace is not found.
    /// A visitor author must also be the conversation's visitor.
    pub workspace_id: WorkspaceId,
    pub conversation_id: ConversationId,
    pub client_msg_id: Option<ClientMsgId>,
    pub author: Author,
    pub kind: MessageKind,
    pub body: Body,
    pub created_at: Timestamp,
    /// Uploads of the sender it carries, checked as the sender's and not yet sent.
    pub attachments: super::Attachments,
}

impl NewMessage {
    /// The message as stored, at `seq` in its conversation.
    pub fn stored_as(&self, seq: i64) -> Message {
        Message {
            id: self.id,
            conversation_id: self.conversation_id,
            seq,
            client_msg_id: self.client_msg_id,
            author: self.author.clone(),
            kind: self.kind,
            body: self.body.clone(),
            created_at: self.created_at,
            attachments: self.attachments.clone(),
        }
    }

    /// Whether this is an agent's answer (not a note, not a line or greeting the server wrote,
    /// which have no idempotency key): what first response times count.
    pub fn is_agent_answer(&self) -> bool {
        self.author.kind == AuthorKind::Agent
            && self.kind == MessageKind::Text
            && self.client_msg_id.is_some()
    }

    /// A message the server itself writes into `conversation` (a system line, a proactive
    /// greeting): no idempotency key, no files, dated now.
    pub fn by_server(
        conversation: &Conversation,
        author: Author,
        kind: MessageKind,
        body: Body,
    ) -> Self {
        Self {
            id: MessageId::new(),
            workspace_id: conversation.workspace_id,
            conversation_id: conversation.id,
            client_msg_id: None,
            author,
            kind,
            body,
            created_at: Timestamp::now(),
            attachments: super::Attachments::default(),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct ReadMark {
    pub conversation_id: ConversationId,
    pub reader_kind: ReaderKind,
    pub reader_id: uuid::Uuid,
    pub seq: i64,
}

/// What `workspace create` and the first start make: a workspace, its admin and a site.
#[derive(Clone, Debug)]
pub struct NewWorkspace {
    pub name: String,
    /// The first workspace of an empty database, made on start: of several nodes starting at
    /// once, only one may make it.
    pub first: bool,
    pub admin_email: Email,
    pub admin_name: String,
    pub admin_password_hash: String,
    pub site: NewSite,
}

#[derive(Clone, Debug)]
pub struct NewSite {
    pub name: String,
    pub site_key: SiteKey,
    pub identity_secret: String,
    pub allowed_origins: Vec<String>,
    pub settings: serde_json::Value,
}

/// A canned response, inserted by typing `/` and its shortcut in the composer.
#[derive(Clone, Debug, PartialEq, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct Canned {
    pub id: CannedId,
    #[serde(skip)]
    pub workspace_id: WorkspaceId,
    pub shortcut: String,
    pub title: String,
    pub body: String,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    /// Files sent with it (each use sends a copy).
    #[sqlx(try_from = "Option<sqlx::types::Json<Vec<super::Attachment>>>")]
    pub attachments: super::Attachments,
}

/// A key for scripts and integrations, as listed: the key itself is shown once, when made.
#[derive(Clone, Debug, PartialEq, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct ApiKey {
    pub id: ApiKeyId,
    #[serde(skip)]
    pub workspace_id: WorkspaceId,
    pub name: String,
    /// What the key may do: an admin's or an agent's routes.
    pub role: AgentRole,
    /// The key's first characters, to recognise it.
    pub key_prefix: String,
    pub created_at: Timestamp,
    pub last_used_at: Option<Timestamp>,
}

/// A visitor an agent blocked.
#[derive(Clone, Debug, PartialEq, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct VisitorBlock {
    pub visitor_id: VisitorId,
    /// The visitor's name when it gave one, to recognise the block in a list.
    pub visitor_name: Option<String>,
    /// The address blocked with the visitor, if the agent chose to.
    pub ip: Option<String>,
    pub reason: String,
    pub blocked_by: Option<AgentId>,
    pub created_at: Timestamp,
}

/// How a team's new conversations find an agent.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Assignment {
    /// Agents pick conversations themselves.
    Manual,
    RoundRobin,
    LeastBusy,
}

impl Assignment {
    pub fn as_str(self) -> &'static str {
        match self {
            Assignment::Manual => "manual",
            Assignment::RoundRobin => "round_robin",
            Assignment::LeastBusy => "least_busy",
        }
    }
}

/// A team of agents, and when it answers.
#[derive(Clone, Debug, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Team {
    pub id: TeamId,
    #[serde(skip)]
    pub workspace_id: WorkspaceId,
    pub name: String,
    pub agent_ids: Vec<AgentId>,
    pub assignment: Assignment,
    /// Null: always open.
    pub hours: Option<super::hours::BusinessHours>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}
