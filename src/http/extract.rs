//! The authenticated agent of a request: `Authorization: Bearer <JWT>`, checked, and the agent
//! loaded from the database on every request, so that a deactivated agent or a changed role
//! takes effect at once.

use std::future::Future;
use std::pin::Pin;

use actix_web::{web, FromRequest, HttpRequest};

use super::HttpState;
use crate::domain::{Agent, AgentRole};
use crate::error::ApiError;

/// An active agent, authenticated.
pub struct CurrentAgent(pub Agent);

/// An active admin, authenticated; another role is 403, before the request body is read.
pub struct CurrentAdmin(pub Agent);

impl std::ops::Deref for CurrentAgent {
    type Target = Agent;
    fn deref(&self) -> &Agent {
        &self.0
    }
}

impl std::ops::Deref for CurrentAdmin {
    type Target = Agent;
    fn deref(&self) -> &Agent {
        &self.0
    }
}

fn bearer(req: &HttpRequest) -> Option<String> {
    let value = req
        .headers()
        .get(actix_web::http::header::AUTHORIZATION)?
        .to_str()
        .ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim().to_owned())
}

impl FromRequest for CurrentAgent {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, _: &mut actix_web::dev::Payload) -> Self::Future {
        let state = req.app_data::<web::Data<HttpState>>().cloned();
        let token = bearer(req);
        Box::pin(async move {
            let state = state.ok_or_else(|| ApiError::Internal("no app state".into()))?;
            let claims = token
                .and_then(|t| state.tokens.verify_agent(&t).ok())
                .ok_or(ApiError::Unauthorized)?;
            match state.store.agent(claims.workspace_id, claims.sub).await? {
                Some(agent) if claims.is_current_for(&agent) => Ok(CurrentAgent(agent)),
                _ => Err(ApiError::Unauthorized),
            }
        })
    }
}

impl FromRequest for CurrentAdmin {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut actix_web::dev::Payload) -> Self::Future {
        let agent = CurrentAgent::from_request(req, payload);
        Box::pin(async move {
            let CurrentAgent(agent) = agent.await?;
            match agent.role {
                AgentRole::Admin => Ok(CurrentAdmin(agent)),
                AgentRole::Agent => Err(ApiError::Forbidden("admins only".into())),
            }
        })
    }
}

/// An admin and a JSON body, checked in that order: a plain agent gets 403 whatever it sent.
pub struct AdminJson<T>(pub Agent, pub T);

impl<T: serde::de::DeserializeOwned + 'static> FromRequest for AdminJson<T> {
    type Error = actix_web::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self, actix_web::Error>>>>;

    fn from_request(req: &HttpRequest, payload: &mut actix_web::dev::Payload) -> Self::Future {
        let req = req.clone();
        let mut payload = payload.take();
        Box::pin(async move {
            let CurrentAdmin(admin) =
                CurrentAdmin::from_request(&req, &mut actix_web::dev::Payload::None).await?;
            let body = web::Json::<T>::from_request(&req, &mut payload).await?;
            Ok(AdminJson(admin, body.into_inner()))
        })
    }
}
