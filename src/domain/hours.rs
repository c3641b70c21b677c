//! Business hours: a weekly schedule in an IANA time zone, with dated exceptions (holidays,
//! short days). Times are wall-clock times of that zone, so a daylight-saving change moves
//! nothing a business would not expect; a slot whose end is before its start runs past
//! midnight into the next day.

use chrono::{DateTime, Datelike, NaiveDate, Timelike, Utc, Weekday};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

/// Most weekly slots and exceptions one schedule may have.
const MAX_SLOTS: usize = 70;
const MAX_EXCEPTIONS: usize = 400;

/// A schedule as the API shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BusinessHours {
    /// An IANA zone, e.g. `Europe/Paris`.
    pub time_zone: String,
    #[serde(default)]
    pub weekly: Vec<WeeklySlot>,
    #[serde(default)]
    pub exceptions: Vec<Exception>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WeeklySlot {
    /// `mon` … `sun`.
    pub day: String,
    /// `HH:MM`, 00:00 to 23:59.
    pub from: String,
    /// `HH:MM`, 00:01 to 24:00; before `from` means the next day.
    pub to: String,
}

/// A date that does not follow the week: closed, or open only `from`–`to`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Exception {
    /// `YYYY-MM-DD`.
    pub date: String,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub closed: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to: Option<String>,
}

/// A schedule checked once, ready to answer "open now?".
#[derive(Clone, Debug)]
pub struct Schedule {
    zone: Tz,
    /// (weekday, from, to) in minutes of the day; `to` may be less than `from`.
    weekly: Vec<(Weekday, u32, u32)>,
    /// A date's own ranges; empty means closed that day.
    exceptions: Vec<(NaiveDate, Option<(u32, u32)>)>,
}

fn day(text: &str) -> Result<Weekday, String> {
    Ok(match text {
        "mon" => Weekday::Mon,
        "tue" => Weekday::Tue,
        "wed" => Weekday::Wed,
        "thu" => Weekday::Thu,
        "fri" => Weekday::Fri,
        "sat" => Weekday::Sat,
        "sun" => Weekday::Sun,
        _ => return Err(format!("day must be mon to sun, not {text:?}")),
    })
}

/// `HH:MM` as minutes of the day; 24:00 only where `end` allows it.
fn minutes(text: &str, end: bool) -> Result<u32, String> {
    let bad = || format!("time must be HH:MM, not {text:?}");
    let (h, m) = text.split_once(':').ok_or_else(bad)?;
    if h.len() != 2 || m.len() != 2 {
        return Err(bad());
    }
    let (h, m): (u32, u32) = (h.parse().map_err(|_| bad())?, m.parse().map_err(|_| bad())?);
    match (h, m) {
        (24, 0) if end => Ok(24 * 60),
        (0..=23, 0..=59) => Ok(h * 60 + m),
        _ => Err(bad()),
    }
}

fn range(from: &str, to: &str) -> Result<(u32, u32), String> {
    let (from, to) = (minutes(from, false)?, minutes(to, true)?);
    if from == to {
        return Err("from and to must differ".into());
    }
    Ok((from, to))
}

