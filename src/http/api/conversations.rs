//! The inbox and conversations: listing with filters and search, details, assignment and
//! status, history, and sending over HTTP with the same idempotency as the WebSocket.

use actix_web::{get, patch, post, web, HttpResponse};
use serde::{Deserialize, Serialize};
use tokio::sync::oneshot;
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use super::{nullable, ErrorBody, MessagePage, Page};
use crate::chat::history::{HISTORY_DEFAULT, HISTORY_MAX};
use crate::chat::writer::{Reply, SendRequest};
use crate::chat::ChangedBy;
use crate::domain::{
    AgentId, ClientMsgId, ConversationId, ConversationStatus, LabelId, Message, MessageKind,
    Priority, TeamId, Timestamp,
};
use crate::error::ApiError;
use crate::http::extract::CurrentAgent;
use crate::http::HttpState;
use crate::store::catalog::Cursor;
use crate::store::inbox::{AssigneeFilter, InboxCounts, InboxQuery, InboxRow, TeamFilter};
use crate::store::{AppendOutcome, Audience, ConversationChange};

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list)
        .service(counts)
        .service(get_one)
        .service(update)
        .service(messages)
        .service(emails)
        .service(transcript)
        .service(send);
}

/// Most messages a transcript holds (the earliest ones).
const TRANSCRIPT_MESSAGES: i64 = 20_000;

/// The whole conversation as plain text, to keep or share: each message with its time, author
/// and files; notes marked as such; system lines set apart.
#[utoipa::path(
    tag = "conversations",
    params(("id" = Uuid, Path)),
    responses((status = 200, body = String, content_type = "text/plain"), (status = 404, body = ErrorBody)),
    security(("bearer" = []))
)]
#[get("/conversations/{id}/transcript")]
async fn transcript(
    me: CurrentAgent,
    state: web::Data<HttpState>,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let workspace = me.0.workspace_id;
    let id = ConversationId(id.into_inner());
    let row = state
        .store
        .inbox_row(workspace, me.0.id, id)
        .await?
        .ok_or(ApiError::NotFound)?;
    let site = state
        .store
        .site(workspace, row.conversation.site_id)
        .await?
        .map(|s| s.name)
        .unwrap_or_default();
    let mut text = crate::chat::transcript::header(&row, &site);
    let mut after = 0;
    let mut written = 0;
    loop {
        let page = state
            .chat
            .messages_after(
                workspace,
                id,
                after,
                HISTORY_MAX,
                Audience::Agent,
                PAGE_BYTES,
            )
            .await?;
        for message in &page.messages {
            text.push_str(&crate::chat::transcript::line(message));
            after = message.seq;
            written += 1;
        }
        if !page.more || page.messages.is_empty() || written >= TRANSCRIPT_MESSAGES {
            break;
        }
    }
    Ok(HttpResponse::Ok()
        .insert_header((
            actix_web::http::header::CONTENT_TYPE,
            "text/plain; charset=utf-8",
        ))
        .insert_header((
            actix_web::http::header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"conversation-{id}.txt\""),
        ))
        .insert_header((actix_web::http::header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .body(text))
}

/// The reply emails of a conversation.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReplyEmails {
    pub items: Vec<crate::store::email::ReplyEmailState>,
}

/// Where the conversation's reply emails stand (one per group of agent replies emailed to a
/// visitor who left): `pending`, `sent`, `failed` or `skipped`, with the replies each carries.
#[utoipa::path(
    tag = "conversations",
    params(("id" = Uuid, Path)),
    responses((status = 200, body = ReplyEmails), (status = 404, body = ErrorBody)),
    security(("bearer" = []))
)]
#[get("/conversations/{id}/emails")]
async fn emails(
    me: CurrentAgent,
    state: web::Data<HttpState>,
    id: web::Path<Uuid>,
) -> Result<web::Json<ReplyEmails>, ApiError> {
    let workspace = me.0.workspace_id;
    let id = ConversationId(id.into_inner());
    state.chat.conversation(workspace, id).await?;
    Ok(web::Json(ReplyEmails {
        items: state.store.reply_emails(workspace, id).await?,
    }))
}

/// Conversations per inbox page.
const INBOX_PAGE: i64 = 50;
/// Most bytes of messages in one history response; `more` says the rest follows.
const PAGE_BYTES: usize = 4 * 1024 * 1024;
/// Longest last-message preview in the inbox.
const PREVIEW_CHARS: usize = 200;

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct InboxParams {
    /// `open` or `resolved`; both when absent.
    pub status: Option<ConversationStatus>,
    /// `me`, `none`, or an agent id.
    pub assignee: Option<String>,
    /// Words to find in message text, or text found in the visitor's name, email or form
    /// answers.
    pub q: Option<String>,
    /// `none` (conversations of no team) or a team id.
    pub team: Option<String>,
    /// A label id: only conversations carrying it.
    pub label: Option<Uuid>,
    /// `none`, `low`, `medium`, `high` or `urgent`.
    pub priority: Option<Priority>,
    /// `true`: only snoozed conversations; `false`: only those not snoozed.
    pub snoozed: Option<bool>,
    pub cursor: Option<String>,
}

