//! Reports: how the team is doing over a period, and the queue now (docs/reports.md). Every
//! report reads the measures kept on conversations, one row each, never their messages.

use std::collections::HashMap;

use actix_web::{get, web, HttpResponse};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use super::ErrorBody;
use crate::domain::periods::{self, Interval};
use crate::domain::report::{self, Clock, Counted, Point, Summary};
use crate::domain::{AgentId, AgentStatus, SiteId, TeamId, Timestamp};
use crate::error::ApiError;
use crate::http::extract::CurrentAgent;
use crate::http::HttpState;
use crate::store::reports::{Measures, ReportScope};

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(summary)
        .service(series)
        .service(breakdown)
        .service(heatmap)
        .service(live)
        .service(export);
}

/// The longest period one report covers.
const MAX_SPAN: std::time::Duration = std::time::Duration::from_secs(400 * 24 * 3600);

/// Which conversations a report covers.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RangeParams {
    /// RFC 3339; conversations created at or after it.
    #[param(value_type = String)]
    pub from: Timestamp,
    /// RFC 3339; conversations created before it (at most 400 days after `from`).
    #[param(value_type = String)]
    pub to: Timestamp,
    pub team_id: Option<Uuid>,
    /// The conversations this agent holds now.
    pub agent_id: Option<Uuid>,
    pub site_id: Option<Uuid>,
    /// An IANA time zone for days, hours and weekdays (default UTC).
    pub tz: Option<String>,
}

impl RangeParams {
    fn scope(&self, me: &CurrentAgent) -> Result<ReportScope, ApiError> {
        if self.to <= self.from || self.to.since(self.from) > MAX_SPAN {
            return Err(ApiError::BadRequest(
                "to must come after from, at most 400 days later".into(),
            ));
        }
        Ok(ReportScope {
            workspace: me.0.workspace_id,
            from: self.from,
            to: self.to,
            team: self.team_id.map(TeamId),
            agent: self.agent_id.map(AgentId),
            site: self.site_id.map(SiteId),
        })
    }

    fn zone(&self) -> Result<(chrono_tz::Tz, String), ApiError> {
        let name = self.tz.as_deref().unwrap_or("UTC");
        let tz = periods::zone(name)
            .ok_or_else(|| ApiError::BadRequest("tz: not a known IANA time zone".into()))?;
        Ok((tz, tz.name().to_owned()))
    }
}

/// The scope's conversations, each with its durations measured by the workspace's clock.
struct Measured {
    rows: Vec<Measures>,
    clock: Clock,
}

impl Measured {
    fn counted(&self, m: &Measures) -> Counted {
        let span =
            |at: Option<Timestamp>| at.map(|at| self.clock.span(m.team_id, m.created_at, at));
        Counted {
            status: m.status,
            created_at: m.created_at,
            first_response_s: span(m.first_reply_at),
            resolution_s: span(m.resolved_at),
            messages: m.last_seq,
            rating: m.rating.as_ref().map(|r| r.0.score),
        }
    }

    fn all(&self) -> impl Iterator<Item = Counted> + '_ {
        self.rows.iter().map(|m| self.counted(m))
    }
}

async fn measures(
    state: &HttpState,
    me: &CurrentAgent,
    params: &RangeParams,
) -> Result<Measured, ApiError> {
    let scope = params.scope(me)?;
    let rows = state.store.measures(&scope).await?;
    let business_hours = state
        .store
        .workspace_info(me.0.workspace_id)
        .await?
        .is_some_and(|w| w.reports_business_hours);
    let clock = if business_hours {
        let schedules = state
            .store
            .teams(me.0.workspace_id)
            .await?
            .into_iter()
            .filter_map(|t| Some((t.id, t.hours?.schedule().ok()?)))
            .collect();
        Clock::BusinessHours(schedules)
    } else {
        Clock::Wall
    };
    Ok(Measured { rows, clock })
}

