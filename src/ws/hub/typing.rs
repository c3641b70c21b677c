//! Who is typing in which conversation, as this node last heard it. A connection that starts
//! watching a conversation is told at once, rather than at the typist's next `typing on`,
//! which may be seconds away or never come: a client sends `on` when typing starts and again
//! only as the draft changes.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use bytestring::ByteString;

use crate::domain::{Author, AuthorKind, ConnId, ConversationId};

/// How long a `typing on` stays news: clients forget one after this long without another
/// (`TYPING_TTL_MS` in common/protocol.js).
pub const FRESH: Duration = Duration::from_secs(8);
/// Conversations held before the first sweep of stale ones; later sweeps come when the map
/// has doubled since the last, so that sweeping costs O(1) per typing event.
const FIRST_SWEEP: usize = 256;

/// Someone: a visitor, an agent (the system never types).
type Typist = (AuthorKind, Option<uuid::Uuid>);

struct Heard {
    typist: Typist,
    at: Instant,
    /// The `typing on` frame as it went out, preview included where the site shows drafts.
    frame: ByteString,
    /// The connection that typed: it is never told about itself.
    from: Option<ConnId>,
}

pub struct Typing {
    conversations: HashMap<ConversationId, Vec<Heard>>,
    sweep_at: usize,
}

impl Default for Typing {
    fn default() -> Self {
        Self {
            conversations: HashMap::new(),
            sweep_at: FIRST_SWEEP,
        }
    }
}

impl Typing {
    /// A `typing` frame went out: `on` is remembered (replacing the typist's earlier one),
    /// `off` forgets the typist.
    pub fn heard(
        &mut self,
        conversation: ConversationId,
        author: &Author,
        on: bool,
        frame: &ByteString,
        from: Option<ConnId>,
        now: Instant,
    ) {
        let typist = (author.kind, author.id);
        let typists = self.conversations.entry(conversation).or_default();
        typists.retain(|h| h.typist != typist && now.duration_since(h.at) < FRESH);
        if on {
            typists.push(Heard {
                typist,
                at: now,
                frame: frame.clone(),
                from,
            });
        }
        if typists.is_empty() {
            self.conversations.remove(&conversation);
        }
        if self.conversations.len() >= self.sweep_at {
            self.sweep(now);
        }
    }

    /// The `typing on` frames still fresh in `conversation`, except those `to` sent itself.
    pub fn now_in(
        &self,
        conversation: ConversationId,
        to: ConnId,
        now: Instant,
    ) -> impl Iterator<Item = &ByteString> {
        self.conversations
            .get(&conversation)
            .into_iter()
            .flatten()
            .filter(move |h| h.from != Some(to) && now.duration_since(h.at) < FRESH)
            .map(|h| &h.frame)
    }

    fn sweep(&mut self, now: Instant) {
        self.conversations.retain(|_, typists| {
            typists.retain(|h| now.duration_since(h.at) < FRESH);
            !typists.is_empty()
        });
        self.sweep_at = (self.conversations.len() * 2).max(FIRST_SWEEP);
    }

    #[cfg(test)]
    fn held(&self) -> usize {
        self.conversations.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn visitor() -> Author {
        Author {
            kind: AuthorKind::Visitor,
            id: Some(uuid::Uuid::new_v4()),
            name: None,
        }
    }

    fn frames(typing: &Typing, conversation: ConversationId, to: u64, now: Instant) -> Vec<&str> {
        typing
            .now_in(conversation, ConnId(to), now)
            .map(|f| &**f)
            .collect()
    }

    #[test]
    fn the_latest_on_of_each_typist_is_told_until_off_or_stale() {
        let mut typing = Typing::default();
        let (conversation, other) = (ConversationId::new(), ConversationId::new());
        let (ann, bob) = (visitor(), visitor());
        let start = Instant::now();
        typing.heard(
            conversation,
            &ann,
            true,
            &"ann 1".into(),
            Some(ConnId(1)),
            start,
        );
        typing.heard(
            conversation,
            &ann,
            true,
            &"ann 2".into(),
            Some(ConnId(1)),
            start,
        );
        typing.heard(
            conversation,
            &bob,
            true,
            &"bob".into(),
            Some(ConnId(2)),
            start,
        );
        assert_eq!(frames(&typing, conversation, 9, start), ["ann 2", "bob"]);
        // Nobody hears itself; other conversations know nothing.
        assert_eq!(frames(&typing, conversation, 1, start), ["bob"]);
        assert!(frames(&typing, other, 9, start).is_empty());
        typing.heard(
            conversation,
            &bob,
            false,
            &"off".into(),
            Some(ConnId(2)),
            start,
        );
        assert_eq!(frames(&typing, conversation, 9, start), ["ann 2"]);
        assert!(frames(&typing, conversation, 9, start + FRESH).is_empty());
        typing.heard(
            conversation,
            &ann,
            false,
            &"off".into(),
            Some(ConnId(1)),
            start,
        );
        assert_eq!(typing.held(), 0);
    }

    #[test]
    fn stale_conversations_are_swept_as_the_map_grows() {
        let mut typing = Typing::default();
        let start = Instant::now();
        for _ in 0..FIRST_SWEEP - 1 {
            typing.heard(
                ConversationId::new(),
                &visitor(),
                true,
                &"on".into(),
                None,
                start,
            );
        }
        assert_eq!(typing.held(), FIRST_SWEEP - 1);
        // Heard after every earlier one went stale: the sweep leaves only the fresh one.
        let later = start + FRESH;
        typing.heard(
            ConversationId::new(),
            &visitor(),
            true,
            &"on".into(),
            None,
            later,
        );
        assert_eq!(typing.held(), 1);
    }
}
