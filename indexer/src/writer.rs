//! Applies a batch of catalog changes to the index with `_bulk`.
//!
//! Order within a batch: artists and albums first, because track and album
//! documents carry their names; then tracks and playlists; then, for every
//! artist or album that changed, the documents that carry its name are
//! re-indexed with the new one.
//!
//! Only artists and albums that some document awaits, or that replaced an
//! earlier document, are propagated ([`crate::awaiting`]).
//!
//! Every document is written with its entity's own version as an external
//! version, so a replayed or reordered older change is refused by the index
//! (a version conflict, counted, not an error). Re-indexing a document for a
//! new artist name keeps its version and uses `external_gte`.

use std::collections::HashSet;

use elasticsearch::http::request::JsonBody;
use elasticsearch::{BulkParts, MgetParts};
use encore_schemas::{CatalogChange, ChangeOp, EntityType};
use serde_json::{json, Value};
use uuid::Uuid;

use crate::client::{json, SearchClient, SearchError};
use crate::documents::{document, newest_per_entity, AlbumInfo, Lookups};
use crate::indices::Targets;
use crate::memory::Memory;
use crate::popularity::Popularity;
use crate::propagate;

/// Items tagged with the position of their record in the batch.
pub type Tagged<T> = Vec<(usize, T)>;

/// What happened to one change of a batch.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// `created`: the index held no document under this id before.
    Written { created: bool },
    /// An equal or newer version was already indexed.
    Stale,
    /// The server refused the document itself; it goes to the dead-letter topic.
    Rejected(String),
}

/// Totals of one applied batch, for metrics and logs.
#[derive(Debug, Default, Clone, Copy, PartialEq)]
pub struct Applied {
    pub written: usize,
    pub stale: usize,
    pub rejected: usize,
    pub propagated: usize,
}

pub(crate) struct Write {
    pub(crate) index: String,
    pub(crate) id: Uuid,
    pub(crate) version: i64,
    pub(crate) version_type: &'static str,
    pub(crate) doc: Value,
}

/// Applies `changes` (each with the caller's position of its record) and
/// returns the positions the server rejected, with its reason. A transient
/// failure returns an error and nothing may be committed; retrying the same
/// batch is safe. `memory` belongs to the index `targets` names, and is
/// kept from one batch to the next.
pub async fn apply(
    client: &SearchClient,
    targets: &Targets,
    popularity: &Popularity,
    memory: &mut Memory,
    changes: Tagged<CatalogChange>,
) -> Result<(Applied, Tagged<String>), SearchError> {
    memory.awaiting.ensure_known(client, targets).await?;
    let changes = newest_per_entity(changes);
    let (first, second): (Vec<_>, Vec<_>) = changes
        .into_iter()
        .partition(|(_, c)| matches!(c.entity_type, EntityType::Artist | EntityType::Album));
    let mut lookups = Lookups::default();
    let first_refs: Vec<&CatalogChange> = first.iter().map(|(_, c)| c).collect();
    lookups.learn(&first_refs);
    let second_refs: Vec<&CatalogChange> = second.iter().map(|(_, c)| c).collect();
    fill_lookups(
        client,
        targets,
        memory,
        &mut lookups,
        &first_refs,
        &second_refs,
    )
    .await?;
    lookups.popularity = popularity.of(second
        .iter()
        .filter(|(_, c)| c.entity_type == EntityType::Track)
        .map(|(_, c)| c.entity_id));

    let mut applied = Applied::default();
    let mut rejected = Vec::new();
    let mut created = HashSet::new();
    // Names the index did not take from this batch: deletes, and changes
    // older than what it holds.
    let mut not_names: Vec<Uuid> = first
        .iter()
        .filter(|(_, c)| c.op == ChangeOp::Delete)
        .map(|(_, c)| c.entity_id)
        .collect();
    for phase in [&first, &second] {
        let writes: Vec<Write> = phase
            .iter()
            .map(|(_, change)| Write {
                index: targets.of(change.entity_type).to_string(),
                id: change.entity_id,
                version: change.version,
                version_type: "external",
                doc: document(change, &lookups),
            })
            .collect();
        for write in &writes {
            memory.awaiting.note(&write.doc, &lookups);
        }
        for ((at, change), outcome) in phase
            .iter()
            .zip(bulk(client, &writes, targets.require_alias).await?)
        {
            match outcome {
                Outcome::Written { created: new } => {
                    applied.written += 1;
                    if new {
                        created.insert(change.entity_id);
                    }
                }
                Outcome::Stale => {
                    applied.stale += 1;
                    not_names.push(change.entity_id);
                }
                Outcome::Rejected(reason) => {
                    applied.rejected += 1;
                    not_names.push(change.entity_id);
                    rejected.push((*at, reason));
                }
            }
        }
    }
    memory.recent.remember(&lookups);
    for id in &not_names {
        memory.recent.forget(id);
    }
    let owners: Vec<&CatalogChange> = first
        .iter()
        .map(|(_, change)| change)
        .filter(|c| {
            memory.awaiting.must_propagate(
                c.entity_type,
                c.entity_id,
                created.contains(&c.entity_id),
            )
        })
        .collect();
    applied.propagated = propagate::propagate(client, targets, &lookups, &owners).await?;
    Ok((applied, rejected))
}

