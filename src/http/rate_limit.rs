//! Per-IP rate limits (new WebSocket connections, failed logins), on governor's keyed GCRA.

use std::net::IpAddr;
use std::num::NonZeroU32;

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

/// A per-minute limit per IP; `None` inside when configured as 0 (no limit).
pub struct IpLimiter {
    limiter: Option<DefaultKeyedRateLimiter<IpAddr>>,
}

impl IpLimiter {
    pub fn per_minute(count: u32) -> Self {
        let limiter =
            NonZeroU32::new(count).map(|n| RateLimiter::keyed(Quota::per_minute(n).allow_burst(n)));
        Self { limiter }
    }

    /// Takes one unit for `ip`; when over the limit, returns the seconds to wait.
    pub fn check(&self, ip: IpAddr) -> Result<(), u64> {
        let Some(limiter) = &self.limiter else {
            return Ok(());
        };
        limiter.check_key(&ip).map_err(|not_until| {
            let wait = not_until.wait_time_from(DefaultClock::default().now());
            wait.as_secs() + u64::from(wait.subsec_nanos() > 0)
        })
    }

    /// Forgets IPs whose limit has fully recovered, so memory stays bounded.
    pub fn forget_idle(&self) {
        if let Some(limiter) = &self.limiter {
            limiter.retain_recent();
            limiter.shrink_to_fit();
        }
    }
}
