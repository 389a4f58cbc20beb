//! getScanStatus and startScan: Encore's "scan" is the scheduled sync of
//! audio directories and feeds (`ingest sync`), which also takes requests.
//! `startScan` files one, as the native `POST /v1/admin/sync` does and with
//! the same rule (admins only); `getScanStatus` says whether the newest one
//! is still waiting or running, and how many songs the catalogue holds.

use encore_core::catalog::songs;
use encore_core::syncs;

use super::params::Failure;
use super::response::Element;
use crate::context::{Ctx, Outcome, Reply};

/// `scanning` while the newest sync request waits or runs.
async fn status(ctx: &Ctx) -> Result<Element, Failure> {
    let db = &ctx.state.db;
    let latest = syncs::latest(db).await?;
    let scanning = latest.is_some_and(|r| r.status == "pending" || r.status == "running");
    Ok(Element::new("scanStatus")
        .attr("scanning", scanning)
        .attr("count", songs::count(db).await?))
}

pub(super) async fn scan_status(ctx: &Ctx) -> Outcome {
    Ok(Reply::Payload(status(ctx).await?))
}

/// Asks the running `ingest sync` to sync every source now.
pub(super) async fn start_scan(ctx: &Ctx) -> Outcome {
    if !ctx.caller.is_admin() {
        return Err(Failure::not_authorized("only admins may start a scan"));
    }
    let request = syncs::request(&ctx.state.db, ctx.caller.id).await?;
    tracing::info!(admin = %ctx.caller.id, request = %request.id, "scan requested through subsonic");
    Ok(Reply::Payload(status(ctx).await?))
}
