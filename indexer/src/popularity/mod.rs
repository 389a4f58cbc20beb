//! Popularity: every track's plays of the last 30 days, read from the
//! warehouse every `ENCORE_INDEXER_POPULARITY_MS` and merged into the track
//! documents, where the gateway adds `weight × ln(1 + plays)` to the text
//! score (`docs/search.md`).
//!
//! Popularity must never regress a catalog change, and the index orders
//! writes by external version (the entity's own). So an update re-writes the
//! document with the version it already has (`external_gte`): a catalog
//! change that lands first carries a higher version and wins, and one that
//! lands after finds its version still free. A catalog change between two
//! rounds keeps the popularity too: the writer takes it from this module's
//! latest reading ([`Popularity::of`]).

mod counts;

use std::collections::HashMap;
use std::time::Duration;

use serde_json::json;
use uuid::Uuid;

pub use self::counts::Popularity;
use crate::bulk::{bulk, mget, Outcome, Write};
use crate::client::SearchError;
use crate::Indexer;

/// The window of plays that makes a track popular.
const DAYS: u32 = 30;
/// Documents per `_mget` and `_bulk` of one round.
const CHUNK: usize = 1_000;

/// Reads and merges popularity every `every` until the task is dropped.
pub async fn run(indexer: &Indexer, db: clickhouse::Client, every: Duration) {
    let mut ticks = tokio::time::interval(every);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticks.tick().await;
        match round(indexer, &db).await {
            Ok(0) => {}
            Ok(updated) => tracing::debug!(updated, "popularity merged into the index"),
            Err(error) => {
                tracing::warn!(%error, "merging popularity failed; trying again next round")
            }
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum PopularityError {
    #[error("reading play counts: {0}")]
    Warehouse(#[from] clickhouse::error::Error),
    #[error(transparent)]
    Search(#[from] SearchError),
}

/// One round: read, diff against the last reading, write what changed.
#[tracing::instrument(name = "popularity", skip_all)]
pub async fn round(indexer: &Indexer, db: &clickhouse::Client) -> Result<usize, PopularityError> {
    let plays = match encore_warehouse::charts::track_plays(db, DAYS).await {
        Ok(plays) => plays,
        // No plays table yet (the etl has not set the warehouse up): nothing to merge.
        Err(error)
            if encore_warehouse::unavailable(&error)
                == Some(encore_warehouse::Unavailable::NotSetUp) =>
        {
            return Ok(0)
        }
        Err(error) => return Err(error.into()),
    };
    let changed = indexer
        .popularity
        .replace(plays.into_iter().map(|(t, p)| (t, p as f64)).collect());
    let alias = indexer.names.alias(encore_schemas::EntityType::Track);
    let mut updated = 0;
    for chunk in changed.chunks(CHUNK) {
        let wanted: HashMap<Uuid, f64> = chunk.iter().copied().collect();
        let mut writes = Vec::new();
        for (id, version, mut doc) in mget(&indexer.client, &alias, wanted.keys()).await? {
            let popularity = wanted.get(&id).copied().unwrap_or(0.0);
            if doc["popularity"].as_f64() == Some(popularity) {
                continue;
            }
            doc["popularity"] = json!(popularity);
            writes.push(Write {
                index: alias.clone(),
                id,
                version,
                version_type: "external_gte",
                doc,
            });
        }
        // A conflict means a catalog change landed in between; it was
        // written with this round's popularity already.
        let outcomes = bulk(&indexer.client, &writes, true).await?;
        updated += outcomes
            .iter()
            .filter(|o| matches!(o, Outcome::Written { .. }))
            .count();
        indexer.popularity.sent(chunk);
    }
    metrics::counter!(encore_common::metrics::INDEXER_POPULARITY_UPDATES_TOTAL.name)
        .increment(updated as u64);
    Ok(updated)
}
