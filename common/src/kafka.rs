//! Kafka plumbing: how every Encore service talks to the broker.
//!
//! Producers are idempotent with `acks=all`, so an acknowledged record is
//! durable and a retried send is not duplicated by the broker. Consumers never
//! auto-commit and read with `isolation.level=read_committed`: a service
//! commits an offset only after what it consumed is durably written
//! downstream, and a consumer that writes back to Kafka (dead letters) commits
//! those writes and its offsets in one transaction ([`crate::transaction`]).

use std::time::Duration;

use rdkafka::admin::{
    AdminClient, AdminOptions, AlterConfig, ConfigResource, ConfigSource, NewTopic,
    ResourceSpecifier, TopicReplication,
};
use rdkafka::client::DefaultClientContext;
use rdkafka::consumer::StreamConsumer;
use rdkafka::error::{KafkaError, RDKafkaErrorCode};
use rdkafka::message::{Header, Headers, Message, OwnedHeaders, OwnedMessage};

pub use crate::producer::{is_fatal_for_producer, producer, Producer, SharedProducer};
use rdkafka::ClientConfig;

use crate::config::KafkaConfig;
use crate::topics::{settings_of, Topics};

#[derive(Debug, thiserror::Error)]
pub enum KafkaPlumbingError {
    #[error("kafka: {0}")]
    Kafka(#[from] KafkaError),
    #[error("creating topic {topic}: {error}")]
    CreateTopic { topic: String, error: String },
    #[error("correcting the settings of topic {topic}: {error}")]
    TopicSettings { topic: String, error: String },
    #[error("delivery to {topic} was cancelled: the producer shut down")]
    Cancelled { topic: String },
}

/// A consumer in `group` that starts from the earliest offset when the group
/// has none and never commits on its own.
pub fn consumer(config: &KafkaConfig, group: &str) -> Result<StreamConsumer, KafkaError> {
    crate::config::kafka_client()
        .set("bootstrap.servers", &config.brokers)
        .set("group.id", group)
        .set("enable.auto.commit", "false")
        .set("enable.auto.offset.store", "false")
        .set("auto.offset.reset", "earliest")
        .set("enable.partition.eof", "false")
        // Transactional writers (the outbox relay, dead letters) are seen
        // only once committed; an aborted write is never seen.
        .set("isolation.level", "read_committed")
        .set("session.timeout.ms", "10000")
        // The broker answers a fetch as soon as data is there; when it is not,
        // waiting 100 ms (not the default 500) keeps freshness under a second.
        .set("fetch.wait.max.ms", "100")
        .create()
}

/// Creates the topics that do not exist yet, with the settings of their role
/// ([`crate::topics::settings_of`]), and corrects those that exist with other
/// settings, with a warning naming each change: a catalogue topic left on
/// time-based deletion would silently lose entities after a week. The
/// broker does not auto-create topics (a typo must not become a topic), so
/// every service ensures what it reads and writes at start.
pub async fn ensure_topics(
    config: &KafkaConfig,
    topics: &[(String, i32)],
) -> Result<(), KafkaPlumbingError> {
    let admin: AdminClient<DefaultClientContext> = ClientConfig::new()
        .set("bootstrap.servers", &config.brokers)
        .create()?;
    let new_topics: Vec<NewTopic<'_>> = topics
        .iter()
        .map(|(name, partitions)| {
            settings_of(name).iter().fold(
                NewTopic::new(
                    name,
                    *partitions,
                    TopicReplication::Fixed(config.replication),
                ),
                |topic, (key, value)| topic.set(key, value),
            )
        })
        .collect();
    let options = AdminOptions::new().operation_timeout(Some(Duration::from_secs(10)));
    let mut existing = Vec::new();
    for result in admin.create_topics(&new_topics, &options).await? {
        match result {
            Ok(_) => {}
            Err((topic, RDKafkaErrorCode::TopicAlreadyExists)) => existing.push(topic),
            Err((topic, code)) => {
                return Err(KafkaPlumbingError::CreateTopic {
                    topic,
                    error: code.to_string(),
                })
            }
        }
    }
    correct_settings(&admin, &existing, &options).await
}

/// Sets the role's settings on `topics` where they differ. AlterConfigs
/// replaces a topic's whole set of overrides, so the overrides already there
/// (an operator's, a test's small segments) are sent along unchanged.
///
/// The controller acknowledges a change before every broker applies it, so
/// this waits until a describe shows it: a service that starts after
/// correcting a topic relies on the correction.
async fn correct_settings(
    admin: &AdminClient<DefaultClientContext>,
    topics: &[String],
    options: &AdminOptions,
) -> Result<(), KafkaPlumbingError> {
    let mut corrected = Vec::new();
    for (topic, resource) in describe(admin, topics, options).await? {
        let wrong = wrong_settings(&topic, &resource);
        if wrong.is_empty() {
            continue;
        }
        let mut alter = AlterConfig::new(ResourceSpecifier::Topic(&topic));
        for entry in &resource.entries {
            if let (ConfigSource::DynamicTopic, Some(value)) = (&entry.source, &entry.value) {
                alter = alter.set(&entry.name, value);
            }
        }
        for (key, value) in settings_of(&topic) {
            alter = alter.set(key, value);
        }
        for result in admin.alter_configs(&[alter], options).await? {
            result.map_err(|(_, code)| KafkaPlumbingError::TopicSettings {
                topic: topic.clone(),
                error: code.to_string(),
            })?;
        }
        tracing::warn!(%topic, changes = %wrong.join(", "), "corrected the settings of an existing topic");
        corrected.push(topic);
    }
    let deadline = tokio::time::Instant::now() + SETTLE;
    while !corrected.is_empty() {
        let mut pending = Vec::new();
        for (topic, resource) in describe(admin, &corrected, options).await? {
            if !wrong_settings(&topic, &resource).is_empty() {
                pending.push(topic);
            }
        }
        if !pending.is_empty() && tokio::time::Instant::now() >= deadline {
            tracing::warn!(topics = %pending.join(", "), "corrected settings not visible yet; going on");
            break;
        }
        corrected = pending;
        if !corrected.is_empty() {
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
    Ok(())
}

/// How long a corrected setting may take to show in a describe.
const SETTLE: Duration = Duration::from_secs(15);

async fn describe(
    admin: &AdminClient<DefaultClientContext>,
    topics: &[String],
    options: &AdminOptions,
) -> Result<Vec<(String, ConfigResource)>, KafkaPlumbingError> {
    if topics.is_empty() {
        return Ok(Vec::new());
    }
    let specifiers: Vec<ResourceSpecifier<'_>> = topics
        .iter()
        .map(|t| ResourceSpecifier::Topic(t.as_str()))
        .collect();
    let described = admin.describe_configs(&specifiers, options).await?;
    topics
        .iter()
        .zip(described)
        .map(|(topic, resource)| {
            let resource = resource.map_err(|code| KafkaPlumbingError::TopicSettings {
                topic: topic.clone(),
                error: code.to_string(),
            })?;
            Ok((topic.clone(), resource))
        })
        .collect()
}

/// The role's settings `resource` does not have yet, as "key old -> new".
fn wrong_settings(topic: &str, resource: &ConfigResource) -> Vec<String> {
    let current = |key: &str| resource.get(key).and_then(|e| e.value.as_deref());
    settings_of(topic)
        .iter()
        .filter(|(key, value)| current(key) != Some(*value))
        .map(|(key, value)| format!("{key} {} -> {value}", current(key).unwrap_or("unset")))
        .collect()
}

/// Ensures `topic` and its dead-letter topic exist.
pub async fn ensure_topic_with_dlq(
    config: &KafkaConfig,
    topic: &str,
) -> Result<(), KafkaPlumbingError> {
    ensure_topics(config, &with_dead_letters(config, &[topic])).await
}

/// `topics` at the configured partition count, each followed by its
/// dead-letter topic: what [`ensure_topics`] takes, so a service that needs
/// several asks the broker once.
pub fn with_dead_letters(config: &KafkaConfig, topics: &[&str]) -> Vec<(String, i32)> {
    topics
        .iter()
        .flat_map(|topic| {
            [
                (topic.to_string(), config.partitions),
                (Topics::dlq_of(topic), 1),
            ]
        })
        .collect()
}

/// Header names on dead-lettered records.
pub mod dlq_headers {
    pub const REASON: &str = "dlq.reason";
    pub const SOURCE_TOPIC: &str = "dlq.source.topic";
    pub const SOURCE_PARTITION: &str = "dlq.source.partition";
    pub const SOURCE_OFFSET: &str = "dlq.source.offset";
}

/// The dead letter of `message`: its headers plus why and where it came from,
/// its key and its value.
pub(crate) fn dead_letter_record<M: Message>(
    message: &M,
    reason: &str,
) -> (OwnedHeaders, Option<Vec<u8>>, Option<Vec<u8>>) {
    let partition = message.partition().to_string();
    let offset = message.offset().to_string();
    let mut headers = OwnedHeaders::new();
    if let Some(original) = message.headers() {
        for header in original.iter() {
            headers = headers.insert(header);
        }
    }
    let headers = headers
        .insert(header(dlq_headers::REASON, reason))
        .insert(header(dlq_headers::SOURCE_TOPIC, message.topic()))
        .insert(header(dlq_headers::SOURCE_PARTITION, &partition))
        .insert(header(dlq_headers::SOURCE_OFFSET, &offset));
    (
        headers,
        message.key().map(<[u8]>::to_vec),
        message.payload().map(<[u8]>::to_vec),
    )
}

fn header<'a>(key: &'a str, value: &'a str) -> Header<'a, &'a [u8]> {
    Header {
        key,
        value: Some(value.as_bytes()),
    }
}

/// Reads a UTF-8 header value by name.
pub fn header_str<'a, M: Message>(message: &'a M, key: &str) -> Option<&'a str> {
    let headers = message.headers()?;
    headers
        .iter()
        .find(|h| h.key == key)
        .and_then(|h| h.value)
        .and_then(|v| std::str::from_utf8(v).ok())
}

