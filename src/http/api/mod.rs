//! The agents' HTTP API under `/api/v1`: one module per resource, each mounting its own
//! handlers. Handlers carry `#[utoipa::path]`, and the OpenAPI document is collected from the
//! very routes that are mounted, so it cannot drift from them.

pub mod agents;
pub mod api_keys;
pub mod auth;
pub mod canned;
pub mod contacts;
pub mod conversations;
pub mod inbound;
pub mod labels;
pub mod links;
pub mod me;
pub mod privacy;
pub mod reports;
pub mod sites;
pub mod teams;
pub mod uploads;
pub mod visitors;
pub mod webhooks;
pub mod widget;

use actix_web::{get, web, HttpResponse};
use serde::{Deserialize, Deserializer, Serialize};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;
use utoipa_actix_web::{scope, AppExt};

use super::HttpState;
use crate::error::ApiError;

/// The prefix of every API route.
pub const PREFIX: &str = "/api/v1";

/// A page of a list: `next_cursor` is passed back as `?cursor=` for the next one.
#[derive(Debug, Serialize, ToSchema)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub next_cursor: Option<String>,
}

/// A page of messages, by seq.
#[derive(Debug, Serialize, ToSchema)]
pub struct MessagePage<T> {
    pub items: Vec<T>,
    pub more: bool,
}

/// Every error: `{"error":{"code":"…","message":"…"}}`.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorDetail {
    /// One of the contract's codes, e.g. `not_found`.
    pub code: String,
    pub message: String,
    /// Only on a login whose email and password open several workspaces: `{id, name}` each.
    #[schema(nullable = false)]
    pub workspaces: Option<Vec<WorkspaceChoice>>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct WorkspaceChoice {
    pub id: uuid::Uuid,
    pub name: String,
}

/// The answer to a `DELETE`: 204 when something was removed, 404 when there was nothing.
pub fn deleted(found: bool) -> Result<HttpResponse, crate::error::ApiError> {
    if found {
        Ok(HttpResponse::NoContent().finish())
    } else {
        Err(crate::error::ApiError::NotFound)
    }
}

/// A `?cursor=` parameter: absent or empty is the first page, anything unreadable is 400.
pub fn cursor(
    text: Option<&str>,
) -> Result<Option<crate::store::catalog::Cursor>, crate::error::ApiError> {
    match text.filter(|c| !c.is_empty()) {
        Some(text) => crate::store::catalog::Cursor::decode(text)
            .map(Some)
            .ok_or_else(|| crate::error::ApiError::BadRequest("cursor is not valid".into())),
        None => Ok(None),
    }
}

/// For `PATCH` fields that may be set to null: absent is `None`, null is `Some(None)`.
pub fn nullable<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
    d: D,
) -> Result<Option<Option<T>>, D::Error> {
    Option::<T>::deserialize(d).map(Some)
}

/// The request's body, read as it comes and refused (413, `too_large` saying `limit`) as soon
/// as it passes `max` bytes. Read here rather than by an extractor, whose own limit would
/// answer in another shape.
pub async fn read_limited(
    mut body: web::Payload,
    max: usize,
    limit: &str,
) -> Result<web::BytesMut, ApiError> {
    let mut raw = web::BytesMut::new();
    while let Some(chunk) = futures_util::StreamExt::next(&mut body).await {
        let chunk = chunk.map_err(|_| ApiError::BadRequest("the body could not be read".into()))?;
        if raw.len() + chunk.len() > max {
            return Err(ApiError::TooLarge(limit.to_owned()));
        }
        raw.extend_from_slice(&chunk);
    }
    Ok(raw)
}

/// Mounts the documented API routes.
pub fn configure(cfg: &mut ServiceConfig) {
    auth::configure(cfg);
    me::configure(cfg);
    conversations::configure(cfg);
    visitors::configure(cfg);
    sites::configure(cfg);
    agents::configure(cfg);
    canned::configure(cfg);
    webhooks::configure(cfg);
    api_keys::configure(cfg);
    teams::configure(cfg);
    labels::configure(cfg);
    contacts::configure(cfg);
    reports::configure(cfg);
    privacy::configure(cfg);
    inbound::configure(cfg);
    links::configure(cfg);
}

/// The API scope, ready to mount on an `App` (the public widget routes carry their own CORS).
pub fn api_scope() -> utoipa_actix_web::scope::Scope<
    impl actix_web::dev::ServiceFactory<
        actix_web::dev::ServiceRequest,
        Config = (),
        Response = actix_web::dev::ServiceResponse,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    scope::scope(PREFIX)
        .configure(configure)
        .service(widget::scope())
        .service(uploads::scope())
        .service(openapi_json)
}

/// Builds the OpenAPI document from the mounted routes.
pub fn openapi() -> utoipa::openapi::OpenApi {
    let (_, mut api) = actix_web::App::new()
        .into_utoipa_app()
        .service(api_scope())
        .split_for_parts();
    api.info.title = "Parley API".into();
    api.info.version = env!("CARGO_PKG_VERSION").into();
    api.info.description =
        Some("The agents' HTTP API of Parley, a customer-support live chat.".into());
    // The generator would fill these from its own crate: say ours, and no contact.
    api.info.contact = None;
    api.info.license = Some(utoipa::openapi::License::new(env!("CARGO_PKG_LICENSE")));
    let components = api.components.get_or_insert_with(Default::default);
    components.add_security_scheme(
        "bearer",
        SecurityScheme::Http(
            HttpBuilder::new()
                .scheme(HttpAuthScheme::Bearer)
                .bearer_format("JWT")
                .build(),
        ),
    );
    api
}

/// A refused password, naming its field ("password must be between 8 and 256 characters");
/// a hashing failure is the server's, not the client's.
pub fn password_refused(
    field: &str,
    error: crate::auth::password::PasswordError,
) -> crate::error::ApiError {
    use crate::error::ApiError;
    match error {
        crate::auth::password::PasswordError::BadLength => {
            ApiError::Unprocessable(format!("{field} {error}"))
        }
        other => ApiError::Internal(other.to_string()),
    }
}

/// The OpenAPI 3 document of this API.
#[utoipa::path(tag = "meta", responses((status = 200, description = "OpenAPI document", content_type = "application/json")))]
#[get("/openapi.json")]
async fn openapi_json(state: web::Data<HttpState>) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/json")
        .body(state.openapi.to_string())
}
