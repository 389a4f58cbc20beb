//! Consume-transform-produce commits: a batch's dead letters and its offsets
//! go to Kafka in one transaction.
//!
//! A consumer that writes back to Kafka could otherwise dead-letter a record
//! and crash before committing past it (the record is dead-lettered twice), or
//! commit and crash before the dead letter is acknowledged (it is lost). In one
//! transaction both become visible to `read_committed` readers together, or
//! neither does.
//!
//! The producer's `transactional.id` is stable per consumer group and instance
//! ([`KafkaConfig::transactional_id`]), so a restarted instance fences the
//! zombie of its previous run and aborts whatever transaction that run left
//! open. A consumer that lost its partitions in a rebalance is fenced through
//! its group metadata instead: its commit fails, the transaction is aborted,
//! and the partitions' new owner processes the batch again.

use std::collections::HashMap;
use std::time::Duration;

use rdkafka::consumer::{Consumer, StreamConsumer};
use rdkafka::error::{KafkaError, RDKafkaErrorCode};
use rdkafka::message::{Message, OwnedMessage};
use rdkafka::producer::{FutureRecord, Producer as _};
use rdkafka::{Offset, TopicPartitionList};

use crate::backoff::Backoff;
use crate::config::KafkaConfig;
use crate::kafka::dead_letter_record;
use crate::producer::{transactional_producer, Producer};

/// A record of the batch to dead-letter: its position, why, and where to.
#[derive(Debug, Clone)]
pub struct DeadLetter {
    pub at: usize,
    pub reason: String,
    pub topic: String,
}

/// Why a batch's commit was given up. Its records come again (to this
/// consumer after a rewind, or to the partitions' new owner).
#[derive(Debug, thiserror::Error)]
pub enum CommitError {
    #[error("the consumer lost its group membership; the batch is redelivered: {0}")]
    NotOwner(KafkaError),
    #[error("creating the transactional producer: {0}")]
    Producer(KafkaError),
}

/// Commits batches of one consumer group transactionally.
pub struct TransactionalCommitter {
    config: KafkaConfig,
    transactional_id: String,
    producer: Option<Producer>,
}

impl TransactionalCommitter {
    /// A committer for `group`; its producer is created on the first commit.
    pub fn new(config: &KafkaConfig, group: &str) -> Self {
        TransactionalCommitter {
            config: config.clone(),
            transactional_id: config.transactional_id(group),
            producer: None,
        }
    }

    /// Starts the transactional producer, retrying with backoff until the
    /// broker answers. Starting it fences the previous run of this instance
    /// and aborts the transaction it may have left open; until then the
    /// group's offsets from that transaction are pending, and a consumer asking
    /// for them would wait. So a consumer calls this before it consumes.
    pub async fn prepare(&mut self) {
        let mut backoff = Backoff::default();
        while let Err(error) = self.producer().await {
            tracing::warn!(%error, transactional_id = %self.transactional_id, "starting the transactional producer failed; retrying");
            backoff.wait().await;
        }
    }

    /// The `transactional.id` this committer writes under.
    pub fn transactional_id(&self) -> &str {
        &self.transactional_id
    }

    /// Dead-letters `dead` and commits the offsets after every record of
    /// `batch`, in one transaction. Retries with backoff while the broker is
    /// away. Gives up only when the consumer no longer owns the batch's
    /// partitions; then the transaction is aborted and the consumer rewound,
    /// so nothing of the batch is lost.
    ///
    /// `read_to` is the consumer's position when the batch was complete: it
    /// may be past transaction markers after the batch's last record, and
    /// it is the only position that says so, because by commit time the
    /// consumer has already read on into the next batch.
    pub async fn commit(
        &mut self,
        consumer: &StreamConsumer,
        batch: &[OwnedMessage],
        dead: &[DeadLetter],
        read_to: Option<&TopicPartitionList>,
    ) -> Result<(), CommitError> {
        if batch.is_empty() {
            return Ok(());
        }
        let offsets = next_offsets(read_to, batch);
        let mut backoff = Backoff::default();
        loop {
            let producer = match self.producer().await {
                Ok(producer) => producer,
                Err(error) => {
                    tracing::warn!(%error, "the transactional producer is not ready; retrying");
                    backoff.wait().await;
                    continue;
                }
            };
            let error = match self
                .attempt(&producer, consumer, batch, dead, &offsets)
                .await
            {
                Ok(()) => {
                    for letter in dead {
                        let source = batch[letter.at].topic().to_string();
                        metrics::counter!(crate::metrics::DLQ_RECORDS_TOTAL.name, "topic" => source)
                            .increment(1);
                    }
                    return Ok(());
                }
                Err(error) => error,
            };
            metrics::counter!(crate::metrics::KAFKA_TRANSACTION_FAILURES_TOTAL.name).increment(1);
            self.recover(&producer, &error).await;
            if lost_membership(&error) {
                rewind(consumer, batch);
                return Err(CommitError::NotOwner(error));
            }
            tracing::warn!(%error, retry_in_ms = backoff.next_ms(), "committing a batch transactionally failed");
            backoff.wait().await;
        }
    }