/// Conversations created in `[from, to)`: how many, resolved, their messages, first response
/// and resolution times (p50, p90), ratings.
#[utoipa::path(
    tag = "reports",
    params(RangeParams),
    responses((status = 200, body = Summary), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody)),
    security(("bearer" = []))
)]
#[get("/reports/summary")]
async fn summary(
    me: CurrentAgent,
    state: web::Data<HttpState>,
    params: web::Query<RangeParams>,
) -> Result<web::Json<Summary>, ApiError> {
    let measured = measures(&state, &me, &params).await?;
    Ok(web::Json(report::summarize(measured.all())))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct IntervalParam {
    /// `day` (at most 400) or `hour` (at most 31 days).
    pub interval: Interval,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Series {
    pub interval: Interval,
    pub tz: String,
    /// Every bucket of the range, empty ones too.
    pub points: Vec<Point>,
}

/// The summary per day or hour of the time zone.
#[utoipa::path(
    tag = "reports",
    params(RangeParams, IntervalParam),
    responses((status = 200, body = Series), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody)),
    security(("bearer" = []))
)]
#[get("/reports/series")]
async fn series(
    me: CurrentAgent,
    state: web::Data<HttpState>,
    params: web::Query<RangeParams>,
    interval: web::Query<IntervalParam>,
) -> Result<web::Json<Series>, ApiError> {
    let (tz, name) = params.zone()?;
    let interval = interval.interval;
    let starts = periods::bucket_starts(params.from, params.to, interval, tz).ok_or_else(|| {
        ApiError::BadRequest("too many buckets: hours cover at most 31 days".into())
    })?;
    let measured = measures(&state, &me, &params).await?;
    Ok(web::Json(Series {
        interval,
        tz: name,
        points: report::series(&starts, measured.all()),
    }))
}

#[derive(Clone, Copy, Debug, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum By {
    Agent,
    Team,
    Site,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ByParam {
    pub by: By,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Row {
    /// Null for conversations nobody holds (by agent) or of no team (by team).
    pub id: Option<Uuid>,
    pub name: Option<String>,
    #[serde(flatten)]
    pub summary: Summary,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Breakdown {
    pub by: By,
    /// The largest first.
    pub rows: Vec<Row>,
}

/// The summary per agent (who holds the conversation now), team or site.
#[utoipa::path(
    tag = "reports",
    params(RangeParams, ByParam),
    responses((status = 200, body = Breakdown), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody)),
    security(("bearer" = []))
)]
#[get("/reports/breakdown")]
async fn breakdown(
    me: CurrentAgent,
    state: web::Data<HttpState>,
    params: web::Query<RangeParams>,
    by: web::Query<ByParam>,
) -> Result<web::Json<Breakdown>, ApiError> {
    let measured = measures(&state, &me, &params).await?;
    let names = Names::of(&state, &me).await?;
    let by = by.by;
    let key = |m: &Measures| match by {
        By::Agent => m.assignee_id.map(|a| a.0),
        By::Team => m.team_id.map(|t| t.0),
        By::Site => Some(m.site_id.0),
    };
    let grouped = report::breakdown(measured.rows.iter().map(|m| (key(m), measured.counted(m))));
    Ok(web::Json(Breakdown {
        by,
        rows: grouped
            .into_iter()
            .map(|(id, totals)| Row {
                id,
                name: id.and_then(|id| names.get(by, id)).map(str::to_owned),
                summary: totals,
            })
            .collect(),
    }))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Heatmap {
    pub tz: String,
    /// Seven rows, Monday first, of 24 counts (local hours) of conversations created.
    pub days: Vec<Vec<u64>>,
}

/// The busiest hours: conversations created per weekday and hour of the time zone.
#[utoipa::path(
    tag = "reports",
    params(RangeParams),
    responses((status = 200, body = Heatmap), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody)),
    security(("bearer" = []))
)]
#[get("/reports/heatmap")]
async fn heatmap(
    me: CurrentAgent,
    state: web::Data<HttpState>,
    params: web::Query<RangeParams>,
) -> Result<web::Json<Heatmap>, ApiError> {
    let (tz, name) = params.zone()?;
    let measured = measures(&state, &me, &params).await?;
    Ok(web::Json(Heatmap {
        tz: name,
        days: report::heatmap(measured.rows.iter().map(|m| m.created_at), tz),
    }))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AgentLoad {
    pub id: Uuid,
    pub name: String,
    /// `online`, `away` (connected, not taking chats) or `offline`.
    pub status: &'static str,
    /// Open conversations the agent holds.
    pub open: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Live {
    pub open: i64,
    /// Open, held by nobody, not snoozed.
    pub waiting: i64,
    /// How long the oldest waiting conversation has waited; null when none waits.
    pub longest_wait_s: Option<f64>,
    pub agents: Vec<AgentLoad>,
}

/// The queue now: open and waiting conversations, the longest wait, each active agent's
/// status and load.
#[utoipa::path(
    tag = "reports",
    responses((status = 200, body = Live), (status = 401, body = ErrorBody)),
    security(("bearer" = []))
)]
#[get("/reports/live")]
async fn live(me: CurrentAgent, state: web::Data<HttpState>) -> Result<web::Json<Live>, ApiError> {
    let workspace = me.0.workspace_id;
    let now = Timestamp::now();
    let queue = state.store.queue_now(workspace, now).await?;
    let statuses: HashMap<AgentId, AgentStatus> =
        state.chat.agent_statuses(workspace).into_iter().collect();
    let held: HashMap<AgentId, i64> = queue.held.into_iter().collect();
    let mut agents: Vec<AgentLoad> = state
        .store
        .agents(workspace)
        .await?
        .into_iter()
        .filter(|a| a.active)
        .map(|a| AgentLoad {
            id: a.id.0,
            status: match statuses.get(&a.id) {
                Some(AgentStatus::Online) => "online",
                Some(_) => "away",
                None => "offline",
            },
            open: held.get(&a.id).copied().unwrap_or(0),
            name: a.name,
        })
        .collect();
    agents.sort_by(|a, b| b.open.cmp(&a.open).then_with(|| a.name.cmp(&b.name)));
    Ok(web::Json(Live {
        open: queue.open,
        waiting: queue.waiting,
        longest_wait_s: queue.oldest_waiting.map(|at| report::seconds(at, now)),
        agents,
    }))
}

