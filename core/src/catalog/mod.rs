//! The catalogue as a listener sees it: songs, albums and artists with that
//! listener's star and rating, the way both APIs show them.
//!
//! Each kind has one statement that reads whole rows by id (`by_ids`), and
//! small statements that find ids: by album, by genre, by year, starred,
//! paged by name. A read is "find the ids, then their rows", so each row's
//! shape is written once, and every statement is a fixed string checked
//! against the schema when the crate is built (`core/.sqlx/`).
//!
//! [`edit`] is the other side: the rows as stored, and their changes;
//! [`import`] writes many of them at once, by external id.

pub mod albums;
pub mod artists;
pub mod edit;
pub mod gain;
pub mod import;
pub mod songs;

use std::collections::HashMap;

use sqlx::PgPool;
use uuid::Uuid;

pub use albums::Album;
pub use artists::Artist;
pub use songs::Song;

use crate::DbError;

/// `rows` in the order of `ids`: an id given twice is listed twice (a
/// playlist or a queue may hold a song more than once), an id without a row
/// (deleted since it was found) is skipped.
pub fn ordered<T: Clone>(rows: Vec<T>, ids: &[Uuid], id: impl Fn(&T) -> Uuid) -> Vec<T> {
    let by_id: HashMap<Uuid, T> = rows.into_iter().map(|row| (id(&row), row)).collect();
    ids.iter()
        .filter_map(|want| by_id.get(want).cloned())
        .collect()
}

/// A genre with how many songs and albums carry it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Genre {
    pub name: String,
    pub songs: i64,
    pub albums: i64,
}

/// Every genre, most songs first. A song has one genre; an album lists several.
pub async fn genres(db: &PgPool) -> Result<Vec<Genre>, DbError> {
    Ok(sqlx::query_as!(
        Genre,
        r#"WITH songs AS (SELECT genre, count(*) AS n FROM tracks WHERE genre IS NOT NULL GROUP BY genre),
                albums AS (SELECT g AS genre, count(*) AS n FROM albums, unnest(genres) AS g GROUP BY g)
           SELECT coalesce(s.genre, a.genre) AS "name!", coalesce(s.n, 0) AS "songs!",
                  coalesce(a.n, 0) AS "albums!"
           FROM songs s FULL JOIN albums a ON a.genre = s.genre
           ORDER BY 2 DESC, 1"#
    )
    .fetch_all(db)
    .await?)
}

/// A decade (its first year) with how many albums were released in it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decade {
    pub decade: i32,
    pub albums: i64,
}

/// Every decade some album was released in, newest first.
pub async fn decades(db: &PgPool) -> Result<Vec<Decade>, DbError> {
    Ok(sqlx::query_as!(
        Decade,
        r#"SELECT (release_year / 10 * 10)::int AS "decade!", count(*) AS "albums!"
           FROM albums WHERE release_year IS NOT NULL GROUP BY 1 ORDER BY 1 DESC"#
    )
    .fetch_all(db)
    .await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_follow_the_ids_repeats_included_and_missing_ones_skipped() {
        let (a, b, c) = (Uuid::from_u128(1), Uuid::from_u128(2), Uuid::from_u128(3));
        assert_eq!(ordered(vec![a, b], &[b, c, a, b], |x| *x), vec![b, a, b]);
    }
}
