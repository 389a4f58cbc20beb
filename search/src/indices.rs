//! The search indices: one per entity type, each behind an alias
//! (`tracks` → `tracks-v3`), with explicit mappings.
//!
//! Text fields are transliterated, folded and indexed several ways (see
//! [`crate::analysis`]); filters use keyword and numeric fields. Each index
//! records a [`fingerprint`] of its definition, so one built from an older
//! definition can be recognised and rebuilt.
//! Mappings are strict: a document with an unmapped field is refused (and
//! dead-lettered), never silently widened.
//!
//! A deleted entity stays as a small tombstone document (`deleted: true`,
//! with its version) rather than being removed: Elasticsearch forgets the
//! version of a removed document after `index.gc_deletes`, and a replayed
//! older upsert would then bring it back. Searches filter tombstones out.
//!
//! `popularity` holds a track's plays of the last 30 days, which the
//! indexer merges in from the warehouse (`indexer/src/popularity.rs`).

use encore_schemas::EntityType;
use serde_json::{json, Value};

use crate::analysis::{self, all_text, text};
use crate::client::{json, json_or_missing, SearchClient, SearchError};

pub const ALL: [EntityType; 4] = [
    EntityType::Artist,
    EntityType::Album,
    EntityType::Track,
    EntityType::Playlist,
];

/// Index and alias names, with the configured prefix.
#[derive(Debug, Clone, Default)]
pub struct Names {
    prefix: String,
}

impl Names {
    pub fn new(prefix: &str) -> Self {
        Names {
            prefix: prefix.to_ascii_lowercase(),
        }
    }

    /// The alias clients search: `tracks`, `albums`, ...
    pub fn alias(&self, entity: EntityType) -> String {
        format!("{}{}", self.prefix, plural(entity))
    }

    /// A concrete index behind the alias: `tracks-v3`.
    pub fn versioned(&self, entity: EntityType, version: u32) -> String {
        format!("{}-v{version}", self.alias(entity))
    }

    /// The generation number of a concrete index name, if it is one of ours.
    pub fn version_of(&self, entity: EntityType, index: &str) -> Option<u32> {
        index
            .strip_prefix(&format!("{}-v", self.alias(entity)))?
            .parse()
            .ok()
    }
}

pub fn plural(entity: EntityType) -> &'static str {
    match entity {
        EntityType::Artist => "artists",
        EntityType::Album => "albums",
        EntityType::Track => "tracks",
        EntityType::Playlist => "playlists",
    }
}

/// Where documents of each type are written: the aliases while serving,
/// the fresh concrete indices during a rebuild.
#[derive(Debug, Clone)]
pub struct Targets {
    pub artists: String,
    pub albums: String,
    pub tracks: String,
    pub playlists: String,
    /// Writes must go through an alias: with a missing alias the server
    /// would otherwise create a stray index of that name with guessed mappings.
    pub require_alias: bool,
}

impl Targets {
    pub fn aliases(names: &Names) -> Self {
        Targets::from_fn(|e| names.alias(e), true)
    }

    pub fn versioned(names: &Names, version: u32) -> Self {
        Targets::from_fn(|e| names.versioned(e, version), false)
    }

    fn from_fn(name: impl Fn(EntityType) -> String, require_alias: bool) -> Self {
        Targets {
            artists: name(EntityType::Artist),
            albums: name(EntityType::Album),
            tracks: name(EntityType::Track),
            playlists: name(EntityType::Playlist),
            require_alias,
        }
    }

    pub fn of(&self, entity: EntityType) -> &str {
        match entity {
            EntityType::Artist => &self.artists,
            EntityType::Album => &self.albums,
            EntityType::Track => &self.tracks,
            EntityType::Playlist => &self.playlists,
        }
    }
}

fn keyword() -> Value {
    json!({"type": "keyword"})
}

/// A keyword matched case- and accent-insensitively (genres: "Rock" = "rock").
fn folded_keyword() -> Value {
    json!({"type": "keyword", "normalizer": "folded"})
}

