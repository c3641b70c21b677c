//! Group commit: sends are queued, gathered into batches and written one transaction per
//! batch, while each sender still gets its own reply only after its batch has committed.
//!
//! Sharded by conversation: one conversation's messages always go through the same shard, in
//! the order they were submitted, so per-conversation order holds within and across batches.
//! After a commit the shard delivers replies and broadcasts in `seq` order, before it takes
//! the next batch.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::{mpsc, oneshot};

use super::announce;
use super::error::ChatError;
use crate::cluster::Bus;
use crate::domain::{ConversationId, Event, NewMessage, Origin, WorkspaceId};
use crate::store::{AppendError, AppendOutcome, Appended, DynStore, StoreError};

/// A batch commit that takes longer than this is reported as `unavailable`; the client's
/// retry with the same `client_msg_id` is then answered from what was stored.
const COMMIT_TIMEOUT: Duration = Duration::from_secs(5);

#[derive(Clone, Debug)]
pub struct WriterConfig {
    /// Parallel writers; 1 for SQLite, which has a single writer anyway.
    pub shards: usize,
    /// Most messages in one transaction.
    pub max_batch: usize,
    /// How long a writer waits for more sends before committing a small batch.
    pub max_delay: Duration,
    /// Sends queued per shard before new ones are refused as `unavailable`.
    pub queue_capacity: usize,
}

/// Where the outcome of a send goes.
pub enum Reply {
    /// A connection: its `sent` travels with the message's broadcast, in `seq` order; a replay
    /// or a refusal is answered at once.
    Connection(Origin),
    /// A caller waiting for the result (an HTTP request).
    Caller(oneshot::Sender<Result<Appended, ChatError>>),
}

impl Reply {
    /// Answers at once: the stored message (a replay) or the refusal.
    fn send(self, result: Result<Appended, ChatError>) {
        match self {
            Reply::Connection(origin) => match &result {
                Ok(appended) => origin.reply.stored(&appended.message),
                Err(err) => origin.reply.refused(err.code(), &err.to_string()),
            },
            Reply::Caller(reply) => {
                let _ = reply.send(result);
            }
        }
    }
}

pub struct SendRequest {
    pub message: NewMessage,
    pub reply: Reply,
}

#[derive(Clone)]
pub struct Writer {
    shards: Arc<[mpsc::Sender<SendRequest>]>,
    pending: Arc<AtomicUsize>,
}

impl Writer {
    /// Starts the shard tasks on the current runtime.
    pub fn start(store: DynStore, bus: Arc<Bus>, config: WriterConfig) -> Self {
        let pending = Arc::new(AtomicUsize::new(0));
        let shards: Vec<_> = (0..config.shards.max(1))
            .map(|_| {
                let (tx, rx) = mpsc::channel(config.queue_capacity.max(1));
                let shard = Shard {
                    store: store.clone(),
                    bus: bus.clone(),
                    config: config.clone(),
                    pending: pending.clone(),
                };
                actix_web::rt::spawn(shard.run(rx));
                tx
            })
            .collect();
        Self {
            shards: shards.into(),
            pending,
        }
    }

    fn shard_for(&self, conversation: ConversationId) -> &mpsc::Sender<SendRequest> {
        // UUIDv7's low bits are random: a fair spread.
        &self.shards[(conversation.0.as_u128() % self.shards.len() as u128) as usize]
    }

    /// Queues a send without waiting. When the queue is full or the writer has stopped, the
    /// sender is answered `unavailable` at once (and retries with the same `client_msg_id`).
    pub fn submit(&self, request: SendRequest) {
        self.pending.fetch_add(1, Ordering::AcqRel);
        let shard = self.shard_for(request.message.conversation_id);
        if let Err(err) = shard.try_send(request) {
            self.pending.fetch_sub(1, Ordering::AcqRel);
            err.into_inner().reply.send(Err(ChatError::Unavailable));
        }
    }

    /// Sends submitted and not yet answered.
    pub fn pending(&self) -> usize {
        self.pending.load(Ordering::Acquire)
    }

    /// Waits until every submitted send has been answered, at most `limit`.
    pub async fn drain(&self, limit: Duration) {
        let deadline = Instant::now() + limit;
        while self.pending() > 0 && Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }
}

struct Shard {
    store: DynStore,
    bus: Arc<Bus>,
    config: WriterConfig,
    pending: Arc<AtomicUsize>,
}

impl Shard {
    async fn run(self, mut rx: mpsc::Receiver<SendRequest>) {
        let mut batch = Vec::with_capacity(self.config.max_batch);
        while let Some(first) = rx.recv().await {
            batch.push(first);
            self.gather(&mut rx, &mut batch).await;
            self.commit(std::mem::take(&mut batch)).await;
        }
    }

