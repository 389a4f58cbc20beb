//! Albums with their artist's name, their songs' count and length, and the
//! listener's star and rating.

use sqlx::PgPool;
use time::OffsetDateTime;
use uuid::Uuid;

use super::ordered;
use crate::DbError;

#[derive(Debug, Clone)]
pub struct Album {
    pub id: Uuid,
    pub title: String,
    pub release_year: Option<i32>,
    pub genres: Vec<String>,
    pub created_at: OffsetDateTime,
    pub artist_id: Uuid,
    pub artist: String,
    pub song_count: i64,
    pub duration_ms: i64,
    pub starred: Option<OffsetDateTime>,
    pub rating: Option<i16>,
    pub has_cover: bool,
}

/// The albums of `ids` as `user` sees them, in the order of `ids`.
pub async fn by_ids(db: &PgPool, user: Uuid, ids: &[Uuid]) -> Result<Vec<Album>, DbError> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let rows = sqlx::query_as!(
        Album,
        // Driven by the ids, as `songs::by_ids` is and for the same reason.
        r#"SELECT al.id, al.title, al.release_year, al.genres, al.created_at, al.artist_id,
                  ar.name AS "artist!",
                  c.song_count AS "song_count!", c.duration_ms AS "duration_ms!",
                  l.created_at AS "starred?", r.rating AS "rating?",
                  al.cover_key IS NOT NULL AS "has_cover!"
           FROM unnest($2::uuid[]) AS wanted(id)
           JOIN albums al ON al.id = wanted.id
           JOIN artists ar ON ar.id = al.artist_id
           LEFT JOIN album_likes l ON l.user_id = $1 AND l.album_id = al.id
           LEFT JOIN album_ratings r ON r.user_id = $1 AND r.album_id = al.id
           LEFT JOIN LATERAL (SELECT count(*) AS song_count, coalesce(sum(t.duration_ms), 0)::bigint AS duration_ms
                              FROM tracks t WHERE t.album_id = al.id) c ON true"#,
        user,
        ids
    )
    .fetch_all(db)
    .await?;
    Ok(ordered(rows, ids, |a| a.id))
}

/// One album, if it exists.
pub async fn one(db: &PgPool, user: Uuid, id: Uuid) -> Result<Option<Album>, DbError> {
    Ok(by_ids(db, user, &[id]).await?.pop())
}

/// Whether album `id` exists.
pub async fn exists(db: &PgPool, id: Uuid) -> Result<bool, DbError> {
    Ok(sqlx::query_scalar!(
        r#"SELECT EXISTS (SELECT 1 FROM albums WHERE id = $1) AS "exists!""#,
        id
    )
    .fetch_one(db)
    .await?)
}

/// An artist's albums, oldest first.
pub async fn of_artist(db: &PgPool, artist: Uuid) -> Result<Vec<Uuid>, DbError> {
    Ok(sqlx::query_scalar!(
        "SELECT id FROM albums WHERE artist_id = $1 \
         ORDER BY release_year NULLS LAST, lower(title), id",
        artist
    )
    .fetch_all(db)
    .await?)
}

/// The orders Subsonic's album lists page through (`getAlbumList2`'s types
/// that PostgreSQL answers; `frequent` and `recent` come from the warehouse).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Listing {
    Random,
    Newest,
    ByTitle,
    ByArtist,
    /// The listener's starred albums, newest star first.
    Starred,
    /// By the average rating, then by how many listeners starred it.
    Highest,
    /// Released between two years; newest first when `from > to`.
    Years {
        from: i64,
        to: i64,
    },
    /// Carrying a genre, any case.
    Genre(String),
}

