//! The authenticated agent of a request: `Authorization: Bearer <JWT>`, checked, and the agent
//! loaded from the database on every request, so that a deactivated agent or a changed role
//! takes effect at once. `Bearer sk_…` is an API key: it acts as an agent of its workspace with
//! the key's role and name, and is refused where only a person makes sense (`/me`).

use std::future::Future;
use std::pin::Pin;

use actix_web::{web, FromRequest, HttpRequest};

use super::HttpState;
use crate::domain::{Agent, AgentId, AgentRole, Email, Timestamp};
use crate::error::ApiError;

/// An active agent, or an API key acting as one, authenticated.
pub struct CurrentAgent(pub Agent);

/// A person signed in with a token (not an API key).
pub struct SignedInAgent(pub Agent);

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

pub fn bearer(req: &HttpRequest) -> Option<String> {
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

/// How long a key's last use may be out of date: one write a minute per key at most.
const LAST_USE_PRECISION: std::time::Duration = std::time::Duration::from_secs(60);

/// Where API keys start: anything else is an agent's token.
pub const API_KEY_PREFIX: &str = "sk_";

/// The hash an API key is stored and found by.
pub fn api_key_hash(key: &str) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(key.as_bytes()))
}

async fn person(state: &HttpState, token: Option<String>) -> Result<Agent, ApiError> {
    let claims = token
        .and_then(|t| state.tokens.verify_agent(&t).ok())
        .ok_or(ApiError::Unauthorized)?;
    match state.store.agent(claims.workspace_id, claims.sub).await? {
        Some(agent) if claims.is_current_for(&agent) => Ok(agent),
        _ => Err(ApiError::Unauthorized),
    }
}

/// Random characters after `sk_` in every key made.
pub const API_KEY_RANDOM_LEN: usize = 40;

/// The agent an API key acts as: its id and name are the key's. Something not shaped like a
/// key is refused without asking the database.
async fn key_holder(state: &HttpState, key: &str) -> Result<Agent, ApiError> {
    let random = &key[API_KEY_PREFIX.len()..];
    if random.len() != API_KEY_RANDOM_LEN || !random.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return Err(ApiError::Unauthorized);
    }
    let key = state
        .store
        .api_key_by_hash(&api_key_hash(key))
        .await?
        .ok_or(ApiError::Unauthorized)?;
    let now = Timestamp::now();
    if key
        .last_used_at
        .is_none_or(|at| now.since(at) >= LAST_USE_PRECISION)
    {
        state.store.touch_api_key(key.id, now).await?;
    }
    Ok(Agent {
        id: AgentId(key.id.0),
        workspace_id: key.workspace_id,
        email: Email::parse("api-key@parley.invalid")
            .map_err(|_| ApiError::Internal("api key principal".into()))?,
        name: key.name,
        password_hash: String::new(),
        role: key.role,
        active: true,
        created_at: key.created_at,
        updated_at: key.created_at,
        token_version: 0,
        status: crate::domain::AgentStatus::Online,
        // A key is never given conversations.
        capacity: 0,
        notify_email: false,
        avatar_key: None,
        signature: String::new(),
    })
}

impl FromRequest for CurrentAgent {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, _: &mut actix_web::dev::Payload) -> Self::Future {
        let state = req.app_data::<web::Data<HttpState>>().cloned();
        let token = bearer(req);
        Box::pin(async move {
            let state = state.ok_or_else(|| ApiError::Internal("no app state".into()))?;
            match token {
                Some(key) if key.starts_with(API_KEY_PREFIX) => {
                    key_holder(&state, &key).await.map(CurrentAgent)
                }
                token => person(&state, token).await.map(CurrentAgent),
            }
        })
    }
}

impl FromRequest for SignedInAgent {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, _: &mut actix_web::dev::Payload) -> Self::Future {
        let state = req.app_data::<web::Data<HttpState>>().cloned();
        let token = bearer(req);
        Box::pin(async move {
            let state = state.ok_or_else(|| ApiError::Internal("no app state".into()))?;
            if token
                .as_deref()
                .is_some_and(|t| t.starts_with(API_KEY_PREFIX))
            {
                return Err(ApiError::Forbidden(
                    "an API key has no profile: sign in as a person".into(),
                ));
            }
            person(&state, token).await.map(SignedInAgent)
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
