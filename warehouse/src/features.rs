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

/// How the etl computes the features. Only the etl reads these (through
/// [`Self::from_env`]); readers take whatever the newest generation holds.
#[derive(Debug, Clone)]
pub struct FeatureSettings {
    /// `ENCORE_FEATURES_INTERVAL_MS` (default 30 s): how often the etl recomputes.
    pub interval: Duration,
    /// Sessions two tracks must share to be similar.
    pub min_support: u64,
    pub similar_per_track: u64,
    pub recommendations_per_user: u64,
    /// EASE's ridge penalty λ, chosen on the evaluation's validation split.
    pub ease_lambda: f64,
    /// The most played tracks EASE models (its cost grows with the cube).
    pub ease_items: usize,
}

impl Default for FeatureSettings {
    fn default() -> Self {
        FeatureSettings {
            interval: Duration::from_secs(30),
            min_support: 2,
            similar_per_track: 20,
            recommendations_per_user: 20,
            ease_lambda: 200.0,
            ease_items: 3_000,
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
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Reason {
    /// The listener's play of `seed` pushed it up most.
    BecauseYouPlayed { seed: Uuid },
    /// By an artist the listener plays.
    BecauseYouLike { artist: Uuid },
    /// Played by listeners like this one, in a genre this one plays.
    PopularAmongSimilar { genre: String },
    /// Among the most played in the listener's favourite genre.
    PopularIn { genre: String },
    /// Among the most played overall.
    Popular,
    /// A replay mix: the listener's own track, played `plays` times.
    Replay { plays: u64 },
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
    reason: String,
    reason_id: String,
}

impl Reason {
    /// A personal recommendation's reason as `recommendations` stores it: a
    /// kind (`played`, `artist`, `genre`) and the seed, artist or genre.
    pub fn stored(kind: &str, id: String) -> Option<Reason> {
        Some(match kind {
            "played" => Reason::BecauseYouPlayed {
                seed: id.parse().ok()?,
            },
            "artist" => Reason::BecauseYouLike {
                artist: id.parse().ok()?,
            },
            "genre" => Reason::PopularAmongSimilar { genre: id },
            _ => return None,
        })
    }
}

impl ScoredRow {
    fn into_recommendation(self) -> Option<Recommendation> {
        Some(Recommendation {
            reason: Reason::stored(&self.reason, self.reason_id)?,
            track_id: self.track_id.parse().ok()?,
            score: self.score,
        })
    }
}

#[derive(Row, Deserialize)]
struct PopularRow {
    track_id: String,
    plays: u64,
}

/// Up to `limit` recommendations for `user`: the personal ones of the newest
/// generation, then popular tracks of their favourite genre, then popular
/// tracks overall (leaving out every track they already played).
pub async fn recommend(
    db: &Client,
    user: Uuid,
    limit: usize,
) -> Result<Vec<Recommendation>, clickhouse::error::Error> {
    let Some(generation) = latest(db).await? else {
        return Ok(Vec::new());
    };
    let personal: Vec<ScoredRow> = db
        .query(
            "SELECT toString(track_id) AS track_text, score, reason, reason_id \
             FROM recommendations WHERE generation = ? AND user_id = toUUID(?) \
             ORDER BY position LIMIT ?",
        )
        .bind(generation)
        .bind(user.to_string())
        .bind(limit as u64)
        .fetch_all()
        .await?;
    let mut out: Vec<Recommendation> = personal
        .into_iter()
        .filter_map(ScoredRow::into_recommendation)
        .collect();
    if out.len() >= limit {
        return Ok(out);
    }
    let heard: Vec<String> = db
        .query("SELECT toString(track_id) FROM user_track_affinity FINAL WHERE user_id = toUUID(?) AND plays > 0")
        .bind(user.to_string())
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

#[derive(Row, Deserialize)]
struct ReplayRow {
    track_id: String,
    plays: u64,
}

/// A replay mix, which a listener asks for: their own most played tracks,
/// the only list that recommends what they already played.
pub async fn replay(
    db: &Client,
    user: Uuid,
    limit: usize,
) -> Result<Vec<Recommendation>, clickhouse::error::Error> {
    let rows: Vec<ReplayRow> = db
        .query(
            "SELECT toString(track_id) AS track_text, plays FROM user_track_affinity FINAL \
             WHERE user_id = toUUID(?) AND plays > 0 \
             ORDER BY plays DESC, last_played DESC, track_text LIMIT ?",
        )
        .bind(user.to_string())
        .bind(limit as u64)
        .fetch_all()
        .await?;
    Ok(rows
        .into_iter()
        .filter_map(|r| {
            Some(Recommendation {
                track_id: r.track_id.parse().ok()?,
                score: r.plays as f64,
                reason: Reason::Replay { plays: r.plays },
            })
        })
        .collect())
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

/// The rows as [`Similar`]s; a row whose id does not parse is skipped.
fn similar_of(rows: Vec<SimilarRow>) -> Vec<Similar> {
    rows.into_iter()
        .filter_map(|r| {
            Some(Similar {
                track_id: r.similar_id.parse().ok()?,
                score: r.score,
                sessions: r.sessions,
            })
        })
        .collect()
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
    Ok(similar_of(rows))
}

/// The tracks most similar to any of `seeds` (each scored by its best score
/// against one of them), without the seeds themselves, best first: one query
/// for a whole album or an artist's top tracks.
pub async fn similar_to_any(
    db: &Client,
    seeds: &[Uuid],
    limit: usize,
) -> Result<Vec<Similar>, clickhouse::error::Error> {
    if seeds.is_empty() {
        return Ok(Vec::new());
    }
    let Some(generation) = latest(db).await? else {
        return Ok(Vec::new());
    };
    let seeds: Vec<String> = seeds.iter().map(Uuid::to_string).collect();
    let rows: Vec<SimilarRow> = db
        .query(
            "SELECT toString(similar_id) AS similar_text, max(score) AS best, max(sessions) AS most_sessions \
             FROM track_similar \
             WHERE generation = ? AND track_id IN (SELECT toUUID(arrayJoin(?))) \
               AND similar_id NOT IN (SELECT toUUID(arrayJoin(?))) \
             GROUP BY similar_id ORDER BY best DESC, similar_text LIMIT ?",
        )
        .bind(generation)
        .bind(&seeds)
        .bind(&seeds)
        .bind(limit as u64)
        .fetch_all()
        .await?;
    Ok(similar_of(rows))
}
