//! The widget, the demo page and the dashboard, served from the binary: no Node.js at run time.
//!
//! What is served is `dist/`, the bundles `scripts/build-web.mjs` makes from `widget/`,
//! `dashboard/` and `common/` (committed, and checked for staleness by the test command).
//! Files are embedded with rust-embed, prepared once (content type, ETag, gzip) and served
//! with the caching each deserves: the loader briefly cached, content-hashed files
//! (`panel-<hash>.js`) cached for good, everything else revalidated by ETag.

use std::collections::HashMap;
use std::io::Write;
use std::sync::OnceLock;

use actix_web::http::header::{self, HeaderValue};
use actix_web::{get, route, web, HttpRequest, HttpResponse};
use flate2::write::GzEncoder;
use flate2::Compression;
use rust_embed::RustEmbed;
use serde::Deserialize;
use sha2::{Digest, Sha256};

use crate::domain::SiteKey;
use crate::error::ApiError;
use crate::http::HttpState;

#[derive(RustEmbed)]
#[folder = "dist/widget/"]
struct WidgetFiles;

#[derive(RustEmbed)]
#[folder = "dist/dashboard/"]
struct DashboardFiles;

/// How long browsers may reuse `/widget.js` before revalidating: short, so fixes reach every
/// site within minutes.
const LOADER_MAX_AGE_SECS: u32 = 300;
/// Content-hashed files never change under their name.
const IMMUTABLE: &str = "public, max-age=31536000, immutable";
/// Shortest hash that marks a file name as content-hashed (`panel-<hash>.js`).
const MIN_HASH_CHARS: usize = 8;
/// The panel document's policy; `frame-ancestors` is added per site.
const PANEL_CSP: &str = "default-src 'self'; connect-src 'self' ws: wss:; img-src 'self' data:; \
    style-src 'self'; script-src 'self'; base-uri 'none'; form-action 'none'";

/// The dashboard document's policy: its own origin only, never framed.
const DASHBOARD_CSP: &str =
    "default-src 'self'; connect-src 'self' ws: wss:; img-src 'self' data:; \
    style-src 'self'; script-src 'self'; frame-src 'self'; base-uri 'none'; form-action 'none'; \
    frame-ancestors 'none'";

/// One file, ready to send.
struct Prepared {
    body: Vec<u8>,
    gzip: Vec<u8>,
    etag: String,
    content_type: &'static str,
}

impl Prepared {
    fn new(body: Vec<u8>, content_type: &'static str) -> Self {
        let etag = format!("\"{}\"", &hex::encode(Sha256::digest(&body))[..20]);
        let mut encoder = GzEncoder::new(Vec::new(), Compression::best());
        let gzip = match encoder.write_all(&body).and_then(|_| encoder.finish()) {
            Ok(gzip) if gzip.len() < body.len() => gzip,
            _ => Vec::new(),
        };
        Self {
            body,
            gzip,
            etag,
            content_type,
        }
    }

    /// The response: 304 when the client has this version, gzip when it accepts it.
    fn respond(&self, req: &HttpRequest, cache_control: &str) -> HttpResponse {
        let fresh = req
            .headers()
            .get(header::IF_NONE_MATCH)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|tags| tags.split(',').any(|t| t.trim() == self.etag));
        let mut response = if fresh {
            HttpResponse::NotModified()
        } else {
            HttpResponse::Ok()
        };
        response
            .insert_header((header::ETAG, self.etag.as_str()))
            .insert_header((header::CACHE_CONTROL, cache_control))
            .insert_header((header::VARY, "Accept-Encoding"))
            .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"));
        if fresh {
            return response.finish();
        }
        response.content_type(self.content_type);
        let gzip_ok = req
            .headers()
            .get(header::ACCEPT_ENCODING)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.split(',').any(|e| e.trim().starts_with("gzip")));
        if gzip_ok && !self.gzip.is_empty() {
            response
                .insert_header((header::CONTENT_ENCODING, "gzip"))
                .body(self.gzip.clone())
        } else {
            response.body(self.body.clone())
        }
    }
}

