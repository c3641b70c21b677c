//! Calendar periods in a time zone, for reports: the days or hours a range is cut into
//! (aligned to the zone's midnights and hours, across daylight-saving changes), and where an
//! instant falls in the week.

use chrono::{Datelike, Duration, NaiveTime, TimeZone, Timelike};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use super::Timestamp;

/// The length of a report's buckets.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Interval {
    Day,
    Hour,
}

impl Interval {
    /// The most buckets of this length a range may be cut into: 400 days or 31 days of hours,
    /// plus the partial bucket a range not aligned to the zone's midnights (or hours) starts in.
    pub fn max_buckets(self) -> usize {
        match self {
            Interval::Day => 400 + 1,
            Interval::Hour => 31 * 24 + 1,
        }
    }
}

/// A time zone by its IANA name.
pub fn zone(name: &str) -> Option<Tz> {
    name.parse().ok()
}

/// The starts of the buckets covering `[from, to)`: the first is the start of the day (or
/// hour) holding `from` in `tz`, each next one a local day (or an hour) later. `None` when
/// there would be more than the interval allows.
pub fn bucket_starts(
    from: Timestamp,
    to: Timestamp,
    interval: Interval,
    tz: Tz,
) -> Option<Vec<Timestamp>> {
    let mut starts = Vec::new();
    let mut at = floor(from, interval, tz);
    while at < to {
        if starts.len() == interval.max_buckets() {
            return None;
        }
        starts.push(at);
        at = match interval {
            Interval::Hour => at.plus(std::time::Duration::from_secs(3600)),
            Interval::Day => {
                let next = at.as_datetime().with_timezone(&tz).date_naive() + Duration::days(1);
                local_midnight(next, tz)
            }
        };
    }
    Some(starts)
}

/// Which bucket `at` falls in (the last start at or before it), if any.
pub fn bucket_of(starts: &[Timestamp], at: Timestamp) -> Option<usize> {
    starts.partition_point(|s| *s <= at).checked_sub(1)
}

/// The weekday (0 Monday … 6 Sunday) and hour (0 … 23) of `at` in `tz`.
pub fn week_cell(at: Timestamp, tz: Tz) -> (usize, usize) {
    let local = at.as_datetime().with_timezone(&tz);
    (
        local.weekday().num_days_from_monday() as usize,
        local.hour() as usize,
    )
}

fn floor(at: Timestamp, interval: Interval, tz: Tz) -> Timestamp {
    let local = at.as_datetime().with_timezone(&tz);
    match interval {
        Interval::Day => local_midnight(local.date_naive(), tz),
        Interval::Hour => {
            // Zones are whole hours from UTC or not (India, Nepal): the local hour's start.
            let into_hour = u64::from(local.minute()) * 60 + u64::from(local.second());
            let micros = at.as_micros() % 1_000_000;
            Timestamp::from_micros(at.as_micros() - micros)
                .unwrap_or(at)
                .minus(std::time::Duration::from_secs(into_hour))
        }
    }
}

/// The first instant of `date` in `tz` (a midnight skipped by a clock change starts the day
/// at the first local time that exists).
fn local_midnight(date: chrono::NaiveDate, tz: Tz) -> Timestamp {
    let mut time = NaiveTime::MIN;
    for _ in 0..=24 * 4 {
        if let Some(at) = tz.from_local_datetime(&date.and_time(time)).earliest() {
            return Timestamp::from(at.with_timezone(&chrono::Utc));
        }
        time += Duration::minutes(15);
    }
    Timestamp::from(date.and_time(NaiveTime::MIN).and_utc())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(rfc3339: &str) -> Timestamp {
        Timestamp::from(
            chrono::DateTime::parse_from_rfc3339(rfc3339)
                .unwrap()
                .to_utc(),
        )
    }

    #[test]
    fn days_follow_the_zone_across_a_clock_change() {
        let paris = zone("Europe/Paris").unwrap();
        // Summer time ends on 2026-10-25: that day lasts 25 hours.
        let starts = bucket_starts(
            at("2026-10-24T10:00:00Z"),
            at("2026-10-26T12:00:00Z"),
            Interval::Day,
            paris,
        )
        .unwrap();
        assert_eq!(
            starts,
            vec![
                at("2026-10-23T22:00:00Z"),
                at("2026-10-24T22:00:00Z"),
                at("2026-10-25T23:00:00Z"),
            ]
        );
        assert_eq!(bucket_of(&starts, at("2026-10-25T22:30:00Z")), Some(1));
        assert_eq!(bucket_of(&starts, at("2026-10-23T21:00:00Z")), None);
    }

    #[test]
    fn hours_start_on_the_local_hour_and_ranges_are_bounded() {
        let kolkata = zone("Asia/Kolkata").unwrap();
        let starts = bucket_starts(
            at("2026-12-01T10:10:00Z"),
            at("2026-12-01T12:00:00Z"),
            Interval::Hour,
            kolkata,
        )
        .unwrap();
        // 15:40 local is in the hour starting 15:00 local, 09:30 UTC.
        assert_eq!(starts[0], at("2026-12-01T09:30:00Z"));
        assert_eq!(starts.len(), 3);
        assert!(bucket_starts(
            at("2026-01-01T00:00:00Z"),
            at("2026-03-01T00:00:00Z"),
            Interval::Hour,
            chrono_tz::UTC
        )
        .is_none());
        assert_eq!(zone("Mars/Olympus"), None);
        assert_eq!(
            week_cell(at("2026-12-06T23:30:00Z"), zone("Europe/Berlin").unwrap()),
            (0, 0),
            "Sunday 23:30 UTC is Monday 00:30 in Berlin"
        );
    }
}
