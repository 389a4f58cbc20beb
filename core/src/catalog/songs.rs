//! Songs (tracks) with their album and artist names and the listener's star
//! and rating: what Subsonic lists as `song`, `child` and `entry`.

use std::collections::HashMap;

use sqlx::PgPool;
use time::OffsetDateTime;
use uuid::Uuid;

use super::ordered;
use crate::DbError;

#[derive(Debug, Clone)]
pub struct Song {
    pub id: Uuid,
    pub title: String,
    pub duration_ms: i64,
    pub genre: Option<String>,
    pub release_year: Option<i32>,
    pub track_number: Option<i32>,
    pub audio_content_type: Option<String>,
    pub audio_size: Option<i64>,
    /// Read from the file at upload (none for audio stored before that).
    pub audio_sample_rate: Option<i32>,
    pub audio_bit_depth: Option<i16>,
    pub audio_channels: Option<i16>,
    /// `mp3`, `flac`, `vorbis`, `opus` or `pcm`, for audio uploaded since
    /// Encore reads it (migration 0017).
    pub audio_codec: Option<String>,
    /// EBU R128, measured at upload (migration 0017).
    pub loudness_lufs: Option<f32>,
    pub true_peak_dbtp: Option<f32>,
    /// Its album's, as a whole (migration 0021).
    pub album_loudness_lufs: Option<f32>,
    pub album_true_peak_dbtp: Option<f32>,
    pub created_at: OffsetDateTime,
    pub album_id: Option<Uuid>,
    pub album: Option<String>,
    pub artist_id: Uuid,
    pub artist: String,
    /// The album's artist, which a compilation's tracks do not share.
    pub album_artist_id: Option<Uuid>,
    pub album_artist: Option<String>,
    /// When the listener starred (liked) it.
    pub starred: Option<OffsetDateTime>,
    /// The listener's rating, 1 to 5.
    pub rating: Option<i16>,
    /// Whether its album has a cover (the cover is then the album's).
    pub has_cover: bool,
}

/// The songs of `ids` as `user` sees them, in the order of `ids`.
pub async fn by_ids(db: &PgPool, user: Uuid, ids: &[Uuid]) -> Result<Vec<Song>, DbError> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let rows = sqlx::query_as!(
        Song,
        // Driven by the ids: each one is an index lookup in every table,
        // whatever their sizes. With `WHERE t.id = ANY($2)` and one-row
        // subqueries, PostgreSQL hashed the whole albums table and scanned
        // the artists table once per row for its names (small tables look
        // cheapest read whole), 1.2 ms for 20 songs against 0.35 ms here.
        // The statement is prepared, and after its first five runs on a
        // connection PostgreSQL keeps the generic plan, so the joins cost
        // their planning only then.
        r#"SELECT t.id, t.title, t.duration_ms, t.genre, t.release_year, t.track_number,
                  t.audio_content_type, t.audio_size, t.audio_sample_rate, t.audio_bit_depth,
                  t.audio_channels, t.audio_codec, t.loudness_lufs, t.true_peak_dbtp,
                  al.loudness_lufs AS "album_loudness_lufs?", al.true_peak_dbtp AS "album_true_peak_dbtp?",
                  t.created_at,
                  t.album_id, al.title AS "album?", t.artist_id, ar.name AS "artist!",
                  al.artist_id AS "album_artist_id?", aa.name AS "album_artist?",
                  l.created_at AS "starred?", r.rating AS "rating?",
                  al.cover_key IS NOT NULL AS "has_cover!"
           FROM unnest($2::uuid[]) AS wanted(id)
           JOIN tracks t ON t.id = wanted.id
           JOIN artists ar ON ar.id = t.artist_id
           LEFT JOIN albums al ON al.id = t.album_id
           LEFT JOIN artists aa ON aa.id = al.artist_id
           LEFT JOIN track_likes l ON l.user_id = $1 AND l.track_id = t.id
           LEFT JOIN track_ratings r ON r.user_id = $1 AND r.track_id = t.id"#,
        user,
        ids
    )
    .fetch_all(db)
    .await?;
    Ok(ordered(rows, ids, |s| s.id))
}

/// One song, if it exists.
pub async fn one(db: &PgPool, user: Uuid, id: Uuid) -> Result<Option<Song>, DbError> {
    Ok(by_ids(db, user, &[id]).await?.pop())
}

/// An album's songs in track order.
pub async fn of_album(db: &PgPool, album: Uuid) -> Result<Vec<Uuid>, DbError> {
    Ok(sqlx::query_scalar!(
        "SELECT id FROM tracks WHERE album_id = $1 \
         ORDER BY track_number NULLS LAST, lower(title), id",
        album
    )
    .fetch_all(db)
    .await?)
}

