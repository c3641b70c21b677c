//! Deletes what is no longer wanted: uploads no message carries once they are older than the
//! upload TTL, and the bytes of every upload gone (the trash a database trigger fills, also
//! when a conversation, a visitor or a workspace is deleted). Any node may run it: deleting
//! twice is harmless.

use std::time::Duration;

use super::FileStore;
use crate::domain::Timestamp;
use crate::shutdown::Shutdown;
use crate::store::DynStore;

/// Rows handled per step.
const BATCH: i64 = 200;

/// Starts the janitor: a pass every `ttl / 2`, between a second and a minute.
pub fn start(store: DynStore, files: FileStore, ttl: Duration, shutdown: Shutdown) {
    let every = (ttl / 2).clamp(Duration::from_secs(1), Duration::from_secs(60));
    tokio::spawn(async move {
        while !shutdown.is_triggered() {
            if let Err(err) = pass(&store, &files, ttl).await {
                tracing::warn!(error = %err, "file janitor pass failed; tried again later");
            }
            tokio::select! {
                () = tokio::time::sleep(every) => {}
                () = shutdown.wait() => {}
            }
        }
    });
}

/// One pass: orphans deleted, then the trash emptied.
pub async fn pass(store: &DynStore, files: &FileStore, ttl: Duration) -> Result<(), String> {
    let before = Timestamp::now().minus(ttl);
    while store
        .delete_orphan_uploads(before, BATCH)
        .await
        .map_err(|e| e.to_string())?
        == BATCH as u64
    {}
    loop {
        let keys = store.trash(BATCH).await.map_err(|e| e.to_string())?;
        for key in &keys {
            files.delete(key).await.map_err(|e| e.to_string())?;
            store.emptied(key).await.map_err(|e| e.to_string())?;
        }
        if keys.len() < BATCH as usize {
            return Ok(());
        }
    }
}
