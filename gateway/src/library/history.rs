//! Listening history: every play the caller started, newest first. The etl
//! writes each play from the playback topic to the warehouse
//! (`encore_warehouse::history`) and then copies the listener's last 500 to
//! Redis, which answers (`encore_online::history`); older pages, and every
//! page while Redis is off or down, are the warehouse's. A play shows up a
//! batch after the broker took it, about a second.

use axum::extract::State;
use axum::routing::get;
use axum::Json;
use axum::Router;
use encore_warehouse::history::{self, Before};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::auth::AuthUser;
use crate::cache::Warehouse;
use crate::charts::warehouse_error;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::extract::QueryParams;
use crate::paging::{DEFAULT_LIMIT, MAX_LIMIT};
use crate::state::AppState;
use crate::times::{from_millis, rfc3339};

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
#[into_params(parameter_in = Query)]
pub struct HistoryQuery {
    /// 1 to 100, default 20.
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}

/// The cursor is `<epoch micros>_<event id>` of the last entry: plays are
/// ordered by time, and the id breaks ties. (Plays carry milliseconds; the
/// cursor keeps the micros it has always had, so old cursors still parse.)
fn parse_cursor(cursor: &str) -> Option<Before> {
    let (micros, id) = cursor.split_once('_')?;
    let micros: u64 = micros.parse().ok()?;
    Some(Before {
        occurred_at_ms: micros / 1_000,
        event_id: Uuid::parse_str(id).ok()?,
    })
}

fn cursor_of(play: &history::Play) -> String {
    format!("{}_{}", play.occurred_at_ms * 1_000, play.event_id)
}

/// The caller's plays, newest first.
#[utoipa::path(get, path = "/v1/me/history", tag = "library", security(("bearer" = [])), params(HistoryQuery),
    responses((status = 200, body = HistoryPage), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 503, body = ErrorBody)))]
pub async fn list(
    State(warehouse): State<Warehouse>,
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
    let (mut plays, _) = encore_online::history::page(
        &warehouse.online,
        &warehouse.client,
        user.id,
        after,
        limit as u64 + 1,
    )
    .await
    .map_err(warehouse_error)?;
    let more = plays.len() as i64 > limit;
    plays.truncate(limit as usize);
    let next_cursor = more.then(|| plays.last().map(cursor_of)).flatten();
    let items = plays
        .into_iter()
        .map(|play| HistoryEntry {
            played_at: rfc3339(
                from_millis(play.occurred_at_ms).unwrap_or(OffsetDateTime::UNIX_EPOCH),
            ),
            event_id: play.event_id,
            track_id: play.track_id,
            context: play.context,
        })
        .collect();
    Ok(Json(HistoryPage { items, next_cursor }))
}

#[cfg(test)]
mod tests {
    #[test]
    fn cursors_round_trip_and_reject_garbage() {
        let id = uuid::Uuid::from_u128(5);
        let before = super::parse_cursor(&format!("1700000000123000_{id}")).unwrap();
        assert_eq!(before.event_id, id);
        assert_eq!(before.occurred_at_ms, 1_700_000_000_123);
        let play = encore_warehouse::history::Play {
            event_id: id,
            track_id: id,
            context: String::new(),
            occurred_at_ms: before.occurred_at_ms,
        };
        assert_eq!(super::parse_cursor(&super::cursor_of(&play)), Some(before));
        for bad in ["", "x_y", "12", &format!("abc_{id}")] {
            assert!(super::parse_cursor(bad).is_none(), "{bad}");
        }
    }
}
