//! Bulk catalog import end to end: a generated file through `ingest catalog`
//! → the gateway's import → PostgreSQL → the outbox → Kafka → the indexer →
//! searchable.
//!
//! The `import` section of the load bench. `BENCH_IMPORT_ROWS` rows (default
//! 100,000; 5% artists, 15% albums, 80% tracks, as the `catalog_import`
//! bench writes them) go through the release `ingest` binary against the
//! release gateway and indexer, each its own process. The clock runs from
//! starting `ingest` until every artist, album and track is a live document
//! of the search index; the rows/s are rows over that time. Each process's
//! peak RSS (`VmHWM`) is reported beside it, since a bulk path that buffers
//! its input would show there first. Then the same file again: every row is
//! reported unchanged and nothing is published.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use encore_indexer::client::SearchClient;
use encore_indexer::indices::{live_count, Names};
use encore_schemas::EntityType;
use encore_tests::api::Api;
use encore_tests::TestRun;

use crate::memory::procs::{
    build, free_port, mb, stack_env, status_kb, wait_healthy, Children, Service,
};
use crate::{env_usize, thousands, Row};

/// The brief: at least 5,000 rows/s end to end.
const TARGET_ROWS_PER_SECOND: f64 = 5_000.0;
/// How long the index may take to show every row once `ingest` is done.
const PATIENCE: Duration = Duration::from_secs(600);

pub(crate) async fn measure() -> Vec<Row> {
    let rows = env_usize("BENCH_IMPORT_ROWS", 100_000).max(20);
    let bin_dir = tokio::task::spawn_blocking(build)
        .await
        .expect("building the services");
    let run = TestRun::new("bench-import");
    let scratch = std::env::temp_dir().join(format!("encore-test-{}", run.id));
    std::fs::create_dir_all(&scratch).expect("a scratch directory");
    let file = scratch.join("catalog.jsonl");
    encore_tests::catalog_file::write(&file, rows, "");

    let gateway_port = free_port();
    let gateway_url = format!("http://127.0.0.1:{gateway_port}");
    let indexer_port = free_port();
    let search_url = run.indexer_config().search_url;
    let mut env = stack_env(&run).await;
    env.extend([
        ("ENCORE_GATEWAY_ADDR", format!("127.0.0.1:{gateway_port}")),
        ("ENCORE_INDEXER_ADDR", format!("127.0.0.1:{indexer_port}")),
        ("ENCORE_INDEXER_GROUP", format!("indexer-{}", run.id)),
        (
            "ENCORE_STORAGE_URL",
            format!("file://{}", scratch.join("objects").display()),
        ),
        ("ENCORE_GATEWAY_URL", gateway_url.clone()),
    ]);
    let mut children = Children(Vec::new());
    for name in ["gateway", "indexer"] {
        let log = scratch.join(format!("{name}.log"));
        let out = std::fs::File::create(&log).expect("a log file");
        let process = Command::new(bin_dir.join(name))
            .envs(env.iter().map(|(k, v)| (*k, v.as_str())))
            .stdin(Stdio::null())
            .stdout(out.try_clone().expect("a log file"))
            .stderr(out)
            .spawn()
            .unwrap_or_else(|e| panic!("starting {name}: {e}"));
        children.0.push(Service {
            name,
            process,
            log,
            samples: Vec::new(),
        });
    }
    let http = reqwest::Client::new();
    wait_healthy(&http, &mut children.0[0], &format!("{gateway_url}/health")).await;
    // The indexer serves /health once its index exists and it consumes: an
    // import started before that is first replayed by its start-up rebuild,
    // then read again by its consumer.
    let indexer_health = format!("http://127.0.0.1:{indexer_port}/health");
    wait_healthy(&http, &mut children.0[1], &indexer_health).await;
    let admin = run
        .account_with_role(
            &Api {
                base: gateway_url.clone(),
                client: http.clone(),
                token: None,
            },
            "bench-importer",
            "admin",
        )
        .await;

    let search = SearchClient::new(&search_url).expect("a search client");
    let names = Names::new(&run.search_prefix());
    let expected = [
        (EntityType::Artist, rows / 20),
        (EntityType::Album, rows * 3 / 20),
        (EntityType::Track, rows - rows / 20 - rows * 3 / 20),
    ];
    let mut out = Vec::new();
    for (pass, what) in [(1, "created"), (2, "unchanged")] {
        eprintln!(
            "ingest catalog, {} rows, every row {what} ...",
            thousands(rows as f64)
        );
        let started = Instant::now();
        let mut ingest = Command::new(bin_dir.join("ingest"))
            .arg("catalog")
            .arg(&file)
            .envs(env.iter().map(|(k, v)| (*k, v.as_str())))
            .env("ENCORE_INGEST_LOGIN", &admin.email)
            .env("ENCORE_INGEST_PASSWORD", encore_tests::api::PASSWORD)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("starting ingest");
        let mut ingest_peak_kb = 0;
        let status = loop {
            if let Some(kb) = status_kb(ingest.id(), "VmHWM") {
                ingest_peak_kb = ingest_peak_kb.max(kb);
            }
            if let Some(status) = ingest.try_wait().expect("ingest's status") {
                break status;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        };
        let ingested = started.elapsed();
        let mut report = String::new();
        if let Some(mut stdout) = ingest.stdout.take() {
            use std::io::Read;
            let _ = stdout.read_to_string(&mut report);
        }
        assert!(
            status.success(),
            "ingest catalog failed ({status}):\n{report}"
        );
        for (entity, count) in expected {
            let alias = names.alias(entity);
            loop {
                if live_count(&search, &alias).await.ok() == Some(count as u64) {
                    break;
                }
                assert!(
                    started.elapsed() < ingested + PATIENCE,
                    "{alias} did not reach {count} live documents"
                );
                for child in &mut children.0 {
                    child.assert_running();
                }
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
        let searchable = started.elapsed();
        let rate = rows as f64 / searchable.as_secs_f64();
        let peaks: Vec<String> = children
            .0
            .iter()
            .map(|c| {
                format!(
                    "{} {:.0} MB",
                    c.name,
                    mb(status_kb(c.pid(), "VmHWM").unwrap_or(0))
                )
            })
            .chain([format!("ingest {:.0} MB", mb(ingest_peak_kb))])
            .collect();
        let row = Row::info(
            format!(
                "bulk catalog import, pass {pass} (every row {what}): ingest → gateway → PostgreSQL → outbox → Kafka → indexer → searchable ({} rows)",
                thousands(rows as f64)
            ),
            format!(
                "{} rows/s ({:.1} s to the last document searchable, ingest done after {:.1} s; peak RSS {})",
                thousands(rate),
                searchable.as_secs_f64(),
                ingested.as_secs_f64(),
                peaks.join(", ")
            ),
        );
        out.push(if pass == 1 {
            row.target(
                format!(">= {} rows/s", thousands(TARGET_ROWS_PER_SECOND)),
                rate >= TARGET_ROWS_PER_SECOND,
            )
        } else {
            row
        });
    }
    children.terminate();
    let _ = std::fs::remove_dir_all(&scratch);
    run.cleanup().await;
    out
}
