//! The indexer beside a direct `_bulk` of the same documents, and how long a
//! catalog change takes to become searchable.
//!
//! The `search` section of the load bench. Three measurements:
//!
//! 1. reference: the Chinook catalogue, copied `BENCH_COPIES` times (default
//!    5, about 20,000 documents) under fresh ids, built into documents and
//!    sent straight to the search server with `_bulk` in batches of 1,000;
//! 2. the indexer: the same changes produced to the catalog topics while it
//!    runs, timed from the first produce until every document is searchable
//!    (the reference is timed to the same point, after one unmeasured pass);
//! 3. freshness: artists created through the gateway one after another; each
//!    is searched for by its unique name until found, timed from the 201.

use std::time::{Duration, Instant};

use elasticsearch::http::request::JsonBody;
use elasticsearch::BulkParts;
use encore_common::{fixtures, kafka};
use encore_indexer::client::{json, SearchClient};
use encore_indexer::documents::{document, Lookups};
use encore_indexer::indices::{self, Names};
use encore_schemas::{CatalogChange, EntityType};
use encore_tests::api::Api;
use encore_tests::{chinook, TestRun};
use rdkafka::producer::Producer as _;
use serde_json::Value;
use uuid::Uuid;

use crate::{env_usize, ms, percentile_ms, thousands, Row};

const FRESHNESS_TARGET_MS: f64 = 1_000.0;
/// The brief: the indexer at least 0.7 x a direct `_bulk` of the same documents.
const INDEXER_TARGET_RATIO: f64 = 0.7;

