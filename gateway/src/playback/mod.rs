//! `POST /v1/events/playback`: a batch of playback events, answered with 202
//! only once the broker has acknowledged every event.

mod publish;
mod validate;

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use serde::Serialize;

use crate::error::{ApiError, FieldError};
use crate::AppState;

pub use publish::publish;
pub use validate::{validate_batch, UserSource, MAX_BATCH};

/// 500 events of generous size fit well inside this.
pub const MAX_BODY_BYTES: usize = 2 * 1024 * 1024;

#[derive(Debug, Serialize)]
pub struct Accepted {
    pub accepted: usize,
}

#[tracing::instrument(name = "playback_batch", skip_all, fields(events = tracing::field::Empty))]
pub async fn post_batch(
    State(state): State<AppState>,
    body: Result<Bytes, BytesRejection>,
) -> Result<(StatusCode, Json<Accepted>), ApiError> {
    let body = body.map_err(|rejection| ApiError {
        status: rejection.status(),
        code: "invalid_body",
        message: rejection.body_text(),
        fields: vec![FieldError {
            index: None,
            field: "body".into(),
            message: format!("at most {MAX_BODY_BYTES} bytes of JSON"),
        }],
        retry_after: None,
    })?;
    let received_at = encore_common::now_millis();
    let events = validate_batch(&body, UserSource::Body, received_at)?;
    tracing::Span::current().record("events", events.len());
    publish(&state, &events).await?;
    metrics::counter!("encore_gateway_playback_events_accepted_total")
        .increment(events.len() as u64);
    Ok((
        StatusCode::ACCEPTED,
        Json(Accepted {
            accepted: events.len(),
        }),
    ))
}