fn content_type(path: &str) -> &'static str {
    match path.rsplit('.').next() {
        Some("js") => "text/javascript; charset=utf-8",
        Some("css") => "text/css; charset=utf-8",
        Some("html") => "text/html; charset=utf-8",
        Some("json") => "application/json",
        Some("svg") => "image/svg+xml",
        Some("png") => "image/png",
        Some("mp3") => "audio/mpeg",
        _ => "application/octet-stream",
    }
}

/// Whether a file's name carries a hash of its content (`app-3f2a9c01d4.js`), so that its
/// content never changes under that name.
fn is_content_hashed(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path);
    let stem = name.split('.').next().unwrap_or(name);
    stem.rsplit_once('-').is_some_and(|(_, hash)| {
        hash.len() >= MIN_HASH_CHARS && hash.bytes().all(|b| b.is_ascii_hexdigit())
    })
}

/// How long a browser may keep a file without asking again.
fn cache_for(path: &str) -> &'static str {
    if is_content_hashed(path) {
        IMMUTABLE
    } else {
        "no-cache"
    }
}

/// The dashboard's files, prepared once.
fn dashboard_files() -> &'static HashMap<String, Prepared> {
    static FILES: OnceLock<HashMap<String, Prepared>> = OnceLock::new();
    FILES.get_or_init(|| {
        DashboardFiles::iter()
            .filter_map(|path| {
                let file = DashboardFiles::get(&path)?;
                Some((
                    path.to_string(),
                    Prepared::new(file.data.into_owned(), content_type(&path)),
                ))
            })
            .collect()
    })
}

/// Every embedded widget file, prepared once.
fn files() -> &'static HashMap<String, Prepared> {
    static FILES: OnceLock<HashMap<String, Prepared>> = OnceLock::new();
    FILES.get_or_init(|| {
        WidgetFiles::iter()
            .filter_map(|path| {
                let file = WidgetFiles::get(&path)?;
                Some((
                    path.to_string(),
                    Prepared::new(file.data.into_owned(), content_type(&path)),
                ))
            })
            .collect()
    })
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(loader)
        .service(widget_file)
        .service(demo)
        .service(dashboard)
        .service(dashboard_file);
}

fn with_policy(mut response: HttpResponse, csp: &'static str) -> HttpResponse {
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(csp),
    );
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    response
}

/// The agents' dashboard (a single page; its views are addressed by the URL fragment).
#[route("/dashboard", method = "GET", method = "HEAD")]
async fn dashboard(req: HttpRequest) -> Result<HttpResponse, ApiError> {
    let page = dashboard_files()
        .get("index.html")
        .ok_or(ApiError::NotFound)?;
    Ok(with_policy(page.respond(&req, "no-cache"), DASHBOARD_CSP))
}

/// The dashboard's scripts and styles (its notes for developers are not served); a trailing
/// slash is the page itself.
#[route("/dashboard/{path:.*}", method = "GET", method = "HEAD")]
async fn dashboard_file(
    req: HttpRequest,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let path = if path.is_empty() {
        "index.html"
    } else {
        path.as_str()
    };
    let served = matches!(
        path.rsplit('.').next(),
        Some("html" | "js" | "css" | "svg" | "png" | "mp3")
    );
    let file = dashboard_files()
        .get(path)
        .filter(|_| served)
        .ok_or(ApiError::NotFound)?;
    Ok(with_policy(
        file.respond(&req, cache_for(path)),
        DASHBOARD_CSP,
    ))
}

