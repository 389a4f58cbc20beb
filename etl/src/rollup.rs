//! Keeps the co-listening sessions (`session_pairs`) up to date, off the
//! plays path.
//!
//! The play aggregates need nothing from the ETL after its insert: they are
//! idempotent sets filled by materialized views (migration 0007,
//! docs/analytics.md). Sessions are different: whether two plays share a
//! session depends on every play of the listener around them, so a late or
//! duplicated play can move a session's start or split it. The only reader of
//! sessions is the features job, so it brings them up to date itself before
//! each run: every (listener, 3-hour bucket) that `session_buckets_written`
//! says received a play start since the last run is recomputed from the
//! deduplicated copy `plays_by_user` (read with FINAL), and written as a new
//! version of its pairs. Recomputing is idempotent, so the overlap between
//! runs ([`OVERLAP_SECONDS`]) and a run repeated after a crash cost time, not
//! exactness.

use std::collections::{BTreeSet, HashMap, HashSet};

use clickhouse::{Client, Row};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::sessions::{self, Start, BUCKET_MS};

/// Each run re-reads buckets logged this long before the previous run began:
/// an insert stamps its rows when it starts and shows them when it ends, so
/// a slow insert must not fall between two runs.
pub const OVERLAP_SECONDS: u32 = 60;
/// Buckets recomputed per pair of queries, so one run's reads stay bounded.
const CHUNK: usize = 2_000;
/// The name of this job's row in `etl_progress`.
const JOB: &str = "session_pairs";

fn texts(ids: &BTreeSet<Uuid>) -> Vec<String> {
    ids.iter().map(Uuid::to_string).collect()
}

#[derive(Row, Deserialize)]
struct Clock {
    now: u32,
    done_through: u32,
}

#[derive(Row, Deserialize)]
struct BucketRow {
    user_id: String,
    bucket: i64,
}

/// Recomputes the sessions of every bucket written since the last run and
/// records how far it got; returns how many buckets it recomputed.
pub async fn catch_up(db: &Client) -> Result<usize, clickhouse::error::Error> {
    let started = std::time::Instant::now();
    let clock: Clock = db
        .query(
            "SELECT toUInt32(now()) AS now, toUInt32(max(done_through)) AS done_through \
             FROM etl_progress FINAL WHERE name = ?",
        )
        .bind(JOB)
        .fetch_one()
        .await?;
    let since = clock.done_through.saturating_sub(OVERLAP_SECONDS);
    let rows: Vec<BucketRow> = db
        .query(
            "SELECT DISTINCT toString(user_id) AS user_text, bucket \
             FROM session_buckets_written WHERE written_at >= toDateTime(?)",
        )
        .bind(since)
        .fetch_all()
        .await?;
    let buckets: Vec<(Uuid, i64)> = rows
        .iter()
        .filter_map(|row| Some((Uuid::parse_str(&row.user_id).ok()?, row.bucket)))
        .collect();
    for chunk in buckets.chunks(CHUNK) {
        let chunk: HashSet<(Uuid, i64)> = chunk.iter().copied().collect();
        recompute_sessions(db, &chunk, crate::pipeline::version()).await?;
    }
    db.query("INSERT INTO etl_progress (name, done_through, version) VALUES (?, toDateTime(?), ?)")
        .bind(JOB)
        .bind(clock.now)
        .bind(crate::pipeline::version())
        .execute()
        .await?;
    forget_old_days(db).await?;
    metrics::histogram!(encore_common::metrics::ETL_ROLLUP_SECONDS.name, "cells" => JOB)
        .record(started.elapsed().as_secs_f64());
    Ok(buckets.len())
}

/// Drops the bucket log's daily partitions older than two days: every run
/// since has read them.
async fn forget_old_days(db: &Client) -> Result<(), clickhouse::error::Error> {
    let layout = encore_warehouse::Layout::from_env();
    let old: Vec<String> = db
        .query(
            "SELECT DISTINCT partition FROM system.parts \
             WHERE database = currentDatabase() AND table = ? AND active \
               AND partition < toString(toYYYYMMDD(today() - 2))",
        )
        .bind(layout.stored("session_buckets_written"))
        .fetch_all()
        .await?;
    for partition in old {
        // The partition ids come from system.parts, and are digits only.
        if partition.chars().all(|c| c.is_ascii_digit()) {
            db.query(&format!(
                "ALTER TABLE {} DROP PARTITION {partition}",
                layout.altered("session_buckets_written")
            ))
            .execute()
            .await?;
        }
    }
    Ok(())
}

