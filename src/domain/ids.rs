//! Typed identifiers: a `ConversationId` can never be passed where a `VisitorId` is expected.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

macro_rules! id_type {
    ($(#[$doc:meta] $name:ident),* $(,)?) => {$(
        #[$doc]
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, sqlx::Type, utoipa::ToSchema)]
        #[serde(transparent)]
        #[sqlx(transparent)]
        pub struct $name(pub Uuid);

        impl $name {
            /// A new id; UUIDv7 so that ids created together sit together in indexes.
            pub fn new() -> Self {
                Self(Uuid::now_v7())
            }

            pub fn as_uuid(&self) -> Uuid {
                self.0
            }
        }

        impl Default for $name {
            fn default() -> Self {
                Self::new()
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }

        impl FromStr for $name {
            type Err = uuid::Error;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Uuid::parse_str(s).map(Self)
            }
        }

        impl From<Uuid> for $name {
            fn from(id: Uuid) -> Self {
                Self(id)
            }
        }
    )*};
}

id_type!(
    /// A workspace: one business, the unit of isolation.
    WorkspaceId,
    /// A website of a workspace that embeds the widget.
    SiteId,
    /// A support agent (or admin) of a workspace.
    AgentId,
    /// An anonymous or identified person on a site.
    VisitorId,
    /// A conversation between one visitor and a workspace's agents.
    ConversationId,
    /// A stored message.
    MessageId,
    /// The idempotency key a client picks for a message it sends.
    ClientMsgId,
    /// A canned response.
    CannedId,
    /// An outgoing webhook subscription.
    WebhookId,
    /// One queued delivery of a webhook event.
    DeliveryId,
    /// A key for scripts and integrations.
    ApiKeyId,
    /// A team of agents answering some sites.
    TeamId,
    /// A file a visitor or an agent uploaded.
    UploadId,
    /// A label an admin defined for conversations.
    LabelId,
);
