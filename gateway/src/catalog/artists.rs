//! `/v1/artists`: list, read, create, update, delete.

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing;
use axum::Json;
use axum::Router;
use encore_schemas::EntityType;
use serde::{Deserialize, Serialize};
use sqlx::PgPool;
use uuid::Uuid;

use super::authorize_artist;
use crate::auth::{AuthUser, Role};
use crate::checks::{clean, Checks};
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::extract::{JsonBody, PathParams, QueryParams};
use crate::outbox::Wakeup;
use crate::outbox::{self, Body};
use crate::paging::{Page, PageRequest};
use crate::state::AppState;
use encore_core::library::playlists;

/// `/v1/artists`.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/v1/artists", routing::get(list).post(create))
        .route(
            "/v1/artists/{id}",
            routing::get(get).patch(update).delete(delete),
        )
}

#[derive(Debug, Clone, Serialize, Deserialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct Artist {
    pub id: Uuid,
    pub name: String,
    pub genres: Vec<String>,
    /// ISO 3166-1 alpha-2.
    pub country: Option<String>,
    pub image_url: Option<String>,
    /// Bumped by every change.
    pub version: i64,
}

impl Artist {
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

/// The columns [`Artist`] reads, in its field order.
pub const COLUMNS: &str = "id, name, genres, country, image_url, version";

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListArtists {
    /// Only artists with this genre.
    pub genre: Option<String>,
    /// 1 to 100, default 20.
    pub limit: Option<i64>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// Lists artists in creation order.
#[utoipa::path(get, path = "/v1/artists", tag = "catalog", params(ListArtists),
    responses((status = 200, body = Page<Artist>), (status = 400, body = ErrorBody)))]
pub async fn list(
    State(db): State<PgPool>,
    QueryParams(query): QueryParams<ListArtists>,
) -> ApiResult<Json<Page<Artist>>> {
    let page = PageRequest::new(query.limit, query.cursor.as_deref())?;
    let rows: Vec<Artist> = sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM artists \
         WHERE ($1::uuid IS NULL OR id > $1) AND ($2::text IS NULL OR $2 = ANY(genres)) \
         ORDER BY id LIMIT $3"
    ))
    .bind(page.after)
    .bind(query.genre)
    .bind(page.fetch())
    .fetch_all(&db)
    .await?;
    Ok(Json(Page::from_rows(rows, page, |a| a.id)))
}

/// One artist.
#[utoipa::path(get, path = "/v1/artists/{id}", tag = "catalog", params(("id" = Uuid, Path)),
    responses((status = 200, body = Artist), (status = 404, body = ErrorBody)))]
pub async fn get(
    State(db): State<PgPool>,
    PathParams(id): PathParams<Uuid>,
) -> ApiResult<Json<Artist>> {
    let row: Option<Artist> =
        sqlx::query_as(&format!("SELECT {COLUMNS} FROM artists WHERE id = $1"))
            .bind(id)
            .fetch_optional(&db)
            .await?;
    row.map(Json).ok_or_else(|| ApiError::not_found("artist"))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateArtist {
    #[schema(min_length = 1, max_length = 200)]
    pub name: String,
    #[serde(default)]
    #[schema(max_items = 10)]
    pub genres: Vec<String>,
    /// ISO 3166-1 alpha-2, such as GB.
    #[schema(pattern = "^[A-Z]{2}$")]
    pub country: Option<String>,
    pub image_url: Option<String>,
    /// An id in the source this artist was imported from; unique.
    pub external_id: Option<String>,
}

#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateArtist {
    #[schema(min_length = 1, max_length = 200)]
    pub name: Option<String>,
    #[schema(max_items = 10)]
    pub genres: Option<Vec<String>>,
    /// Empty text clears it.
    pub country: Option<String>,
    /// Empty text clears it.
    pub image_url: Option<String>,
}

fn check(
    name: Option<&str>,
    genres: Option<&[String]>,
    country: Option<&str>,
    image_url: Option<&str>,
) -> ApiResult<()> {
    let mut checks = Checks::new();
    if let Some(name) = name {
        checks.text("name", name, 1, 200);
    }
    if let Some(genres) = genres {
        checks.genres("genres", genres, 10);
    }
    if let Some(country) = country.map(str::trim).filter(|c| !c.is_empty()) {
        if country.len() != 2 || !country.chars().all(|c| c.is_ascii_uppercase()) {
            checks.fail("country", "must be an ISO 3166-1 alpha-2 code such as GB");
        }
    }
    checks.optional_text("image_url", image_url, 500);
    checks.finish()
}

