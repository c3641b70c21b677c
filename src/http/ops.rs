//! Operations endpoints: liveness, readiness and Prometheus metrics.

use std::time::Duration;

use actix_web::{get, web, HttpResponse};
use serde_json::json;

use super::HttpState;

/// A readiness probe that takes longer than this counts as a failure.
const READINESS_TIMEOUT: Duration = Duration::from_secs(2);

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(healthz).service(readyz).service(prometheus);
}

/// The process is up and answering.
#[get("/healthz")]
async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(json!({ "status": "ok" }))
}

/// Ready for traffic: the database answers and no shutdown is under way.
#[get("/readyz")]
async fn readyz(state: web::Data<HttpState>) -> HttpResponse {
    if state.shutdown.is_triggered() {
        return HttpResponse::ServiceUnavailable().json(json!({ "status": "shutting_down" }));
    }
    let database_up = matches!(
        tokio::time::timeout(READINESS_TIMEOUT, state.store.ping()).await,
        Ok(Ok(()))
    );
    ::metrics::gauge!("parley_database_up").set(if database_up { 1.0 } else { 0.0 });
    // Redis down does not make the node unready: it still serves its own connections.
    let redis = match state.chat.bus().broker_up() {
        None => "not configured",
        Some(true) => "up",
        Some(false) => "down",
    };
    if database_up {
        HttpResponse::Ok().json(json!({ "status": "ready", "database": "up", "redis": redis }))
    } else {
        HttpResponse::ServiceUnavailable()
            .json(json!({ "status": "unavailable", "database": "down", "redis": redis }))
    }
}

/// Prometheus text exposition; behind a bearer token when `PARLEY_METRICS_TOKEN` is set
/// (compared in constant time).
#[get("/metrics")]
async fn prometheus(req: actix_web::HttpRequest, state: web::Data<HttpState>) -> HttpResponse {
    if let Some(expected) = &state.settings.metrics_token {
        let given = req
            .headers()
            .get(actix_web::http::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .unwrap_or("");
        let matches: bool =
            subtle::ConstantTimeEq::ct_eq(given.as_bytes(), expected.expose().as_bytes()).into();
        if !matches {
            return HttpResponse::Unauthorized()
                .insert_header(("WWW-Authenticate", "Bearer"))
                .json(json!({"error": {"code": "unauthorized", "message": "a metrics token is required"}}));
        }
    }
    HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4")
        .body(state.metrics.render())
}
