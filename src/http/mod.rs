//! The HTTP surface: shared application state and the routes of each resource module.

pub mod ops;

use std::sync::Arc;

use actix_web::web;
use metrics_exporter_prometheus::PrometheusHandle;

use crate::auth::tokens::TokenKeys;
use crate::config::Settings;
use crate::shutdown::Shutdown;
use crate::store::DynStore;

/// What every handler can reach. Cheap to clone: everything is behind `Arc`s.
#[derive(Clone)]
pub struct AppState {
    pub settings: Arc<Settings>,
    pub store: DynStore,
    pub tokens: TokenKeys,
    pub metrics: PrometheusHandle,
    pub shutdown: Shutdown,
}

/// Mounts every route of the server.
pub fn configure(cfg: &mut web::ServiceConfig) {
    ops::configure(cfg);
}
