//! Charts and a listener's own statistics, read from the ClickHouse aggregates
//! the ETL keeps, with a short cache.
//!
//! ClickHouse 18.16 has no server-side query parameters. Every value these
//! queries take is typed before it gets near SQL (a period from a fixed set,
//! a number, a parsed UUID) and is bound through the client's escaping binder.

use std::time::Duration;

use axum::extract::State;
use axum::Json;
use clickhouse::Row;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use uuid::Uuid;

use crate::auth::AuthUser;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::extract::QueryParams;
use crate::AppState;

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

/// A failed read: an unreachable warehouse is a 503 a client may retry.
pub fn warehouse_error(state: &AppState, error: clickhouse::error::Error) -> ApiError {
    // A warehouse the ETL has not created yet (unknown database or table) is
    // unavailable too, not a server bug.
    let not_there_yet =
        |message: &str| message.contains("Code: 81,") || message.contains("Code: 60,");
    match error {
        clickhouse::error::Error::Network(_) | clickhouse::error::Error::TimedOut => {
            tracing::warn!(%error, "ClickHouse unavailable");
            ApiError::unavailable(
                "statistics are unavailable right now; retry shortly",
                state.config.retry_after,
            )
        }
        clickhouse::error::Error::BadResponse(message) if not_there_yet(&message) => {
            tracing::warn!(%message, "the warehouse is not set up yet (is the ETL running?)");
            ApiError::unavailable(
                "statistics are not available yet; retry shortly",
                state.config.retry_after,
            )
        }
        other => ApiError::internal(other),
    }
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
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

#[derive(Row, Deserialize)]
struct TrackRow {
    track_text: String,
    plays: u64,
    listened_ms: u64,
    previous: u64,
    title: String,
    artist_text: String,
    artist_name: String,
}

const NIL: &str = "00000000-0000-0000-0000-000000000000";

fn nonempty(text: String) -> Option<String> {
    (!text.is_empty()).then_some(text)
}

fn track_entry(row: TrackRow, trending: bool) -> Option<TrackEntry> {
    Some(TrackEntry {
        track_id: row.track_text.parse().ok()?,
        title: nonempty(row.title),
        artist_id: row
            .artist_text
            .parse()
            .ok()
            .filter(|id: &Uuid| !id.is_nil()),
        artist_name: nonempty(row.artist_name),
        plays: row.plays,
        minutes: row.listened_ms as f64 / 60_000.0,
        previous_plays: trending.then_some(row.previous),
    })
}

/// Names the tracks of `ranked` (a subquery yielding track_id, plays,
/// listened_ms, previous), keeping its order.
fn named_tracks(ranked: &str) -> String {
    format!(
        "SELECT toString(track_id) AS track_text, plays, listened_ms, previous, title, \
                toString(artist_id) AS artist_text, artist_name FROM ( \
           SELECT track_id, plays, listened_ms, previous, title, artist_id FROM ({ranked}) AS ranked \
           ANY LEFT JOIN (SELECT id AS track_id, title, artist_id, deleted FROM dim_tracks FINAL) AS tracks USING track_id \
           WHERE deleted = 0 \
         ) AS named ANY LEFT JOIN (SELECT id AS artist_id, name AS artist_name FROM dim_artists FINAL) AS artists USING artist_id"
    )
}

async fn cached<T: Serialize>(
    state: &AppState,
    key: String,
    ttl: Duration,
    compute: impl std::future::Future<Output = ApiResult<T>>,
) -> ApiResult<Json<Value>> {
    if let Some(hit) = state.cache.get(&key, ttl) {
        return Ok(Json(hit));
    }
    let value = serde_json::to_value(compute.await?).map_err(ApiError::internal)?;
    state.cache.put(key, value.clone());
    Ok(Json(value))
}

/// The most played tracks of the period.
#[utoipa::path(get, path = "/v1/charts/tracks", tag = "charts", params(ChartQuery),
    responses((status = 200, body = Chart<TrackEntry>), (status = 400, body = ErrorBody), (status = 503, body = ErrorBody)))]
