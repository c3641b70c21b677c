//! `GET /files/{id}/{name}?e=…&s=…[&v=thumb]`: an attachment's bytes, for whoever holds a
//! link the server signed (the signature is the credential: `<img src>` and plain downloads
//! send no header). The type comes from the file's bytes; only raster images a browser never
//! runs are shown inline, everything else downloads, with `nosniff` and a sandboxing policy.

use actix_web::http::header;
use actix_web::{get, web, HttpResponse};
use serde::Deserialize;

use crate::access::client_ip::client_ip;
use crate::domain::attachments::Variant;
use crate::domain::{Timestamp, UploadId};
use crate::error::ApiError;
use crate::files::detect;
use crate::files::links::Check;
use crate::http::HttpState;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(download).service(avatar);
}

/// An agent's picture. Public (visitors see it beside replies) and unguessable; a new picture
/// gets a new key, so this one can be cached for good.
#[actix_web::get("/avatars/{key}")]
async fn avatar(
    req: actix_web::HttpRequest,
    key: web::Path<String>,
    state: web::Data<HttpState>,
) -> Result<HttpResponse, ApiError> {
    let key = key.into_inner();
    if key.len() != 32 || !key.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return Err(ApiError::NotFound);
    }
    // Counted with file downloads: guessing keys costs a stranger its address's budget.
    let ip = client_ip(&req, &state.settings.trusted_proxies);
    state.uploads.check_download(&ip)?;
    let picture = state.store.avatar(&key).await?.ok_or(ApiError::NotFound)?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, picture.content_type))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .insert_header((
            header::CONTENT_SECURITY_POLICY,
            "sandbox; default-src 'none'",
        ))
        .insert_header((header::CACHE_CONTROL, "public, max-age=31536000, immutable"))
        .insert_header(("Cross-Origin-Resource-Policy", "cross-origin"))
        .body(picture.bytes))
}

#[derive(Deserialize)]
struct Link {
    /// Expiry, in Unix seconds.
    e: i64,
    /// Signature.
    s: String,
    /// `thumb` for an image's preview.
    v: Option<String>,
}

#[get("/files/{id}/{name}")]
async fn download(
    req: actix_web::HttpRequest,
    state: web::Data<HttpState>,
    path: web::Path<(String, String)>,
    link: web::Query<Link>,
) -> Result<HttpResponse, ApiError> {
    let id: UploadId = path.0.parse().map_err(|_| ApiError::NotFound)?;
    let variant = match link.v.as_deref() {
        None => Variant::File,
        Some("thumb") => Variant::Thumbnail,
        Some(_) => return Err(ApiError::NotFound),
    };
    let now = Timestamp::now();
    match state.file_links.check(id, variant, link.e, &link.s, now) {
        Check::Good => {}
        // Whoever was shown the link may see the file: a fresh link comes with the history.
        Check::Expired => return Err(ApiError::Forbidden("this link has expired".into())),
        Check::Forged => return Err(ApiError::NotFound),
    }
    let ip = client_ip(&req, &state.settings.trusted_proxies);
    state.uploads.check_download(&ip)?;
    let _sending = state
        .uploads
        .downloading
        .acquire()
        .await
        .map_err(|_| ApiError::Unavailable)?;
    let upload = state
        .store
        .upload_by_link(id)
        .await?
        .ok_or(ApiError::NotFound)?;
    let key = match variant {
        Variant::File => upload.storage_key.as_str(),
        Variant::Thumbnail => upload.thumbnail_key.as_deref().ok_or(ApiError::NotFound)?,
    };
    let bytes = state
        .files
        .get(key)
        .await
        .map_err(|e| {
            tracing::warn!(error = %e, "a file could not be read");
            ApiError::Unavailable
        })?
        .ok_or(ApiError::NotFound)?;
    let content_type = match variant {
        Variant::File => upload.content_type.clone(),
        Variant::Thumbnail => detect::detect(&bytes).content_type,
    };
    let disposition = if detect::inline(&content_type) {
        "inline"
    } else {
        "attachment"
    };
    let max_age = (link.e - now.unix_seconds()).max(0);
    Ok(HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, content_type))
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("{disposition}; {}", file_name_params(&upload.name)),
        ))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .insert_header((
            header::CONTENT_SECURITY_POLICY,
            "sandbox; default-src 'none'; img-src 'self'; style-src 'unsafe-inline'",
        ))
        .insert_header((header::CACHE_CONTROL, format!("private, max-age={max_age}")))
        // The widget shows images on the business's pages, another origin.
        .insert_header(("Cross-Origin-Resource-Policy", "cross-origin"))
        .insert_header((header::REFERRER_POLICY, "no-referrer"))
        .body(bytes))
}

/// `filename="…"` (ASCII, for old clients) and `filename*=UTF-8''…` (RFC 6266).
fn file_name_params(name: &str) -> String {
    let ascii: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_graphic() && c != '"' && c != '\\' || c == ' ' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let encoded: String = url::form_urlencoded::byte_serialize(name.as_bytes())
        .collect::<String>()
        .replace('+', "%20");
    format!("filename=\"{ascii}\"; filename*=UTF-8''{encoded}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_are_safe_in_the_header() {
        assert_eq!(
            file_name_params("résumé \"final\".pdf"),
            "filename=\"r_sum_ _final_.pdf\"; filename*=UTF-8''r%C3%A9sum%C3%A9%20%22final%22.pdf"
        );
    }
}
