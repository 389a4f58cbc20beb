//! `GET /v1/browse`: the genres and decades a listener can browse by, each
//! with how much is in it. The lists behind each come from `/v1/albums`
//! (`genre`, `decade`) and `/v1/tracks` (`genre`).

use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use encore_core::catalog;
use serde::{Deserialize, Serialize};
use sqlx::PgPool;

use crate::error::ApiResult;
use crate::state::AppState;

/// `/v1/browse`.
pub fn router() -> Router<AppState> {
    Router::new().route("/v1/browse", get(browse))
}

#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Browse {
    /// Most tracks first.
    pub genres: Vec<GenreCount>,
    /// Newest first; only decades some album was released in.
    pub decades: Vec<DecadeCount>,
}

#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct GenreCount {
    pub name: String,
    /// Tracks of this genre (a track has one).
    pub tracks: i64,
    /// Albums listing this genre (an album may list several).
    pub albums: i64,
}

#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct DecadeCount {
    /// The decade's first year: 1980 for the eighties.
    pub decade: i32,
    pub albums: i64,
}

/// The genres and decades to browse by.
#[utoipa::path(get, path = "/v1/browse", tag = "catalog",
    responses((status = 200, body = Browse)))]
pub async fn browse(State(db): State<PgPool>) -> ApiResult<Json<Browse>> {
    let (genres, decades) = tokio::try_join!(catalog::genres(&db), catalog::decades(&db))?;
    Ok(Json(Browse {
        genres: genres
            .into_iter()
            .map(|g| GenreCount {
                name: g.name,
                tracks: g.songs,
                albums: g.albums,
            })
            .collect(),
        decades: decades
            .into_iter()
            .map(|d| DecadeCount {
                decade: d.decade,
                albums: d.albums,
            })
            .collect(),
    }))
}
