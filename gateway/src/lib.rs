//! Encore's HTTP gateway: a thin HTTP layer over plain functions and explicit SQL.
//!
//! - [`auth`] and [`me`]: accounts, sessions, the caller's profile.
//! - [`catalog`]: artists, albums, tracks; [`audio`]: upload and streaming.
//! - [`library`]: playlists, likes, listening history.
//! - [`playback`]: `POST /v1/events/playback`, validated and produced to Kafka.
//! - [`outbox`]: catalog changes written with each change and relayed to Kafka.
//! - [`search`]: typo-tolerant search and autocomplete over the indexer's indices,
//!   and the search events analysts read.
//! - [`charts`] and [`recommend`]: charts, a listener's statistics, similar
//!   tracks and recommendations, read from the ClickHouse warehouse.
//! - [`discovery`]: a radio from a track, album or artist (`/v1/radio`), on
//!   the core's discovery that Subsonic's similar songs share.
//! - [`admin`]: roles and artist membership.
//! - [`error`], [`extract`], [`checks`], [`paging`]: the shared request/response plumbing.
//! - [`openapi`]: the API description served at `/openapi.json` and `/docs`.
//! - [`state`]: what the gateway holds while it serves, in the parts handlers
//!   extract (`State<PgPool>`, `State<Events>`, ...); [`times`]: API times.

pub mod admin;
pub mod audio;
pub mod auth;
pub mod cache;
pub mod catalog;
pub mod charts;
pub mod checks;
pub mod config;
pub mod dashboard;
pub mod discovery;
pub mod error;
pub mod extract;
pub mod library;
pub mod me;
pub mod openapi;
pub mod outbox;
pub mod paging;
pub mod playback;
pub mod produce;
pub mod radio;
pub mod recommend;
pub mod search;
pub mod shares;
pub mod state;
pub mod storage;

pub use encore_common::times;
pub mod subsonic;
pub mod web;

use std::sync::Arc;
use std::time::Duration;

use axum::extract::DefaultBodyLimit;
use axum::routing::get;
use axum::Router;
use encore_common::backoff::Backoff;
use encore_common::kafka;
use encore_common::telemetry;
use tokio::sync::watch;
use utoipa::OpenApi;

use crate::error::ApiError;
use crate::outbox::relay::Relay;

pub use config::GatewayConfig;
pub use state::{start, AppState, StartError};

/// The gateway's router: each module's routes, the API description, the
/// operations endpoints, and the middleware every request goes through.
pub fn app(state: AppState) -> Router {
    let api = Router::new()
        .merge(auth::routes::router())
        .merge(auth::apps::router())
        .merge(me::router())
        .merge(catalog::router())
        .merge(audio::router(state.config.max_audio_bytes))
        .merge(library::router())
        .merge(playback::router())
        .merge(search::router())
        .merge(charts::router())
        .merge(recommend::router())
        .merge(discovery::router())
        .merge(radio::router())
        .merge(shares::router())
        .merge(admin::router())
        .merge(dashboard::router())
        .merge(subsonic::router(&state));
    let web_dir = state.config.web_dir.clone();
    api.route(
        "/openapi.json",
        get(|| async { axum::Json(openapi::ApiDoc::openapi()) }),
    )
    .merge(telemetry::ops_routes(readiness(&state)))
    // The web app and /docs: whatever no route above matched.
    .fallback(move |request| web::fallback(web_dir.clone(), request))
    .method_not_allowed_fallback(|| async {
        ApiError::new(
            axum::http::StatusCode::METHOD_NOT_ALLOWED,
            "method_not_allowed",
            "this path does not take that method; /openapi.json lists what it takes",
        )
    })
    .layer(DefaultBodyLimit::max(playback::MAX_BODY_BYTES))
    .layer(axum::middleware::map_response_with_state(
        state.clone(),
        error::retry_after,
    ))
    .layer(axum::middleware::from_fn(web::security_headers))
    .layer(axum::middleware::from_fn(telemetry::track_requests))
    .with_state(state)
}

