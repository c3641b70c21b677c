//! Reports: how the team is doing over a period (docs/reports.md).

use actix_web::{get, web};
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use super::ErrorBody;
use crate::domain::report::{summarize, Counted, Summary};
use crate::domain::{AgentId, TeamId, Timestamp};
use crate::error::ApiError;
use crate::http::extract::CurrentAgent;
use crate::http::HttpState;
use crate::store::reports::ReportScope;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(summary);
}

/// The longest period one report covers.
const MAX_SPAN: std::time::Duration = std::time::Duration::from_secs(400 * 24 * 3600);

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct SummaryParams {
    /// RFC 3339; conversations created at or after it.
    #[param(value_type = String)]
    pub from: Timestamp,
    /// RFC 3339; conversations created before it.
    #[param(value_type = String)]
    pub to: Timestamp,
    pub team_id: Option<Uuid>,
    /// The conversations this agent holds now.
    pub agent_id: Option<Uuid>,
}

/// Conversations created in `[from, to)`: how many, resolved, their messages, first response
/// and resolution times (p50, p90), ratings.
#[utoipa::path(
    tag = "reports",
    params(SummaryParams),
    responses((status = 200, body = Summary), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody)),
    security(("bearer" = []))
)]
#[get("/reports/summary")]
async fn summary(
    me: CurrentAgent,
    state: web::Data<HttpState>,
    params: web::Query<SummaryParams>,
) -> Result<web::Json<Summary>, ApiError> {
    let SummaryParams {
        from,
        to,
        team_id,
        agent_id,
    } = params.into_inner();
    if to <= from || to.since(from) > MAX_SPAN {
        return Err(ApiError::BadRequest(
            "to must come after from, at most 400 days later".into(),
        ));
    }
    let scope = ReportScope {
        workspace: me.0.workspace_id,
        from,
        to,
        team: team_id.map(TeamId),
        agent: agent_id.map(AgentId),
    };
    let measures = state.store.measures(&scope).await?;
    Ok(web::Json(summarize(measures.into_iter().map(|m| {
        Counted {
            status: m.status,
            created_at: m.created_at,
            first_reply_at: m.first_reply_at,
            resolved_at: m.resolved_at,
            messages: m.last_seq,
            rating: m.rating.map(|r| r.0.score),
        }
    }))))
}
