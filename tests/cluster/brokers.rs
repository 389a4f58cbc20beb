//! Brokers: the leader of most playback partitions killed, and every broker
//! restarted in turn, under listening load.

use std::time::Duration;

use encore_tests::TestRun;

use crate::{listener_load, nodes, reconcile};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killing_the_leading_broker_under_load_loses_and_doubles_nothing() {
    let run = TestRun::new("cluster-broker-kill");
    nodes::require_cluster();
    run.create_playback_topics().await;
    let etl = run.start_etl(run.etl_config()).await;
    let gateway = run.start_gateway().await;
    let load = listener_load(&gateway).await;

    tokio::time::sleep(Duration::from_secs(5)).await;
    let leader = nodes::busiest_leader(&run).await;
    println!("killing kafka-{leader} (-9), the leader of most playback partitions");
    nodes::kill(&format!("kafka-{leader}"));
    tokio::time::sleep(Duration::from_secs(20)).await;
    nodes::stack_up();
    nodes::wait_in_sync(&run).await;
    tokio::time::sleep(Duration::from_secs(5)).await;

    let report = load.stop().await;
    report.print("broker kill -9, restarted after 20 s");
    assert_eq!(report.failed, 0, "no request failed after its retries");
    assert!(
        report.longest_gap < Duration::from_secs(10),
        "acknowledgements stopped for {:?}",
        report.longest_gap
    );
    reconcile(&run, &report).await;
    gateway.stop().await;
    etl.stop().await;
    run.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn restarting_every_broker_in_turn_under_load_loses_and_doubles_nothing() {
    let run = TestRun::new("cluster-broker-roll");
    nodes::require_cluster();
    run.create_playback_topics().await;
    let etl = run.start_etl(run.etl_config()).await;
    let gateway = run.start_gateway().await;
    let load = listener_load(&gateway).await;

    tokio::time::sleep(Duration::from_secs(3)).await;
    for node in 1..=3 {
        println!("restarting kafka-{node}");
        nodes::stop(&format!("kafka-{node}"));
        nodes::stack_up();
        nodes::wait_in_sync(&run).await;
    }
    tokio::time::sleep(Duration::from_secs(3)).await;

    let report = load.stop().await;
    report.print("rolling restart of the three brokers");
    assert_eq!(report.failed, 0, "no request failed after its retries");
    assert!(
        report.longest_gap < Duration::from_secs(10),
        "acknowledgements stopped for {:?}",
        report.longest_gap
    );
    reconcile(&run, &report).await;
    gateway.stop().await;
    etl.stop().await;
    run.cleanup().await;
}