/// What `GET /ready` checks. PostgreSQL and the brokers carry every write,
/// so without them the gateway is not ready; search and ClickHouse only back
/// reads (search, charts, recommendations), so they are reported but do not
/// take the gateway out of rotation.
fn readiness(state: &AppState) -> telemetry::ReadyCheck {
    let state = state.clone();
    Arc::new(move || {
        let state = state.clone();
        Box::pin(async move {
            let postgres = encore_core::db::ping(&state.db)
                .await
                .map_err(|e| format!("PostgreSQL does not answer: {e}"));
            vec![
                telemetry::Dependency {
                    name: "postgres",
                    required: true,
                    state: postgres,
                },
                telemetry::kafka_dependency(state.config.kafka.clone()).await,
                state.search.client.dependency(false).await,
                encore_warehouse::dependency(&state.warehouse.client, false).await,
                state.warehouse.online.dependency().await,
            ]
        })
    })
}

/// The outbox relay of this gateway.
pub fn relay(state: &AppState) -> Relay {
    Relay {
        db: state.db.clone(),
        transactional_id: format!(
            "{}{}",
            state.config.kafka.topic_prefix, state.config.outbox_transactional_id
        ),
        producer: None,
        kafka: state.config.kafka.clone(),
        topics: state.config.kafka.topics(),
        poll: state.config.outbox_poll,
        wakeup: state.outbox.clone(),
    }
}

/// How long running requests may take to finish after a shutdown signal.
pub const SHUTDOWN_GRACE: Duration = Duration::from_secs(10);

/// Serves `app` on `listener` with the outbox relay running beside it, until
/// `shutdown` resolves; then finishes in-flight requests and stops the relay.
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: AppState,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let (stop, stopped) = watch::channel(false);
    let until_stopped = |mut rx: watch::Receiver<bool>| async move {
        let _ = rx.wait_for(|s| *s).await;
    };
    let relay = tokio::spawn(relay(&state).run(until_stopped(stopped.clone())));
    let topics = {
        let state = state.clone();
        let stopped = until_stopped(stopped.clone());
        tokio::spawn(async move {
            tokio::pin!(stopped);
            ensure_playback_topic(&state, &mut stopped).await;
        })
    };
    let accounts = {
        let (accounts, db) = (state.accounts.clone(), state.db.clone());
        tokio::spawn(async move { accounts.listen(&db, until_stopped(stopped)).await })
    };
    // On shutdown, stop accepting and let running requests finish, but only
    // for SHUTDOWN_GRACE: a slow download must not keep the process alive.
    let (fired, fired_rx) = tokio::sync::oneshot::channel::<()>();
    let signal = async move {
        shutdown.await;
        let _ = fired.send(());
    };
    let server = std::future::IntoFuture::into_future(
        // The peer address counts failed logins per client (auth::client).
        axum::serve(
            listener,
            app(state).into_make_service_with_connect_info::<std::net::SocketAddr>(),
        )
        .with_graceful_shutdown(signal),
    );
    let grace_over = async {
        match fired_rx.await {
            Ok(()) => tokio::time::sleep(SHUTDOWN_GRACE).await,
            Err(_) => std::future::pending().await,
        }
    };
    let served = tokio::select! {
        served = server => served,
        () = grace_over => {
            tracing::warn!(grace_secs = SHUTDOWN_GRACE.as_secs(), "requests still running after the grace period; stopping anyway");
            Ok(())
        }
    };
    let _ = stop.send(true);
    let _ = relay.await;
    let _ = topics.await;
    let _ = accounts.await;
    served
}

/// Creates the playback and search-events topics, retrying while the broker
/// is unreachable, until they exist or `shutdown` comes.
async fn ensure_playback_topic(
    state: &AppState,
    mut shutdown: impl std::future::Future<Output = ()> + Unpin,
) {
    let wanted = kafka::with_dead_letters(
        &state.config.kafka,
        &[&state.events.playback_topic, &state.events.search_topic],
    );
    let mut backoff = Backoff::new(Duration::from_millis(200), Duration::from_secs(10));
    loop {
        let both = kafka::ensure_topics(&state.config.kafka, &wanted);
        let created = tokio::select! {
            _ = &mut shutdown => return,
            created = both => created,
        };
        match created {
            Ok(()) => return,
            Err(error) => tracing::warn!(%error, "creating the playback topic failed; retrying"),
        }
        tokio::select! {
            _ = &mut shutdown => return,
            () = backoff.wait() => {},
        }
    }
}
