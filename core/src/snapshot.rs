//! Republishing the whole catalogue through the outbox (`gateway snapshot`).
//!
//! The catalogue topics are compacted, so they already keep the latest change
//! of every entity. A snapshot is for what compaction cannot give: a topic
//! recreated empty, a cluster migrated, a consumer that needs every entity
//! once more, in order. Each entity goes out as an upsert at its *current*
//! version, so consumers, which apply changes by version, treat a repeat as
//! what it is: nothing new. A write racing the snapshot bumps the version
//! and queues its own change, which wins wherever it lands.

use encore_schemas::EntityType;
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

use crate::catalog::edit::albums::AlbumRow;
use crate::catalog::edit::artists::ArtistRow;
use crate::catalog::edit::tracks::TrackRow;
use crate::outbox::{upsert_all, Body};
use crate::DbError;

/// Parents before children, so a consumer that reads the topics in this
/// order meets an album's artist before the album.
pub const ORDER: [EntityType; 4] = [
    EntityType::Artist,
    EntityType::Album,
    EntityType::Track,
    EntityType::Playlist,
];

/// One page of the snapshot: an entity's id, its body and its version.
type Page = Vec<(Uuid, Body, i64)>;

/// Writes every entity of `kind` to the outbox, `chunk` per transaction, and
/// calls `progress` with the running count after each. Returns the count.
pub async fn snapshot(
    db: &PgPool,
    kind: EntityType,
    chunk: i64,
    mut progress: impl FnMut(u64),
) -> Result<u64, DbError> {
    let mut after: Option<Uuid> = None;
    let mut written = 0u64;
    loop {
        let mut tx = db.begin().await?;
        let page = page(&mut tx, kind, after, chunk).await?;
        let Some((last, _, _)) = page.last() else {
            break;
        };
        after = Some(*last);
        written += page.len() as u64;
        upsert_all(
            &mut tx,
            page.into_iter().map(|(_, body, v)| (body, v)).collect(),
        )
        .await?;
        tx.commit().await?;
        progress(written);
    }
    Ok(written)
}

struct PlaylistWithItems {
    id: Uuid,
    owner_id: Uuid,
    name: String,
    description: Option<String>,
    public: bool,
    version: i64,
    track_ids: Vec<Uuid>,
}

/// The next `limit` entities of `kind` after `after`, by id.
async fn page(
    conn: &mut PgConnection,
    kind: EntityType,
    after: Option<Uuid>,
    limit: i64,
) -> Result<Page, DbError> {
    Ok(match kind {
        EntityType::Artist => sqlx::query_as!(
            ArtistRow,
            "SELECT id, name, genres, country, image_url, version FROM artists \
             WHERE ($1::uuid IS NULL OR id > $1) ORDER BY id LIMIT $2",
            after,
            limit
        )
        .fetch_all(conn)
        .await?
        .into_iter()
        .map(|a| (a.id, a.body(), a.version))
        .collect(),
        EntityType::Album => sqlx::query_as!(
            AlbumRow,
            "SELECT id, artist_id, title, release_year, genres, cover_url, version FROM albums \
             WHERE ($1::uuid IS NULL OR id > $1) ORDER BY id LIMIT $2",
            after,
            limit
        )
        .fetch_all(conn)
        .await?
        .into_iter()
        .map(|a| (a.id, a.body(), a.version))
        .collect(),
        EntityType::Track => sqlx::query_as!(
            TrackRow,
            "SELECT id, artist_id, album_id, title, duration_ms, genre, release_year, track_number, \
                    audio_key, version FROM tracks \
             WHERE ($1::uuid IS NULL OR id > $1) ORDER BY id LIMIT $2",
            after,
            limit
        )
        .fetch_all(conn)
        .await?
        .into_iter()
        .map(|t| (t.id, t.body(), t.version))
        .collect(),
        EntityType::Playlist => sqlx::query_as!(
            PlaylistWithItems,
            r#"SELECT p.id, p.owner_id, p.name, p.description, p.public, p.version,
                      COALESCE(array_agg(i.track_id ORDER BY i.position)
                               FILTER (WHERE i.track_id IS NOT NULL), '{}') AS "track_ids!"
               FROM playlists p LEFT JOIN playlist_items i ON i.playlist_id = p.id
               WHERE ($1::uuid IS NULL OR p.id > $1)
               GROUP BY p.id ORDER BY p.id LIMIT $2"#,
            after,
            limit
        )
        .fetch_all(conn)
        .await?
        .into_iter()
        .map(|p| {
            let body = Body::Playlist(encore_schemas::Playlist {
                id: p.id,
                owner_id: p.owner_id,
                name: p.name,
                description: p.description,
                public: p.public,
                track_ids: p.track_ids,
            });
            (p.id, body, p.version)
        })
        .collect(),
    })
}
