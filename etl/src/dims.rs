//! Catalog dimensions: `catalog.*` → `dim_artists`, `dim_albums`, `dim_tracks`.
//!
//! Every change is written as a row at the entity's version
//! (ReplacingMergeTree(version) keeps the newest); a delete is a row with
//! `deleted = 1`. Writing the same change twice is harmless, so the usual
//! commit-after-write loop makes the dimensions exact. Playlists are not a
//! dimension of plays and are skipped.

use clickhouse::{Client, Row};
use encore_common::driver::BatchSink;
use encore_common::topics::CATALOG_DLQ;
use encore_common::transaction::DeadLetter;
use encore_common::Topics;
use encore_schemas::{CatalogChange, ChangeOp, EntityType};
use rdkafka::message::OwnedMessage;
use serde::Serialize;
use uuid::Uuid;

/// Writes batches of the catalog topics into the dimension tables.
pub struct DimsSink {
    pub topics: Topics,
    pub clickhouse: Client,
}

#[derive(Row, Serialize)]
struct ArtistRow {
    #[serde(with = "clickhouse::serde::uuid")]
    id: Uuid,
    name: String,
    genres: Vec<String>,
    country: String,
    version: u64,
    deleted: u8,
    updated_at: u32,
}

#[derive(Row, Serialize)]
struct AlbumRow {
    #[serde(with = "clickhouse::serde::uuid")]
    id: Uuid,
    #[serde(with = "clickhouse::serde::uuid")]
    artist_id: Uuid,
    title: String,
    release_year: u16,
    genres: Vec<String>,
    version: u64,
    deleted: u8,
    updated_at: u32,
}

/// A row of `dim_tracks`; the evaluation writes these for its items too.
#[derive(Row, Serialize)]
pub struct TrackRow {
    #[serde(with = "clickhouse::serde::uuid")]
    pub id: Uuid,
    #[serde(with = "clickhouse::serde::uuid")]
    pub artist_id: Uuid,
    #[serde(with = "clickhouse::serde::uuid")]
    pub album_id: Uuid,
    pub title: String,
    pub duration_ms: u32,
    pub genre: String,
    pub release_year: u16,
    pub version: u64,
    pub deleted: u8,
    pub updated_at: u32,
}

/// The rows of one batch, by table.
#[derive(Default)]
struct Rows {
    artists: Vec<ArtistRow>,
    albums: Vec<AlbumRow>,
    tracks: Vec<TrackRow>,
}

fn year(year: Option<i32>) -> u16 {
    year.and_then(|y| u16::try_from(y).ok()).unwrap_or(0)
}

impl Rows {
    fn add(&mut self, change: CatalogChange) {
        let version = u64::try_from(change.version).unwrap_or(0);
        let deleted = u8::from(change.op == ChangeOp::Delete);
        let updated_at = u32::try_from(change.occurred_at / 1_000).unwrap_or(0);
        let id = change.entity_id;
        match change.entity_type {
            EntityType::Artist => {
                let a = change.artist;
                self.artists.push(ArtistRow {
                    id,
                    name: a.as_ref().map(|a| a.name.clone()).unwrap_or_default(),
                    genres: a.as_ref().map(|a| a.genres.clone()).unwrap_or_default(),
                    country: a.and_then(|a| a.country).unwrap_or_default(),
                    version,
                    deleted,
                    updated_at,
                });
            }
            EntityType::Album => {
                let a = change.album;
                self.albums.push(AlbumRow {
                    id,
                    artist_id: a.as_ref().map(|a| a.artist_id).unwrap_or_default(),
                    title: a.as_ref().map(|a| a.title.clone()).unwrap_or_default(),
                    release_year: year(a.as_ref().and_then(|a| a.release_year)),
                    genres: a.map(|a| a.genres).unwrap_or_default(),
                    version,
                    deleted,
                    updated_at,
                });
            }
            EntityType::Track => {
                let t = change.track;
                self.tracks.push(TrackRow {
                    id,
                    artist_id: t.as_ref().map(|t| t.artist_id).unwrap_or_default(),
                    album_id: t.as_ref().and_then(|t| t.album_id).unwrap_or_default(),
                    title: t.as_ref().map(|t| t.title.clone()).unwrap_or_default(),
                    duration_ms: t
                        .as_ref()
                        .map_or(0, |t| u32::try_from(t.duration_ms).unwrap_or(u32::MAX)),
                    genre: t.as_ref().and_then(|t| t.genre.clone()).unwrap_or_default(),
                    release_year: year(t.and_then(|t| t.release_year)),
                    version,
                    deleted,
                    updated_at,
                });
            }
            EntityType::Playlist => {}
        }
    }
}

/// Inserts `rows` into `table` (nothing for none).
pub async fn insert_all<T: clickhouse::RowOwned + clickhouse::RowWrite>(
    db: &Client,
    table: &str,
    rows: &[T],
) -> Result<(), clickhouse::error::Error> {
    if rows.is_empty() {
        return Ok(());
    }
    let mut insert = db.insert::<T>(table).await?;
    for row in rows {
        insert.write(row).await?;
    }
    insert.end().await
}

impl BatchSink for DimsSink {
    type Error = clickhouse::error::Error;
    type Prepared = ();

    fn name(&self) -> &'static str {
        "dims"
    }

    fn prepare(_: &[OwnedMessage]) {}

    async fn write(
        &mut self,
        batch: &[OwnedMessage],
        _: &(),
    ) -> Result<Vec<DeadLetter>, Self::Error> {
        let mut rows = Rows::default();
        let mut poison = Vec::new();
        let dlq = self.topics.name(CATALOG_DLQ);
        for (at, message) in batch.iter().enumerate() {
            match encore_common::catalog::read_change(message) {
                Ok(Some(change)) => rows.add(change),
                Ok(None) => {}
                Err(reason) => poison.push(DeadLetter {
                    at,
                    reason,
                    topic: dlq.clone(),
                }),
            }
        }
        self.insert(&rows).await?;
        metrics::counter!(encore_common::metrics::ETL_DIMENSION_ROWS_TOTAL.name)
            .increment((rows.artists.len() + rows.albums.len() + rows.tracks.len()) as u64);
        Ok(poison)
    }
}

impl DimsSink {
    async fn insert(&self, rows: &Rows) -> Result<(), clickhouse::error::Error> {
        insert_all(&self.clickhouse, "dim_artists", &rows.artists).await?;
        insert_all(&self.clickhouse, "dim_albums", &rows.albums).await?;
        insert_all(&self.clickhouse, "dim_tracks", &rows.tracks).await
    }
}
