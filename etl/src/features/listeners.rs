//! Every listener's recommendations for one generation: read the histories,
//! the catalog facts and the co-listening neighbours, fit EASE over the most
//! played tracks, score each listener with the blend
//! ([`crate::model::blend`]) and write the picks with their reasons.
//!
//! The model work is CPU-bound, so it runs on a blocking thread and the
//! consumers sharing the runtime keep going.

use std::collections::HashMap;

use clickhouse::{Client, Row};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::FeatureSettings;
use crate::dims::insert_all;
use crate::model::blend::{Blend, BlendSettings, ItemFacts, Why};
use crate::model::ease::Ease;

#[derive(Row, Deserialize)]
struct HistoryRow {
    user_id: String,
    track_id: String,
}

#[derive(Row, Deserialize)]
struct FactsRow {
    track_id: String,
    artist_id: String,
    genre: String,
}

#[derive(Row, Deserialize)]
struct NeighbourRow {
    track_id: String,
    similar_id: String,
    score: f64,
}

#[derive(Row, Serialize)]
struct RecommendationRow {
    generation: u64,
    #[serde(with = "clickhouse::serde::uuid")]
    user_id: Uuid,
    position: u16,
    #[serde(with = "clickhouse::serde::uuid")]
    track_id: Uuid,
    score: f64,
    reason: &'static str,
    reason_id: String,
}

/// The tracks the model knows (by index) and each listener's history over them.
#[derive(Debug, Default)]
pub(super) struct Universe {
    /// The modelled tracks; a track's index is its position here.
    pub(super) tracks: Vec<Uuid>,
    index: HashMap<Uuid, u32>,
    /// Each listener with their modelled tracks, most recent first.
    pub(super) listeners: Vec<(Uuid, Vec<u32>)>,
}

impl Universe {
    /// Models the `max_items` tracks the most listeners played (two at
    /// least: a track one listener played says nothing about others), from
    /// histories given most recent first.
    pub(super) fn build(histories: Vec<(Uuid, Vec<Uuid>)>, max_items: usize) -> Universe {
        let mut listeners_of: HashMap<Uuid, u32> = HashMap::new();
        for (_, tracks) in &histories {
            for track in tracks {
                *listeners_of.entry(*track).or_default() += 1;
            }
        }
        let mut ranked: Vec<(Uuid, u32)> =
            listeners_of.into_iter().filter(|(_, n)| *n >= 2).collect();
        ranked.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        ranked.truncate(max_items);
        let tracks: Vec<Uuid> = ranked.into_iter().map(|(t, _)| t).collect();
        let index: HashMap<Uuid, u32> = tracks.iter().zip(0u32..).map(|(t, i)| (*t, i)).collect();
        let listeners = histories
            .into_iter()
            .map(|(user, history)| {
                let modelled = history
                    .iter()
                    .filter_map(|t| index.get(t).copied())
                    .collect();
                (user, modelled)
            })
            .collect();
        Universe {
            tracks,
            index,
            listeners,
        }
    }

    pub(super) fn index_of(&self, track: &Uuid) -> Option<u32> {
        self.index.get(track).copied()
    }
}

/// The catalog facts of the modelled tracks, and the names behind the
/// artist and genre indices the reasons use.
#[derive(Debug, Default)]
pub(super) struct Facts {
    pub(super) items: Vec<ItemFacts>,
    pub(super) artists: Vec<Uuid>,
    pub(super) genres: Vec<String>,
}

impl Facts {
    /// `rows` are (track, artist, genre); the nil artist and the empty
    /// genre mean unknown.
    pub(super) fn build(
        universe: &Universe,
        rows: impl IntoIterator<Item = (Uuid, Uuid, String)>,
    ) -> Facts {
        let mut facts = Facts {
            items: vec![ItemFacts::default(); universe.tracks.len()],
            ..Facts::default()
        };
        let mut artist_index: HashMap<Uuid, u32> = HashMap::new();
        let mut genre_index: HashMap<String, u32> = HashMap::new();
        for (track, artist, genre) in rows {
            let Some(item) = universe.index_of(&track) else {
                continue;
            };
            let slot = &mut facts.items[item as usize];
            if !artist.is_nil() {
                let next = facts.artists.len() as u32;
                let a = *artist_index.entry(artist).or_insert(next);
                if a == next {
                    facts.artists.push(artist);
                }
                slot.artist = Some(a);
            }
            if !genre.is_empty() {
                let next = facts.genres.len() as u32;
                let g = *genre_index.entry(genre.clone()).or_insert(next);
                if g == next {
                    facts.genres.push(genre);
                }
                slot.genre = Some(g);
            }
        }
        facts
    }
}

/// One listener's picks as rows; also what the offline evaluation scores.
fn rows_of(
    generation: u64,
    user: Uuid,
    picks: &[crate::model::blend::Pick],
    universe: &Universe,
    facts: &Facts,
) -> Vec<RecommendationRow> {
    picks
        .iter()
        .zip(0u16..)
        .map(|(pick, position)| {
            let (reason, reason_id) = match pick.why {
                Why::Played(seed) => ("played", universe.tracks[seed as usize].to_string()),
                Why::Artist(a) => ("artist", facts.artists[a as usize].to_string()),
                Why::Genre(g) => ("genre", facts.genres[g as usize].clone()),
            };
            RecommendationRow {
                generation,
                user_id: user,
                position,
                track_id: universe.tracks[pick.item as usize],
                score: f64::from(pick.score),
                reason,
                reason_id,
            }
        })
        .collect()
}

