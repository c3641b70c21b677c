//! Embeds a site refused: a page whose origin the site does not allow asked for the widget.
//! Each is written down so that the admin sees it beside the site's allowed origins; a node
//! writes a given site and origin at most once a minute, so a page reloaded in a loop (or a
//! stranger sending made-up origins) costs a map entry, not a write per request.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use parking_lot::Mutex;

use super::Chat;
use crate::domain::{SiteId, Timestamp};

/// How often a node writes the same site and origin.
const NOTE_EVERY: Duration = Duration::from_secs(60);
/// Entries a node remembers before forgetting the old ones.
const REMEMBERED: usize = 10_000;

#[derive(Default)]
pub struct Refusals {
    noted: Mutex<HashMap<(SiteId, String), Instant>>,
}

impl Refusals {
    /// Whether this site and origin should be written now.
    fn due(&self, site: SiteId, origin: &str) -> bool {
        let mut noted = self.noted.lock();
        let now = Instant::now();
        if noted.len() >= REMEMBERED {
            noted.retain(|_, at| now.duration_since(*at) < NOTE_EVERY);
            if noted.len() >= REMEMBERED {
                return false;
            }
        }
        let key = (site, origin.to_owned());
        match noted.get(&key) {
            Some(at) if now.duration_since(*at) < NOTE_EVERY => false,
            _ => {
                noted.insert(key, now);
                true
            }
        }
    }
}

impl Chat {
    /// Writes down that `origin` was refused for `site` (in the background; a failure is
    /// logged, never the request's error).
    pub fn note_refused_origin(&self, site: SiteId, origin: &str) {
        if !self.inner.refusals.due(site, origin) {
            return;
        }
        let store = self.inner.store.clone();
        let origin = origin.to_owned();
        tokio::spawn(async move {
            if let Err(err) = store
                .note_refused_origin(site, &origin, Timestamp::now())
                .await
            {
                tracing::warn!(error = %err, "refused origin not noted");
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_site_and_origin_is_written_once_a_minute() {
        let refusals = Refusals::default();
        let site = SiteId::new();
        assert!(refusals.due(site, "https://a.example"));
        assert!(!refusals.due(site, "https://a.example"));
        assert!(refusals.due(site, "https://b.example"));
        assert!(refusals.due(SiteId::new(), "https://a.example"));
    }
}
