//! Snoozed conversations coming back: every node looks a few times a minute; the store hands
//! each conversation to one of them, which announces it to every node's agents.

use std::time::Duration;

use super::{announce, Chat};
use crate::domain::Timestamp;
use crate::shutdown::Shutdown;

/// How often a node looks for conversations whose snooze ended.
const EVERY: Duration = Duration::from_secs(5);
/// Most conversations woken in one pass.
const BATCH: i64 = 200;

impl Chat {
    /// Looks every few seconds until the server stops.
    pub fn start_waking_snoozed(&self, shutdown: Shutdown) {
        let chat = self.clone();
        tokio::spawn(async move {
            while !shutdown.is_triggered() {
                chat.wake_snoozed().await;
                tokio::select! {
                    () = tokio::time::sleep(EVERY) => {}
                    () = shutdown.wait() => {}
                }
            }
        });
    }

    /// One pass; returns how many came back.
    pub async fn wake_snoozed(&self) -> usize {
        let woken = match self.inner.store.wake_snoozed(Timestamp::now(), BATCH).await {
            Ok(woken) => woken,
            Err(err) => {
                tracing::warn!(error = %err, "snoozed conversations not woken");
                return 0;
            }
        };
        let count = woken.len();
        for conversation in woken {
            announce::conversation_changed(&self.inner.store, &self.inner.bus, conversation).await;
        }
        count
    }
}
