//! The import's track rows: their artists and albums found by external id,
//! then one read and one upsert for all of them.

use std::collections::HashMap;

use sqlx::PgConnection;
use uuid::Uuid;

use super::rows::{
    by_external, first_of_each, ids_by_external, missing, record, to_write, Parent, Stored,
};
use super::{ImportRow, RowOutcome};
use crate::catalog::edit::clean;
use crate::catalog::edit::tracks::TrackRow;
use crate::keys::key;
use crate::outbox;
use crate::DbError;

struct TrackIn {
    external_id: String,
    artist: Uuid,
    album: Option<Uuid>,
    title: String,
    duration_ms: i64,
    genre: Option<String>,
    release_year: Option<i32>,
    track_number: Option<i32>,
}

impl TrackIn {
    fn matches(&self, t: &TrackRow) -> bool {
        t.artist_id == self.artist
            && t.album_id == self.album
            && t.title == self.title
            && t.genre == self.genre
            && t.release_year == self.release_year
            && t.track_number == self.track_number
            // A file's own duration (from audio) wins over an imported estimate.
            && (t.duration_ms == self.duration_ms || t.audio_key.is_some() || self.duration_ms == 0)
    }
}

pub(super) async fn rows(
    conn: &mut PgConnection,
    rows: Vec<(usize, ImportRow)>,
    outcomes: &mut Vec<(usize, RowOutcome)>,
    changed: &mut Vec<(outbox::Body, i64)>,
) -> Result<(), DbError> {
    let rows = first_of_each(
        rows,
        |row| match row {
            ImportRow::Track { external_id, .. } => external_id.as_str(),
            _ => "",
        },
        outcomes,
    );
    if rows.is_empty() {
        return Ok(());
    }
    let (mut artist_ids, mut album_ids) = (Vec::new(), Vec::new());
    for (_, row) in &rows {
        if let ImportRow::Track {
            artist_external_id,
            album_external_id,
            ..
        } = row
        {
            artist_ids.push(artist_external_id.clone());
            album_ids.extend(album_external_id.iter().filter(|a| !a.is_empty()).cloned());
        }
    }
    let artists = ids_by_external(conn, Parent::Artist, artist_ids).await?;
    let albums = ids_by_external(conn, Parent::Album, album_ids).await?;
    let mut checked = Vec::with_capacity(rows.len());
    for (at, row) in rows {
        let ImportRow::Track {
            external_id,
            artist_external_id,
            album_external_id,
            title,
            duration_ms,
            genre,
            release_year,
            track_number,
        } = row
        else {
            continue;
        };
        let Some(artist) = artists.get(&artist_external_id) else {
            outcomes.push((at, Err(missing("artist", &artist_external_id))));
            continue;
        };
        let album = match album_external_id.as_deref().filter(|a| !a.is_empty()) {
            None => None,
            Some(a) => match albums.get(a) {
                Some(album) => Some(*album),
                None => {
                    outcomes.push((at, Err(missing("album", a))));
                    continue;
                }
            },
        };
        checked.push((
            at,
            TrackIn {
                external_id,
                artist: *artist,
                album,
                title: title.trim().to_string(),
                duration_ms: duration_ms.unwrap_or(0),
                genre: clean(genre),
                release_year,
                track_number,
            },
        ));
    }
    if checked.is_empty() {
        return Ok(());
    }
    let ids: Vec<String> = checked.iter().map(|(_, r)| r.external_id.clone()).collect();
    let existing: HashMap<String, TrackRow> = by_external(
        sqlx::query_as!(
            TrackAt,
            r#"SELECT id, artist_id, album_id, title, duration_ms, genre, release_year, track_number,
                      audio_key, version, external_id AS "external_id!"
               FROM tracks WHERE external_id = ANY($1) FOR UPDATE"#,
            &ids
        )
        .fetch_all(&mut *conn)
        .await?
        .into_iter()
        .map(Stored::from)
        .collect(),
    );
    let writes = to_write(
        checked,
        &existing,
        |r| &r.external_id,
        TrackIn::matches,
        |t| t.id,
        outcomes,
    );
    if writes.is_empty() {
        return Ok(());
    }
    let saved: Vec<Stored<TrackRow>> = sqlx::query_as!(
        TrackAt,
        r#"INSERT INTO tracks (id, artist_id, album_id, title, duration_ms, genre, release_year, track_number, external_id, title_key)
           SELECT * FROM UNNEST($1::uuid[], $2::uuid[], $3::uuid[], $4::text[], $5::bigint[], $6::text[], $7::int[],
                                $8::int[], $9::text[], $10::text[])
           ON CONFLICT (external_id) DO UPDATE SET artist_id = EXCLUDED.artist_id, album_id = EXCLUDED.album_id,
             title = EXCLUDED.title, title_key = EXCLUDED.title_key, genre = EXCLUDED.genre,
             release_year = EXCLUDED.release_year, track_number = EXCLUDED.track_number,
             duration_ms = CASE WHEN tracks.audio_key IS NULL AND EXCLUDED.duration_ms > 0
                                THEN EXCLUDED.duration_ms ELSE tracks.duration_ms END,
             version = tracks.version + 1, updated_at = now()
           RETURNING id, artist_id, album_id, title, duration_ms, genre, release_year, track_number,
                     audio_key, version, external_id AS "external_id!""#,
        &writes.iter().map(|_| Uuid::now_v7()).collect::<Vec<_>>(),
        &writes.iter().map(|(_, r)| r.artist).collect::<Vec<_>>(),
        &writes.iter().map(|(_, r)| r.album).collect::<Vec<_>>() as _,
        &writes.iter().map(|(_, r)| r.title.clone()).collect::<Vec<_>>(),
        &writes.iter().map(|(_, r)| r.duration_ms).collect::<Vec<_>>(),
        &writes.iter().map(|(_, r)| r.genre.clone()).collect::<Vec<_>>() as _,
        &writes.iter().map(|(_, r)| r.release_year).collect::<Vec<_>>() as _,
        &writes.iter().map(|(_, r)| r.track_number).collect::<Vec<_>>() as _,
        &writes.iter().map(|(_, r)| r.external_id.clone()).collect::<Vec<_>>(),
        &writes.iter().map(|(_, r)| key(&r.title)).collect::<Vec<_>>()
    )
    .fetch_all(&mut *conn)
    .await?
    .into_iter()
    .map(Stored::from)
    .collect();
    record(
        writes,
        saved,
        &existing,
        |r| &r.external_id,
        |t: &TrackRow| (t.body(), t.version, t.id),
        outcomes,
        changed,
    );
    Ok(())
}

/// A track as the import reads and writes it: the row and its external id.
struct TrackAt {
    id: Uuid,
    artist_id: Uuid,
    album_id: Option<Uuid>,
    title: String,
    duration_ms: i64,
    genre: Option<String>,
    release_year: Option<i32>,
    track_number: Option<i32>,
    audio_key: Option<String>,
    version: i64,
    external_id: String,
}

impl From<TrackAt> for Stored<TrackRow> {
    fn from(r: TrackAt) -> Self {
        let entity = TrackRow {
            id: r.id,
            artist_id: r.artist_id,
            album_id: r.album_id,
            title: r.title,
            duration_ms: r.duration_ms,
            genre: r.genre,
            release_year: r.release_year,
            track_number: r.track_number,
            audio_key: r.audio_key,
            version: r.version,
        };
        Stored {
            entity,
            external_id: r.external_id,
        }
    }
}