/// A conversation as the inbox lists it.
#[derive(Debug, Serialize, ToSchema)]
pub struct InboxView {
    #[serde(flatten)]
    pub row: InboxRow,
    pub visitor_verified: bool,
    pub visitor_online: bool,
}

fn view(state: &HttpState, mut row: InboxRow) -> InboxView {
    if let Some(body) = &row.last_body {
        if body.chars().count() > PREVIEW_CHARS {
            row.last_body = Some(body.chars().take(PREVIEW_CHARS).collect());
        }
    }
    let c = &row.conversation;
    InboxView {
        visitor_verified: row.visitor_external_id.is_some(),
        visitor_online: state.chat.visitor_online(c.workspace_id, c.visitor_id),
        row,
    }
}

fn parse_assignee(text: Option<&str>, me: AgentId) -> Result<AssigneeFilter, ApiError> {
    match text {
        None | Some("") | Some("any") => Ok(AssigneeFilter::Any),
        Some("me") => Ok(AssigneeFilter::Agent(me)),
        Some("none") => Ok(AssigneeFilter::Unassigned),
        Some(id) => Uuid::parse_str(id)
            .map(|id| AssigneeFilter::Agent(AgentId(id)))
            .map_err(|_| ApiError::BadRequest("assignee must be me, none or an agent id".into())),
    }
}

/// The inbox: newest activity first, filtered, searchable, paged by cursor.
#[utoipa::path(
    tag = "conversations",
    params(InboxParams),
    responses((status = 200, body = Page<InboxView>), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody)),
    security(("bearer" = []))
)]
#[get("/conversations")]
async fn list(
    me: CurrentAgent,
    state: web::Data<HttpState>,
    params: web::Query<InboxParams>,
) -> Result<web::Json<Page<InboxView>>, ApiError> {
    let params = params.into_inner();
    if let Some(q) = &params.q {
        crate::domain::input::check_text("q", q)
            .map_err(|e| ApiError::BadRequest(e.to_string()))?;
    }
    let after = super::cursor(params.cursor.as_deref())?;
    let query = InboxQuery {
        workspace: me.0.workspace_id,
        viewer: me.0.id,
        status: params.status,
        assignee: parse_assignee(params.assignee.as_deref(), me.0.id)?,
        team: parse_team(params.team.as_deref())?,
        search: params
            .q
            .map(|q| q.trim().chars().take(200).collect::<String>())
            .filter(|q| !q.is_empty()),
        label: params.label.map(LabelId),
        priority: params.priority,
        snoozed: params.snoozed,
        after,
        limit: INBOX_PAGE + 1,
    };
    let mut rows = state.store.inbox(&query).await?;
    let next_cursor = if rows.len() as i64 > INBOX_PAGE {
        rows.truncate(INBOX_PAGE as usize);
        rows.last().map(|r| {
            Cursor {
                at: r.conversation.last_activity_at,
                id: r.conversation.id.0,
            }
            .encode()
        })
    } else {
        None
    };
    let items = rows.into_iter().map(|row| view(&state, row)).collect();
    Ok(web::Json(Page { items, next_cursor }))
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct CountParams {
    /// `none` (conversations of no team) or a team id.
    pub team: Option<String>,
}

fn parse_team(text: Option<&str>) -> Result<TeamFilter, ApiError> {
    match text {
        None | Some("") | Some("any") => Ok(TeamFilter::Any),
        Some("none") => Ok(TeamFilter::NoTeam),
        Some(id) => Uuid::parse_str(id)
            .map(|id| TeamFilter::Team(crate::domain::TeamId(id)))
            .map_err(|_| ApiError::BadRequest("team must be none or a team id".into())),
    }
}

/// How many open conversations each inbox tab holds (all of them, not only those a client
/// has loaded): `open` (not snoozed), `mine`, `unassigned`, `snoozed`.
#[utoipa::path(
    tag = "conversations",
    params(CountParams),
    responses((status = 200, body = InboxCounts), (status = 400, body = ErrorBody)),
    security(("bearer" = []))
)]
#[get("/conversations/counts")]
async fn counts(
    me: CurrentAgent,
    state: web::Data<HttpState>,
    params: web::Query<CountParams>,
) -> Result<web::Json<InboxCounts>, ApiError> {
    let team = parse_team(params.team.as_deref())?;
    Ok(web::Json(
        state
            .store
            .inbox_counts(me.0.workspace_id, me.0.id, team)
            .await?,
    ))
}

