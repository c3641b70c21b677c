//! Why the core refused something, and the one mapping of each cause (including the store's)
//! to the contract's error codes, used by both transports.

use crate::domain::{BodyError, ErrorCode};
use crate::store::{AppendError, StoreError};

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ChatError {
    /// A missing or wrong field, an empty body.
    #[error("{0}")]
    BadRequest(String),
    #[error("{0}")]
    TooLarge(String),
    #[error("{0}")]
    Forbidden(String),
    /// Unknown, or another workspace's or another visitor's: the same answer.
    #[error("conversation not found")]
    NotFound,
    /// A site key that is malformed or nobody's.
    #[error("not found")]
    SiteNotFound,
    /// An upload that is not the sender's (unknown, another's, another workspace's).
    #[error("attachment not found")]
    UploadNotFound,
    #[error("{0}")]
    Conflict(String),
    #[error("storage unavailable, retry later")]
    Unavailable,
}

pub type ChatResult<T> = Result<T, ChatError>;

impl ChatError {
    /// The contract's code for this cause, on every transport.
    pub fn code(&self) -> ErrorCode {
        match self {
            ChatError::BadRequest(_) => ErrorCode::BadRequest,
            ChatError::TooLarge(_) => ErrorCode::TooLarge,
            ChatError::Forbidden(_) => ErrorCode::Forbidden,
            ChatError::NotFound | ChatError::UploadNotFound | ChatError::SiteNotFound => {
                ErrorCode::NotFound
            }
            ChatError::Conflict(_) => ErrorCode::Conflict,
            ChatError::Unavailable => ErrorCode::Unavailable,
        }
    }
}

impl From<AppendError> for ChatError {
    fn from(err: AppendError) -> Self {
        match err {
            AppendError::ConversationNotFound => ChatError::NotFound,
            AppendError::AnotherConversationOpen => {
                ChatError::Conflict("the visitor already has another open conversation".into())
            }
        }
    }
}

impl From<BodyError> for ChatError {
    fn from(err: BodyError) -> Self {
        match err {
            BodyError::Empty | BodyError::Control => ChatError::BadRequest(err.to_string()),
            BodyError::TooLong { .. } => ChatError::TooLarge(err.to_string()),
        }
    }
}

impl From<StoreError> for ChatError {
    /// What the database said, told without its internals: a refused value is the caller's
    /// mistake; anything else is a passing failure to retry.
    fn from(err: StoreError) -> Self {
        match err {
            // The database's own words stay in the log: they name tables and constraints.
            StoreError::Invalid(reason) => {
                tracing::info!(%reason, "value refused by the database");
                ChatError::BadRequest("a value was refused".into())
            }
            StoreError::Conflict(what) => {
                tracing::info!(constraint = %what, "conflict");
                ChatError::Conflict("already exists".into())
            }
            StoreError::Unavailable(reason) => {
                tracing::warn!(%reason, "database unavailable");
                ChatError::Unavailable
            }
            StoreError::Internal(detail) => {
                tracing::error!(%detail, "database error");
                ChatError::Unavailable
            }
        }
    }
}
