//! A connection's outgoing queue: bounded by bytes, drained by one task into the socket (a
//! WebSocket, or the event stream of the HTTP transport: see `Sink`).
//!
//! Producers (the hub, the writer, the session itself) push without waiting. When a client
//! stops reading, its queue fills up to the byte budget, and the connection is closed with
//! 1013 instead of buffering without bound. A closing connection whose client still does not
//! read is let go after a grace period, so that it stops holding its session and its place in
//! the hub until TCP gives up on it.

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::Duration;

use actix_web::web::Bytes;
use actix_ws::{CloseCode, CloseReason};
use bytestring::ByteString;
use parking_lot::Mutex;
use tokio::sync::Notify;

use super::protocol::Close;

/// Where the pump writes: a WebSocket, or an HTTP event stream. An error means the client is
/// gone: nothing more can be written.
#[allow(async_fn_in_trait)] // used with concrete types only, on the connection's own task
pub trait Sink {
    async fn text(&mut self, text: ByteString) -> Result<(), ()>;
    async fn ping(&mut self) -> Result<(), ()>;
    async fn pong(&mut self, payload: &[u8]) -> Result<(), ()>;
    async fn close(self, reason: Close);
}

impl Sink for actix_ws::Session {
    async fn text(&mut self, text: ByteString) -> Result<(), ()> {
        actix_ws::Session::text(self, text).await.map_err(|_| ())
    }

    async fn ping(&mut self) -> Result<(), ()> {
        actix_ws::Session::ping(self, b"").await.map_err(|_| ())
    }

    async fn pong(&mut self, payload: &[u8]) -> Result<(), ()> {
        actix_ws::Session::pong(self, payload).await.map_err(|_| ())
    }

    async fn close(self, reason: Close) {
        let _ = actix_ws::Session::close(
            self,
            Some(CloseReason {
                code: CloseCode::Other(reason.code()),
                description: Some(reason.reason().into()),
            }),
        )
        .await;
    }
}

/// What the pump writes to the socket.
enum Item {
    Text(ByteString),
    Ping,
    Pong(Bytes),
}

impl Item {
    fn cost(&self) -> usize {
        match self {
            Item::Text(text) => text.len(),
            Item::Ping => 0,
            Item::Pong(payload) => payload.len(),
        }
    }
}

struct State {
    queue: VecDeque<Item>,
    bytes: usize,
    close: Option<Close>,
    /// While held, frames queue up but are not written (see `hold`).
    held: bool,
}

pub struct Outbound {
    state: Mutex<State>,
    ready: Notify,
    /// Woken once, when a close is first asked for.
    closing: Notify,
    budget: usize,
    grace: Duration,
}

impl Outbound {
    /// `budget` is the most bytes queued before the connection counts as a slow consumer
    /// (0: no bound); `grace`, how long a close may wait for the client to take its frames.
    pub fn new(budget: usize, grace: Duration) -> Arc<Self> {
        Arc::new(Self {
            state: Mutex::new(State {
                queue: VecDeque::new(),
                bytes: 0,
                close: None,
                held: false,
            }),
            ready: Notify::new(),
            closing: Notify::new(),
            budget,
            grace,
        })
    }

    /// Queues a text frame. Returns false when the connection is closing (or is now closed
    /// for being too slow).
    pub fn push(&self, frame: ByteString) -> bool {
        self.enqueue(Item::Text(frame))
    }

    pub fn ping(&self) -> bool {
        self.enqueue(Item::Ping)
    }

    pub fn pong(&self, payload: Bytes) -> bool {
        self.enqueue(Item::Pong(payload))
    }

    fn enqueue(&self, item: Item) -> bool {
        let mut state = self.state.lock();
        if state.close.is_some() {
            return false;
        }
        let cost = item.cost();
        if self.budget > 0 && state.bytes + cost > self.budget {
            // Drop what the client will never read: memory stays bounded.
            state.queue.clear();
            state.close = Some(Close::SlowConsumer);
            drop(state);
            metrics::counter!("parley_ws_slow_consumers_total").increment(1);
            self.closing.notify_waiters();
            self.ready.notify_one();
            return false;
        }
        state.bytes += cost;
        state.queue.push_back(item);
        drop(state);
        self.ready.notify_one();
        true
    }

    /// Holds back writing while a handshake is answered: events routed to the connection in
    /// the meantime queue up behind the `welcome` (see `release_after`).
    pub fn hold(&self) {
        self.state.lock().held = true;
    }

    /// Puts `first` ahead of everything queued and resumes writing.
    pub fn release_after(&self, first: ByteString) {
        let mut state = self.state.lock();
        state.bytes += first.len();
        state.queue.push_front(Item::Text(first));
        state.held = false;
        drop(state);
        self.ready.notify_one();
    }

    /// Resumes writing without a first frame.
    pub fn release(&self) {
        self.state.lock().held = false;
        self.ready.notify_one();
    }

    /// Asks the pump to send what is queued, then close with `reason`. The first reason wins.
    pub fn close(&self, reason: Close) {
        let mut state = self.state.lock();
        let first = state.close.is_none();
        if first {
            state.close = Some(reason);
        }
        drop(state);
        if first {
            self.closing.notify_waiters();
        }
        self.ready.notify_one();
    }

    pub fn is_closing(&self) -> bool {
        self.state.lock().close.is_some()
    }

    /// Writes queued frames to the socket until the connection closes, or until the grace
    /// period after a close was asked for runs out. Returns the close reason.
    pub async fn pump(self: Arc<Self>, session: impl Sink) -> Option<Close> {
        tokio::select! {
            biased;
            sent = self.write_until_closed(session) => sent,
            () = self.grace_after_close() => {
                // The client has not taken its frames, nor the close: let it go without them.
                let reason = self.state.lock().close;
                tracing::debug!(?reason, "closing connection dropped after its grace period");
                reason
            }
        }
    }

    /// Completes `grace` after a close was first asked for.
    async fn grace_after_close(&self) {
        loop {
            let closing = self.closing.notified();
            tokio::pin!(closing);
            // Registered before the check, so a close asked for in between is not missed.
            closing.as_mut().enable();
            if self.is_closing() {
                break;
            }
            closing.await;
        }
        tokio::time::sleep(self.grace).await;
    }

    /// Writes queued frames to the socket until the connection closes. Returns the close
    /// reason it sent, if any.
    async fn write_until_closed(&self, mut session: impl Sink) -> Option<Close> {
        loop {
            let (batch, close) = {
                let mut state = self.state.lock();
                if state.held && state.close.is_none() {
                    (VecDeque::new(), None)
                } else {
                    (std::mem::take(&mut state.queue), state.close)
                }
            };
            for item in batch {
                let cost = item.cost();
                let sent = match item {
                    Item::Text(text) => session.text(text).await,
                    Item::Ping => session.ping().await,
                    Item::Pong(payload) => session.pong(&payload).await,
                };
                if sent.is_err() {
                    // The socket is gone; nothing more can be written.
                    self.close(Close::GoingAway);
                    return None;
                }
                // Counted until written, so a stalled socket holds at most the budget.
                let mut state = self.state.lock();
                state.bytes = state.bytes.saturating_sub(cost);
            }
            if let Some(reason) = close {
                session.close(reason).await;
                return Some(reason);
            }
            self.ready.notified().await;
        }
    }
}
