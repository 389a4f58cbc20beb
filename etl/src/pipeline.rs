//! The plays pipeline: consume → decode → batch → insert → commit.
//!
//! Offsets follow the data: a batch's offsets are committed only after its
//! rows are in ClickHouse and its poison records are on the dead-letter
//! topic. A crash anywhere before the commit means the batch is delivered
//! again, and `plays` (ReplacingMergeTree by `event_id`) absorbs the repeat.

use std::collections::HashMap;
use std::future::Future;
use std::time::{Duration, Instant};

use clickhouse::Client;
use encore_common::kafka::{KafkaPlumbingError, SharedProducer};
use encore_schemas::{decode, PlaybackEvent};
use rdkafka::consumer::{CommitMode, Consumer, StreamConsumer};
use rdkafka::message::{BorrowedMessage, Message};
use rdkafka::{Offset, TopicPartitionList};
use tracing::Instrument;

use crate::plays::PlayRow;

const MAX_BACKOFF: Duration = Duration::from_secs(5);

/// One batch: the rows to write and, per partition, the offset to commit after.
#[derive(Default)]
struct Batch {
    rows: Vec<PlayRow>,
    next_offsets: HashMap<(String, i32), i64>,
    dead_lettered: usize,
}

impl Batch {
    fn is_empty(&self) -> bool {
        self.next_offsets.is_empty()
    }

    fn records(&self) -> usize {
        self.rows.len() + self.dead_lettered
    }
}

pub struct PlaysPipeline {
    pub consumer: StreamConsumer,
    pub dead_letters: SharedProducer,
    pub clickhouse: Client,
    pub batch_size: usize,
    pub batch_wait: Duration,
}

impl PlaysPipeline {
    /// Runs until `shutdown` resolves. A batch in progress at shutdown is
    /// abandoned uncommitted, so the next run receives it again.
    pub async fn run(self, shutdown: impl Future<Output = ()>) {
        tokio::pin!(shutdown);
        loop {
            let batch = tokio::select! {
                _ = &mut shutdown => return,
                batch = self.collect() => batch,
            };
            let span = tracing::info_span!(
                "plays_batch",
                rows = batch.rows.len(),
                dead_lettered = batch.dead_lettered
            );
            tokio::select! {
                _ = &mut shutdown => return,
                _ = self.flush(batch).instrument(span) => {}
            }
        }
    }

    /// Gathers records until the batch is full or `batch_wait` has passed
    /// since its first record.
    async fn collect(&self) -> Batch {
        let mut batch = Batch::default();
        let mut deadline: Option<tokio::time::Instant> = None;
        loop {
            let next = match deadline {
                Some(d) => match tokio::time::timeout_at(d, self.consumer.recv()).await {
                    Ok(next) => next,
                    Err(_) => return batch,
                },
                None => self.consumer.recv().await,
            };
            match next {
                Ok(message) => {
                    self.take(&message, &mut batch).await;
                    deadline.get_or_insert_with(|| tokio::time::Instant::now() + self.batch_wait);
                    if batch.records() >= self.batch_size {
                        return batch;
                    }
                }
                Err(error) => {
                    tracing::warn!(%error, "consuming playback events failed; retrying");
                    tokio::time::sleep(Duration::from_millis(500)).await;
                }
            }
        }
    }

    /// Adds one record to the batch, or dead-letters it.
    async fn take(&self, message: &BorrowedMessage<'_>, batch: &mut Batch) {
        let row = match message.payload() {
            None => Err("tombstone or empty value on playback-events".to_string()),
            Some(bytes) => decode::<PlaybackEvent>(bytes)
                .map_err(|e| format!("undecodable PlaybackEvent: {e}"))
                .and_then(|event| {
                    PlayRow::from_event(&event, message.partition(), message.offset())
                        .map_err(|e| e.to_string())
                }),
        };
        match row {
            Ok(row) => batch.rows.push(row),
            Err(reason) => {
                self.dead_letter(message, &reason).await;
                batch.dead_lettered += 1;
            }
        }
        batch.next_offsets.insert(
            (message.topic().to_string(), message.partition()),
            message.offset() + 1,
        );
    }

    /// Retries until the record is on the dead-letter topic: committing past
    /// it before then would lose it.
    async fn dead_letter(&self, message: &BorrowedMessage<'_>, reason: &str) {
        tracing::warn!(partition = message.partition(), offset = message.offset(), %reason, "dead-lettering record");
        let mut backoff = Duration::from_millis(100);
        loop {
            let (generation, producer) = self.dead_letters.get();
            let error = match encore_common::kafka::dead_letter(&producer, message, reason).await {
                Ok(()) => return,
                Err(error) => error,
            };
            if let KafkaPlumbingError::Kafka(kafka) = &error {
                self.dead_letters.recover(generation, kafka);
            }
            tracing::warn!(%error, "writing to the dead-letter topic failed; retrying");
            tokio::time::sleep(backoff).await;
            backoff = (backoff * 2).min(MAX_BACKOFF);
        }
    }

    /// Inserts the rows (retrying with backoff; nothing is committed until
    /// they are in), then commits the batch's offsets.
    async fn flush(&self, batch: Batch) {
        if batch.is_empty() {
            return;
        }
        let started = Instant::now();
        let mut backoff = Duration::from_millis(100);
        while let Err(error) = self.insert(&batch.rows).await {
            metrics::counter!("encore_etl_insert_failures_total").increment(1);
            tracing::warn!(%error, retry_in_ms = backoff.as_millis() as u64, "inserting plays failed");
            tokio::time::sleep(backoff).await;
            backoff = (backoff * 2).min(MAX_BACKOFF);
        }
        metrics::histogram!("encore_etl_batch_rows").record(batch.rows.len() as f64);
        metrics::histogram!("encore_etl_insert_seconds").record(started.elapsed().as_secs_f64());
        metrics::counter!("encore_etl_rows_written_total").increment(batch.rows.len() as u64);
        self.commit(&batch);
    }

    async fn insert(&self, rows: &[PlayRow]) -> Result<(), clickhouse::error::Error> {
        if rows.is_empty() {
            return Ok(());
        }
        let mut insert = self.clickhouse.insert::<PlayRow>("plays").await?;
        for row in rows {
            insert.write(row).await?;
        }
        insert.end().await
    }

    /// A failed commit is logged, not retried: the rows are already written,
    /// so the worst case is a redelivery that the sink absorbs.
    fn commit(&self, batch: &Batch) {
        let mut offsets = TopicPartitionList::new();
        for ((topic, partition), next) in &batch.next_offsets {
            if let Err(error) =
                offsets.add_partition_offset(topic, *partition, Offset::Offset(*next))
            {
                tracing::error!(%error, "building the offset list failed");
                return;
            }
        }
        match self.consumer.commit(&offsets, CommitMode::Sync) {
            Ok(()) => {
                metrics::counter!("encore_etl_records_committed_total")
                    .increment(batch.records() as u64);
            }
            Err(error) => {
                tracing::warn!(%error, "committing offsets failed; the batch may be delivered again")
            }
        }
    }
}
