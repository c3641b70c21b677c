//! The messaging core shared by WebSocket sessions and the HTTP API: the group-commit writer
//! and the events that follow a change (who is told what).

pub mod events;
pub mod writer;