/// A page of album ids in the order of `listing`.
pub async fn list(
    db: &PgPool,
    user: Uuid,
    listing: &Listing,
    size: i64,
    offset: i64,
) -> Result<Vec<Uuid>, DbError> {
    let ids = match listing {
        Listing::Random => {
            sqlx::query_scalar!(
                "SELECT id FROM albums ORDER BY random() LIMIT $1 OFFSET $2",
                size,
                offset
            )
            .fetch_all(db)
            .await?
        }
        Listing::Newest => {
            sqlx::query_scalar!(
                "SELECT id FROM albums ORDER BY created_at DESC, id LIMIT $1 OFFSET $2",
                size,
                offset
            )
            .fetch_all(db)
            .await?
        }
        Listing::ByTitle => {
            sqlx::query_scalar!(
                "SELECT id FROM albums ORDER BY lower(title), id LIMIT $1 OFFSET $2",
                size,
                offset
            )
            .fetch_all(db)
            .await?
        }
        Listing::ByArtist => {
            sqlx::query_scalar!(
                "SELECT al.id FROM albums al JOIN artists ar ON ar.id = al.artist_id \
                 ORDER BY lower(ar.name), lower(al.title), al.id LIMIT $1 OFFSET $2",
                size,
                offset
            )
            .fetch_all(db)
            .await?
        }
        Listing::Starred => {
            sqlx::query_scalar!(
                "SELECT album_id FROM album_likes WHERE user_id = $1 \
                 ORDER BY created_at DESC, album_id LIMIT $2 OFFSET $3",
                user,
                size,
                offset
            )
            .fetch_all(db)
            .await?
        }
        Listing::Highest => {
            sqlx::query_scalar!(
                "SELECT al.id FROM albums al ORDER BY \
                   (SELECT avg(x.rating) FROM album_ratings x WHERE x.album_id = al.id) DESC NULLS LAST, \
                   (SELECT count(*) FROM album_likes x WHERE x.album_id = al.id) DESC, lower(al.title), al.id \
                 LIMIT $1 OFFSET $2",
                size,
                offset
            )
            .fetch_all(db)
            .await?
        }
        Listing::Years { from, to } if from > to => {
            sqlx::query_scalar!(
                "SELECT id FROM albums WHERE release_year BETWEEN $1::bigint AND $2::bigint \
                 ORDER BY release_year DESC, lower(title), id LIMIT $3 OFFSET $4",
                to,
                from,
                size,
                offset
            )
            .fetch_all(db)
            .await?
        }
        Listing::Years { from, to } => {
            sqlx::query_scalar!(
                "SELECT id FROM albums WHERE release_year BETWEEN $1::bigint AND $2::bigint \
                 ORDER BY release_year ASC, lower(title), id LIMIT $3 OFFSET $4",
                from,
                to,
                size,
                offset
            )
            .fetch_all(db)
            .await?
        }
        Listing::Genre(genre) => {
            sqlx::query_scalar!(
                "SELECT al.id FROM albums al \
                 WHERE EXISTS (SELECT 1 FROM unnest(al.genres) g WHERE lower(g) = lower($1)) \
                 ORDER BY lower(al.title), al.id LIMIT $2 OFFSET $3",
                genre,
                size,
                offset
            )
            .fetch_all(db)
            .await?
        }
    };
    Ok(ids)
}

/// Every album `user` starred, newest star first.
pub async fn starred(db: &PgPool, user: Uuid) -> Result<Vec<Uuid>, DbError> {
    list(db, user, &Listing::Starred, i64::MAX, 0).await
}

/// The storage key of the artwork `id` stands for: an album's cover, a
/// song's album's, or an artist's picture, else the cover of the artist's
/// newest album that has one. `None` when there is none.
pub async fn artwork_key(db: &PgPool, id: Uuid) -> Result<Option<String>, DbError> {
    Ok(sqlx::query_scalar!(
        r#"SELECT cover_key AS "key!" FROM albums WHERE id = $1 AND cover_key IS NOT NULL
           UNION ALL SELECT al.cover_key FROM tracks t JOIN albums al ON al.id = t.album_id
                     WHERE t.id = $1 AND al.cover_key IS NOT NULL
           UNION ALL SELECT image_key FROM artists WHERE id = $1 AND image_key IS NOT NULL
           UNION ALL (SELECT cover_key FROM albums WHERE artist_id = $1 AND cover_key IS NOT NULL
                      ORDER BY release_year DESC NULLS LAST, id LIMIT 1)
           LIMIT 1"#,
        id
    )
    .fetch_optional(db)
    .await?)
}

/// What the catalogue knows of an album beyond its listing.
#[derive(Debug, Clone)]
pub struct Info {
    /// The importer's id: a MusicBrainz id when the source had one.
    pub external_id: Option<String>,
    pub has_cover: bool,
}

pub async fn info(db: &PgPool, id: Uuid) -> Result<Option<Info>, DbError> {
    Ok(sqlx::query_as!(
        Info,
        r#"SELECT external_id, cover_key IS NOT NULL AS "has_cover!" FROM albums WHERE id = $1"#,
        id
    )
    .fetch_optional(db)
    .await?)
}

/// The album's stored cover, if it has one.
pub async fn cover_key(db: &PgPool, id: Uuid) -> Result<Option<String>, DbError> {
    Ok(
        sqlx::query_scalar!("SELECT cover_key FROM albums WHERE id = $1", id)
            .fetch_optional(db)
            .await?
            .flatten(),
    )
}
