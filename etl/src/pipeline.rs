//! The plays pipeline: consume → decode → insert plays → recompute the
//! aggregate cells the batch touched → dead-letter poison → commit.
//!
//! Offsets follow the data: a batch's offsets are committed only after its
//! rows are in ClickHouse, its cells recomputed and its poison records on the
//! dead-letter topic. A crash anywhere before the commit means the batch is
//! delivered again: `plays` (ReplacingMergeTree by `event_id`) absorbs the
//! repeat, and recomputing the cells writes the same numbers again.

use std::future::Future;
use std::time::{Duration, Instant};

use clickhouse::Client;
use encore_common::kafka::{self, SharedProducer};
use encore_common::Topics;
use encore_schemas::{decode, PlaybackEvent};
use rdkafka::consumer::StreamConsumer;
use rdkafka::message::{Message, OwnedMessage};
use tracing::Instrument;

use crate::plays::PlayRow;
use crate::rollup::{self, Touched};

const MAX_BACKOFF: Duration = Duration::from_secs(5);

pub struct PlaysPipeline {
    pub consumer: StreamConsumer,
    pub dead_letters: SharedProducer,
    pub clickhouse: Client,
    pub batch_size: usize,
    pub batch_wait: Duration,
}

/// A batch, decoded: the rows to write and the records that cannot be rows.
struct Decoded {
    rows: Vec<PlayRow>,
    touched: Touched,
    poison: Vec<(usize, String)>,
}

impl PlaysPipeline {
    /// Runs until `shutdown` resolves. A batch in progress at shutdown is
    /// abandoned uncommitted, so the next run receives it again.
    pub async fn run(self, shutdown: impl Future<Output = ()>) {
        tokio::pin!(shutdown);
        loop {
            let batch = tokio::select! {
                _ = &mut shutdown => return,
                batch = kafka::collect_batch(&self.consumer, self.batch_size, self.batch_wait, Duration::from_secs(1)) => batch,
            };
            if batch.is_empty() {
                continue;
            }
            let span = tracing::info_span!("plays_batch", batch = %kafka::batch_id(&batch), records = batch.len());
            tokio::select! {
                _ = &mut shutdown => return,
                _ = self.flush(&batch).instrument(span) => {}
            }
            match kafka::commit_batch(&self.consumer, &batch) {
                Ok(()) => metrics::counter!("encore_etl_records_committed_total")
                    .increment(batch.len() as u64),
                Err(error) => {
                    tracing::warn!(%error, "committing offsets failed; the batch may be delivered again")
                }
            }
        }
    }

    /// Writes the batch, retrying with backoff until it is all in.
    async fn flush(&self, batch: &[OwnedMessage]) {
        let started = Instant::now();
        let decoded = decode_batch(batch);
        let mut backoff = Duration::from_millis(100);
        while let Err(error) = self.write(&decoded).await {
            metrics::counter!("encore_etl_insert_failures_total").increment(1);
            tracing::warn!(%error, retry_in_ms = backoff.as_millis() as u64, "writing plays failed");
            tokio::time::sleep(backoff).await;
            backoff = (backoff * 2).min(MAX_BACKOFF);
        }
        for (at, reason) in &decoded.poison {
            let message = &batch[*at];
            let dlq = Topics::dlq_of(message.topic());
            kafka::dead_letter_until_written(&self.dead_letters, message, reason, &dlq).await;
        }
        // Freshness: how long the batch's oldest event waited between the
        // gateway accepting it and its row being written.
        if let Some(oldest) = decoded.rows.iter().map(|r| r.received_at_ms).min() {
            let age_ms = (encore_common::now_millis().max(0) as u64).saturating_sub(oldest);
            metrics::histogram!("encore_etl_batch_max_age_seconds").record(age_ms as f64 / 1000.0);
        }
        metrics::histogram!("encore_etl_batch_rows").record(decoded.rows.len() as f64);
        metrics::histogram!("encore_etl_batch_seconds").record(started.elapsed().as_secs_f64());
        metrics::counter!("encore_etl_rows_written_total").increment(decoded.rows.len() as u64);
    }

    async fn write(&self, decoded: &Decoded) -> Result<(), clickhouse::error::Error> {
        if decoded.rows.is_empty() {
            return Ok(());
        }
        let mut insert = self.clickhouse.insert::<PlayRow>("plays").await?;
        for row in &decoded.rows {
            insert.write(row).await?;
        }
        insert.end().await?;
        rollup::rollup(&self.clickhouse, &decoded.touched, version()).await
    }
}

/// A version newer than any this process wrote before: the clock in
/// microseconds, so even rewrites within one millisecond replace each other.
pub fn version() -> u64 {
    static LAST: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let now = encore_common::now_millis().max(0) as u64 * 1_000;
    let mut last = LAST.load(std::sync::atomic::Ordering::Relaxed);
    loop {
        let next = now.max(last + 1);
        match LAST.compare_exchange(
            last,
            next,
            std::sync::atomic::Ordering::Relaxed,
            std::sync::atomic::Ordering::Relaxed,
        ) {
            Ok(_) => return next,
            Err(seen) => last = seen,
        }
    }
}

fn decode_batch(batch: &[OwnedMessage]) -> Decoded {
    let mut decoded = Decoded {
        rows: Vec::with_capacity(batch.len()),
        touched: Touched::default(),
        poison: Vec::new(),
    };
    for (at, message) in batch.iter().enumerate() {
        let row = match message.payload() {
            None => Err("tombstone or empty value on playback-events".to_string()),
            Some(bytes) => decode::<PlaybackEvent>(bytes)
                .map_err(|e| format!("undecodable PlaybackEvent: {e}"))
                .and_then(|event| {
                    PlayRow::from_event(&event, message.partition(), message.offset())
                        .map(|row| (row, event))
                        .map_err(|e| e.to_string())
                }),
        };
        match row {
            Ok((row, event)) => {
                decoded.touched.add(&event);
                decoded.rows.push(row);
            }
            Err(reason) => decoded.poison.push((at, reason)),
        }
    }
    decoded
}

#[cfg(test)]
mod tests {
    #[test]
    fn versions_only_grow() {
        let mut last = 0;
        for _ in 0..1_000 {
            let v = super::version();
            assert!(v > last);
            last = v;
        }
    }
}
