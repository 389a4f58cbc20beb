//! Gateway playback ingest beside a raw librdkafka producer on the same broker.
//!
//! The `ingest` section of the load bench:
//!
//! 1. ceiling: a raw rdkafka producer (acks=all, idempotent as configured: the
//!    settings every Encore producer uses) sending the Avro payloads with
//!    10,000 in flight, as fast as the broker acknowledges them. No API whose
//!    clients wait for an answer comes near this; it is printed for scale;
//! 2. reference: the same producer doing what the gateway is asked to do,
//!    `BENCH_CLIENTS` senders each sending a group of 100 and waiting until
//!    all are acknowledged before the next. The gateway's targets are ratios
//!    to this, so they measure what the gateway adds (HTTP, JSON, checks,
//!    encoding), not the difference between pipelining and request/response;
//! 3. that producer paced at half its rate, open loop, each group timed until
//!    fully acknowledged: the broker's own latency at the target rate, the
//!    floor under the gateway's;
//! 4. the gateway saturated: `POST /v1/events/playback` batches of 100 from
//!    concurrent clients, events/s and request latency;
//! 5. the gateway paced at half the reference rate (the brief's latency
//!    target), open loop, to read p99 latency at that rate.
//!
//! Every producer and HTTP client has sent once before its clock starts, and
//! the broker has taken one unmeasured pass, so no figure includes start-up.
//! `BENCH_EVENTS` (default 300000) sets the events per measurement and
//! `BENCH_CLIENTS` (default 8) the concurrent HTTP clients. A batch the
//! gateway did not accept (not 202) counts against the target.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use encore_common::kafka;
use encore_schemas::{encode, PlaybackEvent};
use encore_tests::TestRun;
use rdkafka::producer::FutureRecord;
use serde_json::{json, Value};
use uuid::Uuid;

use crate::{env_usize, ms, thousands, Row};

const BATCH: usize = 100;
/// The brief: the gateway saturated at least 0.7 x the raw producer (here
/// the raw producer in the gateway's shape, the fair reference) ...
const SATURATED_TARGET: f64 = 0.7;
/// ... and, paced at 0.5 x the raw producer, p99 under 50 ms.
const THROUGHPUT_TARGET: f64 = 0.5;
const P99_TARGET_MS: f64 = 50.0;

