//! Outgoing webhooks (admins): subscriptions, their secrets, tests, and the log of every
//! delivery attempt with a way to send one again.

use actix_web::{delete, get, patch, post, web, HttpResponse};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use super::{ErrorBody, Page};
use crate::auth::random_token;
use crate::domain::{DeliveryId, Timestamp, Webhook, WebhookDelivery, WebhookEvent, WebhookId};
use crate::error::ApiError;
use crate::http::extract::{AdminJson, CurrentAdmin};
use crate::http::HttpState;
use crate::store::catalog::Cursor;
use crate::store::webhooks::{NewWebhook, WebhookChange};
use crate::webhooks::guard;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list)
        .service(create)
        .service(get_one)
        .service(update)
        .service(remove)
        .service(rotate_secret)
        .service(test)
        .service(deliveries)
        .service(redeliver);
}

const DELIVERIES_PAGE: i64 = 50;
/// Webhooks one workspace may have: each message writes a row per subscribed webhook in the
/// shared batch, so the number is bounded.
pub const MAX_WEBHOOKS: usize = 20;
const MAX_URL_BYTES: usize = 2048;

/// A webhook with its signing secret: only when made or rotated.
#[derive(Debug, Serialize, ToSchema)]
pub struct WebhookWithSecret {
    #[serde(flatten)]
    pub webhook: Webhook,
    /// Signs every delivery (`Parley-Signature`); shown only now.
    pub secret: String,
}

fn with_secret(webhook: Webhook) -> WebhookWithSecret {
    let secret = webhook.secret.clone();
    WebhookWithSecret { webhook, secret }
}

fn new_secret() -> String {
    format!("whsec_{}", random_token(32))
}

/// An http(s) URL whose host may be called: checked now, and again at every delivery.
async fn checked_url(state: &HttpState, text: &str) -> Result<String, ApiError> {
    let parsed =
        url::Url::parse(text.trim()).map_err(|e| ApiError::Unprocessable(format!("url: {e}")))?;
    if !matches!(parsed.scheme(), "http" | "https")
        || parsed.host_str().is_none()
        || text.len() > MAX_URL_BYTES
        || !parsed.username().is_empty()
        || parsed.password().is_some()
    {
        return Err(ApiError::Unprocessable(
            "url must be an http:// or https:// URL of at most 2048 bytes, without credentials"
                .into(),
        ));
    }
    guard::check_url(&parsed, state.settings.webhooks.allow_private)
        .await
        .map_err(|refusal| ApiError::Unprocessable(format!("url: {refusal}")))?;
    Ok(parsed.to_string())
}

fn checked_events(mut events: Vec<String>) -> Result<Vec<String>, ApiError> {
    if events.is_empty() {
        return Err(ApiError::Unprocessable(
            "events must name at least one event".into(),
        ));
    }
    if let Some(unknown) = events
        .iter()
        .find(|e| WebhookEvent::subscribable(e).is_none())
    {
        return Err(ApiError::Unprocessable(format!(
            "events: unknown event {unknown:?}"
        )));
    }
    events.sort();
    events.dedup();
    Ok(events)
}

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
    /// An http(s) URL on the public internet that receives the POSTs.
    pub url: String,
    /// Any of `conversation.created`, `conversation.updated`, `conversation.assigned`,
    /// `conversation.rated`, `message.created`.
    pub events: Vec<String>,
}

/// Subscribes a URL to events; the signing `secret` is generated and returned only here.
#[utoipa::path(
    tag = "webhooks",
    request_body = CreateWebhook,
    responses((status = 201, body = WebhookWithSecret), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = []))
)]
#[post("/webhooks")]
async fn create(
    req: actix_web::HttpRequest,
    AdminJson(admin, body): AdminJson<CreateWebhook>,
    state: web::Data<HttpState>,
) -> Result<HttpResponse, ApiError> {
    if state.store.webhooks(admin.workspace_id).await?.len() >= MAX_WEBHOOKS {
        return Err(ApiError::Conflict(format!(
            "a workspace has at most {MAX_WEBHOOKS} webhooks"
        )));
    }
    let new = NewWebhook {
        url: checked_url(&state, &body.url).await?,
        secret: new_secret(),
        events: checked_events(body.events)?,
    };
    let webhook = state.store.create_webhook(admin.workspace_id, &new).await?;
    crate::http::audit::by_agent(
        &req,
        &state,
        &admin,
        crate::http::audit::Action::WebhookCreated,
        Some(webhook.id.0),
        serde_json::json!({ "url": webhook.url }),
    )
    .await;
    Ok(HttpResponse::Created().json(with_secret(webhook)))
}

