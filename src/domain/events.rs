//! What happened, as the core tells it: one typed event per change, published on the bus to
//! this node's transports and to the other nodes. Events carry data, never wire frames; each
//! node encodes a frame once and shares its bytes among its recipients.
//!
//! Fields marked "this node only" name a local connection: they are not serialised, so another
//! node never sees them.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use super::{
    AgentId, AgentStatus, Author, Conversation, ConversationId, ErrorCode, Message, PageInfo,
    TypingState, Visitor, VisitorId, WorkspaceId,
};

/// One connection of this node (any transport).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ConnId(pub u64);

impl ConnId {
    pub fn next() -> Self {
        static NEXT: AtomicU64 = AtomicU64::new(1);
        Self(NEXT.fetch_add(1, Ordering::Relaxed))
    }
}

/// Where the outcome of a connection's own send goes: its `sent`, or why it was refused.
pub trait ReplyTo: Send + Sync {
    fn stored(&self, message: &Message);
    fn refused(&self, code: ErrorCode, reason: &str);
}

/// The connection that sent a message, and how to answer it.
#[derive(Clone)]
pub struct Origin {
    pub conn: ConnId,
    pub reply: Arc<dyn ReplyTo>,
}

impl std::fmt::Debug for Origin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Origin").field("conn", &self.conn).finish()
    }
}

/// A conversation's assignee as agents and visitors see it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Assignee {
    pub id: AgentId,
    pub name: String,
    /// Where its picture is served; none when it has none.
    #[serde(default)]
    pub avatar_url: Option<String>,
}

impl Assignee {
    /// What a visitor may see of it: its name and picture.
    pub fn public(&self) -> serde_json::Value {
        serde_json::json!({ "name": self.name, "avatar_url": self.avatar_url })
    }
}

impl From<&super::Agent> for Assignee {
    fn from(agent: &super::Agent) -> Self {
        Self {
            id: agent.id,
            name: agent.name.clone(),
            avatar_url: agent.avatar_key.as_deref().map(super::model::avatar_url),
        }
    }
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum Event {
    /// Client frames posted over the HTTP transport to a node that does not hold their
    /// stream: the node that does applies them (`stream` is the hash of its token).
    StreamFrames {
        stream: String,
        n: u64,
        frames: Vec<String>,
    },
    /// A message was committed: agents get it, and its visitor unless it is a note, in `seq`
    /// order; its sender gets its reply in that order instead.
    MessageStored {
        workspace: WorkspaceId,
        visitor: VisitorId,
        message: Arc<Message>,
        /// This node only.
        #[serde(skip)]
        origin: Option<Origin>,
    },
    /// A conversation was created, or its status or assignee changed.
    ConversationChanged {
        conversation: Conversation,
        assignee: Option<Assignee>,
    },
    /// Someone is typing (not stored).
    Typing {
        workspace: WorkspaceId,
        conversation: ConversationId,
        visitor: VisitorId,
        author: Author,
        state: TypingState,
        preview: Option<String>,
        /// This node only: the typing connection, which does not hear itself.
        #[serde(skip)]
        from: Option<ConnId>,
    },
    /// A reader's mark rose to `seq`.
    Read {
        workspace: WorkspaceId,
        conversation: ConversationId,
        visitor: VisitorId,
        reader: Author,
        seq: i64,
        /// This node only: the reading connection.
        #[serde(skip)]
        from: Option<ConnId>,
    },
    /// A visitor's profile or current page changed.
    VisitorChanged {
        visitor: Visitor,
        page: Option<PageInfo>,
    },
    /// An agent's status changed (over all its connections, as the publishing node sees it).
    AgentPresence {
        workspace: WorkspaceId,
        agent: AgentId,
        status: AgentStatus,
        /// This node only: the connection whose change it was.
        #[serde(skip)]
        from: Option<ConnId>,
    },
    /// An agent chose a status (in any tab): every node applies it to all the agent's
    /// connections. The node where it was chosen announces the `presence`.
    AgentStatusChosen {
        workspace: WorkspaceId,
        agent: AgentId,
        status: AgentStatus,
        /// This node only: the connection it was chosen in.
        #[serde(skip)]
        from: Option<ConnId>,
    },
    /// A visitor's first connection on the publishing node opened, or its last one closed.
    /// `at` is Unix seconds on the publisher's clock (the clock of presence snapshots).
    VisitorPresence {
        workspace: WorkspaceId,
        visitor: VisitorId,
        online: bool,
        at: f64,
    },
    /// An agent was deactivated or removed: its connections close everywhere.
    AgentRevoked {
        workspace: WorkspaceId,
        agent: AgentId,
    },
    /// An anonymous visitor became an identified person: the sessions it already had, none of
    /// them verified, close everywhere (they start anew, anonymous).
    VisitorIdentified {
        workspace: WorkspaceId,
        visitor: VisitorId,
    },
    /// An agent opened or left a conversation's view (not stored): the other agents see who
    /// else is on it.
    Viewing {
        workspace: WorkspaceId,
        conversation: ConversationId,
        agent: AgentId,
        viewing: bool,
        /// This node only: the viewing connection.
        #[serde(skip)]
        from: Option<ConnId>,
    },
    /// A team's queue moved: each waiting conversation's visitor learns its place (`waiting`,
    /// in order, from 1), and those just taken by an agent learn that they wait no more.
    QueueMoved {
        workspace: WorkspaceId,
        waiting: Vec<(ConversationId, VisitorId)>,
        taken: Vec<(ConversationId, VisitorId)>,
        expected_reply_s: Option<u64>,
    },
    /// An agent blocked the visitor (its next `hello` is refused), or an admin erased it: its
    /// connections close (4003).
    VisitorBlocked {
        workspace: WorkspaceId,
        visitor: VisitorId,
    },
}
