//! `/v1/tracks`: list, read, create, update, delete. Audio lives in [`crate::audio`].

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing;
use axum::Json;
use axum::Router;
use encore_schemas::EntityType;
use serde::{Deserialize, Serialize};
use sqlx::PgConnection;
use sqlx::PgPool;
use uuid::Uuid;

use super::{authorize_artist, authorize_artist_field, YEARS};
use crate::auth::AuthUser;
use crate::checks::{clean, Checks};
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::extract::{JsonBody, PathParams, QueryParams};
use crate::outbox::Wakeup;
use crate::outbox::{self, Body};
use crate::paging::{Page, PageRequest};
use crate::state::AppState;
use crate::storage::Storage;
use encore_core::library::playlists;
use encore_core::DbError;

/// `/v1/tracks`.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/v1/tracks", routing::get(list).post(create))
        .route(
            "/v1/tracks/{id}",
            routing::get(get).patch(update).delete(delete),
        )
}

/// A track as stored.
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

pub const COLUMNS: &str =
    "id, artist_id, album_id, title, duration_ms, genre, release_year, track_number, audio_key, version";

/// A track as the API shows it.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Track {
    pub id: Uuid,
    pub artist_id: Uuid,
    pub album_id: Option<Uuid>,
    pub title: String,
    /// 0 until audio is uploaded, then read from the file.
    pub duration_ms: i64,
    pub genre: Option<String>,
    pub release_year: Option<i32>,
    pub track_number: Option<i32>,
    /// Where the audio streams from, once uploaded.
    pub stream_url: Option<String>,
    pub version: i64,
}

impl From<TrackRow> for Track {
    fn from(row: TrackRow) -> Self {
        Track {
            stream_url: row
                .audio_key
                .as_ref()
                .map(|_| format!("/v1/tracks/{}/stream", row.id)),
            id: row.id,
            artist_id: row.artist_id,
            album_id: row.album_id,
            title: row.title,
            duration_ms: row.duration_ms,
            genre: row.genre,
            release_year: row.release_year,
            track_number: row.track_number,
            version: row.version,
        }
    }
}

impl TrackRow {
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

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListTracks {
    pub artist_id: Option<Uuid>,
    pub album_id: Option<Uuid>,
    pub genre: Option<String>,
    pub year: Option<i32>,
    /// 1 to 100, default 20.
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}

/// Lists tracks in creation order, optionally of one artist, album, genre or year.
#[utoipa::path(get, path = "/v1/tracks", tag = "catalog", params(ListTracks),
    responses((status = 200, body = Page<Track>), (status = 400, body = ErrorBody)))]
pub async fn list(
    State(db): State<PgPool>,
    QueryParams(query): QueryParams<ListTracks>,
) -> ApiResult<Json<Page<Track>>> {
    let page = PageRequest::new(query.limit, query.cursor.as_deref())?;
    let rows: Vec<TrackRow> = sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM tracks WHERE ($1::uuid IS NULL OR id > $1) \
         AND ($2::uuid IS NULL OR artist_id = $2) AND ($3::uuid IS NULL OR album_id = $3) \
         AND ($4::text IS NULL OR genre = $4) AND ($5::int IS NULL OR release_year = $5) \
         ORDER BY id LIMIT $6"
    ))
    .bind(page.after)
    .bind(query.artist_id)
    .bind(query.album_id)
    .bind(query.genre)
    .bind(query.year)
    .bind(page.fetch())
    .fetch_all(&db)
    .await?;
    let tracks = rows.into_iter().map(Track::from).collect();
    Ok(Json(Page::from_rows(tracks, page, |t| t.id)))
}

pub async fn load(conn: &mut PgConnection, id: Uuid) -> Result<Option<TrackRow>, sqlx::Error> {
    sqlx::query_as(&format!("SELECT {COLUMNS} FROM tracks WHERE id = $1"))
        .bind(id)
        .fetch_optional(conn)
        .await
}

/// One track.
#[utoipa::path(get, path = "/v1/tracks/{id}", tag = "catalog", params(("id" = Uuid, Path)),
    responses((status = 200, body = Track), (status = 404, body = ErrorBody)))]
