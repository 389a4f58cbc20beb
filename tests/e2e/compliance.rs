//! The consumer compliance suite, in Vector's habit: every [`BatchSink`]
//! Encore has, run by the shared driver over the real broker, must
//!
//! 1. commit a batch only after its write returned (checked before every
//!    write: nothing of the batch is committed yet),
//! 2. dead-letter each poison record with its reason and source, and go on,
//! 3. stop promptly when shutdown fires.
//!
//! A new consumer gets the same checks by adding one test below.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use encore_common::driver::{BatchSink, Batching, Driver};
use encore_common::fixtures::FixtureRecord;
use encore_common::kafka::{self, dlq_headers};
use encore_common::topics::CATALOG_DLQ;
use encore_common::transaction::{DeadLetter, TransactionalCommitter};
use encore_common::Topics;
use encore_etl::dims::DimsSink;
use encore_etl::pipeline::PlaysSink;
use encore_etl::searches::SearchesSink;
use encore_indexer::pipeline::IndexSink;
use encore_tests::{chinook, committed_offsets, read_topic, wait_until_committed, TestRun};
use rdkafka::consumer::Consumer;
use rdkafka::message::{Message, OwnedMessage};

/// Wraps a sink and checks, before each write, that none of the batch is
/// committed yet.
struct Checked<S> {
    inner: S,
    run_kafka: encore_common::KafkaConfig,
    group: String,
    written: Arc<AtomicUsize>,
    violations: Arc<Mutex<Vec<String>>>,
}

impl<S: BatchSink> BatchSink for Checked<S> {
    type Error = S::Error;
    type Prepared = S::Prepared;

    fn name(&self) -> &'static str {
        self.inner.name()
    }

    fn prepare(batch: &[OwnedMessage]) -> S::Prepared {
        S::prepare(batch)
    }

    async fn write(
        &mut self,
        batch: &[OwnedMessage],
        prepared: &S::Prepared,
    ) -> Result<Vec<DeadLetter>, S::Error> {
        // The first offset of the batch on each partition, by topic.
        let mut first: std::collections::BTreeMap<&str, std::collections::BTreeMap<i32, i64>> =
            Default::default();
        for message in batch {
            let offset = first
                .entry(message.topic())
                .or_default()
                .entry(message.partition())
                .or_insert(i64::MAX);
            *offset = (*offset).min(message.offset());
        }
        for (topic, partitions) in first {
            let committed = committed_offsets(
                &self.run_kafka,
                &self.group,
                topic,
                self.run_kafka.partitions,
            )
            .await;
            for (partition, offset) in partitions {
                let done = committed[partition as usize];
                if done > offset {
                    if let Ok(mut v) = self.violations.lock() {
                        v.push(format!(
                            "{topic}/{partition}@{offset} committed ({done}) before its write"
                        ));
                    }
                }
            }
        }
        let written = self.inner.write(batch, prepared).await?;
        self.written.fetch_add(batch.len(), Ordering::Relaxed);
        Ok(written)
    }

    async fn tick(&mut self) {
        self.inner.tick().await
    }
}

/// Replays `records` (with `poison` of them unwritable), drives `sink` over
/// `topics` in small batches, and checks the three rules.
async fn comply<S: BatchSink>(
    run: &TestRun,
    sink: S,
    topics: Vec<String>,
    records: Vec<FixtureRecord>,
    poison: usize,
    dlq: String,
) {
    run.produce(&records).await;
    let group = format!("compliance-{}-{}", sink.name(), run.id);
    let consumer = kafka::consumer(&run.kafka, &group).expect("a consumer");
    let refs: Vec<&str> = topics.iter().map(String::as_str).collect();
    consumer.subscribe(&refs).expect("subscribing");
    let driver = Driver {
        consumer,
        committer: TransactionalCommitter::new(&run.kafka, &group),
        // Small batches: many commits to check.
        batching: Batching {
            size: 25,
            wait: Duration::from_millis(50),
            idle: Duration::from_millis(200),
        },
    };
    let written = Arc::new(AtomicUsize::new(0));
    let violations = Arc::new(Mutex::new(Vec::new()));
    let checked = Checked {
        inner: sink,
        run_kafka: run.kafka.clone(),
        group: group.clone(),
        written: written.clone(),
        violations: violations.clone(),
    };
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let driven = driver.run(checked, async {
        let _ = stopped.await;
    });
    let supervised = async {
        for topic in &topics {
            wait_until_committed(&run.kafka, &group, topic).await;
        }
        let at = Instant::now();
        let _ = stop.send(());
        at
    };
    let ((), stop_sent) = tokio::join!(driven, supervised);
    let stopping = stop_sent.elapsed();
    assert!(
        stopping < Duration::from_secs(5),
        "the driver took {stopping:?} to stop"
    );
    let violations = violations.lock().map(|v| v.clone()).unwrap_or_default();
    assert!(violations.is_empty(), "{violations:#?}");
    assert!(
        written.load(Ordering::Relaxed) >= records.len(),
        "every record went through a write"
    );
    let dead = read_topic(&run.kafka, &dlq, poison, Duration::from_millis(500)).await;
    assert_eq!(dead.len(), poison, "each poison record dead-lettered once");
    for letter in &dead {
        assert!(letter.headers.contains_key(dlq_headers::REASON));
        assert!(topics.contains(&letter.headers[dlq_headers::SOURCE_TOPIC]));
    }
}

