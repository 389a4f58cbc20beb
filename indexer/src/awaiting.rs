//! The artists and albums that documents in the index are waiting for.
//!
//! A track or album document carries its artist's name (and a track its
//! album's title), looked up when it is written. When the artist or album has
//! not been indexed yet (the three catalog topics are read side by side, so a
//! track often comes first), the document is written without the name and
//! must be rewritten when its owner arrives. Finding those documents takes a
//! refresh and a search per batch, which cost a bulk load a fifth of its time
//! while finding nothing almost every time: a new artist's tracks usually
//! come in the same batch or after it.
//!
//! So the writer remembers which owners some written document lacks. A new
//! artist or album (the index answered `created`) is propagated only if it is
//! awaited; one that replaced a document (a rename, a re-creation) or was a
//! replay always is, as before. A process that starts does not know what an
//! earlier one wrote, so its first batch asks the index: every document with
//! an owner id but no owner name.

use std::collections::HashSet;

use encore_schemas::EntityType;
use serde_json::{json, Value};
use uuid::Uuid;

use crate::client::{SearchClient, SearchError};
use crate::documents::Lookups;
use crate::indices::{self, Targets};

/// Owners awaited by documents already written.
#[derive(Debug, Default)]
pub struct Awaiting {
    /// Whether the sets below are complete for the index being written;
    /// until then the next batch reads them from the index.
    known: bool,
    artists: HashSet<Uuid>,
    albums: HashSet<Uuid>,
}

impl Awaiting {
    /// For an index written before: the first batch reads what it awaits.
    pub fn unknown() -> Self {
        Awaiting::default()
    }

    /// Reads the awaited owners from the index, unless they are known.
    pub(crate) async fn ensure_known(
        &mut self,
        client: &SearchClient,
        targets: &Targets,
    ) -> Result<(), SearchError> {
        if self.known {
            return Ok(());
        }
        // Documents written just before this process started may not be
        // searchable yet.
        indices::refresh(client, &[targets.tracks.clone(), targets.albums.clone()]).await?;
        let mut artists = lacking(client, &targets.tracks, "artist_id", "artist_name").await?;
        artists.extend(lacking(client, &targets.albums, "artist_id", "artist_name").await?);
        let albums = lacking(client, &targets.tracks, "album_id", "album_title").await?;
        tracing::info!(
            artists = artists.len(),
            albums = albums.len(),
            "owners awaited by documents in the index"
        );
        *self = Awaiting {
            known: true,
            artists,
            albums,
        };
        Ok(())
    }

    /// Notes the owners `doc` was written without.
    pub(crate) fn note(&mut self, doc: &Value, lookups: &Lookups) {
        let id = |field: &str| doc[field].as_str().and_then(|s| s.parse::<Uuid>().ok());
        if let Some(artist) = id("artist_id") {
            if !lookups.artists.contains_key(&artist) {
                self.artists.insert(artist);
            }
        }
        if let Some(album) = id("album_id") {
            if !lookups.albums.contains_key(&album) {
                self.albums.insert(album);
            }
        }
    }

    /// Whether documents carrying the name of `id` must be looked for, now
    /// that it was written; `created` is whether the index had no document
    /// under its id before. An awaited owner is awaited no more.
    pub(crate) fn must_propagate(&mut self, entity: EntityType, id: Uuid, created: bool) -> bool {
        let awaited = match entity {
            EntityType::Artist => self.artists.remove(&id),
            EntityType::Album => self.albums.remove(&id),
            EntityType::Track | EntityType::Playlist => false,
        };
        awaited || !created
    }
}

/// The distinct `owner` ids of live documents in `index` whose `name` field
/// holds no words: written before their owner was known.
async fn lacking(
    client: &SearchClient,
    index: &str,
    owner: &str,
    name: &str,
) -> Result<HashSet<Uuid>, SearchError> {
    let mut found = HashSet::new();
    let mut after: Option<Value> = None;
    loop {
        let mut composite =
            json!({"size": 1_000, "sources": [{"id": {"terms": {"field": owner}}}]});
        if let Some(after) = after.take() {
            composite["after"] = after;
        }
        let query = json!({
            "size": 0,
            "query": {"bool": {
                "filter": [{"exists": {"field": owner}}],
                "must_not": [{"wildcard": {name: "*"}}, {"term": {"deleted": true}}]
            }},
            "aggs": {"owners": {"composite": composite}}
        });
        let answer = client.search(&[index], query).await?;
        let owners = &answer["aggregations"]["owners"];
        let buckets = owners["buckets"]
            .as_array()
            .map(Vec::as_slice)
            .unwrap_or(&[]);
        found.extend(
            buckets
                .iter()
                .filter_map(|b| b["key"]["id"].as_str()?.parse::<Uuid>().ok()),
        );
        match owners.get("after_key") {
            Some(key) if !buckets.is_empty() => after = Some(key.clone()),
            _ => return Ok(found),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn notes_owners_missing_from_the_lookups_and_forgets_them_once_propagated() {
        let (known, artist, album) = (Uuid::from_u128(1), Uuid::from_u128(2), Uuid::from_u128(3));
        let mut lookups = Lookups::default();
        lookups.artists.insert(known, "Known".into());
        let mut awaiting = Awaiting {
            known: true,
            ..Awaiting::default()
        };
        awaiting.note(&json!({"artist_id": known}), &lookups);
        awaiting.note(&json!({"artist_id": artist, "album_id": album}), &lookups);
        assert_eq!(awaiting.artists, HashSet::from([artist]));
        assert_eq!(awaiting.albums, HashSet::from([album]));

        // New and not awaited: nothing can carry its name yet.
        assert!(!awaiting.must_propagate(EntityType::Artist, known, true));
        // Awaited: once.
        assert!(awaiting.must_propagate(EntityType::Artist, artist, true));
        assert!(!awaiting.must_propagate(EntityType::Artist, artist, true));
        assert!(awaiting.must_propagate(EntityType::Album, album, true));
        // Replacing an earlier document (a rename) or a replay: always.
        assert!(awaiting.must_propagate(EntityType::Artist, known, false));
    }
}
