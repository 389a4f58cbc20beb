//! Tracks as stored. Their audio is set by the gateway's upload path
//! ([`set_audio`]).

use encore_schemas::EntityType;
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

use super::album_loudness::remeasure_album;
use super::{authorize_artist, Editor};
use crate::library::playlists;
use crate::outbox::{self, Body};
use crate::DbError;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct TrackRow {
    pub id: Uuid,
    pub artist_id: Uuid,
    pub album_id: Option<Uuid>,
    pub title: String,
    pub duration_ms: i64,
    pub genre: Option<String>,
    pub release_year: Option<i32>,
    pub track_number: Option<i32>,
    pub audio_key: Option<String>,
    pub version: i64,
}

/// The columns [`TrackRow`] reads, in its field order, for the readers
/// that pick the table at run time (the import, the snapshot).
pub const COLUMNS: &str =
    "id, artist_id, album_id, title, duration_ms, genre, release_year, track_number, audio_key, version";

impl TrackRow {
    /// The entity as published in a catalog change.
    pub fn body(&self) -> Body {
        Body::Track(encore_schemas::Track {
            id: self.id,
            artist_id: self.artist_id,
            album_id: self.album_id,
            title: self.title.clone(),
            duration_ms: self.duration_ms,
            genre: self.genre.clone(),
            release_year: self.release_year,
            track_number: self.track_number,
            audio_key: self.audio_key.clone(),
        })
    }
}

/// What a track list is narrowed to; `None` is any.
#[derive(Debug, Default)]
pub struct Filter<'a> {
    pub artist: Option<Uuid>,
    pub album: Option<Uuid>,
    pub genre: Option<&'a str>,
    pub year: Option<i32>,
}

/// A page of tracks by id after `after`.
pub async fn list(
    db: &PgPool,
    filter: &Filter<'_>,
    after: Option<Uuid>,
    limit: i64,
) -> Result<Vec<TrackRow>, DbError> {
    Ok(sqlx::query_as!(
        TrackRow,
        "SELECT id, artist_id, album_id, title, duration_ms, genre, release_year, track_number, audio_key, version \
         FROM tracks WHERE ($1::uuid IS NULL OR id > $1) \
         AND ($2::uuid IS NULL OR artist_id = $2) AND ($3::uuid IS NULL OR album_id = $3) \
         AND ($4::text IS NULL OR genre = $4) AND ($5::int IS NULL OR release_year = $5) \
         ORDER BY id LIMIT $6",
        after,
        filter.artist,
        filter.album,
        filter.genre,
        filter.year,
        limit
    )
    .fetch_all(db)
    .await?)
}

pub async fn get<'e>(db: impl sqlx::PgExecutor<'e>, id: Uuid) -> Result<Option<TrackRow>, DbError> {
    Ok(sqlx::query_as!(
        TrackRow,
        "SELECT id, artist_id, album_id, title, duration_ms, genre, release_year, track_number, audio_key, version \
         FROM tracks WHERE id = $1",
        id
    )
    .fetch_optional(db)
    .await?)
}

/// Reads the track and checks `editor` may change it (locking its artist).
pub async fn authorize(
    conn: &mut PgConnection,
    editor: Editor,
    id: Uuid,
) -> Result<TrackRow, DbError> {
    let row = get(&mut *conn, id)
        .await?
        .ok_or(DbError::NotFound("track"))?;
    authorize_artist(conn, editor, row.artist_id).await?;
    Ok(row)
}

/// `Invalid` on `album_id` unless `album` (when given) belongs to `artist`.
pub async fn check_album(
    conn: &mut PgConnection,
    album: Option<Uuid>,
    artist: Uuid,
) -> Result<(), DbError> {
    let Some(album) = album else { return Ok(()) };
    let owner = sqlx::query_scalar!("SELECT artist_id FROM albums WHERE id = $1", album)
        .fetch_optional(conn)
        .await?;
    let message = match owner {
        Some(owner) if owner == artist => return Ok(()),
        Some(_) => "belongs to another artist",
        None => "no such album",
    };
    Err(DbError::Invalid {
        field: "album_id",
        message: message.into(),
    })
}

