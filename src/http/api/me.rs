//! The signed-in agent's own profile: `GET /me`, `PATCH /me` (name, password, email
//! notifications).

use actix_web::{get, patch, web};
use serde::Deserialize;
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;

use super::ErrorBody;
use crate::access::client_ip::client_ip;
use crate::auth::password;
use crate::domain::Agent;
use crate::error::ApiError;
use crate::http::extract::SignedInAgent;
use crate::http::HttpState;
use crate::store::admin::AgentChange;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(get_me).service(update_me);
}

/// The signed-in agent.
#[utoipa::path(tag = "me", responses((status = 200, body = Agent), (status = 401, body = ErrorBody)), security(("bearer" = [])))]
#[get("/me")]
async fn get_me(me: SignedInAgent) -> web::Json<Agent> {
    web::Json(me.0)
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateMe {
    pub name: Option<String>,
    /// Required to set `new_password`.
    pub current_password: Option<String>,
    pub new_password: Option<String>,
    /// Be told by email of new conversations that come while nobody of one's team is online.
    pub notify_email: Option<bool>,
}

/// Changes the agent's own name, password or email notifications.
#[utoipa::path(
    tag = "me",
    request_body = UpdateMe,
    responses((status = 200, body = Agent), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = []))
)]
#[patch("/me")]
async fn update_me(
    req: actix_web::HttpRequest,
    me: SignedInAgent,
    state: web::Data<HttpState>,
    body: web::Json<UpdateMe>,
) -> Result<web::Json<Agent>, ApiError> {
    let UpdateMe {
        name,
        current_password,
        new_password,
        notify_email,
    } = body.into_inner();
    let me = me.0;
    let name = name.map(|n| super::agents::agent_name(&n)).transpose()?;
    let password_hash = match new_password {
        None => None,
        Some(new_password) => {
            let current = current_password.ok_or_else(|| {
                ApiError::Unprocessable(
                    "current_password is required to change the password".into(),
                )
            })?;
            // A wrong current password counts as a failed login, for this IP and account.
            let guard = &state.login_guard;
            let ip = client_ip(&req, &state.settings.trusted_proxies);
            let account = me.email.as_str();
            if let Some(retry_after_secs) = guard.blocked(ip, account) {
                return Err(ApiError::RateLimited { retry_after_secs });
            }
            let Some(_attempt) = guard.begin(ip) else {
                return Err(ApiError::RateLimited {
                    retry_after_secs: 1,
                });
            };
            if !password::verify(current, me.password_hash.clone()).await {
                if let Some(retry_after_secs) = guard.failed(ip, account) {
                    return Err(ApiError::RateLimited { retry_after_secs });
                }
                return Err(ApiError::Forbidden("current_password is wrong".into()));
            }
            Some(
                password::hash(new_password)
                    .await
                    .map_err(|e| super::password_refused("new_password", e))?,
            )
        }
    };
    let change = AgentChange {
        name,
        password_hash,
        notify_email,
        ..Default::default()
    };
    let updated = state
        .store
        .update_agent(me.workspace_id, me.id, &change)
        .await?
        .ok_or(ApiError::NotFound)?;
    // A new password signs the agent out everywhere: older tokens and open sockets end.
    if updated.token_version != me.token_version {
        state.chat.revoke_agent(me.workspace_id, me.id);
    }
    Ok(web::Json(updated))
}
