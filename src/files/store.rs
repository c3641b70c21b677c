//! Where files' bytes are: the database (the default: every node of a cluster reads them with
//! nothing else to run), a local directory, or S3-compatible object storage (both through the
//! `object_store` crate). What is known of each file is always in the database (`uploads`).

use std::sync::Arc;

use object_store::path::Path;
use object_store::{ObjectStore, ObjectStoreExt, PutPayload};

use crate::config::FileBackend;
use crate::store::DynStore;

#[derive(Clone)]
pub enum FileStore {
    Database(DynStore),
    Objects(Arc<dyn ObjectStore>),
}

/// A file store that failed; the message is for the log, never for a client.
#[derive(Debug, thiserror::Error)]
#[error("file store: {0}")]
pub struct FileStoreError(String);

impl FileStore {
    pub fn open(backend: &FileBackend, store: DynStore) -> Result<Self, String> {
        Ok(match backend {
            FileBackend::Database => Self::Database(store),
            FileBackend::Local(dir) => {
                std::fs::create_dir_all(dir)
                    .map_err(|e| format!("PARLEY_FILE_DIR {}: {e}", dir.display()))?;
                Self::Objects(Arc::new(
                    object_store::local::LocalFileSystem::new_with_prefix(dir)
                        .map_err(|e| format!("PARLEY_FILE_DIR {}: {e}", dir.display()))?,
                ))
            }
            FileBackend::S3(s3) => {
                let mut builder = object_store::aws::AmazonS3Builder::from_env()
                    .with_bucket_name(&s3.bucket)
                    .with_region(&s3.region);
                if let Some(endpoint) = &s3.endpoint {
                    builder = builder
                        .with_endpoint(endpoint)
                        .with_allow_http(endpoint.starts_with("http://"))
                        .with_virtual_hosted_style_request(false);
                }
                if let Some(id) = &s3.access_key_id {
                    builder = builder.with_access_key_id(id);
                }
                if let Some(secret) = &s3.secret_access_key {
                    builder = builder.with_secret_access_key(secret.expose());
                }
                Self::Objects(Arc::new(
                    builder.build().map_err(|e| format!("PARLEY_S3_*: {e}"))?,
                ))
            }
        })
    }

    pub async fn put(&self, key: &str, bytes: Vec<u8>) -> Result<(), FileStoreError> {
        match self {
            Self::Database(store) => store
                .put_blob(key, &bytes)
                .await
                .map_err(|e| FileStoreError(e.to_string())),
            Self::Objects(objects) => objects
                .put(&Path::from(key), PutPayload::from(bytes))
                .await
                .map(|_| ())
                .map_err(|e| FileStoreError(e.to_string())),
        }
    }

    /// The file's bytes; `None` when there is no such file.
    pub async fn get(&self, key: &str) -> Result<Option<Vec<u8>>, FileStoreError> {
        match self {
            Self::Database(store) => store
                .blob(key)
                .await
                .map_err(|e| FileStoreError(e.to_string())),
            Self::Objects(objects) => match objects.get(&Path::from(key)).await {
                Ok(found) => found
                    .bytes()
                    .await
                    .map(|b| Some(b.to_vec()))
                    .map_err(|e| FileStoreError(e.to_string())),
                Err(object_store::Error::NotFound { .. }) => Ok(None),
                Err(e) => Err(FileStoreError(e.to_string())),
            },
        }
    }

    /// Deletes the file; a file already gone is fine.
    pub async fn delete(&self, key: &str) -> Result<(), FileStoreError> {
        match self {
            Self::Database(store) => store
                .delete_blob(key)
                .await
                .map_err(|e| FileStoreError(e.to_string())),
            Self::Objects(objects) => match objects.delete(&Path::from(key)).await {
                Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
                Err(e) => Err(FileStoreError(e.to_string())),
            },
        }
    }
}