/// A new track; text already trimmed, empty optional text absent.
#[derive(Debug)]
pub struct NewTrack<'a> {
    pub artist_id: Uuid,
    pub album_id: Option<Uuid>,
    pub title: &'a str,
    pub duration_ms: i64,
    pub genre: Option<&'a str>,
    pub release_year: Option<i32>,
    pub track_number: Option<i32>,
    pub external_id: Option<&'a str>,
}

/// Creates a track and writes it to the outbox.
pub async fn create(conn: &mut PgConnection, new: &NewTrack<'_>) -> Result<TrackRow, DbError> {
    let row = sqlx::query_as!(
        TrackRow,
        "INSERT INTO tracks (id, artist_id, album_id, title, duration_ms, genre, release_year, track_number, external_id, title_key) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) \
         RETURNING id, artist_id, album_id, title, duration_ms, genre, release_year, track_number, audio_key, version",
        Uuid::now_v7(),
        new.artist_id,
        new.album_id,
        new.title.trim(),
        new.duration_ms,
        new.genre,
        new.release_year,
        new.track_number,
        new.external_id,
        crate::keys::key(new.title)
    )
    .fetch_one(&mut *conn)
    .await?;
    outbox::upsert(conn, row.body(), row.version).await?;
    Ok(row)
}

/// What to change; `None` keeps it, empty text clears the genre.
#[derive(Debug, Default)]
pub struct TrackChanges<'a> {
    pub title: Option<&'a str>,
    pub album_id: Option<Uuid>,
    pub genre: Option<&'a str>,
    pub release_year: Option<i32>,
    pub track_number: Option<i32>,
}

/// Changes a track the caller has authorised, and writes it to the outbox.
pub async fn update(
    conn: &mut PgConnection,
    id: Uuid,
    changes: &TrackChanges<'_>,
) -> Result<TrackRow, DbError> {
    // Moving a track changes the loudness of the album it leaves and of the one it joins.
    let left = match changes.album_id {
        Some(_) => Some(
            sqlx::query_scalar!("SELECT album_id FROM tracks WHERE id = $1", id)
                .fetch_optional(&mut *conn)
                .await?
                .flatten(),
        ),
        None => None,
    };
    let row = sqlx::query_as!(
        TrackRow,
        "UPDATE tracks SET title = COALESCE($2, title), title_key = COALESCE($7, title_key), \
         album_id = COALESCE($3, album_id), \
         genre = CASE WHEN $4::text IS NULL THEN genre ELSE NULLIF($4, '') END, \
         release_year = COALESCE($5, release_year), track_number = COALESCE($6, track_number), \
         version = version + 1, updated_at = now() WHERE id = $1 \
         RETURNING id, artist_id, album_id, title, duration_ms, genre, release_year, track_number, audio_key, version",
        id,
        changes.title.map(str::trim),
        changes.album_id,
        changes.genre.map(str::trim),
        changes.release_year,
        changes.track_number,
        changes.title.map(crate::keys::key)
    )
    .fetch_one(&mut *conn)
    .await?;
    outbox::upsert(conn, row.body(), row.version).await?;
    if let Some(from) = left.filter(|from| *from != row.album_id) {
        for album in [from, row.album_id].into_iter().flatten() {
            remeasure_album(conn, album).await?;
        }
    }
    Ok(row)
}

