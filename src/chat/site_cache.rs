//! Sites by key, remembered for a moment. Every visitor connection starts by looking up its
//! site: a storm of connections must not become a storm of identical queries.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use parking_lot::RwLock;

use crate::domain::{Site, SiteKey};
use crate::store::{DynStore, StoreResult};

/// How long a site read from the database is used for new connections. Changes made on this
/// node clear it at once (`forget_all`); other nodes see them within this time.
pub const SITE_TTL: Duration = Duration::from_secs(2);
/// Sites remembered at most; only keys that exist are remembered, so strangers probing keys
/// cannot grow the map.
const CAPACITY: usize = 10_000;

pub struct SiteCache {
    entries: RwLock<HashMap<SiteKey, (Instant, Arc<Site>)>>,
    ttl: Duration,
}

impl SiteCache {
    pub fn new(ttl: Duration) -> Self {
        Self {
            entries: RwLock::new(HashMap::new()),
            ttl,
        }
    }

    /// The site with this key: remembered if read less than `ttl` ago, else read again.
    pub async fn by_key(&self, store: &DynStore, key: &SiteKey) -> StoreResult<Option<Arc<Site>>> {
        if let Some((read_at, site)) = self.entries.read().get(key) {
            if read_at.elapsed() < self.ttl {
                return Ok(Some(site.clone()));
            }
        }
        let Some(site) = store.site_by_key(key).await? else {
            self.entries.write().remove(key);
            return Ok(None);
        };
        let site = Arc::new(site);
        let mut entries = self.entries.write();
        if entries.len() >= CAPACITY {
            let ttl = self.ttl;
            entries.retain(|_, (read_at, _)| read_at.elapsed() < ttl);
            if entries.len() >= CAPACITY {
                entries.clear();
            }
        }
        entries.insert(key.clone(), (Instant::now(), site.clone()));
        Ok(Some(site))
    }

    /// Forgets every site: called after a site is changed, deleted or its secret rotated.
    pub fn forget_all(&self) {
        self.entries.write().clear();
    }
}
