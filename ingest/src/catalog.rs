//! `ingest catalog FILE`: artists, albums and tracks from a file into the
//! gateway's bulk import, idempotent by the source's external ids.
//!
//! Formats, chosen by the file's extension:
//! - `.jsonl` / `.ndjson`: one object per line, either a row (`"kind": "artist" | "album" | "track"`)
//!   or a MusicBrainz-style artist (below);
//! - `.json`: an array of the same objects, streamed element by element;
//! - `.csv`: a header naming the columns (`kind, external_id, name, title,
//!   artist_external_id, album_external_id, genres, country, release_year,
//!   duration_ms, genre, track_number`), genres separated by `;`.
//!
//! A MusicBrainz-style artist nests its releases and their recordings as the
//! MusicBrainz web service does: `{id, name, country, genres: [{name}],
//! releases: [{id, title, date, media: [{tracks: [{id, position, recording:
//! {id, title, length}}]}]}]}` (or `recordings` directly under a release).
//!
//! The file is read on a blocking thread and handed over in rows, so memory
//! stays constant however large the file; rows go to the gateway 500 at a
//! time, in file order, so parents sent earlier exist when their children
//! arrive. A bad row is reported with its line and the import goes on.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Instant;

use anyhow::Context;
use serde::de::{DeserializeSeed, SeqAccess, Visitor};
use serde_json::Value;
use tokio::sync::mpsc;

use crate::client::{CatalogRow, Gateway};
use crate::progress::{file_bar, Counting};

/// Rows per import request.
pub const BATCH: usize = 500;
/// Rejections printed as they happen; the rest are counted.
const SHOWN_REJECTIONS: usize = 50;

/// One row read from the file, or why a piece of the file is not a row.
#[derive(Debug, Clone, PartialEq)]
pub struct Located {
    /// Where in the file: `line 12`, or `line 40, releases[1].recordings[4]`.
    pub location: String,
    pub row: Result<CatalogRow, String>,
}

/// What an import did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Tally {
    /// (kind, outcome) → rows.
    pub counts: BTreeMap<(String, String), u64>,
    /// Every rejected row: location and reasons.
    pub rejected: Vec<(String, String)>,
}

impl Tally {
    pub fn total(&self, outcome: &str) -> u64 {
        self.counts
            .iter()
            .filter(|((_, o), _)| o == outcome)
            .map(|(_, n)| n)
            .sum()
    }

    pub fn rows(&self) -> u64 {
        self.counts.values().sum()
    }

    fn add(&mut self, kind: &str, outcome: &str) {
        *self
            .counts
            .entry((kind.to_string(), outcome.to_string()))
            .or_default() += 1;
    }

    /// The table printed at the end of an import.
    pub fn summary(&self) -> String {
        let mut out = format!(
            "{:<8} {:>9} {:>9} {:>9} {:>9}\n",
            "kind", "created", "updated", "unchanged", "rejected"
        );
        for kind in ["artist", "album", "track", "?"] {
            let n = |o: &str| {
                self.counts
                    .get(&(kind.to_string(), o.to_string()))
                    .copied()
                    .unwrap_or(0)
            };
            if ["created", "updated", "unchanged", "rejected"]
                .iter()
                .all(|o| n(o) == 0)
            {
                continue;
            }
            out += &format!(
                "{kind:<8} {:>9} {:>9} {:>9} {:>9}\n",
                n("created"),
                n("updated"),
                n("unchanged"),
                n("rejected")
            );
        }
        out
    }
}

/// The file formats `ingest catalog` reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    JsonLines,
    JsonArray,
    Csv,
}

impl Format {
    pub fn of(path: &Path) -> anyhow::Result<Format> {
        match path.extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase).as_deref() {
            Some("jsonl" | "ndjson") => Ok(Format::JsonLines),
            Some("json") => Ok(Format::JsonArray),
            Some("csv") => Ok(Format::Csv),
            _ => anyhow::bail!(
                "{}: unknown format; name the file .json (an array), .jsonl (one object per line) or .csv",
                path.display()
            ),
        }
    }
}

