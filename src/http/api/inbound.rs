//! Replies received by email: a mail server (Postfix's `pipe`, a provider's inbound relay)
//! posts the raw message; a reply to a valid reply address is appended to its conversation as
//! the visitor's message, once per `Message-ID`. The reply address is the credential: an
//! address that is not one of ours, or whose signature is wrong, is 404.

use actix_web::{post, web, HttpRequest, HttpResponse};
use sha2::Digest;
use utoipa_actix_web::service_config::ServiceConfig;

use super::ErrorBody;
use crate::access::client_ip::client_ip;
use crate::chat::visitor_author;
use crate::domain::{Body, ClientMsgId, MessageId, MessageKind, NewMessage, Timestamp};
use crate::email::inbound;
use crate::error::ApiError;
use crate::http::HttpState;

/// Largest raw message taken, in bytes (a reply with a few quoted screens fits).
pub const MAX_RAW_BYTES: usize = 1024 * 1024;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(receive);
}

/// Takes a raw email (`Content-Type: message/rfc822`) sent to a reply address: its new text
/// joins the conversation as the visitor's message. 202, also for a `Message-ID` received
/// before (stored once); 404 for an address that is not a valid reply address.
#[utoipa::path(
    tag = "email",
    request_body(content = String, content_type = "message/rfc822"),
    responses((status = 202), (status = 404, body = ErrorBody), (status = 400, body = ErrorBody), (status = 413, body = ErrorBody), (status = 422, body = ErrorBody), (status = 429, body = ErrorBody))
)]
#[post("/inbound/email")]
async fn receive(
    req: HttpRequest,
    state: web::Data<HttpState>,
    body: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let ip = client_ip(&req, &state.settings.trusted_proxies);
    if let Err(retry_after_secs) = state.inbound_limit.check(&ip) {
        return Err(ApiError::RateLimited { retry_after_secs });
    }
    let content_type = req
        .headers()
        .get(actix_web::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_ascii_lowercase();
    if !content_type.starts_with("message/rfc822") {
        return Err(ApiError::BadRequest(
            "send the raw email as Content-Type: message/rfc822".into(),
        ));
    }
    let raw = super::read_limited(body, MAX_RAW_BYTES, "an email of at most 1 MiB").await?;
    let Some(email) = inbound::parse(&raw) else {
        return Err(ApiError::Unprocessable("not an email".into()));
    };
    // A bounce of one of our emails: the workspace stops emailing an address that is gone.
    if let Some(workspace) = email
        .recipients
        .iter()
        .find_map(|to| state.reply_addresses.bounced_workspace(to))
    {
        for address in email.bounced.iter().take(20) {
            state
                .store
                .suppress(workspace, address, "bounced", Timestamp::now())
                .await?;
        }
        return Ok(HttpResponse::Accepted().finish());
    }
    let Some(conversation_id) = email
        .recipients
        .iter()
        .find_map(|to| state.reply_addresses.conversation(to))
    else {
        return Err(ApiError::NotFound);
    };
    let store = &state.store;
    let Some((conversation, visitor)) = store.reply_target(conversation_id).await? else {
        return Err(ApiError::NotFound);
    };
    if !store
        .record_inbound(conversation.id, &email.message_id, Timestamp::now())
        .await?
    {
        return Ok(HttpResponse::Accepted().finish());
    }
    let attachments = keep_files(&state, &conversation, &visitor, email.files).await?;
    let body = match Body::parse(email.text, inbound::MAX_TEXT_CHARS) {
        Ok(body) => body,
        Err(_) if !attachments.is_empty() => Body::empty(),
        // Nothing new above the quote (or only what cannot be shown): kept out of the thread.
        Err(_) => return Ok(HttpResponse::Accepted().finish()),
    };
    // The same email posted again gets the same key: stored once even past the record above.
    let digest = sha2::Sha256::digest(email.message_id.as_bytes());
    let mut key = [0u8; 16];
    key.copy_from_slice(&digest[..16]);
    let message = NewMessage {
        id: MessageId::new(),
        workspace_id: conversation.workspace_id,
        conversation_id: conversation.id,
        client_msg_id: Some(ClientMsgId(
            uuid::Builder::from_random_bytes(key).into_uuid(),
        )),
        author: visitor_author(&visitor),
        kind: MessageKind::Text,
        body,
        created_at: Timestamp::now(),
        attachments,
    };
    state.chat.post(message).await?;
    metrics::counter!("parley_inbound_emails_total").increment(1);
    Ok(HttpResponse::Accepted().finish())
}

/// An email's files, kept as the visitor's uploads when the site takes files of their kind
/// (others are left out, like the quoted history).
async fn keep_files(
    state: &HttpState,
    conversation: &crate::domain::Conversation,
    visitor: &crate::domain::Visitor,
    files: Vec<(String, Vec<u8>)>,
) -> Result<crate::domain::Attachments, ApiError> {
    if files.is_empty() {
        return Ok(Default::default());
    }
    let site = state
        .store
        .site(conversation.workspace_id, conversation.site_id)
        .await?;
    let policy = site
        .map(|s| crate::domain::WidgetSettings::of(&s.settings.0).attachments)
        .unwrap_or_default();
    let accepts = move |c| policy.accepts(c);
    let mut kept = Vec::new();
    for (name, bytes) in files {
        if bytes.len() as u64 > state.settings.files.max_upload_bytes {
            continue;
        }
        match crate::files::keep::keep(
            &state.files,
            &state.store,
            conversation.workspace_id,
            crate::store::uploads::Uploader::Visitor(visitor.id),
            crate::http::api::uploads::clean_name(&name),
            bytes,
            Some(&accepts),
        )
        .await
        {
            Ok(upload) => kept.push(upload.attachment()),
            Err(crate::files::keep::KeepError::Store(e)) => return Err(e.into()),
            Err(crate::files::keep::KeepError::Unavailable) => return Err(ApiError::Unavailable),
            Err(_) => {}
        }
    }
    Ok(crate::domain::Attachments(kept))
}
