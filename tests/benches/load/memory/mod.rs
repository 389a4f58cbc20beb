//! Peak RSS of each service at steady load: the real release binaries as
//! child processes.
//!
//! The `memory` section of the load bench:
//!
//! 1. builds `gateway`, `etl` and `indexer` with `cargo build --release
//!    --locked` into the bench's own target directory (quick when they are
//!    current);
//! 2. starts them (etl, indexer, then gateway) with settings of their own: a
//!    unique topic prefix, consumer groups, ClickHouse and PostgreSQL
//!    databases, search prefix, storage directory and free ports; every
//!    other setting is the production default (docs/configuration.md);
//! 3. drives a steady load for `BENCH_MEMORY_SECONDS` (default 60):
//!    `BENCH_MEMORY_RATE` playback events/s (default 1,000) through the
//!    gateway in batches of 100 from 10 registered listeners, open loop, and
//!    `BENCH_MEMORY_CATALOG_RATE` catalog changes/s (default 100; the Chinook
//!    catalogue, copied under fresh ids as often as needed) produced to the
//!    catalog topics, which the indexer indexes and the ETL turns into
//!    dimensions;
//! 4. samples each process's `VmRSS` from `/proc/PID/status` every second and
//!    reads its `VmHWM` (the peak) at the end.
//!
//! Per service: steady RSS (the median of the samples in the second half)
//! and the peak. The brief's target (each service stays under 150 MB at
//! steady load) is checked against the peak. MB are 10^6 bytes. The
//! children are stopped and the run's databases dropped at the end, also
//! when the section fails.

use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use encore_common::fixtures;
use encore_indexer::client::SearchClient;
use encore_indexer::indices::{self, Names};
use encore_schemas::EntityType;
use encore_tests::api::{self, Api};
use encore_tests::{chinook, TestRun};

use crate::{env_usize, thousands, Row};

mod load;
pub(crate) mod procs;

use load::{catalog_load, playback_load};
use procs::{
    build, free_port, mb, stack_env, stack_jvms, status_kb, wait_healthy, Children, Service,
};

const TARGET_MB: f64 = 150.0;
const BATCH: usize = 100;
const LISTENERS: usize = 10;
const SERVICES: [&str; 3] = ["etl", "indexer", "gateway"];

/// Builds and runs the services under load; the rows of the table.
pub(crate) async fn measure() -> Vec<Row> {
    let settings = Settings {
        seconds: env_usize("BENCH_MEMORY_SECONDS", 60).max(2) as u64,
        rate: env_usize("BENCH_MEMORY_RATE", 1_000).max(1),
        catalog_rate: env_usize("BENCH_MEMORY_CATALOG_RATE", 100),
    };
    let bin_dir = tokio::task::spawn_blocking(build)
        .await
        .expect("building the services");
    let run = Arc::new(TestRun::new("bench-mem"));
    // The run's databases are dropped whatever happens in there; a panic
    // stops the children on the way out (see `Children`).
    let outcome = tokio::spawn(under_load(run.clone(), bin_dir, settings)).await;
    match Arc::try_unwrap(run) {
        Ok(run) => run.cleanup().await,
        Err(_) => eprintln!("the run is still in use; its databases are left behind"),
    }
    match outcome {
        Ok(rows) => rows,
        Err(error) if error.is_panic() => std::panic::resume_unwind(error.into_panic()),
        Err(error) => panic!("the memory section was cancelled: {error}"),
    }
}

#[derive(Clone, Copy)]
struct Settings {
    seconds: u64,
    rate: usize,
    catalog_rate: usize,
}

