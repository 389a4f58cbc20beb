//! Artists as stored.

use encore_schemas::EntityType;
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

use crate::library::playlists;
use crate::outbox::{self, Body};
use crate::DbError;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ArtistRow {
    pub id: Uuid,
    pub name: String,
    pub genres: Vec<String>,
    pub country: Option<String>,
    pub image_url: Option<String>,
    pub version: i64,
}

/// The columns [`ArtistRow`] reads, in its field order, for the readers
/// that pick the table at run time (the import, the snapshot).
pub const COLUMNS: &str = "id, name, genres, country, image_url, version";

impl ArtistRow {
    /// The entity as published in a catalog change.
    pub fn body(&self) -> Body {
        Body::Artist(encore_schemas::Artist {
            id: self.id,
            name: self.name.clone(),
            genres: self.genres.clone(),
            country: self.country.clone(),
            image_url: self.image_url.clone(),
        })
    }
}

/// A page of artists by id after `after`, of a genre when given.
pub async fn list(
    db: &PgPool,
    genre: Option<&str>,
    after: Option<Uuid>,
    limit: i64,
) -> Result<Vec<ArtistRow>, DbError> {
    Ok(sqlx::query_as!(
        ArtistRow,
        "SELECT id, name, genres, country, image_url, version FROM artists \
         WHERE ($1::uuid IS NULL OR id > $1) AND ($2::text IS NULL OR $2 = ANY(genres)) \
         ORDER BY id LIMIT $3",
        after,
        genre,
        limit
    )
    .fetch_all(db)
    .await?)
}

pub async fn get(db: &PgPool, id: Uuid) -> Result<Option<ArtistRow>, DbError> {
    Ok(sqlx::query_as!(
        ArtistRow,
        "SELECT id, name, genres, country, image_url, version FROM artists WHERE id = $1",
        id
    )
    .fetch_optional(db)
    .await?)
}

/// A new artist; text already trimmed, empty optional text absent.
#[derive(Debug)]
pub struct NewArtist<'a> {
    pub name: &'a str,
    pub genres: &'a [String],
    pub country: Option<&'a str>,
    pub image_url: Option<&'a str>,
    pub external_id: Option<&'a str>,
}

/// Creates an artist, with `member` as its first member when given (an
/// artist account creating itself), and writes it to the outbox.
pub async fn create(
    conn: &mut PgConnection,
    new: &NewArtist<'_>,
    member: Option<Uuid>,
) -> Result<ArtistRow, DbError> {
    let row = sqlx::query_as!(
        ArtistRow,
        "INSERT INTO artists (id, name, genres, country, image_url, external_id, name_key) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id, name, genres, country, image_url, version",
        Uuid::now_v7(),
        new.name.trim(),
        new.genres,
        new.country,
        new.image_url,
        new.external_id,
        crate::keys::key(new.name)
    )
    .fetch_one(&mut *conn)
    .await?;
    if let Some(member) = member {
        sqlx::query!(
            "INSERT INTO artist_members (artist_id, user_id) VALUES ($1, $2)",
            row.id,
            member
        )
        .execute(&mut *conn)
        .await?;
    }
    outbox::upsert(conn, row.body(), row.version).await?;
    Ok(row)
}

/// What to change; `None` keeps it, empty text clears an optional field.
#[derive(Debug, Default)]
pub struct ArtistChanges<'a> {
    pub name: Option<&'a str>,
    pub genres: Option<&'a [String]>,
    pub country: Option<&'a str>,
    pub image_url: Option<&'a str>,
}

/// Changes an artist the caller has locked, and writes it to the outbox.
pub async fn update(
    conn: &mut PgConnection,
    id: Uuid,
    changes: &ArtistChanges<'_>,
) -> Result<ArtistRow, DbError> {
    let row = sqlx::query_as!(
        ArtistRow,
        "UPDATE artists SET name = COALESCE($2, name), name_key = COALESCE($6, name_key), \
         genres = COALESCE($3, genres), \
         country = CASE WHEN $4::text IS NULL THEN country ELSE NULLIF($4, '') END, \
         image_url = CASE WHEN $5::text IS NULL THEN image_url ELSE NULLIF($5, '') END, \
         image_key = CASE WHEN $5::text IS NULL OR $5 = '/v1/artists/' || id || '/image' THEN image_key ELSE NULL END, \
         version = version + 1, updated_at = now() WHERE id = $1 \
         RETURNING id, name, genres, country, image_url, version",
        id,
        changes.name.map(str::trim),
        changes.genres,
        changes.country.map(str::trim),
        changes.image_url.map(str::trim),
        changes.name.map(crate::keys::key)
    )
    .fetch_one(&mut *conn)
    .await?;
    outbox::upsert(conn, row.body(), row.version).await?;
    Ok(row)
}

/// Makes the picture stored under `key` the artist's own: `image_url`
/// becomes the gateway's address of it, and the change is published.
pub async fn set_image(conn: &mut PgConnection, id: Uuid, key: &str) -> Result<ArtistRow, DbError> {
    let row = sqlx::query_as!(
        ArtistRow,
        "UPDATE artists SET image_key = $2, image_url = '/v1/artists/' || id || '/image', \
         version = version + 1, updated_at = now() WHERE id = $1 \
         RETURNING id, name, genres, country, image_url, version",
        id,
        key
    )
    .fetch_one(&mut *conn)
    .await?;
    outbox::upsert(conn, row.body(), row.version).await?;
    Ok(row)
}

/// Deletes an artist the caller has locked, with its albums and tracks;
/// every deletion is published, and the playlists that held its tracks are
/// renumbered and republished.
pub async fn delete(conn: &mut PgConnection, id: Uuid) -> Result<(), DbError> {
    let tracks = sqlx::query!(
        "SELECT id, version FROM tracks WHERE artist_id = $1 ORDER BY id FOR UPDATE",
        id
    )
    .fetch_all(&mut *conn)
    .await?;
    let track_ids: Vec<Uuid> = tracks.iter().map(|t| t.id).collect();
    let affected = playlists::lock_containing(conn, &track_ids).await?;
    let albums = sqlx::query!(
        "DELETE FROM albums WHERE artist_id = $1 RETURNING id, version",
        id
    )
    .fetch_all(&mut *conn)
    .await?;
    let version = sqlx::query_scalar!("DELETE FROM artists WHERE id = $1 RETURNING version", id)
        .fetch_one(&mut *conn)
        .await?;
    for track in &tracks {
        outbox::delete(conn, EntityType::Track, track.id, track.version + 1).await?;
    }
    for album in &albums {
        outbox::delete(conn, EntityType::Album, album.id, album.version + 1).await?;
    }
    outbox::delete(conn, EntityType::Artist, id, version + 1).await?;
    playlists::renumber_and_publish(conn, &affected).await
}
