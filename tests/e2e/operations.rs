//! Operating the services: health, readiness, metrics, request ids, and a
//! graceful stop that loses nothing.

use std::time::{Duration, Instant};

use encore_common::fixtures;
use encore_ingest::simulate::{sim_user_id, synthetic_tracks, Generator};
use encore_tests::{eventually_within, Service, TestRun};
use serde_json::Value;

/// `n` simulated playback events as fixture records (seeded, so repeatable).
pub(crate) fn simulated_records(seed: u64, n: usize) -> Vec<fixtures::FixtureRecord> {
    let start = encore_common::now_millis() - 86_400_000;
    let text: String = Generator::new(synthetic_tracks(200), 50, seed, start)
        .take(n)
        .map(|e| e.fixture_line(sim_user_id(seed, e.user), e.occurred_at + 40) + "\n")
        .collect();
    fixtures::parse(&text).expect("simulated events are a valid fixture")
}

async fn get(service: &Service, path: &str) -> (u16, String) {
    let response = reqwest::get(service.url(path))
        .await
        .expect("the ops endpoint answers");
    let status = response.status().as_u16();
    (status, response.text().await.unwrap_or_default())
}

fn dependencies(body: &str) -> Value {
    serde_json::from_str::<Value>(body).expect("JSON")["dependencies"].clone()
}

/// Polls a service's `/metrics` until a line starts with `prefix`; returns that line.
async fn metric_line(service: &Service, prefix: &str) -> String {
    let what = format!("a metric {prefix}");
    eventually_within(Duration::from_secs(30), &what, || async {
        let (_, text) = get(service, "/metrics").await;
        match text.lines().find(|l| l.starts_with(prefix)) {
            Some(line) => Ok(line.to_string()),
            None => Err(format!("\n{text}")),
        }
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_service_answers_health_readiness_and_metrics() {
    let run = TestRun::new("ops");
    run.create_playback_topics().await;
    let etl = run.start_etl(run.etl_config()).await;
    let indexer = run.start_indexer(run.indexer_config()).await;
    let gateway = run.start_gateway().await;

    for (service, names) in [
        (&etl, &["kafka", "clickhouse"][..]),
        (&indexer, &["kafka", "search"][..]),
        (&gateway, &["postgres", "kafka", "search", "clickhouse"][..]),
    ] {
        assert_eq!(get(service, "/health").await.0, 200);
        let (status, body) = get(service, "/ready").await;
        assert_eq!(status, 200, "{body}");
        let deps = dependencies(&body);
        for name in names {
            assert_eq!(deps[name]["ok"], true, "{name}: {body}");
        }
    }

    // Events through the ETL: its lag reaches zero, counted per group.
    run.produce(&simulated_records(3, 200)).await;
    let plays = "SELECT count() FROM plays FINAL";
    assert_eq!(run.wait_for_scalar(plays, 200).await, 200);
    let group = run.etl_config().group;
    let lag = format!("encore_consumer_lag_total{{group=\"{group}\"}}");
    eventually_within(Duration::from_secs(30), "the lag to reach 0", || async {
        let line = metric_line(&etl, &lag).await;
        if line.ends_with(" 0") {
            Ok(())
        } else {
            Err(line)
        }
    })
    .await;
    metric_line(&etl, "encore_etl_batch_rows_count").await;
    metric_line(&etl, "encore_kafka_consumed_total").await;

    // Request ids: a plausible one is echoed, anything else replaced.
    let http = reqwest::Client::new();
    let traced = http
        .get(gateway.url("/v1/tracks"))
        .header("x-request-id", "trace-42")
        .send()
        .await
        .expect("an answer");
    assert_eq!(traced.headers()["x-request-id"], "trace-42");
    let forged = http
        .get(gateway.url("/v1/tracks"))
        .header("x-request-id", "a b")
        .send()
        .await
        .expect("an answer");
    let id = forged.headers()["x-request-id"].to_str().expect("ASCII");
    assert_eq!(id.len(), 36, "{id}");
    metric_line(
        &gateway,
        "encore_http_request_seconds_count{method=\"GET\",route=\"/v1/tracks\",status=\"200\"}",
    )
    .await;

    // A gateway whose brokers are gone is alive but not ready, and says why.
    let mut config = run.gateway_config().await;
    config.kafka.brokers = "127.0.0.1:1".into();
    let lonely = run.start_gateway_with(config).await;
    assert_eq!(get(&lonely, "/health").await.0, 200);
    let (status, body) = get(&lonely, "/ready").await;
    assert_eq!(status, 503, "{body}");
    let deps = dependencies(&body);
    assert_eq!(
        (deps["kafka"]["ok"].clone(), deps["postgres"]["ok"].clone()),
        (Value::Bool(false), Value::Bool(true)),
        "{body}"
    );

    lonely.stop().await;
    gateway.stop().await;
    indexer.stop().await;
    etl.stop().await;
    run.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stopped_etl_stops_promptly_and_its_successor_loses_and_repeats_nothing() {
    let run = TestRun::new("ops-stop");
    run.create_playback_topics().await;
    let records = simulated_records(11, 6_000);
    run.produce(&records).await;
    let mut config = run.etl_config();
    config.batch_size = 500;
    let etl = run.start_etl(config.clone()).await;
    let plays = "SELECT count() FROM plays FINAL";
    // Not eventually(): a look every 20 ms is what catches the ETL between
    // its first batch and its last, and the stop below must land there.
    let deadline = Instant::now() + encore_tests::PATIENCE;
    while run.scalar(plays).await < 500 {
        assert!(Instant::now() < deadline, "no batch was written");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // Stopped mid-stream (as on SIGTERM): it returns within a bounded time,
    // abandoning the batch in progress uncommitted.
    let asked = Instant::now();
    etl.stop().await;
    let took = asked.elapsed();
    assert!(took < Duration::from_secs(10), "stopping took {took:?}");
    let written = run.scalar(plays).await;

    let successor = run.start_etl(config).await;
    assert_eq!(
        run.wait_for_scalar(plays, 6_000).await,
        6_000,
        "{written} rows before the stop"
    );
    let duplicates = "SELECT count() - uniqExact(event_id) FROM plays FINAL";
    assert_eq!(run.scalar(duplicates).await, 0);
    successor.stop().await;
    run.cleanup().await;
}