/// An artist's songs in album order: albums by year, then their tracks.
pub async fn of_artist(db: &PgPool, artist: Uuid, limit: i64) -> Result<Vec<Uuid>, DbError> {
    Ok(sqlx::query_scalar!(
        "SELECT t.id FROM tracks t LEFT JOIN albums al ON al.id = t.album_id WHERE t.artist_id = $1 \
         ORDER BY al.release_year NULLS LAST, al.id, t.track_number NULLS LAST, t.id LIMIT $2",
        artist,
        limit
    )
    .fetch_all(db)
    .await?)
}

/// A playlist's songs in its order, repeats included.
pub async fn of_playlist(db: &PgPool, playlist: Uuid) -> Result<Vec<Uuid>, DbError> {
    Ok(sqlx::query_scalar!(
        "SELECT track_id FROM playlist_items WHERE playlist_id = $1 ORDER BY position",
        playlist
    )
    .fetch_all(db)
    .await?)
}

/// Up to `size` songs at random, of a genre (any case) and within years
/// when given.
pub async fn random(
    db: &PgPool,
    genre: Option<&str>,
    from_year: Option<i64>,
    to_year: Option<i64>,
    size: i64,
) -> Result<Vec<Uuid>, DbError> {
    Ok(sqlx::query_scalar!(
        "SELECT id FROM tracks WHERE ($1::text IS NULL OR lower(genre) = lower($1)) \
           AND ($2::bigint IS NULL OR release_year >= $2) \
           AND ($3::bigint IS NULL OR release_year <= $3) \
         ORDER BY random() LIMIT $4",
        genre,
        from_year,
        to_year,
        size
    )
    .fetch_all(db)
    .await?)
}

/// A page of a genre's songs (any case) by title.
pub async fn of_genre(
    db: &PgPool,
    genre: &str,
    size: i64,
    offset: i64,
) -> Result<Vec<Uuid>, DbError> {
    Ok(sqlx::query_scalar!(
        "SELECT id FROM tracks WHERE lower(genre) = lower($1) \
         ORDER BY lower(title), id LIMIT $2 OFFSET $3",
        genre,
        size,
        offset
    )
    .fetch_all(db)
    .await?)
}

/// A page of every song by title.
pub async fn by_title(db: &PgPool, size: i64, offset: i64) -> Result<Vec<Uuid>, DbError> {
    Ok(sqlx::query_scalar!(
        "SELECT id FROM tracks ORDER BY lower(title), id LIMIT $1 OFFSET $2",
        size,
        offset
    )
    .fetch_all(db)
    .await?)
}

/// The songs `user` starred, newest first.
pub async fn starred(db: &PgPool, user: Uuid) -> Result<Vec<Uuid>, DbError> {
    Ok(sqlx::query_scalar!(
        "SELECT track_id FROM track_likes WHERE user_id = $1 ORDER BY created_at DESC, track_id",
        user
    )
    .fetch_all(db)
    .await?)
}

/// The song `id` names and an album's songs in order: what "this song or
/// this album" stands for. Empty when `id` is neither.
pub async fn song_or_album(db: &PgPool, id: Uuid) -> Result<Vec<Uuid>, DbError> {
    Ok(sqlx::query_scalar!(
        r#"SELECT id AS "id!" FROM tracks WHERE id = $1 UNION ALL
           (SELECT id FROM tracks WHERE album_id = $1 ORDER BY track_number NULLS LAST, id)"#,
        id
    )
    .fetch_all(db)
    .await?)
}

/// The artist of song `id`, if it exists.
pub async fn artist_of(db: &PgPool, id: Uuid) -> Result<Option<Uuid>, DbError> {
    Ok(
        sqlx::query_scalar!("SELECT artist_id FROM tracks WHERE id = $1", id)
            .fetch_optional(db)
            .await?,
    )
}

/// A song's length in ms, if it exists.
pub async fn duration(db: &PgPool, id: Uuid) -> Result<Option<i64>, DbError> {
    Ok(
        sqlx::query_scalar!("SELECT duration_ms FROM tracks WHERE id = $1", id)
            .fetch_optional(db)
            .await?,
    )
}

/// The lengths in ms of those of `ids` that exist.
pub async fn durations(db: &PgPool, ids: &[Uuid]) -> Result<HashMap<Uuid, i64>, DbError> {
    let rows = sqlx::query!("SELECT id, duration_ms FROM tracks WHERE id = ANY($1)", ids)
        .fetch_all(db)
        .await?;
    Ok(rows.into_iter().map(|r| (r.id, r.duration_ms)).collect())
}

