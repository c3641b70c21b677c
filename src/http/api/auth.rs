//! Signing in: `POST /auth/login` trades an email and password for an agent token.

use actix_web::{post, web, HttpRequest};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;

use super::ErrorBody;
use crate::access::client_ip::client_ip;
use crate::auth::password;
use crate::cluster::counters::Counters;
use crate::domain::{Agent, Email, WorkspaceId};
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
    /// Needed only when the same email and password open several workspaces (the answer is
    /// then 409 listing them).
    #[serde(default)]
    pub workspace_id: Option<WorkspaceId>,
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
        (status = 409, body = ErrorBody, description = "the email and password open several workspaces: `error.workspaces` lists them; send one's id as `workspace_id`"),
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
        workspace_id,
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
    // An email is unique per workspace, so it may name several accounts; the password is
    // checked against each (a bounded few). An unknown email still costs one hash check, so
    // timing does not tell which emails exist.
    let candidates = match Email::parse(&email) {
        Ok(email) => state.store.agents_by_email(&email, workspace_id).await?,
        Err(_) => Vec::new(),
    };
    let mut opened = Vec::new();
    if candidates.is_empty() {
        password::verify(given.clone(), state.dummy_hash.to_string()).await;
    }
    for agent in candidates {
        if password::verify(given.clone(), agent.password_hash.clone()).await && agent.active {
            opened.push(agent);
        }
    }
    if opened.len() > 1 {
        let mut workspaces = Vec::with_capacity(opened.len());
        for agent in &opened {
            if let Some(workspace) = state.store.workspace(agent.workspace_id).await? {
                workspaces.push(workspace);
            }
        }
        return Err(ApiError::ChooseWorkspace(workspaces));
    }
    match opened.pop() {
        Some(agent) => {
            let token = state
                .tokens
                .issue_agent(&agent)
                .map_err(|_| ApiError::Internal("token signing failed".into()))?;
            Ok(web::Json(LoginResponse { token, agent }))
        }
        None => {
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
