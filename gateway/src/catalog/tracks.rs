//! `/v1/tracks`: list, read, create, update, delete. Audio lives in [`crate::audio`].

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing;
use axum::Json;
use axum::Router;
use encore_core::catalog::edit::{self, tracks, tracks::TrackRow};
use serde::{Deserialize, Serialize};
use sqlx::PgPool;
use uuid::Uuid;

use super::{editor, YEARS};
use crate::auth::AuthUser;
use crate::checks::{clean, Checks};
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::extract::{JsonBody, PathParams, QueryParams};
use crate::outbox;
use crate::outbox::Wakeup;
use crate::paging::{Page, PageRequest};
use crate::state::AppState;
use crate::storage::Storage;

/// `/v1/tracks`.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/v1/tracks", routing::get(list).post(create))
        .route(
            "/v1/tracks/{id}",
            routing::get(get).patch(update).delete(delete),
        )
}

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
    let filter = tracks::Filter {
        artist: query.artist_id,
        album: query.album_id,
        genre: query.genre.as_deref(),
        year: query.year,
    };
    let rows = tracks::list(&db, &filter, page.after, page.fetch()).await?;
    let tracks = rows.into_iter().map(Track::from).collect();
    Ok(Json(Page::from_rows(tracks, page, |t| t.id)))
}

/// One track.
#[utoipa::path(get, path = "/v1/tracks/{id}", tag = "catalog", params(("id" = Uuid, Path)),
    responses((status = 200, body = Track), (status = 404, body = ErrorBody)))]
pub async fn get(
    State(db): State<PgPool>,
    PathParams(id): PathParams<Uuid>,
) -> ApiResult<Json<Track>> {
    let row = tracks::get(&db, id)
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
    edit::authorize_artist_field(&mut tx, editor(&user), body.artist_id).await?;
    tracks::check_album(&mut tx, body.album_id, body.artist_id).await?;
    let (genre, external_id) = (clean(body.genre), clean(body.external_id));
    let new = tracks::NewTrack {
        artist_id: body.artist_id,
        album_id: body.album_id,
        title: &body.title,
        duration_ms: body.duration_ms.unwrap_or(0),
        genre: genre.as_deref(),
        release_year: body.release_year,
        track_number: body.track_number,
        external_id: external_id.as_deref(),
    };
    let row = tracks::create(&mut tx, &new).await?;
    outbox::commit(&outbox, tx).await?;
    Ok((StatusCode::CREATED, Json(row.into())))
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
    let current = tracks::authorize(&mut tx, editor(&user), id).await?;
    tracks::check_album(&mut tx, body.album_id, current.artist_id).await?;
    let changes = tracks::TrackChanges {
        title: body.title.as_deref(),
        album_id: body.album_id,
        genre: body.genre.as_deref(),
        release_year: body.release_year,
        track_number: body.track_number,
    };
    let row = tracks::update(&mut tx, id, &changes).await?;
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
    let row = tracks::authorize(&mut tx, editor(&user), id).await?;
    tracks::delete(&mut tx, &row).await?;
    outbox::commit(&outbox, tx).await?;
    if let Some(key) = row.audio_key {
        if let Err(error) = storage.delete(&key).await {
            tracing::warn!(%error, %key, "deleting the audio of a deleted track failed");
        }
    }
    Ok(StatusCode::NO_CONTENT)
}
