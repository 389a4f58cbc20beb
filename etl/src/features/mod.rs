//! Recommendation features, recomputed continuously from the aggregates.
//!
//! Each run writes one generation (a partition) of three tables and records
//! it in `feature_generations`; readers use the newest recorded generation,
//! and all but the two newest are dropped.
//!
//! - `track_similar`: for each track, the tracks most listened to near it in
//!   sessions, scored by co-listening weight normalised by both tracks'
//!   popularity (weight / √(plays_a × plays_b), a cosine over play counts),
//!   with at least `min_support` sessions; the top 20.
//! - `recommendations`: each listener's top 20 from the blend in
//!   [`crate::model::blend`] (EASE over recency-weighted seeds plus the
//!   co-listening neighbours above), each with its reason; computed in Rust
//!   by the `listeners` module from every listener's history.
//! - `popular_tracks`: the most played tracks of the 30 days up to the newest
//!   data, per genre and overall: the fallback for listeners too new for the
//!   above (cold start), and the filler when they have fewer than asked.
//!
//! Cost: similarity reads every co-listened pair (grows with distinct pairs,
//! bounded per session). Recommendations fit EASE over the `ease_items` most
//! played tracks (O(n³) once, n² memory) and then score each listener in
//! O(seeds × n); `docs/analytics.md` works the numbers through for the demo
//! and for 100k tracks × 1M listeners.

use std::future::Future;

use clickhouse::Client;

pub use encore_warehouse::features::{
    latest, recommend, replay, similar, FeatureSettings, Reason, Recommendation, Similar,
};

mod listeners;

/// What one run wrote.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Generation {
    pub generation: u64,
    pub similar: u64,
    pub recommended: u64,
    pub popular: u64,
}

/// Computes a new generation of every feature table.
#[tracing::instrument(name = "features", skip_all, fields(generation = tracing::field::Empty))]
pub async fn compute(
    db: &Client,
    settings: &FeatureSettings,
) -> Result<Generation, clickhouse::error::Error> {
    // Sessions are the co-listening input; bring them up to date first.
    crate::rollup::catch_up(db).await?;
    let generation = crate::pipeline::version();
    tracing::Span::current().record("generation", generation);
    db.query(
        "INSERT INTO track_similar (generation, track_id, similar_id, score, sessions) \
         SELECT ?, track_a, track_b, pair_weight / sqrt(plays_a * plays_b) AS score, sessions FROM ( \
           SELECT track_a, track_b, pair_weight, sessions, plays_a FROM ( \
             SELECT track_a, track_b, sum(weight) AS pair_weight, countIf(weight > 0) AS sessions \
             FROM session_pairs FINAL GROUP BY track_a, track_b HAVING sessions >= ? \
           ) AS pairs ALL INNER JOIN ( \
             SELECT track_id AS track_a, toFloat64(sum(plays)) AS plays_a FROM track_daily GROUP BY track_id \
           ) AS a USING track_a \
         ) AS with_a ALL INNER JOIN ( \
           SELECT track_id AS track_b, toFloat64(sum(plays)) AS plays_b FROM track_daily GROUP BY track_id \
         ) AS b USING track_b \
         WHERE plays_a > 0 AND plays_b > 0 \
         ORDER BY track_a, score DESC \
         LIMIT ? BY track_a",
    )
    .bind(generation)
    .bind(settings.min_support)
    .bind(settings.similar_per_track)
    .execute()
    .await?;
    let recommended = listeners::recommend_all(db, generation, settings).await?;
    for genre_column in ["genre", "''"] {
        db.query(&format!(
            "INSERT INTO popular_tracks (generation, genre, track_id, plays) \
             SELECT ?, {genre_column} AS genre, track_id, plays FROM ( \
               SELECT track_id, sum(plays) AS plays FROM track_daily \
               WHERE day >= (SELECT max(day) FROM track_daily) - 30 \
               GROUP BY track_id \
             ) AS totals ANY LEFT JOIN (SELECT id AS track_id, genre FROM dim_tracks FINAL) AS tracks USING track_id \
             WHERE plays > 0 \
             ORDER BY genre, plays DESC, track_id \
             LIMIT 50 BY genre"
        ))
        .bind(generation)
        .execute()
        .await?;
    }
    let counted = counts(db, generation).await?;
    tracing::debug!(recommended, "listeners' recommendations written");
    db.query(
        "INSERT INTO feature_generations (generation, computed_at, similar, recommended, popular) \
         VALUES (?, now(), ?, ?, ?)",
    )
    .bind(generation)
    .bind(counted.similar)
    .bind(counted.recommended)
    .bind(counted.popular)
    .execute()
    .await?;
    drop_old_generations(db, generation).await?;
    tracing::info!(
        similar = counted.similar,
        recommended = counted.recommended,
        popular = counted.popular,
        "features computed"
    );
    Ok(counted)
}

