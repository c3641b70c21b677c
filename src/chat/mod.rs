//! THE CORE: the messaging use cases every transport shares (send, read, typing, conversation
//! changes, visitors' pages and profiles, history), the group-commit writer, batched creation
//! of visitors and conversations, and the site cache. Each change is published on the bus as
//! a typed event (`domain::Event`); the core builds no wire frames and imports no transport.

pub mod announce;
pub mod attachments;
pub mod batcher;
pub mod block_flags;
pub mod creations;
pub mod error;
pub mod history;
pub mod lines;
pub mod presence;
pub mod ratings;
pub mod refusals;
pub mod retention;
pub mod routing;
pub mod site_cache;
pub mod snooze;
pub mod transcript;
pub mod unattended;
pub mod visitors;
pub mod writer;

use std::sync::{Arc, OnceLock, Weak};

use crate::cluster::Bus;
use crate::domain::{
    Agent, Author, AuthorKind, Body, ClientMsgId, ConnId, Conversation, ConversationId, Event,
    MessageId, MessageKind, NewMessage, PageInfo, ReadMark, ReaderKind, Timestamp, TypingState,
    Visitor, VisitorId, WorkspaceId,
};
use crate::store::{ConversationChange, DynStore, StoreError};
use creations::Creations;
use presence::Presence;
use site_cache::SiteCache;
use writer::{SendRequest, Writer};

pub use error::{ChatError, ChatResult};
pub use lines::ChangedBy;

/// A handle on the core; cheap to clone.
#[derive(Clone)]
pub struct Chat {
    inner: Arc<Inner>,
}

struct Inner {
    store: DynStore,
    bus: Arc<Bus>,
    writer: Writer,
    creations: Creations,
    sites: SiteCache,
    max_body_chars: usize,
    presence: OnceLock<Weak<dyn Presence>>,
    block_flags: block_flags::BlockFlags,
    assigner: Arc<routing::Assigner>,
    /// Set when the server sends email: how long agents' digests wait for more conversations.
    digest_after: OnceLock<std::time::Duration>,
    /// When this node last queued digests, per workspace and team.
    digests_queued: parking_lot::Mutex<
        std::collections::HashMap<(WorkspaceId, Option<crate::domain::TeamId>), std::time::Instant>,
    >,
    /// Where attachments' bytes are (canned responses' files are copied when sent).
    files: OnceLock<crate::files::FileStore>,
    refusals: refusals::Refusals,
}

/// A conversation as the core routes its events: whose it is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ConversationRef {
    pub id: ConversationId,
    pub workspace_id: WorkspaceId,
    pub visitor_id: VisitorId,
}

impl From<&Conversation> for ConversationRef {
    fn from(c: &Conversation) -> Self {
        Self {
            id: c.id,
            workspace_id: c.workspace_id,
            visitor_id: c.visitor_id,
        }
    }
}

impl Chat {
    pub fn new(
        store: DynStore,
        bus: Arc<Bus>,
        writer: Writer,
        creations: Creations,
        sites: SiteCache,
        max_body_chars: usize,
    ) -> Self {
        Self {
            inner: Arc::new(Inner {
                store,
                bus,
                writer,
                creations,
                sites,
                max_body_chars,
                presence: OnceLock::new(),
                block_flags: block_flags::BlockFlags::default(),
                assigner: Arc::default(),
                digest_after: OnceLock::new(),
                digests_queued: Default::default(),
                files: OnceLock::new(),
                refusals: Default::default(),
            }),
        }
    }

    pub(crate) fn block_flags(&self) -> &block_flags::BlockFlags {
        &self.inner.block_flags
    }

    pub fn store(&self) -> &DynStore {
        &self.inner.store
    }

    pub fn bus(&self) -> &Arc<Bus> {
        &self.inner.bus
    }

    pub fn writer(&self) -> &Writer {
        &self.inner.writer
    }

    pub fn sites(&self) -> &SiteCache {
        &self.inner.sites
    }

    /// The site a visitor's request names by its key (as given, unchecked): not found when
    /// the key is malformed or nobody's.
    pub async fn site_named(&self, key: Option<&str>) -> ChatResult<Arc<crate::domain::Site>> {
        let key = key
            .and_then(crate::domain::SiteKey::parse)
            .ok_or(ChatError::SiteNotFound)?;
        self.inner
            .sites
            .by_key(&self.inner.store, &key)
            .await?
            .ok_or(ChatError::SiteNotFound)
    }

    pub fn creations(&self) -> &Creations {
        &self.inner.creations
    }

