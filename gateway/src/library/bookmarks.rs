//! `/v1/me/bookmarks`: where the caller stopped in tracks, to resume there on
//! any device. The same bookmarks as Subsonic's ([`encore_core::library::bookmarks`]).

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, put};
use axum::Json;
use axum::Router;
use encore_core::catalog::songs;
use encore_core::library::bookmarks;
use encore_core::playback;
use serde::{Deserialize, Serialize};
use sqlx::PgPool;
use uuid::Uuid;

use crate::auth::AuthUser;
use crate::checks::Checks;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::extract::{JsonBody, PathParams};
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/v1/me/bookmarks", get(list))
        .route("/v1/me/bookmarks/{track_id}", put(save).delete(remove))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewBookmark {
    /// Milliseconds into the track; within it.
    #[schema(minimum = 0)]
    pub position_ms: i64,
    /// A note, up to 500 characters on one line.
    #[serde(default)]
    #[schema(max_length = 500)]
    pub comment: String,
}

/// Where the caller stopped in one track.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Bookmark {
    pub track_id: Uuid,
    pub position_ms: i64,
    pub comment: String,
    /// RFC 3339.
    pub created_at: String,
    /// RFC 3339: the last time it moved.
    pub changed_at: String,
}

impl From<bookmarks::Bookmark> for Bookmark {
    fn from(row: bookmarks::Bookmark) -> Self {
        Bookmark {
            track_id: row.track_id,
            position_ms: row.position_ms,
            comment: row.comment,
            created_at: crate::times::rfc3339(row.created_at),
            changed_at: crate::times::rfc3339(row.changed_at),
        }
    }
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Bookmarks {
    /// The last changed first.
    pub items: Vec<Bookmark>,
}

/// The caller's bookmarks.
#[utoipa::path(get, path = "/v1/me/bookmarks", tag = "library", security(("bearer" = [])),
    responses((status = 200, body = Bookmarks), (status = 401, body = ErrorBody)))]
pub async fn list(State(db): State<PgPool>, user: AuthUser) -> ApiResult<Json<Bookmarks>> {
    let items = bookmarks::list(&db, user.id).await?;
    Ok(Json(Bookmarks {
        items: items.into_iter().map(Bookmark::from).collect(),
    }))
}

/// Sets the caller's bookmark in a track; saving again moves it.
#[utoipa::path(put, path = "/v1/me/bookmarks/{track_id}", tag = "library", security(("bearer" = [])),
    params(("track_id" = Uuid, Path)), request_body = NewBookmark,
    responses((status = 200, body = Bookmark), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
              (status = 404, body = ErrorBody)))]
pub async fn save(
    State(db): State<PgPool>,
    user: AuthUser,
    PathParams(track): PathParams<Uuid>,
    JsonBody(body): JsonBody<NewBookmark>,
) -> ApiResult<Json<Bookmark>> {
    let mut checks = Checks::new();
    checks.text("comment", &body.comment, 0, bookmarks::COMMENT_MAX);
    if body.position_ms < 0 {
        checks.fail("position_ms", "must not be negative");
    }
    checks.finish()?;
    let durations = songs::durations(&db, &[track]).await?;
    let duration = durations
        .get(&track)
        .ok_or_else(|| ApiError::not_found("track"))?;
    playback::check_position(body.position_ms, *duration)
        .map_err(|why| ApiError::invalid_field("position_ms", why))?;
    let saved = bookmarks::save(&db, user.id, track, body.position_ms, &body.comment).await?;
    Ok(Json(saved.into()))
}

/// Removes the caller's bookmark in a track; removing an absent one changes
/// nothing, so a retried removal is harmless.
#[utoipa::path(delete, path = "/v1/me/bookmarks/{track_id}", tag = "library", security(("bearer" = [])),
    params(("track_id" = Uuid, Path)),
    responses((status = 204), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody)))]
pub async fn remove(
    State(db): State<PgPool>,
    user: AuthUser,
    PathParams(track): PathParams<Uuid>,
) -> ApiResult<StatusCode> {
    bookmarks::delete(&db, user.id, track).await?;
    Ok(StatusCode::NO_CONTENT)
}
