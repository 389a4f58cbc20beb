//! The indexer's settings, from the shared `ENCORE_*` variables.

use std::net::SocketAddr;
use std::time::Duration;

use encore_common::config::{millis, parse, string, ConfigError};
use encore_common::KafkaConfig;

#[derive(Debug, Clone)]
pub struct IndexerConfig {
    pub kafka: KafkaConfig,
    /// `ENCORE_SEARCH_URL`: the Elasticsearch-API server.
    pub search_url: String,
    /// `ENCORE_SEARCH_PREFIX`: put before every index and alias name, so
    /// test runs share one server without seeing each other.
    pub search_prefix: String,
    /// `ENCORE_INDEXER_GROUP`: the consumer group.
    pub group: String,
    /// `ENCORE_INDEXER_BATCH_SIZE`: changes per `_bulk` at most.
    pub batch_size: usize,
    /// `ENCORE_INDEXER_BATCH_MS`: how long a started batch waits for more changes.
    pub batch_wait: Duration,
    /// `ENCORE_INDEXER_ADDR`: where `/health` and `/metrics` are served.
    pub addr: SocketAddr,
    /// `ENCORE_INDEXER_CHECK_MS`: how often the running indexer checks that
    /// its aliases still exist (an in-memory search server forgets them on restart).
    pub check_every: Duration,
    /// `ENCORE_INDEXER_POPULARITY_MS`: how often tracks' play counts are read
    /// from the warehouse and merged into the index; 0 turns it off.
    pub popularity_every: Duration,
    /// `ENCORE_CLICKHOUSE_URL` and `ENCORE_CLICKHOUSE_DATABASE`: the
    /// warehouse the play counts come from.
    pub clickhouse_url: String,
    pub clickhouse_database: String,
}

impl IndexerConfig {
    pub fn from_env() -> Result<Self, ConfigError> {
        Ok(IndexerConfig {
            kafka: KafkaConfig::from_env()?,
            search_url: string("ENCORE_SEARCH_URL", "http://127.0.0.1:9200"),
            search_prefix: string("ENCORE_SEARCH_PREFIX", ""),
            group: string("ENCORE_INDEXER_GROUP", "encore-indexer"),
            batch_size: parse("ENCORE_INDEXER_BATCH_SIZE", 5_000)?,
            batch_wait: millis("ENCORE_INDEXER_BATCH_MS", 100)?,
            addr: parse(
                "ENCORE_INDEXER_ADDR",
                SocketAddr::from(([127, 0, 0, 1], 8082)),
            )?,
            check_every: millis("ENCORE_INDEXER_CHECK_MS", 2_000)?,
            popularity_every: millis("ENCORE_INDEXER_POPULARITY_MS", 60_000)?,
            clickhouse_url: string("ENCORE_CLICKHOUSE_URL", "http://127.0.0.1:8123"),
            clickhouse_database: string("ENCORE_CLICKHOUSE_DATABASE", "encore"),
        })
    }
}