/// The album of each of `ids` that has one.
pub async fn albums_of(db: &PgPool, ids: &[Uuid]) -> Result<HashMap<Uuid, Uuid>, DbError> {
    let rows = sqlx::query!(
        r#"SELECT id, album_id AS "album_id!" FROM tracks WHERE id = ANY($1) AND album_id IS NOT NULL"#,
        ids
    )
    .fetch_all(db)
    .await?;
    Ok(rows.into_iter().map(|r| (r.id, r.album_id)).collect())
}

/// Whether the song exists.
pub async fn exists(db: &PgPool, id: Uuid) -> Result<bool, DbError> {
    Ok(sqlx::query_scalar!(
        r#"SELECT EXISTS (SELECT 1 FROM tracks WHERE id = $1) AS "exists!""#,
        id
    )
    .fetch_one(db)
    .await?)
}

/// The `limit` songs `user` liked last, newest first.
pub async fn liked_lately(db: &PgPool, user: Uuid, limit: i64) -> Result<Vec<Uuid>, DbError> {
    Ok(sqlx::query_scalar!(
        "SELECT track_id FROM track_likes WHERE user_id = $1 ORDER BY created_at DESC LIMIT $2",
        user,
        limit
    )
    .fetch_all(db)
    .await?)
}

/// A song's stored audio, as streams serve it.
#[derive(Debug, Clone)]
pub struct StoredAudio {
    pub key: String,
    pub content_type: String,
    pub size: i64,
    pub etag: String,
    pub duration_ms: i64,
    /// EBU R128, measured at upload (migration 0017).
    pub loudness_lufs: Option<f32>,
    pub true_peak_dbtp: Option<f32>,
    /// Its album's, as a whole (migration 0021).
    pub album_loudness_lufs: Option<f32>,
    pub album_true_peak_dbtp: Option<f32>,
}

/// The song's audio; `None` when the song does not exist or has none yet.
pub async fn audio(db: &PgPool, id: Uuid) -> Result<Option<StoredAudio>, DbError> {
    let row = sqlx::query!(
        r#"SELECT t.audio_key, t.audio_content_type, t.audio_size, t.audio_etag, t.duration_ms,
                  t.loudness_lufs, t.true_peak_dbtp,
                  al.loudness_lufs AS "album_loudness_lufs?", al.true_peak_dbtp AS "album_true_peak_dbtp?"
           FROM tracks t LEFT JOIN albums al ON al.id = t.album_id WHERE t.id = $1"#,
        id
    )
    .fetch_optional(db)
    .await?;
    Ok(row.and_then(|r| {
        Some(StoredAudio {
            key: r.audio_key?,
            content_type: r.audio_content_type?,
            size: r.audio_size?,
            etag: r.audio_etag?,
            duration_ms: r.duration_ms,
            loudness_lufs: r.loudness_lufs,
            true_peak_dbtp: r.true_peak_dbtp,
            album_loudness_lufs: r.album_loudness_lufs,
            album_true_peak_dbtp: r.album_true_peak_dbtp,
        })
    }))
}

/// A song found by its normalised title and artist name ([`crate::keys`]).
#[derive(Debug, Clone)]
pub struct Match {
    pub title_key: String,
    pub artist_key: String,
    pub id: Uuid,
    pub duration_ms: i64,
}

/// For each (title key, artist key) pair, the song with the lowest id that
/// has both, if any: how listen histories from elsewhere find our tracks.
pub async fn matching(
    db: &PgPool,
    titles: &[String],
    artists: &[String],
) -> Result<Vec<Match>, DbError> {
    Ok(sqlx::query_as!(
        Match,
        r#"SELECT DISTINCT ON (t.title_key, a.name_key) t.title_key, a.name_key AS artist_key,
                  t.id, t.duration_ms
           FROM tracks t JOIN artists a ON a.id = t.artist_id
           WHERE (t.title_key, a.name_key) IN (SELECT * FROM UNNEST($1::text[], $2::text[]))
           ORDER BY t.title_key, a.name_key, t.id"#,
        titles,
        artists
    )
    .fetch_all(db)
    .await?)
}

/// How many songs the catalogue holds.
pub async fn count(db: &PgPool) -> Result<i64, DbError> {
    Ok(
        sqlx::query_scalar!(r#"SELECT count(*) AS "n!" FROM tracks"#)
            .fetch_one(db)
            .await?,
    )
}