/// Imports `path` through `gateway`, printing progress and rejections.
pub async fn import_file(gateway: &Gateway, path: &Path) -> anyhow::Result<Tally> {
    let format = Format::of(path)?;
    let file = File::open(path).with_context(|| format!("opening {}", path.display()))?;
    let size = file.metadata().map(|m| m.len()).unwrap_or(0);
    let read = Arc::new(AtomicU64::new(0));
    let (tx, rx) = mpsc::channel::<Located>(BATCH * 4);
    let reader_bytes = read.clone();
    let reader = tokio::task::spawn_blocking(move || {
        let input = Counting::new(BufReader::with_capacity(1 << 16, file), reader_bytes);
        read_rows(format, input, &mut |row| tx.blocking_send(row).is_ok())
    });
    let bar = file_bar(size, "importing");
    let started = Instant::now();
    let tally = send_rows(
        gateway,
        rx,
        &mut |tally: &Tally| {
            bar.set_position(read.load(Ordering::Relaxed));
            let rate = tally.rows() as f64 / started.elapsed().as_secs_f64().max(1e-3);
            bar.set_message(format!("{} rows ({rate:.0} rows/s)", tally.rows()));
        },
        &bar,
    )
    .await;
    bar.finish_and_clear();
    reader.await.context("the file reader stopped")??;
    let tally = tally?;
    let secs = started.elapsed().as_secs_f64();
    eprintln!(
        "{}: {} rows in {secs:.1} s ({:.0} rows/s)",
        path.display(),
        tally.rows(),
        tally.rows() as f64 / secs.max(1e-3)
    );
    Ok(tally)
}

/// Sends rows in batches, in order, and tallies what the gateway did.
async fn send_rows(
    gateway: &Gateway,
    mut rx: mpsc::Receiver<Located>,
    on_batch: &mut dyn FnMut(&Tally),
    bar: &indicatif::ProgressBar,
) -> anyhow::Result<Tally> {
    let mut tally = Tally::default();
    let mut batch: Vec<(String, CatalogRow)> = Vec::with_capacity(BATCH);
    let report = |tally: &mut Tally, location: String, kind: &str, why: String| {
        if tally.rejected.len() < SHOWN_REJECTIONS {
            bar.println(format!("rejected {location}: {why}"));
        } else if tally.rejected.len() == SHOWN_REJECTIONS {
            bar.println("(more rejections follow; they are counted in the summary)");
        }
        tally.add(kind, "rejected");
        tally.rejected.push((location, why));
    };
    loop {
        let next = rx.recv().await;
        let done = next.is_none();
        if let Some(item) = next {
            match item.row {
                Ok(row) => batch.push((item.location, row)),
                Err(why) => report(&mut tally, item.location, "?", why),
            }
        }
        if batch.len() == BATCH || (done && !batch.is_empty()) {
            let rows: Vec<CatalogRow> = batch.iter().map(|(_, row)| row.clone()).collect();
            let results = gateway.import(&rows).await.context("importing a batch")?;
            for ((location, row), result) in batch.drain(..).zip(results) {
                if result.status == "rejected" {
                    let why = result
                        .errors
                        .iter()
                        .map(|e| format!("{}: {}", e.field, e.message))
                        .collect::<Vec<_>>()
                        .join("; ");
                    report(&mut tally, location, row.kind(), why);
                } else {
                    tally.add(row.kind(), &result.status);
                }
            }
            on_batch(&tally);
        }
        if done {
            return Ok(tally);
        }
    }
}

/// Reads every row of `input`, handing each to `emit` (which answers false
/// to stop early). Errors are only for the file as a whole (unreadable);
/// bad pieces of it are rows with an `Err`.
pub fn read_rows<R: BufRead>(
    format: Format,
    input: Counting<R>,
    emit: &mut dyn FnMut(Located) -> bool,
) -> anyhow::Result<()> {
    match format {
        Format::JsonLines => read_json_lines(input, emit),
        Format::JsonArray => read_json_array(input, emit),
        Format::Csv => read_csv(input, emit),
    }
}

fn read_json_lines<R: BufRead>(
    mut input: Counting<R>,
    emit: &mut dyn FnMut(Located) -> bool,
) -> anyhow::Result<()> {
    let mut line = String::new();
    loop {
        let number = input.line();
        line.clear();
        if input.read_line(&mut line).context("reading the file")? == 0 {
            return Ok(());
        }
        let text = line.trim();
        if text.is_empty() || text.starts_with('#') {
            continue;
        }
        let location = format!("line {number}");
        let keep_going = match serde_json::from_str::<Value>(text) {
            Ok(value) => rows_of(value, &location).into_iter().all(&mut *emit),
            Err(e) => emit(Located {
                location,
                row: Err(format!("not JSON: {e}")),
            }),
        };
        if !keep_going {
            return Ok(());
        }
    }
}

