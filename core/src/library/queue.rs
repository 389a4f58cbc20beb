//! The play queue a listener saves on one device and resumes on another
//! (Subsonic's `savePlayQueue` and `getPlayQueue`): one row per listener.

use sqlx::PgPool;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::DbError;

#[derive(Debug, Clone)]
pub struct Saved {
    /// In order; a track may be there more than once.
    pub track_ids: Vec<Uuid>,
    pub current_id: Option<Uuid>,
    /// Within the current track.
    pub position_ms: i64,
    pub changed_at: OffsetDateTime,
    /// The client that saved it.
    pub changed_by: String,
}

/// Replaces `user`'s queue.
pub async fn save(
    db: &PgPool,
    user: Uuid,
    tracks: &[Uuid],
    current: Option<Uuid>,
    position_ms: i64,
    client: &str,
) -> Result<(), DbError> {
    sqlx::query!(
        "INSERT INTO play_queues (user_id, track_ids, current_id, position_ms, changed_by) \
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT (user_id) DO UPDATE SET \
         track_ids = EXCLUDED.track_ids, current_id = EXCLUDED.current_id, \
         position_ms = EXCLUDED.position_ms, changed_by = EXCLUDED.changed_by, changed_at = now()",
        user,
        tracks,
        current,
        position_ms,
        client
    )
    .execute(db)
    .await?;
    Ok(())
}

pub async fn clear(db: &PgPool, user: Uuid) -> Result<(), DbError> {
    sqlx::query!("DELETE FROM play_queues WHERE user_id = $1", user)
        .execute(db)
        .await?;
    Ok(())
}

/// `user`'s saved queue, if any.
pub async fn load(db: &PgPool, user: Uuid) -> Result<Option<Saved>, DbError> {
    Ok(sqlx::query_as!(
        Saved,
        "SELECT track_ids, current_id, position_ms, changed_at, changed_by \
         FROM play_queues WHERE user_id = $1",
        user
    )
    .fetch_optional(db)
    .await?)
}