pub async fn top_tracks(
    State(state): State<AppState>,
    QueryParams(query): QueryParams<ChartQuery>,
) -> ApiResult<Json<Value>> {
    let period = query.period.unwrap_or_default();
    let limit = checked_limit(query.limit)?;
    cached(&state, format!("charts/tracks/{period:?}/{limit}"), CHART_TTL, async {
        let ranked = "SELECT track_id, sum(plays) AS plays, sum(listened_ms) AS listened_ms, toUInt64(0) AS previous \
                      FROM track_daily WHERE day > today() - ? GROUP BY track_id \
                      ORDER BY plays DESC, track_id LIMIT ?";
        let rows: Vec<TrackRow> = state
            .warehouse
            .query(&format!("{} ORDER BY plays DESC, track_text", named_tracks(ranked)))
            .bind(period.days())
            .bind(limit)
            .fetch_all()
            .await
            .map_err(|e| warehouse_error(&state, e))?;
        Ok(Chart { period, items: rows.into_iter().filter_map(|r| track_entry(r, false)).collect() })
    })
    .await
}

/// The tracks whose plays grew most against the previous window of the same
/// length (at least 3 plays now).
#[utoipa::path(get, path = "/v1/charts/trending", tag = "charts", params(ChartQuery),
    responses((status = 200, body = Chart<TrackEntry>), (status = 400, body = ErrorBody), (status = 503, body = ErrorBody)))]
pub async fn trending(
    State(state): State<AppState>,
    QueryParams(query): QueryParams<ChartQuery>,
) -> ApiResult<Json<Value>> {
    let period = query.period.unwrap_or_default();
    let limit = checked_limit(query.limit)?;
    cached(
        &state,
        format!("charts/trending/{period:?}/{limit}"),
        CHART_TTL,
        async {
            let ranked =
                "SELECT track_id, now_plays AS plays, now_ms AS listened_ms, previous FROM ( \
                        SELECT track_id, sumIf(plays, day > today() - ?) AS now_plays, \
                               sumIf(listened_ms, day > today() - ?) AS now_ms, \
                               sumIf(plays, day <= today() - ?) AS previous \
                        FROM track_daily WHERE day > today() - ? GROUP BY track_id \
                      ) WHERE plays >= 3 \
                      ORDER BY (plays + 1) / (previous + 1) DESC, plays DESC, track_id LIMIT ?";
            let days = period.days();
            let rows: Vec<TrackRow> = state
                .warehouse
                .query(&format!(
                    "{} ORDER BY (plays + 1) / (previous + 1) DESC, plays DESC, track_text",
                    named_tracks(ranked)
                ))
                .bind(days)
                .bind(days)
                .bind(days)
                .bind(days * 2)
                .bind(limit)
                .fetch_all()
                .await
                .map_err(|e| warehouse_error(&state, e))?;
            Ok(Chart {
                period,
                items: rows
                    .into_iter()
                    .filter_map(|r| track_entry(r, true))
                    .collect(),
            })
        },
    )
    .await
}

#[derive(Row, Deserialize)]
struct ArtistRow {
    artist_text: String,
    plays: u64,
    listened_ms: u64,
    name: String,
}

/// The most played artists of the period.
#[utoipa::path(get, path = "/v1/charts/artists", tag = "charts", params(ChartQuery),
    responses((status = 200, body = Chart<ArtistEntry>), (status = 400, body = ErrorBody), (status = 503, body = ErrorBody)))]
pub async fn top_artists(
    State(state): State<AppState>,
    QueryParams(query): QueryParams<ChartQuery>,
) -> ApiResult<Json<Value>> {
    let period = query.period.unwrap_or_default();
    let limit = checked_limit(query.limit)?;
    cached(&state, format!("charts/artists/{period:?}/{limit}"), CHART_TTL, async {
        let rows: Vec<ArtistRow> = state
            .warehouse
            .query(
                "SELECT toString(artist_id) AS artist_text, plays, listened_ms, name FROM ( \
                   SELECT artist_id, sum(plays) AS plays, sum(listened_ms) AS listened_ms FROM ( \
                     SELECT track_id, sum(plays) AS plays, sum(listened_ms) AS listened_ms \
                     FROM track_daily WHERE day > today() - ? GROUP BY track_id \
                   ) AS totals ALL INNER JOIN (SELECT id AS track_id, artist_id FROM dim_tracks FINAL WHERE deleted = 0) AS tracks USING track_id \
                   GROUP BY artist_id ORDER BY plays DESC, artist_id LIMIT ? \
                 ) AS ranked ANY LEFT JOIN (SELECT id AS artist_id, name FROM dim_artists FINAL) AS artists USING artist_id \
                 ORDER BY plays DESC, artist_text",
            )
            .bind(period.days())
            .bind(limit)
            .fetch_all()
            .await
            .map_err(|e| warehouse_error(&state, e))?;
        let items: Vec<ArtistEntry> = rows
            .into_iter()
            .filter_map(|r| {
                Some(ArtistEntry {
                    artist_id: r.artist_text.parse().ok()?,
                    name: nonempty(r.name),
                    plays: r.plays,
                    minutes: r.listened_ms as f64 / 60_000.0,
                })
            })
            .collect();
        Ok(Chart { period, items })
    })
    .await
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
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

#[derive(Row, Deserialize)]
struct CountRow {
    key: String,
    name: String,
    plays: u64,
}

#[derive(Row, Deserialize)]
struct TotalsRow {
    listened_ms: u64,
    plays: u64,
}

/// The caller's listening in the period: minutes, plays, top tracks, top artists, genres.
#[utoipa::path(get, path = "/v1/me/stats", tag = "charts", security(("bearer" = [])), params(StatsQuery),
    responses((status = 200, body = MyStats), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
              (status = 503, body = ErrorBody)))]
