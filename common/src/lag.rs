//! Consumer lag, measured from outside the consumer.
//!
//! A monitor asks the broker, every few seconds, for a group's committed
//! offsets and each partition's high watermark, and publishes the difference
//! as `encore_consumer_lag{group, topic, partition}`. It uses a client of its
//! own that never joins the group, so it sees what a restart would resume
//! from (the committed offsets), not what the consumer has merely fetched,
//! and it never disturbs the group's rebalancing.

use std::time::Duration;

use rdkafka::config::ClientConfig;
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::{Offset, TopicPartitionList};

use crate::KafkaConfig;

const TIMEOUT: Duration = Duration::from_secs(3);

/// The lag of one partition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PartitionLag {
    pub topic: String,
    pub partition: i32,
    pub lag: i64,
}

/// Lag of `group` on every partition of `topics`, right now. Blocking: call
/// it from `spawn_blocking`.
pub fn measure(
    config: &KafkaConfig,
    group: &str,
    topics: &[String],
) -> Result<Vec<PartitionLag>, rdkafka::error::KafkaError> {
    let client: BaseConsumer = ClientConfig::new()
        .set("bootstrap.servers", &config.brokers)
        .set("group.id", group)
        .set("enable.auto.commit", "false")
        .create()?;
    let mut wanted = TopicPartitionList::new();
    for topic in topics {
        let metadata = client.fetch_metadata(Some(topic), TIMEOUT)?;
        for t in metadata.topics() {
            for p in t.partitions() {
                wanted.add_partition(topic, p.id());
            }
        }
    }
    let committed = client.committed_offsets(wanted, TIMEOUT)?;
    let mut out = Vec::new();
    for element in committed.elements() {
        let (low, high) = client.fetch_watermarks(element.topic(), element.partition(), TIMEOUT)?;
        // A committed offset below the earliest one still held (retention
        // deleted what the group had not read) resumes at the earliest.
        let from = match element.offset() {
            Offset::Offset(o) => o.max(low),
            _ => low,
        };
        out.push(PartitionLag {
            topic: element.topic().to_string(),
            partition: element.partition(),
            lag: (high - from).max(0),
        });
    }
    Ok(out)
}

/// Publishes the lag of `group` on `topics` every `every` until the task is dropped.
pub async fn monitor(config: KafkaConfig, group: String, topics: Vec<String>, every: Duration) {
    loop {
        let (c, g, t) = (config.clone(), group.clone(), topics.clone());
        match tokio::task::spawn_blocking(move || measure(&c, &g, &t)).await {
            Ok(Ok(lags)) => {
                let mut total = 0;
                for l in lags {
                    total += l.lag;
                    metrics::gauge!(crate::metrics::CONSUMER_LAG.name, "group" => group.clone(), "topic" => l.topic,
                        "partition" => l.partition.to_string())
                    .set(l.lag as f64);
                }
                metrics::gauge!(crate::metrics::CONSUMER_LAG_TOTAL.name, "group" => group.clone())
                    .set(total as f64);
            }
            Ok(Err(error)) => tracing::debug!(%error, %group, "measuring consumer lag failed"),
            Err(error) => tracing::debug!(%error, "the lag measurement panicked"),
        }
        tokio::time::sleep(every).await;
    }
}

/// Whether the brokers answer a metadata request, for `/ready`. Blocking.
pub fn broker_reachable(config: &KafkaConfig) -> Result<(), String> {
    let client: BaseConsumer = ClientConfig::new()
        .set("bootstrap.servers", &config.brokers)
        .create()
        .map_err(|e| e.to_string())?;
    client
        .fetch_metadata(None, Duration::from_secs(2))
        .map(|_| ())
        .map_err(|e| format!("the brokers at {} do not answer: {e}", config.brokers))
}
