//! The vocabulary of the product: ids, timestamps, states and validated values.
//!
//! Everything here is plain data with no I/O. A value of these types exists only when it is
//! valid (parse, don't validate), so the layers above never re-check it.

pub mod attachments;
pub mod attributes;
pub mod audit;
mod enums;
mod errors;
mod events;
pub mod forms;
pub mod hours;
mod ids;
pub mod input;
mod model;
pub mod periods;
mod presence;
pub mod proactive;
pub mod report;
pub mod settings;
mod text;
mod time;
mod webhook;

pub use attachments::{Attachment, Attachments};
pub use enums::{AgentRole, AuthorKind, ConversationStatus, MessageKind, Priority, ReaderKind};
pub use errors::ErrorCode;
pub use events::{Assignee, ConnId, Event, Origin, ReplyTo};
pub use ids::{
    AgentId, ApiKeyId, CannedId, ClientMsgId, ConversationId, DeliveryId, LabelId, MessageId,
    SiteId, TeamId, UploadId, VisitorId, WebhookId, WorkspaceId,
};
pub use model::{
    avatar_url, Agent, ApiKey, Assignment, Author, Canned, Conversation, Message, NewMessage,
    NewSite, NewWorkspace, Rating, ReadMark, Site, Team, Visitor, VisitorBlock, VisitorPage,
    Workspace,
};
pub use presence::{AgentStatus, PageInfo, TypingState};
pub use settings::WidgetSettings;
pub use text::{Body, BodyError, Email, SiteKey};
pub use time::Timestamp;
pub use webhook::{Webhook, WebhookDelivery, WebhookEvent};
