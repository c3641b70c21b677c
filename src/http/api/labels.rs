//! Labels: admins define them (name, colour), every agent lists them and puts them on
//! conversations (`PATCH /conversations/{id}` `labels`); the inbox filters by one.

use actix_web::{delete, get, patch, post, web, HttpResponse};
use serde::Deserialize;
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use super::{ErrorBody, Page};
use crate::domain::LabelId;
use crate::error::ApiError;
use crate::http::extract::{AdminJson, CurrentAdmin, CurrentAgent};
use crate::http::HttpState;
use crate::store::desk::Label;
use crate::store::StoreError;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list)
        .service(create)
        .service(update)
        .service(remove);
}

/// Most labels a workspace defines.
const MAX_LABELS: usize = 100;
/// Colours given to labels created without one, in turn.
const PALETTE: [&str; 8] = [
    "#2563eb", "#16a34a", "#d97706", "#dc2626", "#7c3aed", "#0891b2", "#db2777", "#4b5563",
];

fn label_name(text: &str) -> Result<String, ApiError> {
    crate::domain::input::clean_name(text, 50)
        .ok_or_else(|| ApiError::Unprocessable("name must show 1 to 50 characters".into()))
}

/// `#rrggbb`, lower-cased.
fn label_color(text: &str) -> Result<String, ApiError> {
    let text = text.trim().to_ascii_lowercase();
    let hex = text.strip_prefix('#').unwrap_or("");
    if hex.len() == 6 && hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        Ok(text)
    } else {
        Err(ApiError::Unprocessable("color must be #rrggbb".into()))
    }
}

fn name_taken(err: StoreError) -> ApiError {
    match err {
        StoreError::Conflict(_) => ApiError::Conflict("a label with this name exists".into()),
        other => other.into(),
    }
}

/// The workspace's labels, by name.
#[utoipa::path(tag = "labels", responses((status = 200, body = Page<Label>), (status = 401, body = ErrorBody)), security(("bearer" = [])))]
#[get("/labels")]
async fn list(
    me: CurrentAgent,
    state: web::Data<HttpState>,
) -> Result<web::Json<Page<Label>>, ApiError> {
    Ok(web::Json(Page {
        items: state.store.labels(me.0.workspace_id).await?,
        next_cursor: None,
    }))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateLabel {
    pub name: String,
    /// `#rrggbb`; one of a palette when absent.
    pub color: Option<String>,
}

/// Adds a label (at most 100 per workspace; names unique, case aside).
#[utoipa::path(
    tag = "labels",
    request_body = CreateLabel,
    responses((status = 201, body = Label), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = []))
)]
#[post("/labels")]
async fn create(
    AdminJson(admin, body): AdminJson<CreateLabel>,
    state: web::Data<HttpState>,
) -> Result<HttpResponse, ApiError> {
    let name = label_name(&body.name)?;
    let existing = state.store.labels(admin.workspace_id).await?;
    if existing.len() >= MAX_LABELS {
        return Err(ApiError::Unprocessable(format!(
            "a workspace has at most {MAX_LABELS} labels"
        )));
    }
    let color = match &body.color {
        Some(color) => label_color(color)?,
        None => PALETTE[existing.len() % PALETTE.len()].to_owned(),
    };
    let label = state
        .store
        .create_label(admin.workspace_id, &name, &color)
        .await
        .map_err(name_taken)?;
    Ok(HttpResponse::Created().json(label))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateLabel {
    pub name: Option<String>,
    pub color: Option<String>,
}

/// Renames or recolours a label.
#[utoipa::path(
    tag = "labels",
    params(("id" = Uuid, Path)),
    request_body = UpdateLabel,
    responses((status = 200, body = Label), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = []))
)]
#[patch("/labels/{id}")]
async fn update(
    AdminJson(admin, body): AdminJson<UpdateLabel>,
    state: web::Data<HttpState>,
    id: web::Path<Uuid>,
) -> Result<web::Json<Label>, ApiError> {
    let name = body.name.as_deref().map(label_name).transpose()?;
    let color = body.color.as_deref().map(label_color).transpose()?;
    let label = state
        .store
        .update_label(
            admin.workspace_id,
            LabelId(id.into_inner()),
            name.as_deref(),
            color.as_deref(),
        )
        .await
        .map_err(name_taken)?
        .ok_or(ApiError::NotFound)?;
    Ok(web::Json(label))
}

/// Deletes a label; the conversations that carried it lose it (and agents are told).
#[utoipa::path(
    tag = "labels",
    params(("id" = Uuid, Path)),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = []))
)]
#[delete("/labels/{id}")]
async fn remove(
    admin: CurrentAdmin,
    state: web::Data<HttpState>,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let changed = state
        .store
        .delete_label(admin.workspace_id, LabelId(id.into_inner()))
        .await?
        .ok_or(ApiError::NotFound)?;
    for conversation in changed {
        crate::chat::announce::conversation_changed(
            state.chat.store(),
            state.chat.bus(),
            conversation,
        )
        .await;
    }
    Ok(HttpResponse::NoContent().finish())
}
