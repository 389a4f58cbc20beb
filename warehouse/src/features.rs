//! The read side of the recommendation features the etl computes (see the
//! etl's `features` module for the tables and how they are filled): the
//! newest generation, a listener's recommendations with their fallbacks, and
//! a track's similar tracks. The gateway serves these; the etl's offline
//! evaluation reads through them too, so both measure the same path.

use std::time::Duration;

use clickhouse::{Client, Row};
use encore_common::config::{millis, ConfigError};
use serde::Deserialize;
use uuid::Uuid;

/// How the features are computed and read. The etl (which writes them) and
/// the gateway (which reads them) take the same values from [`Self::from_env`].
#[derive(Debug, Clone)]
pub struct FeatureSettings {
    /// `ENCORE_FEATURES_INTERVAL_MS` (default 30 s): how often the etl recomputes.
    pub interval: Duration,
    pub min_support: u64,
    pub similar_per_track: u64,
    pub seeds_per_user: u64,
    pub recommendations_per_user: u64,
    pub per_artist: u64,
    pub heard_a_lot: u64,
}

impl Default for FeatureSettings {
    fn default() -> Self {
        FeatureSettings {
            interval: Duration::from_secs(30),
            min_support: 2,
            similar_per_track: 20,
            seeds_per_user: 10,
            recommendations_per_user: 20,
            per_artist: 2,
            heard_a_lot: 3,
        }
    }
}

impl FeatureSettings {
    /// The settings from the environment: `ENCORE_FEATURES_INTERVAL_MS`; the
    /// recommender's other settings are fixed.
    pub fn from_env() -> Result<Self, ConfigError> {
        Ok(FeatureSettings {
            interval: millis("ENCORE_FEATURES_INTERVAL_MS", 30_000)?,
            ..FeatureSettings::default()
        })
    }
}

/// The newest complete generation, if any run finished.
pub async fn latest(db: &Client) -> Result<Option<u64>, clickhouse::error::Error> {
    let newest: u64 = db
        .query("SELECT max(generation) FROM feature_generations")
        .fetch_one()
        .await?;
    Ok((newest > 0).then_some(newest))
}

/// Why a track is recommended.
#[derive(Debug, Clone, PartialEq)]
pub enum Reason {
    /// Listened to near `seed` by others.
    BecauseYouPlayed { seed: Uuid },
    /// Among the most played in the listener's favourite genre.
    PopularIn { genre: String },
    /// Among the most played overall.
    Popular,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Recommendation {
    pub track_id: Uuid,
    pub score: f64,
    pub reason: Reason,
}

#[derive(Row, Deserialize)]
struct ScoredRow {
    track_id: String,
    score: f64,
    seed_id: String,
}

#[derive(Row, Deserialize)]
struct PopularRow {
    track_id: String,
    plays: u64,
}

/// Up to `limit` recommendations for `user`: the personal ones of the newest
/// generation, then popular tracks of their favourite genre, then popular
/// tracks overall (leaving out tracks they already heard a lot).
pub async fn recommend(
    db: &Client,
    user: Uuid,
    limit: usize,
    settings: &FeatureSettings,
) -> Result<Vec<Recommendation>, clickhouse::error::Error> {
    let Some(generation) = latest(db).await? else {
        return Ok(Vec::new());
    };
    let personal: Vec<ScoredRow> = db
        .query(
            "SELECT toString(track_id) AS track_text, score, toString(seed_id) AS seed_text \
             FROM user_recommendations WHERE generation = ? AND user_id = toUUID(?) \
             ORDER BY score DESC, track_text LIMIT ?",
        )
        .bind(generation)
        .bind(user.to_string())
        .bind(limit as u64)
        .fetch_all()
        .await?;
    let mut out: Vec<Recommendation> = personal
        .into_iter()
        .filter_map(|r| {
            Some(Recommendation {
                track_id: r.track_id.parse().ok()?,
                score: r.score,
                reason: Reason::BecauseYouPlayed {
                    seed: r.seed_id.parse().ok()?,
                },
            })
        })
        .collect();
    if out.len() >= limit {
        return Ok(out);
    }
    let heard: Vec<String> = db
        .query("SELECT toString(track_id) FROM user_track_affinity FINAL WHERE user_id = toUUID(?) AND plays >= ?")
        .bind(user.to_string())
        .bind(settings.heard_a_lot)
        .fetch_all()
        .await?;
    let favourite: Vec<String> = db
        .query(
            "SELECT genre FROM ( \
               SELECT track_id, plays FROM user_track_affinity FINAL WHERE user_id = toUUID(?) \
             ) AS affinity ALL INNER JOIN (SELECT id AS track_id, genre FROM dim_tracks FINAL) AS tracks USING track_id \
             WHERE genre != '' GROUP BY genre ORDER BY sum(plays) DESC, genre LIMIT 1",
        )
        .bind(user.to_string())
        .fetch_all()
        .await?;
    let mut fallbacks = Vec::new();
    if let Some(genre) = favourite.into_iter().next() {
        fallbacks.push(genre);
    }
    fallbacks.push(String::new());
    for genre in fallbacks {
        let popular: Vec<PopularRow> = db
            .query(
                "SELECT toString(track_id) AS track_text, plays FROM popular_tracks \
                 WHERE generation = ? AND genre = ? ORDER BY plays DESC, track_text LIMIT 50",
            )
            .bind(generation)
            .bind(&genre)
            .fetch_all()
            .await?;
        for row in popular {
            if out.len() >= limit {
                return Ok(out);
            }
            let Ok(track_id) = row.track_id.parse::<Uuid>() else {
                continue;
            };
            if heard.contains(&row.track_id) || out.iter().any(|r| r.track_id == track_id) {
                continue;
            }
            let reason = if genre.is_empty() {
                Reason::Popular
            } else {
                Reason::PopularIn {
                    genre: genre.clone(),
                }
            };
            out.push(Recommendation {
                track_id,
                score: row.plays as f64,
                reason,
            });
        }
    }
    Ok(out)
}

/// A track similar to another, from the newest generation.
#[derive(Debug, Clone, PartialEq)]
pub struct Similar {
    pub track_id: Uuid,
    pub score: f64,
    pub sessions: u64,
}

#[derive(Row, Deserialize)]
struct SimilarRow {
    similar_id: String,
    score: f64,
    sessions: u64,
}

pub async fn similar(
    db: &Client,
    track: Uuid,
    limit: usize,
) -> Result<Vec<Similar>, clickhouse::error::Error> {
    let Some(generation) = latest(db).await? else {
        return Ok(Vec::new());
    };
    let rows: Vec<SimilarRow> = db
        .query(
            "SELECT toString(similar_id) AS similar_text, score, sessions FROM track_similar \
             WHERE generation = ? AND track_id = toUUID(?) ORDER BY score DESC, similar_text LIMIT ?",
        )
        .bind(generation)
        .bind(track.to_string())
        .bind(limit as u64)
        .fetch_all()
        .await?;
    Ok(rows
        .into_iter()
        .filter_map(|r| {
            Some(Similar {
                track_id: r.similar_id.parse().ok()?,
                score: r.score,
                sessions: r.sessions,
            })
        })
        .collect())
}
