//! A focused agent connection's share of its workspace: the conversations it shows in full
//! (watched on its screen, or assigned to its agent) and, for every other one, what arrived
//! since its last `activity` frame. With hundreds of agents in a workspace, each then gets the
//! few conversations it works on in full and a coalesced summary of the rest, instead of every
//! message of every conversation.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use bytestring::ByteString;
use parking_lot::Mutex;

use super::super::protocol::{ActivityEntry, ServerFrame, MAX_WATCHED};
use crate::domain::{AgentId, AuthorKind, ConversationId, Message};

pub struct Focus {
    agent: AgentId,
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    watched: HashSet<ConversationId>,
    assigned: HashSet<ConversationId>,
    /// Conversations with messages not shown since the last `activity` frame.
    pending: HashMap<ConversationId, Pending>,
}

struct Pending {
    last: Arc<Message>,
    unread: u32,
}

impl State {
    fn shows(&self, conversation: ConversationId) -> bool {
        self.watched.contains(&conversation) || self.assigned.contains(&conversation)
    }
}

impl Focus {
    /// A focused view for `agent`, with the open conversations assigned to it.
    pub fn new(agent: AgentId, assigned: impl IntoIterator<Item = ConversationId>) -> Self {
        Self {
            agent,
            state: Mutex::new(State {
                assigned: assigned.into_iter().collect(),
                ..State::default()
            }),
        }
    }

    /// Replaces the watched conversations (the caller checked the count).
    pub fn watch(&self, conversations: &[ConversationId]) {
        debug_assert!(conversations.len() <= MAX_WATCHED);
        self.state.lock().watched = conversations.iter().copied().collect();
    }

    /// Whether this connection gets the conversation's messages, typing and reads in full.
    pub fn shows(&self, conversation: ConversationId) -> bool {
        self.state.lock().shows(conversation)
    }

    /// A conversation's assignee or status changed: it is shown in full while it is open and
    /// assigned to this agent.
    pub fn assignment(&self, conversation: ConversationId, mine: bool) {
        let mut state = self.state.lock();
        if mine {
            state.assigned.insert(conversation);
        } else {
            state.assigned.remove(&conversation);
        }
    }

    /// A message for this connection: `true` when it goes out in full, otherwise it is kept
    /// for the next `activity` frame.
    pub fn offer(&self, message: &Arc<Message>) -> bool {
        let mut state = self.state.lock();
        if state.shows(message.conversation_id) {
            return true;
        }
        let unread = u32::from(!self.wrote(message));
        state
            .pending
            .entry(message.conversation_id)
            .and_modify(|p| {
                // Gap fills can hand an older message after a newer one.
                if message.seq > p.last.seq {
                    p.last = message.clone();
                }
                p.unread = p.unread.saturating_add(unread);
            })
            .or_insert_with(|| Pending {
                last: message.clone(),
                unread,
            });
        false
    }

    /// The `activity` frame of what was kept since the last one, if anything was.
    pub fn take(&self) -> Option<ByteString> {
        let pending = {
            let mut state = self.state.lock();
            if state.pending.is_empty() {
                return None;
            }
            std::mem::take(&mut state.pending)
        };
        let entries: Vec<ActivityEntry> = pending
            .into_iter()
            .map(|(conversation_id, p)| ActivityEntry {
                conversation_id,
                last_seq: p.last.seq,
                unread: p.unread,
                last_message: p.last,
            })
            .collect();
        Some(
            ServerFrame::Activity {
                conversations: &entries,
            }
            .encode(),
        )
    }

    fn wrote(&self, message: &Message) -> bool {
        message.author.kind == AuthorKind::Agent && message.author.id == Some(self.agent.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{Author, Body, MessageId, MessageKind, Timestamp};

    fn message(conversation: ConversationId, seq: i64, author: Author) -> Arc<Message> {
        Arc::new(Message {
            id: MessageId(uuid::Uuid::new_v4()),
            conversation_id: conversation,
            seq,
            client_msg_id: None,
            author,
            kind: MessageKind::Text,
            body: Body::system(format!("m{seq}")),
            created_at: Timestamp::now(),
            attachments: Default::default(),
        })
    }

    fn visitor() -> Author {
        Author {
            kind: AuthorKind::Visitor,
            id: Some(uuid::Uuid::new_v4()),
            name: None,
        }
    }

    #[test]
    fn watched_and_assigned_go_out_in_full_the_rest_is_summed_once() {
        let me = AgentId(uuid::Uuid::new_v4());
        let (watched, assigned, other) = (
            ConversationId(uuid::Uuid::new_v4()),
            ConversationId(uuid::Uuid::new_v4()),
            ConversationId(uuid::Uuid::new_v4()),
        );
        let focus = Focus::new(me, [assigned]);
        focus.watch(&[watched]);
        assert!(focus.offer(&message(watched, 1, visitor())));
        assert!(focus.offer(&message(assigned, 1, visitor())));
        assert!(focus.take().is_none());

        let mine = Author {
            kind: AuthorKind::Agent,
            id: Some(me.0),
            name: None,
        };
        assert!(!focus.offer(&message(other, 2, visitor())));
        assert!(!focus.offer(&message(other, 4, mine)));
        assert!(!focus.offer(&message(other, 3, visitor())));
        let frame: serde_json::Value = serde_json::from_str(&focus.take().unwrap()).unwrap();
        assert_eq!(frame["type"], "activity");
        let entry = &frame["conversations"][0];
        assert_eq!(entry["conversation_id"], other.0.to_string());
        assert_eq!(entry["last_seq"], 4);
        assert_eq!(entry["unread"], 2);
        assert_eq!(entry["last_message"]["seq"], 4);
        assert!(focus.take().is_none(), "each message is summed up once");

        focus.assignment(assigned, false);
        focus.watch(&[]);
        assert!(!focus.offer(&message(assigned, 2, visitor())));
        assert!(!focus.offer(&message(watched, 2, visitor())));
        let frame: serde_json::Value = serde_json::from_str(&focus.take().unwrap()).unwrap();
        assert_eq!(frame["conversations"].as_array().unwrap().len(), 2);
    }
}