#[derive(Row, Deserialize)]
struct StartRow {
    user_id: String,
    occurred_at_ms: u64,
    track_id: String,
}

#[derive(Row, Deserialize)]
struct PairKeyRow {
    user_id: String,
    session_start: u32,
    track_a: String,
    track_b: String,
}

/// A row of `session_pairs`, field order as in the table.
#[derive(Row, Serialize)]
struct PairRow {
    #[serde(with = "clickhouse::serde::uuid")]
    user_id: Uuid,
    session_start: u32,
    #[serde(with = "clickhouse::serde::uuid")]
    track_a: Uuid,
    #[serde(with = "clickhouse::serde::uuid")]
    track_b: Uuid,
    weight: f64,
    version: u64,
}

type PairKey = (Uuid, u32, Uuid, Uuid);

/// Rewrites the pairs of every session in the touched (listener, bucket)s,
/// and zeroes pairs written earlier that the recomputation no longer yields
/// (a late play can move a session's start).
pub async fn recompute_sessions(
    db: &Client,
    buckets: &HashSet<(Uuid, i64)>,
    version: u64,
) -> Result<(), clickhouse::error::Error> {
    if buckets.is_empty() {
        return Ok(());
    }
    let users: BTreeSet<Uuid> = buckets.iter().map(|(u, _)| *u).collect();
    let users = texts(&users);
    let from_ms = buckets
        .iter()
        .map(|(_, b)| b * BUCKET_MS)
        .min()
        .unwrap_or(0);
    let to_ms = buckets
        .iter()
        .map(|(_, b)| (b + 1) * BUCKET_MS)
        .max()
        .unwrap_or(0);
    let (from, to) = ((from_ms / 1_000) as u32, (to_ms / 1_000) as u32);

    let starts: Vec<StartRow> = db
        .query(
            "SELECT toString(user_id) AS user_text, occurred_at_ms, toString(track_id) AS track_text \
             FROM plays_by_user FINAL \
             WHERE user_id IN (SELECT toUUID(arrayJoin(?))) AND kind = 'start' \
               AND occurred_at >= toDateTime(?) AND occurred_at < toDateTime(?) \
             ORDER BY user_id, occurred_at_ms",
        )
        .bind(&users)
        .bind(from)
        .bind(to)
        .fetch_all()
        .await?;
    let mut by_bucket: HashMap<(Uuid, i64), Vec<Start>> = HashMap::new();
    for row in starts {
        let (Ok(user), Ok(track)) = (
            Uuid::parse_str(&row.user_id),
            Uuid::parse_str(&row.track_id),
        ) else {
            continue;
        };
        let at_ms = row.occurred_at_ms as i64;
        let key = (user, sessions::bucket(at_ms));
        if buckets.contains(&key) {
            by_bucket
                .entry(key)
                .or_default()
                .push(Start { at_ms, track });
        }
    }
    let mut rows: HashMap<PairKey, f64> = HashMap::new();
    for ((user, _), starts) in &by_bucket {
        for session in sessions::sessions(starts) {
            let start = (session.start_ms / 1_000) as u32;
            for (a, b, weight) in session.pairs {
                rows.insert((*user, start, a, b), weight);
            }
        }
    }
    let earlier: Vec<PairKeyRow> = db
        .query(
            "SELECT toString(user_id) AS user_text, toUInt32(session_start) AS start_seconds, \
                    toString(track_a) AS a_text, toString(track_b) AS b_text \
             FROM session_pairs FINAL \
             WHERE user_id IN (SELECT toUUID(arrayJoin(?))) AND weight > 0 \
               AND session_start >= toDateTime(?) AND session_start < toDateTime(?)",
        )
        .bind(&users)
        .bind(from)
        .bind(to)
        .fetch_all()
        .await?;
    for row in earlier {
        let parsed = (
            Uuid::parse_str(&row.user_id),
            Uuid::parse_str(&row.track_a),
            Uuid::parse_str(&row.track_b),
        );
        let (Ok(user), Ok(a), Ok(b)) = parsed else {
            continue;
        };
        let bucket = sessions::bucket(i64::from(row.session_start) * 1_000);
        if buckets.contains(&(user, bucket)) {
            rows.entry((user, row.session_start, a, b)).or_insert(0.0);
        }
    }
    if rows.is_empty() {
        return Ok(());
    }
    let mut insert = db.insert::<PairRow>("session_pairs").await?;
    for ((user_id, session_start, track_a, track_b), weight) in rows {
        insert
            .write(&PairRow {
                user_id,
                session_start,
                track_a,
                track_b,
                weight,
                version,
            })
            .await?;
    }
    insert.end().await
}