/// Gathers records into a batch until it holds `size`, or `wait` has passed
/// since its first record, or `idle` has passed with nothing at all (so the
/// caller gets a chance to do periodic work). Consumer errors are logged and
/// waited out: librdkafka recovers from them by itself.
pub async fn collect_batch(
    consumer: &StreamConsumer,
    size: usize,
    wait: Duration,
    idle: Duration,
) -> Vec<OwnedMessage> {
    let batch = gather(consumer, size, wait, idle).await;
    let mut per_topic: Vec<(&str, u64)> = Vec::new();
    for message in &batch {
        match per_topic.iter_mut().find(|(t, _)| *t == message.topic()) {
            Some((_, n)) => *n += 1,
            None => per_topic.push((message.topic(), 1)),
        }
    }
    for (topic, n) in per_topic {
        metrics::counter!(crate::metrics::KAFKA_CONSUMED_TOTAL.name, "topic" => topic.to_string())
            .increment(n);
    }
    batch
}

async fn gather(
    consumer: &StreamConsumer,
    size: usize,
    wait: Duration,
    idle: Duration,
) -> Vec<OwnedMessage> {
    let mut batch = Vec::new();
    let mut deadline = tokio::time::Instant::now() + idle;
    loop {
        let next = match tokio::time::timeout_at(deadline, consumer.recv()).await {
            Ok(next) => next,
            Err(_) => return batch,
        };
        match next {
            Ok(message) => {
                if batch.is_empty() {
                    deadline = tokio::time::Instant::now() + wait;
                }
                batch.push(message.detach());
                if batch.len() >= size {
                    return batch;
                }
            }
            Err(error) => {
                tracing::warn!(%error, "consuming failed; retrying");
                tokio::time::sleep(Duration::from_millis(500)).await;
            }
        }
    }
}

/// A batch's id for logs: where its first record sits, `topic/partition@offset`,
/// so a log line leads straight to the records (and a redelivery has the same id).
pub fn batch_id(batch: &[OwnedMessage]) -> String {
    match batch.first() {
        Some(m) => format!("{}/{}@{}", m.topic(), m.partition(), m.offset()),
        None => String::from("empty"),
    }
}
