//! `/v1/albums`: list, read, create, update, delete.

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing;
use axum::Json;
use axum::Router;
use encore_schemas::EntityType;
use serde::{Deserialize, Serialize};
use sqlx::PgPool;
use uuid::Uuid;

use super::artists::trimmed;
use super::{authorize_artist, authorize_artist_field, tracks, YEARS};
use crate::auth::AuthUser;
use crate::checks::{clean, Checks};
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::extract::{JsonBody, PathParams, QueryParams};
use crate::outbox::Wakeup;
use crate::outbox::{self, Body};
use crate::paging::{Page, PageRequest};
use crate::state::AppState;

/// `/v1/albums`.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/v1/albums", routing::get(list).post(create))
        .route(
            "/v1/albums/{id}",
            routing::get(get).patch(update).delete(delete),
        )
}

#[derive(Debug, Clone, Serialize, Deserialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct Album {
    pub id: Uuid,
    pub artist_id: Uuid,
    pub title: String,
    pub release_year: Option<i32>,
    pub genres: Vec<String>,
    pub cover_url: Option<String>,
    pub version: i64,
}

impl Album {
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

/// The columns [`Album`] reads, in its field order.
pub const COLUMNS: &str = "id, artist_id, title, release_year, genres, cover_url, version";

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListAlbums {
    pub artist_id: Option<Uuid>,
    pub genre: Option<String>,
    pub year: Option<i32>,
    /// 1 to 100, default 20.
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}

/// Lists albums in creation order, optionally of one artist, genre or year.
#[utoipa::path(get, path = "/v1/albums", tag = "catalog", params(ListAlbums),
    responses((status = 200, body = Page<Album>), (status = 400, body = ErrorBody)))]
pub async fn list(
    State(db): State<PgPool>,
    QueryParams(query): QueryParams<ListAlbums>,
) -> ApiResult<Json<Page<Album>>> {
    let page = PageRequest::new(query.limit, query.cursor.as_deref())?;
    let rows: Vec<Album> = sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM albums WHERE ($1::uuid IS NULL OR id > $1) \
         AND ($2::uuid IS NULL OR artist_id = $2) AND ($3::text IS NULL OR $3 = ANY(genres)) \
         AND ($4::int IS NULL OR release_year = $4) ORDER BY id LIMIT $5"
    ))
    .bind(page.after)
    .bind(query.artist_id)
    .bind(query.genre)
    .bind(query.year)
    .bind(page.fetch())
    .fetch_all(&db)
    .await?;
    Ok(Json(Page::from_rows(rows, page, |a| a.id)))
}

/// One album.
#[utoipa::path(get, path = "/v1/albums/{id}", tag = "catalog", params(("id" = Uuid, Path)),
    responses((status = 200, body = Album), (status = 404, body = ErrorBody)))]
pub async fn get(
    State(db): State<PgPool>,
    PathParams(id): PathParams<Uuid>,
) -> ApiResult<Json<Album>> {
    load(&db, id)
        .await?
        .map(Json)
        .ok_or_else(|| ApiError::not_found("album"))
}