/// Writes generation `generation` of `recommendations`; returns the row count.
pub(super) async fn recommend_all(
    db: &Client,
    generation: u64,
    settings: &FeatureSettings,
) -> Result<u64, clickhouse::error::Error> {
    let history_rows: Vec<HistoryRow> = db
        .query(
            "SELECT toString(user_id) AS user_text, toString(track_id) AS track_text \
             FROM user_track_affinity FINAL WHERE plays > 0 \
             ORDER BY user_id, last_played DESC, track_id",
        )
        .fetch_all()
        .await?;
    let mut histories: Vec<(Uuid, Vec<Uuid>)> = Vec::new();
    for row in history_rows {
        let (Ok(user), Ok(track)) = (row.user_id.parse::<Uuid>(), row.track_id.parse::<Uuid>())
        else {
            continue;
        };
        match histories.last_mut() {
            Some((last, tracks)) if *last == user => tracks.push(track),
            _ => histories.push((user, vec![track])),
        }
    }
    let universe = Universe::build(histories, settings.ease_items);
    if universe.tracks.is_empty() {
        return Ok(0);
    }
    let fact_rows: Vec<FactsRow> = db
        .query(
            "SELECT toString(id) AS track_text, toString(artist_id) AS artist_text, genre \
             FROM dim_tracks FINAL WHERE deleted = 0",
        )
        .fetch_all()
        .await?;
    let facts = Facts::build(
        &universe,
        fact_rows
            .into_iter()
            .filter_map(|r| Some((r.track_id.parse().ok()?, r.artist_id.parse().ok()?, r.genre))),
    );
    let neighbour_rows: Vec<NeighbourRow> = db
        .query(
            "SELECT toString(track_id) AS track_text, toString(similar_id) AS similar_text, score \
             FROM track_similar WHERE generation = ?",
        )
        .bind(generation)
        .fetch_all()
        .await?;
    let mut neighbours: Vec<Vec<(u32, f32)>> = vec![Vec::new(); universe.tracks.len()];
    for row in neighbour_rows {
        let (Ok(a), Ok(b)) = (row.track_id.parse::<Uuid>(), row.similar_id.parse::<Uuid>()) else {
            continue;
        };
        if let (Some(a), Some(b)) = (universe.index_of(&a), universe.index_of(&b)) {
            neighbours[a as usize].push((b, row.score as f32));
        }
    }
    let lambda = settings.ease_lambda;
    let limit = settings.recommendations_per_user as usize;
    let rows = tokio::task::spawn_blocking(move || {
        let histories = universe.listeners.iter().map(|(_, h)| h);
        let Some(ease) = Ease::fit(histories, universe.tracks.len(), lambda) else {
            tracing::warn!(
                lambda,
                "EASE did not fit (is λ positive?); no personal recommendations"
            );
            return Vec::new();
        };
        let blend = Blend {
            ease: &ease,
            neighbours: &neighbours,
            facts: &facts.items,
            settings: BlendSettings::default(),
        };
        universe
            .listeners
            .iter()
            .flat_map(|(user, history)| {
                rows_of(
                    generation,
                    *user,
                    &blend.recommend(history, limit),
                    &universe,
                    &facts,
                )
            })
            .collect::<Vec<_>>()
    })
    .await
    .map_err(|e| {
        clickhouse::error::Error::Custom(format!("the recommender's thread failed: {e}"))
    })?;
    for chunk in rows.chunks(100_000) {
        insert_all(db, "recommendations", chunk).await?;
    }
    Ok(rows.len() as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(n: u128) -> Uuid {
        Uuid::from_u128(n)
    }

    #[test]
    fn the_universe_keeps_tracks_two_listeners_share_most_listened_first() {
        let histories = vec![
            (id(100), vec![id(1), id(2), id(3)]),
            (id(101), vec![id(2), id(1)]),
            (id(102), vec![id(2), id(4)]),
        ];
        let universe = Universe::build(histories, 10);
        assert_eq!(
            universe.tracks,
            vec![id(2), id(1)],
            "3 and 4 have one listener each"
        );
        assert_eq!(
            universe.listeners[0].1,
            vec![1, 0],
            "order kept, unmodelled dropped"
        );
        let capped = Universe::build(
            vec![(id(1), vec![id(5), id(6)]), (id(2), vec![id(6), id(5)])],
            1,
        );
        assert_eq!(capped.tracks.len(), 1);
    }

    #[test]
    fn facts_index_artists_and_genres_and_skip_unknowns() {
        let universe = Universe::build(
            vec![(id(100), vec![id(1), id(2)]), (id(101), vec![id(1), id(2)])],
            10,
        );
        let facts = Facts::build(
            &universe,
            vec![
                (id(1), id(50), "rock".to_string()),
                (id(2), Uuid::nil(), String::new()),
                (id(9), id(51), "jazz".to_string()),
            ],
        );
        let one = universe.index_of(&id(1)).expect("modelled") as usize;
        let two = universe.index_of(&id(2)).expect("modelled") as usize;
        assert_eq!(
            facts.items[one],
            ItemFacts {
                artist: Some(0),
                genre: Some(0)
            }
        );
        assert_eq!(facts.items[two], ItemFacts::default());
        assert_eq!(facts.artists, vec![id(50)]);
        assert_eq!(facts.genres, vec!["rock".to_string()]);
    }
}
