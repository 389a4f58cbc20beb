//! `/v1/albums`: list, read, create, update, delete.

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing;
use axum::Json;
use axum::Router;
use encore_core::catalog::edit::{self, albums, albums::AlbumRow};
use serde::{Deserialize, Serialize};
use sqlx::PgPool;
use uuid::Uuid;

use super::artists::trimmed;
use super::{editor, YEARS};
use crate::auth::AuthUser;
use crate::checks::{clean, Checks};
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::extract::{JsonBody, PathParams, QueryParams};
use crate::outbox;
use crate::outbox::Wakeup;
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

#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Album {
    pub id: Uuid,
    pub artist_id: Uuid,
    pub title: String,
    pub release_year: Option<i32>,
    pub genres: Vec<String>,
    pub cover_url: Option<String>,
    pub version: i64,
}

impl From<AlbumRow> for Album {
    fn from(row: AlbumRow) -> Self {
        Album {
            id: row.id,
            artist_id: row.artist_id,
            title: row.title,
            release_year: row.release_year,
            genres: row.genres,
            cover_url: row.cover_url,
            version: row.version,
        }
    }
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListAlbums {
    pub artist_id: Option<Uuid>,
    pub genre: Option<String>,
    pub year: Option<i32>,
    /// Released in the decade starting this year (1980 for the eighties);
    /// not with `year`.
    pub decade: Option<i32>,
    /// 1 to 100, default 20.
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}

/// The years `year` or `decade` asks for, both ends included.
fn years(year: Option<i32>, decade: Option<i32>) -> ApiResult<Option<(i32, i32)>> {
    match (year, decade) {
        (Some(_), Some(_)) => Err(ApiError::invalid_field(
            "decade",
            "give year or decade, not both",
        )),
        (Some(year), None) => Ok(Some((year, year))),
        (None, Some(decade))
            if decade % 10 != 0 || !(YEARS.0..=YEARS.1).contains(&i64::from(decade)) =>
        {
            Err(ApiError::invalid_field(
                "decade",
                format!(
                    "must be a decade's first year (1980), {} to {}",
                    YEARS.0, YEARS.1
                ),
            ))
        }
        (None, Some(decade)) => Ok(Some((decade, decade + 9))),
        (None, None) => Ok(None),
    }
}

/// Lists albums in creation order, optionally of one artist, genre, year or decade.
#[utoipa::path(get, path = "/v1/albums", tag = "catalog", params(ListAlbums),
    responses((status = 200, body = Page<Album>), (status = 400, body = ErrorBody)))]
pub async fn list(
    State(db): State<PgPool>,
    QueryParams(query): QueryParams<ListAlbums>,
) -> ApiResult<Json<Page<Album>>> {
    let page = PageRequest::new(query.limit, query.cursor.as_deref())?;
    let years = years(query.year, query.decade)?;
    let rows = albums::list(
        &db,
        query.artist_id,
        query.genre.as_deref(),
        years,
        page.after,
        page.fetch(),
    )
    .await?;
    let rows = rows.into_iter().map(Album::from).collect();
    Ok(Json(Page::from_rows(rows, page, |a| a.id)))
}

/// One album.
#[utoipa::path(get, path = "/v1/albums/{id}", tag = "catalog", params(("id" = Uuid, Path)),
    responses((status = 200, body = Album), (status = 404, body = ErrorBody)))]
pub async fn get(
    State(db): State<PgPool>,
    PathParams(id): PathParams<Uuid>,
) -> ApiResult<Json<Album>> {
    albums::get(&db, id)
        .await?
        .map(|r| Json(r.into()))
        .ok_or_else(|| ApiError::not_found("album"))
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
    edit::authorize_artist_field(&mut tx, editor(&user), body.artist_id).await?;
    let genres = trimmed(&body.genres);
    let (cover_url, external_id) = (clean(body.cover_url), clean(body.external_id));
    let new = albums::NewAlbum {
        artist_id: body.artist_id,
        title: &body.title,
        release_year: body.release_year,
        genres: &genres,
        cover_url: cover_url.as_deref(),
        external_id: external_id.as_deref(),
    };
    let album = albums::create(&mut tx, &new).await?;
    outbox::commit(&outbox, tx).await?;
    Ok((StatusCode::CREATED, Json(album.into())))
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
    albums::authorize(&mut tx, editor(&user), id).await?;
    let genres = body.genres.as_deref().map(trimmed);
    let changes = albums::AlbumChanges {
        title: body.title.as_deref(),
        release_year: body.release_year,
        genres: genres.as_deref(),
        cover_url: body.cover_url.as_deref(),
    };
    let album = albums::update(&mut tx, id, &changes).await?;
    outbox::commit(&outbox, tx).await?;
    Ok(Json(album.into()))
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
    albums::authorize(&mut tx, editor(&user), id).await?;
    albums::delete(&mut tx, id).await?;
    outbox::commit(&outbox, tx).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_decade_is_its_ten_years_and_not_also_a_year() {
        assert_eq!(years(None, Some(1980)).unwrap(), Some((1980, 1989)));
        assert_eq!(years(Some(1984), None).unwrap(), Some((1984, 1984)));
        assert_eq!(years(None, None).unwrap(), None);
        for wrong in [
            years(None, Some(1985)),
            years(None, Some(1850)),
            years(Some(1984), Some(1980)),
        ] {
            let error = wrong.unwrap_err();
            assert_eq!(error.fields[0].field, "decade", "{error}");
        }
    }
}
