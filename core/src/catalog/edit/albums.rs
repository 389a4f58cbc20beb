//! Albums as stored.

use encore_schemas::EntityType;
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

use super::{authorize_artist, tracks, Editor};
use crate::outbox::{self, Body};
use crate::DbError;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct AlbumRow {
    pub id: Uuid,
    pub artist_id: Uuid,
    pub title: String,
    pub release_year: Option<i32>,
    pub genres: Vec<String>,
    pub cover_url: Option<String>,
    pub version: i64,
}

/// The columns [`AlbumRow`] reads, in its field order, for the readers
/// that pick the table at run time (the import, the snapshot).
pub const COLUMNS: &str = "id, artist_id, title, release_year, genres, cover_url, version";

impl AlbumRow {
    /// The entity as published in a catalog change.
    pub fn body(&self) -> Body {
        Body::Album(encore_schemas::Album {
            id: self.id,
            artist_id: self.artist_id,
            title: self.title.clone(),
            release_year: self.release_year,
            genres: self.genres.clone(),
            cover_url: self.cover_url.clone(),
        })
    }
}

/// A page of albums by id after `after`, filtered by what is given.
pub async fn list(
    db: &PgPool,
    artist: Option<Uuid>,
    genre: Option<&str>,
    years: Option<(i32, i32)>,
    after: Option<Uuid>,
    limit: i64,
) -> Result<Vec<AlbumRow>, DbError> {
    let (from, to) = years.unzip();
    Ok(sqlx::query_as!(
        AlbumRow,
        "SELECT id, artist_id, title, release_year, genres, cover_url, version FROM albums \
         WHERE ($1::uuid IS NULL OR id > $1) AND ($2::uuid IS NULL OR artist_id = $2) \
         AND ($3::text IS NULL OR $3 = ANY(genres)) \
         AND ($4::int IS NULL OR release_year BETWEEN $4 AND $5::int) \
         ORDER BY id LIMIT $6",
        after,
        artist,
        genre,
        from,
        to,
        limit
    )
    .fetch_all(db)
    .await?)
}

pub async fn get<'e>(db: impl sqlx::PgExecutor<'e>, id: Uuid) -> Result<Option<AlbumRow>, DbError> {
    Ok(sqlx::query_as!(
        AlbumRow,
        "SELECT id, artist_id, title, release_year, genres, cover_url, version FROM albums WHERE id = $1",
        id
    )
    .fetch_optional(db)
    .await?)
}

/// Locks the album's artist and checks `editor` may change the album.
pub async fn authorize(conn: &mut PgConnection, editor: Editor, id: Uuid) -> Result<(), DbError> {
    let artist = sqlx::query_scalar!("SELECT artist_id FROM albums WHERE id = $1", id)
        .fetch_optional(&mut *conn)
        .await?
        .ok_or(DbError::NotFound("album"))?;
    authorize_artist(conn, editor, artist).await
}

/// A new album; text already trimmed, empty optional text absent.
#[derive(Debug)]
pub struct NewAlbum<'a> {
    pub artist_id: Uuid,
    pub title: &'a str,
    pub release_year: Option<i32>,
    pub genres: &'a [String],
    pub cover_url: Option<&'a str>,
    pub external_id: Option<&'a str>,
}

/// Creates an album and writes it to the outbox.
pub async fn create(conn: &mut PgConnection, new: &NewAlbum<'_>) -> Result<AlbumRow, DbError> {
    let row = sqlx::query_as!(
        AlbumRow,
        "INSERT INTO albums (id, artist_id, title, release_year, genres, cover_url, external_id) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) \
         RETURNING id, artist_id, title, release_year, genres, cover_url, version",
        Uuid::now_v7(),
        new.artist_id,
        new.title.trim(),
        new.release_year,
        new.genres,
        new.cover_url,
        new.external_id
    )
    .fetch_one(&mut *conn)
    .await?;
    outbox::upsert(conn, row.body(), row.version).await?;
    Ok(row)
}

/// What to change; `None` keeps it, empty text clears the cover.
#[derive(Debug, Default)]
pub struct AlbumChanges<'a> {
    pub title: Option<&'a str>,
    pub release_year: Option<i32>,
    pub genres: Option<&'a [String]>,
    pub cover_url: Option<&'a str>,
}

/// Changes an album the caller has authorised, and writes it to the outbox.
/// A `cover_url` other than the gateway's own address of the uploaded cover
/// forgets that upload, so the cover served is the one the album names.
pub async fn update(
    conn: &mut PgConnection,
    id: Uuid,
    changes: &AlbumChanges<'_>,
) -> Result<AlbumRow, DbError> {
    let row = sqlx::query_as!(
        AlbumRow,
        "UPDATE albums SET title = COALESCE($2, title), release_year = COALESCE($3, release_year), \
         genres = COALESCE($4, genres), \
         cover_url = CASE WHEN $5::text IS NULL THEN cover_url ELSE NULLIF($5, '') END, \
         cover_key = CASE WHEN $5::text IS NULL OR $5 = '/v1/albums/' || id || '/cover' THEN cover_key ELSE NULL END, \
         version = version + 1, updated_at = now() WHERE id = $1 \
         RETURNING id, artist_id, title, release_year, genres, cover_url, version",
        id,
        changes.title.map(str::trim),
        changes.release_year,
        changes.genres,
        changes.cover_url.map(str::trim)
    )
    .fetch_one(&mut *conn)
    .await?;
    outbox::upsert(conn, row.body(), row.version).await?;
    Ok(row)
}

/// Points an album the caller has authorised at a newly stored cover,
/// served by the gateway, and writes it to the outbox.
pub async fn set_cover(conn: &mut PgConnection, id: Uuid, key: &str) -> Result<AlbumRow, DbError> {
    let row = sqlx::query_as!(
        AlbumRow,
        "UPDATE albums SET cover_key = $2, cover_url = '/v1/albums/' || id || '/cover',          version = version + 1, updated_at = now() WHERE id = $1          RETURNING id, artist_id, title, release_year, genres, cover_url, version",
        id,
        key
    )
    .fetch_one(&mut *conn)
    .await?;
    outbox::upsert(conn, row.body(), row.version).await?;
    Ok(row)
}

/// Deletes an album the caller has authorised; its tracks stay, without an
/// album, and every change is published.
pub async fn delete(conn: &mut PgConnection, id: Uuid) -> Result<(), DbError> {
    tracks::detach_album(conn, id).await?;
    let version = sqlx::query_scalar!("DELETE FROM albums WHERE id = $1 RETURNING version", id)
        .fetch_one(&mut *conn)
        .await?;
    outbox::delete(conn, EntityType::Album, id, version + 1).await
}
