//! `GET /v1/tracks/{id}/similar` and `GET /v1/me/recommendations`, over the
//! features the ETL computes (`encore_warehouse::features`, the same code the
//! offline evaluation measures) and publishes to Redis each generation
//! (`encore_online::generation`), which answers when it can.

use std::collections::HashMap;
use std::time::Duration;

use axum::extract::State;
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use encore_core::catalog::songs;
use encore_online::generation;
use encore_warehouse::features::{self, Reason};
use encore_warehouse::names;
use serde::{Deserialize, Serialize};
use sqlx::PgPool;
use uuid::Uuid;

use crate::auth::AuthUser;
use crate::cache::{cached, Warehouse};
use crate::charts::warehouse_error;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::extract::{PathParams, QueryParams};
use crate::state::AppState;

/// Similar tracks and recommendations.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/v1/tracks/{id}/similar", get(similar))
        .route("/v1/me/recommendations", get(mine))
}

const TTL: Duration = Duration::from_secs(10);

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct LimitQuery {
    /// 1 to 50, default 10.
    pub limit: Option<usize>,
}

fn checked_limit(limit: Option<usize>) -> ApiResult<usize> {
    let limit = limit.unwrap_or(10);
    if !(1..=50).contains(&limit) {
        return Err(ApiError::invalid_field("limit", "must be between 1 and 50"));
    }
    Ok(limit)
}

#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Suggested {
    pub track_id: Uuid,
    pub title: Option<String>,
    pub artist_id: Option<Uuid>,
    pub score: f64,
    /// Why: "Because you played …", "Because you like Nina Simone", "Popular in
    /// rock among listeners like you", "You played this 12 times" (replay
    /// mix); for a listener too new for personal picks "Popular in rock" or
    /// "Popular on Encore"; for similar tracks "Often played with …".
    pub reason: String,
    /// The track the reason refers to, when there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub because_of: Option<Uuid>,
}

#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Suggestions {
    pub items: Vec<Suggested>,
}

/// Titles and artists of `ids`, from the catalog dimensions.
async fn titles(
    warehouse: &Warehouse,
    ids: &[Uuid],
) -> ApiResult<HashMap<Uuid, (String, Option<Uuid>)>> {
    names::tracks(&warehouse.client, ids)
        .await
        .map_err(warehouse_error)
}

/// Tracks listened to near this one.
#[utoipa::path(get, path = "/v1/tracks/{id}/similar", tag = "recommendations",
    params(("id" = Uuid, Path), LimitQuery),
    responses((status = 200, body = Suggestions), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody), (status = 503, body = ErrorBody)))]
pub async fn similar(
    State(db): State<PgPool>,
    State(warehouse): State<Warehouse>,
    PathParams(track): PathParams<Uuid>,
    QueryParams(query): QueryParams<LimitQuery>,
) -> ApiResult<Response> {
    let limit = checked_limit(query.limit)?;
    let key = format!("similar/{track}/{limit}");
    cached(
        &warehouse,
        key,
        TTL,
        similar_to(&db, &warehouse, track, limit),
    )
    .await
}

async fn similar_to(
    db: &PgPool,
    warehouse: &Warehouse,
    track: Uuid,
    limit: usize,
) -> ApiResult<Suggestions> {
    if !track_known(db, warehouse, track).await? {
        return Err(ApiError::not_found("track"));
    }
    let (found, _) = generation::similar(&warehouse.online, &warehouse.client, track, limit)
        .await
        .map_err(warehouse_error)?;
    let mut ids: Vec<Uuid> = found.iter().map(|s| s.track_id).collect();
    ids.push(track);
    let names = titles(warehouse, &ids).await?;
    let of = names
        .get(&track)
        .map(|(t, _)| t.clone())
        .unwrap_or_else(|| "this track".into());
    let items = found
        .into_iter()
        .map(|s| Suggested {
            track_id: s.track_id,
            title: names.get(&s.track_id).map(|(t, _)| t.clone()),
            artist_id: names.get(&s.track_id).and_then(|(_, a)| *a),
            score: s.score,
            reason: format!("Often played with {of} ({} sessions)", s.sessions),
            because_of: Some(track),
        })
        .collect();
    Ok(Suggestions { items })
}

