//! Listening load on one gateway: clients posting batches of playback
//! events, each batch retried (same event ids) until it is acknowledged, as
//! a real client would; what they saw is the report.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use tokio::task::JoinHandle;
use uuid::Uuid;

/// Events per batch, and the pause between one client's batches.
const BATCH: usize = 10;
const PAUSE: Duration = Duration::from_millis(100);
/// A batch that is still refused after this long has failed for good.
const GIVE_UP: Duration = Duration::from_secs(60);

pub(crate) struct Load {
    stop: Arc<AtomicBool>,
    clients: Vec<JoinHandle<Client>>,
    started: Instant,
}

/// What one client saw.
#[derive(Default)]
struct Client {
    acked: usize,
    requests: usize,
    retries: usize,
    failed: usize,
    /// When each batch was acknowledged, since the start.
    acks: Vec<Duration>,
}

/// What all clients saw.
pub(crate) struct Report {
    pub(crate) acked: usize,
    pub(crate) requests: usize,
    pub(crate) retries: usize,
    pub(crate) failed: usize,
    pub(crate) longest_gap: Duration,
    pub(crate) seconds: f64,
}

impl Report {
    pub(crate) fn print(&self, fault: &str) {
        println!(
            "{fault}: {} events acknowledged in {:.0} s, {} requests, {} retried, {} failed after retries, longest gap between acknowledgements {:.2} s",
            self.acked,
            self.seconds,
            self.requests,
            self.retries,
            self.failed,
            self.longest_gap.as_secs_f64()
        );
    }
}

impl Load {
    pub(crate) fn start(base: String, token: String, user: Uuid, clients: usize) -> Load {
        let stop = Arc::new(AtomicBool::new(false));
        let started = Instant::now();
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(15))
            .build()
            .expect("an HTTP client");
        let clients = (0..clients)
            .map(|_| {
                let (http, base, token, stop) =
                    (http.clone(), base.clone(), token.clone(), stop.clone());
                tokio::spawn(async move { client(http, base, token, user, stop, started).await })
            })
            .collect();
        Load {
            stop,
            clients,
            started,
        }
    }

    pub(crate) async fn stop(self) -> Report {
        self.stop.store(true, Ordering::Relaxed);
        let mut all = Client::default();
        for client in self.clients {
            let seen = client.await.expect("a load client panicked");
            all.acked += seen.acked;
            all.requests += seen.requests;
            all.retries += seen.retries;
            all.failed += seen.failed;
            all.acks.extend(seen.acks);
        }
        all.acks.sort();
        let longest_gap = all
            .acks
            .windows(2)
            .map(|w| w[1] - w[0])
            .max()
            .unwrap_or_default();
        Report {
            acked: all.acked,
            requests: all.requests,
            retries: all.retries,
            failed: all.failed,
            longest_gap,
            seconds: self.started.elapsed().as_secs_f64(),
        }
    }
}

async fn client(
    http: reqwest::Client,
    base: String,
    token: String,
    user: Uuid,
    stop: Arc<AtomicBool>,
    started: Instant,
) -> Client {
    let mut seen = Client::default();
    let mut n: u32 = 0;
    while !stop.load(Ordering::Relaxed) {
        let events: Vec<Value> = (0..BATCH)
            .map(|_| {
                n += 1;
                event(n, user)
            })
            .collect();
        let body = json!({ "events": events });
        let first = Instant::now();
        loop {
            seen.requests += 1;
            let answer = http
                .post(format!("{base}/v1/events/playback"))
                .bearer_auth(&token)
                .json(&body)
                .send()
                .await;
            match answer {
                Ok(a) if a.status().is_success() => {
                    seen.acked += BATCH;
                    seen.acks.push(started.elapsed());
                    break;
                }
                Ok(a) if a.status().is_client_error() => {
                    let status = a.status();
                    let why = a.text().await.unwrap_or_default();
                    panic!("the gateway refused a valid batch: {status} {why}")
                }
                _ if first.elapsed() > GIVE_UP => {
                    seen.failed += 1;
                    break;
                }
                _ => {
                    seen.retries += 1;
                    tokio::time::sleep(Duration::from_millis(250)).await;
                }
            }
        }
        tokio::time::sleep(PAUSE).await;
    }
    seen
}

/// A playback event of `user`, one of a few tracks, a minute ago.
fn event(n: u32, user: Uuid) -> Value {
    let kind = ["start", "progress", "complete"][(n % 3) as usize];
    json!({
        "event_id": Uuid::new_v4(),
        "user_id": user,
        "track_id": Uuid::from_u128(2_000 + u128::from(n % 11)),
        "session_id": Uuid::from_u128((1 << 64) | u128::from(n / 3)),
        "kind": kind,
        "position_ms": if kind == "start" { 0 } else { 120_000 },
        "track_duration_ms": 180_000,
        "occurred_at": encore_common::now_millis() - 60_000,
        "client": {"app": "encore-cluster-load", "version": "0.1"},
        "device": {"id": "dev-1", "platform": "web"},
        "context": {"kind": "playlist", "id": "pl-1"}
    })
}
