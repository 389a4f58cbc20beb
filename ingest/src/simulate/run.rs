//! Runs a simulation: paces the generator's events and hands them to the
//! sinks in batches, reporting the achieved rate as it goes.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::Context;
use encore_common::{fixtures, kafka, KafkaConfig, Topics};
use tokio::task::JoinSet;

use super::{sim_user_id, Generator, Pacer, RateMeter, SimEvent};
use crate::client::{ClientError, Gateway};

/// Events buffered before a flush, and the longest an event waits in the buffer.
const FLUSH_EVENTS: usize = 1_000;
const FLUSH_AFTER: Duration = Duration::from_millis(100);
/// Requests or produce batches in flight at once.
const IN_FLIGHT: usize = 16;

/// A simulated listener's account on the gateway.
pub struct Account {
    pub login: String,
    pub password: String,
    /// Replaced when a fresh login was needed (access tokens expire).
    pub client: Arc<Mutex<Gateway>>,
}

/// Registers (or logs into) `users` simulated listener accounts, a few at a time.
pub async fn accounts(
    gateway_url: &str,
    users: usize,
    password: &str,
) -> anyhow::Result<Vec<Account>> {
    let mut out: Vec<Option<Account>> = (0..users).map(|_| None).collect();
    let mut tasks = JoinSet::new();
    for i in 0..users {
        if tasks.len() >= 4 {
            store(&mut out, tasks.join_next().await)?;
        }
        let (url, password) = (gateway_url.to_string(), password.to_string());
        tasks.spawn(async move {
            let login = format!("sim-{i:04}");
            let client = Gateway::new(&url)
                .register_or_login(&format!("{login}@simulated.encore"), &login, &password)
                .await
                .with_context(|| format!("registering simulated listener {login}"))?;
            Ok::<_, anyhow::Error>((
                i,
                Account {
                    login,
                    password,
                    client: Arc::new(Mutex::new(client)),
                },
            ))
        });
    }
    while let Some(done) = tasks.join_next().await {
        store(&mut out, Some(done))?;
    }
    Ok(out.into_iter().flatten().collect())
}

type Registered = Result<anyhow::Result<(usize, Account)>, tokio::task::JoinError>;

fn store(out: &mut [Option<Account>], done: Option<Registered>) -> anyhow::Result<()> {
    if let Some(done) = done {
        let (i, account) = done??;
        out[i] = Some(account);
    }
    Ok(())
}

/// Where a run's events go.
pub enum Sink {
    /// `POST /v1/events/playback`, as each listener.
    Gateway(Vec<Account>),
    /// Produced to the playback topic, as the gateway would.
    Kafka {
        config: KafkaConfig,
        producer: kafka::Producer,
        topics: Topics,
    },
    /// Nowhere but `--output`.
    Nowhere,
}

impl Sink {
    pub async fn kafka(config: KafkaConfig) -> anyhow::Result<Sink> {
        let topics = config.topics();
        kafka::ensure_topic_with_dlq(&config, &topics.playback_events())
            .await
            .context("creating the playback topic")?;
        let producer = kafka::producer(&config)?;
        Ok(Sink::Kafka {
            config,
            producer,
            topics,
        })
    }
}

pub struct RunOptions {
    pub pacer: Pacer,
    pub seed: u64,
    pub events: Option<u64>,
    pub duration: Option<Duration>,
    /// Stop when the simulated clock passes the wall clock (accelerated runs).
    pub stop_at_now: bool,
    pub report_every: Duration,
    pub output: Option<PathBuf>,
}

#[derive(Debug, Default)]
pub struct RunSummary {
    pub events: u64,
    pub elapsed: Duration,
    pub kinds: BTreeMap<&'static str, u64>,
    pub last_occurred_at: i64,
    pub stopped_at_now: bool,
}

impl std::fmt::Display for RunSummary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let secs = self.elapsed.as_secs_f64();
        write!(
            f,
            "sent {} events in {secs:.1} s ({:.0} events/s):",
            self.events,
            self.events as f64 / secs.max(1e-3)
        )?;
        for (kind, n) in &self.kinds {
            write!(f, " {kind} {n}")?;
        }
        if self.stopped_at_now {
            write!(f, " (stopped: the simulated clock reached now; give an earlier --start for a longer run)")?;
        }
        Ok(())
    }
}