    /// Who answers presence questions (the transport that holds the connections; once).
    pub fn set_presence(&self, presence: Weak<dyn Presence>) {
        let _ = self.inner.presence.set(presence);
    }

    pub fn visitor_online(&self, workspace: WorkspaceId, visitor: VisitorId) -> bool {
        self.presence()
            .is_some_and(|p| p.visitor_online(workspace, visitor))
    }

    pub fn agents_online(&self, workspace: WorkspaceId) -> usize {
        self.presence().map_or(0, |p| p.agents_online(workspace))
    }

    /// The status of each connected agent (away included), on any node.
    pub fn agent_statuses(
        &self,
        workspace: WorkspaceId,
    ) -> Vec<(crate::domain::AgentId, crate::domain::AgentStatus)> {
        self.presence()
            .map(|p| p.agent_statuses(workspace))
            .unwrap_or_default()
    }

    /// Whether the agent is online (not away), on any node.
    pub fn agent_online(&self, workspace: WorkspaceId, agent: crate::domain::AgentId) -> bool {
        self.presence()
            .is_some_and(|p| p.any_online(workspace, &[agent]))
    }

    fn presence(&self) -> Option<Arc<dyn Presence>> {
        self.inner.presence.get().and_then(Weak::upgrade)
    }

    /// A message body, checked: blank is `bad_request`, over the limit `too_large`.
    pub fn body(&self, text: String) -> ChatResult<Body> {
        Ok(Body::parse(text, self.inner.max_body_chars)?)
    }

    /// An agent's message (text or note) into a conversation of its workspace, with the files
    /// it carries (already checked as the agent's: `attachments`).
    pub fn agent_message(
        &self,
        agent: &Agent,
        conversation: ConversationId,
        client_msg_id: ClientMsgId,
        kind: MessageKind,
        body: String,
        attachments: crate::domain::Attachments,
    ) -> ChatResult<NewMessage> {
        if kind == MessageKind::Event {
            return Err(ChatError::BadRequest("kind must be text or note".into()));
        }
        Ok(NewMessage {
            id: MessageId::new(),
            workspace_id: agent.workspace_id,
            conversation_id: conversation,
            client_msg_id: Some(client_msg_id),
            author: agent_author(agent),
            kind,
            body: self.message_body(body, !attachments.is_empty())?,
            created_at: Timestamp::now(),
            attachments,
        })
    }

    /// Queues a message for the group-commit writer; the reply comes after its commit.
    pub fn submit(&self, request: SendRequest) {
        self.inner.writer.submit(request);
    }

    /// The visitor's open conversation on its site, created (and announced) when there is
    /// none.
    pub async fn open_conversation(&self, draft: &Conversation) -> ChatResult<Conversation> {
        let (conversation, created) = self
            .inner
            .creations
            .open_or_create_conversation(draft)
            .await?;
        if created {
            announce::conversation_created(&self.inner.bus, conversation.clone());
            self.check_unattended(&conversation);
        }
        Ok(conversation)
    }

    /// Changes a conversation of the workspace (status, assignee, team, labels, priority,
    /// snooze) and announces it; `by` names who, in the timeline's lines.
    pub async fn change_conversation(
        &self,
        workspace: WorkspaceId,
        id: ConversationId,
        change: &ConversationChange,
        by: ChangedBy<'_>,
    ) -> ChatResult<Conversation> {
        // Who had it, where it was and whether it was open, for the lines that tell it.
        let before =
            if change.assignee.is_some() || change.team.is_some() || change.status.is_some() {
                self.inner.store.conversation(workspace, id).await?
            } else {
                None
            };
        let conversation = self
            .inner
            .store
            .update_conversation(workspace, id, change)
            .await
            .map_err(|err| match err {
                StoreError::Conflict(_) => {
                    ChatError::Conflict("the visitor already has another open conversation".into())
                }
                other => other.into(),
            })?
            .ok_or(ChatError::NotFound)?;
        announce::conversation_changed(&self.inner.store, &self.inner.bus, conversation.clone())
            .await;
        if let Some(before) = &before {
            self.tell_change(before, &conversation, by).await;
        }
        Ok(conversation)
    }