pub async fn my_stats(
    State(state): State<AppState>,
    user: AuthUser,
    QueryParams(query): QueryParams<StatsQuery>,
) -> ApiResult<Json<Value>> {
    let period = query.period.unwrap_or_default();
    let since = (encore_common::now_millis() / 1_000) as u32 - period.days() * 86_400;
    cached(&state, format!("me/stats/{}/{period:?}", user.id), PERSONAL_TTL, async {
        let db = &state.warehouse;
        let fail = |e| warehouse_error(&state, e);
        let mine = "SELECT track_id, kind, position_ms FROM plays_by_user FINAL \
                    WHERE user_id = toUUID(?) AND occurred_at >= toDateTime(?)";
        let totals: TotalsRow = db
            .query(&format!(
                "SELECT sumIf(position_ms, kind IN ('skip', 'complete')) AS listened_ms, countIf(kind = 'start') AS plays FROM ({mine})"
            ))
            .bind(user.id.to_string())
            .bind(since)
            .fetch_one()
            .await
            .map_err(fail)?;
        let per_track = format!(
            "SELECT track_id, countIf(kind = 'start') AS plays FROM ({mine}) GROUP BY track_id HAVING plays > 0"
        );
        let top = |select: &str, group: &str| {
            format!(
                "SELECT {select}, sum(plays) AS plays FROM ({per_track}) AS mine \
                 ALL INNER JOIN (SELECT id AS track_id, title, artist_id, genre FROM dim_tracks FINAL) AS tracks USING track_id \
                 GROUP BY {group} ORDER BY plays DESC, key LIMIT 5"
            )
        };
        let mut lists = Vec::new();
        for sql in [
            top("toString(track_id) AS key, any(title) AS name", "track_id"),
            format!(
                "SELECT key, name, plays FROM ({}) AS top_rows ANY LEFT JOIN (SELECT toString(id) AS key, name FROM dim_artists FINAL) AS artists USING key \
                 ORDER BY plays DESC, key",
                top("toString(artist_id) AS key, '' AS unused", "artist_id")
            ),
            top("genre AS key, genre AS name", "genre"),
        ] {
            let rows: Vec<CountRow> = db
                .query(&sql)
                .bind(user.id.to_string())
                .bind(since)
                .fetch_all()
                .await
                .map_err(fail)?;
            lists.push(rows);
        }
        let counted = |rows: Vec<CountRow>, ids: bool| -> Vec<Counted> {
            rows.into_iter()
                .filter(|r| !r.key.is_empty() && r.key != NIL)
                .map(|r| Counted {
                    id: if ids { r.key.parse().ok() } else { None },
                    name: if r.name.is_empty() { r.key } else { r.name },
                    plays: r.plays,
                })
                .collect()
        };
        let genres = lists.pop().unwrap_or_default();
        let artists = lists.pop().unwrap_or_default();
        let tracks = lists.pop().unwrap_or_default();
        Ok(MyStats {
            period,
            minutes: totals.listened_ms as f64 / 60_000.0,
            plays: totals.plays,
            top_tracks: counted(tracks, true),
            top_artists: counted(artists, true),
            genres: counted(genres, false),
        })
    })
    .await
}
