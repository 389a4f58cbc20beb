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
mod search;
mod warehouse;

use encore_tests::api::{register, Api};
use encore_tests::TestRun;

use load::{Load, Report};

/// Every acknowledged event once in `plays`, and the hourly aggregates equal
/// to a recount of the plays.
pub(crate) async fn reconcile(run: &TestRun, report: &Report) {
    let acked = report.acked as u64;
    assert_eq!(
        run.wait_for_scalar("SELECT count() FROM plays FINAL", acked)
            .await,
        acked,
        "every acknowledged event is in plays"
    );
    assert_eq!(
        run.scalar("SELECT uniqExact(event_id) FROM plays").await,
        acked,
        "and no other"
    );
    let starts = run
        .scalar("SELECT toUInt64(countIf(kind = 'start')) FROM plays FINAL")
        .await;
    assert_eq!(
        run.wait_for_scalar("SELECT toUInt64(sum(plays)) FROM track_hourly", starts)
            .await,
        starts,
        "the hourly aggregates recount to plays"
    );
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
