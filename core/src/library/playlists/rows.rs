//! Playlists as rows: who may see one, locking one for a change by its
//! owner, publishing its new state to the outbox, and the lists both APIs show.

use sqlx::{PgConnection, PgPool};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::outbox::{self, Body};
use crate::DbError;

/// The most characters of a name, and of a description.
pub const NAME_MAX: usize = 200;
pub const DESCRIPTION_MAX: usize = 2_000;

/// What is wrong with a name or description about to be written, by field:
/// empty when both are fine (or absent).
pub fn problems(name: Option<&str>, description: Option<&str>) -> Vec<(&'static str, String)> {
    let mut problems = Vec::new();
    if let Some(Err(problem)) = name.map(|n| encore_common::text::field(n, 1, NAME_MAX)) {
        problems.push(("name", problem));
    }
    if let Some(Err(problem)) =
        description.map(|d| encore_common::text::field(d, 0, DESCRIPTION_MAX))
    {
        problems.push(("description", problem));
    }
    problems
}

#[derive(Debug, Clone)]
pub struct Playlist {
    pub id: Uuid,
    pub owner_id: Uuid,
    pub name: String,
    pub description: Option<String>,
    pub public: bool,
    pub version: i64,
}

/// A playlist `viewer` may see: public, or theirs. Anyone else's private
/// playlist is `NotFound`, never "forbidden", so its existence stays private.
pub async fn visible(
    conn: &mut PgConnection,
    id: Uuid,
    viewer: Option<Uuid>,
) -> Result<Playlist, DbError> {
    let row = sqlx::query_as!(
        Playlist,
        "SELECT id, owner_id, name, description, public, version FROM playlists WHERE id = $1",
        id
    )
    .fetch_optional(conn)
    .await?;
    match row {
        Some(row) if row.public || viewer == Some(row.owner_id) => Ok(row),
        _ => Err(DbError::NotFound("playlist")),
    }
}

/// Locks the playlist for a change by `user`: `NotFound` if they cannot see
/// it, `Forbidden` if they can but it is someone else's.
pub async fn lock_own(conn: &mut PgConnection, id: Uuid, user: Uuid) -> Result<Playlist, DbError> {
    let row = sqlx::query_as!(
        Playlist,
        "SELECT id, owner_id, name, description, public, version FROM playlists WHERE id = $1 FOR UPDATE",
        id
    )
    .fetch_optional(conn)
    .await?;
    match row {
        Some(row) if row.owner_id == user => Ok(row),
        Some(row) if row.public => Err(DbError::Forbidden("only its owner may change a playlist")),
        _ => Err(DbError::NotFound("playlist")),
    }
}

/// Bumps the version and writes the playlist's new state to the outbox.
pub async fn publish(conn: &mut PgConnection, id: Uuid) -> Result<Playlist, DbError> {
    let row = sqlx::query_as!(
        Playlist,
        "UPDATE playlists SET version = version + 1, updated_at = now() WHERE id = $1 \
         RETURNING id, owner_id, name, description, public, version",
        id
    )
    .fetch_one(&mut *conn)
    .await?;
    let track_ids = sqlx::query_scalar!(
        "SELECT track_id FROM playlist_items WHERE playlist_id = $1 ORDER BY position",
        id
    )
    .fetch_all(&mut *conn)
    .await?;
    let body = Body::Playlist(encore_schemas::Playlist {
        id: row.id,
        owner_id: row.owner_id,
        name: row.name.clone(),
        description: row.description.clone(),
        public: row.public,
        track_ids,
    });
    outbox::upsert(conn, body, row.version).await?;
    Ok(row)
}

/// Locks, in id order, the playlists that hold any of `tracks` (about to be
/// deleted), and returns their ids for [`renumber_and_publish`].
pub async fn lock_containing(
    conn: &mut PgConnection,
    tracks: &[Uuid],
) -> Result<Vec<Uuid>, DbError> {
    Ok(sqlx::query_scalar!(
        "SELECT id FROM playlists WHERE id IN \
         (SELECT playlist_id FROM playlist_items WHERE track_id = ANY($1)) ORDER BY id FOR UPDATE",
        tracks
    )
    .fetch_all(conn)
    .await?)
}

