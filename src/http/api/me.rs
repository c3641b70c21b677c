//! The signed-in agent's own profile: `GET /me`, `PATCH /me` (name, password, email
//! notifications, signature), and its picture (`PUT`/`DELETE /me/avatar`), which visitors see
//! beside its replies.

use actix_web::{delete, get, patch, put, web};
use serde::Deserialize;
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;

use super::ErrorBody;
use crate::access::client_ip::client_ip;
use crate::auth::password;
use crate::domain::Agent;
use crate::error::ApiError;
use crate::http::extract::SignedInAgent;
use crate::http::HttpState;
use crate::store::admin::AgentChange;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(get_me)
        .service(update_me)
        .service(set_avatar)
        .service(remove_avatar);
}

/// Largest picture accepted (it is re-encoded much smaller).
const MAX_AVATAR_BYTES: usize = 5 * 1024 * 1024;
/// Edge of the stored square, in pixels (sharp at 2x for a 64 px display).
const AVATAR_EDGE: u32 = 128;
/// Longest signature, in characters.
const MAX_SIGNATURE_CHARS: usize = 1000;

/// The signed-in agent.
#[utoipa::path(tag = "me", responses((status = 200, body = Agent), (status = 401, body = ErrorBody)), security(("bearer" = [])))]
#[get("/me")]
async fn get_me(me: SignedInAgent) -> web::Json<Agent> {
    web::Json(me.0)
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateMe {
    pub name: Option<String>,
    /// Required to set `new_password`.
    pub current_password: Option<String>,
    pub new_password: Option<String>,
    /// Be told by email of new conversations that come while nobody of one's team is online.
    pub notify_email: Option<bool>,
    /// Added under one's replies in emails to visitors; empty for none.
    pub signature: Option<String>,
}

/// Changes the agent's own name, password or email notifications.
#[utoipa::path(
    tag = "me",
    request_body = UpdateMe,
    responses((status = 200, body = Agent), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = []))
)]
#[patch("/me")]
async fn update_me(
    req: actix_web::HttpRequest,
    me: SignedInAgent,
    state: web::Data<HttpState>,
    body: web::Json<UpdateMe>,
) -> Result<web::Json<Agent>, ApiError> {
    let UpdateMe {
        name,
        current_password,
        new_password,
        notify_email,
        signature,
    } = body.into_inner();
    let me = me.0;
    let signature = signature.map(checked_signature).transpose()?;
    let name = name.map(|n| super::agents::agent_name(&n)).transpose()?;
    let password_hash = match new_password {
        None => None,
        Some(new_password) => {
            let current = current_password.ok_or_else(|| {
                ApiError::Unprocessable(
                    "current_password is required to change the password".into(),
                )
            })?;
            // A wrong current password counts as a failed login, for this IP and account.
            let guard = &state.login_guard;
            let ip = client_ip(&req, &state.settings.trusted_proxies);
            let account = me.email.as_str();
            if let Some(retry_after_secs) = guard.blocked(ip, account) {
                return Err(ApiError::RateLimited { retry_after_secs });
            }
            let Some(_attempt) = guard.begin(ip) else {
                return Err(ApiError::RateLimited {
                    retry_after_secs: 1,
                });
            };
            if !password::verify(current, me.password_hash.clone()).await {
                if let Some(retry_after_secs) = guard.failed(ip, account) {
                    return Err(ApiError::RateLimited { retry_after_secs });
                }
                return Err(ApiError::Forbidden("current_password is wrong".into()));
            }
            Some(
                password::hash(new_password)
                    .await
                    .map_err(|e| super::password_refused("new_password", e))?,
            )
        }
    };
    let change = AgentChange {
        name,
        password_hash,
        notify_email,
        ..Default::default()
    };
    let mut updated = state
        .store
        .update_agent(me.workspace_id, me.id, &change)
        .await?
        .ok_or(ApiError::NotFound)?;
    if let Some(signature) = signature {
        updated = state
            .store
            .set_signature(me.workspace_id, me.id, &signature)
            .await?
            .ok_or(ApiError::NotFound)?;
    }
    if updated.name != me.name {
        state.chat.agent_profile_changed(&updated);
    }
    // A new password signs the agent out everywhere: older tokens and open sockets end.
    if updated.token_version != me.token_version {
        state.chat.revoke_agent(me.workspace_id, me.id);
    }
    Ok(web::Json(updated))
}

/// A signature as stored: lines kept, controls and invisible formatting removed, at most
/// 1000 characters.
fn checked_signature(text: String) -> Result<String, ApiError> {
    crate::domain::input::check_text("signature", &text)?;
    let text = text.trim();
    if text.chars().count() > MAX_SIGNATURE_CHARS {
        return Err(ApiError::Unprocessable(format!(
            "signature: at most {MAX_SIGNATURE_CHARS} characters"
        )));
    }
    Ok(text.to_owned())
}

/// Sets the agent's picture from an image in the body (JPEG, PNG, GIF or WebP, at most
/// 5 MiB): the middle square is kept, 128 pixels wide, without the file's metadata.
#[utoipa::path(
    tag = "me",
    request_body(content = Vec<u8>, content_type = "image/*"),
    responses((status = 200, body = Agent), (status = 413, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = []))
)]
#[put("/me/avatar")]
async fn set_avatar(
    req: actix_web::HttpRequest,
    me: SignedInAgent,
    state: web::Data<HttpState>,
    body: web::Payload,
) -> Result<web::Json<Agent>, ApiError> {
    let ip = client_ip(&req, &state.settings.trusted_proxies);
    let _reading = state.uploads.admit_picture(me.0.id.0, ip).await?;
    let raw = super::read_limited(body, MAX_AVATAR_BYTES, "a picture of at most 5 MiB").await?;
    let is_picture = infer::get(&raw).is_some_and(|kind| {
        matches!(
            kind.mime_type(),
            "image/jpeg" | "image/png" | "image/gif" | "image/webp"
        )
    });
    if !is_picture {
        return Err(ApiError::Unprocessable(
            "the picture must be a JPEG, PNG, GIF or WebP image".into(),
        ));
    }
    let _decoding = crate::files::keep::DECODING
        .acquire()
        .await
        .map_err(|_| ApiError::Unavailable)?;
    let square =
        tokio::task::spawn_blocking(move || crate::files::thumbnail::square(&raw, AVATAR_EDGE))
            .await
            .map_err(|_| ApiError::Unavailable)?
            .ok_or_else(|| ApiError::Unprocessable("the picture could not be read".into()))?;
    let (bytes, content_type) = square;
    let avatar = crate::store::desk::Avatar {
        content_type: content_type.to_owned(),
        bytes,
    };
    let me = me.0;
    let updated = state
        .store
        .set_avatar(
            me.workspace_id,
            me.id,
            Some((crate::auth::random_token(32), avatar)),
        )
        .await?
        .ok_or(ApiError::NotFound)?;
    state.chat.agent_profile_changed(&updated);
    Ok(web::Json(updated))
}

/// Removes the agent's picture (visitors see its initial again).
#[utoipa::path(tag = "me", responses((status = 200, body = Agent)), security(("bearer" = [])))]
#[delete("/me/avatar")]
async fn remove_avatar(
    me: SignedInAgent,
    state: web::Data<HttpState>,
) -> Result<web::Json<Agent>, ApiError> {
    let me = me.0;
    let updated = state
        .store
        .set_avatar(me.workspace_id, me.id, None)
        .await?
        .ok_or(ApiError::NotFound)?;
    state.chat.agent_profile_changed(&updated);
    Ok(web::Json(updated))
}