    async fn producer(&mut self) -> Result<Producer, KafkaError> {
        if let Some(producer) = &self.producer {
            return Ok(producer.clone());
        }
        let producer = start(&self.config, &self.transactional_id).await?;
        self.producer = Some(producer.clone());
        Ok(producer)
    }

    async fn attempt(
        &self,
        producer: &Producer,
        consumer: &StreamConsumer,
        batch: &[OwnedMessage],
        dead: &[DeadLetter],
        offsets: &TopicPartitionList,
    ) -> Result<(), KafkaError> {
        producer.begin_transaction()?;
        let mut deliveries = Vec::with_capacity(dead.len());
        for letter in dead {
            let message = &batch[letter.at];
            tracing::warn!(topic = message.topic(), partition = message.partition(), offset = message.offset(), reason = %letter.reason, "dead-lettering a record");
            let (headers, key, value) = dead_letter_record(message, &letter.reason);
            let mut record = FutureRecord::<[u8], [u8]>::to(&letter.topic).headers(headers);
            if let Some(key) = key.as_deref() {
                record = record.key(key);
            }
            if let Some(value) = value.as_deref() {
                record = record.payload(value);
            }
            deliveries.push(producer.send_result(record).map_err(|(e, _)| e)?);
        }
        let group = consumer.group_metadata().ok_or(KafkaError::ConsumerCommit(
            RDKafkaErrorCode::UnknownMemberId,
        ))?;
        let producer_ = producer.clone();
        let offsets = offsets.clone();
        let timeout = blocking_timeout(&self.config);
        bounded("send_offsets_to_transaction", timeout, move || {
            producer_.send_offsets_to_transaction(&offsets, &group, timeout)
        })
        .await?;
        finish(producer, &self.config, deliveries).await
    }

    async fn recover(&mut self, producer: &Producer, error: &KafkaError) {
        if !abort(producer, error).await {
            self.producer = None;
        }
    }
}

/// How long a blocking transactional call may wait for the broker.
fn blocking_timeout(config: &KafkaConfig) -> Duration {
    config.produce_timeout.max(Duration::from_secs(10))
}

/// How long past its own timeout a transactional call may take before it is
/// given up as stuck ([`bounded`]).
const STUCK_AFTER: Duration = Duration::from_secs(5);

/// Runs one of librdkafka's blocking transactional calls, given `timeout`,
/// and waits for it at most [`STUCK_AFTER`] longer.
///
/// librdkafka does not always keep its timeouts here:
/// `send_offsets_to_transaction` can wait forever once the group coordinator
/// it cached has gone (librdkafka issues 5456 and 5511, open through 2.14).
/// Encore's etl did exactly that when the brokers were restarted in turn
/// (`tests/cluster/brokers.rs`), and stopped consuming for good. A stuck call
/// cannot be cancelled, so it is left behind on a thread of its own: not
/// tokio's blocking pool, whose shutdown would wait for it. Its caller gets
/// [`is_stuck`]'s error and replaces the producer; the successor's
/// `init_transactions` fences the stuck one and aborts its transaction.
async fn bounded<T: Send + 'static>(
    what: &'static str,
    timeout: Duration,
    call: impl FnOnce() -> Result<T, KafkaError> + Send + 'static,
) -> Result<T, KafkaError> {
    wait_at_most(what, timeout + STUCK_AFTER, call).await
}

/// [`bounded`]'s mechanism: `call` on a detached thread, waited for `wait`.
async fn wait_at_most<T: Send + 'static>(
    what: &'static str,
    wait: Duration,
    call: impl FnOnce() -> Result<T, KafkaError> + Send + 'static,
) -> Result<T, KafkaError> {
    let (done, outcome) = tokio::sync::oneshot::channel();
    std::thread::Builder::new()
        .name(format!("kafka-{what}"))
        .spawn(move || {
            let _ = done.send(call());
        })
        .map_err(|error| KafkaError::ClientCreation(format!("a thread for {what}: {error}")))?;
    match tokio::time::timeout(wait, outcome).await {
        Ok(Ok(result)) => result,
        Ok(Err(_)) => Err(KafkaError::Canceled),
        Err(_) => {
            tracing::warn!(
                call = what,
                waited_ms = wait.as_millis() as u64,
                "librdkafka's transactional call outlived its timeout; abandoning the producer"
            );
            Err(stuck())
        }
    }
}

/// The error [`bounded`] gives for a stuck call. librdkafka reports its own
/// transactional errors as `KafkaError::Transaction`, never as `Global`, so
/// this one cannot be mistaken for a timeout it reported itself.
fn stuck() -> KafkaError {
    KafkaError::Global(RDKafkaErrorCode::OperationTimedOut)
}

/// Whether `error` says a transactional call was abandoned as stuck: its
/// producer must be replaced, not reused or aborted (the abort would wait
/// behind the stuck call).
pub fn is_stuck(error: &KafkaError) -> bool {
    matches!(
        error,
        KafkaError::Global(RDKafkaErrorCode::OperationTimedOut)
    )
}

