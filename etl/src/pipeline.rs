//! The plays sink: decode → insert plays. The aggregates are filled by
//! materialized views in that same insert (sets, idempotent by nature;
//! migration 0007), so the batch is done when the insert is. The
//! [`encore_common::driver::Driver`] around it commits the batch's offsets,
//! with its poison records' dead letters, only after that.
//!
//! After the insert, each listener's starts are copied to the online store
//! ([`crate::online`]), which a failure there does not hold up.
//!
//! A crash anywhere before the commit means the batch is delivered again:
//! `plays` (ReplacingMergeTree by `event_id`) absorbs the repeat, and the
//! aggregates' sets already hold every event id it carries.

use std::time::Instant;

use clickhouse::Client;
use encore_common::driver::BatchSink;
use encore_common::transaction::DeadLetter;
use encore_common::Topics;
use encore_schemas::{decode, PlaybackEvent};
use rdkafka::message::{Message, OwnedMessage};

use crate::online::OnlineCopy;
use crate::plays::PlayRow;

/// Writes batches of `playback-events` into `plays` and the aggregates.
pub struct PlaysSink {
    pub clickhouse: Client,
    /// The copy of each listener's recent plays in Redis, made after the insert.
    pub online: OnlineCopy,
}

/// A batch, decoded: the rows to write and the records that cannot be rows.
pub struct Decoded {
    rows: Vec<PlayRow>,
    poison: Vec<(usize, String)>,
}

impl BatchSink for PlaysSink {
    type Error = clickhouse::error::Error;
    type Prepared = Decoded;

    fn name(&self) -> &'static str {
        "plays"
    }

    /// Decoding is most of the ETL's own CPU; done while the previous batch
    /// is inserted, it costs ClickHouse no idle time.
    fn prepare(batch: &[OwnedMessage]) -> Decoded {
        decode_batch(batch)
    }

    async fn write(
        &mut self,
        batch: &[OwnedMessage],
        decoded: &Decoded,
    ) -> Result<Vec<DeadLetter>, Self::Error> {
        let started = Instant::now();
        self.insert(decoded).await?;
        // Boxed, as the driver's loop around this future nests deep enough.
        Box::pin(self.online.copy(&decoded.rows)).await;
        // Freshness: how long the batch's oldest event waited between the
        // gateway accepting it and its row being written.
        if let Some(oldest) = decoded.rows.iter().map(|r| r.received_at_ms).min() {
            let age_ms = (encore_common::now_millis().max(0) as u64).saturating_sub(oldest);
            metrics::histogram!(encore_common::metrics::ETL_BATCH_MAX_AGE_SECONDS.name)
                .record(age_ms as f64 / 1000.0);
        }
        metrics::histogram!(encore_common::metrics::ETL_BATCH_ROWS.name)
            .record(decoded.rows.len() as f64);
        metrics::histogram!(encore_common::metrics::ETL_BATCH_SECONDS.name)
            .record(started.elapsed().as_secs_f64());
        metrics::counter!(encore_common::metrics::ETL_ROWS_WRITTEN_TOTAL.name)
            .increment(decoded.rows.len() as u64);
        Ok(decoded
            .poison
            .iter()
            .map(|(at, reason)| DeadLetter {
                at: *at,
                reason: reason.clone(),
                topic: Topics::dlq_of(batch[*at].topic()),
            })
            .collect())
    }
}

impl PlaysSink {
    async fn insert(&self, decoded: &Decoded) -> Result<(), clickhouse::error::Error> {
        if decoded.rows.is_empty() {
            return Ok(());
        }
        let mut insert = self.clickhouse.insert::<PlayRow>("plays").await?;
        for row in &decoded.rows {
            insert.write(row).await?;
        }
        insert.end().await
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
        poison: Vec::new(),
    };
    for (at, message) in batch.iter().enumerate() {
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
            Ok(row) => decoded.rows.push(row),
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
