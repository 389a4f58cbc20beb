//! Redis: the primary killed while plays flow and histories are read. The
//! Sentinels promote the replica; meanwhile every read is answered (from
//! ClickHouse), and afterwards Redis answers again with exactly what
//! ClickHouse holds, since the etl's copies count only once the replica has
//! them.

use std::process::Command;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use encore_online::{history as online_history, Source};
use encore_tests::api::{register, Api};
use encore_tests::{eventually, TestRun};
use encore_warehouse::history;

use crate::load::Load;
use crate::{nodes, reconcile};

/// The port of the server the Sentinels name as the primary now.
fn primary_port() -> String {
    let output = Command::new("redis-cli")
        .args([
            "-p",
            "26379",
            "--raw",
            "sentinel",
            "get-master-addr-by-name",
            "encore",
        ])
        .output()
        .expect("redis-cli runs");
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .nth(1)
        .unwrap_or_default()
        .trim()
        .to_string()
}

/// `redis-N`, the process of the cluster's server on `port`.
fn server_named(port: &str) -> String {
    let ports = std::env::var("ENCORE_CLUSTER_REDIS_PORTS").expect("the cluster's Redis ports");
    let n = ports
        .split(',')
        .position(|p| p.trim() == port)
        .unwrap_or_else(|| panic!("{port} is not one of {ports}"));
    format!("redis-{}", n + 1)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killing_the_redis_primary_under_load_loses_no_answer_and_no_play() {
    let run = TestRun::new("cluster-redis-kill");
    nodes::require_cluster();
    run.create_playback_topics().await;
    let etl = run.start_etl(run.etl_config()).await;
    let gateway = run.start_gateway().await;
    let listener = register(&Api::new(&gateway), "cl-redis").await;
    let load = Load::start(
        gateway.url(""),
        listener.access_token.clone(),
        listener.id,
        4,
    );

    // A reader asking for the listener's history throughout.
    let stop = Arc::new(AtomicBool::new(false));
    let (reads, refused) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
    let reader = {
        let (api, stop, reads, refused) = (
            listener.api.clone(),
            stop.clone(),
            reads.clone(),
            refused.clone(),
        );
        tokio::spawn(async move {
            while !stop.load(Ordering::Relaxed) {
                let answer = api.get("/v1/me/history?limit=20").await;
                reads.fetch_add(1, Ordering::Relaxed);
                if answer.status != 200 {
                    refused.fetch_add(1, Ordering::Relaxed);
                }
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        })
    };

    tokio::time::sleep(Duration::from_secs(5)).await;
    let old = primary_port();
    println!(
        "killing {} (-9), the Redis primary on {old}, under load",
        server_named(&old)
    );
    nodes::kill(&server_named(&old));
    let killed = Instant::now();
    let new = eventually("the Sentinels to promote the replica", || async {
        let now = primary_port();
        if !now.is_empty() && now != old {
            Ok(now)
        } else {
            Err(now)
        }
    })
    .await;
    println!(
        "the Sentinels named {new} the primary {:.1} s later",
        killed.elapsed().as_secs_f64()
    );
    tokio::time::sleep(Duration::from_secs(5)).await;
    nodes::stack_up();

    let report = load.stop().await;
    stop.store(true, Ordering::Relaxed);
    reader.await.expect("the reader");
    report.print("the Redis primary killed");
    println!(
        "history reads meanwhile: {} answered, {} refused",
        reads.load(Ordering::Relaxed),
        refused.load(Ordering::Relaxed)
    );
    assert_eq!(refused.load(Ordering::Relaxed), 0, "no read failed");
    assert_eq!(report.failed, 0, "no request failed after its retries");
    reconcile(&run, &report).await;

    // Redis, on the promoted server, answers with ClickHouse's history:
    // nothing the etl counted as copied was lost with the old primary.
    let (store, db) = (run.online(), run.clickhouse());
    let expected = history::listener_plays(&db, listener.id, None, 500)
        .await
        .expect("the warehouse's history");
    let (count, source) = eventually("Redis answering ClickHouse's history again", || async {
        match online_history::page(&store, &db, listener.id, None, 500).await {
            Ok((plays, source)) if source != Source::Warehouse && plays == expected => {
                Ok((plays.len(), source))
            }
            Ok((plays, source)) => Err(format!("{} plays from {source:?}", plays.len())),
            Err(error) => Err(error.to_string()),
        }
    })
    .await;
    println!("after the failover, Redis answered the history ({source:?}): {count} plays, as ClickHouse has them");
    gateway.stop().await;
    etl.stop().await;
    run.cleanup().await;
}
