//! Outgoing webhooks (admins): subscriptions and their delivery log.

use actix_web::{delete, get, post, web, HttpResponse};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use super::{ErrorBody, Page};
use crate::auth::random_token;
use crate::domain::{Webhook, WebhookDelivery, WebhookId};
use crate::error::ApiError;
use crate::http::extract::{AdminJson, CurrentAdmin};
use crate::http::HttpState;
use crate::store::admin::NewWebhook;
use crate::store::catalog::Cursor;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list)
        .service(create)
        .service(remove)
        .service(deliveries);
}

/// The events a webhook may subscribe to.
pub const EVENTS: [&str; 3] = [
    "conversation.created",
    "conversation.updated",
    "message.created",
];
const DELIVERIES_PAGE: i64 = 50;

/// The workspace's webhooks.
#[utoipa::path(tag = "webhooks", responses((status = 200, body = Page<Webhook>), (status = 403, body = ErrorBody)), security(("bearer" = [])))]
#[get("/webhooks")]
async fn list(
    admin: CurrentAdmin,
    state: web::Data<HttpState>,
) -> Result<web::Json<Page<Webhook>>, ApiError> {
    Ok(web::Json(Page {
        items: state.store.webhooks(admin.workspace_id).await?,
        next_cursor: None,
    }))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateWebhook {
    /// An http(s) URL that receives the POSTs.
    pub url: String,
    /// Any of `conversation.created`, `conversation.updated`, `message.created`.
    pub events: Vec<String>,
}

/// Subscribes a URL to events; the signing `secret` is generated and returned.
#[utoipa::path(
    tag = "webhooks",
    request_body = CreateWebhook,
    responses((status = 201, body = Webhook), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = []))
)]
#[post("/webhooks")]
async fn create(
    AdminJson(admin, body): AdminJson<CreateWebhook>,
    state: web::Data<HttpState>,
) -> Result<HttpResponse, ApiError> {
    let CreateWebhook { url, mut events } = body;
    let parsed = url::Url::parse(&url).map_err(|e| ApiError::Unprocessable(format!("url: {e}")))?;
    if !matches!(parsed.scheme(), "http" | "https")
        || parsed.host_str().is_none()
        || url.len() > 2048
    {
        return Err(ApiError::Unprocessable(
            "url must be an http:// or https:// URL".into(),
        ));
    }
    if events.is_empty() {
        return Err(ApiError::Unprocessable(
            "events must name at least one event".into(),
        ));
    }
    if let Some(unknown) = events.iter().find(|e| !EVENTS.contains(&e.as_str())) {
        return Err(ApiError::Unprocessable(format!(
            "events: unknown event {unknown:?}"
        )));
    }
    events.sort();
    events.dedup();
    let new = NewWebhook {
        url: parsed.to_string(),
        secret: format!("whsec_{}", random_token(32)),
        events,
    };
    Ok(HttpResponse::Created().json(state.store.create_webhook(admin.workspace_id, &new).await?))
}

/// Unsubscribes (pending deliveries are dropped).
#[utoipa::path(tag = "webhooks", params(("id" = Uuid, Path)), responses((status = 204), (status = 404, body = ErrorBody)), security(("bearer" = [])))]
#[delete("/webhooks/{id}")]
async fn remove(
    admin: CurrentAdmin,
    state: web::Data<HttpState>,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    super::deleted(
        state
            .store
            .delete_webhook(admin.workspace_id, WebhookId(id.into_inner()))
            .await?,
    )
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct DeliveryParams {
    pub cursor: Option<String>,
}

/// The webhook's deliveries, newest first.
#[utoipa::path(
    tag = "webhooks",
    params(("id" = Uuid, Path), DeliveryParams),
    responses((status = 200, body = Page<WebhookDelivery>), (status = 404, body = ErrorBody)),
    security(("bearer" = []))
)]
#[get("/webhooks/{id}/deliveries")]
async fn deliveries(
    admin: CurrentAdmin,
    state: web::Data<HttpState>,
    id: web::Path<Uuid>,
    params: web::Query<DeliveryParams>,
) -> Result<web::Json<Page<WebhookDelivery>>, ApiError> {
    let after = super::cursor(params.cursor.as_deref())?;
    let mut items = state
        .store
        .webhook_deliveries(
            admin.workspace_id,
            WebhookId(id.into_inner()),
            after,
            DELIVERIES_PAGE + 1,
        )
        .await?
        .ok_or(ApiError::NotFound)?;
    let next_cursor = if items.len() as i64 > DELIVERIES_PAGE {
        items.truncate(DELIVERIES_PAGE as usize);
        items.last().map(|d| {
            Cursor {
                at: d.created_at,
                id: d.id.0,
            }
            .encode()
        })
    } else {
        None
    };
    Ok(web::Json(Page { items, next_cursor }))
}
