//! Search documents built from catalog changes.
//!
//! Track and album documents carry their artist's name, and tracks their
//! album's title and cover, so one query finds a track by any of them. Those
//! names come from [`Lookups`]: the changes of the same batch first, then
//! the artist and album documents already in the index.

use std::collections::HashMap;

use encore_schemas::{CatalogChange, ChangeOp, EntityType};
use serde_json::{json, Value};
use uuid::Uuid;

/// What an album lends to its tracks' documents.
#[derive(Debug, Clone, PartialEq)]
pub struct AlbumInfo {
    pub title: String,
    pub cover_url: Option<String>,
}

/// Names of artists and albums, by id.
#[derive(Debug, Default)]
pub struct Lookups {
    pub artists: HashMap<Uuid, String>,
    pub albums: HashMap<Uuid, AlbumInfo>,
    /// Tracks' popularity as last read from the warehouse, so a catalog
    /// change does not reset it to 0 until the next round.
    pub popularity: HashMap<Uuid, f64>,
}

impl Lookups {
    /// Remembers what the upserts among `changes` say about names.
    pub fn learn(&mut self, changes: &[&CatalogChange]) {
        for change in changes {
            if let Some(artist) = &change.artist {
                self.artists.insert(artist.id, artist.name.clone());
            }
            if let Some(album) = &change.album {
                let info = AlbumInfo {
                    title: album.title.clone(),
                    cover_url: album.cover_url.clone(),
                };
                self.albums.insert(album.id, info);
            }
        }
    }
}

/// The document of `change`: the entity as it now is, or a tombstone.
/// Absent values are left out rather than sent as nulls.
pub fn document(change: &CatalogChange, lookups: &Lookups) -> Value {
    let mut doc = build(change, lookups);
    if let Some(fields) = doc.as_object_mut() {
        fields.retain(|_, value| !value.is_null());
    }
    doc
}

fn build(change: &CatalogChange, lookups: &Lookups) -> Value {
    let (id, version) = (change.entity_id, change.version);
    if change.op == ChangeOp::Delete {
        return json!({"id": id, "version": version, "deleted": true});
    }
    let artist_name = |artist: &Uuid| lookups.artists.get(artist).cloned().unwrap_or_default();
    match change.entity_type {
        EntityType::Artist => {
            let Some(a) = &change.artist else {
                return tombstone_like(change);
            };
            json!({"id": id, "version": version, "deleted": false, "popularity": 0.0,
                   "name": a.name, "genres": a.genres, "country": a.country, "image_url": a.image_url})
        }
        EntityType::Album => {
            let Some(a) = &change.album else {
                return tombstone_like(change);
            };
            json!({"id": id, "version": version, "deleted": false, "popularity": 0.0,
                   "title": a.title, "artist_id": a.artist_id, "artist_name": artist_name(&a.artist_id),
                   "year": a.release_year, "genres": a.genres, "cover_url": a.cover_url})
        }
        EntityType::Track => {
            let Some(t) = &change.track else {
                return tombstone_like(change);
            };
            let album = t.album_id.and_then(|a| lookups.albums.get(&a));
            let popularity = lookups.popularity.get(&id).copied().unwrap_or(0.0);
            json!({"id": id, "version": version, "deleted": false, "popularity": popularity,
                   "title": t.title, "artist_id": t.artist_id, "artist_name": artist_name(&t.artist_id),
                   "album_id": t.album_id, "album_title": album.map(|a| a.title.clone()),
                   "cover_url": album.and_then(|a| a.cover_url.clone()),
                   "genre": t.genre, "year": t.release_year, "duration_ms": t.duration_ms})
        }
        EntityType::Playlist => {
            let Some(p) = &change.playlist else {
                return tombstone_like(change);
            };
            json!({"id": id, "version": version, "deleted": false,
                   "name": p.name, "description": p.description, "owner_id": p.owner_id,
                   "public": p.public, "track_count": p.track_ids.len()})
        }
    }
}

