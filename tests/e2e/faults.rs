//! Fault injection: a server the pipeline needs stops under load and comes
//! back; afterwards every sink holds each accepted fact exactly once.
//!
//! Each scenario stops a server of its own ([`OwnServer`]: the same program
//! the stack runs, on free ports), so the other tests keep their shared
//! stack. The SIGKILLed ETL and indexer are in `etl_plays.rs` and
//! `search.rs`, a poison record on every topic is at the end of this file.

use std::collections::{BTreeMap, HashSet};
use std::time::{Duration, Instant};

use encore_common::kafka::dlq_headers;
use encore_common::topics::{CATALOG_DLQ, CATALOG_TOPICS, PLAYBACK_EVENTS};
use encore_common::{now_millis, KafkaConfig, Topics};
use encore_indexer::client::SearchClient;
use encore_indexer::indices::Names;
use encore_ingest::simulate::run::{accounts, run as simulate, RunOptions, RunSummary, Sink};
use encore_ingest::simulate::{synthetic_tracks, Generator, Pacer};
use encore_schemas::{CatalogChange, ChangeOp, EntityType, Playlist, Track};
use encore_tests::api::{register, Api};
use encore_tests::servers::OwnServer;
use encore_tests::{
    chinook, committed_offsets, eventually, high_watermarks, read_topic, wait_for_live_count,
    wait_until_committed, TestRun,
};
use serde_json::json;
use uuid::Uuid;

use crate::support::{batch, event};

/// Simulated listening at `rate` events/s, an hour ago, `events` in all.
fn paced(seed: u64, rate: f64, events: u64) -> (Generator, RunOptions) {
    let start = now_millis() - 3_600_000;
    let options = RunOptions {
        pacer: Pacer {
            start_ms: start,
            speed: None,
            rate: Some(rate),
        },
        seed,
        events: Some(events),
        duration: None,
        stop_at_now: false,
        report_every: Duration::from_secs(10),
        output: None,
    };
    (
        Generator::new(synthetic_tracks(200), 12, seed, start),
        options,
    )
}

const SIMULATED: &str = "client_app = 'encore-simulator'";