/// Whether the catalog (PostgreSQL) or, failing that, the warehouse's
/// catalog dimension knows `track`: an unknown track is a 404, whatever the
/// statistics hold or whether they are there yet.
async fn track_known(db: &PgPool, warehouse: &Warehouse, track: Uuid) -> ApiResult<bool> {
    let in_catalog = songs::exists(db, track).await?;
    // Tracks can reach the warehouse from the catalog topics alone (another
    // gateway, a replay); an unavailable warehouse cannot vouch for one.
    Ok(in_catalog
        || titles(warehouse, &[track])
            .await
            .is_ok_and(|known| known.contains_key(&track)))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RecommendationsQuery {
    /// 1 to 50, default 10.
    pub limit: Option<usize>,
    /// `replay` for a replay mix: the caller's own most played tracks.
    /// Otherwise nothing the caller played or liked is recommended.
    pub mix: Option<String>,
}

/// Personal recommendations, each with its reason; listeners too new for
/// personal ones get what is popular in their favourite genre, then overall.
#[utoipa::path(get, path = "/v1/me/recommendations", tag = "recommendations", security(("bearer" = [])),
    params(RecommendationsQuery),
    responses((status = 200, body = Suggestions), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
              (status = 503, body = ErrorBody)))]
pub async fn mine(
    State(db): State<PgPool>,
    State(warehouse): State<Warehouse>,
    user: AuthUser,
    QueryParams(query): QueryParams<RecommendationsQuery>,
) -> ApiResult<Response> {
    let limit = checked_limit(query.limit)?;
    let replay = match query.mix.as_deref() {
        None => false,
        Some("replay") => true,
        Some(_) => return Err(ApiError::invalid_field("mix", "must be replay")),
    };
    let key = format!("recommendations/{}/{limit}/{replay}", user.id);
    cached(
        &warehouse,
        key,
        TTL,
        picks_for(&db, &warehouse, user.id, limit, replay),
    )
    .await
}

async fn picks_for(
    db: &PgPool,
    warehouse: &Warehouse,
    user: Uuid,
    limit: usize,
    replay: bool,
) -> ApiResult<Suggestions> {
    let found = if replay {
        features::replay(&warehouse.client, user, limit)
            .await
            .map_err(warehouse_error)?
    } else {
        // Liked tracks live in PostgreSQL, not in the warehouse: ask for
        // enough to fill the list after leaving them out.
        let liked = songs::liked_lately(db, user, RECENT_LIKES).await?;
        let wanted = limit + liked.len();
        generation::recommendations(&warehouse.online, &warehouse.client, user, wanted)
            .await
            .map_err(warehouse_error)?
            .0
            .into_iter()
            .filter(|r| !liked.contains(&r.track_id))
            .take(limit)
            .collect()
    };
    let mut ids: Vec<Uuid> = found.iter().map(|r| r.track_id).collect();
    ids.extend(found.iter().filter_map(|r| match r.reason {
        Reason::BecauseYouPlayed { seed } => Some(seed),
        _ => None,
    }));
    let names = titles(warehouse, &ids).await?;
    let artist_ids: Vec<Uuid> = found
        .iter()
        .filter_map(|r| match r.reason {
            Reason::BecauseYouLike { artist } => Some(artist),
            _ => None,
        })
        .collect();
    let artists = names::artists(&warehouse.client, &artist_ids)
        .await
        .map_err(warehouse_error)?;
    let title = |id: &Uuid| names.get(id).map(|(t, _)| t.clone());
    let items = found
        .into_iter()
        .map(|r| {
            let (reason, because_of) = match &r.reason {
                Reason::BecauseYouPlayed { seed } => (
                    format!(
                        "Because you played {}",
                        title(seed).unwrap_or_else(|| "a track you liked".into())
                    ),
                    Some(*seed),
                ),
                Reason::BecauseYouLike { artist } => (
                    format!(
                        "Because you like {}",
                        artists
                            .get(artist)
                            .cloned()
                            .unwrap_or_else(|| "this artist".into())
                    ),
                    None,
                ),
                Reason::PopularAmongSimilar { genre } => {
                    (format!("Popular in {genre} among listeners like you"), None)
                }
                Reason::PopularIn { genre } => (format!("Popular in {genre}"), None),
                Reason::Popular => ("Popular on Encore".to_string(), None),
                Reason::Replay { plays: 1 } => ("You played this once".to_string(), None),
                Reason::Replay { plays } => (format!("You played this {plays} times"), None),
            };
            Suggested {
                track_id: r.track_id,
                title: title(&r.track_id),
                artist_id: names.get(&r.track_id).and_then(|(_, a)| *a),
                score: r.score,
                reason,
                because_of,
            }
        })
        .collect();
    Ok(Suggestions { items })
}

/// How many of a listener's latest likes are kept out of their recommendations.
const RECENT_LIKES: i64 = 500;
