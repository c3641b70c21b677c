//! From the core's events to frames: who on this node is told what. Each frame is encoded
//! once per event and its bytes shared by every recipient.

use std::sync::Arc;
use std::time::Instant;

use bytestring::ByteString;

use super::super::protocol::{
    AgentConversationView, Close, ServerFrame, VisitorConversationView, VisitorView,
};
use super::super::sequencer::Step;
use super::Hub;
use crate::chat::presence::Presence;
use crate::cluster::NodeId;
use crate::domain::{
    AuthorKind, ConnId, ConversationId, ConversationStatus, Event, Message, MessageKind, Origin,
    TypingState, VisitorId, WorkspaceId,
};
use crate::store::Audience;

/// Messages read per gap fill.
const FILL_PAGE: i64 = 500;

/// A committed message on its way to this node's connections, in its turn.
pub(super) struct Delivery {
    workspace: WorkspaceId,
    visitor: VisitorId,
    message: Arc<Message>,
    frame: ByteString,
    /// The sending connection, when it is on this node: it gets its `sent` instead.
    origin: Option<Origin>,
}

impl Delivery {
    fn new(workspace: WorkspaceId, visitor: VisitorId, message: Arc<Message>) -> Self {
        let frame = ServerFrame::Message { message: &message }.encode();
        Self {
            workspace,
            visitor,
            message,
            frame,
            origin: None,
        }
    }
}

