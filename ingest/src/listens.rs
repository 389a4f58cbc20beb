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

use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::sync::atomic::AtomicU64;
use std::sync::Arc;

use anyhow::Context;
use serde_json::{json, Value};
use time::format_description::BorrowedFormatItem;
use time::macros::format_description;
use time::PrimitiveDateTime;
use uuid::Uuid;

use crate::client::{CatalogRow, Gateway};
use crate::progress::{file_bar, Counting};

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

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HistoryFormat {
    ListenBrainzArray,
    ListenBrainzLines,
    LastFmCsv,
}

impl HistoryFormat {
    pub fn of(path: &Path) -> anyhow::Result<Self> {
        match path.extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase).as_deref() {
            Some("json") => Ok(HistoryFormat::ListenBrainzArray),
            Some("jsonl" | "ndjson") => Ok(HistoryFormat::ListenBrainzLines),
            Some("csv") => Ok(HistoryFormat::LastFmCsv),
            _ => anyhow::bail!(
                "{}: unknown format; a ListenBrainz export is .json or .jsonl, a Last.fm export .csv",
                path.display()
            ),
        }
    }
}

/// Reads every listen of a history; bad lines come back as `Err(location, why)`.
pub fn read_history(path: &Path) -> anyhow::Result<Vec<Result<Listen, (String, String)>>> {
    let format = HistoryFormat::of(path)?;
    let file = File::open(path).with_context(|| format!("opening {}", path.display()))?;
    let input = Counting::new(BufReader::new(file), Arc::new(AtomicU64::new(0)));
    parse_history(format, input)
}

pub fn parse_history<R: BufRead>(
    format: HistoryFormat,
    input: Counting<R>,
) -> anyhow::Result<Vec<Result<Listen, (String, String)>>> {
    match format {
        HistoryFormat::ListenBrainzArray => {
            let lines = input.line_counter();
            let values: Vec<Value> = serde_json::from_reader(input).map_err(|e| {
                anyhow::anyhow!(
                    "line {}: not a ListenBrainz export (a JSON array of listens): {e}",
                    e.line()
                )
            })?;
            drop(lines);
            Ok(values
                .into_iter()
                .enumerate()
                .map(|(i, v)| listenbrainz(&v, format!("listen #{}", i + 1)))
                .collect())
        }
        HistoryFormat::ListenBrainzLines => {
            let mut out = Vec::new();
            for (i, line) in input.lines().enumerate() {
                let line = line.context("reading the file")?;
                if line.trim().is_empty() {
                    continue;
                }
                let location = format!("line {}", i + 1);
                out.push(match serde_json::from_str::<Value>(&line) {
                    Ok(v) => listenbrainz(&v, location),
                    Err(e) => Err((location, format!("not JSON: {e}"))),
                });
            }
            Ok(out)
        }
        HistoryFormat::LastFmCsv => lastfm(input),
    }
}

fn listenbrainz(value: &Value, location: String) -> Result<Listen, (String, String)> {
    let meta = &value["track_metadata"];
    let text = |v: &Value| {
        v.as_str()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
    };
    let fail = |why: &str| Err((location.clone(), why.to_string()));
    let Some(seconds) = value["listened_at"].as_i64() else {
        return fail("listened_at: required, epoch seconds");
    };
    let (Some(artist), Some(title)) = (text(&meta["artist_name"]), text(&meta["track_name"]))
    else {
        return fail("track_metadata: needs artist_name and track_name");
    };
    Ok(Listen {
        location: location.clone(),
        artist,
        title,
        album: text(&meta["release_name"]),
        listened_at_ms: seconds.saturating_mul(1000),
    })
}

