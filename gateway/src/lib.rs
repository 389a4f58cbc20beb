//! Encore's HTTP gateway: a thin HTTP layer over plain functions and explicit SQL.
//!
//! - [`auth`] and [`me`]: accounts, sessions, the caller's profile.
//! - [`catalog`]: artists, albums, tracks; [`audio`]: upload and streaming.
//! - [`library`]: playlists, likes, listening history.
//! - [`playback`]: `POST /v1/events/playback`, validated and produced to Kafka.
//! - [`outbox`]: catalog changes written with each change and relayed to Kafka.
//! - [`search`]: typo-tolerant search and autocomplete over the indexer's indices.
//! - [`charts`] and [`recommend`]: charts, a listener's statistics, similar
//!   tracks and recommendations, read from the ClickHouse warehouse.
//! - [`admin`]: roles and artist membership.
//! - [`error`], [`extract`], [`checks`], [`paging`]: the shared request/response plumbing.
//! - [`openapi`]: the API description served at `/openapi.json` and `/docs`.

pub mod admin;
pub mod audio;
pub mod auth;
pub mod cache;
pub mod catalog;
pub mod charts;
pub mod checks;
pub mod config;
pub mod db;
pub mod error;
pub mod extract;
pub mod library;
pub mod me;
pub mod openapi;
pub mod outbox;
pub mod paging;
pub mod playback;
pub mod recommend;
pub mod search;
pub mod storage;

use std::sync::Arc;
use std::time::Duration;

use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post, put};
use axum::Router;
use encore_common::kafka::{self, SharedProducer};
use encore_common::telemetry;
use sqlx::PgPool;
use time::format_description::well_known::Rfc3339;
use tokio::sync::{watch, Notify};
use utoipa::OpenApi;
use utoipa_scalar::Servable;

pub use config::GatewayConfig;

use crate::auth::token::TokenKeys;
use crate::error::ApiError;
use crate::outbox::relay::Relay;
use crate::storage::{Storage, StorageError};

/// What every handler may use; cheap to clone.
#[derive(Clone)]
pub struct AppState {
    pub config: Arc<GatewayConfig>,
    pub producer: SharedProducer,
    /// Broker-side name of the playback topic (prefix applied).
    pub playback_topic: Arc<str>,
    pub db: PgPool,
    pub tokens: Arc<TokenKeys>,
    pub storage: Storage,
    /// Woken after every committed catalog write, so the relay publishes at once.
    pub outbox_wakeup: Arc<Notify>,
    /// The search server and the names of the indices the indexer keeps there.
    pub search: encore_search::client::SearchClient,
    pub search_names: encore_search::indices::Names,
    /// The ClickHouse warehouse the ETL fills, and a short cache of answers read from it.
    pub warehouse: clickhouse::Client,
    pub cache: Arc<cache::TtlCache>,
}

