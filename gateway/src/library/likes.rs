//! `/v1/me/likes/{kind}`: likes of tracks, albums and artists.
//!
//! One table per kind keeps real foreign keys (a like of a deleted track goes
//! with it); the SQL for each kind is a fixed string chosen by [`LikeKind`],
//! never built from input.

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, put};
use axum::Json;
use axum::Router;
use serde::{Deserialize, Serialize};
use sqlx::PgPool;
use uuid::Uuid;

use crate::auth::AuthUser;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::extract::{PathParams, QueryParams};
use crate::paging::{Page, PageRequest};
use crate::state::AppState;

/// The caller's likes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/v1/me/likes/{kind}", get(list))
        .route("/v1/me/likes/{kind}/{id}", put(like).delete(unlike))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum LikeKind {
    Tracks,
    Albums,
    Artists,
}

struct Sql {
    exists: &'static str,
    like: &'static str,
    unlike: &'static str,
    list: &'static str,
}

impl LikeKind {
    fn sql(self) -> Sql {
        match self {
            LikeKind::Tracks => Sql {
                exists: "SELECT EXISTS (SELECT 1 FROM tracks WHERE id = $1)",
                like: "INSERT INTO track_likes (user_id, track_id) VALUES ($1, $2) ON CONFLICT DO NOTHING",
                unlike: "DELETE FROM track_likes WHERE user_id = $1 AND track_id = $2",
                list: "SELECT track_id FROM track_likes WHERE user_id = $1 AND ($2::uuid IS NULL OR track_id > $2) \
                       ORDER BY track_id LIMIT $3",
            },
            LikeKind::Albums => Sql {
                exists: "SELECT EXISTS (SELECT 1 FROM albums WHERE id = $1)",
                like: "INSERT INTO album_likes (user_id, album_id) VALUES ($1, $2) ON CONFLICT DO NOTHING",
                unlike: "DELETE FROM album_likes WHERE user_id = $1 AND album_id = $2",
                list: "SELECT album_id FROM album_likes WHERE user_id = $1 AND ($2::uuid IS NULL OR album_id > $2) \
                       ORDER BY album_id LIMIT $3",
            },
            LikeKind::Artists => Sql {
                exists: "SELECT EXISTS (SELECT 1 FROM artists WHERE id = $1)",
                like: "INSERT INTO artist_likes (user_id, artist_id) VALUES ($1, $2) ON CONFLICT DO NOTHING",
                unlike: "DELETE FROM artist_likes WHERE user_id = $1 AND artist_id = $2",
                list: "SELECT artist_id FROM artist_likes WHERE user_id = $1 AND ($2::uuid IS NULL OR artist_id > $2) \
                       ORDER BY artist_id LIMIT $3",
            },
        }
    }
}

/// Likes an entity; liking it again changes nothing.
#[utoipa::path(put, path = "/v1/me/likes/{kind}/{id}", tag = "library", security(("bearer" = [])),
    params(("kind" = LikeKind, Path), ("id" = Uuid, Path)),
    responses((status = 204), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
              (status = 404, body = ErrorBody)))]
pub async fn like(
    State(db): State<PgPool>,
    user: AuthUser,
    PathParams((kind, id)): PathParams<(LikeKind, Uuid)>,
) -> ApiResult<StatusCode> {
    let sql = kind.sql();
    let exists: bool = sqlx::query_scalar(sql.exists)
        .bind(id)
        .fetch_one(&db)
        .await?;
    if !exists {
        return Err(ApiError::not_found("entity to like"));
    }
    sqlx::query(sql.like)
        .bind(user.id)
        .bind(id)
        .execute(&db)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Removes a like; removing an absent like changes nothing.
#[utoipa::path(delete, path = "/v1/me/likes/{kind}/{id}", tag = "library", security(("bearer" = [])),
    params(("kind" = LikeKind, Path), ("id" = Uuid, Path)),
    responses((status = 204), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody)))]
pub async fn unlike(
    State(db): State<PgPool>,
    user: AuthUser,
    PathParams((kind, id)): PathParams<(LikeKind, Uuid)>,
) -> ApiResult<StatusCode> {
    sqlx::query(kind.sql().unlike)
        .bind(user.id)
        .bind(id)
        .execute(&db)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListLikes {
    /// 1 to 100, default 20.
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}

/// The ids the caller likes, of one kind.
#[utoipa::path(get, path = "/v1/me/likes/{kind}", tag = "library", security(("bearer" = [])),
    params(("kind" = LikeKind, Path), ListLikes),
    responses((status = 200, body = Page<Uuid>), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody)))]
pub async fn list(
    State(db): State<PgPool>,
    user: AuthUser,
    PathParams(kind): PathParams<LikeKind>,
    QueryParams(query): QueryParams<ListLikes>,
) -> ApiResult<Json<Page<Uuid>>> {
    let page = PageRequest::new(query.limit, query.cursor.as_deref())?;
    let ids: Vec<Uuid> = sqlx::query_scalar(kind.sql().list)
        .bind(user.id)
        .bind(page.after)
        .bind(page.fetch())
        .fetch_all(&db)
        .await?;
    Ok(Json(Page::from_rows(ids, page, |id| *id)))
}
