//! `POST /v1/events/playback` against the real broker.

use std::time::{Duration, Instant};

use encore_schemas::{decode, PlaybackEvent};
use encore_tests::api::{register, Api};
use encore_tests::{read_topic, TestRun};
use serde_json::Value;

use crate::support::{batch, event};

const PLAYBACK: &str = "/v1/events/playback";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_accepted_batch_is_on_the_topic_exactly_as_sent() {
    let run = TestRun::new("gw-exact");
    run.create_playback_topics().await;
    let gateway = run.start_gateway().await;
    let api = Api::new(&gateway);
    let (ada, bo) = (register(&api, "ada").await, register(&api, "bo").await);
    let sent: Vec<Value> = (0..5)
        .map(|n| event(n, if n % 2 == 0 { ada.id } else { bo.id }))
        .collect();
    let (ada_events, bo_events): (Vec<Value>, Vec<Value>) = sent
        .iter()
        .cloned()
        .partition(|e| e["user_id"] == ada.id.to_string());
    let body = ada.api.post(PLAYBACK, batch(ada_events)).await.expect(202);
    assert_eq!(body["accepted"], 3);
    let body = bo.api.post(PLAYBACK, batch(bo_events)).await.expect(202);
    assert_eq!(body["accepted"], 2);

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
        .filter(|r| r.key.as_deref() == Some(ada.id.to_string().as_bytes()))
        .map(|r| r.partition)
        .collect();
    assert_eq!(ada_partitions.len(), 1);
    gateway.stop().await;
    run.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rejected_batch_publishes_nothing_and_names_each_bad_field() {
    let run = TestRun::new("gw-reject");
    run.create_playback_topics().await;
    let gateway = run.start_gateway().await;
    let caller = register(&Api::new(&gateway), "cy").await;
    let user = caller.id;
    let mut bad = event(1, user);
    bad["kind"] = "rewind".into();
    bad["track_id"] = "not-a-uuid".into();

    let answer = caller
        .api
        .post(PLAYBACK, batch(vec![event(0, user), bad, event(2, user)]))
        .await;
    let body = answer.expect(400);
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
    caller
        .api
        .post(PLAYBACK, batch(vec![marker.clone()]))
        .await
        .expect(202);
    // Nobody reports plays for someone else.
    let mut foreign = event(4, user);
    foreign["user_id"] = uuid::Uuid::new_v4().to_string().into();
    let answer = caller.api.post(PLAYBACK, batch(vec![foreign])).await;
    assert_eq!(answer.status, 400);
    assert_eq!(answer.error_fields(), ["user_id"]);
    let records = read_topic(&run.kafka, &run.playback_topic(), 1, Duration::from_secs(1)).await;
    assert_eq!(records.len(), 1);
    let event: PlaybackEvent = decode(records[0].payload.as_deref().expect("value")).expect("Avro");
    assert_eq!(marker["event_id"], event.event_id.to_string());
    gateway.stop().await;
    run.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_bodies_get_a_json_error_naming_the_problem() {
    let run = TestRun::new("gw-bodies");
    let gateway = run.start_gateway().await;
    let caller = register(&Api::new(&gateway), "dee").await;
    let send = |body: Vec<u8>| {
        caller
            .api
            .request(reqwest::Method::POST, PLAYBACK)
            .header("content-type", "application/json")
            .body(body)
            .send()
    };

    let anonymous = Api::new(&gateway)
        .post(PLAYBACK, batch(vec![event(0, caller.id)]))
        .await;
    assert_eq!(anonymous.status, 401);
    assert_eq!(anonymous.body["error"]["code"], "unauthorized");

    let response = send(b"{\"events\": [".to_vec()).await.expect("answer");
    assert_eq!(response.status(), 400);
    let body: Value = response.json().await.expect("JSON");
    assert_eq!(body["error"]["code"], "invalid_json");

    let too_many = batch((0..501).map(|n| event(n, caller.id)).collect());
    let response = send(serde_json::to_vec(&too_many).expect("json"))
        .await
        .expect("answer");
    assert_eq!(response.status(), 400);
    let body: Value = response.json().await.expect("JSON");
    assert_eq!(body["error"]["fields"][0]["field"], "events");

    let too_big = caller
        .api
        .send_oversized("POST", PLAYBACK, "application/json", 3 * 1024 * 1024)
        .await;
    assert_eq!(too_big.status, 413);
    assert_eq!(too_big.body["error"]["fields"][0]["field"], "body");

    let response = send(vec![0xFF, 0xFE, b'{']).await.expect("answer");
    assert_eq!(response.status(), 400);
    gateway.stop().await;
    run.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreachable_broker_gives_503_with_retry_after_within_the_timeout() {
    let run = TestRun::new("gw-down");
    // A port where no broker listens: the producer can never get an acknowledgement.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").expect("a free port");
    let mut config = run.gateway_config().await;
    config.kafka.brokers = closed.local_addr().expect("addr").to_string();
    drop(closed);
    config.kafka.produce_timeout = Duration::from_millis(1_500);
    let gateway = run.start_gateway_with(config).await;
    let caller = register(&Api::new(&gateway), "eve").await;

    let started = Instant::now();
    let answer = caller
        .api
        .post(PLAYBACK, batch(vec![event(0, caller.id)]))
        .await;
    let waited = started.elapsed();
    assert_eq!(answer.status, 503, "{}", answer.body);
    assert_eq!(answer.body["error"]["code"], "unavailable");
    assert_eq!(
        answer.headers.get("retry-after").map(|v| v.as_bytes()),
        Some(&b"2"[..])
    );
    assert!(
        waited < Duration::from_secs(5),
        "answered after {waited:?}, not within the produce timeout"
    );
    gateway.stop().await;
    run.cleanup().await;
}
