//! The import's artist rows: one read and one upsert for all of them.

use std::collections::HashMap;

use sqlx::PgConnection;
use uuid::Uuid;

use super::rows::{by_external, first_of_each, genres_json, record, to_write, Stored};
use super::{ImportRow, RowOutcome};
use crate::catalog::edit::artists::ArtistRow as Artist;
use crate::catalog::edit::{clean, trimmed};
use crate::keys::key;
use crate::outbox;
use crate::DbError;

struct ArtistIn {
    external_id: String,
    name: String,
    genres: Vec<String>,
    country: Option<String>,
}

pub(super) async fn rows(
    conn: &mut PgConnection,
    rows: Vec<(usize, ImportRow)>,
    outcomes: &mut Vec<(usize, RowOutcome)>,
    changed: &mut Vec<(outbox::Body, i64)>,
) -> Result<(), DbError> {
    let rows: Vec<(usize, ArtistIn)> = rows
        .into_iter()
        .filter_map(|(at, row)| match row {
            ImportRow::Artist {
                external_id,
                name,
                genres,
                country,
            } => Some((
                at,
                ArtistIn {
                    external_id,
                    name: name.trim().to_string(),
                    genres: trimmed(&genres),
                    country: clean(country),
                },
            )),
            _ => None,
        })
        .collect();
    let rows = first_of_each(rows, |r| r.external_id.as_str(), outcomes);
    if rows.is_empty() {
        return Ok(());
    }
    let ids: Vec<String> = rows.iter().map(|(_, r)| r.external_id.clone()).collect();
    let existing: HashMap<String, Artist> = by_external(
        sqlx::query_as!(
            ArtistAt,
            r#"SELECT id, name, genres, country, image_url, version, external_id AS "external_id!"
               FROM artists WHERE external_id = ANY($1) FOR UPDATE"#,
            &ids
        )
        .fetch_all(&mut *conn)
        .await?
        .into_iter()
        .map(Stored::from)
        .collect(),
    );
    let writes = to_write(
        rows,
        &existing,
        |r| &r.external_id,
        |r, a| a.name == r.name && a.genres == r.genres && a.country == r.country,
        |a| a.id,
        outcomes,
    );
    if writes.is_empty() {
        return Ok(());
    }
    let saved: Vec<Stored<Artist>> = sqlx::query_as!(
        ArtistAt,
        r#"INSERT INTO artists (id, name, genres, country, external_id, name_key)
           SELECT id, name, ARRAY(SELECT jsonb_array_elements_text(genres::jsonb)), country, external_id, name_key
           FROM UNNEST($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[])
             AS r(id, name, genres, country, external_id, name_key)
           ON CONFLICT (external_id) DO UPDATE SET name = EXCLUDED.name, genres = EXCLUDED.genres,
             country = EXCLUDED.country, name_key = EXCLUDED.name_key, version = artists.version + 1, updated_at = now()
           RETURNING id, name, genres, country, image_url, version, external_id AS "external_id!""#,
        &writes.iter().map(|_| Uuid::now_v7()).collect::<Vec<_>>(),
        &writes.iter().map(|(_, r)| r.name.clone()).collect::<Vec<_>>(),
        &writes.iter().map(|(_, r)| genres_json(&r.genres)).collect::<Vec<_>>(),
        &writes.iter().map(|(_, r)| r.country.clone()).collect::<Vec<_>>() as _,
        &writes.iter().map(|(_, r)| r.external_id.clone()).collect::<Vec<_>>(),
        &writes.iter().map(|(_, r)| key(&r.name)).collect::<Vec<_>>()
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
        |a: &Artist| (a.body(), a.version, a.id),
        outcomes,
        changed,
    );
    Ok(())
}

/// An artist as the import reads and writes it: the row and its external id.
struct ArtistAt {
    id: Uuid,
    name: String,
    genres: Vec<String>,
    country: Option<String>,
    image_url: Option<String>,
    version: i64,
    external_id: String,
}

impl From<ArtistAt> for Stored<Artist> {
    fn from(r: ArtistAt) -> Self {
        let entity = Artist {
            id: r.id,
            name: r.name,
            genres: r.genres,
            country: r.country,
            image_url: r.image_url,
            version: r.version,
        };
        Stored {
            entity,
            external_id: r.external_id,
        }
    }
}
