//! The ETL scaled out: the same load through 1, 2 and 4 ETL consumers in one
//! consumer group, on this machine.
//!
//! The `scale` section of the load bench. `BENCH_SCALE_ROWS` playback events
//! (default 400,000; listeners, tracks and kinds as in the `etl` section) are
//! produced once to a topic of 8 partitions. Then, for each consumer count,
//! a fresh group and a freshly migrated database: that many ETLs start
//! in-process (each its own consumer and its own transactional id, as
//! separate processes would have), and the run is timed from their start
//! until the group has committed every offset. `plays FINAL` must hold every
//! event once each time.
//!
//! All consumers share this machine's cores with ClickHouse and Kafka, so
//! the table shows what a second and a fourth consumer buy here, not what
//! they would buy on machines of their own; docs/deployment.md reasons about
//! the latter.

use std::time::{Duration, Instant};

use encore_etl::{warehouse, EtlConfig};
use encore_tests::TestRun;

use crate::etl::{count_plays, produce, settle, wait_committed};
use crate::{env_usize, thousands, Row};

/// Partitions of the section's topic: enough for four consumers to share.
const PARTITIONS: i32 = 8;
const CONSUMERS: [usize; 3] = [1, 2, 4];

pub(crate) async fn measure() -> Vec<Row> {
    let count = env_usize("BENCH_SCALE_ROWS", 400_000).max(1);
    let defaults = EtlConfig::from_env().expect("ETL settings");
    let mut run = TestRun::new("bench-scale");
    run.kafka.partitions = PARTITIONS;
    run.create_playback_topics().await;
    eprintln!("producing {count} playback events to {PARTITIONS} partitions ...");
    drop(produce(&run, count).await);
    let topic = run.playback_topic();
    let ends = encore_tests::high_watermarks(&run.kafka, &topic, PARTITIONS).await;

    let mut rates = Vec::new();
    for consumers in CONSUMERS {
        let database = format!("{}_x{consumers}", run.database);
        warehouse::migrate(&run.clickhouse_url, &database)
            .await
            .expect("migrating the section's database");
        let mut config = run.etl_config();
        config.clickhouse_database = database.clone();
        config.group = format!("etl-{}-x{consumers}", run.id);
        config.dims_group = format!("etl-dims-{}-x{consumers}", run.id);
        config.searches_group = format!("etl-searches-{}-x{consumers}", run.id);
        config.batch_size = defaults.batch_size;
        config.batch_wait = defaults.batch_wait;
        config.features.interval = Duration::from_secs(3_600);
        eprintln!("{consumers} consumer(s) in one group ...");
        settle(&warehouse::client(&run.clickhouse_url, &database)).await;
        let started = Instant::now();
        let mut etls = Vec::with_capacity(consumers);
        for n in 0..consumers {
            let mut config = config.clone();
            config.kafka.instance_id = format!("bench-scale-{consumers}-{n}");
            etls.push(run.start_etl(config).await);
        }
        let (kafka, group, topic, ends) = (
            run.kafka.clone(),
            config.group.clone(),
            topic.clone(),
            ends.clone(),
        );
        let (_, elapsed) = tokio::task::spawn_blocking(move || {
            wait_committed(&kafka, &group, &topic, &ends, started)
        })
        .await
        .expect("watching the group's commits");
        for etl in etls {
            etl.stop().await;
        }
        let db = warehouse::client(&run.clickhouse_url, &database);
        let found = count_plays(&db).await;
        let _ = db
            .query(&format!("DROP DATABASE IF EXISTS {database}"))
            .execute()
            .await;
        let rate = count as f64 / elapsed.as_secs_f64();
        eprintln!("  {rate:.0} rows/s");
        rates.push((consumers, rate, elapsed, found));
    }
    run.cleanup().await;

    let single = rates.first().map(|(_, rate, _, _)| *rate).unwrap_or(1.0);
    rates
        .into_iter()
        .map(|(consumers, rate, elapsed, found)| {
            let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
            let complete = if found == count as u64 {
                String::new()
            } else {
                format!("; plays FINAL holds {found}, not {count}")
            };
            Row::info(
                format!(
                    "etl scale-out: {consumers} consumer(s) in one group, {PARTITIONS} partitions, this machine's {cores} cores shared"
                ),
                format!(
                    "{} rows/s ({} rows in {:.1} s{complete})",
                    thousands(rate),
                    thousands(count as f64),
                    elapsed.as_secs_f64()
                ),
            )
            .ratio(rate / single)
            .target("every event in plays FINAL once", found == count as u64)
        })
        .collect()
}
