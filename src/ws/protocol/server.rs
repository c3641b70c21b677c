//! Every frame the server sends, as one `type`-tagged enum, and the views of the model they
//! carry. A frame is encoded once (`encode`) and its bytes shared by all its recipients.

use bytestring::ByteString;
use serde::Serialize;

use crate::domain::{
    AgentId, AgentRole, AgentStatus, Assignee, Author, Conversation, ConversationId,
    ConversationStatus, ErrorCode, Message, PageInfo, TypingState, Visitor, VisitorId,
};

#[derive(Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ServerFrame<'a> {
    #[serde(rename = "welcome")]
    VisitorWelcome {
        #[serde(rename = "ref", skip_serializing_if = "Option::is_none")]
        reference: Option<&'a str>,
        visitor_id: VisitorId,
        token: &'a str,
        conversation: Option<VisitorConversationView<'a>>,
        agents_online: usize,
        /// Whether an agent can answer live now (the site's team within hours and online).
        available: bool,
        /// Its conversation's place among those waiting for an agent (from 1), if it waits.
        queue_position: Option<usize>,
        /// The typical first reply time, in seconds, when known.
        expected_reply_s: Option<u64>,
        /// What the visitor already gave (the forms skip it).
        profile: VisitorProfile<'a>,
        /// Whether this server sends email (replies to a visitor who left, transcripts).
        email_enabled: bool,
        settings: &'a serde_json::Value,
        identity: Option<WelcomeIdentity<'a>>,
    },
    #[serde(rename = "welcome")]
    AgentWelcome {
        #[serde(rename = "ref", skip_serializing_if = "Option::is_none")]
        reference: Option<&'a str>,
        agent: AgentView<'a>,
        conversations: Vec<ConversationWithPresence<'a>>,
        more: bool,
        agents: Vec<AgentPresenceView<'a>>,
        /// Seconds without input after which the dashboard sets the agent away (0 = never).
        auto_away_s: u64,
        /// The workspace's teams, to transfer to and filter by.
        teams: Vec<TeamRef<'a>>,
        /// Whether this server sends email, and receives answers by email.
        email: EmailView,
        /// What this connection receives: `all` messages, or `focused`.
        subscription: super::client::Subscription,
    },
    Sent {
        #[serde(rename = "ref", skip_serializing_if = "Option::is_none")]
        reference: Option<&'a str>,
        message: &'a Message,
    },
    Message {
        message: &'a Message,
    },
    Synced {
        #[serde(rename = "ref", skip_serializing_if = "Option::is_none")]
        reference: Option<&'a str>,
        messages: &'a [Message],
        more: bool,
    },
    History {
        #[serde(rename = "ref", skip_serializing_if = "Option::is_none")]
        reference: Option<&'a str>,
        messages: &'a [Message],
        more: bool,
    },
    Error {
        #[serde(rename = "ref", skip_serializing_if = "Option::is_none")]
        reference: Option<&'a str>,
        code: ErrorCode,
        message: &'a str,
    },
    Ok {
        #[serde(rename = "ref")]
        reference: &'a str,
    },
    Pong {
        #[serde(rename = "ref", skip_serializing_if = "Option::is_none")]
        reference: Option<&'a str>,
    },
    Typing {
        conversation_id: ConversationId,
        author: &'a Author,
        state: TypingState,
        #[serde(skip_serializing_if = "Option::is_none")]
        preview: Option<&'a str>,
    },
    Read {
        conversation_id: ConversationId,
        reader: &'a Author,
        seq: i64,
    },
    /// The full form, for agents.
    #[serde(rename = "conversation")]
    AgentConversation {
        conversation: AgentConversationView<'a>,
    },
    /// The reduced form, for the visitor.
    #[serde(rename = "conversation")]
    VisitorConversation {
        conversation: VisitorConversationView<'a>,
    },
    #[serde(rename = "presence")]
    VisitorPresence {
        visitor_id: VisitorId,
        online: bool,
    },
    #[serde(rename = "presence")]
    AgentPresence {
        agent_id: AgentId,
        status: AgentStatus,
    },
    Agents {
        online: usize,
    },
    Visitor {
        visitor: VisitorView<'a>,
    },
    /// To a visitor: its place in the queue (null: an agent took it).
    Queue {
        conversation_id: ConversationId,
        position: Option<usize>,
        expected_reply_s: Option<u64>,
    },
    /// To agents: another agent opened (`on`) or left (`off`) a conversation.
    Viewing {
        conversation_id: ConversationId,
        agent_id: AgentId,
        state: TypingState,
    },
}

// (`activity` frames are written by hub/focus.rs: each connection's own, from entries encoded
// once per message.)

impl ServerFrame<'_> {
    /// Serialises the frame once, for any number of recipients.
    pub fn encode(&self) -> ByteString {
        // Serialising our own types to a String cannot fail (no maps with non-string keys).
        ByteString::from(serde_json::to_string(self).unwrap_or_default())
    }
}

pub fn error_frame(reference: Option<&str>, code: ErrorCode, message: &str) -> ByteString {
    ServerFrame::Error {
        reference,
        code,
        message,
    }
    .encode()
}

/// A conversation as agents see it.
#[derive(Debug, Serialize)]
pub struct AgentConversationView<'a> {
    #[serde(flatten)]
    pub conversation: &'a Conversation,
    pub assignee: Option<&'a Assignee>,
}