/// One line per conversation of the range with its measures, as CSV (names as they are now;
/// a cell that a spreadsheet would run as a formula is prefixed with `'`).
#[utoipa::path(
    tag = "reports",
    params(RangeParams),
    responses((status = 200, content_type = "text/csv", body = String), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody)),
    security(("bearer" = []))
)]
#[get("/reports/export")]
async fn export(
    me: CurrentAgent,
    state: web::Data<HttpState>,
    params: web::Query<RangeParams>,
) -> Result<HttpResponse, ApiError> {
    let measured = measures(&state, &me, &params).await?;
    let names = Names::of(&state, &me).await?;
    let mut csv = csv::Writer::from_writer(Vec::with_capacity(measured.rows.len() * 160));
    let fail = |err: csv::Error| ApiError::Internal(err.to_string());
    csv.write_record([
        "id",
        "created_at",
        "site",
        "team",
        "assignee",
        "status",
        "messages",
        "first_response_s",
        "resolution_s",
        "rating",
    ])
    .map_err(fail)?;
    let name = |by, id: Option<Uuid>| cell(id.and_then(|id| names.get(by, id)).unwrap_or_default());
    for m in &measured.rows {
        let counted = measured.counted(m);
        let resolution = (m.status == crate::domain::ConversationStatus::Resolved)
            .then_some(counted.resolution_s)
            .flatten();
        csv.write_record([
            m.id.0.to_string(),
            m.created_at
                .as_datetime()
                .to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            name(By::Site, Some(m.site_id.0)),
            name(By::Team, m.team_id.map(|t| t.0)),
            name(By::Agent, m.assignee_id.map(|a| a.0)),
            m.status.as_str().to_owned(),
            m.last_seq.to_string(),
            duration(counted.first_response_s),
            duration(resolution),
            m.rating
                .as_ref()
                .map(|r| r.0.score.to_string())
                .unwrap_or_default(),
        ])
        .map_err(fail)?;
    }
    let body = csv
        .into_inner()
        .map_err(|err| ApiError::Internal(err.to_string()))?;
    let day = params.from.as_datetime().format("%Y-%m-%d");
    Ok(HttpResponse::Ok()
        .insert_header((
            actix_web::http::header::CONTENT_TYPE,
            "text/csv; charset=utf-8",
        ))
        .insert_header((
            actix_web::http::header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"parley-report-{day}.csv\""),
        ))
        .insert_header((actix_web::http::header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .body(body))
}

fn duration(seconds: Option<f64>) -> String {
    seconds.map(|s| format!("{s:.3}")).unwrap_or_default()
}

/// A name as a spreadsheet should show it: never run as a formula.
fn cell(text: &str) -> String {
    if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{text}")
    } else {
        text.to_owned()
    }
}

/// The names of the workspace's agents, teams and sites, by id.
struct Names(
    HashMap<Uuid, String>,
    HashMap<Uuid, String>,
    HashMap<Uuid, String>,
);

impl Names {
    async fn of(state: &HttpState, me: &CurrentAgent) -> Result<Self, ApiError> {
        let workspace = me.0.workspace_id;
        let agents = state.store.agents(workspace).await?;
        let teams = state.store.teams(workspace).await?;
        let sites = state.store.sites(workspace).await?;
        Ok(Names(
            agents.into_iter().map(|a| (a.id.0, a.name)).collect(),
            teams.into_iter().map(|t| (t.id.0, t.name)).collect(),
            sites.into_iter().map(|s| (s.id.0, s.name)).collect(),
        ))
    }

    fn get(&self, by: By, id: Uuid) -> Option<&str> {
        match by {
            By::Agent => &self.0,
            By::Team => &self.1,
            By::Site => &self.2,
        }
        .get(&id)
        .map(String::as_str)
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn cells_a_spreadsheet_would_run_are_quoted() {
        assert_eq!(super::cell("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(super::cell("-1"), "'-1");
        assert_eq!(super::cell("Support"), "Support");
    }
}
