//! The WebSocket endpoints: checks made before the upgrade (per-IP rate, site, Origin), then
//! a session actor takes the connection.

use actix_web::http::header;
use actix_web::{get, web, HttpRequest, HttpResponse};
use serde::Deserialize;

use super::agent::AgentSide;
use super::session::{Link, Role, Session};
use super::state::WsState;
use super::visitor::VisitorSide;
use crate::access::client_ip::client_ip;
use crate::access::origin::{origin, refused_origin};
use crate::cluster::counters::Counters;
use crate::error::ApiError;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(visitor_socket).service(agent_socket);
}

#[derive(Deserialize)]
pub struct VisitorQuery {
    pub site_key: Option<String>,
}

/// New connections per IP and minute: counted in Redis over the whole cluster when there is
/// one (falling back to this node's own count if Redis cannot answer), else on this node.
async fn check_rate(req: &HttpRequest, state: &WsState) -> Result<(), ApiError> {
    let ip = client_ip(req, &state.settings.trusted_proxies);
    let limit = u64::from(state.settings.limits.ws_connect_per_min);
    if limit > 0 {
        if let Some(count) = state.counters.count(&format!("ws:{ip}"), 60).await {
            return if count > limit {
                Err(ApiError::RateLimited {
                    retry_after_secs: Counters::window_left(60),
                })
            } else {
                Ok(())
            };
        }
    }
    state
        .connect_limit
        .check(&ip)
        .map_err(|retry_after_secs| ApiError::RateLimited { retry_after_secs })
}

/// Held for the connection's life: one IP cannot hold more than its share open.
pub fn open_slot(
    req: &HttpRequest,
    state: &WsState,
) -> Result<crate::access::concurrency::Slot<std::net::IpAddr>, ApiError> {
    let ip = client_ip(req, &state.settings.trusted_proxies);
    state.open_per_ip.take(ip).ok_or(ApiError::RateLimited {
        retry_after_secs: 60,
    })
}

fn upgrade<R: Role>(
    req: &HttpRequest,
    body: web::Payload,
    state: &WsState,
    role: R,
) -> Result<HttpResponse, ApiError> {
    let slot = open_slot(req, state)?;
    let limits = &state.settings.limits;
    // 0 means no limit; the continuation bound also stops endless empty continuations.
    let max = if limits.max_frame_bytes == 0 {
        usize::MAX / 2
    } else {
        limits.max_frame_bytes
    };
    // The client's bytes pass a guard that refuses a frame by its header (see frame_guard).
    let (response, socket, stream) = super::frame_guard::guarded(req, body, max)
        .and_then(|body| actix_ws::handle(req, body))
        .map_err(|_| ApiError::BadRequest("expected a WebSocket upgrade".into()))?;
    let stream = stream
        .max_frame_size(max)
        .aggregate_continuations()
        .max_continuation_size(max);
    Session::start(
        state.clone(),
        role,
        Link::Socket(socket, Some(stream)),
        slot,
    );
    Ok(response)
}

#[get("/ws/visitor")]
async fn visitor_socket(
    req: HttpRequest,
    body: web::Payload,
    query: web::Query<VisitorQuery>,
    state: web::Data<WsState>,
) -> Result<HttpResponse, ApiError> {
    let role = admit_visitor(&req, query.site_key.as_deref(), &state).await?;
    upgrade(&req, body, &state, role)
}

#[get("/ws/agent")]
async fn agent_socket(
    req: HttpRequest,
    body: web::Payload,
    state: web::Data<WsState>,
) -> Result<HttpResponse, ApiError> {
    let role = admit_agent(&req, &state).await?;
    upgrade(&req, body, &state, role)
}

/// A visitor's connection, on either transport: the rate of new connections, the site, and
/// the page's origin (refusals are noted for the site's admin).
pub async fn admit_visitor(
    req: &HttpRequest,
    site_key: Option<&str>,
    state: &WsState,
) -> Result<VisitorSide, ApiError> {
    check_rate(req, state).await?;
    let site = state.chat.site_named(site_key).await?;
    if let Some(origin) = refused_origin(req, &site, &state.public_url)? {
        state.chat.note_refused_origin(site.id, &origin);
        return Err(ApiError::Forbidden(
            "origin not allowed for this site".into(),
        ));
    }
    let user_agent = req
        .headers()
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let ip = client_ip(req, &state.settings.trusted_proxies);
    Ok(VisitorSide::new(site, user_agent, ip))
}

/// An agent's connection, on either transport: the rate of new connections, and a page of
/// this server (or of `PARLEY_AGENT_ORIGINS`).
pub async fn admit_agent(req: &HttpRequest, state: &WsState) -> Result<AgentSide, ApiError> {
    check_rate(req, state).await?;
    if let Some(origin) = origin(req)? {
        let allowed =
            origin.as_str() == &*state.public_url || state.settings.agent_origins.contains(&origin);
        if !allowed {
            return Err(ApiError::Forbidden("origin not allowed".into()));
        }
    }
    Ok(AgentSide::default())
}
