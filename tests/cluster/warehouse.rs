//! ClickHouse: one replica of a shard killed during inserts, then, once it is
//! back and has caught up, the other replica of the same shard.

use std::time::Duration;

use encore_tests::{eventually, TestRun};

use crate::{listener_load, nodes, reconcile};

/// The HTTP address of cluster server `n` (1-based).
fn server(n: usize) -> String {
    let ports = std::env::var("ENCORE_CLUSTER_CLICKHOUSE_HTTP_PORTS").expect("the cluster's ports");
    let port = ports.split(',').nth(n - 1).expect("a port per server");
    format!("http://127.0.0.1:{port}")
}

/// Waits until server `n`'s replicas of the run's tables have fetched
/// everything their shard holds.
async fn caught_up(run: &TestRun, n: usize) {
    let sql = format!(
        "SELECT toUInt64(sum(queue_size) + sum(inserts_in_queue) + countIf(is_readonly)) \
         FROM system.replicas WHERE database = '{}'",
        run.database
    );
    let url = server(n);
    eventually(&format!("clickhouse-{n} caught up"), || async {
        let answer = reqwest::Client::new()
            .post(&url)
            .body(sql.clone())
            .send()
            .await
            .map_err(|e| e.to_string())?
            .text()
            .await
            .map_err(|e| e.to_string())?;
        match answer.trim() {
            "0" => Ok(()),
            other => Err(format!("{other} parts or tasks to go")),
        }
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killing_each_replica_of_a_shard_in_turn_loses_and_doubles_nothing() {
    let run = TestRun::new("cluster-replica-kill");
    nodes::require_cluster();
    run.create_playback_topics().await;
    let etl = run.start_etl(run.etl_config()).await;
    let gateway = run.start_gateway().await;
    let load = listener_load(&gateway).await;

    // Shard 2 is servers 3 and 4; the clients talk to server 1.
    for n in [3, 4] {
        tokio::time::sleep(Duration::from_secs(5)).await;
        println!("killing clickhouse-{n} (-9) during inserts");
        nodes::kill(&format!("clickhouse-{n}"));
        tokio::time::sleep(Duration::from_secs(15)).await;
        nodes::stack_up();
        caught_up(&run, n).await;
    }

    let report = load.stop().await;
    report.print("ClickHouse replicas of one shard killed in turn");
    assert_eq!(report.failed, 0, "no request failed after its retries");
    reconcile(&run, &report).await;
    gateway.stop().await;
    etl.stop().await;
    run.cleanup().await;
}
