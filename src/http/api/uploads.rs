//! `POST /uploads`: a visitor or an agent uploads one file (multipart, a part named `file`),
//! to send it with a message. The body is read as it comes and refused (413) as soon as it is
//! over the limit, then kept (`files::keep`: type from the bytes, location removed, preview). Visitors are limited per visitor and per site, and by the site's accepted kinds.

use actix_cors::Cors;
use actix_web::{post, web, HttpRequest, HttpResponse};
use futures_util::StreamExt;
use serde::{Deserialize, Serialize};
use tokio::sync::Semaphore;
use utoipa::{IntoParams, ToSchema};

use super::ErrorBody;
use crate::access::client_ip::client_ip;
use crate::access::origin::check_site;
use crate::access::rate_limit::KeyedLimiter;
use crate::domain::attachments::Category;
use crate::domain::{SiteId, UploadId, WidgetSettings, WorkspaceId};
use crate::error::ApiError;
use crate::files::keep::{keep, KeepError};
use crate::http::extract::CurrentAgent;
use crate::http::HttpState;
use crate::store::uploads::Uploader;
use actix_web::FromRequest;

/// Uploads per site (agents: per workspace) and minute.
const PER_SITE_PER_MIN: u32 = 300;
/// Uploads per IP and minute (new visitors cost nothing to make).
const PER_IP_PER_MIN: u32 = 60;
/// Files a visitor may hold uploaded but not sent.
const MOST_UNSENT: i64 = 20;
/// Uploads handled at once on this node: each holds its file in memory while it is checked.
const AT_ONCE: usize = 8;
/// Room for the multipart framing around the file.
const FRAMING_BYTES: u64 = 16 * 1024;
/// Longest file name kept.
const MAX_NAME_CHARS: usize = 200;

/// Downloads per IP and minute (a timeline of images loads many at once), and reads at once.
const DOWNLOADS_PER_IP_PER_MIN: u32 = 1200;
const DOWNLOADS_AT_ONCE: usize = 32;

/// This node's upload and download limits.
pub struct UploadGate {
    per_uploader: KeyedLimiter<uuid::Uuid>,
    per_site: KeyedLimiter<uuid::Uuid>,
    per_ip: KeyedLimiter<std::net::IpAddr>,
    running: Semaphore,
    /// Downloads read from the file store at once (each reads its whole file).
    pub downloads_per_ip: KeyedLimiter<std::net::IpAddr>,
    pub downloading: Semaphore,
}

impl UploadGate {
    /// `per_uploader`: uploads per visitor (or agent) and minute.
    pub fn new(per_uploader: u32) -> Self {
        Self {
            per_uploader: KeyedLimiter::per_minute(per_uploader),
            per_site: KeyedLimiter::per_minute(PER_SITE_PER_MIN),
            per_ip: KeyedLimiter::per_minute(PER_IP_PER_MIN),
            running: Semaphore::new(AT_ONCE),
            downloads_per_ip: KeyedLimiter::per_minute(DOWNLOADS_PER_IP_PER_MIN),
            downloading: Semaphore::new(DOWNLOADS_AT_ONCE),
        }
    }

    /// An agent's picture counts as one of its uploads (and its address's), and is read
    /// among the node's uploads at once: a burst of pictures cannot take the memory.
    pub async fn admit_picture(
        &self,
        agent: uuid::Uuid,
        ip: std::net::IpAddr,
    ) -> Result<tokio::sync::SemaphorePermit<'_>, ApiError> {
        self.per_uploader
            .check(&agent)
            .and_then(|()| self.per_ip.check(&ip))
            .map_err(|retry_after_secs| ApiError::RateLimited { retry_after_secs })?;
        self.running
            .acquire()
            .await
            .map_err(|_| ApiError::Unavailable)
    }

    /// A download (a file, a picture) from `ip`, counted against its budget.
    pub fn check_download(&self, ip: &std::net::IpAddr) -> Result<(), ApiError> {
        self.downloads_per_ip
            .check(ip)
            .map_err(|retry_after_secs| ApiError::RateLimited { retry_after_secs })
    }

    pub fn forget_idle(&self) {
        self.per_uploader.forget_idle();
        self.per_site.forget_idle();
        self.per_ip.forget_idle();
        self.downloads_per_ip.forget_idle();
    }
}