/// Closes the gaps deleted tracks left and publishes each playlist.
pub async fn renumber_and_publish(
    conn: &mut PgConnection,
    playlists: &[Uuid],
) -> Result<(), DbError> {
    for id in playlists {
        super::renumber(conn, *id).await?;
        publish(conn, *id).await?;
    }
    Ok(())
}

/// One entry of a playlist: a track may be there more than once.
#[derive(Debug, Clone)]
pub struct Item {
    pub id: Uuid,
    pub track_id: Uuid,
    /// 0-based.
    pub position: i32,
    pub added_at: OffsetDateTime,
}

/// A playlist's items in order.
pub async fn items(conn: &mut PgConnection, playlist: Uuid) -> Result<Vec<Item>, DbError> {
    Ok(sqlx::query_as!(
        Item,
        "SELECT id, track_id, position, added_at FROM playlist_items WHERE playlist_id = $1 ORDER BY position",
        playlist
    )
    .fetch_all(conn)
    .await?)
}

/// A page of `owner`'s playlists by id, after `after`.
pub async fn owned(
    db: &PgPool,
    owner: Uuid,
    after: Option<Uuid>,
    limit: i64,
) -> Result<Vec<Playlist>, DbError> {
    Ok(sqlx::query_as!(
        Playlist,
        "SELECT id, owner_id, name, description, public, version FROM playlists \
         WHERE owner_id = $1 AND ($2::uuid IS NULL OR id > $2) ORDER BY id LIMIT $3",
        owner,
        after,
        limit
    )
    .fetch_all(db)
    .await?)
}

/// A playlist as a list shows it: its owner's name, its songs' count and length.
#[derive(Debug, Clone)]
pub struct Summary {
    pub id: Uuid,
    pub name: String,
    pub description: Option<String>,
    pub public: bool,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
    pub owner_id: Uuid,
    pub owner: String,
    pub song_count: i64,
    pub duration_ms: i64,
}

/// The summaries of `ids`, in no particular order.
async fn summaries(db: &PgPool, ids: &[Uuid]) -> Result<Vec<Summary>, DbError> {
    Ok(sqlx::query_as!(
        Summary,
        r#"SELECT p.id, p.name, p.description, p.public, p.created_at, p.updated_at,
                  p.owner_id, u.username AS owner, c.song_count AS "song_count!",
                  c.duration_ms AS "duration_ms!"
           FROM playlists p JOIN users u ON u.id = p.owner_id
           LEFT JOIN LATERAL (SELECT count(*) AS song_count, coalesce(sum(t.duration_ms), 0)::bigint AS duration_ms
                              FROM playlist_items i JOIN tracks t ON t.id = i.track_id
                              WHERE i.playlist_id = p.id) c ON true
           WHERE p.id = ANY($1)"#,
        ids
    )
    .fetch_all(db)
    .await?)
}

/// One playlist's summary, if it exists (whoever may see it).
pub async fn summary(db: &PgPool, id: Uuid) -> Result<Option<Summary>, DbError> {
    Ok(summaries(db, &[id]).await?.pop())
}

/// `user`'s playlists, then everyone's public ones, each by name.
pub async fn visible_to(db: &PgPool, user: Uuid) -> Result<Vec<Summary>, DbError> {
    let ids = sqlx::query_scalar!(
        "SELECT id FROM playlists WHERE owner_id = $1 OR public \
         ORDER BY owner_id <> $1, lower(name), id",
        user
    )
    .fetch_all(db)
    .await?;
    Ok(crate::catalog::ordered(
        summaries(db, &ids).await?,
        &ids,
        |s| s.id,
    ))
}

/// The playlists of the account named `username` (any case), by name:
/// what an admin may list.
pub async fn of_username(db: &PgPool, username: &str) -> Result<Vec<Summary>, DbError> {
    let ids = sqlx::query_scalar!(
        "SELECT p.id FROM playlists p JOIN users u ON u.id = p.owner_id \
         WHERE lower(u.username) = lower($1) ORDER BY lower(p.name), p.id",
        username
    )
    .fetch_all(db)
    .await?;
    Ok(crate::catalog::ordered(
        summaries(db, &ids).await?,
        &ids,
        |s| s.id,
    ))
}