/// Runs the measurements; the rows of the table.
pub(crate) async fn measure() -> Vec<Row> {
    let events = env_usize("BENCH_EVENTS", 300_000).max(BATCH) / BATCH * BATCH;
    let clients = env_usize("BENCH_CLIENTS", 8).max(1);
    let run = TestRun::new("bench-ingest");
    run.create_playback_topics().await;
    let users: Vec<Uuid> = (0..1_000).map(|_| Uuid::new_v4()).collect();

    let payloads = avro_payloads(events, &users);
    let payload_bytes = payloads.iter().map(|(_, p)| p.len()).sum::<usize>() / events;
    // The reference the gateway is held to runs first, on an empty topic of
    // its own with a producer warmed by one record: exactly the gateway's
    // start below, so the ratio compares like with like.
    eprintln!(
        "reference: raw producer in the gateway's shape, {clients} senders, a fresh topic ..."
    );
    let reference_run = TestRun::new("bench-ingest-reference");
    reference_run.create_playback_topics().await;
    let reference = raw_producer_shaped(&reference_run, &payloads, clients).await;
    reference_run.cleanup().await;
    let raw_rate = reference.rate;

    eprintln!("ceiling: raw producer pipelined, {events} events ...");
    // A broker that has just started, or a topic just created, runs at half
    // speed for its first second or so (the JVM is still compiling): the
    // figures are taken from the second pass, the first only warms up.
    raw_producer(&run, &payloads).await;
    let ceiling = raw_producer(&run, &payloads).await;

    let paced_rate = raw_rate * THROUGHPUT_TARGET;
    eprintln!("reference paced at {paced_rate:.0} events/s in groups of {BATCH} ...");
    let raw_paced = raw_producer_paced(&run, payloads, paced_rate).await;
    run.cleanup().await;

    // A topic of its own, empty like the references' were when they started,
    // not holding the 1.2 million events they left.
    let run = TestRun::new("bench-ingest-gateway");
    run.create_playback_topics().await;
    let gateway = run.start_gateway().await;
    let url = gateway.url("/v1/events/playback");
    // One listener per client, as real traffic comes from many accounts.
    let api = encore_tests::api::Api::new(&gateway);
    let mut tokens = Vec::with_capacity(clients);
    for n in 0..clients {
        tokens.push(
            encore_tests::api::register(&api, &format!("bench{n}"))
                .await
                .access_token,
        );
    }
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(clients * 2)
        .build()
        .expect("an HTTP client");
    // As with the references' producers, each client's connection and the
    // gateway's producer are up before the clock starts.
    for (n, token) in tokens.iter().enumerate() {
        let warm_up = json!({ "events": [event_json(users[n], usize::MAX - n)] });
        let body = serde_json::to_vec(&warm_up).expect("json");
        let (_, ok) = post(&client, &url, token, body).await;
        assert!(ok, "the gateway accepts a warm-up batch");
    }

    let bodies = json_bodies(events, &users);
    eprintln!("gateway saturated: {events} events in batches of {BATCH}, {clients} clients ...");
    let saturated = saturated(&client, &url, bodies, &tokens).await;

    let bodies = json_bodies(events, &users);
    eprintln!("gateway paced at {paced_rate:.0} events/s ...");
    let paced = paced(&client, &url, bodies, &tokens, paced_rate).await;
    gateway.stop().await;
    run.cleanup().await;

    let ratio = saturated.rate / raw_rate;
    let figure = |o: &Outcome| {
        let mut figure = format!(
            "{} events/s, p50 {}, p99 {}",
            thousands(o.rate),
            ms(o.p50_ms),
            ms(o.p99_ms)
        );
        if o.failed > 0 {
            figure.push_str(&format!(", {} batches not accepted", o.failed));
        }
        figure
    };
    vec![
        Row::info(
            format!(
                "ingest ceiling: raw rdkafka producer, pipelined ({} events, 10,000 in flight, Avro ~{payload_bytes} B each)",
                thousands(events as f64)
            ),
            format!("{} events/s", thousands(ceiling)),
        ),
        Row::info(
            format!(
                "ingest reference: raw rdkafka producer in the gateway's shape, {clients} senders each sending {BATCH} and awaiting their acks (acks=all), on a fresh topic as the gateway's"
            ),
            figure(&reference),
        ),
        Row::info(
            format!(
                "ingest latency reference: that producer paced at {THROUGHPUT_TARGET:.2} x reference, groups of {BATCH} acked"
            ),
            figure(&raw_paced),
        )
        .ratio(raw_paced.rate / raw_rate),
        Row::info(
            format!("gateway ingest: POST batches of {BATCH}, {clients} clients, saturated"),
            figure(&saturated),
        )
        .ratio(ratio)
        .target(
            format!(">= {SATURATED_TARGET:.2} x the reference's events/s (same shape, fresh topic)"),
            ratio >= SATURATED_TARGET && saturated.failed == 0,
        ),
        Row::info(
            format!(
                "gateway ingest paced at {THROUGHPUT_TARGET:.2} x reference ({} events/s offered)",
                thousands(paced_rate)
            ),
            figure(&paced),
        )
        .ratio(paced.rate / raw_rate)
        .target(
            format!("p99 < {P99_TARGET_MS:.0} ms at that rate"),
            paced.p99_ms < P99_TARGET_MS && paced.failed == 0,
        ),
    ]
}

/// An event as a client sends it; the gateway takes the user from the token.
pub(crate) fn event_json(user: Uuid, n: usize) -> Value {
    let kinds = ["start", "progress", "pause", "resume", "skip", "complete"];
    json!({
        "event_id": Uuid::new_v4(),
        "track_id": Uuid::from_u128(1 + (n % 5_000) as u128),
        "session_id": user,
        "kind": kinds[n % kinds.len()],
        "position_ms": (n % 180) * 1_000,
        "track_duration_ms": 180_000,
        "occurred_at": encore_common::now_millis() - 1_000,
        "client": {"app": "encore-android", "version": "4.2.0"},
        "device": {"id": "device-1", "platform": "android"},
        "context": {"kind": "playlist", "id": "pl-1"}
    })
}

fn avro_payloads(events: usize, users: &[Uuid]) -> Vec<(String, Vec<u8>)> {
    let now = encore_common::now_millis();
    (0..events)
        .map(|n| {
            let user = users[n % users.len()];
            let mut value = event_json(user, n);
            value["user_id"] = json!(user);
            value["received_at"] = json!(now);
            value["occurred_at"] = json!(now - 1_000);
            let event: PlaybackEvent = serde_json::from_value(value).expect("a playback event");
            (user.to_string(), encode(&event).expect("encodes"))
        })
        .collect()
}

