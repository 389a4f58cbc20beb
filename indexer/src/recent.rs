//! Artist names and album titles this process wrote or read moments ago.
//!
//! Every track document needs its artist's name and its album's title. Read
//! from the index for each batch, that was one `_mget` of up to a few
//! thousand ids per 5,000 tracks: a third of a bulk load's indexing time, for
//! names the previous batches had just written or read. Kept here for a few
//! seconds, most of them need no request.
//!
//! Why only seconds: the catalog topics are keyed by entity, so with several
//! indexers an artist's rename may be indexed by another process, which then
//! rewrites the documents that carry the old name. A track written here with
//! a remembered name after that rewrite would keep the old one. The window in
//! which that can happen is [`FRESH_FOR`], next to the batch-long window that
//! reading the index already had.

use std::collections::{HashMap, HashSet};
use std::time::{Duration, Instant};

use uuid::Uuid;

use crate::documents::{AlbumInfo, Lookups};

/// How long a remembered name is used without asking the index.
pub const FRESH_FOR: Duration = Duration::from_secs(10);
/// At most this many names of each kind are remembered.
const CAPACITY: usize = 200_000;

/// Recently seen artist names and album titles.
#[derive(Debug, Default)]
pub struct RecentNames {
    artists: HashMap<Uuid, (Instant, String)>,
    albums: HashMap<Uuid, (Instant, AlbumInfo)>,
}

impl RecentNames {
    /// Moves what is remembered, and fresh, of `artists` and `albums` into
    /// `lookups`, and out of the two sets: what is left must be read.
    pub fn recall(
        &self,
        lookups: &mut Lookups,
        artists: &mut HashSet<Uuid>,
        albums: &mut HashSet<Uuid>,
    ) {
        artists.retain(|id| match self.artists.get(id) {
            Some((seen, name)) if seen.elapsed() < FRESH_FOR => {
                lookups.artists.insert(*id, name.clone());
                false
            }
            _ => true,
        });
        albums.retain(|id| match self.albums.get(id) {
            Some((seen, info)) if seen.elapsed() < FRESH_FOR => {
                lookups.albums.insert(*id, info.clone());
                false
            }
            _ => true,
        });
    }

    /// Remembers every name in `lookups` as of now.
    pub fn remember(&mut self, lookups: &Lookups) {
        let now = Instant::now();
        for (id, name) in &lookups.artists {
            self.artists.insert(*id, (now, name.clone()));
        }
        for (id, info) in &lookups.albums {
            self.albums.insert(*id, (now, info.clone()));
        }
        evict(&mut self.artists);
        evict(&mut self.albums);
    }

    /// Forgets `id`: it was deleted, or its change was older than the index's.
    pub fn forget(&mut self, id: &Uuid) {
        self.artists.remove(id);
        self.albums.remove(id);
    }
}

/// Keeps a map of remembered names within [`CAPACITY`].
fn evict<T>(names: &mut HashMap<Uuid, (Instant, T)>) {
    if names.len() > CAPACITY {
        names.retain(|_, (seen, _)| seen.elapsed() < FRESH_FOR);
    }
    if names.len() > CAPACITY {
        names.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recalls_what_it_remembered_and_not_what_it_forgot() {
        let (artist, album, other) = (Uuid::from_u128(1), Uuid::from_u128(2), Uuid::from_u128(3));
        let mut seen = Lookups::default();
        seen.artists.insert(artist, "Artist".into());
        seen.albums.insert(
            album,
            AlbumInfo {
                title: "Album".into(),
                cover_url: None,
            },
        );
        let mut recent = RecentNames::default();
        recent.remember(&seen);

        let mut lookups = Lookups::default();
        let mut artists = HashSet::from([artist, other]);
        let mut albums = HashSet::from([album]);
        recent.recall(&mut lookups, &mut artists, &mut albums);
        assert_eq!(
            artists,
            HashSet::from([other]),
            "only the unknown is left to read"
        );
        assert!(albums.is_empty());
        assert_eq!(lookups.artists[&artist], "Artist");
        assert_eq!(lookups.albums[&album].title, "Album");

        recent.forget(&artist);
        let mut artists = HashSet::from([artist]);
        recent.recall(&mut Lookups::default(), &mut artists, &mut HashSet::new());
        assert_eq!(artists, HashSet::from([artist]));
    }
}
