//! Keeping a file someone sent (an upload, an email's attachment): its type from its bytes,
//! checked against what the caller accepts, its location metadata removed, a preview for an
//! image, the bytes in the file store and what is known of it in the database.

use crate::domain::attachments::Category;
use crate::domain::{Timestamp, UploadId, WorkspaceId};
use crate::store::uploads::{Upload, Uploader};
use crate::store::{DynStore, StoreError};

use super::{detect, metadata, thumbnail, FileStore};

/// Files checked (and images decoded) at once on this node.
pub(crate) static DECODING: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(2);

#[derive(Debug, thiserror::Error)]
pub enum KeepError {
    /// A kind of file the caller does not take.
    #[error("files of type {0} are not accepted here")]
    NotAccepted(String),
    /// Not a well-formed file of the type its bytes claim.
    #[error("this file is not a valid {0}")]
    Broken(String),
    #[error("the file could not be stored")]
    Unavailable,
    #[error(transparent)]
    Store(#[from] StoreError),
}

pub async fn keep(
    files: &FileStore,
    store: &DynStore,
    workspace: WorkspaceId,
    uploader: Uploader,
    name: String,
    bytes: Vec<u8>,
    accepts: Option<&(dyn Fn(Category) -> bool + Sync)>,
) -> Result<Upload, KeepError> {
    let detected = detect::detect(&bytes);
    if accepts.is_some_and(|accepts| !accepts(detected.category)) {
        return Err(KeepError::NotAccepted(detected.content_type));
    }
    let content_type = detected.content_type.clone();
    let image = detected.category == Category::Image;
    // Decoding an image is work for a blocking thread, not for the server's; two at a time,
    // so that crafted images cannot take all memory and cores at once.
    let _decoding = DECODING
        .acquire()
        .await
        .map_err(|_| KeepError::Unavailable)?;
    let (bytes, preview) = tokio::task::spawn_blocking(move || {
        let clean = metadata::strip(&content_type, &bytes);
        let preview = match (&clean, image) {
            (Some(clean), true) => thumbnail::make(clean),
            _ => None,
        };
        (clean, preview)
    })
    .await
    .map_err(|_| KeepError::Unavailable)?;
    let Some(bytes) = bytes else {
        return Err(KeepError::Broken(detected.content_type));
    };
    let id = UploadId::new();
    let storage_key = format!("{workspace}/{id}");
    let thumbnail_key = preview.as_ref().map(|_| format!("{storage_key}.thumb"));
    let size = i64::try_from(bytes.len()).unwrap_or(i64::MAX);
    let unavailable = |e: super::store::FileStoreError| {
        tracing::warn!(error = %e, "a file could not be stored");
        KeepError::Unavailable
    };
    files.put(&storage_key, bytes).await.map_err(unavailable)?;
    if let (Some(key), Some((preview, _))) = (&thumbnail_key, preview) {
        files.put(key, preview).await.map_err(unavailable)?;
    }
    let upload = Upload {
        id,
        workspace_id: workspace,
        visitor_id: uploader.visitor(),
        agent_id: uploader.agent(),
        name,
        size,
        content_type: detected.content_type,
        storage_key,
        thumbnail_key,
        message_id: None,
        canned_id: None,
        created_at: Timestamp::now(),
    };
    store.insert_upload(&upload).await?;
    metrics::counter!("parley_uploads_total").increment(1);
    Ok(upload)
}

/// A copy of a kept file (and its preview) for `uploader`: what a canned response's file
/// becomes when it is sent, so that the message's file lives and dies with the message.
pub async fn copy(
    files: &FileStore,
    store: &DynStore,
    original: &Upload,
    uploader: Uploader,
) -> Result<Upload, KeepError> {
    let unavailable = |e: super::store::FileStoreError| {
        tracing::warn!(error = %e, "a file could not be copied");
        KeepError::Unavailable
    };
    let id = UploadId::new();
    let storage_key = format!("{}/{id}", original.workspace_id);
    let bytes = files
        .get(&original.storage_key)
        .await
        .map_err(unavailable)?
        .ok_or(KeepError::Unavailable)?;
    files.put(&storage_key, bytes).await.map_err(unavailable)?;
    let mut thumbnail_key = None;
    if let Some(key) = &original.thumbnail_key {
        if let Some(preview) = files.get(key).await.map_err(unavailable)? {
            let copy = format!("{storage_key}.thumb");
            files.put(&copy, preview).await.map_err(unavailable)?;
            thumbnail_key = Some(copy);
        }
    }
    let upload = Upload {
        id,
        visitor_id: uploader.visitor(),
        agent_id: uploader.agent(),
        storage_key,
        thumbnail_key,
        message_id: None,
        canned_id: None,
        created_at: Timestamp::now(),
        ..original.clone()
    };
    store.insert_upload(&upload).await?;
    Ok(upload)
}
