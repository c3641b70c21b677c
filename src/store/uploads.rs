//! Uploads: what is known of each file (its bytes are in the file store), the `database` file
//! store's bytes, and the trash of keys whose upload is gone (filled by a trigger, so that a
//! conversation, visitor or workspace deleted by cascade leaves no file behind).

use async_trait::async_trait;

use super::StoreResult;
use crate::domain::{AgentId, Timestamp, UploadId, VisitorId, WorkspaceId};

/// Who uploaded a file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Uploader {
    Visitor(VisitorId),
    /// An agent, or an API key acting as one.
    Agent(AgentId),
}

impl Uploader {
    pub fn visitor(self) -> Option<VisitorId> {
        match self {
            Uploader::Visitor(v) => Some(v),
            Uploader::Agent(_) => None,
        }
    }

    pub fn agent(self) -> Option<AgentId> {
        match self {
            Uploader::Agent(a) => Some(a),
            Uploader::Visitor(_) => None,
        }
    }
}

/// An uploaded file.
#[derive(Clone, Debug, PartialEq, sqlx::FromRow)]
pub struct Upload {
    pub id: UploadId,
    pub workspace_id: WorkspaceId,
    pub visitor_id: Option<VisitorId>,
    pub agent_id: Option<AgentId>,
    pub name: String,
    pub size: i64,
    pub content_type: String,
    pub storage_key: String,
    pub thumbnail_key: Option<String>,
    /// The message that carries it, once sent.
    pub message_id: Option<crate::domain::MessageId>,
    /// The canned response that carries it (a use sends a copy).
    pub canned_id: Option<crate::domain::CannedId>,
    pub created_at: Timestamp,
}

impl Upload {
    pub fn uploaded_by(&self, uploader: Uploader) -> bool {
        match uploader {
            Uploader::Visitor(id) => self.visitor_id == Some(id),
            Uploader::Agent(id) => self.agent_id == Some(id),
        }
    }

    pub fn attachment(&self) -> crate::domain::Attachment {
        crate::domain::Attachment {
            id: self.id,
            name: self.name.clone(),
            size: self.size,
            content_type: self.content_type.clone(),
            thumbnail: self.thumbnail_key.is_some(),
        }
    }
}

#[async_trait]
pub trait Uploads {
    async fn insert_upload(&self, upload: &Upload) -> StoreResult<()>;

    /// An upload of the workspace.
    async fn upload(&self, workspace: WorkspaceId, id: UploadId) -> StoreResult<Option<Upload>>;

    /// An upload by id alone: for a download whose signed link stands for the scope.
    async fn upload_by_link(&self, id: UploadId) -> StoreResult<Option<Upload>>;

    /// The workspace's uploads among `ids` (others are simply absent).
    async fn uploads(&self, workspace: WorkspaceId, ids: &[UploadId]) -> StoreResult<Vec<Upload>>;

    /// How many files the visitor uploaded and has not sent.
    async fn unsent_uploads(&self, visitor: VisitorId) -> StoreResult<i64>;

    /// Deletes uploads no message carries, made before `before`; how many.
    async fn delete_orphan_uploads(&self, before: Timestamp, limit: i64) -> StoreResult<u64>;

    /// The `database` file store.
    async fn put_blob(&self, key: &str, bytes: &[u8]) -> StoreResult<()>;
    async fn blob(&self, key: &str) -> StoreResult<Option<Vec<u8>>>;
    async fn delete_blob(&self, key: &str) -> StoreResult<()>;

    /// Keys whose upload is gone, at most `limit`.
    async fn trash(&self, limit: i64) -> StoreResult<Vec<String>>;
    /// The key's bytes are deleted: it leaves the trash.
    async fn emptied(&self, key: &str) -> StoreResult<()>;
}

