//! The etl's group changing under load: a third instance joins, then one of
//! the first two leaves. Each instance has its own instance id, so its own
//! transactional ids; a partition that moves is read again from the last
//! offsets committed with its rows, so nothing is lost or counted twice.

use std::time::Duration;

use encore_tests::TestRun;

use crate::{listener_load, nodes, reconcile};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_etl_joining_and_one_leaving_under_load_loses_and_doubles_nothing() {
    let run = TestRun::new("cluster-etl-rebalance");
    nodes::require_cluster();
    run.create_playback_topics().await;
    let instance = |id: &str| {
        let mut config = run.etl_config();
        config.kafka.instance_id = id.to_string();
        config
    };
    let first = run.start_etl(instance("etl-a")).await;
    let second = run.start_etl(instance("etl-b")).await;
    let gateway = run.start_gateway().await;
    let load = listener_load(&gateway).await;

    tokio::time::sleep(Duration::from_secs(5)).await;
    println!("a third etl joins the group");
    let third = run.start_etl(instance("etl-c")).await;
    tokio::time::sleep(Duration::from_secs(10)).await;
    println!("the first etl leaves the group");
    first.stop().await;
    tokio::time::sleep(Duration::from_secs(10)).await;

    let report = load.stop().await;
    report.print("a third etl joined and one left");
    assert_eq!(report.failed, 0, "no request failed after its retries");
    reconcile(&run, &report).await;
    gateway.stop().await;
    second.stop().await;
    third.stop().await;
    run.cleanup().await;
}
