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
use rdkafka::message::OwnedMessage;

use crate::decode::decode_batch;
use crate::indices::Targets;
use crate::memory::Memory;
use crate::rebuild;
use crate::writer;
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
