//! What to play next, for both APIs: an artist's top tracks, and a radio from
//! a song, an album or an artist. Co-listening comes from the warehouse (the
//! features the etl computes); when it knows too little (a new artist, a
//! quiet catalogue) the radio fills up along the catalogue: the artist's own
//! songs, most played first, then a few of each artist sharing its genres, so
//! a radio is never empty while its artist has songs.

use clickhouse::Client;
use encore_warehouse::{charts, features};
use sqlx::PgPool;
use uuid::Uuid;

use crate::catalog::{artists, songs};
use crate::DbError;

#[derive(Debug, thiserror::Error)]
pub enum DiscoveryError {
    #[error(transparent)]
    Db(#[from] DbError),
    /// Play statistics are unavailable: callers say so and suggest a retry.
    #[error("the warehouse did not answer: {0}")]
    Warehouse(#[from] clickhouse::error::Error),
    /// The seed is no song, album or artist.
    #[error("no song, album or artist has this id")]
    UnknownSeed,
}

/// Where discovery reads: the catalogue and the warehouse.
#[derive(Clone, Copy)]
pub struct Sources<'a> {
    pub db: &'a PgPool,
    pub warehouse: &'a Client,
}

/// The artist's most played tracks, then the rest of them, up to `count`.
pub async fn top_of(
    src: Sources<'_>,
    artist: Uuid,
    count: i64,
) -> Result<Vec<Uuid>, DiscoveryError> {
    let mut ids = charts::artist_top_tracks(src.warehouse, artist, count as u64).await?;
    for id in songs::of_artist(src.db, artist, count).await? {
        if ids.len() as i64 >= count {
            break;
        }
        if !ids.contains(&id) {
            ids.push(id);
        }
    }
    Ok(ids)
}

/// Tracks listened to in the same sessions as any of `seeds`, best first,
/// without the seeds themselves.
pub async fn similar_to(
    src: Sources<'_>,
    seeds: &[Uuid],
    count: i64,
) -> Result<Vec<Uuid>, DiscoveryError> {
    Ok(
        features::similar_to_any(src.warehouse, seeds, count as usize)
            .await?
            .into_iter()
            .map(|similar| similar.track_id)
            .collect(),
    )
}

/// How many of an artist's top songs stand for the artist as seeds.
const ARTIST_SEEDS: i64 = 10;

/// What a seed id names, read once.
enum Seed {
    /// A song, or an album's songs.
    Songs(Vec<Uuid>),
    /// An artist, with its most played songs (at least [`ARTIST_SEEDS`]).
    Artist { id: Uuid, top: Vec<Uuid> },
}

impl Seed {
    async fn resolve(src: Sources<'_>, id: Uuid, top: i64) -> Result<Self, DiscoveryError> {
        let tracks = songs::song_or_album(src.db, id).await?;
        if !tracks.is_empty() {
            return Ok(Seed::Songs(tracks));
        }
        if artists::exists(src.db, id).await? {
            let top = top_of(src, id, top.max(ARTIST_SEEDS)).await?;
            Ok(Seed::Artist { id, top })
        } else {
            Err(DiscoveryError::UnknownSeed)
        }
    }

    fn seeds(&self) -> &[Uuid] {
        match self {
            Seed::Songs(songs) => songs,
            Seed::Artist { top, .. } => &top[..top.len().min(ARTIST_SEEDS as usize)],
        }
    }
}

/// The seeds an id stands for: a song itself, an album's songs, or an
/// artist's ten most played.
pub async fn seeds(src: Sources<'_>, id: Uuid) -> Result<Vec<Uuid>, DiscoveryError> {
    Ok(Seed::resolve(src, id, ARTIST_SEEDS).await?.seeds().to_vec())
}

/// How many genre neighbours an artist radio reaches, and how many songs
/// of each: enough variety for a default of 50 songs.
const NEIGHBOURS: i64 = 20;
const PER_NEIGHBOUR: i64 = 5;

/// Up to `count` songs to play after `id` (a song, an album or an artist):
/// those listened to with its seeds, then along its artist (the artist's own
/// songs, then its genre neighbours'). Never the song asked about, never one
/// twice. An artist's top songs are read once, for seeds and filling alike.
pub async fn radio(src: Sources<'_>, id: Uuid, count: i64) -> Result<Vec<Uuid>, DiscoveryError> {
    let seed = Seed::resolve(src, id, count).await?;
    let mut ids = similar_to(src, seed.seeds(), count).await?;
    if (ids.len() as i64) >= count {
        return Ok(ids);
    }
    let (artist, top) = match seed {
        Seed::Artist { id, top } => (id, top),
        Seed::Songs(tracks) => {
            let Some(first) = tracks.first() else {
                return Ok(ids);
            };
            let Some(artist) = songs::artist_of(src.db, *first).await? else {
                return Ok(ids);
            };
            (artist, top_of(src, artist, count).await?)
        }
    };
    take(&mut ids, top, id, count);
    for other in artists::sharing_genres(src.db, artist, NEIGHBOURS).await? {
        if ids.len() as i64 >= count {
            break;
        }
        let theirs = songs::of_artist(src.db, other, PER_NEIGHBOUR).await?;
        take(&mut ids, theirs, id, count);
    }
    Ok(ids)
}

/// Adds `found` to `ids` up to `count`, leaving out `asked` and repeats.
fn take(ids: &mut Vec<Uuid>, found: Vec<Uuid>, asked: Uuid, count: i64) {
    for found in found {
        if ids.len() as i64 >= count {
            break;
        }
        if found != asked && !ids.contains(&found) {
            ids.push(found);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fill_up_stops_at_count_and_never_repeats_nor_adds_the_seed() {
        let [seed, a, b, c] = [0, 1, 2, 3].map(Uuid::from_u128);
        let mut ids = vec![a];
        take(&mut ids, vec![seed, a, b, b, c], seed, 3);
        assert_eq!(ids, [a, b, c]);
        take(&mut ids, vec![Uuid::from_u128(9)], seed, 3);
        assert_eq!(ids.len(), 3);
    }
}