const LASTFM_DATE: &[BorrowedFormatItem<'static>] =
    format_description!("[day padding:none] [month repr:short] [year] [hour]:[minute]");

fn lastfm<R: BufRead>(input: Counting<R>) -> anyhow::Result<Vec<Result<Listen, (String, String)>>> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(input);
    let mut columns: Option<Vec<String>> = None;
    let mut out = Vec::new();
    for (i, record) in reader.records().enumerate() {
        let location = |r: &csv::StringRecord| {
            format!(
                "line {}",
                r.position().map(|p| p.line()).unwrap_or(i as u64 + 1)
            )
        };
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                out.push(Err((format!("line {}", i + 1), format!("not CSV: {e}"))));
                continue;
            }
        };
        if i == 0
            && record
                .iter()
                .any(|f| f.eq_ignore_ascii_case("uts") || f.eq_ignore_ascii_case("utc_time"))
        {
            columns = Some(record.iter().map(str::to_ascii_lowercase).collect());
            continue;
        }
        let at = location(&record);
        out.push(
            lastfm_row(&record, columns.as_deref())
                .map_err(|why| (at.clone(), why))
                .map(|mut l| {
                    l.location = at;
                    l
                }),
        );
    }
    Ok(out)
}

fn lastfm_row(record: &csv::StringRecord, columns: Option<&[String]>) -> Result<Listen, String> {
    let get = |name: &str, position: usize| -> Option<String> {
        let index = match columns {
            Some(cols) => cols.iter().position(|c| c == name)?,
            None => position,
        };
        record
            .get(index)
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
    };
    let artist = get("artist", 0).ok_or("artist: required")?;
    let album = get("album", 1);
    let title = get("track", 2).ok_or("track: required")?;
    let listened_at_ms = match get("uts", usize::MAX) {
        Some(uts) => {
            uts.parse::<i64>()
                .map_err(|_| format!("uts: {uts:?} is not epoch seconds"))?
                * 1000
        }
        None => {
            let date = get("utc_time", 3).ok_or("date: required")?;
            let parsed = PrimitiveDateTime::parse(&date, LASTFM_DATE)
                .map_err(|_| format!("date: {date:?} is not like \"31 Jan 2021 12:34\""))?;
            (parsed.assume_utc().unix_timestamp_nanos() / 1_000_000) as i64
        }
    };
    Ok(Listen {
        location: String::new(),
        artist,
        title,
        album,
        listened_at_ms,
    })
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
    use std::io::Cursor;

    fn parse(format: HistoryFormat, text: &str) -> Vec<Result<Listen, (String, String)>> {
        parse_history(
            format,
            Counting::new(
                Cursor::new(text.as_bytes().to_vec()),
                Arc::new(AtomicU64::new(0)),
            ),
        )
        .unwrap()
    }

    #[test]
    fn reads_listenbrainz_lines_and_names_bad_ones() {
        let text = r#"{"listened_at": 1700000000, "track_metadata": {"artist_name": "AC/DC", "track_name": "T.N.T.", "release_name": "High Voltage"}}
{"listened_at": 1700000300, "track_metadata": {"artist_name": "AC/DC"}}
not json
"#;
        let got = parse(HistoryFormat::ListenBrainzLines, text);
        assert_eq!(got.len(), 3);
        let first = got[0].as_ref().unwrap();
        assert_eq!(
            (
                first.artist.as_str(),
                first.title.as_str(),
                first.listened_at_ms
            ),
            ("AC/DC", "T.N.T.", 1_700_000_000_000)
        );
        assert_eq!(got[1].as_ref().unwrap_err().0, "line 2");
        assert!(got[2].as_ref().unwrap_err().1.starts_with("not JSON"));
    }

    #[test]
    fn reads_both_lastfm_layouts() {
        let plain = "Accept,Restless and Wild,Fast As a Shark,02 Nov 2026 10:15\nAccept,,,nope\n";
        let got = parse(HistoryFormat::LastFmCsv, plain);
        let first = got[0].as_ref().unwrap();
        assert_eq!(first.title, "Fast As a Shark");
        assert_eq!(first.listened_at_ms, 1_793_614_500_000);
        assert_eq!(got[1].as_ref().unwrap_err().0, "line 2");

        let headed = "uts,utc_time,artist,artist_mbid,album,album_mbid,track,track_mbid\n1700000000,x,Accept,,Balls to the Wall,,Balls to the Wall,\n";
        let got = parse(HistoryFormat::LastFmCsv, headed);
        assert_eq!(got.len(), 1);
        let listen = got[0].as_ref().unwrap();
        assert_eq!(
            (listen.artist.as_str(), listen.listened_at_ms),
            ("Accept", 1_700_000_000_000)
        );
        assert_eq!(listen.location, "line 2");
    }

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
