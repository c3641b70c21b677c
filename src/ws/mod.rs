//! Real-time sessions over WebSocket: the wire protocol, one actor per connection (visitor or
//! agent), the hub that routes events to local connections, and the bounded outgoing queues.
//!
//! Sessions never touch SQL directly for writes: messages go through the group-commit writer.

pub mod agent;
pub mod connection;
pub mod hub;
pub mod outbound;
pub mod protocol;
pub mod sequencer;
pub mod session;
pub mod site_cache;
pub mod upgrade;
pub mod visitor;
