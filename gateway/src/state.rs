//! What the gateway holds while it serves, in parts: a handler extracts the
//! parts it uses (`State<PgPool>`, `State<Events>`, ...) through axum's
//! `FromRef`, never the whole, so its signature says what it touches and a
//! module can be read, and tested, with only those parts.
//!
//! This module names the parts but is used by none of the modules that
//! define them, which keeps the gateway free of import circles.

use std::sync::Arc;

use axum::extract::FromRef;
use encore_common::kafka::SharedProducer;
use sqlx::PgPool;

use crate::audio::transcode::Transcoder;
use crate::audio::AudioFiles;
use crate::auth::accounts::Accounts;
use crate::auth::client::TrustedProxies;
use crate::auth::token::{Issuer, TokenKeys};
use crate::auth::Verifier;
use crate::cache::Warehouse;
use crate::config::{self, GatewayConfig};
use crate::dashboard::live::LiveSamples;
use crate::error::RetryAfter;
use crate::outbox::Wakeup;
use crate::produce::Events;
use crate::search::Index;
use crate::storage::{Storage, StorageError};
use crate::web;
use encore_core::credentials::seal::{SealError, Sealer};
use encore_core::db;

/// Every part; cheap to clone.
#[derive(Clone, FromRef)]
pub struct AppState {
    pub config: Arc<GatewayConfig>,
    /// When a client that got a 503 should try again.
    pub retry_after: RetryAfter,
    /// Whose `Forwarded` headers name the client.
    pub trusted_proxies: TrustedProxies,
    pub db: PgPool,
    /// The producer and the event topics.
    pub events: Events,
    pub tokens: Arc<TokenKeys>,
    /// What starting a session needs (the token keys and the account settings).
    pub issuer: Issuer,
    /// Live accounts' roles, told of changes by PostgreSQL.
    pub accounts: Arc<Accounts>,
    /// What checks a bearer token (the token keys, the accounts, the pool).
    pub verifier: Verifier,
    /// Seals app passwords at rest.
    pub sealer: Sealer,
    pub storage: Storage,
    /// Woken after every committed catalog write, so the relay publishes at once.
    pub outbox: Wakeup,
    /// The search server and the names of the indices the indexer keeps there.
    pub search: Index,
    /// The ClickHouse warehouse the ETL fills, and Redis, which holds what
    /// is read per listener and the answers every gateway shares.
    pub warehouse: Warehouse,
    /// Stored audio and its transcoder (ffmpeg: the bound and the cache).
    pub audio: AudioFiles,
    /// The dashboard's recent readings of the consumers' counters.
    pub live: Arc<LiveSamples>,
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
    #[error(transparent)]
    AppPasswordKey(#[from] SealError),
    #[error(transparent)]
    DevKeys(#[from] config::DevKeysError),
    #[error(transparent)]
    Online(#[from] encore_online::OnlineError),
}

/// Checks the keys ([`config::dev_keys`]), then connects to PostgreSQL
/// (applying migrations), storage and Kafka. Kafka being down does not stop
/// the gateway: catalog writes still commit, the outbox keeps them, and
/// playback batches answer 503 until it is back.
pub async fn start(config: GatewayConfig) -> Result<AppState, StartError> {
    let built_in = config::dev_keys(&config)?;
    if !built_in.is_empty() && !config.addr.ip().is_loopback() {
        tracing::warn!(keys = ?built_in, addr = %config.addr, "running beyond loopback with built-in development keys, as ENCORE_DEV_KEYS=allow permits: only on a development machine");
    }
    if !web::built(&config.web_dir) {
        tracing::warn!(dir = %config.web_dir.display(), "the web app is not built there: `/` and `/docs` answer 404 until `npm ci && npm run build` in web/");
    }
    let sealer = Sealer::from_hex(&config.auth.app_password_key)?;
    let db = db::connect(&config.database_url, config.database_max_connections).await?;
    db::migrate(&db).await?;
    db::backfill_keys(&db).await?;
    let storage = Storage::open(&config.storage_url)?;
    let events = Events {
        producer: SharedProducer::new(&config.kafka)?,
        playback_topic: config.kafka.topics().playback_events().into(),
        search_topic: config.kafka.topics().search_events().into(),
        timeout: config.kafka.produce_timeout,
    };
    let tokens = Arc::new(TokenKeys::new(&config.auth));
    let accounts = Arc::new(Accounts::connect(&db).await?);
    Ok(AppState {
        search: Index {
            client: encore_search::client::SearchClient::new(&config.search_url)?,
            names: encore_search::indices::Names::new(&config.search_prefix),
            popularity_weight: config.search_popularity_weight,
        },
        warehouse: Warehouse {
            client: encore_warehouse::client(&config.clickhouse_url, &config.clickhouse_database),
            online: encore_online::Store::open(&config.online, &config.clickhouse_database)?,
        },
        audio: AudioFiles {
            storage: storage.clone(),
            transcoder: Arc::new(Transcoder::new(config.transcode.clone())),
        },
        live: Arc::default(),
        verifier: Verifier {
            tokens: tokens.clone(),
            accounts: accounts.clone(),
            db: db.clone(),
        },
        issuer: Issuer {
            keys: tokens.clone(),
            config: Arc::new(config.auth.clone()),
        },
        tokens,
        accounts,
        sealer,
        retry_after: RetryAfter(config.retry_after),
        trusted_proxies: TrustedProxies(config.trusted_proxies.clone().into()),
        config: Arc::new(config),
        events,
        db,
        storage,
        outbox: Wakeup::default(),
    })
}