/// Streams a top-level JSON array element by element (serde's `SeqAccess`),
/// never holding more than one element in memory. Broken JSON ends the read
/// there, reported as a rejected row with its line.
fn read_json_array<R: BufRead>(
    input: Counting<R>,
    emit: &mut dyn FnMut(Located) -> bool,
) -> anyhow::Result<()> {
    let lines = input.line_counter();
    let mut started = false;
    let mut stopped = false;
    let mut de = serde_json::Deserializer::from_reader(input);
    let outcome = Elements {
        emit: &mut *emit,
        lines,
        started: &mut started,
        stopped: &mut stopped,
    }
    .deserialize(&mut de)
    .and_then(|()| if stopped { Ok(()) } else { de.end() });
    match outcome {
        Ok(()) => Ok(()),
        Err(_) if stopped => Ok(()),
        Err(e) if !started => {
            anyhow::bail!("line {}: the file must hold a JSON array: {e}", e.line())
        }
        Err(e) => {
            emit(Located {
                location: format!("line {}", e.line()),
                row: Err(format!(
                    "the JSON breaks here ({e}); the rest of the file was not read"
                )),
            });
            Ok(())
        }
    }
}

struct Elements<'a> {
    emit: &'a mut dyn FnMut(Located) -> bool,
    lines: Arc<AtomicU64>,
    started: &'a mut bool,
    stopped: &'a mut bool,
}

impl<'de> Visitor<'de> for Elements<'_> {
    type Value = ();

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("an array of catalog rows or MusicBrainz-style artists")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        *self.started = true;
        while let Some(value) = seq.next_element::<Value>()? {
            let location = format!("line {}", self.lines.load(Ordering::Relaxed));
            if !rows_of(value, &location)
                .into_iter()
                .all(|row| (self.emit)(row))
            {
                *self.stopped = true;
                return Err(serde::de::Error::custom("stopped"));
            }
        }
        Ok(())
    }
}

impl<'de> DeserializeSeed<'de> for Elements<'_> {
    type Value = ();

    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_seq(self)
    }
}

fn read_csv<R: BufRead>(
    input: Counting<R>,
    emit: &mut dyn FnMut(Located) -> bool,
) -> anyhow::Result<()> {
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(input);
    let headers = reader.headers().context("reading the CSV header")?.clone();
    let columns: Vec<String> = headers.iter().map(|h| h.to_ascii_lowercase()).collect();
    if !columns.iter().any(|c| c == "kind") || !columns.iter().any(|c| c == "external_id") {
        anyhow::bail!("line 1: the CSV header must name at least the columns kind and external_id");
    }
    for record in reader.records() {
        let (location, row) = match record {
            Ok(record) => {
                let line = record.position().map(|p| p.line()).unwrap_or(0);
                let fields: BTreeMap<&str, &str> = columns
                    .iter()
                    .map(String::as_str)
                    .zip(record.iter())
                    .filter(|(_, v)| !v.is_empty())
                    .collect();
                (format!("line {line}"), row_of_csv(&fields))
            }
            Err(e) => {
                let line = e.position().map(|p| p.line()).unwrap_or(0);
                (format!("line {line}"), Err(format!("not CSV: {e}")))
            }
        };
        if !emit(Located { location, row }) {
            break;
        }
    }
    Ok(())
}

/// A CSV record as the JSON object a row would be, so one set of rules
/// (serde's, then the gateway's) decides what is valid.
fn row_of_csv(fields: &BTreeMap<&str, &str>) -> Result<CatalogRow, String> {
    let mut object = serde_json::Map::new();
    for (&column, &value) in fields {
        let json = match column {
            "genres" => Value::from(
                value
                    .split(';')
                    .map(str::trim)
                    .filter(|g| !g.is_empty())
                    .collect::<Vec<_>>(),
            ),
            "release_year" | "duration_ms" | "track_number" => match value.parse::<i64>() {
                Ok(n) => Value::from(n),
                Err(_) => return Err(format!("{column}: {value:?} is not a whole number")),
            },
            _ => Value::from(value),
        };
        object.insert(column.to_string(), json);
    }
    row_of_object(Value::Object(object))
}

fn row_of_object(value: Value) -> Result<CatalogRow, String> {
    serde_json::from_value(value).map_err(|e| e.to_string())
}

