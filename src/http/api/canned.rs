//! Canned responses: every agent reads them (typing `/shortcut`), admins manage them.

use actix_web::{delete, get, patch, post, web, HttpResponse};
use serde::Deserialize;
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use super::{ErrorBody, Page};
use crate::domain::{Canned, CannedId, UploadId};
use crate::error::ApiError;
use crate::http::extract::{AdminJson, CurrentAdmin, CurrentAgent};
use crate::http::HttpState;
use crate::store::admin::{CannedChange, NewCanned};
use crate::store::StoreError;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list)
        .service(create)
        .service(update)
        .service(remove);
}

fn shortcut(text: &str) -> Result<String, ApiError> {
    let valid = (1..=32).contains(&text.len())
        && text
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-');
    if valid {
        Ok(text.to_owned())
    } else {
        Err(ApiError::Unprocessable(
            "shortcut must be 1 to 32 of a-z, 0-9, _ and -".into(),
        ))
    }
}

fn title(text: &str) -> Result<String, ApiError> {
    crate::domain::input::check_text("title", text)?;
    if text.chars().count() > 200 {
        return Err(ApiError::Unprocessable(
            "title must be at most 200 characters".into(),
        ));
    }
    Ok(text.trim().to_owned())
}

fn body(text: &str) -> Result<String, ApiError> {
    crate::domain::input::check_text("body", text)?;
    if !crate::domain::input::has_visible(text) || text.chars().count() > 20_000 {
        return Err(ApiError::Unprocessable(
            "body must be 1 to 20000 characters".into(),
        ));
    }
    Ok(text.to_owned())
}

fn conflict(err: StoreError) -> ApiError {
    match err {
        StoreError::Conflict(_) => {
            ApiError::Conflict("a canned response with this shortcut exists".into())
        }
        other => other.into(),
    }
}

/// The workspace's canned responses, by shortcut.
#[utoipa::path(tag = "canned", responses((status = 200, body = Page<Canned>), (status = 401, body = ErrorBody)), security(("bearer" = [])))]
#[get("/canned")]
async fn list(
    me: CurrentAgent,
    state: web::Data<HttpState>,
) -> Result<web::Json<Page<Canned>>, ApiError> {
    Ok(web::Json(Page {
        items: state.store.canned(me.workspace_id).await?,
        next_cursor: None,
    }))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateCanned {
    pub shortcut: String,
    #[serde(default)]
    pub title: String,
    pub body: String,
    /// Upload ids of the admin's own files (`POST /uploads`), at most 10.
    #[serde(default)]
    #[schema(value_type = Vec<Uuid>)]
    pub attachments: Vec<UploadId>,
}

/// Adds a canned response (admins).
#[utoipa::path(
    tag = "canned",
    request_body = CreateCanned,
    responses((status = 201, body = Canned), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = []))
)]
#[post("/canned")]
async fn create(
    AdminJson(admin, new): AdminJson<CreateCanned>,
    state: web::Data<HttpState>,
) -> Result<HttpResponse, ApiError> {
    let new = NewCanned {
        shortcut: shortcut(&new.shortcut)?,
        title: title(&new.title)?,
        body: body(&new.body)?,
        attachments: state
            .chat
            .canned_files(admin.workspace_id, admin.id, None, &new.attachments)
            .await?,
    };
    let canned = state
        .store
        .create_canned(admin.workspace_id, &new)
        .await
        .map_err(conflict)?;
    Ok(HttpResponse::Created().json(canned))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateCanned {
    pub shortcut: Option<String>,
    pub title: Option<String>,
    pub body: Option<String>,
    /// Replaces its files: the admin's own new uploads, or ids it already carries.
    #[schema(value_type = Option<Vec<Uuid>>)]
    pub attachments: Option<Vec<UploadId>>,
}

/// Changes a canned response (admins).
#[utoipa::path(
    tag = "canned",
    params(("id" = Uuid, Path)),
    request_body = UpdateCanned,
    responses((status = 200, body = Canned), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = []))
)]
#[patch("/canned/{id}")]
async fn update(
    AdminJson(admin, change): AdminJson<UpdateCanned>,
    state: web::Data<HttpState>,
    id: web::Path<Uuid>,
) -> Result<web::Json<Canned>, ApiError> {
    let id = CannedId(id.into_inner());
    let attachments = match &change.attachments {
        Some(ids) => Some(
            state
                .chat
                .canned_files(admin.workspace_id, admin.id, Some(id), ids)
                .await?,
        ),
        None => None,
    };
    let change = CannedChange {
        shortcut: change.shortcut.as_deref().map(shortcut).transpose()?,
        title: change.title.as_deref().map(title).transpose()?,
        body: change.body.as_deref().map(body).transpose()?,
        attachments,
    };
    let canned = state
        .store
        .update_canned(admin.workspace_id, id, &change)
        .await
        .map_err(conflict)?
        .ok_or(ApiError::NotFound)?;
    Ok(web::Json(canned))
}

/// Removes a canned response (admins).
#[utoipa::path(tag = "canned", params(("id" = Uuid, Path)), responses((status = 204), (status = 404, body = ErrorBody)), security(("bearer" = [])))]
#[delete("/canned/{id}")]
async fn remove(
    admin: CurrentAdmin,
    state: web::Data<HttpState>,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    super::deleted(
        state
            .store
            .delete_canned(admin.workspace_id, CannedId(id.into_inner()))
            .await?,
    )
}
