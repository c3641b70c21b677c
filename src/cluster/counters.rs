//! Cluster-wide counters for rate limits: counted in Redis when the node is part of a cluster,
//! so that a limit holds over every node; `None` when there is no cluster or Redis cannot say
//! (callers then fall back to this node's own limiter).

use std::sync::Arc;

use redis::AsyncCommands;

use super::now_secs;
use super::redis::RedisBroker;

#[derive(Clone, Default)]
pub struct Counters {
    redis: Option<Arc<RedisBroker>>,
}

impl Counters {
    pub fn new(redis: Option<Arc<RedisBroker>>) -> Self {
        Self { redis }
    }

    /// Whether counts are kept over the cluster.
    pub fn is_clustered(&self) -> bool {
        self.redis.is_some()
    }

    /// Counts one event for `key` in the current window of `window` seconds; returns the count.
    pub async fn count(&self, key: &str, window: u64) -> Option<u64> {
        let redis = self.redis.as_ref()?;
        let slot = now_secs() as u64 / window.max(1);
        let key = format!("parley:rl:{key}:{slot}");
        let mut connection = redis.connection().await.ok()?;
        let (count, _): (u64, bool) = ::redis::pipe()
            .incr(&key, 1u64)
            .expire(&key, window as i64 + 1)
            .query_async(&mut connection)
            .await
            .ok()?;
        Some(count)
    }

    /// The current window's count for `key`, without counting.
    pub async fn peek(&self, key: &str, window: u64) -> Option<u64> {
        let redis = self.redis.as_ref()?;
        let slot = now_secs() as u64 / window.max(1);
        let mut connection = redis.connection().await.ok()?;
        let count: Option<u64> = connection
            .get(format!("parley:rl:{key}:{slot}"))
            .await
            .ok()?;
        Some(count.unwrap_or(0))
    }

    /// Seconds left in the current window of `window` seconds (for `Retry-After`).
    pub fn window_left(window: u64) -> u64 {
        let window = window.max(1);
        window - (now_secs() as u64 % window)
    }
}
