//! Ratings of tracks, albums and artists (Subsonic's `setRating`), 1 to 5;
//! 0 takes the rating away. One table per kind, like likes.

use sqlx::PgPool;
use uuid::Uuid;

use super::likes::Kind;
use crate::DbError;

/// Sets `user`'s rating of `id`, a `kind`; 0 removes it. The caller has
/// checked that `id` is a `kind` and that `rating` is within 0 to 5.
pub async fn set(
    db: &PgPool,
    user: Uuid,
    kind: Kind,
    id: Uuid,
    rating: i16,
) -> Result<(), DbError> {
    match (kind, rating) {
        (Kind::Track, 0) => {
            sqlx::query!(
                "DELETE FROM track_ratings WHERE user_id = $1 AND track_id = $2",
                user,
                id
            )
            .execute(db)
            .await?
        }
        (Kind::Album, 0) => {
            sqlx::query!(
                "DELETE FROM album_ratings WHERE user_id = $1 AND album_id = $2",
                user,
                id
            )
            .execute(db)
            .await?
        }
        (Kind::Artist, 0) => {
            sqlx::query!(
                "DELETE FROM artist_ratings WHERE user_id = $1 AND artist_id = $2",
                user,
                id
            )
            .execute(db)
            .await?
        }
        (Kind::Track, _) => {
            sqlx::query!(
                "INSERT INTO track_ratings (user_id, track_id, rating) VALUES ($1, $2, $3) \
                 ON CONFLICT (user_id, track_id) DO UPDATE SET rating = EXCLUDED.rating",
                user,
                id,
                rating
            )
            .execute(db)
            .await?
        }
        (Kind::Album, _) => {
            sqlx::query!(
                "INSERT INTO album_ratings (user_id, album_id, rating) VALUES ($1, $2, $3) \
                 ON CONFLICT (user_id, album_id) DO UPDATE SET rating = EXCLUDED.rating",
                user,
                id,
                rating
            )
            .execute(db)
            .await?
        }
        (Kind::Artist, _) => {
            sqlx::query!(
                "INSERT INTO artist_ratings (user_id, artist_id, rating) VALUES ($1, $2, $3) \
                 ON CONFLICT (user_id, artist_id) DO UPDATE SET rating = EXCLUDED.rating",
                user,
                id,
                rating
            )
            .execute(db)
            .await?
        }
    };
    Ok(())
}