impl Hub {
    pub(super) fn route(&self, event: &Event, from: Option<NodeId>) {
        match event {
            Event::MessageStored {
                workspace,
                visitor,
                message,
                origin,
            } => {
                let mut delivery = Delivery::new(*workspace, *visitor, message.clone());
                delivery.origin = origin.clone();
                let step = self
                    .sequencer
                    .offer(message.conversation_id, message.seq, delivery);
                let conversation = Conversation {
                    id: message.conversation_id,
                    workspace: *workspace,
                    visitor: *visitor,
                };
                self.apply(step, conversation);
            }
            Event::ConversationChanged {
                conversation,
                assignee,
            } => {
                let for_agents = ServerFrame::AgentConversation {
                    conversation: AgentConversationView {
                        conversation,
                        assignee: assignee.as_ref(),
                    },
                }
                .encode();
                let for_visitor = ServerFrame::VisitorConversation {
                    conversation: VisitorConversationView::new(conversation, assignee.as_ref()),
                }
                .encode();
                let workspace = conversation.workspace_id;
                if let Some(room) = self.shard(workspace).read().get(&workspace) {
                    room.assignment_changed(
                        conversation.id,
                        conversation.assignee_id,
                        conversation.status == ConversationStatus::Open,
                    );
                    room.to_agents(&for_agents, None);
                    room.to_visitor(conversation.visitor_id, &for_visitor, None);
                }
            }
            Event::Typing {
                workspace,
                conversation,
                visitor,
                author,
                state,
                preview,
                from: conn,
            } => {
                let frame = ServerFrame::Typing {
                    conversation_id: *conversation,
                    author,
                    state: *state,
                    preview: preview.as_deref(),
                }
                .encode();
                // Remembered before it goes out: whoever sees it live has it remembered too.
                if let Some(room) = self.shard(*workspace).read().get(workspace) {
                    room.typing.lock().heard(
                        *conversation,
                        author,
                        *state == TypingState::On,
                        &frame,
                        *conn,
                        Instant::now(),
                    );
                }
                self.to_the_other_side(
                    *workspace,
                    *conversation,
                    *visitor,
                    author.kind,
                    &frame,
                    *conn,
                );
            }
            Event::Read {
                workspace,
                conversation,
                visitor,
                reader,
                seq,
                from: conn,
            } => {
                let frame = ServerFrame::Read {
                    conversation_id: *conversation,
                    reader,
                    seq: *seq,
                }
                .encode();
                self.to_the_other_side(
                    *workspace,
                    *conversation,
                    *visitor,
                    reader.kind,
                    &frame,
                    *conn,
                );
            }
            Event::VisitorChanged { visitor, page } => {
                let frame = ServerFrame::Visitor {
                    visitor: VisitorView::new(visitor, page.as_ref(), true),
                }
                .encode();
                let workspace = visitor.workspace_id;
                if let Some(room) = self.shard(workspace).read().get(&workspace) {
                    room.to_agents(&frame, None);
                }
            }
            Event::AgentStatusChosen {
                workspace,
                agent,
                status,
                from: conn,
            } => {
                // Announced by the node it was chosen on only.
                let chosen_here = if from.is_none() { *conn } else { None };
                self.apply_chosen_status(*workspace, *agent, *status, chosen_here);
            }
            Event::AgentPresence {
                workspace,
                agent,
                status,
                from: conn,
            } => {
                let frame = ServerFrame::AgentPresence {
                    agent_id: *agent,
                    status: *status,
                }
                .encode();
                if let Some(room) = self.shard(*workspace).read().get(workspace) {
                    room.to_agents(&frame, *conn);
                }
                if from.is_some() {
                    // Another node's change: this node's visitors may see the count cross zero
                    // before the next presence snapshot.
                    self.announce_agents_online(*workspace);
                }
            }
            Event::VisitorPresence {
                workspace,
                visitor,
                online,
                at,
            } => match from {
                None => {
                    if !self.bus.remote().visitor_online(*workspace, *visitor) {
                        self.visitor_presence_to_local_agents(*workspace, *visitor, *online);
                    }
                }
                Some(node) => {
                    let was = self.visitor_online(*workspace, *visitor);
                    self.bus
                        .remote()
                        .note_visitor(node, (*workspace, *visitor), *online, *at);
                    if self.visitor_online(*workspace, *visitor) != was {
                        self.visitor_presence_to_local_agents(*workspace, *visitor, !was);
                    }
                }
            },
            Event::AgentRevoked { workspace, agent } => {
                if let Some(room) = self.shard(*workspace).read().get(workspace) {
                    room.close_agent(*agent, Close::Unauthorized);
                }
            }
            Event::VisitorIdentified { workspace, visitor } => {
                if let Some(room) = self.shard(*workspace).read().get(workspace) {
                    room.close_visitor(*visitor, Close::Unauthorized);
                }
            }
            Event::Viewing {
                workspace,
                conversation,
                agent,
                viewing,
                from: conn,
            } => {
                let frame = ServerFrame::Viewing {
                    conversation_id: *conversation,
                    agent_id: *agent,
                    state: if *viewing {
                        TypingState::On
                    } else {
                        TypingState::Off
                    },
                }
                .encode();
                if let Some(room) = self.shard(*workspace).read().get(workspace) {
                    room.to_agents_following(*conversation, &frame, *conn);
                }
            }
            Event::QueueMoved {
                workspace,
                waiting,
                taken,
                expected_reply_s,
            } => {
                if let Some(room) = self.shard(*workspace).read().get(workspace) {
                    let places = waiting
                        .iter()
                        .enumerate()
                        .map(|(i, (c, v))| (*c, *v, Some(i + 1)))
                        .chain(taken.iter().map(|(c, v)| (*c, *v, None)));
                    for (conversation, visitor, position) in places {
                        if !room.visitors.contains_key(&visitor) {
                            continue;
                        }
                        let frame = ServerFrame::Queue {
                            conversation_id: conversation,
                            position,
                            expected_reply_s: *expected_reply_s,
                        }
                        .encode();
                        room.to_visitor(visitor, &frame, None);
                    }
                }
            }
            Event::VisitorBlocked { workspace, visitor } => {
                if let Some(room) = self.shard(*workspace).read().get(workspace) {
                    room.close_visitor(*visitor, Close::Forbidden);
                }
            }
            Event::StreamFrames { stream, n, frames } => {
                let frames = frames
                    .iter()
                    .map(|f| ByteString::from(f.as_str()))
                    .collect();
                // Not held here: another node's stream, or one that ended.
                let _ = self.streams.deliver(stream, *n, frames);
            }
        }
    }

    /// A visitor's typing or reading goes to the agents; an agent's to the visitor and to the
    /// other agents (its own other tabs included), never back to the connection it came from.
    fn to_the_other_side(
        &self,
        workspace: WorkspaceId,
        conversation: ConversationId,
        visitor: VisitorId,
        author: AuthorKind,
        frame: &ByteString,
        from: Option<ConnId>,
    ) {
        if let Some(room) = self.shard(workspace).read().get(&workspace) {
            match author {
                AuthorKind::Visitor => room.to_agents_following(conversation, frame, None),
                AuthorKind::Agent | AuthorKind::System => {
                    room.to_visitor(visitor, frame, None);
                    room.to_agents_following(conversation, frame, from);
                }
            }
        }
    }

