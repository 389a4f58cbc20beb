//! `ingest catalog` throughput: a 100,000-row catalog file through the
//! gateway's bulk import into PostgreSQL, first as new rows, then again
//! (every row unchanged), then with every track retitled (every track updated).
//!
//! `bash scripts/stack bench --bench catalog_import` (or `cargo bench -p
//! encore-tests --bench catalog_import` with the stack up). `BENCH_ROWS`
//! changes the size; the mix is 5% artists, 15% albums, 80% tracks. The
//! gateway runs in-process (release build), `ingest` talks to it over HTTP as
//! the CLI does, and the outbox relay publishes every change to the broker
//! while the import runs.

use std::time::Instant;

use encore_ingest::catalog::import_file;
use encore_ingest::client::Gateway;
use encore_tests::api::Api;
use encore_tests::TestRun;

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    runtime.block_on(bench());
}

async fn bench() {
    let rows: usize = std::env::var("BENCH_ROWS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    let run = TestRun::new("bench-import");
    let gateway = run.start_gateway().await;
    let admin = run
        .account_with_role(&Api::new(&gateway), "bench", "admin")
        .await;
    let client = Gateway::new(&gateway.url("")).with_token(&admin.access_token);
    let dir = std::env::temp_dir().join(format!("encore-bench-import-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("a scratch directory");
    let (file, retitled) = (dir.join("catalog.jsonl"), dir.join("retitled.jsonl"));
    encore_tests::catalog_file::write(&file, rows, "");
    encore_tests::catalog_file::write(&retitled, rows, " (remastered)");
    let size_mb = std::fs::metadata(&file).map(|m| m.len()).unwrap_or(0) as f64 / 1e6;

    let mut table = Vec::new();
    for (what, path, outcome) in [
        ("first import (created)", &file, "created"),
        ("same file again (unchanged)", &file, "unchanged"),
        ("every track retitled (updated)", &retitled, "updated"),
    ] {
        eprintln!("{what}: {rows} rows ({size_mb:.1} MB) ...");
        let started = Instant::now();
        let tally = import_file(&client, path).await.expect("the import");
        let secs = started.elapsed().as_secs_f64();
        assert_eq!(
            tally.total("rejected"),
            0,
            "{what}: {:?}",
            tally.rejected.first()
        );
        table.push((what, secs, rows as f64 / secs, tally.total(outcome)));
    }

    println!();
    println!(
        "catalog import, {rows} rows (5% artists, 15% albums, 80% tracks), JSON lines, {size_mb:.1} MB, batches of {}",
        encore_ingest::catalog::BATCH
    );
    println!("| run | seconds | rows/s | rows with that outcome |");
    println!("| --- | ---: | ---: | ---: |");
    for (what, secs, rate, n) in table {
        println!("| {what} | {secs:.1} | {rate:.0} | {n} |");
    }
    gateway.stop().await;
    let _ = std::fs::remove_dir_all(dir);
    run.cleanup().await;
}
