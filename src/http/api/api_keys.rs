//! API keys (admins): made with a name and a role, shown once, used as `Bearer sk_…` on the
//! REST API within their workspace, revoked by deleting them.

use actix_web::{delete, get, post, web, HttpResponse};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use super::{ErrorBody, Page};
use crate::auth::random_token;
use crate::domain::{AgentRole, ApiKey, ApiKeyId};
use crate::error::ApiError;
use crate::http::extract::{
    api_key_hash, AdminJson, CurrentAdmin, API_KEY_PREFIX, API_KEY_RANDOM_LEN,
};
use crate::http::HttpState;
use crate::store::admin::NewApiKey;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list).service(create).service(revoke);
}

/// Keys one workspace may have.
pub const MAX_KEYS: usize = 100;
/// Characters of a key kept to recognise it in a list (`sk_` and 6 more).
const PREFIX_LEN: usize = 9;

/// The workspace's API keys, newest first (never the keys themselves).
#[utoipa::path(tag = "api-keys", responses((status = 200, body = Page<ApiKey>), (status = 403, body = ErrorBody)), security(("bearer" = [])))]
#[get("/api-keys")]
async fn list(
    admin: CurrentAdmin,
    state: web::Data<HttpState>,
) -> Result<web::Json<Page<ApiKey>>, ApiError> {
    Ok(web::Json(Page {
        items: state.store.api_keys(admin.workspace_id).await?,
        next_cursor: None,
    }))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateApiKey {
    /// What the key is for, e.g. "CRM sync".
    pub name: String,
    /// `admin` or `agent`: the routes it may call.
    pub role: AgentRole,
}

/// A new key, with the key itself: shown only now.
#[derive(Debug, Serialize, ToSchema)]
pub struct ApiKeyWithKey {
    #[serde(flatten)]
    pub api_key: ApiKey,
    /// `sk_…`; use as `Authorization: Bearer <key>`.
    pub key: String,
}

/// Makes a key; the key is returned only in this answer.
#[utoipa::path(
    tag = "api-keys",
    request_body = CreateApiKey,
    responses((status = 201, body = ApiKeyWithKey), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = []))
)]
#[post("/api-keys")]
async fn create(
    req: actix_web::HttpRequest,
    AdminJson(admin, body): AdminJson<CreateApiKey>,
    state: web::Data<HttpState>,
) -> Result<HttpResponse, ApiError> {
    if state.store.api_keys(admin.workspace_id).await?.len() >= MAX_KEYS {
        return Err(ApiError::Conflict(format!(
            "a workspace has at most {MAX_KEYS} API keys"
        )));
    }
    let name = crate::domain::input::clean_name(&body.name, 200)
        .ok_or_else(|| ApiError::Unprocessable("name must show 1 to 200 characters".into()))?;
    let key = format!("{API_KEY_PREFIX}{}", random_token(API_KEY_RANDOM_LEN));
    let new = NewApiKey {
        name,
        role: body.role,
        key_hash: api_key_hash(&key),
        key_prefix: key.chars().take(PREFIX_LEN).collect(),
    };
    let api_key = state.store.create_api_key(admin.workspace_id, &new).await?;
    crate::http::audit::by_agent(
        &req,
        &state,
        &admin,
        crate::http::audit::Action::ApiKeyCreated,
        Some(api_key.id.0),
        serde_json::json!({ "name": api_key.name, "role": api_key.role }),
    )
    .await;
    Ok(HttpResponse::Created().json(ApiKeyWithKey { api_key, key }))
}

/// Revokes a key: requests with it get 401 from now on.
#[utoipa::path(tag = "api-keys", params(("id" = Uuid, Path)), responses((status = 204), (status = 404, body = ErrorBody)), security(("bearer" = [])))]
#[delete("/api-keys/{id}")]
async fn revoke(
    req: actix_web::HttpRequest,
    admin: CurrentAdmin,
    state: web::Data<HttpState>,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let deleted = state
        .store
        .delete_api_key(admin.workspace_id, ApiKeyId(id))
        .await?;
    crate::http::audit::deleted(
        &req,
        &state,
        &admin,
        crate::http::audit::Action::ApiKeyDeleted,
        id,
        deleted,
    )
    .await
}
