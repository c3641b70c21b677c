//! When a failed event is tried again: exponentially later, with jitter so that the events of
//! one receiver that came back do not all arrive at once, until the retry window ends.

use std::time::Duration;

use crate::domain::Timestamp;
use crate::store::webhooks::AfterAttempt;

/// The first retry comes after about this long (between half and one and a half of it).
const FIRST_DELAY: Duration = Duration::from_secs(5);
/// No two tries of one event are further apart than this.
const LONGEST_DELAY: Duration = Duration::from_secs(3600);

/// After a failed attempt number `attempt` (1 for the first) of an event made at `created_at`:
/// when to try again, or give up once `retry_for` has passed. The last try falls on the end of
/// the window itself. `jitter` is in `[0, 1)`.
pub fn after_failure(
    attempt: i32,
    created_at: Timestamp,
    now: Timestamp,
    retry_for: Duration,
    jitter: f64,
) -> AfterAttempt {
    let deadline = created_at.plus(retry_for);
    if now >= deadline {
        return AfterAttempt::GaveUp;
    }
    let doublings = u32::try_from(attempt.saturating_sub(1).clamp(0, 20)).unwrap_or(20);
    let delay = FIRST_DELAY
        .saturating_mul(2u32.saturating_pow(doublings))
        .min(LONGEST_DELAY)
        .mul_f64(0.5 + jitter.clamp(0.0, 1.0));
    let next = now.plus(delay);
    AfterAttempt::RetryAt(if next > deadline { deadline } else { next })
}

#[cfg(test)]
mod tests {
    use super::*;

    const DAY: Duration = Duration::from_secs(24 * 3600);

    fn delay(attempt: i32, jitter: f64) -> Duration {
        let now = Timestamp::now();
        match after_failure(attempt, now, now, DAY, jitter) {
            AfterAttempt::RetryAt(at) => at.since(now),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn the_first_retry_comes_within_ten_seconds_then_delays_grow() {
        assert!(delay(1, 0.999) <= Duration::from_secs(10));
        assert!(delay(1, 0.0) >= Duration::from_millis(2500));
        assert!(delay(2, 0.5) > delay(1, 0.5));
        assert!(delay(5, 0.5) > delay(4, 0.5));
        assert!(delay(40, 0.999) <= LONGEST_DELAY.mul_f64(1.5));
    }

    #[test]
    fn the_window_ends_with_a_last_try_then_failure() {
        let made = Timestamp::now();
        let almost = made.plus(DAY - Duration::from_secs(1));
        assert_eq!(
            after_failure(30, made, almost, DAY, 0.5),
            AfterAttempt::RetryAt(made.plus(DAY))
        );
        assert_eq!(
            after_failure(31, made, made.plus(DAY), DAY, 0.5),
            AfterAttempt::GaveUp
        );
    }
}
