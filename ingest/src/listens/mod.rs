//! `ingest listens FILE --user LOGIN`: a listener's history from another
//! service, as playback events.
//!
//! Formats:
//! - ListenBrainz export: a JSON array (`.json`) or JSON Lines (`.jsonl`) of
//!   `{listened_at, track_metadata: {artist_name, track_name, release_name,
//!   additional_info: {duration_ms}}}`;
//! - Last.fm scrobbles CSV: either the header-less `artist,album,track,date`
//!   of the common exporters (`date` like `31 Jan 2021 12:34`, UTC), or a
//!   header naming `artist`, `track`, `album` and `uts` (epoch seconds) or
//!   `utc_time`.
//!
//! Each listen is matched to a catalog track by normalised artist and title
//! (`POST /v1/catalog/match`); with `--create-missing` an unknown one is added
//! to the catalog first (needs the ingest admin). A matched listen becomes a
//! `start` at its original time and a `complete` a track's length later. The
//! event ids are UUIDv5s of the listener, the time and the track, so
//! importing a history twice, or a history that holds a listen twice, adds
//! each listen once: the pipeline keeps one play per event id.

mod history;

use anyhow::Context;
use serde_json::{json, Value};
use uuid::Uuid;

use crate::client::{CatalogRow, Gateway};
use crate::progress::file_bar;

pub use history::{parse_history, read_history, HistoryFormat};

/// Listens matched per request (each makes two events; the gateway takes 500).
const CHUNK: usize = 250;
/// Listens before 2000 are refused by the gateway (a seconds/millis mix-up).
const EARLIEST_MS: i64 = 946_684_800_000;
/// Namespace of the event and session ids of imported listens.
const NAMESPACE: Uuid = Uuid::from_u128(0x6c1f_5f0e_3c1a_4b8e_9a57_1e0d_2f4b_7c11);

/// One listen read from a history.
#[derive(Debug, Clone, PartialEq)]
pub struct Listen {
    pub location: String,
    pub artist: String,
    pub title: String,
    pub album: Option<String>,
    pub listened_at_ms: i64,
}

/// What an import of listens did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct ListenTally {
    pub read: u64,
    pub matched: u64,
    pub created: u64,
    pub unmatched: u64,
    pub rejected: u64,
    pub events: u64,
}

impl std::fmt::Display for ListenTally {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} listens read: {} matched ({} of them added to the catalog), {} not in the catalog, \
             {} rejected; {} playback events sent",
            self.read, self.matched, self.created, self.unmatched, self.rejected, self.events
        )
    }
}

/// The two events one matched listen becomes.
pub fn events_of(
    user: Uuid,
    listen: &Listen,
    track: Uuid,
    duration_ms: i64,
    source: &str,
) -> [Value; 2] {
    // Not the spelling: "T.N.T." and "tnt" at the same second are one listen.
    let what = format!("{}|{}", listen.listened_at_ms, track);
    let user_ns = Uuid::new_v5(&NAMESPACE, user.as_bytes());
    let day = listen.listened_at_ms.div_euclid(86_400_000);
    let session = Uuid::new_v5(&user_ns, format!("session|{day}").as_bytes());
    let event = |kind: &str, position: i64| {
        json!({
            "event_id": Uuid::new_v5(&user_ns, format!("{what}|{kind}").as_bytes()),
            "track_id": track,
            "session_id": session,
            "kind": kind,
            "position_ms": position,
            "track_duration_ms": duration_ms,
            "occurred_at": listen.listened_at_ms + position,
            "client": {"app": "encore-ingest", "version": env!("CARGO_PKG_VERSION")},
            "device": {"id": "history-import", "platform": "other"},
            "context": {"kind": "other", "id": source},
        })
    };
    [event("start", 0), event("complete", duration_ms)]
}

/// Artist and track rows that put an unknown listen into the catalog.
pub fn catalog_rows_for(listen: &Listen) -> [CatalogRow; 2] {
    let artist_key = simple_key(&listen.artist);
    let artist_id = format!("listens:{artist_key}");
    [
        CatalogRow::Artist {
            external_id: artist_id.clone(),
            name: listen.artist.clone(),
            genres: vec![],
            country: None,
        },
        CatalogRow::Track {
            external_id: format!("listens:{artist_key}/{}", simple_key(&listen.title)),
            artist_external_id: artist_id,
            album_external_id: None,
            title: listen.title.clone(),
            duration_ms: None,
            genre: None,
            release_year: None,
            track_number: None,
        },
    ]
}

fn simple_key(text: &str) -> String {
    text.to_lowercase()
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join("-")
}

