//! Keyed rate limits on governor's GCRA: new WebSocket connections per IP, and failed logins
//! per IP and per account.

use std::collections::HashMap;
use std::hash::Hash;
use std::net::IpAddr;
use std::num::NonZeroU32;
use std::time::{Duration, Instant};

use governor::clock::{Clock, DefaultClock};
use governor::middleware::StateInformationMiddleware;
use governor::state::keyed::DefaultKeyedStateStore;
use governor::{Quota, RateLimiter};
use parking_lot::Mutex;

use super::concurrency::{PerKey, Slot};

/// governor's keyed limiter, reporting the capacity left after each decision.
type Keyed<K> = RateLimiter<K, DefaultKeyedStateStore<K>, DefaultClock, StateInformationMiddleware>;

/// A rate per key; `None` inside when configured as 0 (no limit).
pub struct KeyedLimiter<K: Hash + Eq + Clone> {
    limiter: Option<Keyed<K>>,
}

impl<K: Hash + Eq + Clone> KeyedLimiter<K> {
    /// `count` per minute, all of it usable at once; 0 is no limit.
    pub fn per_minute(count: u32) -> Self {
        let limiter = NonZeroU32::new(count).map(|n| {
            RateLimiter::keyed(Quota::per_minute(n).allow_burst(n))
                .with_middleware::<StateInformationMiddleware>()
        });
        Self { limiter }
    }

    /// `count` within `window`, recovering evenly.
    pub fn per_window(count: u32, window: Duration) -> Self {
        let limiter = NonZeroU32::new(count).and_then(|n| {
            Quota::with_period(window / n.get()).map(|q| {
                RateLimiter::keyed(q.allow_burst(n)).with_middleware::<StateInformationMiddleware>()
            })
        });
        Self { limiter }
    }

    /// Takes one unit for `key`; when over the limit, returns the seconds to wait.
    pub fn check(&self, key: &K) -> Result<(), u64> {
        let Some(limiter) = &self.limiter else {
            return Ok(());
        };
        limiter.check_key(key).map(|_| ()).map_err(|not_until| {
            whole_seconds(not_until.wait_time_from(DefaultClock::default().now()))
        })
    }

    /// Takes one unit for `key`; returns how long until the next unit when none is left now.
    pub fn exhaust(&self, key: &K) -> Option<Duration> {
        let limiter = self.limiter.as_ref()?;
        match limiter.check_key(key) {
            Ok(state) if state.remaining_burst_capacity() == 0 => {
                Some(state.quota().replenish_interval())
            }
            Ok(_) => None,
            Err(not_until) => Some(not_until.wait_time_from(DefaultClock::default().now())),
        }
    }

    /// Forgets keys whose limit has fully recovered, so memory stays bounded.
    pub fn forget_idle(&self) {
        if let Some(limiter) = &self.limiter {
            limiter.retain_recent();
            limiter.shrink_to_fit();
        }
    }
}

pub type IpLimiter = KeyedLimiter<IpAddr>;

fn whole_seconds(wait: Duration) -> u64 {
    wait.as_secs() + u64::from(wait.subsec_nanos() > 0)
}

/// Failed logins allowed per account from one IP before that pair is locked for a while.
const ACCOUNT_FAILURES: u32 = 10;
/// ... within this window.
const ACCOUNT_WINDOW: Duration = Duration::from_secs(15 * 60);

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
enum Blocked {
    Ip(IpAddr),
    /// An account from one IP: a stranger guessing from elsewhere never locks its owner out.
    AccountFrom(String, IpAddr),
}

/// Password checks one IP may have running at once: the rest are refused before hashing, so
/// that concurrent attempts cannot all slip past a limit that only counts finished ones.
const ATTEMPTS_IN_FLIGHT_PER_IP: u32 = 2;

/// Counts failed logins (only failures) per IP and per account and IP together; once either is
/// exhausted, further attempts are refused until it recovers, without checking the password.
/// Keying the account's count by IP too means that the right password from a clean IP always
/// works, however many wrong ones strangers sent elsewhere.
pub struct LoginGuard {
    per_ip: KeyedLimiter<IpAddr>,
    per_account: KeyedLimiter<(String, IpAddr)>,
    blocked: Mutex<HashMap<Blocked, Instant>>,
    in_flight: PerKey<IpAddr>,
}

impl LoginGuard {
    pub fn new(failures_per_minute_per_ip: u32) -> Self {
        Self {
            per_ip: KeyedLimiter::per_minute(failures_per_minute_per_ip),
            per_account: KeyedLimiter::per_window(ACCOUNT_FAILURES, ACCOUNT_WINDOW),
            blocked: Mutex::new(HashMap::new()),
            in_flight: PerKey::new(ATTEMPTS_IN_FLIGHT_PER_IP),
        }
    }

    /// Starts a password check for `ip`, unless it already has the most allowed under way.
    pub fn begin(&self, ip: IpAddr) -> Option<Slot<IpAddr>> {
        self.in_flight.take(ip)
    }

    /// Seconds until `ip` or `account` may try again, if either is blocked now.
    pub fn blocked(&self, ip: IpAddr, account: &str) -> Option<u64> {
        let now = Instant::now();
        let blocked = self.blocked.lock();
        [
            Blocked::Ip(ip),
            Blocked::AccountFrom(account.to_owned(), ip),
        ]
        .iter()
        .filter_map(|key| blocked.get(key))
        .filter(|until| **until > now)
        // Rounded up: a client that waits as long as told must find the way open.
        .map(|until| whole_seconds(until.duration_since(now)).max(1))
        .max()
    }

    /// Records a failure. Once a limit is used up, the next attempts are refused until it
    /// recovers; returns the wait when this failure went past a limit already used up.
    pub fn failed(&self, ip: IpAddr, account: &str) -> Option<u64> {
        let account = account.to_owned();
        let was_blocked = self.blocked(ip, &account);
        let used_up = [
            (Blocked::Ip(ip), self.per_ip.exhaust(&ip)),
            (
                Blocked::AccountFrom(account.clone(), ip),
                self.per_account.exhaust(&(account.clone(), ip)),
            ),
        ];
        let now = Instant::now();
        let mut blocked = self.blocked.lock();
        blocked.retain(|_, until| *until > now);
        for (key, wait) in used_up {
            if let Some(wait) = wait {
                blocked.insert(key, now + wait);
            }
        }
        was_blocked
    }

    pub fn forget_idle(&self) {
        self.per_ip.forget_idle();
        self.per_account.forget_idle();
        let now = Instant::now();
        self.blocked.lock().retain(|_, until| *until > now);
    }
}