/// Looks up, in the index, the artist and album names the batch needs but
/// does not itself carry.
async fn fill_lookups(
    client: &SearchClient,
    targets: &Targets,
    memory: &mut Memory,
    lookups: &mut Lookups,
    first: &[&CatalogChange],
    second: &[&CatalogChange],
) -> Result<(), SearchError> {
    let mut artists = HashSet::new();
    let mut albums = HashSet::new();
    for change in first.iter().chain(second) {
        if let Some(a) = &change.album {
            artists.insert(a.artist_id);
        }
        if let Some(t) = &change.track {
            artists.insert(t.artist_id);
            albums.extend(t.album_id);
        }
    }
    artists.retain(|id| !lookups.artists.contains_key(id));
    albums.retain(|id| !lookups.albums.contains_key(id));
    memory.recent.recall(lookups, &mut artists, &mut albums);
    for (id, _, source) in mget(client, &targets.artists, &artists).await? {
        if let Some(name) = source["name"].as_str() {
            lookups.artists.insert(id, name.to_string());
        }
    }
    for (id, _, source) in mget(client, &targets.albums, &albums).await? {
        if let Some(title) = source["title"].as_str() {
            let cover_url = source["cover_url"].as_str().map(String::from);
            lookups.albums.insert(
                id,
                AlbumInfo {
                    title: title.to_string(),
                    cover_url,
                },
            );
        }
    }
    Ok(())
}

/// The live documents among `ids`: id, the version the index holds, source.
pub(crate) async fn mget(
    client: &SearchClient,
    index: &str,
    ids: impl IntoIterator<Item = &Uuid>,
) -> Result<Vec<(Uuid, i64, Value)>, SearchError> {
    let ids: Vec<String> = ids.into_iter().map(Uuid::to_string).collect();
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let answer = json(
        client
            .es
            .mget(MgetParts::Index(index))
            .body(json!({"ids": ids}))
            .send()
            .await,
    )
    .await?;
    Ok(answer["docs"]
        .as_array()
        .map(|docs| {
            docs.iter()
                .filter(|d| d["found"] == true && d["_source"]["deleted"] != true)
                .filter_map(|d| {
                    Some((
                        d["_id"].as_str()?.parse().ok()?,
                        d["_version"].as_i64()?,
                        d["_source"].clone(),
                    ))
                })
                .collect()
        })
        .unwrap_or_default())
}

/// Sends the writes in one `_bulk` request and reads each item's outcome.
/// Items that failed transiently (429, 5xx) fail the whole call.
pub(crate) async fn bulk(
    client: &SearchClient,
    writes: &[Write],
    require_alias: bool,
) -> Result<Vec<Outcome>, SearchError> {
    if writes.is_empty() {
        return Ok(Vec::new());
    }
    let mut body: Vec<JsonBody<Value>> = Vec::with_capacity(writes.len() * 2);
    for w in writes {
        body.push(json!({"index": {"_index": w.index, "_id": w.id, "version": w.version, "version_type": w.version_type}}).into());
        body.push(w.doc.clone().into());
    }
    let started = std::time::Instant::now();
    let answer = json(
        client
            .es
            .bulk(BulkParts::None)
            .require_alias(require_alias)
            .body(body)
            .send()
            .await,
    )
    .await?;
    metrics::histogram!(encore_common::metrics::INDEXER_BULK_SECONDS.name)
        .record(started.elapsed().as_secs_f64());
    let items = answer["items"].as_array().cloned().unwrap_or_default();
    if items.len() != writes.len() {
        return Err(SearchError::Status {
            status: 502,
            body: format!(
                "_bulk answered {} items for {} writes",
                items.len(),
                writes.len()
            ),
        });
    }
    items.iter().map(item_outcome).collect()
}

fn item_outcome(item: &Value) -> Result<Outcome, SearchError> {
    let result = &item["index"];
    let status = result["status"].as_u64().unwrap_or(0) as u16;
    match status {
        200..=299 => Ok(Outcome::Written {
            created: result["result"] == "created",
        }),
        409 => Ok(Outcome::Stale),
        429 | 500..=599 | 0 => Err(SearchError::Status {
            status,
            body: result["error"].to_string(),
        }),
        _ => {
            let error = &result["error"];
            let reason = format!(
                "{}: {}",
                error["type"].as_str().unwrap_or("rejected"),
                error["reason"]
                    .as_str()
                    .unwrap_or("the search server refused the document")
            );
            Ok(Outcome::Rejected(reason))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn item_statuses_map_to_outcomes() {
        let item = |status: u64, error: Value| json!({"index": {"status": status, "error": error}});
        assert_eq!(
            item_outcome(&item(201, Value::Null)).unwrap(),
            Outcome::Written { created: false }
        );
        let created = json!({"index": {"status": 201, "result": "created"}});
        assert_eq!(
            item_outcome(&created).unwrap(),
            Outcome::Written { created: true }
        );
        assert_eq!(
            item_outcome(&item(
                409,
                json!({"type": "version_conflict_engine_exception"})
            ))
            .unwrap(),
            Outcome::Stale
        );
        let rejected = item_outcome(&item(
            400,
            json!({"type": "strict_dynamic_mapping_exception", "reason": "no field x"}),
        ))
        .unwrap();
        assert_eq!(
            rejected,
            Outcome::Rejected("strict_dynamic_mapping_exception: no field x".into())
        );
        assert!(item_outcome(&item(429, json!({})))
            .unwrap_err()
            .is_transient());
        assert!(item_outcome(&item(503, json!({})))
            .unwrap_err()
            .is_transient());
    }
}
