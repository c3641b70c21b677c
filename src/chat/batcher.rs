//! Gathers single requests that arrive together into batches handled by one call, each
//! caller still getting its own result. While `parallel` batches are in flight, new requests
//! wait in the queue, so batches grow exactly when the database is the bottleneck and stay
//! single requests when it is not.

use std::future::Future;
use std::sync::Arc;

use tokio::sync::{mpsc, oneshot, Semaphore};

struct Job<T, R> {
    item: T,
    reply: oneshot::Sender<R>,
}

pub struct Batcher<T, R> {
    jobs: mpsc::UnboundedSender<Job<T, R>>,
}

impl<T, R> Clone for Batcher<T, R> {
    fn clone(&self) -> Self {
        Self {
            jobs: self.jobs.clone(),
        }
    }
}

impl<T: Send + 'static, R: Send + 'static> Batcher<T, R> {
    /// Starts the gathering task. `run` gets at most `max_batch` items and must return one
    /// result per item, in order.
    pub fn start<F, Fut>(max_batch: usize, parallel: usize, run: F) -> Self
    where
        F: Fn(Vec<T>) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Vec<R>> + Send + 'static,
    {
        let (jobs, mut queue) = mpsc::unbounded_channel::<Job<T, R>>();
        let run = Arc::new(run);
        let slots = Arc::new(Semaphore::new(parallel.max(1)));
        let max_batch = max_batch.max(1);
        tokio::spawn(async move {
            loop {
                // A free slot first: requests keep queueing (and the next batch grows) while
                // every slot is busy.
                let Ok(slot) = slots.clone().acquire_owned().await else {
                    return;
                };
                let Some(first) = queue.recv().await else {
                    return;
                };
                let mut batch = vec![first];
                while batch.len() < max_batch {
                    match queue.try_recv() {
                        Ok(job) => batch.push(job),
                        Err(_) => break,
                    }
                }
                let run = run.clone();
                tokio::spawn(async move {
                    let (items, replies): (Vec<T>, Vec<_>) =
                        batch.into_iter().map(|job| (job.item, job.reply)).unzip();
                    let results = run(items).await;
                    debug_assert_eq!(results.len(), replies.len());
                    for (reply, result) in replies.into_iter().zip(results) {
                        // The caller may have gone (its connection closed): nothing to tell.
                        let _ = reply.send(result);
                    }
                    drop(slot);
                });
            }
        });
        Self { jobs }
    }

    /// Queues `item` and waits for its result; `None` when the batcher has stopped.
    pub async fn submit(&self, item: T) -> Option<R> {
        let (reply, result) = oneshot::channel();
        self.jobs.send(Job { item, reply }).ok()?;
        result.await.ok()
    }
}
