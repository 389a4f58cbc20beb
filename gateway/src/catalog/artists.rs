//! `/v1/artists`: list, read, create, update, delete.

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing;
use axum::Json;
use axum::Router;
pub use encore_core::catalog::edit::trimmed;
use encore_core::catalog::edit::{self, artists, artists::ArtistRow};
use serde::{Deserialize, Serialize};
use sqlx::PgPool;
use uuid::Uuid;

use super::editor;
use crate::auth::{AuthUser, Role};
use crate::checks::{clean, Checks};
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::extract::{JsonBody, PathParams, QueryParams};
use crate::outbox;
use crate::outbox::Wakeup;
use crate::paging::{Page, PageRequest};
use crate::state::AppState;

/// `/v1/artists`.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/v1/artists", routing::get(list).post(create))
        .route(
            "/v1/artists/{id}",
            routing::get(get).patch(update).delete(delete),
        )
}

#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
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

impl From<ArtistRow> for Artist {
    fn from(row: ArtistRow) -> Self {
        Artist {
            id: row.id,
            name: row.name,
            genres: row.genres,
            country: row.country,
            image_url: row.image_url,
            version: row.version,
        }
    }
}

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
    let rows = artists::list(&db, query.genre.as_deref(), page.after, page.fetch()).await?;
    let rows = rows.into_iter().map(Artist::from).collect();
    Ok(Json(Page::from_rows(rows, page, |a| a.id)))
}

/// One artist.
#[utoipa::path(get, path = "/v1/artists/{id}", tag = "catalog", params(("id" = Uuid, Path)),
    responses((status = 200, body = Artist), (status = 404, body = ErrorBody)))]
pub async fn get(
    State(db): State<PgPool>,
    PathParams(id): PathParams<Uuid>,
) -> ApiResult<Json<Artist>> {
    let row = artists::get(&db, id).await?;
    row.map(|r| Json(r.into()))
        .ok_or_else(|| ApiError::not_found("artist"))
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
    let genres = trimmed(&body.genres);
    let (country, image_url) = (clean(body.country), clean(body.image_url));
    let external_id = clean(body.external_id);
    let new = artists::NewArtist {
        name: &body.name,
        genres: &genres,
        country: country.as_deref(),
        image_url: image_url.as_deref(),
        external_id: external_id.as_deref(),
    };
    let member = (user.role == Role::Artist).then_some(user.id);
    let artist = artists::create(&mut tx, &new, member).await?;
    outbox::commit(&outbox, tx).await?;
    Ok((StatusCode::CREATED, Json(artist.into())))
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
    edit::authorize_artist(&mut tx, editor(&user), id).await?;
    let genres = body.genres.as_deref().map(trimmed);
    let changes = artists::ArtistChanges {
        name: body.name.as_deref(),
        genres: genres.as_deref(),
        country: body.country.as_deref(),
        image_url: body.image_url.as_deref(),
    };
    let artist = artists::update(&mut tx, id, &changes).await?;
    outbox::commit(&outbox, tx).await?;
    Ok(Json(artist.into()))
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
    edit::authorize_artist(&mut tx, editor(&user), id).await?;
    artists::delete(&mut tx, id).await?;
    outbox::commit(&outbox, tx).await?;
    Ok(StatusCode::NO_CONTENT)
}