async fn load(db: &sqlx::PgPool, id: Uuid) -> Result<Option<Album>, sqlx::Error> {
    sqlx::query_as(&format!("SELECT {COLUMNS} FROM albums WHERE id = $1"))
        .bind(id)
        .fetch_optional(db)
        .await
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateAlbum {
    pub artist_id: Uuid,
    #[schema(min_length = 1, max_length = 300)]
    pub title: String,
    #[schema(minimum = 1860, maximum = 2100)]
    pub release_year: Option<i32>,
    #[serde(default)]
    #[schema(max_items = 10)]
    pub genres: Vec<String>,
    pub cover_url: Option<String>,
    pub external_id: Option<String>,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateAlbum {
    #[schema(min_length = 1, max_length = 300)]
    pub title: Option<String>,
    #[schema(minimum = 1860, maximum = 2100)]
    pub release_year: Option<i32>,
    #[schema(max_items = 10)]
    pub genres: Option<Vec<String>>,
    /// Empty text clears it.
    pub cover_url: Option<String>,
}

fn check(
    title: Option<&str>,
    year: Option<i32>,
    genres: Option<&[String]>,
    cover: Option<&str>,
) -> ApiResult<()> {
    let mut checks = Checks::new();
    if let Some(title) = title {
        checks.text("title", title, 1, 300);
    }
    checks.range("release_year", year.map(i64::from), YEARS.0, YEARS.1);
    if let Some(genres) = genres {
        checks.genres("genres", genres, 10);
    }
    checks.optional_text("cover_url", cover, 500);
    checks.finish()
}

/// Creates an album of an artist the caller may edit.
#[utoipa::path(post, path = "/v1/albums", tag = "catalog", security(("bearer" = [])), request_body = CreateAlbum,
    responses((status = 201, body = Album), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn create(
    State(db): State<PgPool>,
    State(outbox): State<Wakeup>,
    user: AuthUser,
    JsonBody(body): JsonBody<CreateAlbum>,
) -> ApiResult<(StatusCode, Json<Album>)> {
    check(
        Some(&body.title),
        body.release_year,
        Some(&body.genres),
        body.cover_url.as_deref(),
    )?;
    let mut tx = db.begin().await?;
    authorize_artist_field(&mut tx, &user, body.artist_id).await?;
    let album: Album = sqlx::query_as(&format!(
        "INSERT INTO albums (id, artist_id, title, release_year, genres, cover_url, external_id) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING {COLUMNS}"
    ))
    .bind(Uuid::now_v7())
    .bind(body.artist_id)
    .bind(body.title.trim())
    .bind(body.release_year)
    .bind(trimmed(&body.genres))
    .bind(clean(body.cover_url))
    .bind(clean(body.external_id))
    .fetch_one(&mut *tx)
    .await?;
    outbox::upsert(&mut tx, album.body(), album.version).await?;
    outbox::commit(&outbox, tx).await?;
    Ok((StatusCode::CREATED, Json(album)))
}

/// Locks the album and authorises the caller on its artist.
pub(crate) async fn authorize(
    tx: &mut sqlx::PgConnection,
    user: &AuthUser,
    id: Uuid,
) -> ApiResult<()> {
    let artist: Option<Uuid> = sqlx::query_scalar("SELECT artist_id FROM albums WHERE id = $1")
        .bind(id)
        .fetch_optional(&mut *tx)
        .await?;
    let artist = artist.ok_or_else(|| ApiError::not_found("album"))?;
    authorize_artist(tx, user, artist).await
}

/// Changes an album's fields; absent fields stay as they are.
#[utoipa::path(patch, path = "/v1/albums/{id}", tag = "catalog", security(("bearer" = [])),
    params(("id" = Uuid, Path)), request_body = UpdateAlbum,
    responses((status = 200, body = Album), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn update(
    State(db): State<PgPool>,
    State(outbox): State<Wakeup>,
    user: AuthUser,
    PathParams(id): PathParams<Uuid>,
    JsonBody(body): JsonBody<UpdateAlbum>,
) -> ApiResult<Json<Album>> {
    check(
        body.title.as_deref(),
        body.release_year,
        body.genres.as_deref(),
        body.cover_url.as_deref(),
    )?;
    let mut tx = db.begin().await?;
    authorize(&mut tx, &user, id).await?;
    let album: Album = sqlx::query_as(&format!(
        "UPDATE albums SET title = COALESCE($2, title), release_year = COALESCE($3, release_year), \
         genres = COALESCE($4, genres), \
         cover_url = CASE WHEN $5::text IS NULL THEN cover_url ELSE NULLIF($5, '') END, \
         version = version + 1, updated_at = now() WHERE id = $1 RETURNING {COLUMNS}"
    ))
    .bind(id)
    .bind(body.title.as_deref().map(str::trim))
    .bind(body.release_year)
    .bind(body.genres.as_deref().map(trimmed))
    .bind(body.cover_url.as_deref().map(str::trim))
    .fetch_one(&mut *tx)
    .await?;
    outbox::upsert(&mut tx, album.body(), album.version).await?;
    outbox::commit(&outbox, tx).await?;
    Ok(Json(album))
}

/// Deletes an album; its tracks stay, without an album (each change published).
#[utoipa::path(delete, path = "/v1/albums/{id}", tag = "catalog", security(("bearer" = [])),
    params(("id" = Uuid, Path)),
    responses((status = 204), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody)))]
pub async fn delete(
    State(db): State<PgPool>,
    State(outbox): State<Wakeup>,
    user: AuthUser,
    PathParams(id): PathParams<Uuid>,
) -> ApiResult<StatusCode> {
    let mut tx = db.begin().await?;
    authorize(&mut tx, &user, id).await?;
    tracks::detach_album(&mut tx, id).await?;
    let version: i64 = sqlx::query_scalar("DELETE FROM albums WHERE id = $1 RETURNING version")
        .bind(id)
        .fetch_one(&mut *tx)
        .await?;
    outbox::delete(&mut tx, EntityType::Album, id, version + 1).await?;
    outbox::commit(&outbox, tx).await?;
    Ok(StatusCode::NO_CONTENT)
}
