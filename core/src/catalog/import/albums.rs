//! The import's album rows: their artists found by external id, then one
//! read and one upsert for all of them.

use std::collections::HashMap;

use sqlx::PgConnection;
use uuid::Uuid;

use super::rows::{
    by_external, first_of_each, genres_json, ids_by_external, missing, record, to_write, Parent,
    Stored,
};
use super::{ImportRow, RowOutcome};
use crate::catalog::edit::albums::AlbumRow as Album;
use crate::catalog::edit::trimmed;
use crate::outbox;
use crate::DbError;

struct AlbumIn {
    external_id: String,
    artist: Uuid,
    title: String,
    release_year: Option<i32>,
    genres: Vec<String>,
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
            ImportRow::Album { external_id, .. } => external_id.as_str(),
            _ => "",
        },
        outcomes,
    );
    if rows.is_empty() {
        return Ok(());
    }
    let parents = rows
        .iter()
        .filter_map(|(_, row)| match row {
            ImportRow::Album {
                artist_external_id, ..
            } => Some(artist_external_id.clone()),
            _ => None,
        })
        .collect();
    let artists = ids_by_external(conn, Parent::Artist, parents).await?;
    let mut checked = Vec::with_capacity(rows.len());
    for (at, row) in rows {
        let ImportRow::Album {
            external_id,
            artist_external_id,
            title,
            release_year,
            genres,
        } = row
        else {
            continue;
        };
        match artists.get(&artist_external_id) {
            Some(artist) => checked.push((
                at,
                AlbumIn {
                    external_id,
                    artist: *artist,
                    title: title.trim().to_string(),
                    release_year,
                    genres: trimmed(&genres),
                },
            )),
            None => outcomes.push((at, Err(missing("artist", &artist_external_id)))),
        }
    }
    if checked.is_empty() {
        return Ok(());
    }
    let ids: Vec<String> = checked.iter().map(|(_, r)| r.external_id.clone()).collect();
    let existing: HashMap<String, Album> = by_external(
        sqlx::query_as!(
            AlbumAt,
            r#"SELECT id, artist_id, title, release_year, genres, cover_url, version,
                      external_id AS "external_id!"
               FROM albums WHERE external_id = ANY($1) FOR UPDATE"#,
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
        |r, a| {
            a.artist_id == r.artist
                && a.title == r.title
                && a.release_year == r.release_year
                && a.genres == r.genres
        },
        |a| a.id,
        outcomes,
    );
    if writes.is_empty() {
        return Ok(());
    }
    let saved: Vec<Stored<Album>> = sqlx::query_as!(
        AlbumAt,
        r#"INSERT INTO albums (id, artist_id, title, release_year, genres, external_id)
           SELECT id, artist_id, title, release_year, ARRAY(SELECT jsonb_array_elements_text(genres::jsonb)), external_id
           FROM UNNEST($1::uuid[], $2::uuid[], $3::text[], $4::int[], $5::text[], $6::text[])
             AS r(id, artist_id, title, release_year, genres, external_id)
           ON CONFLICT (external_id) DO UPDATE SET artist_id = EXCLUDED.artist_id, title = EXCLUDED.title,
             release_year = EXCLUDED.release_year, genres = EXCLUDED.genres, version = albums.version + 1, updated_at = now()
           RETURNING id, artist_id, title, release_year, genres, cover_url, version, external_id AS "external_id!""#,
        &writes.iter().map(|_| Uuid::now_v7()).collect::<Vec<_>>(),
        &writes.iter().map(|(_, r)| r.artist).collect::<Vec<_>>(),
        &writes.iter().map(|(_, r)| r.title.clone()).collect::<Vec<_>>(),
        &writes.iter().map(|(_, r)| r.release_year).collect::<Vec<_>>() as _,
        &writes.iter().map(|(_, r)| genres_json(&r.genres)).collect::<Vec<_>>(),
        &writes.iter().map(|(_, r)| r.external_id.clone()).collect::<Vec<_>>()
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
        |a: &Album| (a.body(), a.version, a.id),
        outcomes,
        changed,
    );
    Ok(())
}

/// An album as the import reads and writes it: the row and its external id.
struct AlbumAt {
    id: Uuid,
    artist_id: Uuid,
    title: String,
    release_year: Option<i32>,
    genres: Vec<String>,
    cover_url: Option<String>,
    version: i64,
    external_id: String,
}

impl From<AlbumAt> for Stored<Album> {
    fn from(r: AlbumAt) -> Self {
        let entity = Album {
            id: r.id,
            artist_id: r.artist_id,
            title: r.title,
            release_year: r.release_year,
            genres: r.genres,
            cover_url: r.cover_url,
            version: r.version,
        };
        Stored {
            entity,
            external_id: r.external_id,
        }
    }
}
