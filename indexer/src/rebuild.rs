//! Building the index from the topics: the index is a view of the catalog
//! topics, so it can always be rebuilt by replaying them.
//!
//! A rebuild creates generation N+1 of every index, replays the four topics
//! from what they still hold into it (each partition from its earliest offset:
//! the topics are compacted, and a partition whose records are all gone is
//! already complete), up to the high watermarks seen at the start; it
//! swaps every alias to it in one atomic request, replays once more from
//! those watermarks to catch what the live loop wrote into the old generation
//! meanwhile, and drops the old generation. Writes are idempotent by version,
//! so overlapping with the live loop does no harm.

use std::collections::HashMap;
use std::time::Duration;

use encore_common::backoff::Backoff;
use encore_common::topics::CATALOG_TOPICS;
use rdkafka::consumer::{BaseConsumer, Consumer, StreamConsumer};
use rdkafka::message::OwnedMessage;
use rdkafka::{ClientConfig, Message, Offset, TopicPartitionList};

use crate::client::SearchError;
use crate::decode::decode_batch;
use crate::indices::{self, Targets, ALL};
use crate::memory::Memory;
use crate::writer;
use crate::Indexer;

/// How long a replay waits for the next record before it gives up.
const STALL: Duration = Duration::from_secs(30);

#[derive(Debug, thiserror::Error)]
pub enum RebuildError {
    #[error(transparent)]
    Search(#[from] SearchError),
    #[error("reading the catalog topics: {0}")]
    Kafka(#[from] rdkafka::error::KafkaError),
    #[error("the catalog topics stopped delivering before the end ({0} partitions left)")]
    Stalled(usize),
}

/// Per-partition offsets: (topic, partition) → offset.
pub type Offsets = HashMap<(String, i32), i64>;

/// Rebuilds when an alias is missing, or (with `even_if_empty`, at start-up)
/// when an index was built from another definition ([`indices::fingerprint`])
/// or every index is empty while the topics hold changes. Returns the new
/// generation if it rebuilt. While running, an empty index only means nothing
/// has been indexed yet, so the periodic check looks for missing aliases only.
pub async fn ensure(indexer: &Indexer, even_if_empty: bool) -> Result<Option<u32>, RebuildError> {
    let mut missing = false;
    let mut outdated = false;
    let mut live = 0;
    for entity in ALL {
        match indices::current(&indexer.client, &indexer.names, entity).await? {
            None => missing = true,
            // The start-up checks; the periodic one only looks for aliases.
            Some(index) if even_if_empty => {
                live += indices::live_count(&indexer.client, &index).await?;
                let built = indices::built_with(&indexer.client, &index).await?;
                outdated |= built.as_deref() != Some(indices::fingerprint(entity).as_str());
            }
            Some(_) => {}
        }
    }
    if missing {
        tracing::warn!("a search alias is missing; rebuilding the index from the catalog topics");
        return rebuild(indexer).await.map(Some);
    }
    // Only at start-up (see above): during a rolling upgrade, old and new
    // indexers checking periodically would rebuild in turn forever.
    if outdated {
        tracing::warn!(
            "the search index was built from another definition (mappings or analyzers); \
             rebuilding it from the catalog topics"
        );
        return rebuild(indexer).await.map(Some);
    }
    if even_if_empty
        && live == 0
        && watermarks(indexer)
            .await?
            .values()
            .any(|(low, high)| high > low)
    {
        tracing::warn!("the search index is empty but the catalog topics are not; rebuilding");
        return rebuild(indexer).await.map(Some);
    }
    Ok(None)
}

/// Builds the next generation from the topics and swaps the aliases to it.
#[tracing::instrument(name = "rebuild", skip_all, fields(generation = tracing::field::Empty))]
pub async fn rebuild(indexer: &Indexer) -> Result<u32, RebuildError> {
    let (client, names) = (&indexer.client, &indexer.names);
    let mut previous = Vec::new();
    let mut generation = 1;
    let mut strays = Vec::new();
    for entity in ALL {
        match indices::current(client, names, entity).await? {
            Some(index) => {
                generation = generation.max(names.version_of(entity, &index).unwrap_or(0) + 1);
                previous.push(index);
            }
            // A write that raced the loss may have created a plain index
            // where the alias belongs; it is in the way of the alias.
            None => strays.push(names.alias(entity)),
        }
    }
    indices::delete(client, &strays).await?;
    tracing::Span::current().record("generation", generation);
    let fresh: Vec<String> = ALL
        .iter()
        .map(|e| names.versioned(*e, generation))
        .collect();
    // A rebuild that died half-way may have left this generation behind.
    indices::delete(client, &fresh).await?;
    for entity in ALL {
        indices::create(client, entity, &names.versioned(entity, generation)).await?;
    }
    let targets = Targets::versioned(names, generation);
    let reached = replay(indexer, &targets, &Offsets::new()).await?;
    indices::refresh(client, &fresh).await?;
    indices::swap_aliases(client, names, generation).await?;
    replay(indexer, &targets, &reached).await?;
    indices::delete(client, &previous).await?;
    metrics::counter!(encore_common::metrics::INDEXER_REBUILDS_TOTAL.name).increment(1);
    tracing::info!(generation, "search index rebuilt and aliases swapped");
    Ok(generation)
}

/// The earliest offset still held and the high watermark of every catalog
/// partition.
async fn watermarks(indexer: &Indexer) -> Result<HashMap<(String, i32), (i64, i64)>, RebuildError> {
    let brokers = indexer.kafka.brokers.clone();
    let topics: Vec<String> = CATALOG_TOPICS
        .iter()
        .map(|t| indexer.topics.name(t))
        .collect();
    let found = tokio::task::spawn_blocking(move || -> Result<_, rdkafka::error::KafkaError> {
        let consumer: BaseConsumer = ClientConfig::new()
            .set("bootstrap.servers", &brokers)
            .create()?;
        let mut marks = HashMap::new();
        for topic in topics {
            let metadata = consumer.fetch_metadata(Some(&topic), Duration::from_secs(10))?;
            let partitions = metadata
                .topics()
                .iter()
                .find(|t| t.name() == topic)
                .map_or(0, |t| t.partitions().len());
            for partition in 0..partitions as i32 {
                let marks_of =
                    consumer.fetch_watermarks(&topic, partition, Duration::from_secs(10))?;
                marks.insert((topic.clone(), partition), marks_of);
            }
        }
        Ok(marks)
    })
    .await
    .map_err(|_| rdkafka::error::KafkaError::Canceled)??;
    Ok(found)
}

/// Applies every change from `from` (the earliest offset still held where
/// absent) up to the high watermarks of now, into `targets`. Returns those
/// watermarks.
async fn replay(
    indexer: &Indexer,
    targets: &Targets,
    from: &Offsets,
) -> Result<Offsets, RebuildError> {
    let marks = watermarks(indexer).await?;
    let highs: Offsets = marks
        .iter()
        .map(|(key, (_, high))| (key.clone(), *high))
        .collect();
    let mut assignment = TopicPartitionList::new();
    let mut left: HashMap<(String, i32), i64> = HashMap::new();
    for ((topic, partition), (low, high)) in &marks {
        // Retention or compaction may have removed everything before `low`
        // (or everything): nothing below it can be waited for.
        let start = from
            .get(&(topic.clone(), *partition))
            .map_or(*low, |at| (*at).max(*low));
        if start >= *high {
            continue;
        }
        assignment.add_partition_offset(topic, *partition, Offset::Offset(start))?;
        left.insert((topic.clone(), *partition), *high);
    }
    if left.is_empty() {
        return Ok(highs);
    }
    let consumer: StreamConsumer = ClientConfig::new()
        .set("bootstrap.servers", &indexer.kafka.brokers)
        .set(
            "group.id",
            format!("encore-indexer-rebuild-{}", uuid::Uuid::new_v4()),
        )
        .set("enable.auto.commit", "false")
        .set("isolation.level", "read_committed")
        // The relay writes in transactions, so a partition's last offsets are
        // commit markers that are never delivered: the end of a partition is
        // where the consumer's position reaches the watermark, which an EOF
        // event announces.
        .set("enable.partition.eof", "true")
        .create()?;
    consumer.assign(&assignment)?;
    let mut batch: Vec<OwnedMessage> = Vec::new();
    let mut replayed = 0usize;
    // A catch-up replay writes into a generation an earlier one filled: the
    // first batch asks the index what its documents await.
    let mut memory = Memory::of_existing_index();
    while !left.is_empty() {
        let message = match tokio::time::timeout(STALL, consumer.recv()).await {
            Ok(Err(rdkafka::error::KafkaError::PartitionEOF(_))) => {
                forget_reached(&consumer, &mut left);
                if left.is_empty() && !batch.is_empty() {
                    replayed += batch.len();
                    apply_until_done(indexer, targets, &mut memory, &batch).await;
                    batch.clear();
                }
                continue;
            }
            Ok(message) => message?,
            Err(_) => return Err(RebuildError::Stalled(left.len())),
        };
        let key = (message.topic().to_string(), message.partition());
        if left
            .get(&key)
            .is_some_and(|high| message.offset() + 1 >= *high)
        {
            left.remove(&key);
        }
        if message.offset() < highs.get(&key).copied().unwrap_or(i64::MAX) {
            batch.push(message.detach());
        }
        if batch.len() >= indexer.batch_size || left.is_empty() {
            replayed += batch.len();
            apply_until_done(indexer, targets, &mut memory, &batch).await;
            batch.clear();
        }
    }
    tracing::info!(replayed, "replayed catalog changes into the new index");
    Ok(highs)
}

/// Forgets the partitions whose position reached the watermark recorded for them.
fn forget_reached(consumer: &StreamConsumer, left: &mut HashMap<(String, i32), i64>) {
    let Ok(positions) = consumer.position() else {
        return;
    };
    for element in positions.elements() {
        let key = (element.topic().to_string(), element.partition());
        if let (Some(high), Offset::Offset(at)) = (left.get(&key), element.offset()) {
            if at >= *high {
                left.remove(&key);
            }
        }
    }
}

/// Applies a replayed batch, retrying transient failures. Poison was
/// dead-lettered when the live loop first met it, so here it is skipped.
async fn apply_until_done(
    indexer: &Indexer,
    targets: &Targets,
    memory: &mut Memory,
    batch: &[OwnedMessage],
) {
    let mut backoff = Backoff::default();
    loop {
        let (changes, _poison) = decode_batch(batch);
        let applied = writer::apply(
            &indexer.client,
            targets,
            &indexer.popularity,
            memory,
            changes,
        )
        .await;
        match applied {
            Ok(_) => return,
            Err(error) => {
                tracing::warn!(%error, "applying replayed changes failed; retrying");
                backoff.wait().await;
            }
        }
    }
}
