//! Outgoing webhooks: the events a business can subscribe to, a subscription, and the log of
//! each attempt to deliver.

use serde::{Deserialize, Serialize};
use sqlx::types::Json;

use super::{DeliveryId, Timestamp, WebhookId, WorkspaceId};

/// What happened, as a receiver reads it in `event`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
pub enum WebhookEvent {
    #[serde(rename = "conversation.created")]
    ConversationCreated,
    #[serde(rename = "conversation.updated")]
    ConversationUpdated,
    #[serde(rename = "conversation.assigned")]
    ConversationAssigned,
    #[serde(rename = "conversation.rated")]
    ConversationRated,
    #[serde(rename = "message.created")]
    MessageCreated,
    /// Sent by `POST /webhooks/{id}/test` whatever the subscription.
    #[serde(rename = "ping")]
    Ping,
}

impl WebhookEvent {
    /// The events a webhook may subscribe to (`ping` comes only when asked for).
    pub const SUBSCRIBABLE: [WebhookEvent; 5] = [
        WebhookEvent::ConversationCreated,
        WebhookEvent::ConversationUpdated,
        WebhookEvent::ConversationAssigned,
        WebhookEvent::ConversationRated,
        WebhookEvent::MessageCreated,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            WebhookEvent::ConversationCreated => "conversation.created",
            WebhookEvent::ConversationUpdated => "conversation.updated",
            WebhookEvent::ConversationAssigned => "conversation.assigned",
            WebhookEvent::ConversationRated => "conversation.rated",
            WebhookEvent::MessageCreated => "message.created",
            WebhookEvent::Ping => "ping",
        }
    }

    /// A subscribable event by its name.
    pub fn subscribable(name: &str) -> Option<Self> {
        Self::SUBSCRIBABLE.into_iter().find(|e| e.as_str() == name)
    }
}

/// An outgoing webhook subscription. Its signing secret is never part of it: it is shown once,
/// when made or rotated.
#[derive(Clone, Debug, PartialEq, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct Webhook {
    pub id: WebhookId,
    #[serde(skip)]
    pub workspace_id: WorkspaceId,
    pub url: String,
    #[serde(skip)]
    pub secret: String,
    #[schema(value_type = Vec<String>)]
    pub events: Json<Vec<String>>,
    /// Off when an admin turned it off, or when it failed for the whole retry window.
    pub active: bool,
    /// Why it was switched off by itself; null otherwise.
    pub disabled_reason: Option<String>,
    /// Since when every delivery failed; null while it works.
    pub failing_since: Option<Timestamp>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

/// One attempt to deliver an event, as `GET /webhooks/{id}/deliveries` lists it.
#[derive(Clone, Debug, PartialEq, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct WebhookDelivery {
    pub id: DeliveryId,
    pub event_id: uuid::Uuid,
    pub event: String,
    /// 1 for the first try of this event to this webhook.
    pub attempt: i32,
    pub status_code: Option<i32>,
    /// A 2xx answer.
    pub ok: bool,
    /// Why it failed (timeout, connection refused, a private address); null on success.
    pub error: Option<String>,
    /// The first KiB of the receiver's answer.
    pub response: Option<String>,
    pub duration_ms: i32,
    pub created_at: Timestamp,
}
