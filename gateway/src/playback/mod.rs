//! `POST /v1/events/playback`: a batch of the caller's playback events,
//! answered with 202 only once the broker has acknowledged every event.

pub mod publish;
pub(crate) mod validate;

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::post;
use axum::Json;
use axum::Router;
use serde::Serialize;

use crate::auth::AuthUser;
use crate::error::{ApiError, ErrorBody, FieldError};
use crate::produce::Events;
use crate::state::AppState;

/// The playback event endpoint.
pub fn router() -> Router<AppState> {
    Router::new().route("/v1/events/playback", post(post_batch))
}

pub use publish::publish;
pub use validate::{validate_batch, MAX_BATCH};

/// 500 events of generous size fit well inside this.
pub const MAX_BODY_BYTES: usize = 2 * 1024 * 1024;

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Accepted {
    pub accepted: usize,
}

/// Publishes a batch of playback events. Every event of a batch is checked;
/// one bad event rejects the batch (400 listing each bad field by index) and
/// nothing of it is published. 202 means the broker has every event.
#[utoipa::path(post, path = "/v1/events/playback", tag = "playback", security(("bearer" = [])),
    request_body = validate::PlaybackBatch<'_>,
    responses((status = 202, body = Accepted), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
              (status = 413, body = ErrorBody), (status = 415, body = ErrorBody),
              (status = 503, description = "The broker did not acknowledge in time; retry the same batch", body = ErrorBody)))]
#[tracing::instrument(name = "playback_batch", skip_all, fields(user = %user.id, events = tracing::field::Empty))]
pub async fn post_batch(
    State(events): State<Events>,
    user: AuthUser,
    headers: axum::http::HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<(StatusCode, Json<Accepted>), ApiError> {
    crate::extract::require_json(&headers)?;
    let body = body.map_err(|rejection| ApiError {
        fields: vec![FieldError {
            index: None,
            field: "body".into(),
            message: format!("at most {MAX_BODY_BYTES} bytes of JSON"),
        }],
        ..ApiError::new(rejection.status(), "invalid_body", rejection.body_text())
    })?;
    let received_at = encore_common::now_millis();
    let batch = validate_batch(&body, user.id, received_at)?;
    tracing::Span::current().record("events", batch.len());
    // Once the broker has them the events are durable, and everything else
    // (the history, the warehouse, the search ranking) is derived from them.
    publish(&events, &batch).await?;
    metrics::counter!(encore_common::metrics::GATEWAY_PLAYBACK_EVENTS_ACCEPTED_TOTAL.name)
        .increment(batch.len() as u64);
    Ok((
        StatusCode::ACCEPTED,
        Json(Accepted {
            accepted: batch.len(),
        }),
    ))
}