    /// An agent connection started watching `conversations`: it is told who is typing in
    /// them now (a `typing on` is not repeated while the typist keeps typing the same draft).
    pub fn tell_who_is_typing(
        &self,
        workspace: WorkspaceId,
        conn: ConnId,
        conversations: &[ConversationId],
    ) {
        let shard = self.shard(workspace).read();
        let Some(room) = shard.get(&workspace) else {
            return;
        };
        let Some(agent) = room.agents.get(&conn) else {
            return;
        };
        let typing = room.typing.lock();
        let now = Instant::now();
        for conversation in conversations {
            for frame in typing.now_in(*conversation, conn, now) {
                agent.outbound.push(frame.clone());
            }
        }
    }

    pub(super) fn visitor_presence_to_local_agents(
        &self,
        workspace: WorkspaceId,
        visitor: VisitorId,
        online: bool,
    ) {
        let frame = ServerFrame::VisitorPresence {
            visitor_id: visitor,
            online,
        }
        .encode();
        if let Some(room) = self.shard(workspace).read().get(&workspace) {
            room.visitor_presence_to_agents(visitor, online, &frame);
        }
    }

    /// Carries out a sequencer step: what is ready goes out, a duplicate still answers its
    /// sender, a gap is read from the database.
    fn apply(&self, step: Step<Delivery>, conversation: Conversation) {
        if let Some(stale) = &step.stale {
            if let Some(origin) = &stale.origin {
                origin.reply.stored(&stale.message);
            }
        }
        for delivery in &step.ready {
            self.push_message(delivery);
        }
        if let Some(after) = step.fill_after {
            self.fill(conversation, after);
        }
    }

    /// Hands a message to this node's connections: agents always, the visitor unless it is a
    /// note, the sender its `sent` instead.
    fn push_message(&self, delivery: &Delivery) {
        let sender = delivery.origin.as_ref().map(|o| o.conn);
        if let Some(room) = self
            .shard(delivery.workspace)
            .read()
            .get(&delivery.workspace)
        {
            room.message_to_agents(&delivery.message, &delivery.frame, sender);
            if delivery.message.kind != MessageKind::Note {
                room.to_visitor(delivery.visitor, &delivery.frame, sender);
            }
        }
        if let Some(origin) = &delivery.origin {
            origin.reply.stored(&delivery.message);
        }
    }

    /// Reads what is missing after `after` from the database and hands it to the sequencer;
    /// if the database cannot say, what waits goes out anyway (clients `sync` the hole).
    fn fill(&self, conversation: Conversation, after: i64) {
        let (chat, hub) = (self.chat.clone(), self.me.clone());
        actix_web::rt::spawn(async move {
            let found = chat
                .messages_after(
                    conversation.workspace,
                    conversation.id,
                    after,
                    FILL_PAGE,
                    Audience::Agent,
                    // Each filled message goes out as a frame of its own.
                    usize::MAX,
                )
                .await;
            let Some(hub) = hub.upgrade() else {
                return;
            };
            match found {
                Ok(page) => {
                    let items = page.messages.into_iter().map(|message| {
                        let message = Arc::new(message);
                        let seq = message.seq;
                        (
                            seq,
                            Delivery::new(conversation.workspace, conversation.visitor, message),
                        )
                    });
                    let step = hub.sequencer.filled(conversation.id, items);
                    hub.apply(step, conversation);
                }
                Err(err) => {
                    tracing::warn!(error = %err, conversation = %conversation.id, "gap not filled; delivering what waits");
                    for delivery in hub.sequencer.give_up(conversation.id) {
                        hub.push_message(&delivery);
                    }
                }
            }
        });
    }
}

/// Where a conversation's messages go: its workspace and its visitor.
#[derive(Clone, Copy)]
struct Conversation {
    id: ConversationId,
    workspace: WorkspaceId,
    visitor: VisitorId,
}
