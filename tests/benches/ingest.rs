//! Gateway playback ingest beside a raw librdkafka producer on the same broker.
//!
//! `bash scripts/stack bench` (or `cargo bench -p encore-tests --bench ingest`
//! with the stack up). Four measurements, one table:
//!
//! 1. reference: a raw rdkafka producer (idempotent, acks=all, the settings
//!    every Encore producer uses) sending the same Avro payloads as fast as the
//!    broker acknowledges them;
//! 2. the raw producer paced at half that rate in groups of 100, each group
//!    timed until fully acknowledged: the broker's own latency at the target
//!    rate, the floor under the gateway's;
//! 3. the gateway saturated: `POST /v1/events/playback` batches of 100 from
//!    concurrent clients, events/s and request latency;
//! 4. the gateway paced at half the reference rate (the brief's throughput
//!    target), open loop, to read p99 latency at that rate.
//!
//! `BENCH_EVENTS` (default 100000) sets the events per measurement and
//! `BENCH_CLIENTS` (default 8) the concurrent HTTP clients.

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

const BATCH: usize = 100;
const THROUGHPUT_TARGET: f64 = 0.5;
const P99_TARGET_MS: f64 = 50.0;

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    runtime.block_on(bench());
}

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

async fn bench() {
    let events = env_usize("BENCH_EVENTS", 100_000).max(BATCH) / BATCH * BATCH;
    let clients = env_usize("BENCH_CLIENTS", 8).max(1);
    let run = TestRun::new("bench-ingest");
    run.create_playback_topics().await;
    let users: Vec<Uuid> = (0..1_000).map(|_| Uuid::new_v4()).collect();

    eprintln!("reference: raw producer, {events} events ...");
    let payloads = avro_payloads(events, &users);
    let payload_bytes = payloads.iter().map(|(_, p)| p.len()).sum::<usize>() / events;
    let raw_rate = raw_producer(&run, &payloads).await;
    let payloads = avro_payloads(events, &users);

    let paced_rate = raw_rate * THROUGHPUT_TARGET;
    eprintln!("reference paced at {paced_rate:.0} events/s in groups of {BATCH} ...");
    let raw_paced = raw_producer_paced(&run, payloads, paced_rate).await;

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

    eprintln!("gateway saturated: {events} events in batches of {BATCH}, {clients} clients ...");
    let bodies = json_bodies(events, &users);
    let saturated = saturated(&client, &url, bodies, &tokens).await;

    eprintln!("gateway paced at {paced_rate:.0} events/s ...");
    let bodies = json_bodies(events, &users);
    let paced = paced(&client, &url, bodies, &tokens, paced_rate).await;
    gateway.stop().await;
    let brokers = run.kafka.brokers.clone();
    run.cleanup().await;

    let ratio = saturated.rate / raw_rate;
    println!();
    println!(
        "Gateway playback ingest on {} ({events} events per run, Avro ~{payload_bytes} B each)",
        brokers
    );
    println!("| measurement | events/s | p50 ms | p99 ms | vs reference | target |");
    println!("|---|---:|---:|---:|---:|---|");
    println!(
        "| raw rdkafka producer, idempotent, acks=all (reference) | {raw_rate:.0} | | | 1.00 | |"
    );
    println!(
        "| raw producer paced at {THROUGHPUT_TARGET:.2} x reference, groups of {BATCH} acked (latency reference) | {:.0} | {:.1} | {:.1} | {:.2} | |",
        raw_paced.rate,
        raw_paced.p50_ms,
        raw_paced.p99_ms,
        raw_paced.rate / raw_rate
    );
    println!(
        "| gateway POST batches of {BATCH}, {clients} clients, saturated | {:.0} | {:.1} | {:.1} | {ratio:.2} | >= {THROUGHPUT_TARGET:.2} {} |",
        saturated.rate,
        saturated.p50_ms,
        saturated.p99_ms,
        verdict(ratio >= THROUGHPUT_TARGET)
    );
    println!(
        "| gateway paced at {THROUGHPUT_TARGET:.2} x reference ({paced_rate:.0}/s offered) | {:.0} | {:.1} | {:.1} | {:.2} | p99 < {P99_TARGET_MS:.0} ms {} |",
        paced.rate,
        paced.p50_ms,
        paced.p99_ms,
        paced.rate / raw_rate,
        verdict(paced.p99_ms < P99_TARGET_MS)
    );
    if saturated.failed + paced.failed > 0 {
        println!(
            "non-202 answers: {} saturated, {} paced",
            saturated.failed, paced.failed
        );
    }
}

fn verdict(ok: bool) -> &'static str {
    if ok {
        "(met)"
    } else {
        "(MISSED)"
    }
}

/// An event as a client sends it; the gateway takes the user from the token.
fn event_json(user: Uuid, n: usize) -> Value {
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

/// Events/s acknowledged by the broker, with a sliding window of sends in flight.
async fn raw_producer(run: &TestRun, payloads: &[(String, Vec<u8>)]) -> f64 {
    const WINDOW: usize = 10_000;
    let producer = kafka::producer(&run.kafka).expect("a producer");
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

/// Open loop like [`paced`], without HTTP: every tick sends the next
/// `BATCH` records and times how long until the broker acknowledged all of them.
async fn raw_producer_paced(run: &TestRun, payloads: Vec<(String, Vec<u8>)>, rate: f64) -> Outcome {
    let producer = kafka::producer(&run.kafka).expect("a producer");
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
            let sent = Instant::now();
            let deliveries: Vec<_> = group
                .iter()
                .map(|(key, payload)| {
                    let record = FutureRecord::<str, [u8]>::to(&topic)
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