impl BusinessHours {
    /// Checks every field, naming the first that is wrong.
    pub fn schedule(&self) -> Result<Schedule, String> {
        let zone: Tz = self
            .time_zone
            .parse()
            .map_err(|_| format!("time_zone: unknown zone {:?}", self.time_zone))?;
        if self.weekly.len() > MAX_SLOTS || self.exceptions.len() > MAX_EXCEPTIONS {
            return Err(format!(
                "at most {MAX_SLOTS} weekly slots and {MAX_EXCEPTIONS} exceptions"
            ));
        }
        let weekly = self
            .weekly
            .iter()
            .map(|slot| {
                let (from, to) = range(&slot.from, &slot.to).map_err(|e| format!("weekly: {e}"))?;
                Ok((
                    day(&slot.day).map_err(|e| format!("weekly: {e}"))?,
                    from,
                    to,
                ))
            })
            .collect::<Result<Vec<_>, String>>()?;
        let exceptions = self
            .exceptions
            .iter()
            .map(|e| {
                let date = NaiveDate::parse_from_str(&e.date, "%Y-%m-%d").map_err(|_| {
                    format!("exceptions: date must be YYYY-MM-DD, not {:?}", e.date)
                })?;
                let open = match (e.closed, &e.from, &e.to) {
                    (true, None, None) => None,
                    (false, Some(from), Some(to)) => {
                        let (from, to) = range(from, to).map_err(|e| format!("exceptions: {e}"))?;
                        if to < from {
                            return Err("exceptions: a dated range ends the same day".into());
                        }
                        Some((from, to))
                    }
                    _ => {
                        return Err(
                            "exceptions: each is {date, closed: true} or {date, from, to}".into(),
                        )
                    }
                };
                Ok((date, open))
            })
            .collect::<Result<Vec<_>, String>>()?;
        Ok(Schedule {
            zone,
            weekly,
            exceptions,
        })
    }
}

impl Schedule {
    /// Whether the business is open at `at`.
    pub fn is_open(&self, at: DateTime<Utc>) -> bool {
        let local = at.with_timezone(&self.zone);
        let date = local.date_naive();
        let minute = local.hour() * 60 + local.minute();
        let dated: Vec<Option<(u32, u32)>> = self
            .exceptions
            .iter()
            .filter(|(d, _)| *d == date)
            .map(|(_, open)| *open)
            .collect();
        if !dated.is_empty() {
            return dated
                .iter()
                .flatten()
                .any(|(from, to)| (*from..*to).contains(&minute));
        }
        let today = date.weekday();
        let yesterday = today.pred();
        self.weekly.iter().any(|(day, from, to)| {
            if from < to {
                *day == today && (*from..*to).contains(&minute)
            } else {
                // Past midnight: the evening of its day, and the small hours of the next.
                (*day == today && minute >= *from) || (*day == yesterday && minute < *to)
            }
        })
    }
}

impl Schedule {
    /// How long the business is open within `[from, to)`, in seconds: what reports count as
    /// response and resolution time when a workspace counts business hours only. Walks the
    /// local days the span touches (from the day before, whose slot may run past midnight),
    /// so a span of weeks costs weeks of days, not minutes.
    pub fn open_seconds(&self, from: DateTime<Utc>, to: DateTime<Utc>) -> f64 {
        if to <= from {
            return 0.0;
        }
        let first = from.with_timezone(&self.zone).date_naive().pred_opt();
        let last = to.with_timezone(&self.zone).date_naive();
        let mut date = first.unwrap_or(last);
        let mut open = 0i64;
        while date <= last {
            for (start, end) in self.ranges_on(date) {
                let (start, end) = (self.instant(date, start), self.instant(date, end));
                let overlap = end.min(to) - start.max(from);
                open += overlap.num_milliseconds().max(0);
            }
            match date.succ_opt() {
                Some(next) => date = next,
                None => break,
            }
        }
        open as f64 / 1000.0
    }

    /// The open ranges starting on `date`, in minutes from its midnight (an evening slot ends
    /// past 1440, unless the next day has dated hours of its own, which replace the week's).
    fn ranges_on(&self, date: NaiveDate) -> Vec<(u32, u32)> {
        let dated: Vec<(u32, u32)> = self
            .exceptions
            .iter()
            .filter(|(d, _)| *d == date)
            .filter_map(|(_, open)| *open)
            .collect();
        if self.exceptions.iter().any(|(d, _)| *d == date) {
            return dated;
        }
        let next_is_dated = date
            .succ_opt()
            .is_some_and(|next| self.exceptions.iter().any(|(d, _)| *d == next));
        self.weekly
            .iter()
            .filter(|(day, _, _)| *day == date.weekday())
            .map(|(_, from, to)| match (from < to, next_is_dated) {
                (true, _) => (*from, *to),
                (false, false) => (*from, to + 24 * 60),
                (false, true) => (*from, 24 * 60),
            })
            .collect()
    }