/// A poison record on `topic`: bytes that are no Avro at all.
fn garbage(topic: &str) -> FixtureRecord {
    FixtureRecord {
        line: 0,
        topic: topic.to_string(),
        key: Some("poison".into()),
        payload: Some(b"not avro".to_vec()),
        headers: Default::default(),
        timestamp: None,
    }
}

/// A slice of Chinook on every catalog topic, and one poison record.
fn catalog() -> Vec<FixtureRecord> {
    let mut records = chinook::records(&chinook::changes()[..300]);
    records.push(garbage("catalog.tracks"));
    records
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_plays_sink_complies() {
    let run = TestRun::new("comply-plays");
    encore_etl::warehouse::migrate(&run.clickhouse_url, &run.database)
        .await
        .expect("migrations");
    let records = encore_common::fixtures::load(&encore_tests::fixture_path(
        "playback_duplicates_poison.jsonl",
    ))
    .expect("the fixture");
    let topic = run.playback_topic();
    let sink = PlaysSink {
        clickhouse: run.clickhouse(),
        online: encore_etl::online::OnlineCopy::new(run.online()),
    };
    comply(
        &run,
        sink,
        vec![topic.clone()],
        records,
        2,
        Topics::dlq_of(&topic),
    )
    .await;
    run.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_dimensions_sink_complies() {
    let run = TestRun::new("comply-dims");
    encore_etl::warehouse::migrate(&run.clickhouse_url, &run.database)
        .await
        .expect("migrations");
    let sink = DimsSink {
        topics: run.topics(),
        clickhouse: run.clickhouse(),
    };
    let dlq = run.topics().name(CATALOG_DLQ);
    let topics = run.create_catalog_topics().await;
    comply(&run, sink, topics, catalog(), 1, dlq).await;
    run.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_index_sink_complies() {
    let run = TestRun::new("comply-index");
    let config = run.indexer_config();
    let topics = run.create_catalog_topics().await;
    let indexer = encore_indexer::service::indexer(&config).expect("an indexer");
    encore_indexer::rebuild::ensure(&indexer, true)
        .await
        .expect("the indices");
    let dlq = run.topics().name(CATALOG_DLQ);
    comply(&run, IndexSink::new(&indexer), topics, catalog(), 1, dlq).await;
    run.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_search_events_sink_complies() {
    let run = TestRun::new("comply-searches");
    encore_etl::warehouse::migrate(&run.clickhouse_url, &run.database)
        .await
        .expect("migrations");
    let topic = run.topics().search_events();
    encore_common::kafka::ensure_topic_with_dlq(&run.kafka, &topic)
        .await
        .expect("the topic");
    let mut records: Vec<FixtureRecord> = (0..60u128)
        .map(|n| {
            let event = encore_schemas::SearchEvent {
                event_id: uuid::Uuid::from_u128(1_000 + n),
                search_id: uuid::Uuid::from_u128(n),
                kind: encore_schemas::SearchEventKind::Search,
                user_id: None,
                query: format!("query {n}"),
                result_type: None,
                results: n as i64,
                clicked_id: None,
                position: None,
                occurred_at: 1_700_000_000_000,
            };
            FixtureRecord {
                line: 0,
                topic: encore_common::topics::SEARCH_EVENTS.into(),
                key: Some(event.search_id.to_string()),
                payload: Some(encore_schemas::encode(&event).expect("encodes")),
                headers: Default::default(),
                timestamp: None,
            }
        })
        .collect();
    records.push(garbage(encore_common::topics::SEARCH_EVENTS));
    let sink = SearchesSink {
        dlq: Topics::dlq_of(&topic),
        clickhouse: run.clickhouse(),
    };
    comply(
        &run,
        sink,
        vec![topic.clone()],
        records,
        1,
        Topics::dlq_of(&topic),
    )
    .await;
    assert_eq!(
        run.scalar("SELECT count() FROM search_events FINAL").await,
        60
    );
    run.cleanup().await;
}