async fn load(state: &HttpState, me: &CurrentAgent, id: Uuid) -> Result<InboxView, ApiError> {
    let row = state
        .store
        .inbox_row(me.0.workspace_id, me.0.id, ConversationId(id))
        .await?;
    row.map(|row| view(state, row)).ok_or(ApiError::NotFound)
}

/// One conversation.
#[utoipa::path(
    tag = "conversations",
    params(("id" = Uuid, Path)),
    responses((status = 200, body = InboxView), (status = 404, body = ErrorBody)),
    security(("bearer" = []))
)]
#[get("/conversations/{id}")]
async fn get_one(
    me: CurrentAgent,
    state: web::Data<HttpState>,
    id: web::Path<Uuid>,
) -> Result<web::Json<InboxView>, ApiError> {
    Ok(web::Json(load(&state, &me, id.into_inner()).await?))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateConversation {
    pub status: Option<ConversationStatus>,
    /// An agent of the workspace, or null to unassign.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<Uuid>)]
    pub assignee_id: Option<Option<AgentId>>,
    /// Transfers to a team of the workspace (null: to all its agents). Without `assignee_id`
    /// the conversation leaves its assignee and waits for the team.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<Uuid>)]
    pub team_id: Option<Option<TeamId>>,
    /// A note to the agents about the handover (never shown to the visitor).
    pub note: Option<String>,
    /// The labels it carries (ids of the workspace's labels), replacing the ones it had.
    #[schema(value_type = Option<Vec<Uuid>>)]
    pub labels: Option<Vec<LabelId>>,
    pub priority: Option<Priority>,
    /// Out of the open inbox until then (RFC 3339, in the future, within a year); null wakes
    /// it. A visitor's message wakes it sooner.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub snoozed_until: Option<Option<Timestamp>>,
}

/// Most labels on one conversation.
const MAX_LABELS: usize = 20;
/// Furthest a conversation may be snoozed.
const MAX_SNOOZE: std::time::Duration = std::time::Duration::from_secs(366 * 24 * 3600);

/// The labels, checked as the workspace's, without repeats.
async fn checked_labels(
    state: &HttpState,
    workspace: crate::domain::WorkspaceId,
    mut given: Vec<LabelId>,
) -> Result<Vec<LabelId>, ApiError> {
    given.sort();
    given.dedup();
    if given.len() > MAX_LABELS {
        return Err(ApiError::Unprocessable(format!(
            "labels: at most {MAX_LABELS}"
        )));
    }
    if given.is_empty() {
        return Ok(given);
    }
    let known = state.store.labels(workspace).await?;
    if let Some(unknown) = given.iter().find(|id| !known.iter().any(|l| l.id == **id)) {
        return Err(ApiError::Unprocessable(format!(
            "labels: {unknown} is not a label of this workspace"
        )));
    }
    Ok(given)
}

fn checked_snooze(until: Option<Timestamp>) -> Result<Option<Timestamp>, ApiError> {
    let Some(until) = until else {
        return Ok(None);
    };
    let now = Timestamp::now();
    if until <= now || until.since(now) > MAX_SNOOZE {
        return Err(ApiError::Unprocessable(
            "snoozed_until must be in the future, within a year".into(),
        ));
    }
    Ok(Some(until))
}

/// Assigns, transfers, resolves or reopens. Every connected agent and the visitor are told;
/// a handover leaves system lines in the timeline, and the note as a note.
#[utoipa::path(
    tag = "conversations",
    params(("id" = Uuid, Path)),
    request_body = UpdateConversation,
    responses((status = 200, body = InboxView), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = []))
)]
#[patch("/conversations/{id}")]
async fn update(
    me: CurrentAgent,
    state: web::Data<HttpState>,
    id: web::Path<Uuid>,
    body: web::Json<UpdateConversation>,
) -> Result<web::Json<InboxView>, ApiError> {
    let UpdateConversation {
        status,
        assignee_id,
        team_id,
        note,
        labels,
        priority,
        snoozed_until,
    } = body.into_inner();
    let workspace = me.0.workspace_id;
    let id = ConversationId(id.into_inner());
    let labels = match labels {
        Some(labels) => Some(checked_labels(&state, workspace, labels).await?),
        None => None,
    };
    let snoozed_until = snoozed_until.map(checked_snooze).transpose()?;
    if let Some(Some(team)) = team_id {
        if state.store.team(workspace, team).await?.is_none() {
            return Err(ApiError::Unprocessable(
                "team_id is not a team of this workspace".into(),
            ));
        }
    }
    // Checked before anything changes: a bad note refuses the whole request.
    let note = match note.filter(|n| !n.trim().is_empty()) {
        Some(text) => Some(state.chat.agent_message(
            &me.0,
            id,
            ClientMsgId::new(),
            MessageKind::Note,
            text,
            Default::default(),
        )?),
        None => None,
    };
    if let Some(Some(assignee)) = assignee_id {
        match state.store.agent(workspace, assignee).await? {
            Some(agent) if agent.active => {}
            _ => {
                return Err(ApiError::Unprocessable(
                    "assignee_id is not an active agent of this workspace".into(),
                ))
            }
        }
    }
    let change = ConversationChange {
        status,
        // A transfer to a team without an agent named leaves the conversation to the team.
        assignee: assignee_id.or(team_id.map(|_| None)),
        team: team_id,
        labels,
        priority,
        snoozed_until,
    };
    let conversation = state
        .chat
        .change_conversation(workspace, id, &change, ChangedBy::Agent(&me.0.name))
        .await?;
    if let Some(note) = note {
        state.chat.post(note).await?;
    }
    Ok(web::Json(load(&state, &me, conversation.id.0).await?))
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct HistoryParams {
    /// Messages before this seq (the newest when absent).
    pub before_seq: Option<i64>,
    /// Messages after this seq, ascending (catch-up); wins over `before_seq`.
    pub after_seq: Option<i64>,
    /// At most 100; 50 by default.
    pub limit: Option<i64>,
}

/// History, ascending by seq; `more` says whether older (or, with `after_seq`, newer) exist.
#[utoipa::path(
    tag = "conversations",
    params(("id" = Uuid, Path), HistoryParams),
    responses((status = 200, body = MessagePage<Message>), (status = 404, body = ErrorBody)),
    security(("bearer" = []))
)]
#[get("/conversations/{id}/messages")]
async fn messages(
    me: CurrentAgent,
    state: web::Data<HttpState>,
    id: web::Path<Uuid>,
    params: web::Query<HistoryParams>,
) -> Result<web::Json<MessagePage<Message>>, ApiError> {
    let id = ConversationId(id.into_inner());
    let workspace = me.0.workspace_id;
    let chat = &state.chat;
    chat.conversation(workspace, id).await?;
    let limit = params
        .limit
        .unwrap_or(HISTORY_DEFAULT)
        .clamp(1, HISTORY_MAX);
    let page = match params.after_seq {
        Some(after) => {
            chat.messages_after(workspace, id, after, limit, Audience::Agent, PAGE_BYTES)
                .await?
        }
        None => {
            chat.messages_before(
                workspace,
                id,
                params.before_seq,
                limit,
                Audience::Agent,
                PAGE_BYTES,
            )
            .await?
        }
    };
    Ok(web::Json(MessagePage {
        items: page.messages,
        more: page.more,
    }))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SendMessage {
    /// The idempotency key: a resend with the same key returns the first message.
    pub client_msg_id: ClientMsgId,
    /// `text` (default) or `note` (never shown to the visitor).
    pub kind: Option<MessageKind>,
    /// May be empty when the message carries files.
    #[serde(default)]
    pub body: String,
    /// Upload ids (`POST /uploads`) of the agent's own files, at most 10.
    #[serde(default)]
    #[schema(value_type = Vec<Uuid>)]
    pub attachments: Vec<crate::domain::UploadId>,
}

/// Sends a message: 201 with the stored message, or 200 with the original on a replay.
#[utoipa::path(
    tag = "conversations",
    params(("id" = Uuid, Path)),
    request_body = SendMessage,
    responses(
        (status = 201, body = Message), (status = 200, body = Message, description = "replay of an earlier send"),
        (status = 404, body = ErrorBody), (status = 413, body = ErrorBody), (status = 422, body = ErrorBody), (status = 503, body = ErrorBody)
    ),
    security(("bearer" = []))
)]
#[post("/conversations/{id}/messages")]
async fn send(
    me: CurrentAgent,
    state: web::Data<HttpState>,
    id: web::Path<Uuid>,
    body: web::Json<SendMessage>,
) -> Result<HttpResponse, ApiError> {
    let SendMessage {
        client_msg_id,
        kind,
        body,
        attachments,
    } = body.into_inner();
    let attachments = state
        .chat
        .attachments(
            me.0.workspace_id,
            crate::store::uploads::Uploader::Agent(me.0.id),
            &attachments,
        )
        .await?;
    let message = state.chat.agent_message(
        &me.0,
        ConversationId(id.into_inner()),
        client_msg_id,
        kind.unwrap_or(MessageKind::Text),
        body,
        attachments,
    )?;
    let (tx, rx) = oneshot::channel();
    state.chat.submit(SendRequest {
        message,
        reply: Reply::Caller(tx),
    });
    let appended = rx.await.map_err(|_| ApiError::Unavailable)??;
    let mut response = match appended.outcome {
        AppendOutcome::Stored { .. } => HttpResponse::Created(),
        AppendOutcome::Replayed => HttpResponse::Ok(),
    };
    Ok(response.json(appended.message))
}
