//! Agents' single-use links, sent by email: an invitation (an admin adds an agent without a
//! password; the agent chooses one, 7 days) and a password reset (anyone asks for an address;
//! its agents get a link, 1 hour). Only a SHA-256 of a link's token is stored; using a link
//! sets the password and ends the agent's other sessions.

use std::time::Duration;

use actix_web::{post, web, HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};
use sha2::Digest;
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;

use super::ErrorBody;
use crate::access::client_ip::client_ip;
use crate::auth::{self, password};
use crate::domain::{Agent, Email, Timestamp};
use crate::error::ApiError;
use crate::http::HttpState;
use crate::store::admin::AgentChange;
use crate::store::email::AgentLink;

const INVITE_VALID: Duration = Duration::from_secs(7 * 24 * 3600);
const RESET_VALID: Duration = Duration::from_secs(3600);

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(reset_request).service(reset);
}

fn token_hash(token: &str) -> String {
    hex::encode(sha2::Sha256::digest(token.as_bytes()))
}

/// Makes a link for the agent and queues the email carrying it.
pub async fn send_link(
    state: &HttpState,
    agent: &Agent,
    purpose: AgentLink,
) -> Result<(), ApiError> {
    let token = auth::random_token(40);
    let (valid, suffix) = match purpose {
        AgentLink::Invite => (INVITE_VALID, "&invite=1"),
        AgentLink::Reset => (RESET_VALID, ""),
    };
    let link = format!(
        "{}/dashboard/#/reset?token={token}{suffix}",
        state.public_url.trim_end_matches('/')
    );
    state
        .store
        .queue_agent_link(
            agent.workspace_id,
            agent.id,
            purpose,
            &token_hash(&token),
            Timestamp::now().plus(valid),
            agent.email.as_str(),
            &link,
        )
        .await?;
    Ok(())
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResetRequest {
    pub email: String,
}

/// Asks for a password reset link by email. Always 202, whether or not the address has an
/// account (nothing tells a stranger which addresses do).
#[utoipa::path(
    tag = "auth",
    request_body = ResetRequest,
    responses((status = 202), (status = 429, body = ErrorBody))
)]
#[post("/auth/reset-request")]
async fn reset_request(
    req: HttpRequest,
    state: web::Data<HttpState>,
    body: web::Json<ResetRequest>,
) -> Result<HttpResponse, ApiError> {
    let ip = client_ip(&req, &state.settings.trusted_proxies);
    if let Err(retry_after_secs) = state.reset_limit.check(&ip) {
        return Err(ApiError::RateLimited { retry_after_secs });
    }
    if let Ok(email) = Email::parse(body.email.trim()) {
        for agent in state.store.agents_by_email(&email, None).await? {
            if agent.active {
                send_link(&state, &agent, AgentLink::Reset).await?;
            }
        }
    }
    Ok(HttpResponse::Accepted().json(serde_json::json!({})))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResetPassword {
    /// The token of an invitation or reset link.
    pub token: String,
    pub password: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ResetDone {
    /// The account's email, to sign in with.
    pub email: String,
}

/// Sets the password with a link's token, once. A token that is unknown, used or expired is
/// refused the same way.
#[utoipa::path(
    tag = "auth",
    request_body = ResetPassword,
    responses((status = 200, body = ResetDone), (status = 400, body = ErrorBody), (status = 422, body = ErrorBody), (status = 429, body = ErrorBody))
)]
#[post("/auth/reset")]
async fn reset(
    req: HttpRequest,
    state: web::Data<HttpState>,
    body: web::Json<ResetPassword>,
) -> Result<web::Json<ResetDone>, ApiError> {
    let ip = client_ip(&req, &state.settings.trusted_proxies);
    if let Err(retry_after_secs) = state.reset_limit.check(&ip) {
        return Err(ApiError::RateLimited { retry_after_secs });
    }
    let ResetPassword {
        token,
        password: new,
    } = body.into_inner();
    // Checked before the link is used: a refused password does not spend it.
    password::check_length(&new).map_err(|e| super::password_refused("password", e))?;
    let invalid = || {
        ApiError::BadRequest(
            "this link is not valid: it was used, it expired, or it is wrong".into(),
        )
    };
    if token.len() > 200 {
        return Err(invalid());
    }
    let Some((workspace, agent, _purpose)) = state
        .store
        .use_agent_link(&token_hash(&token), Timestamp::now())
        .await?
    else {
        return Err(invalid());
    };
    let password_hash = password::hash(new)
        .await
        .map_err(|e| super::password_refused("password", e))?;
    let change = AgentChange {
        password_hash: Some(password_hash),
        ..Default::default()
    };
    let agent = state
        .store
        .update_agent(workspace, agent, &change)
        .await?
        .ok_or_else(invalid)?;
    // A new password ends every other session of the agent.
    state.chat.revoke_agent(workspace, agent.id);
    Ok(web::Json(ResetDone {
        email: agent.email.as_str().to_owned(),
    }))
}