    /// The instant `minutes` after `date`'s midnight in the zone (a time a clock change skips
    /// is taken an hour later).
    fn instant(&self, date: NaiveDate, minutes: u32) -> DateTime<Utc> {
        use chrono::TimeZone;
        let local =
            date.and_time(chrono::NaiveTime::MIN) + chrono::Duration::minutes(i64::from(minutes));
        self.zone
            .from_local_datetime(&local)
            .earliest()
            .or_else(|| {
                self.zone
                    .from_local_datetime(&(local + chrono::Duration::hours(1)))
                    .earliest()
            })
            .map_or_else(|| local.and_utc(), |at| at.with_timezone(&Utc))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hours(zone: &str, weekly: &[(&str, &str, &str)], exceptions: Vec<Exception>) -> Schedule {
        BusinessHours {
            time_zone: zone.into(),
            weekly: weekly
                .iter()
                .map(|(d, f, t)| WeeklySlot {
                    day: (*d).into(),
                    from: (*f).into(),
                    to: (*t).into(),
                })
                .collect(),
            exceptions,
        }
        .schedule()
        .unwrap()
    }

    fn utc(text: &str) -> DateTime<Utc> {
        text.parse().unwrap()
    }

    #[test]
    fn wall_clock_hours_follow_daylight_saving() {
        let office = hours("Europe/Paris", &[("mon", "09:00", "17:00")], vec![]);
        // Monday 23 March 2026, winter time (UTC+1): 08:30 UTC is 09:30 in Paris.
        assert!(office.is_open(utc("2026-03-23T08:30:00Z")));
        assert!(!office.is_open(utc("2026-03-23T07:30:00Z")));
        // Monday 30 March 2026, summer time (UTC+2): 07:30 UTC is already 09:30.
        assert!(office.is_open(utc("2026-03-30T07:30:00Z")));
        assert!(
            !office.is_open(utc("2026-03-30T15:00:00Z")),
            "17:00 in Paris: closed"
        );
        assert!(office.is_open(utc("2026-03-30T14:59:00Z")));
    }

    #[test]
    fn a_slot_across_the_night_of_the_clock_change_counts_wall_clock_time() {
        // Sunday 29 March 2026: Paris goes from 02:00 to 03:00.
        let night = hours("Europe/Paris", &[("sun", "01:00", "04:00")], vec![]);
        assert!(night.is_open(utc("2026-03-29T00:30:00Z")), "01:30 CET");
        assert!(night.is_open(utc("2026-03-29T01:30:00Z")), "03:30 CEST");
        assert!(!night.is_open(utc("2026-03-29T02:00:00Z")), "04:00 CEST");
        // Sunday 25 October 2026: 03:00 goes back to 02:00, so 01:00-04:00 lasts four hours.
        assert!(night.is_open(utc("2026-10-25T02:30:00Z")), "03:30 CET");
        assert!(!night.is_open(utc("2026-10-25T03:00:00Z")), "04:00 CET");
    }

    #[test]
    fn an_evening_slot_runs_past_midnight_into_the_next_day() {
        let late = hours("America/New_York", &[("fri", "22:00", "02:00")], vec![]);
        // Friday 4 December 2026, 22:30 in New York is 03:30 UTC Saturday.
        assert!(late.is_open(utc("2026-12-05T03:30:00Z")));
        // Saturday 01:59 local (06:59 UTC) is still Friday's slot; 02:00 is not.
        assert!(late.is_open(utc("2026-12-05T06:59:00Z")));
        assert!(!late.is_open(utc("2026-12-05T07:00:00Z")));
        // Friday 21:59 local: not yet.
        assert!(!late.is_open(utc("2026-12-05T02:59:00Z")));
        // A 24:00 end closes at midnight.
        let day = hours("UTC", &[("mon", "00:00", "24:00")], vec![]);
        assert!(day.is_open(utc("2026-12-07T23:59:00Z")));
        assert!(!day.is_open(utc("2026-12-08T00:00:00Z")));
    }

    #[test]
    fn a_holiday_closes_and_a_short_day_shortens() {
        let exceptions = vec![
            Exception {
                date: "2026-12-25".into(),
                closed: true,
                from: None,
                to: None,
            },
            Exception {
                date: "2026-12-24".into(),
                closed: false,
                from: Some("09:00".into()),
                to: Some("12:00".into()),
            },
        ];
        let shop = hours(
            "Europe/Paris",
            &[("thu", "09:00", "17:00"), ("fri", "09:00", "17:00")],
            exceptions,
        );
        assert!(
            !shop.is_open(utc("2026-12-25T11:00:00Z")),
            "Christmas, a Friday"
        );
        assert!(
            shop.is_open(utc("2026-12-24T10:00:00Z")),
            "11:00 on the 24th"
        );
        assert!(
            !shop.is_open(utc("2026-12-24T12:00:00Z")),
            "13:00 on the 24th"
        );
        assert!(
            shop.is_open(utc("2026-12-18T15:00:00Z")),
            "an ordinary Friday"
        );
    }

    #[test]
    fn wrong_schedules_are_refused_naming_what_is_wrong() {
        let wrong = |zone: &str, slot: (&str, &str, &str)| {
            BusinessHours {
                time_zone: zone.into(),
                weekly: vec![WeeklySlot {
                    day: slot.0.into(),
                    from: slot.1.into(),
                    to: slot.2.into(),
                }],
                exceptions: vec![],
            }
            .schedule()
            .unwrap_err()
        };
        assert!(wrong("Mars/Olympus", ("mon", "09:00", "17:00")).starts_with("time_zone"));
        assert!(wrong("UTC", ("monday", "09:00", "17:00")).contains("day"));
        assert!(wrong("UTC", ("mon", "9:00", "17:00")).contains("HH:MM"));
        assert!(wrong("UTC", ("mon", "24:00", "17:00")).contains("HH:MM"));
        assert!(wrong("UTC", ("mon", "09:00", "09:00")).contains("differ"));
        assert!(wrong("UTC", ("mon", "09:60", "17:00")).contains("HH:MM"));
    }

    #[test]
    fn open_time_between_two_instants_counts_only_open_hours() {
        let paris = hours(
            "Europe/Paris",
            &[
                ("mon", "09:00", "17:00"),
                ("tue", "09:00", "17:00"),
                ("fri", "22:00", "02:00"),
            ],
            vec![Exception {
                date: "2026-11-03".into(),
                closed: false,
                from: Some("10:00".into()),
                to: Some("12:00".into()),
            }],
        );
        // Monday 2026-11-02, 16:00 to Tuesday 11:00 (Paris, UTC+1): one hour on Monday, one
        // on Tuesday's short day.
        let seconds = paris.open_seconds(utc("2026-11-02T15:00:00Z"), utc("2026-11-03T10:00:00Z"));
        assert_eq!(seconds, 2.0 * 3600.0);
        // Friday night's slot runs into Saturday: 22:30 to 01:00 is two and a half hours.
        let night = paris.open_seconds(utc("2026-11-06T21:30:00Z"), utc("2026-11-07T00:00:00Z"));
        assert_eq!(night, 2.5 * 3600.0);
        // Closed all along, or backwards: nothing.
        assert_eq!(
            paris.open_seconds(utc("2026-11-04T08:00:00Z"), utc("2026-11-05T20:00:00Z")),
            0.0
        );
        assert_eq!(
            paris.open_seconds(utc("2026-11-03T10:00:00Z"), utc("2026-11-02T10:00:00Z")),
            0.0
        );
        // A span of weeks: eight hours each Monday, four Mondays (the Tuesdays add 8 + 2 + 8 + 8).
        let month = paris.open_seconds(utc("2026-11-01T23:00:00Z"), utc("2026-11-29T23:00:00Z"));
        assert_eq!(month, (4.0 * 8.0 + 26.0 + 4.0 * 4.0) * 3600.0);
    }
}
