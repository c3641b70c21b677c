//! The files a message carries: upload ids checked as the sender's own uploads of its
//! workspace (another's, or another workspace's, is unknown), at most ten, in the given order.

use super::{Chat, ChatError, ChatResult};
use crate::domain::attachments::MAX_PER_MESSAGE;
use crate::domain::{Attachments, Body, UploadId, WorkspaceId};
use crate::store::uploads::Uploader;

impl Chat {
    pub async fn attachments(
        &self,
        workspace: WorkspaceId,
        uploader: Uploader,
        ids: &[UploadId],
    ) -> ChatResult<Attachments> {
        if ids.is_empty() {
            return Ok(Attachments::default());
        }
        if ids.len() > MAX_PER_MESSAGE {
            return Err(ChatError::BadRequest(format!(
                "attachments: at most {MAX_PER_MESSAGE}"
            )));
        }
        let mut unique: Vec<UploadId> = Vec::with_capacity(ids.len());
        for id in ids {
            if !unique.contains(id) {
                unique.push(*id);
            }
        }
        let found = self.inner.store.uploads(workspace, &unique).await?;
        unique
            .iter()
            .map(|id| {
                found
                    .iter()
                    .find(|u| u.id == *id && u.uploaded_by(uploader))
                    .map(|u| u.attachment())
                    .ok_or(ChatError::UploadNotFound)
            })
            .collect::<ChatResult<Vec<_>>>()
            .map(Attachments)
    }

    /// A message's text: it may be blank when the message carries files.
    pub fn message_body(&self, text: String, with_files: bool) -> ChatResult<Body> {
        if with_files && !crate::domain::input::has_visible(&text) {
            return Ok(Body::empty());
        }
        self.body(text)
    }
}
