//! Names travel: when an artist or album changes, the documents that carry
//! its name (its albums' and tracks' documents) are re-indexed with the new
//! one. [`crate::awaiting`] decides which owners need it.

use std::collections::HashMap;

use encore_schemas::{CatalogChange, ChangeOp, EntityType};
use serde_json::{json, Value};
use uuid::Uuid;

use crate::bulk::{bulk, Write};
use crate::client::{SearchClient, SearchError};
use crate::documents::Lookups;
use crate::indices::{self, Targets};

/// Re-indexes the documents that carry the name of an artist or album that
/// changed in this batch (one search per carrying field, for the whole
/// batch). Returns how many were rewritten.
pub(crate) async fn propagate(
    client: &SearchClient,
    targets: &Targets,
    lookups: &Lookups,
    changed: &[&CatalogChange],
) -> Result<usize, SearchError> {
    let upserted = |entity: EntityType| -> Vec<Uuid> {
        changed
            .iter()
            .filter(|c| c.op == ChangeOp::Upsert && c.entity_type == entity)
            .map(|c| c.entity_id)
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
    let answer = client.search(&[index], query).await?;
    Ok(answer["hits"]["hits"]
        .as_array()
        .map(|hits| hits.iter().map(|h| h["_source"].clone()).collect())
        .unwrap_or_default())
}