    /// Stores the site's proactive message `rule` in the conversation it opened, as its
    /// agent's; an unknown rule or an agent gone is skipped (logged), never the visitor's
    /// message's error.
    pub async fn post_proactive(
        &self,
        site: &crate::domain::Site,
        conversation: &Conversation,
        rule: &str,
    ) {
        let settings = crate::domain::WidgetSettings::of(&site.settings.0);
        let Some(rule) = crate::domain::proactive::find(&settings.proactive, rule) else {
            return;
        };
        let agent = match self
            .inner
            .store
            .agent(site.workspace_id, rule.agent_id)
            .await
        {
            Ok(Some(agent)) if agent.active => agent,
            _ => return,
        };
        let Ok(body) = Body::parse(rule.message.clone(), usize::MAX) else {
            return;
        };
        let message =
            NewMessage::by_server(conversation, agent_author(&agent), MessageKind::Text, body);
        if let Err(err) = self.post(message).await {
            tracing::warn!(error = %err, "proactive message not stored");
        }
    }

    /// An agent's name or picture changed: the visitors of its open conversations see the new
    /// ones in their header (in the background; at most the 500 most recent).
    pub fn agent_profile_changed(&self, agent: &crate::domain::Agent) {
        let (store, bus) = (self.inner.store.clone(), self.inner.bus.clone());
        let (workspace, id) = (agent.workspace_id, agent.id);
        tokio::spawn(async move {
            match store.assigned_open(workspace, id, 500).await {
                Ok(conversations) => {
                    for conversation in conversations {
                        announce::conversation_changed(&store, &bus, conversation).await;
                    }
                }
                Err(err) => tracing::warn!(error = %err, "profile change not announced"),
            }
        });
    }

    /// The conversation, when it is the workspace's.
    pub async fn conversation(
        &self,
        workspace: WorkspaceId,
        id: ConversationId,
    ) -> ChatResult<Conversation> {
        self.inner
            .store
            .conversation(workspace, id)
            .await?
            .ok_or(ChatError::NotFound)
    }

    /// Someone typing in a conversation; `from` does not hear itself.
    pub fn typing(
        &self,
        conversation: ConversationRef,
        author: Author,
        state: TypingState,
        preview: Option<String>,
        from: Option<ConnId>,
    ) {
        self.inner.bus.publish(Event::Typing {
            workspace: conversation.workspace_id,
            conversation: conversation.id,
            visitor: conversation.visitor_id,
            author,
            state,
            preview,
            from,
        });
    }

    /// An agent opened (`on`) or left a conversation: the other agents see who else is on it.
    pub fn viewing(
        &self,
        conversation: ConversationRef,
        agent: crate::domain::AgentId,
        on: bool,
        from: Option<ConnId>,
    ) {
        self.inner.bus.publish(Event::Viewing {
            workspace: conversation.workspace_id,
            conversation: conversation.id,
            agent,
            viewing: on,
            from,
        });
    }

    /// Raises the reader's mark and tells the other side; returns the stored mark.
    pub async fn mark_read(
        &self,
        conversation: ConversationRef,
        reader: Author,
        seq: i64,
        from: Option<ConnId>,
    ) -> ChatResult<i64> {
        let (reader_kind, reader_id) = match (reader.kind, reader.id) {
            (AuthorKind::Visitor, Some(id)) => (ReaderKind::Visitor, id),
            (AuthorKind::Agent, Some(id)) => (ReaderKind::Agent, id),
            _ => return Err(ChatError::Forbidden("only people read".into())),
        };
        let mark = ReadMark {
            conversation_id: conversation.id,
            reader_kind,
            reader_id,
            seq: seq.max(0),
        };
        let stored = self
            .inner
            .store
            .mark_read(conversation.workspace_id, &mark)
            .await?
            .ok_or(ChatError::NotFound)?;
        self.inner.bus.publish(Event::Read {
            workspace: conversation.workspace_id,
            conversation: conversation.id,
            visitor: conversation.visitor_id,
            reader,
            seq: stored,
            from,
        });
        Ok(stored)
    }

    /// An agent's access ended: its connections close, on every node.
    pub fn revoke_agent(&self, workspace: WorkspaceId, agent: crate::domain::AgentId) {
        self.inner
            .bus
            .publish(Event::AgentRevoked { workspace, agent });
    }

    /// A visitor's profile or page changed: agents are told.
    pub fn visitor_changed(&self, visitor: Visitor, page: Option<PageInfo>) {
        self.inner
            .bus
            .publish(Event::VisitorChanged { visitor, page });
    }
}

/// How an agent signs its messages and marks.
pub fn agent_author(agent: &Agent) -> Author {
    Author {
        kind: AuthorKind::Agent,
        id: Some(agent.id.0),
        name: Some(agent.name.clone()),
    }
}

/// How a visitor signs its messages and marks.
pub fn visitor_author(visitor: &Visitor) -> Author {
    Author {
        kind: AuthorKind::Visitor,
        id: Some(visitor.id.0),
        name: visitor.name.clone(),
    }
}
