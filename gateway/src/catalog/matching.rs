//! `POST /v1/catalog/match`: finds catalog tracks by artist name and title,
//! compared by their normalised keys ([`encore_core::keys`]), so `ingest listens`
//! can turn a listening history from elsewhere into plays of our tracks.

use axum::extract::State;
use axum::routing::post;
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use sqlx::PgPool;
use uuid::Uuid;

use super::import::MAX_ROWS;
use crate::auth::AuthUser;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::extract::JsonBody;
use crate::state::AppState;
use encore_core::keys::key;

/// The matching endpoint.
pub fn router() -> Router<AppState> {
    Router::new().route("/v1/catalog/match", post(match_tracks))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MatchRequest {
    /// 1 to 1,000 listens to find.
    pub items: Vec<MatchItem>,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct MatchItem {
    pub artist: String,
    pub title: String,
}

#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Matched {
    /// The matching track, if the catalog has one.
    pub track_id: Option<Uuid>,
    pub duration_ms: Option<i64>,
}

#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct MatchResponse {
    /// One per item, in order.
    pub results: Vec<Matched>,
}

/// Finds catalog tracks by artist name and title, ignoring case, accents and punctuation.
#[utoipa::path(post, path = "/v1/catalog/match", tag = "catalog", security(("bearer" = [])), request_body = MatchRequest,
    responses((status = 200, body = MatchResponse), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody)))]
pub async fn match_tracks(
    State(db): State<PgPool>,
    _user: AuthUser,
    JsonBody(body): JsonBody<MatchRequest>,
) -> ApiResult<Json<MatchResponse>> {
    if body.items.is_empty() || body.items.len() > MAX_ROWS {
        return Err(ApiError::invalid_field(
            "items",
            format!("must hold 1 to {MAX_ROWS} items"),
        ));
    }
    let titles: Vec<String> = body.items.iter().map(|i| key(&i.title)).collect();
    let artists: Vec<String> = body.items.iter().map(|i| key(&i.artist)).collect();
    let found = encore_core::catalog::songs::matching(&db, &titles, &artists).await?;
    let results = titles
        .iter()
        .zip(&artists)
        .map(|(t, a)| {
            let hit = found
                .iter()
                .find(|m| m.title_key == *t && m.artist_key == *a);
            Matched {
                track_id: hit.map(|h| h.id),
                duration_ms: hit.map(|h| h.duration_ms),
            }
        })
        .collect();
    Ok(Json(MatchResponse { results }))
}