fn json_bodies(events: usize, users: &[Uuid]) -> Vec<Vec<u8>> {
    (0..events / BATCH)
        .map(|b| {
            let batch: Vec<Value> = (0..BATCH)
                .map(|i| {
                    let n = b * BATCH + i;
                    event_json(users[n % users.len()], n)
                })
                .collect();
            serde_json::to_vec(&json!({ "events": batch })).expect("json")
        })
        .collect()
}

/// Keyed Avro records, as the gateway sends them.
type Payloads = Vec<(String, Vec<u8>)>;

/// A producer that has sent one record, so that its connections, metadata
/// and idempotent producer id are set up before any clock starts.
async fn ready_producer(run: &TestRun, (key, payload): &(String, Vec<u8>)) -> kafka::Producer {
    let producer = kafka::producer(&run.kafka).expect("a producer");
    let topic = run.playback_topic();
    let record = FutureRecord::<str, [u8]>::to(&topic)
        .key(key)
        .payload(payload);
    producer
        .send(record, Duration::from_secs(30))
        .await
        .map_err(|(e, _)| e)
        .expect("the warm-up record acknowledged");
    producer
}

/// Events/s acknowledged by the broker, with a sliding window of sends in flight.
async fn raw_producer(run: &TestRun, payloads: &[(String, Vec<u8>)]) -> f64 {
    const WINDOW: usize = 10_000;
    let producer = ready_producer(run, &payloads[0]).await;
    let topic = run.playback_topic();
    let started = Instant::now();
    let mut in_flight = VecDeque::with_capacity(WINDOW);
    for (key, payload) in payloads {
        if in_flight.len() >= WINDOW {
            let delivery: rdkafka::producer::DeliveryFuture =
                in_flight.pop_front().expect("non-empty");
            delivery
                .await
                .expect("not cancelled")
                .expect("acknowledged");
        }
        let record = FutureRecord::<str, [u8]>::to(&topic)
            .key(key)
            .payload(payload);
        in_flight.push_back(
            producer
                .send_result(record)
                .map_err(|(e, _)| e)
                .expect("queued"),
        );
    }
    for delivery in in_flight {
        delivery
            .await
            .expect("not cancelled")
            .expect("acknowledged");
    }
    payloads.len() as f64 / started.elapsed().as_secs_f64()
}

/// Closed loop like [`saturated`], without HTTP: `senders` tasks share one
/// producer, and each sends the next `BATCH` records and waits until the
/// broker acknowledged all of them, as the gateway does for each request.
async fn raw_producer_shaped(
    run: &TestRun,
    payloads: &[(String, Vec<u8>)],
    senders: usize,
) -> Outcome {
    let producer = ready_producer(run, &payloads[0]).await;
    let topic: Arc<str> = run.playback_topic().into();
    let groups: Arc<[Payloads]> = payloads.chunks(BATCH).map(<[_]>::to_vec).collect();
    let next = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let workers: Vec<_> = (0..senders)
        .map(|_| {
            let (producer, topic, groups, next) = (
                producer.clone(),
                topic.clone(),
                groups.clone(),
                next.clone(),
            );
            tokio::spawn(async move {
                let mut seen = Vec::new();
                while let Some(group) = groups.get(next.fetch_add(1, Ordering::Relaxed)) {
                    seen.push(send_group(&producer, &topic, group).await);
                }
                seen
            })
        })
        .collect();
    let mut results = Vec::with_capacity(groups.len());
    for worker in workers {
        results.extend(worker.await.expect("a worker"));
    }
    let elapsed = started.elapsed();
    let failed = results.iter().filter(|(_, ok)| !ok).count();
    outcome(
        groups.len() * BATCH,
        elapsed,
        results.into_iter().map(|(d, _)| d).collect(),
        failed,
    )
}

/// Sends one group and waits for every acknowledgement: how long, and whether all landed.
async fn send_group(
    producer: &kafka::Producer,
    topic: &str,
    group: &[(String, Vec<u8>)],
) -> (Duration, bool) {
    let sent = Instant::now();
    let deliveries: Vec<_> = group
        .iter()
        .map(|(key, payload)| {
            let record = FutureRecord::<str, [u8]>::to(topic)
                .key(key)
                .payload(payload);
            producer.send_result(record).map_err(|(e, _)| e)
        })
        .collect();
    let mut ok = true;
    for delivery in deliveries {
        ok &= match delivery {
            Ok(delivery) => matches!(delivery.await, Ok(Ok(_))),
            Err(_) => false,
        };
    }
    (sent.elapsed(), ok)
}

