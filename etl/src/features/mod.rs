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
//! - `user_recommendations`: candidates are the similar tracks of each
//!   listener's most recently played tracks (the seeds), scored by the sum of
//!   seed weight × similarity; tracks the listener already heard `heard_a_lot`
//!   times are left out; at most two per artist; the top 20, each with the
//!   seed that contributed most ("because you played X").
//! - `popular_tracks`: the most played tracks of the 30 days up to the newest
//!   data, per genre and overall: the fallback for listeners too new for the
//!   above (cold start), and the filler when they have fewer than asked.
//!
//! Cost: similarity reads every co-listened pair (grows with distinct pairs,
//! bounded per session); recommendations join each listener's 10 seeds with
//! 20 similar tracks each, so they grow linearly with listeners. Both are
//! full recomputations; a run over a million listeners should be split by
//! listener ranges.

use std::future::Future;

use clickhouse::Client;

pub use encore_warehouse::features::{
    latest, recommend, similar, FeatureSettings, Reason, Recommendation, Similar,
};

/// What one run wrote.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Generation {
    pub generation: u64,
    pub similar: u64,
    pub recommended: u64,
    pub popular: u64,
}

const NIL: &str = "toUUID('00000000-0000-0000-0000-000000000000')";

/// Computes a new generation of every feature table.
#[tracing::instrument(name = "features", skip_all, fields(generation = tracing::field::Empty))]
pub async fn compute(
    db: &Client,
    settings: &FeatureSettings,
) -> Result<Generation, clickhouse::error::Error> {
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
    db.query(&format!(
        "INSERT INTO user_recommendations (generation, user_id, track_id, score, seed_id) \
         SELECT ?, user_id, track_id, score, seed_id FROM ( \
           SELECT user_id, track_id, score, seed_id, if(artist_id = {NIL}, track_id, artist_id) AS diversity \
           FROM ( \
             SELECT user_id, track_id, score, seed_id FROM ( \
               SELECT user_id, track_id, sum(contribution) AS score, argMax(seed_id, contribution) AS seed_id FROM ( \
                 SELECT user_id, seed_id, similar_id AS track_id, seed_weight * similarity AS contribution FROM ( \
                   SELECT user_id, track_id AS seed_id, \
                          toFloat64(plays + completions) - 0.5 * toFloat64(skips) AS seed_weight \
                   FROM user_track_affinity FINAL \
                   WHERE seed_weight > 0 \
                   ORDER BY user_id, last_played DESC, track_id \
                   LIMIT ? BY user_id \
                 ) AS seeds ALL INNER JOIN ( \
                   SELECT track_id AS seed_id, similar_id, score AS similarity FROM track_similar WHERE generation = ? \
                 ) AS neighbours USING seed_id \
               ) GROUP BY user_id, track_id \
             ) AS candidates ANY LEFT JOIN ( \
               SELECT user_id, track_id, plays AS heard FROM user_track_affinity FINAL \
             ) AS history USING user_id, track_id \
             WHERE heard < ? \
           ) AS fresh ANY LEFT JOIN ( \
             SELECT id AS track_id, artist_id FROM dim_tracks FINAL \
           ) AS tracks USING track_id \
           ORDER BY user_id, score DESC, track_id \
           LIMIT ? BY user_id, diversity \
         ) \
         ORDER BY user_id, score DESC, track_id \
         LIMIT ? BY user_id"
    ))
    .bind(generation)
    .bind(settings.seeds_per_user)
    .bind(generation)
    .bind(settings.heard_a_lot)
    .bind(settings.per_artist)
    .bind(settings.recommendations_per_user)
    .execute()
    .await?;
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
        recommended: count("user_recommendations").await?,
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
    for generation in old.into_iter().skip(1) {
        for table in ["track_similar", "user_recommendations", "popular_tracks"] {
            db.query(&format!("ALTER TABLE {table} DROP PARTITION ?"))
                .bind(generation)
                .execute()
                .await?;
        }
        db.query("ALTER TABLE feature_generations DELETE WHERE generation = ?")
            .bind(generation)
            .execute()
            .await?;
    }
    Ok(())
}

/// Recomputes the features every `settings.interval` until `shutdown`.
pub async fn run(db: Client, settings: FeatureSettings, shutdown: impl Future<Output = ()>) {
    tokio::pin!(shutdown);
    loop {
        tokio::select! {
            _ = &mut shutdown => return,
            computed = compute(&db, &settings) => {
                if let Err(error) = computed {
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