/// Options of an import of listens.
pub struct ListenImport<'a> {
    /// Logged in as the listener.
    pub listener: &'a Gateway,
    /// Logged in as the ingest admin, when unknown tracks are to be created.
    pub creator: Option<&'a Gateway>,
    pub source: &'a str,
}

impl ListenImport<'_> {
    pub async fn run(
        &self,
        listens: Vec<Result<Listen, (String, String)>>,
    ) -> anyhow::Result<ListenTally> {
        let user = self
            .listener
            .my_id()
            .await
            .context("reading the listener's account")?;
        let mut tally = ListenTally::default();
        let bar = file_bar(listens.len() as u64, "listens");
        let now = encore_common::now_millis();
        let mut good = Vec::new();
        for item in listens {
            tally.read += 1;
            match item {
                Ok(l) if l.listened_at_ms < EARLIEST_MS || l.listened_at_ms > now + 86_400_000 => {
                    tally.rejected += 1;
                    bar.println(format!(
                        "rejected {}: the time is before 2000 or in the future",
                        l.location
                    ));
                }
                Ok(l) => good.push(l),
                Err((location, why)) => {
                    tally.rejected += 1;
                    bar.println(format!("rejected {location}: {why}"));
                }
            }
        }
        bar.inc(tally.rejected);
        for chunk in good.chunks(CHUNK) {
            self.import_chunk(user, chunk, &mut tally).await?;
            bar.inc(chunk.len() as u64);
        }
        bar.finish_and_clear();
        Ok(tally)
    }

    async fn import_chunk(
        &self,
        user: Uuid,
        chunk: &[Listen],
        tally: &mut ListenTally,
    ) -> anyhow::Result<()> {
        let pairs: Vec<(String, String)> = chunk
            .iter()
            .map(|l| (l.artist.clone(), l.title.clone()))
            .collect();
        let mut matches = self
            .listener
            .match_tracks(&pairs)
            .await
            .context("matching listens to the catalog")?;
        if let Some(creator) = self.creator {
            let missing: Vec<usize> = (0..chunk.len())
                .filter(|&i| matches[i].track_id.is_none())
                .collect();
            if !missing.is_empty() {
                let rows: Vec<CatalogRow> = missing
                    .iter()
                    .flat_map(|&i| catalog_rows_for(&chunk[i]))
                    .collect();
                let results = creator
                    .import(&rows)
                    .await
                    .context("adding unknown tracks to the catalog")?;
                tally.created += results
                    .iter()
                    .zip(&rows)
                    .filter(|(r, row)| row.kind() == "track" && r.status == "created")
                    .count() as u64;
                let again: Vec<(String, String)> =
                    missing.iter().map(|&i| pairs[i].clone()).collect();
                let found = self
                    .listener
                    .match_tracks(&again)
                    .await
                    .context("matching added tracks")?;
                for (&i, hit) in missing.iter().zip(found) {
                    matches[i] = hit;
                }
            }
        }
        let mut events = Vec::with_capacity(chunk.len() * 2);
        for (listen, hit) in chunk.iter().zip(&matches) {
            match hit.track_id {
                Some(track) => {
                    tally.matched += 1;
                    let duration = hit.duration_ms.filter(|d| *d > 0).unwrap_or(180_000);
                    events.extend(events_of(user, listen, track, duration, self.source));
                }
                None => tally.unmatched += 1,
            }
        }
        for batch in events.chunks(500) {
            tally.events += self
                .listener
                .post_playback(batch)
                .await
                .context("sending playback events")? as u64;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn event_ids_depend_on_listener_time_and_track_not_spelling_or_source() {
        let listen = Listen {
            location: "line 1".into(),
            artist: "A".into(),
            title: "T".into(),
            album: None,
            listened_at_ms: 1_700_000_000_000,
        };
        let (user, track) = (Uuid::from_u128(1), Uuid::from_u128(2));
        let a = events_of(user, &listen, track, 1000, "lastfm");
        let b = events_of(
            user,
            &Listen {
                location: "line 9".into(),
                title: "t".into(),
                ..listen.clone()
            },
            track,
            1000,
            "listenbrainz",
        );
        assert_eq!(a[0]["event_id"], b[0]["event_id"]);
        assert_ne!(a[0]["event_id"], a[1]["event_id"]);
        let other = events_of(Uuid::from_u128(3), &listen, track, 1000, "lastfm");
        assert_ne!(a[0]["event_id"], other[0]["event_id"]);
        assert_eq!(a[1]["occurred_at"], 1_700_000_001_000_i64);
    }
}