/// The scope, with CORS for a visitor's client on the site's pages (bearer tokens, no
/// cookies: any origin may call, the site's allowed origins are checked per request).
pub fn scope() -> utoipa_actix_web::scope::Scope<
    impl actix_web::dev::ServiceFactory<
        actix_web::dev::ServiceRequest,
        Config = (),
        Response = actix_web::dev::ServiceResponse<impl actix_web::body::MessageBody>,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    let cors = Cors::default()
        .allow_any_origin()
        .allowed_methods(["POST"])
        .allowed_headers(["authorization", "content-type"])
        .max_age(3600);
    utoipa_actix_web::scope("/uploads")
        .wrap(cors)
        .service(upload)
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct UploadParams {
    /// For a visitor (with its token as the bearer): the site's key.
    pub site_key: Option<String>,
}

/// An uploaded file, ready to be sent with `attachments: [id]`.
#[derive(Debug, Serialize, ToSchema)]
pub struct Uploaded {
    pub id: UploadId,
    pub name: String,
    pub size: i64,
    pub content_type: String,
}

/// Uploads one file. A visitor authenticates with its token and `site_key`, an agent with
/// its JWT (or an API key).
#[utoipa::path(
    tag = "attachments",
    params(UploadParams),
    request_body(content_type = "multipart/form-data", description = "one part named `file`"),
    responses(
        (status = 201, body = Uploaded),
        (status = 400, body = ErrorBody),
        (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody),
        (status = 413, body = ErrorBody),
        (status = 422, body = ErrorBody),
        (status = 429, body = ErrorBody)
    ),
    security(("bearer" = []))
)]
#[post("")]
async fn upload(
    req: HttpRequest,
    state: web::Data<HttpState>,
    params: web::Query<UploadParams>,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let max = state.settings.files.max_upload_bytes;
    // Announced too large: refused before a byte is read.
    let announced = req
        .headers()
        .get(actix_web::http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if announced.is_some_and(|n| n > max.saturating_add(FRAMING_BYTES)) {
        return Err(too_large(max));
    }
    let Caller {
        workspace,
        uploader,
        site,
        accepts,
    } = who(&req, &state, params.site_key.as_deref()).await?;
    let gate = &state.uploads;
    let key = match uploader {
        Uploader::Visitor(v) => v.0,
        Uploader::Agent(a) => a.0,
    };
    let ip = client_ip(&req, &state.settings.trusted_proxies);
    gate.per_uploader
        .check(&key)
        .and_then(|()| gate.per_ip.check(&ip))
        .and_then(|()| gate.per_site.check(&site.map_or(workspace.0, |s| s.0)))
        .map_err(|retry_after_secs| ApiError::RateLimited { retry_after_secs })?;
    // Files a visitor uploads but does not send wait a day: a few at a time, or a stranger
    // could fill the storage with them.
    if let Uploader::Visitor(visitor) = uploader {
        if state.store.unsent_uploads(visitor).await? >= MOST_UNSENT {
            return Err(ApiError::RateLimited {
                retry_after_secs: 60,
            });
        }
    }
    let _running = gate
        .running
        .acquire()
        .await
        .map_err(|_| ApiError::Unavailable)?;
    let mut multipart = actix_multipart::Multipart::new(req.headers(), payload);
    let (name, bytes) = read_file(&mut multipart, max).await?;
    let row = keep(
        &state.files,
        &state.store,
        workspace,
        uploader,
        name,
        bytes,
        accepts.as_deref(),
    )
    .await
    .map_err(|e| match e {
        KeepError::NotAccepted(_) | KeepError::Broken(_) => ApiError::Unprocessable(e.to_string()),
        KeepError::Unavailable => ApiError::Unavailable,
        KeepError::Store(e) => e.into(),
    })?;
    Ok(HttpResponse::Created().json(Uploaded {
        id: row.id,
        name: row.name,
        size: row.size,
        content_type: row.content_type,
    }))
}

type Accepts = Box<dyn Fn(Category) -> bool + Sync>;

/// Who uploads: its workspace, itself, and for a visitor its site and what the site accepts.
struct Caller {
    workspace: WorkspaceId,
    uploader: Uploader,
    site: Option<SiteId>,
    accepts: Option<Accepts>,
}

async fn who(
    req: &HttpRequest,
    state: &HttpState,
    site_key: Option<&str>,
) -> Result<Caller, ApiError> {
    let Some(site_key) = site_key else {
        let agent = CurrentAgent::extract(req).await?;
        return Ok(Caller {
            workspace: agent.workspace_id,
            uploader: Uploader::Agent(agent.id),
            site: None,
            accepts: None,
        });
    };
    let site = state.chat.site_named(Some(site_key)).await?;
    check_site(req, &site, &state.public_url)?;
    let token = crate::http::extract::bearer(req).ok_or(ApiError::Unauthorized)?;
    let claims = state
        .tokens
        .verify_visitor(&token)
        .map_err(|_| ApiError::Unauthorized)?;
    if claims.site_id != site.id {
        return Err(ApiError::Unauthorized);
    }
    let visitor = state
        .store
        .visitor(site.workspace_id, claims.sub)
        .await?
        .ok_or(ApiError::Unauthorized)?;
    if state
        .store
        .visitor_block(site.workspace_id, visitor.id)
        .await?
        .is_some()
    {
        return Err(ApiError::Forbidden("this visitor is blocked".into()));
    }
    let policy = WidgetSettings::of(&site.settings.0).attachments;
    if !policy.enabled {
        return Err(ApiError::Forbidden(
            "this site does not accept files".into(),
        ));
    }
    Ok(Caller {
        workspace: site.workspace_id,
        uploader: Uploader::Visitor(visitor.id),
        site: Some(site.id),
        accepts: Some(Box::new(move |c| policy.accepts(c))),
    })
}

/// The part named `file`: its cleaned name and bytes, refused as soon as they pass `max`.
async fn read_file(
    multipart: &mut actix_multipart::Multipart,
    max: u64,
) -> Result<(String, Vec<u8>), ApiError> {
    let bad = |_| ApiError::BadRequest("the multipart body could not be read".into());
    // A few small parts besides the file are tolerated (some clients add one); not more.
    for _ in 0..4 {
        let Some(field) = multipart.next().await else {
            break;
        };
        let mut field = field.map_err(bad)?;
        if field.name() != Some("file") {
            while let Some(chunk) = field.next().await {
                chunk.map_err(bad)?;
            }
            continue;
        }
        let name = clean_name(
            field
                .content_disposition()
                .and_then(|d| d.get_filename())
                .unwrap_or("file"),
        );
        let mut bytes = Vec::new();
        while let Some(chunk) = field.next().await {
            let chunk = chunk.map_err(bad)?;
            if (bytes.len() + chunk.len()) as u64 > max {
                return Err(too_large(max));
            }
            bytes.extend_from_slice(&chunk);
        }
        if bytes.is_empty() {
            return Err(ApiError::BadRequest("the file is empty".into()));
        }
        return Ok((name, bytes));
    }
    Err(ApiError::BadRequest(
        "send the file as a multipart part named file".into(),
    ))
}

fn too_large(max: u64) -> ApiError {
    ApiError::TooLarge(format!("a file of at most {max} bytes"))
}

/// A file name as shown to others: its last path segment, without control or direction
/// characters, at most `MAX_NAME_CHARS`; `file` when nothing is left.
pub fn clean_name(raw: &str) -> String {
    let base = raw.rsplit(['/', '\\']).next().unwrap_or_default();
    let cleaned: String = base
        .chars()
        .filter(|c| {
            !c.is_control() && !matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{200e}' | '\u{200f}')
        })
        .take(MAX_NAME_CHARS)
        .collect();
    let trimmed = cleaned.trim().trim_start_matches('.');
    if trimmed.is_empty() {
        "file".into()
    } else {
        trimmed.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_lose_paths_controls_and_direction_tricks() {
        assert_eq!(clean_name("C:\\Users\\ada\\shot.png"), "shot.png");
        assert_eq!(clean_name("../../etc/passwd"), "passwd");
        assert_eq!(clean_name("invoice\u{202e}fdp.exe"), "invoicefdp.exe");
        assert_eq!(clean_name("a\0b\nc.txt"), "abc.txt");
        assert_eq!(clean_name(".."), "file");
        assert_eq!(clean_name(".bashrc"), "bashrc");
        assert_eq!(clean_name(&"x".repeat(500)).chars().count(), MAX_NAME_CHARS);
    }
}