/// One webhook, with why it was switched off if it was.
#[utoipa::path(tag = "webhooks", params(("id" = Uuid, Path)), responses((status = 200, body = Webhook), (status = 404, body = ErrorBody)), security(("bearer" = [])))]
#[get("/webhooks/{id}")]
async fn get_one(
    admin: CurrentAdmin,
    state: web::Data<HttpState>,
    id: web::Path<Uuid>,
) -> Result<web::Json<Webhook>, ApiError> {
    let id = WebhookId(id.into_inner());
    Ok(web::Json(
        state
            .store
            .webhook(admin.workspace_id, id)
            .await?
            .ok_or(ApiError::NotFound)?,
    ))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateWebhook {
    pub url: Option<String>,
    pub events: Option<Vec<String>>,
    /// Turning a webhook back on forgets why it was switched off.
    pub active: Option<bool>,
}

/// Changes the URL, the events or whether it is on.
#[utoipa::path(
    tag = "webhooks",
    params(("id" = Uuid, Path)),
    request_body = UpdateWebhook,
    responses((status = 200, body = Webhook), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = []))
)]
#[patch("/webhooks/{id}")]
async fn update(
    req: actix_web::HttpRequest,
    AdminJson(admin, body): AdminJson<UpdateWebhook>,
    state: web::Data<HttpState>,
    id: web::Path<Uuid>,
) -> Result<web::Json<Webhook>, ApiError> {
    let change = WebhookChange {
        url: match &body.url {
            Some(url) => Some(checked_url(&state, url).await?),
            None => None,
        },
        events: body.events.map(checked_events).transpose()?,
        active: body.active,
    };
    let id = WebhookId(id.into_inner());
    let updated = state
        .store
        .update_webhook(admin.workspace_id, id, &change)
        .await?
        .ok_or(ApiError::NotFound)?;
    crate::http::audit::by_agent(
        &req,
        &state,
        &admin,
        crate::http::audit::Action::WebhookUpdated,
        Some(updated.id.0),
        serde_json::json!({ "url": updated.url, "active": updated.active }),
    )
    .await;
    if updated.active {
        state.webhooks.wake();
    }
    Ok(web::Json(updated))
}

/// Unsubscribes; its queued events and its log go with it.
#[utoipa::path(tag = "webhooks", params(("id" = Uuid, Path)), responses((status = 204), (status = 404, body = ErrorBody)), security(("bearer" = [])))]
#[delete("/webhooks/{id}")]
async fn remove(
    req: actix_web::HttpRequest,
    admin: CurrentAdmin,
    state: web::Data<HttpState>,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let deleted = state
        .store
        .delete_webhook(admin.workspace_id, WebhookId(id))
        .await?;
    crate::http::audit::deleted(
        &req,
        &state,
        &admin,
        crate::http::audit::Action::WebhookDeleted,
        id,
        deleted,
    )
    .await
}

/// A new signing secret, returned only here; deliveries from now on are signed with it.
#[utoipa::path(tag = "webhooks", params(("id" = Uuid, Path)), responses((status = 200, body = WebhookWithSecret), (status = 404, body = ErrorBody)), security(("bearer" = [])))]
#[post("/webhooks/{id}/rotate-secret")]
async fn rotate_secret(
    req: actix_web::HttpRequest,
    admin: CurrentAdmin,
    state: web::Data<HttpState>,
    id: web::Path<Uuid>,
) -> Result<web::Json<WebhookWithSecret>, ApiError> {
    let id = WebhookId(id.into_inner());
    let webhook = state
        .store
        .rotate_webhook_secret(admin.workspace_id, id, &new_secret())
        .await?
        .ok_or(ApiError::NotFound)?;
    crate::http::audit::by_agent(
        &req,
        &state,
        &admin,
        crate::http::audit::Action::WebhookSecretRotated,
        Some(webhook.id.0),
        serde_json::json!({}),
    )
    .await;
    Ok(web::Json(with_secret(webhook)))
}

/// The id of a queued event.
#[derive(Debug, Serialize, ToSchema)]
pub struct Queued {
    pub event_id: Uuid,
}

/// Sends a `ping` event now, whatever the webhook subscribes to (even when switched off).
#[utoipa::path(tag = "webhooks", params(("id" = Uuid, Path)), responses((status = 202, body = Queued), (status = 404, body = ErrorBody)), security(("bearer" = [])))]
#[post("/webhooks/{id}/test")]
async fn test(
    admin: CurrentAdmin,
    state: web::Data<HttpState>,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let id = WebhookId(id.into_inner());
    let event_id = Uuid::new_v4();
    let data = serde_json::json!({"webhook_id": id, "sent_at": Timestamp::now()});
    if !state
        .store
        .enqueue_ping(admin.workspace_id, id, event_id, &data)
        .await?
    {
        return Err(ApiError::NotFound);
    }
    state.webhooks.wake();
    Ok(HttpResponse::Accepted().json(Queued { event_id }))
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct DeliveryParams {
    pub cursor: Option<String>,
}

/// Every attempt to deliver the webhook's events, newest first.
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

/// Sends the event of a logged attempt again, now, with the same event id.
#[utoipa::path(tag = "webhooks", params(("id" = Uuid, Path), ("delivery_id" = Uuid, Path)), responses((status = 202), (status = 404, body = ErrorBody)), security(("bearer" = [])))]
#[post("/webhooks/{id}/deliveries/{delivery_id}/redeliver")]
async fn redeliver(
    admin: CurrentAdmin,
    state: web::Data<HttpState>,
    ids: web::Path<(Uuid, Uuid)>,
) -> Result<HttpResponse, ApiError> {
    let (webhook, delivery) = ids.into_inner();
    if !state
        .store
        .redeliver(admin.workspace_id, WebhookId(webhook), DeliveryId(delivery))
        .await?
    {
        return Err(ApiError::NotFound);
    }
    state.webhooks.wake();
    Ok(HttpResponse::Accepted().finish())
}
