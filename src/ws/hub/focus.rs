//! A focused agent connection's share of its workspace: the conversations it shows in full
//! (watched on its screen, or assigned to its agent) and, for every other one, what arrived
//! since its last `activity` frame. With hundreds of agents in a workspace, each then gets the
//! few conversations it works on in full and a coalesced summary of the rest, instead of every
//! message of every conversation.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use bytestring::ByteString;
use parking_lot::Mutex;
use serde::Serialize;

use super::super::protocol::MAX_WATCHED;
use crate::domain::{
    AgentId, Attachments, Author, AuthorKind, ConversationId, Message, MessageId, MessageKind,
    Timestamp, VisitorId,
};

/// Characters of a message's body an `activity` entry carries: what an inbox row shows.
const PREVIEW_CHARS: usize = 200;

/// A message as `activity` entries name it, encoded once for every focused connection that
/// gets it: `"conversation_id":…,"last_seq":…,"last_message":{…}`, the body cut to its first
/// `PREVIEW_CHARS` characters and files listed only when there is no text.
pub struct Summary {
    seq: i64,
    /// The agent who wrote it, if an agent did.
    agent: Option<uuid::Uuid>,
    fields: String,
}

#[derive(Serialize)]
struct Preview<'a> {
    id: MessageId,
    conversation_id: ConversationId,
    seq: i64,
    author: &'a Author,
    kind: MessageKind,
    body: &'a str,
    created_at: Timestamp,
    #[serde(skip_serializing_if = "Option::is_none")]
    attachments: Option<&'a Attachments>,
}

#[derive(Serialize)]
struct EntryFields<'a> {
    conversation_id: ConversationId,
    last_seq: i64,
    last_message: Preview<'a>,
}

impl Summary {
    pub fn of(message: &Message) -> Self {
        let body = message.body.as_str();
        let cut = body
            .char_indices()
            .nth(PREVIEW_CHARS)
            .map_or(body, |(at, _)| &body[..at]);
        let fields = EntryFields {
            conversation_id: message.conversation_id,
            last_seq: message.seq,
            last_message: Preview {
                id: message.id,
                conversation_id: message.conversation_id,
                seq: message.seq,
                author: &message.author,
                kind: message.kind,
                body: cut,
                created_at: message.created_at,
                attachments: (body.trim().is_empty() && !message.attachments.is_empty())
                    .then_some(&message.attachments),
            },
        };
        // `{…}` without its braces, so that each connection adds its own `unread`.
        let json = serde_json::to_string(&fields).unwrap_or_default();
        let inner = json
            .strip_prefix('{')
            .and_then(|j| j.strip_suffix('}'))
            .unwrap_or_default();
        Self {
            seq: message.seq,
            agent: (message.author.kind == AuthorKind::Agent)
                .then_some(message.author.id)
                .flatten(),
            fields: inner.to_owned(),
        }
    }
}

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
    /// Visitors who came or went since then: the last word on each.
    presence: HashMap<VisitorId, bool>,
}

struct Pending {
    last: Arc<Summary>,
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

    /// A message for this connection: `true` when it goes out in full, otherwise its summary
    /// (made once per message, by the first connection that needs it) is kept for the next
    /// `activity` frame.
    pub fn offer(
        &self,
        conversation: ConversationId,
        summary: impl FnOnce() -> Arc<Summary>,
    ) -> bool {
        let mut state = self.state.lock();
        if state.shows(conversation) {
            return true;
        }
        let summary = summary();
        let unread = u32::from(summary.agent != Some(self.agent.0));
        match state.pending.entry(conversation) {
            std::collections::hash_map::Entry::Occupied(mut slot) => {
                let pending = slot.get_mut();
                // Gap fills can hand an older message after a newer one.
                if summary.seq > pending.last.seq {
                    pending.last = summary;
                }
                pending.unread = pending.unread.saturating_add(unread);
            }
            std::collections::hash_map::Entry::Vacant(slot) => {
                slot.insert(Pending {
                    last: summary,
                    unread,
                });
            }
        }
        false
    }

    /// A visitor came or went: told in the next `activity` frame. With thousands of visitors
    /// coming and going, each agent gets at most one word per visitor and frame.
    pub fn presence(&self, visitor: VisitorId, online: bool) {
        self.state.lock().presence.insert(visitor, online);
    }

