//! Likes of tracks, albums and artists: REST's `/v1/me/likes` and Subsonic's
//! `star`/`unstar` are the same rows, written here once.
//!
//! One table per kind keeps real foreign keys (a like of a deleted track goes
//! with it), so each kind has its own statements: fixed strings, never built
//! from input, and checked against the schema when the crate is built
//! (`sqlx::query!`, with the prepared descriptions in `core/.sqlx/`).

use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

use crate::DbError;

/// What can be liked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Track,
    Album,
    Artist,
}

impl Kind {
    pub const ALL: [Kind; 3] = [Kind::Track, Kind::Album, Kind::Artist];

    fn noun(self) -> &'static str {
        match self {
            Kind::Track => "track",
            Kind::Album => "album",
            Kind::Artist => "artist",
        }
    }
}

/// The ids of `ids` sorted and without repeats: one statement per kind.
fn distinct(ids: &[Uuid]) -> Vec<Uuid> {
    let mut ids = ids.to_vec();
    ids.sort_unstable();
    ids.dedup();
    ids
}

/// Fails with `NotFound` naming the kind unless every one of `ids` exists.
pub async fn check_known(db: &mut PgConnection, kind: Kind, ids: &[Uuid]) -> Result<(), DbError> {
    let ids = distinct(ids);
    if ids.is_empty() {
        return Ok(());
    }
    let ids = &ids[..];
    let known = match kind {
        Kind::Track => {
            sqlx::query_scalar!(
                r#"SELECT count(*) AS "n!" FROM tracks WHERE id = ANY($1)"#,
                ids
            )
            .fetch_one(&mut *db)
            .await?
        }
        Kind::Album => {
            sqlx::query_scalar!(
                r#"SELECT count(*) AS "n!" FROM albums WHERE id = ANY($1)"#,
                ids
            )
            .fetch_one(&mut *db)
            .await?
        }
        Kind::Artist => {
            sqlx::query_scalar!(
                r#"SELECT count(*) AS "n!" FROM artists WHERE id = ANY($1)"#,
                ids
            )
            .fetch_one(&mut *db)
            .await?
        }
    };
    if known < ids.len() as i64 {
        return Err(DbError::NotFound(kind.noun()));
    }
    Ok(())
}

/// Likes `ids` of one kind for `user`; liking again changes nothing. Nothing
/// is liked unless all of them exist (`NotFound` naming the kind).
pub async fn like(db: &PgPool, user: Uuid, kind: Kind, ids: &[Uuid]) -> Result<(), DbError> {
    let targets: Vec<(Kind, Uuid)> = ids.iter().map(|id| (kind, *id)).collect();
    like_all(db, user, &targets).await
}

/// Likes every one of `targets`, of any kinds, in one transaction: nothing
/// is liked unless all of them exist (`NotFound` naming the first kind with
/// a missing one), so a call naming one unknown id changes nothing rather
/// than half of what it asked.
pub async fn like_all(db: &PgPool, user: Uuid, targets: &[(Kind, Uuid)]) -> Result<(), DbError> {
    let of_kind = |kind: Kind| -> Vec<Uuid> {
        let ids: Vec<Uuid> = targets
            .iter()
            .filter(|(k, _)| *k == kind)
            .map(|(_, id)| *id)
            .collect();
        distinct(&ids)
    };
    let mut tx = db.begin().await?;
    for kind in Kind::ALL {
        check_known(&mut tx, kind, &of_kind(kind)).await?;
    }
    for kind in Kind::ALL {
        let ids = of_kind(kind);
        if !ids.is_empty() {
            insert(&mut tx, user, kind, &ids).await?;
        }
    }
    tx.commit().await?;
    Ok(())
}

