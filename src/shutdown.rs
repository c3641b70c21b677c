//! Graceful shutdown, announced by broadcast: every part that must act on it (readiness,
//! WebSocket sessions, the message writer) watches one `Shutdown`.

use tokio::sync::watch;

#[derive(Clone)]
pub struct Shutdown {
    sender: watch::Sender<bool>,
}

impl Default for Shutdown {
    fn default() -> Self {
        Self::new()
    }
}

impl Shutdown {
    pub fn new() -> Self {
        Self {
            sender: watch::Sender::new(false),
        }
    }

    /// Starts the shutdown; idempotent.
    pub fn trigger(&self) {
        self.sender.send_replace(true);
    }

    pub fn is_triggered(&self) -> bool {
        *self.sender.borrow()
    }

    /// Resolves once the shutdown has started.
    pub async fn wait(&self) {
        let mut receiver = self.sender.subscribe();
        // Err only if the sender is gone, which we hold ourselves.
        let _ = receiver.wait_for(|started| *started).await;
    }
}

/// SIGTERM and SIGINT, listened to from the moment this is made: make it before telling anyone
/// the server runs, so that a signal sent right after the banner is not missed.
pub struct TerminationSignals {
    terminate: Option<tokio::signal::unix::Signal>,
    interrupt: Option<tokio::signal::unix::Signal>,
}

impl TerminationSignals {
    pub fn listen() -> Self {
        use tokio::signal::unix::{signal, SignalKind};
        Self {
            terminate: signal(SignalKind::terminate()).ok(),
            interrupt: signal(SignalKind::interrupt()).ok(),
        }
    }

    /// Resolves on the first SIGTERM or SIGINT.
    pub async fn received(mut self) {
        async fn next(signal: &mut Option<tokio::signal::unix::Signal>) {
            match signal {
                Some(signal) => {
                    signal.recv().await;
                }
                None => std::future::pending::<()>().await,
            }
        }
        tokio::select! {
            _ = next(&mut self.interrupt) => tracing::info!("SIGINT received, shutting down"),
            _ = next(&mut self.terminate) => tracing::info!("SIGTERM received, shutting down"),
        }
    }
}
