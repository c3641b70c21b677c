//! The files a message carries: upload ids checked as the sender's own uploads of its
//! workspace (another's, or another workspace's, is unknown), at most ten, in the given order.
//! A canned response's file may be sent by any agent: the message gets a copy of its own.

use super::{Chat, ChatError, ChatResult};
use crate::domain::attachments::MAX_PER_MESSAGE;
use crate::domain::{AgentId, Attachments, Body, CannedId, UploadId, WorkspaceId};
use crate::files::keep::{copy, KeepError};
use crate::files::FileStore;
use crate::store::uploads::{Upload, Uploader};

impl Chat {
    /// Where attachments' bytes are: set once at start.
    pub fn use_files(&self, files: FileStore) {
        let _ = self.inner.files.set(files);
    }

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
        let mut files = Vec::with_capacity(unique.len());
        for id in &unique {
            let upload = found
                .iter()
                .find(|u| u.id == *id)
                .ok_or(ChatError::UploadNotFound)?;
            let file = match (upload.canned_id, uploader) {
                // A canned response's file goes out as a copy, whoever sends it.
                (Some(_), Uploader::Agent(_)) => self.copy_for(upload, uploader).await?,
                _ if upload.uploaded_by(uploader) => upload.attachment(),
                _ => return Err(ChatError::UploadNotFound),
            };
            files.push(file);
        }
        Ok(Attachments(files))
    }

    async fn copy_for(
        &self,
        upload: &Upload,
        uploader: Uploader,
    ) -> ChatResult<crate::domain::Attachment> {
        let files = self.inner.files.get().ok_or(ChatError::Unavailable)?;
        match copy(files, &self.inner.store, upload, uploader).await {
            Ok(copied) => Ok(copied.attachment()),
            Err(KeepError::Store(e)) => Err(e.into()),
            Err(_) => Err(ChatError::Unavailable),
        }
    }

    /// The files an admin puts on a canned response: its own uploads not sent yet, or files
    /// the response (`canned`, when it exists) already carries.
    pub async fn canned_files(
        &self,
        workspace: WorkspaceId,
        admin: AgentId,
        canned: Option<CannedId>,
        ids: &[UploadId],
    ) -> ChatResult<Attachments> {
        if ids.len() > MAX_PER_MESSAGE {
            return Err(ChatError::BadRequest(format!(
                "attachments: at most {MAX_PER_MESSAGE}"
            )));
        }
        let found = self.inner.store.uploads(workspace, ids).await?;
        let mut files: Vec<crate::domain::Attachment> = Vec::with_capacity(ids.len());
        for id in ids {
            let upload = found
                .iter()
                .find(|u| u.id == *id)
                .ok_or(ChatError::UploadNotFound)?;
            let held = canned.is_some() && upload.canned_id == canned;
            let free = upload.uploaded_by(Uploader::Agent(admin))
                && upload.message_id.is_none()
                && upload.canned_id.is_none();
            if !(held || free) {
                return Err(ChatError::UploadNotFound);
            }
            if !files.iter().any(|f| f.id == upload.id) {
                files.push(upload.attachment());
            }
        }
        Ok(Attachments(files))
    }

    /// A message's text: it may be blank when the message carries files.
    pub fn message_body(&self, text: String, with_files: bool) -> ChatResult<Body> {
        if with_files && !crate::domain::input::has_visible(&text) {
            return Ok(Body::empty());
        }
        self.body(text)
    }
}
