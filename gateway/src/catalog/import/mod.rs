//! Bulk catalog import and listen matching, for `ingest`.
//!
//! `POST /v1/admin/import` takes up to 1,000 rows (artists, albums, tracks)
//! identified by their source's external ids, and upserts each: created if
//! the external id is new, updated (version bumped, change published) if a
//! field differs, left alone if nothing does. Each row runs in its own
//! savepoint, so a bad row is reported and the others go in. Parents must
//! come before their children (an album's artist, a track's artist and album),
//! in the same request or an earlier one.
//!
//! `POST /v1/catalog/match` finds tracks by artist name and title, compared
//! by their normalised keys ([`super::keys`]).

use axum::extract::State;
use axum::Json;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sqlx::PgConnection;
use uuid::Uuid;

use super::artists::{trimmed, Artist};
use super::keys::key;
use super::tracks::{TrackRow, COLUMNS as TRACK_COLUMNS};
use super::YEARS;
use crate::auth::AuthUser;
use crate::checks::{clean, Checks};
use crate::error::{ApiError, ApiResult, ErrorBody, FieldError};
use crate::extract::JsonBody;
use crate::outbox::{self, Body};
use crate::AppState;

pub const MAX_ROWS: usize = 1_000;

/// One row of an import.
#[derive(Debug, Clone, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(tag = "kind", rename_all = "lowercase", deny_unknown_fields)]
pub enum ImportRow {
    Artist {
        external_id: String,
        name: String,
        #[serde(default)]
        genres: Vec<String>,
        country: Option<String>,
    },
    Album {
        external_id: String,
        artist_external_id: String,
        title: String,
        release_year: Option<i32>,
        #[serde(default)]
        genres: Vec<String>,
    },
    Track {
        external_id: String,
        artist_external_id: String,
        album_external_id: Option<String>,
        title: String,
        duration_ms: Option<i64>,
        genre: Option<String>,
        release_year: Option<i32>,
        track_number: Option<i32>,
    },
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ImportRequest {
    /// 1 to 1,000 rows; each is checked on its own.
    #[schema(value_type = Vec<ImportRow>)]
    pub rows: Vec<Value>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    Created,
    Updated,
    Unchanged,
    Rejected,
}

#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct RowResult {
    pub status: Outcome,
    /// The entity's id, unless rejected.
    pub id: Option<Uuid>,
    /// Why a row was rejected.
    pub errors: Vec<FieldError>,
}

#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ImportResponse {
    /// One per row, in order.
    pub results: Vec<RowResult>,
}

/// Upserts catalog rows by external id.
#[utoipa::path(post, path = "/v1/admin/import", tag = "admin", security(("bearer" = [])), request_body = ImportRequest,
    responses((status = 200, body = ImportResponse), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody)))]
pub async fn import(
    State(state): State<AppState>,
    user: AuthUser,
    JsonBody(body): JsonBody<ImportRequest>,
) -> ApiResult<Json<ImportResponse>> {
    user.require_admin()?;
    if body.rows.is_empty() || body.rows.len() > MAX_ROWS {
        return Err(ApiError::invalid_field(
            "rows",
            format!("must hold 1 to {MAX_ROWS} rows"),
        ));
    }
    let mut tx = state.db.begin().await?;
    let mut results = Vec::with_capacity(body.rows.len());
    for raw in body.rows {
        let row = match serde_json::from_value::<ImportRow>(raw) {
            Ok(row) => row,
            Err(e) => {
                results.push(rejected(vec![field("row", e.to_string())]));
                continue;
            }
        };
        if let Err(errors) = check(&row) {
            results.push(rejected(errors));
            continue;
        }
        let mut savepoint = sqlx::Connection::begin(&mut *tx).await?;
        match upsert(&mut savepoint, &row).await {
            Ok((status, id)) => {
                savepoint.commit().await?;
                results.push(RowResult {
                    status,
                    id: Some(id),
                    errors: Vec::new(),
                });
            }
            Err(error) => {
                savepoint.rollback().await?;
                if error.status.is_server_error() {
                    return Err(error);
                }
                let errors = if error.fields.is_empty() {
                    vec![field("row", error.message)]
                } else {
                    error.fields
                };
                results.push(rejected(errors));
            }
        }
    }
    outbox::commit(&state, tx).await?;
    Ok(Json(ImportResponse { results }))
}

fn field(name: &str, message: String) -> FieldError {
    FieldError {
        index: None,
        field: name.to_string(),
        message,
    }
}

fn rejected(errors: Vec<FieldError>) -> RowResult {
    RowResult {
        status: Outcome::Rejected,
        id: None,
        errors,
    }
}

