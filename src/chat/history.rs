//! Reading a conversation: catch-up after a seq and history before one, a page at a time,
//! always within the reader's workspace, and bounded in bytes as well as in count, so that a
//! page always fits in what a connection may have queued.

use std::io::Write;

use super::{Chat, ChatResult};
use crate::domain::{ConversationId, Message, WorkspaceId};
use crate::store::Audience;

/// Most messages one catch-up page carries; `more` says whether others follow.
pub const SYNC_PAGE: i64 = 500;
/// Most messages one history page carries, whatever is asked.
pub const HISTORY_MAX: i64 = 100;
/// History page when no limit is given.
pub const HISTORY_DEFAULT: i64 = 50;

/// Messages in ascending `seq`, and whether more lie beyond them.
pub struct MessagePage {
    pub messages: Vec<Message>,
    pub more: bool,
}

/// Counts the bytes a value serialises to, without keeping them.
struct ByteCount(usize);

impl Write for ByteCount {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0 += buf.len();
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// A message's size on the wire (its JSON).
fn wire_size(message: &Message) -> usize {
    let mut count = ByteCount(0);
    // Serialising our own record cannot fail; a failure would only count short.
    let _ = serde_json::to_writer(&mut count, message);
    count.0 + 1
}

/// How many of `messages`, taken in the given order, fit in `max_bytes` (at least one: a single
/// message is bounded by the body limit).
fn fitting<'a>(messages: impl Iterator<Item = &'a Message>, max_bytes: usize) -> usize {
    let mut used = 0;
    let mut count = 0;
    for message in messages {
        used += wire_size(message);
        if count > 0 && used > max_bytes {
            break;
        }
        count += 1;
    }
    count
}

impl Chat {
    /// The messages after `after_seq` the audience may see: at most `limit`, and no more than
    /// fit in `max_bytes`.
    pub async fn messages_after(
        &self,
        workspace: WorkspaceId,
        conversation: ConversationId,
        after_seq: i64,
        limit: i64,
        audience: Audience,
        max_bytes: usize,
    ) -> ChatResult<MessagePage> {
        let mut messages = self
            .store()
            .messages_after(
                workspace,
                conversation,
                after_seq.max(0),
                limit + 1,
                audience,
            )
            .await?;
        let mut more = messages.len() as i64 > limit;
        messages.truncate(limit.max(0) as usize);
        let fit = fitting(messages.iter(), max_bytes);
        if fit < messages.len() {
            messages.truncate(fit);
            more = true;
        }
        Ok(MessagePage { messages, more })
    }

    /// The newest messages before `before_seq` (the newest of all when `None`): at most
    /// `limit` and no more than fit in `max_bytes`, returned ascending.
    pub async fn messages_before(
        &self,
        workspace: WorkspaceId,
        conversation: ConversationId,
        before_seq: Option<i64>,
        limit: i64,
        audience: Audience,
        max_bytes: usize,
    ) -> ChatResult<MessagePage> {
        let mut messages = self
            .store()
            .messages_before(workspace, conversation, before_seq, limit + 1, audience)
            .await?;
        let mut more = messages.len() as i64 > limit;
        if more {
            messages.remove(0);
        }
        // The newest are kept: the page ends where the reader's view starts.
        let fit = fitting(messages.iter().rev(), max_bytes);
        if fit < messages.len() {
            messages.drain(..messages.len() - fit);
            more = true;
        }
        Ok(MessagePage { messages, more })
    }
}
