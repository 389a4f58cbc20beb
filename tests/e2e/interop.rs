//! Other teams' tools read our topics: a consumer in another language
//! (Python, confluent-kafka and fastavro) resolves every record's writer
//! schema by its fingerprint from `schemas/` alone, and records written before
//! the fingerprint followed the specification still decode here.

use apache_avro::headers::{HeaderBuilder, RabinFingerprintHeader};
use encore_common::topics::PLAYBACK_EVENTS;
use encore_schemas::{AvroMessage, PlaybackEvent};
use encore_tests::api::{register, Api};
use encore_tests::{eventually, wait_until_committed, TestRun};
use serde_json::{json, Value};

use crate::support::{batch, event};

/// Runs `tests/interop/consume.py` over every topic of `run`; its report.
fn consume_in_python(run: &TestRun) -> Value {
    let schemas = encore_tests::interop::repo_root().join("schemas");
    let output = encore_tests::interop::run_script(
        "consume.py",
        &[
            "--brokers".into(),
            run.kafka.brokers.clone(),
            "--schemas".into(),
            schemas.display().to_string(),
            "--prefix".into(),
            run.kafka.topic_prefix.clone(),
        ],
    );
    let report: Value = serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
        panic!(
            "the Python consumer printed no report ({e}); stderr:\n{}",
            String::from_utf8_lossy(&output.stderr)
        )
    });
    eprintln!(
        "{}",
        serde_json::to_string_pretty(&report).unwrap_or_default()
    );
    report
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_python_consumer_resolves_every_record_by_fingerprint_from_schemas_alone() {
    let run = TestRun::new("interop");
    run.create_playback_topics().await;
    let gateway = run.start_gateway().await;
    let etl = run.start_etl(run.etl_config()).await;
    let admin = run
        .account_with_role(&Api::new(&gateway), "adm", "admin")
        .await;
    // Every catalog topic: an artist, an album, a track, a playlist, a delete.
    let (_, _, track) = admin
        .artist_album_track("Кино", "Группа крови", "Кукушка")
        .await;
    admin
        .api
        .post("/v1/playlists", json!({"name": "mix", "public": true}))
        .await
        .expect(201);
    let doomed = admin
        .api
        .post("/v1/artists", json!({"name": "gone"}))
        .await
        .expect(201);
    admin
        .api
        .delete(&format!(
            "/v1/artists/{}",
            doomed["id"].as_str().expect("id")
        ))
        .await;
    // Playback events through the gateway, and a fixture with poison that the
    // etl dead-letters.
    let listener = register(&Api::new(&gateway), "py").await;
    let mut events: Vec<Value> = (0..30).map(|n| event(n, listener.id)).collect();
    for e in &mut events {
        e["track_id"] = track["id"].clone();
    }
    listener
        .api
        .post("/v1/events/playback", batch(events))
        .await
        .expect(202);
    run.replay("playback_duplicates_poison.jsonl").await;
    wait_until_committed(&run.kafka, &run.etl_config().group, &run.playback_topic()).await;
    // The relay has published everything once the outbox is empty.
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

    let report = consume_in_python(&run);
    let topics = report["topics"].as_object().expect("topics");
    let decoded = |logical: &str| {
        topics[&run.topics().name(logical)]["decoded"]
            .as_u64()
            .unwrap_or(0)
    };
    for (topic, counts) in topics {
        assert_eq!(counts["unknown_fingerprints"], 0, "{topic}: {counts}");
        assert_eq!(counts["decode_errors"], 0, "{topic}: {counts}");
    }
    assert_eq!(report["ok"], true);
    // 30 through the gateway, 27 valid Avro in the fixture (one is garbage).
    assert_eq!(decoded(PLAYBACK_EVENTS), 57);
    assert!(decoded("catalog.artists") >= 3, "create, create, delete");
    assert!(decoded("catalog.albums") >= 1);
    assert!(decoded("catalog.tracks") >= 1);
    assert!(decoded("catalog.playlists") >= 1);
    // The dead letters: the garbage record, and the valid Avro the plays
    // table refused, which decodes too.
    let dlq = &topics[&encore_common::Topics::dlq_of(&run.playback_topic())];
    assert_eq!(dlq["not_avro"], 1, "{dlq}");
    assert_eq!(dlq["decoded"], 1, "{dlq}");
    etl.stop().await;
    gateway.stop().await;
    run.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn records_written_with_the_old_fingerprint_still_decode() {
    let run = TestRun::new("old-fingerprint");
    // The fixture's records as Encore wrote them before: apache-avro 0.22's
    // own fingerprint in the header, the same datum after it.
    let old_header =
        RabinFingerprintHeader::from_schema(PlaybackEvent::schema_set().current()).build_header();
    assert_ne!(old_header, PlaybackEvent::schema_set().header());
    let mut records = encore_common::fixtures::load(&encore_tests::fixture_path(
        "playback_duplicates_poison.jsonl",
    ))
    .expect("the fixture");
    let mut rewritten = 0;
    for record in &mut records {
        if let Some(payload) = record.payload.as_mut() {
            if payload.starts_with(PlaybackEvent::schema_set().header()) {
                payload[..old_header.len()].copy_from_slice(&old_header);
                rewritten += 1;
            }
        }
    }
    assert_eq!(rewritten, 27);
    run.produce(&records).await;
    let etl = run.start_etl(run.etl_config()).await;
    assert_eq!(
        run.wait_for_scalar("SELECT count() FROM plays FINAL", 20)
            .await,
        20
    );
    etl.stop().await;
    run.cleanup().await;
}
