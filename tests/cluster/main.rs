//! Faults on the cluster topology (`bash scripts/stack test --cluster`, which
//! runs this target by name; plain `cargo test` leaves it out, since it
//! kills and restarts the cluster's own processes).
//!
//! Each scenario puts listening load on a gateway, breaks a node of the
//! cluster meanwhile, and then reconciles: every event the gateway
//! acknowledged is in `plays` exactly once (through `Distributed`, with
//! `FINAL`), and the aggregates agree with a recount of `plays`. It prints
//! what the clients saw: requests, retries, failures after retries and the
//! longest gap between acknowledgements.

mod brokers;
mod consumers;
mod gateways;
mod load;
mod nodes;
mod online;
mod search;
mod warehouse;

use encore_tests::api::{register, Api};
use encore_tests::TestRun;

use load::{Load, Report};

/// Every acknowledged event once in `plays`, and the hourly aggregates equal
/// to a recount of the plays.
pub(crate) async fn reconcile(run: &TestRun, report: &Report) {
    // Where the etl's group stands when the load stops: should the count
    // below fall short, this tells an etl that stopped reading from one that
    // read without writing.
    let (topic, group) = (run.playback_topic(), run.etl_config().group);
    let partitions = run.kafka.partitions;
    let ends = encore_tests::high_watermarks(&run.kafka, &topic, partitions).await;
    let committed = encore_tests::committed_offsets(&run.kafka, &group, &topic, partitions).await;
    println!("at the end of the load: {topic} ends at {ends:?}; group {group} has committed {committed:?}");
    run.reconcile_plays(report.acked as u64).await;
}

pub(crate) async fn listener_load(gateway: &encore_tests::Service) -> Load {
    let listener = register(&Api::new(gateway), "cluster-load").await;
    Load::start(
        gateway.url(""),
        listener.access_token.clone(),
        listener.id,
        4,
    )
}
