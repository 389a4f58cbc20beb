//! Kafka transactions, writer by writer: a writer killed mid-transaction and
//! restarted leaves each record exactly once for a `read_committed` reader,
//! and the zombie it leaves behind is fenced: its writes never become visible.
//!
//! The zombie is built from the writer's own parts (the same transactional
//! id, the same send function) and stopped between its sends and its commit,
//! the moment a kill -9 would hit: the records are in the log, uncommitted.

use std::collections::BTreeMap;
use std::time::Duration;

use encore_common::transaction;
use encore_common::{kafka, Topics};
use encore_gateway::outbox::relay::{send_all, OutboxRow};
use encore_schemas::{decode, CatalogChange};
use encore_tests::api::Api;
use encore_tests::{read_topic, read_topic_uncommitted, wait_until_committed, TestRun};
use rdkafka::consumer::Consumer;
use rdkafka::message::Message;
use rdkafka::producer::{FutureRecord, Producer as _};
use serde_json::json;

/// How many times each key appears among `records`' non-empty values.
fn per_key(records: &[encore_tests::ReadRecord]) -> BTreeMap<Vec<u8>, usize> {
    let mut counts = BTreeMap::new();
    for record in records.iter().filter(|r| r.payload.is_some()) {
        *counts
            .entry(record.key.clone().unwrap_or_default())
            .or_default() += 1;
    }
    counts
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_relay_killed_mid_transaction_publishes_once_and_its_zombie_is_fenced() {
    let run = TestRun::new("txn-relay");
    // A gateway whose relay cannot reach the broker: the writes succeed and
    // wait in the outbox.
    let mut offline = run.gateway_config().await;
    offline.kafka.brokers = "127.0.0.1:1".into();
    offline.kafka.produce_timeout = Duration::from_secs(1);
    let transactional_id = format!(
        "{}{}",
        offline.kafka.topic_prefix, offline.outbox_transactional_id
    );
    let gateway = run.start_gateway_with(offline).await;
    let admin = run
        .account_with_role(&Api::new(&gateway), "adm", "admin")
        .await;
    for n in 0..5 {
        admin
            .api
            .post("/v1/artists", json!({"name": format!("Artist {n}")}))
            .await
            .expect(201);
    }
    gateway.stop().await;
    let db = run.postgres().await;
    let rows: Vec<OutboxRow> = sqlx::query_as(
        "SELECT id, topic, entity_id, payload, tombstone FROM outbox \
         WHERE sent_at IS NULL ORDER BY id",
    )
    .fetch_all(&db)
    .await
    .expect("the unsent rows");
    assert_eq!(rows.len(), 5);

    // The zombie: the relay's transactional id and send function, stopped
    // after its records reached the log and before its commit.
    let topic = run.topics().name("catalog.artists");
    kafka::ensure_topics(&run.kafka, &[(topic.clone(), run.kafka.partitions)])
        .await
        .expect("the topic");
    let zombie = transaction::start(&run.kafka, &transactional_id)
        .await
        .expect("the zombie's producer");
    zombie.begin_transaction().expect("a transaction");
    for delivery in send_all(&zombie, &run.topics(), &rows).expect("sending") {
        delivery
            .await
            .expect("delivered")
            .expect("written to the log");
    }
    let linger = Duration::from_secs(2);
    assert_eq!(
        read_topic_uncommitted(&run.kafka, &topic, 5, linger)
            .await
            .len(),
        5
    );
    assert!(read_topic(&run.kafka, &topic, 0, linger).await.is_empty());

    // The restarted relay fences the zombie, aborts its transaction and
    // publishes the rows, still unsent in PostgreSQL.
    let gateway = run.start_gateway().await;
    let committed = read_topic(&run.kafka, &topic, 5, linger).await;
    let artists = per_key(&committed);
    assert_eq!(artists.len(), 5, "{artists:?}");
    assert!(artists.values().all(|n| *n == 1), "each once: {artists:?}");
    for record in &committed {
        let change: CatalogChange =
            decode(record.payload.as_deref().expect("a value")).expect("a change");
        assert_eq!(change.version, 1);
    }
    let fenced =
        tokio::task::spawn_blocking(move || zombie.commit_transaction(Duration::from_secs(10)))
            .await
            .expect("the commit returned");
    assert!(fenced.is_err(), "the zombie's commit must fail");
    // Its records stay in the log, aborted: 5 aborted + 5 committed, and a
    // committed reader still sees 5.
    assert_eq!(
        read_topic_uncommitted(&run.kafka, &topic, 10, linger)
            .await
            .len(),
        10
    );
    assert_eq!(read_topic(&run.kafka, &topic, 5, linger).await.len(), 5);
    let unsent: i64 = sqlx::query_scalar("SELECT count(*) FROM outbox WHERE sent_at IS NULL")
        .fetch_one(&db)
        .await
        .expect("outbox count");
    assert_eq!(unsent, 0);
    gateway.stop().await;
    run.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_etl_killed_mid_transaction_dead_letters_once_and_its_zombie_is_fenced() {
    let run = TestRun::new("txn-etl");
    run.create_playback_topics().await;
    // 20 events, 6 repeats and 2 poison records.
    run.replay("playback_duplicates_poison.jsonl").await;
    let topic = run.playback_topic();
    let dlq = Topics::dlq_of(&topic);
    let config = run.etl_config();

    // The zombie: a member of the etl's group that dead-lettered the poison
    // and handed its offsets to its transaction, then died before committing.
    let zombie = transaction::start(&run.kafka, &run.kafka.transactional_id(&config.group))
        .await
        .expect("the zombie's producer");
    {
        let consumer = kafka::consumer(&run.kafka, &config.group).expect("a consumer");
        consumer.subscribe(&[&topic]).expect("subscribing");
        let batch = kafka::collect_batch(
            &consumer,
            100,
            Duration::from_secs(5),
            Duration::from_secs(30),
        )
        .await;
        assert_eq!(batch.len(), 28);
        zombie.begin_transaction().expect("a transaction");
        let mut offsets = rdkafka::TopicPartitionList::new();
        for message in &batch {
            let record = FutureRecord::<[u8], [u8]>::to(&dlq).payload(b"zombie");
            zombie
                .send_result(record)
                .map_err(|(e, _)| e)
                .expect("queued")
                .await
                .expect("delivered")
                .expect("written to the log");
            offsets
                .add_partition_offset(
                    message.topic(),
                    message.partition(),
                    rdkafka::Offset::Offset(message.offset() + 1),
                )
                .expect("an offset");
        }
        let group = consumer.group_metadata().expect("group metadata");
        zombie
            .send_offsets_to_transaction(&offsets, &group, Duration::from_secs(10))
            .expect("offsets in the transaction");
        // The consumer leaves the group here; the transaction stays open.
    }
    let linger = Duration::from_secs(2);
    assert_eq!(
        read_topic_uncommitted(&run.kafka, &dlq, 28, linger)
            .await
            .len(),
        28
    );

    // The restarted etl fences the zombie, aborts its transaction, and
    // processes the whole topic again: nothing the zombie did counts.
    let etl = run.start_etl(config.clone()).await;
    wait_until_committed(&run.kafka, &config.group, &topic).await;
    assert_eq!(
        run.wait_for_scalar("SELECT count() FROM plays FINAL", 20)
            .await,
        20
    );
    let dead = read_topic(&run.kafka, &dlq, 2, linger).await;
    assert_eq!(dead.len(), 2, "each poison record dead-lettered once");
    assert!(dead
        .iter()
        .all(|r| r.payload.as_deref() != Some(b"zombie".as_slice())));
    let fenced =
        tokio::task::spawn_blocking(move || zombie.commit_transaction(Duration::from_secs(10)))
            .await
            .expect("the commit returned");
    assert!(fenced.is_err(), "the zombie's commit must fail");
    assert_eq!(read_topic(&run.kafka, &dlq, 2, linger).await.len(), 2);
    etl.stop().await;
    run.cleanup().await;
}