    /// Takes what is queued already, then waits up to `max_delay` for more, up to a full batch.
    async fn gather(&self, rx: &mut mpsc::Receiver<SendRequest>, batch: &mut Vec<SendRequest>) {
        let deadline = tokio::time::Instant::now() + self.config.max_delay;
        while batch.len() < self.config.max_batch {
            match rx.try_recv() {
                Ok(request) => batch.push(request),
                Err(_) if self.config.max_delay.is_zero() => break,
                Err(_) => match tokio::time::timeout_at(deadline, rx.recv()).await {
                    Ok(Some(request)) => batch.push(request),
                    _ => break,
                },
            }
        }
    }

    async fn commit(&self, batch: Vec<SendRequest>) {
        let messages: Vec<NewMessage> = batch.iter().map(|r| r.message.clone()).collect();
        let started = Instant::now();
        let outcome = append(&self.store, &messages).await;
        metrics::histogram!("parley_write_batch_size").record(batch.len() as f64);
        metrics::histogram!("parley_write_commit_seconds").record(started.elapsed().as_secs_f64());
        match outcome {
            Ok(results) => {
                for (request, result) in batch.into_iter().zip(results) {
                    self.answer(request, result.map_err(ChatError::from)).await;
                }
            }
            // A transient failure fails the whole batch: every sender retries with its key.
            Err(StoreError::Unavailable(reason)) => {
                tracing::warn!(%reason, batch = messages.len(), "message batch not stored");
                for request in batch {
                    self.answer(request, Err(ChatError::Unavailable)).await;
                }
            }
            // Anything else may be one bad message: store the others one by one.
            Err(err) if batch.len() > 1 => {
                tracing::warn!(error = %err, "batch refused; retrying its messages one by one");
                for request in batch {
                    let result = match append(&self.store, std::slice::from_ref(&request.message))
                        .await
                    {
                        Ok(mut results) => results
                            .pop()
                            .map_or(Err(ChatError::Unavailable), |r| r.map_err(ChatError::from)),
                        Err(err) => Err(classify(err)),
                    };
                    self.answer(request, result).await;
                }
            }
            Err(err) => {
                for request in batch {
                    self.answer(request, Err(classify(err.clone()))).await;
                }
            }
        }
    }

    /// Replies to the sender and tells everyone else who may see the message. A new message's
    /// `sent` travels with its broadcast, so that the sender too sees the conversation in
    /// `seq` order; replays and errors are answered at once.
    async fn answer(&self, request: SendRequest, result: Result<Appended, ChatError>) {
        match result {
            Ok(appended) if !appended.replayed() => {
                let origin = match request.reply {
                    Reply::Connection(origin) => Some(origin),
                    Reply::Caller(reply) => {
                        let _ = reply.send(Ok(appended.clone()));
                        None
                    }
                };
                self.stored(request.message.workspace_id, appended, origin)
                    .await;
            }
            other => request.reply.send(other),
        }
        self.pending.fetch_sub(1, Ordering::AcqRel);
    }

    /// A committed message: a reopened conversation is announced first, then the message.
    async fn stored(&self, workspace: WorkspaceId, appended: Appended, origin: Option<Origin>) {
        let AppendOutcome::Stored {
            visitor_id,
            reopened,
        } = appended.outcome
        else {
            return;
        };
        metrics::counter!("parley_messages_stored_total").increment(1);
        if reopened {
            announce::conversation_changed_by_id(
                &self.store,
                &self.bus,
                workspace,
                appended.message.conversation_id,
            )
            .await;
        }
        self.bus.publish(Event::MessageStored {
            workspace,
            visitor: visitor_id,
            message: Arc::new(appended.message),
            origin,
        });
    }
}

async fn append(
    store: &DynStore,
    messages: &[NewMessage],
) -> Result<Vec<Result<Appended, AppendError>>, StoreError> {
    match tokio::time::timeout(COMMIT_TIMEOUT, store.append_messages(messages)).await {
        Ok(result) => result,
        Err(_) => Err(StoreError::Unavailable("commit timed out".into())),
    }
}

/// A message the store refused on its own: a bad value is the sender's to fix; anything else
/// is retried by the sender with the same key.
fn classify(err: StoreError) -> ChatError {
    match err {
        StoreError::Invalid(reason) => {
            tracing::info!(%reason, "message refused by the database");
            ChatError::BadRequest("the message was refused".into())
        }
        StoreError::Conflict(_) | StoreError::Unavailable(_) => ChatError::Unavailable,
        StoreError::Internal(detail) => {
            tracing::error!(%detail, "message not stored");
            ChatError::Unavailable
        }
    }
}
