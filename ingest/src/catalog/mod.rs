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
//! stays constant however large the file; rows go to the gateway 1,000 (the
//! most one request takes) at a time, in file order, so parents sent earlier exist when their children
//! arrive. A bad row is reported with its line and the import goes on.

mod musicbrainz;
mod readers;

use std::collections::BTreeMap;
use std::fs::File;
use std::io::BufReader;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Instant;

use anyhow::Context;
use serde_json::Value;
use tokio::sync::mpsc;

use crate::client::{CatalogRow, Gateway};
use crate::progress::{file_bar, Counting};
use musicbrainz::musicbrainz_rows;

pub use readers::read_rows;

/// Rows per import request: the gateway's limit, since its cost is mostly
/// per request (a few set-based statements), not per row.
pub const BATCH: usize = 1_000;
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

// Here rather than with the readers: `rows_of` is also how `sync` reads a
// feed, and the CSV reader goes through the same serde rules.
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

impl CatalogRow {
    pub fn kind(&self) -> &'static str {
        match self {
            CatalogRow::Artist { .. } => "artist",
            CatalogRow::Album { .. } => "album",
            CatalogRow::Track { .. } => "track",
        }
    }
}
