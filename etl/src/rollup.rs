//! Recomputes the aggregate cells a batch of plays touched.
//!
//! Every cell (a minute of a track, a listener × track, a listener's 3-hour
//! session bucket) is recomputed from the deduplicated copies of plays
//! (`plays_by_track`, `plays_by_user_track`, `plays_by_user`, read with
//! FINAL) and written as a new version of the cell. Recomputing is idempotent: a batch delivered twice,
//! or an ETL killed half-way, ends with the same numbers, and a duplicated
//! event is counted once because it collapsed in the copies.
//!
//! Track cells are chosen generously (every touched track × every touched
//! minute): recomputing an untouched cell rewrites the same numbers. A cell
//! is a minute so the work per batch is bounded by a minute of a track's
//! plays, however popular it is.

use std::collections::{BTreeSet, HashMap, HashSet};

use clickhouse::{Client, Row};
use encore_schemas::PlaybackEvent;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::sessions::{self, Start, BUCKET_MS};

/// What one batch touched.
#[derive(Debug, Default)]
pub struct Touched {
    tracks: BTreeSet<Uuid>,
    minutes: BTreeSet<u32>,
    /// "user|track" pairs, the form the affinity query splits.
    listens: BTreeSet<String>,
    /// (listener, 3-hour bucket) of every play start.
    session_buckets: HashSet<(Uuid, i64)>,
}

impl Touched {
    pub fn add(&mut self, event: &PlaybackEvent) {
        let seconds = event.occurred_at.div_euclid(1_000);
        self.tracks.insert(event.track_id);
        self.minutes
            .insert((seconds - seconds.rem_euclid(60)) as u32);
        self.listens
            .insert(format!("{}|{}", event.user_id, event.track_id));
        if event.kind == encore_schemas::PlaybackKind::Start {
            self.session_buckets
                .insert((event.user_id, sessions::bucket(event.occurred_at)));
        }
    }

    pub fn is_empty(&self) -> bool {
        self.tracks.is_empty()
    }
}

/// The metrics every play aggregate carries, computed the same way everywhere.
const METRICS: &str = "countIf(kind = 'start') AS plays, \
     sumIf(position_ms, kind IN ('skip', 'complete')) AS listened_ms, \
     countIf(kind = 'complete') AS completions, \
     countIf(kind = 'skip' OR (kind = 'complete' AND position_ms < 30000)) AS skips";

fn texts(ids: &BTreeSet<Uuid>) -> Vec<String> {
    ids.iter().map(Uuid::to_string).collect()
}

/// Recomputes every cell `touched` names, stamping the rows with `version`
/// (newer than any earlier write of the same cells).
pub async fn rollup(
    db: &Client,
    touched: &Touched,
    version: u64,
) -> Result<(), clickhouse::error::Error> {
    if touched.is_empty() {
        return Ok(());
    }
    let tracks = texts(&touched.tracks);
    let minutes: Vec<u32> = touched.minutes.iter().copied().collect();
    let listens: Vec<&String> = touched.listens.iter().collect();
    let started = std::time::Instant::now();
    db.query(&format!(
        "INSERT INTO track_minutely (minute, track_id, plays, listened_ms, completions, skips, version) \
         SELECT minute, track_id, {METRICS}, ? AS version \
         FROM plays_by_track FINAL \
         WHERE track_id IN (SELECT toUUID(arrayJoin(?))) AND minute IN (SELECT toDateTime(arrayJoin(?))) \
         GROUP BY minute, track_id"
    ))
    .bind(version)
    .bind(&tracks)
    .bind(&minutes)
    .execute()
    .await?;
    step("track_minutely", started);
    let started = std::time::Instant::now();
    db.query(&format!(
        "INSERT INTO user_track_affinity (user_id, track_id, plays, listened_ms, completions, skips, last_played, version) \
         SELECT user_id, track_id, {METRICS}, max(occurred_at) AS last_played, ? AS version \
         FROM plays_by_user_track FINAL \
         WHERE (user_id, track_id) IN ( \
           SELECT toUUID(substring(listen, 1, 36)), toUUID(substring(listen, 38, 36)) FROM (SELECT arrayJoin(?) AS listen)) \
         GROUP BY user_id, track_id"
    ))
    .bind(version)
    .bind(&listens)
    .execute()
    .await?;
    step("user_track_affinity", started);
    let started = std::time::Instant::now();
    recompute_sessions(db, &touched.session_buckets, version).await?;
    step("session_pairs", started);
    Ok(())
}

/// Records how long one kind of cell took to recompute.
fn step(cells: &'static str, started: std::time::Instant) {
    metrics::histogram!(encore_common::metrics::ETL_ROLLUP_SECONDS.name, "cells" => cells)
        .record(started.elapsed().as_secs_f64());
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
