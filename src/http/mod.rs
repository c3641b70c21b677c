//! The HTTP surface: shared application state and the routes of each resource module.

pub mod api;
pub mod client_ip;
pub mod extract;
pub mod ops;
pub mod rate_limit;

use std::sync::Arc;

use actix_web::web;
use metrics_exporter_prometheus::PrometheusHandle;

use crate::auth::tokens::TokenKeys;
use crate::chat::writer::Writer;
use crate::config::Settings;
use crate::shutdown::Shutdown;
use crate::store::DynStore;
use crate::ws::hub::Hub;
use rate_limit::{IpLimiter, LoginGuard};

/// What every handler can reach. Cheap to clone: everything is behind `Arc`s.
#[derive(Clone)]
pub struct AppState {
    pub settings: Arc<Settings>,
    /// The origin this server is reached at (`PARLEY_PUBLIC_URL`, or the bound address).
    pub public_url: Arc<str>,
    pub store: DynStore,
    pub tokens: TokenKeys,
    pub metrics: PrometheusHandle,
    pub shutdown: Shutdown,
    pub hub: Arc<Hub>,
    pub writer: Writer,
    /// New visitors and conversations, batched when they arrive together.
    pub creations: crate::chat::creations::Creations,
    /// Sites by key for new visitor connections.
    pub sites: Arc<crate::ws::site_cache::SiteCache>,
    pub ws_connect_limit: Arc<IpLimiter>,
    pub login_guard: Arc<LoginGuard>,
    /// Set in a cluster: cluster-wide counters and the broker's health.
    pub redis: Option<Arc<crate::cluster::redis::RedisBroker>>,
    /// A valid password hash that matches nothing: checked when an email is unknown, so that
    /// a failed login takes as long whether or not the account exists.
    pub dummy_hash: Arc<str>,
    /// The OpenAPI document, serialised once.
    pub openapi: Arc<str>,
}

/// Mounts every route of the server.
pub fn configure(cfg: &mut web::ServiceConfig) {
    ops::configure(cfg);
    crate::ws::upgrade::configure(cfg);
    crate::assets::configure(cfg);
}
