//! Encore's load benchmarks: every figure of the brief's "Performance
//! targets" beside its reference, measured in the same run against the local
//! stack, printed as one markdown table.
//!
//! ```sh
//! bash scripts/stack bench --bench load                 # every section
//! bash scripts/stack bench --bench load -- etl memory   # only the sections named
//! ```
//!
//! (or `cargo bench --locked -p encore-tests --bench load [-- SECTION...]`
//! with the stack up and `ENCORE_CHINOOK_JSON` pointing at the Chinook
//! catalogue, which `scripts/stack bench` downloads). Progress goes to
//! stderr; the table, with a header line naming the machine and the stack,
//! goes to stdout at the end. Each row is a measurement, its figure, its
//! ratio to the reference measured beside it (where there is one), the
//! brief's target and whether it was met. A section that fails shows as a
//! FAILED row and the bench exits non-zero after printing the table.
//!
//! Sections, in the order they run:
//!
//! - `ingest` ([`ingest`]): gateway `POST /v1/events/playback` batches of 100
//!   beside a raw librdkafka producer on the same broker: events/s, p50/p99.
//! - `etl` ([`etl`]): the ETL's rows/s from Kafka into ClickHouse beside a
//!   direct insert of the same rows.
//! - `scale` ([`scale`]): the same ETL load through 1, 2 and 4 consumers in
//!   one group.
//! - `search` ([`search`]): the indexer's docs/s beside a direct `_bulk`,
//!   and catalog change → searchable latency.
//! - `import` ([`import`]): a generated catalog file through `ingest
//!   catalog`, the gateway, the outbox and the indexer until searchable:
//!   rows/s, and each process's peak RSS.
//! - `query` ([`query`]): search and autocomplete p50/p99 at 50 concurrent
//!   clients through the gateway, beside the same requests to the engine's
//!   own `_search`.
//! - `freshness` ([`freshness`]): event → hourly aggregate p50/p99 at 1k and
//!   10k events/s.
//! - `capacity` ([`freshness::capacity`]): the highest rate sustained for
//!   `BENCH_SECONDS` with freshness p99 < 2 s, trying rising rates.
//! - `memory` ([`memory`]): peak RSS of the release `gateway`, `etl` and
//!   `indexer` binaries (built by the bench) under steady load.
//! - `subsonic` ([`subsonic`]): `getAlbumList2` and `search3` p99 at 50
//!   clients against the release gateway, a transcode's first byte, and the
//!   gateway's RSS while 20 transcodes run at once.
//! - `online` ([`online`]): the per-listener reads (history, recommendations,
//!   now playing, charts) from two gateways reading Redis beside one reading
//!   only ClickHouse, and Redis's memory per listener.
//!
//! Knobs (environment variables, all optional):
//!
//! | variable | default | section | meaning |
//! |---|---|---|---|
//! | `BENCH_EVENTS` | 300000 | ingest | events per ingest measurement |
//! | `BENCH_CLIENTS` | 8 | ingest | concurrent HTTP clients of the saturated run |
//! | `BENCH_ETL_ROWS` | 1000000 | etl | playback events produced, then loaded both ways |
//! | `BENCH_SCALE_ROWS` | 400000 | scale | playback events loaded by each consumer count |
//! | `BENCH_COPIES` | 5 | search, query | copies of the Chinook catalogue indexed (about 4,100 documents each) |
//! | `BENCH_SAMPLES` | 100 | search | artists created and timed until searchable |
//! | `BENCH_IMPORT_ROWS` | 100000 | import | rows of the generated catalog file |
//! | `BENCH_QUERY_CLIENTS` | 50 | query, subsonic | concurrent clients |
//! | `BENCH_QUERY_SECONDS` | 15 | query, subsonic | seconds of each run |
//! | `BENCH_QUERY_PACE_MS` | 1000 | query | a paced client's time between requests |
//! | `BENCH_SECONDS` | 60 | freshness, capacity | seconds at each rate |
//! | `BENCH_MEMORY_SECONDS` | 60 | memory | seconds of steady load |
//! | `BENCH_MEMORY_RATE` | 1000 | memory | playback events/s through the gateway |
//! | `BENCH_MEMORY_CATALOG_RATE` | 100 | memory | catalog changes/s produced for the indexer and the ETL's dimensions |
//! | `BENCH_ONLINE_LISTENERS` | 100 | online | listeners, each with 500 plays |
//! | `BENCH_ONLINE_SECONDS` | 10 | online | seconds of each run, per path |
//! | `BENCH_CAPACITY_RATES` | 20000,30000,40000,50000 | capacity | the rates tried, in order, until one is not sustained |
//!
//! After each section a row gives the engines' CPU and peak RSS meanwhile
//! ([`engines`]). `bash scripts/stack bench --cluster` runs the same bench on
//! the local cluster.
//!
//! The services' own `ENCORE_*` settings apply as usual (docs/configuration.md).

