//! Event → visible in the hourly aggregate, at sustained rates.
//!
//! The `freshness` section of the load bench. The ETL runs with its default
//! batch settings. Events
//! are produced to `playback-events` at a steady rate (1,000 and then 10,000
//! per second, `BENCH_SECONDS` each, default 60); every 100 ms one of them is a
//! marker, a start of a track nothing else plays. A poller reads
//! `track_hourly_state` (the cells `track_hourly` merges) every 50 ms and
//! times each marker from its send to its
//! row appearing; a side consumer times the same markers until they are
//! readable from the topic, the broker's share. Traffic comes from 50,000 listeners over 5,000 tracks, a
//! realistic mix (a listener sends an event every few seconds at most).
//! Also reported: the rate actually achieved; the target holds only where
//! it was sustained (at least 95% of the offered rate).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use encore_common::kafka;
use encore_schemas::{
    encode, Client, ContextKind, Device, PlaybackContext, PlaybackEvent, PlaybackKind,
};
use encore_tests::TestRun;
use rdkafka::producer::{DeliveryFuture, FutureRecord};
use uuid::Uuid;

use crate::{env_usize, ms, percentile_ms, thousands, Row};

const TARGET_P99_MS: f64 = 2_000.0;
/// The share of the offered rate that counts as sustaining it.
const SUSTAINED: f64 = 0.95;

/// Runs the ETL and both rates; the rows of the table.
pub(crate) async fn measure() -> Vec<Row> {
    let seconds = env_usize("BENCH_SECONDS", 60).max(1) as u64;
    let run = TestRun::new("bench-fresh");
    let (config, etl) = start_etl(&run).await;
    let mut measured = Vec::new();
    for rate in [1_000u64, 10_000] {
        eprintln!("{rate} events/s for {seconds} s ...");
        measured.push((rate, measure_rate(&run, rate, seconds).await));
    }
    etl.stop().await;
    run.cleanup().await;
    measured
        .into_iter()
        .map(|(rate, m)| {
            Row::info(
                format!(
                    "event → visible in track_hourly at {} events/s offered for {seconds} s (ETL batches of up to {} records or {} ms)",
                    thousands(rate as f64),
                    thousands(config.batch_size as f64),
                    config.batch_wait.as_millis()
                ),
                format!(
                    "{} events/s achieved, {} markers{}: p50 {}, p99 {} (of which send → readable from the broker: p50 {}, p99 {})",
                    thousands(m.achieved),
                    m.markers,
                    m.losses(),
                    ms(m.p50_ms),
                    ms(m.p99_ms),
                    ms(m.transit_p50_ms),
                    ms(m.transit_p99_ms)
                ),
            )
            .target(
                format!(
                    "p99 < {} ms, >= {:.0}% of the rate achieved",
                    thousands(TARGET_P99_MS),
                    SUSTAINED * 100.0
                ),
                m.held(rate),
            )
        })
        .collect()
}

/// The run's playback topics, and an ETL with its default batches (the
/// features job out of the way) reading them.
async fn start_etl(run: &TestRun) -> (encore_etl::EtlConfig, encore_tests::Service) {
    run.create_playback_topics().await;
    let mut config = run.etl_config();
    let defaults = encore_etl::EtlConfig::from_env().expect("ETL settings");
    config.batch_size = defaults.batch_size;
    config.batch_wait = defaults.batch_wait;
    config.features.interval = Duration::from_secs(3_600);
    let etl = run.start_etl(config.clone()).await;
    (config, etl)
}

/// The capacity row: rising rates (`BENCH_CAPACITY_RATES`), each for
/// `BENCH_SECONDS`, until one is not sustained with freshness p99 < 2 s; the
/// highest that was is the stack's capacity.
pub(crate) async fn capacity() -> Vec<Row> {
    let seconds = env_usize("BENCH_SECONDS", 60).max(1) as u64;
    let rates: Vec<u64> = std::env::var("BENCH_CAPACITY_RATES")
        .unwrap_or_else(|_| "20000,30000,40000,50000".into())
        .split(',')
        .filter_map(|r| r.trim().parse().ok())
        .collect();
    let run = TestRun::new("bench-capacity");
    let (_, etl) = start_etl(&run).await;
    let mut sustained: Option<u64> = None;
    let mut tried = Vec::new();
    for rate in rates {
        eprintln!("capacity: {rate} events/s for {seconds} s ...");
        let m = measure_rate(&run, rate, seconds).await;
        let held = m.held(rate);
        tried.push(format!(
            "{}: {} achieved, p99 {}{}{}",
            thousands(rate as f64),
            thousands(m.achieved),
            ms(m.p99_ms),
            m.losses(),
            if held { "" } else { " (not sustained)" }
        ));
        if !held {
            break;
        }
        sustained = Some(rate);
    }
    etl.stop().await;
    run.cleanup().await;
    let target = 30_000;
    vec![Row::info(
        format!(
            "capacity: the highest playback rate sustained for {seconds} s with event → track_hourly p99 < 2 s (rates tried in turn)"
        ),
        format!(
            "{} events/s ({})",
            sustained.map_or("none".into(), |r| thousands(r as f64)),
            tried.join("; ")
        ),
    )
    .target(
        format!("≥ {} events/s", thousands(target as f64)),
        sustained.is_some_and(|r| r >= target),
    )]
}