    /// The `activity` frame of what was kept since the last one, if anything was.
    pub fn take(&self) -> Option<ByteString> {
        let (pending, presence) = {
            let mut state = self.state.lock();
            if state.pending.is_empty() && state.presence.is_empty() {
                return None;
            }
            (
                std::mem::take(&mut state.pending),
                std::mem::take(&mut state.presence),
            )
        };
        let size: usize = pending.values().map(|p| p.last.fields.len() + 24).sum();
        let mut frame = String::with_capacity(size + presence.len() * 64 + 64);
        frame.push_str(r#"{"type":"activity","#);
        if !presence.is_empty() {
            frame.push_str(r#""visitors":["#);
            for (i, (visitor, online)) in presence.iter().enumerate() {
                if i > 0 {
                    frame.push(',');
                }
                frame.push_str(r#"{"visitor_id":""#);
                frame.push_str(&visitor.0.to_string());
                frame.push_str(r#"","online":"#);
                frame.push_str(if *online { "true}" } else { "false}" });
            }
            frame.push_str("],");
        }
        frame.push_str(r#""conversations":["#);
        for (i, p) in pending.values().enumerate() {
            if i > 0 {
                frame.push(',');
            }
            frame.push('{');
            frame.push_str(&p.last.fields);
            frame.push_str(r#","unread":"#);
            frame.push_str(&p.unread.to_string());
            frame.push('}');
        }
        frame.push_str("]}");
        Some(ByteString::from(frame))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Body;

    fn message(conversation: ConversationId, seq: i64, author: Author) -> Message {
        Message {
            id: MessageId(uuid::Uuid::new_v4()),
            conversation_id: conversation,
            seq,
            client_msg_id: None,
            author,
            kind: MessageKind::Text,
            body: Body::system(format!("m{seq}")),
            created_at: Timestamp::now(),
            attachments: Default::default(),
        }
    }

    fn offer(focus: &Focus, message: Message) -> bool {
        focus.offer(message.conversation_id, || Arc::new(Summary::of(&message)))
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
        assert!(offer(&focus, message(watched, 1, visitor())));
        assert!(offer(&focus, message(assigned, 1, visitor())));
        assert!(focus.take().is_none());

        let mine = Author {
            kind: AuthorKind::Agent,
            id: Some(me.0),
            name: None,
        };
        assert!(!offer(&focus, message(other, 2, visitor())));
        assert!(!offer(&focus, message(other, 4, mine)));
        assert!(!offer(&focus, message(other, 3, visitor())));
        let frame: serde_json::Value = serde_json::from_str(&focus.take().unwrap()).unwrap();
        assert_eq!(frame["type"], "activity");
        let entry = &frame["conversations"][0];
        assert_eq!(entry["conversation_id"], other.0.to_string());
        assert_eq!(entry["last_seq"], 4);
        assert_eq!(entry["unread"], 2);
        assert_eq!(entry["last_message"]["seq"], 4);
        assert!(focus.take().is_none(), "each message is summed up once");

        let (gone, back) = (
            VisitorId(uuid::Uuid::new_v4()),
            VisitorId(uuid::Uuid::new_v4()),
        );
        focus.presence(gone, true);
        focus.presence(gone, false);
        focus.presence(back, true);
        let frame: serde_json::Value = serde_json::from_str(&focus.take().unwrap()).unwrap();
        let mut visitors = frame["visitors"].as_array().unwrap().clone();
        visitors.sort_by_key(|v| v["online"].as_bool());
        assert_eq!(
            visitors,
            [
                serde_json::json!({"visitor_id": gone.0, "online": false}),
                serde_json::json!({"visitor_id": back.0, "online": true}),
            ]
        );
        assert_eq!(frame["conversations"], serde_json::json!([]));

        focus.assignment(assigned, false);
        focus.watch(&[]);
        assert!(!offer(&focus, message(assigned, 2, visitor())));
        assert!(!offer(&focus, message(watched, 2, visitor())));
        let frame: serde_json::Value = serde_json::from_str(&focus.take().unwrap()).unwrap();
        assert_eq!(frame["conversations"].as_array().unwrap().len(), 2);
    }
}

#[cfg(test)]
mod preview_tests {
    use super::*;
    use crate::domain::Body;

    #[test]
    fn an_entry_is_the_frame_of_a_preview_with_each_connections_unread() {
        let message = Message {
            id: MessageId(uuid::Uuid::new_v4()),
            conversation_id: ConversationId(uuid::Uuid::new_v4()),
            seq: 9,
            client_msg_id: None,
            author: Author {
                kind: AuthorKind::Visitor,
                id: Some(uuid::Uuid::new_v4()),
                name: Some("Ada \"the\" visitor".into()),
            },
            kind: MessageKind::Text,
            body: Body::system("é".repeat(300)),
            created_at: Timestamp::now(),
            attachments: Default::default(),
        };
        let focus = Focus::new(AgentId(uuid::Uuid::new_v4()), []);
        let summary = Arc::new(Summary::of(&message));
        assert!(!focus.offer(message.conversation_id, || summary.clone()));
        let frame: serde_json::Value = serde_json::from_str(&focus.take().unwrap()).unwrap();
        let entry = &frame["conversations"][0];
        assert_eq!(entry["last_seq"], 9);
        assert_eq!(entry["unread"], 1);
        assert_eq!(
            entry["last_message"]["author"]["name"],
            "Ada \"the\" visitor"
        );
        assert_eq!(
            entry["last_message"]["body"]
                .as_str()
                .unwrap()
                .chars()
                .count(),
            PREVIEW_CHARS
        );
        assert!(entry["last_message"].get("attachments").is_none());
    }
}