mod engines;
mod etl;
mod freshness;
mod import;
mod ingest;
mod memory;
mod online;
mod query;
mod scale;
mod search;
mod subsonic;

use std::future::Future;
use std::pin::Pin;
use std::time::{Duration, Instant};

/// The allocator the services' binaries use, since they run in this process.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// One line of the table.
pub struct Row {
    /// What was measured, and how.
    pub measurement: String,
    /// The result, e.g. "41,000 events/s, p50 3 ms, p99 12 ms".
    pub figure: String,
    /// The result divided by its reference's, where there is one.
    pub ratio: Option<f64>,
    /// The brief's target for this figure, empty where it sets none.
    pub target: String,
    /// Whether the target was met; `None` for references and figures without a target.
    pub met: Option<bool>,
}

impl Row {
    /// A figure without a target (a reference, or context for the next row).
    pub fn info(measurement: impl Into<String>, figure: impl Into<String>) -> Row {
        Row {
            measurement: measurement.into(),
            figure: figure.into(),
            ratio: None,
            target: String::new(),
            met: None,
        }
    }

    pub fn ratio(mut self, ratio: f64) -> Row {
        self.ratio = Some(ratio);
        self
    }

    pub fn target(mut self, target: impl Into<String>, met: bool) -> Row {
        self.target = target.into();
        self.met = Some(met);
        self
    }
}

type Section = fn() -> Pin<Box<dyn Future<Output = Vec<Row>> + Send>>;

const SECTIONS: [(&str, Section); 11] = [
    ("ingest", || Box::pin(ingest::measure())),
    ("etl", || Box::pin(etl::measure())),
    ("scale", || Box::pin(scale::measure())),
    ("search", || Box::pin(search::measure())),
    ("import", || Box::pin(import::measure())),
    ("query", || Box::pin(query::measure())),
    ("freshness", || Box::pin(freshness::measure())),
    ("capacity", || Box::pin(freshness::capacity())),
    ("memory", || Box::pin(memory::measure())),
    ("subsonic", || Box::pin(subsonic::measure())),
    ("online", || Box::pin(online::measure())),
];

fn main() {
    // cargo bench passes `--bench` to harness-less targets; the rest are section names.
    let wanted: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with('-'))
        .collect();
    if let Some(unknown) = wanted
        .iter()
        .find(|w| !SECTIONS.iter().any(|(name, _)| name == w))
    {
        let names: Vec<&str> = SECTIONS.iter().map(|(name, _)| *name).collect();
        eprintln!("unknown section {unknown:?}; the sections are {names:?}");
        std::process::exit(2);
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    let failed = runtime.block_on(async {
        let header = header().await;
        let mut rows = Vec::new();
        let mut failed = false;
        for (name, section) in SECTIONS {
            if !wanted.is_empty() && !wanted.iter().any(|w| w == name) {
                continue;
            }
            eprintln!("== {name} ==");
            let started = Instant::now();
            let usage = engines::Usage::start();
            // A section that panics is reported as a row; the others still run.
            match tokio::spawn(section()).await {
                Ok(section_rows) => {
                    rows.extend(section_rows);
                    rows.extend(usage.stop(name));
                }
                Err(error) => {
                    failed = true;
                    let message = error
                        .try_into_panic()
                        .ok()
                        .and_then(|p| {
                            p.downcast_ref::<String>()
                                .cloned()
                                .or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string()))
                        })
                        .unwrap_or_else(|| "cancelled".into());
                    rows.push(Row::info(
                        format!("{name}: the section did not finish"),
                        format!("FAILED: {}", message.replace('\n', " ")),
                    ));
                }
            }
            eprintln!("== {name}: {} s ==", started.elapsed().as_secs());
        }
        println!();
        println!("{header}");
        println!();
        print_table(&rows);
        failed
    });
    if failed {
        std::process::exit(1);
    }
}

fn print_table(rows: &[Row]) {
    println!("| measurement | figure | vs reference | target | |");
    println!("|---|---|---:|---|---|");
    for row in rows {
        let ratio = row.ratio.map(|r| format!("{r:.2}")).unwrap_or_default();
        let verdict = match row.met {
            Some(true) => "met",
            Some(false) => "**MISSED**",
            None => "",
        };
        println!(
            "| {} | {} | {ratio} | {} | {verdict} |",
            row.measurement, row.figure, row.target
        );
    }
}