fn check(row: &ImportRow) -> Result<(), Vec<FieldError>> {
    let mut checks = Checks::new();
    let external = |checks: &mut Checks, name: &str, id: &str| checks.text(name, id, 1, 200);
    match row {
        ImportRow::Artist {
            external_id,
            name,
            genres,
            country,
        } => {
            external(&mut checks, "external_id", external_id);
            checks.text("name", name, 1, 200);
            checks.genres("genres", genres, 10);
            checks.optional_text("country", country.as_deref(), 2);
        }
        ImportRow::Album {
            external_id,
            artist_external_id,
            title,
            release_year,
            genres,
        } => {
            external(&mut checks, "external_id", external_id);
            external(&mut checks, "artist_external_id", artist_external_id);
            checks.text("title", title, 1, 300);
            checks.range(
                "release_year",
                release_year.map(i64::from),
                YEARS.0,
                YEARS.1,
            );
            checks.genres("genres", genres, 10);
        }
        ImportRow::Track {
            external_id,
            artist_external_id,
            title,
            duration_ms,
            genre,
            release_year,
            track_number,
            ..
        } => {
            external(&mut checks, "external_id", external_id);
            external(&mut checks, "artist_external_id", artist_external_id);
            checks.text("title", title, 1, 300);
            checks.range("duration_ms", *duration_ms, 0, 24 * 3_600_000);
            checks.optional_text("genre", genre.as_deref(), 50);
            checks.range(
                "release_year",
                release_year.map(i64::from),
                YEARS.0,
                YEARS.1,
            );
            checks.range("track_number", track_number.map(i64::from), 1, 999);
        }
    }
    checks.finish().map_err(|e| e.fields)
}

/// The id of the entity with `external_id` in `table`.
async fn by_external(
    conn: &mut PgConnection,
    table: &'static str,
    external_id: &str,
    field: &str,
) -> ApiResult<Uuid> {
    let sql = match table {
        "artists" => "SELECT id FROM artists WHERE external_id = $1",
        _ => "SELECT id FROM albums WHERE external_id = $1",
    };
    let id: Option<Uuid> = sqlx::query_scalar(sql)
        .bind(external_id)
        .fetch_optional(conn)
        .await?;
    id.ok_or_else(|| {
        ApiError::invalid_field(
            field,
            format!(
                "no {} with external id {external_id:?} (import it first)",
                &table[..table.len() - 1]
            ),
        )
    })
}

async fn upsert(conn: &mut PgConnection, row: &ImportRow) -> ApiResult<(Outcome, Uuid)> {
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
            let artist =
                by_external(conn, "artists", artist_external_id, "artist_external_id").await?;
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
            let artist =
                by_external(conn, "artists", artist_external_id, "artist_external_id").await?;
            let album = match album_external_id.as_deref().filter(|a| !a.is_empty()) {
                Some(a) => Some(by_external(conn, "albums", a, "album_external_id").await?),
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
) -> ApiResult<(Outcome, Uuid)> {
    let existing: Option<Artist> = sqlx::query_as(
        "SELECT id, name, genres, country, image_url, version FROM artists WHERE external_id = $1 FOR UPDATE",
    )
    .bind(external_id)
    .fetch_optional(&mut *conn)
    .await?;
    if let Some(a) = &existing {
        if a.name == name && a.genres == genres && a.country == country {
            return Ok((Outcome::Unchanged, a.id));
        }
    }
    let saved: Artist = sqlx::query_as(
        "INSERT INTO artists (id, name, genres, country, external_id, name_key) VALUES ($1, $2, $3, $4, $5, $6) \
         ON CONFLICT (external_id) DO UPDATE SET name = EXCLUDED.name, genres = EXCLUDED.genres, \
           country = EXCLUDED.country, name_key = EXCLUDED.name_key, version = artists.version + 1, updated_at = now() \
         RETURNING id, name, genres, country, image_url, version",
    )
    .bind(Uuid::now_v7())
    .bind(name)
    .bind(genres)
    .bind(&country)
    .bind(external_id)
    .bind(key(name))
    .fetch_one(&mut *conn)
    .await?;
    let body = Body::Artist(encore_schemas::Artist {
        id: saved.id,
        name: saved.name.clone(),
        genres: saved.genres.clone(),
        country: saved.country.clone(),
        image_url: saved.image_url.clone(),
    });
    outbox::upsert(conn, body, saved.version).await?;
    Ok((
        if existing.is_some() {
            Outcome::Updated
        } else {
            Outcome::Created
        },
        saved.id,
    ))
}

#[derive(sqlx::FromRow)]
struct AlbumRow {
    id: Uuid,
    artist_id: Uuid,
    title: String,
    release_year: Option<i32>,
    genres: Vec<String>,
    cover_url: Option<String>,
    version: i64,
}

async fn album(
    conn: &mut PgConnection,
    external_id: &str,
    artist: Uuid,
    title: &str,
    release_year: Option<i32>,
    genres: &[String],
) -> ApiResult<(Outcome, Uuid)> {
    const COLUMNS: &str = "id, artist_id, title, release_year, genres, cover_url, version";
    let existing: Option<AlbumRow> = sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM albums WHERE external_id = $1 FOR UPDATE"
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
    let saved: AlbumRow = sqlx::query_as(&format!(
        "INSERT INTO albums (id, artist_id, title, release_year, genres, external_id) VALUES ($1, $2, $3, $4, $5, $6) \
         ON CONFLICT (external_id) DO UPDATE SET artist_id = EXCLUDED.artist_id, title = EXCLUDED.title, \
           release_year = EXCLUDED.release_year, genres = EXCLUDED.genres, version = albums.version + 1, updated_at = now() \
         RETURNING {COLUMNS}"
    ))
    .bind(Uuid::now_v7())
    .bind(artist)
    .bind(title)
    .bind(release_year)
    .bind(genres)
    .bind(external_id)
    .fetch_one(&mut *conn)
    .await?;
    let body = Body::Album(encore_schemas::Album {
        id: saved.id,
        artist_id: saved.artist_id,
        title: saved.title.clone(),
        release_year: saved.release_year,
        genres: saved.genres.clone(),
        cover_url: saved.cover_url.clone(),
    });
    outbox::upsert(conn, body, saved.version).await?;
    Ok((
        if existing.is_some() {
            Outcome::Updated
        } else {
            Outcome::Created
        },
        saved.id,
    ))
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
) -> ApiResult<(Outcome, Uuid)> {
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
    Ok((
        if existing.is_some() {
            Outcome::Updated
        } else {
            Outcome::Created
        },
        saved.id,
    ))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MatchRequest {
    /// 1 to 1,000 listens to find.
    pub items: Vec<MatchItem>,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct MatchItem {
    pub artist: String,
    pub title: String,
}

#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Matched {
    /// The matching track, if the catalog has one.
    pub track_id: Option<Uuid>,
    pub duration_ms: Option<i64>,
}

#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct MatchResponse {
    /// One per item, in order.
    pub results: Vec<Matched>,
}

/// Finds catalog tracks by artist name and title, ignoring case, accents and punctuation.
#[utoipa::path(post, path = "/v1/catalog/match", tag = "catalog", security(("bearer" = [])), request_body = MatchRequest,
    responses((status = 200, body = MatchResponse), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody)))]