/// Implements `Uploads` for a backend (the same SQL on both).
macro_rules! impl_uploads {
    ($store:ty) => {
        #[async_trait::async_trait]
        impl $crate::store::uploads::Uploads for $store {
            async fn insert_upload(
                &self,
                upload: &$crate::store::uploads::Upload,
            ) -> $crate::store::StoreResult<()> {
                sqlx::query(
                    "insert into uploads (id, workspace_id, visitor_id, agent_id, name, size, \
                     content_type, storage_key, thumbnail_key, created_at) \
                     values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
                )
                .bind(upload.id)
                .bind(upload.workspace_id)
                .bind(upload.visitor_id)
                .bind(upload.agent_id)
                .bind(&upload.name)
                .bind(upload.size)
                .bind(&upload.content_type)
                .bind(&upload.storage_key)
                .bind(&upload.thumbnail_key)
                .bind(upload.created_at)
                .execute(self.writer())
                .await?;
                Ok(())
            }

            async fn upload(
                &self,
                workspace: $crate::domain::WorkspaceId,
                id: $crate::domain::UploadId,
            ) -> $crate::store::StoreResult<Option<$crate::store::uploads::Upload>> {
                Ok(sqlx::query_as(concat!(
                    "select ",
                    $crate::store::uploads::upload_columns!(),
                    " from uploads where workspace_id = $1 and id = $2"
                ))
                .bind(workspace)
                .bind(id)
                .fetch_optional(self.reader())
                .await?)
            }

            async fn upload_by_link(
                &self,
                id: $crate::domain::UploadId,
            ) -> $crate::store::StoreResult<Option<$crate::store::uploads::Upload>> {
                Ok(sqlx::query_as(concat!(
                    "select ",
                    $crate::store::uploads::upload_columns!(),
                    " from uploads where id = $1"
                ))
                .bind(id)
                .fetch_optional(self.reader())
                .await?)
            }

            async fn uploads(
                &self,
                workspace: $crate::domain::WorkspaceId,
                ids: &[$crate::domain::UploadId],
            ) -> $crate::store::StoreResult<Vec<$crate::store::uploads::Upload>> {
                // At most ten per message: one indexed read each.
                let mut found = Vec::with_capacity(ids.len());
                for id in ids {
                    if let Some(upload) = self.upload(workspace, *id).await? {
                        found.push(upload);
                    }
                }
                Ok(found)
            }

            async fn unsent_uploads(
                &self,
                visitor: $crate::domain::VisitorId,
            ) -> $crate::store::StoreResult<i64> {
                Ok(sqlx::query_scalar(
                    "select count(*) from uploads where visitor_id = $1 and message_id is null",
                )
                .bind(visitor)
                .fetch_one(self.reader())
                .await?)
            }

            async fn delete_orphan_uploads(
                &self,
                before: $crate::domain::Timestamp,
                limit: i64,
            ) -> $crate::store::StoreResult<u64> {
                Ok(sqlx::query(
                    "delete from uploads where id in (select id from uploads \
                     where message_id is null and canned_id is null and created_at < $1 \
                     order by created_at limit $2)",
                )
                .bind(before)
                .bind(limit)
                .execute(self.writer())
                .await?
                .rows_affected())
            }

            async fn put_blob(&self, key: &str, bytes: &[u8]) -> $crate::store::StoreResult<()> {
                sqlx::query("insert into file_blobs (storage_key, bytes) values ($1, $2)")
                    .bind(key)
                    .bind(bytes)
                    .execute(self.writer())
                    .await?;
                Ok(())
            }

            async fn blob(&self, key: &str) -> $crate::store::StoreResult<Option<Vec<u8>>> {
                Ok(
                    sqlx::query_scalar("select bytes from file_blobs where storage_key = $1")
                        .bind(key)
                        .fetch_optional(self.reader())
                        .await?,
                )
            }

            async fn delete_blob(&self, key: &str) -> $crate::store::StoreResult<()> {
                sqlx::query("delete from file_blobs where storage_key = $1")
                    .bind(key)
                    .execute(self.writer())
                    .await?;
                Ok(())
            }

            async fn trash(&self, limit: i64) -> $crate::store::StoreResult<Vec<String>> {
                Ok(
                    sqlx::query_scalar("select storage_key from file_trash limit $1")
                        .bind(limit)
                        .fetch_all(self.reader())
                        .await?,
                )
            }

            async fn emptied(&self, key: &str) -> $crate::store::StoreResult<()> {
                sqlx::query("delete from file_trash where storage_key = $1")
                    .bind(key)
                    .execute(self.writer())
                    .await?;
                Ok(())
            }
        }
    };
}

macro_rules! upload_columns {
    () => {
        "id, workspace_id, visitor_id, agent_id, name, size, content_type, storage_key, \
         thumbnail_key, message_id, canned_id, created_at"
    };
}

pub(crate) use impl_uploads;
pub(crate) use upload_columns;
