//! The live sink: catalog changes → `_bulk` → check each item → dead-letter
//! what the server refused. The [`encore_common::driver::Driver`] around it
//! commits a batch, with its dead letters, only after every item of its
//! `_bulk` was checked.
//!
//! A transient failure (search server away, 429, 5xx) fails the write, and
//! the driver retries the same batch with backoff. Between batches, and before
//! a retry, the sink checks that its aliases still exist and rebuilds the
//! index when they do not (someone deleted it, or the server lost its data).

use encore_common::driver::BatchSink;
use encore_common::transaction::DeadLetter;
use encore_schemas::CatalogChange;
use rdkafka::message::OwnedMessage;

use crate::indices::Targets;
use crate::memory::Memory;
use crate::rebuild;
use crate::writer::{self, Tagged};
use crate::Indexer;

/// The indexer's live [`BatchSink`].
pub struct IndexSink<'a> {
    pub indexer: &'a Indexer,
    pub targets: Targets,
    memory: Memory,
}

impl<'a> IndexSink<'a> {
    pub fn new(indexer: &'a Indexer) -> Self {
        IndexSink {
            indexer,
            targets: Targets::aliases(&indexer.names),
            memory: Memory::of_existing_index(),
        }
    }
}

impl BatchSink for IndexSink<'_> {
    type Error = crate::client::SearchError;
    type Prepared = ();

    fn name(&self) -> &'static str {
        "index"
    }

    fn prepare(_: &[OwnedMessage]) {}

    async fn write(
        &mut self,
        batch: &[OwnedMessage],
        _: &(),
    ) -> Result<Vec<DeadLetter>, Self::Error> {
        let (changes, mut refused) = decode_batch(batch);
        let (applied, rejected) = writer::apply(
            &self.indexer.client,
            &self.targets,
            &self.indexer.popularity,
            &mut self.memory,
            changes,
        )
        .await?;
        refused.extend(rejected);
        metrics::histogram!(encore_common::metrics::INDEXER_BATCH_RECORDS.name)
            .record(batch.len() as f64);
        metrics::counter!(encore_common::metrics::INDEXER_DOCUMENTS_WRITTEN_TOTAL.name)
            .increment(applied.written as u64);
        metrics::counter!(encore_common::metrics::INDEXER_STALE_CHANGES_TOTAL.name)
            .increment(applied.stale as u64);
        metrics::counter!(encore_common::metrics::INDEXER_PROPAGATED_TOTAL.name)
            .increment(applied.propagated as u64);
        let dlq = self.indexer.topics.name(encore_common::topics::CATALOG_DLQ);
        Ok(refused
            .into_iter()
            .map(|(at, reason)| DeadLetter {
                at,
                reason,
                topic: dlq.clone(),
            })
            .collect())
    }

    /// Rebuilds when an alias went missing. Failures are logged and retried
    /// at the next tick; batches go on meanwhile.
    async fn tick(&mut self) {
        match rebuild::ensure(self.indexer, false).await {
            Ok(Some(generation)) => {
                // What the new generation awaits is its own.
                self.memory = Memory::of_existing_index();
                tracing::warn!(generation, "the index was missing and has been rebuilt")
            }
            Ok(None) => {}
            Err(error) => tracing::warn!(%error, "checking the search index failed"),
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
