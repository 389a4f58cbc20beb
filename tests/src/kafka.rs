//! The broker as tests see it: fixture records in, records and committed
//! offsets back out, and the run's topics deleted at the end.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use encore_common::{fixtures, KafkaConfig};
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::message::{Headers, Message};
use rdkafka::{ClientConfig, Offset, TopicPartitionList};

use crate::{eventually, PATIENCE};

/// Playback events as fixture records for `playback-events`, keyed by user.
pub fn playback_records(events: &[encore_schemas::PlaybackEvent]) -> Vec<fixtures::FixtureRecord> {
    events
        .iter()
        .enumerate()
        .map(|(n, event)| fixtures::FixtureRecord {
            line: n + 1,
            topic: encore_common::topics::PLAYBACK_EVENTS.to_string(),
            key: Some(event.user_id.to_string()),
            payload: Some(encore_schemas::encode(event).expect("a valid event")),
            headers: Default::default(),
            timestamp: None,
        })
        .collect()
}

/// Catalog changes as fixture records for their topics, keyed by entity id.
pub fn catalog_records(changes: &[encore_schemas::CatalogChange]) -> Vec<fixtures::FixtureRecord> {
    changes
        .iter()
        .enumerate()
        .map(|(n, change)| fixtures::FixtureRecord {
            line: n + 1,
            topic: encore_common::topics::catalog_topic(change.entity_type).to_string(),
            key: Some(change.entity_id.to_string()),
            payload: Some(encore_schemas::encode(change).expect("a valid change")),
            headers: Default::default(),
            timestamp: None,
        })
        .collect()
}

/// The absolute path of a fixture in `tests/fixtures/`.
pub fn fixture_path(name: &str) -> PathBuf {
    crate::interop::repo_root()
        .join("tests/fixtures")
        .join(name)
}

/// A record read back from a topic.
#[derive(Debug, Clone)]
pub struct ReadRecord {
    pub partition: i32,
    pub offset: i64,
    pub key: Option<Vec<u8>>,
    pub payload: Option<Vec<u8>>,
    pub headers: BTreeMap<String, String>,
}

/// Reads `topic` from the beginning of every partition until `expected`
/// records arrived, or the patience ran out; then waits `linger` more to catch
/// records beyond what was expected. Records come back in (partition, offset) order.
///
/// It reads as every Encore consumer does, `read_committed`: records of
/// aborted or still-open transactions are not returned.
pub async fn read_topic(
    kafka: &KafkaConfig,
    topic: &str,
    expected: usize,
    linger: Duration,
) -> Vec<ReadRecord> {
    read_topic_as(kafka, topic, expected, linger, "read_committed").await
}

/// Like [`read_topic`], but `read_uncommitted`: also the records of aborted
/// and open transactions, to show that they were written at all.
pub async fn read_topic_uncommitted(
    kafka: &KafkaConfig,
    topic: &str,
    expected: usize,
    linger: Duration,
) -> Vec<ReadRecord> {
    read_topic_as(kafka, topic, expected, linger, "read_uncommitted").await
}

async fn read_topic_as(
    kafka: &KafkaConfig,
    topic: &str,
    expected: usize,
    linger: Duration,
    isolation: &'static str,
) -> Vec<ReadRecord> {
    // The topic may not exist yet (its producer creates it on first use).
    let partitions = eventually(&format!("topic {topic} to have partitions"), || {
        partition_count(kafka, topic)
    })
    .await;
    let kafka = kafka.clone();
    let topic = topic.to_string();
    tokio::task::spawn_blocking(move || {
        read_topic_blocking(&kafka, &topic, partitions, expected, linger, isolation)
    })
    .await
    .expect("reading the topic panicked")
}