async fn under_load(run: Arc<TestRun>, bin_dir: PathBuf, settings: Settings) -> Vec<Row> {
    let Settings {
        seconds,
        rate,
        catalog_rate,
    } = settings;
    let logs = std::env::temp_dir().join(format!("encore-bench-memory-{}", run.id));
    std::fs::create_dir_all(&logs).expect("a log directory");
    let ports: Vec<u16> = SERVICES.iter().map(|_| free_port()).collect();
    let addr = |name: &str| {
        let at = SERVICES.iter().position(|s| *s == name).expect("a service");
        format!("127.0.0.1:{}", ports[at])
    };
    let search_url = run.indexer_config().search_url;
    let mut env = stack_env(&run).await;
    env.extend([
        ("ENCORE_GATEWAY_ADDR", addr("gateway")),
        ("ENCORE_ETL_ADDR", addr("etl")),
        ("ENCORE_INDEXER_ADDR", addr("indexer")),
        ("ENCORE_ETL_GROUP", format!("etl-{}", run.id)),
        ("ENCORE_ETL_DIMS_GROUP", format!("etl-dims-{}", run.id)),
        ("ENCORE_INDEXER_GROUP", format!("indexer-{}", run.id)),
        (
            "ENCORE_STORAGE_URL",
            format!(
                "file://{}",
                std::env::temp_dir()
                    .join(format!("encore-test-{}", run.id))
                    .display()
            ),
        ),
    ]);
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(64)
        .build()
        .expect("an HTTP client");
    let mut children = Children(Vec::new());
    for name in SERVICES {
        let log = logs.join(format!("{name}.log"));
        let out = std::fs::File::create(&log).expect("a log file");
        let err = out.try_clone().expect("a log file");
        let process = Command::new(bin_dir.join(name))
            .envs(env.iter().map(|(k, v)| (*k, v.as_str())))
            .stdin(Stdio::null())
            .stdout(out)
            .stderr(err)
            .spawn()
            .unwrap_or_else(|e| panic!("starting {name}: {e}"));
        children.0.push(Service {
            name,
            process,
            log,
            samples: Vec::new(),
        });
        let service = children.0.last_mut().expect("just pushed");
        wait_healthy(&http, service, &format!("http://{}/health", addr(name))).await;
        eprintln!(
            "{name} (pid {}) is up, {:.0} MB RSS; its log {}",
            service.pid(),
            status_kb(service.pid(), "VmRSS").map_or(0.0, mb),
            service.log.display()
        );
    }

    let api = Api {
        base: format!("http://{}", addr("gateway")),
        client: http.clone(),
        token: None,
    };
    let mut tokens = Vec::with_capacity(LISTENERS);
    for n in 0..LISTENERS {
        tokens.push(api::register(&api, &format!("mem{n}")).await.access_token);
    }
    let gateway = children.0.last().expect("the gateway");
    eprintln!(
        "{LISTENERS} listeners registered; gateway {:.0} MB RSS",
        status_kb(gateway.pid(), "VmRSS").map_or(0.0, mb)
    );

    // Enough copies of Chinook for the whole run, fed at the catalog rate.
    let per_copy = chinook::changes().len();
    let copies = (catalog_rate * seconds as usize).div_ceil(per_copy).max(1);
    let changes = crate::search::copied_catalogue(copies);
    let records = chinook::records(&changes);
    fixtures::ensure_topics(&run.kafka, &records)
        .await
        .expect("the catalog topics");

    eprintln!(
        "steady load for {seconds} s: {rate} playback events/s through the gateway, \
         {catalog_rate} catalog changes/s; RSS sampled every second ..."
    );
    let started = Instant::now();
    let deadline = started + Duration::from_secs(seconds);
    let accepted = Arc::new(AtomicUsize::new(0));
    let refused = Arc::new(AtomicUsize::new(0));
    let playback = tokio::spawn(playback_load(
        http.clone(),
        format!("{}/v1/events/playback", api.base),
        tokens,
        rate,
        deadline,
        accepted.clone(),
        refused.clone(),
    ));
    let catalog = tokio::spawn(catalog_load(
        run.kafka.clone(),
        records,
        catalog_rate,
        deadline,
    ));
    let mut jvms = stack_jvms();
    let mut ticks = tokio::time::interval(Duration::from_secs(1));
    let mut second = 0u64;
    while Instant::now() < deadline {
        ticks.tick().await;
        let mut line = format!("  {second:>3} s:");
        for service in &mut children.0 {
            service.assert_running();
            if let Some(kb) = status_kb(service.pid(), "VmRSS") {
                service.samples.push((started.elapsed(), kb));
                line.push_str(&format!(" {} {:.0} MB", service.name, mb(kb)));
            }
        }
        for jvm in &mut jvms {
            if let Some(kb) = status_kb(jvm.pid, "VmRSS") {
                jvm.samples.push((started.elapsed(), kb));
            }
        }
        if second.is_multiple_of(10) {
            eprintln!("{line}");
        }
        second += 1;
    }
    playback.await.expect("the playback load");
    let produced = catalog.await.expect("the catalog load");
    let elapsed = started.elapsed();
    let peaks: Vec<Option<u64>> = children
        .0
        .iter()
        .map(|s| status_kb(s.pid(), "VmHWM"))
        .collect();
    let jvm_peaks: Vec<Option<u64>> = jvms.iter().map(|j| status_kb(j.pid, "VmHWM")).collect();

    // What the services got through, as a check that the load was real work.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let plays = run
        .clickhouse()
        .query("SELECT count() FROM plays")
        .fetch_one::<u64>()
        .await
        .unwrap_or(0);
    let search = SearchClient::new(&search_url).expect("a search client");
    let names = Names::new(&run.search_prefix());
    let tracks = indices::live_count(&search, &names.alias(EntityType::Track))
        .await
        .unwrap_or(0);
    children.terminate();
    let _ = std::fs::remove_dir_all(&logs);

    let accepted = accepted.load(Ordering::Relaxed);
    let refused = refused.load(Ordering::Relaxed);
    let mut rows = vec![Row::info(
        format!(
            "memory load: {seconds} s of {} playback events/s through the gateway (batches of {BATCH}, {LISTENERS} listeners) and {catalog_rate} catalog changes/s",
            thousands(rate as f64)
        ),
        format!(
            "{} events accepted ({} events/s){}, {} catalog changes produced; afterwards plays holds {} rows, the track index {} documents",
            thousands(accepted as f64),
            thousands(accepted as f64 / elapsed.as_secs_f64()),
            if refused > 0 {
                format!(", {} batches not accepted", thousands(refused as f64))
            } else {
                String::new()
            },
            thousands(produced as f64),
            thousands(plays as f64),
            thousands(tracks as f64)
        ),
    )];
    let half = Duration::from_secs_f64(elapsed.as_secs_f64() / 2.0);
    for (service, peak) in children.0.iter().zip(peaks) {
        let peak_mb = peak.map(mb);
        rows.push(
            Row::info(
                format!("memory: {} (release binary) under that load", service.name),
                steady_and_peak(&service.samples, half, peak_mb),
            )
            .target(
                format!("< {TARGET_MB:.0} MB RSS (the peak)"),
                peak_mb.is_some_and(|p| p < TARGET_MB),
            ),
        );
    }
    for (jvm, peak) in jvms.iter().zip(jvm_peaks) {
        rows.push(Row::info(
            format!(
                "memory: {} of the stack (heap 512 MB) under that load",
                jvm.name
            ),
            steady_and_peak(&jvm.samples, half, peak.map(mb)),
        ));
    }
    rows
}

/// "steady X (median of the samples after `half`), peak Y".
fn steady_and_peak(samples: &[(Duration, u64)], half: Duration, peak_mb: Option<f64>) -> String {
    let mut steady: Vec<u64> = samples
        .iter()
        .filter(|(at, _)| *at >= half)
        .map(|(_, kb)| *kb)
        .collect();
    steady.sort_unstable();
    let median = steady.get(steady.len() / 2).copied();
    let show = |v: Option<f64>| v.map_or("n/a".to_string(), |v| format!("{v:.0} MB"));
    format!(
        "steady {} (median of {} samples in the second half), peak {} (VmHWM)",
        show(median.map(mb)),
        steady.len(),
        show(peak_mb)
    )
}