/// The rows of one JSON object: itself if it is a row, or the artist, its
/// releases and their recordings if it is MusicBrainz-style.
pub fn rows_of(value: Value, location: &str) -> Vec<Located> {
    let at = |row| Located {
        location: location.to_string(),
        row,
    };
    match &value {
        Value::Object(o) if o.contains_key("kind") => vec![at(row_of_object(value))],
        Value::Object(o) if o.contains_key("releases") || (o.contains_key("id") && o.contains_key("name")) => {
            musicbrainz_rows(&value, location)
        }
        _ => vec![at(Err(
            "neither a catalog row (no \"kind\") nor a MusicBrainz-style artist (no \"id\" and \"name\")".into(),
        ))],
    }
}

fn text(value: &Value, key: &str) -> Option<String> {
    value.get(key).and_then(Value::as_str).map(str::to_string)
}

/// MusicBrainz tags genres as `[{"name": "rock"}]`; plain strings are taken too.
fn genres(value: &Value) -> Vec<String> {
    value
        .get("genres")
        .and_then(Value::as_array)
        .map(|list| {
            list.iter()
                .filter_map(|g| g.as_str().map(str::to_string).or_else(|| text(g, "name")))
                .collect()
        })
        .unwrap_or_default()
}

fn musicbrainz_rows(artist: &Value, location: &str) -> Vec<Located> {
    let mut out = Vec::new();
    let (Some(artist_id), Some(name)) = (text(artist, "id"), text(artist, "name")) else {
        return vec![Located {
            location: location.to_string(),
            row: Err("a MusicBrainz-style artist needs \"id\" and \"name\"".into()),
        }];
    };
    out.push(Located {
        location: location.to_string(),
        row: Ok(CatalogRow::Artist {
            external_id: artist_id.clone(),
            name,
            genres: genres(artist),
            country: text(artist, "country"),
        }),
    });
    let releases = artist
        .get("releases")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    for (r, release) in releases.iter().enumerate() {
        let here = format!("{location}, releases[{r}]");
        let (Some(release_id), Some(title)) = (text(release, "id"), text(release, "title")) else {
            out.push(Located {
                location: here,
                row: Err("a release needs \"id\" and \"title\"".into()),
            });
            continue;
        };
        let year = text(release, "date").and_then(|d| d.get(..4).and_then(|y| y.parse().ok()));
        out.push(Located {
            location: here.clone(),
            row: Ok(CatalogRow::Album {
                external_id: release_id.clone(),
                artist_external_id: artist_id.clone(),
                title,
                release_year: year,
                genres: genres(release),
            }),
        });
        for (t, (path, track_id, number, recording)) in recordings(release).into_iter().enumerate()
        {
            let here = format!("{here}.{path}");
            let row = match text(&recording, "title") {
                Some(title) => Ok(CatalogRow::Track {
                    external_id: track_id.unwrap_or_else(|| {
                        format!(
                            "{release_id}:{}",
                            text(&recording, "id").unwrap_or_else(|| t.to_string())
                        )
                    }),
                    artist_external_id: artist_id.clone(),
                    album_external_id: Some(release_id.clone()),
                    title,
                    duration_ms: recording.get("length").and_then(Value::as_i64),
                    genre: genres(&recording)
                        .into_iter()
                        .next()
                        .or_else(|| genres(release).into_iter().next()),
                    release_year: year,
                    track_number: number,
                }),
                None => Err("a recording needs a \"title\"".into()),
            };
            out.push(Located {
                location: here,
                row,
            });
        }
    }
    out
}

/// (path for messages, track id, position, recording) of every recording of
/// a release, from `media[].tracks[]` or a flat `recordings[]`.
fn recordings(release: &Value) -> Vec<(String, Option<String>, Option<i32>, Value)> {
    let mut out = Vec::new();
    for (m, medium) in release
        .get("media")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .enumerate()
    {
        for (t, track) in medium
            .get("tracks")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .enumerate()
        {
            let recording = track.get("recording").cloned().unwrap_or(Value::Null);
            let position = track
                .get("position")
                .and_then(Value::as_i64)
                .and_then(|p| i32::try_from(p).ok());
            out.push((
                format!("media[{m}].tracks[{t}]"),
                text(track, "id"),
                position,
                recording,
            ));
        }
    }
    for (r, recording) in release
        .get("recordings")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .enumerate()
    {
        let position = i32::try_from(r + 1).ok();
        out.push((
            format!("recordings[{r}]"),
            None,
            position,
            recording.clone(),
        ));
    }
    out
}

