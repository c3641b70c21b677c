//! Sites (admins): the websites that embed the widget, their allowed origins, widget settings
//! and identity secrets (rotated with the previous one kept valid until the next rotation).

use actix_web::{delete, get, patch, post, web, HttpResponse};
use serde::Deserialize;
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use super::{ErrorBody, Page};
use crate::auth::random_token;
use crate::config::parse_origin;
use crate::domain::{NewSite, Site, SiteId, SiteKey, WidgetSettings};
use crate::error::ApiError;
use crate::http::extract::{AdminJson, CurrentAdmin};
use crate::http::HttpState;
use crate::store::admin::SiteChange;
use crate::store::desk::OriginRefusal;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list)
        .service(create)
        .service(get_one)
        .service(update)
        .service(remove)
        .service(rotate_secret)
        .service(refused_origins);
}

/// Pages that tried to embed the site's widget from an origin it does not allow (the ones
/// allowed since are left out), latest first.
#[utoipa::path(
    tag = "sites",
    params(("id" = Uuid, Path)),
    responses((status = 200, body = Page<OriginRefusal>), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = []))
)]
#[get("/sites/{id}/refused-origins")]
async fn refused_origins(
    admin: CurrentAdmin,
    state: web::Data<HttpState>,
    id: web::Path<Uuid>,
) -> Result<web::Json<Page<OriginRefusal>>, ApiError> {
    let workspace = admin.workspace_id;
    let site = state
        .store
        .site(workspace, SiteId(id.into_inner()))
        .await?
        .ok_or(ApiError::NotFound)?;
    let allowed = crate::access::origin::allowed(&site);
    let items = state
        .store
        .refused_origins(workspace, site.id)
        .await?
        .into_iter()
        .filter(|r| !allowed.is_empty() && !allowed.contains(&r.origin))
        .collect();
    Ok(web::Json(Page {
        items,
        next_cursor: None,
    }))
}

/// Length of a generated identity secret.
const SECRET_LEN: usize = 40;
/// Most allowed origins per site.
const MAX_ORIGINS: usize = 100;

fn site_name(name: &str) -> Result<String, ApiError> {
    crate::domain::input::check_text("name", name)?;
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 200 {
        return Err(ApiError::Unprocessable(
            "name must be 1 to 200 characters".into(),
        ));
    }
    Ok(name.to_owned())
}

fn origins(given: Vec<String>) -> Result<Vec<String>, ApiError> {
    if given.len() > MAX_ORIGINS {
        return Err(ApiError::Unprocessable(format!(
            "allowed_origins: at most {MAX_ORIGINS}"
        )));
    }
    let mut parsed: Vec<String> = given
        .iter()
        .map(|o| {
            parse_origin(o).map_err(|e| ApiError::Unprocessable(format!("allowed_origins: {e}")))
        })
        .collect::<Result<_, _>>()?;
    parsed.sort();
    parsed.dedup();
    Ok(parsed)
}

/// Each proactive rule speaks as an active agent of the workspace.
async fn check_greeters(
    state: &HttpState,
    workspace: crate::domain::WorkspaceId,
    settings: &serde_json::Value,
) -> Result<(), ApiError> {
    for (i, rule) in WidgetSettings::of(settings).proactive.iter().enumerate() {
        match state.store.agent(workspace, rule.agent_id).await? {
            Some(agent) if agent.active => {}
            _ => {
                return Err(ApiError::Unprocessable(format!(
                    "settings.proactive[{i}].agent_id is not an active agent of this workspace"
                )))
            }
        }
    }
    Ok(())
}

/// Overlays `patch` on `base` and checks the result as widget settings.
fn settings(
    base: serde_json::Value,
    patch: serde_json::Map<String, serde_json::Value>,
) -> Result<serde_json::Value, ApiError> {
    let mut merged = match base {
        serde_json::Value::Object(map) => map,
        _ => serde_json::Map::new(),
    };
    merged.extend(patch);
    let parsed: WidgetSettings = serde_json::from_value(serde_json::Value::Object(merged))
        .map_err(|e| ApiError::Unprocessable(format!("settings: {e}")))?;
    parsed.validate().map_err(ApiError::Unprocessable)?;
    Ok(parsed.to_json())
}

