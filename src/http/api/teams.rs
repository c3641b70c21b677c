//! Teams (admins): who answers a site's conversations, and their business hours.

use actix_web::{delete, get, patch, post, web, HttpResponse};
use serde::Deserialize;
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use super::{ErrorBody, Page};
use crate::domain::hours::BusinessHours;
use crate::domain::{AgentId, Assignment, Team, TeamId};
use crate::error::ApiError;
use crate::http::extract::{AdminJson, CurrentAdmin};
use crate::http::HttpState;
use crate::store::teams::{TeamDraft, TeamRefusal};

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list)
        .service(create)
        .service(get_one)
        .service(update)
        .service(remove);
}

/// Most members one team may list.
const MAX_MEMBERS: usize = 500;

fn team_name(text: &str) -> Result<String, ApiError> {
    crate::domain::input::clean_name(text, 200)
        .ok_or_else(|| ApiError::Unprocessable("name must show 1 to 200 characters".into()))
}

/// Checks a draft's parts: members bounded, hours that parse, an assignment that exists.
fn checked(draft: TeamDraft) -> Result<TeamDraft, ApiError> {
    if draft.agent_ids.len() > MAX_MEMBERS {
        return Err(ApiError::Unprocessable(format!(
            "agent_ids: at most {MAX_MEMBERS} agents"
        )));
    }
    if let Some(hours) = &draft.hours {
        hours
            .schedule()
            .map_err(|e| ApiError::Unprocessable(format!("hours: {e}")))?;
    }
    Ok(draft)
}

fn refused(refusal: TeamRefusal) -> ApiError {
    match refusal {
        TeamRefusal::NameTaken => ApiError::Conflict("a team with this name exists".into()),
        TeamRefusal::UnknownAgent(id) => {
            ApiError::Unprocessable(format!("agent_ids: {id} is not an agent of this workspace"))
        }
    }
}

/// The workspace's teams, by name.
#[utoipa::path(tag = "teams", responses((status = 200, body = Page<Team>), (status = 403, body = ErrorBody)), security(("bearer" = [])))]
#[get("/teams")]
async fn list(
    admin: CurrentAdmin,
    state: web::Data<HttpState>,
) -> Result<web::Json<Page<Team>>, ApiError> {
    Ok(web::Json(Page {
        items: state.store.teams(admin.workspace_id).await?,
        next_cursor: None,
    }))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateTeam {
    pub name: String,
    #[serde(default)]
    #[schema(value_type = Vec<Uuid>)]
    pub agent_ids: Vec<AgentId>,
    #[serde(default = "manual")]
    pub assignment: Assignment,
    /// Null or absent: always open.
    #[serde(default)]
    pub hours: Option<BusinessHours>,
}

fn manual() -> Assignment {
    Assignment::Manual
}

/// Makes a team.
#[utoipa::path(
    tag = "teams",
    request_body = CreateTeam,
    responses((status = 201, body = Team), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = []))
)]
#[post("/teams")]
async fn create(
    req: actix_web::HttpRequest,
    AdminJson(admin, body): AdminJson<CreateTeam>,
    state: web::Data<HttpState>,
) -> Result<HttpResponse, ApiError> {
    let draft = checked(TeamDraft {
        name: team_name(&body.name)?,
        agent_ids: body.agent_ids,
        assignment: body.assignment,
        hours: body.hours,
    })?;
    let team = state
        .store
        .write_team(admin.workspace_id, None, &draft)
        .await?
        .map_err(refused)?
        .ok_or_else(|| ApiError::Internal("a team made is not found".into()))?;
    crate::http::audit::by_agent(
        &req,
        &state,
        &admin,
        crate::http::audit::Action::TeamCreated,
        Some(team.id.0),
        serde_json::json!({ "name": team.name }),
    )
    .await;
    Ok(HttpResponse::Created().json(team))
}

/// One team.
#[utoipa::path(tag = "teams", params(("id" = Uuid, Path)), responses((status = 200, body = Team), (status = 404, body = ErrorBody)), security(("bearer" = [])))]
#[get("/teams/{id}")]
async fn get_one(
    admin: CurrentAdmin,
    state: web::Data<HttpState>,
    id: web::Path<Uuid>,
) -> Result<web::Json<Team>, ApiError> {
    let id = TeamId(id.into_inner());
    Ok(web::Json(
        state
            .store
            .team(admin.workspace_id, id)
            .await?
            .ok_or(ApiError::NotFound)?,
    ))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateTeam {
    pub name: Option<String>,
    /// The whole membership, replacing the current one.
    #[schema(value_type = Option<Vec<Uuid>>)]
    pub agent_ids: Option<Vec<AgentId>>,
    pub assignment: Option<Assignment>,
    /// Null: always open.
    #[serde(default, deserialize_with = "super::nullable")]
    #[schema(value_type = Option<BusinessHours>)]
    pub hours: Option<Option<BusinessHours>>,
}

/// Changes the fields given.
#[utoipa::path(
    tag = "teams",
    params(("id" = Uuid, Path)),
    request_body = UpdateTeam,
    responses((status = 200, body = Team), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = []))
)]
#[patch("/teams/{id}")]
async fn update(
    req: actix_web::HttpRequest,
    AdminJson(admin, body): AdminJson<UpdateTeam>,
    state: web::Data<HttpState>,
    id: web::Path<Uuid>,
) -> Result<web::Json<Team>, ApiError> {
    let id = TeamId(id.into_inner());
    let current = state
        .store
        .team(admin.workspace_id, id)
        .await?
        .ok_or(ApiError::NotFound)?;
    let draft = checked(TeamDraft {
        name: match &body.name {
            Some(name) => team_name(name)?,
            None => current.name,
        },
        agent_ids: body.agent_ids.unwrap_or(current.agent_ids),
        assignment: body.assignment.unwrap_or(current.assignment),
        hours: body.hours.unwrap_or(current.hours),
    })?;
    let team = state
        .store
        .write_team(admin.workspace_id, Some(id), &draft)
        .await?
        .map_err(refused)?
        .ok_or(ApiError::NotFound)?;
    // New members or another rule may take what waits.
    state.chat.routing().wanted(admin.workspace_id);
    crate::http::audit::by_agent(
        &req,
        &state,
        &admin,
        crate::http::audit::Action::TeamUpdated,
        Some(team.id.0),
        serde_json::json!({ "name": team.name }),
    )
    .await;
    Ok(web::Json(team))
}

/// Removes a team; its sites go back to the whole workspace.
#[utoipa::path(tag = "teams", params(("id" = Uuid, Path)), responses((status = 204), (status = 404, body = ErrorBody)), security(("bearer" = [])))]
#[delete("/teams/{id}")]
async fn remove(
    req: actix_web::HttpRequest,
    admin: CurrentAdmin,
    state: web::Data<HttpState>,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let deleted = state
        .store
        .delete_team(admin.workspace_id, TeamId(id))
        .await?;
    state.chat.sites().forget_all();
    crate::http::audit::deleted(
        &req,
        &state,
        &admin,
        crate::http::audit::Action::TeamDeleted,
        id,
        deleted,
    )
    .await
}
