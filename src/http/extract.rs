//! The authenticated agent of a request: `Authorization: Bearer <JWT>`, checked, and the agent
//! loaded from the database on every request, so that a deactivated agent or a changed role
//! takes effect at once.

use std::future::Future;
use std::pin::Pin;

use actix_web::{web, FromRequest, HttpRequest};

use super::AppState;
use crate::domain::{Agent, AgentRole};
use crate::error::ApiError;

/// An active agent, authenticated.
pub struct CurrentAgent(pub Agent);

impl CurrentAgent {
    /// Admin-only endpoints: another role is 403.
    pub fn require_admin(&self) -> Result<&Agent, ApiError> {
        match self.0.role {
            AgentRole::Admin => Ok(&self.0),
            AgentRole::Agent => Err(ApiError::Forbidden("admins only".into())),
        }
    }
}

fn bearer(req: &HttpRequest) -> Option<String> {
    let value = req.headers().get(actix_web::http::header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim().to_owned())
}

impl FromRequest for CurrentAgent {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, _: &mut actix_web::dev::Payload) -> Self::Future {
        let state = req.app_data::<web::Data<AppState>>().cloned();
        let token = bearer(req);
        Box::pin(async move {
            let state = state.ok_or_else(|| ApiError::Internal("no app state".into()))?;
            let claims = token
                .and_then(|t| state.tokens.verify_agent(&t).ok())
                .ok_or(ApiError::Unauthorized)?;
            match state.store.agent(claims.workspace_id, claims.sub).await? {
                Some(agent) if agent.active => Ok(CurrentAgent(agent)),
                _ => Err(ApiError::Unauthorized),
            }
        })
    }
}
