//! The batch-consumer driver: the one consume → write → commit loop every
//! Encore consumer runs (the etl's plays and dimensions, the indexer).
//!
//! In the spirit of Vector's sink driver, the driver owns everything that is
//! the same for every consumer: polling, batching by size and time, retrying a
//! failed write with backoff, dead-lettering, the transactional commit,
//! metrics, tracing spans and shutdown. A consumer implements [`BatchSink`]:
//! "write this batch, and tell me which records are poison".
//!
//! **Offsets follow the data.** A batch's offsets are committed only after
//! [`BatchSink::write`] succeeded, and in the same Kafka transaction as its
//! dead letters ([`crate::transaction`]). A crash anywhere before the commit
//! means the batch comes again, so sinks must be idempotent (by event id, or
//! by the entity's own version).

use std::future::Future;
use std::time::{Duration, Instant};

use rdkafka::consumer::{Consumer, StreamConsumer};
use rdkafka::message::OwnedMessage;
use rdkafka::TopicPartitionList;
use tracing::Instrument;

use crate::backoff::Backoff;
use crate::kafka;
use crate::transaction::{DeadLetter, TransactionalCommitter};

/// What a consumer does with a batch; the [`Driver`] does the rest.
pub trait BatchSink: Send {
    /// Why a write failed; the driver logs it and retries the batch.
    type Error: std::fmt::Display + Send;

    /// What the sink makes of a batch before writing it (decoded records,
    /// say); `()` for a sink that works on the records as they are.
    type Prepared: Send + Sync + 'static;

    /// The consumer's name in metrics (`consumer` label) and spans.
    fn name(&self) -> &'static str;

    /// The CPU work on a batch that needs no I/O. The driver runs it while
    /// the previous batch is being written, so that the sink's store is not
    /// left waiting while a batch is decoded; it takes no `self` because the
    /// sink is busy writing meanwhile. It runs on a blocking thread: decoding
    /// 5,000 records takes milliseconds, which on an async worker would stall
    /// whatever else shares the runtime (the gateway's requests).
    fn prepare(batch: &[OwnedMessage]) -> Self::Prepared;

    /// Writes the batch durably and returns the records that can never be
    /// written, each with the reason and its dead-letter topic. An error
    /// means nothing is known to be written: the driver retries the batch.
    /// Writing the same batch twice must leave the same state as once.
    fn write(
        &mut self,
        batch: &[OwnedMessage],
        prepared: &Self::Prepared,
    ) -> impl Future<Output = Result<Vec<DeadLetter>, Self::Error>> + Send;

    /// Periodic work between batches (at most every [`Batching::idle`]), and
    /// before a failed write is retried. Nothing by default.
    fn tick(&mut self) -> impl Future<Output = ()> + Send {
        async {}
    }
}

/// How records are gathered into batches.
#[derive(Debug, Clone, Copy)]
pub struct Batching {
    /// At most this many records.
    pub size: usize,
    /// At most this long after a batch's first record.
    pub wait: Duration,
    /// With nothing to read, [`BatchSink::tick`] runs this often.
    pub idle: Duration,
}

/// Runs one [`BatchSink`] over one consumer.
pub struct Driver {
    pub consumer: StreamConsumer,
    pub committer: TransactionalCommitter,
    pub batching: Batching,
}

