//! New visitors and their first conversations, written in batches when many arrive at once
//! (a campaign sends thousands of page loads in the same second) and one at a time when
//! they come alone. A batch the database refuses because of one row is retried row by row,
//! so that row fails alone; a database that is down fails the whole batch at once.

use super::batcher::Batcher;
use crate::domain::{Conversation, Visitor};
use crate::store::{DynStore, StoreError, StoreResult};

/// Most rows in one statement: well inside both backends' limits on bound parameters.
const MAX_BATCH: usize = 256;

#[derive(Clone)]
pub struct Creations {
    visitors: Batcher<Visitor, StoreResult<()>>,
    conversations: Batcher<Conversation, StoreResult<(Conversation, bool)>>,
}

impl Creations {
    /// `parallel`: batches of each kind in flight at once.
    pub fn start(store: DynStore, parallel: usize) -> Self {
        let for_visitors = store.clone();
        let visitors = Batcher::start(MAX_BATCH, parallel, move |batch: Vec<Visitor>| {
            let store = for_visitors.clone();
            async move {
                let all = store
                    .insert_visitors(&batch)
                    .await
                    .map(|()| vec![(); batch.len()]);
                if let Some(results) = settle(all, batch.len()) {
                    return results;
                }
                let mut results = Vec::with_capacity(batch.len());
                for visitor in &batch {
                    results.push(store.insert_visitor(visitor).await);
                }
                results
            }
        });
        let conversations = Batcher::start(MAX_BATCH, parallel, move |batch: Vec<Conversation>| {
            let store = store.clone();
            async move {
                let all = store.open_or_create_conversations(&batch).await;
                if let Some(results) = settle(all, batch.len()) {
                    return results;
                }
                let mut results = Vec::with_capacity(batch.len());
                for draft in &batch {
                    results.push(store.open_or_create_conversation(draft).await);
                }
                results
            }
        });
        Self {
            visitors,
            conversations,
        }
    }

    /// Stores a new visitor.
    pub async fn insert_visitor(&self, visitor: &Visitor) -> StoreResult<()> {
        self.visitors
            .submit(visitor.clone())
            .await
            .unwrap_or_else(|| Err(stopped()))
    }

    /// Opens a conversation for `draft`'s visitor, or returns the one already open; the bool
    /// says whether it was created.
    pub async fn open_or_create_conversation(
        &self,
        draft: &Conversation,
    ) -> StoreResult<(Conversation, bool)> {
        self.conversations
            .submit(draft.clone())
            .await
            .unwrap_or_else(|| Err(stopped()))
    }
}

fn stopped() -> StoreError {
    StoreError::Unavailable("the server is stopping".into())
}

/// Each row's result from the batch's: `None` when one row was refused and the batch must
/// be retried row by row.
fn settle<R>(all: StoreResult<Vec<R>>, rows: usize) -> Option<Vec<StoreResult<R>>> {
    match all {
        Ok(results) => Some(results.into_iter().map(Ok).collect()),
        Err(err) if err.is_unavailable() || rows == 1 => {
            Some((0..rows).map(|_| Err(err.clone())).collect())
        }
        Err(_) => None,
    }
}
