//! Producers: `acks=all`, idempotent when `ENCORE_KAFKA_IDEMPOTENCE` says
//! so, bounded by the produce timeout, and replaced when the broker they
//! talked to went away.
//!
//! **Why replace.** An idempotent producer carries a producer id and
//! per-partition sequence numbers that the broker must remember. tansu 0.6
//! (the local broker) loses track of them across a restart, and the first
//! produce from a producer that outlived the restart panics its storage task:
//! from then on it drops every connection (reported upstream in the closing
//! note; Apache Kafka answers such a producer with a retriable error instead).
//! So when a producer reports that all brokers are down, [`SharedProducer`]
//! purges what it still holds (those sends fail, and their callers retry them)
//! and the next send uses a fresh producer with a fresh id. Sinks drop any
//! duplicate a retry creates, by event id or entity version.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock, Weak};
use std::time::{Duration, Instant};

use rdkafka::error::{KafkaError, RDKafkaErrorCode};
use rdkafka::producer::{FutureProducer, Producer as _, PurgeConfig};
use rdkafka::{ClientConfig, ClientContext};

use crate::config::KafkaConfig;
use crate::kafka::with_debug;

/// Every Encore producer.
pub type Producer = FutureProducer<BrokerWatch>;

/// Replacing a producer again sooner than this would only churn while the
/// broker stays down.
const MIN_PRODUCER_AGE: Duration = Duration::from_secs(2);

/// Notices when a producer has lost every broker connection.
pub struct BrokerWatch {
    generation: u64,
    on_loss: LossSlot,
}

/// Filled once the producer's owner exists, to tell it about a loss.
type LossSlot = Arc<Mutex<Option<Box<dyn Fn(u64) + Send>>>>;

impl ClientContext for BrokerWatch {
    fn error(&self, error: KafkaError, reason: &str) {
        tracing::warn!(%error, reason, "librdkafka");
        if error.rdkafka_error_code() == Some(RDKafkaErrorCode::AllBrokersDown) {
            if let Ok(guard) = self.on_loss.lock() {
                if let Some(on_loss) = guard.as_ref() {
                    on_loss(self.generation);
                }
            }
        }
    }
}

/// An `acks=all` producer (idempotent when configured) whose sends fail
/// after the configured produce timeout instead of waiting for the broker forever.
pub fn producer(config: &KafkaConfig) -> Result<Producer, KafkaError> {
    producer_with(config, 0, LossSlot::default())
}

fn producer_with(
    config: &KafkaConfig,
    generation: u64,
    on_loss: LossSlot,
) -> Result<Producer, KafkaError> {
    let timeout_ms = config.produce_timeout.as_millis().max(1).to_string();
    with_debug(ClientConfig::new())
        .set("bootstrap.servers", &config.brokers)
        .set("enable.idempotence", config.idempotence.to_string())
        .set("acks", "all")
        .set("linger.ms", "5")
        .set("message.timeout.ms", &timeout_ms)
        .set("socket.connection.setup.timeout.ms", &timeout_ms)
        .create_with_context(BrokerWatch {
            generation,
            on_loss,
        })
}

/// A producer shared by a service's tasks, replaced when its broker went
/// away or refuses it (see the module docs). Cheap to clone.
#[derive(Clone)]
pub struct SharedProducer {
    inner: Arc<Inner>,
}

struct Inner {
    config: KafkaConfig,
    current: RwLock<Current>,
    next_generation: AtomicU64,
}

struct Current {
    generation: u64,
    producer: Producer,
    created: Instant,
}

impl SharedProducer {
    pub fn new(config: &KafkaConfig) -> Result<Self, KafkaError> {
        let slot = LossSlot::default();
        let producer = producer_with(config, 0, slot.clone())?;
        let inner = Arc::new(Inner {
            config: config.clone(),
            current: RwLock::new(Current {
                generation: 0,
                producer,
                created: Instant::now(),
            }),
            next_generation: AtomicU64::new(1),
        });
        watch(&slot, Arc::downgrade(&inner));
        Ok(SharedProducer { inner })
    }

    /// The producer to send with, and its generation for [`Self::recover`].
    pub fn get(&self) -> (u64, Producer) {
        let current = match self.inner.current.read() {
            Ok(guard) => guard,
            Err(poisoned) => poisoned.into_inner(),
        };
        (current.generation, current.producer.clone())
    }

    /// Replaces generation `generation` if `error` means the broker will
    /// never accept it again. Concurrent reports of one failure replace it once.
    pub fn recover(&self, generation: u64, error: &KafkaError) {
        if is_fatal_for_producer(error) {
            self.inner.replace(
                generation,
                &format!("the broker refuses it: {error}"),
                false,
            );
        }
    }
}

impl Inner {
    /// Replaces generation `generation` unless it was replaced already. A
    /// producer younger than [`MIN_PRODUCER_AGE`] is replaced only once it is
    /// that old when `wait` (the caller is a thread of its own), and not at all
    /// otherwise, so a broker that stays down does not make producers churn.
    fn replace(self: &Arc<Self>, generation: u64, why: &str, wait: bool) {
        loop {
            let mut current = match self.current.write() {
                Ok(guard) => guard,
                Err(poisoned) => poisoned.into_inner(),
            };
            if current.generation != generation {
                return;
            }
            let age = current.created.elapsed();
            if age < MIN_PRODUCER_AGE {
                drop(current);
                if !wait {
                    return;
                }
                std::thread::sleep(MIN_PRODUCER_AGE - age);
                continue;
            }
            let next = self.next_generation.fetch_add(1, Ordering::Relaxed);
            let slot = LossSlot::default();
            match producer_with(&self.config, next, slot.clone()) {
                Ok(producer) => {
                    watch(&slot, Arc::downgrade(self));
                    tracing::warn!(why, "replacing the Kafka producer");
                    metrics::counter!("encore_kafka_producer_replaced_total").increment(1);
                    // Nothing the old producer still holds may reach a restarted
                    // broker: its senders get a purge error and retry.
                    current
                        .producer
                        .purge(PurgeConfig::default().queue().inflight());
                    *current = Current {
                        generation: next,
                        producer,
                        created: Instant::now(),
                    };
                }
                Err(error) => tracing::error!(%error, "creating a replacement producer failed"),
            }
            return;
        }
    }
}

/// Makes the producer behind `slot` report the loss of all brokers to `owner`.
fn watch(slot: &LossSlot, owner: Weak<Inner>) {
    let on_loss = move |generation: u64| {
        let Some(owner) = owner.upgrade() else { return };
        // Off librdkafka's callback thread: replacing purges this very client.
        std::thread::spawn(move || {
            owner.replace(generation, "it lost every broker connection", true)
        });
    };
    if let Ok(mut slot) = slot.lock() {
        *slot = Some(Box::new(on_loss));
    }
}

/// Whether a produce error means this producer will never succeed again
/// (its broker-side state is gone), as opposed to the broker being away.
pub fn is_fatal_for_producer(error: &KafkaError) -> bool {
    use RDKafkaErrorCode::*;
    error.rdkafka_error_code().is_some_and(|code| {
        matches!(
            code,
            Unknown
                | OutOfOrderSequenceNumber
                | UnknownProducerId
                | InvalidProducerEpoch
                | InvalidProducerIdMapping
                | Fatal
        )
    })
}