/// Runs the three measurements; the rows of the table.
pub(crate) async fn measure() -> Vec<Row> {
    let copies = env_usize("BENCH_COPIES", 5).max(1);
    let samples = env_usize("BENCH_SAMPLES", 100).max(1);
    let changes = copied_catalogue(copies);
    let documents = changes.len();

    eprintln!("reference: direct _bulk of {documents} documents ...");
    // The first pass warms the search server's JVM up and is not measured.
    let mut direct_rate = 0.0;
    for pass in ["bench-bulk-warm-up", "bench-bulk"] {
        let reference_run = TestRun::new(pass);
        let client =
            SearchClient::new(&reference_run.indexer_config().search_url).expect("a client");
        direct_rate = direct_bulk(&client, &reference_run, &changes).await;
        reference_run.cleanup().await;
    }

    eprintln!("indexer: {documents} changes through the catalog topics ...");
    let run = TestRun::new("bench-indexer");
    let client = SearchClient::new(&run.indexer_config().search_url).expect("a client");
    let indexer = run.start_indexer(run.indexer_config()).await;
    // The topics exist and the producer is connected before the clock
    // starts, as the reference's client is: what is timed is the changes'
    // way through Kafka and the indexer until they are searchable.
    let records = chinook::records(&changes);
    fixtures::ensure_topics(&run.kafka, &records)
        .await
        .expect("the catalog topics");
    let producer = kafka::producer(&run.kafka).expect("a producer");
    producer
        .client()
        .fetch_metadata(None, Duration::from_secs(10))
        .expect("the broker's metadata");
    let started = Instant::now();
    fixtures::replay(&producer, &run.topics(), &records)
        .await
        .expect("the changes produced");
    let names = Names::new(&run.search_prefix());
    for entity in [EntityType::Artist, EntityType::Album, EntityType::Track] {
        let expected = changes.iter().filter(|c| c.entity_type == entity).count() as u64;
        wait_for_count(&client, &names.alias(entity), expected).await;
    }
    let indexer_rate = documents as f64 / started.elapsed().as_secs_f64();

    eprintln!("freshness: {samples} artists created through the gateway ...");
    let gateway = run.start_gateway().await;
    let admin = run
        .account_with_role(&Api::new(&gateway), "bench", "admin")
        .await;
    let mut latencies = Vec::with_capacity(samples);
    for n in 0..samples {
        let name = format!("Freshness{n}x{}", &Uuid::new_v4().simple().to_string()[..8]);
        admin
            .api
            .post("/v1/artists", serde_json::json!({"name": name}))
            .await
            .expect(201);
        let created = Instant::now();
        loop {
            let answer = admin
                .api
                .get(&format!("/v1/search?q={name}&type=artist"))
                .await;
            if answer.body["items"]
                .as_array()
                .is_some_and(|i| !i.is_empty())
            {
                latencies.push(created.elapsed());
                break;
            }
            if created.elapsed() > Duration::from_secs(30) {
                panic!("{name} never became searchable");
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }
    gateway.stop().await;
    indexer.stop().await;
    run.cleanup().await;

    latencies.sort();
    let (p50, p99) = (
        percentile_ms(&latencies, 0.50),
        percentile_ms(&latencies, 0.99),
    );
    vec![
        Row::info(
            format!(
                "search reference: direct _bulk of the built documents, batches of 1,000 ({} documents: Chinook x{copies})",
                thousands(documents as f64)
            ),
            format!("{} docs/s", thousands(direct_rate)),
        ),
        Row::info(
            "indexer: produce to the catalog topics until all are searchable",
            format!("{} docs/s", thousands(indexer_rate)),
        )
        .ratio(indexer_rate / direct_rate)
        .target(
            format!(">= {INDEXER_TARGET_RATIO:.1} x the direct _bulk's docs/s"),
            indexer_rate / direct_rate >= INDEXER_TARGET_RATIO,
        ),
        Row::info(
            format!("catalog change → searchable through the gateway, {samples} samples"),
            format!("p50 {}, p99 {}", ms(p50), ms(p99)),
        )
        .target(
            format!("p99 < {} ms", thousands(FRESHNESS_TARGET_MS)),
            p99 < FRESHNESS_TARGET_MS,
        ),
    ]
}

/// Chinook `copies` times over, each copy with its own ids, artists first.
pub(crate) fn copied_catalogue(copies: usize) -> Vec<CatalogChange> {
    let original = chinook::changes();
    let mut out = Vec::with_capacity(original.len() * copies);
    for copy in 0..copies {
        let salt = |id: Uuid| {
            if copy == 0 {
                id
            } else {
                Uuid::new_v5(&id, &copy.to_le_bytes())
            }
        };
        for change in &original {
            let mut change = change.clone();
            change.entity_id = salt(change.entity_id);
            if let Some(a) = change.artist.as_mut() {
                a.id = salt(a.id);
            }
            if let Some(a) = change.album.as_mut() {
                a.id = salt(a.id);
                a.artist_id = salt(a.artist_id);
            }
            if let Some(t) = change.track.as_mut() {
                t.id = salt(t.id);
                t.artist_id = salt(t.artist_id);
                t.album_id = t.album_id.map(salt);
            }
            out.push(change);
        }
    }
    out
}

/// Docs/s of a plain `_bulk` of the documents the indexer would write, until
/// all are searchable: the indexer is timed to the same point.
async fn direct_bulk(client: &SearchClient, run: &TestRun, changes: &[CatalogChange]) -> f64 {
    let names = Names::new(&run.search_prefix());
    for entity in indices::ALL {
        indices::create(client, entity, &names.versioned(entity, 1))
            .await
            .expect("an index");
    }
    let mut lookups = Lookups::default();
    let refs: Vec<&CatalogChange> = changes.iter().collect();
    lookups.learn(&refs);
    let lines: Vec<(String, Value)> = changes
        .iter()
        .map(|c| (names.versioned(c.entity_type, 1), document(c, &lookups)))
        .collect();
    let started = Instant::now();
    for chunk in lines.chunks(1_000) {
        let mut body: Vec<JsonBody<Value>> = Vec::with_capacity(chunk.len() * 2);
        for (index, doc) in chunk {
            body.push(serde_json::json!({"index": {"_index": index, "_id": doc["id"]}}).into());
            body.push(doc.clone().into());
        }
        let answer = json(client.es.bulk(BulkParts::None).body(body).send().await)
            .await
            .expect("_bulk");
        assert_eq!(answer["errors"], false, "the reference bulk failed");
    }
    for entity in [EntityType::Artist, EntityType::Album, EntityType::Track] {
        let expected = changes.iter().filter(|c| c.entity_type == entity).count() as u64;
        wait_for_count(client, &names.versioned(entity, 1), expected).await;
    }
    changes.len() as f64 / started.elapsed().as_secs_f64()
}

async fn wait_for_count(client: &SearchClient, index: &str, expected: u64) {
    let deadline = Instant::now() + Duration::from_secs(600);
    while indices::live_count(client, index).await.unwrap_or(0) < expected {
        assert!(Instant::now() < deadline, "the indexer did not finish");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
