//! Artists with their albums' count and the listener's star and rating.

use sqlx::PgPool;
use time::OffsetDateTime;
use uuid::Uuid;

use super::ordered;
use crate::DbError;

#[derive(Debug, Clone)]
pub struct Artist {
    pub id: Uuid,
    pub name: String,
    pub album_count: i64,
    /// A picture was uploaded (`GET /v1/artists/{id}/image` serves it).
    pub has_image: bool,
    pub starred: Option<OffsetDateTime>,
    pub rating: Option<i16>,
}

/// The artists of `ids` as `user` sees them, in the order of `ids`.
pub async fn by_ids(db: &PgPool, user: Uuid, ids: &[Uuid]) -> Result<Vec<Artist>, DbError> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let rows = sqlx::query_as!(
        Artist,
        // Driven by the ids, as `songs::by_ids` is and for the same reason.
        r#"SELECT ar.id, ar.name,
                  (SELECT count(*) FROM albums al WHERE al.artist_id = ar.id) AS "album_count!",
                  ar.image_key IS NOT NULL AS "has_image!",
                  l.created_at AS "starred?", r.rating AS "rating?"
           FROM unnest($2::uuid[]) AS wanted(id)
           JOIN artists ar ON ar.id = wanted.id
           LEFT JOIN artist_likes l ON l.user_id = $1 AND l.artist_id = ar.id
           LEFT JOIN artist_ratings r ON r.user_id = $1 AND r.artist_id = ar.id"#,
        user,
        ids
    )
    .fetch_all(db)
    .await?;
    Ok(ordered(rows, ids, |a| a.id))
}

/// One artist, if it exists.
pub async fn one(db: &PgPool, user: Uuid, id: Uuid) -> Result<Option<Artist>, DbError> {
    Ok(by_ids(db, user, &[id]).await?.pop())
}

/// Every artist by name: the index clients browse. One statement rather than
/// ids then rows, as it reads the whole table.
pub async fn all(db: &PgPool, user: Uuid) -> Result<Vec<Artist>, DbError> {
    Ok(sqlx::query_as!(
        Artist,
        r#"SELECT ar.id, ar.name,
                  (SELECT count(*) FROM albums al WHERE al.artist_id = ar.id) AS "album_count!",
                  ar.image_key IS NOT NULL AS "has_image!",
                  arl.created_at AS "starred?", arr.rating AS "rating?"
           FROM artists ar
           LEFT JOIN artist_likes arl ON arl.artist_id = ar.id AND arl.user_id = $1
           LEFT JOIN artist_ratings arr ON arr.artist_id = ar.id AND arr.user_id = $1
           ORDER BY lower(ar.name), ar.id"#,
        user
    )
    .fetch_all(db)
    .await?)
}

/// A page of every artist by name.
pub async fn by_name(db: &PgPool, size: i64, offset: i64) -> Result<Vec<Uuid>, DbError> {
    Ok(sqlx::query_scalar!(
        "SELECT id FROM artists ORDER BY lower(name), id LIMIT $1 OFFSET $2",
        size,
        offset
    )
    .fetch_all(db)
    .await?)
}

/// The artists `user` starred, newest first.
pub async fn starred(db: &PgPool, user: Uuid) -> Result<Vec<Uuid>, DbError> {
    Ok(sqlx::query_scalar!(
        "SELECT artist_id FROM artist_likes WHERE user_id = $1 ORDER BY created_at DESC, artist_id",
        user
    )
    .fetch_all(db)
    .await?)
}

/// When any artist last changed: clients ask whether their index is stale.
pub async fn last_change(db: &PgPool) -> Result<Option<OffsetDateTime>, DbError> {
    Ok(sqlx::query_scalar!("SELECT max(updated_at) FROM artists")
        .fetch_one(db)
        .await?)
}

/// The artist of that name, any case (the lowest id if several share it).
pub async fn named(db: &PgPool, name: &str) -> Result<Option<Uuid>, DbError> {
    Ok(sqlx::query_scalar!(
        "SELECT id FROM artists WHERE lower(name) = lower($1) ORDER BY id LIMIT 1",
        name
    )
    .fetch_optional(db)
    .await?)
}

pub async fn exists(db: &PgPool, id: Uuid) -> Result<bool, DbError> {
    Ok(sqlx::query_scalar!(
        r#"SELECT EXISTS (SELECT 1 FROM artists WHERE id = $1) AS "exists!""#,
        id
    )
    .fetch_one(db)
    .await?)
}

/// Other artists with tracks in a genre of `artist`'s, those with the most
/// such tracks first: who is like an artist before anyone has listened to
/// it. Genres match as stored (the index on them serves the lookup).
pub async fn sharing_genres(db: &PgPool, artist: Uuid, limit: i64) -> Result<Vec<Uuid>, DbError> {
    Ok(sqlx::query_scalar!(
        "SELECT t.artist_id FROM tracks t \
         WHERE t.genre IN (SELECT DISTINCT genre FROM tracks WHERE artist_id = $1 AND genre IS NOT NULL) \
           AND t.artist_id <> $1 \
         GROUP BY t.artist_id ORDER BY count(*) DESC, t.artist_id LIMIT $2",
        artist,
        limit
    )
    .fetch_all(db)
    .await?)
}

/// The artists of `tracks`, in the order their first track comes, without
/// `except`: who a list of similar songs points to.
pub async fn of_tracks(
    db: &PgPool,
    tracks: &[Uuid],
    except: Uuid,
    limit: i64,
) -> Result<Vec<Uuid>, DbError> {
    Ok(sqlx::query_scalar!(
        "SELECT t.artist_id FROM unnest($1::uuid[]) WITH ORDINALITY AS s(track, n) \
         JOIN tracks t ON t.id = s.track WHERE t.artist_id <> $2 \
         GROUP BY t.artist_id ORDER BY min(s.n) LIMIT $3",
        tracks,
        except,
        limit
    )
    .fetch_all(db)
    .await?)
}

/// What the catalogue knows of an artist beyond its listing.
#[derive(Debug, Clone)]
pub struct Info {
    /// The importer's id: a MusicBrainz id when the source had one.
    pub external_id: Option<String>,
    pub image_url: Option<String>,
}

/// The storage key of the artist's uploaded picture, if it has one.
pub async fn image_key(db: &PgPool, id: Uuid) -> Result<Option<String>, DbError> {
    Ok(
        sqlx::query_scalar!("SELECT image_key FROM artists WHERE id = $1", id)
            .fetch_optional(db)
            .await?
            .flatten(),
    )
}

pub async fn info(db: &PgPool, id: Uuid) -> Result<Option<Info>, DbError> {
    Ok(sqlx::query_as!(
        Info,
        "SELECT external_id, image_url FROM artists WHERE id = $1",
        id
    )
    .fetch_optional(db)
    .await?)
}
