//! The live loop: consume catalog changes → batch → `_bulk` → check each item
//! → dead-letter what the server refused → commit.
//!
//! Offsets follow the data: a batch is committed only after every item of its
//! `_bulk` was checked and its refused records are on `catalog.dlq`. A
//! transient failure (search server away, 429, 5xx) retries the same batch
//! with backoff and commits nothing. Between batches the loop checks that
//! its aliases still exist and rebuilds the index when they do not (an
//! in-memory search server forgets everything when it restarts).

use std::future::Future;
use std::time::{Duration, Instant};

use encore_common::kafka;
use encore_schemas::CatalogChange;
use rdkafka::consumer::StreamConsumer;
use rdkafka::message::OwnedMessage;
use tracing::Instrument;

use crate::indices::Targets;
use crate::rebuild;
use crate::writer::{self, Applied, Tagged};
use crate::Indexer;

const MAX_BACKOFF: Duration = Duration::from_secs(5);

impl Indexer {
    /// Consumes until `shutdown` resolves. A batch in flight at shutdown is
    /// abandoned uncommitted and delivered again to the next run.
    pub async fn run(&self, consumer: StreamConsumer, shutdown: impl Future<Output = ()>) {
        tokio::pin!(shutdown);
        let targets = Targets::aliases(&self.names);
        let mut last_check = Instant::now();
        loop {
            let batch = tokio::select! {
                _ = &mut shutdown => return,
                batch = kafka::collect_batch(&consumer, self.batch_size, self.batch_wait, self.check_every) => batch,
            };
            if last_check.elapsed() >= self.check_every {
                last_check = Instant::now();
                tokio::select! {
                    _ = &mut shutdown => return,
                    _ = self.keep_indices() => {},
                }
            }
            if batch.is_empty() {
                continue;
            }
            let span = tracing::info_span!("index_batch", batch = %kafka::batch_id(&batch), records = batch.len());
            tokio::select! {
                _ = &mut shutdown => return,
                _ = self.process_until_done(&targets, &batch).instrument(span) => {},
            }
            match kafka::commit_batch(&consumer, &batch) {
                Ok(()) => metrics::counter!("encore_indexer_records_committed_total")
                    .increment(batch.len() as u64),
                Err(error) => {
                    tracing::warn!(%error, "committing offsets failed; the batch may come again")
                }
            }
        }
    }

    /// Rebuilds when an alias went missing. Failures are logged and retried
    /// at the next check; the batch loop goes on meanwhile.
    async fn keep_indices(&self) {
        match rebuild::ensure(self, false).await {
            Ok(Some(generation)) => {
                tracing::warn!(generation, "the index was missing and has been rebuilt")
            }
            Ok(None) => {}
            Err(error) => tracing::warn!(%error, "checking the search index failed"),
        }
    }

    async fn process_until_done(&self, targets: &Targets, batch: &[OwnedMessage]) {
        let mut backoff = Duration::from_millis(100);
        loop {
            match self.process(targets, batch).await {
                Ok(applied) => {
                    metrics::histogram!("encore_indexer_batch_records").record(batch.len() as f64);
                    metrics::counter!("encore_indexer_documents_written_total")
                        .increment(applied.written as u64);
                    metrics::counter!("encore_indexer_stale_changes_total")
                        .increment(applied.stale as u64);
                    metrics::counter!("encore_indexer_propagated_total")
                        .increment(applied.propagated as u64);
                    return;
                }
                Err(error) => {
                    metrics::counter!("encore_indexer_batch_failures_total").increment(1);
                    tracing::warn!(%error, retry_in_ms = backoff.as_millis() as u64, "indexing a batch failed");
                    // The failure may be a lost index: rebuild it before retrying.
                    self.keep_indices().await;
                    tokio::time::sleep(backoff).await;
                    backoff = (backoff * 2).min(MAX_BACKOFF);
                }
            }
        }
    }

    /// Applies one batch and dead-letters its poison; an error leaves it unapplied.
    async fn process(
        &self,
        targets: &Targets,
        batch: &[OwnedMessage],
    ) -> Result<Applied, crate::client::SearchError> {
        let (changes, mut refused) = decode_batch(batch);
        let (applied, rejected) = writer::apply(&self.client, targets, changes).await?;
        refused.extend(rejected);
        let dlq = self.topics.name(encore_common::topics::CATALOG_DLQ);
        for (at, reason) in refused {
            kafka::dead_letter_until_written(&self.dead_letters, &batch[at], &reason, &dlq).await;
        }
        Ok(applied)
    }
}

/// Splits a batch into decoded changes and records that cannot be changes
/// (with the reason), each tagged with its position. Tombstones carry no
/// version and follow a delete that already made the document a tombstone,
/// so they are skipped.
pub fn decode_batch(batch: &[OwnedMessage]) -> (Tagged<CatalogChange>, Tagged<String>) {
    let mut changes = Vec::new();
    let mut refused = Vec::new();
    for (at, message) in batch.iter().enumerate() {
        match encore_common::catalog::read_change(message) {
            Ok(Some(change)) => changes.push((at, change)),
            Ok(None) => {}
            Err(reason) => refused.push((at, reason)),
        }
    }
    (changes, refused)
}

#[cfg(test)]
mod tests {
    use super::*;
    use encore_schemas::{encode, ChangeOp, EntityType};
    use rdkafka::message::OwnedHeaders;
    use rdkafka::Timestamp;
    use uuid::Uuid;

    fn record(topic: &str, payload: Option<Vec<u8>>) -> OwnedMessage {
        OwnedMessage::new(
            payload,
            None,
            topic.into(),
            Timestamp::NotAvailable,
            0,
            7,
            Some(OwnedHeaders::new()),
        )
    }

    fn delete(entity_type: EntityType) -> Vec<u8> {
        encode(&CatalogChange {
            change_id: Uuid::from_u128(1),
            entity_type,
            entity_id: Uuid::from_u128(2),
            version: 3,
            op: ChangeOp::Delete,
            occurred_at: 0,
            artist: None,
            album: None,
            track: None,
            playlist: None,
        })
        .unwrap()
    }

    #[test]
    fn poison_wrong_topics_and_tombstones_are_told_apart() {
        let batch = vec![
            record("x.catalog.tracks", Some(delete(EntityType::Track))),
            record("x.catalog.tracks", Some(b"garbage".to_vec())),
            record("x.catalog.albums", Some(delete(EntityType::Track))),
            record("x.catalog.tracks", None),
        ];
        let (changes, refused) = decode_batch(&batch);
        assert_eq!(changes.iter().map(|(at, _)| *at).collect::<Vec<_>>(), [0]);
        assert_eq!(
            refused.iter().map(|(at, _)| *at).collect::<Vec<_>>(),
            [1, 2]
        );
        assert!(refused[0].1.contains("undecodable"));
    }
}