/// Creates an artist. Artist accounts become its members; admins may create any.
#[utoipa::path(post, path = "/v1/artists", tag = "catalog", security(("bearer" = [])), request_body = CreateArtist,
    responses((status = 201, body = Artist), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn create(
    State(db): State<PgPool>,
    State(outbox): State<Wakeup>,
    user: AuthUser,
    JsonBody(body): JsonBody<CreateArtist>,
) -> ApiResult<(StatusCode, Json<Artist>)> {
    if user.role == Role::Listener {
        return Err(ApiError::forbidden(
            "only artist accounts and admins may create artists",
        ));
    }
    check(
        Some(&body.name),
        Some(&body.genres),
        body.country.as_deref(),
        body.image_url.as_deref(),
    )?;
    let mut tx = db.begin().await?;
    let artist: Artist = sqlx::query_as(&format!(
        "INSERT INTO artists (id, name, genres, country, image_url, external_id, name_key) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING {COLUMNS}"
    ))
    .bind(Uuid::now_v7())
    .bind(body.name.trim())
    .bind(trimmed(&body.genres))
    .bind(clean(body.country))
    .bind(clean(body.image_url))
    .bind(clean(body.external_id))
    .bind(encore_core::keys::key(&body.name))
    .fetch_one(&mut *tx)
    .await?;
    if user.role == Role::Artist {
        sqlx::query("INSERT INTO artist_members (artist_id, user_id) VALUES ($1, $2)")
            .bind(artist.id)
            .bind(user.id)
            .execute(&mut *tx)
            .await?;
    }
    outbox::upsert(&mut tx, artist.body(), artist.version).await?;
    outbox::commit(&outbox, tx).await?;
    Ok((StatusCode::CREATED, Json(artist)))
}

/// Changes an artist's fields; absent fields stay as they are.
#[utoipa::path(patch, path = "/v1/artists/{id}", tag = "catalog", security(("bearer" = [])),
    params(("id" = Uuid, Path)), request_body = UpdateArtist,
    responses((status = 200, body = Artist), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn update(
    State(db): State<PgPool>,
    State(outbox): State<Wakeup>,
    user: AuthUser,
    PathParams(id): PathParams<Uuid>,
    JsonBody(body): JsonBody<UpdateArtist>,
) -> ApiResult<Json<Artist>> {
    check(
        body.name.as_deref(),
        body.genres.as_deref(),
        body.country.as_deref(),
        body.image_url.as_deref(),
    )?;
    let mut tx = db.begin().await?;
    authorize_artist(&mut tx, &user, id).await?;
    let artist: Artist = sqlx::query_as(&format!(
        "UPDATE artists SET name = COALESCE($2, name), name_key = COALESCE($6, name_key), genres = COALESCE($3, genres), \
         country = CASE WHEN $4::text IS NULL THEN country ELSE NULLIF($4, '') END, \
         image_url = CASE WHEN $5::text IS NULL THEN image_url ELSE NULLIF($5, '') END, \
         version = version + 1, updated_at = now() WHERE id = $1 RETURNING {COLUMNS}"
    ))
    .bind(id)
    .bind(body.name.as_deref().map(str::trim))
    .bind(body.genres.as_deref().map(trimmed))
    .bind(body.country.as_deref().map(str::trim))
    .bind(body.image_url.as_deref().map(str::trim))
    .bind(body.name.as_deref().map(encore_core::keys::key))
    .fetch_one(&mut *tx)
    .await?;
    outbox::upsert(&mut tx, artist.body(), artist.version).await?;
    outbox::commit(&outbox, tx).await?;
    Ok(Json(artist))
}

/// Deletes an artist with its albums and tracks (each deletion is published).
#[utoipa::path(delete, path = "/v1/artists/{id}", tag = "catalog", security(("bearer" = [])),
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
    authorize_artist(&mut tx, &user, id).await?;
    let tracks: Vec<(Uuid, i64)> = sqlx::query_as(
        "SELECT id, version FROM tracks WHERE artist_id = $1 ORDER BY id FOR UPDATE",
    )
    .bind(id)
    .fetch_all(&mut *tx)
    .await?;
    let track_ids: Vec<Uuid> = tracks.iter().map(|t| t.0).collect();
    let affected_playlists = playlists::lock_containing(&mut tx, &track_ids).await?;
    let albums: Vec<(Uuid, i64)> =
        sqlx::query_as("DELETE FROM albums WHERE artist_id = $1 RETURNING id, version")
            .bind(id)
            .fetch_all(&mut *tx)
            .await?;
    let version: i64 = sqlx::query_scalar("DELETE FROM artists WHERE id = $1 RETURNING version")
        .bind(id)
        .fetch_one(&mut *tx)
        .await?;
    for (track, v) in &tracks {
        outbox::delete(&mut tx, EntityType::Track, *track, v + 1).await?;
    }
    for (album, v) in &albums {
        outbox::delete(&mut tx, EntityType::Album, *album, v + 1).await?;
    }
    outbox::delete(&mut tx, EntityType::Artist, id, version + 1).await?;
    playlists::renumber_and_publish(&mut tx, &affected_playlists).await?;
    outbox::commit(&outbox, tx).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Genres trimmed, as stored.
pub fn trimmed(genres: &[String]) -> Vec<String> {
    genres.iter().map(|g| g.trim().to_string()).collect()
}
