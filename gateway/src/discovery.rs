//! `GET /v1/radio`: what to play after a track, an album or an artist, from
//! the same core the Subsonic `getSimilarSongs` answers from
//! (`encore_core::discovery`): co-listening first, then along the artist and
//! its genre neighbours, so a radio is never empty while its artist has
//! songs. The web app keeps a radio queue filling by asking again from the
//! last track, and leaves out what it has already queued.

use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use encore_core::catalog::songs;
use encore_core::discovery::{self, DiscoveryError, Sources};
use serde::{Deserialize, Serialize};
use sqlx::PgPool;
use uuid::Uuid;

use crate::auth::AuthUser;
use crate::cache::Warehouse;
use crate::charts::warehouse_error;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::extract::QueryParams;
use crate::state::AppState;

/// `/v1/radio`.
pub fn router() -> Router<AppState> {
    Router::new().route("/v1/radio", get(radio))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RadioQuery {
    /// A track, an album or an artist.
    pub seed: Uuid,
    /// 1 to 100, default 25.
    pub count: Option<i64>,
}

/// A track as a player queues it: its names come with it.
#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct RadioTrack {
    pub id: Uuid,
    pub title: String,
    pub artist_id: Uuid,
    pub artist: String,
    pub album_id: Option<Uuid>,
    pub album: Option<String>,
    /// 0 until audio is uploaded.
    pub duration_ms: i64,
}

#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Radio {
    /// Never the seed itself, never a track twice.
    pub items: Vec<RadioTrack>,
}

fn discovery_error(error: DiscoveryError) -> ApiError {
    match error {
        DiscoveryError::Db(error) => error.into(),
        DiscoveryError::Warehouse(error) => warehouse_error(error),
        DiscoveryError::UnknownSeed => ApiError::not_found("seed"),
    }
}

/// Tracks to play after `seed`, best first.
#[utoipa::path(get, path = "/v1/radio", tag = "recommendations", security(("bearer" = [])),
    params(RadioQuery),
    responses((status = 200, body = Radio), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
              (status = 404, body = ErrorBody), (status = 503, body = ErrorBody)))]
pub async fn radio(
    State(db): State<PgPool>,
    State(warehouse): State<Warehouse>,
    user: AuthUser,
    QueryParams(query): QueryParams<RadioQuery>,
) -> ApiResult<Json<Radio>> {
    let count = query.count.unwrap_or(25);
    if !(1..=100).contains(&count) {
        return Err(ApiError::invalid_field(
            "count",
            "must be between 1 and 100",
        ));
    }
    let sources = Sources {
        db: &db,
        warehouse: &warehouse.client,
    };
    let ids = discovery::radio(sources, query.seed, count)
        .await
        .map_err(discovery_error)?;
    let items = songs::by_ids(&db, user.id, &ids)
        .await?
        .into_iter()
        .map(|s| RadioTrack {
            id: s.id,
            title: s.title,
            artist_id: s.artist_id,
            artist: s.artist,
            album_id: s.album_id,
            album: s.album,
            duration_ms: s.duration_ms,
        })
        .collect();
    Ok(Json(Radio { items }))
}
