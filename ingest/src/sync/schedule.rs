//! `ingest sync` as a long-running service: runs on the cron schedule and
//! on the admin's `POST /v1/admin/sync` requests. Separate because it is the
//! only part of sync with a loop, a clock and a stop signal; a single run
//! (`ingest sync --now`) needs none of it.

use std::collections::BTreeMap;
use std::str::FromStr;
use std::time::Duration;

use super::{run_once, summarize, SourceReport, SyncConfig};
use crate::client::Gateway;

/// Serves the schedule and the gateway's sync requests until `stop` resolves.
pub async fn serve(
    gateway: &Gateway,
    config: &SyncConfig,
    poll: Duration,
    stop: impl std::future::Future<Output = ()>,
) -> anyhow::Result<()> {
    let cron = match &config.schedule {
        Some(p) => Some(croner::Cron::from_str(p)?),
        None => None,
    };
    let next_run = |cron: &Option<croner::Cron>| {
        let now = chrono::Utc::now();
        cron.as_ref()
            .and_then(|c| c.find_next_occurrence(&now, false).ok())
    };
    let mut due = next_run(&cron);
    match &due {
        Some(at) => {
            eprintln!("next scheduled sync at {at}; also serving POST /v1/admin/sync requests")
        }
        None => eprintln!("no schedule; serving POST /v1/admin/sync requests"),
    }
    tokio::pin!(stop);
    loop {
        tokio::select! {
            () = &mut stop => return Ok(()),
            () = tokio::time::sleep(poll) => {}
        }
        if due.is_some_and(|at| at <= chrono::Utc::now()) {
            let outcome = run_once(gateway, config).await;
            print_outcome("scheduled", &outcome);
            due = next_run(&cron);
        }
        match gateway.claim_sync().await {
            Ok(Some(request)) => {
                let outcome = run_once(gateway, config).await;
                print_outcome(&format!("requested ({request})"), &outcome);
                let (ok, summary) = match &outcome {
                    Ok(reports) => (true, summarize(reports)),
                    Err(e) => (false, format!("{e:#}")),
                };
                if let Err(e) = gateway.finish_sync(request, ok, &summary).await {
                    tracing::warn!(error = %e, %request, "could not report a sync's outcome");
                }
            }
            Ok(None) => {}
            Err(e) => tracing::warn!(error = %e, "could not check for sync requests"),
        }
    }
}

fn print_outcome(what: &str, outcome: &anyhow::Result<BTreeMap<String, SourceReport>>) {
    match outcome {
        Ok(reports) => println!("{what} sync done\n{}", summarize(reports)),
        Err(e) => eprintln!("{what} sync failed: {e:#}"),
    }
}