#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("connecting to PostgreSQL: {0}")]
    Database(#[from] sqlx::Error),
    #[error("migrating PostgreSQL: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("opening object storage: {0}")]
    Storage(#[from] StorageError),
    #[error("creating the Kafka producer: {0}")]
    Kafka(#[from] rdkafka::error::KafkaError),
    #[error("the search server URL: {0}")]
    SearchUrl(#[from] elasticsearch::Error),
}

/// Connects to PostgreSQL (applying migrations), storage and Kafka.
/// Kafka being down does not stop the gateway: catalog writes still commit,
/// the outbox keeps them, and playback batches answer 503 until it is back.
pub async fn start(config: GatewayConfig) -> Result<AppState, StartError> {
    if config.auth.jwt_secret == config::DEV_JWT_SECRET {
        tracing::warn!("ENCORE_JWT_SECRET is the local development secret; set a real one outside the local stack");
    }
    let db = db::connect(&config.database_url, config.database_max_connections).await?;
    db::migrate(&db).await?;
    catalog::import::backfill_keys(&db).await?;
    let storage = Storage::open(&config.storage_url)?;
    let producer = SharedProducer::new(&config.kafka)?;
    let playback_topic = config.kafka.topics().playback_events().into();
    Ok(AppState {
        search: encore_search::client::SearchClient::new(&config.search_url)?,
        search_names: encore_search::indices::Names::new(&config.search_prefix),
        warehouse: encore_warehouse::client(&config.clickhouse_url, &config.clickhouse_database),
        cache: Arc::new(cache::TtlCache::new(10_000)),
        tokens: Arc::new(TokenKeys::new(&config.auth)),
        config: Arc::new(config),
        producer,
        playback_topic,
        db,
        storage,
        outbox_wakeup: Arc::new(Notify::new()),
    })
}

/// The gateway's router with every route and the request middleware.
pub fn app(state: AppState) -> Router {
    use crate::catalog::{albums, artists, tracks};
    use crate::library::{history, likes, playlists};
    let audio_limit = DefaultBodyLimit::max(state.config.max_audio_bytes);
    let api = Router::new()
        .route("/v1/auth/register", post(auth::routes::register))
        .route("/v1/auth/login", post(auth::routes::login))
        .route("/v1/auth/refresh", post(auth::routes::refresh))
        .route("/v1/auth/logout", post(auth::routes::logout))
        .route(
            "/v1/me",
            get(me::get_me).patch(me::update_me).delete(me::delete_me),
        )
        .route(
            "/v1/me/avatar",
            put(me::put_avatar).layer(DefaultBodyLimit::max(me::MAX_AVATAR_BYTES)),
        )
        .route("/v1/users/{id}/avatar", get(me::get_avatar))
        .route("/v1/artists", get(artists::list).post(artists::create))
        .route(
            "/v1/artists/{id}",
            get(artists::get)
                .patch(artists::update)
                .delete(artists::delete),
        )
        .route("/v1/albums", get(albums::list).post(albums::create))
        .route(
            "/v1/albums/{id}",
            get(albums::get)
                .patch(albums::update)
                .delete(albums::delete),
        )
        .route("/v1/tracks", get(tracks::list).post(tracks::create))
        .route(
            "/v1/tracks/{id}",
            get(tracks::get)
                .patch(tracks::update)
                .delete(tracks::delete),
        )
        .route(
            "/v1/tracks/{id}/audio",
            post(audio::upload).layer(audio_limit),
        )
        .route("/v1/tracks/{id}/stream", get(audio::stream))
        .route("/v1/playlists", post(playlists::create))
        .route(
            "/v1/playlists/{id}",
            get(playlists::get)
                .patch(playlists::update)
                .delete(playlists::delete),
        )
        .route("/v1/playlists/{id}/items", post(playlists::add_item))
        .route(
            "/v1/playlists/{id}/items/{item_id}",
            axum::routing::delete(playlists::remove_item),
        )
        .route(
            "/v1/playlists/{id}/items/{item_id}/position",
            put(playlists::move_item),
        )
        .route("/v1/me/playlists", get(playlists::list_mine))
        .route("/v1/me/likes/{kind}", get(likes::list))
        .route(
            "/v1/me/likes/{kind}/{id}",
            put(likes::like).delete(likes::unlike),
        )
        .route("/v1/me/history", get(history::list))
        .route("/v1/events/playback", post(playback::post_batch))
        .route("/v1/search", get(search::search))
        .route("/v1/search/suggest", get(search::suggest))
        .route("/v1/charts/tracks", get(charts::top_tracks))
        .route("/v1/charts/artists", get(charts::top_artists))
        .route("/v1/charts/trending", get(charts::trending))
        .route("/v1/me/stats", get(charts::my_stats))
        .route("/v1/tracks/{id}/similar", get(recommend::similar))
        .route("/v1/me/recommendations", get(recommend::mine))
        .route("/v1/admin/users/{id}/role", put(admin::set_role))
        .route(
            "/v1/admin/artists/{artist_id}/members/{user_id}",
            put(admin::add_member).delete(admin::remove_member),
        )
        .route("/v1/admin/import", post(catalog::import::import))
        .route("/v1/catalog/match", post(catalog::import::match_tracks))
        .route("/v1/admin/sync", post(admin::request_sync))
        .route("/v1/admin/sync/claim", post(admin::claim_sync))
        .route(
            "/v1/admin/sync/{id}",
            get(admin::get_sync).put(admin::finish_sync),
        );
    api.route(
        "/openapi.json",
        get(|| async { axum::Json(openapi::ApiDoc::openapi()) }),
    )
    .merge(utoipa_scalar::Scalar::with_url(
        "/docs",
        openapi::ApiDoc::openapi(),
    ))
    .merge(telemetry::ops_routes(readiness(&state)))
    .fallback(|| async { ApiError::not_found("route") })
    .method_not_allowed_fallback(|| async {
        ApiError::new(
            axum::http::StatusCode::METHOD_NOT_ALLOWED,
            "method_not_allowed",
            "this path does not take that method; /openapi.json lists what it takes",
        )
    })
    .layer(DefaultBodyLimit::max(playback::MAX_BODY_BYTES))
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
            let postgres = sqlx::query("SELECT 1")
                .execute(&state.db)
                .await
                .map(|_| ())
                .map_err(|e| format!("PostgreSQL does not answer: {e}"));
            vec![
                telemetry::Dependency {
                    name: "postgres",
                    required: true,
                    state: postgres,
                },
                telemetry::kafka_dependency(state.config.kafka.clone()).await,
                state.search.dependency(false).await,
                encore_warehouse::dependency(&state.warehouse, false).await,
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
        wakeup: state.outbox_wakeup.clone(),
    }
}

/// Serves `app` on `listener` with the outbox relay running beside it, until
/// `shutdown` resolves; then finishes in-flight requests and stops the relay.
/// How long running requests may take to finish after a shutdown signal.
pub const SHUTDOWN_GRACE: Duration = Duration::from_secs(10);

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
    let topics = tokio::spawn(ensure_playback_topic(state.clone(), until_stopped(stopped)));
    // On shutdown, stop accepting and let running requests finish, but only
    // for SHUTDOWN_GRACE: a slow download must not keep the process alive.
    let (fired, fired_rx) = tokio::sync::oneshot::channel::<()>();
    let signal = async move {
        shutdown.await;
        let _ = fired.send(());
    };
    let server = std::future::IntoFuture::into_future(
        axum::serve(listener, app(state)).with_graceful_shutdown(signal),
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
    served
}

/// Creates the playback topic, retrying while the broker is unreachable.
async fn ensure_playback_topic(state: AppState, shutdown: impl std::future::Future<Output = ()>) {
    tokio::pin!(shutdown);
    let mut backoff = Duration::from_millis(200);
    loop {
        let created = tokio::select! {
            _ = &mut shutdown => return,
            created = kafka::ensure_topic_with_dlq(&state.config.kafka, &state.playback_topic) => created,
        };
        match created {
            Ok(()) => return,
            Err(error) => tracing::warn!(%error, "creating the playback topic failed; retrying"),
        }
        tokio::select! {
            _ = &mut shutdown => return,
            _ = tokio::time::sleep(backoff) => {},
        }
        backoff = (backoff * 2).min(Duration::from_secs(10));
    }
}

/// RFC 3339 text of a timestamp, the form every API time takes.
pub fn rfc3339(at: time::OffsetDateTime) -> String {
    at.format(&Rfc3339).unwrap_or_default()
}