/// How many partitions `topic` has; what the broker said instead while it has none.
async fn partition_count(kafka: &KafkaConfig, topic: &str) -> Result<i32, String> {
    let brokers = kafka.brokers.clone();
    let topic = topic.to_string();
    tokio::task::spawn_blocking(move || {
        let consumer: BaseConsumer = ClientConfig::new()
            .set("bootstrap.servers", &brokers)
            .create()
            .map_err(|e| e.to_string())?;
        let metadata = consumer
            .fetch_metadata(Some(&topic), Duration::from_secs(10))
            .map_err(|e| e.to_string())?;
        match metadata.topics().iter().find(|t| t.name() == topic) {
            Some(t) if !t.partitions().is_empty() => Ok(t.partitions().len() as i32),
            Some(t) => Err(format!("no partitions (error {:?})", t.error())),
            None => Err("not in the metadata".to_string()),
        }
    })
    .await
    .expect("reading the topic's metadata panicked")
}

fn read_topic_blocking(
    kafka: &KafkaConfig,
    topic: &str,
    partitions: i32,
    expected: usize,
    linger: Duration,
    isolation: &str,
) -> Vec<ReadRecord> {
    let consumer: BaseConsumer = ClientConfig::new()
        .set("bootstrap.servers", &kafka.brokers)
        .set("group.id", format!("reader-{}", uuid::Uuid::new_v4()))
        .set("enable.auto.commit", "false")
        .set("isolation.level", isolation)
        .create()
        .expect("a reader");
    let mut assignment = TopicPartitionList::new();
    for partition in 0..partitions {
        assignment
            .add_partition_offset(topic, partition, Offset::Beginning)
            .expect("assignment");
    }
    consumer.assign(&assignment).expect("assigning partitions");
    let mut records = Vec::new();
    let deadline = Instant::now() + PATIENCE;
    let mut linger_until: Option<Instant> = None;
    let mut last_error: Option<String> = None;
    loop {
        if records.len() >= expected {
            let until = *linger_until.get_or_insert_with(|| Instant::now() + linger);
            if Instant::now() >= until {
                break;
            }
        } else if Instant::now() >= deadline {
            break;
        }
        match consumer.poll(Duration::from_millis(100)) {
            Some(Ok(message)) => records.push(ReadRecord {
                partition: message.partition(),
                offset: message.offset(),
                key: message.key().map(<[u8]>::to_vec),
                payload: message.payload().map(<[u8]>::to_vec),
                headers: message
                    .headers()
                    .map(|h| {
                        h.iter()
                            .map(|h| {
                                let value =
                                    h.value.map(String::from_utf8_lossy).unwrap_or_default();
                                (h.key.to_string(), value.into_owned())
                            })
                            .collect()
                    })
                    .unwrap_or_default(),
            }),
            // Transient (a broker restarting): librdkafka reconnects by itself.
            Some(Err(error)) => last_error = Some(error.to_string()),
            None => {}
        }
    }
    if records.len() < expected {
        if let Some(error) = last_error {
            eprintln!(
                "reading {topic}: {} of {expected} records; last error: {error}",
                records.len()
            );
        }
    }
    records.sort_by_key(|r| (r.partition, r.offset));
    records
}

/// Waits until `group` has committed every partition of `topic` up to its
/// high watermark: everything produced so far is durably written downstream.
/// Panics with both offset lists when that does not happen in time.
pub async fn wait_until_committed(kafka: &KafkaConfig, group: &str, topic: &str) {
    let partitions = kafka.partitions;
    let what = format!("group {group} to commit {topic} up to its ends");
    eventually(&what, || async move {
        let ends = try_high_watermarks(kafka, topic, partitions).await?;
        let committed = try_committed_offsets(kafka, group, topic, partitions).await?;
        // A partition nothing was ever produced to has no committed offset (-1).
        let caught_up = ends
            .iter()
            .zip(&committed)
            .all(|(end, done)| *end == 0 || done == end);
        if caught_up {
            Ok(())
        } else {
            Err(format!("committed {committed:?}, the ends are {ends:?}"))
        }
    })
    .await
}

