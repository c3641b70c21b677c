//! The contract's report summary, computed from conversations' measures. Definitions (also in
//! docs/reports.md): first response = the first agent answer (a text message an agent wrote;
//! not a note, a system line or a greeting the server wrote) minus the conversation's creation;
//! resolution = its last resolution minus its creation, for conversations resolved now; both in
//! wall-clock seconds. Percentiles are nearest-rank.

use serde::Serialize;

use super::{ConversationStatus, Timestamp};

/// p50 and p90 of a duration, in seconds; null when nothing was measured.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Percentiles {
    pub p50: Option<f64>,
    pub p90: Option<f64>,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, utoipa::ToSchema)]
pub struct RatingSummary {
    pub count: u64,
    /// Null when no conversation was rated.
    pub average: Option<f64>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Summary {
    pub conversations: u64,
    pub resolved: u64,
    pub messages: u64,
    pub first_response_s: Percentiles,
    pub resolution_s: Percentiles,
    pub rating: RatingSummary,
}

/// One conversation, as the summary counts it: its durations already measured by the
/// workspace's clock (wall-clock, or business hours).
pub struct Counted {
    pub status: ConversationStatus,
    pub created_at: Timestamp,
    /// From its creation to the first agent answer.
    pub first_response_s: Option<f64>,
    /// From its creation to its last resolution (counted only while it is resolved).
    pub resolution_s: Option<f64>,
    pub messages: i64,
    pub rating: Option<u8>,
}

/// How response and resolution times are counted: every second, or only the seconds each
/// team's business hours are open (a conversation of no team, or of a team without hours,
/// counts every second).
pub enum Clock {
    Wall,
    BusinessHours(std::collections::HashMap<super::TeamId, super::hours::Schedule>),
}

impl Clock {
    /// The time from `from` to `to` for a conversation of `team`.
    pub fn span(&self, team: Option<super::TeamId>, from: Timestamp, to: Timestamp) -> f64 {
        match (self, team) {
            (Clock::BusinessHours(schedules), Some(team)) => match schedules.get(&team) {
                Some(schedule) => {
                    let open = schedule.open_seconds(from.as_datetime(), to.as_datetime());
                    (open * 1000.0).round() / 1000.0
                }
                None => seconds(from, to),
            },
            _ => seconds(from, to),
        }
    }
}

/// The summary of `conversations`.
pub fn summarize(conversations: impl IntoIterator<Item = Counted>) -> Summary {
    let mut summary = Summary::default();
    let (mut first, mut resolution, mut scores) = (Vec::new(), Vec::new(), Vec::new());
    for c in conversations {
        summary.conversations += 1;
        summary.messages += c.messages.max(0) as u64;
        if let Some(s) = c.first_response_s {
            first.push(s);
        }
        if c.status == ConversationStatus::Resolved {
            summary.resolved += 1;
            if let Some(s) = c.resolution_s {
                resolution.push(s);
            }
        }
        if let Some(score) = c.rating {
            scores.push(f64::from(score));
        }
    }
    summary.first_response_s = percentiles(first);
    summary.resolution_s = percentiles(resolution);
    summary.rating = RatingSummary {
        count: scores.len() as u64,
        average: (!scores.is_empty())
            .then(|| (scores.iter().sum::<f64>() / scores.len() as f64 * 100.0).round() / 100.0),
    };
    summary
}

/// One bucket of a series: its start and the summary of the conversations created in it.
#[derive(Clone, Debug, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Point {
    #[schema(value_type = String)]
    pub start: Timestamp,
    #[serde(flatten)]
    pub summary: Summary,
}

/// The summary of each bucket that starts at `starts` (conversations before the first are
/// left out; the caller's range ends the last).
pub fn series(
    starts: &[Timestamp],
    conversations: impl IntoIterator<Item = Counted>,
) -> Vec<Point> {
    let mut buckets: Vec<Vec<Counted>> = starts.iter().map(|_| Vec::new()).collect();
    for c in conversations {
        if let Some(i) = super::periods::bucket_of(starts, c.created_at) {
            buckets[i].push(c);
        }
    }
    starts
        .iter()
        .zip(buckets)
        .map(|(start, bucket)| Point {
            start: *start,
            summary: summarize(bucket),
        })
        .collect()
}

/// Conversations created per weekday (0 Monday) and local hour.
pub fn heatmap(created: impl IntoIterator<Item = Timestamp>, tz: chrono_tz::Tz) -> Vec<Vec<u64>> {
    let mut days = vec![vec![0u64; 24]; 7];
    for at in created {
        let (day, hour) = super::periods::week_cell(at, tz);
        days[day][hour] += 1;
    }
    days
}

/// The summary of each group of conversations sharing a key, the largest groups first (ties
/// by key, so that the order is stable).
pub fn breakdown<K: Ord + Clone>(
    conversations: impl IntoIterator<Item = (K, Counted)>,
) -> Vec<(K, Summary)> {
    let mut groups: std::collections::BTreeMap<K, Vec<Counted>> = Default::default();
    for (key, c) in conversations {
        groups.entry(key).or_default().push(c);
    }
    let mut rows: Vec<(K, Summary)> = groups
        .into_iter()
        .map(|(key, group)| (key, summarize(group)))
        .collect();
    rows.sort_by_key(|row| std::cmp::Reverse(row.1.conversations));
    rows
}

/// Seconds from `from` to `to`, never negative.
pub fn seconds(from: Timestamp, to: Timestamp) -> f64 {
    (to.as_micros() - from.as_micros()).max(0) as f64 / 1_000_000.0
}

/// Nearest-rank percentiles, rounded to the millisecond.
fn percentiles(mut values: Vec<f64>) -> Percentiles {
    if values.is_empty() {
        return Percentiles::default();
    }
    values.sort_by(f64::total_cmp);
    let rank = |p: f64| {
        let index = ((p * values.len() as f64).ceil() as usize).clamp(1, values.len()) - 1;
        (values[index] * 1000.0).round() / 1000.0
    };
    Percentiles {
        p50: Some(rank(0.5)),
        p90: Some(rank(0.9)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: i64) -> Timestamp {
        Timestamp::from_micros(1_800_000_000_000_000 + s * 1_000_000).unwrap()
    }

    #[test]
    fn the_summary_counts_and_ranks() {
        let counted = (1..=10).map(|i| Counted {
            status: if i % 2 == 0 {
                ConversationStatus::Resolved
            } else {
                ConversationStatus::Open
            },
            created_at: at(0),
            first_response_s: (i <= 8).then(|| seconds(at(0), at(i * 10))),
            resolution_s: (i % 2 == 0).then(|| seconds(at(0), at(i * 100))),
            messages: 3,
            rating: (i <= 3).then_some(i as u8 + 2),
        });
        let summary = summarize(counted);
        assert_eq!(
            (summary.conversations, summary.resolved, summary.messages),
            (10, 5, 30)
        );
        // First responses 10..80 s: the 4th and the 8th of 8.
        assert_eq!(
            summary.first_response_s,
            Percentiles {
                p50: Some(40.0),
                p90: Some(80.0)
            }
        );
        // Resolutions 200, 400, 600, 800, 1000 s.
        assert_eq!(
            summary.resolution_s,
            Percentiles {
                p50: Some(600.0),
                p90: Some(1000.0)
            }
        );
        assert_eq!(
            summary.rating,
            RatingSummary {
                count: 3,
                average: Some(4.0)
            }
        );
        assert_eq!(
            summarize(Vec::new()).first_response_s,
            Percentiles::default()
        );
    }
}