fn definition_without_meta(entity: EntityType) -> Value {
    let mut properties = json!({
        "id": keyword(),
        "version": {"type": "long"},
        "deleted": {"type": "boolean"},
        "popularity": {"type": "float"},
        "all_text": all_text(),
    });
    let specific = match entity {
        EntityType::Artist => json!({
            "name": text(), "genres": folded_keyword(), "country": keyword(),
            "image_url": {"type": "keyword", "index": false},
        }),
        EntityType::Album => json!({
            "title": text(), "artist_id": keyword(), "artist_name": text(),
            "year": {"type": "integer"}, "genres": folded_keyword(),
            "cover_url": {"type": "keyword", "index": false},
        }),
        EntityType::Track => json!({
            "title": text(), "artist_id": keyword(), "artist_name": text(),
            "album_id": keyword(), "album_title": text(), "genre": folded_keyword(),
            "year": {"type": "integer"}, "duration_ms": {"type": "long"},
            "cover_url": {"type": "keyword", "index": false},
        }),
        EntityType::Playlist => json!({
            "name": text(), "description": {"type": "text", "analyzer": "folded"},
            "owner_id": keyword(), "public": {"type": "boolean"}, "track_count": {"type": "integer"},
        }),
    };
    if let (Some(all), Some(more)) = (properties.as_object_mut(), specific.as_object()) {
        all.extend(more.clone());
    }
    // A change must be searchable within a second of its write (the brief):
    // with the engine's default refresh of 1 s it never is, after the outbox,
    // the topic and the indexer's batch have had their share. Half a second
    // leaves that share room, at the cost of more, smaller segments.
    json!({
        "settings": {
            "number_of_shards": 1,
            // No replica on one node (where it could never be placed and
            // would leave the index yellow), one on a cluster, so a search
            // node can die without taking a shard with it.
            "auto_expand_replicas": "0-1",
            "refresh_interval": "500ms",
            "analysis": analysis::settings()
        },
        "mappings": {"dynamic": "strict", "properties": properties}
    })
}

/// A fingerprint of [`definition`], kept in each index's `_meta`: an index
/// built from an older definition (other analyzers, other fields) is rebuilt
/// at start-up instead of silently answering the old way.
pub fn fingerprint(entity: EntityType) -> String {
    // FNV-1a: stable across Rust releases, unlike the std hasher.
    let text = definition_without_meta(entity).to_string();
    let hash = text.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    });
    format!("{hash:016x}")
}

/// Settings and mappings of the index for `entity`, with its fingerprint.
pub fn definition(entity: EntityType) -> Value {
    let mut definition = definition_without_meta(entity);
    definition["mappings"]["_meta"] = json!({"definition": fingerprint(entity)});
    definition
}

/// The fingerprint an existing index was built with, if it has one.
pub async fn built_with(client: &SearchClient, index: &str) -> Result<Option<String>, SearchError> {
    let answer = json(
        client
            .es
            .indices()
            .get_mapping(elasticsearch::indices::IndicesGetMappingParts::Index(&[
                index,
            ]))
            .send()
            .await,
    )
    .await?;
    Ok(answer
        .as_object()
        .and_then(|o| o.values().next())
        .and_then(|m| m["mappings"]["_meta"]["definition"].as_str())
        .map(String::from))
}

/// The concrete index each alias points at, or `None` for a missing alias.
pub async fn current(
    client: &SearchClient,
    names: &Names,
    entity: EntityType,
) -> Result<Option<String>, SearchError> {
    let alias = names.alias(entity);
    let answer = json_or_missing(
        client
            .es
            .indices()
            .get_alias(elasticsearch::indices::IndicesGetAliasParts::Name(&[
                &alias,
            ]))
            .send()
            .await,
    )
    .await?;
    Ok(answer.and_then(|a| a.as_object().and_then(|o| o.keys().next().cloned())))
}