/// The committed offsets of `group` on `topic`, per partition (-1 where none).
pub async fn committed_offsets(
    kafka: &KafkaConfig,
    group: &str,
    topic: &str,
    partitions: i32,
) -> Vec<i64> {
    // A broker busy with the whole suite may time a request out: ask again.
    eventually(
        &format!("the committed offsets of {group} on {topic}"),
        || try_committed_offsets(kafka, group, topic, partitions),
    )
    .await
}

/// The high watermark (next offset) of each partition of `topic`.
pub async fn high_watermarks(kafka: &KafkaConfig, topic: &str, partitions: i32) -> Vec<i64> {
    // A broker busy with the whole suite may time a request out: ask again.
    eventually(&format!("the high watermarks of {topic}"), || {
        try_high_watermarks(kafka, topic, partitions)
    })
    .await
}

async fn try_committed_offsets(
    kafka: &KafkaConfig,
    group: &str,
    topic: &str,
    partitions: i32,
) -> Result<Vec<i64>, String> {
    let brokers = kafka.brokers.clone();
    let (group, topic) = (group.to_string(), topic.to_string());
    tokio::task::spawn_blocking(move || {
        let consumer: BaseConsumer = ClientConfig::new()
            .set("bootstrap.servers", &brokers)
            .set("group.id", &group)
            .set("enable.auto.commit", "false")
            .create()
            .expect("a consumer");
        let mut list = TopicPartitionList::new();
        for partition in 0..partitions {
            list.add_partition(&topic, partition);
        }
        let committed = consumer
            .committed_offsets(list, Duration::from_secs(10))
            .map_err(|e| format!("committed offsets: {e}"))?;
        Ok((0..partitions)
            .map(
                |p| match committed.find_partition(&topic, p).map(|e| e.offset()) {
                    Some(Offset::Offset(o)) => o,
                    _ => -1,
                },
            )
            .collect())
    })
    .await
    .expect("reading committed offsets panicked")
}

async fn try_high_watermarks(
    kafka: &KafkaConfig,
    topic: &str,
    partitions: i32,
) -> Result<Vec<i64>, String> {
    let brokers = kafka.brokers.clone();
    let topic = topic.to_string();
    tokio::task::spawn_blocking(move || {
        let consumer: BaseConsumer = ClientConfig::new()
            .set("bootstrap.servers", &brokers)
            .create()
            .expect("a consumer");
        (0..partitions)
            .map(|p| {
                consumer
                    .fetch_watermarks(&topic, p, Duration::from_secs(10))
                    .map(|(_, high)| high)
                    .map_err(|e| format!("watermarks of {topic}/{p}: {e}"))
            })
            .collect()
    })
    .await
    .expect("reading watermarks panicked")
}

/// Deletes every topic whose name starts with `kafka.topic_prefix`.
pub async fn delete_topics_with_prefix(kafka: &KafkaConfig) {
    let prefix = kafka.topic_prefix.clone();
    if prefix.is_empty() {
        return;
    }
    let brokers = kafka.brokers.clone();
    let names = tokio::task::spawn_blocking(move || -> Vec<String> {
        let Ok(consumer) = ClientConfig::new()
            .set("bootstrap.servers", &brokers)
            .create::<BaseConsumer>()
        else {
            return Vec::new();
        };
        consumer
            .fetch_metadata(None, Duration::from_secs(10))
            .map(|m| {
                m.topics()
                    .iter()
                    .map(|t| t.name().to_string())
                    .filter(|name| name.starts_with(&prefix))
                    .collect()
            })
            .unwrap_or_default()
    })
    .await
    .unwrap_or_default();
    if names.is_empty() {
        return;
    }
    let Ok(admin) = ClientConfig::new()
        .set("bootstrap.servers", &kafka.brokers)
        .create::<rdkafka::admin::AdminClient<rdkafka::client::DefaultClientContext>>()
    else {
        return;
    };
    let refs: Vec<&str> = names.iter().map(String::as_str).collect();
    let options = rdkafka::admin::AdminOptions::new();
    if let Err(error) = admin.delete_topics(&refs, &options).await {
        eprintln!("deleting the run's topics: {error}");
    }
}