/// "Encore load benchmarks on <cpu> (<n> cores, <m> GB RAM); stack: ..."
async fn header() -> String {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let cores = cpuinfo
        .lines()
        .filter(|l| l.starts_with("processor"))
        .count();
    let model = cpuinfo
        .lines()
        .find(|l| l.starts_with("model name"))
        .and_then(|l| l.split_once(':'))
        .map(|(_, m)| m.trim().to_string())
        .unwrap_or_else(|| "an unknown CPU".into());
    let memory_gb = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|m| {
            m.lines()
                .find(|l| l.starts_with("MemTotal:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<f64>().ok())
        })
        .map(|kb| kb * 1024.0 / 1e9)
        .unwrap_or(0.0);

    let string = encore_common::config::string;
    let brokers = string("ENCORE_KAFKA_BROKERS", "127.0.0.1:9092");
    let clickhouse_url = string("ENCORE_CLICKHOUSE_URL", "http://127.0.0.1:8123");
    let postgres_url = string(
        "ENCORE_DATABASE_URL",
        "postgres://postgres@127.0.0.1:5432/encore",
    );
    let search_url = string("ENCORE_SEARCH_URL", "http://127.0.0.1:9200");

    let clickhouse = within(
        encore_etl::warehouse::client(&clickhouse_url, "default")
            .query("SELECT version()")
            .fetch_one::<String>(),
    )
    .await
    .ok()
    .and_then(Result::ok)
    .map(|v| format!("ClickHouse {v}"))
    .unwrap_or_else(|| "ClickHouse (version unknown)".into());
    let postgres = within(async {
        let pool = sqlx::PgPool::connect(&postgres_url).await?;
        let version: String = sqlx::query_scalar("SHOW server_version")
            .fetch_one(&pool)
            .await?;
        pool.close().await;
        Ok::<_, sqlx::Error>(version)
    })
    .await
    .ok()
    .and_then(Result::ok)
    .map(|v| format!("PostgreSQL {}", v.split_whitespace().next().unwrap_or(&v)))
    .unwrap_or_else(|| "PostgreSQL (version unknown)".into());
    let search = within(async {
        let root: serde_json::Value = reqwest::get(&search_url).await?.json().await?;
        Ok::<_, reqwest::Error>(root)
    })
    .await
    .ok()
    .and_then(Result::ok)
    .map(|root: serde_json::Value| {
        let name = root["cluster_name"].as_str().unwrap_or("search server");
        match (
            root["version"]["distribution"].as_str(),
            root["version"]["number"].as_str(),
        ) {
            (Some(kind), Some(number)) => {
                format!("search server {name} (Elasticsearch API, reports {kind} {number})")
            }
            _ => format!("search server {name} (Elasticsearch API)"),
        }
    })
    .unwrap_or_else(|| "search server (no answer)".into());
    format!(
        "Encore load benchmarks on {model}, {cores} cores (/proc/cpuinfo), {memory_gb:.0} GB RAM. \
         Stack: Apache Kafka at {brokers}, {clickhouse} at {clickhouse_url}, \
         {postgres}, {search} at {search_url}. Services built with the release profile."
    )
}

/// `future`'s output, or an error after 5 s.
async fn within<T>(future: impl Future<Output = T>) -> Result<T, tokio::time::error::Elapsed> {
    tokio::time::timeout(Duration::from_secs(5), future).await
}

/// An environment knob: a number, else `default`.
pub fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// The `p` quantile (0..=1) of sorted durations, in milliseconds; NaN when empty.
pub fn percentile_ms(sorted: &[Duration], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    sorted[((sorted.len() as f64 * p).ceil() as usize).clamp(1, sorted.len()) - 1].as_secs_f64()
        * 1_000.0
}

/// A whole number with thousands separators: 41000.4 → "41,000".
pub fn thousands(value: f64) -> String {
    if !value.is_finite() {
        return "n/a".into();
    }
    let digits = format!("{:.0}", value.abs());
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    if value < -0.5 {
        out.insert(0, '-');
    }
    out
}

/// Milliseconds for the table: one decimal below 10, whole above.
pub fn ms(value: f64) -> String {
    if !value.is_finite() {
        "n/a".into()
    } else if value < 10.0 {
        format!("{value:.1} ms")
    } else {
        format!("{} ms", thousands(value))
    }
}
