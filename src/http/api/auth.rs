//! Signing in: `POST /auth/login` trades an email and password for an agent token.

use actix_web::{post, web, HttpRequest};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;

use super::ErrorBody;
use crate::access::client_ip::client_ip;
use crate::auth::password;
use crate::cluster::counters::Counters;
use crate::domain::{Agent, Email};
use crate::error::ApiError;
use crate::http::HttpState;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(login);
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    pub email: String,
    pub password: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct LoginResponse {
    /// Bearer token for the API and the agent WebSocket; valid 12 hours.
    pub token: String,
    pub agent: Agent,
}

/// The same answer for an unknown email, a wrong password and a deactivated agent.
const REFUSED: &str = "invalid email or password";

/// Sign in. Failed attempts are limited per IP (`PARLEY_LOGIN_PER_MIN`) and per account.
#[utoipa::path(
    tag = "auth",
    request_body = LoginRequest,
    responses(
        (status = 200, body = LoginResponse),
        (status = 401, body = ErrorBody),
        (status = 429, body = ErrorBody, description = "too many failed attempts; see Retry-After"),
    )
)]
#[post("/auth/login")]
async fn login(
    req: HttpRequest,
    state: web::Data<HttpState>,
    body: web::Json<LoginRequest>,
) -> Result<web::Json<LoginResponse>, ApiError> {
    let LoginRequest {
        email,
        password: given,
    } = body.into_inner();
    let ip = client_ip(&req, &state.settings.trusted_proxies);
    let account = email.trim().to_lowercase();
    if let Some(retry_after_secs) = state.login_guard.blocked(ip, &account) {
        return Err(ApiError::RateLimited { retry_after_secs });
    }
    // In a cluster, failures per IP are counted over every node.
    let limit = u64::from(state.settings.limits.login_per_min);
    let ip_key = format!("login:{ip}");
    if limit > 0
        && state
            .counters
            .peek(&ip_key, 60)
            .await
            .is_some_and(|failures| failures >= limit)
    {
        return Err(ApiError::RateLimited {
            retry_after_secs: Counters::window_left(60),
        });
    }
    // Refused before any hashing when this IP has checks under way already.
    let Some(_attempt) = state.login_guard.begin(ip) else {
        return Err(ApiError::RateLimited {
            retry_after_secs: 1,
        });
    };
    let agent = match Email::parse(&email) {
        Ok(email) => state.store.agent_by_email(&email).await?,
        Err(_) => None,
    };
    // An unknown email still costs one hash check, so timing does not tell which emails exist.
    let hash = agent
        .as_ref()
        .map_or_else(|| state.dummy_hash.to_string(), |a| a.password_hash.clone());
    let verified = password::verify(given, hash).await;
    match agent {
        Some(agent) if verified && agent.active => {
            let token = state
                .tokens
                .issue_agent(&agent)
                .map_err(|_| ApiError::Internal("token signing failed".into()))?;
            Ok(web::Json(LoginResponse { token, agent }))
        }
        _ => {
            if state.counters.is_clustered() {
                state.counters.count(&ip_key, 60).await;
            }
            match state.login_guard.failed(ip, &account) {
                Some(retry_after_secs) => Err(ApiError::RateLimited { retry_after_secs }),
                None => Err(ApiError::Unauthenticated(REFUSED.into())),
            }
        }
    }
}
