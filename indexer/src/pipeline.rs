//! The live loop: consume catalog changes → batch → `_bulk` → check each item
//! → dead-letter what the server refused → commit.
//!
//! Offsets follow the data: a batch is committed only after every item of its
//! `_bulk` was checked and its refused records are on `catalog.dlq`. A
//! transient failure (search server away, 429, 5xx) retries the same batch
//! with backoff and commits nothing. Between batches the loop checks that
//! its aliases still exist and rebuilds the index when they do not (an
//! in-memory search server forgets everything when it restarts).

use std::collections::HashMap;
use std::future::Future;
use std::time::{Duration, Instant};

use encore_common::kafka::{self, KafkaPlumbingError};
use encore_schemas::{decode, CatalogChange};
use rdkafka::consumer::{CommitMode, Consumer, StreamConsumer};
use rdkafka::message::{Message, OwnedMessage};
use rdkafka::{Offset, TopicPartitionList};
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
                batch = self.collect(&consumer) => batch,
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
            let span = tracing::info_span!("index_batch", records = batch.len());
            tokio::select! {
                _ = &mut shutdown => return,
                _ = self.process_until_done(&targets, &batch).instrument(span) => {},
            }
            commit(&consumer, &batch);
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

    /// Gathers records until the batch is full, `batch_wait` has passed since
    /// its first record, or (when nothing arrives) `check_every` has passed.
    async fn collect(&self, consumer: &StreamConsumer) -> Vec<OwnedMessage> {
        let mut batch = Vec::new();
        let mut deadline = tokio::time::Instant::now() + self.check_every;
        loop {
            let next = match tokio::time::timeout_at(deadline, consumer.recv()).await {
                Ok(next) => next,
                Err(_) => return batch,
            };
            match next {
                Ok(message) => {
                    if batch.is_empty() {
                        deadline = tokio::time::Instant::now() + self.batch_wait;
                    }
                    batch.push(message.detach());
                    if batch.len() >= self.batch_size {
                        return batch;
                    }
                }
                Err(error) => {
                    tracing::warn!(%error, "consuming catalog changes failed; retrying");
                    tokio::time::sleep(Duration::from_millis(500)).await;
                }
            }
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
        for (at, reason) in refused {
            self.dead_letter(&batch[at], &reason).await;
        }
        Ok(applied)
    }

    /// Retries until the record is on `catalog.dlq`: committing past it
    /// before then would lose it.
    async fn dead_letter(&self, message: &OwnedMessage, reason: &str) {
        tracing::warn!(topic = message.topic(), partition = message.partition(), offset = message.offset(), %reason, "dead-lettering a catalog change");
        let topic = self.topics.name(encore_common::topics::CATALOG_DLQ);
        let mut backoff = Duration::from_millis(100);
        loop {
            let (generation, producer) = self.dead_letters.get();
            let error = match kafka::dead_letter_to(&producer, message, reason, &topic).await {
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
}

/// Splits a batch into decoded changes and records that cannot be changes
/// (with the reason), each tagged with its position. Tombstones carry no
/// version and follow a delete that already made the document a tombstone,
/// so they are skipped.
pub fn decode_batch(batch: &[OwnedMessage]) -> (Tagged<CatalogChange>, Tagged<String>) {
    let mut changes = Vec::new();
    let mut refused = Vec::new();
    for (at, message) in batch.iter().enumerate() {
        let Some(bytes) = message.payload() else {
            continue;
        };
        match decode::<CatalogChange>(bytes) {
            Err(error) => refused.push((at, format!("undecodable CatalogChange: {error}"))),
            Ok(change) if !change.is_consistent() => refused.push((
                at,
                format!(
                    "the body does not match entity_type {:?} and op {:?}",
                    change.entity_type, change.op
                ),
            )),
            Ok(change)
                if !message
                    .topic()
                    .ends_with(encore_common::topics::catalog_topic(change.entity_type)) =>
            {
                refused.push((
                    at,
                    format!(
                        "a {:?} change on topic {}",
                        change.entity_type,
                        message.topic()
                    ),
                ))
            }
            Ok(change) => changes.push((at, change)),
        }
    }
    (changes, refused)
}

/// Commits the offset after the last record of each partition in `batch`.
/// A failed commit is logged: the batch comes again, and versions absorb it.
fn commit(consumer: &StreamConsumer, batch: &[OwnedMessage]) {
    let mut next: HashMap<(String, i32), i64> = HashMap::new();
    for message in batch {
        let entry = next
            .entry((message.topic().to_string(), message.partition()))
            .or_insert(0);
        *entry = (*entry).max(message.offset() + 1);
    }
    let mut offsets = TopicPartitionList::new();
    for ((topic, partition), offset) in &next {
        if let Err(error) = offsets.add_partition_offset(topic, *partition, Offset::Offset(*offset))
        {
            tracing::error!(%error, "building the offset list failed");
            return;
        }
    }
    match consumer.commit(&offsets, CommitMode::Sync) {
        Ok(()) => metrics::counter!("encore_indexer_records_committed_total")
            .increment(batch.len() as u64),
        Err(error) => tracing::warn!(%error, "committing offsets failed; the batch may come again"),
    }
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
