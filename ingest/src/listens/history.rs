//! Reading a listening history (ListenBrainz JSON or JSON Lines, Last.fm
//! CSV) into [`Listen`]s. Separate from the import because parsing an
//! export needs no gateway and is tested on text alone, while the import is
//! all matching and sending.

use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::sync::atomic::AtomicU64;
use std::sync::Arc;

use anyhow::Context;
use serde_json::Value;
use time::format_description::BorrowedFormatItem;
use time::macros::format_description;
use time::PrimitiveDateTime;

use super::Listen;
use crate::progress::Counting;

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
}
