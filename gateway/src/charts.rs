//! Charts and a listener's own statistics, read from the ClickHouse aggregates
//! the ETL keeps (the queries are `encore_warehouse::charts`), each answer
//! shared by every gateway for a short while ([`crate::cache`]).

use std::time::Duration;

use axum::extract::State;
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use encore_warehouse::charts::{self, ChartTrack};
use encore_warehouse::Unavailable;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::auth::AuthUser;
use crate::cache::{cached, Warehouse};
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::extract::QueryParams;
use crate::state::AppState;

/// Charts and the caller's statistics.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/v1/charts/tracks", get(top_tracks))
        .route("/v1/charts/artists", get(top_artists))
        .route("/v1/charts/trending", get(trending))
        .route("/v1/me/stats", get(my_stats))
}

const CHART_TTL: Duration = Duration::from_secs(30);
const PERSONAL_TTL: Duration = Duration::from_secs(5);

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, utoipa::ToSchema, Default)]
#[serde(rename_all = "lowercase")]
pub enum Period {
    #[default]
    Day,
    Week,
    Month,
}

impl Period {
    pub fn days(self) -> u32 {
        match self {
            Period::Day => 1,
            Period::Week => 7,
            Period::Month => 30,
        }
    }
}

/// A failed read: a warehouse that is unreachable or not set up yet is a 503
/// a client may retry; anything else is our bug.
pub fn warehouse_error(error: clickhouse::error::Error) -> ApiError {
    match encore_warehouse::unavailable(&error) {
        Some(Unavailable::Unreachable) => {
            tracing::warn!(%error, "ClickHouse unavailable");
            ApiError::unavailable("statistics are unavailable right now; retry shortly")
        }
        Some(Unavailable::NotSetUp) => {
            tracing::warn!(%error, "the warehouse is not set up yet (is the ETL running?)");
            ApiError::unavailable("statistics are not available yet; retry shortly")
        }
        None => ApiError::internal(error),
    }
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ChartQuery {
    /// day, week or month (the last 1, 7 or 30 days).
    pub period: Option<Period>,
    /// 1 to 100, default 20.
    pub limit: Option<u64>,
}

fn checked_limit(limit: Option<u64>) -> ApiResult<u64> {
    let limit = limit.unwrap_or(20);
    if !(1..=100).contains(&limit) {
        return Err(ApiError::invalid_field(
            "limit",
            "must be between 1 and 100",
        ));
    }
    Ok(limit)
}

#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct TrackEntry {
    pub track_id: Uuid,
    pub title: Option<String>,
    pub artist_id: Option<Uuid>,
    pub artist_name: Option<String>,
    pub plays: u64,
    pub minutes: f64,
    /// Trending only: plays in the previous window of the same length.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub previous_plays: Option<u64>,
}

#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ArtistEntry {
    pub artist_id: Uuid,
    pub name: Option<String>,
    pub plays: u64,
    pub minutes: f64,
}

#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Chart<T> {
    pub period: Period,
    pub items: Vec<T>,
}

impl TrackEntry {
    fn from_chart(track: ChartTrack, trending: bool) -> Self {
        TrackEntry {
            track_id: track.track_id,
            title: track.title,
            artist_id: track.artist_id,
            artist_name: track.artist_name,
            plays: track.plays,
            minutes: minutes(track.listened_ms),
            previous_plays: trending.then_some(track.previous_plays),
        }
    }
}

fn minutes(ms: u64) -> f64 {
    ms as f64 / 60_000.0
}

/// The most played tracks of the period.
#[utoipa::path(get, path = "/v1/charts/tracks", tag = "charts", params(ChartQuery),
    responses((status = 200, body = Chart<TrackEntry>), (status = 400, body = ErrorBody), (status = 503, body = ErrorBody)))]
pub async fn top_tracks(
    State(warehouse): State<Warehouse>,
    QueryParams(query): QueryParams<ChartQuery>,
) -> ApiResult<Response> {
    let period = query.period.unwrap_or_default();
    let limit = checked_limit(query.limit)?;
    cached(
        &warehouse,
        format!("charts/tracks/{period:?}/{limit}"),
        CHART_TTL,
        async {
            let tracks = charts::top_tracks(&warehouse.client, period.days(), limit)
                .await
                .map_err(warehouse_error)?;
            let items = tracks
                .into_iter()
                .map(|t| TrackEntry::from_chart(t, false))
                .collect();
            Ok(Chart { period, items })
        },
    )
    .await
}

