//! The HTTP error type and its single mapping to the contract's status codes and bodies:
//! `{"error":{"code":"…","message":"…"}}`. 5xx bodies say nothing internal; the log has it.
//!
//! What the core refuses arrives as a `ChatError`, whose contract code (`ChatError::code`) is
//! the one both transports answer with; here it only gets its HTTP status.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;

use crate::chat::ChatError;
use crate::domain::ErrorCode;
use crate::store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("{0}")]
    BadRequest(String),
    #[error("{0}")]
    Unprocessable(String),
    /// A value the core refused (an empty body, a wrong kind): `bad_request`, with 422.
    #[error("{0}")]
    Invalid(String),
    #[error("authentication required")]
    Unauthorized,
    /// Authentication failed, with a message saying so (e.g. a wrong password).
    #[error("{0}")]
    Unauthenticated(String),
    #[error("{0}")]
    Forbidden(String),
    #[error("not found")]
    NotFound,
    #[error("{0}")]
    Conflict(String),
    /// The email and password open several workspaces; the caller names one. Only someone who
    /// knows the password of every one of them is shown their names.
    #[error("this email and password open several workspaces: send one's id as workspace_id")]
    ChooseWorkspace(Vec<crate::domain::Workspace>),
    #[error("{0}")]
    TooLarge(String),
    #[error("too many requests")]
    RateLimited { retry_after_secs: u64 },
    #[error("service unavailable, retry later")]
    Unavailable,
    #[error("internal error")]
    Internal(String),
}

impl ApiError {
    /// The contract's error code.
    pub fn code(&self) -> &'static str {
        match self {
            ApiError::BadRequest(_) => "bad_request",
            ApiError::Unprocessable(_) => "unprocessable",
            ApiError::Invalid(_) => ErrorCode::BadRequest.as_str(),
            ApiError::Unauthorized | ApiError::Unauthenticated(_) => "unauthorized",
            ApiError::Forbidden(_) => "forbidden",
            ApiError::NotFound => "not_found",
            ApiError::Conflict(_) | ApiError::ChooseWorkspace(_) => "conflict",
            ApiError::TooLarge(_) => "too_large",
            ApiError::RateLimited { .. } => "rate_limited",
            ApiError::Unavailable => "unavailable",
            ApiError::Internal(_) => "internal",
        }
    }
}

#[derive(Serialize)]
struct ErrorBody<'a> {
    error: ErrorDetail<'a>,
}

#[derive(Serialize)]
struct ErrorDetail<'a> {
    code: &'a str,
    message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    workspaces: Option<Vec<WorkspaceChoice<'a>>>,
}

#[derive(Serialize)]
struct WorkspaceChoice<'a> {
    id: crate::domain::WorkspaceId,
    name: &'a str,
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        match self {
            ApiError::BadRequest(_) => StatusCode::BAD_REQUEST,
            ApiError::Unprocessable(_) | ApiError::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
            ApiError::Unauthorized | ApiError::Unauthenticated(_) => StatusCode::UNAUTHORIZED,
            ApiError::Forbidden(_) => StatusCode::FORBIDDEN,
            ApiError::NotFound => StatusCode::NOT_FOUND,
            ApiError::Conflict(_) | ApiError::ChooseWorkspace(_) => StatusCode::CONFLICT,
            ApiError::TooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
            ApiError::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        let message = match self {
            ApiError::Internal(detail) => {
                tracing::error!(%detail, "internal error");
                "internal error".to_owned()
            }
            other => other.to_string(),
        };
        let mut response = HttpResponse::build(self.status_code());
        if let ApiError::RateLimited { retry_after_secs } = self {
            response.insert_header(("Retry-After", retry_after_secs.to_string()));
        }
        if let ApiError::Unavailable = self {
            response.insert_header(("Retry-After", "1"));
        }
        response.json(ErrorBody {
            error: ErrorDetail {
                code: self.code(),
                message,
                workspaces: match self {
                    ApiError::ChooseWorkspace(all) => Some(
                        all.iter()
                            .map(|w| WorkspaceChoice {
                                id: w.id,
                                name: &w.name,
                            })
                            .collect(),
                    ),
                    _ => None,
                },
            },
        })
    }
}

impl From<crate::domain::input::InputError> for ApiError {
    fn from(err: crate::domain::input::InputError) -> Self {
        ApiError::Invalid(err.to_string())
    }
}

impl From<ChatError> for ApiError {
    fn from(err: ChatError) -> Self {
        match err {
            ChatError::BadRequest(why) => ApiError::Invalid(why),
            ChatError::TooLarge(why) => ApiError::TooLarge(why),
            ChatError::Forbidden(why) => ApiError::Forbidden(why),
            ChatError::NotFound | ChatError::UploadNotFound | ChatError::SiteNotFound => {
                ApiError::NotFound
            }
            ChatError::Conflict(why) => ApiError::Conflict(why),
            ChatError::Unavailable => ApiError::Unavailable,
        }
    }
}

impl From<StoreError> for ApiError {
    fn from(err: StoreError) -> Self {
        match err {
            // The constraint's name is the schema's, not the client's business.
            StoreError::Conflict(what) => {
                tracing::info!(constraint = %what, "conflict");
                ApiError::Conflict("already exists".into())
            }
            StoreError::Invalid(what) => ApiError::Unprocessable(what),
            StoreError::Unavailable(reason) => {
                tracing::warn!(%reason, "database unavailable");
                ApiError::Unavailable
            }
            StoreError::Internal(detail) => ApiError::Internal(detail),
        }
    }
}

/// Turns actix's extractor failures into the contract's error bodies: malformed JSON is 400,
/// JSON of the wrong shape 422 (serde's message names the field), too large 413.
pub fn json_error(
    err: actix_web::error::JsonPayloadError,
    _: &actix_web::HttpRequest,
) -> actix_web::Error {
    use actix_web::error::JsonPayloadError;
    let api = match &err {
        JsonPayloadError::Deserialize(e) if e.is_data() => {
            ApiError::Unprocessable(strip_position(e.to_string()))
        }
        JsonPayloadError::Deserialize(_) | JsonPayloadError::Serialize(_) => {
            ApiError::BadRequest("body is not valid JSON".into())
        }
        JsonPayloadError::OverflowKnownLength { .. } | JsonPayloadError::Overflow { .. } => {
            ApiError::TooLarge("body is too large".into())
        }
        JsonPayloadError::ContentType => {
            ApiError::BadRequest("Content-Type must be application/json".into())
        }
        _ => ApiError::BadRequest("body could not be read".into()),
    };
    api.into()
}

/// Bad query strings are 400, naming the parameter.
pub fn query_error(
    err: actix_web::error::QueryPayloadError,
    _: &actix_web::HttpRequest,
) -> actix_web::Error {
    ApiError::BadRequest(format!("query: {}", strip_position(err.to_string()))).into()
}

/// A path id that is not even a UUID names nothing: 404, like an unknown one.
pub fn path_error(_: actix_web::error::PathError, _: &actix_web::HttpRequest) -> actix_web::Error {
    ApiError::NotFound.into()
}

fn strip_position(message: String) -> String {
    message
        .split(" at line ")
        .next()
        .unwrap_or(&message)
        .to_owned()
}
