//! Frames a client sends.

use serde::Deserialize;

use super::Ref;
use crate::auth::identity::IdentityClaim;
use crate::domain::{AgentStatus, ClientMsgId, ConversationId, MessageKind, PageInfo, TypingState};

#[derive(Debug, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ClientFrame {
    Hello(Hello),
    Ping(Bare),
    Send(Send),
    Sync(Sync),
    History(History),
    Typing(Typing),
    Read(Read),
    Status(Status),
    Page(PageFrame),
    /// Parley addition: a visitor leaves its own name or email (e.g. the offline form).
    Profile(Profile),
    /// Parley addition: a visitor ends (resolves) its conversation.
    End(End),
    /// A visitor rates its resolved conversation.
    Rate(Rate),
    /// Parley addition: a visitor answers its site's pre-chat (or offline) form.
    Prechat(Prechat),
    /// Parley addition: an agent opened or left a conversation (collision warnings).
    Viewing(Viewing),
    /// Parley addition: a visitor asks for its conversation by email.
    Transcript(End),
    /// Parley addition: the conversations a focused agent connection shows in full.
    Watch(Watch),
}

impl ClientFrame {
    pub fn reference(&self) -> Option<&str> {
        match self {
            ClientFrame::Hello(f) => f.reference.as_deref(),
            ClientFrame::Ping(f) => f.reference.as_deref(),
            ClientFrame::Send(f) => f.reference.as_deref(),
            ClientFrame::Sync(f) => f.reference.as_deref(),
            ClientFrame::History(f) => f.reference.as_deref(),
            ClientFrame::Typing(f) => f.reference.as_deref(),
            ClientFrame::Read(f) => f.reference.as_deref(),
            ClientFrame::Status(f) => f.reference.as_deref(),
            ClientFrame::Page(f) => f.reference.as_deref(),
            ClientFrame::Profile(f) => f.reference.as_deref(),
            ClientFrame::End(f) => f.reference.as_deref(),
            ClientFrame::Rate(f) => f.reference.as_deref(),
            ClientFrame::Prechat(f) => f.reference.as_deref(),
            ClientFrame::Viewing(f) => f.reference.as_deref(),
            ClientFrame::Transcript(f) => f.reference.as_deref(),
            ClientFrame::Watch(f) => f.reference.as_deref(),
        }
    }
}

/// A frame with nothing but its `ref`.
#[derive(Debug, Deserialize)]
pub struct Bare {
    #[serde(rename = "ref")]
    pub reference: Option<Ref>,
}

#[derive(Debug, Deserialize)]
pub struct Hello {
    #[serde(rename = "ref")]
    pub reference: Option<Ref>,
    /// Visitor token from an earlier `welcome`, or the agent's JWT.
    pub token: Option<String>,
    #[serde(default)]
    pub page: Option<PageInfo>,
    #[serde(default)]
    pub identity: Option<IdentityClaim>,
    /// Visitor: pages seen before this first connection, oldest first (the loader kept them).
    #[serde(default)]
    pub pages: Vec<EarlierPage>,
    /// Agent: every message of the workspace (`all`, the default) or only those of the
    /// conversations it watches or is assigned, the others summed up in `activity` frames.
    #[serde(default)]
    pub subscription: Subscription,
}

/// What an agent connection receives of its workspace's messages.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Subscription {
    #[default]
    All,
    Focused,
}

/// A page a visitor saw before the widget connected.
#[derive(Debug, Deserialize)]
pub struct EarlierPage {
    #[serde(flatten)]
    pub page: PageInfo,
    pub seen_at: Option<crate::domain::Timestamp>,
}

#[derive(Debug, Deserialize)]
pub struct Send {
    #[serde(rename = "ref")]
    pub reference: Option<Ref>,
    pub conversation_id: Option<ConversationId>,
    pub client_msg_id: Option<ClientMsgId>,
    #[serde(default = "text_kind")]
    pub kind: MessageKind,
    /// May be empty (or absent) when the message carries files.
    #[serde(default)]
    pub body: String,
    /// Upload ids of the sender's own files, at most 10.
    #[serde(default)]
    pub attachments: Vec<crate::domain::UploadId>,
    /// Visitor, first message: the proactive rule whose message it answers (stored first).
    #[serde(default)]
    pub proactive: Option<String>,
}

fn text_kind() -> MessageKind {
    MessageKind::Text
}

#[derive(Debug, Deserialize)]
pub struct Sync {
    #[serde(rename = "ref")]
    pub reference: Option<Ref>,
    pub conversation_id: ConversationId,
    #[serde(default)]
    pub after_seq: i64,
}

#[derive(Debug, Deserialize)]
pub struct History {
    #[serde(rename = "ref")]
    pub reference: Option<Ref>,
    pub conversation_id: ConversationId,
    pub before_seq: Option<i64>,
    pub limit: Option<i64>,
}

#[derive(Debug, Deserialize)]
pub struct Typing {
    #[serde(rename = "ref")]
    pub reference: Option<Ref>,
    pub conversation_id: ConversationId,
    pub state: TypingState,
    #[serde(default)]
    pub preview: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct Read {
    #[serde(rename = "ref")]
    pub reference: Option<Ref>,
    pub conversation_id: ConversationId,
    pub seq: i64,
}

#[derive(Debug, Deserialize)]
pub struct Status {
    #[serde(rename = "ref")]
    pub reference: Option<Ref>,
    pub status: AgentStatus,
}

#[derive(Debug, Deserialize)]
pub struct PageFrame {
    #[serde(rename = "ref")]
    pub reference: Option<Ref>,
    #[serde(default)]
    pub url: String,
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub referrer: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct Profile {
    #[serde(rename = "ref")]
    pub reference: Option<Ref>,
    pub name: Option<String>,
    pub email: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct End {
    #[serde(rename = "ref")]
    pub reference: Option<Ref>,
    pub conversation_id: ConversationId,
}

#[derive(Debug, Deserialize)]
pub struct Rate {
    #[serde(rename = "ref")]
    pub reference: Option<Ref>,
    pub conversation_id: ConversationId,
    pub score: i64,
    #[serde(default)]
    pub comment: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct Prechat {
    #[serde(rename = "ref")]
    pub reference: Option<Ref>,
    pub answers: serde_json::Map<String, serde_json::Value>,
}

#[derive(Debug, Deserialize)]
pub struct Viewing {
    #[serde(rename = "ref")]
    pub reference: Option<Ref>,
    pub conversation_id: ConversationId,
    pub state: TypingState,
}

#[derive(Debug, Deserialize)]
pub struct Watch {
    #[serde(rename = "ref")]
    pub reference: Option<Ref>,
    /// Replaces the connection's watched set; at most `MAX_WATCHED`.
    pub conversation_ids: Vec<ConversationId>,
}

/// Conversations one connection may watch at once: the ones on its screen.
pub const MAX_WATCHED: usize = 20;
