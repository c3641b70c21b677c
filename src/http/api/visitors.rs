//! Visitor profiles for agents: identity, browser, pages seen, past conversations.

use actix_web::{get, web};
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use super::ErrorBody;
use crate::domain::{Conversation, Timestamp, VisitorId, VisitorPage};
use crate::error::ApiError;
use crate::http::extract::CurrentAgent;
use crate::http::HttpState;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(get_visitor);
}

/// Pages listed in a profile.
const PAGES: i64 = 50;

#[derive(Debug, Serialize, ToSchema)]
pub struct VisitorProfile {
    pub id: VisitorId,
    pub name: Option<String>,
    pub email: Option<String>,
    /// `verified` (signed by the site), `unverified` (the visitor's own words) or null.
    pub identity: Option<String>,
    /// The site's own user id, for verified visitors.
    pub external_id: Option<String>,
    /// Of a verified identity, what the business signed: `id`, and `name`, `email` when they
    /// came signed (a JWT identity); empty otherwise.
    pub signed: Vec<&'static str>,
    pub user_agent: Option<String>,
    pub online: bool,
    pub created_at: Timestamp,
    pub last_seen_at: Timestamp,
    /// Most recent first.
    pub pages: Vec<VisitorPage>,
    /// Most recent first.
    pub conversations: Vec<Conversation>,
}

/// A visitor of the agent's workspace.
#[utoipa::path(
    tag = "visitors",
    params(("id" = Uuid, Path)),
    responses((status = 200, body = VisitorProfile), (status = 404, body = ErrorBody)),
    security(("bearer" = []))
)]
#[get("/visitors/{id}")]
async fn get_visitor(
    me: CurrentAgent,
    state: web::Data<HttpState>,
    id: web::Path<Uuid>,
) -> Result<web::Json<VisitorProfile>, ApiError> {
    let workspace = me.0.workspace_id;
    let visitor = state
        .store
        .visitor(workspace, VisitorId(id.into_inner()))
        .await?
        .ok_or(ApiError::NotFound)?;
    let pages = state.store.pages(workspace, visitor.id, PAGES).await?;
    let conversations = state
        .store
        .visitor_conversations(workspace, visitor.id)
        .await?;
    let identity = match (&visitor.external_id, &visitor.name, &visitor.email) {
        (Some(_), _, _) => Some("verified".to_owned()),
        (None, None, None) => None,
        _ => Some("unverified".to_owned()),
    };
    let signed = visitor.signed_attributes();
    Ok(web::Json(VisitorProfile {
        id: visitor.id,
        online: state.chat.visitor_online(workspace, visitor.id),
        name: visitor.name,
        email: visitor.email,
        identity,
        signed,
        external_id: visitor.external_id,
        user_agent: visitor.user_agent,
        created_at: visitor.created_at,
        last_seen_at: visitor.last_seen_at,
        pages,
        conversations,
    }))
}
