//! Webhook delivery: every node runs a `Deliverer` that takes due events from the outbox, POSTs
//! them signed to their receivers, and records each attempt. At least once: an event stays
//! pending until a receiver answers 2xx, or its retry window ends.

pub mod backoff;
pub mod guard;
mod queues;
pub mod signature;
mod worker;

pub use worker::Deliverer;
