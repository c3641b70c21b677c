//! Contacts: the workspace's visitors as people to find (identified ones first), by name,
//! email, the business's user id or an attribute, with their conversations on every site.

use actix_web::{get, web};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use super::{ErrorBody, Page};
use crate::domain::VisitorId;
use crate::error::ApiError;
use crate::http::extract::CurrentAgent;
use crate::http::HttpState;
use crate::store::desk::{Contact, ContactConversation, ContactQuery};

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list).service(get_one);
}

/// Contacts per page.
const PAGE: i64 = 50;
/// Furthest a listing pages in; a search narrows further.
const MAX_OFFSET: i64 = 10_000;
/// Longest first words of a conversation in a contact's list.
const FIRST_WORDS_CHARS: usize = 160;

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ContactParams {
    /// Text found in the name, email, user id or attributes.
    pub q: Option<String>,
    /// `name:value`: an attribute with this value (`plan:gold`, `vip:true`, `seats:12`).
    pub attribute: Option<String>,
    /// Only visitors the business identified.
    #[serde(default)]
    pub identified: bool,
    /// From `next_cursor`.
    pub cursor: Option<String>,
}

/// The attribute filter: a name as identify accepts them, and the value as text.
fn attribute_filter(text: &str) -> Result<(String, String), ApiError> {
    let (name, value) = text
        .split_once(':')
        .ok_or_else(|| ApiError::BadRequest("attribute must be name:value".into()))?;
    if !crate::domain::attributes::is_name(name) {
        return Err(ApiError::BadRequest(
            "attribute names are 1 to 64 letters, digits, _ or -".into(),
        ));
    }
    crate::domain::input::check_text("attribute", value)
        .map_err(|e| ApiError::BadRequest(e.to_string()))?;
    Ok((name.to_owned(), value.chars().take(500).collect()))
}

/// The workspace's contacts: identified first, then by last seen.
#[utoipa::path(
    tag = "contacts",
    params(ContactParams),
    responses((status = 200, body = Page<Contact>), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody)),
    security(("bearer" = []))
)]
#[get("/contacts")]
async fn list(
    me: CurrentAgent,
    state: web::Data<HttpState>,
    params: web::Query<ContactParams>,
) -> Result<web::Json<Page<Contact>>, ApiError> {
    let params = params.into_inner();
    if let Some(q) = &params.q {
        crate::domain::input::check_text("q", q)
            .map_err(|e| ApiError::BadRequest(e.to_string()))?;
    }
    let offset = match params.cursor.as_deref() {
        None | Some("") => 0,
        Some(text) => text
            .parse::<i64>()
            .ok()
            .filter(|n| (0..=MAX_OFFSET).contains(n))
            .ok_or_else(|| ApiError::BadRequest("cursor is not valid".into()))?,
    };
    let query = ContactQuery {
        workspace: me.0.workspace_id,
        search: params
            .q
            .map(|q| q.trim().chars().take(200).collect::<String>())
            .filter(|q| !q.is_empty()),
        attribute: params
            .attribute
            .as_deref()
            .map(attribute_filter)
            .transpose()?,
        identified_only: params.identified,
        offset,
        limit: PAGE + 1,
    };
    let mut items = state.store.contacts(&query).await?;
    let next_cursor = (items.len() as i64 > PAGE && offset + PAGE <= MAX_OFFSET).then(|| {
        items.truncate(PAGE as usize);
        (offset + PAGE).to_string()
    });
    items.truncate(PAGE as usize);
    Ok(web::Json(Page { items, next_cursor }))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ContactDetail {
    #[serde(flatten)]
    pub contact: Contact,
    pub online: bool,
    /// The person's conversations on every site (the same verified id), newest first.
    pub conversations: Vec<ContactConversation>,
}

/// One contact and its conversations across the workspace's sites.
#[utoipa::path(
    tag = "contacts",
    params(("id" = Uuid, Path)),
    responses((status = 200, body = ContactDetail), (status = 404, body = ErrorBody)),
    security(("bearer" = []))
)]
#[get("/contacts/{id}")]
async fn get_one(
    me: CurrentAgent,
    state: web::Data<HttpState>,
    id: web::Path<Uuid>,
) -> Result<web::Json<ContactDetail>, ApiError> {
    let workspace = me.0.workspace_id;
    let (contact, mut conversations) = state
        .store
        .contact(workspace, VisitorId(id.into_inner()))
        .await?
        .ok_or(ApiError::NotFound)?;
    for c in &mut conversations {
        if let Some(words) = &c.first_words {
            if words.chars().count() > FIRST_WORDS_CHARS {
                c.first_words = Some(words.chars().take(FIRST_WORDS_CHARS).collect());
            }
        }
    }
    Ok(web::Json(ContactDetail {
        online: state.chat.visitor_online(workspace, contact.id),
        contact,
        conversations,
    }))
}