/// Open loop like [`paced`], without HTTP: every tick sends the next
/// `BATCH` records and times how long until the broker acknowledged all of them.
async fn raw_producer_paced(run: &TestRun, payloads: Vec<(String, Vec<u8>)>, rate: f64) -> Outcome {
    let producer = ready_producer(run, &payloads[0]).await;
    let topic: Arc<str> = run.playback_topic().into();
    let groups: Vec<Vec<(String, Vec<u8>)>> = payloads.chunks(BATCH).map(<[_]>::to_vec).collect();
    let count = groups.len();
    let mut ticks = tokio::time::interval(Duration::from_secs_f64(BATCH as f64 / rate));
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Burst);
    let started = Instant::now();
    let mut groups_in_flight = Vec::with_capacity(count);
    for group in groups {
        ticks.tick().await;
        let (producer, topic) = (producer.clone(), topic.clone());
        groups_in_flight.push(tokio::spawn(async move {
            send_group(&producer, &topic, &group).await
        }));
    }
    let mut results = Vec::with_capacity(count);
    for group in groups_in_flight {
        results.push(group.await.expect("a group"));
    }
    let elapsed = started.elapsed();
    let failed = results.iter().filter(|(_, ok)| !ok).count();
    outcome(
        count * BATCH,
        elapsed,
        results.into_iter().map(|(d, _)| d).collect(),
        failed,
    )
}

struct Outcome {
    rate: f64,
    p50_ms: f64,
    p99_ms: f64,
    failed: usize,
}

fn outcome(
    events: usize,
    elapsed: Duration,
    mut latencies: Vec<Duration>,
    failed: usize,
) -> Outcome {
    latencies.sort();
    let pct = |p: f64| {
        let i = ((latencies.len() as f64 * p).ceil() as usize).clamp(1, latencies.len()) - 1;
        latencies[i].as_secs_f64() * 1_000.0
    };
    Outcome {
        rate: events as f64 / elapsed.as_secs_f64(),
        p50_ms: pct(0.50),
        p99_ms: pct(0.99),
        failed,
    }
}

async fn post(client: &reqwest::Client, url: &str, token: &str, body: Vec<u8>) -> (Duration, bool) {
    let started = Instant::now();
    let ok = match client
        .post(url)
        .bearer_auth(token)
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await
    {
        Ok(response) => response.status() == 202,
        Err(_) => false,
    };
    (started.elapsed(), ok)
}

/// Closed loop: one worker per token, each post the next batch as soon as the last was answered.
async fn saturated(
    client: &reqwest::Client,
    url: &str,
    bodies: Vec<Vec<u8>>,
    tokens: &[String],
) -> Outcome {
    let count = bodies.len();
    let bodies = Arc::new(bodies);
    let next = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let workers: Vec<_> = tokens
        .iter()
        .map(|token| {
            let token = token.clone();
            let (client, url, bodies, next) = (
                client.clone(),
                url.to_string(),
                bodies.clone(),
                next.clone(),
            );
            tokio::spawn(async move {
                let mut seen = Vec::new();
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(body) = bodies.get(i) else { break };
                    seen.push(post(&client, &url, &token, body.clone()).await);
                }
                seen
            })
        })
        .collect();
    let mut results = Vec::with_capacity(count);
    for worker in workers {
        results.extend(worker.await.expect("a worker"));
    }
    let elapsed = started.elapsed();
    let failed = results.iter().filter(|(_, ok)| !ok).count();
    outcome(
        count * BATCH,
        elapsed,
        results.into_iter().map(|(d, _)| d).collect(),
        failed,
    )
}

/// Open loop: one batch every `BATCH / rate` seconds whether or not earlier ones were answered.
async fn paced(
    client: &reqwest::Client,
    url: &str,
    bodies: Vec<Vec<u8>>,
    tokens: &[String],
    rate: f64,
) -> Outcome {
    let count = bodies.len();
    let mut ticks = tokio::time::interval(Duration::from_secs_f64(BATCH as f64 / rate));
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Burst);
    let started = Instant::now();
    let mut requests = Vec::with_capacity(count);
    for (n, body) in bodies.into_iter().enumerate() {
        ticks.tick().await;
        let (client, url) = (client.clone(), url.to_string());
        let token = tokens[n % tokens.len()].clone();
        requests.push(tokio::spawn(async move {
            post(&client, &url, &token, body).await
        }));
    }
    let mut results = Vec::with_capacity(count);
    for request in requests {
        results.push(request.await.expect("a request"));
    }
    let elapsed = started.elapsed();
    let failed = results.iter().filter(|(_, ok)| !ok).count();
    outcome(
        count * BATCH,
        elapsed,
        results.into_iter().map(|(d, _)| d).collect(),
        failed,
    )
}
