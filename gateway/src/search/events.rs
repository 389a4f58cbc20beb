//! Search events for analysts: every search through the gateway, and every
//! result a client opens from one (`POST /v1/search/clicks`), go to the
//! `search-events` topic as `encore_schemas::SearchEvent`, keyed by the
//! search id. The etl loads them into ClickHouse (`docs/analytics.md`).
//!
//! A search never waits for its event: the answer matters more than the
//! statistic, so a broker that is down costs the event, not the search
//! (counted in `encore_gateway_produce_failures_total`). A click is the
//! client's own report, so it is acknowledged only once the broker has it,
//! and a 503 asks the client to send it again.

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::post;
use axum::{Json, Router};
use encore_schemas::{encode, SearchEvent, SearchEventKind};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::auth::MaybeUser;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::extract::JsonBody;
use crate::produce::{send_all, Events};
use crate::search::ResultType;
use crate::state::AppState;

/// The click endpoint.
pub fn router() -> Router<AppState> {
    Router::new().route("/v1/search/clicks", post(click))
}

/// Deep ranks are what paging gives out at most.
const MAX_POSITION: u32 = 1_050;

/// Publishes the event of a search that was answered, without waiting.
pub(crate) fn searched(
    events: &Events,
    search_id: Uuid,
    user: Option<Uuid>,
    query: &str,
    kind: Option<ResultType>,
    results: u64,
) {
    let event = SearchEvent {
        event_id: Uuid::now_v7(),
        search_id,
        kind: SearchEventKind::Search,
        user_id: user.map(|u| u.to_string()),
        query: query.to_string(),
        result_type: kind.map(|k| k.as_str().to_string()),
        results: i64::try_from(results).unwrap_or(i64::MAX),
        clicked_id: None,
        position: None,
        occurred_at: encore_common::now_millis(),
    };
    let events = events.clone();
    tokio::spawn(async move {
        if let Err(error) = send(&events, &event).await {
            tracing::warn!(%error, "a search event was not published");
        }
    });
}

/// Sends one event and waits for the broker's acknowledgement.
async fn send(events: &Events, event: &SearchEvent) -> Result<(), String> {
    let payload = encode(event).map_err(|e| e.to_string())?;
    send_all(
        events,
        &events.search_topic,
        &[(event.search_id.to_string(), payload)],
    )
    .await
}

/// A result a client opened from a search.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Click {
    /// The `search_id` of the `GET /v1/search` answer the result came from.
    pub search_id: Uuid,
    /// The opened result's `id`.
    pub result_id: Uuid,
    /// The opened result's `type`.
    #[serde(rename = "type")]
    #[schema(rename = "type")]
    pub kind: ResultType,
    /// Its rank in that answer, 0 first (across pages).
    pub position: u32,
}

#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ClickAccepted {
    pub event_id: Uuid,
}

/// Records that a result of a search was opened.
#[utoipa::path(post, path = "/v1/search/clicks", tag = "search", request_body = Click,
    responses((status = 202, body = ClickAccepted), (status = 400, body = ErrorBody),
              (status = 503, description = "The event log is unavailable; send the click again", body = ErrorBody)))]
pub async fn click(
    State(events): State<Events>,
    MaybeUser(viewer): MaybeUser,
    JsonBody(click): JsonBody<Click>,
) -> ApiResult<(StatusCode, Json<ClickAccepted>)> {
    if click.position > MAX_POSITION {
        return Err(ApiError::invalid_field(
            "position",
            format!("must be between 0 and {MAX_POSITION}"),
        ));
    }
    let event = SearchEvent {
        event_id: Uuid::now_v7(),
        search_id: click.search_id,
        kind: SearchEventKind::Click,
        user_id: viewer.map(|v| v.id.to_string()),
        query: String::new(),
        result_type: Some(click.kind.as_str().to_string()),
        results: 0,
        clicked_id: Some(click.result_id.to_string()),
        position: i32::try_from(click.position).ok(),
        occurred_at: encore_common::now_millis(),
    };
    send(&events, &event).await.map_err(|why| {
        ApiError::unavailable(format!(
            "the event log is unavailable ({why}); send the click again"
        ))
    })?;
    Ok((
        StatusCode::ACCEPTED,
        Json(ClickAccepted {
            event_id: event.event_id,
        }),
    ))
}
