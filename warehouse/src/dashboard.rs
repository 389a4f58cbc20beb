//! The analyst dashboard's queries: plays and listeners per hour and per day,
//! new listeners, and skip rate by genre, over the aggregates the etl keeps.
//!
//! Every figure merges the per-track, per-hour sets of `track_hourly_state`
//! across tracks (and hours, for a day): the union of their events and
//! listeners, so exact, and untouched by duplicated events. A listener is new on the day of their first play
//! (`user_first_play`, a `min` state).
//!
//! Outer columns are named apart from the `USING` keys (`at`, not `hour`):
//! ClickHouse 18.16 would otherwise resolve the key to the outer alias.

use clickhouse::error::Error;
use clickhouse::{Client, Row};
use serde::Deserialize;

/// Plays and distinct listeners in one hour.
#[derive(Debug, Clone, PartialEq, Row, Deserialize)]
pub struct Hourly {
    /// The hour's start, Unix seconds.
    pub at: u32,
    pub plays: u64,
    pub listeners: u64,
}

/// Plays, distinct listeners and first-time listeners in one day.
#[derive(Debug, Clone, PartialEq, Row, Deserialize)]
pub struct Daily {
    /// `YYYY-MM-DD`, UTC.
    pub date: String,
    pub plays: u64,
    pub listeners: u64,
    pub new_listeners: u64,
}

/// How often plays of a genre were skipped.
#[derive(Debug, Clone, PartialEq, Row, Deserialize)]
pub struct GenreSkips {
    /// The track's genre; empty when the catalog names none.
    pub genre: String,
    pub plays: u64,
    pub skips: u64,
}

/// Per hour since `since` (Unix seconds, rounded down to the hour by the caller).
pub async fn hourly(db: &Client, since: u32) -> Result<Vec<Hourly>, Error> {
    db.query(
        "SELECT toUInt32(hour) AS at, uniqExactIfMerge(plays_state) AS plays, \
                uniqExactMerge(listeners_state) AS listeners \
         FROM track_hourly_state WHERE hour >= toDateTime(?) GROUP BY hour \
         ORDER BY hour",
    )
    .bind(since)
    .fetch_all()
    .await
}

/// Per day since `since` (Unix seconds; the day it falls in is the first).
pub async fn daily(db: &Client, since: u32) -> Result<Vec<Daily>, Error> {
    db.query(
        "SELECT toString(day) AS date, plays, listeners, new_listeners FROM ( \
           SELECT toDate(hour) AS day, uniqExactIfMerge(plays_state) AS plays, \
                  uniqExactMerge(listeners_state) AS listeners \
           FROM track_hourly_state WHERE hour >= toDateTime(toDate(toDateTime(?))) GROUP BY day \
         ) AS days ANY LEFT JOIN ( \
           SELECT day, count() AS new_listeners FROM ( \
             SELECT toDate(minMerge(first_play)) AS day FROM user_first_play GROUP BY user_id \
           ) WHERE day >= toDate(toDateTime(?)) GROUP BY day \
         ) AS firsts USING day \
         ORDER BY day",
    )
    .bind(since)
    .bind(since)
    .fetch_all()
    .await
}

/// Plays and skips per genre since `since`, most played first.
pub async fn skips_by_genre(db: &Client, since: u32, limit: u64) -> Result<Vec<GenreSkips>, Error> {
    db.query(
        "SELECT genre, sum(plays) AS plays, sum(skips) AS skips FROM ( \
           SELECT track_id, uniqExactIfMerge(plays_state) AS plays, uniqExactIfMerge(skips_state) AS skips \
           FROM track_hourly_state WHERE hour >= toStartOfHour(toDateTime(?)) GROUP BY track_id \
         ) AS totals ANY LEFT JOIN ( \
           SELECT id AS track_id, genre FROM dim_tracks FINAL WHERE deleted = 0 \
         ) AS tracks USING track_id \
         GROUP BY genre HAVING plays > 0 ORDER BY plays DESC, genre LIMIT ?",
    )
    .bind(since)
    .bind(limit)
    .fetch_all()
    .await
}