/// The workspace's sites.
#[utoipa::path(tag = "sites", responses((status = 200, body = Page<Site>), (status = 403, body = ErrorBody)), security(("bearer" = [])))]
#[get("/sites")]
async fn list(
    admin: CurrentAdmin,
    state: web::Data<HttpState>,
) -> Result<web::Json<Page<Site>>, ApiError> {
    let items = state.store.sites(admin.workspace_id).await?;
    Ok(web::Json(Page {
        items,
        next_cursor: None,
    }))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateSite {
    pub name: String,
    /// Origins allowed to embed the widget; empty allows any.
    #[serde(default)]
    pub allowed_origins: Vec<String>,
    #[serde(default)]
    pub require_identity: bool,
    /// Widget settings; missing fields take their defaults.
    #[serde(default)]
    #[schema(value_type = Object)]
    pub settings: serde_json::Map<String, serde_json::Value>,
}

/// Adds a site; its `site_key` and `identity_secret` are generated.
#[utoipa::path(
    tag = "sites",
    request_body = CreateSite,
    responses((status = 201, body = Site), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = []))
)]
#[post("/sites")]
async fn create(
    req: actix_web::HttpRequest,
    AdminJson(admin, body): AdminJson<CreateSite>,
    state: web::Data<HttpState>,
) -> Result<HttpResponse, ApiError> {
    let CreateSite {
        name,
        allowed_origins,
        require_identity,
        settings: patch,
    } = body;
    let new = NewSite {
        name: site_name(&name)?,
        site_key: SiteKey::generate(),
        identity_secret: random_token(SECRET_LEN),
        allowed_origins: origins(allowed_origins)?,
        settings: settings(WidgetSettings::default().to_json(), patch)?,
    };
    check_greeters(&state, admin.workspace_id, &new.settings).await?;
    let mut site = state.store.create_site(admin.workspace_id, &new).await?;
    if require_identity {
        let change = SiteChange {
            require_identity: Some(true),
            ..Default::default()
        };
        site = state
            .store
            .update_site(admin.workspace_id, site.id, &change)
            .await?
            .ok_or(ApiError::NotFound)?;
    }
    crate::http::audit::by_agent(
        &req,
        &state,
        &admin,
        crate::http::audit::Action::SiteCreated,
        Some(site.id.0),
        serde_json::json!({ "name": site.name }),
    )
    .await;
    Ok(HttpResponse::Created().json(site))
}