struct Measured {
    /// Events the broker acknowledged, per second of the run.
    achieved: f64,
    /// Sends the producer refused or the broker failed: a run with any is
    /// not a measurement of the rate it offered.
    failed: u64,
    markers: usize,
    /// Markers still not visible 30 s after the last send.
    lost: usize,
    p50_ms: f64,
    p99_ms: f64,
    transit_p50_ms: f64,
    transit_p99_ms: f64,
}

impl Measured {
    /// Whether `rate` was sustained: acknowledged at pace, nothing failed,
    /// every marker visible, and the p99 within the target.
    fn held(&self, rate: u64) -> bool {
        self.achieved >= rate as f64 * SUSTAINED
            && self.failed == 0
            && self.p99_ms < TARGET_P99_MS
            && self.markers > 0
            && self.lost == 0
    }

    /// What went missing, for the figure: nothing when all is well.
    fn losses(&self) -> String {
        let mut said = Vec::new();
        if self.failed > 0 {
            said.push(format!("{} sends failed", self.failed));
        }
        if self.lost > 0 {
            said.push(format!("{} markers never visible", self.lost));
        }
        if said.is_empty() {
            String::new()
        } else {
            format!(" ({})", said.join(", "))
        }
    }
}

/// Waits for every delivery in flight, counting what the broker
/// acknowledged and what failed.
async fn settle(in_flight: &mut Vec<DeliveryFuture>, acknowledged: &mut u64, failed: &mut u64) {
    for delivery in in_flight.drain(..) {
        match delivery.await {
            Ok(Ok(_)) => *acknowledged += 1,
            _ => *failed += 1,
        }
    }
}

pub(crate) fn event(user: Uuid, track: Uuid, kind: PlaybackKind) -> PlaybackEvent {
    let now = encore_common::now_millis();
    PlaybackEvent {
        event_id: Uuid::new_v4(),
        user_id: user,
        track_id: track,
        session_id: user,
        kind,
        position_ms: 30_000,
        track_duration_ms: 200_000,
        occurred_at: now,
        received_at: now,
        client: Client {
            app: "bench".into(),
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
    }
}

async fn measure_rate(run: &TestRun, rate: u64, seconds: u64) -> Measured {
    let producer = kafka::producer(&run.kafka).expect("a producer");
    let topic = run.playback_topic();
    let users: Vec<Uuid> = (0..50_000).map(|_| Uuid::new_v4()).collect();
    let tracks: Vec<Uuid> = (0..5_000).map(|_| Uuid::new_v4()).collect();
    let pending: Arc<Mutex<HashMap<Uuid, Instant>>> = Arc::default();
    let latencies: Arc<Mutex<Vec<Duration>>> = Arc::default();
    let transits: Arc<Mutex<Vec<Duration>>> = Arc::default();
    let done = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let watcher = tokio::spawn(watch_topic(
        run.kafka.clone(),
        topic.clone(),
        pending.clone(),
        transits.clone(),
        done.clone(),
    ));
    // The watcher joins its group before the first marker is sent.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let poller = tokio::spawn(poll_markers(
        run.clickhouse(),
        pending.clone(),
        latencies.clone(),
        done.clone(),
    ));

    let per_tick = (rate / 100).max(1);
    let mut ticks = tokio::time::interval(Duration::from_millis(10));
    let started = Instant::now();
    let (mut acknowledged, mut failed) = (0u64, 0u64);
    let mut in_flight = Vec::new();
    let mut n = 0usize;
    while started.elapsed() < Duration::from_secs(seconds) {
        ticks.tick().await;
        for i in 0..per_tick {
            n += 1;
            let marker = i == 0 && n % (10 * per_tick as usize) < per_tick as usize;
            let (user, track, kind) = if marker {
                (users[n % users.len()], Uuid::new_v4(), PlaybackKind::Start)
            } else {
                let kinds = [
                    PlaybackKind::Start,
                    PlaybackKind::Progress,
                    PlaybackKind::Complete,
                ];
                (
                    users[n % users.len()],
                    tracks[(n * 7) % tracks.len()],
                    kinds[n % 3],
                )
            };
            let payload = encode(&event(user, track, kind)).expect("encodes");
            let key = user.to_string();
            let record = FutureRecord::<str, [u8]>::to(&topic)
                .key(&key)
                .payload(&payload);
            match producer.send_result(record) {
                Ok(delivery) => in_flight.push(delivery),
                Err(_) => {
                    failed += 1;
                    continue;
                }
            }
            if marker {
                if let Ok(mut p) = pending.lock() {
                    p.insert(track, Instant::now());
                }
            }
        }
        if in_flight.len() > 20_000 {
            settle(&mut in_flight, &mut acknowledged, &mut failed).await;
        }
    }
    settle(&mut in_flight, &mut acknowledged, &mut failed).await;
    let achieved = acknowledged as f64 / started.elapsed().as_secs_f64();
    // Give the last markers time to land, then stop the poller.
    let deadline = Instant::now() + Duration::from_secs(30);
    while pending.lock().map(|p| !p.is_empty()).unwrap_or(false) && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let lost = pending.lock().map(|p| p.len()).unwrap_or(0);
    done.store(true, std::sync::atomic::Ordering::Relaxed);
    let _ = poller.await;
    let _ = watcher.await;
    let latencies = sorted(&latencies);
    let transits = sorted(&transits);
    Measured {
        achieved,
        failed,
        markers: latencies.len(),
        lost,
        p50_ms: percentile_ms(&latencies, 0.5),
        p99_ms: percentile_ms(&latencies, 0.99),
        transit_p50_ms: percentile_ms(&transits, 0.5),
        transit_p99_ms: percentile_ms(&transits, 0.99),
    }
}