impl Driver {
    /// Consumes until `shutdown` resolves. A batch in flight at shutdown is
    /// abandoned uncommitted (its transaction, if open, is aborted by the next
    /// run under the same transactional id), and delivered again.
    pub async fn run<S: BatchSink>(mut self, mut sink: S, shutdown: impl Future<Output = ()>) {
        tokio::pin!(shutdown);
        let name = sink.name();
        // The transactional producer is only needed for the first commit, so
        // it starts while the first batch is read. Starting it took 60 to
        // 510 ms in the load bench, all of which came before the first record.
        // The first write still waits for both, so a zombie with this
        // transactional id is fenced before anything is written.
        let first = {
            let (committer, consumer) = (&mut self.committer, &self.consumer);
            let batching = self.batching;
            tokio::select! {
                _ = &mut shutdown => return,
                ((), first) = async { tokio::join!(committer.prepare(), gather::<S>(consumer, batching)) } => first,
            }
        };
        let mut last_tick = Instant::now();
        // Three batches are in flight at once: the one being gathered from
        // Kafka, the one being written, and the one written before it, whose
        // offsets are being committed. Each stage waits on a different
        // server, so the sink's store is never idle waiting for the other two.
        // A batch gathered or written but not yet committed when the process
        // stops or loses its partitions is simply delivered again.
        let mut gathered: Option<Gathered<S::Prepared>> = Some(first);
        let mut written: Option<Written> = None;
        loop {
            let batching = self.batching;
            let Gathered {
                batch,
                prepared,
                read_to,
            } = match gathered.take() {
                Some(gathered) => gathered,
                None => tokio::select! {
                    _ = &mut shutdown => return,
                    gathered = gather::<S>(&self.consumer, batching) => gathered,
                },
            };
            if last_tick.elapsed() >= batching.idle {
                last_tick = Instant::now();
                tokio::select! {
                    _ = &mut shutdown => return,
                    _ = sink.tick() => {},
                }
            }
            let (consumer, committer) = (&self.consumer, &mut self.committer);
            let commit = commit(committer, consumer, written.take(), name);
            let span = tracing::info_span!("batch", consumer = name, batch = %kafka::batch_id(&batch), records = batch.len());
            let write = async {
                if batch.is_empty() {
                    return None;
                }
                let started = Instant::now();
                let dead = write_until_done(&mut sink, &batch, &prepared).await;
                Some(Written {
                    batch,
                    dead,
                    read_to,
                    started,
                })
            }
            .instrument(span);
            let gather = gather::<S>(consumer, batching);
            tokio::select! {
                _ = &mut shutdown => return,
                (done, (), next) = async { tokio::join!(write, commit, gather) } => {
                    written = done;
                    gathered = Some(next);
                }
            }
        }
    }
}

/// A batch read from Kafka and prepared for the sink.
struct Gathered<P> {
    batch: Vec<OwnedMessage>,
    prepared: P,
    /// The consumer's position once the batch was complete.
    read_to: Option<TopicPartitionList>,
}

/// The next batch from Kafka, prepared for the sink.
async fn gather<S: BatchSink>(
    consumer: &StreamConsumer,
    batching: Batching,
) -> Gathered<S::Prepared> {
    let batch = kafka::collect_batch(consumer, batching.size, batching.wait, batching.idle).await;
    let read_to = consumer.position().ok();
    let prepared = tokio::task::spawn_blocking(move || {
        let prepared = S::prepare(&batch);
        (batch, prepared)
    })
    .await;
    let (batch, prepared) = match prepared {
        Ok(done) => done,
        Err(failed) if failed.is_panic() => std::panic::resume_unwind(failed.into_panic()),
        // Cancelled: the runtime is shutting down, and this batch with it.
        Err(_) => std::future::pending().await,
    };
    Gathered {
        batch,
        prepared,
        read_to,
    }
}

/// A batch written to the sink, its offsets not committed yet.
struct Written {
    batch: Vec<OwnedMessage>,
    dead: Vec<DeadLetter>,
    read_to: Option<TopicPartitionList>,
    /// When its write began, for the batch duration metric.
    started: Instant,
}

/// Commits a written batch's offsets with its dead letters, if there is one.
async fn commit(
    committer: &mut TransactionalCommitter,
    consumer: &StreamConsumer,
    written: Option<Written>,
    name: &'static str,
) {
    let Some(Written {
        batch,
        dead,
        read_to,
        started,
    }) = written
    else {
        return;
    };
    let span = tracing::info_span!("commit", consumer = name, batch = %kafka::batch_id(&batch), records = batch.len());
    async {
        match committer
            .commit(consumer, &batch, &dead, read_to.as_ref())
            .await
        {
            Ok(()) => {
                metrics::counter!(crate::metrics::CONSUMER_RECORDS_COMMITTED_TOTAL.name, "consumer" => name)
                    .increment(batch.len() as u64);
                metrics::histogram!(crate::metrics::CONSUMER_BATCH_SECONDS.name, "consumer" => name)
                    .record(started.elapsed().as_secs_f64());
            }
            Err(error) => tracing::warn!(%error, "batch not committed"),
        }
    }
    .instrument(span)
    .await
}

/// Writes `batch`, retrying with backoff until it is written.
async fn write_until_done<S: BatchSink>(
    sink: &mut S,
    batch: &[OwnedMessage],
    prepared: &S::Prepared,
) -> Vec<DeadLetter> {
    let name = sink.name();
    let mut backoff = Backoff::default();
    loop {
        match sink.write(batch, prepared).await {
            Ok(dead) => return dead,
            Err(error) => {
                metrics::counter!(crate::metrics::CONSUMER_BATCH_FAILURES_TOTAL.name, "consumer" => name)
                    .increment(1);
                tracing::warn!(%error, retry_in_ms = backoff.next_ms(), "writing a batch failed");
                sink.tick().await;
                backoff.wait().await;
            }
        }
    }
}
