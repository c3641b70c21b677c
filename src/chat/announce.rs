//! Conversation changes as events: the conversation with its assignee's name, looked up once
//! and published for every transport and node.

use crate::cluster::Bus;
use crate::domain::{Assignee, Conversation, ConversationId, Event, WorkspaceId};
use crate::store::DynStore;

/// The assignee's name and picture, looked up when the conversation has one.
pub async fn assignee(store: &DynStore, conversation: &Conversation) -> Option<Assignee> {
    let id = conversation.assignee_id?;
    match store.agent(conversation.workspace_id, id).await {
        Ok(Some(agent)) => Some(Assignee::from(&agent)),
        _ => None,
    }
}

/// A conversation's status or assignee changed.
pub async fn conversation_changed(store: &DynStore, bus: &Bus, conversation: Conversation) {
    let assignee = assignee(store, &conversation).await;
    bus.publish(Event::ConversationChanged {
        conversation,
        assignee,
    });
}

/// A conversation was just created (so it has no assignee yet).
pub fn conversation_created(bus: &Bus, conversation: Conversation) {
    bus.publish(Event::ConversationChanged {
        conversation,
        assignee: None,
    });
}

/// Announces the conversation as it is now (e.g. reopened by a message).
pub async fn conversation_changed_by_id(
    store: &DynStore,
    bus: &Bus,
    workspace: WorkspaceId,
    id: ConversationId,
) {
    match store.conversation(workspace, id).await {
        Ok(Some(conversation)) => conversation_changed(store, bus, conversation).await,
        Ok(None) => {}
        Err(err) => tracing::warn!(error = %err, "conversation event not sent"),
    }
}