fn sorted(values: &Mutex<Vec<Duration>>) -> Vec<Duration> {
    let mut values = values.lock().map(|v| v.clone()).unwrap_or_default();
    values.sort();
    values
}

/// Times each marker from its send until any consumer can read it: the part
/// of the latency the broker accounts for.
async fn watch_topic(
    kafka: encore_common::KafkaConfig,
    topic: String,
    pending: Arc<Mutex<HashMap<Uuid, Instant>>>,
    transits: Arc<Mutex<Vec<Duration>>>,
    done: Arc<std::sync::atomic::AtomicBool>,
) {
    use rdkafka::consumer::Consumer;
    use rdkafka::message::Message;
    let Ok(consumer) = kafka::consumer(&kafka, &format!("bench-watch-{}", Uuid::new_v4())) else {
        return;
    };
    if consumer.subscribe(&[&topic]).is_err() {
        return;
    }
    let mut seen = std::collections::HashSet::new();
    while !done.load(std::sync::atomic::Ordering::Relaxed) {
        let Ok(Ok(message)) =
            tokio::time::timeout(Duration::from_millis(200), consumer.recv()).await
        else {
            continue;
        };
        let Some(event) = message
            .payload()
            .and_then(|b| encore_schemas::decode::<PlaybackEvent>(b).ok())
        else {
            continue;
        };
        let sent = pending
            .lock()
            .ok()
            .and_then(|p| p.get(&event.track_id).copied());
        if let Some(sent) = sent {
            if seen.insert(event.track_id) {
                if let Ok(mut t) = transits.lock() {
                    t.push(sent.elapsed());
                }
            }
        }
    }
}

async fn poll_markers(
    db: clickhouse::Client,
    pending: Arc<Mutex<HashMap<Uuid, Instant>>>,
    latencies: Arc<Mutex<Vec<Duration>>>,
    done: Arc<std::sync::atomic::AtomicBool>,
) {
    while !done.load(std::sync::atomic::Ordering::Relaxed) {
        let waiting: Vec<String> = pending
            .lock()
            .map(|p| p.keys().map(Uuid::to_string).collect())
            .unwrap_or_default();
        if !waiting.is_empty() {
            let seen: Vec<String> = db
                .query(
                    "SELECT toString(track_id) FROM track_hourly_state \
                     WHERE track_id IN (SELECT toUUID(arrayJoin(?))) \
                     GROUP BY track_id HAVING uniqExactIfMerge(plays_state) > 0",
                )
                .bind(&waiting)
                .fetch_all()
                .await
                .unwrap_or_default();
            let now = Instant::now();
            if let (Ok(mut p), Ok(mut l)) = (pending.lock(), latencies.lock()) {
                for track in seen {
                    if let Some(sent) = track.parse().ok().and_then(|t: Uuid| p.remove(&t)) {
                        l.push(now - sent);
                    }
                }
            }
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
