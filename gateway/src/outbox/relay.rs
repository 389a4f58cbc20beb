//! The outbox relay: publishes unsent outbox rows in id order and marks them
//! sent only after the broker acknowledged every record of the batch.
//!
//! **One publisher at a time.** Several gateway instances may run a relay.
//! Each batch is published inside a transaction that first takes a
//! transaction-scoped advisory lock; an instance that cannot take it skips
//! the round. Plain `FOR UPDATE SKIP LOCKED` would let two instances publish
//! two consecutive batches at once, and then a later change of an entity could
//! overtake an earlier one. With the lock, rows go out strictly in id order,
//! so per entity (one key, one partition) in commit order.
//!
//! **One Kafka transaction per round.** The relay's producer is transactional
//! under a stable `transactional.id` (`ENCORE_OUTBOX_TRANSACTIONAL_ID`, after
//! the topic prefix). A relay killed mid-round leaves an open transaction that
//! `read_committed` readers never see; the next relay under that id aborts it
//! when it starts, fences the old producer (a zombie's commit fails), and
//! publishes the rows, which are still unsent in PostgreSQL. Only a relay that
//! dies after Kafka committed but before PostgreSQL did publishes a round
//! twice; consumers drop the repeat by version. Gateway instances share the
//! id, so whichever takes the lock fences the others' producers; they start a
//! fresh one when they next take it.
//!
//! **Deletes** are followed by a tombstone (same key, no value), so a compacted
//! topic eventually forgets the entity.

use std::time::Duration;

use encore_common::backoff::Backoff;
use encore_common::kafka::{self, KafkaPlumbingError, Producer};
use encore_common::topics::CATALOG_TOPICS;
use encore_common::transaction;
use encore_common::{KafkaConfig, Topics};
use encore_core::{outbox, DbError};
use rdkafka::error::KafkaError;
use rdkafka::producer::{FutureRecord, Producer as _};
use sqlx::PgPool;

/// Rows per round, published in one Kafka transaction: a bulk import's
/// backlog goes out in a few large transactions rather than many small ones.
const BATCH: i64 = 5_000;
/// `pg_try_advisory_xact_lock` key of the relay ("encore-outbox" in ASCII, truncated).
const LOCK_KEY: i64 = 0x656e_636f_7265_6f62;

#[derive(Debug, thiserror::Error)]
pub enum RelayError {
    #[error("database: {0}")]
    Database(#[from] DbError),
    #[error("broker: {0}")]
    Broker(#[from] KafkaPlumbingError),
    #[error("broker transaction: {0}")]
    Transaction(#[from] KafkaError),
}

pub struct Relay {
    pub db: PgPool,
    /// The relay's `transactional.id`, the same in every gateway instance.
    pub transactional_id: String,
    /// The transactional producer, started on the first round that has rows.
    pub producer: Option<Producer>,
    pub kafka: KafkaConfig,
    pub topics: Topics,
    /// How long to sleep when there was nothing to publish.
    pub poll: Duration,
    /// Woken by every catalog write, so changes go out without waiting for the poll.
    pub wakeup: super::Wakeup,
}

impl Relay {
    /// Publishes until `shutdown` resolves. A round in flight at shutdown is
    /// abandoned uncommitted: its rows stay unsent and go out next time.
    pub async fn run(mut self, shutdown: impl std::future::Future<Output = ()>) {
        tokio::pin!(shutdown);
        let mut topics_ready = false;
        let mut backoff = Backoff::default();
        loop {
            let round = async {
                if !topics_ready {
                    self.ensure_topics().await?;
                    topics_ready = true;
                }
                self.publish_round().await
            };
            let outcome = tokio::select! {
                _ = &mut shutdown => return,
                outcome = round => outcome,
            };
            let pause = match outcome {
                Ok(published) if published as i64 == BATCH => Duration::ZERO,
                Ok(_) => {
                    backoff.reset();
                    self.poll
                }
                Err(error) => {
                    metrics::counter!(encore_common::metrics::OUTBOX_RELAY_FAILURES_TOTAL.name)
                        .increment(1);
                    tracing::warn!(%error, retry_in_ms = backoff.next_ms(), "outbox relay round failed");
                    backoff.step()
                }
            };
            if pause.is_zero() {
                continue;
            }
            tokio::select! {
                _ = &mut shutdown => return,
                _ = self.wakeup.notified() => {},
                _ = tokio::time::sleep(pause) => {},
            }
        }
    }

    async fn ensure_topics(&self) -> Result<(), KafkaPlumbingError> {
        let topics: Vec<(String, i32)> = CATALOG_TOPICS
            .iter()
            .map(|t| (self.topics.name(t), self.kafka.partitions))
            .collect();
        kafka::ensure_topics(&self.kafka, &topics).await
    }

    /// Publishes up to one batch; returns how many rows went out.
    #[tracing::instrument(name = "outbox_round", skip_all, fields(rows = tracing::field::Empty))]
    pub async fn publish_round(&mut self) -> Result<usize, RelayError> {
        let mut tx = self.db.begin().await.map_err(DbError::from)?;
        if !outbox::lead(&mut tx, LOCK_KEY).await? {
            return Ok(0);
        }
        let rows = outbox::pending(&mut tx, BATCH).await?;
        let backlog = rows.len();
        if rows.is_empty() {
            metrics::gauge!(encore_common::metrics::OUTBOX_BACKLOG.name).set(0.0);
            return Ok(0);
        }
        tracing::Span::current().record("rows", backlog);
        self.produce(&rows).await?;
        let ids: Vec<i64> = rows.iter().map(|r| r.0).collect();
        outbox::mark_sent(&mut tx, &ids).await?;
        tx.commit().await.map_err(DbError::from)?;
        metrics::counter!(encore_common::metrics::OUTBOX_PUBLISHED_TOTAL.name)
            .increment(backlog as u64);
        Ok(backlog)
    }

    /// Sends every row (and a tombstone after each delete) in one Kafka
    /// transaction and commits it.
    async fn produce(&mut self, rows: &[OutboxRow]) -> Result<(), KafkaError> {
        let producer = match &self.producer {
            Some(producer) => producer.clone(),
            None => {
                let producer = transaction::start(&self.kafka, &self.transactional_id).await?;
                self.producer = Some(producer.clone());
                producer
            }
        };
        let outcome = async {
            producer.begin_transaction()?;
            let deliveries = send_all(&producer, &self.topics, rows)?;
            transaction::finish(&producer, &self.kafka, deliveries).await
        }
        .await;
        if let Err(error) = &outcome {
            if !transaction::abort(&producer, error).await {
                self.producer = None;
            }
        }
        outcome
    }
}

pub use encore_core::outbox::OutboxRow;

/// Sends every row, and a tombstone after each delete, without waiting.
pub fn send_all(
    producer: &Producer,
    topics: &Topics,
    rows: &[OutboxRow],
) -> Result<Vec<rdkafka::producer::DeliveryFuture>, KafkaError> {
    let mut deliveries = Vec::with_capacity(rows.len() + 1);
    for (_, topic, entity_id, payload, tombstone) in rows {
        let topic = topics.name(topic);
        let key = entity_id.to_string();
        let record = FutureRecord::<str, [u8]>::to(&topic)
            .key(&key)
            .payload(payload);
        deliveries.push(producer.send_result(record).map_err(|(e, _)| e)?);
        if *tombstone {
            let record = FutureRecord::<str, [u8]>::to(&topic).key(&key);
            deliveries.push(producer.send_result(record).map_err(|(e, _)| e)?);
        }
    }
    Ok(deliveries)
}
