//! Applies a batch of catalog changes to the index with `_bulk`.
//!
//! Order within a batch: artists and albums first, because track and album
//! documents carry their names; then tracks and playlists; then, for every
//! artist or album that changed, the documents that carry its name are
//! re-indexed with the new one.
//!
//! Every document is written with its entity's own version as an external
//! version, so a replayed or reordered older change is refused by the index
//! (a version conflict, counted, not an error). Re-indexing a document for a
//! new artist name keeps its version and uses `external_gte`.

use std::collections::{HashMap, HashSet};

use elasticsearch::http::request::JsonBody;
use elasticsearch::{BulkParts, MgetParts, SearchParts};
use encore_schemas::{CatalogChange, ChangeOp, EntityType};
use serde_json::{json, Value};
use uuid::Uuid;

use crate::client::{json, SearchClient, SearchError};
use crate::documents::{document, newest_per_entity, AlbumInfo, Lookups};
use crate::indices::{self, Targets};
use crate::popularity::Popularity;

/// Items tagged with the position of their record in the batch.
pub type Tagged<T> = Vec<(usize, T)>;

/// What happened to one change of a batch.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    Written,
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
/// batch is safe.
pub async fn apply(
    client: &SearchClient,
    targets: &Targets,
    popularity: &Popularity,
    changes: Tagged<CatalogChange>,
) -> Result<(Applied, Tagged<String>), SearchError> {
    let changes = newest_per_entity(changes);
    let (first, second): (Vec<_>, Vec<_>) = changes
        .into_iter()
        .partition(|(_, c)| matches!(c.entity_type, EntityType::Artist | EntityType::Album));
    let mut lookups = Lookups::default();
    let first_refs: Vec<&CatalogChange> = first.iter().map(|(_, c)| c).collect();
    lookups.learn(&first_refs);
    let second_refs: Vec<&CatalogChange> = second.iter().map(|(_, c)| c).collect();
    fill_lookups(client, targets, &mut lookups, &first_refs, &second_refs).await?;
    lookups.popularity = popularity.of(second
        .iter()
        .filter(|(_, c)| c.entity_type == EntityType::Track)
        .map(|(_, c)| c.entity_id));

    let mut applied = Applied::default();
    let mut rejected = Vec::new();
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
        for ((at, _), outcome) in phase
            .iter()
            .zip(bulk(client, &writes, targets.require_alias).await?)
        {
            match outcome {
                Outcome::Written => applied.written += 1,
                Outcome::Stale => applied.stale += 1,
                Outcome::Rejected(reason) => {
                    applied.rejected += 1;
                    rejected.push((*at, reason));
                }
            }
        }
    }
    applied.propagated = propagate(client, targets, &lookups, &first).await?;
    Ok((applied, rejected))
}

/// Looks up, in the index, the artist and album names the batch needs but
/// does not itself carry.
async fn fill_lookups(
    client: &SearchClient,
    targets: &Targets,
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

/// Re-indexes the documents that carry the name of an artist or album that
/// changed in this batch (one search per carrying field, for the whole
/// batch). Returns how many were rewritten.
async fn propagate(
    client: &SearchClient,
    targets: &Targets,
    lookups: &Lookups,
    changed: &[(usize, CatalogChange)],
) -> Result<usize, SearchError> {
    let upserted = |entity: EntityType| -> Vec<Uuid> {
        changed
            .iter()
            .filter(|(_, c)| c.op == ChangeOp::Upsert && c.entity_type == entity)
            .map(|(_, c)| c.entity_id)
            .collect()
    };
    let (artists, albums) = (upserted(EntityType::Artist), upserted(EntityType::Album));
    if artists.is_empty() && albums.is_empty() {
        return Ok(0);
    }
    // Search sees only refreshed documents: a track written by the previous
    // batch, before its artist arrived, would be missed and keep no artist
    // name for good. A refresh first makes every earlier write visible.
    indices::refresh(client, &[targets.tracks.clone(), targets.albums.clone()]).await?;
    let carriers = [
        (&targets.tracks, "artist_id", &artists),
        (&targets.albums, "artist_id", &artists),
        (&targets.tracks, "album_id", &albums),
    ];
    // A track may carry both a changed artist and a changed album: both
    // names go into one rewrite, or the second would undo the first.
    let mut rewrites: Vec<(&String, Value, Value)> = Vec::new();
    let mut seen: HashMap<(&String, String), usize> = HashMap::new();
    for (index, field, ids) in carriers {
        for source in carrying(client, index, field, ids).await? {
            let Some(doc_id) = source["id"].as_str().map(String::from) else {
                continue;
            };
            let at = *seen.entry((index, doc_id)).or_insert_with(|| {
                rewrites.push((index, source.clone(), source));
                rewrites.len() - 1
            });
            carry_name(&mut rewrites[at].2, field, lookups);
        }
    }
    let mut writes = Vec::new();
    for (index, before, mut doc) in rewrites {
        if let Some(fields) = doc.as_object_mut() {
            fields.retain(|_, value| !value.is_null());
        }
        if doc == before {
            continue;
        }
        let (Some(id), Some(version)) = (
            doc["id"].as_str().and_then(|s| s.parse().ok()),
            doc["version"].as_i64(),
        ) else {
            continue;
        };
        writes.push(Write {
            index: index.to_string(),
            id,
            version,
            version_type: "external_gte",
            doc,
        });
    }
    let count = writes.len();
    // A conflict here means a newer version of the document was written
    // meanwhile, and it was built with the new name already.
    bulk(client, &writes, targets.require_alias).await?;
    Ok(count)
}

/// Puts the current name of the artist or album `doc` refers to by `field` into it.
fn carry_name(doc: &mut Value, field: &str, lookups: &Lookups) {
    let Some(owner) = doc[field].as_str().and_then(|s| s.parse::<Uuid>().ok()) else {
        return;
    };
    if field == "artist_id" {
        doc["artist_name"] = json!(lookups.artists.get(&owner));
    } else if let Some(album) = lookups.albums.get(&owner) {
        doc["album_title"] = json!(album.title);
        doc["cover_url"] = json!(album.cover_url);
    }
}

/// The live documents of `index` whose `field` is one of `ids` (at most 10,000).
async fn carrying(
    client: &SearchClient,
    index: &str,
    field: &str,
    ids: &[Uuid],
) -> Result<Vec<Value>, SearchError> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let query = json!({
        "size": 10_000,
        "query": {"bool": {"filter": [{"terms": {field: ids}}], "must_not": [{"term": {"deleted": true}}]}}
    });
    let answer = json(
        client
            .es
            .search(SearchParts::Index(&[index]))
            .body(query)
            .send()
            .await,
    )
    .await?;
    Ok(answer["hits"]["hits"]
        .as_array()
        .map(|hits| hits.iter().map(|h| h["_source"].clone()).collect())
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
        200..=299 => Ok(Outcome::Written),
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
            Outcome::Written
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