/// Unreachable for changes that passed `is_consistent`; a tombstone is the safe answer.
fn tombstone_like(change: &CatalogChange) -> Value {
    json!({"id": change.entity_id, "version": change.version, "deleted": true})
}

/// Keeps, per entity, only the newest change of a batch: older ones would be
/// refused by the index's version check anyway.
pub fn newest_per_entity(changes: Vec<(usize, CatalogChange)>) -> Vec<(usize, CatalogChange)> {
    let mut newest: HashMap<Uuid, (usize, CatalogChange)> = HashMap::new();
    for (at, change) in changes {
        match newest.get(&change.entity_id) {
            Some((_, kept)) if kept.version >= change.version => {}
            _ => {
                newest.insert(change.entity_id, (at, change));
            }
        }
    }
    let mut kept: Vec<(usize, CatalogChange)> = newest.into_values().collect();
    kept.sort_by_key(|(at, _)| *at);
    kept
}

#[cfg(test)]
mod tests {
    use super::*;
    use encore_schemas::{Album, Artist, Track};

    fn change(entity_type: EntityType, id: u128, version: i64) -> CatalogChange {
        CatalogChange {
            change_id: Uuid::from_u128(1000 + id),
            entity_type,
            entity_id: Uuid::from_u128(id),
            version,
            op: ChangeOp::Upsert,
            occurred_at: 0,
            artist: None,
            album: None,
            track: None,
            playlist: None,
        }
    }

    #[test]
    fn tracks_carry_artist_and_album_names() {
        let mut artist = change(EntityType::Artist, 1, 2);
        artist.artist = Some(Artist {
            id: Uuid::from_u128(1),
            name: "Motörhead".into(),
            genres: vec!["metal".into()],
            country: Some("GB".into()),
            image_url: None,
        });
        let mut album = change(EntityType::Album, 2, 1);
        album.album = Some(Album {
            id: Uuid::from_u128(2),
            artist_id: Uuid::from_u128(1),
            title: "Ace of Spades".into(),
            release_year: Some(1980),
            genres: vec![],
            cover_url: Some("covers/ace.jpg".into()),
        });
        let mut track = change(EntityType::Track, 3, 5);
        track.track = Some(Track {
            id: Uuid::from_u128(3),
            artist_id: Uuid::from_u128(1),
            album_id: Some(Uuid::from_u128(2)),
            title: "Ace of Spades".into(),
            duration_ms: 169_000,
            genre: Some("metal".into()),
            release_year: Some(1980),
            track_number: Some(1),
            audio_key: None,
        });
        let mut lookups = Lookups::default();
        lookups.learn(&[&artist, &album]);
        let doc = document(&track, &lookups);
        assert_eq!(doc["artist_name"], "Motörhead");
        assert_eq!(doc["album_title"], "Ace of Spades");
        assert_eq!(doc["cover_url"], "covers/ace.jpg");
        assert_eq!(
            (doc["version"].clone(), doc["deleted"].clone()),
            (json!(5), json!(false))
        );
    }

    #[test]
    fn deletes_become_tombstones_and_only_the_newest_change_counts() {
        let mut delete = change(EntityType::Track, 3, 7);
        delete.op = ChangeOp::Delete;
        assert_eq!(
            document(&delete, &Lookups::default()),
            json!({"id": Uuid::from_u128(3), "version": 7, "deleted": true})
        );
        let kept = newest_per_entity(vec![
            (0, change(EntityType::Track, 3, 6)),
            (1, change(EntityType::Artist, 1, 1)),
            (2, delete),
            (3, change(EntityType::Track, 3, 5)),
        ]);
        let seen: Vec<(usize, i64)> = kept.iter().map(|(at, c)| (*at, c.version)).collect();
        assert_eq!(seen, [(1, 1), (2, 7)]);
    }
}
