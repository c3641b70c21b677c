//! What follows a change: who is told, with which frame. Frames are serialised once and the
//! same bytes go to every recipient.

use bytestring::ByteString;
use serde::Serialize;

use crate::domain::{
    AgentId, Conversation, ConversationId, ConversationStatus, MessageKind, WorkspaceId,
};
use crate::store::{AppendOutcome, Appended, DynStore};
use std::sync::Arc;

use crate::ws::hub::{ConnId, Hub};
use crate::ws::outbound::Outbound;
use crate::ws::protocol::{encode, message_frame};
use crate::ws::sequencer::Delivery;

/// A committed message: every agent of the workspace and, unless it is a note, the visitor's
/// connections get it, on every node, in `seq` order; the sending connection gets its `sent`
/// in the same order instead. Replays broadcast nothing (the writer answers them directly).
pub async fn message_stored(
    store: &DynStore,
    hub: &Arc<Hub>,
    workspace: WorkspaceId,
    appended: &Appended,
    sender: Option<(ConnId, Arc<Outbound>, ByteString)>,
) {
    let AppendOutcome::Stored {
        visitor_id,
        reopened,
    } = appended.outcome
    else {
        return;
    };
    metrics::counter!("parley_messages_stored_total").increment(1);
    if reopened {
        conversation_changed_by_id(store, hub, workspace, appended.message.conversation_id).await;
    }
    let message = &appended.message;
    hub.deliver_message(Delivery {
        workspace,
        conversation: message.conversation_id,
        visitor: visitor_id,
        seq: message.seq,
        note: message.kind == MessageKind::Note,
        frame: message_frame(message),
        sender,
    });
}

/// The assignee as agents and visitors see it.
#[derive(Clone, Debug, Serialize)]
pub struct AssigneeView {
    pub id: AgentId,
    pub name: String,
}

/// A conversation as agents see it.
#[derive(Debug, Serialize)]
pub struct AgentConversationView<'a> {
    #[serde(flatten)]
    pub conversation: &'a Conversation,
    pub assignee: Option<AssigneeView>,
}

/// The reduced form visitors get: no workspace internals.
#[derive(Debug, Serialize)]
pub struct VisitorConversationView {
    pub id: ConversationId,
    pub status: ConversationStatus,
    pub assignee: Option<VisitorAssigneeView>,
    pub last_seq: i64,
}

#[derive(Clone, Debug, Serialize)]
pub struct VisitorAssigneeView {
    pub name: String,
}

impl VisitorConversationView {
    pub fn new(conversation: &Conversation, assignee: Option<&AssigneeView>) -> Self {
        Self {
            id: conversation.id,
            status: conversation.status,
            assignee: assignee.map(|a| VisitorAssigneeView {
                name: a.name.clone(),
            }),
            last_seq: conversation.last_seq,
        }
    }
}

#[derive(Serialize)]
struct ConversationEvent<T: Serialize> {
    #[serde(rename = "type")]
    kind: &'static str,
    conversation: T,
}

/// The assignee's name, looked up when the conversation has one.
pub async fn assignee(store: &DynStore, conversation: &Conversation) -> Option<AssigneeView> {
    let id = conversation.assignee_id?;
    match store.agent(conversation.workspace_id, id).await {
        Ok(Some(agent)) => Some(AssigneeView {
            id,
            name: agent.name,
        }),
        _ => None,
    }
}

pub fn agent_conversation_frame(
    conversation: &Conversation,
    assignee: Option<AssigneeView>,
) -> ByteString {
    encode(&ConversationEvent {
        kind: "conversation",
        conversation: AgentConversationView {
            conversation,
            assignee,
        },
    })
}

/// A conversation's status or assignee changed: every agent of the workspace gets the full
/// form, the visitor's connections the reduced one.
pub async fn conversation_changed(store: &DynStore, hub: &Hub, conversation: &Conversation) {
    let assignee = assignee(store, conversation).await;
    announce(hub, conversation, assignee);
}

/// A conversation was just created (so it has no assignee yet).
pub fn conversation_created(hub: &Hub, conversation: &Conversation) {
    announce(hub, conversation, None);
}

fn announce(hub: &Hub, conversation: &Conversation, assignee: Option<AssigneeView>) {
    let visitor_frame = encode(&ConversationEvent {
        kind: "conversation",
        conversation: VisitorConversationView::new(conversation, assignee.as_ref()),
    });
    hub.to_agents(
        conversation.workspace_id,
        &agent_conversation_frame(conversation, assignee),
        None,
    );
    hub.to_visitor(
        conversation.workspace_id,
        conversation.visitor_id,
        &visitor_frame,
        None,
    );
}

async fn conversation_changed_by_id(
    store: &DynStore,
    hub: &Hub,
    workspace: WorkspaceId,
    id: ConversationId,
) {
    match store.conversation(workspace, id).await {
        Ok(Some(conversation)) => conversation_changed(store, hub, &conversation).await,
        Ok(None) => {}
        Err(err) => tracing::warn!(error = %err, "conversation event not sent"),
    }
}
