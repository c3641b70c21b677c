//! Public widget endpoints: no authentication, answered to any origin (CORS) that the site
//! allows, nothing secret.

use actix_cors::Cors;
use actix_web::{delete, get, web, HttpResponse};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::ErrorBody;
use crate::access::origin::refused_origin;
use crate::domain::{SiteKey, WidgetSettings};
use crate::error::ApiError;
use crate::http::HttpState;

/// Browsers may cache the CORS preflight this long.
const CORS_MAX_AGE_SECS: usize = 3600;

/// The public scope, with its own CORS policy: any origin may read, nobody sends credentials.
pub fn scope() -> utoipa_actix_web::scope::Scope<
    impl actix_web::dev::ServiceFactory<
        actix_web::dev::ServiceRequest,
        Config = (),
        Response = actix_web::dev::ServiceResponse<impl actix_web::body::MessageBody>,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    let cors = Cors::default()
        .allow_any_origin()
        .allowed_methods(["GET", "DELETE"])
        .allowed_headers(["authorization"])
        .max_age(CORS_MAX_AGE_SECS);
    utoipa_actix_web::scope("/widget")
        .wrap(cors)
        .service(config)
        .service(forget_me)
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ConfigParams {
    pub site_key: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct WidgetConfig {
    /// The site's widget settings; each proactive rule names its agent as visitors see it
    /// (`agent: {name, avatar_url}`) rather than by id.
    #[serde(flatten)]
    #[schema(value_type = Object)]
    pub settings: serde_json::Map<String, serde_json::Value>,
    pub agents_online: usize,
    /// Whether an agent can answer live now: the site's team within its hours with a member
    /// online, or any agent online for a site without a team.
    pub available: bool,
}

/// A site's public widget settings and how many agents are online.
#[utoipa::path(
    tag = "widget",
    params(ConfigParams),
    responses((status = 200, body = WidgetConfig), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody))
)]
#[get("/config")]
async fn config(
    req: actix_web::HttpRequest,
    state: web::Data<HttpState>,
    params: web::Query<ConfigParams>,
) -> Result<web::Json<WidgetConfig>, ApiError> {
    let key = SiteKey::parse(&params.site_key).ok_or(ApiError::NotFound)?;
    let site = state
        .store
        .site_by_key(&key)
        .await?
        .ok_or(ApiError::NotFound)?;
    // A page the site does not allow: the loader shows nothing, and the admin is told.
    if let Some(origin) = refused_origin(&req, &site, &state.public_url)? {
        state.chat.note_refused_origin(site.id, &origin);
        return Err(ApiError::Forbidden(
            "this page's origin is not allowed for this site".into(),
        ));
    }
    let available = state.chat.available(&site).await?;
    let settings = public_settings(&state, &site).await?;
    Ok(web::Json(WidgetConfig {
        available,
        settings,
        agents_online: state.chat.agents_online(site.workspace_id),
    }))
}

/// The settings a page may read: proactive rules of agents no longer active are left out, and
/// the others name their agent.
async fn public_settings(
    state: &HttpState,
    site: &crate::domain::Site,
) -> Result<serde_json::Map<String, serde_json::Value>, ApiError> {
    let settings = WidgetSettings::of(&site.settings.0);
    let mut rules = Vec::with_capacity(settings.proactive.len());
    for rule in &settings.proactive {
        let Some(agent) = state
            .store
            .agent(site.workspace_id, rule.agent_id)
            .await?
            .filter(|a| a.active)
        else {
            continue;
        };
        rules.push(serde_json::json!({
            "id": rule.id,
            "message": rule.message,
            "url": rule.url,
            "delay_s": rule.delay_s,
            "returning": rule.returning,
            "agent": crate::domain::Assignee::from(&agent).public(),
        }));
    }
    let mut json = match settings.to_json() {
        serde_json::Value::Object(map) => map,
        _ => serde_json::Map::new(),
    };
    json.insert("proactive".into(), serde_json::Value::Array(rules));
    Ok(json)
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SiteParam {
    pub site_key: String,
}

/// A visitor asks to be forgotten (`Authorization: Bearer <visitor token>`): they, their
/// conversations, messages and files are erased as `DELETE /visitors/{id}` does, their
/// connections close, and the token is refused from then on. A blocked visitor cannot (an
/// admin can erase them).
#[utoipa::path(
    tag = "widget",
    params(SiteParam),
    responses((status = 204), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody))
)]
#[delete("/me")]
async fn forget_me(
    req: actix_web::HttpRequest,
    state: web::Data<HttpState>,
    params: web::Query<SiteParam>,
) -> Result<HttpResponse, ApiError> {
    let site = state.chat.site_named(Some(&params.site_key)).await?;
    crate::access::origin::check_site(&req, &site, &state.public_url)?;
    let token = crate::http::extract::bearer(&req).ok_or(ApiError::Unauthorized)?;
    let claims = state
        .tokens
        .verify_visitor(&token)
        .map_err(|_| ApiError::Unauthorized)?;
    if claims.site_id != site.id {
        return Err(ApiError::Unauthorized);
    }
    let workspace = site.workspace_id;
    let visitor = state
        .store
        .visitor(workspace, claims.sub)
        .await?
        .ok_or(ApiError::Unauthorized)?;
    if state
        .store
        .visitor_block(workspace, visitor.id)
        .await?
        .is_some()
    {
        return Err(ApiError::Forbidden("this visitor is blocked".into()));
    }
    if !state.chat.erase_visitor(workspace, visitor.id).await? {
        return Err(ApiError::Unauthorized);
    }
    let actor = crate::http::audit::Actor::visitor(&req, &state, visitor.id.0);
    crate::http::audit::record(
        &state.store,
        workspace,
        actor,
        crate::http::audit::Action::VisitorErased,
        Some(visitor.id.0),
        serde_json::json!({ "by": "visitor" }),
    )
    .await;
    Ok(HttpResponse::NoContent().finish())
}