/// The reduced form visitors get: no workspace internals.
#[derive(Debug, Serialize)]
pub struct VisitorConversationView<'a> {
    pub id: ConversationId,
    pub status: ConversationStatus,
    pub assignee: Option<VisitorAssigneeView<'a>>,
    pub last_seq: i64,
}

#[derive(Debug, Serialize)]
pub struct VisitorAssigneeView<'a> {
    pub name: &'a str,
    pub avatar_url: Option<&'a str>,
}

impl<'a> VisitorConversationView<'a> {
    pub fn new(conversation: &Conversation, assignee: Option<&'a Assignee>) -> Self {
        Self {
            id: conversation.id,
            status: conversation.status,
            assignee: assignee.map(|a| VisitorAssigneeView {
                name: &a.name,
                avatar_url: a.avatar_url.as_deref(),
            }),
            last_seq: conversation.last_seq,
        }
    }
}

/// How agents see a visitor: profile, identity, current page.
#[derive(Debug, Serialize)]
pub struct VisitorView<'a> {
    pub id: VisitorId,
    pub name: Option<&'a str>,
    pub email: Option<&'a str>,
    pub identity: Option<IdentityView<'a>>,
    pub page: Option<&'a PageInfo>,
    pub user_agent: Option<&'a str>,
    pub online: bool,
    /// Pre-chat and offline form answers, by field name.
    pub attributes: &'a serde_json::Map<String, serde_json::Value>,
}

#[derive(Debug, Serialize)]
pub struct IdentityView<'a> {
    pub status: &'static str,
    pub id: Option<&'a str>,
    /// Of a verified identity, the attributes the business signed (`id`, `name`, `email`);
    /// the others are the visitor's own words.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub signed: Vec<&'static str>,
}

impl<'a> VisitorView<'a> {
    pub fn new(visitor: &'a Visitor, page: Option<&'a PageInfo>, online: bool) -> Self {
        let identity = match (&visitor.external_id, &visitor.name, &visitor.email) {
            (Some(id), _, _) => Some(IdentityView {
                status: "verified",
                id: Some(id),
                signed: visitor.signed_attributes(),
            }),
            (None, None, None) => None,
            (None, _, _) => Some(IdentityView {
                status: "unverified",
                id: None,
                signed: Vec::new(),
            }),
        };
        Self {
            id: visitor.id,
            name: visitor.name.as_deref(),
            email: visitor.email.as_deref(),
            identity,
            page,
            user_agent: visitor.user_agent.as_deref(),
            online,
            attributes: &visitor.attributes.0,
        }
    }
}

#[derive(Serialize)]
pub struct WelcomeIdentity<'a> {
    pub status: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<&'a str>,
}

#[derive(Serialize)]
pub struct AgentView<'a> {
    pub id: AgentId,
    pub name: &'a str,
    pub email: &'a str,
    pub role: AgentRole,
    pub status: AgentStatus,
    pub capacity: i32,
    pub avatar_url: Option<String>,
}

#[derive(Serialize)]
pub struct TeamRef<'a> {
    pub id: crate::domain::TeamId,
    pub name: &'a str,
}

/// What this server does with email.
#[derive(Serialize)]
pub struct EmailView {
    /// SMTP is configured: replies reach visitors who left, invitations and resets are sent.
    pub configured: bool,
    /// Reply addresses exist: visitors can answer by email.
    pub inbound: bool,
}

/// The visitor's own profile, as its widget needs it.
#[derive(Serialize)]
pub struct VisitorProfile<'a> {
    pub name: Option<&'a str>,
    pub email: Option<&'a str>,
    pub attributes: &'a serde_json::Map<String, serde_json::Value>,
}

#[derive(Serialize)]
pub struct ConversationWithPresence<'a> {
    #[serde(flatten)]
    pub view: AgentConversationView<'a>,
    pub visitor_online: bool,
}

#[derive(Serialize)]
pub struct AgentPresenceView<'a> {
    pub id: AgentId,
    /// So that every agent, admin or not, can name who else is online, viewing or typing.
    pub name: Option<&'a str>,
    pub status: AgentStatus,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn json(frame: ServerFrame) -> serde_json::Value {
        serde_json::from_str(&frame.encode()).unwrap()
    }

    #[test]
    fn frames_have_the_contract_shape() {
        assert_eq!(
            json(ServerFrame::Error {
                reference: Some("7"),
                code: ErrorCode::RateLimited,
                message: "slow down"
            }),
            serde_json::json!({"type":"error","ref":"7","code":"rate_limited","message":"slow down"})
        );
        assert_eq!(
            json(ServerFrame::Ok { reference: "3" }),
            serde_json::json!({"type":"ok","ref":"3"})
        );
        assert_eq!(
            json(ServerFrame::Pong { reference: None }),
            serde_json::json!({"type":"pong"})
        );
        assert_eq!(
            json(ServerFrame::Agents { online: 2 }),
            serde_json::json!({"type":"agents","online":2})
        );
        let visitor = VisitorId(uuid::Uuid::nil());
        assert_eq!(
            json(ServerFrame::VisitorPresence {
                visitor_id: visitor,
                online: false
            }),
            serde_json::json!({"type":"presence","visitor_id":visitor,"online":false})
        );
        let agent = AgentId(uuid::Uuid::nil());
        assert_eq!(
            json(ServerFrame::AgentPresence {
                agent_id: agent,
                status: AgentStatus::Away
            }),
            serde_json::json!({"type":"presence","agent_id":agent,"status":"away"})
        );
    }
}
