//! `gateway snapshot`: republishes the whole catalogue through the outbox.
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

use super::{upsert_all, Body};
use encore_core::catalog::edit::{albums, artists, tracks};
use encore_core::DbError;

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

#[derive(sqlx::FromRow)]
struct PlaylistWithItems {
    id: Uuid,
    owner_id: Uuid,
    name: String,
    description: Option<String>,
    public: bool,
    version: i64,
    track_ids: Vec<Uuid>,
}

/// The next `limit` rows of `table` after `after`, by id.
async fn next<R>(
    conn: &mut PgConnection,
    table: &str,
    columns: &str,
    after: Option<Uuid>,
    limit: i64,
) -> Result<Vec<R>, sqlx::Error>
where
    R: for<'r> sqlx::FromRow<'r, sqlx::postgres::PgRow> + Send + Unpin,
{
    sqlx::query_as::<_, R>(&format!(
        "SELECT {columns} FROM {table} WHERE ($1::uuid IS NULL OR id > $1) ORDER BY id LIMIT $2"
    ))
    .bind(after)
    .bind(limit)
    .fetch_all(conn)
    .await
}

/// The next `limit` entities of `kind` after `after`, by id.
async fn page(
    conn: &mut PgConnection,
    kind: EntityType,
    after: Option<Uuid>,
    limit: i64,
) -> Result<Page, sqlx::Error> {
    Ok(match kind {
        EntityType::Artist => {
            next::<artists::ArtistRow>(conn, "artists", artists::COLUMNS, after, limit)
                .await?
                .into_iter()
                .map(|a| (a.id, a.body(), a.version))
                .collect()
        }
        EntityType::Album => {
            next::<albums::AlbumRow>(conn, "albums", albums::COLUMNS, after, limit)
                .await?
                .into_iter()
                .map(|a| (a.id, a.body(), a.version))
                .collect()
        }
        EntityType::Track => {
            next::<tracks::TrackRow>(conn, "tracks", tracks::COLUMNS, after, limit)
                .await?
                .into_iter()
                .map(|t| (t.id, t.body(), t.version))
                .collect()
        }
        EntityType::Playlist => sqlx::query_as::<_, PlaylistWithItems>(
            "SELECT p.id, p.owner_id, p.name, p.description, p.public, p.version, \
                    COALESCE(array_agg(i.track_id ORDER BY i.position) \
                             FILTER (WHERE i.track_id IS NOT NULL), '{}') AS track_ids \
             FROM playlists p LEFT JOIN playlist_items i ON i.playlist_id = p.id \
             WHERE ($1::uuid IS NULL OR p.id > $1) \
             GROUP BY p.id ORDER BY p.id LIMIT $2",
        )
        .bind(after)
        .bind(limit)
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
