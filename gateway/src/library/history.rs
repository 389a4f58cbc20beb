//! Listening history: one row per play started, written from the playback
//! topic by [`super::history_sink`], read newest first by `GET /v1/me/history`.

use axum::extract::State;
use axum::routing::get;
use axum::Json;
use axum::Router;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::auth::AuthUser;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::extract::QueryParams;
use crate::paging::{DEFAULT_LIMIT, MAX_LIMIT};
use crate::{rfc3339, AppState};

/// The caller's listening history.
pub fn router() -> Router<AppState> {
    Router::new().route("/v1/me/history", get(list))
}

#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct HistoryEntry {
    pub event_id: Uuid,
    pub track_id: Uuid,
    /// Where the play started: album, playlist, search, ...
    pub context: String,
    /// RFC 3339.
    pub played_at: String,
}

#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct HistoryPage {
    pub items: Vec<HistoryEntry>,
    pub next_cursor: Option<String>,
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct HistoryQuery {
    /// 1 to 100, default 20.
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}

/// The cursor is `<epoch micros>_<event id>` of the last entry: plays are
/// ordered by time, and the id breaks ties.
fn parse_cursor(cursor: &str) -> Option<(OffsetDateTime, Uuid)> {
    let (micros, id) = cursor.split_once('_')?;
    let micros: i128 = micros.parse().ok()?;
    let at = OffsetDateTime::from_unix_timestamp_nanos(micros * 1_000).ok()?;
    Some((at, Uuid::parse_str(id).ok()?))
}

/// The caller's plays, newest first.
#[utoipa::path(get, path = "/v1/me/history", tag = "library", security(("bearer" = [])), params(HistoryQuery),
    responses((status = 200, body = HistoryPage), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    user: AuthUser,
    QueryParams(query): QueryParams<HistoryQuery>,
) -> ApiResult<Json<HistoryPage>> {
    let limit = query.limit.unwrap_or(DEFAULT_LIMIT);
    if !(1..=MAX_LIMIT).contains(&limit) {
        return Err(ApiError::invalid_field(
            "limit",
            format!("must be between 1 and {MAX_LIMIT}"),
        ));
    }
    let after = match query.cursor.as_deref().filter(|c| !c.is_empty()) {
        None => None,
        Some(c) => Some(parse_cursor(c).ok_or_else(|| {
            ApiError::invalid_field("cursor", "is not a cursor this API gave out")
        })?),
    };
    let rows: Vec<(Uuid, Uuid, String, OffsetDateTime)> = sqlx::query_as(
        "SELECT event_id, track_id, context, occurred_at FROM listening_history \
         WHERE user_id = $1 AND ($2::timestamptz IS NULL OR (occurred_at, event_id) < ($2, $3)) \
         ORDER BY occurred_at DESC, event_id DESC LIMIT $4",
    )
    .bind(user.id)
    .bind(after.map(|a| a.0))
    .bind(after.map(|a| a.1))
    .bind(limit + 1)
    .fetch_all(&state.db)
    .await?;
    let more = rows.len() as i64 > limit;
    let rows = &rows[..rows.len().min(limit as usize)];
    let next_cursor = more
        .then(|| rows.last())
        .flatten()
        .map(|(id, _, _, at)| format!("{}_{id}", at.unix_timestamp_nanos() / 1_000));
    let items = rows
        .iter()
        .map(|(event_id, track_id, context, at)| HistoryEntry {
            event_id: *event_id,
            track_id: *track_id,
            context: context.clone(),
            played_at: rfc3339(*at),
        })
        .collect();
    Ok(Json(HistoryPage { items, next_cursor }))
}

#[cfg(test)]
mod tests {
    #[test]
    fn cursors_round_trip_and_reject_garbage() {
        let id = uuid::Uuid::from_u128(5);
        let (at, back) = super::parse_cursor(&format!("1700000000123456_{id}")).unwrap();
        assert_eq!(back, id);
        assert_eq!(at.unix_timestamp_nanos() / 1_000, 1_700_000_000_123_456);
        for bad in ["", "x_y", "12", &format!("abc_{id}")] {
            assert!(super::parse_cursor(bad).is_none(), "{bad}");
        }
    }
}
