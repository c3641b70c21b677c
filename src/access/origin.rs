//! Which web pages may talk to the server as a site's visitor: the request's `Origin` (sent by
//! browsers) against the site's allowed origins. Requests without one are not from a page.

use actix_web::http::header;
use actix_web::HttpRequest;

use crate::config::parse_origin;
use crate::domain::Site;
use crate::error::ApiError;

/// The request's `Origin`, normalised; `None` when absent (not a browser).
pub fn origin(req: &HttpRequest) -> Result<Option<String>, ApiError> {
    match req.headers().get(header::ORIGIN) {
        None => Ok(None),
        Some(value) => {
            let text = value
                .to_str()
                .map_err(|_| ApiError::Forbidden("origin not allowed".into()))?;
            parse_origin(text)
                .map(Some)
                .map_err(|_| ApiError::Forbidden("origin not allowed".into()))
        }
    }
}

/// The site's allowed origins, normalised (empty: any origin).
pub fn allowed(site: &Site) -> Vec<String> {
    site.allowed_origins
        .0
        .iter()
        .filter_map(|o| parse_origin(o).ok())
        .collect()
}

/// Refuses a page the site does not allow. The widget's own panel runs on this server's
/// origin (`public_url`); the site's list is enforced on it by the panel's frame-ancestors
/// policy.
pub fn check_site(req: &HttpRequest, site: &Site, public_url: &str) -> Result<(), ApiError> {
    match refused_origin(req, site, public_url)? {
        None => Ok(()),
        Some(_) => Err(ApiError::Forbidden(
            "origin not allowed for this site".into(),
        )),
    }
}

/// The request's origin when the site does not allow it; `None` when it may go on.
pub fn refused_origin(
    req: &HttpRequest,
    site: &Site,
    public_url: &str,
) -> Result<Option<String>, ApiError> {
    let Some(origin) = origin(req)? else {
        return Ok(None);
    };
    let allowed = allowed(site);
    let own = origin == public_url;
    let listed = allowed.contains(&origin);
    Ok((!own && !allowed.is_empty() && !listed).then_some(origin))
}
