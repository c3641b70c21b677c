//! Visitor profiles for agents: identity, browser, pages seen, past conversations; and blocks.

use actix_web::{delete, get, post, web, HttpResponse};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use super::ErrorBody;
use crate::domain::{Conversation, Timestamp, VisitorBlock, VisitorId, VisitorPage};
use crate::error::ApiError;
use crate::http::extract::{CurrentAdmin, CurrentAgent};
use crate::http::HttpState;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(get_visitor)
        .service(block)
        .service(unblock)
        .service(erase)
        .service(blocks);
}

/// Longest block reason, in characters.
const MAX_REASON_CHARS: usize = 500;

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
    /// Set when an agent blocked this visitor.
    pub blocked: Option<VisitorBlock>,
    /// Answers to the site's pre-chat or offline form, by field name (the visitor's words).
    #[schema(value_type = Object)]
    pub attributes: serde_json::Map<String, serde_json::Value>,
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
    let blocked = state.store.visitor_block(workspace, visitor.id).await?;
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
        blocked,
        attributes: visitor.attributes.0,
    }))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BlockVisitor {
    /// Why, for the other agents (at most 500 characters).
    pub reason: String,
    /// Also refuse anyone of the workspace from the visitor's last address.
    #[serde(default)]
    pub ip: bool,
}

/// Blocks a visitor: its connections close, and from then on its frames (but `ping`) get
/// `forbidden` and nothing of it is stored.
#[utoipa::path(
    tag = "visitors",
    params(("id" = Uuid, Path)),
    request_body = BlockVisitor,
    responses((status = 201, body = VisitorBlock), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = []))
)]
#[post("/visitors/{id}/block")]
async fn block(
    req: actix_web::HttpRequest,
    me: CurrentAgent,
    state: web::Data<HttpState>,
    id: web::Path<Uuid>,
    body: web::Json<BlockVisitor>,
) -> Result<HttpResponse, ApiError> {
    let BlockVisitor { reason, ip } = body.into_inner();
    crate::domain::input::check_text("reason", &reason)?;
    let reason = reason.trim();
    if reason.chars().count() > MAX_REASON_CHARS {
        return Err(ApiError::Unprocessable(format!(
            "reason must be at most {MAX_REASON_CHARS} characters"
        )));
    }
    let block = state
        .chat
        .block_visitor(
            me.workspace_id,
            VisitorId(id.into_inner()),
            reason,
            ip,
            me.id,
        )
        .await?;
    crate::http::audit::by_agent(
        &req,
        &state,
        &me,
        crate::http::audit::Action::VisitorBlocked,
        Some(block.visitor_id.0),
        serde_json::json!({ "ip": block.ip.is_some() }),
    )
    .await;
    Ok(HttpResponse::Created().json(block))
}

/// Lifts a block.
#[utoipa::path(tag = "visitors", params(("id" = Uuid, Path)), responses((status = 204), (status = 404, body = ErrorBody)), security(("bearer" = [])))]
#[delete("/visitors/{id}/block")]
async fn unblock(
    req: actix_web::HttpRequest,
    me: CurrentAgent,
    state: web::Data<HttpState>,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let lifted = state
        .store
        .unblock_visitor(me.workspace_id, VisitorId(id))
        .await?;
    crate::http::audit::deleted(
        &req,
        &state,
        &me,
        crate::http::audit::Action::VisitorUnblocked,
        id,
        lifted,
    )
    .await
}

/// Erases a visitor (admins): their conversations, messages and files go with them, and their
/// open connections close.
#[utoipa::path(tag = "visitors", params(("id" = Uuid, Path)), responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)), security(("bearer" = [])))]
#[delete("/visitors/{id}")]
async fn erase(
    req: actix_web::HttpRequest,
    admin: CurrentAdmin,
    state: web::Data<HttpState>,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let visitor = VisitorId(id.into_inner());
    let erased = state
        .chat
        .erase_visitor(admin.workspace_id, visitor)
        .await?;
    crate::http::audit::deleted(
        &req,
        &state,
        &admin,
        crate::http::audit::Action::VisitorErased,
        visitor.0,
        erased,
    )
    .await
}

/// The workspace's blocked visitors, newest first (admins).
#[utoipa::path(tag = "visitors", responses((status = 200, body = super::Page<VisitorBlock>), (status = 403, body = ErrorBody)), security(("bearer" = [])))]
#[get("/blocks")]
async fn blocks(
    admin: CurrentAdmin,
    state: web::Data<HttpState>,
) -> Result<web::Json<super::Page<VisitorBlock>>, ApiError> {
    Ok(web::Json(super::Page {
        items: state.store.visitor_blocks(admin.workspace_id).await?,
        next_cursor: None,
    }))
}