/// Asserts that `plays FINAL` holds exactly the simulated events, each once.
async fn assert_every_event_once(run: &TestRun, summary: &RunSummary) {
    let count = format!("SELECT count() FROM plays FINAL WHERE {SIMULATED}");
    assert_eq!(
        run.wait_for_scalar(&count, summary.events).await,
        summary.events,
        "every event posted is in plays"
    );
    let distinct = format!("SELECT uniqExact(event_id) FROM plays FINAL WHERE {SIMULATED}");
    assert_eq!(
        run.scalar(&distinct).await,
        summary.events,
        "no event twice"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_broker_killed_for_20_s_under_simulated_load_loses_and_doubles_nothing() {
    let run = TestRun::new("fault-broker");
    let mut broker = OwnServer::broker();
    let mut kafka = run.kafka.clone();
    kafka.brokers = broker.address();
    // The test's own broker is one node, whatever the stack's topology.
    kafka.replication = 1;
    kafka.produce_timeout = Duration::from_secs(2);
    let mut etl_config = run.etl_config();
    etl_config.kafka = kafka.clone();
    let etl = run.start_etl(etl_config).await;
    let mut config = run.gateway_config().await;
    config.kafka = kafka.clone();
    let gateway = run.start_gateway_with(config).await;
    let listeners = accounts(&gateway.url(""), 12, "simulated password")
        .await
        .expect("the simulated listeners");

    // 40 s of listening at 100 events/s; the broker's JVM is killed (-9) at
    // 5 s and restarted at 25 s, recovering its log from disk.
    let (generator, options) = paced(11, 100.0, 4_000);
    let simulation = tokio::spawn(simulate(
        generator,
        Sink::Gateway(listeners),
        options,
        std::future::pending(),
    ));
    tokio::time::sleep(Duration::from_secs(5)).await;
    broker.kill();
    let stopped = Instant::now();

    // What every client sees meanwhile: 503 with a Retry-After.
    let probe = register(&Api::new(&gateway), "probe").await;
    let answer = probe
        .api
        .post("/v1/events/playback", batch(vec![event(1, probe.id)]))
        .await;
    assert_eq!(answer.status, 503, "{}", answer.body);
    assert!(answer.headers.contains_key("retry-after"));
    assert_eq!(answer.body["error"]["code"], "unavailable");

    tokio::time::sleep(Duration::from_secs(20).saturating_sub(stopped.elapsed())).await;
    broker.resume();
    let summary = simulation
        .await
        .expect("the simulation panicked")
        .expect("the simulator retried through the outage");
    assert_eq!(summary.events, 4_000);
    assert_every_event_once(&run, &summary).await;

    gateway.stop().await;
    etl.stop().await;
    run.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn clickhouse_stopped_for_30_s_under_load_is_caught_up_exactly() {
    let mut clickhouse = OwnServer::clickhouse();
    let mut run = TestRun::new("fault-clickhouse");
    run.clickhouse_url = clickhouse.http_url();
    run.create_playback_topics().await;
    let config = run.etl_config();
    let (group, topic) = (config.group.clone(), run.playback_topic());
    let etl = run.start_etl(config).await;

    // 45 s of events at 200/s straight to the topic; ClickHouse is away from ~5 s to 35 s.
    let (generator, options) = paced(12, 200.0, 9_000);
    let sink = Sink::kafka(run.kafka.clone()).await.expect("a Kafka sink");
    let simulation = tokio::spawn(simulate(generator, sink, options, std::future::pending()));
    eventually("the first plays", || async {
        match run.scalar("SELECT count() FROM plays").await {
            0 => Err("none"),
            _ => Ok(()),
        }
    })
    .await;
    clickhouse.stop();
    let stopped = Instant::now();

    // A batch already written may still be committed just after the stop;
    // after that, nothing: the ETL retries what it holds and commits nothing.
    tokio::time::sleep(Duration::from_secs(3)).await;
    let partitions = run.kafka.partitions;
    let before = committed_offsets(&run.kafka, &group, &topic, partitions).await;
    tokio::time::sleep(Duration::from_secs(30).saturating_sub(stopped.elapsed())).await;
    let after = committed_offsets(&run.kafka, &group, &topic, partitions).await;
    let ends = high_watermarks(&run.kafka, &topic, partitions).await;
    assert_eq!(
        before, after,
        "offsets were committed while ClickHouse was away"
    );
    assert!(
        ends.iter().sum::<i64>() > after.iter().sum::<i64>(),
        "events kept coming during the outage: ends {ends:?}, committed {after:?}"
    );

    clickhouse.resume();
    let summary = simulation
        .await
        .expect("the simulation panicked")
        .expect("a simulation run");
    assert_every_event_once(&run, &summary).await;
    wait_until_committed(&run.kafka, &group, &topic).await;
    etl.stop().await;
    run.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgresql_restarted_under_catalog_writes_answers_503_and_the_outbox_drains() {
    let mut postgres = OwnServer::postgres();
    let mut run = TestRun::new("fault-postgres");
    run.postgres_server = postgres.postgres_url("postgres");
    let gateway = run.start_gateway().await;
    let admin = run
        .account_with_role(&Api::new(&gateway), "adm", "admin")
        .await;

    // One writer creating artists back to back, through the restart.
    let writer = {
        let api = admin.api.clone();
        tokio::spawn(async move {
            let mut answers = Vec::new();
            let started = Instant::now();
            let mut n = 0;
            while started.elapsed() < Duration::from_secs(16) {
                n += 1;
                let answer = api
                    .post("/v1/artists", json!({"name": format!("Artist {n}")}))
                    .await;
                answers.push((answer.status, answer.body["id"].as_str().map(String::from)));
                if answer.status == 503 {
                    tokio::time::sleep(Duration::from_millis(200)).await;
                }
            }
            answers
        })
    };
    tokio::time::sleep(Duration::from_secs(4)).await;
    postgres.stop();
    tokio::time::sleep(Duration::from_secs(5)).await;
    postgres.resume();
    let answers = writer.await.expect("the writer panicked");

    let statuses: BTreeMap<u16, usize> = answers.iter().fold(BTreeMap::new(), |mut m, (s, _)| {
        *m.entry(*s).or_default() += 1;
        m
    });
    assert!(
        statuses.keys().all(|s| *s == 201 || *s == 503),
        "only 201 and 503: {statuses:?}"
    );
    assert!(
        statuses.contains_key(&503),
        "the outage was seen: {statuses:?}"
    );
    let last = answers.last().map(|(s, _)| *s);
    assert_eq!(last, Some(201), "writes succeed again after the restart");

    // Every artist PostgreSQL holds is on the topic (a write cut off by the
    // stop may have committed without its 201: it is there too), and every
    // 201 is among them. A change published just before the stop whose
    // `sent_at` could not be recorded is published again after it: Kafka's
    // transaction and PostgreSQL's are two, so the outbox is at-least-once
    // between them. The repeat is
    // the same record, same change id and version, so the sinks below,
    // which keep the newest version per entity, hold each artist once.
    let db = run.postgres().await;
    eventually("the outbox to drain", || async {
        let unsent: i64 = sqlx::query_scalar("SELECT count(*) FROM outbox WHERE sent_at IS NULL")
            .fetch_one(&db)
            .await
            .expect("outbox count");
        if unsent == 0 {
            Ok(())
        } else {
            Err(format!("{unsent} unsent"))
        }
    })
    .await;
    let stored: Vec<Uuid> = sqlx::query_scalar("SELECT id FROM artists")
        .fetch_all(&db)
        .await
        .expect("artists");
    let topic = run.topics().name("catalog.artists");
    let records = read_topic(&run.kafka, &topic, stored.len(), Duration::from_secs(2)).await;
    let mut payloads: BTreeMap<String, HashSet<Vec<u8>>> = BTreeMap::new();
    for record in &records {
        let key = record
            .key
            .as_ref()
            .map(|k| String::from_utf8_lossy(k).into_owned());
        payloads
            .entry(key.expect("a keyed record"))
            .or_default()
            .insert(record.payload.clone().unwrap_or_default());
    }
    let stored: HashSet<String> = stored.iter().map(Uuid::to_string).collect();
    assert_eq!(
        payloads.keys().cloned().collect::<HashSet<_>>(),
        stored,
        "the topic and PostgreSQL differ"
    );
    assert!(
        payloads.values().all(|p| p.len() == 1),
        "a repeated record differs from the first"
    );
    for (status, id) in &answers {
        if *status == 201 {
            let id = id.as_ref().expect("a created artist has an id");
            assert!(
                stored.contains(id),
                "artist {id} was answered 201 but is not stored"
            );
        }
    }
    eprintln!(
        "{} artists stored, {} records on the topic ({} repeated)",
        stored.len(),
        records.len(),
        records.len() - stored.len()
    );

    // The sinks: the search index and the warehouse's dimension, each artist once.
    let indexer = run.start_indexer(run.indexer_config()).await;
    let etl = run.start_etl(run.etl_config()).await;
    let client = SearchClient::new(&run.search_url).expect("a search client");
    let alias = Names::new(&run.search_prefix()).alias(EntityType::Artist);
    let expected = stored.len() as u64;
    assert_eq!(
        wait_for_live_count(&client, &alias, expected).await,
        expected
    );
    let dimension = "SELECT count() FROM dim_artists FINAL";
    assert_eq!(run.wait_for_scalar(dimension, expected).await, expected);
    indexer.stop().await;
    etl.stop().await;
    gateway.stop().await;
    drop(db);
    run.cleanup().await;
}

fn new_track(artist: Uuid, n: u32) -> CatalogChange {
    let id = Uuid::new_v4();
    CatalogChange {
        change_id: Uuid::new_v4(),
        entity_type: EntityType::Track,
        entity_id: id,
        version: 1,
        op: ChangeOp::Upsert,
        occurred_at: now_millis(),
        artist: None,
        album: None,
        playlist: None,
        track: Some(Track {
            id,
            artist_id: artist,
            album_id: None,
            title: format!("Written during the outage {n}"),
            duration_ms: 1_000,
            genre: None,
            release_year: None,
            track_number: None,
            audio_key: None,
        }),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_search_server_is_caught_up_from_the_topics() {
    let mut search = OwnServer::search();
    let mut run = TestRun::new("fault-search");
    run.search_url = search.http_url();
    let changes = chinook::changes();
    run.produce(&chinook::records(&changes)).await;
    let indexer = run.start_indexer(run.indexer_config()).await;
    let client = SearchClient::new(&run.search_url).expect("a search client");
    let names = Names::new(&run.search_prefix());
    let tracks = names.alias(EntityType::Track);
    assert_eq!(wait_for_live_count(&client, &tracks, 3_503).await, 3_503);

    // The search JVM is killed (-9) while changes go on; it recovers its
    // indices from its translog, and the indexer retries what it refused.
    search.kill();
    let artist = chinook::id("artist", 1);
    run.produce(&chinook::records(
        &(0..10).map(|n| new_track(artist, n)).collect::<Vec<_>>(),
    ))
    .await;
    tokio::time::sleep(Duration::from_secs(3)).await;
    search.resume();

    assert_eq!(wait_for_live_count(&client, &tracks, 3_513).await, 3_513);
    for (entity, expected) in [(EntityType::Artist, 275), (EntityType::Album, 347)] {
        assert_eq!(
            wait_for_live_count(&client, &names.alias(entity), expected).await,
            expected
        );
    }
    indexer.stop().await;
    run.cleanup().await;
}

/// A playlist change, for the one catalog topic Chinook has nothing on.
fn playlist(owner: Uuid, name: &str) -> CatalogChange {
    let id = Uuid::new_v4();
    CatalogChange {
        change_id: Uuid::new_v4(),
        entity_type: EntityType::Playlist,
        entity_id: id,
        version: 1,
        op: ChangeOp::Upsert,
        occurred_at: now_millis(),
        artist: None,
        album: None,
        track: None,
        playlist: Some(Playlist {
            id,
            owner_id: owner,
            name: name.into(),
            description: None,
            public: true,
            track_ids: vec![],
        }),
    }
}

/// The dead-lettered records of `topic`, by the topic they came from.
async fn dead_letters_by_source(
    kafka: &KafkaConfig,
    topic: &str,
    expected: usize,
) -> BTreeMap<String, usize> {
    let records = read_topic(kafka, topic, expected, Duration::from_secs(2)).await;
    let mut by_source = BTreeMap::new();
    for record in &records {
        assert!(
            record
                .headers
                .get(dlq_headers::REASON)
                .is_some_and(|r| !r.is_empty()),
            "a dead letter without its reason: {:?}",
            record.headers
        );
        let source = record
            .headers
            .get(dlq_headers::SOURCE_TOPIC)
            .cloned()
            .unwrap_or_default();
        *by_source.entry(source).or_default() += 1;
    }
    by_source
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_poison_record_on_every_topic_is_dead_lettered_and_the_stream_goes_on() {
    let run = TestRun::new("fault-poison");
    let topics = run.topics();
    // On each topic: a valid record, a poison one, another valid one.
    let owner = Uuid::new_v4();
    let changes = chinook::changes();
    let pick = |entity: EntityType| -> Vec<CatalogChange> {
        changes
            .iter()
            .filter(|c| c.entity_type == entity)
            .take(2)
            .cloned()
            .collect()
    };
    let mut records = Vec::new();
    for pair in [
        pick(EntityType::Artist),
        pick(EntityType::Album),
        pick(EntityType::Track),
        vec![playlist(owner, "Before"), playlist(owner, "After")],
    ] {
        let pair = chinook::records(&pair);
        let mut poison = pair[0].clone();
        poison.payload = Some(b"\xc3\x01 not an avro body".to_vec());
        records.extend([pair[0].clone(), poison, pair[1].clone()]);
    }
    let plays = crate::operations::simulated_records(5, 2);
    let mut poison = plays[0].clone();
    poison.payload = Some(b"{\"json\": \"is not avro\"}".to_vec());
    records.extend([plays[0].clone(), poison, plays[1].clone()]);
    run.produce(&records).await;

    let etl = run.start_etl(run.etl_config()).await;
    let indexer = run.start_indexer(run.indexer_config()).await;

    // The stream went on past each poison record.
    assert_eq!(
        run.wait_for_scalar("SELECT count() FROM plays FINAL", 2)
            .await,
        2
    );
    for table in ["dim_artists", "dim_albums", "dim_tracks"] {
        let sql = format!("SELECT count() FROM {table} FINAL");
        assert_eq!(run.wait_for_scalar(&sql, 2).await, 2, "{table}");
    }
    let client = SearchClient::new(&run.search_url).expect("a search client");
    let names = Names::new(&run.search_prefix());
    for entity in [
        EntityType::Artist,
        EntityType::Album,
        EntityType::Track,
        EntityType::Playlist,
    ] {
        assert_eq!(
            wait_for_live_count(&client, &names.alias(entity), 2).await,
            2,
            "{entity:?}"
        );
    }

    // Each poison record is dead-lettered once per consumer that read it:
    // the ETL's plays, and on the catalog topics both the ETL's dimensions
    // and the indexer.
    let playback_dlq =
        dead_letters_by_source(&run.kafka, &Topics::dlq_of(&topics.playback_events()), 1).await;
    assert_eq!(
        playback_dlq,
        BTreeMap::from([(topics.name(PLAYBACK_EVENTS), 1)])
    );
    let catalog_dlq = dead_letters_by_source(&run.kafka, &topics.name(CATALOG_DLQ), 8).await;
    let expected: BTreeMap<String, usize> =
        CATALOG_TOPICS.iter().map(|t| (topics.name(t), 2)).collect();
    assert_eq!(catalog_dlq, expected);
    etl.stop().await;
    indexer.stop().await;
    run.cleanup().await;
}
