//! The catalog change envelope: one committed change of an artist, album,
//! track or playlist, as the gateway's outbox publishes it.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::codec::{AvroMessage, LazySet, SchemaSet};

static CATALOG_CHANGE: LazySet = LazySet::new(|| {
    SchemaSet::new(
        "CatalogChange",
        include_str!("../avro/catalog_change.avsc"),
        &[("v1", include_str!("../history/catalog_change/v1.avsc"))],
    )
});

/// Exactly the body matching `entity_type` is set for an upsert; none for a delete.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CatalogChange {
    pub change_id: Uuid,
    pub entity_type: EntityType,
    pub entity_id: Uuid,
    pub version: i64,
    pub op: ChangeOp,
    /// Epoch milliseconds.
    pub occurred_at: i64,
    pub artist: Option<Artist>,
    pub album: Option<Album>,
    pub track: Option<Track>,
    pub playlist: Option<Playlist>,
}

impl AvroMessage for CatalogChange {
    fn schema_set() -> &'static SchemaSet {
        &CATALOG_CHANGE
    }
}

impl CatalogChange {
    /// Whether the body agrees with `op` and `entity_type`; consumers send a
    /// change that fails this to the dead-letter topic.
    pub fn is_consistent(&self) -> bool {
        let bodies = [
            (EntityType::Artist, self.artist.is_some()),
            (EntityType::Album, self.album.is_some()),
            (EntityType::Track, self.track.is_some()),
            (EntityType::Playlist, self.playlist.is_some()),
        ];
        bodies.iter().all(|(ty, present)| match self.op {
            ChangeOp::Delete => !present,
            ChangeOp::Upsert => *present == (*ty == self.entity_type),
        })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum EntityType {
    Artist,
    Album,
    Track,
    Playlist,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ChangeOp {
    Upsert,
    Delete,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Artist {
    pub id: Uuid,
    pub name: String,
    pub genres: Vec<String>,
    pub country: Option<String>,
    pub image_url: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Album {
    pub id: Uuid,
    pub artist_id: Uuid,
    pub title: String,
    pub release_year: Option<i32>,
    pub genres: Vec<String>,
    pub cover_url: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Track {
    pub id: Uuid,
    pub artist_id: Uuid,
    pub album_id: Option<Uuid>,
    pub title: String,
    pub duration_ms: i64,
    pub genre: Option<String>,
    pub release_year: Option<i32>,
    pub track_number: Option<i32>,
    pub audio_key: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Playlist {
    pub id: Uuid,
    pub owner_id: Uuid,
    pub name: String,
    pub description: Option<String>,
    pub public: bool,
    pub track_ids: Vec<Uuid>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codec::{decode, encode, history_files};

    fn track_upsert() -> CatalogChange {
        let id = Uuid::from_u128(7);
        CatalogChange {
            change_id: Uuid::from_u128(100),
            entity_type: EntityType::Track,
            entity_id: id,
            version: 3,
            op: ChangeOp::Upsert,
            occurred_at: 1_700_000_000_000,
            artist: None,
            album: None,
            track: Some(Track {
                id,
                artist_id: Uuid::from_u128(8),
                album_id: Some(Uuid::from_u128(9)),
                title: "Кино — Группа крови".into(),
                duration_ms: 287_000,
                genre: Some("rock".into()),
                release_year: Some(1988),
                track_number: Some(1),
                audio_key: None,
            }),
            playlist: None,
        }
    }

    #[test]
    fn every_entity_round_trips() {
        let track = track_upsert();
        let artist = CatalogChange {
            entity_type: EntityType::Artist,
            track: None,
            artist: Some(Artist {
                id: track.entity_id,
                name: "Kino".into(),
                genres: vec!["rock".into(), "post-punk".into()],
                country: Some("SU".into()),
                image_url: None,
            }),
            ..track.clone()
        };
        let album = CatalogChange {
            entity_type: EntityType::Album,
            track: None,
            album: Some(Album {
                id: track.entity_id,
                artist_id: Uuid::from_u128(8),
                title: "Группа крови".into(),
                release_year: Some(1988),
                genres: vec![],
                cover_url: Some("covers/x.jpg".into()),
            }),
            ..track.clone()
        };
        let playlist = CatalogChange {
            entity_type: EntityType::Playlist,
            track: None,
            playlist: Some(Playlist {
                id: track.entity_id,
                owner_id: Uuid::from_u128(11),
                name: "Morning".into(),
                description: None,
                public: true,
                track_ids: vec![Uuid::from_u128(1), Uuid::from_u128(2)],
            }),
            ..track.clone()
        };
        let delete = CatalogChange {
            op: ChangeOp::Delete,
            track: None,
            ..track.clone()
        };
        for change in [track, artist, album, playlist, delete] {
            assert!(change.is_consistent(), "{change:?}");
            let back: CatalogChange = decode(&encode(&change).unwrap()).unwrap();
            assert_eq!(back, change);
        }
    }

    #[test]
    fn inconsistent_bodies_are_detected() {
        let wrong_body = CatalogChange {
            entity_type: EntityType::Album,
            ..track_upsert()
        };
        assert!(!wrong_body.is_consistent());
        let delete_with_body = CatalogChange {
            op: ChangeOp::Delete,
            ..track_upsert()
        };
        assert!(!delete_with_body.is_consistent());
    }

    #[test]
    fn history_is_complete_and_backward_compatible() {
        let set = CatalogChange::schema_set();
        let labels: Vec<String> = set
            .versions()
            .iter()
            .map(|(l, _)| format!("{l}.avsc"))
            .collect();
        assert_eq!(labels, history_files("catalog_change"));
        let (_, latest) = set.versions().last().unwrap();
        assert_eq!(latest.canonical_form(), set.current().canonical_form());
        set.check_backward_compatible().unwrap();
    }
}
