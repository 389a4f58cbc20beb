//! The three file readers of `ingest catalog` (JSON Lines, a streamed JSON
//! array, CSV), apart from the import that drives them: they run on a
//! blocking thread and know nothing of the gateway, only how a file's bytes
//! become [`Located`] rows.

use std::collections::BTreeMap;
use std::io::BufRead;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use anyhow::Context;
use serde::de::{DeserializeSeed, SeqAccess, Visitor};
use serde_json::Value;

use super::{row_of_object, rows_of, Format, Located};
use crate::client::CatalogRow;
use crate::progress::Counting;

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
}