pub async fn match_tracks(
    State(state): State<AppState>,
    _user: AuthUser,
    JsonBody(body): JsonBody<MatchRequest>,
) -> ApiResult<Json<MatchResponse>> {
    if body.items.is_empty() || body.items.len() > MAX_ROWS {
        return Err(ApiError::invalid_field(
            "items",
            format!("must hold 1 to {MAX_ROWS} items"),
        ));
    }
    let titles: Vec<String> = body.items.iter().map(|i| key(&i.title)).collect();
    let artists: Vec<String> = body.items.iter().map(|i| key(&i.artist)).collect();
    let found: Vec<(String, String, Uuid, i64)> = sqlx::query_as(
        "SELECT DISTINCT ON (t.title_key, a.name_key) t.title_key, a.name_key, t.id, t.duration_ms \
         FROM tracks t JOIN artists a ON a.id = t.artist_id \
         WHERE (t.title_key, a.name_key) IN (SELECT * FROM UNNEST($1::text[], $2::text[])) \
         ORDER BY t.title_key, a.name_key, t.id",
    )
    .bind(&titles)
    .bind(&artists)
    .fetch_all(&state.db)
    .await?;
    let results = titles
        .iter()
        .zip(&artists)
        .map(|(t, a)| {
            let hit = found.iter().find(|(ft, fa, _, _)| ft == t && fa == a);
            Matched {
                track_id: hit.map(|h| h.2),
                duration_ms: hit.map(|h| h.3),
            }
        })
        .collect();
    Ok(Json(MatchResponse { results }))
}

/// Fills normalised keys of rows written before they existed.
pub async fn backfill_keys(db: &sqlx::PgPool) -> Result<(), sqlx::Error> {
    let artists: Vec<(Uuid, String)> =
        sqlx::query_as("SELECT id, name FROM artists WHERE name_key = ''")
            .fetch_all(db)
            .await?;
    for (id, name) in artists {
        sqlx::query("UPDATE artists SET name_key = $2 WHERE id = $1")
            .bind(id)
            .bind(key(&name))
            .execute(db)
            .await?;
    }
    let tracks: Vec<(Uuid, String)> =
        sqlx::query_as("SELECT id, title FROM tracks WHERE title_key = ''")
            .fetch_all(db)
            .await?;
    for (id, title) in tracks {
        sqlx::query("UPDATE tracks SET title_key = $2 WHERE id = $1")
            .bind(id)
            .bind(key(&title))
            .execute(db)
            .await?;
    }
    Ok(())
}