/// The stored audio of a track: object key, media type, size, strong ETag,
/// and what was read from the file: its length, sample rate, bit depth and
/// channels.
#[derive(Debug)]
pub struct Audio<'a> {
    pub key: &'a str,
    pub content_type: &'a str,
    pub size: i64,
    pub etag: &'a str,
    pub duration_ms: i64,
    pub sample_rate: Option<i32>,
    /// Lossless formats only.
    pub bit_depth: Option<i16>,
    pub channels: Option<i16>,
    /// `mp3`, `flac`, `vorbis`, `opus` or `pcm`.
    pub codec: Option<&'a str>,
    /// EBU R128 integrated loudness and true peak, when they were measured.
    pub loudness_lufs: Option<f32>,
    pub true_peak_dbtp: Option<f32>,
}

/// The loudness (LUFS) and true peak (dBTP) already measured for audio with
/// this content hash, on any track: measuring decodes the whole file, and
/// the same bytes always measure the same.
pub async fn measured_loudness(
    db: &PgPool,
    etag: &str,
) -> Result<Option<(f32, Option<f32>)>, DbError> {
    let row = sqlx::query!(
        r#"SELECT loudness_lufs AS "loudness_lufs!", true_peak_dbtp FROM tracks
           WHERE audio_etag = $1 AND loudness_lufs IS NOT NULL LIMIT 1"#,
        etag
    )
    .fetch_optional(db)
    .await?;
    Ok(row.map(|r| (r.loudness_lufs, r.true_peak_dbtp)))
}

/// Points a track the caller has authorised at newly stored audio, takes
/// its length from the file, and writes it to the outbox.
pub async fn set_audio(
    conn: &mut PgConnection,
    id: Uuid,
    audio: &Audio<'_>,
) -> Result<TrackRow, DbError> {
    let row = sqlx::query_as!(
        TrackRow,
        "UPDATE tracks SET audio_key = $2, audio_content_type = $3, audio_size = $4, audio_etag = $5, \
         duration_ms = $6, audio_sample_rate = $7, audio_bit_depth = $8, audio_channels = $9, \
         audio_codec = $10, loudness_lufs = $11, true_peak_dbtp = $12, version = version + 1, updated_at = now() WHERE id = $1 \
         RETURNING id, artist_id, album_id, title, duration_ms, genre, release_year, track_number, audio_key, version",
        id,
        audio.key,
        audio.content_type,
        audio.size,
        audio.etag,
        audio.duration_ms,
        audio.sample_rate,
        audio.bit_depth,
        audio.channels,
        audio.codec,
        audio.loudness_lufs,
        audio.true_peak_dbtp
    )
    .fetch_one(&mut *conn)
    .await?;
    outbox::upsert(conn, row.body(), row.version).await?;
    if let Some(album) = row.album_id {
        remeasure_album(conn, album).await?;
    }
    Ok(row)
}

/// Deletes a track the caller has authorised (`row`, as it read it); the
/// playlists that held it are renumbered and republished.
pub async fn delete(conn: &mut PgConnection, row: &TrackRow) -> Result<(), DbError> {
    let affected = playlists::lock_containing(conn, &[row.id]).await?;
    sqlx::query!("DELETE FROM tracks WHERE id = $1", row.id)
        .execute(&mut *conn)
        .await?;
    outbox::delete(conn, EntityType::Track, row.id, row.version + 1).await?;
    if let Some(album) = row.album_id {
        remeasure_album(conn, album).await?;
    }
    playlists::renumber_and_publish(conn, &affected).await
}

/// Clears `album` from its tracks (the album is being deleted) and
/// publishes each change.
pub async fn detach_album(conn: &mut PgConnection, album: Uuid) -> Result<(), DbError> {
    let rows = sqlx::query_as!(
        TrackRow,
        "UPDATE tracks SET album_id = NULL, version = version + 1, updated_at = now() \
         WHERE album_id = $1 \
         RETURNING id, artist_id, album_id, title, duration_ms, genre, release_year, track_number, audio_key, version",
        album
    )
    .fetch_all(&mut *conn)
    .await?;
    for row in rows {
        outbox::upsert(conn, row.body(), row.version).await?;
    }
    Ok(())
}
