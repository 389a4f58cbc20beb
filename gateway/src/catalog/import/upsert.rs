//! The idempotent upserts behind an import row: find the row's parents by
//! their external ids, then insert the entity or update it (bumping its
//! version and writing the change to the outbox) only when a field differs.

use sqlx::PgConnection;
use uuid::Uuid;

use super::{ImportRow, Outcome};
use crate::catalog::albums::{Album, COLUMNS as ALBUM_COLUMNS};
use crate::catalog::artists::{trimmed, Artist, COLUMNS as ARTIST_COLUMNS};
use crate::catalog::keys::key;
use crate::catalog::tracks::{TrackRow, COLUMNS as TRACK_COLUMNS};
use crate::checks::clean;
use crate::db::DbError;
use crate::outbox;

/// A parent an import row names by its external id.
#[derive(Clone, Copy)]
enum Parent {
    Artist,
    Album,
}

/// The id of the `parent` with `external_id`; `field` is the row's field
/// that named it, for the rejection.
async fn by_external(
    conn: &mut PgConnection,
    parent: Parent,
    external_id: &str,
    field: &'static str,
) -> Result<Uuid, DbError> {
    let (sql, what) = match parent {
        Parent::Artist => ("SELECT id FROM artists WHERE external_id = $1", "artist"),
        Parent::Album => ("SELECT id FROM albums WHERE external_id = $1", "album"),
    };
    let id: Option<Uuid> = sqlx::query_scalar(sql)
        .bind(external_id)
        .fetch_optional(conn)
        .await?;
    id.ok_or_else(|| DbError::Invalid {
        field,
        message: format!("no {what} with external id {external_id:?} (import it first)"),
    })
}

/// Writes one checked row; `Invalid` names the field of a missing parent.
pub(super) async fn upsert(
    conn: &mut PgConnection,
    row: &ImportRow,
) -> Result<(Outcome, Uuid), DbError> {
    match row {
        ImportRow::Artist {
            external_id,
            name,
            genres,
            country,
        } => {
            artist(
                conn,
                external_id,
                name.trim(),
                &trimmed(genres),
                clean(country.clone()),
            )
            .await
        }
        ImportRow::Album {
            external_id,
            artist_external_id,
            title,
            release_year,
            genres,
        } => {
            let artist = by_external(
                conn,
                Parent::Artist,
                artist_external_id,
                "artist_external_id",
            )
            .await?;
            album(
                conn,
                external_id,
                artist,
                title.trim(),
                *release_year,
                &trimmed(genres),
            )
            .await
        }
        ImportRow::Track {
            external_id,
            artist_external_id,
            album_external_id,
            title,
            duration_ms,
            genre,
            release_year,
            track_number,
        } => {
            let artist = by_external(
                conn,
                Parent::Artist,
                artist_external_id,
                "artist_external_id",
            )
            .await?;
            let album = match album_external_id.as_deref().filter(|a| !a.is_empty()) {
                Some(a) => Some(by_external(conn, Parent::Album, a, "album_external_id").await?),
                None => None,
            };
            let fields = TrackFields {
                artist,
                album,
                title: title.trim().to_string(),
                duration_ms: duration_ms.unwrap_or(0),
                genre: clean(genre.clone()),
                release_year: *release_year,
                track_number: *track_number,
            };
            track(conn, external_id, fields).await
        }
    }
}

async fn artist(
    conn: &mut PgConnection,
    external_id: &str,
    name: &str,
    genres: &[String],
    country: Option<String>,
) -> Result<(Outcome, Uuid), DbError> {
    let existing: Option<Artist> = sqlx::query_as(&format!(
        "SELECT {ARTIST_COLUMNS} FROM artists WHERE external_id = $1 FOR UPDATE"
    ))
    .bind(external_id)
    .fetch_optional(&mut *conn)
    .await?;
    if let Some(a) = &existing {
        if a.name == name && a.genres == genres && a.country == country {
            return Ok((Outcome::Unchanged, a.id));
        }
    }
    let saved: Artist = sqlx::query_as(&format!(
        "INSERT INTO artists (id, name, genres, country, external_id, name_key) VALUES ($1, $2, $3, $4, $5, $6) \
         ON CONFLICT (external_id) DO UPDATE SET name = EXCLUDED.name, genres = EXCLUDED.genres, \
           country = EXCLUDED.country, name_key = EXCLUDED.name_key, version = artists.version + 1, updated_at = now() \
         RETURNING {ARTIST_COLUMNS}"
    ))
    .bind(Uuid::now_v7())
    .bind(name)
    .bind(genres)
    .bind(&country)
    .bind(external_id)
    .bind(key(name))
    .fetch_one(&mut *conn)
    .await?;
    outbox::upsert(conn, saved.body(), saved.version).await?;
    Ok((written(&existing), saved.id))
}

