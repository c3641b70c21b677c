//! The messaging core shared by WebSocket sessions and the HTTP API: the group-commit writer,
//! batched creation of visitors and conversations, and the events that follow a change (who
//! is told what).

pub mod batcher;
pub mod creations;
pub mod events;
pub mod writer;
