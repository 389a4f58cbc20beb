//! Playlist changes as plain functions over a transaction, shared by the
//! native handlers and the Subsonic API. Each caller locks the playlist
//! first and publishes it once at the end (the gateway's `lock_own` and
//! `publish`), so a change of several parts is one version.
//!
//! Reading, locking and publishing are in `rows.rs` (re-exported here); one
//! item's changes in [`mod@items`].

pub mod items;
mod rows;

pub use rows::*;

use encore_schemas::EntityType;
use sqlx::PgConnection;
use uuid::Uuid;

use crate::{outbox, DbError};

/// The most items a playlist holds.
pub const MAX_ITEMS: i64 = 10_000;

/// Inserts a playlist at version 0: publishing it makes it version 1.
pub async fn insert(
    conn: &mut PgConnection,
    owner: Uuid,
    name: &str,
    description: Option<String>,
    public: bool,
) -> Result<Uuid, DbError> {
    let id = Uuid::now_v7();
    sqlx::query!(
        "INSERT INTO playlists (id, owner_id, name, description, public, version) VALUES ($1, $2, $3, $4, $5, 0)",
        id,
        owner,
        name.trim(),
        description,
        public
    )
    .execute(conn)
    .await?;
    Ok(id)
}

/// Sets what is given: an empty description clears it.
pub async fn set_fields(
    conn: &mut PgConnection,
    id: Uuid,
    name: Option<&str>,
    description: Option<&str>,
    public: Option<bool>,
) -> Result<(), DbError> {
    sqlx::query!(
        "UPDATE playlists SET name = COALESCE($2, name), \
         description = CASE WHEN $3::text IS NULL THEN description ELSE NULLIF($3, '') END, \
         public = COALESCE($4, public) WHERE id = $1",
        id,
        name.map(str::trim),
        description.map(str::trim),
        public
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// Appends tracks in order. `NotFound("song")` if one does not exist,
/// `Invalid` past [`MAX_ITEMS`].
pub async fn append(conn: &mut PgConnection, id: Uuid, tracks: &[Uuid]) -> Result<(), DbError> {
    if tracks.is_empty() {
        return Ok(());
    }
    let known = sqlx::query_scalar!(
        r#"SELECT count(DISTINCT id) AS "n!" FROM tracks WHERE id = ANY($1)"#,
        tracks
    )
    .fetch_one(&mut *conn)
    .await?;
    let distinct = tracks
        .iter()
        .collect::<std::collections::HashSet<_>>()
        .len();
    if known != distinct as i64 {
        return Err(DbError::NotFound("song"));
    }
    let count = sqlx::query_scalar!(
        r#"SELECT count(*) AS "n!" FROM playlist_items WHERE playlist_id = $1"#,
        id
    )
    .fetch_one(&mut *conn)
    .await?;
    if count + tracks.len() as i64 > MAX_ITEMS {
        return Err(DbError::Invalid {
            field: "track_id",
            message: format!("a playlist holds at most {MAX_ITEMS} items"),
        });
    }
    let ids: Vec<Uuid> = tracks.iter().map(|_| Uuid::now_v7()).collect();
    sqlx::query!(
        "INSERT INTO playlist_items (id, playlist_id, track_id, position) \
         SELECT item, $1, track, ($2 + n - 1)::int FROM unnest($3::uuid[], $4::uuid[]) WITH ORDINALITY AS x(item, track, n)",
        id,
        count,
        &ids[..],
        tracks
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// Removes the items at these 0-based positions (others are ignored) and
/// closes the gaps.
pub async fn remove_positions(
    conn: &mut PgConnection,
    id: Uuid,
    positions: &[i32],
) -> Result<(), DbError> {
    if positions.is_empty() {
        return Ok(());
    }
    sqlx::query!(
        "DELETE FROM playlist_items WHERE playlist_id = $1 AND position = ANY($2)",
        id,
        positions
    )
    .execute(&mut *conn)
    .await?;
    renumber(conn, id).await
}

/// Removes every item.
pub async fn clear(conn: &mut PgConnection, id: Uuid) -> Result<(), DbError> {
    sqlx::query!("DELETE FROM playlist_items WHERE playlist_id = $1", id)
        .execute(conn)
        .await?;
    Ok(())
}

/// Numbers the items 0, 1, 2... in their order.
pub async fn renumber(conn: &mut PgConnection, id: Uuid) -> Result<(), DbError> {
    sqlx::query!(
        "UPDATE playlist_items i SET position = n.rank FROM \
         (SELECT id, (row_number() OVER (ORDER BY position) - 1)::int AS rank \
          FROM playlist_items WHERE playlist_id = $1) n \
         WHERE i.id = n.id AND i.position <> n.rank",
        id
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// Deletes a locked playlist and publishes its tombstone.
pub async fn delete(conn: &mut PgConnection, id: Uuid, version: i64) -> Result<(), DbError> {
    sqlx::query!("DELETE FROM playlists WHERE id = $1", id)
        .execute(&mut *conn)
        .await?;
    outbox::delete(conn, EntityType::Playlist, id, version + 1).await?;
    Ok(())
}
