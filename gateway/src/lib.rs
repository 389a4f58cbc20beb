//! Encore's HTTP gateway: a thin HTTP layer over plain functions.
//!
//! - [`playback`]: `POST /v1/events/playback`, validated and produced to Kafka.
//! - [`error`]: the one JSON error shape every endpoint answers with.

pub mod config;
pub mod error;
pub mod playback;

use std::sync::Arc;

use axum::routing::post;
use axum::Router;
use encore_common::telemetry;
use rdkafka::producer::FutureProducer;

pub use config::GatewayConfig;

/// What every handler may use; cheap to clone.
#[derive(Clone)]
pub struct AppState {
    pub config: Arc<GatewayConfig>,
    pub producer: FutureProducer,
    /// Broker-side name of the playback topic (prefix applied).
    pub playback_topic: Arc<str>,
}

impl AppState {
    pub fn new(config: GatewayConfig) -> Result<Self, rdkafka::error::KafkaError> {
        let producer = encore_common::kafka::producer(&config.kafka)?;
        let playback_topic = config.kafka.topics().playback_events().into();
        Ok(AppState {
            config: Arc::new(config),
            producer,
            playback_topic,
        })
    }
}

/// The gateway's router with every route and the request middleware.
pub fn app(state: AppState) -> Router {
    Router::new()
        .route("/v1/events/playback", post(playback::post_batch))
        .merge(telemetry::ops_routes())
        .layer(axum::extract::DefaultBodyLimit::max(
            playback::MAX_BODY_BYTES,
        ))
        .layer(axum::middleware::from_fn(telemetry::track_requests))
        .with_state(state)
}

/// Creates the topics the gateway writes to, so a fresh broker works.
pub async fn ensure_topics(
    state: &AppState,
) -> Result<(), encore_common::kafka::KafkaPlumbingError> {
    encore_common::kafka::ensure_topic_with_dlq(&state.config.kafka, &state.playback_topic).await
}

/// Serves `app` on `listener` until `shutdown` resolves, then finishes in-flight requests.
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: AppState,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, app(state))
        .with_graceful_shutdown(shutdown)
        .await
}