async fn album(
    conn: &mut PgConnection,
    external_id: &str,
    artist: Uuid,
    title: &str,
    release_year: Option<i32>,
    genres: &[String],
) -> Result<(Outcome, Uuid), DbError> {
    let existing: Option<Album> = sqlx::query_as(&format!(
        "SELECT {ALBUM_COLUMNS} FROM albums WHERE external_id = $1 FOR UPDATE"
    ))
    .bind(external_id)
    .fetch_optional(&mut *conn)
    .await?;
    if let Some(a) = &existing {
        if a.artist_id == artist
            && a.title == title
            && a.release_year == release_year
            && a.genres == genres
        {
            return Ok((Outcome::Unchanged, a.id));
        }
    }
    let saved: Album = sqlx::query_as(&format!(
        "INSERT INTO albums (id, artist_id, title, release_year, genres, external_id) VALUES ($1, $2, $3, $4, $5, $6) \
         ON CONFLICT (external_id) DO UPDATE SET artist_id = EXCLUDED.artist_id, title = EXCLUDED.title, \
           release_year = EXCLUDED.release_year, genres = EXCLUDED.genres, version = albums.version + 1, updated_at = now() \
         RETURNING {ALBUM_COLUMNS}"
    ))
    .bind(Uuid::now_v7())
    .bind(artist)
    .bind(title)
    .bind(release_year)
    .bind(genres)
    .bind(external_id)
    .fetch_one(&mut *conn)
    .await?;
    outbox::upsert(conn, saved.body(), saved.version).await?;
    Ok((written(&existing), saved.id))
}

struct TrackFields {
    artist: Uuid,
    album: Option<Uuid>,
    title: String,
    duration_ms: i64,
    genre: Option<String>,
    release_year: Option<i32>,
    track_number: Option<i32>,
}

async fn track(
    conn: &mut PgConnection,
    external_id: &str,
    f: TrackFields,
) -> Result<(Outcome, Uuid), DbError> {
    let existing: Option<TrackRow> = sqlx::query_as(&format!(
        "SELECT {TRACK_COLUMNS} FROM tracks WHERE external_id = $1 FOR UPDATE"
    ))
    .bind(external_id)
    .fetch_optional(&mut *conn)
    .await?;
    if let Some(t) = &existing {
        let same = t.artist_id == f.artist
            && t.album_id == f.album
            && t.title == f.title
            && t.genre == f.genre
            && t.release_year == f.release_year
            && t.track_number == f.track_number
            // A file's own duration (from audio) wins over an imported estimate.
            && (t.duration_ms == f.duration_ms || t.audio_key.is_some() || f.duration_ms == 0);
        if same {
            return Ok((Outcome::Unchanged, t.id));
        }
    }
    let saved: TrackRow = sqlx::query_as(&format!(
        "INSERT INTO tracks (id, artist_id, album_id, title, duration_ms, genre, release_year, track_number, external_id, title_key) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) \
         ON CONFLICT (external_id) DO UPDATE SET artist_id = EXCLUDED.artist_id, album_id = EXCLUDED.album_id, \
           title = EXCLUDED.title, title_key = EXCLUDED.title_key, genre = EXCLUDED.genre, \
           release_year = EXCLUDED.release_year, track_number = EXCLUDED.track_number, \
           duration_ms = CASE WHEN tracks.audio_key IS NULL AND EXCLUDED.duration_ms > 0 \
                              THEN EXCLUDED.duration_ms ELSE tracks.duration_ms END, \
           version = tracks.version + 1, updated_at = now() \
         RETURNING {TRACK_COLUMNS}"
    ))
    .bind(Uuid::now_v7())
    .bind(f.artist)
    .bind(f.album)
    .bind(&f.title)
    .bind(f.duration_ms)
    .bind(&f.genre)
    .bind(f.release_year)
    .bind(f.track_number)
    .bind(external_id)
    .bind(key(&f.title))
    .fetch_one(&mut *conn)
    .await?;
    outbox::upsert(conn, saved.body(), saved.version).await?;
    Ok((written(&existing), saved.id))
}

/// What writing a row did, given whether it existed before.
fn written<T>(existing: &Option<T>) -> Outcome {
    if existing.is_some() {
        Outcome::Updated
    } else {
        Outcome::Created
    }
}
