//! Producers: `acks=all` and idempotent (unless `ENCORE_KAFKA_IDEMPOTENCE`
//! turns it off for a broker without it), bounded by the produce timeout.
//!
//! **Why a producer is ever replaced.** An idempotent producer carries a
//! producer id and per-partition sequence numbers. When the broker loses or
//! rejects that state (`UNKNOWN_PRODUCER_ID` after its log was truncated, an
//! out-of-order sequence after a message timed out, a fencing epoch bump),
//! librdkafka raises a *fatal* error and the instance refuses every send from
//! then on. [`SharedProducer`] replaces such an instance with a fresh one (a
//! fresh producer id); the sends that failed are retried by their callers, and
//! sinks drop any duplicate by event id or entity version. A broker that is
//! merely away needs no replacement: librdkafka reconnects by itself.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::Duration;

use rdkafka::error::{KafkaError, RDKafkaErrorCode};
use rdkafka::producer::{FutureProducer, Producer as _};
use rdkafka::{ClientConfig, ClientContext};

use crate::config::KafkaConfig;

/// Every Encore producer.
pub type Producer = FutureProducer<LogErrors>;

/// Sends librdkafka's client-level errors to `tracing`.
pub struct LogErrors;

impl ClientContext for LogErrors {
    fn error(&self, error: KafkaError, reason: &str) {
        tracing::warn!(%error, reason, "librdkafka");
    }
}

fn base_config(config: &KafkaConfig) -> ClientConfig {
    let timeout_ms = config.produce_timeout.as_millis().max(1).to_string();
    // librdkafka refuses a connection set-up timeout under a second.
    let setup_ms = config.produce_timeout.as_millis().max(1_000).to_string();
    let mut client = crate::config::kafka_client();
    client
        .set("bootstrap.servers", &config.brokers)
        .set("enable.idempotence", config.idempotence.to_string())
        .set("acks", "all")
        .set("linger.ms", "5")
        .set("message.timeout.ms", &timeout_ms)
        .set("socket.connection.setup.timeout.ms", &setup_ms);
    client
}

/// An `acks=all`, idempotent producer whose sends fail after the configured
/// produce timeout instead of waiting for the broker forever.
pub fn producer(config: &KafkaConfig) -> Result<Producer, KafkaError> {
    base_config(config).create_with_context(LogErrors)
}

/// How long a transactional producer may keep a transaction open. A process
/// that dies mid-transaction leaves it open until then, blocking
/// `read_committed` readers of its partitions; a restart under the same
/// `transactional.id` aborts it at once instead.
const TRANSACTION_TIMEOUT: Duration = Duration::from_secs(30);

/// A transactional producer under `transactional_id`, with its transactions
/// initialised: any earlier producer under the same id (a zombie, or this
/// process before a crash) is fenced, and its open transaction aborted.
///
/// Blocks while the broker answers: call it from a blocking context.
pub fn transactional_producer(
    config: &KafkaConfig,
    transactional_id: &str,
) -> Result<Producer, KafkaError> {
    let producer: Producer = base_config(config)
        .set("enable.idempotence", "true")
        .set("transactional.id", transactional_id)
        .set(
            "transaction.timeout.ms",
            TRANSACTION_TIMEOUT.as_millis().to_string(),
        )
        .create_with_context(LogErrors)?;
    producer.init_transactions(config.produce_timeout.max(Duration::from_secs(10)))?;
    Ok(producer)
}

/// A producer shared by a service's tasks, replaced when librdkafka declares
/// it dead (see the module docs). Cheap to clone.
#[derive(Clone)]
pub struct SharedProducer {
    inner: Arc<Inner>,
}

struct Inner {
    config: KafkaConfig,
    current: RwLock<(u64, Producer)>,
    next_generation: AtomicU64,
}

impl SharedProducer {
    pub fn new(config: &KafkaConfig) -> Result<Self, KafkaError> {
        Ok(SharedProducer {
            inner: Arc::new(Inner {
                config: config.clone(),
                current: RwLock::new((0, producer(config)?)),
                next_generation: AtomicU64::new(1),
            }),
        })
    }

    /// The producer to send with, and its generation for [`Self::recover`].
    pub fn get(&self) -> (u64, Producer) {
        let current = match self.inner.current.read() {
            Ok(guard) => guard,
            Err(poisoned) => poisoned.into_inner(),
        };
        current.clone()
    }

    /// Replaces generation `generation` if `error` means it will never send
    /// again. Concurrent reports of one failure replace it once.
    pub fn recover(&self, generation: u64, error: &KafkaError) {
        if !is_fatal_for_producer(error) {
            return;
        }
        let mut current = match self.inner.current.write() {
            Ok(guard) => guard,
            Err(poisoned) => poisoned.into_inner(),
        };
        if current.0 != generation {
            return;
        }
        match producer(&self.inner.config) {
            Ok(fresh) => {
                tracing::warn!(%error, "replacing a Kafka producer the broker will not accept again");
                metrics::counter!(crate::metrics::KAFKA_PRODUCER_REPLACED_TOTAL.name).increment(1);
                let next = self.inner.next_generation.fetch_add(1, Ordering::Relaxed);
                *current = (next, fresh);
            }
            Err(error) => tracing::error!(%error, "creating a replacement producer failed"),
        }
    }
}

/// Whether a produce error means this producer will never succeed again
/// (its broker-side state is gone), as opposed to the broker being away.
pub fn is_fatal_for_producer(error: &KafkaError) -> bool {
    use RDKafkaErrorCode::*;
    if let KafkaError::Transaction(error) = error {
        return error.is_fatal();
    }
    error.rdkafka_error_code().is_some_and(|code| {
        matches!(
            code,
            OutOfOrderSequenceNumber
                | UnknownProducerId
                | InvalidProducerEpoch
                | InvalidProducerIdMapping
                | ProducerFenced
                | Fatal
        )
    })
}
