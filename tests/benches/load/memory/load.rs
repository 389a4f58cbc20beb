//! The steady load the services are measured under: playback batches
//! through the gateway and catalog changes straight to the topics.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use encore_common::{fixtures, kafka};
use serde_json::{json, Value};
use uuid::Uuid;

use super::BATCH;

/// Open loop: one batch of `BATCH` events every `BATCH / rate` seconds, round
/// robin over the listeners, until `deadline`; then waits for the answers.
pub(super) async fn playback_load(
    client: reqwest::Client,
    url: String,
    tokens: Vec<String>,
    rate: usize,
    deadline: Instant,
    accepted: Arc<AtomicUsize>,
    refused: Arc<AtomicUsize>,
) {
    let mut ticks = tokio::time::interval(Duration::from_secs_f64(BATCH as f64 / rate as f64));
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Burst);
    let mut requests = Vec::new();
    let mut n = 0usize;
    while Instant::now() < deadline {
        ticks.tick().await;
        let events: Vec<Value> = (0..BATCH)
            .map(|i| crate::ingest::event_json(Uuid::new_v4(), n * BATCH + i))
            .collect();
        let body = serde_json::to_vec(&json!({ "events": events })).expect("json");
        let token = tokens[n % tokens.len()].clone();
        let (client, url) = (client.clone(), url.clone());
        let (accepted, refused) = (accepted.clone(), refused.clone());
        requests.push(tokio::spawn(async move {
            let answer = client
                .post(&url)
                .bearer_auth(token)
                .header("content-type", "application/json")
                .body(body)
                .send()
                .await;
            match answer {
                Ok(answer) if answer.status() == 202 => {
                    accepted.fetch_add(BATCH, Ordering::Relaxed);
                }
                _ => {
                    refused.fetch_add(1, Ordering::Relaxed);
                }
            }
        }));
        n += 1;
    }
    for request in requests {
        let _ = request.await;
    }
}

/// Produces `rate` of `records` every second until `deadline` (or until
/// they run out); returns how many were acknowledged.
pub(super) async fn catalog_load(
    kafka: encore_common::KafkaConfig,
    records: Vec<fixtures::FixtureRecord>,
    rate: usize,
    deadline: Instant,
) -> usize {
    if rate == 0 {
        return 0;
    }
    let producer = kafka::producer(&kafka).expect("a producer");
    let topics = kafka.topics();
    let mut ticks = tokio::time::interval(Duration::from_secs(1));
    let mut produced = 0;
    for slice in records.chunks(rate) {
        ticks.tick().await;
        if Instant::now() >= deadline {
            break;
        }
        produced += fixtures::replay(&producer, &topics, slice)
            .await
            .expect("producing catalog changes");
    }
    produced
}