/// The embed script.
#[get("/widget.js")]
async fn loader(req: HttpRequest) -> Result<HttpResponse, ApiError> {
    let file = files().get("loader.js").ok_or(ApiError::NotFound)?;
    let mut response = file.respond(&req, &format!("public, max-age={LOADER_MAX_AGE_SECS}"));
    // Sites may load it with crossorigin (for error reporting, SRI).
    response.headers_mut().insert(
        header::ACCESS_CONTROL_ALLOW_ORIGIN,
        HeaderValue::from_static("*"),
    );
    Ok(response)
}

#[derive(Deserialize)]
struct FileQuery {
    site_key: Option<String>,
}

/// The panel document, its code, styles, translations and the demo's assets.
#[get("/widget/{path:.+}")]
async fn widget_file(
    req: HttpRequest,
    path: web::Path<String>,
    query: web::Query<FileQuery>,
    state: web::Data<HttpState>,
) -> Result<HttpResponse, ApiError> {
    let path = path.into_inner();
    let file = files()
        .get(path.as_str())
        .filter(|_| path != "loader.js" && path != "demo.html");
    let file = file.ok_or(ApiError::NotFound)?;
    if path == "panel.html" {
        let mut response = file.respond(&req, "no-cache");
        let ancestors = frame_ancestors(&state, query.site_key.as_deref()).await?;
        let csp = format!("{PANEL_CSP}; frame-ancestors {ancestors}");
        if let Ok(value) = HeaderValue::from_str(&csp) {
            response
                .headers_mut()
                .insert(header::CONTENT_SECURITY_POLICY, value);
        }
        return Ok(response);
    }
    Ok(file.respond(&req, cache_for(&path)))
}

/// Who may frame the panel: this server and the site's allowed origins, or anyone when it
/// allows any.
async fn frame_ancestors(state: &HttpState, site_key: Option<&str>) -> Result<String, ApiError> {
    let key = site_key
        .and_then(SiteKey::parse)
        .ok_or(ApiError::NotFound)?;
    let site = state
        .store
        .site_by_key(&key)
        .await?
        .ok_or(ApiError::NotFound)?;
    let origins = crate::access::origin::allowed(&site);
    // This server's own pages (the demo, the dashboard's "try it") may always frame it.
    Ok(if origins.is_empty() {
        "*".to_owned()
    } else {
        format!("'self' {}", origins.join(" "))
    })
}

#[derive(Deserialize)]
struct DemoQuery {
    site_key: Option<String>,
}

/// A sample shop page with the widget, for trying Parley out: the first site by default.
#[get("/demo")]
async fn demo(
    req: HttpRequest,
    query: web::Query<DemoQuery>,
    state: web::Data<HttpState>,
) -> Result<HttpResponse, ApiError> {
    let site = match query.site_key.as_deref().and_then(SiteKey::parse) {
        Some(key) => state.store.site_by_key(&key).await?,
        None => state.store.first_site().await?,
    };
    let site = site.ok_or(ApiError::NotFound)?;
    let template = files().get("demo.html").ok_or(ApiError::NotFound)?;
    let html = String::from_utf8_lossy(&template.body)
        .replace("__PUBLIC_URL__", &state.public_url)
        .replace("__SITE_KEY__", site.site_key.as_str());
    Ok(Prepared::new(html.into_bytes(), "text/html; charset=utf-8").respond(&req, "no-cache"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_names_ending_in_a_hex_hash_are_cached_for_good() {
        assert!(is_content_hashed("panel-3f2a9c01d4.js"));
        assert!(is_content_hashed("chunks/view-0123abcdef.js"));
        assert!(is_content_hashed("app-ABCDEF0123.css"));
        assert!(!is_content_hashed("panel.js"));
        assert!(!is_content_hashed("loader.js"));
        assert!(
            !is_content_hashed("panel-1234.js"),
            "too short to be a hash"
        );
        assert!(!is_content_hashed("x-notahash.js"));
        assert!(!is_content_hashed("i18n/de.json"));
        assert_eq!(cache_for("demo.html"), "no-cache");
        assert_eq!(cache_for("panel-3f2a9c01d4.js"), IMMUTABLE);
    }
}