async fn counts(db: &Client, generation: u64) -> Result<Generation, clickhouse::error::Error> {
    let count = |table: &'static str| async move {
        db.query(&format!("SELECT count() FROM {table} WHERE generation = ?"))
            .bind(generation)
            .fetch_one::<u64>()
            .await
    };
    Ok(Generation {
        generation,
        similar: count("track_similar").await?,
        recommended: count("recommendations").await?,
        popular: count("popular_tracks").await?,
    })
}

/// Keeps the two newest generations: a reader that just picked the previous
/// one can still finish.
async fn drop_old_generations(db: &Client, newest: u64) -> Result<(), clickhouse::error::Error> {
    let old: Vec<u64> = db
        .query("SELECT generation FROM feature_generations WHERE generation < ? ORDER BY generation DESC")
        .bind(newest)
        .fetch_all()
        .await?;
    let layout = encore_warehouse::Layout::from_env();
    for generation in old.into_iter().skip(1) {
        for table in ["track_similar", "recommendations", "popular_tracks"] {
            let table = layout.altered(table);
            db.query(&format!("ALTER TABLE {table} DROP PARTITION ?"))
                .bind(generation)
                .execute()
                .await?;
        }
        let generations = layout.altered("feature_generations");
        db.query(&format!(
            "ALTER TABLE {generations} DELETE WHERE generation = ?"
        ))
        .bind(generation)
        .execute()
        .await?;
    }
    Ok(())
}

/// Copies a generation to the online store, for the gateway to read there.
/// A failure leaves Redis on the generation before (or none), which the
/// next run's publication replaces.
#[tracing::instrument(name = "features_publish", skip(online, db))]
pub async fn publish(online: &encore_online::Store, db: &Client, generation: u64) {
    match encore_online::generation::publish(online, db, generation).await {
        Ok(published) => tracing::info!(
            listeners = published.listeners,
            tracks = published.tracks,
            "generation published to Redis"
        ),
        Err(error) => {
            metrics::counter!(encore_common::metrics::ONLINE_FAILURES_TOTAL.name, "operation" => "generation_publish")
                .increment(1);
            tracing::warn!(%error, "publishing the generation to Redis failed; readers keep the one before until the next run");
        }
    }
}

/// Recomputes the features every `settings.interval` until `shutdown`,
/// publishing each generation to the online store.
pub async fn run(
    db: Client,
    online: encore_online::Store,
    settings: FeatureSettings,
    shutdown: impl Future<Output = ()>,
) {
    tokio::pin!(shutdown);
    // A generation younger than the interval (another ETL instance's, or this
    // one's before a restart) is current: the first run waits out the rest
    // of its interval instead of repeating the work at once.
    if let Ok(Some(newest)) = latest(&db).await {
        let now = encore_common::now_millis().max(0) as u64 * 1_000;
        let age = std::time::Duration::from_micros(now.saturating_sub(newest));
        if let Some(rest) = settings.interval.checked_sub(age) {
            tokio::select! {
                _ = &mut shutdown => return,
                _ = tokio::time::sleep(rest) => {}
            }
        }
    }
    loop {
        tokio::select! {
            _ = &mut shutdown => return,
            computed = compute(&db, &settings) => match computed {
                Ok(computed) => publish(&online, &db, computed.generation).await,
                Err(error) => {
                    metrics::counter!(encore_common::metrics::ETL_FEATURES_FAILURES_TOTAL.name).increment(1);
                    tracing::warn!(%error, "computing recommendation features failed");
                }
            }
        }
        tokio::select! {
            _ = &mut shutdown => return,
            _ = tokio::time::sleep(settings.interval) => {}
        }
    }
}
