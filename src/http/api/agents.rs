//! The team (admins): invite agents with an initial password, change roles, deactivate (their
//! tokens and sockets stop working at once), remove.

use actix_web::{delete, get, patch, post, web, HttpResponse};
use serde::Deserialize;
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use super::{ErrorBody, Page};
use crate::auth::password;
use crate::domain::{Agent, AgentId, AgentRole, Email, WorkspaceId};
use crate::error::ApiError;
use crate::http::extract::{AdminJson, CurrentAdmin};
use crate::http::HttpState;
use crate::store::admin::{AgentChange, NewAgent};
use crate::store::StoreError;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list)
        .service(create)
        .service(update)
        .service(remove);
}

/// A display name: 1 to 200 characters.
pub fn agent_name(name: &str) -> Result<String, ApiError> {
    crate::domain::input::check_text("name", name)?;
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 200 {
        return Err(ApiError::Unprocessable(
            "name must be 1 to 200 characters".into(),
        ));
    }
    Ok(name.to_owned())
}

/// The team.
#[utoipa::path(tag = "agents", responses((status = 200, body = Page<Agent>), (status = 403, body = ErrorBody)), security(("bearer" = [])))]
#[get("/agents")]
async fn list(
    admin: CurrentAdmin,
    state: web::Data<HttpState>,
) -> Result<web::Json<Page<Agent>>, ApiError> {
    Ok(web::Json(Page {
        items: state.store.agents(admin.workspace_id).await?,
        next_cursor: None,
    }))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateAgent {
    pub email: String,
    pub name: String,
    /// The initial password, to be changed by the agent with `PATCH /me`. Without it the agent
    /// is invited: an email carries a link to choose a password (7 days, once); the answer says
    /// `"invited": true`.
    pub password: Option<String>,
    #[serde(default = "default_role")]
    pub role: AgentRole,
}

fn default_role() -> AgentRole {
    AgentRole::Agent
}

/// Adds an agent: with an initial password, or invited by email to choose one.
#[utoipa::path(
    tag = "agents",
    request_body = CreateAgent,
    responses((status = 201, body = Agent), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = []))
)]
#[post("/agents")]
async fn create(
    req: actix_web::HttpRequest,
    AdminJson(admin, body): AdminJson<CreateAgent>,
    state: web::Data<HttpState>,
) -> Result<HttpResponse, ApiError> {
    let CreateAgent {
        email,
        name,
        password: initial,
        role,
    } = body;
    let email = Email::parse(&email).map_err(|e| ApiError::Unprocessable(format!("email: {e}")))?;
    let name = agent_name(&name)?;
    let invited = initial.is_none();
    // An invited agent's password is a random one nobody knows, until the link sets theirs.
    let initial = initial.unwrap_or_else(|| crate::auth::random_token(40));
    let password_hash = password::hash(initial)
        .await
        .map_err(|e| super::password_refused("password", e))?;
    let agent = state
        .store
        .create_agent(
            admin.workspace_id,
            &NewAgent {
                email,
                name,
                password_hash,
                role,
            },
        )
        .await
        .map_err(|err| match err {
            StoreError::Conflict(_) => {
                ApiError::Conflict("an agent with this email already exists".into())
            }
            other => other.into(),
        })?;
    if invited {
        super::links::send_link(&state, &agent, crate::store::email::AgentLink::Invite).await?;
    }
    crate::http::audit::by_agent(
        &req,
        &state,
        &admin,
        crate::http::audit::Action::AgentCreated,
        Some(agent.id.0),
        serde_json::json!({ "email": agent.email, "role": agent.role, "invited": invited }),
    )
    .await;
    let mut body = serde_json::to_value(&agent)
        .map_err(|_| ApiError::Internal("agent serialisation".into()))?;
    body["invited"] = serde_json::Value::Bool(invited);
    Ok(HttpResponse::Created().json(body))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateAgent {
    pub name: Option<String>,
    pub role: Option<AgentRole>,
    /// `false` deactivates: the agent's tokens and open sockets stop working at once.
    pub active: Option<bool>,
    /// Sets a new password (for an agent who lost theirs).
    pub password: Option<String>,
    /// Open conversations automatic assignment gives the agent at once (0 to 1000; 0 = never).
    pub capacity: Option<i32>,
}

/// Refuses a change that would leave the workspace without an active admin.
async fn keep_an_admin(
    state: &HttpState,
    workspace: WorkspaceId,
    target: &Agent,
    demoted: bool,
) -> Result<(), ApiError> {
    if demoted
        && target.role == AgentRole::Admin
        && target.active
        && state.store.active_admins(workspace).await? <= 1
    {
        return Err(ApiError::Conflict(
            "the workspace must keep an active admin".into(),
        ));
    }
    Ok(())
}

/// Changes an agent's name, role, password or active state.
#[utoipa::path(
    tag = "agents",
    params(("id" = Uuid, Path)),
    request_body = UpdateAgent,
    responses((status = 200, body = Agent), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = []))
)]
#[patch("/agents/{id}")]
async fn update(
    req: actix_web::HttpRequest,
    AdminJson(admin, body): AdminJson<UpdateAgent>,
    state: web::Data<HttpState>,
    id: web::Path<Uuid>,
) -> Result<web::Json<Agent>, ApiError> {
    let workspace = admin.workspace_id;
    let target = state
        .store
        .agent(workspace, AgentId(id.into_inner()))
        .await?
        .ok_or(ApiError::NotFound)?;
    let fields = crate::http::audit::given(&[
        ("name", body.name.is_some()),
        ("role", body.role.is_some()),
        ("active", body.active.is_some()),
        ("password", body.password.is_some()),
        ("capacity", body.capacity.is_some()),
    ]);
    let UpdateAgent {
        name,
        role,
        active,
        password: new_password,
        capacity,
    } = body;
    if capacity.is_some_and(|c| !(0..=1000).contains(&c)) {
        return Err(ApiError::Unprocessable(
            "capacity must be between 0 and 1000".into(),
        ));
    }
    let demoted = role == Some(AgentRole::Agent) || active == Some(false);
    keep_an_admin(&state, workspace, &target, demoted).await?;
    let password_hash = match new_password {
        Some(p) => Some(
            password::hash(p)
                .await
                .map_err(|e| super::password_refused("password", e))?,
        ),
        None => None,
    };
    let change = AgentChange {
        name: name.as_deref().map(agent_name).transpose()?,
        role,
        active,
        password_hash,
        capacity,
        // The agent's own choice (`PATCH /me`).
        notify_email: None,
    };
    let agent = state
        .store
        .update_agent(workspace, target.id, &change)
        .await?
        .ok_or(ApiError::NotFound)?;
    // A deactivation or a password reset ends every session of the agent, tokens and sockets.
    if !agent.active || agent.token_version != target.token_version {
        state.chat.revoke_agent(workspace, agent.id);
    }
    // A raised capacity may take conversations waiting in a queue.
    if capacity.is_some_and(|c| c > target.capacity) {
        state.chat.routing().wanted(workspace);
    }
    crate::http::audit::by_agent(
        &req,
        &state,
        &admin,
        crate::http::audit::Action::AgentUpdated,
        Some(agent.id.0),
        fields,
    )
    .await;
    Ok(web::Json(agent))
}

/// Removes an agent; their messages stay, under their name.
#[utoipa::path(tag = "agents", params(("id" = Uuid, Path)), responses((status = 204), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)), security(("bearer" = [])))]
#[delete("/agents/{id}")]
async fn remove(
    req: actix_web::HttpRequest,
    admin: CurrentAdmin,
    state: web::Data<HttpState>,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let workspace = admin.workspace_id;
    let target = state
        .store
        .agent(workspace, AgentId(id.into_inner()))
        .await?
        .ok_or(ApiError::NotFound)?;
    keep_an_admin(&state, workspace, &target, true).await?;
    state.store.delete_agent(workspace, target.id).await?;
    state.chat.revoke_agent(workspace, target.id);
    crate::http::audit::by_agent(
        &req,
        &state,
        &admin,
        crate::http::audit::Action::AgentDeleted,
        Some(target.id.0),
        serde_json::json!({ "email": target.email }),
    )
    .await;
    Ok(HttpResponse::NoContent().finish())
}
