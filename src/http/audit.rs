//! Writing the audit log: who (an agent, an API key, a visitor, the server), from which
//! address, did what to which thing. A line that cannot be written is logged and the action
//! it describes stands: the change was made and the caller is told so.

use actix_web::HttpRequest;
use serde_json::Value;

use super::extract::{bearer, API_KEY_PREFIX};
use super::HttpState;
use crate::access::client_ip::client_ip;
pub use crate::domain::audit::Action;
use crate::domain::{Agent, Timestamp, WorkspaceId};
use crate::store::privacy::{ActorKind, AuditEntry};

/// Who acted and from where.
#[derive(Clone, Debug)]
pub struct Actor {
    pub kind: ActorKind,
    pub id: Option<uuid::Uuid>,
    pub name: Option<String>,
    pub ip: Option<String>,
}

impl Actor {
    /// The agent (or API key) of this request.
    pub fn agent(req: &HttpRequest, state: &HttpState, agent: &Agent) -> Self {
        let by_key = bearer(req).is_some_and(|t| t.starts_with(API_KEY_PREFIX));
        Actor {
            kind: if by_key {
                ActorKind::ApiKey
            } else {
                ActorKind::Agent
            },
            id: Some(agent.id.0),
            name: Some(agent.name.chars().take(200).collect()),
            ip: Some(client_ip(req, &state.settings.trusted_proxies).to_string()),
        }
    }

    /// A visitor acting on their own data (named by id only: they may be erased).
    pub fn visitor(req: &HttpRequest, state: &HttpState, visitor: uuid::Uuid) -> Self {
        Actor {
            kind: ActorKind::Visitor,
            id: Some(visitor),
            name: None,
            ip: Some(client_ip(req, &state.settings.trusted_proxies).to_string()),
        }
    }

    /// The server itself (the retention job).
    pub fn system() -> Self {
        Actor {
            kind: ActorKind::System,
            id: None,
            name: None,
            ip: None,
        }
    }
}

/// Records one line.
pub async fn record(
    store: &crate::store::DynStore,
    workspace: WorkspaceId,
    actor: Actor,
    action: Action,
    target: Option<uuid::Uuid>,
    detail: Value,
) {
    let entry = AuditEntry {
        id: uuid::Uuid::new_v4(),
        workspace,
        at: Timestamp::now(),
        actor_kind: actor.kind,
        actor_id: actor.id,
        actor_name: actor.name,
        ip: actor.ip,
        action,
        target_id: target,
        detail,
    };
    if let Err(err) = store.record_audit(&entry).await {
        tracing::warn!(error = %err, action = entry.action.as_str(), "audit line not written");
    }
}

/// Records what an agent (or key) of this request did.
pub async fn by_agent(
    req: &HttpRequest,
    state: &HttpState,
    agent: &Agent,
    action: Action,
    target: Option<uuid::Uuid>,
    detail: Value,
) {
    let actor = Actor::agent(req, state, agent);
    record(
        &state.store,
        agent.workspace_id,
        actor,
        action,
        target,
        detail,
    )
    .await;
}

/// The names of the fields a change set (never their values: a change may carry a password
/// or a secret).
pub fn given(fields: &[(&str, bool)]) -> Value {
    let names: Vec<&str> = fields
        .iter()
        .filter(|(_, set)| *set)
        .map(|(n, _)| *n)
        .collect();
    serde_json::json!({ "fields": names })
}

/// Answers a deletion (204, or 404 when there was nothing to delete) and records it when
/// something went.
pub async fn deleted(
    req: &HttpRequest,
    state: &HttpState,
    agent: &Agent,
    action: Action,
    target: uuid::Uuid,
    found: bool,
) -> Result<actix_web::HttpResponse, crate::error::ApiError> {
    if found {
        by_agent(
            req,
            state,
            agent,
            action,
            Some(target),
            serde_json::json!({}),
        )
        .await;
    }
    super::api::deleted(found)
}
