//! The ETL's settings, from the shared `ENCORE_*` variables.

use std::net::SocketAddr;
use std::time::Duration;

use encore_common::config::{millis, parse, string, ConfigError};
use encore_common::KafkaConfig;

use crate::features::FeatureSettings;

#[derive(Debug, Clone)]
pub struct EtlConfig {
    pub kafka: KafkaConfig,
    /// `ENCORE_CLICKHOUSE_URL`, the HTTP interface.
    pub clickhouse_url: String,
    /// `ENCORE_CLICKHOUSE_DATABASE`, created on start if missing.
    pub clickhouse_database: String,
    /// `ENCORE_ETL_GROUP`: the consumer group of the plays pipeline.
    pub group: String,
    /// `ENCORE_ETL_BATCH_SIZE`: rows per ClickHouse insert at most. Each
    /// insert into `plays` runs every view of it, so fewer, larger inserts
    /// carry more: 20,000 sustains 40,000 events/s on the bench's 2 cores
    /// with freshness p99 near 1 s, where 5,000 lost pace at 30,000. At low
    /// rates a batch closes on `batch_wait` long before it is full.
    pub batch_size: usize,
    /// `ENCORE_ETL_BATCH_MS`: how long a started batch waits for more rows.
    pub batch_wait: Duration,
    /// `ENCORE_ETL_ADDR`: where `/health` and `/metrics` are served.
    pub addr: SocketAddr,
    /// `ENCORE_ETL_DIMS_GROUP`: the consumer group of the catalog dimensions.
    pub dims_group: String,
    /// `ENCORE_ETL_SEARCHES_GROUP`: the consumer group of `search-events`.
    pub searches_group: String,
    /// `ENCORE_FEATURES_INTERVAL_MS` and the recommender's fixed settings.
    pub features: FeatureSettings,
    /// `ENCORE_REDIS_URL`: the online store the plays and each features
    /// generation are copied to (`off` for none).
    pub online: encore_online::Address,
}

impl EtlConfig {
    pub fn from_env() -> Result<Self, ConfigError> {
        Ok(EtlConfig {
            kafka: KafkaConfig::from_env()?,
            clickhouse_url: string("ENCORE_CLICKHOUSE_URL", "http://127.0.0.1:8123"),
            clickhouse_database: string("ENCORE_CLICKHOUSE_DATABASE", "encore"),
            group: string("ENCORE_ETL_GROUP", "encore-etl-plays"),
            batch_size: parse("ENCORE_ETL_BATCH_SIZE", 20_000)?,
            batch_wait: millis("ENCORE_ETL_BATCH_MS", 250)?,
            addr: parse("ENCORE_ETL_ADDR", SocketAddr::from(([127, 0, 0, 1], 8081)))?,
            dims_group: string("ENCORE_ETL_DIMS_GROUP", "encore-etl-dims"),
            searches_group: string("ENCORE_ETL_SEARCHES_GROUP", "encore-etl-searches"),
            features: FeatureSettings::from_env()?,
            online: encore_online::Address::from_env()?,
        })
    }
}
