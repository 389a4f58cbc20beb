//! Catalog rows for a sync: building them from a directory's tagged files,
//! and sending a source's rows to the gateway while counting the outcomes
//! into its report. Separate from the orchestration in `sync` so the mapping
//! from tags to rows can be read and tested on its own.

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::Context;

use super::{AudioFile, SourceReport};
use crate::catalog::Located;
use crate::client::{CatalogRow, Gateway};

/// Sends rows in order, 500 a time; returns each row's track id (if a track).
pub(super) async fn import_rows(
    gateway: &Gateway,
    rows: &[Located],
    report: &mut SourceReport,
) -> anyhow::Result<Vec<Option<uuid::Uuid>>> {
    let mut ids = Vec::with_capacity(rows.len());
    for chunk in rows.chunks(crate::catalog::BATCH) {
        let good: Vec<(usize, CatalogRow)> = chunk
            .iter()
            .enumerate()
            .filter_map(|(i, l)| l.row.clone().ok().map(|r| (i, r)))
            .collect();
        let mut answers = vec![None; chunk.len()];
        if !good.is_empty() {
            let sent: Vec<CatalogRow> = good.iter().map(|(_, r)| r.clone()).collect();
            for ((i, _), result) in good
                .iter()
                .zip(gateway.import(&sent).await.context("importing")?)
            {
                answers[*i] = Some(result);
            }
        }
        for (located, answer) in chunk.iter().zip(answers) {
            let mut id = None;
            match (&located.row, answer) {
                (Err(why), _) => report.rejected.push(format!("{}: {why}", located.location)),
                (Ok(row), Some(result)) => {
                    match result.status.as_str() {
                        "created" => report.created += 1,
                        "updated" => report.updated += 1,
                        "unchanged" => report.unchanged += 1,
                        _ => {
                            let why: Vec<String> = result
                                .errors
                                .iter()
                                .map(|e| format!("{}: {}", e.field, e.message))
                                .collect();
                            report.rejected.push(format!(
                                "{}: {}",
                                located.location,
                                why.join("; ")
                            ));
                        }
                    }
                    if row.kind() == "track" {
                        id = result.id;
                    }
                }
                (Ok(_), None) => {}
            }
            ids.push(id);
        }
    }
    Ok(ids)
}

/// The catalog rows of a directory's files: artists and albums once each,
/// before their tracks. Returns, per row, the file it came from (tracks only).
pub fn directory_rows(source: &str, files: &[AudioFile]) -> (Vec<Located>, Vec<Option<usize>>) {
    let key = |s: &str| {
        s.to_lowercase()
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
    };
    let mut artists = BTreeMap::new();
    let mut albums = BTreeMap::new();
    let mut tracks = Vec::new();
    for (i, file) in files.iter().enumerate() {
        let location = file.relative.clone();
        let Some(artist) = &file.artist else {
            tracks.push((
                Located {
                    location,
                    row: Err("no artist tag".into()),
                },
                Some(i),
            ));
            continue;
        };
        let artist_id = format!("{source}:artist:{}", key(artist));
        artists.entry(artist_id.clone()).or_insert_with(|| Located {
            location: location.clone(),
            row: Ok(CatalogRow::Artist {
                external_id: artist_id.clone(),
                name: artist.clone(),
                genres: vec![],
                country: None,
            }),
        });
        let album_id = file.album.as_ref().map(|album| {
            let id = format!("{source}:album:{}/{}", key(artist), key(album));
            albums.entry(id.clone()).or_insert_with(|| Located {
                location: location.clone(),
                row: Ok(CatalogRow::Album {
                    external_id: id.clone(),
                    artist_external_id: artist_id.clone(),
                    title: album.clone(),
                    release_year: file.year.and_then(|y| i32::try_from(y).ok()),
                    genres: file.genre.iter().cloned().collect(),
                }),
            });
            id
        });
        let title = file.title.clone().unwrap_or_else(|| {
            Path::new(&file.relative)
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default()
        });
        let row = CatalogRow::Track {
            external_id: format!("{source}:file:{}", file.relative),
            artist_external_id: artist_id,
            album_external_id: album_id,
            title,
            duration_ms: Some(file.duration_ms).filter(|d| *d > 0),
            genre: file.genre.clone(),
            release_year: file.year.and_then(|y| i32::try_from(y).ok()),
            track_number: file.track_number.and_then(|n| i32::try_from(n).ok()),
        };
        tracks.push((
            Located {
                location,
                row: Ok(row),
            },
            Some(i),
        ));
    }
    let mut rows: Vec<Located> = artists.into_values().chain(albums.into_values()).collect();
    let mut origin = vec![None; rows.len()];
    for (row, file) in tracks {
        rows.push(row);
        origin.push(file);
    }
    (rows, origin)
}

impl CatalogRow {
    pub fn external_id(&self) -> &str {
        match self {
            CatalogRow::Artist { external_id, .. }
            | CatalogRow::Album { external_id, .. }
            | CatalogRow::Track { external_id, .. } => external_id,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    fn file(relative: &str, artist: Option<&str>, album: Option<&str>) -> AudioFile {
        AudioFile {
            relative: relative.into(),
            path: PathBuf::from(relative),
            artist: artist.map(String::from),
            album: album.map(String::from),
            title: None,
            genre: Some("Rock".into()),
            year: Some(1999),
            track_number: Some(2),
            duration_ms: 2000,
        }
    }

    #[test]
    fn directory_rows_put_parents_first_once_and_name_untagged_files() {
        let files = vec![
            file("a/one.mp3", Some("The Band"), Some("First")),
            file("a/two.mp3", Some("the  band"), Some("First")),
            file("b/loose.wav", None, None),
        ];
        let (rows, origin) = directory_rows("studio", &files);
        let kinds: Vec<&str> = rows
            .iter()
            .map(|l| l.row.as_ref().map(|r| r.kind()).unwrap_or("bad"))
            .collect();
        assert_eq!(kinds, ["artist", "album", "track", "track", "bad"]);
        assert_eq!(origin, [None, None, Some(0), Some(1), Some(2)]);
        match &rows[2].row {
            Ok(CatalogRow::Track {
                external_id,
                title,
                album_external_id,
                ..
            }) => {
                assert_eq!(external_id, "studio:file:a/one.mp3");
                assert_eq!(title, "one");
                assert_eq!(
                    album_external_id.as_deref(),
                    Some("studio:album:the band/first")
                );
            }
            other => panic!("not a track: {other:?}"),
        }
        assert_eq!(rows[4].row, Err("no artist tag".to_string()));
    }
}
