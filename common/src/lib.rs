//! What every Encore service shares, and nothing domain-specific:
//! configuration from the environment, telemetry (logs, metrics, the ops
//! endpoints), the client's address behind proxies, times as text, Kafka plumbing (producer, consumer, topics, dead letters) and
//! the replayable topic fixtures the tests and `ingest replay` use.

pub mod backoff;
pub mod catalog;
pub mod client;
pub mod config;
pub mod driver;
pub mod fixtures;
pub mod kafka;
pub mod lag;
pub mod links;
pub mod metrics;
pub mod producer;
pub mod telemetry;
pub mod text;
pub mod times;
pub mod topics;
pub mod transaction;
#[cfg(test)]
mod workspace_files;

pub use config::{ConfigError, KafkaConfig};
pub use topics::Topics;

/// Milliseconds since the Unix epoch, from the system clock.
pub fn now_millis() -> i64 {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    i64::try_from(now.as_millis()).unwrap_or(i64::MAX)
}
