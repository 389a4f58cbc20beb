//! `/v1/me/likes/{kind}`: likes of tracks, albums and artists, kept by
//! [`encore_core::library::likes`] (Subsonic's stars are the same likes).

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, put};
use axum::Json;
use axum::Router;
use encore_core::library::likes;
use serde::{Deserialize, Serialize};
use sqlx::PgPool;
use uuid::Uuid;

use crate::auth::AuthUser;
use crate::error::{ApiResult, ErrorBody};
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

impl From<LikeKind> for likes::Kind {
    fn from(kind: LikeKind) -> Self {
        match kind {
            LikeKind::Tracks => likes::Kind::Track,
            LikeKind::Albums => likes::Kind::Album,
            LikeKind::Artists => likes::Kind::Artist,
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
    likes::like(&db, user.id, kind.into(), &[id]).await?;
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
    likes::unlike(&db, user.id, kind.into(), &[id]).await?;
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
    let ids = likes::liked(&db, user.id, kind.into(), page.after, page.fetch()).await?;
    Ok(Json(Page::from_rows(ids, page, |id| *id)))
}
