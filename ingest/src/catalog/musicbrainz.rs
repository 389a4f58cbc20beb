//! The mapping of a MusicBrainz-style nested artist (releases, media,
//! tracks, recordings) onto flat catalog rows. It is separate because it is
//! the one part of `ingest catalog` that follows an outside schema, and it
//! changes with that schema rather than with the readers or the import.

use serde_json::Value;

use super::Located;
use crate::client::CatalogRow;

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

pub(super) fn musicbrainz_rows(artist: &Value, location: &str) -> Vec<Located> {
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
#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::rows_of;

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
