//! Reading a conversation: catch-up after a seq and history before one, a page at a time,
//! always within the reader's workspace.

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

impl Chat {
    /// The messages after `after_seq` the audience may see, at most `limit`.
    pub async fn messages_after(
        &self,
        workspace: WorkspaceId,
        conversation: ConversationId,
        after_seq: i64,
        limit: i64,
        audience: Audience,
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
        let more = messages.len() as i64 > limit;
        messages.truncate(limit.max(0) as usize);
        Ok(MessagePage { messages, more })
    }

    /// The newest messages before `before_seq` (the newest of all when `None`), at most
    /// `limit`, returned ascending.
    pub async fn messages_before(
        &self,
        workspace: WorkspaceId,
        conversation: ConversationId,
        before_seq: Option<i64>,
        limit: i64,
        audience: Audience,
    ) -> ChatResult<MessagePage> {
        let mut messages = self
            .store()
            .messages_before(workspace, conversation, before_seq, limit + 1, audience)
            .await?;
        let more = messages.len() as i64 > limit;
        if more {
            messages.remove(0);
        }
        Ok(MessagePage { messages, more })
    }
}
