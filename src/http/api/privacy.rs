//! The workspace's data: its retention policy, exports (one visitor's, or everything), and the
//! audit log (docs/privacy.md).

use actix_web::{get, patch, web, HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use super::ErrorBody;
use crate::domain::{
    Conversation, ConversationId, Message, Timestamp, Visitor, VisitorId, WorkspaceId,
};
use crate::error::ApiError;
use crate::http::audit::{self, Action};
use crate::http::extract::{AdminJson, CurrentAdmin, CurrentAgent};
use crate::http::HttpState;
use crate::store::privacy::{AuditRow, WorkspaceChange, WorkspaceInfo};
use crate::store::DynStore;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(get_workspace)
        .service(update_workspace)
        .service(export_workspace)
        .service(export_visitor)
        .service(audit_log);
}

/// The longest retention a workspace may set, in days (ten years).
const MAX_RETENTION_DAYS: i32 = 3650;

/// The workspace's name and data policy.
#[utoipa::path(tag = "privacy", responses((status = 200, body = WorkspaceInfo)), security(("bearer" = [])))]
#[get("/workspace")]
async fn get_workspace(
    me: CurrentAgent,
    state: web::Data<HttpState>,
) -> Result<web::Json<WorkspaceInfo>, ApiError> {
    state
        .store
        .workspace_info(me.workspace_id)
        .await?
        .map(web::Json)
        .ok_or(ApiError::NotFound)
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateWorkspace {
    pub name: Option<String>,
    /// Days after their last resolution that resolved conversations are deleted (1 to 3650);
    /// null keeps them.
    #[serde(default, deserialize_with = "super::nullable")]
    #[schema(value_type = Option<i32>)]
    pub retention_days: Option<Option<i32>>,
    /// Reports count response and resolution times within each team's business hours only.
    pub reports_business_hours: Option<bool>,
}

/// Renames the workspace or sets how long it keeps resolved conversations (admins).
#[utoipa::path(tag = "privacy", request_body = UpdateWorkspace, responses((status = 200, body = WorkspaceInfo), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)), security(("bearer" = [])))]
#[patch("/workspace")]
async fn update_workspace(
    req: HttpRequest,
    state: web::Data<HttpState>,
    AdminJson(admin, change): AdminJson<UpdateWorkspace>,
) -> Result<web::Json<WorkspaceInfo>, ApiError> {
    // Shown to everyone of the workspace: controls and invisible formatting go (as in every
    // name), and something visible must be left.
    let name = change
        .name
        .as_deref()
        .map(|n| {
            crate::domain::input::clean_name(n, 200)
                .ok_or_else(|| ApiError::Unprocessable("name must show 1 to 200 characters".into()))
        })
        .transpose()?;
    if let Some(Some(days)) = change.retention_days {
        if !(1..=MAX_RETENTION_DAYS).contains(&days) {
            return Err(ApiError::Unprocessable(format!(
                "retention_days: between 1 and {MAX_RETENTION_DAYS}, or null to keep everything"
            )));
        }
    }
    let info = state
        .store
        .update_workspace(
            admin.workspace_id,
            &WorkspaceChange {
                name: name.as_deref(),
                retention_days: change.retention_days,
                reports_business_hours: change.reports_business_hours,
            },
        )
        .await?
        .ok_or(ApiError::NotFound)?;
    let mut detail = audit::given(&[
        ("name", change.name.is_some()),
        ("retention_days", change.retention_days.is_some()),
        (
            "reports_business_hours",
            change.reports_business_hours.is_some(),
        ),
    ]);
    if change.retention_days.is_some() {
        detail["retention_days"] = json!(info.retention_days);
    }
    audit::by_agent(
        &req,
        &state,
        &admin,
        Action::WorkspaceUpdated,
        Some(info.id.0),
        detail,
    )
    .await;
    Ok(web::Json(info))
}

/// Everything stored about one visitor.
#[derive(Debug, Serialize, ToSchema)]
pub struct VisitorExport {
    #[schema(value_type = String)]
    pub exported_at: Timestamp,
    pub visitor: Visitor,
    /// Pages seen, most recent first.
    #[schema(value_type = Vec<Object>)]
    pub pages: Vec<crate::domain::VisitorPage>,
    pub blocked: Option<crate::domain::VisitorBlock>,
    /// Oldest first, each with its messages (notes included) in order.
    #[schema(value_type = Vec<Object>)]
    pub conversations: Vec<Value>,
}

/// Everything stored about a visitor, as JSON (admins): their record, pages, block, and every
/// conversation with its messages, attachments' names and ratings.
#[utoipa::path(tag = "privacy", params(("id" = Uuid, Path)), responses((status = 200, body = VisitorExport), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)), security(("bearer" = [])))]
#[get("/visitors/{id}/export")]
async fn export_visitor(
    req: HttpRequest,
    admin: CurrentAdmin,
    state: web::Data<HttpState>,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let workspace = admin.workspace_id;
    let visitor = state
        .store
        .visitor(workspace, VisitorId(id.into_inner()))
        .await?
        .ok_or(ApiError::NotFound)?;
    let pages = state
        .store
        .pages(workspace, visitor.id, crate::store::catalog::PAGES_KEPT)
        .await?;
    let blocked = state.store.visitor_block(workspace, visitor.id).await?;
    let conversations = state
        .store
        .visitor_conversations(workspace, visitor.id)
        .await?;
    let conversations = with_messages(&state.store, workspace, conversations).await?;
    let export = VisitorExport {
        exported_at: Timestamp::now(),
        pages,
        blocked,
        conversations,
        visitor,
    };
    audit::by_agent(
        &req,
        &state,
        &admin,
        Action::VisitorExported,
        Some(export.visitor.id.0),
        json!({}),
    )
    .await;
    let body = serde_json::to_vec_pretty(&export).map_err(|e| ApiError::Internal(e.to_string()))?;
    Ok(download(
        "application/json",
        &format!("visitor-{}.json", export.visitor.id.0),
        body,
    ))
}

/// Conversations as JSON objects, each with its `messages`.
async fn with_messages(
    store: &DynStore,
    workspace: WorkspaceId,
    conversations: Vec<Conversation>,
) -> Result<Vec<Value>, ApiError> {
    let ids: Vec<ConversationId> = conversations.iter().map(|c| c.id).collect();
    let mut messages = store
        .messages_of(workspace, &ids)
        .await?
        .into_iter()
        .peekable();
    let mut out = Vec::with_capacity(conversations.len());
    for conversation in conversations {
        let mut mine: Vec<Message> = Vec::new();
        while let Some(m) = messages.next_if(|m| m.conversation_id == conversation.id) {
            mine.push(m);
        }
        let mut value =
            serde_json::to_value(&conversation).map_err(|e| ApiError::Internal(e.to_string()))?;
        value["messages"] =
            serde_json::to_value(mine).map_err(|e| ApiError::Internal(e.to_string()))?;
        out.push(value);
    }
    Ok(out)
}

fn download(
    content_type: &'static str,
    name: &str,
    body: impl actix_web::body::MessageBody + 'static,
) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((actix_web::http::header::CONTENT_TYPE, content_type))
        .insert_header((
            actix_web::http::header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{name}\""),
        ))
        .insert_header((actix_web::http::header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .insert_header((actix_web::http::header::CACHE_CONTROL, "no-store"))
        .body(body)
}

/// Rows read per step of the workspace export.
const EXPORT_PAGE: i64 = 200;

/// Where the workspace export is.
enum Step {
    Head,
    Visitors(Option<VisitorId>),
    Conversations(Option<ConversationId>),
    Done,
}

/// The whole workspace as NDJSON, streamed (admins): a `workspace` line, then its sites
/// (without their identity secrets), agents, teams, labels, visitors, and conversations each
/// with its messages. Read page by page, so that a large workspace is never held in memory.
#[utoipa::path(tag = "privacy", responses((status = 200, content_type = "application/x-ndjson", body = String), (status = 403, body = ErrorBody)), security(("bearer" = [])))]
#[get("/workspace/export")]
async fn export_workspace(
    req: HttpRequest,
    admin: CurrentAdmin,
    state: web::Data<HttpState>,
) -> Result<HttpResponse, ApiError> {
    let workspace = admin.workspace_id;
    audit::by_agent(
        &req,
        &state,
        &admin,
        Action::WorkspaceExported,
        Some(workspace.0),
        json!({}),
    )
    .await;
    let store = state.store.clone();
    let stream = futures_util::stream::unfold(Step::Head, move |step| {
        let store = store.clone();
        async move {
            let (lines, next) = match export_step(&store, workspace, step).await {
                Ok(Some(out)) => out,
                Ok(None) => return None,
                Err(err) => {
                    tracing::warn!(error = %err, "workspace export cut short");
                    return Some((
                        Err(actix_web::error::ErrorInternalServerError("export failed")),
                        Step::Done,
                    ));
                }
            };
            Some((Ok::<_, actix_web::Error>(web::Bytes::from(lines)), next))
        }
    });
    let day = Timestamp::now().as_datetime().format("%Y-%m-%d");
    Ok(HttpResponse::Ok()
        .insert_header((
            actix_web::http::header::CONTENT_TYPE,
            "application/x-ndjson",
        ))
        .insert_header((
            actix_web::http::header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"parley-workspace-{day}.ndjson\""),
        ))
        .insert_header((actix_web::http::header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .insert_header((actix_web::http::header::CACHE_CONTROL, "no-store"))
        .streaming(stream))
}

/// One step of the export: its lines and the next step; `None` once done.
async fn export_step(
    store: &DynStore,
    workspace: WorkspaceId,
    step: Step,
) -> Result<Option<(Vec<u8>, Step)>, ApiError> {
    let mut out = Vec::new();
    let mut line = |kind: &str, value: Value| -> Result<(), ApiError> {
        let mut value = value;
        if let Value::Object(map) = &mut value {
            map.insert("type".into(), Value::String(kind.into()));
        }
        serde_json::to_writer(&mut out, &value).map_err(|e| ApiError::Internal(e.to_string()))?;
        out.push(b'\n');
        Ok(())
    };
    let next = match step {
        Step::Done => return Ok(None),
        Step::Head => {
            let info = store
                .workspace_info(workspace)
                .await?
                .ok_or(ApiError::NotFound)?;
            line("workspace", json(&info))?;
            for site in store.sites(workspace).await? {
                let mut value = json(&site);
                if let Value::Object(map) = &mut value {
                    map.remove("identity_secret");
                }
                line("site", value)?;
            }
            for agent in store.agents(workspace).await? {
                line("agent", json(&agent))?;
            }
            for team in store.teams(workspace).await? {
                line("team", json(&team))?;
            }
            for label in store.labels(workspace).await? {
                line("label", json(&label))?;
            }
            Step::Visitors(None)
        }
        Step::Visitors(after) => {
            let page = store.visitors_after(workspace, after, EXPORT_PAGE).await?;
            for visitor in &page {
                line("visitor", json(visitor))?;
            }
            match page.last() {
                Some(last) if page.len() as i64 == EXPORT_PAGE => Step::Visitors(Some(last.id)),
                _ => Step::Conversations(None),
            }
        }
        Step::Conversations(after) => {
            let page = store
                .conversations_after(workspace, after, EXPORT_PAGE)
                .await?;
            let last = page.last().map(|c| c.id);
            let full = page.len() as i64 == EXPORT_PAGE;
            for value in with_messages(store, workspace, page).await? {
                line("conversation", value)?;
            }
            match last {
                Some(last) if full => Step::Conversations(Some(last)),
                _ => Step::Done,
            }
        }
    };
    Ok(Some((out, next)))
}

/// A row as JSON (the export's rows are plain data: this cannot fail).
fn json<T: Serialize>(row: &T) -> Value {
    serde_json::to_value(row).unwrap_or(Value::Null)
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditParams {
    pub cursor: Option<String>,
    /// At most 200 (default 50).
    pub limit: Option<i64>,
    /// Actions starting with this, e.g. `site.` or `visitor.erased`.
    pub action: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AuditActor {
    /// `agent`, `api_key`, `visitor` or `system`.
    pub kind: crate::store::privacy::ActorKind,
    pub id: Option<Uuid>,
    pub name: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AuditLine {
    pub id: Uuid,
    #[schema(value_type = String)]
    pub at: Timestamp,
    pub actor: AuditActor,
    pub ip: Option<String>,
    pub action: String,
    pub target_kind: String,
    pub target_id: Option<Uuid>,
    #[schema(value_type = Object)]
    pub detail: Value,
}

impl From<AuditRow> for AuditLine {
    fn from(row: AuditRow) -> Self {
        AuditLine {
            actor: AuditActor {
                kind: row.actor_kind(),
                id: row.actor_id,
                name: row.actor_name,
            },
            id: row.id,
            at: row.at,
            ip: row.ip,
            action: row.action,
            target_kind: row.target_kind,
            target_id: row.target_id,
            detail: row.detail.0,
        }
    }
}

/// Who changed what among sites, agents, teams, the workspace, webhooks, API keys, blocks and
/// visitors' data, newest first (admins).
#[utoipa::path(tag = "privacy", params(AuditParams), responses((status = 200, body = super::Page<AuditLine>), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody)), security(("bearer" = [])))]
#[get("/audit")]
async fn audit_log(
    admin: CurrentAdmin,
    state: web::Data<HttpState>,
    params: web::Query<AuditParams>,
) -> Result<web::Json<super::Page<AuditLine>>, ApiError> {
    let limit = params.limit.unwrap_or(50);
    if !(1..=200).contains(&limit) {
        return Err(ApiError::BadRequest("limit: between 1 and 200".into()));
    }
    let prefix = params.action.as_deref().filter(|a| !a.is_empty());
    if prefix.is_some_and(|p| {
        p.len() > 64
            || !p
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b == b'.' || b == b'_')
    }) {
        return Err(ApiError::BadRequest(
            "action: a prefix such as site. or visitor.erased".into(),
        ));
    }
    let before = super::cursor(params.cursor.as_deref())?;
    let rows = state
        .store
        .audit_log(admin.workspace_id, before, prefix, limit + 1)
        .await?;
    let more = rows.len() as i64 > limit;
    let items: Vec<AuditLine> = rows
        .into_iter()
        .take(limit as usize)
        .map(AuditLine::from)
        .collect();
    let next_cursor = more.then(|| items.last()).flatten().map(|last| {
        crate::store::catalog::Cursor {
            at: last.at,
            id: last.id,
        }
        .encode()
    });
    Ok(web::Json(super::Page { items, next_cursor }))
}
