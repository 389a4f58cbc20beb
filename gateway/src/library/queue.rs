//! `/v1/me/play-queue`: what the listener was playing, where, and what came
//! next, saved by one device and resumed by another, or by the same one
//! after a reload. The same row as Subsonic's `savePlayQueue` and
//! `getPlayQueue` ([`encore_core::library::queue`]), so a queue left in a
//! Subsonic app resumes in the browser and the other way round.

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;
use axum::{Json, Router};
use encore_core::library::queue::{self, Problem};
use serde::{Deserialize, Serialize};
use sqlx::PgPool;
use uuid::Uuid;

use crate::auth::AuthUser;
use crate::checks::Checks;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::extract::JsonBody;
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new().route("/v1/me/play-queue", get(load).put(save).delete(clear))
}

/// A play queue as a device saves it.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewPlayQueue {
    /// In play order; a track may be there more than once. Up to 1,000.
    #[schema(max_items = 1000)]
    pub track_ids: Vec<Uuid>,
    /// The playing track's place in `track_ids`, from 0.
    pub current_index: usize,
    /// Milliseconds into the playing track.
    #[serde(default)]
    #[schema(minimum = 0)]
    pub position_ms: i64,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct PlayQueue {
    /// Empty when nothing is saved.
    pub track_ids: Vec<Uuid>,
    pub current_index: Option<usize>,
    pub position_ms: i64,
    /// RFC 3339; absent when nothing is saved.
    pub changed_at: Option<String>,
    /// The client that saved it (`web`, or a Subsonic app's name).
    pub changed_by: Option<String>,
}

/// The caller's saved queue, empty when there is none (every page of the
/// web app asks, and "nothing saved" is no error).
#[utoipa::path(get, path = "/v1/me/play-queue", tag = "library", security(("bearer" = [])),
    responses((status = 200, body = PlayQueue), (status = 401, body = ErrorBody)))]
pub async fn load(State(db): State<PgPool>, user: AuthUser) -> ApiResult<Json<PlayQueue>> {
    let queue = match queue::load(&db, user.id).await? {
        Some(saved) => PlayQueue {
            current_index: saved.current_place(),
            track_ids: saved.track_ids,
            position_ms: saved.position_ms,
            changed_at: Some(crate::times::rfc3339(saved.changed_at)),
            changed_by: Some(saved.changed_by),
        },
        None => PlayQueue {
            track_ids: Vec::new(),
            current_index: None,
            position_ms: 0,
            changed_at: None,
            changed_by: None,
        },
    };
    Ok(Json(queue))
}

/// Saves the caller's queue, replacing the one saved before (by any device).
#[utoipa::path(put, path = "/v1/me/play-queue", tag = "library", security(("bearer" = [])),
    request_body = NewPlayQueue,
    responses((status = 204), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody)))]
pub async fn save(
    State(db): State<PgPool>,
    user: AuthUser,
    JsonBody(body): JsonBody<NewPlayQueue>,
) -> ApiResult<StatusCode> {
    let mut checks = Checks::new();
    if body.track_ids.is_empty() {
        checks.fail("track_ids", "must hold a track; DELETE clears the queue");
    } else if body.track_ids.len() > queue::TRACKS_MAX {
        checks.fail("track_ids", format!("at most {} tracks", queue::TRACKS_MAX));
    } else if body.current_index >= body.track_ids.len() {
        checks.fail("current_index", "must be a place in track_ids");
    }
    if body.position_ms < 0 {
        checks.fail("position_ms", "must not be negative");
    }
    checks.finish()?;
    let current = Some(body.current_index);
    match queue::check(&db, &body.track_ids, current, body.position_ms).await? {
        Ok(()) => {}
        Err(Problem::UnknownTrack(id)) => {
            return Err(ApiError::invalid_field(
                "track_ids",
                format!("{id} is not a track"),
            ))
        }
        Err(Problem::PastEnd(why)) => return Err(ApiError::invalid_field("position_ms", why)),
    }
    queue::save(
        &db,
        user.id,
        &body.track_ids,
        current,
        body.position_ms,
        "web",
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Clears the caller's queue; clearing none changes nothing.
#[utoipa::path(delete, path = "/v1/me/play-queue", tag = "library", security(("bearer" = [])),
    responses((status = 204), (status = 401, body = ErrorBody)))]
pub async fn clear(State(db): State<PgPool>, user: AuthUser) -> ApiResult<StatusCode> {
    queue::clear(&db, user.id).await?;
    Ok(StatusCode::NO_CONTENT)
}
