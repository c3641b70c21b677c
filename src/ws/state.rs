//! What the WebSocket transport needs, and nothing of the HTTP API's.

use std::sync::Arc;

use super::hub::Hub;
use std::net::IpAddr;

use crate::access::concurrency::PerKey;
use crate::access::rate_limit::IpLimiter;
use crate::auth::tokens::TokenKeys;
use crate::chat::Chat;
use crate::cluster::counters::Counters;
use crate::config::Settings;

#[derive(Clone)]
pub struct WsState {
    pub chat: Chat,
    pub hub: Arc<Hub>,
    pub tokens: TokenKeys,
    pub settings: Arc<Settings>,
    /// The origin this server is reached at: its own pages' sockets are always allowed.
    pub public_url: Arc<str>,
    /// New connections per IP on this node (the fallback when the cluster cannot count).
    pub connect_limit: Arc<IpLimiter>,
    /// New connections per IP over the cluster.
    pub counters: Counters,
    /// Connections each IP holds open on this node.
    pub open_per_ip: Arc<PerKey<IpAddr>>,
    /// Batches of the HTTP transport each IP has this node relay to the others (for streams
    /// it does not hold): a made-up token costs every node a look-up, so a stranger's rate of
    /// them is bounded.
    pub relay_limit: Arc<IpLimiter>,
}