/// A transactional producer under `transactional_id`, initialised off the
/// async threads (fencing any earlier producer under that id).
pub async fn start(config: &KafkaConfig, transactional_id: &str) -> Result<Producer, KafkaError> {
    let timeout = blocking_timeout(config);
    let config = config.clone();
    let id = transactional_id.to_string();
    bounded("init_transactions", timeout, move || {
        transactional_producer(&config, &id)
    })
    .await
}

/// Commits `producer`'s open transaction, then checks that each of its
/// records was delivered.
pub async fn finish(
    producer: &Producer,
    config: &KafkaConfig,
    deliveries: Vec<rdkafka::producer::DeliveryFuture>,
) -> Result<(), KafkaError> {
    let producer = producer.clone();
    let timeout = blocking_timeout(config);
    bounded("commit_transaction", timeout, move || {
        producer.commit_transaction(timeout)
    })
    .await?;
    // Committed: every delivery succeeded, or the commit would have failed.
    for delivery in deliveries {
        if let Ok(Err((error, _))) = delivery.await {
            return Err(error);
        }
    }
    Ok(())
}

/// After `error`, aborts `producer`'s open transaction. Returns whether the
/// producer can be used again: not when it was fenced, hit another fatal
/// error or got stuck, nor when the abort itself failed.
pub async fn abort(producer: &Producer, error: &KafkaError) -> bool {
    if crate::producer::is_fatal_for_producer(error) || is_stuck(error) {
        return false;
    }
    let producer = producer.clone();
    let timeout = Duration::from_secs(10);
    bounded("abort_transaction", timeout, move || {
        producer.abort_transaction(timeout)
    })
    .await
    .is_ok()
}

/// Folds the offsets of `batch`'s records into one value per partition.
fn per_partition(
    batch: &[OwnedMessage],
    start: i64,
    fold: impl Fn(i64, i64) -> i64,
) -> HashMap<(&str, i32), i64> {
    let mut out: HashMap<(&str, i32), i64> = HashMap::new();
    for message in batch {
        let entry = out
            .entry((message.topic(), message.partition()))
            .or_insert(start);
        *entry = fold(*entry, message.offset());
    }
    out
}

/// The offset to resume each partition of `batch` from: past its last record,
/// or past the transaction markers after it when the consumer had already
/// got there when the batch was complete (`read_to`: its position skips
/// control records, which are never delivered).
fn next_offsets(
    read_to: Option<&TopicPartitionList>,
    batch: &[OwnedMessage],
) -> TopicPartitionList {
    let next = per_partition(batch, 0, |after, offset| after.max(offset + 1));
    let position = read_to;
    let mut offsets = TopicPartitionList::new();
    for ((topic, partition), after_batch) in next {
        let at = position
            .as_ref()
            .and_then(|p| p.find_partition(topic, partition))
            .and_then(|p| match p.offset() {
                Offset::Offset(at) => Some(at),
                _ => None,
            })
            .map_or(after_batch, |at| at.max(after_batch));
        let _ = offsets.add_partition_offset(topic, partition, Offset::Offset(at));
    }
    offsets
}

/// Whether `error` means this consumer no longer owns what it read.
fn lost_membership(error: &KafkaError) -> bool {
    use RDKafkaErrorCode::*;
    error.rdkafka_error_code().is_some_and(|code| {
        matches!(
            code,
            UnknownMemberId | IllegalGeneration | RebalanceInProgress | FencedInstanceId
        )
    })
}

/// Seeks every partition of `batch` back to its first record, so a batch
/// whose commit was given up comes again instead of being skipped.
fn rewind(consumer: &StreamConsumer, batch: &[OwnedMessage]) {
    let first = per_partition(batch, i64::MAX, |first, offset| first.min(offset));
    for ((topic, partition), offset) in first {
        // A partition no longer assigned cannot be sought; its new owner
        // resumes from the last committed offset anyway.
        if let Err(error) = consumer.seek(
            topic,
            partition,
            Offset::Offset(offset),
            Duration::from_secs(5),
        ) {
            tracing::debug!(%error, topic, partition, "not rewinding a partition");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_call_that_returns_in_time_gives_its_own_result() {
        let ok = wait_at_most("test", Duration::from_secs(5), || Ok(7)).await;
        assert_eq!(ok.ok(), Some(7));
        let failed: Result<(), _> = wait_at_most("test", Duration::from_secs(5), || {
            Err(KafkaError::Global(RDKafkaErrorCode::BrokerNotAvailable))
        })
        .await;
        let failed = failed.expect_err("the call's own error");
        assert!(!is_stuck(&failed), "{failed}");
    }

    #[tokio::test]
    async fn a_call_that_never_returns_is_given_up_as_stuck() {
        let (_keep, blocked) = std::sync::mpsc::channel::<()>();
        let started = std::time::Instant::now();
        let stuck: Result<(), _> = wait_at_most("test", Duration::from_millis(200), move || {
            let _ = blocked.recv();
            Ok(())
        })
        .await;
        assert!(stuck.as_ref().is_err_and(is_stuck), "{stuck:?}");
        assert!(started.elapsed() < Duration::from_secs(5));
    }
}
