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
use crate::AppState;

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
    request_body = docs::PlaybackBatch,
    responses((status = 202, body = Accepted), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
              (status = 413, body = ErrorBody), (status = 415, body = ErrorBody),
              (status = 503, description = "The broker did not acknowledge in time; retry the same batch", body = ErrorBody)))]
#[tracing::instrument(name = "playback_batch", skip_all, fields(user = %user.id, events = tracing::field::Empty))]
pub async fn post_batch(
    State(state): State<AppState>,
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
    let events = validate_batch(&body, user.id, received_at)?;
    tracing::Span::current().record("events", events.len());
    // Once the broker has them the events are durable, and everything else
    // (the history, the warehouse, the search ranking) is derived from them.
    publish(&state, &events).await?;
    metrics::counter!(encore_common::metrics::GATEWAY_PLAYBACK_EVENTS_ACCEPTED_TOTAL.name)
        .increment(events.len() as u64);
    Ok((
        StatusCode::ACCEPTED,
        Json(Accepted {
            accepted: events.len(),
        }),
    ))
}

/// The request body as documentation: the handler validates the JSON itself
/// so it can report every bad field of every event at once.
pub mod docs {
    use serde::Deserialize;
    use uuid::Uuid;

    #[derive(Deserialize, utoipa::ToSchema)]
    pub struct PlaybackBatch {
        /// 1 to 500 events.
        #[schema(min_items = 1, max_items = 500)]
        pub events: Vec<PlaybackEventIn>,
    }

    #[derive(Deserialize, utoipa::ToSchema)]
    #[allow(dead_code)]
    pub struct PlaybackEventIn {
        /// Chosen by the client; a retry reuses it.
        pub event_id: Uuid,
        /// The caller; may be omitted.
        pub user_id: Option<Uuid>,
        pub track_id: Uuid,
        pub session_id: Uuid,
        #[schema(pattern = "^(start|progress|pause|resume|skip|complete)$")]
        pub kind: String,
        #[schema(minimum = 0, maximum = 86400000)]
        pub position_ms: i64,
        #[schema(minimum = 1, maximum = 86400000)]
        pub track_duration_ms: i64,
        /// RFC 3339 text or epoch milliseconds; after 2000, at most a day ahead.
        #[schema(value_type = String, format = DateTime)]
        pub occurred_at: String,
        pub client: ClientIn,
        pub device: DeviceIn,
        pub context: ContextIn,
    }

    #[derive(Deserialize, utoipa::ToSchema)]
    #[allow(dead_code)]
    pub struct ClientIn {
        #[schema(min_length = 1, max_length = 200)]
        pub app: String,
        pub version: Option<String>,
    }

    #[derive(Deserialize, utoipa::ToSchema)]
    #[allow(dead_code)]
    pub struct DeviceIn {
        pub id: Option<String>,
        #[schema(pattern = "^(android|ios|web|desktop|tv|car|speaker|other)$")]
        pub platform: String,
    }

    #[derive(Deserialize, utoipa::ToSchema)]
    #[allow(dead_code)]
    pub struct ContextIn {
        #[schema(pattern = "^(album|artist|playlist|search|recommendation|library|radio|other)$")]
        pub kind: String,
        pub id: Option<String>,
    }
}
