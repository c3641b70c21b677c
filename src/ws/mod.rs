//! Real-time sessions over WebSocket, a transport of the core: the wire protocol, one actor
//! per connection (visitor or agent), the hub that routes the core's events to this node's
//! connections, and the bounded outgoing queues. It translates frames into the core's use
//! cases and events into frames; it imports neither `http` nor anything of its state.

pub mod agent;
pub mod common;
pub mod connection;
pub mod frame_guard;
pub mod http;
pub mod hub;
pub mod outbound;
pub mod protocol;
pub mod sequencer;
pub mod session;
pub mod state;
pub mod upgrade;
pub mod visitor;

pub use state::WsState;