/// Drives `generator` into `sink` until a limit or `stop`.
pub async fn run(
    mut generator: Generator,
    sink: Sink,
    options: RunOptions,
    stop: impl std::future::Future<Output = ()>,
) -> anyhow::Result<RunSummary> {
    let mut output = match &options.output {
        Some(path) => Some(BufWriter::new(
            File::create(path).with_context(|| format!("creating {}", path.display()))?,
        )),
        None => None,
    };
    let started = Instant::now();
    let mut summary = RunSummary::default();
    let mut meter = RateMeter::new();
    let mut buffer: Vec<SimEvent> = Vec::with_capacity(FLUSH_EVENTS);
    let mut buffered_since = started;
    let mut flights: JoinSet<anyhow::Result<()>> = JoinSet::new();
    let target = options
        .pacer
        .rate
        .map(|r| format!("{r:.0}/s"))
        .unwrap_or_else(|| "the clock's".into());
    tokio::pin!(stop);
    loop {
        if options.events.is_some_and(|n| summary.events >= n)
            || options.duration.is_some_and(|d| started.elapsed() >= d)
        {
            break;
        }
        let Some(event) = generator.next() else { break };
        if options.stop_at_now && event.occurred_at > encore_common::now_millis() + 60_000 {
            summary.stopped_at_now = true;
            break;
        }
        let due = options.pacer.release_at(summary.events, event.occurred_at);
        let wait = due.saturating_sub(started.elapsed());
        if !wait.is_zero() {
            if !buffer.is_empty() && buffered_since.elapsed() + wait >= FLUSH_AFTER {
                flush(&sink, &mut buffer, &mut flights, options.seed).await?;
            }
            tokio::select! {
                () = &mut stop => break,
                () = tokio::time::sleep(wait) => {}
            }
        }
        if let Some(out) = output.as_mut() {
            writeln!(
                out,
                "{}",
                event.fixture_line(
                    sim_user_id(options.seed, event.user),
                    event.occurred_at + 40
                )
            )?;
        }
        *summary.kinds.entry(event.kind).or_default() += 1;
        summary.events += 1;
        summary.last_occurred_at = event.occurred_at;
        meter.record(1);
        if buffer.is_empty() {
            buffered_since = Instant::now();
        }
        buffer.push(event);
        if buffer.len() >= FLUSH_EVENTS || buffered_since.elapsed() >= FLUSH_AFTER {
            flush(&sink, &mut buffer, &mut flights, options.seed).await?;
        }
        if let Some(rate) = meter.tick(started.elapsed(), options.report_every) {
            eprintln!(
                "{:>7.1} s  {:>9} events  {rate:>8.0} events/s (target {target})  simulated clock {}",
                started.elapsed().as_secs_f64(),
                meter.total,
                clock(summary.last_occurred_at)
            );
        }
    }
    flush(&sink, &mut buffer, &mut flights, options.seed).await?;
    while let Some(done) = flights.join_next().await {
        done??;
    }
    if let Some(mut out) = output {
        out.flush()?;
    }
    summary.elapsed = started.elapsed();
    Ok(summary)
}

fn clock(ms: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(ms / 1000)
        .ok()
        .and_then(|t| {
            t.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_default()
}

/// Sends the buffer off, keeping at most [`IN_FLIGHT`] sends running.
async fn flush(
    sink: &Sink,
    buffer: &mut Vec<SimEvent>,
    flights: &mut JoinSet<anyhow::Result<()>>,
    seed: u64,
) -> anyhow::Result<()> {
    if buffer.is_empty() {
        return Ok(());
    }
    let events = std::mem::take(buffer);
    match sink {
        Sink::Nowhere => {}
        Sink::Gateway(accounts) => {
            let mut by_user: BTreeMap<usize, Vec<serde_json::Value>> = BTreeMap::new();
            for e in &events {
                by_user.entry(e.user).or_default().push(e.api_json());
            }
            for (user, batch) in by_user {
                let account = &accounts[user % accounts.len()];
                let (client, login, password) = (
                    account.client.clone(),
                    account.login.clone(),
                    account.password.clone(),
                );
                wait_for_room(flights).await?;
                flights.spawn(async move { post_as(&client, &login, &password, &batch).await });
            }
        }
        Sink::Kafka {
            producer, topics, ..
        } => {
            let now = encore_common::now_millis();
            let text: String = events
                .iter()
                .map(|e| e.fixture_line(sim_user_id(seed, e.user), now) + "\n")
                .collect();
            let records = fixtures::parse(&text)?;
            let (producer, topics) = (producer.clone(), topics.clone());
            wait_for_room(flights).await?;
            flights.spawn(async move { replay_retrying(&producer, &topics, &records).await });
        }
    }
    Ok(())
}

/// Produces `records`, again on failure (a busy broker times a produce out):
/// the events keep their ids, so a record that did arrive the first time is
/// dropped by the sinks as a duplicate.
async fn replay_retrying(
    producer: &kafka::Producer,
    topics: &Topics,
    records: &[fixtures::FixtureRecord],
) -> anyhow::Result<()> {
    let mut backoff = Duration::from_millis(200);
    loop {
        match fixtures::replay(producer, topics, records).await {
            Err(error) if backoff < Duration::from_secs(30) => {
                tracing::warn!(%error, retry_in_ms = backoff.as_millis() as u64, "producing simulated events failed");
                tokio::time::sleep(backoff).await;
                backoff *= 2;
            }
            other => return other.map(|_| ()).map_err(Into::into),
        }
    }
}

async fn wait_for_room(flights: &mut JoinSet<anyhow::Result<()>>) -> anyhow::Result<()> {
    while flights.len() >= IN_FLIGHT {
        if let Some(done) = flights.join_next().await {
            done??;
        }
    }
    Ok(())
}

/// Posts one listener's events, logging in again when the access token expired.
async fn post_as(
    account: &Mutex<Gateway>,
    login: &str,
    password: &str,
    events: &[serde_json::Value],
) -> anyhow::Result<()> {
    let client = account
        .lock()
        .map_err(|_| anyhow::anyhow!("a poisoned account lock"))?
        .clone();
    match client.post_playback(events).await {
        Err(ClientError::Refused { status: 401, .. }) => {
            let fresh = client.login(login, password).await?;
            fresh.post_playback(events).await?;
            *account
                .lock()
                .map_err(|_| anyhow::anyhow!("a poisoned account lock"))? = fresh;
        }
        other => {
            other.with_context(|| format!("posting {} events as {login}", events.len()))?;
        }
    }
    Ok(())
}
