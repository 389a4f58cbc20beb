//! `POST /v1/events/playback` against the real broker.

use std::time::{Duration, Instant};

use encore_schemas::{decode, PlaybackEvent};
use encore_tests::{read_topic, TestRun};
use serde_json::Value;
use uuid::Uuid;

use crate::support::{batch, event};

async fn post(url: &str, body: &Value) -> (u16, Value, reqwest::header::HeaderMap) {
    let response = reqwest::Client::new()
        .post(url)
        .json(body)
        .send()
        .await
        .expect("the gateway answers");
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let body = response.json::<Value>().await.expect("a JSON body");
    (status, body, headers)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_accepted_batch_is_on_the_topic_exactly_as_sent() {
    let run = TestRun::new("gw-exact");
    run.create_playback_topics().await;
    let gateway = run.start_gateway().await;
    let (ada, bo) = (Uuid::new_v4(), Uuid::new_v4());
    let sent: Vec<Value> = (0..5)
        .map(|n| event(n, if n % 2 == 0 { ada } else { bo }))
        .collect();

    let (status, body, _) = post(&gateway.url("/v1/events/playback"), &batch(sent.clone())).await;
    assert_eq!(status, 202, "{body}");
    assert_eq!(body["accepted"], 5);

    let records = read_topic(
        &run.kafka,
        &run.playback_topic(),
        5,
        Duration::from_millis(500),
    )
    .await;
    assert_eq!(
        records.len(),
        5,
        "exactly the accepted events are on the topic"
    );
    for record in &records {
        let event: PlaybackEvent =
            decode(record.payload.as_deref().expect("a value")).expect("Avro");
        let original = sent
            .iter()
            .find(|e| e["event_id"] == event.event_id.to_string())
            .expect("an event that was sent");
        assert_eq!(
            record.key.as_deref(),
            Some(event.user_id.to_string().as_bytes()),
            "keyed by user"
        );
        assert_eq!(original["user_id"], event.user_id.to_string());
        assert_eq!(original["track_id"], event.track_id.to_string());
        assert_eq!(original["kind"], event.kind.as_str());
        assert_eq!(original["position_ms"], event.position_ms);
        assert_eq!(original["occurred_at"], event.occurred_at);
        assert!(
            event.received_at >= event.occurred_at,
            "the gateway stamps received_at"
        );
        assert_eq!(event.client.app, "encore-test");
        assert_eq!(event.context.id.as_deref(), Some("pl-1"));
    }
    // One user's events share a partition, in the order they were sent.
    let ada_partitions: std::collections::BTreeSet<i32> = records
        .iter()
        .filter(|r| r.key.as_deref() == Some(ada.to_string().as_bytes()))
        .map(|r| r.partition)
        .collect();
    assert_eq!(ada_partitions.len(), 1);
    gateway.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rejected_batch_publishes_nothing_and_names_each_bad_field() {
    let run = TestRun::new("gw-reject");
    run.create_playback_topics().await;
    let gateway = run.start_gateway().await;
    let url = gateway.url("/v1/events/playback");
    let user = Uuid::new_v4();
    let mut bad = event(1, user);
    bad["kind"] = "rewind".into();
    bad["track_id"] = "not-a-uuid".into();

    let (status, body, _) = post(&url, &batch(vec![event(0, user), bad, event(2, user)])).await;
    assert_eq!(status, 400);
    assert_eq!(body["error"]["code"], "invalid_events");
    let fields: Vec<(u64, &str)> = body["error"]["fields"]
        .as_array()
        .expect("fields")
        .iter()
        .map(|f| {
            (
                f["index"].as_u64().expect("index"),
                f["field"].as_str().expect("field"),
            )
        })
        .collect();
    assert_eq!(fields, vec![(1, "track_id"), (1, "kind")]);

    // A later good batch is the only thing on the topic.
    let marker = event(3, user);
    let (status, _, _) = post(&url, &batch(vec![marker.clone()])).await;
    assert_eq!(status, 202);
    let records = read_topic(&run.kafka, &run.playback_topic(), 1, Duration::from_secs(1)).await;
    assert_eq!(records.len(), 1);
    let event: PlaybackEvent = decode(records[0].payload.as_deref().expect("value")).expect("Avro");
    assert_eq!(marker["event_id"], event.event_id.to_string());
    gateway.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_bodies_get_a_json_error_naming_the_problem() {
    let run = TestRun::new("gw-bodies");
    let gateway = run.start_gateway().await;
    let url = gateway.url("/v1/events/playback");
    let client = reqwest::Client::new();
    let send = |body: Vec<u8>| {
        client
            .post(&url)
            .header("content-type", "application/json")
            .body(body)
            .send()
    };

    let response = send(b"{\"events\": [".to_vec()).await.expect("answer");
    assert_eq!(response.status(), 400);
    let body: Value = response.json().await.expect("JSON");
    assert_eq!(body["error"]["code"], "invalid_json");

    let too_many = batch((0..501).map(|n| event(n, Uuid::new_v4())).collect());
    let response = send(serde_json::to_vec(&too_many).expect("json"))
        .await
        .expect("answer");
    assert_eq!(response.status(), 400);
    let body: Value = response.json().await.expect("JSON");
    assert_eq!(body["error"]["fields"][0]["field"], "events");

    let response = send(vec![b' '; 3 * 1024 * 1024]).await.expect("answer");
    assert_eq!(response.status(), 413);
    let body: Value = response.json().await.expect("JSON");
    assert_eq!(body["error"]["fields"][0]["field"], "body");

    let response = send(vec![0xFF, 0xFE, b'{']).await.expect("answer");
    assert_eq!(response.status(), 400);
    gateway.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreachable_broker_gives_503_with_retry_after_within_the_timeout() {
    let run = TestRun::new("gw-down");
    // A port where no broker listens: the producer can never get an acknowledgement.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").expect("a free port");
    let mut kafka = run.kafka.clone();
    kafka.brokers = closed.local_addr().expect("addr").to_string();
    drop(closed);
    kafka.produce_timeout = Duration::from_millis(1_500);
    let gateway = run.start_gateway_with(kafka).await;

    let started = Instant::now();
    let (status, body, headers) = post(
        &gateway.url("/v1/events/playback"),
        &batch(vec![event(0, Uuid::new_v4())]),
    )
    .await;
    let waited = started.elapsed();
    assert_eq!(status, 503, "{body}");
    assert_eq!(body["error"]["code"], "unavailable");
    assert_eq!(
        headers.get("retry-after").map(|v| v.as_bytes()),
        Some(&b"2"[..])
    );
    assert!(
        waited < Duration::from_secs(5),
        "answered after {waited:?}, not within the produce timeout"
    );
    gateway.stop().await;
}
