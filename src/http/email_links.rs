//! The unsubscribe link of emails: `GET` shows a page with one button (a link scanner that
//! follows links unsubscribes nobody), `POST` (the button, or a mail client's one-click
//! `List-Unsubscribe-Post`) stops the workspace's emails to the address. The link is signed
//! per workspace and address; a wrong one changes nothing and says so.

use actix_web::{get, post, web, HttpResponse};
use serde::Deserialize;

use super::HttpState;
use crate::domain::{Timestamp, WorkspaceId};
use crate::error::ApiError;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(confirm).service(unsubscribe);
}

#[derive(Deserialize)]
struct Link {
    w: uuid::Uuid,
    a: String,
    t: String,
}

fn page(title: &str, body: &str) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .insert_header(("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'"))
        .insert_header(("Cache-Control", "no-store"))
        .body(format!(
            "<!doctype html><html><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width\">\
             <title>{title}</title></head><body style=\"font-family:system-ui,sans-serif;max-width:32rem;margin:3rem auto;padding:0 1rem\">{body}</body></html>"
        ))
}

fn checked(state: &HttpState, link: &Link) -> Result<(), ApiError> {
    if link.a.len() > 320
        || !state
            .reply_addresses
            .unsubscribe_ok(WorkspaceId(link.w), &link.a, &link.t)
    {
        return Err(ApiError::NotFound);
    }
    Ok(())
}

#[get("/email/unsubscribe")]
async fn confirm(
    state: web::Data<HttpState>,
    link: web::Query<Link>,
) -> Result<HttpResponse, ApiError> {
    checked(&state, &link)?;
    Ok(page(
        "Stop these emails",
        "<p>Stop receiving replies to your chats by email?</p>\
         <form method=\"post\"><button type=\"submit\">Stop these emails</button></form>",
    ))
}

#[post("/email/unsubscribe")]
async fn unsubscribe(
    state: web::Data<HttpState>,
    link: web::Query<Link>,
) -> Result<HttpResponse, ApiError> {
    checked(&state, &link)?;
    state
        .store
        .suppress(
            WorkspaceId(link.w),
            &link.a,
            "unsubscribed",
            Timestamp::now(),
        )
        .await?;
    Ok(page(
        "Unsubscribed",
        "<p>Done: you will not get these emails any more.</p>",
    ))
}
