//! The frames visitors and agents handle the same way: catch-up, history, typing and reading,
//! each within a conversation the connection may use (anything else is `not_found`, exactly
//! like a conversation that does not exist).

use super::protocol::{ClientFrame, ErrorCode, Read, ServerFrame, Typing};
use super::session::{Ctx, Role, Session};
use crate::chat::history::{HISTORY_DEFAULT, HISTORY_MAX, SYNC_PAGE};
use crate::chat::{ChatError, ConversationRef};
use crate::domain::ConversationId;

/// Which page of a conversation a frame asks for.
#[derive(Clone, Copy)]
enum Page {
    /// `sync`: after this seq.
    After(i64),
    /// `history`: before this seq (the newest when `None`), at most this many.
    Before(Option<i64>, i64),
}

impl<R: Role> Session<R> {
    /// Handles a frame after `hello`: the shared ones here, the others by the role.
    pub(super) fn common_frame(&mut self, frame: ClientFrame, ctx: &mut Ctx<R>) {
        match frame {
            ClientFrame::Sync(sync) => {
                let after = sync.after_seq;
                self.with_conversation(
                    ctx,
                    sync.reference,
                    sync.conversation_id,
                    move |s, r, c, ctx| s.answer_page(ctx, r, c, Page::After(after)),
                );
            }
            ClientFrame::History(history) => {
                let limit = history
                    .limit
                    .unwrap_or(HISTORY_DEFAULT)
                    .clamp(1, HISTORY_MAX);
                let page = Page::Before(history.before_seq, limit);
                self.with_conversation(
                    ctx,
                    history.reference,
                    history.conversation_id,
                    move |s, r, c, ctx| s.answer_page(ctx, r, c, page),
                );
            }
            ClientFrame::Typing(typing) => self.typing(typing, ctx),
            ClientFrame::Read(read) => self.read(read, ctx),
            other => R::frame(self, other, ctx),
        }
    }

    /// Runs `then` once `id` is known to be a conversation this connection may use.
    pub fn with_conversation(
        &mut self,
        ctx: &mut Ctx<R>,
        reference: Option<String>,
        id: ConversationId,
        then: impl FnOnce(&mut Self, Option<String>, ConversationRef, &mut Ctx<R>) + 'static,
    ) {
        if let Some(known) = self.role.known_conversation(id) {
            then(self, reference, known, ctx);
            return;
        }
        let Some((workspace, _)) = self.role.speaker() else {
            return;
        };
        let chat = self.state.chat.clone();
        let work = async move {
            match chat.conversation(workspace, id).await {
                Ok(found) => Ok(Some(found)),
                Err(ChatError::NotFound) => Ok(None),
                Err(other) => Err(other),
            }
        };
        self.request(
            ctx,
            reference,
            work,
            move |session, reference, found, ctx| match found {
                Some(conversation) if session.role.admit(&conversation) => {
                    then(session, reference, (&conversation).into(), ctx)
                }
                _ => session.refuse(reference.as_deref(), &ChatError::NotFound),
            },
        );
    }

    /// Answers `sync` (the messages after a seq, a page at a time) or `history` (the newest
    /// before a seq), with what this role may see.
    fn answer_page(
        &mut self,
        ctx: &mut Ctx<R>,
        reference: Option<String>,
        conversation: ConversationRef,
        page: Page,
    ) {
        let chat = self.state.chat.clone();
        let (workspace, id) = (conversation.workspace_id, conversation.id);
        // A quarter of what the connection may have queued: a reader that keeps up is never
        // closed for the size of an answer it asked for.
        let max_bytes = match self.state.settings.limits.conn_queue_bytes {
            0 => usize::MAX,
            queue => queue / 4,
        };
        let work = async move {
            let found = match page {
                Page::After(after) => {
                    chat.messages_after(workspace, id, after, SYNC_PAGE, R::AUDIENCE, max_bytes)
                        .await
                }
                Page::Before(before, limit) => {
                    chat.messages_before(workspace, id, before, limit, R::AUDIENCE, max_bytes)
                        .await
                }
            }?;
            // Every conversation starts with a message both sides see: nothing from the start
            // means it is gone (erased, or past retention) since this connection learnt of it.
            let from_start = matches!(page, Page::After(0) | Page::Before(None, _));
            if from_start && found.messages.is_empty() {
                chat.conversation(workspace, id).await?;
            }
            Ok(found)
        };
        self.request(ctx, reference, work, move |session, reference, found, _| {
            let (reference, messages, more) = (reference.as_deref(), &found.messages, found.more);
            let frame = match page {
                Page::After(_) => ServerFrame::Synced {
                    reference,
                    messages,
                    more,
                },
                Page::Before(..) => ServerFrame::History {
                    reference,
                    messages,
                    more,
                },
            };
            session.conn.push(frame.encode());
        });
    }

    /// `typing`: to the other side, never stored.
    fn typing(&mut self, typing: Typing, ctx: &mut Ctx<R>) {
        if !self.conn.allow_typing() {
            return self.conn.error(
                typing.reference.as_deref(),
                ErrorCode::RateLimited,
                "typing too often",
            );
        }
        let preview = self.role.typing_preview(&typing);
        let state = typing.state;
        self.with_conversation(
            ctx,
            typing.reference,
            typing.conversation_id,
            move |session, reference, conversation, _| {
                let Some((_, author)) = session.role.speaker() else {
                    return;
                };
                let from = Some(session.conn.id);
                session
                    .state
                    .chat
                    .typing(conversation, author, state, preview, from);
                session.conn.ok(reference.as_deref());
            },
        );
    }

    /// `read`: the reader's mark rises and the other side hears it (and the reader's other
    /// connections, which clear their unread badges too).
    fn read(&mut self, read: Read, ctx: &mut Ctx<R>) {
        let seq = read.seq;
        self.with_conversation(
            ctx,
            read.reference,
            read.conversation_id,
            move |session, reference, conversation, ctx| {
                let Some((_, reader)) = session.role.speaker() else {
                    return;
                };
                let (chat, from) = (session.state.chat.clone(), Some(session.conn.id));
                let work = async move { chat.mark_read(conversation, reader, seq, from).await };
                session.request(ctx, reference, work, |session, reference, _, _| {
                    session.conn.ok(reference.as_deref())
                });
            },
        );
    }
}