pub async fn get(
    State(db): State<PgPool>,
    PathParams(id): PathParams<Uuid>,
) -> ApiResult<Json<Track>> {
    let mut conn = db.acquire().await?;
    let row = load(&mut conn, id)
        .await?
        .ok_or_else(|| ApiError::not_found("track"))?;
    Ok(Json(row.into()))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateTrack {
    pub artist_id: Uuid,
    /// An album of the same artist.
    pub album_id: Option<Uuid>,
    #[schema(min_length = 1, max_length = 300)]
    pub title: String,
    /// Replaced by the audio file's duration when audio is uploaded.
    #[schema(minimum = 0, maximum = 86400000)]
    pub duration_ms: Option<i64>,
    #[schema(max_length = 50)]
    pub genre: Option<String>,
    #[schema(minimum = 1860, maximum = 2100)]
    pub release_year: Option<i32>,
    #[schema(minimum = 1, maximum = 999)]
    pub track_number: Option<i32>,
    pub external_id: Option<String>,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateTrack {
    #[schema(min_length = 1, max_length = 300)]
    pub title: Option<String>,
    /// An album of the track's artist.
    pub album_id: Option<Uuid>,
    /// Empty text clears it.
    #[schema(max_length = 50)]
    pub genre: Option<String>,
    #[schema(minimum = 1860, maximum = 2100)]
    pub release_year: Option<i32>,
    #[schema(minimum = 1, maximum = 999)]
    pub track_number: Option<i32>,
}

const MAX_DURATION_MS: i64 = 24 * 3_600_000;

fn check(
    title: Option<&str>,
    duration: Option<i64>,
    genre: Option<&str>,
    year: Option<i32>,
    number: Option<i32>,
) -> ApiResult<()> {
    let mut checks = Checks::new();
    if let Some(title) = title {
        checks.text("title", title, 1, 300);
    }
    checks.range("duration_ms", duration, 0, MAX_DURATION_MS);
    checks.optional_text("genre", genre, 50);
    checks.range("release_year", year.map(i64::from), YEARS.0, YEARS.1);
    checks.range("track_number", number.map(i64::from), 1, 999);
    checks.finish()
}

/// 422 unless `album` belongs to `artist`.
async fn check_album(conn: &mut PgConnection, album: Option<Uuid>, artist: Uuid) -> ApiResult<()> {
    let Some(album) = album else { return Ok(()) };
    let owner: Option<Uuid> = sqlx::query_scalar("SELECT artist_id FROM albums WHERE id = $1")
        .bind(album)
        .fetch_optional(conn)
        .await?;
    match owner {
        Some(owner) if owner == artist => Ok(()),
        Some(_) => Err(ApiError::invalid_field(
            "album_id",
            "belongs to another artist",
        )),
        None => Err(ApiError::invalid_field("album_id", "no such album")),
    }
}

/// Creates a track of an artist the caller may edit.
#[utoipa::path(post, path = "/v1/tracks", tag = "catalog", security(("bearer" = [])), request_body = CreateTrack,
    responses((status = 201, body = Track), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn create(
    State(db): State<PgPool>,
    State(outbox): State<Wakeup>,
    user: AuthUser,
    JsonBody(body): JsonBody<CreateTrack>,
) -> ApiResult<(StatusCode, Json<Track>)> {
    check(
        Some(&body.title),
        body.duration_ms,
        body.genre.as_deref(),
        body.release_year,
        body.track_number,
    )?;
    let mut tx = db.begin().await?;
    authorize_artist_field(&mut tx, &user, body.artist_id).await?;
    check_album(&mut tx, body.album_id, body.artist_id).await?;
    let row: TrackRow = sqlx::query_as(&format!(
        "INSERT INTO tracks (id, artist_id, album_id, title, duration_ms, genre, release_year, track_number, external_id, title_key) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING {COLUMNS}"
    ))
    .bind(Uuid::now_v7())
    .bind(body.artist_id)
    .bind(body.album_id)
    .bind(body.title.trim())
    .bind(body.duration_ms.unwrap_or(0))
    .bind(clean(body.genre))
    .bind(body.release_year)
    .bind(body.track_number)
    .bind(clean(body.external_id))
    .bind(encore_core::keys::key(&body.title))
    .fetch_one(&mut *tx)
    .await?;
    outbox::upsert(&mut tx, row.body(), row.version).await?;
    outbox::commit(&outbox, tx).await?;
    Ok((StatusCode::CREATED, Json(row.into())))
}

/// Locks the track and authorises the caller on its artist; returns the row.
pub async fn authorize(tx: &mut PgConnection, user: &AuthUser, id: Uuid) -> ApiResult<TrackRow> {
    let row = load(&mut *tx, id)
        .await?
        .ok_or_else(|| ApiError::not_found("track"))?;
    authorize_artist(&mut *tx, user, row.artist_id).await?;
    Ok(row)
}

/// Changes a track's fields; absent fields stay as they are.
#[utoipa::path(patch, path = "/v1/tracks/{id}", tag = "catalog", security(("bearer" = [])),
    params(("id" = Uuid, Path)), request_body = UpdateTrack,
    responses((status = 200, body = Track), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn update(
    State(db): State<PgPool>,
    State(outbox): State<Wakeup>,
    user: AuthUser,
    PathParams(id): PathParams<Uuid>,
    JsonBody(body): JsonBody<UpdateTrack>,
) -> ApiResult<Json<Track>> {
    check(
        body.title.as_deref(),
        None,
        body.genre.as_deref(),
        body.release_year,
        body.track_number,
    )?;
    let mut tx = db.begin().await?;
    let current = authorize(&mut tx, &user, id).await?;
    check_album(&mut tx, body.album_id, current.artist_id).await?;
    let row: TrackRow = sqlx::query_as(&format!(
        "UPDATE tracks SET title = COALESCE($2, title), title_key = COALESCE($7, title_key), album_id = COALESCE($3, album_id), \
         genre = CASE WHEN $4::text IS NULL THEN genre ELSE NULLIF($4, '') END, \
         release_year = COALESCE($5, release_year), track_number = COALESCE($6, track_number), \
         version = version + 1, updated_at = now() WHERE id = $1 RETURNING {COLUMNS}"
    ))
    .bind(id)
    .bind(body.title.as_deref().map(str::trim))
    .bind(body.album_id)
    .bind(body.genre.as_deref().map(str::trim))
    .bind(body.release_year)
    .bind(body.track_number)
    .bind(body.title.as_deref().map(encore_core::keys::key))
    .fetch_one(&mut *tx)
    .await?;
    outbox::upsert(&mut tx, row.body(), row.version).await?;
    outbox::commit(&outbox, tx).await?;
    Ok(Json(row.into()))
}

/// Deletes a track; playlists that held it are renumbered and republished.
#[utoipa::path(delete, path = "/v1/tracks/{id}", tag = "catalog", security(("bearer" = [])),
    params(("id" = Uuid, Path)),
    responses((status = 204), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody)))]
pub async fn delete(
    State(db): State<PgPool>,
    State(storage): State<Storage>,
    State(outbox): State<Wakeup>,
    user: AuthUser,
    PathParams(id): PathParams<Uuid>,
) -> ApiResult<StatusCode> {
    let mut tx = db.begin().await?;
    let row = authorize(&mut tx, &user, id).await?;
    let affected = playlists::lock_containing(&mut tx, &[id]).await?;
    sqlx::query("DELETE FROM tracks WHERE id = $1")
        .bind(id)
        .execute(&mut *tx)
        .await?;
    outbox::delete(&mut tx, EntityType::Track, id, row.version + 1).await?;
    playlists::renumber_and_publish(&mut tx, &affected).await?;
    outbox::commit(&outbox, tx).await?;
    if let Some(key) = row.audio_key {
        if let Err(error) = storage.delete(&key).await {
            tracing::warn!(%error, %key, "deleting the audio of a deleted track failed");
        }
    }
    Ok(StatusCode::NO_CONTENT)
}

/// Clears `album` from its tracks (the album is being deleted) and publishes each change.
pub async fn detach_album(tx: &mut PgConnection, album: Uuid) -> Result<(), DbError> {
    let rows: Vec<TrackRow> = sqlx::query_as(&format!(
        "UPDATE tracks SET album_id = NULL, version = version + 1, updated_at = now() \
         WHERE album_id = $1 RETURNING {COLUMNS}"
    ))
    .bind(album)
    .fetch_all(&mut *tx)
    .await?;
    for row in rows {
        outbox::upsert(&mut *tx, row.body(), row.version).await?;
    }
    Ok(())
}
