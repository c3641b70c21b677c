//! The HTTP transport: the REST API (one module per resource), operations endpoints, and the
//! widget's and dashboard's files. It translates requests into the core's use cases and store
//! reads; it imports nothing of the WebSocket transport.

pub mod api;
pub mod assets;
pub mod audit;
pub mod email_links;
pub mod extract;
pub mod files;
pub mod ops;
pub mod request_span;

use std::sync::Arc;

use actix_web::web;
use metrics_exporter_prometheus::PrometheusHandle;

use crate::access::rate_limit::LoginGuard;
use crate::auth::tokens::TokenKeys;
use crate::chat::Chat;
use crate::cluster::counters::Counters;
use crate::config::Settings;
use crate::shutdown::Shutdown;
use crate::store::DynStore;

/// What the HTTP handlers need, and nothing of the WebSocket transport's. Cheap to clone.
#[derive(Clone)]
pub struct HttpState {
    pub settings: Arc<Settings>,
    /// The origin this server is reached at (`PARLEY_PUBLIC_URL`, or the bound address).
    pub public_url: Arc<str>,
    pub store: DynStore,
    pub chat: Chat,
    pub tokens: TokenKeys,
    pub metrics: PrometheusHandle,
    pub shutdown: Shutdown,
    pub login_guard: Arc<LoginGuard>,
    /// Failed logins per IP over the cluster.
    pub counters: Counters,
    /// A valid password hash that matches nothing: checked when an email is unknown, so that
    /// a failed login takes as long whether or not the account exists.
    pub dummy_hash: Arc<str>,
    /// The OpenAPI document, serialised once.
    pub openapi: Arc<str>,
    /// Woken when an event is queued by hand (a test, a redelivery).
    pub webhooks: crate::webhooks::Deliverer,
    /// Makes and checks the signed reply addresses of emails.
    pub reply_addresses: crate::email::ReplyAddresses,
    /// Emails posted to the inbound endpoint, per IP.
    pub inbound_limit: Arc<crate::access::rate_limit::IpLimiter>,
    /// Password reset requests and uses, per IP.
    pub reset_limit: Arc<crate::access::rate_limit::IpLimiter>,
    /// Where attachments' bytes are kept.
    pub files: crate::files::FileStore,
    /// Makes and checks the signed links to files.
    pub file_links: crate::files::FileLinks,
    /// Uploads' rates and how many are checked at once.
    pub uploads: Arc<api::uploads::UploadGate>,
}

/// Mounts the routes of this transport that are not under `/api/v1`.
pub fn configure(cfg: &mut web::ServiceConfig) {
    ops::configure(cfg);
    assets::configure(cfg);
    email_links::configure(cfg);
    files::configure(cfg);
}
