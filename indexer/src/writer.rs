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

use encore_schemas::{CatalogChange, ChangeOp, EntityType};
use uuid::Uuid;

use crate::bulk::{bulk, mget, Write};
use crate::client::{SearchClient, SearchError};
use crate::documents::{document, newest_per_entity, AlbumInfo, Lookups};
use crate::indices::Targets;
use crate::memory::Memory;
use crate::popularity::Popularity;
use crate::propagate;

pub use crate::bulk::Outcome;

/// Items tagged with the position of their record in the batch.
pub type Tagged<T> = Vec<(usize, T)>;

/// Totals of one applied batch, for metrics and logs.
#[derive(Debug, Default, Clone, Copy, PartialEq)]
pub struct Applied {
    pub written: usize,
    pub stale: usize,
    pub rejected: usize,
    pub propagated: usize,
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
