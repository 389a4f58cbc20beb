//! Playback events from the broker into ClickHouse `plays`.

use std::collections::BTreeSet;
use std::time::Duration;

use encore_common::fixtures::FixtureRecord;
use encore_common::kafka::dlq_headers;
use encore_schemas::{
    decode, encode, Client, ContextKind, Device, PlaybackContext, PlaybackEvent, PlaybackKind,
};
use encore_tests::api::{register, Api};
use encore_tests::{read_topic, wait_until_committed, TestRun};
use uuid::Uuid;

use crate::support::{batch, event};

const COUNT_FINAL: &str = "SELECT count() FROM plays FINAL";

/// The distinct, valid events of a fixture: what `plays` must end up holding.
fn distinct_events(records: &[FixtureRecord]) -> BTreeSet<Uuid> {
    records
        .iter()
        .filter_map(|r| r.payload.as_deref())
        .filter_map(|bytes| decode::<PlaybackEvent>(bytes).ok())
        .filter(|e| e.position_ms >= 0)
        .map(|e| e.event_id)
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn duplicates_collapse_and_poison_goes_to_the_dead_letter_topic() {
    let run = TestRun::new("etl-dupes");
    let records = run.replay("playback_duplicates_poison.jsonl").await;
    let expected = distinct_events(&records);
    assert_eq!(records.len(), 28, "the fixture as documented in its header");
    assert_eq!(expected.len(), 20);
    let etl = run.start_etl(run.etl_config()).await;

    assert_eq!(run.wait_for_scalar(COUNT_FINAL, 20).await, 20);
    let ids: Vec<String> = run
        .clickhouse()
        .query("SELECT toString(event_id) FROM plays FINAL ORDER BY event_id")
        .fetch_all()
        .await
        .expect("event ids");
    let ids: BTreeSet<Uuid> = ids
        .iter()
        .map(|s| Uuid::parse_str(s).expect("uuid"))
        .collect();
    assert_eq!(ids, expected, "exactly the fixture's distinct events");
    // The 6 repeats arrived as rows too; only FINAL (and merges) collapse them.
    assert_eq!(
        run.scalar("SELECT uniqExact(event_id) FROM plays").await,
        20
    );

    let dlq = encore_common::Topics::dlq_of(&run.playback_topic());
    let dead = read_topic(&run.kafka, &dlq, 2, Duration::from_millis(500)).await;
    assert_eq!(dead.len(), 2, "the two poison records, nothing else");
    let mut reasons: Vec<&str> = dead
        .iter()
        .map(|r| r.headers[dlq_headers::REASON].as_str())
        .collect();
    reasons.sort();
    assert!(reasons[0].contains("position_ms = -5"), "{reasons:?}");
    assert!(reasons[1].contains("undecodable"), "{reasons:?}");
    for record in &dead {
        assert_eq!(
            record.headers["source"], "poison",
            "original headers are kept"
        );
        assert_eq!(
            record.headers[dlq_headers::SOURCE_TOPIC],
            run.playback_topic()
        );
        assert!(record.headers[dlq_headers::SOURCE_PARTITION]
            .parse::<i32>()
            .is_ok());
        assert!(record.headers[dlq_headers::SOURCE_OFFSET]
            .parse::<i64>()
            .is_ok());
    }
    let raw = dead
        .iter()
        .find(|r| r.headers[dlq_headers::REASON].contains("undecodable"))
        .expect("raw");
    assert_eq!(
        raw.payload.as_deref(),
        Some(&b"{\"not\":\"avro\"}"[..]),
        "the value is kept byte for byte"
    );

    // Offsets follow the data: once everything is written, the group has committed to the end.
    wait_until_committed(&run.kafka, &run.etl_config().group, &run.playback_topic()).await;
    etl.stop().await;
    run.cleanup().await;
}

/// `n` valid events as fixture records, keyed by user, spread over 10 users.
fn generated(n: u32) -> Vec<FixtureRecord> {
    let users: Vec<Uuid> = (0..10).map(|_| Uuid::new_v4()).collect();
    let now = encore_common::now_millis();
    (0..n)
        .map(|i| {
            let user = users[(i % 10) as usize];
            let event = PlaybackEvent {
                event_id: Uuid::new_v4(),
                user_id: user,
                track_id: Uuid::from_u128(u128::from(i % 50) + 1),
                session_id: user,
                kind: PlaybackKind::ALL[(i % 6) as usize],
                position_ms: i64::from(i % 600) * 1_000,
                track_duration_ms: 600_000,
                occurred_at: now - 60_000 + i64::from(i),
                received_at: now,
                client: Client {
                    app: "encore-test".into(),
                    version: None,
                },
                device: Device {
                    id: None,
                    platform: "web".into(),
                },
                context: PlaybackContext {
                    kind: ContextKind::Other,
                    id: None,
                },
            };
            FixtureRecord {
                line: i as usize + 1,
                topic: encore_common::topics::PLAYBACK_EVENTS.to_string(),
                key: Some(user.to_string()),
                payload: Some(encode(&event).expect("encodes")),
                headers: Default::default(),
                timestamp: None,
            }
        })
        .collect()
}

/// The sum of `position_ms` over records, a checksum `plays FINAL` must match.
fn position_sum(records: &[FixtureRecord]) -> u64 {
    records
        .iter()
        .filter_map(|r| r.payload.as_deref())
        .map(|bytes| decode::<PlaybackEvent>(bytes).expect("valid").position_ms as u64)
        .sum()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_etl_killed_mid_batch_and_restarted_loses_and_doubles_nothing() {
    let run = TestRun::new("etl-restart");
    run.create_playback_topics().await;
    let records = generated(1_000);
    run.produce(&records).await;
    let expected_ms = position_sum(&records);

    // Batches of 400 that wait a minute to fill: the first two are written and
    // committed, the last 200 records sit in an open batch when the ETL dies.
    let mut config = run.etl_config();
    config.batch_size = 400;
    config.batch_wait = Duration::from_secs(60);
    let first = run.start_etl(config.clone()).await;
    assert_eq!(
        run.wait_for_scalar("SELECT count() FROM plays", 800).await,
        800
    );
    first.kill().await;

    config.batch_wait = Duration::from_millis(100);
    let second = run.start_etl(config.clone()).await;
    assert_eq!(
        run.wait_for_scalar(COUNT_FINAL, 1_000).await,
        1_000,
        "nothing lost"
    );
    assert_eq!(
        run.scalar("SELECT sum(position_ms) FROM plays FINAL").await,
        expected_ms
    );
    second.stop().await;

    // Replaying the whole topic in a new group writes every row again (merges
    // may already have collapsed some); FINAL still counts each event once.
    config.group = format!("{}-replay", config.group);
    let replay = run.start_etl(config.clone()).await;
    wait_until_committed(&run.kafka, &config.group, &run.playback_topic()).await;
    assert_eq!(run.scalar(COUNT_FINAL).await, 1_000, "nothing doubled");
    assert_eq!(
        run.scalar("SELECT sum(position_ms) FROM plays FINAL").await,
        expected_ms
    );
    replay.stop().await;
    run.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn events_posted_to_the_gateway_reach_clickhouse() {
    let run = TestRun::new("flow");
    run.create_playback_topics().await;
    let gateway = run.start_gateway().await;
    let etl = run.start_etl(run.etl_config()).await;
    let listener = register(&Api::new(&gateway), "flo").await;
    let user = listener.id;
    let events: Vec<_> = (0..100).map(|n| event(n, user)).collect();
    listener
        .api
        .post("/v1/events/playback", batch(events.clone()))
        .await
        .expect(202);
    // A client retry of the same batch is absorbed.
    listener
        .api
        .post("/v1/events/playback", batch(events))
        .await
        .expect(202);

    wait_until_committed(&run.kafka, &run.etl_config().group, &run.playback_topic()).await;
    assert_eq!(run.scalar(COUNT_FINAL).await, 100);
    let sql = format!(
        "SELECT count() FROM plays FINAL WHERE user_id = toUUID('{user}') AND kind = 'skip'"
    );
    assert_eq!(
        run.scalar(&sql).await,
        16,
        "events 4, 10, 16, ... 94 are skips"
    );
    etl.stop().await;
    gateway.stop().await;
    run.cleanup().await;
}

/// A batch whose insert failed after some of it was written is written again
/// whole. The aggregates are sets that only the materialized views fill, so
/// the repeat must reach the views: a replicated table that dropped it as a
/// duplicate block would skip them too, and lose the part whose views had not
/// finished (what killing a ClickHouse replica mid-insert did on the cluster).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_batch_written_twice_reaches_the_views_twice() {
    let run = TestRun::new("etl-rewrite");
    encore_etl::warehouse::migrate(&run.clickhouse_url, &run.database)
        .await
        .expect("migrations");
    let rows: Vec<encore_etl::plays::PlayRow> = generated(200)
        .iter()
        .enumerate()
        .filter_map(|(at, record)| {
            let event = decode::<PlaybackEvent>(record.payload.as_deref()?).ok()?;
            encore_etl::plays::PlayRow::from_event(&event, 0, at as i64).ok()
        })
        .collect();
    let starts = rows.iter().filter(|r| r.kind == 1).count() as u64;
    // The buckets log is a plain MergeTree fed by a view of `plays`: it keeps
    // one row per (listener, bucket) per insert that reached the view.
    const LOGGED: &str = "SELECT count() FROM session_buckets_written";
    let mut logged = Vec::new();
    for _ in 0..2 {
        let mut insert = run
            .clickhouse()
            .insert::<encore_etl::plays::PlayRow>("plays")
            .await
            .expect("an insert");
        for row in &rows {
            insert.write(row).await.expect("a row");
        }
        insert.end().await.expect("the insert");
        logged.push(run.scalar(LOGGED).await);
    }
    assert!(logged[0] > 0);
    assert_eq!(
        logged[1],
        2 * logged[0],
        "the second write reached the views, not dropped as a duplicate block"
    );
    assert_eq!(run.scalar(COUNT_FINAL).await, rows.len() as u64);
    assert_eq!(
        run.scalar("SELECT toUInt64(sum(plays)) FROM track_hourly")
            .await,
        starts
    );
    run.cleanup().await;
}