impl CatalogRow {
    pub fn kind(&self) -> &'static str {
        match self {
            CatalogRow::Artist { .. } => "artist",
            CatalogRow::Album { .. } => "album",
            CatalogRow::Track { .. } => "track",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Cursor;

    fn read(format: Format, text: &str) -> Vec<Located> {
        let mut out = Vec::new();
        let input = Counting::new(
            Cursor::new(text.as_bytes().to_vec()),
            Arc::new(AtomicU64::new(0)),
        );
        read_rows(format, input, &mut |row| {
            out.push(row);
            true
        })
        .unwrap();
        out
    }

    fn locations(rows: &[Located]) -> Vec<(&str, bool)> {
        rows.iter()
            .map(|r| (r.location.as_str(), r.row.is_ok()))
            .collect()
    }

    #[test]
    fn a_json_array_streams_with_line_numbers_and_stops_at_broken_json() {
        let text = "[\n  {\"kind\": \"artist\", \"external_id\": \"a1\", \"name\": \"AC/DC\"},\n  {\"kind\": \"track\", \"external_id\": \"t1\"},\n  {\"kind\": \"artist\", \"external_id\": \"a2\", \"name\": \"Accept\"},\n  {oops}\n]";
        let rows = read(Format::JsonArray, text);
        assert_eq!(
            locations(&rows),
            [
                ("line 2", true),
                ("line 3", false),
                ("line 4", true),
                ("line 5", false)
            ]
        );
        assert!(rows[3]
            .row
            .as_ref()
            .unwrap_err()
            .contains("the rest of the file was not read"));
    }

    #[test]
    fn json_lines_skip_blank_and_comment_lines_and_go_on_after_bad_ones() {
        let text = "# artists\n{\"kind\": \"artist\", \"external_id\": \"a1\", \"name\": \"A\"}\n\nnot json\n{\"kind\": \"album\", \"external_id\": \"b1\", \"artist_external_id\": \"a1\", \"title\": \"B\"}\n";
        let rows = read(Format::JsonLines, text);
        assert_eq!(
            locations(&rows),
            [("line 2", true), ("line 4", false), ("line 5", true)]
        );
    }

    #[test]
    fn csv_columns_become_rows_and_bad_numbers_name_the_column() {
        let text = "kind,external_id,name,title,artist_external_id,genres,duration_ms\nartist,a1,AC/DC,,,rock; hard rock,\ntrack,t1,,T.N.T.,a1,,214000\ntrack,t2,,Jailbreak,a1,,long\n";
        let rows = read(Format::Csv, text);
        assert_eq!(
            locations(&rows),
            [("line 2", true), ("line 3", true), ("line 4", false)]
        );
        match &rows[0].row {
            Ok(CatalogRow::Artist { genres, .. }) => assert_eq!(genres, &["rock", "hard rock"]),
            other => panic!("{other:?}"),
        }
        assert_eq!(
            rows[2].row.as_ref().unwrap_err(),
            "duration_ms: \"long\" is not a whole number"
        );
    }

    #[test]
    fn a_musicbrainz_artist_becomes_artist_album_and_track_rows() {
        let artist = serde_json::json!({
            "id": "mb-a", "name": "Accept", "country": "DE", "genres": [{"name": "heavy metal"}],
            "releases": [
                {"id": "mb-r", "title": "Balls to the Wall", "date": "1983-12-05",
                 "media": [{"tracks": [{"id": "mb-t1", "position": 1, "recording": {"id": "mb-rec", "title": "Balls to the Wall", "length": 351000}},
                                       {"id": "mb-t2", "position": 2, "recording": {"id": "mb-rec2"}}]}]},
                {"title": "no id"}
            ]
        });
        let rows = rows_of(artist, "line 7");
        let kinds: Vec<_> = rows
            .iter()
            .map(|r| r.row.as_ref().map(|r| r.kind()).map_err(|e| e.as_str()))
            .collect();
        assert_eq!(
            kinds,
            [
                Ok("artist"),
                Ok("album"),
                Ok("track"),
                Err("a recording needs a \"title\""),
                Err("a release needs \"id\" and \"title\"")
            ]
        );
        assert_eq!(rows[3].location, "line 7, releases[0].media[0].tracks[1]");
        match &rows[2].row {
            Ok(CatalogRow::Track {
                external_id,
                album_external_id,
                duration_ms,
                release_year,
                track_number,
                genre,
                ..
            }) => {
                assert_eq!(external_id, "mb-t1");
                assert_eq!(album_external_id.as_deref(), Some("mb-r"));
                assert_eq!(
                    (*duration_ms, *release_year, *track_number),
                    (Some(351_000), Some(1983), Some(1))
                );
                assert_eq!(genre, &None);
            }
            other => panic!("{other:?}"),
        }
    }
}