/// One site.
#[utoipa::path(tag = "sites", params(("id" = Uuid, Path)), responses((status = 200, body = Site), (status = 404, body = ErrorBody)), security(("bearer" = [])))]
#[get("/sites/{id}")]
async fn get_one(
    admin: CurrentAdmin,
    state: web::Data<HttpState>,
    id: web::Path<Uuid>,
) -> Result<web::Json<Site>, ApiError> {
    let site = state
        .store
        .site(admin.workspace_id, SiteId(id.into_inner()))
        .await?
        .ok_or(ApiError::NotFound)?;
    Ok(web::Json(site))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateSite {
    pub name: Option<String>,
    pub allowed_origins: Option<Vec<String>>,
    pub require_identity: Option<bool>,
    /// Only the fields given change.
    #[schema(value_type = Option<Object>)]
    pub settings: Option<serde_json::Map<String, serde_json::Value>>,
    /// The team answering this site; null: the workspace's agents, always open.
    #[serde(default, deserialize_with = "super::nullable")]
    #[schema(value_type = Option<Uuid>)]
    pub team_id: Option<Option<crate::domain::TeamId>>,
}

/// Changes a site's name, origins, identity requirement or widget settings.
#[utoipa::path(
    tag = "sites",
    params(("id" = Uuid, Path)),
    request_body = UpdateSite,
    responses((status = 200, body = Site), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = []))
)]
#[patch("/sites/{id}")]
async fn update(
    req: actix_web::HttpRequest,
    AdminJson(admin, body): AdminJson<UpdateSite>,
    state: web::Data<HttpState>,
    id: web::Path<Uuid>,
) -> Result<web::Json<Site>, ApiError> {
    let id = SiteId(id.into_inner());
    let current = state
        .store
        .site(admin.workspace_id, id)
        .await?
        .ok_or(ApiError::NotFound)?;
    let fields = crate::http::audit::given(&[
        ("name", body.name.is_some()),
        ("allowed_origins", body.allowed_origins.is_some()),
        ("require_identity", body.require_identity.is_some()),
        ("settings", body.settings.is_some()),
        ("team_id", body.team_id.is_some()),
    ]);
    let UpdateSite {
        name,
        allowed_origins,
        require_identity,
        settings: patch,
        team_id,
    } = body;
    if let Some(Some(team)) = team_id {
        if state.store.team(admin.workspace_id, team).await?.is_none() {
            return Err(ApiError::Unprocessable(
                "team_id: no such team in this workspace".into(),
            ));
        }
    }
    let change = SiteChange {
        name: name.as_deref().map(site_name).transpose()?,
        allowed_origins: allowed_origins.map(origins).transpose()?,
        require_identity,
        settings: patch
            .map(|p| settings(current.settings.0.clone(), p))
            .transpose()?,
        team_id,
    };
    if let Some(settings) = &change.settings {
        check_greeters(&state, admin.workspace_id, settings).await?;
    }
    let site = state
        .store
        .update_site(admin.workspace_id, id, &change)
        .await?
        .ok_or(ApiError::NotFound)?;
    state.chat.sites().forget_all();
    crate::http::audit::by_agent(
        &req,
        &state,
        &admin,
        crate::http::audit::Action::SiteUpdated,
        Some(site.id.0),
        fields,
    )
    .await;
    Ok(web::Json(site))
}

/// Removes a site with its visitors and conversations.
#[utoipa::path(tag = "sites", params(("id" = Uuid, Path)), responses((status = 204), (status = 404, body = ErrorBody)), security(("bearer" = [])))]
#[delete("/sites/{id}")]
async fn remove(
    req: actix_web::HttpRequest,
    admin: CurrentAdmin,
    state: web::Data<HttpState>,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let deleted = state
        .store
        .delete_site(admin.workspace_id, SiteId(id))
        .await?;
    state.chat.sites().forget_all();
    crate::http::audit::deleted(
        &req,
        &state,
        &admin,
        crate::http::audit::Action::SiteDeleted,
        id,
        deleted,
    )
    .await
}

/// A new identity secret; the previous one stays valid until the next rotation.
#[utoipa::path(tag = "sites", params(("id" = Uuid, Path)), responses((status = 200, body = Site), (status = 404, body = ErrorBody)), security(("bearer" = [])))]
#[post("/sites/{id}/rotate-secret")]
async fn rotate_secret(
    req: actix_web::HttpRequest,
    admin: CurrentAdmin,
    state: web::Data<HttpState>,
    id: web::Path<Uuid>,
) -> Result<web::Json<Site>, ApiError> {
    let site = state
        .store
        .rotate_site_secret(
            admin.workspace_id,
            SiteId(id.into_inner()),
            &random_token(SECRET_LEN),
        )
        .await?
        .ok_or(ApiError::NotFound)?;
    state.chat.sites().forget_all();
    crate::http::audit::by_agent(
        &req,
        &state,
        &admin,
        crate::http::audit::Action::SiteSecretRotated,
        Some(site.id.0),
        serde_json::json!({}),
    )
    .await;
    Ok(web::Json(site))
}