/// The likes themselves, for ids known to exist.
async fn insert(
    conn: &mut PgConnection,
    user: Uuid,
    kind: Kind,
    ids: &[Uuid],
) -> Result<(), DbError> {
    match kind {
        Kind::Track => sqlx::query!(
            "INSERT INTO track_likes (user_id, track_id) SELECT $1, id FROM tracks WHERE id = ANY($2) \
             ON CONFLICT DO NOTHING",
            user,
            ids
        )
        .execute(&mut *conn)
        .await?,
        Kind::Album => sqlx::query!(
            "INSERT INTO album_likes (user_id, album_id) SELECT $1, id FROM albums WHERE id = ANY($2) \
             ON CONFLICT DO NOTHING",
            user,
            ids
        )
        .execute(&mut *conn)
        .await?,
        Kind::Artist => sqlx::query!(
            "INSERT INTO artist_likes (user_id, artist_id) SELECT $1, id FROM artists WHERE id = ANY($2) \
             ON CONFLICT DO NOTHING",
            user,
            ids
        )
        .execute(&mut *conn)
        .await?,
    };
    Ok(())
}

/// Removes `user`'s likes of `ids`; removing an absent like changes nothing.
pub async fn unlike(db: &PgPool, user: Uuid, kind: Kind, ids: &[Uuid]) -> Result<(), DbError> {
    let ids = &distinct(ids)[..];
    match kind {
        Kind::Track => {
            sqlx::query!(
                "DELETE FROM track_likes WHERE user_id = $1 AND track_id = ANY($2)",
                user,
                ids
            )
            .execute(db)
            .await?
        }
        Kind::Album => {
            sqlx::query!(
                "DELETE FROM album_likes WHERE user_id = $1 AND album_id = ANY($2)",
                user,
                ids
            )
            .execute(db)
            .await?
        }
        Kind::Artist => {
            sqlx::query!(
                "DELETE FROM artist_likes WHERE user_id = $1 AND artist_id = ANY($2)",
                user,
                ids
            )
            .execute(db)
            .await?
        }
    };
    Ok(())
}

/// Up to `limit` ids `user` likes of one kind, in id order after `after`.
pub async fn liked(
    db: &PgPool,
    user: Uuid,
    kind: Kind,
    after: Option<Uuid>,
    limit: i64,
) -> Result<Vec<Uuid>, DbError> {
    let ids = match kind {
        Kind::Track => {
            sqlx::query_scalar!(
                "SELECT track_id FROM track_likes WHERE user_id = $1 AND ($2::uuid IS NULL OR track_id > $2) \
                 ORDER BY track_id LIMIT $3",
                user,
                after,
                limit
            )
            .fetch_all(db)
            .await?
        }
        Kind::Album => {
            sqlx::query_scalar!(
                "SELECT album_id FROM album_likes WHERE user_id = $1 AND ($2::uuid IS NULL OR album_id > $2) \
                 ORDER BY album_id LIMIT $3",
                user,
                after,
                limit
            )
            .fetch_all(db)
            .await?
        }
        Kind::Artist => {
            sqlx::query_scalar!(
                "SELECT artist_id FROM artist_likes WHERE user_id = $1 AND ($2::uuid IS NULL OR artist_id > $2) \
                 ORDER BY artist_id LIMIT $3",
                user,
                after,
                limit
            )
            .fetch_all(db)
            .await?
        }
    };
    Ok(ids)
}

/// What `id` names, for clients (folder-based Subsonic ones) that send one
/// id for a song, an album or an artist alike.
pub async fn kind_of(db: &PgPool, id: Uuid) -> Result<Option<Kind>, DbError> {
    let kind = sqlx::query_scalar!(
        r#"SELECT 'track' AS "kind!" FROM tracks WHERE id = $1 UNION ALL
           SELECT 'album' FROM albums WHERE id = $1 UNION ALL
           SELECT 'artist' FROM artists WHERE id = $1 LIMIT 1"#,
        id
    )
    .fetch_optional(db)
    .await?;
    Ok(Kind::ALL
        .into_iter()
        .find(|k| kind.as_deref() == Some(k.noun())))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeats_are_written_once() {
        let (a, b) = (Uuid::from_u128(2), Uuid::from_u128(1));
        assert_eq!(distinct(&[a, b, a]), vec![b, a]);
    }
}
