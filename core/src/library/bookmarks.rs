//! Bookmarks: where a listener stopped in a track, to resume there on any
//! device. Subsonic's `getBookmarks`, `createBookmark` and `deleteBookmark`
//! and the native `/v1/me/bookmarks` are this one table.

use sqlx::PgPool;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::DbError;

/// The longest comment a bookmark keeps (the table's check).
pub const COMMENT_MAX: usize = 500;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bookmark {
    pub track_id: Uuid,
    pub position_ms: i64,
    pub comment: String,
    pub created_at: OffsetDateTime,
    pub changed_at: OffsetDateTime,
}

/// Sets `user`'s bookmark in `track` (an existing track, its position within
/// it: the caller checked both), keeping when it was first made.
pub async fn save(
    db: &PgPool,
    user: Uuid,
    track: Uuid,
    position_ms: i64,
    comment: &str,
) -> Result<Bookmark, DbError> {
    Ok(sqlx::query_as!(
        Bookmark,
        "INSERT INTO bookmarks (user_id, track_id, position_ms, comment) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (user_id, track_id) DO UPDATE SET position_ms = EXCLUDED.position_ms, \
         comment = EXCLUDED.comment, changed_at = now() \
         RETURNING track_id, position_ms, comment, created_at, changed_at",
        user,
        track,
        position_ms,
        comment
    )
    .fetch_one(db)
    .await?)
}

/// `user`'s bookmarks, the last changed first.
pub async fn list(db: &PgPool, user: Uuid) -> Result<Vec<Bookmark>, DbError> {
    Ok(sqlx::query_as!(
        Bookmark,
        "SELECT track_id, position_ms, comment, created_at, changed_at FROM bookmarks \
         WHERE user_id = $1 ORDER BY changed_at DESC, track_id",
        user
    )
    .fetch_all(db)
    .await?)
}

/// Removes `user`'s bookmark in `track`, if there is one.
pub async fn delete(db: &PgPool, user: Uuid, track: Uuid) -> Result<(), DbError> {
    sqlx::query!(
        "DELETE FROM bookmarks WHERE user_id = $1 AND track_id = $2",
        user,
        track
    )
    .execute(db)
    .await?;
    Ok(())
}