/// The tracks whose plays grew most against the previous window of the same
/// length (at least 3 plays now).
#[utoipa::path(get, path = "/v1/charts/trending", tag = "charts", params(ChartQuery),
    responses((status = 200, body = Chart<TrackEntry>), (status = 400, body = ErrorBody), (status = 503, body = ErrorBody)))]
pub async fn trending(
    State(warehouse): State<Warehouse>,
    QueryParams(query): QueryParams<ChartQuery>,
) -> ApiResult<Response> {
    let period = query.period.unwrap_or_default();
    let limit = checked_limit(query.limit)?;
    cached(
        &warehouse,
        format!("charts/trending/{period:?}/{limit}"),
        CHART_TTL,
        async {
            let tracks = charts::trending(&warehouse.client, period.days(), limit)
                .await
                .map_err(warehouse_error)?;
            let items = tracks
                .into_iter()
                .map(|t| TrackEntry::from_chart(t, true))
                .collect();
            Ok(Chart { period, items })
        },
    )
    .await
}

/// The most played artists of the period.
#[utoipa::path(get, path = "/v1/charts/artists", tag = "charts", params(ChartQuery),
    responses((status = 200, body = Chart<ArtistEntry>), (status = 400, body = ErrorBody), (status = 503, body = ErrorBody)))]
pub async fn top_artists(
    State(warehouse): State<Warehouse>,
    QueryParams(query): QueryParams<ChartQuery>,
) -> ApiResult<Response> {
    let period = query.period.unwrap_or_default();
    let limit = checked_limit(query.limit)?;
    cached(
        &warehouse,
        format!("charts/artists/{period:?}/{limit}"),
        CHART_TTL,
        async {
            let artists = charts::top_artists(&warehouse.client, period.days(), limit)
                .await
                .map_err(warehouse_error)?;
            let items = artists
                .into_iter()
                .map(|a| ArtistEntry {
                    artist_id: a.artist_id,
                    name: a.name,
                    plays: a.plays,
                    minutes: minutes(a.listened_ms),
                })
                .collect();
            Ok(Chart { period, items })
        },
    )
    .await
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct StatsQuery {
    /// day, week or month (the last 1, 7 or 30 days).
    pub period: Option<Period>,
}

#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Counted {
    pub id: Option<Uuid>,
    pub name: String,
    pub plays: u64,
}

#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct MyStats {
    pub period: Period,
    pub minutes: f64,
    pub plays: u64,
    pub top_tracks: Vec<Counted>,
    pub top_artists: Vec<Counted>,
    pub genres: Vec<Counted>,
}

/// The caller's listening in the period: minutes, plays, top tracks, top artists, genres.
#[utoipa::path(get, path = "/v1/me/stats", tag = "charts", security(("bearer" = [])), params(StatsQuery),
    responses((status = 200, body = MyStats), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
              (status = 503, body = ErrorBody)))]
pub async fn my_stats(
    State(warehouse): State<Warehouse>,
    user: AuthUser,
    QueryParams(query): QueryParams<StatsQuery>,
) -> ApiResult<Response> {
    let period = query.period.unwrap_or_default();
    let since = (encore_common::now_millis() / 1_000) as u32 - period.days() * 86_400;
    cached(
        &warehouse,
        format!("me/stats/{}/{period:?}", user.id),
        PERSONAL_TTL,
        async {
            let stats = charts::listener_stats(&warehouse.client, user.id, since)
                .await
                .map_err(warehouse_error)?;
            let counted = |rows: Vec<charts::Counted>| -> Vec<Counted> {
                rows.into_iter()
                    .map(|r| Counted {
                        id: r.id,
                        name: r.name,
                        plays: r.plays,
                    })
                    .collect()
            };
            Ok(MyStats {
                period,
                minutes: minutes(stats.listened_ms),
                plays: stats.plays,
                top_tracks: counted(stats.top_tracks),
                top_artists: counted(stats.top_artists),
                genres: counted(stats.genres),
            })
        },
    )
    .await
}