/// How many live (non-tombstone) documents an index or alias holds.
pub async fn live_count(client: &SearchClient, index: &str) -> Result<u64, SearchError> {
    let answer = json(
        client
            .es
            .count(elasticsearch::CountParts::Index(&[index]))
            .body(json!({"query": {"bool": {"must_not": {"term": {"deleted": true}}}}}))
            .send()
            .await,
    )
    .await?;
    Ok(answer["count"].as_u64().unwrap_or(0))
}

/// Creates a concrete index with its definition.
pub async fn create(
    client: &SearchClient,
    entity: EntityType,
    index: &str,
) -> Result<(), SearchError> {
    json(
        client
            .es
            .indices()
            .create(elasticsearch::indices::IndicesCreateParts::Index(index))
            .body(definition(entity))
            .send()
            .await,
    )
    .await
    .map(|_| ())
}

/// Points every alias at its `version` index in one atomic request, removing
/// it from whatever it pointed at before.
pub async fn swap_aliases(
    client: &SearchClient,
    names: &Names,
    version: u32,
) -> Result<(), SearchError> {
    let mut actions = Vec::new();
    for entity in ALL {
        let alias = names.alias(entity);
        if let Some(old) = current(client, names, entity).await? {
            actions.push(json!({"remove": {"index": old, "alias": alias}}));
        }
        actions.push(json!({"add": {"index": names.versioned(entity, version), "alias": alias}}));
    }
    json(
        client
            .es
            .indices()
            .update_aliases()
            .body(json!({"actions": actions}))
            .send()
            .await,
    )
    .await
    .map(|_| ())
}

/// Deletes concrete indices (old generations after a swap); missing ones are ignored.
pub async fn delete(client: &SearchClient, indices: &[String]) -> Result<(), SearchError> {
    if indices.is_empty() {
        return Ok(());
    }
    let names: Vec<&str> = indices.iter().map(String::as_str).collect();
    json_or_missing(
        client
            .es
            .indices()
            .delete(elasticsearch::indices::IndicesDeleteParts::Index(&names))
            .send()
            .await,
    )
    .await
    .map(|_| ())
}

/// Makes recent writes visible to search (tests and rebuilds; the server
/// also refreshes on its own about once a second).
pub async fn refresh(client: &SearchClient, indices: &[String]) -> Result<(), SearchError> {
    let names: Vec<&str> = indices.iter().map(String::as_str).collect();
    json(
        client
            .es
            .indices()
            .refresh(elasticsearch::indices::IndicesRefreshParts::Index(&names))
            .send()
            .await,
    )
    .await
    .map(|_| ())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_carry_the_prefix_and_generation() {
        let names = Names::new("T-run-1-");
        assert_eq!(names.alias(EntityType::Track), "t-run-1-tracks");
        assert_eq!(names.versioned(EntityType::Album, 3), "t-run-1-albums-v3");
        assert_eq!(
            names.version_of(EntityType::Album, "t-run-1-albums-v3"),
            Some(3)
        );
        assert_eq!(
            names.version_of(EntityType::Track, "t-run-1-albums-v3"),
            None
        );
    }

    #[test]
    fn each_definition_carries_its_own_fingerprint() {
        for entity in ALL {
            assert_eq!(
                definition(entity)["mappings"]["_meta"]["definition"],
                fingerprint(entity)
            );
        }
        assert_ne!(
            fingerprint(EntityType::Track),
            fingerprint(EntityType::Artist)
        );
    }

    #[test]
    fn mappings_are_strict_and_text_has_a_prefix_field() {
        for entity in ALL {
            let definition = definition(entity);
            assert_eq!(definition["mappings"]["dynamic"], "strict");
            assert_eq!(
                definition["mappings"]["properties"]["deleted"]["type"],
                "boolean"
            );
        }
        let tracks = definition(EntityType::Track);
        assert_eq!(
            tracks["mappings"]["properties"]["title"]["fields"]["prefix"]["analyzer"],
            "folded_prefix"
        );
    }
}
